//! The tasks file of `dual_model --tasks-file`: one `PROMPT<TAB>EXPECTED`
//! per line, with `\t`, `\n` and `\\` escapes; blank lines and lines that
//! start with `#` are skipped, as is a UTF-8 byte order mark at the start. A
//! malformed line is an error naming the file and the line.
//!
//! The file is read as a stream, a line at a time, so an evaluation holds the
//! tasks it is running and no others, however long the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::Arc;

/// One task of a tasks file. The prompt is shared by every call that
/// answers it, never copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its line in the file, from 1.
    pub line: usize,
    pub prompt: Arc<Vec<u8>>,
    pub expected: Vec<u8>,
}

/// Where the tasks come from. A regular file is read where it lies, as
/// often as needed (once to check it, once to run it), a line at a time.
/// Anything else (a pipe, `<(...)`, `/dev/stdin`) can be read only once,
/// and may say something else the next time: it is read once, whole, and
/// every pass reads that copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskSource {
    File(String),
    Read { name: String, bytes: Arc<Vec<u8>> },
}

/// A stream of tasks from either kind of source.
pub type TaskStream = Tasks<Box<dyn BufRead + Send>>;

impl TaskSource {
    pub fn new(path: &str) -> Result<TaskSource, String> {
        let cannot = |error| format!("cannot read '{path}': {error}");
        let regular = std::fs::metadata(path).map_err(cannot)?.is_file();
        if regular {
            return Ok(TaskSource::File(path.to_string()));
        }
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(cannot)?;
        Ok(TaskSource::Read { name: path.to_string(), bytes: Arc::new(bytes) })
    }

    /// The tasks, from the first.
    pub fn tasks(&self) -> Result<TaskStream, String> {
        match self {
            TaskSource::File(path) => {
                let file = File::open(path).map_err(|error| {
                    format!("cannot read '{path}': {error}")
                })?;
                Ok(Tasks::new(path, Box::new(BufReader::new(file))))
            }
            TaskSource::Read { name, bytes } => {
                Ok(Tasks::new(name, Box::new(Cursor::new(bytes.to_vec()))))
            }
        }
    }
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

/// The tasks of a file, one at a time, in the order of their lines.
#[derive(Debug)]
pub struct Tasks<R> {
    source: R,
    name: String,
    line: usize,
}

impl Tasks<BufReader<File>> {
    /// The tasks of the file at `path`.
    pub fn open(path: &str) -> Result<Self, String> {
        let file = File::open(path)
            .map_err(|error| format!("cannot read '{path}': {error}"))?;
        Ok(Tasks::new(path, BufReader::new(file)))
    }
}

impl<R: BufRead> Tasks<R> {
    /// The tasks in `source`; `name` is used in errors.
    pub fn new(name: &str, source: R) -> Self {
        Tasks { source, name: name.to_string(), line: 0 }
    }

    /// The task on one line, `None` for a line to skip.
    fn parse(&self, bytes: &[u8]) -> Result<Option<Task>, String> {
        let at = |problem: String| {
            format!("{}, line {}: {problem}", self.name, self.line)
        };
        let mut bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if self.line == 1 {
            bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        }
        let line = std::str::from_utf8(bytes)
            .map_err(|_| at("not UTF-8 text".to_string()))?;
        if line.trim().is_empty() || line.starts_with('#') {
            return Ok(None);
        }
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
        let expected = unescape(expected).map_err(at)?;
        Ok(Some(Task { line: self.line, prompt: Arc::new(prompt), expected }))
    }
}

impl<R: BufRead> Iterator for Tasks<R> {
    type Item = Result<Task, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            match self.source.read_until(b'\n', &mut bytes) {
                Ok(0) => return None,
                Ok(_) => self.line += 1,
                Err(error) => {
                    return Some(Err(format!("{}: {error}", self.name)));
                }
            }
            match self.parse(&bytes) {
                Ok(None) => {}
                Ok(Some(task)) => return Some(Ok(task)),
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// Reads the whole file once, to find any error before a call is made, and
/// counts its tasks; a file with none is an error too.
pub fn count_tasks<R: BufRead>(tasks: Tasks<R>) -> Result<usize, String> {
    let name = tasks.name.clone();
    let mut count = 0;
    for task in tasks {
        task?;
        count += 1;
    }
    if count == 0 {
        return Err(format!("{name} holds no tasks"));
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_tasks(name: &str, text: &[u8]) -> Result<Vec<Task>, String> {
        count_tasks(Tasks::new(name, text))?;
        Tasks::new(name, text).collect()
    }

    #[test]
    fn tasks_files_parse_with_escapes_and_name_bad_lines() {
        let text = b"# comment\n\n1 + 1\t2\na\\tb\\\\c\tx\\ny\r\n";
        let tasks = parse_tasks("t.tsv", text).unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(
            tasks[0],
            Task {
                line: 3,
                prompt: Arc::new(b"1 + 1\n".to_vec()),
                expected: b"2".to_vec()
            }
        );
        assert_eq!(*tasks[1].prompt, b"a\tb\\c\n");
        assert_eq!((tasks[1].line, &tasks[1].expected[..]), (4, &b"x\ny"[..]));
        let bad: [(&[u8], &str); 6] = [
            (
                b"1 + 1 2\n",
                "t.tsv, line 1: needs PROMPT<TAB>EXPECTED, found 0 tabs",
            ),
            (
                b"ok\t1\na\tb\tc\n",
                "t.tsv, line 2: needs PROMPT<TAB>EXPECTED, found 2 tabs",
            ),
            (b"a\\q\t1\n", "t.tsv, line 1: unknown escape '\\q'"),
            (b"a\t1\\\n", "t.tsv, line 1: a lone '\\' at the end"),
            (b"# only a comment\n", "t.tsv holds no tasks"),
            (b"ok\t1\n\n\xff\t2\n", "t.tsv, line 3: not UTF-8 text"),
        ];
        for (text, message) in bad {
            let error = parse_tasks("t.tsv", text).map(|_| ()).unwrap_err();
            assert_eq!(error, message, "{text:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let tasks = parse_tasks("t.tsv", b"\xef\xbb\xbf2 + 2\t4\n").unwrap();
        assert_eq!(*tasks[0].prompt, b"2 + 2\n");
        // The last line needs no newline.
        assert_eq!(parse_tasks("t.tsv", b"1\t1").unwrap()[0].expected, b"1");
    }
}
