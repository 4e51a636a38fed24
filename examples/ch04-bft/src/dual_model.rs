//! Chapter 4, Example 2: cross-checking simulated language models.
//!
//! Three simulated models, each with an assumed error rate (they are simulations,
//! not measurements of real products), answer the same code generation tasks. The
//! program compares four ways to use them: one model alone, two that must agree,
//! a majority of three, and three that must all agree. Every measured rate stands
//! beside the exact rate the code computes from the error rates.
//!
//! It then shows what a single error rate hides: a wrong answer that is caught
//! (rejected, so a person or a retry can step in) differs from one that passes
//! silently. It prices each strategy per delivered answer, adds correlated
//! errors (hard tasks that every model gets wrong together), and charts majority
//! voting over 1 to 15 models.
//!
//! Run it with `make run-ch04-dual`, or
//! `cargo run --release --bin dual_model -- --tasks 100000` (see `--help`).

use std::io::{self, BufWriter, Write};
use std::ops::{Range, RangeInclusive};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Instant;

// ============================================================================
// Part 1: simulated models
// ============================================================================

// ANCHOR: model
/// A model's answer: `CORRECT`, or one of K wrong variants numbered 1 to K.
/// Two wrong answers agree only when they are the same variant.
type Answer = usize;
const CORRECT: Answer = 0;

/// A task. On a hard task every model errs with the same high probability,
/// which is what makes their errors correlated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Task {
    id: u64,
    hard: bool,
}

impl Task {
    /// Task `id`, hard when a draw of 53 bits falls below `hard_threshold`. With
    /// no hard tasks nothing is drawn, so independent runs use one stream less.
    fn draw(id: u64, hard_threshold: u64, difficulty: &mut SplitMix64) -> Task {
        Task { id, hard: hard_threshold > 0 && difficulty.next_u64() >> 11 < hard_threshold }
    }
}

/// One model's answer to one task. It holds no text: the code is written out
/// only when it is shown, so the simulation's inner loop never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CodeGenResult<'a> {
    model: &'a str,
    task: Task,
    answer: Answer,
}

impl CodeGenResult<'_> {
    fn is_correct(&self) -> bool {
        self.answer == CORRECT
    }

    fn code(&self) -> String {
        let id = self.task.id;
        match self.answer {
            CORRECT => format!("fn task_{id}() {{ /* correct implementation */ }}"),
            variant => format!("fn task_{id}() {{ /* hallucinated bug #{variant} */ }}"),
        }
    }
}

/// A simulated LLM: it errs with an assumed probability, drawn from its own
/// seeded generator, so the same seed gives the same answers.
#[derive(Debug, Clone)]
struct SimulatedLLM<'a> {
    name: &'a str,
    /// Error probabilities on easy and hard tasks, as thresholds: a draw of 53
    /// random bits below the threshold is an error (see `threshold_53`).
    easy_threshold: u64,
    hard_threshold: u64,
    wrong_variants: usize,
    rng: SplitMix64,
}

impl<'a> SimulatedLLM<'a> {
    /// Whether the model errs on `task`: one draw, compared with a threshold.
    fn errs(&mut self, task: Task) -> bool {
        let threshold = if task.hard { self.hard_threshold } else { self.easy_threshold };
        self.rng.next_u64() >> 11 < threshold
    }

    fn generate_code(&mut self, task: Task) -> CodeGenResult<'a> {
        // With one variant the answer is the error bit itself, and nothing
        // branches on the random outcome (a mispredicted branch per call would
        // cost more than the whole call). With more, a wrong answer draws which
        // variant it is.
        let wrong = usize::from(self.errs(task));
        let answer = if self.wrong_variants == 1 || wrong == 0 {
            wrong
        } else {
            1 + self.rng.below(self.wrong_variants)
        };
        CodeGenResult { model: self.name, task, answer }
    }
}

/// Probability `p` in [0, 1] as a threshold on 53 random bits, exact for every
/// `f64` that is a multiple of 2^-53 (0 and 1 included).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "p is validated to lie in [0, 1], so the product is in [0, 2^53]"
)]
fn threshold_53(p: f64) -> u64 {
    (p * 9_007_199_254_740_992.0).round() as u64
}
// ANCHOR_END: model

// ANCHOR: difficulty
/// A mix of easy and hard tasks. On a hard task every model errs with
/// probability `hard_error`; a model's easy-task rate is then chosen so that its
/// overall rate stays what `--models` says.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Difficulty {
    hard_fraction: f64,
    hard_error: f64,
}

impl Difficulty {
    const INDEPENDENT: Difficulty = Difficulty { hard_fraction: 0.0, hard_error: 0.0 };

    /// The easy-task rate e with H * Q + (1 - H) * e = `overall`, or `None`
    /// when no rate in [0, 1] does that.
    fn easy_error(self, overall: f64) -> Option<f64> {
        let Difficulty { hard_fraction: h, hard_error: q } = self;
        let easy = (overall - h * q) / (1.0 - h);
        // A tolerance for rounding, so that e.g. H = 0.5, Q = 0.46, p = 0.23 works.
        (-1e-12..=1.0 + 1e-12).contains(&easy).then(|| easy.clamp(0.0, 1.0))
    }
}

/// A model as the command line describes it.
#[derive(Debug, Clone, PartialEq)]
struct ModelSpec {
    name: String,
    error_rate: f64,
}

impl ModelSpec {
    /// This model's error rate on easy tasks under `difficulty`. Where no easy
    /// rate keeps the overall one (`configure` and the chart leave such mixes
    /// out), the overall rate stands.
    fn easy_error(&self, difficulty: Difficulty) -> f64 {
        difficulty.easy_error(self.error_rate).unwrap_or(self.error_rate)
    }

    /// The model, ready to answer, with its own generator stream.
    fn instance(
        &self,
        difficulty: Difficulty,
        wrong_variants: usize,
        rng: SplitMix64,
    ) -> SimulatedLLM<'_> {
        SimulatedLLM {
            name: &self.name,
            easy_threshold: threshold_53(self.easy_error(difficulty)),
            hard_threshold: threshold_53(difficulty.hard_error),
            wrong_variants,
            rng,
        }
    }
}
// ANCHOR_END: difficulty

// ============================================================================
// Part 2: strategies and their outcomes
// ============================================================================

// ANCHOR: strategy
/// Ways to turn the answers of up to three models into one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
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
    const ALL: [Strategy; 4] = [
        Strategy::Single,
        Strategy::DualAgreement,
        Strategy::TripleMajority,
        Strategy::TripleUnanimous,
    ];

    fn calls(self) -> u64 {
        match self {
            Strategy::Single => 1,
            Strategy::DualAgreement => 2,
            Strategy::TripleMajority | Strategy::TripleUnanimous => 3,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Strategy::Single => "Single",
            Strategy::DualAgreement => "Dual agreement (2 of 2)",
            Strategy::TripleMajority => "Triple majority (2 of 3)",
            Strategy::TripleUnanimous => "Triple unanimous (3 of 3)",
        }
    }

    /// The accepted answer, or `None`: rejected, to be escalated or retried.
    fn decide(self, [a, b, c]: [Answer; 3]) -> Option<Answer> {
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

// ANCHOR: tally
/// The three answers packed into an index, two bits each, for the per-block
/// counts. The simulation's inner loop only counts tasks per index (no branch on
/// random data, so no mispredictions), and each strategy judges each of the 64
/// possible answer triples once, at the end.
const PATTERNS: usize = 1 << 6;

fn pattern(answers: [Answer; 3]) -> usize {
    let [a, b, c] =
        if answers[0] | answers[1] | answers[2] <= 3 { answers } else { rename(answers) };
    a | b << 2 | c << 4
}

/// Renames wrong answers 1, 2, 3 in the order they first appear. A strategy only
/// sees which answers are correct and which agree, and renaming keeps both, so
/// this is how variant numbers above 3 fit in two bits.
fn rename(answers: [Answer; 3]) -> [Answer; 3] {
    let mut seen = [CORRECT; 3]; // wrong answers in order of appearance; no allocation
    let mut count = 0;
    answers.map(|answer| {
        if answer == CORRECT {
            return CORRECT;
        }
        if let Some(position) = seen[..count].iter().position(|&s| s == answer) {
            return position + 1;
        }
        seen[count] = answer;
        count += 1;
        count
    })
}

/// The answers that `pattern` packed into `index`.
fn pattern_answers(index: usize) -> [Answer; 3] {
    [index & 3, index >> 2 & 3, index >> 4]
}

/// Counts from a run, per strategy (indexed as `Strategy::ALL`). A task is
/// accepted and correct, rejected, or a silent error: accepted but wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    tasks: u64,
    correct: [u64; 4],
    rejected: [u64; 4],
}

impl Tally {
    fn from_patterns(tasks_by_pattern: &[u64; PATTERNS]) -> Tally {
        let mut tally = Tally::default();
        for (pattern, &tasks) in tasks_by_pattern.iter().enumerate() {
            tally.tasks += tasks;
            for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
                match strategy.decide(pattern_answers(pattern)) {
                    Some(CORRECT) => tally.correct[s] += tasks,
                    Some(_) => {}
                    None => tally.rejected[s] += tasks,
                }
            }
        }
        tally
    }

    fn silent(&self, s: usize) -> u64 {
        self.tasks - self.correct[s] - self.rejected[s]
    }

    fn merge(mut self, other: Tally) -> Tally {
        self.tasks += other.tasks;
        for s in 0..4 {
            self.correct[s] += other.correct[s];
            self.rejected[s] += other.rejected[s];
        }
        self
    }
}
// ANCHOR_END: tally

// ANCHOR: simulate
/// Everything a run depends on. The counts depend on nothing else: not on the
/// number of threads, nor on the machine.
#[derive(Debug, Clone)]
struct Run<'a> {
    models: [&'a ModelSpec; 3],
    difficulty: Difficulty,
    wrong_variants: usize,
    tasks: u64,
    seed: u64,
}

/// Tasks are simulated in blocks of this size, each block with generator
/// streams of its own, so that any thread can run any block.
const BLOCK_TASKS: u64 = 1 << 16;

/// The generator for one (block, stream) pair: streams 0 to 2 are the models,
/// stream 3 draws task difficulty.
fn block_stream(seed: u64, block: u64, stream: u64) -> SplitMix64 {
    let mix = |x: u64| SplitMix64::new(x).next_u64();
    SplitMix64::new(mix(mix(mix(seed) ^ block) ^ stream))
}

/// The three models as they answer the tasks of one block.
fn block_models<'a>(run: &Run<'a>, block: u64) -> [SimulatedLLM<'a>; 3] {
    [0, 1, 2].map(|i: usize| {
        let rng = block_stream(run.seed, block, i as u64);
        run.models[i].instance(run.difficulty, run.wrong_variants, rng)
    })
}

fn simulate_block(run: &Run, block: u64) -> Tally {
    let mut models = block_models(run, block);
    let hard_threshold = threshold_53(run.difficulty.hard_fraction);
    let first = block * BLOCK_TASKS;
    let ids = first..run.tasks.min(first + BLOCK_TASKS);
    let mut tasks_by_pattern = [0; PATTERNS];
    let difficulty = block_stream(run.seed, block, 3);
    if run.wrong_variants == 1 {
        count_one_variant(&mut models, ids, hard_threshold, difficulty, &mut tasks_by_pattern);
    } else {
        count_patterns(&mut models, ids, hard_threshold, difficulty, &mut tasks_by_pattern);
    }
    Tally::from_patterns(&tasks_by_pattern)
}

/// Tasks per answer pattern: each task is drawn easy or hard, then each model
/// answers it.
fn count_patterns(
    models: &mut [SimulatedLLM; 3],
    ids: Range<u64>,
    hard_threshold: u64,
    mut difficulty: SplitMix64,
    tasks_by_pattern: &mut [u64; PATTERNS],
) {
    for id in ids {
        let task = Task::draw(id, hard_threshold, &mut difficulty);
        let answers = models.each_mut().map(|model| model.generate_code(task).answer);
        tasks_by_pattern[pattern(answers)] += 1;
    }
}

/// `count_patterns` when every wrong answer is variant 1, as by default. An
/// answer is then 1 exactly when the model errs: `generate_code` would return
/// `usize::from(errs)` from the same draw, so the counts are the same. The loop
/// needs no variant draws and no renaming, and counts tasks in 8 bins (which
/// models erred) that become patterns at the end.
fn count_one_variant(
    models: &mut [SimulatedLLM; 3],
    ids: Range<u64>,
    hard_threshold: u64,
    mut difficulty: SplitMix64,
    tasks_by_pattern: &mut [u64; PATTERNS],
) {
    let mut tasks_by_errors = [0u64; 8];
    let mut count = |task: Task| {
        let [a, b, c] = models.each_mut().map(|model| usize::from(model.errs(task)));
        tasks_by_errors[a | b << 1 | c << 2] += 1;
    };
    // Without hard tasks, as in the default run, a loop of its own draws no
    // difficulty and tests nothing per task; the README's Performance section
    // shows what that is worth. (The same split as a helper shared with the other
    // loops measured slower: the compiler laid this loop out worse.)
    if hard_threshold == 0 {
        for id in ids {
            count(Task { id, hard: false });
        }
    } else {
        for id in ids {
            count(Task::draw(id, hard_threshold, &mut difficulty));
        }
    }
    for (errors, tasks) in tasks_by_errors.into_iter().enumerate() {
        tasks_by_pattern[pattern([errors & 1, errors >> 1 & 1, errors >> 2])] += tasks;
    }
}

/// Runs every block, spread over `threads` threads. Each thread takes the next
/// block not yet taken, so a thread that the machine slows down takes fewer.
/// Which thread ran a block does not matter: integer sums do not depend on their
/// order, so the counts are the same for every number of threads.
fn simulate(run: &Run, threads: usize) -> Tally {
    let blocks = run.tasks.div_ceil(BLOCK_TASKS);
    let next_block = AtomicU64::new(0);
    let worker = || {
        let mut tally = Tally::default();
        loop {
            let block = next_block.fetch_add(1, Ordering::Relaxed);
            if block >= blocks {
                return tally;
            }
            tally = tally.merge(simulate_block(run, block));
        }
    };
    thread::scope(|scope| {
        // No more threads than blocks, and at least one.
        let threads = threads.min(usize::try_from(blocks).unwrap_or(usize::MAX)).max(1);
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        workers
            .into_iter()
            // A worker only panics on a bug in this file; pass the panic on.
            .map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .fold(Tally::default(), Tally::merge)
    })
}
// ANCHOR_END: simulate

// ============================================================================
// Part 3: exact rates, and intervals for the measured ones
// ============================================================================

// ANCHOR: exact
/// Probabilities of the three outcomes of a strategy; they add up to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rates {
    correct: f64,
    rejected: f64,
    silent: f64,
}

impl Rates {
    fn new(correct: f64, silent: f64) -> Rates {
        // Clamped, so rounding never shows as a rejection rate of -0.00%.
        Rates { correct, rejected: (1.0 - correct - silent).max(0.0), silent }
    }

    fn mix(self, weight: f64, other: Rates) -> Rates {
        let blend = |x: f64, y: f64| weight * x + (1.0 - weight) * y;
        Rates {
            correct: blend(self.correct, other.correct),
            rejected: blend(self.rejected, other.rejected),
            silent: blend(self.silent, other.silent),
        }
    }
}

/// Exact outcome rates, per strategy, when the models err independently with
/// probabilities `[a, b, c]` and a wrong answer is one of `k` variants, uniformly.
fn exact_rates([a, b, c]: [f64; 3], k: usize) -> [Rates; 4] {
    let (ra, rb, rc) = (1.0 - a, 1.0 - b, 1.0 - c);
    let k = k as f64;
    // Two wrong answers agree with probability 1/k; of three, some two agree
    // unless all differ, which has probability (k - 1)(k - 2) / k^2.
    let some_pair_agrees = 1.0 - (k - 1.0) * (k - 2.0) / (k * k);
    [
        Rates::new(ra, a),
        Rates::new(ra * rb, a * b / k),
        Rates::new(
            ra * rb * rc + a * rb * rc + ra * b * rc + ra * rb * c,
            (a * b * rc + a * rb * c + ra * b * c) / k + a * b * c * some_pair_agrees,
        ),
        Rates::new(ra * rb * rc, a * b * c / (k * k)),
    ]
}

/// Exact rates under a difficulty mix: a weighted sum of the hard and easy cases,
/// since the models err independently once the task's difficulty is known.
fn exact_rates_mixed(run: &Run) -> [Rates; 4] {
    let d = run.difficulty;
    let hard = exact_rates([d.hard_error; 3], run.wrong_variants);
    let easy = exact_rates(run.models.map(|m| m.easy_error(d)), run.wrong_variants);
    [0, 1, 2, 3].map(|s| hard[s].mix(d.hard_fraction, easy[s]))
}

/// The 95% Wilson score interval of a proportion `hits / trials` (Wilson 1927):
/// unlike the normal approximation it stays inside [0, 1] and is sound near 0 and 1.
fn wilson_interval(hits: u64, trials: u64) -> (f64, f64) {
    const Z: f64 = 1.959_963_984_540_054; // the 97.5% quantile of the normal
    let n = trials as f64;
    let p = hits as f64 / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
// ANCHOR_END: exact

// ANCHOR: cost
/// What a strategy costs per answer it delivers, when every rejected task is
/// asked again, each retry a fresh draw independent of the last.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Delivered {
    /// Model calls per delivered answer: calls per attempt / P(accepted).
    calls: f64,
    /// The share of delivered answers that are wrong.
    silent_share: f64,
}

fn delivered(strategy: Strategy, rates: Rates) -> Option<Delivered> {
    let accepted = rates.correct + rates.silent;
    (accepted > 0.0).then(|| Delivered {
        calls: strategy.calls() as f64 / accepted,
        silent_share: rates.silent / accepted,
    })
}
// ANCHOR_END: cost

// ============================================================================
// Part 4: majority voting over n models
// ============================================================================

// ANCHOR: scaling
/// The error of a strict majority vote over n independent models that each err
/// with probability `e`: P(at most (n - 1) / 2 correct answers), for odd n.
fn majority_error(n: u32, e: f64) -> f64 {
    let mut coefficient = 1.0; // C(n, j), built up as j grows
    let mut error = 0.0;
    for j in 0..=(n - 1) / 2 {
        if j > 0 {
            coefficient *= f64::from(n - j + 1) / f64::from(j);
        }
        error += coefficient * (1.0 - e).powf(f64::from(j)) * e.powf(f64::from(n - j));
    }
    error
}

/// The same under a difficulty mix: the hard and easy cases weighted by their
/// share (the form that Chen et al. analyse, 2024). `None` when the mix
/// cannot give an overall error of `e`.
fn majority_error_mixed(n: u32, e: f64, d: Difficulty) -> Option<f64> {
    let easy = d.easy_error(e)?;
    Some(
        d.hard_fraction * majority_error(n, d.hard_error)
            + (1.0 - d.hard_fraction) * majority_error(n, easy),
    )
}

/// Measures the majority vote over `n` identical models under `d`, with the same
/// models as the rest of the program and streams of their own (block numbers
/// counted down from `u64::MAX`, which no run reaches); returns the error count.
fn measure_majority(n: u32, e: f64, d: Difficulty, tasks: u64, seed: u64) -> u64 {
    let spec = ModelSpec { name: String::from("identical"), error_rate: e };
    let mut models: Vec<SimulatedLLM<'_>> = (0..u64::from(n))
        .map(|i| spec.instance(d, 1, block_stream(seed, u64::MAX - u64::from(n), i)))
        .collect();
    let mut difficulty = block_stream(seed, u64::MAX - u64::from(n), u64::from(n));
    let hard_threshold = threshold_53(d.hard_fraction);
    let mut errors = 0;
    for id in 0..tasks {
        let task = Task::draw(id, hard_threshold, &mut difficulty);
        let correct: u32 =
            models.iter_mut().map(|m| u32::from(m.generate_code(task).is_correct())).sum();
        errors += u64::from(2 * correct < n);
    }
    errors
}
// ANCHOR_END: scaling

// ANCHOR: scaling_curves
/// Model counts on the chart, and those that are also measured.
const ODD_N: [u32; 8] = [1, 3, 5, 7, 9, 11, 13, 15];
const MEASURED_N: [u32; 4] = [1, 5, 9, 15];
const SCALING_TASKS: u64 = 100_000;

/// A mix where more votes end up worse: on hard tasks the wrong answer is the
/// likelier one, so a larger vote makes it more certain (Chen et al., 2024).
const FALLING_MIX: Difficulty = Difficulty { hard_fraction: 0.3, hard_error: 0.6 };

/// One line of the chart: exact errors at every `ODD_N`, measured at `MEASURED_N`.
#[derive(Debug, Clone, PartialEq)]
struct Curve {
    label: String,
    exact: Vec<f64>,
    measured: Vec<(u32, f64)>,
}

fn describe(d: Difficulty) -> String {
    if d.hard_fraction == 0.0 {
        "independent errors".to_string()
    } else {
        format!(
            "{} hard tasks, hard error {}",
            percent(d.hard_fraction, 0),
            percent(d.hard_error, 0)
        )
    }
}

/// Curves for models of error `e`: independent, the `--hard-*` mix, and
/// `FALLING_MIX`; a mix that cannot give an overall error of `e` is left out.
fn scaling_curves(e: f64, correlated: Difficulty, seed: u64) -> Vec<Curve> {
    let mut mixes = vec![Difficulty::INDEPENDENT];
    for d in [correlated, FALLING_MIX] {
        // A mix without hard tasks is the independent curve, already there.
        if d.hard_fraction > 0.0 && !mixes.contains(&d) && d.easy_error(e).is_some() {
            mixes.push(d);
        }
    }
    mixes
        .into_iter()
        .map(|d| Curve {
            label: describe(d),
            exact: ODD_N.iter().filter_map(|&n| majority_error_mixed(n, e, d)).collect(),
            measured: MEASURED_N
                .iter()
                .map(|&n| {
                    (
                        n,
                        measure_majority(n, e, d, SCALING_TASKS, seed) as f64
                            / SCALING_TASKS as f64,
                    )
                })
                .collect(),
        })
        .collect()
}
// ANCHOR_END: scaling_curves

// ANCHOR: svg
/// The chart as an SVG document: axes with ticks, a title, a legend, a line per
/// curve through its exact values and a circle per measured value.
fn scaling_svg(e: f64, curves: &[Curve]) -> String {
    const COLORS: [&str; 3] = ["#1f5fa8", "#c0392b", "#2e8b57"];
    const DASHES: [&str; 3] = ["none", "8 4", "3 3"];
    let (left, right, top, bottom) = (70.0, 560.0, 60.0, 380.0);
    let highest = curves.iter().flat_map(|c| c.exact.iter()).fold(0.0_f64, |a, &b| a.max(b));
    let y_ticks: Vec<f64> = (0..=20).map(|step| f64::from(step) * 0.05).collect();
    let y_max = y_ticks.iter().copied().find(|&tick| tick >= highest && tick > 0.0).unwrap_or(1.0);
    let x = |n: u32| left + (right - left) * f64::from(n - 1) / 14.0;
    let y = |rate: f64| bottom - (bottom - top) * rate / y_max;

    let mut svg = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="820" height="440" viewBox="0 0 820 440" font-family="sans-serif" font-size="13">"#.to_string(),
        r##"<rect x="0" y="0" width="820" height="440" fill="#ffffff"/>"##.to_string(),
        format!(
            r#"<text x="410" y="30" text-anchor="middle" font-size="16" font-weight="bold">Majority vote over n simulated models, each with error {}</text>"#,
            percent(e, 0)
        ),
        format!(r##"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r#"<text x="{}" y="{}" text-anchor="middle">number of models n</text>"#, f64::midpoint(left, right), bottom + 45.0),
        format!(
            r#"<text x="20" y="{0}" text-anchor="middle" transform="rotate(-90 20 {0})">error rate (no correct majority)</text>"#,
            f64::midpoint(top, bottom)
        ),
    ];
    for n in ODD_N {
        let tx = x(n);
        svg.push(format!(
            r##"<line x1="{tx}" y1="{bottom}" x2="{tx}" y2="{}" stroke="#000000"/>"##,
            bottom + 5.0
        ));
        svg.push(format!(
            r#"<text x="{tx}" y="{}" text-anchor="middle">{n}</text>"#,
            bottom + 20.0
        ));
    }
    for &rate in y_ticks.iter().filter(|&&tick| tick <= y_max + 1e-9) {
        let ty = y(rate);
        svg.push(format!(
            r##"<line x1="{}" y1="{ty:.1}" x2="{right}" y2="{ty:.1}" stroke="#dddddd"/>"##,
            left + 1.0
        ));
        svg.push(format!(
            r##"<line x1="{}" y1="{ty:.1}" x2="{left}" y2="{ty:.1}" stroke="#000000"/>"##,
            left - 5.0
        ));
        svg.push(format!(
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            ty + 4.0,
            percent(rate, 0)
        ));
    }
    for (i, curve) in curves.iter().enumerate() {
        let (color, dash) = (COLORS[i % 3], DASHES[i % 3]);
        let points: Vec<String> = ODD_N
            .iter()
            .zip(&curve.exact)
            .map(|(&n, &rate)| format!("{:.1},{:.1}", x(n), y(rate)))
            .collect();
        svg.push(format!(
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}" points="{}"/>"#,
            points.join(" ")
        ));
        for &(n, rate) in &curve.measured {
            svg.push(format!(
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#ffffff" stroke="{color}" stroke-width="2"/>"##,
                x(n),
                y(rate)
            ));
        }
        let ly = top + 20.0 + 24.0 * i as f64;
        svg.push(format!(
            r#"<line x1="580" y1="{ly}" x2="610" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#
        ));
        svg.push(format!(r#"<text x="618" y="{}">{}</text>"#, ly + 4.0, curve.label));
    }
    let ly = top + 20.0 + 24.0 * curves.len() as f64;
    svg.push(format!(
        r##"<circle cx="595" cy="{ly}" r="4" fill="#ffffff" stroke="#000000" stroke-width="2"/>"##
    ));
    svg.push(format!(
        r#"<text x="618" y="{}">measured, {SCALING_TASKS} tasks each</text>"#,
        ly + 4.0
    ));
    svg.push(format!(r#"<text x="580" y="{}">lines: exact</text>"#, ly + 28.0));
    svg.push("</svg>\n".to_string());
    svg.join("\n")
}
// ANCHOR_END: svg

// ============================================================================
// Printing: everything below formats what the functions above computed
// ============================================================================

/// `rate` as a percentage. Adding 0.0 turns -0.0 into 0.0, so nothing prints "-0.00%".
fn percent(rate: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, rate * 100.0 + 0.0)
}

/// How a strategy's error count compares with the baseline's, worded both ways round.
fn compared(errors: u64, baseline: u64) -> String {
    if errors == baseline {
        "same as single".to_string()
    } else if baseline == 0 {
        "more errors (single has none)".to_string()
    } else if errors == 0 {
        "no errors".to_string()
    } else if errors < baseline {
        format!("{:.1}x fewer errors", baseline as f64 / errors as f64)
    } else {
        format!("{:.1}x more errors", errors as f64 / baseline as f64)
    }
}

fn print_setup(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    writeln!(
        out,
        "Setup: simulated models with assumed error rates, not measurements of real products"
    )?;
    writeln!(out, "   Tasks: {} code generation requests, seed {}", config.tasks, config.seed)?;
    let models: Vec<String> = config
        .models
        .iter()
        .map(|m| format!("{} ({} err)", m.name, percent(m.error_rate, 2)))
        .collect();
    writeln!(out, "   Models: {}", models[..3].join(", "))?;
    if models.len() > 3 {
        writeln!(
            out,
            "   Also given, not used (Tests 1-3 take the first three): {}",
            models[3..].join(", ")
        )?;
    }
    let variants = match config.wrong_variants {
        1 => "1 (all wrong answers identical: the worst case for a vote)".to_string(),
        k => format!("{k} (a wrong answer is one of them, uniformly)"),
    };
    writeln!(out, "   Wrong-answer variants K: {variants}")?;
    writeln!(out)?;
    writeln!(out, "The first tasks as the models answer them (the same draws as Test 1-3):")?;
    let run = config.run(Difficulty::INDEPENDENT);
    let mut models = block_models(&run, 0);
    for id in 0..config.tasks.min(2) {
        for model in &mut models {
            let result = model.generate_code(Task { id, hard: false });
            writeln!(out, "   {:<8} {}", result.model, result.code())?;
        }
    }
    Ok(())
}

fn print_tests(
    out: &mut dyn Write,
    config: &Config,
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    let names: Vec<&str> = config.models.iter().map(|m| m.name.as_str()).collect();
    let titles = [
        format!("Test 1: single model ({})", names[0]),
        format!("Test 2: dual model, both must be correct ({} + {})", names[0], names[1]),
        format!(
            "Test 3: triple majority, at least 2 of 3 correct ({} + {} + {})",
            names[0], names[1], names[2]
        ),
    ];
    let n = tally.tasks as f64;
    for (s, title) in titles.iter().enumerate() {
        writeln!(out, "{title}")?;
        writeln!(out, "   Correct: {}/{}", tally.correct[s], tally.tasks)?;
        let measured = 1.0 - tally.correct[s] as f64 / n;
        writeln!(
            out,
            "   Error rate: {} (exact: {})",
            percent(measured, 2),
            percent(1.0 - exact[s].correct, 2)
        )?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "Results summary (measured on the {} tasks above; error = not accepted as correct):",
        tally.tasks
    )?;
    writeln!(out, "   strategy                     calls   error rate   compared with single")?;
    let errors = |s: usize| tally.tasks - tally.correct[s];
    for (s, strategy) in Strategy::ALL.into_iter().enumerate().take(3) {
        let error = errors(s) as f64 / n;
        writeln!(
            out,
            "   {:<27} {:>5}   {:>10}   {}",
            strategy.label(),
            strategy.calls(),
            percent(error, 2),
            if s == 0 { "baseline".to_string() } else { compared(errors(s), errors(0)) }
        )?;
    }
    Ok(())
}

fn print_outcomes(
    out: &mut dyn Write,
    title: &str,
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(out, "{title}")?;
    writeln!(out, "   measured over {} tasks [95% Wilson interval] | exact", tally.tasks)?;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
        writeln!(out, "   {}, {} call(s) per task:", strategy.label(), strategy.calls())?;
        let rows = [
            ("accepted and correct", tally.correct[s], exact[s].correct),
            ("rejected", tally.rejected[s], exact[s].rejected),
            ("silent error", tally.silent(s), exact[s].silent),
        ];
        for (outcome, count, exact) in rows {
            let (low, high) = wilson_interval(count, tally.tasks);
            writeln!(
                out,
                "      {outcome:<21} {:>7} [{:>7}, {:>7}] | {:>7}",
                percent(count as f64 / tally.tasks as f64, 2),
                percent(low, 2),
                percent(high, 2),
                percent(exact, 2)
            )?;
        }
    }
    Ok(())
}

fn print_reconciliation(
    out: &mut dyn Write,
    config: &Config,
    exact: &[Rates; 4],
) -> io::Result<()> {
    let run = config.run(Difficulty::INDEPENDENT);
    let rates = run.models.map(|m| m.error_rate);
    let worst_case = exact_rates(rates, 1);
    writeln!(out, "Where the first draft's \"Dual ~5%\" and \"Triple ~2%\" come from:")?;
    writeln!(
        out,
        "   {} silent errors = {} x {}: dual agreement, all wrong answers identical (K = 1)",
        percent(worst_case[1].silent, 3),
        rates[0],
        rates[1]
    )?;
    writeln!(
        out,
        "   {} silent errors = {} x {} x {}: triple unanimous, K = 1",
        percent(worst_case[3].silent, 3),
        rates[0],
        rates[1],
        rates[2]
    )?;
    writeln!(
        out,
        "   Those count only wrong answers that pass. Tests 2 and 3 count every task not\n   \
         accepted as correct, rejected ones included: exactly {} and {}.",
        percent(1.0 - exact[1].correct, 2),
        percent(1.0 - exact[2].correct, 2)
    )
}

fn print_delivered(out: &mut dyn Write, exact: &[Rates; 4]) -> io::Result<()> {
    writeln!(out, "Cost per delivered answer (exact; a rejected task is retried, independently):")?;
    writeln!(
        out,
        "   strategy                    calls/try  accepted  calls/delivered  wrong delivered"
    )?;
    for (strategy, rates) in Strategy::ALL.into_iter().zip(exact) {
        let (calls, share) = match delivered(strategy, *rates) {
            Some(d) => (format!("{:.2}", d.calls), percent(d.silent_share, 2)),
            None => ("never".to_string(), "-".to_string()),
        };
        writeln!(
            out,
            "   {:<27} {:>9}  {:>8}  {calls:>15}  {share:>15}",
            strategy.label(),
            strategy.calls(),
            percent(rates.correct + rates.silent, 2)
        )?;
    }
    Ok(())
}

fn print_scaling(out: &mut dyn Write, e: f64, curves: &[Curve]) -> io::Result<()> {
    writeln!(
        out,
        "Majority vote over n identical models of error {} (error: no correct majority):",
        percent(e, 2)
    )?;
    writeln!(
        out,
        "   each cell: exact, then | measured over {SCALING_TASKS} tasks where measured"
    )?;
    for (i, curve) in curves.iter().enumerate() {
        writeln!(out, "   curve {}: {}", i + 1, curve.label)?;
    }
    let header: Vec<String> =
        (1..=curves.len()).map(|i| format!("{:<18}", format!("curve {i}"))).collect();
    writeln!(out, "    n   {}", header.join(" ").trim_end())?;
    for (row, &n) in ODD_N.iter().enumerate() {
        let cells: Vec<String> = curves
            .iter()
            .map(|curve| {
                let exact = percent(curve.exact[row], 2);
                match curve.measured.iter().find(|&&(m, _)| m == n) {
                    Some(&(_, rate)) => format!("{exact:>6} | {:>6}", percent(rate, 2)),
                    None => format!("{exact:>6}"),
                }
            })
            .map(|cell| format!("{cell:<18}"))
            .collect();
        writeln!(out, "   {n:>2}   {}", cells.join(" ").trim_end())?;
    }
    Ok(())
}

// ============================================================================
// Benchmark mode: `--bench TASKS` (timings vary by machine, so never in the book)
// ============================================================================

/// Seconds that `work` takes.
fn seconds(work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_secs_f64()
}

/// Times the bare generator loop, the simulation on one thread and on
/// `--threads`, in `ROUNDS` interleaved rounds, and keeps each one's best round: on
/// a shared machine the best round is the one least disturbed by others.
fn bench(config: &Config, tasks: u64, out: &mut dyn Write) -> io::Result<()> {
    const ROUNDS: usize = 20;
    let run = Run { tasks, ..config.run(Difficulty::INDEPENDENT) };
    let calls = 3.0 * tasks as f64;
    let threshold = threshold_53(run.models[0].error_rate);
    // The bare loop: three generators, one draw and one threshold test per call,
    // the errors summed; no tasks, answers or counts. With more than one thread
    // it shows how far this machine's cores scale at all. It splits the work in
    // equal shares, so one slowed core holds the whole loop up; the simulation
    // hands out blocks and is less affected.
    let bare_loop = |threads: u64| {
        thread::scope(|scope| {
            for t in 0..threads {
                scope.spawn(move || {
                    let mut rngs = [0, 1, 2].map(|i| SplitMix64::new(config.seed ^ (3 * t + i)));
                    let mut wrong = 0;
                    // Thread t's share; the shares add up to `tasks` exactly.
                    for _ in tasks * t / threads..tasks * (t + 1) / threads {
                        for rng in &mut rngs {
                            wrong += u64::from(rng.next_u64() >> 11 < threshold);
                        }
                    }
                    std::hint::black_box(wrong);
                });
            }
        });
    };
    let mut best = [f64::INFINITY; 4];
    let mut tallies = Vec::new();
    for _ in 0..ROUNDS {
        let times = [
            seconds(|| bare_loop(1)),
            seconds(|| bare_loop(config.threads as u64)),
            seconds(|| tallies.push(simulate(&run, 1))),
            seconds(|| tallies.push(simulate(&run, config.threads))),
        ];
        for (best, time) in best.iter_mut().zip(times) {
            *best = best.min(time);
        }
    }
    let [bare, bare_all, one, all] = best.map(|time| calls / time);
    let identical = tallies.windows(2).all(|pair| pair[0] == pair[1]);
    let build =
        if cfg!(debug_assertions) { "a debug build: use --release" } else { "release build" };
    writeln!(out, "Benchmark: {tasks} tasks, 3 model calls each, all four strategies counted;")?;
    writeln!(out, "best of {ROUNDS} interleaved rounds, {build}")?;
    let threads = config.threads;
    let on = |n: usize| if n == 1 { "1 thread".to_string() } else { format!("{n} threads") };
    let rows = [
        ("bare generator loop", 1, bare, String::new()),
        ("bare generator loop", threads, bare_all, format!(" ({:.2}x)", bare_all / bare)),
        ("simulation", 1, one, format!(" ({:.2} of the bare loop)", one / bare)),
        ("simulation", threads, all, format!(" ({:.2}x one thread)", all / one)),
    ];
    for (what, threads, per_sec, note) in rows {
        let label = format!("{what}, {}:", on(threads));
        writeln!(out, "   {label:<33} {:>6.0} million calls/s{note}", per_sec / 1e6)?;
    }
    writeln!(out, "   identical counts in all {} runs: {identical}", tallies.len())
}

// ============================================================================
// Command line
// ============================================================================

const USAGE: &str = "\
dual_model: cross-checking simulated language models (assumed error rates)

Usage: dual_model [options]

Options:
  --tasks N             tasks to simulate (1 to 1000000000000, default 1000)
  --seed S              generator seed (0 to 18446744073709551615, default 42)
  --models LIST         at least three NAME=RATE pairs, RATE from 0 to 1
                        (default Claude=0.23,GPT-4=0.25,Llama=0.30);
                        the first three drive Tests 1-3
  --wrong-variants K    distinct wrong answers a model can give, uniformly
                        (1 to 1000000, default 1: all hallucinations agree)
  --hard-fraction H     share of hard tasks in the correlated setting
                        (0 to less than 1, default 0.1)
  --hard-error Q        every model's error on a hard task (0 to 1, default 0.8)
  --threads T           worker threads (1 to 256, default: available cores);
                        the output is the same for every T
  --svg DIR             also write the scaling chart to DIR/majority-scaling.svg
  --bench N             instead of the report, time N tasks and print calls/s
  -h, --help            print this help
";

const FLAGS: [&str; 9] = [
    "tasks",
    "seed",
    "models",
    "wrong-variants",
    "hard-fraction",
    "hard-error",
    "threads",
    "svg",
    "bench",
];

/// What the command line asked for, validated.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    tasks: u64,
    seed: u64,
    models: Vec<ModelSpec>,
    wrong_variants: usize,
    correlated: Difficulty,
    threads: usize,
    svg_dir: Option<String>,
    bench_tasks: Option<u64>,
}

impl Config {
    fn run(&self, difficulty: Difficulty) -> Run<'_> {
        Run {
            models: [&self.models[0], &self.models[1], &self.models[2]],
            difficulty,
            wrong_variants: self.wrong_variants,
            tasks: self.tasks,
            seed: self.seed,
        }
    }
}

/// A probability from the command line: a finite number from 0 to 1, or below 1
/// when `below_one` (a share of hard tasks of 1 would leave no easy task).
fn parse_rate(flag: &str, what: &str, text: &str, below_one: bool) -> Result<f64, String> {
    let upper = if below_one { "less than 1" } else { "1" };
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) && !(below_one && value >= 1.0) => Ok(value),
        _ => Err(format!("{flag}: {what} must be a number from 0 to {upper}, not '{text}'")),
    }
}

fn parse_models(text: &str) -> Result<Vec<ModelSpec>, String> {
    let mut models: Vec<ModelSpec> = Vec::new();
    for item in text.split(',') {
        let Some((name, rate)) = item.split_once('=') else {
            return Err(format!("--models: '{item}' is not NAME=RATE"));
        };
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 16 || name.chars().any(char::is_control) {
            return Err(format!(
                "--models: model name '{name}' must have 1 to 16 printable characters"
            ));
        }
        if models.iter().any(|m| m.name == name) {
            return Err(format!("--models: model name '{name}' is given twice"));
        }
        let error_rate = parse_rate("--models", &format!("the rate of {name}"), rate, false)?;
        models.push(ModelSpec { name: name.to_string(), error_rate });
    }
    if models.len() < 3 {
        return Err(format!("--models needs at least three models, got {}", models.len()));
    }
    Ok(models)
}

fn configure(flags: &Flags) -> Result<Config, String> {
    let models =
        parse_models(flags.value("models").unwrap_or("Claude=0.23,GPT-4=0.25,Llama=0.30"))?;
    let hard_fraction = parse_rate(
        "--hard-fraction",
        "the share of hard tasks",
        flags.value("hard-fraction").unwrap_or("0.1"),
        true,
    )?;
    let hard_error = parse_rate(
        "--hard-error",
        "the hard-task error",
        flags.value("hard-error").unwrap_or("0.8"),
        false,
    )?;
    let correlated = Difficulty { hard_fraction, hard_error };
    if let Some(model) = models.iter().find(|m| correlated.easy_error(m.error_rate).is_none()) {
        return Err(format!(
            "--hard-fraction {hard_fraction} with --hard-error {hard_error} cannot keep {}'s error rate at {}: \
             its easy-task rate would leave [0, 1]",
            model.name, model.error_rate
        ));
    }
    let available = thread::available_parallelism().map_or(1, usize::from).min(256);
    let to_usize =
        |n: u64| usize::try_from(n).map_err(|_| "this number does not fit in memory".to_string());
    Ok(Config {
        tasks: flags.number("tasks", 1000, 1..=1_000_000_000_000)?,
        seed: flags.number("seed", 42, 0..=u64::MAX)?,
        models,
        wrong_variants: to_usize(flags.number("wrong-variants", 1, 1..=1_000_000)?)?,
        correlated,
        threads: to_usize(flags.number("threads", available as u64, 1..=256)?)?,
        svg_dir: flags.value("svg").map(str::to_string),
        bench_tasks: flags
            .value("bench")
            .map(|_| flags.number("bench", 0, 1..=1_000_000_000_000))
            .transpose()?,
    })
}

fn write_svg(dir: &str, svg: &str) -> io::Result<()> {
    let path = Path::new(dir).join("majority-scaling.svg");
    std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, svg)).map_err(|error| {
        io::Error::new(error.kind(), format!("--svg: cannot write {}: {error}", path.display()))
    })
}

fn run(config: &Config, out: &mut dyn Write) -> io::Result<()> {
    if let Some(tasks) = config.bench_tasks {
        return bench(config, tasks, out);
    }
    let independent = config.run(Difficulty::INDEPENDENT);
    let correlated = config.run(config.correlated);
    let first_error = config.models[0].error_rate;
    let curves = scaling_curves(first_error, config.correlated, config.seed);
    if let Some(dir) = &config.svg_dir {
        // Written before any output, so a bad --svg leaves stdout empty.
        write_svg(dir, &scaling_svg(first_error, &curves))?;
    }
    let independent_tally = simulate(&independent, config.threads);
    let correlated_tally = simulate(&correlated, config.threads);
    let exact = exact_rates_mixed(&independent);

    writeln!(out, "Chapter 4, Example 2: cross-checking simulated models")?;
    writeln!(out)?;
    heading(out, "Part 1: one, two and three models (Tests 1-3)")?;
    print_setup(out, config)?;
    writeln!(out)?;
    print_tests(out, config, &independent_tally, &exact)?;
    writeln!(out)?;
    heading(
        out,
        "Part 2: what an error rate hides (accepted and correct, rejected, silent error)",
    )?;
    print_outcomes(out, "Independent errors:", &independent_tally, &exact)?;
    writeln!(out)?;
    let title =
        format!("Correlated errors ({}; overall rates unchanged):", describe(config.correlated));
    print_outcomes(out, &title, &correlated_tally, &exact_rates_mixed(&correlated))?;
    writeln!(out)?;
    heading(out, "Part 3: the first draft's figures, and the cost of a delivered answer")?;
    print_reconciliation(out, config, &exact)?;
    writeln!(out)?;
    print_delivered(out, &exact)?;
    writeln!(out)?;
    heading(out, "Part 4: majority votes over more models")?;
    print_scaling(out, first_error, &curves)
}

fn main() -> ExitCode {
    run_cli("dual_model", USAGE, &FLAGS, configure, run)
}

// ============================================================================
// Shared helpers: this block is identical in bft_demo.rs and dual_model.rs
// (tests/shared_helpers.rs checks it), so each file stays a complete program.
// ============================================================================

// ANCHOR: shared
/// `SplitMix64` (Steele, Lea, Flood 2014): one `u64` of state, fast, and good enough
/// for simulation. Not the textbook LCG normalised by `u64::MAX`: from a small seed
/// its first draws are close to 0, so every simulated model failed the first task.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw from `0..bound` by multiply-shift (Lemire 2019); its bias is below
    /// bound / 2^64. `bound` must not be 0.
    #[expect(clippy::cast_possible_truncation, reason = "the high word is below `bound`")]
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// Command-line flags, `--name value` or `--name=value`, each at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flags {
    given: Vec<(String, String)>,
}

impl Flags {
    /// `Ok(None)` when the user asked for `--help`.
    fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Option<Self>, String> {
        let mut given: Vec<(String, String)> = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(None);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument '{arg}'"));
            };
            let (name, inline_value) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (flag, None),
            };
            if !known.contains(&name) {
                return Err(format!("unknown flag --{name}"));
            }
            if given.iter().any(|(seen, _)| seen == name) {
                return Err(format!("--{name} is given more than once"));
            }
            let value = match inline_value {
                Some(value) => value,
                None => args
                    .next()
                    .filter(|value| !value.starts_with("--"))
                    .ok_or_else(|| format!("--{name} needs a value"))?,
            };
            given.push((name.to_string(), value));
        }
        Ok(Some(Self { given }))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.given.iter().find(|(seen, _)| seen == name).map(|(_, value)| value.as_str())
    }

    /// `--name` as a whole number within `range`, or `default` when it is absent.
    fn number(&self, name: &str, default: u64, range: RangeInclusive<u64>) -> Result<u64, String> {
        let Some(text) = self.value(name) else {
            return Ok(default);
        };
        match text.parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(format!(
                "--{name} must be a whole number from {} to {}, not '{text}'",
                range.start(),
                range.end()
            )),
        }
    }
}

/// A section title, underlined to its length.
fn heading(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()))
}

/// Parses the flags, prints `usage` for `--help`, and runs the program on stdout.
/// Bad input: one line on stderr, nothing on stdout, exit code 2.
fn run_cli<C>(
    program: &str,
    usage: &str,
    known: &[&str],
    configure: fn(&Flags) -> Result<C, String>,
    run: fn(&C, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let parsed = Flags::parse(std::env::args().skip(1), known);
    let config = match parsed.and_then(|flags| flags.map(|flags| configure(&flags)).transpose()) {
        Ok(Some(config)) => config,
        Ok(None) => {
            // A closed pipe is not worth an error message for a help text.
            let _ = io::stdout().write_all(usage.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("{program}: {problem} (see {program} --help)");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&config, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `bft_demo | head` closes the pipe early: stop quietly, like other tools.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: shared

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, error_rate: f64) -> ModelSpec {
        ModelSpec { name: name.to_string(), error_rate }
    }

    fn config(args: &[&str]) -> Result<Config, String> {
        let args = args.iter().map(|a| (*a).to_string());
        Flags::parse(args, &FLAGS)?.map_or(Err("help".to_string()), |flags| configure(&flags))
    }

    /// A run over `rates` with its own three models.
    fn tally(
        rates: [f64; 3],
        k: usize,
        d: Difficulty,
        tasks: u64,
        seed: u64,
    ) -> (Tally, [Rates; 4]) {
        let models = rates.map(|rate| spec("m", rate));
        let run = Run {
            models: [&models[0], &models[1], &models[2]],
            difficulty: d,
            wrong_variants: k,
            tasks,
            seed,
        };
        (simulate(&run, 2), exact_rates_mixed(&run))
    }

    #[test]
    fn splitmix64_known_answers_for_seed_zero() {
        let mut rng = SplitMix64::new(0);
        let first: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F,
                0xF88B_B8A8_724C_81EC,
                0x1B39_896A_51A8_749B
            ]
        );
    }

    #[test]
    fn default_run_gives_exact_counts() {
        let config = config(&[]).unwrap();
        let tally = simulate(&config.run(Difficulty::INDEPENDENT), 1);
        assert_eq!(
            tally,
            Tally { tasks: 1000, correct: [767, 573, 835, 390], rejected: [0, 356, 0, 586] }
        );
        assert_eq!((0..4).map(|s| tally.silent(s)).collect::<Vec<_>>(), [233, 71, 165, 24]);
    }

    #[test]
    fn counts_are_the_same_for_every_thread_count() {
        let models = [spec("a", 0.2), spec("b", 0.3), spec("c", 0.4)];
        let run = Run {
            models: [&models[0], &models[1], &models[2]],
            difficulty: Difficulty { hard_fraction: 0.2, hard_error: 0.7 },
            wrong_variants: 3,
            tasks: 5 * BLOCK_TASKS + 1234,
            seed: 7,
        };
        // The general loop (three variants) and the one-variant loop.
        for run in [run.clone(), Run { wrong_variants: 1, ..run }] {
            let one = simulate(&run, 1);
            for threads in [2, 3, 7, 256] {
                assert_eq!(simulate(&run, threads), one, "threads = {threads}, {run:?}");
            }
            assert_eq!(one.tasks, 5 * BLOCK_TASKS + 1234);
        }
    }

    /// This process's peak resident memory in KiB (`VmHWM` in Linux's /proc).
    fn peak_resident_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
        let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:")).expect("VmHWM");
        line.trim().trim_end_matches("kB").trim().parse().expect("VmHWM in kB")
    }

    /// Ten million tasks: the first draft held 168 MB here, one record per task.
    /// Streaming keeps the peak where it was, whichever loop runs. Other tests
    /// running beside this one would move the process's peak, so the test runs
    /// itself again, alone, in a child process, and reads the figure it prints.
    #[test]
    #[cfg_attr(not(target_os = "linux"), ignore = "reads peak memory from Linux's /proc")]
    fn memory_does_not_grow_with_the_number_of_tasks() {
        const NAME: &str = "tests::memory_does_not_grow_with_the_number_of_tasks";
        const CHILD: &str = "DUAL_MODEL_MEMORY_CHILD";
        if std::env::var_os(CHILD).is_some() {
            let before = peak_resident_kib();
            for k in [1, 3] {
                let (tally, _) = tally([0.2, 0.3, 0.4], k, Difficulty::INDEPENDENT, 10_000_000, 1);
                assert_eq!(tally.tasks, 10_000_000);
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
            .find_map(|line| line.split("growth: ").nth(1)?.strip_suffix(" KiB")?.parse().ok())
            .unwrap_or_else(|| panic!("no growth line from the child:\n{stdout}"));
        assert!(growth < 4 * 1024, "peak resident memory grew by {growth} KiB");
    }

    #[test]
    fn the_one_variant_loop_counts_what_the_general_loop_counts() {
        let models = [spec("a", 0.23), spec("b", 0.25), spec("c", 0.5)];
        let mixed = Difficulty { hard_fraction: 0.3, hard_error: 0.6 };
        let settings = [Difficulty::INDEPENDENT, mixed].map(|d| [0, 42, u64::MAX].map(|s| (d, s)));
        for (d, seed) in settings.into_iter().flatten() {
            let run = Run {
                models: [&models[0], &models[1], &models[2]],
                difficulty: d,
                wrong_variants: 1,
                tasks: BLOCK_TASKS,
                seed,
            };
            let hard_threshold = threshold_53(d.hard_fraction);
            for (block, ids) in [(0, 0..BLOCK_TASKS), (3, 3 * BLOCK_TASKS..3 * BLOCK_TASKS + 99)] {
                let (mut general, mut one_variant) = ([0; PATTERNS], [0; PATTERNS]);
                let mut models = block_models(&run, block);
                let difficulty = block_stream(seed, block, 3);
                count_patterns(&mut models, ids.clone(), hard_threshold, difficulty, &mut general);
                let mut models = block_models(&run, block);
                let difficulty = block_stream(seed, block, 3);
                count_one_variant(
                    &mut models,
                    ids.clone(),
                    hard_threshold,
                    difficulty,
                    &mut one_variant,
                );
                assert_eq!(one_variant, general, "{d:?}, seed {seed}, block {block}");
                assert_eq!(general.iter().sum::<u64>(), ids.end - ids.start);
            }
        }
    }

    #[test]
    fn rates_of_zero_and_one_are_exact() {
        let (never, _) = tally([0.0; 3], 1, Difficulty::INDEPENDENT, 10_000, 1);
        assert_eq!(never, Tally { tasks: 10_000, correct: [10_000; 4], rejected: [0; 4] });
        let (always, _) = tally([1.0; 3], 1, Difficulty::INDEPENDENT, 10_000, 1);
        assert_eq!(always, Tally { tasks: 10_000, correct: [0; 4], rejected: [0; 4] });
        // With K = 2 wrong variants, always-wrong models sometimes disagree.
        let (always, _) = tally([1.0; 3], 2, Difficulty::INDEPENDENT, 10_000, 1);
        assert_eq!(always.correct, [0; 4]);
        assert_eq!(always.rejected[0], 0);
        assert_eq!(always.rejected[2], 0, "with two variants, two of three always agree");
        // Every task is hard and every model fails it.
        let (hard, _) =
            tally([1.0; 3], 1, Difficulty { hard_fraction: 0.5, hard_error: 1.0 }, 1000, 1);
        assert_eq!(hard.correct, [0; 4]);
    }

    /// Every combination of answers, weighted by its probability, judged by `decide`.
    fn brute_force(errors: [f64; 3], k: usize) -> [Rates; 4] {
        let mut sums = [[0.0; 3]; 4];
        let p = |e: f64, answer: Answer| if answer == CORRECT { 1.0 - e } else { e / k as f64 };
        for a in 0..=k {
            for b in 0..=k {
                for c in 0..=k {
                    let weight = p(errors[0], a) * p(errors[1], b) * p(errors[2], c);
                    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
                        let outcome = match strategy.decide([a, b, c]) {
                            Some(CORRECT) => 0,
                            None => 1,
                            Some(_) => 2,
                        };
                        sums[s][outcome] += weight;
                    }
                }
            }
        }
        sums.map(|[correct, rejected, silent]| Rates { correct, rejected, silent })
    }

    #[test]
    fn exact_rates_equal_a_brute_force_enumeration() {
        let mut rng = SplitMix64::new(2024);
        let mut draw = || (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
        for k in [1, 2, 3, 5, 8] {
            for _ in 0..20 {
                let errors = [draw(), draw(), draw()];
                let (exact, brute) = (exact_rates(errors, k), brute_force(errors, k));
                for (s, (x, y)) in exact.into_iter().zip(brute).enumerate() {
                    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
                    assert!(
                        close(x.correct, y.correct)
                            && close(x.rejected, y.rejected)
                            && close(x.silent, y.silent),
                        "k = {k}, errors = {errors:?}, strategy {s}: {x:?} vs {y:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn measured_rates_lie_within_four_standard_errors() {
        let settings = [
            ([0.23, 0.25, 0.30], 1, Difficulty::INDEPENDENT),
            ([0.05, 0.5, 0.9], 2, Difficulty::INDEPENDENT),
            ([0.4, 0.4, 0.4], 4, Difficulty::INDEPENDENT),
            ([0.23, 0.25, 0.30], 1, Difficulty { hard_fraction: 0.1, hard_error: 0.8 }),
            ([0.3, 0.35, 0.4], 3, Difficulty { hard_fraction: 0.25, hard_error: 0.9 }),
        ];
        let n = 100_000;
        for (seed, (rates, k, d)) in settings.into_iter().enumerate() {
            let (tally, exact) = tally(rates, k, d, n, seed as u64);
            for (s, exact) in exact.into_iter().enumerate() {
                let pairs = [
                    (tally.correct[s], exact.correct),
                    (tally.rejected[s], exact.rejected),
                    (tally.silent(s), exact.silent),
                ];
                for (count, p) in pairs {
                    let measured = count as f64 / n as f64;
                    let standard_error = (p * (1.0 - p) / n as f64).sqrt();
                    assert!(
                        (measured - p).abs() <= 4.0 * standard_error + 1e-12,
                        "rates {rates:?}, k = {k}, {d:?}, strategy {s}: measured {measured}, exact {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_difficulty_mix_keeps_each_overall_error_rate() {
        let d = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        for p in [0.08, 0.23, 0.25, 0.30, 0.9] {
            let easy = d.easy_error(p).unwrap();
            assert!((0.1 * 0.8 + 0.9 * easy - p).abs() < 1e-15, "p = {p}");
            let (tally, exact) = tally([p; 3], 1, d, 100_000, 3);
            assert!((exact[0].silent - p).abs() < 1e-15, "p = {p}");
            let measured = tally.silent(0) as f64 / 100_000.0;
            assert!(
                (measured - p).abs() <= 4.0 * (p * (1.0 - p) / 100_000.0).sqrt(),
                "p = {p}: {measured}"
            );
        }
        assert_eq!(d.easy_error(0.05), None, "0.1 x 0.8 = 0.08 of hard errors alone exceeds 0.05");
    }

    #[test]
    fn the_first_drafts_figures_are_reconciled_exactly() {
        let worst_case = exact_rates([0.23, 0.25, 0.30], 1);
        assert_eq!(percent(worst_case[1].silent, 3), "5.750%");
        assert_eq!(percent(worst_case[3].silent, 3), "1.725%");
        assert_eq!(percent(1.0 - worst_case[0].correct, 2), "23.00%");
        assert_eq!(percent(1.0 - worst_case[1].correct, 2), "42.25%");
        assert_eq!(percent(1.0 - worst_case[2].correct, 2), "16.70%");
        let dual = delivered(Strategy::DualAgreement, worst_case[1]).unwrap();
        assert!((dual.calls - 2.0 / 0.635).abs() < 1e-12);
        assert!((dual.silent_share - 0.0575 / 0.635).abs() < 1e-12);
        assert_eq!(delivered(Strategy::DualAgreement, Rates::new(0.0, 0.0)), None);
    }

    #[test]
    fn patterns_keep_every_decision() {
        // Every triple of answers from 0 (correct) to 6: its pattern stands for
        // answers that every strategy judges alike.
        for a in 0..7 {
            for b in 0..7 {
                for c in 0..7 {
                    let index = pattern([a, b, c]);
                    assert!(index < PATTERNS);
                    let stand_in = pattern_answers(index);
                    for strategy in Strategy::ALL {
                        let (x, y) = (strategy.decide([a, b, c]), strategy.decide(stand_in));
                        assert_eq!(
                            x.map(|v| v == CORRECT),
                            y.map(|v| v == CORRECT),
                            "{a} {b} {c} {strategy:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(rename([0, 9, 4]), [0, 1, 2]);
        assert_eq!(rename([7, 0, 7]), [1, 0, 1]);
        assert_eq!(rename([5, 6, 8]), [1, 2, 3]);
        assert_eq!(pattern([1, 2, 3]), 1 | 2 << 2 | 3 << 4);
    }

    #[test]
    fn majority_error_closed_forms() {
        assert!((majority_error(1, 0.23) - 0.23).abs() < 1e-15);
        assert!(
            (majority_error(3, 0.23) - (3.0 * 0.23 * 0.23 * 0.77 + 0.23_f64.powi(3))).abs() < 1e-15
        );
        assert!((majority_error(15, 0.5) - 0.5).abs() < 1e-12);
        for n in ODD_N {
            assert!(
                majority_error(n, 0.0) == 0.0 && (majority_error(n, 1.0) - 1.0).abs() < 1e-12,
                "n = {n}"
            );
        }
        // Independent: better with every pair of models added. FALLING_MIX: better
        // at first, then worse than a single model.
        let independent: Vec<f64> = ODD_N.iter().map(|&n| majority_error(n, 0.23)).collect();
        assert!(independent.windows(2).all(|w| w[1] < w[0]));
        let falling: Vec<f64> =
            ODD_N.iter().map(|&n| majority_error_mixed(n, 0.23, FALLING_MIX).unwrap()).collect();
        assert!(falling[1] < falling[0] && falling[7] > falling[0], "{falling:?}");
    }

    #[test]
    fn wilson_interval_known_values() {
        let (low, high) = wilson_interval(0, 1000);
        assert!(low.abs() < 1e-15 && (high - 0.003_826_8).abs() < 1e-6, "{low} {high}");
        let (low, high) = wilson_interval(500, 1000);
        assert!((low - 0.469_1).abs() < 1e-4 && (high - 0.530_9).abs() < 1e-4, "{low} {high}");
        assert!(wilson_interval(1000, 1000).1 >= 1.0);
    }

    #[test]
    fn comparisons_read_correctly_both_ways() {
        assert_eq!(compared(427, 233), "1.8x more errors");
        assert_eq!(compared(165, 233), "1.4x fewer errors");
        assert_eq!(compared(233, 233), "same as single");
        assert_eq!(compared(0, 233), "no errors");
        assert_eq!(compared(10, 0), "more errors (single has none)");
        assert_eq!(percent(-0.0, 2), "0.00%");
    }

    /// Checks that tags nest and close, attributes are quoted, and text has no
    /// stray `<` or `&`: enough of XML to catch a broken chart.
    fn assert_well_formed(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest =
            svg.strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#).expect("XML declaration");
        while let Some(start) = rest.find('<') {
            assert!(
                !rest[..start].contains('&') && !rest[..start].contains('>'),
                "stray text: {}",
                &rest[..start]
            );
            let end = rest[start..].find('>').expect("unclosed tag") + start;
            let tag = &rest[start + 1..end];
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in <{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("tag name"));
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty() && rest.trim().is_empty(), "unclosed: {open:?}");
    }

    #[test]
    fn the_chart_is_well_formed_and_complete() {
        let curves = scaling_curves(0.23, Difficulty { hard_fraction: 0.1, hard_error: 0.8 }, 42);
        assert_eq!(curves.len(), 3);
        // No hard tasks, or a mix that cannot give 5%: only the other curves are drawn.
        assert_eq!(
            scaling_curves(0.23, Difficulty { hard_fraction: 0.0, hard_error: 0.8 }, 1).len(),
            2
        );
        assert_eq!(
            scaling_curves(0.05, Difficulty { hard_fraction: 0.01, hard_error: 0.5 }, 1).len(),
            2
        );
        let svg = scaling_svg(0.23, &curves);
        assert_well_formed(&svg);
        assert!(svg.contains("Majority vote over n simulated models, each with error 23%"));
        for curve in &curves {
            assert!(
                svg.contains(&format!(">{}</text>", curve.label)),
                "legend for {}",
                curve.label
            );
        }
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<circle").count(), 3 * MEASURED_N.len() + 1);
        assert!(
            svg.contains("number of models n") && svg.contains("error rate (no correct majority)")
        );
    }

    #[test]
    fn the_well_formedness_check_can_fail() {
        for broken in ["<svg><g></svg>", "<svg a=\"1></svg>", "<svg>a & b</svg>"] {
            let document = format!(r#"<?xml version="1.0" encoding="UTF-8"?>{broken}"#);
            assert!(
                std::panic::catch_unwind(|| assert_well_formed(&document)).is_err(),
                "{broken}"
            );
        }
    }

    #[test]
    fn bench_reports_every_measurement_and_identical_counts() {
        // Timings vary, so this checks the report's shape and the counts, not speed.
        let config = config(&["--threads", "3"]).unwrap();
        let mut out = Vec::new();
        bench(&config, 3 * BLOCK_TASKS + 5, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 7, "{out}");
        assert!(lines[0].starts_with("Benchmark: 196613 tasks, 3 model calls each"));
        for (line, label) in lines[2..6].iter().zip([
            "bare generator loop, 1 thread:",
            "bare generator loop, 3 threads:",
            "simulation, 1 thread:",
            "simulation, 3 threads:",
        ]) {
            let rate = line.trim().strip_prefix(label).unwrap_or_else(|| panic!("{line}"));
            let millions: f64 = rate.split_whitespace().next().unwrap().parse().unwrap();
            assert!(millions.is_finite() && millions >= 0.0, "{line}");
        }
        assert_eq!(lines[6], "   identical counts in all 40 runs: true");
    }

    /// The help is typed by hand: it must state the ranges and defaults that
    /// `configure` applies, so that neither changes alone.
    #[test]
    fn help_states_the_ranges_and_defaults_the_code_uses() {
        let flags = [
            "--tasks",
            "--seed",
            "--wrong-variants",
            "--threads",
            "--hard-fraction",
            "--hard-error",
        ];
        for flag in flags {
            // The error for a value out of range names the range the code checks.
            let error = config(&[flag, "-1"]).unwrap_err();
            let range = error.split(" from ").nth(1).and_then(|rest| rest.split(", not").next());
            let stated = format!("({}, default", range.unwrap_or_else(|| panic!("{error}")));
            assert!(USAGE.contains(&stated), "{flag}: the help does not say '{stated}'");
        }
        let defaults = config(&[]).unwrap();
        let models: Vec<String> =
            defaults.models.iter().map(|m| format!("{}={:.2}", m.name, m.error_rate)).collect();
        for stated in [
            format!("default {})", defaults.tasks),
            format!("default {})", defaults.seed),
            format!("(default {});", models.join(",")),
            format!("default {}:", defaults.wrong_variants),
            format!("default {})", defaults.correlated.hard_fraction),
            format!("default {})", defaults.correlated.hard_error),
        ] {
            assert!(USAGE.contains(&stated), "the help does not say '{stated}'");
        }
    }

    #[test]
    fn bad_input_is_named() {
        let cases: [(&[&str], &str); 17] = [
            (&["--tasks", "0"], "--tasks must be a whole number from 1 to 1000000000000, not '0'"),
            (
                &["--tasks", "-5"],
                "--tasks must be a whole number from 1 to 1000000000000, not '-5'",
            ),
            (
                &["--tasks", "many"],
                "--tasks must be a whole number from 1 to 1000000000000, not 'many'",
            ),
            (
                &["--tasks", "99999999999999999999"],
                "--tasks must be a whole number from 1 to 1000000000000, not '99999999999999999999'",
            ),
            (
                &["--models", "A=0.1,B=1.5,C=0.2"],
                "--models: the rate of B must be a number from 0 to 1, not '1.5'",
            ),
            (
                &["--models", "A=NaN,B=0.1,C=0.2"],
                "--models: the rate of A must be a number from 0 to 1, not 'NaN'",
            ),
            (&["--models", "A=0.1,B=0.2"], "--models needs at least three models, got 2"),
            (
                &["--models", "A=0.1,=0.2,C=0.3"],
                "--models: model name '' must have 1 to 16 printable characters",
            ),
            (&["--models", "A=0.1,B,C=0.3"], "--models: 'B' is not NAME=RATE"),
            (&["--models", "A=0.1,A=0.2,C=0.3"], "--models: model name 'A' is given twice"),
            (
                &["--hard-fraction", "1"],
                "--hard-fraction: the share of hard tasks must be a number from 0 to less than 1, not '1'",
            ),
            (
                &["--hard-error", "inf"],
                "--hard-error: the hard-task error must be a number from 0 to 1, not 'inf'",
            ),
            (
                &["--hard-fraction", "0.5"],
                "--hard-fraction 0.5 with --hard-error 0.8 cannot keep Claude's error rate at 0.23: its easy-task rate would leave [0, 1]",
            ),
            (
                &["--wrong-variants", "0"],
                "--wrong-variants must be a whole number from 1 to 1000000, not '0'",
            ),
            (&["--threads", "257"], "--threads must be a whole number from 1 to 256, not '257'"),
            (&["--seed"], "--seed needs a value"),
            (&["--tasks", "1", "--tasks", "2"], "--tasks is given more than once"),
        ];
        for (args, message) in cases {
            assert_eq!(config(args), Err(message.to_string()), "{args:?}");
        }
        assert_eq!(config(&["--fast"]), Err("unknown flag --fast".to_string()));
        let custom = config(&[
            "--models=X=0,Y=1,Z=0.5,W=0.1",
            "--tasks=10",
            "--wrong-variants",
            "3",
            "--hard-fraction=0",
        ])
        .unwrap();
        assert_eq!(custom.models.len(), 4);
        assert_eq!(
            (custom.models[1].error_rate, custom.tasks, custom.wrong_variants),
            (1.0, 10, 3)
        );
    }
}
