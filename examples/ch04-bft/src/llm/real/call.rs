//! Running a model's command line, and stopping it: Unix only.
//!
//! A command runs as `sh -c CMD` in a process group of its own, with its
//! input on standard input: the input never becomes part of a command line,
//! so no shell ever expands it. When the command times out or prints too
//! much, its whole process group is stopped (children included); when it
//! exits, whatever it left running in its group is stopped too. The run's
//! `Reaper` does every stop, and stops every group still running if this
//! process dies.
//!
//! A call waits without polling: helper threads (one reads stdout, one
//! stderr, one waits for the exit, and one writes an input too long to write
//! at once) report to it on a channel, and it blocks on that channel until
//! its deadline (`follow`).

use std::fs;
use std::io::{self, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub use super::scratch::ScratchDir;
pub use super::status::{
    Attempt, Call, Limits, STDERR_TAIL, Status, last_line,
};
pub use super::stop::Stop;

pub(super) use super::follow::Event;
use super::gate::Gate;
use super::helpers::Helpers;
use super::pipes::{keep_tail, read_output};
use super::reaper::{GONE, Reaper};

/// The shell every command runs in, by its path: POSIX systems keep `sh`
/// there, and naming it saves a search of `PATH` on every call.
pub const SHELL: &str = "/bin/sh";

/// The shell's first line, before the command: wait for the go line on
/// standard input (the shell's `read` takes one byte at a time from a pipe,
/// so it leaves the input that follows to the command).
const WAIT_FOR_GO: &str = "read -r dual_model_go || exit 125";

/// The wrapper shell's name (its `$0`), which starts every message of its
/// own: "dual_model-call: 2: Cannot fork" is the wrapper failing to start
/// the command, not the command failing.
pub const WRAPPER: &str = "dual_model-call";

/// The words of a wrapper's message that name a shortage of the machine
/// (processes, open files, memory, disk), in dash's and bash's spelling.
const SHORTAGES: [&str; 6] = [
    "Cannot fork",
    "Resource temporarily unavailable",
    "Cannot allocate memory",
    "Too many open files",
    "No space left on device",
    "Invalid argument", // dash cannot move a file descriptor past the limit
];

/// When the wrapper shell itself failed for lack of something the machine
/// gives (`ulimit -u`, `ulimit -n`), its message: the command never ran.
pub fn wrapper_shortage(stderr: &[u8]) -> Option<String> {
    let line = last_line(stderr)?;
    let own = line.strip_prefix(WRAPPER)?.starts_with(": ");
    (own && SHORTAGES.iter().any(|words| line.contains(words))).then_some(line)
}

/// An input this short is written at once: a fresh pipe holds at least
/// this much (POSIX's `PIPE_BUF`), so the write cannot block.
const INLINE_INPUT: usize = 4096;

/// A lone call refused this many times (nothing else running to wait for,
/// a pause between tries) has not run.
const LONE_TRIES: u32 = 5;

/// Runs calls for one run: every process group through one `Reaper`, as
/// many at once as the `Gate` allows, temporary files in one scratch folder.
#[derive(Debug)]
pub struct Runner {
    pub(super) limits: Limits,
    gate: Gate,
    // Declared before `reaper`, so it is removed first on a normal end; the
    // reaper removes it when the run is killed.
    scratch: Option<ScratchDir>,
    pub(super) reaper: Reaper,
    helpers: Helpers,
    files: AtomicU64,
}

impl Runner {
    /// Starts the run's reaper, and with `scratch`, creates a private folder
    /// for the check's answer files. Either failing is the machine's
    /// problem, reported before any command runs.
    pub fn new(limits: Limits, scratch: bool) -> Result<Runner, String> {
        let scratch = if scratch {
            Some(ScratchDir::new().map_err(|error| {
                let dir = std::env::temp_dir();
                format!(
                    "cannot create a private folder in {} (TMPDIR): {error}",
                    dir.display()
                )
            })?)
        } else {
            None
        };
        let reaper = Reaper::start(scratch.as_ref().map(ScratchDir::path))
            .map_err(|error| {
                format!(
                    "cannot start the helper that stops commands (sh): {error}"
                )
            })?;
        Ok(Runner {
            limits,
            gate: Gate::new(),
            scratch,
            reaper,
            helpers: Helpers::default(),
            files: AtomicU64::new(0),
        })
    }

    /// Why the run must stop, when its stop helper is gone: no command
    /// could be stopped any more, so none may start.
    pub fn helper_gone(&self) -> Option<&'static str> {
        self.reaper.gone().then_some(GONE)
    }

    /// The timeout of every call.
    pub fn timeout(&self) -> Duration {
        self.limits.timeout
    }

    /// Runs `command` with `input` on its standard input.
    pub fn call(&self, command: &str, input: &Arc<Vec<u8>>) -> Call {
        self.call_until(command, input, &Stop::default())
    }

    /// `call`, unless `stop` says otherwise first.
    pub fn call_until(
        &self,
        command: &str,
        input: &Arc<Vec<u8>>,
        stop: &Stop,
    ) -> Call {
        self.with_retries(stop, || {
            self.attempt(command, input, &[], true, stop)
        })
    }

    /// Runs the check `command` on `answer`: the answer on its standard
    /// input and in the file named by `$ANSWER_FILE`, removed afterwards.
    /// Its standard output is not kept, so no limit applies to it.
    pub fn check(&self, command: &str, answer: &[u8], stop: &Stop) -> Call {
        let Some(scratch) = &self.scratch else {
            return Call::not_run(&io::Error::other("no scratch folder"));
        };
        let n = self.files.fetch_add(1, Ordering::Relaxed);
        let file = scratch.path().join(format!("answer-{n}"));
        let input = Arc::new(answer.to_vec());
        let call = self.with_retries(stop, || {
            fs::write(&file, answer)?;
            self.attempt(
                command,
                &input,
                &[("ANSWER_FILE", &file)],
                false,
                stop,
            )
        });
        let _ = fs::remove_file(&file);
        call
    }

    /// Tries until the call runs. A refusal waits for a running call to end;
    /// with none running, a pause; after `LONE_TRIES`, the call has not run.
    fn with_retries(
        &self,
        stop: &Stop,
        attempt: impl Fn() -> io::Result<Call>,
    ) -> Call {
        let mut lone = 0;
        loop {
            if self.reaper.gone() {
                return Call::without_run(Status::NotRun(GONE.to_string()));
            }
            self.gate.enter();
            if stop.is_stopped() {
                self.gate.leave();
                return Call::unneeded();
            }
            match attempt() {
                Ok(call) => {
                    self.gate.leave();
                    return call;
                }
                Err(error) => {
                    self.helpers.release_idle();
                    if self.gate.refused() == 0 {
                        lone += 1;
                        if lone == LONE_TRIES {
                            return Call::not_run(&error);
                        }
                        thread::sleep(Duration::from_millis(20 << lone));
                    }
                }
            }
        }
    }

    /// One try. Everything that can be refused (threads, pipes, the process)
    /// is asked for before the command starts: once it runs, it runs to its
    /// end, and an `Err` means it never started.
    fn attempt(
        &self,
        command: &str,
        input: &Arc<Vec<u8>>,
        env: &[(&str, &Path)],
        keep_stdout: bool,
        stop: &Stop,
    ) -> io::Result<Call> {
        // One byte more: the newline that lets the command start (below).
        let inline = input.len() < INLINE_INPUT;
        let threads = 2 + usize::from(keep_stdout) + usize::from(!inline);
        // Its output may grow to the limit, and a growing buffer can need
        // twice that while it moves; its stderr's tail and read buffers.
        let buffers =
            2 * self.limits.max_output as u64 * u64::from(keep_stdout);
        let _room = crate::memory::claim(buffers + (256 << 10))
            .ok_or_else(crate::memory::refused)?;
        let mut helpers = self.helpers.reserve(threads)?;
        let mut shell = Command::new(SHELL);
        // The shell first waits for one line on its input, which is sent
        // only once the reaper knows its group: a command never runs
        // unregistered. If this process dies before that, the read meets
        // the end of its input and the command never starts.
        let script = format!("{WAIT_FOR_GO}\n{command}");
        shell.arg("-c").arg(script).arg(WRAPPER).envs(env.iter().copied());
        for name in crate::restart::added() {
            shell.env_remove(name); // the command sees the user's variables
        }
        let stdout = if keep_stdout { Stdio::piped() } else { Stdio::null() };
        shell.stdin(Stdio::piped()).stdout(stdout).stderr(Stdio::piped());
        shell.process_group(0); // its own group, led by `sh`: pgid = pid
        let start = Instant::now();
        let mut child = shell.spawn()?;
        let pgid = child.id();
        if let Err(error) = self.reaper.started(pgid) {
            // Without the reaper nothing could stop it: do not let it run.
            let _ = child.kill();
            let _ = child.wait();
            return Err(error);
        }
        // From here on nothing can be refused: the reserved threads wait.
        let (events, received) = mpsc::channel();
        stop.running(&events);
        let tail = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut pipe) = child.stdin.take() {
            // The go line, then the input; a command may ignore its input.
            if inline {
                let _ = pipe.write_all(&[b"\n", &input[..]].concat());
            } else {
                let input = Arc::clone(input);
                helpers.run(move || {
                    let _ = pipe.write_all(b"\n").and(pipe.write_all(&input));
                });
            }
        }
        if let Some(mut pipe) = child.stdout.take() {
            let (sender, max_output) = (events.clone(), self.limits.max_output);
            helpers.run(move || read_output(&mut pipe, max_output, &sender));
        }
        if let Some(mut pipe) = child.stderr.take() {
            let tail = Arc::clone(&tail);
            let sender = events.clone();
            helpers.run(move || {
                keep_tail(&mut pipe, &tail);
                let _ = sender.send(Event::StderrEnd);
            });
        }
        helpers.run(move || {
            let event = match child.wait() {
                // A signal is no exit code.
                Ok(status) if status.signal().is_some() => Event::Exited(None),
                Ok(status) => Event::Exited(status.code()),
                Err(error) => Event::Unwaitable(error.to_string()),
            };
            let _ = events.send(event);
        });
        let call = self.follow(pgid, &received, &tail, start, keep_stdout);
        if call.status != Status::Answered
            && let Some(why) = wrapper_shortage(&call.stderr)
        {
            // Refused like a process that could not start: wait, try again.
            return Err(io::Error::other(format!(
                "the shell could not start the command: {why}"
            )));
        }
        Ok(call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn runner(seconds: f64) -> Runner {
        let timeout = Duration::from_secs_f64(seconds);
        Runner::new(Limits { timeout, max_output: 1000 }, true).unwrap()
    }

    fn call(seconds: f64, command: &str, input: &[u8]) -> Call {
        runner(seconds).call(command, &Arc::new(input.to_vec()))
    }

    #[test]
    fn input_goes_to_stdin_and_output_comes_back() {
        let call = call(5.0, "tr a-z A-Z", b"hello\n");
        assert_eq!(call.status, Status::Answered);
        assert_eq!(call.output, b"HELLO\n");
        assert_eq!(call.exit_code, Some(0));
    }

    #[test]
    fn every_way_to_abstain() {
        let failed = call(5.0, "echo half; echo why >&2; exit 7", b"");
        assert_eq!(failed.status, Status::Failed(Some(7)));
        assert_eq!(
            (&failed.output[..], &failed.stderr[..]),
            (&b"half\n"[..], &b"why\n"[..])
        );
        let over = call(5.0, "yes", b"");
        assert_eq!(over.status, Status::OverLimit);
        let slow = call(0.2, "sleep 5", b"");
        assert_eq!(slow.status, Status::TimedOut);
        assert!(slow.duration < Duration::from_secs(2), "{:?}", slow.duration);
        // Exactly at the limit is allowed; one byte more is not.
        let at = call(5.0, "head -c 1000 /dev/zero", b"");
        assert_eq!((at.status, at.output.len()), (Status::Answered, 1000));
        let above = call(5.0, "head -c 1001 /dev/zero", b"");
        assert_eq!(above.status, Status::OverLimit);
        let killed = call(5.0, "kill -s KILL $$", b"");
        assert_eq!(
            (killed.status, killed.exit_code),
            (Status::Failed(None), None)
        );
    }

    #[test]
    fn a_child_left_behind_does_not_hold_the_answer() {
        // The background sleep keeps stdout open; the answer still comes at
        // once, because the group is stopped when `sh` exits.
        let call = call(10.0, "sleep 30 & echo 42", b"");
        assert_eq!(call.status, Status::Answered);
        assert_eq!(call.output, b"42\n");
        assert!(call.duration < Duration::from_secs(5), "{:?}", call.duration);
    }

    #[test]
    fn a_child_that_left_the_group_does_not_hold_the_answer() {
        // setsid puts the sleep in a session (and group) of its own, out of
        // reach of the group stop; it holds stdout open for 30 s. The answer
        // is what was printed before the command exited.
        let call = call(10.0, "setsid sleep 30 & sleep 0.3; echo 5", b"");
        assert_eq!(
            (call.status, &call.output[..]),
            (Status::Answered, &b"5\n"[..])
        );
        assert!(call.duration < Duration::from_secs(2), "{:?}", call.duration);
    }

    #[test]
    fn stderr_keeps_its_last_bytes_and_its_last_line_is_shown() {
        let call = call(
            5.0,
            "head -c 10000 /dev/zero | tr '\\0' x >&2; printf '\\nmissing key\\n\\n' >&2; exit 1",
            b"",
        );
        assert_eq!(call.stderr.len(), STDERR_TAIL);
        assert!(call.stderr.ends_with(b"x\nmissing key\n\n"));
        assert_eq!(last_line(&call.stderr).as_deref(), Some("missing key"));
        assert_eq!(last_line(b"\n  \n"), None);
        assert_eq!(last_line(b"a\x1b[2J\n").as_deref(), Some("a\\u{1b}[2J"));
    }

    #[test]
    fn a_check_reads_its_file_and_its_output_is_not_limited() {
        let runner = runner(5.0);
        let ok = runner.check(
            "test \"$(cat \"$ANSWER_FILE\")\" = 42 && yes | head -c 5000",
            b"42",
            &Stop::default(),
        );
        assert_eq!(ok.status, Status::Answered);
        assert_eq!(
            runner
                .check("grep -q 41 \"$ANSWER_FILE\"", b"42", &Stop::default())
                .status,
            Status::Failed(Some(1))
        );
        let scratch = runner.scratch.as_ref().unwrap().path().to_path_buf();
        assert_eq!(
            fs::read_dir(&scratch).unwrap().count(),
            0,
            "answer files removed"
        );
        assert_eq!(
            fs::metadata(&scratch).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(runner);
        assert!(!scratch.exists());
    }

    #[test]
    fn statuses_read_back_as_they_were_described() {
        for status in [
            Status::Answered,
            Status::TimedOut,
            Status::Failed(Some(7)),
            Status::Failed(None),
            Status::OverLimit,
            Status::FailedCheck,
        ] {
            assert_eq!(Status::parse(&status.describe()), Some(status));
        }
        assert_eq!(Status::parse("not run: no"), None);
        assert_eq!(Status::parse("exit status x"), None);
    }
}
