//! `dual_model --bench N`: model calls per second of the engine, and of the
//! rules of section 2.5 on their engine, beside a bare generator loop that
//! does nothing but draw and compare. Timings vary with
//! the machine and its load, so they never appear in the book; the README
//! keeps measured figures, with the machine named.

use std::io::{self, Write};
use std::time::Instant;

use super::engine::simulate_parallel;
use super::model::{Difficulty, ModelSpec, threshold_53};
use super::rules_engine::rules_in_settings;
use super::rules_sim::RuleCounts;
use super::scaling::describe;
use super::simulate::Run;
use super::strategy::Tally;
use crate::rng::SplitMix64;
use crate::threads::all_at_once;

/// Interleaved rounds; each measurement keeps its best. On a shared machine the
/// best round is the one least disturbed by others.
pub const ROUNDS: usize = 10;

/// What the report says of a build that is not optimised.
const DEBUG: &str = "a debug build: use --release";

/// Seconds that `work` takes.
fn seconds(work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_secs_f64()
}

/// Three generators, one draw and one threshold test per call, the errors
/// summed: no tasks, answers or counts. On `threads` threads, in equal shares
/// (they add up to `tasks` exactly), it shows how far the cores scale at all.
/// A share whose thread cannot be started runs on the calling thread.
fn bare_loop(tasks: u64, threads: usize, seed: u64, threshold: u64) {
    let shares = threads as u64;
    all_at_once(threads, |share| {
        let t = share as u64;
        let mut rngs = [0, 1, 2].map(|i| SplitMix64::new(seed ^ (3 * t + i)));
        let mut wrong = 0;
        for _ in tasks * t / shares..tasks * (t + 1) / shares {
            for rng in &mut rngs {
                wrong += u64::from(rng.next_u64() >> 11 < threshold);
            }
        }
        std::hint::black_box(wrong);
    });
}

/// The engine's three paths: one wrong variant, three, and hard tasks.
fn paths<'a>(base: &Run<'a>, correlated: Difficulty) -> Vec<(String, Run<'a>)> {
    let mut paths = vec![
        ("K = 1".to_string(), base.clone()),
        ("K = 3".to_string(), Run { wrong_variants: 3, ..base.clone() }),
    ];
    if correlated.hard_fraction > 0.0 {
        let label = format!("K = 1, {}", describe(correlated));
        paths.push((label, Run { difficulty: correlated, ..base.clone() }));
    }
    paths
}

/// Times the bare loop and each path on one thread and on `threads`.
pub fn bench(
    models: [&ModelSpec; 3],
    seed: u64,
    correlated: Difficulty,
    threads: usize,
    tasks: u64,
    out: &mut dyn Write,
) -> io::Result<()> {
    let default_run = Run {
        models,
        difficulty: Difficulty::INDEPENDENT,
        wrong_variants: 1,
        tasks,
        seed,
    };
    let paths = paths(&default_run, correlated);
    let threshold = threshold_53(models[0].error_rate);
    let mut best = vec![[f64::INFINITY; 2]; 2 + paths.len()];
    let mut tallies: Vec<Vec<Tally>> = vec![Vec::new(); paths.len()];
    let specs: Vec<ModelSpec> = models.iter().map(|&m| m.clone()).collect();
    let mut rules: Vec<Vec<(Vec<Vec<RuleCounts>>, u64)>> = Vec::new();
    // Section 2.5 measures its two settings together.
    let settings = [Difficulty::INDEPENDENT, correlated];
    for _ in 0..ROUNDS {
        for (t, threads) in [1, threads].into_iter().enumerate() {
            let time = seconds(|| bare_loop(tasks, threads, seed, threshold));
            best[0][t] = best[0][t].min(time);
            for (p, (_, run)) in paths.iter().enumerate() {
                let time = seconds(|| {
                    tallies[p].push(simulate_parallel(run, threads));
                });
                best[p + 1][t] = best[p + 1][t].min(time);
            }
            let run = || {
                rules_in_settings(&specs, &settings, (1, seed), tasks, threads)
            };
            let time = seconds(|| rules.push(run()));
            best[paths.len() + 1][t] = best[paths.len() + 1][t].min(time);
        }
    }
    let calls = 3.0 * tasks as f64;
    // The rules draw more answers a task than the strategies' three: their
    // rate counts every answer drawn, in both settings.
    let answers: u64 =
        rules.first().map_or(0, |run| run.iter().map(|r| r.1).sum());
    let rate = |time: f64| calls / time;
    let build = if cfg!(debug_assertions) { DEBUG } else { "release build" };
    writeln!(
        out,
        "Benchmark: {tasks} tasks, 3 model calls each, all four strategies counted;"
    )?;
    writeln!(out, "best of {ROUNDS} interleaved rounds, {build}")?;
    writeln!(
        out,
        "the rules of 2.5 draw {:.2} answers a task in each of its {} settings",
        answers as f64 / (settings.len() as u64 * tasks.max(1)) as f64,
        settings.len()
    )?;
    let on = |n: usize| {
        if n == 1 { "1 thread".to_string() } else { format!("{n} threads") }
    };
    let bare = rate(best[0][0]);
    let mut rows = vec![
        ("bare generator loop".to_string(), 1, bare, String::new()),
        (
            "bare generator loop".to_string(),
            threads,
            rate(best[0][1]),
            format!(" ({:.2}x)", best[0][0] / best[0][1]),
        ),
    ];
    let labels = paths.iter().map(|(label, _)| format!("simulation {label}"));
    let labels = labels.chain(["rules of 2.5, K = 1, both".to_string()]);
    for (p, simulation) in labels.enumerate() {
        let [one, all] = best[p + 1];
        let rate = |time: f64| {
            if p == paths.len() { answers as f64 / time } else { rate(time) }
        };
        rows.push((
            simulation.clone(),
            1,
            rate(one),
            format!(" ({:.2} of the bare loop)", rate(one) / bare),
        ));
        rows.push((
            simulation,
            threads,
            rate(all),
            format!(" ({:.2}x one thread)", one / all),
        ));
    }
    for (what, threads, per_sec, note) in rows {
        let label = format!("{what}, {}:", on(threads));
        writeln!(
            out,
            "   {label:<58} {:>5.0} million calls/s{note}",
            per_sec / 1e6
        )?;
    }
    let identical =
        tallies.iter().all(|runs| runs.windows(2).all(|w| w[0] == w[1]))
            && rules.windows(2).all(|w| w[0] == w[1]);
    let runs: usize = tallies.iter().map(Vec::len).sum::<usize>() + rules.len();
    writeln!(
        out,
        "   each path's counts identical in all its runs ({runs} runs): {identical}"
    )
}

#[cfg(test)]
mod tests {
    use super::super::engine::BLOCK_TASKS;
    use super::*;

    #[test]
    fn bench_reports_every_measurement_and_identical_counts() {
        // Timings vary, so this checks the report's shape and the counts, not speed.
        let specs = [0.23, 0.25, 0.3]
            .map(|r| ModelSpec { name: "m".into(), error_rate: r });
        let models = [&specs[0], &specs[1], &specs[2]];
        let correlated = Difficulty { hard_fraction: 0.1, hard_error: 0.8 };
        let mut out = Vec::new();
        bench(models, 42, correlated, 3, 3 * BLOCK_TASKS + 5, &mut out)
            .unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 14, "{out}");
        let drawn: f64 = lines[2]
            .strip_prefix("the rules of 2.5 draw ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"));
        // Eight a task, and the walks' samples: at most 25 in all.
        assert!((8.0..=25.0).contains(&drawn), "{out}");
        assert!(
            lines[0].starts_with("Benchmark: 196613 tasks, 3 model calls each")
        );
        let labels = [
            "bare generator loop, 1 thread:",
            "bare generator loop, 3 threads:",
            "simulation K = 1, 1 thread:",
            "simulation K = 1, 3 threads:",
            "simulation K = 3, 1 thread:",
            "simulation K = 3, 3 threads:",
            "simulation K = 1, 10% hard tasks, hard error 80%, 1 thread:",
            "simulation K = 1, 10% hard tasks, hard error 80%, 3 threads:",
            "rules of 2.5, K = 1, both, 1 thread:",
            "rules of 2.5, K = 1, both, 3 threads:",
        ];
        for (line, label) in lines[3..13].iter().zip(labels) {
            let rate = line
                .trim()
                .strip_prefix(label)
                .unwrap_or_else(|| panic!("{line}"));
            let millions: f64 =
                rate.split_whitespace().next().unwrap().parse().unwrap();
            assert!(millions.is_finite() && millions >= 0.0, "{line}");
        }
        assert_eq!(
            lines[13],
            "   each path's counts identical in all its runs (80 runs): true"
        );
    }
}
