//! How an answer is read from a model's output, and when two answers count
//! as the same: `--answer-after TEXT`, then `--compare exact|trim|code|
//! number|choice`.
//!
//! Answers are bytes and need not be UTF-8. Each output is reduced to a
//! *key*; two answers agree when their keys are equal. An output in which
//! no answer can be found has no key: its call abstains ("no answer
//! found"). The expected value of a tasks file is read the same way, so
//! `A: 18` expected and `... so she makes $18.\nA: 18` answered agree.
//! `--canon CMD`, a command that prints the key, runs in `keys`.

use super::number::last_number;

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
    /// The last number, in one spelling (`number`): `$1,000.00` is `1000`.
    Number,
    /// The last standalone letter from `A` to `J`: `(B)` or `B.` is `B`.
    Choice,
}

impl Compare {
    pub fn parse(text: &str) -> Option<Compare> {
        match text {
            "exact" => Some(Compare::Exact),
            "trim" => Some(Compare::Trim),
            "code" => Some(Compare::Code),
            "number" => Some(Compare::Number),
            "choice" => Some(Compare::Choice),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compare::Exact => "exact",
            Compare::Trim => "trim",
            Compare::Code => "code",
            Compare::Number => "number",
            Compare::Choice => "choice",
        }
    }

    /// The key two answers are compared by; `None`: no answer found.
    pub fn key(self, answer: &[u8]) -> Option<Vec<u8>> {
        match self {
            Compare::Exact => Some(answer.to_vec()),
            Compare::Trim => Some(trim(answer)),
            Compare::Code => {
                Some(trim(first_code_block(answer).unwrap_or(answer)))
            }
            Compare::Number => last_number(answer),
            Compare::Choice => last_choice(answer).map(|letter| vec![letter]),
        }
    }
}

/// How answers are read: where the answer is, and how it is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// `--answer-after`: the answer is what follows its last occurrence, to
    /// the end of that line.
    pub after: Option<String>,
    pub compare: Compare,
    /// `--canon`: a command that prints the key (see `keys`).
    pub canon: Option<String>,
}

impl Reading {
    /// Bytes as they are, compared by `compare`.
    pub fn plain(compare: Compare) -> Reading {
        Reading { after: None, compare, canon: None }
    }

    /// The part of `output` that holds the answer: with `--answer-after`,
    /// what follows the last occurrence of its text up to the end of that
    /// line, spaces at its start left out; `None` when the text is absent.
    pub fn cut<'a>(&self, output: &'a [u8]) -> Option<&'a [u8]> {
        let Some(after) = &self.after else { return Some(output) };
        let after = after.as_bytes();
        if after.is_empty() {
            return Some(output); // refused as a flag; harmless here
        }
        let at = output.windows(after.len()).rposition(|w| w == after)?;
        let rest = &output[at + after.len()..];
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
        let start = line.iter().position(|&b| b != b' ' && b != b'\t');
        Some(&line[start.unwrap_or(line.len())..])
    }

    /// The key of `output`, without `--canon` (which needs a command run);
    /// `None`: no answer found.
    pub fn key(&self, output: &[u8]) -> Option<Vec<u8>> {
        self.compare.key(self.cut(output)?)
    }

    /// The reading in words, for the reports: "number after 'A:'".
    pub fn describe(&self) -> String {
        let how = match &self.canon {
            Some(canon) => format!("canon '{}'", crate::cli::one_line(canon)),
            None => self.compare.name().to_string(),
        };
        match &self.after {
            Some(after) => {
                format!("{how} after '{}'", crate::cli::one_line(after))
            }
            None => how,
        }
    }
}

/// The last letter from `A` to `J` that stands alone: no letter or digit
/// right before or after it.
fn last_choice(text: &[u8]) -> Option<u8> {
    let alone = |i: usize| {
        let apart =
            |b: Option<&u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric());
        apart(i.checked_sub(1).and_then(|j| text.get(j)))
            && apart(text.get(i + 1))
    };
    (0..text.len())
        .rev()
        .find(|&i| (b'A'..=b'J').contains(&text[i]) && alone(i))
        .map(|i| text[i])
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
        let k = |s: &[u8]| Compare::Trim.key(s).unwrap();
        assert_eq!(k(b"42\n"), k(b"42"));
        assert_ne!(k(b"4 2"), k(b"42"));
        assert_ne!(k(b" 42"), k(b"42"), "leading space is kept");
    }

    #[test]
    fn exact_compares_bytes_and_needs_no_utf8() {
        assert_ne!(Compare::Exact.key(b"42\n"), Compare::Exact.key(b"42"));
        let bytes = [0xFF, 0xFE, b'\n'];
        assert_eq!(Compare::Exact.key(&bytes).unwrap(), bytes);
        assert_eq!(Compare::Trim.key(&bytes).unwrap(), [0xFF, 0xFE]);
    }

    #[test]
    fn code_takes_the_first_fenced_block() {
        let chatty = b"Sure!\n```rust\nfn f() {}  \n```\nAnd:\n```\nx\n```\n";
        let code = |text: &[u8]| Compare::Code.key(text).unwrap();
        assert_eq!(code(chatty), b"fn f() {}");
        let terse = b"fn f() {}\n";
        assert_eq!(code(terse), code(chatty));
        // An unclosed fence is no block: the whole answer counts.
        assert_eq!(code(b"```\nx\n"), b"```\nx");
        assert_eq!(code(b"  ```\n```"), b"");
        for name in ["exact", "trim", "code", "number", "choice"] {
            assert_eq!(Compare::parse(name).map(Compare::name), Some(name));
        }
        assert_eq!(Compare::parse("fuzzy"), None);
    }

    #[test]
    fn answer_after_keeps_the_rest_of_the_line_after_the_last_marker() {
        let read = |after: &str, compare, text: &str| {
            let reading =
                Reading { after: Some(after.into()), compare, canon: None };
            reading.key(text.as_bytes()).map(|k| String::from_utf8(k).unwrap())
        };
        let prose = "A: first try 17\nso 9 * 2 = $18\nA:   $18.00 \nthanks 3";
        assert_eq!(read("A:", Compare::Number, prose).as_deref(), Some("18"));
        assert_eq!(read("A:", Compare::Trim, prose).as_deref(), Some("$18.00"));
        assert_eq!(
            read("A:", Compare::Exact, prose).as_deref(),
            Some("$18.00 ")
        );
        assert_eq!(
            read("####", Compare::Number, "#### 1,000").as_deref(),
            Some("1000")
        );
        assert_eq!(
            read("The answer is", Compare::Choice, "The answer is (C).")
                .as_deref(),
            Some("C")
        );
        assert_eq!(read("A:", Compare::Number, "no marker: 18"), None);
        assert_eq!(read("A:", Compare::Number, "A: none"), None);
        assert_eq!(read("A:", Compare::Trim, "A:").as_deref(), Some(""));
        let plain = Reading::plain(Compare::Number);
        assert_eq!(plain.key(b"A: 18\n(checked 2 ways)"), Some(b"2".to_vec()));
        assert_eq!(plain.describe(), "number");
        let after = Reading { after: Some("A:".into()), ..plain };
        assert_eq!(after.describe(), "number after 'A:'");
    }

    #[test]
    fn a_choice_is_the_last_letter_that_stands_alone() {
        let choice = |text: &str| Compare::Choice.key(text.as_bytes());
        assert_eq!(choice("(B)"), Some(b"B".to_vec()));
        assert_eq!(choice("I think B. Or rather (D)"), Some(b"D".to_vec()));
        assert_eq!(choice("Answer: J"), Some(b"J".to_vec()));
        assert_eq!(choice("Kind of BAD"), None, "letters inside words");
        assert_eq!(choice("K"), None, "only A to J");
        assert_eq!(choice("C3"), None);
        assert_eq!(choice(""), None);
    }
}
