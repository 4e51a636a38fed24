//! What a call did: how it ended (`Status`), its output, the end of its
//! stderr, and how long it took; and the bounds every call runs within.

use std::io;
use std::time::Duration;

/// How a call ended. Only `Answered` gives a vote; `NotRun` is the machine's
/// failure and counts for nothing at all; the others abstain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Answered,
    TimedOut,
    /// Exited with a code other than 0 (`None`: ended by a signal).
    Failed(Option<i32>),
    OverLimit,
    /// `--check` rejected its answer.
    FailedCheck,
    /// It exited 0, but no answer could be read from its output.
    NoAnswer,
    /// `--canon` could not read its output: how the canon ended, and the
    /// last line of its stderr ("exit status 3: no number").
    CanonFailed(String),
    /// The machine could not run it (open files, processes, memory).
    NotRun(String),
    /// The vote was decided while it ran: its group was stopped.
    Stopped,
    /// The vote was decided before it started: it never ran.
    Unneeded,
}

impl Status {
    pub fn describe(&self) -> String {
        match self {
            Status::Answered => "answered".to_string(),
            Status::TimedOut => "timed out".to_string(),
            Status::Failed(Some(code)) => format!("exit status {code}"),
            Status::Failed(None) => "ended by a signal".to_string(),
            Status::OverLimit => "over the output limit".to_string(),
            Status::FailedCheck => "failed the check".to_string(),
            Status::NoAnswer => "no answer found".to_string(),
            Status::CanonFailed(why) => format!("canon failed: {why}"),
            Status::NotRun(why) => format!("not run: {why}"),
            Status::Stopped => "stopped: decided".to_string(),
            Status::Unneeded => "not started: decided".to_string(),
        }
    }

    /// The status `describe` names, read back from a log.
    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "answered" => Status::Answered,
            "timed out" => Status::TimedOut,
            "ended by a signal" => Status::Failed(None),
            "over the output limit" => Status::OverLimit,
            "failed the check" => Status::FailedCheck,
            "no answer found" => Status::NoAnswer,
            "stopped: decided" => Status::Stopped,
            _ => {
                if let Some(why) = text.strip_prefix("canon failed: ") {
                    return Some(Status::CanonFailed(why.to_string()));
                }
                let code = text.strip_prefix("exit status ")?;
                Status::Failed(Some(code.parse().ok()?))
            }
        })
    }

    /// How a command that exited with `code` (`None`: by a signal) ended.
    pub fn exited(code: Option<i32>) -> Status {
        if code == Some(0) { Status::Answered } else { Status::Failed(code) }
    }

    /// The shell's word that the command could not be found (127) or
    /// run (126).
    pub fn not_found(&self) -> bool {
        matches!(self, Status::Failed(Some(126 | 127)))
    }

    /// Whether the command ran to an end of its own (answered, failed,
    /// timed out): not stopped by the vote, never started, or not run.
    pub fn ended(&self) -> bool {
        !matches!(self, Status::NotRun(_) | Status::Stopped | Status::Unneeded)
    }

    /// How the command itself ended, before its answer was read or checked:
    /// what a log's record is read again from.
    pub fn ran(&self) -> Status {
        match self {
            Status::FailedCheck | Status::NoAnswer | Status::CanonFailed(_) => {
                Status::Answered
            }
            other => other.clone(),
        }
    }
}

/// What one call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub status: Status,
    /// Exit code of `sh`, when it exited.
    pub exit_code: Option<i32>,
    /// Its standard output, as printed (empty when over the limit).
    pub output: Vec<u8>,
    /// The key it voted for, once its answer has been read.
    pub key: Option<Vec<u8>>,
    /// The last `STDERR_TAIL` bytes of its standard error.
    pub stderr: Vec<u8>,
    pub duration: Duration,
    /// The attempts before this one that failed and were retried
    /// (`--retries`), first first.
    pub retried: Vec<Attempt>,
    /// When it failed the check: the last line of the check's stderr.
    pub check_said: Option<String>,
}

/// An attempt that failed and was made again: how it ended, the last line
/// of its stderr, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: Status,
    pub stderr: Option<String>,
    pub duration: Duration,
}

impl Attempt {
    pub fn of(call: &Call) -> Attempt {
        Attempt {
            status: call.status.clone(),
            stderr: last_line(&call.stderr),
            duration: call.duration,
        }
    }
}

impl Call {
    pub(super) fn without_run(status: Status) -> Call {
        Call {
            status,
            exit_code: None,
            output: Vec::new(),
            key: None,
            stderr: Vec::new(),
            duration: Duration::ZERO,
            retried: Vec::new(),
            check_said: None,
        }
    }

    /// A call the vote no longer needed when its turn came.
    pub fn unneeded() -> Call {
        Call::without_run(Status::Unneeded)
    }

    pub(super) fn not_run(why: &io::Error) -> Call {
        Call::without_run(Status::NotRun(why.to_string()))
    }
}

/// How much of a command's stderr is kept: its end, where the reason is.
pub const STDERR_TAIL: usize = 4096;

/// The bounds every call runs within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub max_output: usize,
}

/// The last line of `stderr` with something on it, escaped to one line.
pub fn last_line(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().rev().map(str::trim).find(|l| !l.is_empty())?;
    Some(crate::cli::one_line(line))
}
