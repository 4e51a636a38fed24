//! Stopping a call from another thread: the vote, once decided, stops the
//! calls it no longer needs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::call::Event;
use crate::threads::lock;

/// Lets another thread stop a call: one that has not started yet then
/// never starts, and a running one has its process group stopped.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    inner: Arc<StopInner>,
}

#[derive(Debug, Default)]
struct StopInner {
    stopped: AtomicBool,
    /// The running attempt's channel, to wake its wait.
    wake: Mutex<Option<Sender<Event>>>,
    /// Wakes a pause between attempts.
    paused: Condvar,
}

impl Stop {
    pub fn stop(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let wake = lock(&self.inner.wake);
        if let Some(wake) = wake.as_ref() {
            let _ = wake.send(Event::Stop);
        }
        self.inner.paused.notify_all();
    }

    /// Waits `pause`, or until stopped; true when stopped. Blocks, never
    /// polls: `stop` wakes it.
    pub(super) fn pause(&self, pause: Duration) -> bool {
        let guard = lock(&self.inner.wake);
        let stopped = || self.is_stopped();
        let _ =
            self.inner.paused.wait_timeout_while(guard, pause, |_| !stopped());
        self.is_stopped()
    }

    pub(super) fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::SeqCst)
    }

    /// Called when an attempt's command has started: from now on `stop`
    /// wakes it. If `stop` came first, the attempt stops at once.
    pub(super) fn running(&self, events: &Sender<Event>) {
        *lock(&self.inner.wake) = Some(events.clone());
        if self.is_stopped() {
            let _ = events.send(Event::Stop);
        }
    }
}
