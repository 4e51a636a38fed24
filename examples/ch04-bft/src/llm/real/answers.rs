//! When two answers count as the same: `--compare exact|trim|code`.
//!
//! Answers are bytes and need not be UTF-8. Each answer is reduced to a
//! *key*; two answers agree when their keys are equal.

/// How answers are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// Ignoring trailing whitespace on each line and blank lines at both
    /// ends.
    Trim,
    /// The first fenced code block (between lines that start with three
    /// backquotes), trimmed; the whole answer, trimmed, when there is none.
    Code,
}

impl Compare {
    pub fn parse(text: &str) -> Option<Compare> {
        match text {
            "exact" => Some(Compare::Exact),
            "trim" => Some(Compare::Trim),
            "code" => Some(Compare::Code),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compare::Exact => "exact",
            Compare::Trim => "trim",
            Compare::Code => "code",
        }
    }

    /// The key two answers are compared by.
    pub fn key(self, answer: &[u8]) -> Vec<u8> {
        match self {
            Compare::Exact => answer.to_vec(),
            Compare::Trim => trim(answer),
            Compare::Code => trim(first_code_block(answer).unwrap_or(answer)),
        }
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Trailing whitespace off every line, blank lines off both ends.
fn trim(text: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|line| {
            let end = line.iter().rposition(|b| !b.is_ascii_whitespace());
            &line[..end.map_or(0, |end| end + 1)]
        })
        .collect();
    let first = lines.iter().position(|line| !is_blank(line));
    let last = lines.iter().rposition(|line| !is_blank(line));
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join(&b'\n'),
        _ => Vec::new(),
    }
}

/// The lines between the first line that opens a fence (starts with three
/// backquotes, after optional spaces) and the next line that does.
fn first_code_block(text: &[u8]) -> Option<&[u8]> {
    let is_fence = |line: &[u8]| {
        let start = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
        line[start..].starts_with(b"```")
    };
    let mut offset = 0;
    let mut opened = None;
    for line in text.split(|&b| b == b'\n') {
        let end = offset + line.len();
        if is_fence(line) {
            match opened {
                None => opened = Some((end + 1).min(text.len())),
                Some(start) => return Some(&text[start..offset.max(start)]),
            }
        }
        offset = end + 1;
    }
    None // no fence, or one never closed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_ignores_trailing_space_and_blank_ends() {
        assert_eq!(trim(b"\n \n  42  \r\n\t\n"), b"  42");
        assert_eq!(trim(b"a \nb\t\n\n c\n"), b"a\nb\n\n c");
        assert_eq!(trim(b""), b"");
        assert_eq!(trim(b" \n\n"), b"");
        let k = |s: &[u8]| Compare::Trim.key(s);
        assert_eq!(k(b"42\n"), k(b"42"));
        assert_ne!(k(b"4 2"), k(b"42"));
        assert_ne!(k(b" 42"), k(b"42"), "leading space is kept");
    }

    #[test]
    fn exact_compares_bytes_and_needs_no_utf8() {
        assert_ne!(Compare::Exact.key(b"42\n"), Compare::Exact.key(b"42"));
        let bytes = [0xFF, 0xFE, b'\n'];
        assert_eq!(Compare::Exact.key(&bytes), bytes);
        assert_eq!(Compare::Trim.key(&bytes), [0xFF, 0xFE]);
    }

    #[test]
    fn code_takes_the_first_fenced_block() {
        let chatty = b"Sure!\n```rust\nfn f() {}  \n```\nAnd:\n```\nx\n```\n";
        assert_eq!(Compare::Code.key(chatty), b"fn f() {}");
        let terse = b"fn f() {}\n";
        assert_eq!(Compare::Code.key(terse), Compare::Code.key(chatty));
        // An unclosed fence is no block: the whole answer counts.
        assert_eq!(Compare::Code.key(b"```\nx\n"), b"```\nx");
        assert_eq!(Compare::Code.key(b"  ```\n```"), b"");
        for name in ["exact", "trim", "code"] {
            assert_eq!(Compare::parse(name).map(Compare::name), Some(name));
        }
        assert_eq!(Compare::parse("fuzzy"), None);
    }
}
