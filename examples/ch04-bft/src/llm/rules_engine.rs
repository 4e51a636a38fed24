//! The rules of section 2.5 on the engine's path: `rules_sim::simulate_rules`,
//! optimised. It computes exactly the counts of that plain loop (a unit test
//! compares them), from the same draws, only faster:
//!
//! - **Blocks and threads**, as in `engine`: tasks cut into blocks, each
//!   thread taking the next block nobody has taken, counts summed, so the
//!   result is the same for every number of threads.
//! - **Each answer drawn once.** The plain loop asks for an answer again for
//!   every rule that reads it; here a task's answers are drawn once and
//!   every rule reads them.
//! - **Patterns, not decisions.** A fixed vote and a cascade see only which
//!   answers are wrong and which agree, in call order. The three models'
//!   answers are counted by the engine's 6-bit pattern; the first model's
//!   first five samples by their *shape*: each answer 0 when correct, else
//!   its wrong answer numbered by first appearance (1 to 5), read as five
//!   digits in base 6. The rules judge each pattern and shape once, at the
//!   end.
//! - **One walk for every lead.** Ahead-by-k needs as many samples as it
//!   takes: one walk per task reads them in order, drawing those past the
//!   first five only when some lead is still undecided, and decides every k
//!   on the way. With one wrong answer (K = 1) the walk is a difference of
//!   two counts.

use std::ops::Range;

use super::engine::{PATTERNS, in_blocks, pattern};
use super::model::{
    Answer, CORRECT, Difficulty, ModelSpec, SimulatedLLM, TaskSource,
};
use super::rules::{Decided, Rule};
use super::rules_shapes::{
    FIVE, SHAPES, Walk, Walked, after_five, five_bits, judge, shape,
    shape_answers,
};
use super::rules_sim::{RuleCounts, rows};
use crate::rng::{Golden, SplitMix64, below, draw};

/// One model's answer to task `id`, as `SimulatedLLM::generate_code` gives
/// it.
fn answer(model: &SimulatedLLM, id: u64, hard: bool) -> Answer {
    let threshold =
        if hard { model.hard_threshold } else { model.easy_threshold };
    if draw(model.error_stream, id) >> 11 >= threshold {
        CORRECT
    } else if model.wrong_variants == 1 {
        1
    } else {
        1 + below(draw(model.variant_stream, id), model.wrong_variants)
    }
}

/// What one thread counted.
struct Counts {
    /// Tasks per pattern of the three models' answers.
    three: [u64; PATTERNS],
    /// With K = 1, tasks per set of callers that erred, instead of `three`
    /// and `five`: bits 0 to 2 the three models, 3 to 7 the five samples.
    by_errors: [u64; 256],
    /// Tasks per shape of the first model's first five samples.
    five: Vec<u64>,
    /// One per ahead-by rule, in `Plan::leads` order.
    ahead: Vec<RuleCounts>,
    /// Samples drawn past the first five.
    drawn: u64,
}

impl Counts {
    fn new(leads: usize) -> Counts {
        Counts {
            three: [0; PATTERNS],
            by_errors: [0; 256],
            five: vec![0; SHAPES],
            ahead: vec![RuleCounts::default(); leads],
            drawn: 0,
        }
    }

    fn merge(mut self, other: &Counts) -> Counts {
        let sum = |a: &mut [u64], b: &[u64]| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        };
        sum(&mut self.three, &other.three);
        sum(&mut self.by_errors, &other.by_errors);
        sum(&mut self.five, &other.five);
        for (a, b) in self.ahead.iter_mut().zip(&other.ahead) {
            a.add(b);
        }
        self.drawn += other.drawn;
        self
    }
}

/// What the loops need, worked out once.
struct Plan<'a> {
    three: Vec<SimulatedLLM<'a>>,
    samples: Vec<SimulatedLLM<'a>>,
    source: TaskSource,
    hard_tasks: bool,
    /// K = 1: a wrong answer is always the same one.
    one_variant: bool,
    /// The lead and call cap of each ahead-by rule.
    leads: Vec<(usize, usize)>,
    /// For each shape of five samples: the leads it leaves open, one bit
    /// each, in `leads` order.
    open_after_five: Vec<u8>,
    /// The same with K = 1, by the five samples' error bits.
    open_two_answers: [u8; 32],
}

impl Plan<'_> {
    /// The tasks `ids`. Each caller's error draws come from one generator
    /// stepped task by task, and a task's difficulty from the golden-ratio
    /// sequence, as in `engine`. `HARD`: the run has hard tasks; `ONE`:
    /// K = 1, so a task's eight error bits are all its first answers say.
    fn count_block<const HARD: bool, const ONE: bool>(
        &self,
        ids: Range<u64>,
        counts: &mut Counts,
    ) {
        // The three models, then the first model's first five samples.
        let callers: [&SimulatedLLM; 8] = std::array::from_fn(|i| {
            if i < 3 { &self.three[i] } else { &self.samples[i - 3] }
        });
        let mut streams =
            callers.map(|m| SplitMix64::at(m.error_stream, ids.start));
        let easy = callers.map(|m| m.easy_threshold);
        let hard_threshold = self.samples[0].hard_threshold;
        let mut positions = Golden::at(self.source.offset, ids.start);
        for id in ids {
            let position = positions.next_u64();
            let hard = HARD && position >> 11 < self.source.hard_threshold;
            // Each threshold: `easy[i]`, or `hard_threshold` on a hard task.
            let mask = 0u64.wrapping_sub(u64::from(hard));
            let mut errors = 0;
            for (i, stream) in streams.iter_mut().enumerate() {
                let threshold = easy[i] ^ (mask & (easy[i] ^ hard_threshold));
                errors |= usize::from(stream.next_u64() >> 11 < threshold) << i;
            }
            if ONE {
                counts.by_errors[errors] += 1;
                let open = self.open_two_answers[errors >> 3];
                if open != 0 {
                    let wrong = (errors >> 3).count_ones();
                    let lead = 5 - 2 * i64::from(wrong);
                    counts.drawn += self.walk_on_two_answers(
                        id,
                        hard,
                        lead,
                        open,
                        &mut counts.ahead,
                    );
                }
                continue;
            }
            let answers: [Answer; 8] = std::array::from_fn(|i| {
                if errors >> i & 1 == 0 {
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
                counts.drawn +=
                    self.walk_on(id, hard, &five, &mut counts.ahead);
            }
        }
    }

    /// `walk_on` when every wrong answer is the same (K = 1): the walk is
    /// `lead`, the number of correct samples less the number of wrong ones,
    /// five samples in.
    fn walk_on_two_answers(
        &self,
        id: u64,
        hard: bool,
        mut lead: i64,
        mut open: u8,
        ahead: &mut [RuleCounts],
    ) -> u64 {
        // Nothing is decided before the lead reaches the smallest open k,
        // or the calls the smallest open cap: only then are the leads read.
        let watch = |open: u8| {
            let open = self
                .leads
                .iter()
                .enumerate()
                .filter(|(i, _)| open >> i & 1 == 1);
            open.fold((usize::MAX, usize::MAX), |(k, cap), (_, l)| {
                (k.min(l.0), cap.min(l.1))
            })
        };
        let (mut smallest, mut deadline) = watch(open);
        let first = &self.samples[0];
        let threshold =
            if hard { first.hard_threshold } else { first.easy_threshold };
        for (s, sample) in self.samples.iter().enumerate().skip(FIVE) {
            // `answer`, with K = 1: wrong when the draw is below the
            // threshold, which every sample of the first model shares.
            let wrong = draw(sample.error_stream, id) >> 11 < threshold;
            lead += 1 - 2 * i64::from(wrong);
            let calls = s + 1;
            let distance = lead.unsigned_abs();
            if distance < smallest as u64 && calls < deadline {
                continue;
            }
            for (i, &(wanted, cap)) in self.leads.iter().enumerate() {
                if open >> i & 1 == 0 {
                    continue;
                }
                let answer = if distance >= wanted as u64 {
                    Some(if lead > 0 { CORRECT } else { 1 })
                } else if calls >= cap {
                    None
                } else {
                    continue;
                };
                ahead[i].count(1, &Decided { answer, calls });
                open &= !(1 << i);
            }
            if open == 0 {
                return (calls - FIVE) as u64;
            }
            (smallest, deadline) = watch(open);
        }
        (self.samples.len() - FIVE) as u64
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
            let step = walk.push(answer(sample, id, hard));
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
    let setting = (difficulty, wrong_variants, seed);
    rules_and_answers(models, setting, tasks, threads).0
}
// ANCHOR_END: simulate_rules_parallel

/// The counts, and how many answers were drawn for them (what `--bench`
/// divides by its time): eight a task, and the samples the walks drew.
pub fn rules_and_answers(
    models: &[ModelSpec],
    (difficulty, wrong_variants, seed): (Difficulty, usize, u64),
    tasks: u64,
    threads: usize,
) -> (Vec<Vec<RuleCounts>>, u64) {
    let rows = rows();
    let instance = |m: usize, place| {
        models[m].instance(difficulty, wrong_variants, seed, place)
    };
    let leads: Vec<(usize, usize)> = rows
        .iter()
        .flat_map(|row| &row.rules)
        .filter_map(|rule| match *rule {
            Rule::AheadBy { lead, max_calls } => Some((lead, max_calls)),
            _ => None,
        })
        .collect();
    let longest = leads.iter().map(|l| l.1).max().unwrap_or(0).max(FIVE);
    let mut plan = Plan {
        three: (0..3).map(|i| instance(i, i as u64)).collect(),
        // Samples of the first model: places after the three models'.
        samples: (0..longest as u64).map(|s| instance(0, 3 + s)).collect(),
        source: TaskSource::new(difficulty, seed),
        hard_tasks: difficulty.hard_fraction > 0.0,
        one_variant: wrong_variants == 1,
        open_after_five: (0..SHAPES)
            .map(|key| {
                let walked = after_five(&shape_answers(key), &leads);
                (0..leads.len())
                    .filter(|&i| walked[i] == Walked::Open)
                    .fold(0, |mask, i| mask | 1 << i)
            })
            .collect(),
        open_two_answers: [0; 32],
        leads,
    };
    plan.open_two_answers = std::array::from_fn(|bits| {
        plan.open_after_five[shape(&five_bits(bits << 3))]
    });
    let start = || Counts::new(plan.leads.len());
    let mut counts = in_blocks(tasks, threads, start, |ids, c| {
        match (plan.hard_tasks, plan.one_variant) {
            (false, true) => plan.count_block::<false, true>(ids, c),
            (false, false) => plan.count_block::<false, false>(ids, c),
            (true, true) => plan.count_block::<true, true>(ids, c),
            (true, false) => plan.count_block::<true, false>(ids, c),
        }
    })
    .into_iter()
    .reduce(|a, b| a.merge(&b))
    .unwrap_or_else(start);
    for errors in 0..256 {
        let tasks = counts.by_errors[errors];
        let three = [0, 1, 2].map(|i| errors >> i & 1);
        counts.three[pattern(three)] += tasks;
        counts.five[shape(&five_bits(errors))] += tasks;
    }
    let answers = 8 * tasks + counts.drawn;
    let Counts { three, five, ahead, .. } = counts;
    (judge(&three, &five, ahead, &plan.leads), answers)
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
        let hard = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        let mut cases = 0;
        for seed in [0, 42, u64::MAX] {
            for k in [1, 3] {
                for difficulty in [Difficulty::INDEPENDENT, hard] {
                    // One partial block, and a full one and a partial second.
                    for tasks in [777, BLOCK_TASKS + 12_345] {
                        let reference = simulate_rules(
                            &models(),
                            difficulty,
                            k,
                            tasks,
                            seed,
                        );
                        for threads in [1, 2, 5] {
                            assert_eq!(
                                simulate_rules_parallel(
                                    &models(),
                                    difficulty,
                                    k,
                                    tasks,
                                    seed,
                                    threads
                                ),
                                reference,
                                "seed {seed}, K = {k}, {difficulty:?}, {tasks} tasks, \
                                 {threads} threads"
                            );
                        }
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 3 * 2 * 2 * 2);
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
