//! The exact outcomes of a voting rule (`rules`), and its expected calls,
//! for calls that err independently: a dynamic program over vote counts.
//!
//! After each call, the probability of every possible count of votes is
//! known; a count the rule decides leaves the program with its outcome, the
//! others go on to the next call. Wrong answers are K variants, equally
//! likely, so which variant has which count does not matter: a state is the
//! correct answer's votes and the wrong variants' votes, sorted. This is
//! exact for any K and any cap on the calls.

use std::collections::BTreeMap;

use super::rules::{Rule, Step};

/// What one call does: answers correctly with probability `correct`,
/// wrongly with `wrong` (one of the K variants, each alike), and abstains
/// otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallRates {
    pub correct: f64,
    pub wrong: f64,
}

impl CallRates {
    /// A call that never abstains and errs with `error`.
    pub fn erring(error: f64) -> CallRates {
        CallRates { correct: 1.0 - error, wrong: error }
    }
}

/// A rule's exact outcome rates and expected calls per task.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleRates {
    pub correct: f64,
    pub rejected: f64,
    pub silent: f64,
    pub calls: f64,
}

impl RuleRates {
    /// Expected calls per delivered (accepted) answer, when any is.
    pub fn calls_per_answer(&self) -> Option<f64> {
        let accepted = self.correct + self.silent;
        (accepted > 0.0).then(|| self.calls / accepted)
    }

    /// `weight` of `other` and the rest of `self`: a mix of task kinds.
    pub fn mix(self, weight: f64, other: RuleRates) -> RuleRates {
        let m = |a: f64, b: f64| (1.0 - weight) * a + weight * b;
        RuleRates {
            correct: m(self.correct, other.correct),
            rejected: m(self.rejected, other.rejected),
            silent: m(self.silent, other.silent),
            calls: m(self.calls, other.calls),
        }
    }
}

/// Votes for the correct answer, and for each wrong variant that has any,
/// most first.
type State = (usize, Vec<usize>);

/// The exact rates of `rule` when call i (from 0) answers with the rates
/// `call(i)`, and a wrong answer is one of `wrong_variants` variants.
pub fn rule_rates(
    rule: Rule,
    wrong_variants: usize,
    call: impl Fn(usize) -> CallRates,
) -> RuleRates {
    let mut rates = RuleRates::default();
    let mut states: BTreeMap<State, f64> =
        BTreeMap::from([((0, Vec::new()), 1.0)]);
    let k = wrong_variants as f64;
    for ended in 1..=rule.max_calls() {
        let CallRates { correct, wrong } = call(ended - 1);
        let mut next: BTreeMap<State, f64> = BTreeMap::new();
        for ((votes_correct, wrongs), p) in states {
            let best = votes_correct.max(wrongs.first().copied().unwrap_or(0));
            // The calls started when this one ended: the rule started them
            // before it knew this answer.
            let started = rule.calls_wanted(best, ended - 1) as f64;
            let mut outcomes: Vec<(State, f64)> = Vec::new();
            outcomes.push(((votes_correct + 1, wrongs.clone()), correct));
            for j in 0..wrongs.len() {
                let mut more = wrongs.clone();
                more[j] += 1;
                more.sort_unstable_by(|a, b| b.cmp(a));
                outcomes.push(((votes_correct, more), wrong / k));
            }
            if wrongs.len() < wrong_variants {
                let mut more = wrongs.clone();
                more.push(1);
                let unused = (wrong_variants - wrongs.len()) as f64;
                outcomes.push(((votes_correct, more), wrong * unused / k));
            }
            let abstain = (1.0 - correct - wrong).max(0.0);
            outcomes.push(((votes_correct, wrongs.clone()), abstain));
            for (state, q) in outcomes {
                let mass = p * q;
                if mass == 0.0 {
                    continue;
                }
                let votes: Vec<usize> = std::iter::once(state.0)
                    .chain(state.1.iter().copied())
                    .collect();
                match rule.decide(&votes, ended) {
                    Step::Accept(0) => rates.correct += mass,
                    Step::Accept(_) => rates.silent += mass,
                    Step::Reject => rates.rejected += mass,
                    Step::Wait => {
                        *next.entry(state).or_insert(0.0) += mass;
                        continue;
                    }
                }
                rates.calls += mass * started;
            }
        }
        states = next;
    }
    rates
}

/// Ahead by `lead` with no cap, for one model wrong with probability
/// `error`, every wrong answer alike: the gambler's ruin. The silent error
/// and the calls a task on average.
pub fn gamblers_ruin(error: f64, lead: usize) -> (f64, f64) {
    let (p, q) = (1.0 - error, error);
    let k = i32::try_from(lead).unwrap_or(i32::MAX);
    let (pk, qk) = (p.powi(k), q.powi(k));
    let lead = lead as f64;
    let calls = if (p - q).abs() < 1e-12 {
        lead * lead
    } else {
        lead * (pk - qk) / ((p - q) * (pk + qk))
    };
    (qk / (pk + qk), calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::exact::exact_rates;
    use crate::llm::rules::replay;

    /// Every sequence of outcomes, with its probability, replayed: 0 is the
    /// correct answer, 1..=K the wrong variants, K + 1 an abstention.
    fn brute_force(rule: Rule, k: usize, rates: &[CallRates]) -> RuleRates {
        let n = rule.max_calls();
        let symbols = k + 2;
        let mut total = RuleRates::default();
        for mut code in 0..symbols.pow(u32::try_from(n).unwrap()) {
            let (mut p, mut answers) = (1.0, Vec::new());
            for r in rates.iter().take(n) {
                let s = code % symbols;
                code /= symbols;
                p *= match s {
                    0 => r.correct,
                    s if s <= k => r.wrong / k as f64,
                    _ => 1.0 - r.correct - r.wrong,
                };
                answers.push((s <= k).then_some(s));
            }
            let decided = replay(rule, answers);
            match decided.answer {
                Some(0) => total.correct += p,
                Some(_) => total.silent += p,
                None => total.rejected += p,
            }
            total.calls += p * decided.calls as f64;
        }
        total
    }

    fn close(a: RuleRates, b: RuleRates, tolerance: f64) -> bool {
        [
            (a.correct, b.correct),
            (a.rejected, b.rejected),
            (a.silent, b.silent),
            (a.calls, b.calls),
        ]
        .iter()
        .all(|(x, y)| (x - y).abs() <= tolerance)
    }

    #[test]
    fn the_program_equals_brute_force_on_small_cases() {
        let rates = [
            CallRates { correct: 0.6, wrong: 0.3 },
            CallRates { correct: 0.5, wrong: 0.45 },
            CallRates { correct: 0.7, wrong: 0.3 },
            CallRates { correct: 0.2, wrong: 0.7 },
            CallRates { correct: 0.55, wrong: 0.25 },
        ];
        for k in 1..=3 {
            for voters in 1..=5 {
                for quorum in voters / 2 + 1..=voters {
                    for rule in [
                        Rule::Fixed { voters, quorum },
                        Rule::Cascade { voters, quorum },
                    ] {
                        let exact = rule_rates(rule, k, |i| rates[i]);
                        let brute = brute_force(rule, k, &rates);
                        assert!(
                            close(exact, brute, 1e-12),
                            "{rule:?} K = {k}: {exact:?} {brute:?}"
                        );
                    }
                }
            }
            for lead in 1..=3 {
                for max_calls in lead..=5 {
                    let rule = Rule::AheadBy { lead, max_calls };
                    let exact = rule_rates(rule, k, |i| rates[i]);
                    let brute = brute_force(rule, k, &rates);
                    assert!(
                        close(exact, brute, 1e-12),
                        "{rule:?} K = {k}: {exact:?} {brute:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn ahead_by_k_with_one_wrong_answer_is_a_gamblers_ruin() {
        for q in [0.05, 0.23, 0.4, 0.5, 0.6, 0.8, 1.0] {
            for lead in 1..=4_u8 {
                // A cap far beyond any run the probabilities allow.
                let rule = Rule::AheadBy { lead: lead.into(), max_calls: 800 };
                let exact = rule_rates(rule, 1, |_| CallRates::erring(q));
                let (silent, calls) = gamblers_ruin(q, lead.into());
                let case = format!("q = {q}, k = {lead}: {exact:?}");
                assert!((exact.silent - silent).abs() < 1e-9, "{case}");
                assert!((exact.calls - calls).abs() < 1e-9, "{case}");
                assert!(exact.rejected < 1e-12, "{case}");
            }
        }
    }

    #[test]
    fn a_fixed_vote_is_a_tail_of_the_count_of_votes() {
        // The evaluation's predictions: at least `quorum` right (correct),
        // or at least `quorum` wrong with every wrong answer alike (silent).
        let fixed = |voters, quorum| Rule::Fixed { voters, quorum };
        let single = rule_rates(fixed(1, 1), 1, |_| CallRates::erring(0.5));
        assert!((single.correct - 0.5).abs() < 1e-15);
        let both = [0.9, 0.8];
        let dual =
            rule_rates(fixed(2, 2), 1, |i| CallRates::erring(1.0 - both[i]));
        assert!((dual.correct - 0.72).abs() < 1e-15);
        assert!((dual.silent - 0.1 * 0.2).abs() < 1e-15);
        // Two of three, as the chapter's triple majority: ra rb rc + ...
        let (a, b, c) = (0.77, 0.75, 0.7);
        let two = a * b * c
            + (1.0 - a) * b * c
            + a * (1.0 - b) * c
            + a * b * (1.0 - c);
        let right = [a, b, c];
        let triple =
            rule_rates(fixed(3, 2), 1, |i| CallRates::erring(1.0 - right[i]));
        assert!((triple.correct - two).abs() < 1e-15);
        // Abstentions: right 0.3, wrong 0.3, silent 0.4 each; unanimity of two.
        let abstaining = CallRates { correct: 0.3, wrong: 0.3 };
        let unanimous = rule_rates(fixed(2, 2), 1, |_| abstaining);
        assert!((unanimous.correct - 0.09).abs() < 1e-15);
        assert!((unanimous.rejected - (1.0 - 0.09 - 0.09)).abs() < 1e-15);
    }

    #[test]
    fn the_fixed_vote_agrees_with_the_chapters_formulas() {
        let errors = [0.23, 0.25, 0.30];
        for k in [1, 3] {
            let chapter = exact_rates(errors, k)[2]; // the triple majority
            let rule = Rule::Fixed { voters: 3, quorum: 2 };
            let exact = rule_rates(rule, k, |i| CallRates::erring(errors[i]));
            assert!((exact.correct - chapter.correct).abs() < 1e-12);
            assert!((exact.silent - chapter.silent).abs() < 1e-12);
            assert!((exact.calls - 3.0).abs() < 1e-12);
            // The cascade: two calls, and a third when the first two
            // disagree: one right and one wrong, or two different wrongs.
            let [a, b] = [errors[0], errors[1]];
            let differ =
                a * (1.0 - b) + (1.0 - a) * b + a * b * (1.0 - 1.0 / k as f64);
            let rule = Rule::Cascade { voters: 3, quorum: 2 };
            let cascade = rule_rates(rule, k, |i| CallRates::erring(errors[i]));
            assert!((cascade.calls - (2.0 + differ)).abs() < 1e-12, "K = {k}");
            assert!((cascade.silent - chapter.silent).abs() < 1e-12);
        }
    }

    #[test]
    fn calls_per_answer_divides_the_calls_by_what_is_accepted() {
        let rates =
            RuleRates { correct: 0.5, rejected: 0.3, silent: 0.2, calls: 2.1 };
        let per_answer = rates.calls_per_answer().unwrap();
        assert!((per_answer - 3.0).abs() < 1e-12, "{per_answer}");
        let never =
            RuleRates { correct: 0.0, rejected: 1.0, silent: 0.0, calls: 2.0 };
        assert_eq!(never.calls_per_answer(), None);
        let rare =
            RuleRates { correct: 0.0, rejected: 0.5, silent: 0.5, calls: 1.0 };
        assert_eq!(rare.calls_per_answer(), Some(2.0));
    }
}
