//! The one step between a call and the vote: reading the key a call votes
//! for, the same way for the live vote, the evaluation (its expected values
//! too) and `--rescore`.
//!
//! A pure reading (`answers::Reading`) needs nothing but the output. With
//! `--canon CMD`, the part of the output that holds the answer goes to the
//! command on its standard input, run like a call (its own process group,
//! the same timeout and output limit), and its trimmed standard output is
//! the key. `Keys` runs it once per distinct output of a vote: two calls
//! that printed the same bytes wait for the same run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::answers::{Compare, Reading};
use super::call::{Call, Runner, Status, Stop, last_line};
use crate::threads::lock;

/// A key, or why there is none: `NoAnswer`, `CanonFailed`, or `NotRun`
/// when the machine could not run the canon (then nothing was read).
pub type Key = Result<Vec<u8>, Status>;

/// The key of `output`: `reading`, and its canon when it has one.
pub fn read_key(
    runner: &Runner,
    reading: &Reading,
    output: &[u8],
    stop: &Stop,
) -> Key {
    let Some(answer) = reading.cut(output) else {
        return Err(Status::NoAnswer);
    };
    let Some(canon) = &reading.canon else {
        return reading.compare.key(answer).ok_or(Status::NoAnswer);
    };
    let call = runner.call_until(canon, &Arc::new(answer.to_vec()), stop);
    match call.status {
        Status::Answered => match Compare::Trim.key(&call.output) {
            Some(key) if !key.is_empty() => Ok(key),
            _ => Err(Status::NoAnswer),
        },
        Status::NotRun(why) => Err(Status::NotRun(format!("--canon: {why}"))),
        Status::Stopped | Status::Unneeded => Err(Status::Stopped),
        other => {
            let why = match last_line(&call.stderr) {
                Some(line) => format!("{}: {line}", other.describe()),
                None => other.describe(),
            };
            Err(Status::CanonFailed(why))
        }
    }
}

/// The keys of one vote's outputs, each read once.
pub struct Keys<'a> {
    runner: &'a Runner,
    reading: &'a Reading,
    read: Mutex<HashMap<Vec<u8>, Arc<OnceLock<Key>>>>,
}

impl<'a> Keys<'a> {
    pub fn new(runner: &'a Runner, reading: &'a Reading) -> Keys<'a> {
        Keys { runner, reading, read: Mutex::new(HashMap::new()) }
    }

    /// Reads the key of a call that answered, and sets its key, or its
    /// status when no key could be read. Other calls are left as they are.
    pub fn apply(&self, call: &mut Call, stop: &Stop) {
        if call.status != Status::Answered {
            return;
        }
        let key = if self.reading.canon.is_none() {
            self.reading.key(&call.output).ok_or(Status::NoAnswer)
        } else {
            let once = Arc::clone(
                lock(&self.read).entry(call.output.clone()).or_default(),
            );
            // Another call with the same output may be running the canon:
            // `get_or_init` waits for it instead of running it again.
            once.get_or_init(|| {
                read_key(self.runner, self.reading, &call.output, stop)
            })
            .clone()
        };
        match key {
            Ok(key) => call.key = Some(key),
            Err(status) => call.status = status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::real::call::Limits;
    use std::time::Duration;

    fn runner() -> Runner {
        let limits =
            Limits { timeout: Duration::from_secs(5), max_output: 1000 };
        Runner::new(limits, false).unwrap()
    }

    fn answered(output: &[u8]) -> Call {
        let mut call = Call::unneeded();
        call.status = Status::Answered;
        call.output = output.to_vec();
        call
    }

    #[test]
    fn a_canon_prints_the_key_and_its_failure_is_an_abstention_with_why() {
        let runner = runner();
        let dir = crate::llm::real::call::ScratchDir::new().unwrap();
        let runs = dir.path().join("runs");
        // Upper-cases the answer; counts its runs; fails on "bad".
        let canon = format!(
            "echo run >> '{}'; read -r a; [ \"$a\" = bad ] && \
             {{ echo 'cannot parse' >&2; exit 4; }}; echo \"$a\" | tr a-z A-Z",
            runs.display()
        );
        let reading = Reading {
            after: Some("A:".into()),
            compare: Compare::Trim,
            canon: Some(canon),
        };
        let keys = Keys::new(&runner, &reading);
        let stop = Stop::default();
        let mut calls: Vec<Call> =
            [&b"x\nA: yes\n"[..], b"x\nA: yes\n", b"A: bad", b"no marker"]
                .into_iter()
                .map(answered)
                .collect();
        for call in &mut calls {
            keys.apply(call, &stop);
        }
        assert_eq!(calls[0].key.as_deref(), Some(&b"YES"[..]));
        assert_eq!(calls[1].key, calls[0].key);
        assert_eq!(
            calls[2].status,
            Status::CanonFailed("exit status 4: cannot parse".into())
        );
        assert_eq!(calls[3].status, Status::NoAnswer, "no 'A:': no canon run");
        let count = std::fs::read_to_string(&runs).unwrap().lines().count();
        assert_eq!(count, 2, "once per distinct output");
        // A canon that prints nothing found no answer.
        let silent = Reading { canon: Some("true".into()), ..reading };
        assert_eq!(
            read_key(&runner, &silent, b"A: 1", &stop),
            Err(Status::NoAnswer)
        );
    }
}
