//! The one helper process of a run that stops process groups.
//!
//! Every command runs in a process group of its own, so that stopping the
//! group stops the children it started too. Signalling a group takes
//! `kill(-pgid)`, which the standard library does not offer without
//! `unsafe`; a shell's `kill` builtin does. So each run starts one `sh` first,
//! before any command, and tells it on its standard input which groups have
//! started and which to stop: one short line each, no new process per stop,
//! so stopping works even when no process can be started any more.
//!
//! Its standard input is a pipe that only this process holds (the standard
//! library opens every pipe close-on-exec, so no command inherits it). When
//! the input ends, the run has ended: it returned, panicked, or was killed by
//! Ctrl-C, SIGTERM or SIGKILL, which nothing can catch. The helper, which
//! ignores INT, TERM and HUP and sits in a process group of its own, then
//! stops every group still on its list and removes the run's scratch folder.

use crate::threads::lock;
use std::collections::{BTreeSet, VecDeque};
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ANCHOR: script
/// The helper. `start PGID` puts a group on the list; `stop PGID` kills the
/// group and takes it off. At the end of its input, it kills every group
/// left and removes `$1`, the scratch folder, if there is one.
const SCRIPT: &str = r#"
trap '' INT TERM HUP
groups=' '
echo ready
while read -r verb pgid; do
  case $verb in
    start) groups="$groups$pgid " ;;
    stop)
      kill -s KILL -- "-$pgid" 2>/dev/null
      case $groups in
        *" $pgid "*) groups="${groups%% $pgid *} ${groups#* $pgid }" ;;
      esac ;;
  esac
done
for pgid in $groups; do kill -s KILL -- "-$pgid" 2>/dev/null; done
if [ -n "$1" ] && [ -e "$1" ]; then rm -rf -- "$1"; fi
"#;
// ANCHOR_END: script

/// The running helper. Dropping it ends its input and waits for it, so every
/// group it was told about is stopped by the time the drop returns.
#[derive(Debug)]
pub struct Reaper {
    child: Child,
    state: Mutex<State>,
}

/// The helper's input, and the groups it was told about, kept here too:
/// should something kill the helper, this process stops them itself.
#[derive(Debug)]
struct State {
    input: Option<ChildStdin>,
    groups: BTreeSet<u32>,
    /// Groups told to stop in the last `UNREAD` and when: the helper may
    /// have died before it read the line.
    stopped: VecDeque<(u32, Instant)>,
    /// Set once a line could not reach the helper: it is gone.
    gone: bool,
}

/// How long a stop line may wait in the pipe, unread, before the helper
/// acts on it; generous, since a machine under load is slow to schedule.
const UNREAD: Duration = Duration::from_secs(2);

/// What a run is told when its helper is gone.
pub const GONE: &str = "the helper that stops commands (sh dual_model-reaper) was \
                        killed; every command of the run was stopped";

impl Reaper {
    /// Starts the helper and waits until it ignores the signals, so that not
    /// even a Ctrl-C in the first microsecond can leave a command behind.
    /// `scratch` is removed when the run ends, however it ends.
    pub fn start(scratch: Option<&Path>) -> io::Result<Reaper> {
        let mut child = Command::new(super::call::SHELL)
            .args(["-c", SCRIPT, "dual_model-reaper"])
            .arg(scratch.map_or(Path::new(""), |path| path))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0) // a kill of our group does not reach it
            .spawn()?;
        let mut ready = [0u8; 6];
        let answer =
            child.stdout.take().map(|mut out| out.read_exact(&mut ready));
        if !matches!(answer, Some(Ok(()))) || &ready != b"ready\n" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other("it did not answer"));
        }
        let state = State {
            input: child.stdin.take(),
            groups: BTreeSet::new(),
            stopped: VecDeque::new(),
            gone: false,
        };
        Ok(Reaper { child, state: Mutex::new(state) })
    }

    /// Puts group `pgid` on the list of groups to stop if the run ends.
    pub fn started(&self, pgid: u32) -> io::Result<()> {
        self.say("start", pgid)
    }

    /// Kills every process of group `pgid` and takes it off the list.
    pub fn stop(&self, pgid: u32) -> io::Result<()> {
        self.say("stop", pgid)
    }

    /// Whether the helper is gone (killed by a command, say): the run must
    /// stop, since no group could be stopped any more.
    pub fn gone(&self) -> bool {
        lock(&self.state).gone
    }

    /// One `write` per line: lines shorter than the pipe's atomic size
    /// (at least 512 bytes) never interleave, and the lock keeps it simple.
    /// A line that cannot be written means the helper is gone: every group
    /// still on the list is killed at once, by a shell started for it.
    fn say(&self, verb: &str, pgid: u32) -> io::Result<()> {
        let mut state = lock(&self.state);
        if verb == "start" {
            state.groups.insert(pgid);
        }
        let line = format!("{verb} {pgid}\n");
        let written = match (state.gone, state.input.as_mut()) {
            (false, Some(pipe)) => pipe.write_all(line.as_bytes()),
            _ => Err(io::Error::other("no helper")),
        };
        if written.is_err() && !state.gone {
            state.gone = true;
            // Every group still running, and those whose stop the helper
            // may not have read. An id stays taken while its group has a
            // member, so a group left behind is still ours; one that had
            // emptied may, rarely, have been given to another group within
            // `UNREAD`, and the kill reaches it: a risk taken only once a
            // command has killed the helper.
            let recent = state.stopped.iter().map(|&(g, _)| g);
            let groups: BTreeSet<u32> =
                state.groups.iter().copied().chain(recent).collect();
            let groups = groups.iter().map(|g| format!("-{g}"));
            let _ = Command::new(super::call::SHELL)
                .args(["-c", "kill -s KILL -- \"$@\" 2>/dev/null", "sh"])
                .args(groups)
                .stdin(Stdio::null())
                .status();
        }
        if verb == "stop" {
            state.groups.remove(&pgid);
            let now = Instant::now();
            state.stopped.retain(|&(_, at)| now.duration_since(at) < UNREAD);
            state.stopped.push_back((pgid, now));
        }
        written.map_err(|_| io::Error::other(GONE))
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        drop(state.input.take()); // end of input: the helper cleans up, exits
        drop(state);
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::time::{Duration, Instant};

    /// Whether process `pid` still runs (a zombie has ended).
    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(") ").next().is_some_and(|rest| !rest.starts_with('Z'))
        })
    }

    fn sleeper() -> Child {
        Command::new("sleep").arg("60").process_group(0).spawn().unwrap()
    }

    fn gone_within(pid: u32, limit: Duration) -> bool {
        let start = Instant::now();
        while alive(pid) {
            if start.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }

    #[test]
    fn stop_kills_the_group_and_the_end_kills_the_rest() {
        let reaper = Reaper::start(None).unwrap();
        let (mut first, mut second) = (sleeper(), sleeper());
        reaper.started(first.id()).unwrap();
        reaper.started(second.id()).unwrap();
        reaper.stop(first.id()).unwrap();
        let _ = first.wait();
        assert!(alive(second.id()), "only the group it was told to stop");
        drop(reaper);
        let _ = second.wait();
        assert!(!alive(second.id()), "the end of its input stops the rest");
    }

    #[test]
    fn a_group_that_ended_is_not_stopped_again() {
        // After `stop`, the id is off the list: the end of the input kills
        // nothing more (the id might belong to a new group by then).
        let reaper = Reaper::start(None).unwrap();
        let mut child = sleeper();
        let pid = child.id();
        reaper.started(pid).unwrap();
        reaper.stop(pid).unwrap();
        let _ = child.wait();
        // A process that claims the same id is beyond this test's power to
        // arrange; what it can see is that the list is empty again.
        reaper.started(1_000_000_000).unwrap();
        reaper.stop(1_000_000_000).unwrap();
        drop(reaper);
        assert!(!alive(pid));
    }

    #[test]
    fn the_helper_ignores_ctrl_c_and_sigterm() {
        let reaper = Reaper::start(None).unwrap();
        let mut child = sleeper();
        reaper.started(child.id()).unwrap();
        for signal in ["INT", "TERM", "HUP"] {
            let status = Command::new("kill")
                .args(["-s", signal, &reaper.child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(alive(reaper.child.id()), "the helper survived the signals");
        drop(reaper);
        let _ = child.wait();
        assert!(gone_within(child.id(), Duration::from_secs(1)));
    }

    #[test]
    fn the_scratch_folder_goes_with_the_helper() {
        let dir = std::env::temp_dir()
            .join(format!("ch04-reaper-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("inner")).unwrap();
        std::fs::write(dir.join("inner/answer"), b"42").unwrap();
        drop(Reaper::start(Some(&dir)).unwrap());
        assert!(!dir.exists());
    }
}
