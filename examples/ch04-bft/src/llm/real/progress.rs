//! One updating line on a terminal while an evaluation runs: tasks done of
//! the total, time elapsed, an estimate of the time left, and the calls that
//! abstained so far. Nothing when stderr is not a terminal, or with
//! `--quiet`: a log or a pipe gets no carriage returns.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the line is drawn again.
const TICK: Duration = Duration::from_millis(250);

#[derive(Debug)]
struct Counters {
    total: u64,
    done: AtomicU64,
    /// Tasks run now (not taken from a log): the pace comes from them.
    ran: AtomicU64,
    abstained: AtomicU64,
    start: Instant,
}

/// The progress of an evaluation; drawn only if `shown`.
#[derive(Debug)]
pub struct Progress {
    counters: Arc<Counters>,
    ticker: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts drawing when `wanted` and stderr is a terminal.
    pub fn start(total: u64, wanted: bool) -> Progress {
        let counters = Arc::new(Counters {
            total,
            done: AtomicU64::new(0),
            ran: AtomicU64::new(0),
            abstained: AtomicU64::new(0),
            start: Instant::now(),
        });
        let ticker = (wanted && io::stderr().is_terminal())
            .then(|| {
                let (stop, stopped) = mpsc::channel::<()>();
                let shared = Arc::clone(&counters);
                let room = crate::memory::claim(crate::memory::THREAD)?;
                let drawer = thread::Builder::new().spawn(move || {
                    let _room = room;
                    loop {
                        draw(&line(&shared, shared.start.elapsed()));
                        if stopped.recv_timeout(TICK)
                            != Err(RecvTimeoutError::Timeout)
                        {
                            draw("");
                            return;
                        }
                    }
                });
                drawer.ok().map(|handle| (stop, handle))
            })
            .flatten();
        Progress { counters, ticker }
    }

    /// One task has ended; `from_log` when it was only counted.
    pub fn task_done(&self, abstained: u64, from_log: bool) {
        let c = &self.counters;
        c.done.fetch_add(1, Ordering::Relaxed);
        c.abstained.fetch_add(abstained, Ordering::Relaxed);
        if !from_log {
            c.ran.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Progress {
    /// Clears the line, so the report starts on a clean one.
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.ticker.take() {
            drop(stop);
            let _ = handle.join();
        }
    }
}

/// The line for these counts, `elapsed` after the start.
fn line(c: &Counters, elapsed: Duration) -> String {
    let done = c.done.load(Ordering::Relaxed);
    let ran = c.ran.load(Ordering::Relaxed);
    let left = if ran == 0 {
        "estimating".to_string()
    } else {
        let per_task = elapsed.as_secs_f64() / ran as f64;
        let seconds = per_task * c.total.saturating_sub(done) as f64;
        format!("about {} left", clock(Duration::from_secs_f64(seconds)))
    };
    format!(
        "{done}/{} tasks, {} elapsed, {left}, {} call(s) abstained",
        c.total,
        clock(elapsed),
        c.abstained.load(Ordering::Relaxed)
    )
}

/// `text` over the current line of stderr.
fn draw(text: &str) {
    let mut err = io::stderr().lock();
    let _ = write!(err, "\r\x1b[K{text}");
    let _ = err.flush();
}

/// A duration as 42s, 3m05s or 2h07m.
fn clock(duration: Duration) -> String {
    let s = duration.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_and_estimates() {
        let c = Counters {
            total: 100,
            done: AtomicU64::new(0),
            ran: AtomicU64::new(0),
            abstained: AtomicU64::new(0),
            start: Instant::now(),
        };
        assert_eq!(
            line(&c, Duration::from_secs(3)),
            "0/100 tasks, 3s elapsed, estimating, 0 call(s) abstained"
        );
        // 40 counted from a log, 10 run in 50 s: 5 s a task, 50 left.
        c.done.store(50, Ordering::Relaxed);
        c.ran.store(10, Ordering::Relaxed);
        c.abstained.store(4, Ordering::Relaxed);
        assert_eq!(
            line(&c, Duration::from_secs(50)),
            "50/100 tasks, 50s elapsed, about 4m10s left, 4 call(s) abstained"
        );
        assert_eq!(clock(Duration::from_secs(7325)), "2h02m");
        assert_eq!(clock(Duration::from_secs(3599)), "59m59s");
    }
}
