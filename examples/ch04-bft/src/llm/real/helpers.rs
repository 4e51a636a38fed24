//! The threads that serve calls: they write a command's input, read its
//! output and wait for its exit. A call needs three or four of them for as
//! long as it runs, and an evaluation makes thousands of calls, so they are
//! kept and reused instead of started and ended for every call: starting a
//! thread costs more than a short command's whole share of our CPU.
//!
//! A call reserves its threads before its command starts, so a thread the
//! machine refuses is refused while nothing has run yet; once reserved, a
//! thread is certain to take the job it is given.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;

use crate::threads::lock;

/// Stack of a helper: it copies bytes and waits, nothing more.
const STACK: usize = 128 * 1024;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job that no reservation has claimed.
    free: usize,
    /// Waiting threads asked to end, to give their place back.
    retire: usize,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The helper threads of a run.
#[derive(Clone, Default)]
pub struct Helpers {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Helpers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Helpers {{ free: {} }}", lock(&self.shared.queue).free)
    }
}

/// Threads set aside for one call: each `run` gives one of them a job.
/// Dropping it hands the threads it did not use back.
pub struct Reserved {
    shared: Arc<Shared>,
    left: usize,
}

impl Helpers {
    /// Sets `count` waiting threads aside, starting new ones if too few
    /// wait. Fails, holding nothing, when the machine refuses a thread.
    pub fn reserve(&self, count: usize) -> io::Result<Reserved> {
        let mut queue = lock(&self.shared.queue);
        while queue.free < count {
            let shared = Arc::clone(&self.shared);
            let room = crate::memory::claim(crate::memory::THREAD)
                .ok_or_else(crate::memory::refused)?;
            thread::Builder::new().stack_size(STACK).spawn(move || {
                let _room = room;
                serve(&shared);
            })?;
            queue.free += 1;
        }
        queue.free -= count;
        Ok(Reserved { shared: Arc::clone(&self.shared), left: count })
    }

    /// Ends every thread that waits with nothing to do. Threads count
    /// against a process limit (`ulimit -u`) as processes do: when the
    /// machine refuses one, the idle ones give their places back.
    pub fn release_idle(&self) {
        let mut queue = lock(&self.shared.queue);
        queue.retire += queue.free;
        queue.free = 0;
        self.shared.ready.notify_all();
    }
}

/// A helper's life: take a job, do it, wait for the next.
fn serve(shared: &Shared) {
    loop {
        let job = {
            let mut queue = lock(&shared.queue);
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                // Waiting threads are alike: whichever takes the ticket,
                // as many wait for reserved jobs as before.
                if queue.retire > 0 {
                    queue.retire -= 1;
                    return;
                }
                queue = shared
                    .ready
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        job();
        lock(&shared.queue).free += 1;
    }
}

impl Reserved {
    /// Gives `job` to one of the reserved threads. Past the reservation,
    /// the job is dropped unrun: a bug, which the tests would show.
    pub fn run(&mut self, job: impl FnOnce() + Send + 'static) {
        debug_assert!(self.left > 0, "more jobs than reserved threads");
        if self.left == 0 {
            return;
        }
        self.left -= 1;
        lock(&self.shared.queue).jobs.push_back(Box::new(job));
        self.shared.ready.notify_one();
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        lock(&self.shared.queue).free += self.left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn reserved_threads_run_every_job_at_once_and_are_reused() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        let helpers = Helpers::default();
        for _ in 0..3 {
            // Each job waits until all four have started: they only all
            // see four if the four run at the same time.
            let started = Arc::new(AtomicUsize::new(0));
            let (sender, received) = mpsc::channel();
            let mut reserved = helpers.reserve(4).unwrap();
            for _ in 0..4 {
                let (started, sender) = (Arc::clone(&started), sender.clone());
                reserved.run(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    let limit = Instant::now() + Duration::from_secs(5);
                    while started.load(Ordering::SeqCst) < 4
                        && Instant::now() < limit
                    {
                        thread::yield_now();
                    }
                    sender.send(started.load(Ordering::SeqCst)).unwrap();
                });
            }
            let seen: Vec<usize> =
                (0..4).map(|_| received.recv().unwrap()).collect();
            assert_eq!(seen, [4, 4, 4, 4]);
            drop(reserved);
            // Wait until all four count as free again.
            while lock(&helpers.shared.queue).free < 4 {
                thread::yield_now();
            }
        }
        assert_eq!(lock(&helpers.shared.queue).free, 4, "no thread added");
    }

    #[test]
    fn idle_threads_end_when_released_and_reservations_still_run() {
        let helpers = Helpers::default();
        drop(helpers.reserve(5).unwrap());
        let mut reserved = helpers.reserve(2).unwrap();
        helpers.release_idle();
        // Three threads end; the two reserved ones still take their jobs.
        let (sender, received) = mpsc::channel();
        for job in 0..2 {
            let sender = sender.clone();
            reserved.run(move || sender.send(job).unwrap());
        }
        let mut jobs: Vec<i32> =
            (0..2).map(|_| received.recv().unwrap()).collect();
        jobs.sort_unstable();
        assert_eq!(jobs, [0, 1]);
        while lock(&helpers.shared.queue).retire > 0 {
            thread::yield_now();
        }
    }

    #[test]
    fn unused_reservations_come_back() {
        let helpers = Helpers::default();
        let mut reserved = helpers.reserve(3).unwrap();
        reserved.run(|| {});
        drop(reserved);
        while lock(&helpers.shared.queue).free < 3 {
            thread::yield_now();
        }
        let _again = helpers.reserve(3).unwrap();
        assert_eq!(lock(&helpers.shared.queue).free, 0);
    }
}
