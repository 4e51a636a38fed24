//! Majority votes over n models, n = 1 to 15: exact and measured.
//!
//! Condorcet's jury theorem: a majority of independent voters, each right
//! more often than not, grows more reliable with every voter added. Chen et
//! al. (`NeurIPS` 2024) showed that a mix of easy and hard tasks breaks this:
//! on a hard task the wrong answer is the likelier one, and more votes make
//! it more certain.

use super::lanes::{at_least, first_lanes, groups, hard_lanes};
use super::model::{Difficulty, ModelSpec, SimulatedLLM, TaskSource};
use crate::format::percent;
use crate::rng::stream_seed;

// ANCHOR: scaling
/// The error of a strict majority over n independent models that each err
/// with probability `e` (here any one rate, not the easy-task rate):
/// P(at most (n - 1) / 2 correct), for odd n.
pub fn majority_error(n: u32, e: f64) -> f64 {
    let mut coefficient = 1.0; // C(n, j), built up as j grows
    let mut error = 0.0;
    for j in 0..=(n - 1) / 2 {
        if j > 0 {
            coefficient *= f64::from(n - j + 1) / f64::from(j);
        }
        let (right, wrong) = (f64::from(j), f64::from(n - j));
        error += coefficient * (1.0 - e).powf(right) * e.powf(wrong);
    }
    error
}
// ANCHOR_END: scaling

/// The same under a difficulty mix: hard and easy tasks weighted by their
/// share. `None` when the mix cannot give an overall error of `e`.
pub fn majority_error_mixed(n: u32, e: f64, d: Difficulty) -> Option<f64> {
    let easy = d.easy_error(e)?;
    let hard = d.hard_fraction;
    Some(
        hard * majority_error(n, d.hard_error)
            + (1.0 - hard) * majority_error(n, easy),
    )
}

/// Model counts on the chart, and those that are also measured.
pub const ODD_N: [u32; 8] = [1, 3, 5, 7, 9, 11, 13, 15];
pub const MEASURED_N: [u32; 4] = [1, 5, 9, 15];
pub const SCALING_TASKS: u64 = 100_000;

/// A mix where more votes end up worse: on hard tasks the wrong answer is
/// the likelier one (Chen et al., 2024).
pub const FALLING_MIX: Difficulty =
    Difficulty { hard_fraction: 0.3, hard_error: 0.6 };

/// Measures the majority over `n` identical models under `d`: the number of
/// tasks without a correct majority. The run has a seed of its own, derived
/// from `seed` and `n`.
pub fn measure_majority(
    n: u32,
    e: f64,
    d: Difficulty,
    tasks: u64,
    seed: u64,
) -> u64 {
    with_identical_models(n, e, d, seed, |models, source| {
        let mut errors = 0;
        // 64 tasks at a time (see `lanes`): lanes where more than half erred.
        for (first, lanes) in groups(0..tasks) {
            let valid = first_lanes(lanes);
            let hard = hard_lanes(source, first, lanes);
            let erred =
                models.iter().map(|m| m.errs_in_group(first, hard, valid));
            let majority_wrong = at_least(erred, n / 2 + 1);
            errors += u64::from((majority_wrong & valid).count_ones());
        }
        errors
    })
}

/// `count` of the `n` identical models of `measure_majority`'s run, and its
/// tasks.
fn with_identical_models<T>(
    n: u32,
    e: f64,
    d: Difficulty,
    seed: u64,
    count: impl FnOnce(&[SimulatedLLM], &TaskSource) -> T,
) -> T {
    let run_seed = stream_seed(seed, 1_000 + u64::from(n));
    let spec = ModelSpec { name: String::from("identical"), error_rate: e };
    let models: Vec<_> =
        (0..u64::from(n)).map(|i| spec.instance(d, 1, run_seed, i)).collect();
    count(&models, &TaskSource::new(d, run_seed))
}

/// One line of the chart: exact errors at every `ODD_N`, measured at
/// `MEASURED_N`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub exact: Vec<f64>,
    pub measured: Vec<(u32, f64)>,
}

pub fn describe(d: Difficulty) -> String {
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

/// Curves for models of error `e`: independent, the `correlated` mix, and
/// `FALLING_MIX`; a mix that cannot give an overall error of `e` is left out.
pub fn scaling_curves(e: f64, correlated: Difficulty, seed: u64) -> Vec<Curve> {
    let mut mixes = vec![Difficulty::INDEPENDENT];
    for d in [correlated, FALLING_MIX] {
        // A mix without hard tasks is the independent curve, already there.
        if d.hard_fraction > 0.0
            && !mixes.contains(&d)
            && d.easy_error(e).is_some()
        {
            mixes.push(d);
        }
    }
    let measure = |n: u32, d: Difficulty| {
        let errors = measure_majority(n, e, d, SCALING_TASKS, seed);
        (n, errors as f64 / SCALING_TASKS as f64)
    };
    mixes
        .into_iter()
        .map(|d| Curve {
            label: describe(d),
            exact: ODD_N
                .iter()
                .filter_map(|&n| majority_error_mixed(n, e, d))
                .collect(),
            measured: MEASURED_N.iter().map(|&n| measure(n, d)).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `measure_majority` task by task: the plain loop it must match.
    fn measure_majority_plainly(
        n: u32,
        e: f64,
        d: Difficulty,
        tasks: u64,
        seed: u64,
    ) -> u64 {
        with_identical_models(n, e, d, seed, |models, source| {
            let mut errors = 0;
            for id in 0..tasks {
                let task = source.task(id);
                let correct: u32 =
                    models.iter().map(|m| u32::from(!m.errs(task))).sum();
                errors += u64::from(2 * correct < n);
            }
            errors
        })
    }

    #[test]
    fn the_majority_is_measured_as_the_plain_loop_measures_it() {
        for (n, tasks) in [(1, 1000), (5, 777), (9, 64), (15, 4097)] {
            for d in [Difficulty::INDEPENDENT, FALLING_MIX] {
                for seed in [0, 42] {
                    assert_eq!(
                        measure_majority(n, 0.3, d, tasks, seed),
                        measure_majority_plainly(n, 0.3, d, tasks, seed),
                        "n {n}, {d:?}, {tasks} tasks, seed {seed}"
                    );
                }
            }
        }
    }

    #[test]
    fn majority_error_closed_forms() {
        assert!((majority_error(1, 0.23) - 0.23).abs() < 1e-15);
        assert!(
            (majority_error(3, 0.23)
                - (3.0 * 0.23 * 0.23 * 0.77 + 0.23_f64.powi(3)))
            .abs()
                < 1e-15
        );
        assert!((majority_error(15, 0.5) - 0.5).abs() < 1e-12);
        for n in ODD_N {
            assert!(
                majority_error(n, 0.0) == 0.0
                    && (majority_error(n, 1.0) - 1.0).abs() < 1e-12,
                "n = {n}"
            );
        }
        // Independent: better with every pair of models added. FALLING_MIX: better
        // at first, then worse than a single model.
        let independent: Vec<f64> =
            ODD_N.iter().map(|&n| majority_error(n, 0.23)).collect();
        assert!(independent.windows(2).all(|w| w[1] < w[0]));
        let falling: Vec<f64> = ODD_N
            .iter()
            .map(|&n| majority_error_mixed(n, 0.23, FALLING_MIX).unwrap())
            .collect();
        assert!(
            falling[1] < falling[0] && falling[7] > falling[0],
            "{falling:?}"
        );
    }

    #[test]
    fn measured_majorities_lie_near_the_exact_ones() {
        let d = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        for mix in [Difficulty::INDEPENDENT, d, FALLING_MIX] {
            for n in MEASURED_N {
                let p = majority_error_mixed(n, 0.23, mix).unwrap();
                let measured =
                    measure_majority(n, 0.23, mix, 100_000, 42) as f64 / 1e5;
                let standard_error = (p * (1.0 - p) / 1e5).sqrt();
                assert!(
                    (measured - p).abs() <= 4.0 * standard_error,
                    "{mix:?}, n = {n}"
                );
            }
        }
    }

    #[test]
    fn curves_leave_out_what_cannot_be_drawn() {
        let with = |d: Difficulty, e: f64| scaling_curves(e, d, 1).len();
        assert_eq!(
            with(Difficulty { hard_fraction: 0.1, hard_error: 0.8 }, 0.23),
            3
        );
        // No hard tasks, or a mix that cannot give 5%: only the other curves.
        assert_eq!(
            with(Difficulty { hard_fraction: 0.0, hard_error: 0.8 }, 0.23),
            2
        );
        assert_eq!(
            with(Difficulty { hard_fraction: 0.01, hard_error: 0.5 }, 0.05),
            2
        );
        assert_eq!(describe(FALLING_MIX), "30% hard tasks, hard error 60%");
    }
}
