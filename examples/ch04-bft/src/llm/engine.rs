//! The counting engine: `simulate::simulate`, optimised. It computes exactly
//! the counts of the reference simulation (a unit test compares them), from
//! the same draws, only faster:
//!
//! - **Blocks and threads.** Tasks are cut into blocks of `BLOCK_TASKS`; each
//!   thread takes the next block nobody has taken. A model's answer to a task
//!   depends on the task alone, and the counts are sums of integers, so the
//!   result is the same for every number of threads.
//! - **Sixty-four tasks a word.** Whether a model errs is settled for the 64
//!   tasks of a group at once, one bit of each task's random number per
//!   draw (`lanes`): about 7.34 draws for 64 answers, where the reference
//!   reads about 2 for each. A task's difficulty is a position of the
//!   golden-ratio sequence (`TaskSource`), stepped by one addition.
//! - **Patterns, not decisions.** A strategy only sees which answers are
//!   wrong and which agree. The loop packs the three answers into a 6-bit
//!   *pattern* and counts tasks per pattern (with K = 1, a popcount per
//!   combination of models that erred); the strategies judge each of the
//!   64 patterns once, at the end. Which wrong variant a model gave matters
//!   only when two or more models erred, so only then is it drawn.
//! - **One loop per case.** Hard tasks or not, one wrong variant or more: each
//!   combination is its own monomorphised loop, with no test per task for a
//!   case that cannot arise.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use super::lanes::{count_spelled, first_lanes, groups, hard_lanes, set_lanes};
use super::model::{Answer, CORRECT, SimulatedLLM, TaskSource};
use super::simulate::Run;
use super::strategy::Tally;
use crate::rng::{below, draw};
use crate::threads::all_at_once;

/// Tasks per block: enough to make a block's setup negligible, few enough to
/// keep both cores busy until the end.
pub const BLOCK_TASKS: u64 = 1 << 16;

/// A task's *pattern*: which models erred (bits 3 to 5) and which pairs of
/// them gave the same wrong answer (bits 0 to 2). That is all a strategy
/// sees, so every strategy judges two tasks of one pattern alike.
pub const PATTERNS: usize = 1 << 6;

pub fn pattern(answers: [Answer; 3]) -> usize {
    let wrong = answers.map(|answer| usize::from(answer != CORRECT));
    pattern_of(wrong[0] | wrong[1] << 1 | wrong[2] << 2, answers)
}

/// The pattern of a task on which the models with a bit set in `errors`
/// erred, model i giving the wrong answer `variants[i]` (the variants of the
/// models that answered correctly are ignored).
fn pattern_of(errors: usize, variants: [usize; 3]) -> usize {
    let wrong = |i: usize| errors >> i & 1;
    let agree = |i: usize, j: usize| {
        usize::from(variants[i] == variants[j]) & wrong(i) & wrong(j)
    };
    agree(0, 1) | agree(0, 2) << 1 | agree(1, 2) << 2 | errors << 3
}

/// Answers that have the pattern `index`: wrong ones numbered 1, 2, 3 in
/// the order they first appear.
pub fn pattern_answers(index: usize) -> [Answer; 3] {
    let bit = |k: usize| index >> k & 1 == 1;
    let a = usize::from(bit(3));
    let b = match (bit(4), bit(0)) {
        (false, _) => CORRECT,
        (true, agrees_with_a) => {
            if agrees_with_a {
                1
            } else {
                a + 1
            }
        }
    };
    let c = match (bit(5), bit(1), bit(2)) {
        (false, _, _) => CORRECT,
        (true, true, _) => 1,
        (true, false, true) => b,
        (true, false, false) => a.max(b) + 1,
    };
    [a, b, c]
}

/// How many tasks with two or more wrong answers wait before their variants
/// are drawn, in one go.
const PENDING: usize = 1024;

/// Tasks waiting for their variants: id, and which models erred (3 bits).
struct Pending {
    ids: [u64; PENDING],
    errors: [usize; PENDING],
    len: usize,
}

impl Default for Pending {
    fn default() -> Pending {
        Pending { ids: [0; PENDING], errors: [0; PENDING], len: 0 }
    }
}

/// What the loops need of a run, worked out once.
#[derive(Debug, Clone)]
struct Plan<'a> {
    models: [SimulatedLLM<'a>; 3],
    wrong_variants: usize,
    tasks: TaskSource,
}

impl<'a> Plan<'a> {
    fn new(run: &'a Run) -> Plan<'a> {
        Plan {
            models: run.llms(),
            wrong_variants: run.wrong_variants,
            tasks: run.task_source(),
        }
    }

    /// Tasks per pattern for the tasks `ids`, 64 at a time. `HARD`: the run
    /// has hard tasks. `ONE_VARIANT`: K = 1, so an answer is 1 exactly when
    /// the model errs.
    fn count<const HARD: bool, const ONE_VARIANT: bool>(
        &self,
        ids: Range<u64>,
        tasks_by_pattern: &mut [u64; PATTERNS],
    ) {
        // Tasks per combination of models that erred. With K > 1, tasks on
        // which two or more models erred wait in `pending` instead: only for
        // them does the wrong variant matter.
        let mut by_errors = [0u64; 8];
        let mut pending = Pending::default();
        for (first, tasks) in groups(ids) {
            let valid = first_lanes(tasks);
            let hard =
                if HARD { hard_lanes(&self.tasks, first, tasks) } else { 0 };
            // Lane l of `errors[i]`: model i erred on task first + l.
            let errors: [u64; 3] = std::array::from_fn(|i| {
                self.models[i].errs_in_group(first, hard, valid)
            });
            if ONE_VARIANT {
                count_spelled(&errors, valid, &mut by_errors);
                continue;
            }
            let [a, b, c] = errors;
            let several = (a & b) | (a & c) | (b & c);
            count_spelled(&errors, valid & !several, &mut by_errors);
            for lane in set_lanes(several) {
                let erred = errors.map(|e| usize::from(e >> lane & 1 == 1));
                pending.ids[pending.len] = first + lane;
                pending.errors[pending.len] =
                    erred[0] | erred[1] << 1 | erred[2] << 2;
                pending.len += 1;
                if pending.len == PENDING {
                    self.count_pending(&pending, tasks_by_pattern);
                    pending.len = 0;
                }
            }
        }
        self.count_pending(&pending, tasks_by_pattern);
        for (errors, tasks) in by_errors.into_iter().enumerate() {
            // With one wrong variant, models that err agree.
            tasks_by_pattern[pattern_of(errors, [1; 3])] += tasks;
        }
    }

    /// The patterns of tasks on which two or three models erred: each erring
    /// model's wrong variant is drawn, as `SimulatedLLM::generate_code` does.
    fn count_pending(
        &self,
        pending: &Pending,
        tasks_by_pattern: &mut [u64; PATTERNS],
    ) {
        let k = self.wrong_variants;
        let tasks = pending.ids.iter().zip(&pending.errors).take(pending.len);
        for (&id, &errors) in tasks {
            // Every model's variant is drawn, erring or not: a branch on
            // `errors` would cost more than the draw it saves.
            let variants = self
                .models
                .each_ref()
                .map(|m| 1 + below(draw(m.variant_stream, id), k));
            tasks_by_pattern[pattern_of(errors, variants)] += 1;
        }
    }

    fn count_block(&self, ids: Range<u64>) -> Tally {
        let mut tasks_by_pattern = [0; PATTERNS];
        let counts = &mut tasks_by_pattern;
        match (self.tasks.hard_threshold > 0, self.wrong_variants == 1) {
            (false, true) => self.count::<false, true>(ids, counts),
            (false, false) => self.count::<false, false>(ids, counts),
            (true, true) => self.count::<true, true>(ids, counts),
            (true, false) => self.count::<true, false>(ids, counts),
        }
        let mut tally = Tally::default();
        for (index, &tasks) in tasks_by_pattern.iter().enumerate() {
            if tasks > 0 {
                tally.add(pattern_answers(index), tasks);
            }
        }
        tally
    }
}

/// `simulate::simulate(run)`, on up to `threads` threads. The calling thread
/// works too, so if no other thread can be started (a process or memory
/// limit), the run still completes, on the threads there are.
pub fn simulate_parallel(run: &Run, threads: usize) -> Tally {
    let plan = Plan::new(run);
    in_blocks(run.tasks, threads, Tally::default, |ids, tally: &mut Tally| {
        *tally = std::mem::take(tally).merge(plan.count_block(ids));
    })
    .into_iter()
    .fold(Tally::default(), Tally::merge)
}

/// Tasks 0 to `tasks` - 1 cut into blocks of `BLOCK_TASKS`, on up to
/// `threads` threads: each thread starts with `start()` and takes the next
/// block nobody has taken, until none is left. One result per thread, for
/// the caller to sum; the calling thread works too, so the work completes
/// on whatever threads can be started.
pub fn in_blocks<T: Send>(
    tasks: u64,
    threads: usize,
    start: impl Fn() -> T + Sync,
    count: impl Fn(Range<u64>, &mut T) + Sync,
) -> Vec<T> {
    let blocks = tasks.div_ceil(BLOCK_TASKS);
    let next_block = AtomicU64::new(0);
    let worker = || {
        let mut counted = start();
        loop {
            let block = next_block.fetch_add(1, Ordering::Relaxed);
            if block >= blocks {
                return counted;
            }
            let first = block * BLOCK_TASKS;
            count(first..tasks.min(first + BLOCK_TASKS), &mut counted);
        }
    };
    let threads = usize::try_from(blocks).unwrap_or(usize::MAX).min(threads);
    all_at_once(threads.max(1), |_| worker())
}

#[cfg(test)]
mod tests {
    use super::super::model::{Difficulty, ModelSpec};
    use super::super::simulate::simulate;
    use super::*;

    fn specs(rates: [f64; 3]) -> [ModelSpec; 3] {
        rates.map(|error_rate| ModelSpec { name: "m".to_string(), error_rate })
    }

    #[test]
    fn the_engine_counts_what_the_reference_counts() {
        let specs = specs([0.23, 0.25, 0.5]);
        let mixes = [
            Difficulty::INDEPENDENT,
            Difficulty { hard_fraction: 0.3, hard_error: 0.6 },
        ];
        let mut cases = 0;
        for seed in [0, 42, u64::MAX] {
            for k in [1, 2, 3, 8] {
                for difficulty in mixes {
                    // One partial block, and two full ones and a partial third.
                    for tasks in [777, 2 * BLOCK_TASKS + 12_345] {
                        let run = Run {
                            models: [&specs[0], &specs[1], &specs[2]],
                            difficulty,
                            wrong_variants: k,
                            tasks,
                            seed,
                        };
                        let reference = simulate(&run);
                        assert_eq!(reference.tasks, tasks);
                        for threads in [1, 2] {
                            assert_eq!(
                                simulate_parallel(&run, threads),
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
        assert_eq!(cases, 3 * 4 * 2 * 2);
    }

    #[test]
    fn counts_are_the_same_for_every_thread_count() {
        let specs = specs([0.2, 0.3, 0.4]);
        let run = Run {
            models: [&specs[0], &specs[1], &specs[2]],
            difficulty: Difficulty { hard_fraction: 0.2, hard_error: 0.7 },
            wrong_variants: 3,
            tasks: 5 * BLOCK_TASKS + 1234,
            seed: 7,
        };
        for run in [run.clone(), Run { wrong_variants: 1, ..run }] {
            let one = simulate_parallel(&run, 1);
            for threads in [2, 3, 7, 256] {
                assert_eq!(
                    simulate_parallel(&run, threads),
                    one,
                    "threads = {threads}"
                );
            }
            assert_eq!(one.tasks, 5 * BLOCK_TASKS + 1234);
        }
    }

    #[test]
    fn patterns_keep_every_decision() {
        use super::super::strategy::Strategy;
        // Every triple of answers from 0 (correct) to 6: its pattern stands for
        // answers that every strategy judges alike.
        for a in 0..7 {
            for b in 0..7 {
                for c in 0..7 {
                    let index = pattern([a, b, c]);
                    assert!(index < PATTERNS);
                    let stand_in = pattern_answers(index);
                    for strategy in Strategy::ALL {
                        let (x, y) = (
                            strategy.decide([a, b, c]),
                            strategy.decide(stand_in),
                        );
                        assert_eq!(
                            x.map(|v| v == CORRECT),
                            y.map(|v| v == CORRECT),
                            "{a} {b} {c} {strategy:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(pattern_answers(pattern([0, 9, 4])), [0, 1, 2]);
        assert_eq!(pattern_answers(pattern([7, 0, 7])), [1, 0, 1]);
        assert_eq!(pattern_answers(pattern([5, 6, 8])), [1, 2, 3]);
        assert_eq!(pattern_answers(pattern([5, 6, 5])), [1, 2, 1]);
        assert_eq!(pattern([1, 2, 3]), 0b111_000);
        assert_eq!(pattern([4, 4, 4]), 0b111_111);
        assert_eq!(pattern([0, 5, 5]), 0b110_100);
    }

    #[test]
    fn rates_of_zero_and_one_are_exact() {
        let run = |rates: [f64; 3], k: usize, difficulty: Difficulty| {
            let specs = specs(rates);
            let run = Run {
                models: [&specs[0], &specs[1], &specs[2]],
                difficulty,
                wrong_variants: k,
                tasks: 10_000,
                seed: 1,
            };
            simulate_parallel(&run, 2)
        };
        let never = run([0.0; 3], 1, Difficulty::INDEPENDENT);
        assert_eq!(
            never,
            Tally { tasks: 10_000, correct: [10_000; 4], rejected: [0; 4] }
        );
        let always = run([1.0; 3], 1, Difficulty::INDEPENDENT);
        assert_eq!(
            always,
            Tally { tasks: 10_000, correct: [0; 4], rejected: [0; 4] }
        );
        // With K = 2 wrong variants, always-wrong models sometimes disagree.
        let always = run([1.0; 3], 2, Difficulty::INDEPENDENT);
        assert_eq!(always.correct, [0; 4]);
        assert_eq!(always.rejected[0], 0);
        assert_eq!(
            always.rejected[2], 0,
            "with two variants, two of three always agree"
        );
        assert!(always.rejected[1] > 0 && always.rejected[3] > 0);
        // Every task is hard or easy, and every model fails both.
        let hard = run(
            [1.0; 3],
            1,
            Difficulty { hard_fraction: 0.5, hard_error: 1.0 },
        );
        assert_eq!(hard.correct, [0; 4]);
    }

    /// This process's peak resident memory in KiB (`VmHWM` in Linux's /proc).
    fn peak_resident_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status")
            .expect("/proc/self/status");
        let line = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .expect("VmHWM");
        line.trim().trim_end_matches("kB").trim().parse().expect("VmHWM in kB")
    }

    /// Ten million tasks, K = 1 and K = 3: keeping a record per task would
    /// take 80 MB or more; streaming keeps the peak where it was. Other tests
    /// running beside this one would move the process's peak, so the test runs
    /// itself again, alone, in a child process, and reads the figure it prints.
    #[test]
    #[cfg_attr(
        not(target_os = "linux"),
        ignore = "reads peak memory from Linux's /proc"
    )]
    fn memory_does_not_grow_with_the_number_of_tasks() {
        const NAME: &str =
            "llm::engine::tests::memory_does_not_grow_with_the_number_of_tasks";
        const CHILD: &str = "DUAL_MODEL_MEMORY_CHILD";
        if std::env::var_os(CHILD).is_some() {
            let before = peak_resident_kib();
            for k in [1, 3] {
                let specs = specs([0.2, 0.3, 0.4]);
                let run = Run {
                    models: [&specs[0], &specs[1], &specs[2]],
                    difficulty: Difficulty::INDEPENDENT,
                    wrong_variants: k,
                    tasks: 10_000_000,
                    seed: 1,
                };
                assert_eq!(simulate_parallel(&run, 2).tasks, 10_000_000);
            }
            println!("growth: {} KiB", peak_resident_kib() - before);
            return;
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let child = std::process::Command::new(exe)
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&child.stdout);
        let growth: u64 = stdout
            .lines()
            // libtest prints the test's name on the same line, before the figure.
            .find_map(|line| {
                line.split("growth: ")
                    .nth(1)?
                    .strip_suffix(" KiB")?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| {
                panic!("no growth line from the child:\n{stdout}")
            });
        assert!(growth < 4 * 1024, "peak resident memory grew by {growth} KiB");
    }
}
