//! Reading a `--log` back: each line parsed, each call rebuilt as it was
//! made (how its command ended, its raw output byte for byte, its stderr's
//! end, its time), for `--resume` (the tasks already paid for) and for
//! `--rescore` (every vote and task, read again another way).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::time::Duration;

use super::call::{Call, Status};
use super::json::{self, Value};
use super::vote::Settings;

/// A task as a log recorded it: enough to decide it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub prompt: Vec<u8>,
    pub expected: Vec<u8>,
    /// Each call, in command order, as recorded.
    pub calls: Vec<Call>,
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

/// A log's lines, each parsed by its number, and whether the last one was
/// cut off.
type Lines = (Vec<(usize, Option<Value>)>, bool);

/// A log's lines: each parsed (`None`: cut off or not JSON) by its number,
/// and whether the last one lacks its newline. A missing file has none.
pub fn lines(path: &str, flag: &str) -> Result<Lines, String> {
    let mut text = Vec::new();
    match File::open(path) {
        Ok(mut file) => file.read_to_end(&mut text),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(error) => Err(error),
    }
    .map_err(|error| format!("--{flag}: cannot read '{path}': {error}"))?;
    let cut_off = !text.is_empty() && !text.ends_with(b"\n");
    let parsed = text
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            let value = std::str::from_utf8(line)
                .ok()
                .and_then(|l| json::parse(l).ok());
            (i + 1, value)
        })
        .collect();
    Ok((parsed, cut_off))
}

/// Reads an evaluation's log back for `--resume`. A record made with other
/// commands, another reading of the answers, another check or other
/// bounds is an error; a line that is not a record is ignored (its task
/// runs again), and listed. A file with lines but no record is not a log.
pub fn read_log(path: &str, settings: &Settings) -> Result<Resumed, String> {
    let (lines, cut_off) = lines(path, "resume")?;
    let mut resumed = Resumed { cut_off, ..Resumed::default() };
    for (number, value) in &lines {
        let Some((task, record)) = value.as_ref().and_then(task_record) else {
            resumed.ignored.push(*number);
            continue;
        };
        if let Some(differs) = value.as_ref().and_then(|v| differs(v, settings))
        {
            return Err(format!(
                "--resume: '{path}', line {number}: recorded with another {differs}; \
                 give the same, or another --log"
            ));
        }
        resumed.tasks.entry(task).or_insert(record);
    }
    if resumed.tasks.is_empty() && !lines.is_empty() {
        return Err(format!(
            "--resume: '{path}' holds no record of an evaluation: not a log of \
             dual_model, left as it is"
        ));
    }
    Ok(resumed)
}

/// What a record was made with that these settings do not share, if any.
fn differs(value: &Value, settings: &Settings) -> Option<&'static str> {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let number = |key: &str| value.get(key).and_then(Value::as_u64);
    let commands: Vec<&str> = value
        .get("calls")
        .map(Value::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|call| call.get("command").and_then(Value::as_str))
        .collect();
    let reading = &settings.reading;
    let limits = settings.limits;
    let timeout_ms = u64::try_from(limits.timeout.as_millis()).ok();
    let checks = [
        (commands == settings.commands, "list of commands"),
        (text("compare") == Some(reading.compare.name()), "--compare"),
        (text("answer_after") == reading.after.as_deref(), "--answer-after"),
        (text("canon") == reading.canon.as_deref(), "--canon"),
        (text("check") == settings.check.as_deref(), "--check"),
        (number("timeout_ms") == timeout_ms, "--timeout"),
        (
            number("max_output") == Some(limits.max_output as u64),
            "--max-output",
        ),
    ];
    checks.iter().find(|(same, _)| !same).map(|(_, what)| *what)
}

/// One recorded call, rebuilt; `None` if the record is malformed.
pub fn recorded_call(value: &Value) -> Option<Call> {
    let status = Status::parse(value.get("status")?.as_str()?)?;
    let output = match value.get("output_hex") {
        Some(hex) => json::from_hex(hex.as_str()?)?,
        None => value.get("output")?.as_str()?.as_bytes().to_vec(),
    };
    let micros = match value.get("duration_us") {
        Some(us) => us.as_u64()?,
        None => value.get("duration_ms")?.as_u64()? * 1000,
    };
    let exit_code = match value.get("exit_code") {
        Some(Value::Null) | None => None,
        Some(code) => Some(i32::try_from(code.as_u64()?).ok()?),
    };
    Some(Call {
        status,
        exit_code,
        output,
        key: value
            .get("key")
            .and_then(Value::as_str)
            .map(|k| k.as_bytes().to_vec()),
        stderr: value.get("stderr")?.as_str()?.as_bytes().to_vec(),
        duration: Duration::from_micros(micros),
        retried: Vec::new(),
        check_said: value
            .get("check_stderr")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// An evaluation's record: its task's line and what was recorded.
pub fn task_record(value: &Value) -> Option<(usize, Recorded)> {
    let task = usize::try_from(value.get("task")?.as_u64()?).ok()?;
    let text = |key: &str| Some(value.get(key)?.as_str()?.as_bytes().to_vec());
    let calls = value
        .get("calls")?
        .items()
        .iter()
        .map(recorded_call)
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
    use crate::llm::real::answers::{Compare, Reading};
    use crate::llm::real::call::Limits;
    use crate::llm::real::journal::{Log, task_line};
    use crate::llm::real::tasks_file::Task;
    use std::fs::OpenOptions;
    use std::io::Write;
    use std::sync::Arc;

    fn settings(commands: &[&str]) -> Settings {
        Settings {
            commands: commands.iter().map(|c| (*c).to_string()).collect(),
            names: commands.iter().map(|c| (*c).to_string()).collect(),
            limits: Limits { timeout: Duration::from_secs(1), max_output: 100 },
            check: None,
            reading: Reading::plain(Compare::Trim),
            retry: crate::llm::real::retry::Retry::default(),
        }
    }

    fn call(status: Status, output: &[u8]) -> Call {
        Call {
            status,
            exit_code: Some(0),
            output: output.to_vec(),
            key: Some(b"2".to_vec()),
            stderr: b"warning: x\n".to_vec(),
            duration: Duration::from_micros(12_345),
            retried: Vec::new(),
            check_said: Some("too slow".into()),
        }
    }

    fn scratch_file(name: &str) -> String {
        let dir = std::env::temp_dir();
        let path =
            dir.join(format!("ch04-log-read-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        path.to_string_lossy().into_owned()
    }

    fn line(s: &Settings, task: &Task, calls: &[Call]) -> String {
        task_line(s, "t.tsv", task, b"e", calls)
    }

    #[test]
    fn a_task_line_reads_back_with_every_byte_of_every_call() {
        let s = settings(&["m", "m"]);
        let task = Task {
            line: 7,
            prompt: Arc::new(b"1 + 1\n".to_vec()),
            expected: b"2".to_vec(),
        };
        let mut timed_out = call(Status::TimedOut, b"");
        timed_out.exit_code = None;
        timed_out.key = None;
        let calls = [call(Status::Answered, b"\xff2\n"), timed_out];
        let value = json::parse(&line(&s, &task, &calls)).unwrap();
        let (at, recorded) = task_record(&value).unwrap();
        assert_eq!(at, 7);
        assert_eq!(recorded.prompt, b"1 + 1\n");
        assert_eq!(recorded.expected, b"2");
        assert_eq!(recorded.calls, calls, "status, output, key, stderr, time");
    }

    #[test]
    fn resume_refuses_other_settings_and_ignores_cut_lines() {
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
        log.append(&line(&s, &task(1), &calls)).unwrap();
        log.append(&line(&s, &task(2), &calls)).unwrap();
        assert!(
            Log::open(&path, true)
                .unwrap_err()
                .contains("already holds records")
        );
        let whole = line(&s, &task(3), &calls);
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
            error.contains("line 1: recorded with another list of commands"),
            "{error}"
        );
        let mut other = settings(&["m", "m"]);
        other.check = Some("true".into());
        assert!(
            read_log(&path, &other).unwrap_err().contains("another --check")
        );
        other = settings(&["m", "m"]);
        other.reading.after = Some("A:".into());
        assert!(
            read_log(&path, &other)
                .unwrap_err()
                .contains("another --answer-after")
        );
        other = settings(&["m", "m"]);
        other.limits.timeout = Duration::from_secs(2);
        assert!(
            read_log(&path, &other).unwrap_err().contains("another --timeout")
        );
        other = settings(&["m", "m"]);
        other.limits.max_output = 7;
        assert!(
            read_log(&path, &other)
                .unwrap_err()
                .contains("another --max-output")
        );
        assert!(
            read_log(&scratch_file("missing"), &s).unwrap().tasks.is_empty()
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_log_is_refused() {
        let path = scratch_file("notes");
        std::fs::write(&path, "# notes\nsome text\n").unwrap();
        let error = read_log(&path, &settings(&["m"])).unwrap_err();
        assert!(error.contains("holds no record of an evaluation"), "{error}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# notes\nsome text\n"
        );
        std::fs::remove_file(&path).unwrap();
    }
}
