//! Work spread over threads that may not start. A process or memory limit
//! can refuse a new thread (and under `ulimit -v`, `memory` refuses one that
//! would not fit); the programs then do the work on the threads they have,
//! and never panic for it.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;

/// Locks `mutex`, even if a thread panicked while it held the lock: every
/// value kept behind a lock in this package is whole between statements, so
/// a panic elsewhere leaves nothing half done.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `f(0), f(1), ..., f(n - 1)`, all at once: `f(0)` on the calling thread,
/// each other on a thread of its own. One whose thread cannot be started runs
/// on the calling thread afterwards. The results come in the order of `i`.
///
/// Workers that share their work through a counter need no index: run them as
/// `all_at_once(n, |_| worker())`, and one that starts late finds the work
/// done by the others.
pub fn all_at_once<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    thread::scope(|scope| {
        let f = &f;
        let started: Vec<_> = (1..n)
            .map(|i| {
                let room = crate::memory::claim(crate::memory::THREAD)
                    .ok_or_else(crate::memory::refused)?;
                thread::Builder::new()
                    .stack_size(crate::memory::STACK)
                    .spawn_scoped(scope, move || {
                        let _room = room;
                        f(i)
                    })
            })
            .collect();
        let mut results = Vec::with_capacity(n);
        if n > 0 {
            results.push(f(0));
        }
        for (i, handle) in (1..n).zip(started) {
            results.push(match handle {
                // `f` only panics on a bug; pass the panic on.
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(_) => f(i),
            });
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_index_runs_once_and_results_keep_their_order() {
        for n in [0, 1, 2, 7] {
            let runs = AtomicUsize::new(0);
            let results = all_at_once(n, |i| {
                runs.fetch_add(1, Ordering::Relaxed);
                i * i
            });
            assert_eq!(results, (0..n).map(|i| i * i).collect::<Vec<_>>());
            assert_eq!(runs.load(Ordering::Relaxed), n);
        }
    }

    #[test]
    fn index_0_runs_on_the_calling_thread() {
        let caller = thread::current().id();
        let on_caller = all_at_once(3, |_| thread::current().id() == caller);
        assert_eq!(on_caller, [true, false, false]);
    }
}
