//! Starting again once, under two limits of the machine, to meet them as
//! errors rather than deaths.
//!
//! A file size limit (`ulimit -f`): past it, the system sends SIGXFSZ,
//! whose default action kills the process at once, without a word, its
//! report unwritten. When the signal is ignored, the write fails instead
//! (`File too large`), and the error is reported like any other.
//!
//! An address-space limit (`ulimit -v`): the C library's allocator gives
//! each new thread an arena of its own, up to 64 MiB of address space
//! reserved for each, which a limit of a few hundred MiB cannot hold; with
//! `MALLOC_ARENA_MAX=1` the threads share one, and `memory` can count what
//! the rest needs.
//!
//! The standard library cannot change how a signal is handled, nor the
//! allocator's settings once it runs, without `unsafe`. A shell can ignore
//! a signal, a signal ignored stays ignored across `exec`, and the
//! allocator reads its setting when a program starts. So, only when such
//! a limit is set, the program starts itself again once through `sh`,
//! under the same process id.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Set in the restarted program, so it restarts only once.
const RESTARTED: &str = "CH04_RESTARTED";

/// Set in the restarted program when the restart set `MALLOC_ARENA_MAX`.
const ARENA_SET: &str = "CH04_ARENA_MAX_SET";

/// The variables the restart added, which a command this program starts
/// must not inherit: it sees the environment the user gave.
pub fn added() -> Vec<&'static str> {
    let mut names = Vec::new();
    if std::env::var_os(RESTARTED).is_some() {
        names.push(RESTARTED);
    }
    if std::env::var_os(ARENA_SET).is_some() {
        names.extend([ARENA_SET, "MALLOC_ARENA_MAX"]);
    }
    names
}

/// Under a file size or address-space limit, replaces this process with
/// itself, SIGXFSZ ignored, threads sharing one allocator arena; returns
/// only if there is nothing to do or the restart failed (the program then
/// runs as it is).
pub fn under_limits(args: &[OsString]) {
    if std::env::var_os(RESTARTED).is_some() {
        return;
    }
    // Another system, without /proc: nothing is changed.
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return;
    };
    let limited = |name| crate::memory::read_limit(&limits, name).is_some();
    let file = limited("Max file size");
    let memory = limited("Max address space")
        && std::env::var_os("MALLOC_ARENA_MAX").is_none();
    if !file && !memory {
        return;
    }
    let Ok(program) = std::env::current_exe() else { return };
    let trap = if file { "trap '' XFSZ; " } else { "" };
    let mut again = Command::new("/bin/sh");
    again
        .arg("-c")
        .arg(format!("{trap}exec \"$0\" \"$@\""))
        .arg(program)
        .args(args)
        .env(RESTARTED, "1");
    if memory {
        again.env("MALLOC_ARENA_MAX", "1").env(ARENA_SET, "1");
    }
    let _error = again.exec();
}
