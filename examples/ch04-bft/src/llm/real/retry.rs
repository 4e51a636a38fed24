//! `--retries N`: a call that failed for a reason that is not an answer (a
//! rate limit, an overloaded server) is made again, up to N more times,
//! after a pause that doubles each time (1 s, 2 s, 4 s ..., with jitter so
//! that calls refused together do not all come back together, and never
//! longer than the timeout). With `--retry-if TEXT`, only a failure whose
//! stderr holds TEXT is retried. Only the last attempt's outcome votes; the
//! earlier ones are kept beside it, for the report and the log.

use std::sync::Arc;
use std::time::Duration;

use super::call::{Attempt, Call, Runner, Status, Stop};
use crate::rng::draw;

/// How failed calls are tried again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retry {
    /// Attempts after the first, at most.
    pub times: u32,
    /// Only failures whose stderr contains this.
    pub only_if: Option<String>,
}

impl Retry {
    /// Whether `call`, attempt number `done` (from 1), is tried again.
    pub fn wanted(&self, call: &Call, done: u32) -> bool {
        let failed =
            matches!(call.status, Status::Failed(_) | Status::TimedOut);
        let matches = self.only_if.as_ref().is_none_or(|text| {
            call.stderr.windows(text.len()).any(|w| w == text.as_bytes())
        });
        failed && matches && done <= self.times
    }

    /// `command` on `input` until it answers or the retries run out; a
    /// stop ends the pause at once.
    pub fn call(
        &self,
        runner: &Runner,
        command: &str,
        input: &Arc<Vec<u8>>,
        stop: &Stop,
    ) -> Call {
        let mut earlier = Vec::new();
        let mut done = 1;
        loop {
            let mut call = runner.call_until(command, input, stop);
            if !self.wanted(&call, done) {
                call.retried = earlier;
                return call;
            }
            earlier.push(Attempt::of(&call));
            let jitter =
                draw(u64::from(std::process::id()), earlier.len() as u64);
            if stop.pause(backoff(done, jitter, runner.timeout())) {
                call.retried = earlier;
                call.status = Status::Stopped;
                return call;
            }
            done += 1;
        }
    }
}

/// The pause after attempt `done` failed: 2^(done - 1) seconds, plus up to
/// half of that again by `jitter` (a random 64-bit number), at most
/// `ceiling`.
pub fn backoff(done: u32, jitter: u64, ceiling: Duration) -> Duration {
    let base = Duration::from_secs(1 << (done - 1).min(20));
    let extra = base.mul_f64((jitter >> 11) as f64 / (1u64 << 53) as f64 / 2.0);
    (base + extra).min(ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_with_at_most_half_again_and_stop_at_the_timeout() {
        let long = Duration::from_secs(3600);
        assert_eq!(backoff(1, 0, long), Duration::from_secs(1));
        assert_eq!(backoff(2, 0, long), Duration::from_secs(2));
        assert_eq!(backoff(3, 0, long), Duration::from_secs(4));
        let most = backoff(3, u64::MAX, long);
        assert!(
            most > Duration::from_millis(5999)
                && most <= Duration::from_secs(6),
            "{most:?}"
        );
        assert_eq!(
            backoff(5, 0, Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn only_failures_are_retried_and_only_those_that_match() {
        let call = |status: Status, stderr: &str| {
            let mut call = Call::unneeded();
            call.status = status;
            call.stderr = stderr.as_bytes().to_vec();
            call
        };
        let any = Retry { times: 2, only_if: None };
        assert!(any.wanted(&call(Status::Failed(Some(1)), ""), 1));
        assert!(any.wanted(&call(Status::TimedOut, ""), 2));
        assert!(
            !any.wanted(&call(Status::TimedOut, ""), 3),
            "two retries, three attempts"
        );
        assert!(!any.wanted(&call(Status::Answered, ""), 1));
        assert!(!any.wanted(&call(Status::OverLimit, ""), 1));
        let limited = Retry { times: 1, only_if: Some("429".into()) };
        assert!(
            limited
                .wanted(&call(Status::Failed(Some(1)), "HTTP 429 Too Many"), 1)
        );
        assert!(!limited.wanted(&call(Status::Failed(Some(1)), "HTTP 401"), 1));
        assert!(
            !Retry::default().wanted(&call(Status::Failed(Some(1)), ""), 1)
        );
    }
}
