//! Waiting for a call to end: the events its helper threads report, its
//! deadline, a wake that comes late because this process was stopped, and
//! its process group stopped once it has ended.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::call::Runner;
use super::status::{Call, Status};
use crate::threads::lock;

/// How long to keep reading after the command exited and its group was
/// stopped, counted from the last output: only a process that left the
/// group (`setsid`) can still hold the pipe open by then.
const GRACE: Duration = Duration::from_millis(250);

/// A wait that returns this much later than asked means this process was
/// not running meanwhile (stopped by SIGSTOP, say).
const SUSPENDED: Duration = Duration::from_millis(200);

/// What a call's helper threads report, or a `Stop` asks.
#[derive(Debug)]
pub(super) enum Event {
    Output(Vec<u8>),
    OutputEnd,
    /// Standard error reached its end.
    StderrEnd,
    Exited(Option<i32>),
    /// The command's end could not be waited for: the system reaped it
    /// already, as it does when this process ignores SIGCHLD.
    Unwaitable(String),
    Stop,
}

impl Runner {
    /// Waits for the call's events until it has ended, and stops its group.
    pub(super) fn follow(
        &self,
        pgid: u32,
        events: &Receiver<Event>,
        tail: &Mutex<Vec<u8>>,
        start: Instant,
        keep_stdout: bool,
    ) -> Call {
        let mut deadline = start + self.limits.timeout;
        let mut woken_late = false;
        let mut output = Vec::new();
        let mut output_ended = !keep_stdout;
        let mut stderr_ended = false;
        let mut exit: Option<Option<i32>> = None;
        let mut grace_end = None;
        let status = loop {
            if let (true, true, Some(code)) = (output_ended, stderr_ended, exit)
            {
                break Status::exited(code);
            }
            let until =
                grace_end.map_or(deadline, |end: Instant| end.min(deadline));
            match events
                .recv_timeout(until.saturating_duration_since(Instant::now()))
            {
                Ok(Event::Output(bytes)) => {
                    if output.len() + bytes.len() > self.limits.max_output {
                        break Status::OverLimit;
                    }
                    output.extend_from_slice(&bytes);
                    grace_end = grace_end.map(|_| Instant::now() + GRACE);
                }
                Ok(Event::OutputEnd) => output_ended = true,
                Ok(Event::StderrEnd) => stderr_ended = true,
                Ok(Event::Stop) => break Status::Stopped,
                // How it ended is unknown: the machine's failure, not the
                // model's (it would otherwise look like a crash).
                Ok(Event::Unwaitable(why)) => {
                    exit = Some(None);
                    break Status::NotRun(format!(
                        "cannot wait for a command to end ({why}); is SIGCHLD \
                         ignored by the program that started dual_model?"
                    ));
                }
                Ok(Event::Exited(code)) => {
                    // Anything it left running in its group goes too; then
                    // the pipes close and the readers reach their end.
                    exit = Some(code);
                    let _ = self.reaper.stop(pgid);
                    grace_end = Some(Instant::now() + GRACE);
                }
                // Woken well after the time asked for: this process was not
                // running (stopped, SIGSTOP then SIGCONT, or starved), and
                // what the command did meanwhile may still be on its way.
                // Once, wait a grace period for it before judging.
                Err(RecvTimeoutError::Timeout)
                    if !woken_late
                        && Instant::now().saturating_duration_since(until)
                            > SUSPENDED =>
                {
                    woken_late = true;
                    let now = Instant::now();
                    deadline = deadline.max(now + GRACE);
                    grace_end = grace_end.map(|_| now + GRACE);
                }
                Err(RecvTimeoutError::Timeout) => match exit {
                    // Exited, but something outside its group holds stdout:
                    // the answer is what it printed before it exited.
                    Some(code) if Instant::now() < deadline => {
                        break Status::exited(code);
                    }
                    _ => break Status::TimedOut,
                },
                // Every helper is gone: nothing more will come.
                Err(RecvTimeoutError::Disconnected) => {
                    break exit.map_or(Status::TimedOut, Status::exited);
                }
            }
        };
        if exit.is_none() {
            let _ = self.reaper.stop(pgid);
        }
        // The leader dies at once when stopped, and its waiter reaps it;
        // stderr closes with the group. Wait for both, briefly, so that a
        // call that has ended has no process left and its stderr is whole.
        let limit = Instant::now() + Duration::from_secs(1);
        while exit.is_none() || !stderr_ended {
            let left = limit.saturating_duration_since(Instant::now());
            match events.recv_timeout(left.min(if exit.is_some() {
                GRACE
            } else {
                left
            })) {
                Ok(Event::Exited(code)) => exit = Some(code),
                Ok(Event::Unwaitable(_)) => exit = Some(None),
                Ok(Event::StderrEnd) => stderr_ended = true,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        if status == Status::OverLimit {
            output.clear();
        }
        let stderr = lock(tail).clone();
        let exit_code =
            if status == Status::TimedOut { None } else { exit.flatten() };
        let duration = start.elapsed();
        Call {
            status,
            exit_code,
            output,
            key: None,
            stderr,
            duration,
            retried: Vec::new(),
            check_said: None,
        }
    }
}
