//! Exact outcome rates, the Wilson interval for measured ones, and the cost of
//! a delivered answer.
//!
//! When models err independently, each strategy's chance of accepting a
//! correct answer, rejecting, or accepting a wrong one has a closed form. The
//! simulation measures the same rates; a measured rate is shown with its 95%
//! Wilson score interval, the range of true rates it is consistent with.

use super::model::Difficulty;
use super::simulate::Run;
use super::strategy::Strategy;

// ANCHOR: exact
/// Probabilities of the three outcomes of a strategy; they add up to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub correct: f64,
    pub rejected: f64,
    pub silent: f64,
}

/// Exact rates, per strategy, for independent models that err with
/// probabilities `[a, b, c]`, a wrong answer being one of `k` variants.
pub fn exact_rates([a, b, c]: [f64; 3], k: usize) -> [Rates; 4] {
    let (ra, rb, rc) = (1.0 - a, 1.0 - b, 1.0 - c);
    let k = k as f64;
    // Two wrong answers agree with probability 1/k. Of three, some two
    // agree unless all differ: probability (k - 1)(k - 2) / k^2.
    let some_pair_agrees = 1.0 - (k - 1.0) * (k - 2.0) / (k * k);
    let two_wrong = a * b * rc + a * rb * c + ra * b * c;
    [
        Rates::new(ra, a),
        Rates::new(ra * rb, a * b / k),
        Rates::new(
            ra * rb * rc + a * rb * rc + ra * b * rc + ra * rb * c,
            two_wrong / k + a * b * c * some_pair_agrees,
        ),
        Rates::new(ra * rb * rc, a * b * c / (k * k)),
    ]
}
// ANCHOR_END: exact

impl Rates {
    pub fn new(correct: f64, silent: f64) -> Rates {
        // Clamped, so rounding never shows as a rejection rate of -0.00%.
        Rates { correct, rejected: (1.0 - correct - silent).max(0.0), silent }
    }

    pub fn mix(self, weight: f64, other: Rates) -> Rates {
        let blend = |x: f64, y: f64| weight * x + (1.0 - weight) * y;
        Rates {
            correct: blend(self.correct, other.correct),
            rejected: blend(self.rejected, other.rejected),
            silent: blend(self.silent, other.silent),
        }
    }
}

/// Exact rates under a difficulty mix: the hard and easy cases weighted by
/// their share, since the models err independently once the task's
/// difficulty is known.
pub fn exact_rates_mixed(run: &Run) -> [Rates; 4] {
    let d: Difficulty = run.difficulty;
    let hard = exact_rates([d.hard_error; 3], run.wrong_variants);
    let easy =
        exact_rates(run.models.map(|m| m.easy_error(d)), run.wrong_variants);
    [0, 1, 2, 3].map(|s| hard[s].mix(d.hard_fraction, easy[s]))
}

// ANCHOR: wilson
/// The 95% Wilson score interval of a proportion `hits / trials` (Wilson
/// 1927): the true rates p for which `hits` lies within 1.96 standard
/// deviations of `p * trials`. Unlike p ± 1.96 σ it stays inside [0, 1],
/// and it is not empty when `hits` is 0 or `trials`.
pub fn wilson_interval(hits: u64, trials: u64) -> (f64, f64) {
    const Z: f64 = 1.959_963_984_540_054; // the 97.5% normal quantile
    let n = trials as f64;
    let p = hits as f64 / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half =
        Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}
// ANCHOR_END: wilson

/// What a strategy costs per answer it delivers, when every rejected task is
/// asked again, each retry independent of the last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivered {
    /// Model calls per delivered answer: calls per try / P(accepted).
    pub calls: f64,
    /// The share of delivered answers that are wrong.
    pub silent_share: f64,
}

/// `None` when the strategy never accepts. When it accepts very rarely the
/// calls can exceed what an `f64` holds, and are then infinite.
pub fn delivered(strategy: Strategy, rates: Rates) -> Option<Delivered> {
    let accepted = rates.correct + rates.silent;
    (accepted > 0.0).then(|| Delivered {
        calls: strategy.calls() as f64 / accepted,
        silent_share: rates.silent / accepted,
    })
}

#[cfg(test)]
mod tests {
    use super::super::engine::simulate_parallel;
    use super::super::model::{Answer, CORRECT, ModelSpec};
    use super::super::strategy::Tally;
    use super::*;
    use crate::rng::SplitMix64;

    /// A run over `rates` with its own three models: measured and exact.
    fn tally(
        rates: [f64; 3],
        k: usize,
        d: Difficulty,
        tasks: u64,
        seed: u64,
    ) -> (Tally, [Rates; 4]) {
        let models = rates
            .map(|rate| ModelSpec { name: "m".to_string(), error_rate: rate });
        let run = Run {
            models: [&models[0], &models[1], &models[2]],
            difficulty: d,
            wrong_variants: k,
            tasks,
            seed,
        };
        (simulate_parallel(&run, 2), exact_rates_mixed(&run))
    }

    /// Every combination of answers, weighted by its probability, judged by `decide`.
    fn brute_force(errors: [f64; 3], k: usize) -> [Rates; 4] {
        let mut sums = [[0.0; 3]; 4];
        let p = |e: f64, answer: Answer| {
            if answer == CORRECT { 1.0 - e } else { e / k as f64 }
        };
        for a in 0..=k {
            for b in 0..=k {
                for c in 0..=k {
                    let weight =
                        p(errors[0], a) * p(errors[1], b) * p(errors[2], c);
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
        sums.map(|[correct, rejected, silent]| Rates {
            correct,
            rejected,
            silent,
        })
    }

    #[test]
    fn exact_rates_equal_a_brute_force_enumeration() {
        let mut rng = SplitMix64::new(2024);
        let mut draw =
            || (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0;
        for k in [1, 2, 3, 5, 8] {
            for _ in 0..20 {
                let errors = [draw(), draw(), draw()];
                let (exact, brute) =
                    (exact_rates(errors, k), brute_force(errors, k));
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
            (
                [0.23, 0.25, 0.30],
                1,
                Difficulty { hard_fraction: 0.1, hard_error: 0.8 },
            ),
            (
                [0.3, 0.35, 0.4],
                3,
                Difficulty { hard_fraction: 0.25, hard_error: 0.9 },
            ),
        ];
        let n = 100_000;
        // Seeds 0 to 4 put one of these 60 checks at 4.09 standard errors, a
        // 1-in-25,000 event that 60 checks meet about once in 400 seeds.
        for (seed, (rates, k, d)) in (2024..).zip(settings) {
            let (tally, exact) = tally(rates, k, d, n, seed);
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
                (measured - p).abs()
                    <= 4.0 * (p * (1.0 - p) / 100_000.0).sqrt(),
                "p = {p}: {measured}"
            );
        }
        assert_eq!(
            d.easy_error(0.05),
            None,
            "0.1 x 0.8 = 0.08 of hard errors alone exceeds 0.05"
        );
    }

    #[test]
    fn the_default_rates_give_the_figures_the_chapter_explains() {
        let rates = exact_rates([0.23, 0.25, 0.30], 1);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-15;
        // Silent errors of dual agreement and of unanimity, with K = 1: the
        // products that the "about 5%" and "about 2%" claims count.
        assert!(close(rates[1].silent, 0.23 * 0.25), "{}", rates[1].silent);
        assert!(
            close(rates[3].silent, 0.23 * 0.25 * 0.30),
            "{}",
            rates[3].silent
        );
        // Tasks not accepted as correct.
        assert!(close(1.0 - rates[0].correct, 0.23));
        assert!(close(1.0 - rates[1].correct, 1.0 - 0.77 * 0.75));
        assert!(
            close(1.0 - rates[2].correct, 0.167),
            "{}",
            1.0 - rates[2].correct
        );
        let dual = delivered(Strategy::DualAgreement, rates[1]).unwrap();
        assert!((dual.calls - 2.0 / 0.635).abs() < 1e-12);
        assert!((dual.silent_share - 0.0575 / 0.635).abs() < 1e-12);
    }

    #[test]
    fn a_strategy_that_never_accepts_has_no_cost_per_delivery() {
        assert_eq!(
            delivered(Strategy::DualAgreement, Rates::new(0.0, 0.0)),
            None
        );
        // Accepted with a positive but tiny probability: 2 / 1e-310 overflows.
        let tiny = delivered(Strategy::DualAgreement, Rates::new(0.0, 1e-310));
        assert!(tiny.unwrap().calls.is_infinite());
        let rare =
            delivered(Strategy::Single, Rates::new(0.0, 1e-300)).unwrap();
        assert!(
            rare.calls.is_finite() && (rare.silent_share - 1.0).abs() < 1e-15
        );
    }

    #[test]
    fn wilson_interval_known_values() {
        let (low, high) = wilson_interval(0, 1000);
        assert!(
            low.abs() < 1e-15 && (high - 0.003_826_8).abs() < 1e-6,
            "{low} {high}"
        );
        let (low, high) = wilson_interval(500, 1000);
        assert!(
            (low - 0.469_1).abs() < 1e-4 && (high - 0.530_9).abs() < 1e-4,
            "{low} {high}"
        );
        assert!(wilson_interval(1000, 1000).1 >= 1.0);
    }
}
