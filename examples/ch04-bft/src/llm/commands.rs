//! Running a model's command line, and stopping it: Unix only.
//!
//! A command runs as `sh -c CMD` in a process group of its own, with its
//! input on standard input: the input never becomes part of a command line,
//! so no shell ever expands it. When the command times out or prints too
//! much, its whole process group is stopped (children included); when it
//! exits, whatever it left running in its group is stopped too.

use std::fs::{self, DirBuilder};
use std::io::{self, Read, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How a call ended. Only `Answered` gives a vote; the others abstain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Answered,
    TimedOut,
    /// Exited with a code other than 0 (`None`: ended by a signal).
    Failed(Option<i32>),
    OverLimit,
    /// `--check` rejected its answer.
    FailedCheck,
    /// The command could not be started at all.
    CannotStart(String),
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
            Status::CannotStart(why) => format!("cannot start: {why}"),
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
    pub duration: Duration,
}

/// The bounds every call runs within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub max_output: usize,
}

/// What the reader thread saw on the command's standard output.
enum Reading {
    Done(Vec<u8>),
    OverLimit,
}

/// Runs `sh -c command` with `input` on its standard input and `env` added
/// to its environment, within `limits`.
pub fn run_command(
    command: &str,
    input: &[u8],
    env: &[(&str, &Path)],
    limits: Limits,
) -> Call {
    let start = Instant::now();
    let deadline = start + limits.timeout;
    let cannot_start = |why: String| Call {
        status: Status::CannotStart(why),
        exit_code: None,
        output: Vec::new(),
        duration: start.elapsed(),
    };
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    for (name, value) in env {
        shell.env(name, value);
    }
    shell.process_group(0); // its own group, led by `sh`: pgid = pid
    let mut child = match shell.spawn() {
        Ok(child) => child,
        Err(error) => return cannot_start(error.to_string()),
    };
    let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
    let (Some(mut stdin), Some(mut stdout)) = (stdin, stdout) else {
        stop(&mut child);
        return cannot_start("no pipes".to_string());
    };
    // Writing and reading happen on threads of their own, so a command
    // that reads nothing, or writes before it reads, cannot block us.
    let input = input.to_vec();
    let writer = thread::Builder::new().spawn(move || {
        let _ = stdin.write_all(&input); // a command may ignore its input
    });
    let (sender, output) = mpsc::channel();
    let max_output = limits.max_output;
    let reader = thread::Builder::new().spawn(move || {
        let _ = sender.send(read_limited(&mut stdout, max_output));
    });
    if let Err(error) = writer.and(reader) {
        stop(&mut child);
        return cannot_start(format!("no thread to talk to it: {error}"));
    }
    let finish = |status: Status, exit_code, output| Call {
        status,
        exit_code,
        output,
        duration: start.elapsed(),
    };
    let mut read: Option<Vec<u8>> = None;
    loop {
        if read.is_none() {
            match output.try_recv() {
                Ok(Reading::Done(bytes)) => read = Some(bytes),
                Ok(Reading::OverLimit) => {
                    stop(&mut child);
                    return finish(Status::OverLimit, None, Vec::new());
                }
                Err(TryRecvError::Empty) => {}
                // The reader is gone without a word: nothing more to read.
                Err(TryRecvError::Disconnected) => read = Some(Vec::new()),
            }
        }
        match child.try_wait() {
            Ok(Some(exit)) => {
                // Anything it left running in its group goes too; then
                // the pipe closes and the reader reaches the end. (A group
                // keeps its id while any member lives, so the id is still
                // theirs; if none is left, the kill finds nobody.)
                stop_group(child.id());
                let code = exit.code();
                let left = deadline.saturating_duration_since(Instant::now());
                let bytes = match read {
                    Some(bytes) => bytes,
                    None => match output.recv_timeout(left.max(GRACE)) {
                        Ok(Reading::Done(bytes)) => bytes,
                        Ok(Reading::OverLimit) => {
                            return finish(Status::OverLimit, code, Vec::new());
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            return finish(Status::TimedOut, code, Vec::new());
                        }
                        Err(RecvTimeoutError::Disconnected) => Vec::new(),
                    },
                };
                let status = if code == Some(0) {
                    Status::Answered
                } else {
                    Status::Failed(code)
                };
                return finish(status, code, bytes);
            }
            Ok(None) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(2));
            }
            Ok(None) | Err(_) => {
                stop(&mut child);
                return finish(Status::TimedOut, None, Vec::new());
            }
        }
    }
}

/// How long to wait for the rest of the output of a command that exited at
/// its deadline: its group is stopped by then, so the pipe is closing.
const GRACE: Duration = Duration::from_millis(100);

/// Reads to the end, or until more than `max_output` bytes have come.
fn read_limited(source: &mut impl Read, max_output: usize) -> Reading {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match source.read(&mut chunk) {
            Ok(0) => return Reading::Done(bytes),
            Ok(n) if bytes.len() + n > max_output => return Reading::OverLimit,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Reading::Done(bytes),
        }
    }
}

/// Stops the child's whole process group, then the child, and reaps it.
fn stop(child: &mut Child) {
    stop_group(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends SIGKILL to process group `pgid`. The standard library can signal
/// one process but not a group, and this workspace has no `unsafe`, so the
/// shell's `kill` does it; the id is an argument, never spliced into code.
fn stop_group(pgid: u32) {
    let _ = Command::new("sh")
        .args(["-c", "kill -s KILL -- \"-$1\" 2>/dev/null", "sh"])
        .arg(pgid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A fresh directory that only this user can enter, removed with everything
/// in it when dropped: on every path out, a panic's included.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    pub fn new() -> io::Result<PrivateDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        for attempt in 0..100 {
            let name =
                format!("dual_model-{}-{nanos}-{attempt}", std::process::id());
            let path = std::env::temp_dir().join(name);
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(io::ErrorKind::AlreadyExists, "no fresh name"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn limits(seconds: f64) -> Limits {
        Limits { timeout: Duration::from_secs_f64(seconds), max_output: 1000 }
    }

    #[test]
    fn input_goes_to_stdin_and_output_comes_back() {
        let call = run_command("tr a-z A-Z", b"hello\n", &[], limits(5.0));
        assert_eq!(call.status, Status::Answered);
        assert_eq!(call.output, b"HELLO\n");
        assert_eq!(call.exit_code, Some(0));
    }

    #[test]
    fn every_way_to_abstain() {
        let failed = run_command("echo half; exit 7", b"", &[], limits(5.0));
        assert_eq!(failed.status, Status::Failed(Some(7)));
        assert_eq!(failed.output, b"half\n");
        let over = run_command("yes", b"", &[], limits(5.0));
        assert_eq!(over.status, Status::OverLimit);
        let slow = run_command("sleep 5", b"", &[], limits(0.2));
        assert_eq!(slow.status, Status::TimedOut);
        assert!(slow.duration < Duration::from_secs(2), "{:?}", slow.duration);
        // Exactly at the limit is allowed; one byte more is not.
        let at = run_command("head -c 1000 /dev/zero", b"", &[], limits(5.0));
        assert_eq!((at.status, at.output.len()), (Status::Answered, 1000));
        let above =
            run_command("head -c 1001 /dev/zero", b"", &[], limits(5.0));
        assert_eq!(above.status, Status::OverLimit);
    }

    #[test]
    fn a_child_left_behind_does_not_hold_the_answer() {
        // The background sleep keeps stdout open; the answer still comes at
        // once, because the group is stopped when `sh` exits.
        let call = run_command("sleep 30 & echo 42", b"", &[], limits(10.0));
        assert_eq!(call.status, Status::Answered);
        assert_eq!(call.output, b"42\n");
        assert!(call.duration < Duration::from_secs(5), "{:?}", call.duration);
    }

    #[test]
    fn a_private_dir_is_the_users_alone_and_goes_away() {
        let dir = PrivateDir::new().unwrap();
        let path = dir.path().to_path_buf();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        fs::write(path.join("answer"), b"x").unwrap();
        drop(dir);
        assert!(!path.exists());
        let second = PrivateDir::new().unwrap();
        let third = PrivateDir::new().unwrap();
        assert_ne!(second.path(), third.path());
    }
}
