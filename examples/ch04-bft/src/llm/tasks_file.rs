//! The tasks file of `dual_model --tasks-file`: one `PROMPT<TAB>EXPECTED`
//! per line, with `\t`, `\n` and `\\` escapes; blank lines and lines that
//! start with `#` are skipped. A malformed line is an error naming the file
//! and the line.

/// One task of a tasks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub prompt: Vec<u8>,
    pub expected: Vec<u8>,
}

/// Undoes `\t`, `\n` and `\\`; any other backslash is an error.
fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        match chars.next() {
            Some('t') => bytes.push(b'\t'),
            Some('n') => bytes.push(b'\n'),
            Some('\\') => bytes.push(b'\\'),
            Some(other) => return Err(format!("unknown escape '\\{other}'")),
            None => return Err("a lone '\\' at the end".to_string()),
        }
    }
    Ok(bytes)
}

/// Parses a tasks file: one `PROMPT<TAB>EXPECTED` per line; blank lines and
/// lines starting with `#` are skipped. `name` is used in errors.
pub fn parse_tasks(name: &str, text: &str) -> Result<Vec<Task>, String> {
    let mut tasks = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let at =
            |problem: String| format!("{name}, line {}: {problem}", number + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let [prompt, expected] = fields[..] else {
            let tabs = fields.len() - 1;
            return Err(at(format!(
                "needs PROMPT<TAB>EXPECTED, found {tabs} tabs"
            )));
        };
        let mut prompt = unescape(prompt).map_err(at)?;
        if !prompt.ends_with(b"\n") {
            prompt.push(b'\n'); // a command that reads a line needs its end
        }
        tasks.push(Task { prompt, expected: unescape(expected).map_err(at)? });
    }
    if tasks.is_empty() {
        return Err(format!("{name} holds no tasks"));
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_files_parse_with_escapes_and_name_bad_lines() {
        let text = "# comment\n\n1 + 1\t2\na\\tb\\\\c\tx\\ny\r\n";
        let tasks = parse_tasks("t.tsv", text).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(
            tasks[0],
            Task { prompt: b"1 + 1\n".to_vec(), expected: b"2".to_vec() }
        );
        assert_eq!(tasks[1].prompt, b"a\tb\\c\n");
        assert_eq!(tasks[1].expected, b"x\ny");
        let bad = [
            (
                "1 + 1 2\n",
                "t.tsv, line 1: needs PROMPT<TAB>EXPECTED, found 0 tabs",
            ),
            (
                "ok\t1\na\tb\tc\n",
                "t.tsv, line 2: needs PROMPT<TAB>EXPECTED, found 2 tabs",
            ),
            ("a\\q\t1\n", "t.tsv, line 1: unknown escape '\\q'"),
            ("a\t1\\\n", "t.tsv, line 1: a lone '\\' at the end"),
            ("# only a comment\n", "t.tsv holds no tasks"),
        ];
        for (text, message) in bad {
            assert_eq!(
                parse_tasks("t.tsv", text),
                Err(message.to_string()),
                "{text:?}"
            );
        }
    }
}
