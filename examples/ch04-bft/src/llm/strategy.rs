//! Strategies: ways to turn the answers of up to three models into one
//! decision, and the three outcomes a decision can have.
//!
//! A strategy either *accepts* an answer or *rejects* the task (to be retried
//! or escalated to a person). An accepted answer is correct, or it is a
//! *silent error*: wrong, and nothing downstream knows.

use super::model::{Answer, CORRECT};

// ANCHOR: strategy
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The first model's answer, unchecked.
    Single,
    /// The first two models must give the same answer.
    DualAgreement,
    /// At least two of the three must give the same answer.
    TripleMajority,
    /// All three must give the same answer.
    TripleUnanimous,
}

impl Strategy {
    /// The accepted answer, or `None`: rejected.
    pub fn decide(self, [a, b, c]: [Answer; 3]) -> Option<Answer> {
        match self {
            Strategy::Single => Some(a),
            Strategy::DualAgreement => (a == b).then_some(a),
            Strategy::TripleMajority if a == b || a == c => Some(a),
            Strategy::TripleMajority => (b == c).then_some(b),
            Strategy::TripleUnanimous => (a == b && b == c).then_some(a),
        }
    }
}
// ANCHOR_END: strategy

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Single,
        Strategy::DualAgreement,
        Strategy::TripleMajority,
        Strategy::TripleUnanimous,
    ];

    pub fn calls(self) -> u64 {
        match self {
            Strategy::Single => 1,
            Strategy::DualAgreement => 2,
            Strategy::TripleMajority | Strategy::TripleUnanimous => 3,
        }
    }

    /// The label without its quorum, for narrow tables.
    pub fn short_label(self) -> &'static str {
        match self {
            Strategy::Single => "single model",
            Strategy::DualAgreement => "dual agreement",
            Strategy::TripleMajority => "triple majority",
            Strategy::TripleUnanimous => "triple unanimous",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Strategy::Single => "Single",
            Strategy::DualAgreement => "Dual agreement (2 of 2)",
            Strategy::TripleMajority => "Triple majority (2 of 3)",
            Strategy::TripleUnanimous => "Triple unanimous (3 of 3)",
        }
    }
}

/// Counts per strategy, indexed as `Strategy::ALL`. Every task is accepted
/// and correct, rejected, or a silent error (accepted but wrong).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub tasks: u64,
    pub correct: [u64; 4],
    pub rejected: [u64; 4],
}

impl Tally {
    /// Counts `tasks` tasks on which the models answered `answers`.
    pub fn add(&mut self, answers: [Answer; 3], tasks: u64) {
        self.tasks += tasks;
        for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
            match strategy.decide(answers) {
                Some(CORRECT) => self.correct[s] += tasks,
                Some(_) => {} // a silent error: counted as what is left
                None => self.rejected[s] += tasks,
            }
        }
    }

    pub fn silent(&self, s: usize) -> u64 {
        self.tasks - self.correct[s] - self.rejected[s]
    }

    pub fn merge(mut self, other: Tally) -> Tally {
        self.tasks += other.tasks;
        for s in 0..4 {
            self.correct[s] += other.correct[s];
            self.rejected[s] += other.rejected[s];
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_for_every_triple_of_three_answers() {
        // Answers 0 (correct), 1, 2: all 27 triples, against rules written
        // out another way (count the votes of each answer).
        for a in 0..3 {
            for b in 0..3 {
                for c in 0..3 {
                    let votes = |x: Answer| {
                        [a, b, c].iter().filter(|&&v| v == x).count()
                    };
                    let top =
                        (0..3).max_by_key(|&x| (votes(x), x == a)).unwrap();
                    let expected = [
                        Some(a),
                        (a == b).then_some(a),
                        (votes(top) >= 2).then_some(top),
                        (votes(a) == 3).then_some(a),
                    ];
                    let got = Strategy::ALL.map(|s| s.decide([a, b, c]));
                    assert_eq!(got, expected, "answers {a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn a_tally_sorts_each_task_into_one_outcome() {
        let mut tally = Tally::default();
        tally.add([0, 0, 0], 5); // everyone right
        tally.add([1, 1, 0], 2); // a shared mistake
        tally.add([1, 2, 3], 1); // three different mistakes
        assert_eq!(tally.tasks, 8);
        assert_eq!(tally.correct, [5, 5, 5, 5]);
        assert_eq!(tally.rejected, [0, 1, 1, 3]);
        assert_eq!(
            (0..4).map(|s| tally.silent(s)).collect::<Vec<_>>(),
            [3, 2, 2, 0]
        );
        assert_eq!(tally.merge(tally).correct, [10; 4]);
        assert_eq!(Strategy::ALL.map(Strategy::calls), [1, 2, 3, 3]);
    }
}
