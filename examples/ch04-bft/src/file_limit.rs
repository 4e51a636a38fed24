//! Writing under a file size limit (`ulimit -f`): past the limit, the
//! system sends SIGXFSZ, whose default action kills the process at once,
//! without a word, its report unwritten. When the signal is ignored, the
//! write fails instead (`File too large`), and the error is reported like
//! any other: exit 1 and the reason.
//!
//! The standard library cannot change how a signal is handled without
//! `unsafe`. A shell can, and a signal ignored stays ignored across `exec`.
//! So, only when a file size limit is set, the program starts itself again
//! once through `sh`, with SIGXFSZ ignored, under the same process id.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Set in the restarted program, so it restarts only once.
const RESTARTED: &str = "CH04_SIGXFSZ_IGNORED";

/// Whether `/proc/self/limits` says a file size limit is set; false when
/// it cannot be read (another system: nothing is changed).
fn file_size_limited() -> bool {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else {
        return false;
    };
    limits
        .lines()
        .find(|line| line.starts_with("Max file size"))
        .and_then(|line| line.split_whitespace().nth(3))
        .is_some_and(|soft| soft != "unlimited")
}

/// Under a file size limit, replaces this process with itself, SIGXFSZ
/// ignored; returns only if there is nothing to do or the restart failed
/// (the program then runs as it is).
pub fn ignore_file_size_signal(args: &[OsString]) {
    if std::env::var_os(RESTARTED).is_some() || !file_size_limited() {
        return;
    }
    let Ok(program) = std::env::current_exe() else { return };
    let _error = Command::new("/bin/sh")
        .arg("-c")
        .arg("trap '' XFSZ; exec \"$0\" \"$@\"")
        .arg(program)
        .args(args)
        .env(RESTARTED, "1")
        .exec();
}
