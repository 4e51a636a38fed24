//! Simulated language models: each errs with an assumed probability. They are
//! simulations, not measurements of any real product.
//!
//! A model's answer to a task depends only on the run's seed, the model's
//! place in the run, and the task: it is computed from fixed positions of the
//! model's own random streams (see `crate::rng::draw`). So it does not matter
//! in which order, or on which thread, the tasks are answered.

use super::lanes::{below_at, below_lanes};
use crate::cli::rate;
use crate::rng::{below, draw, golden, stream_seed};

/// A model's answer: `CORRECT`, or one of K wrong variants numbered 1 to K.
/// Two wrong answers agree only when they are the same variant.
pub type Answer = usize;
pub const CORRECT: Answer = 0;

/// A task. On a hard task every model errs with the same high probability,
/// which is what makes their errors correlated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub id: u64,
    pub hard: bool,
}

/// A simulated model. It errs on a task when a 53-bit random number falls
/// below its error probability, written as a threshold (the number's bits
/// are spread over the draws of 64 tasks: see `lanes`).
#[derive(Debug, Clone)]
pub struct SimulatedLLM<'a> {
    pub name: &'a str,
    pub easy_threshold: u64,
    pub hard_threshold: u64,
    pub wrong_variants: usize,
    /// Its two streams: the first says whether it errs on a task, and draw
    /// t of the second which wrong answer it gives on task t if it does.
    pub error_stream: u64,
    pub variant_stream: u64,
}

// ANCHOR: model
impl SimulatedLLM<'_> {
    pub fn errs(&self, task: Task) -> bool {
        let threshold =
            if task.hard { self.hard_threshold } else { self.easy_threshold };
        below_at(self.error_stream, task.id, threshold)
    }

    pub fn generate_code(&self, task: Task) -> CodeGenResult<'_> {
        let answer = if self.errs(task) {
            let pick = draw(self.variant_stream, task.id);
            1 + below(pick, self.wrong_variants)
        } else {
            CORRECT
        };
        CodeGenResult { model: self.name, task, answer }
    }
}
// ANCHOR_END: model

impl SimulatedLLM<'_> {
    /// `errs` for the lanes `wanted` of the group of 64 tasks from `first`
    /// at once, the lanes set in `hard` hard ones (see `lanes`).
    pub fn errs_in_group(&self, first: u64, hard: u64, wanted: u64) -> u64 {
        below_lanes(self.error_stream, first, self.thresholds(), hard, wanted)
    }

    /// Its thresholds on easy and on hard tasks (see `lanes`).
    pub fn thresholds(&self) -> [u64; 2] {
        [self.easy_threshold, self.hard_threshold]
    }
}

/// One model's answer to one task. It holds no text: the code is written out
/// only when it is shown, so a simulation never allocates per answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeGenResult<'a> {
    pub model: &'a str,
    pub task: Task,
    pub answer: Answer,
}

impl CodeGenResult<'_> {
    pub fn is_correct(&self) -> bool {
        self.answer == CORRECT
    }

    pub fn code(&self) -> String {
        let id = self.task.id;
        match self.answer {
            CORRECT => {
                format!("fn task_{id}() {{ /* correct implementation */ }}")
            }
            variant => format!(
                "fn task_{id}() {{ /* hallucinated bug #{variant} */ }}"
            ),
        }
    }
}

/// Probability `p` in [0, 1] as a threshold on 53 random bits, exact for every
/// `f64` that is a multiple of 2^-53 (0 and 1 included).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "p is validated to lie in [0, 1], so the product is in [0, 2^53]"
)]
pub fn threshold_53(p: f64) -> u64 {
    (p * 9_007_199_254_740_992.0).round() as u64
}

/// A mix of easy and hard tasks. On a hard task every model errs with
/// probability `hard_error`; each model's easy-task rate is then chosen so
/// that its overall rate stays what it was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difficulty {
    pub hard_fraction: f64,
    pub hard_error: f64,
}

// ANCHOR: difficulty
impl Difficulty {
    /// No hard tasks: the models err independently.
    pub const INDEPENDENT: Difficulty =
        Difficulty { hard_fraction: 0.0, hard_error: 0.0 };

    /// The easy-task rate with H * E + (1 - H) * easy = `overall`, or
    /// `None` when no rate in [0, 1] does that.
    pub fn easy_error(self, overall: f64) -> Option<f64> {
        let Difficulty { hard_fraction: h, hard_error: e } = self;
        let easy = (overall - h * e) / (1.0 - h);
        // A tolerance for rounding: H = 0.5, E = 0.46, overall 0.23 works.
        (-1e-12..=1.0 + 1e-12).contains(&easy).then(|| easy.clamp(0.0, 1.0))
    }
}
// ANCHOR_END: difficulty

/// A model as the command line describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    pub name: String,
    pub error_rate: f64,
}

impl ModelSpec {
    /// Models as `--models` lists them: `NAME=RATE,...`, at least three,
    /// names of 1 to 16 printable characters, each given once.
    pub fn parse_list(text: &str) -> Result<Vec<ModelSpec>, String> {
        let mut models: Vec<ModelSpec> = Vec::new();
        for item in text.split(',') {
            let Some((name, rate_text)) = item.split_once('=') else {
                return Err(format!("--models: '{item}' is not NAME=RATE"));
            };
            let name = name.trim();
            let count = name.chars().count();
            if count == 0 || count > 16 || name.chars().any(char::is_control) {
                return Err(format!(
                    "--models: model name '{name}' must have 1 to 16 printable \
                     characters"
                ));
            }
            if models.iter().any(|m| m.name == name) {
                return Err(format!(
                    "--models: model name '{name}' is given twice"
                ));
            }
            let what = format!("the rate of {name}");
            let error_rate = rate("--models", &what, rate_text, false)?;
            models.push(ModelSpec { name: name.to_string(), error_rate });
        }
        if models.len() < 3 {
            let got = models.len();
            return Err(format!(
                "--models needs at least three models, got {got}"
            ));
        }
        Ok(models)
    }

    /// This model's error rate on easy tasks under `difficulty`. Where no
    /// easy rate keeps the overall one (the programs reject such mixes), the
    /// overall rate stands.
    pub fn easy_error(&self, difficulty: Difficulty) -> f64 {
        difficulty.easy_error(self.error_rate).unwrap_or(self.error_rate)
    }

    /// The model as it takes part in the run with seed `seed`, at place
    /// `index`: its streams are that run's streams 2 * index and 2 * index + 1.
    pub fn instance(
        &self,
        difficulty: Difficulty,
        wrong_variants: usize,
        seed: u64,
        index: u64,
    ) -> SimulatedLLM<'_> {
        SimulatedLLM {
            name: &self.name,
            easy_threshold: threshold_53(self.easy_error(difficulty)),
            hard_threshold: threshold_53(difficulty.hard_error),
            wrong_variants,
            error_stream: stream_seed(seed, 2 * index),
            variant_stream: stream_seed(seed, 2 * index + 1),
        }
    }
}

/// Which tasks of a run are hard. They are spread evenly through the run
/// rather than drawn: task t is hard when position t of the run's
/// golden-ratio sequence falls below the threshold of `hard_fraction` (see
/// `crate::rng::golden`), so any n tasks in a row hold `hard_fraction` * n
/// hard ones, give or take a few. Which tasks are hard changes nothing about
/// how the models answer them (their draws come from streams of their own);
/// spreading them evenly removes one source of noise from a measurement, and
/// lets the engine decide a task's difficulty with an addition, not a draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSource {
    pub hard_threshold: u64,
    /// Where the run's golden-ratio sequence starts.
    pub offset: u64,
}

/// The run's stream number for task difficulty, after those of the models.
const DIFFICULTY_STREAM: u64 = u64::MAX;

impl TaskSource {
    pub fn new(difficulty: Difficulty, seed: u64) -> TaskSource {
        TaskSource {
            hard_threshold: threshold_53(difficulty.hard_fraction),
            offset: stream_seed(seed, DIFFICULTY_STREAM),
        }
    }

    pub fn task(&self, id: u64) -> Task {
        let position = golden(self.offset, id);
        Task { id, hard: position >> 11 < self.hard_threshold }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(rate: f64) -> ModelSpec {
        ModelSpec { name: "m".to_string(), error_rate: rate }
    }

    #[test]
    fn thresholds_are_exact_at_the_ends() {
        assert_eq!(threshold_53(0.0), 0);
        assert_eq!(threshold_53(1.0), 1 << 53);
        assert_eq!(threshold_53(0.5), 1 << 52);
        // Every draw is below the threshold of 1, none below that of 0.
        let spec = model(1.0);
        let always = spec.instance(Difficulty::INDEPENDENT, 1, 5, 0);
        let zero = model(0.0);
        let never = zero.instance(Difficulty::INDEPENDENT, 1, 5, 0);
        for id in 0..10_000 {
            let task = Task { id, hard: false };
            assert_eq!(always.generate_code(task).answer, 1);
            assert!(never.generate_code(task).is_correct());
        }
    }

    #[test]
    fn answers_depend_on_the_task_alone() {
        // Asking in another order, or twice, gives the same answer.
        let spec = model(0.4);
        let m = spec.instance(Difficulty::INDEPENDENT, 5, 42, 1);
        let forward: Vec<Answer> = (0..500)
            .map(|id| m.generate_code(Task { id, hard: false }).answer)
            .collect();
        let backward: Vec<Answer> = (0..500)
            .rev()
            .map(|id| m.generate_code(Task { id, hard: false }).answer)
            .collect();
        assert!(forward.iter().eq(backward.iter().rev()));
        assert!(forward.iter().all(|&a| a <= 5));
        // Every variant from 1 to 5 turns up, and about 40% of answers are wrong.
        for variant in 1..=5 {
            assert!(forward.contains(&variant), "variant {variant}");
        }
        let wrong = forward.iter().filter(|&&a| a != CORRECT).count();
        assert!((160..=240).contains(&wrong), "{wrong} of 500");
    }

    #[test]
    fn models_of_one_run_draw_from_different_streams() {
        let spec = model(0.5);
        let [a, b] =
            [0, 1].map(|i| spec.instance(Difficulty::INDEPENDENT, 1, 7, i));
        let same = (0..1000)
            .filter(|&id| {
                let task = Task { id, hard: false };
                a.errs(task) == b.errs(task)
            })
            .count();
        // Independent coins agree about half the time; equal streams always.
        assert!((430..=570).contains(&same), "{same} of 1000");
    }

    #[test]
    fn the_share_of_hard_tasks_is_what_was_asked() {
        let d = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        let source = TaskSource::new(d, 3);
        let hard = (0..100_000).filter(|&id| source.task(id).hard).count();
        // 10,000 expected; random draws would stray by about 95.
        assert!((9_995..=10_005).contains(&hard), "{hard}");
        let none = TaskSource::new(Difficulty::INDEPENDENT, 3);
        assert!((0..10_000).all(|id| !none.task(id).hard));
    }

    #[test]
    fn hard_tasks_are_spread_evenly_through_any_stretch() {
        // From task 0, and from the first task of block 7 of the engine:
        // after every n tasks, the count of hard ones is within 6 of H * n.
        for seed in [0, 3, 42] {
            for h in [0.01, 0.1, 0.3, 0.5, 0.9] {
                let d = Difficulty { hard_fraction: h, hard_error: 0.0 };
                let source = TaskSource::new(d, seed);
                for start in [0, 7 << 16] {
                    let mut hard = 0u32;
                    for n in 1..=1_000_000u32 {
                        let id = start + u64::from(n) - 1;
                        hard += u32::from(source.task(id).hard);
                        let stray = (f64::from(hard) - h * f64::from(n)).abs();
                        assert!(stray <= 6.0, "H {h}, seed {seed}, n {n}");
                    }
                }
            }
        }
    }

    #[test]
    fn models_err_independently_given_the_difficulty() {
        // Hard tasks are chosen without a draw, by the run's golden-ratio
        // sequence; the models' draws must still be independent of it. On
        // each kind of task, each model errs at its rate, and each pair
        // errs together at the product of their rates (within 4.5 standard
        // deviations, over 300,000 tasks).
        let d = Difficulty { hard_fraction: 0.3, hard_error: 0.6 };
        let specs = [0.23, 0.25, 0.3].map(model);
        let models = [0, 1, 2].map(|i| specs[i].instance(d, 1, 11, i as u64));
        let source = TaskSource::new(d, 11);
        let mut tasks = [0u32; 2];
        let mut errors = [[0u32; 3]; 2];
        let mut both = [[0u32; 3]; 2];
        for id in 0..300_000 {
            let task = source.task(id);
            let kind = usize::from(task.hard);
            let erred = models.each_ref().map(|m| m.errs(task));
            tasks[kind] += 1;
            for i in 0..3 {
                errors[kind][i] += u32::from(erred[i]);
                both[kind][i] += u32::from(erred[i] && erred[(i + 1) % 3]);
            }
        }
        let near = |count: u32, n: u32, p: f64, what: &str| {
            let expected = p * f64::from(n);
            let sd = (expected * (1.0 - p)).sqrt();
            let stray = (f64::from(count) - expected).abs();
            assert!(stray <= 4.5 * sd, "{what}: {count} of {n}, p {p}");
        };
        for kind in 0..2 {
            let rate = |i: usize| {
                if kind == 1 { 0.6 } else { specs[i].easy_error(d) }
            };
            for i in 0..3 {
                let n = tasks[kind];
                near(errors[kind][i], n, rate(i), &format!("model {i}"));
                let pair = rate(i) * rate((i + 1) % 3);
                near(both[kind][i], n, pair, &format!("pair {i}"));
            }
        }
    }

    #[test]
    fn code_is_written_out_only_when_shown() {
        let task = Task { id: 7, hard: false };
        let right = CodeGenResult { model: "A", task, answer: CORRECT };
        let wrong = CodeGenResult { model: "A", task, answer: 3 };
        assert_eq!(
            right.code(),
            "fn task_7() { /* correct implementation */ }"
        );
        assert_eq!(wrong.code(), "fn task_7() { /* hallucinated bug #3 */ }");
    }
}
