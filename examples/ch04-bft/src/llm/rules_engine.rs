//! The rules of section 2.5 on the engine's path: `rules_sim::simulate_rules`,
//! optimised. It computes exactly the counts of that plain loop (a unit test
//! compares them), from the same draws, only faster:
//!
//! - **Blocks and threads**, as in `engine`: tasks cut into blocks, each
//!   thread taking the next block nobody has taken, counts summed, so the
//!   result is the same for every number of threads.
//! - **Each answer drawn once, 64 tasks a word.** The plain loop asks for
//!   an answer again for every rule that reads it; here a task's answers
//!   are drawn once and every rule reads them, and whether each caller
//!   erred is settled for a group of 64 tasks at once (`lanes`).
//! - **Patterns, not decisions.** A fixed vote and a cascade see only which
//!   answers are wrong and which agree, in call order. The three models'
//!   answers are counted by the engine's 6-bit pattern; the first model's
//!   first five samples by their *shape*: each answer 0 when correct, else
//!   its wrong answer numbered by first appearance (1 to 5), read as five
//!   digits in base 6. The rules judge each pattern and shape once, at the
//!   end.
//! - **One walk for every lead.** Ahead-by-k needs as many samples as it
//!   takes: one walk per task reads them in order, drawing those past the
//!   first five only while some lead is still undecided, and decides every
//!   k on the way.
//! - **With one wrong answer (K = 1), words all the way** (`rules_words`):
//!   a sample is right or wrong and nothing more, so a group's walks are
//!   words too, and the run's two settings share their draws.

use std::ops::Range;

use super::engine::{PATTERNS, in_blocks, pattern};
use super::lanes::{first_lanes, groups, hard_lanes, set_lanes};
use super::model::{
    Answer, CORRECT, Difficulty, ModelSpec, SimulatedLLM, Task, TaskSource,
};
use super::rules::{Decided, Rule};
use super::rules_shapes::{
    FIVE, SHAPES, Walk, Walked, after_five, five_bits, judge, shape,
    shape_answers,
};
use super::rules_sim::{RuleCounts, rows};
use super::rules_words;
use crate::rng::{below, draw};

/// What one thread counted.
pub(super) struct Counts {
    /// Tasks per pattern of the three models' answers.
    pub(super) three: [u64; PATTERNS],
    /// With K = 1, instead of `three` and `five`: tasks per set of the
    /// three models that erred, and per set of the five samples that did.
    pub(super) by_three: [u64; 8],
    pub(super) by_five: [u64; 32],
    /// Tasks per shape of the first model's first five samples.
    pub(super) five: Vec<u64>,
    /// One per ahead-by rule, in `Plan::leads` order.
    pub(super) ahead: Vec<RuleCounts>,
    /// Samples drawn past the first five.
    pub(super) drawn: u64,
}

impl Counts {
    pub(super) fn new(leads: usize) -> Counts {
        Counts {
            three: [0; PATTERNS],
            by_three: [0; 8],
            by_five: [0; 32],
            five: vec![0; SHAPES],
            ahead: vec![RuleCounts::default(); leads],
            drawn: 0,
        }
    }

    fn add(&mut self, other: &Counts) {
        let sum = |a: &mut [u64], b: &[u64]| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        };
        sum(&mut self.three, &other.three);
        sum(&mut self.by_three, &other.by_three);
        sum(&mut self.by_five, &other.by_five);
        sum(&mut self.five, &other.five);
        for (a, b) in self.ahead.iter_mut().zip(&other.ahead) {
            a.add(b);
        }
        self.drawn += other.drawn;
    }

    /// What the threads counted, summed (`leads` ahead-by rules).
    pub(super) fn sum(counted: &[Counts], leads: usize) -> Counts {
        counted.iter().fold(Counts::new(leads), |mut all, c| {
            all.add(c);
            all
        })
    }
}

/// What the loops need, worked out once, for one setting.
pub(super) struct Plan<'a> {
    pub(super) three: Vec<SimulatedLLM<'a>>,
    /// The first model asked again and again: instances of one model, so
    /// with the same thresholds and streams of their own.
    pub(super) samples: Vec<SimulatedLLM<'a>>,
    pub(super) source: TaskSource,
    pub(super) hard_tasks: bool,
    /// K = 1: a wrong answer is always the same one.
    pub(super) one_variant: bool,
    /// The lead and call cap of each ahead-by rule.
    pub(super) leads: Vec<(usize, usize)>,
    /// For each shape of five samples: the leads it leaves open, one bit
    /// each, in `leads` order.
    pub(super) open_after_five: Vec<u8>,
    /// With K = 1, for each ahead-by rule: bit c set when five samples
    /// whose errors spell c (see `spelled`) leave it open.
    pub(super) open_two_answers: Vec<u32>,
    /// The same five samples that leave some rule open with a lead of +1:
    /// two wrong of five (with three, the lead is -1).
    pub(super) at_plus_one: u32,
}

impl Plan<'_> {
    /// The tasks `ids`, 64 at a time (see `lanes`), as `Plan::count_group`
    /// counts them, when a wrong answer can be one of several (K > 1; see
    /// `rules_words` for K = 1). `HARD`: the run has hard tasks.
    fn count_block<const HARD: bool>(
        &self,
        ids: Range<u64>,
        counts: &mut Counts,
    ) {
        for (first, tasks) in groups(ids) {
            let hard =
                if HARD { hard_lanes(&self.source, first, tasks) } else { 0 };
            self.count_group(first, first_lanes(tasks), hard, counts);
        }
    }

    /// The tasks `valid` of the group at `first`, the lanes `hard` hard.
    fn count_group(
        &self,
        first: u64,
        valid: u64,
        hard: u64,
        counts: &mut Counts,
    ) {
        // The three models, then the first model's first five samples.
        let callers: [&SimulatedLLM; 8] = std::array::from_fn(|i| {
            if i < 3 { &self.three[i] } else { &self.samples[i - 3] }
        });
        let errors = callers.map(|m| m.errs_in_group(first, hard, valid));
        for lane in set_lanes(valid) {
            let id = first + lane;
            let answers: [Answer; 8] = std::array::from_fn(|i| {
                if errors[i] >> lane & 1 == 0 {
                    CORRECT
                } else {
                    let k = callers[i].wrong_variants;
                    1 + below(draw(callers[i].variant_stream, id), k)
                }
            });
            counts.three[pattern([answers[0], answers[1], answers[2]])] += 1;
            let five =
                [answers[3], answers[4], answers[5], answers[6], answers[7]];
            let key = shape(&five);
            counts.five[key] += 1;
            if self.open_after_five[key] != 0 {
                let is_hard = hard >> lane & 1 == 1;
                counts.drawn +=
                    self.walk_on(id, is_hard, &five, &mut counts.ahead);
            }
        }
    }

    /// The leads that five samples left open, walked on over the samples
    /// after them; the leads they decided are counted by shape.
    fn walk_on(
        &self,
        id: u64,
        hard: bool,
        five: &[Answer; FIVE],
        ahead: &mut [RuleCounts],
    ) -> u64 {
        let leads = &self.leads[..];
        let mut walked = [Walked::Open; 8];
        let walked = &mut walked[..leads.len()];
        let mut walk = Walk::default();
        let mut open = 0;
        for &a in five {
            let step = walk.push(a);
            open = walk.settle(step, leads, walked);
        }
        let mut decided_early = [false; 8];
        for (early, w) in decided_early.iter_mut().zip(walked.iter()) {
            *early = *w != Walked::Open;
        }
        for sample in &self.samples[FIVE..] {
            if open == 0 {
                break;
            }
            let step =
                walk.push(sample.generate_code(Task { id, hard }).answer);
            open = walk.settle(step, leads, walked);
        }
        for ((w, counts), early) in walked.iter().zip(ahead).zip(decided_early)
        {
            if let (Walked::Done(answer, calls), false) = (*w, early) {
                counts.count(1, &Decided { answer, calls });
            }
        }
        (walk.calls - FIVE) as u64
    }
}

// ANCHOR: simulate_rules_parallel
/// `rules_sim::simulate_rules`, on up to `threads` threads: the same counts.
pub fn simulate_rules_parallel(
    models: &[ModelSpec],
    difficulty: Difficulty,
    wrong_variants: usize,
    tasks: u64,
    seed: u64,
    threads: usize,
) -> Vec<Vec<RuleCounts>> {
    let mut runs = rules_in_settings(
        models,
        &[difficulty],
        (wrong_variants, seed),
        tasks,
        threads,
    );
    runs.remove(0).0
}
// ANCHOR_END: simulate_rules_parallel

/// `simulate_rules_parallel` in each of the settings `difficulties`, with
/// K wrong answers and seed `seed`: each setting's counts, and how many
/// answers were drawn for them (what `--bench` divides by its time): eight
/// a task, and the samples the walks drew. With K = 1, two settings are
/// measured together, their draws shared (see `rules_words`).
pub fn rules_in_settings(
    models: &[ModelSpec],
    difficulties: &[Difficulty],
    (wrong_variants, seed): (usize, u64),
    tasks: u64,
    threads: usize,
) -> Vec<(Vec<Vec<RuleCounts>>, u64)> {
    let plans: Vec<Plan> = difficulties
        .iter()
        .map(|&d| Plan::new(models, d, wrong_variants, seed))
        .collect();
    let counted: Vec<Counts> = match &plans[..] {
        [a, b] if a.one_variant && a.shares_streams_with(b) => {
            Vec::from(rules_words::count([a, b], tasks, threads))
        }
        _ => plans.iter().map(|plan| plan.count(tasks, threads)).collect(),
    };
    plans
        .iter()
        .zip(counted)
        .map(|(plan, counts)| plan.judged(counts, tasks))
        .collect()
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        models: &'a [ModelSpec],
        difficulty: Difficulty,
        wrong_variants: usize,
        seed: u64,
    ) -> Plan<'a> {
        let instance = |m: usize, place| {
            models[m].instance(difficulty, wrong_variants, seed, place)
        };
        let leads: Vec<(usize, usize)> = rows()
            .iter()
            .flat_map(|row| &row.rules)
            .filter_map(|rule| match *rule {
                Rule::AheadBy { lead, max_calls } => Some((lead, max_calls)),
                _ => None,
            })
            .collect();
        let longest = leads.iter().map(|l| l.1).max().unwrap_or(0).max(FIVE);
        let open_after_five: Vec<u8> = (0..SHAPES)
            .map(|key| {
                let walked = after_five(&shape_answers(key), &leads);
                (0..leads.len())
                    .filter(|&i| walked[i] == Walked::Open)
                    .fold(0, |mask, i| mask | 1 << i)
            })
            .collect();
        // With K = 1: the sets of five samples that erred, as `spelled`
        // numbers them, that leave each rule open.
        let leaves_open: Vec<u8> = (0..32)
            .map(|bits| open_after_five[shape(&five_bits(bits << 3))])
            .collect();
        let spelling = |keep: &dyn Fn(usize, u8) -> bool| {
            (0..32)
                .filter(|&c| keep(c, leaves_open[c]))
                .fold(0, |m, c| m | 1 << c)
        };
        Plan {
            three: (0..3).map(|i| instance(i, i as u64)).collect(),
            // Samples of the first model: places after the three models'.
            samples: (0..longest as u64).map(|s| instance(0, 3 + s)).collect(),
            source: TaskSource::new(difficulty, seed),
            hard_tasks: difficulty.hard_fraction > 0.0,
            one_variant: wrong_variants == 1,
            open_two_answers: (0..leads.len())
                .map(|r| spelling(&|_, open| open >> r & 1 == 1))
                .collect(),
            at_plus_one: spelling(&|c, open| open != 0 && c.count_ones() == 2),
            open_after_five,
            leads,
        }
    }

    /// Whether `other`'s callers read the same streams as this plan's.
    fn shares_streams_with(&self, other: &Plan) -> bool {
        let streams = |p: &Plan| -> Vec<u64> {
            p.three.iter().chain(&p.samples).map(|m| m.error_stream).collect()
        };
        streams(self) == streams(other)
    }

    /// This setting alone, on up to `threads` threads.
    fn count(&self, tasks: u64, threads: usize) -> Counts {
        if self.one_variant {
            let [counts] = rules_words::count([self], tasks, threads);
            return counts;
        }
        let start = || Counts::new(self.leads.len());
        let counted = in_blocks(tasks, threads, start, |ids, c| {
            if self.hard_tasks {
                self.count_block::<true>(ids, c);
            } else {
                self.count_block::<false>(ids, c);
            }
        });
        Counts::sum(&counted, self.leads.len())
    }

    /// The rules judged on what the threads counted, and the answers drawn.
    fn judged(
        &self,
        mut counts: Counts,
        tasks: u64,
    ) -> (Vec<Vec<RuleCounts>>, u64) {
        for (errors, &tasks) in counts.by_three.iter().enumerate() {
            counts.three[pattern([0, 1, 2].map(|i| errors >> i & 1))] += tasks;
        }
        for (errors, &tasks) in counts.by_five.iter().enumerate() {
            counts.five[shape(&five_bits(errors << 3))] += tasks;
        }
        let answers = 8 * tasks + counts.drawn;
        let Counts { three, five, ahead, .. } = counts;
        (judge(&three, &five, ahead, &self.leads), answers)
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::BLOCK_TASKS;
    use super::super::rules_sim::simulate_rules;
    use super::*;

    fn models() -> Vec<ModelSpec> {
        ModelSpec::parse_list("Claude=0.23,GPT-4=0.25,Llama=0.30").unwrap()
    }

    #[test]
    fn the_rules_engine_counts_what_the_plain_loop_counts() {
        // Each setting alone, and both together as section 2.5 runs them
        // (with K = 1 they share their draws, in `rules_words`).
        let hard = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        let settings = [Difficulty::INDEPENDENT, hard];
        let mut cases = 0;
        for seed in [0, 42, u64::MAX] {
            for k in [1, 3] {
                // One partial block, and a full one and a partial second.
                for tasks in [777, BLOCK_TASKS + 12_345] {
                    let reference = settings.map(|difficulty| {
                        simulate_rules(&models(), difficulty, k, tasks, seed)
                    });
                    for threads in [1, 2, 5] {
                        let case = format!(
                            "seed {seed}, K = {k}, {tasks} tasks, {threads} threads"
                        );
                        let both = rules_in_settings(
                            &models(),
                            &settings,
                            (k, seed),
                            tasks,
                            threads,
                        );
                        for (i, difficulty) in settings.into_iter().enumerate()
                        {
                            assert_eq!(both[i].0, reference[i], "{case}, both");
                            let alone = simulate_rules_parallel(
                                &models(),
                                difficulty,
                                k,
                                tasks,
                                seed,
                                threads,
                            );
                            assert_eq!(
                                alone, reference[i],
                                "{case}, {difficulty:?}"
                            );
                            cases += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(cases, 3 * 2 * 2 * 3 * 2);
    }

    #[test]
    fn the_answers_drawn_are_eight_a_task_and_the_longest_walks_samples() {
        // Past its first five samples, a task's walk reads as many as its
        // slowest rule, ahead by 3, calls: counted here task by task.
        use super::super::rules::replay;
        use super::super::rules_sim::AHEAD_MAX_CALLS;
        let specs = models();
        let hard = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        for (difficulty, k) in [(Difficulty::INDEPENDENT, 1), (hard, 3)] {
            let tasks = 5_000;
            let source = TaskSource::new(difficulty, 42);
            let samples: Vec<_> = (0..AHEAD_MAX_CALLS as u64)
                .map(|s| specs[0].instance(difficulty, k, 42, 3 + s))
                .collect();
            let slowest = Rule::AheadBy { lead: 3, max_calls: AHEAD_MAX_CALLS };
            let past_five: u64 = (0..tasks)
                .map(|id| {
                    let task = source.task(id);
                    let answers = samples
                        .iter()
                        .map(|m| Some(m.generate_code(task).answer));
                    replay(slowest, answers).calls.saturating_sub(FIVE) as u64
                })
                .sum();
            let run =
                rules_in_settings(&specs, &[difficulty], (k, 42), tasks, 2);
            assert_eq!(run[0].1, 8 * tasks + past_five, "K = {k}");
        }
    }

    #[test]
    fn every_fixed_vote_of_the_first_model_reads_at_most_five_samples() {
        for row in rows() {
            for rule in row.rules {
                if !matches!(rule, Rule::AheadBy { .. }) {
                    assert!(rule.max_calls() <= FIVE, "{rule:?}");
                }
            }
        }
    }
}
