//! How many calls run at once: as many as the run asks for, but never more
//! than this process can hold.
//!
//! A call needs pipes (open files), threads and a process. When one of them
//! is refused (`ulimit -n`, `ulimit -u`, memory), that is the machine's
//! failure, not the model's: the call has not run. The gate then lowers the
//! number of calls allowed at once to the number still running, and the call
//! waits for one of them to end and tries again. The limit grows back by one
//! after as many calls as it allows have ended well, so a passing shortage
//! slows a run down for a while and changes none of its results.

use crate::threads::lock;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

#[derive(Debug)]
struct State {
    running: usize,
    /// Calls allowed at once, at least 1.
    capacity: usize,
    /// Calls that ended well since the capacity last changed.
    successes: usize,
}

#[derive(Debug)]
pub struct Gate {
    state: Mutex<State>,
    changed: Condvar,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::new()
    }
}

impl Gate {
    pub fn new() -> Gate {
        let state = State { running: 0, capacity: usize::MAX, successes: 0 };
        Gate { state: Mutex::new(state), changed: Condvar::new() }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Waits until one more call may run, and counts it as running.
    pub fn enter(&self) {
        let mut state = self.state();
        while state.running >= state.capacity {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.running += 1;
    }

    /// A call that ran has ended.
    pub fn leave(&self) {
        let mut state = self.state();
        state.running -= 1;
        state.successes += 1;
        if state.capacity != usize::MAX && state.successes >= state.capacity {
            state.capacity += 1;
            state.successes = 0;
        }
        self.changed.notify_all();
    }

    /// A call that entered could not start for lack of resources. It leaves,
    /// and the capacity falls to the calls still running (at least 1).
    /// Returns how many still run: when some do, the next `enter` waits for
    /// one of them to end, which frees what the refused call needed.
    pub fn refused(&self) -> usize {
        let mut state = self.state();
        state.running -= 1;
        state.capacity = state.running.max(1);
        state.successes = 0;
        self.changed.notify_all();
        state.running
    }

    /// Calls allowed at once now (`usize::MAX` until the first refusal).
    pub fn capacity(&self) -> usize {
        self.state().capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn a_refusal_lowers_the_capacity_and_successes_raise_it() {
        let gate = Gate::new();
        for _ in 0..5 {
            gate.enter();
        }
        assert_eq!(gate.refused(), 4);
        assert_eq!(gate.capacity(), 4);
        // Four calls end well: the capacity grows by one.
        for _ in 0..4 {
            gate.leave();
        }
        assert_eq!(gate.capacity(), 5);
        gate.enter();
        assert_eq!(gate.refused(), 0);
        assert_eq!(gate.capacity(), 1, "never below one");
    }

    #[test]
    fn no_more_than_the_capacity_run_at_once() {
        let gate = Arc::new(Gate::new());
        for _ in 0..3 {
            gate.enter();
        }
        gate.refused(); // two run, and two may
        let (running, most) =
            (Arc::new(AtomicUsize::new(2)), Arc::new(AtomicUsize::new(2)));
        let workers: Vec<_> = (0..6)
            .map(|_| {
                let (gate, running, most) =
                    (gate.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    gate.enter();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    gate.leave();
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(most.load(Ordering::SeqCst), 2, "the two first must end");
        for _ in 0..2 {
            running.fetch_sub(1, Ordering::SeqCst);
            gate.leave();
        }
        for worker in workers {
            worker.join().unwrap();
        }
        assert!(
            most.load(Ordering::SeqCst) <= 3,
            "2, then 3 after two successes"
        );
    }
}
