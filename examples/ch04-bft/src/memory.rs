//! Living within an address-space limit (`ulimit -v`). Past it, a new
//! thread or a growing buffer is refused, and the standard library answers
//! some refusals by aborting the whole process (a thread's signal stack, an
//! allocation): nothing a program can catch. So, only when such a limit is
//! set, every thread and every call's buffers first claim their room here,
//! against what the system says is still free; what has no room is refused
//! as a process that cannot start is, and waits, runs on a thread already
//! there, or ends the run with exit 1 and the reason.

use std::sync::{Mutex, OnceLock};

/// A thread's stack, where the programs choose it: their threads loop
/// and copy, and never recurse deeply.
pub const STACK: usize = 512 * 1024;

/// What one more thread takes: its stack, and about as much again for its
/// guard pages, signal stack and thread-local storage.
pub const THREAD: u64 = 2 * STACK as u64;

/// Room always left free, for the main thread's reports and the system's
/// own mappings.
const RESERVE: u64 = 16 << 20;

/// What was mapped at the first claim.
static BASE: OnceLock<Option<u64>> = OnceLock::new();

/// Bytes claimed and not yet given back.
static CLAIMED: Mutex<u64> = Mutex::new(0);

/// Room claimed: given back when dropped.
#[derive(Debug)]
#[must_use]
pub struct Claim(u64);

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claimed = crate::threads::lock(&CLAIMED);
        *claimed = claimed.saturating_sub(self.0);
    }
}

/// The soft address-space limit, read once: `None` when there is none or
/// it cannot be read (another system: nothing is limited then).
fn limit() -> Option<u64> {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        read_limit(&limits, "Max address space")
    })
}

/// The soft limit on the line of `/proc/self/limits` that starts with
/// `name`: `None` for "unlimited".
pub fn read_limit(limits: &str, name: &str) -> Option<u64> {
    let line = limits.lines().find(|line| line.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// The address space this process maps now (`VmSize`), in bytes.
fn mapped() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status.lines().find_map(|line| line.strip_prefix("VmSize:"))?;
    Some(kb.split_whitespace().next()?.parse::<u64>().ok()? * 1024)
}

/// Claims `bytes` of address space, when a limit is set: `None` when they
/// would not fit beside what is in use (what is mapped, or what was mapped
/// at the first claim and has been claimed since, whichever is more) and
/// the reserve. Without a limit, always a claim, at no cost.
pub fn claim(bytes: u64) -> Option<Claim> {
    let Some(limit) = limit() else {
        return Some(Claim(0));
    };
    let mut claimed = crate::threads::lock(&CLAIMED);
    // What is mapped now holds the claims of threads already started, but
    // not yet those still starting: the larger of the two sums.
    let base = (*BASE.get_or_init(mapped))?;
    let now = mapped()?.max(base.saturating_add(*claimed));
    let used = now.saturating_add(RESERVE);
    if used.saturating_add(bytes) > limit {
        return None;
    }
    *claimed += bytes;
    Some(Claim(bytes))
}

/// The words for a refusal by `claim`.
pub fn refused() -> std::io::Error {
    std::io::Error::other(
        "the address space limit (ulimit -v) leaves no room for it",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_is_read_and_unlimited_is_none() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max file size             unlimited            unlimited            bytes     \n\
                      Max address space         104857600            unlimited            bytes     \n";
        assert_eq!(read_limit(limits, "Max address space"), Some(104_857_600));
        assert_eq!(read_limit(limits, "Max file size"), None);
        assert_eq!(read_limit(limits, "Max processes"), None);
    }

    #[test]
    fn a_claim_is_given_back_when_dropped() {
        // The tests run without an address-space limit: every claim fits.
        let claim = claim(u64::MAX / 2);
        assert!(claim.is_some());
        drop(claim);
        assert_eq!(*crate::threads::lock(&CLAIMED), 0);
    }
}
