//! `--log FILE`: every call kept, one line of JSON per vote or per task.
//!
//! A line is written with one `write` to a file opened for appending, so
//! lines from runs that share the file never mix. Each call keeps its raw
//! output (in hexadecimal too when it is not UTF-8), its stderr's end, how
//! it ended and the key it voted for; each line keeps how the answers were
//! read and the bounds the calls ran within. `log_read` reads it back, for
//! `--resume` and `--rescore`. Two equal `--cmd` are two samples, told
//! apart by their place in the line.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::Mutex;

use super::call::{Call, Status};
use super::json;
use super::tasks_file::Task;
use super::vote::{Ballot, Decision, Plan, Settings};
use super::vote_report::rule_words;
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

    /// `open`, and the file kept for this run alone while the `Log` lives
    /// (an advisory lock, which the system drops when the process ends,
    /// however it ends): two evaluations never write one log at once.
    /// Votes, one line each, may share a log.
    pub fn open_alone(path: &str, fresh: bool) -> Result<Log, String> {
        let log = Log::open(path, fresh)?;
        match lock(&log.file).try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "--log: '{path}' is in use by another evaluation; wait for it \
                     to end, or give another file"
                ));
            }
            Err(std::fs::TryLockError::Error(error)) => {
                return Err(format!("--log: cannot lock '{path}': {error}"));
            }
        }
        Ok(log)
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
            "only {written} of {} bytes written",
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
fn call_json(settings: &Settings, c: usize, call: &Call, more: &str) -> String {
    let utf8 = std::str::from_utf8(&call.output).is_ok();
    let hex = if utf8 {
        String::new()
    } else {
        format!(",\"output_hex\":\"{}\"", json::hex(&call.output))
    };
    let key = call.key.as_deref().map(json::string);
    let attempts: Vec<String> = call
        .retried
        .iter()
        .map(|attempt| {
            format!(
                "{{\"status\":{},\"duration_us\":{},\"stderr\":{}}}",
                json::string(attempt.status.describe().as_bytes()),
                attempt.duration.as_micros(),
                or_null(
                    attempt
                        .stderr
                        .as_deref()
                        .map(|l| json::string(l.as_bytes()))
                ),
            )
        })
        .collect();
    format!(
        "{{\"command\":{},\"name\":{},\"status\":{},\"exit_code\":{},\
         \"duration_us\":{},\"output\":{},\"output_is_utf8\":{utf8}{hex},\
         \"key\":{},\"stderr\":{},\"check_stderr\":{},\"retried\":[{}]{more}}}",
        json::string(settings.commands[c].as_bytes()),
        json::string(settings.names[c].as_bytes()),
        json::string(call.status.describe().as_bytes()),
        or_null(call.exit_code),
        call.duration.as_micros(),
        json::string(&call.output),
        or_null(key),
        json::string(&call.stderr),
        or_null(call.check_said.as_deref().map(|l| json::string(l.as_bytes()))),
        attempts.join(","),
    )
}

/// How a line's answers were read, and the bounds its calls ran within:
/// the fields `--resume` requires to be the same.
fn reading_json(settings: &Settings) -> String {
    let text = |value: Option<&String>| {
        or_null(value.map(|v| json::string(v.as_bytes())))
    };
    let reading = &settings.reading;
    format!(
        "\"compare\":\"{}\",\"answer_after\":{},\"canon\":{},\"check\":{},\
         \"timeout_ms\":{},\"max_output\":{}",
        reading.compare.name(),
        text(reading.after.as_ref()),
        text(reading.canon.as_ref()),
        text(settings.check.as_ref()),
        settings.limits.timeout.as_millis(),
        settings.limits.max_output,
    )
}

/// One vote: the rule, the prompt, each call made (by its number), the
/// decision.
pub fn vote_line(
    settings: &Settings,
    prompt: &[u8],
    ballot: &Ballot,
    plan: Plan,
) -> String {
    let calls: Vec<String> = (0..ballot.calls.len())
        .filter(|&i| ballot.calls[i].status != Status::Unneeded)
        .map(|i| {
            let group = or_null(ballot.group_of[i].map(|g| g + 1));
            let more = format!(",\"call\":{},\"group\":{group}", i + 1);
            call_json(settings, ballot.command_of[i], &ballot.calls[i], &more)
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
    let list = |texts: &[String]| {
        let items: Vec<String> =
            texts.iter().map(|t| json::string(t.as_bytes())).collect();
        format!("[{}]", items.join(","))
    };
    format!(
        "{{\"rule\":{},\"voters\":{},\"quorum\":{quorum},\"commands\":{},\
         \"names\":{},{},\"prompt\":{},\"calls\":[{}],\"decision\":\"{decision}\",\
         \"group\":{}}}",
        json::string(rule_words(plan.rule).as_bytes()),
        settings.commands.len(),
        list(&settings.commands),
        list(&settings.names),
        reading_json(settings),
        json::string(prompt),
        calls.join(","),
        or_null(group),
    )
}

/// One task of an evaluation: where it is, what it asked, what it
/// expected (and the key read from that), and every call.
pub fn task_line(
    settings: &Settings,
    source: &str,
    task: &Task,
    expected_key: &[u8],
    calls: &[Call],
) -> String {
    let calls: Vec<String> = calls
        .iter()
        .enumerate()
        .map(|(c, call)| call_json(settings, c, call, ""))
        .collect();
    format!(
        "{{\"task\":{},\"tasks_file\":{},\"prompt\":{},\"expected\":{},\
         \"expected_key\":{},{},\"calls\":[{}]}}",
        task.line,
        json::string(source.as_bytes()),
        json::string(&task.prompt),
        json::string(&task.expected),
        json::string(expected_key),
        reading_json(settings),
        calls.join(","),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_file(name: &str) -> String {
        let dir = std::env::temp_dir();
        let path =
            dir.join(format!("ch04-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        path.to_string_lossy().into_owned()
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
