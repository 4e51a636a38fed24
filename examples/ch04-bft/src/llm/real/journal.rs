//! `--log FILE`: every call kept, one line of JSON per vote or per task, and
//! an interrupted evaluation resumed from it.
//!
//! A line is written with one `write` to a file opened for appending, so
//! lines from runs that share the file never mix. An evaluation's line names
//! the commands, the compare mode and the check it ran with: `--resume`
//! takes the tasks it finds for the same ones and runs only the rest. Two
//! equal `--cmd` are two samples, told apart by their place in the line.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::sync::Mutex;

use super::call::{Call, Status};
use super::json;
use super::tasks_file::Task;
use super::vote::{Ballot, Decision, Plan, Settings, rule_words};
use crate::threads::lock;

/// A log file open for appending.
#[derive(Debug)]
pub struct Log {
    file: Mutex<File>,
}

impl Log {
    /// Opens `path` for appending, creating it. With `fresh`, a file that
    /// already holds records is refused: it belongs to another run, and
    /// `--resume` is the way to continue it.
    pub fn open(path: &str, fresh: bool) -> Result<Log, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|error| format!("--log: cannot open '{path}': {error}"))?;
        let size = file.metadata().map_or(0, |m| m.len());
        if fresh && size > 0 {
            return Err(format!(
                "--log: '{path}' already holds records; add --resume to continue \
                 that evaluation, or give another file"
            ));
        }
        Ok(Log { file: Mutex::new(file) })
    }

    /// Appends `line` and its newline in one `write`, so that writers that
    /// share the file, in this process or others, never interleave.
    pub fn append(&self, line: &str) -> io::Result<()> {
        write_line(&mut *lock(&self.file), line)
    }
}

/// Writes `line` and its newline with a single `write` call. A file opened
/// for appending takes each `write` whole, at its end, whatever other
/// writers do; two calls (the text, then the newline) would let another
/// process's line slip in between.
fn write_line(out: &mut impl Write, line: &str) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    let written = out.write(&bytes)?;
    if written < bytes.len() {
        // A regular file takes the whole line unless the disk is full.
        return Err(io::Error::other(format!(
            "--log: only {written} of {} bytes written",
            bytes.len()
        )));
    }
    Ok(())
}

fn or_null(value: Option<impl ToString>) -> String {
    value.map_or("null".to_string(), |v| v.to_string())
}

/// One call as JSON. An output that is not UTF-8 is also kept in hex, so a
/// resumed run compares exactly the bytes it printed.
/// `more` is added as it is: further fields, each after a comma.
fn call_json(command: &str, call: &Call, more: &str) -> String {
    let utf8 = std::str::from_utf8(&call.output).is_ok();
    let hex = if utf8 {
        String::new()
    } else {
        format!(",\"output_hex\":\"{}\"", json::hex(&call.output))
    };
    format!(
        "{{\"command\":{},\"status\":{},\"exit_code\":{},\"duration_ms\":{},\
         \"output\":{},\"output_is_utf8\":{utf8}{hex},\"stderr\":{}{more}}}",
        json::string(command.as_bytes()),
        json::string(call.status.describe().as_bytes()),
        or_null(call.exit_code),
        call.duration.as_millis(),
        json::string(&call.output),
        json::string(&call.stderr),
    )
}

/// One vote: the rule, each call made, the decision.
pub fn vote_line(settings: &Settings, ballot: &Ballot, plan: Plan) -> String {
    let calls: Vec<String> = (0..ballot.calls.len())
        .filter(|&i| ballot.calls[i].status != Status::Unneeded)
        .map(|i| {
            let group = or_null(ballot.group_of[i].map(|g| g + 1));
            let more = format!(",\"group\":{group}");
            let command = &settings.commands[ballot.command_of[i]];
            call_json(command, &ballot.calls[i], &more)
        })
        .collect();
    let (decision, group) = match ballot.decision {
        Decision::Accepted(g) => ("accepted", Some(g + 1)),
        Decision::Rejected => ("rejected", None),
        Decision::Undecided => ("undecided", None),
    };
    let quorum = match plan.rule {
        crate::llm::rules::Rule::Fixed { quorum, .. }
        | crate::llm::rules::Rule::Cascade { quorum, .. } => quorum.to_string(),
        crate::llm::rules::Rule::AheadBy { .. } => "null".to_string(),
    };
    format!(
        "{{\"rule\":{},\"voters\":{},\"quorum\":{quorum},\"compare\":\"{}\",\"calls\":[{}],\
         \"decision\":\"{decision}\",\"group\":{}}}",
        json::string(rule_words(plan.rule).as_bytes()),
        settings.commands.len(),
        settings.compare.name(),
        calls.join(","),
        or_null(group),
    )
}

/// One task of an evaluation: where it is, what it asked, and every call.
pub fn task_line(settings: &Settings, task: &Task, calls: &[Call]) -> String {
    let calls: Vec<String> = calls
        .iter()
        .zip(&settings.commands)
        .map(|(call, command)| call_json(command, call, ""))
        .collect();
    format!(
        "{{\"task\":{},\"prompt\":{},\"expected\":{},\"compare\":\"{}\",\"check\":{},\
         \"calls\":[{}]}}",
        task.line,
        json::string(&task.prompt),
        json::string(&task.expected),
        settings.compare.name(),
        settings
            .check
            .as_deref()
            .map_or("null".to_string(), |c| json::string(c.as_bytes())),
        calls.join(","),
    )
}

/// A task as a log recorded it: enough to count it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub prompt: Vec<u8>,
    pub expected: Vec<u8>,
    /// Each call's status and output, in command order.
    pub calls: Vec<(Status, Vec<u8>)>,
}

/// What `--resume` found in a log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resumed {
    /// The recorded tasks, by line number.
    pub tasks: HashMap<usize, Recorded>,
    /// Lines that were cut off or are not records, to report and ignore.
    pub ignored: Vec<usize>,
    /// The log does not end with a newline: the next line must start anew.
    pub cut_off: bool,
}

/// Reads an evaluation's log back. A record from other commands, compare
/// mode or check is an error; a line that is not a record is ignored (its
/// task runs again), and listed.
pub fn read_log(path: &str, settings: &Settings) -> Result<Resumed, String> {
    let mut text = Vec::new();
    match File::open(path) {
        Ok(mut file) => file.read_to_end(&mut text),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(error) => Err(error),
    }
    .map_err(|error| format!("--resume: cannot read '{path}': {error}"))?;
    let mut resumed = Resumed {
        cut_off: !text.is_empty() && !text.ends_with(b"\n"),
        ..Resumed::default()
    };
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let parsed =
            std::str::from_utf8(line).ok().and_then(|l| json::parse(l).ok());
        let Some((task, record)) = parsed.as_ref().and_then(record) else {
            resumed.ignored.push(i + 1);
            continue;
        };
        let (commands, compare, check) =
            identity(parsed.as_ref().unwrap_or(&json::Value::Null));
        let wanted: Vec<&str> =
            settings.commands.iter().map(String::as_str).collect();
        if commands != wanted
            || compare != Some(settings.compare.name())
            || check != settings.check.as_deref()
        {
            return Err(format!(
                "--resume: '{path}', line {}: recorded with other commands, compare mode or \
                 check than these; give the same ones, or another --log",
                i + 1
            ));
        }
        resumed.tasks.entry(task).or_insert(record);
    }
    Ok(resumed)
}

/// The commands, compare mode and check a record was made with.
fn identity(value: &json::Value) -> (Vec<&str>, Option<&str>, Option<&str>) {
    let commands = value
        .get("calls")
        .map(json::Value::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|call| call.get("command").and_then(json::Value::as_str))
        .collect();
    let compare = value.get("compare").and_then(json::Value::as_str);
    let check = value.get("check").and_then(json::Value::as_str);
    (commands, compare, check)
}

/// An evaluation's record: its task's line and what was recorded.
fn record(value: &json::Value) -> Option<(usize, Recorded)> {
    let task = usize::try_from(value.get("task")?.as_u64()?).ok()?;
    let text = |key: &str| Some(value.get(key)?.as_str()?.as_bytes().to_vec());
    let calls = value
        .get("calls")?
        .items()
        .iter()
        .map(|call| {
            let status = Status::parse(call.get("status")?.as_str()?)?;
            let output = match call.get("output_hex") {
                Some(hex) => json::from_hex(hex.as_str()?)?,
                None => call.get("output")?.as_str()?.as_bytes().to_vec(),
            };
            Some((status, output))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((
        task,
        Recorded {
            prompt: text("prompt")?,
            expected: text("expected")?,
            calls,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::real::answers::Compare;
    use crate::llm::real::call::Limits;
    use std::sync::Arc;
    use std::time::Duration;

    fn settings(commands: &[&str]) -> Settings {
        Settings {
            commands: commands.iter().map(|c| (*c).to_string()).collect(),
            limits: Limits { timeout: Duration::from_secs(1), max_output: 100 },
            check: None,
            compare: Compare::Trim,
        }
    }

    fn call(status: Status, output: &[u8]) -> Call {
        Call {
            status,
            exit_code: Some(0),
            output: output.to_vec(),
            stderr: b"warning: x\n".to_vec(),
            duration: Duration::from_millis(12),
        }
    }

    fn scratch_file(name: &str) -> String {
        let dir = std::env::temp_dir();
        let path =
            dir.join(format!("ch04-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn a_task_line_reads_back_with_every_byte_of_every_output() {
        let s = settings(&["m", "m"]);
        let task = Task {
            line: 7,
            prompt: Arc::new(b"1 + 1\n".to_vec()),
            expected: b"2".to_vec(),
        };
        let calls =
            [call(Status::Answered, b"\xff2\n"), call(Status::TimedOut, b"")];
        let line = task_line(&s, &task, &calls);
        let value = json::parse(&line).unwrap();
        assert_eq!(
            value.get("calls").unwrap().items()[0]
                .get("stderr")
                .and_then(json::Value::as_str),
            Some("warning: x\n")
        );
        let (at, recorded) = record(&value).unwrap();
        assert_eq!(at, 7);
        assert_eq!(recorded.prompt, b"1 + 1\n");
        assert_eq!(
            recorded.calls,
            [
                (Status::Answered, b"\xff2\n".to_vec()),
                (Status::TimedOut, Vec::new())
            ]
        );
    }

    #[test]
    fn resume_refuses_other_commands_and_ignores_cut_lines() {
        let path = scratch_file("resume");
        let s = settings(&["m", "m"]);
        let task = |line| Task {
            line,
            prompt: Arc::new(b"p\n".to_vec()),
            expected: b"e".to_vec(),
        };
        let calls =
            [call(Status::Answered, b"e"), call(Status::Answered, b"e")];
        let log = Log::open(&path, true).unwrap();
        log.append(&task_line(&s, &task(1), &calls)).unwrap();
        log.append(&task_line(&s, &task(2), &calls)).unwrap();
        assert!(
            Log::open(&path, true)
                .unwrap_err()
                .contains("already holds records")
        );
        let whole = task_line(&s, &task(3), &calls);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        let resumed = read_log(&path, &s).unwrap();
        let mut lines: Vec<_> = resumed.tasks.keys().copied().collect();
        lines.sort_unstable();
        assert_eq!(
            (lines, resumed.ignored, resumed.cut_off),
            (vec![1, 2], vec![3], true)
        );
        let error = read_log(&path, &settings(&["m"])).unwrap_err();
        assert!(
            error.contains("line 1: recorded with other commands"),
            "{error}"
        );
        let mut checked = settings(&["m", "m"]);
        checked.check = Some("true".into());
        assert!(read_log(&path, &checked).is_err(), "another check");
        assert!(
            read_log(&scratch_file("missing"), &s).unwrap().tasks.is_empty()
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// Records each `write` call it gets.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.push(bytes.to_vec());
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_is_one_write_newline_included() {
        let mut writes = Writes::default();
        let line = "{\"a\":1}".repeat(1000);
        write_line(&mut writes, &line).unwrap();
        let sizes: Vec<usize> = writes.0.iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            [line.len() + 1],
            "one write of the line and its newline"
        );
        assert!(writes.0[0].ends_with(b"}\n"));
    }

    #[test]
    fn concurrent_appends_give_whole_lines() {
        let path = scratch_file("concurrent");
        let log = Log::open(&path, false).unwrap();
        let line = "x".repeat(5000);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..50 {
                        log.append(&line).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 400);
        assert!(text.lines().all(|l| l == line));
        std::fs::remove_file(&path).unwrap();
    }
}
