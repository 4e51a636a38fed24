//! The rules of `rules` side by side, as `dual_model` shows them: the
//! chapter's three models in a vote of 2 of 3, and the first model asked
//! again and again (majorities of 3 and 5, ahead by 1, 2 and 3), with
//! independent errors and with hard tasks. Each row is simulated by the
//! plain loop below, the reference that `rules_engine` (what `dual_model`
//! runs) must match count for count, and computed exactly by `rules_exact`.

use super::model::{Answer, CORRECT, Difficulty, ModelSpec, TaskSource};
use super::rules::{Decided, Rule, replay};
use super::rules_exact::{CallRates, RuleRates, rule_rates};

/// Ahead-by-k stops here, and rejects the task.
pub const AHEAD_MAX_CALLS: usize = 25;

/// Who answers a row's calls, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    /// The three models of the run, one call each, in turn.
    ThreeModels,
    /// The first model, sampled again and again, each sample independent
    /// once the task's difficulty is known.
    FirstModel,
}

/// One row: the rules that share it (a fixed vote and its cascade decide
/// alike), with who answers.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRow {
    pub callers: Callers,
    /// `[fixed, cascade]`, or `[ahead by k]`.
    pub rules: Vec<Rule>,
}

/// The rows of the part, for one setting.
pub fn rows() -> Vec<RuleRow> {
    let majority = |callers, voters, quorum| RuleRow {
        callers,
        rules: vec![
            Rule::Fixed { voters, quorum },
            Rule::Cascade { voters, quorum },
        ],
    };
    let mut rows = vec![
        majority(Callers::ThreeModels, 3, 2),
        majority(Callers::FirstModel, 3, 2),
        majority(Callers::FirstModel, 5, 3),
    ];
    for lead in 1..=3 {
        let rule = Rule::AheadBy { lead, max_calls: AHEAD_MAX_CALLS };
        rows.push(RuleRow { callers: Callers::FirstModel, rules: vec![rule] });
    }
    rows
}

/// Counts of one rule over a run: outcomes and calls started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCounts {
    pub tasks: u64,
    pub correct: u64,
    pub rejected: u64,
    pub silent: u64,
    pub calls: u64,
}

impl RuleCounts {
    pub fn add(&mut self, other: &RuleCounts) {
        self.tasks += other.tasks;
        self.correct += other.correct;
        self.rejected += other.rejected;
        self.silent += other.silent;
        self.calls += other.calls;
    }

    /// `tasks` tasks, each decided as `decided`.
    pub fn count(&mut self, tasks: u64, decided: &Decided<Answer>) {
        self.tasks += tasks;
        self.calls += tasks * decided.calls as u64;
        match decided.answer {
            Some(CORRECT) => self.correct += tasks,
            Some(_) => self.silent += tasks,
            None => self.rejected += tasks,
        }
    }
}

// ANCHOR: simulate_rules
/// Every rule of every row on `tasks` tasks: each task's answers are drawn
/// once, and every rule reads them in the same order.
pub fn simulate_rules(
    models: &[ModelSpec],
    difficulty: Difficulty,
    wrong_variants: usize,
    tasks: u64,
    seed: u64,
) -> Vec<Vec<RuleCounts>> {
    let rows = rows();
    let instance = |m: usize, place| {
        models[m].instance(difficulty, wrong_variants, seed, place)
    };
    let three: Vec<_> = (0..3).map(|i| instance(i, i as u64)).collect();
    // Samples of the first model: places after the three models'.
    let samples: Vec<_> =
        (0..AHEAD_MAX_CALLS as u64).map(|s| instance(0, 3 + s)).collect();
    let source = TaskSource::new(difficulty, seed);
    let mut counts: Vec<Vec<RuleCounts>> = rows
        .iter()
        .map(|r| vec![RuleCounts::default(); r.rules.len()])
        .collect();
    for id in 0..tasks {
        let task = source.task(id);
        let answer = |callers, i: usize| match callers {
            Callers::ThreeModels => three[i % 3].generate_code(task).answer,
            Callers::FirstModel => samples[i].generate_code(task).answer,
        };
        for (row, row_counts) in rows.iter().zip(&mut counts) {
            for (rule, c) in row.rules.iter().zip(row_counts.iter_mut()) {
                let answers =
                    (0..rule.max_calls()).map(|i| Some(answer(row.callers, i)));
                let decided = replay(*rule, answers);
                c.tasks += 1;
                c.calls += decided.calls as u64;
                match decided.answer {
                    Some(CORRECT) => c.correct += 1,
                    Some(_) => c.silent += 1,
                    None => c.rejected += 1,
                }
            }
        }
    }
    counts
}
// ANCHOR_END: simulate_rules

/// The exact rates of every rule of every row: on a mix of task kinds, the
/// mix of the rates on each kind.
pub fn exact_rules(
    models: &[ModelSpec],
    difficulty: Difficulty,
    wrong_variants: usize,
) -> Vec<Vec<RuleRates>> {
    let on = |errors: [f64; 3], row: &RuleRow, rule: Rule| {
        rule_rates(rule, wrong_variants, |i| {
            CallRates::erring(match row.callers {
                Callers::ThreeModels => errors[i % 3],
                Callers::FirstModel => errors[0],
            })
        })
    };
    let easy = [0, 1, 2].map(|i| models[i].easy_error(difficulty));
    let hard = [difficulty.hard_error; 3];
    rows()
        .iter()
        .map(|row| {
            row.rules
                .iter()
                .map(|&rule| {
                    let rates = on(easy, row, rule);
                    if difficulty.hard_fraction > 0.0 {
                        rates.mix(difficulty.hard_fraction, on(hard, row, rule))
                    } else {
                        rates
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> Vec<ModelSpec> {
        ModelSpec::parse_list("Claude=0.23,GPT-4=0.25,Llama=0.30").unwrap()
    }

    /// Each measured rate, and the calls per task, within four standard
    /// errors of the exact value, in both settings and for K = 1 and 3.
    #[test]
    fn measured_rules_lie_near_the_exact_ones() {
        let tasks = 200_000;
        let hard = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        for difficulty in [Difficulty::INDEPENDENT, hard] {
            for k in [1, 3] {
                let measured =
                    simulate_rules(&models(), difficulty, k, tasks, 7);
                let exact = exact_rules(&models(), difficulty, k);
                for (r, (m_row, e_row)) in
                    measured.iter().zip(&exact).enumerate()
                {
                    for (m, e) in m_row.iter().zip(e_row) {
                        let n = tasks as f64;
                        for (count, p) in [
                            (m.correct, e.correct),
                            (m.rejected, e.rejected),
                            (m.silent, e.silent),
                        ] {
                            let se = (p * (1.0 - p) / n).sqrt().max(1.0 / n);
                            let rate = count as f64 / n;
                            assert!(
                                (rate - p).abs() <= 4.0 * se,
                                "row {r}, K = {k}, {difficulty:?}: {rate} against {p}"
                            );
                        }
                        // Calls: a bounded count, at most the cap; its
                        // spread is at most cap / 2 per task.
                        let calls = m.calls as f64 / n;
                        let se = AHEAD_MAX_CALLS as f64 / 2.0 / n.sqrt();
                        assert!(
                            (calls - e.calls).abs() <= 4.0 * se,
                            "row {r}: {calls} {e:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_cascade_decides_what_its_fixed_vote_decides_task_by_task() {
        // The two rules of a majority row read the same answers, so their
        // outcome counts are equal, not only close; only the calls differ.
        let counts =
            simulate_rules(&models(), Difficulty::INDEPENDENT, 3, 5000, 1);
        for row in &counts[..3] {
            let [fixed, cascade] = [row[0], row[1]];
            assert_eq!(
                (fixed.correct, fixed.rejected, fixed.silent),
                (cascade.correct, cascade.rejected, cascade.silent)
            );
            assert!(cascade.calls < fixed.calls);
        }
        assert_eq!(counts[0][0].calls, 3 * 5000);
    }
}
