//! The tables of the simulation's report: each prints what the functions of
//! `exact`, `strategy` and `scaling` computed, and computes nothing itself.

use std::io::{self, Write};

use super::exact::{Rates, delivered, exact_rates, wilson_interval};
use super::scaling::{Curve, ODD_N, SCALING_TASKS};
use super::strategy::{Strategy, Tally};
use crate::format::{amount, compared, percent};

/// Tests 1 to 3: one model, two that must agree, a majority of three.
pub fn print_tests(
    out: &mut dyn Write,
    names: [&str; 3],
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    let titles = [
        format!("Test 1: single model ({})", names[0]),
        format!(
            "Test 2: dual model, both must be correct ({} + {})",
            names[0], names[1]
        ),
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
    writeln!(
        out,
        "   strategy                     calls   error rate   compared with single"
    )?;
    let errors = |s: usize| tally.tasks - tally.correct[s];
    for (s, strategy) in Strategy::ALL.into_iter().enumerate().take(3) {
        let error = errors(s) as f64 / n;
        writeln!(
            out,
            "   {:<27} {:>5}   {:>10}   {}",
            strategy.label(),
            strategy.calls(),
            percent(error, 2),
            if s == 0 {
                "baseline".to_string()
            } else {
                compared(errors(s), errors(0))
            }
        )?;
    }
    Ok(())
}

pub fn print_outcomes(
    out: &mut dyn Write,
    title: &str,
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(out, "{title}")?;
    writeln!(
        out,
        "   measured over {} tasks [95% Wilson interval] | exact",
        tally.tasks
    )?;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
        writeln!(
            out,
            "   {}, {} call(s) per task:",
            strategy.label(),
            strategy.calls()
        )?;
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

pub fn print_reconciliation(
    out: &mut dyn Write,
    rates: [f64; 3],
    exact: &[Rates; 4],
) -> io::Result<()> {
    let worst_case = exact_rates(rates, 1);
    writeln!(
        out,
        "Where the first draft's \"Dual ~5%\" and \"Triple ~2%\" come from:"
    )?;
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

pub fn print_delivered(
    out: &mut dyn Write,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(
        out,
        "Cost per delivered answer (exact; a rejected task is retried, independently):"
    )?;
    writeln!(
        out,
        "   strategy                    calls/try  accepted  calls/delivered  wrong delivered"
    )?;
    for (strategy, rates) in Strategy::ALL.into_iter().zip(exact) {
        let (calls, share) = match delivered(strategy, *rates) {
            Some(d) => (amount(d.calls), percent(d.silent_share, 2)),
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

pub fn print_scaling(
    out: &mut dyn Write,
    e: f64,
    curves: &[Curve],
) -> io::Result<()> {
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
    let header: Vec<String> = (1..=curves.len())
        .map(|i| format!("{:<18}", format!("curve {i}")))
        .collect();
    writeln!(out, "    n   {}", header.join(" ").trim_end())?;
    for (row, &n) in ODD_N.iter().enumerate() {
        let cells: Vec<String> = curves
            .iter()
            .map(|curve| {
                let exact = percent(curve.exact[row], 2);
                match curve.measured.iter().find(|&&(m, _)| m == n) {
                    Some(&(_, rate)) => {
                        format!("{exact:>6} | {:>6}", percent(rate, 2))
                    }
                    None => format!("{exact:>6}"),
                }
            })
            .map(|cell| format!("{cell:<18}"))
            .collect();
        writeln!(out, "   {n:>2}   {}", cells.join(" ").trim_end())?;
    }
    Ok(())
}
