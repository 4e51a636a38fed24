//! One command's calls in an evaluation: how long they took, how many
//! attempts were made again, and why the others abstained, each reason
//! with the stderr line of its earliest task.

use std::collections::BTreeMap;

use super::call::{Call, Status, last_line};

/// One command's calls in an evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Each call's time in microseconds, in no particular order.
    pub micros: Vec<u64>,
    /// Attempts that failed and were made again (`--retries`).
    pub retried: u64,
    /// Abstentions by reason ("timed out", "exit status 7"), each with
    /// the last line of stderr of the one on the earliest task line.
    pub abstained: BTreeMap<String, (u64, Option<(usize, String)>)>,
}

impl CallStats {
    pub fn add(&mut self, line: usize, call: &Call) {
        self.retried += call.retried.len() as u64;
        self.micros
            .push(u64::try_from(call.duration.as_micros()).unwrap_or(u64::MAX));
        if call.status == Status::Answered {
            return;
        }
        // Why it abstained: the check's words when the check failed it.
        let said = match call.status {
            Status::FailedCheck => call.check_said.clone(),
            _ => last_line(&call.stderr),
        };
        let stderr = said.map(|text| (line, text));
        let entry =
            self.abstained.entry(call.status.describe()).or_insert((0, None));
        entry.0 += 1;
        keep_earliest(&mut entry.1, stderr);
    }

    /// When every call ended with the shell's "not found" (127) or "cannot
    /// run" (126): the last line of stderr of the earliest.
    pub fn never_found(&self) -> Option<Option<&str>> {
        let missing: Vec<_> = ["exit status 127", "exit status 126"]
            .iter()
            .filter_map(|reason| self.abstained.get(*reason))
            .collect();
        let count: u64 = missing.iter().map(|(n, _)| n).sum();
        (count > 0 && count == self.micros.len() as u64).then(|| {
            missing
                .iter()
                .find_map(|(_, said)| said.as_ref().map(|(_, l)| l.as_str()))
        })
    }

    pub fn merge(&mut self, other: &CallStats) {
        self.micros.extend_from_slice(&other.micros);
        self.retried += other.retried;
        for (reason, (count, stderr)) in &other.abstained {
            let entry =
                self.abstained.entry(reason.clone()).or_insert((0, None));
            entry.0 += count;
            keep_earliest(&mut entry.1, stderr.clone());
        }
    }

    /// The `percent`th percentile of the call times, in seconds, by the
    /// nearest rank (the smallest time that at least `percent`% of the
    /// calls took no longer than); 0 with no call.
    pub fn percentile_seconds(&self, percent: usize) -> f64 {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = (percent * sorted.len()).div_ceil(100);
        sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1e6
    }
}

/// Keeps the stderr line of the earlier task, so the report is the same
/// whatever order the tasks end in.
fn keep_earliest(
    kept: &mut Option<(usize, String)>,
    new: Option<(usize, String)>,
) {
    if let Some(new) = new
        && kept.as_ref().is_none_or(|old| new.0 < old.0)
    {
        *kept = Some(new);
    }
}
