//! What the rules of section 2.5 see of a task's answers, for
//! `rules_engine`: the *shape* of the first model's first five samples
//! (each answer 0 when correct, else its wrong answer numbered by first
//! appearance, read as five digits in base 6), ahead-by-k as a walk over
//! the samples, and every rule judged once per pattern or shape.

use super::engine::{PATTERNS, pattern_answers};
use super::model::{Answer, CORRECT};
use super::rules::{Decided, Rule, replay};
use super::rules_sim::{Callers, RuleCounts, rows};

/// Samples of the first model that every task draws: as many as the
/// longest fixed vote reads.
pub const FIVE: usize = 5;

/// Shapes of five answers: five digits in base 6.
pub const SHAPES: usize = 6 * 6 * 6 * 6 * 6;

/// The shape of five answers (see the module's notes).
pub fn shape(answers: &[Answer; FIVE]) -> usize {
    let mut seen = [CORRECT; FIVE];
    let mut distinct = 0;
    let mut key = 0;
    for &a in answers {
        let digit = if a == CORRECT {
            0
        } else if let Some(i) = seen[..distinct].iter().position(|&s| s == a) {
            i + 1
        } else {
            seen[distinct] = a;
            distinct += 1;
            distinct
        };
        key = key * 6 + digit;
    }
    key
}

/// Answers that have the shape `key`.
pub fn shape_answers(mut key: usize) -> [Answer; FIVE] {
    let mut answers = [CORRECT; FIVE];
    for slot in answers.iter_mut().rev() {
        *slot = key % 6;
        key /= 6;
    }
    answers
}

/// The first model's five answers in a task's error bits (bits 3 to 7),
/// with K = 1.
pub fn five_bits(errors: usize) -> [Answer; FIVE] {
    std::array::from_fn(|s| errors >> (3 + s) & 1)
}

/// How a walk left one lead: undecided, or decided with this outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walked {
    Open,
    Done(Option<Answer>, usize),
}

/// Ahead-by-k under way: the distinct answers so far, in order of first
/// appearance, their votes, and the calls made.
pub struct Walk {
    answers: [Answer; 32],
    votes: [usize; 32],
    distinct: usize,
    pub calls: usize,
}

impl Default for Walk {
    fn default() -> Walk {
        Walk { answers: [CORRECT; 32], votes: [0; 32], distinct: 0, calls: 0 }
    }
}

impl Walk {
    /// One more answer; then the leader (the first answer with the most
    /// votes, as `rules::leader`) and its lead over every other.
    pub fn push(&mut self, a: Answer) -> (Answer, usize) {
        let d = self.distinct;
        let g = self.answers[..d].iter().position(|&x| x == a).unwrap_or(d);
        if g == d {
            self.answers[d] = a;
            self.distinct += 1;
        }
        self.votes[g] += 1;
        self.calls += 1;
        let votes = &self.votes[..self.distinct];
        let mut first = 0;
        for (i, &v) in votes.iter().enumerate() {
            if v > votes[first] {
                first = i;
            }
        }
        let runner_up = votes
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != first)
            .map(|(_, &v)| v)
            .max()
            .unwrap_or(0);
        (self.answers[first], votes[first] - runner_up)
    }

    /// Decides every lead still open that the last answer decided.
    pub fn settle(
        &self,
        (leader, margin): (Answer, usize),
        leads: &[(usize, usize)],
        walked: &mut [Walked],
    ) -> usize {
        let mut open = 0;
        for (w, &(lead, cap)) in walked.iter_mut().zip(leads) {
            if *w == Walked::Open {
                if margin >= lead {
                    *w = Walked::Done(Some(leader), self.calls);
                } else if self.calls >= cap {
                    *w = Walked::Done(None, self.calls);
                } else {
                    open += 1;
                }
            }
        }
        open
    }
}

/// Every lead after the five answers `five`: decided, or still open.
pub fn after_five(
    five: &[Answer; FIVE],
    leads: &[(usize, usize)],
) -> [Walked; 8] {
    let mut walked = [Walked::Open; 8];
    let mut walk = Walk::default();
    for &a in five {
        let step = walk.push(a);
        walk.settle(step, leads, &mut walked[..leads.len()]);
    }
    walked
}

/// Every rule of every row, judged once per pattern or shape: `three`
/// tasks per pattern of the three models, `five` per shape of the first
/// five samples, `ahead` what the walks past five samples decided.
pub fn judge(
    three: &[u64; PATTERNS],
    five: &[u64],
    mut ahead: Vec<RuleCounts>,
    leads: &[(usize, usize)],
) -> Vec<Vec<RuleCounts>> {
    // The leads five samples decided, shape by shape; the others were
    // walked on task by task.
    for (key, &tasks) in five.iter().enumerate() {
        if tasks > 0 {
            let walked = after_five(&shape_answers(key), leads);
            for (c, w) in ahead.iter_mut().zip(walked) {
                if let Walked::Done(answer, calls) = w {
                    c.count(tasks, &Decided { answer, calls });
                }
            }
        }
    }
    let mut ahead = ahead.into_iter();
    rows()
        .iter()
        .map(|row| {
            row.rules
                .iter()
                .map(|&rule| {
                    let mut c = RuleCounts::default();
                    let n = rule.max_calls();
                    match (row.callers, rule) {
                        (Callers::FirstModel, Rule::AheadBy { .. }) => {
                            c = ahead.next().unwrap_or_default();
                        }
                        (Callers::ThreeModels, _) => {
                            for (p, &tasks) in three.iter().enumerate() {
                                if tasks == 0 {
                                    continue;
                                }
                                let a = pattern_answers(p);
                                let answers = (0..n).map(|i| Some(a[i % 3]));
                                c.count(tasks, &replay(rule, answers));
                            }
                        }
                        (Callers::FirstModel, _) => {
                            for (key, &tasks) in five.iter().enumerate() {
                                if tasks > 0 {
                                    let a = shape_answers(key);
                                    let answers =
                                        a.into_iter().take(n).map(Some);
                                    c.count(tasks, &replay(rule, answers));
                                }
                            }
                        }
                    }
                    c
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_keep_which_answers_are_wrong_and_which_agree() {
        // Every five answers from 0 (correct) to 6: the shape stands for
        // answers equal where they are equal, correct where they are.
        let mut seen = std::collections::BTreeSet::new();
        for code in 0..7usize.pow(5) {
            let a: [Answer; FIVE] =
                std::array::from_fn(|i| code / [1, 7, 49, 343, 2401][i] % 7);
            let key = shape(&a);
            assert!(key < SHAPES);
            seen.insert(key);
            let b = shape_answers(key);
            for i in 0..FIVE {
                assert_eq!(a[i] == CORRECT, b[i] == CORRECT, "{a:?} {b:?}");
                for j in 0..FIVE {
                    assert_eq!(a[i] == a[j], b[i] == b[j], "{a:?} {b:?}");
                }
            }
            assert_eq!(shape(&b), key);
        }
        // Subsets of wrong places, each split into groups of equal answers:
        // the sum over j of C(5, j) times the Bell number B(j).
        assert_eq!(seen.len(), 1 + 5 + 10 * 2 + 10 * 5 + 5 * 15 + 52);
        // Digits 0, 1, 2, 1, 0.
        assert_eq!(shape(&[0, 9, 4, 9, 0]), ((6 + 2) * 6 + 1) * 6);
    }
}
