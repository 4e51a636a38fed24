//! The tables of the simulation's report: each prints what the functions of
//! `exact`, `strategy` and `scaling` computed, and computes nothing itself.

use std::io::{self, Write};

use super::exact::{Rates, delivered, wilson_interval};
use super::scaling::{Curve, ODD_N, SCALING_TASKS};
use super::strategy::{Strategy, Tally};
use crate::format::{amount, compared, decimal, percent};

/// Tests 1 to 3: one model, two that must agree, a majority of three; the
/// error of each is every task not accepted as correct.
pub fn print_tests(
    out: &mut dyn Write,
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(
        out,
        "Error = not accepted as correct, measured on {} tasks:",
        tally.tasks
    )?;
    writeln!(
        out,
        "  {:<16} {:>5} {:>9} {:>7}  exact against single",
        "strategy", "calls", "measured", "exact"
    )?;
    let exact_error = |s: usize| 1.0 - exact[s].correct;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate().take(3) {
        let errors = tally.tasks - tally.correct[s];
        let measured = errors as f64 / tally.tasks as f64;
        let versus = if s == 0 {
            "baseline".to_string()
        } else {
            compared(exact_error(s), exact_error(0))
        };
        writeln!(
            out,
            "  {:<16} {:>5} {:>9} {:>7}  {versus}",
            strategy.short_label(),
            strategy.calls(),
            percent(measured, 2),
            percent(exact_error(s), 2),
        )?;
    }
    Ok(())
}

/// The worked example of the exact rates: dual agreement is correct only
/// when both models are.
pub fn print_worked_example(
    out: &mut dyn Write,
    [a, b, c]: [f64; 3],
    exact: &[Rates; 4],
) -> io::Result<()> {
    let both = exact[1].correct;
    let five = |x: f64| format!("{:.5}", x + 0.0);
    writeln!(out, "Worked example: dual agreement is correct when both are,")?;
    writeln!(
        out,
        "  (1 - {}) x (1 - {}) = {} x {} = {},",
        decimal(a),
        decimal(b),
        decimal(1.0 - a),
        decimal(1.0 - b),
        five(both),
    )?;
    writeln!(out, "  an error of {};", percent(1.0 - both, 2))?;
    // The triple majority is correct when all three are, or exactly two.
    let (ra, rb, rc) = (1.0 - a, 1.0 - b, 1.0 - c);
    let terms = [ra * rb * rc, a * rb * rc, ra * b * rc, ra * rb * c];
    writeln!(out, "the triple majority when all three are or exactly two:")?;
    let shown: Vec<String> = terms.iter().map(|&t| five(t)).collect();
    writeln!(out, "  {} = {},", shown.join(" + "), five(exact[2].correct))?;
    writeln!(out, "  an error of {}.", percent(1.0 - exact[2].correct, 2))
}

/// Silent errors, exact, for the same models in three settings.
pub fn print_silent_errors(
    out: &mut dyn Write,
    settings: [(&str, [Rates; 4]); 3],
) -> io::Result<()> {
    writeln!(
        out,
        "Silent errors (accepted and wrong), exact, in three settings:"
    )?;
    let titles: Vec<String> =
        settings.iter().map(|(title, _)| format!("{title:>12}")).collect();
    writeln!(out, "  {:<25}{}", "strategy", titles.join(""))?;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
        let cells: Vec<String> = settings
            .iter()
            .map(|(_, rates)| format!("{:>12}", percent(rates[s].silent, 2)))
            .collect();
        writeln!(out, "  {:<25}{}", strategy.label(), cells.join(""))?;
    }
    Ok(())
}

/// One strategy's three outcomes: each count as a rate of `trials`, with its
/// 95% Wilson interval, beside the reference rates (exact, or predicted).
pub fn print_outcome_rows(
    out: &mut dyn Write,
    counts: [u64; 3],
    trials: u64,
    reference: Rates,
) -> io::Result<()> {
    let outcomes = ["accepted and correct", "rejected", "silent error"];
    let reference = [reference.correct, reference.rejected, reference.silent];
    for ((outcome, count), reference) in
        outcomes.into_iter().zip(counts).zip(reference)
    {
        let (low, high) = wilson_interval(count, trials);
        writeln!(
            out,
            "      {outcome:<21} {:>7} [{:>7}, {:>7}] | {:>7}",
            percent(count as f64 / trials as f64, 2),
            percent(low, 2),
            percent(high, 2),
            percent(reference, 2)
        )?;
    }
    Ok(())
}

/// Each strategy's three outcomes, measured with their Wilson intervals,
/// beside the exact rates.
pub fn print_outcomes(
    out: &mut dyn Write,
    tally: &Tally,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(
        out,
        "Measured over {} tasks [95% Wilson interval] | exact:",
        tally.tasks
    )?;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
        writeln!(
            out,
            "   {}, {} call(s) per task:",
            strategy.label(),
            strategy.calls()
        )?;
        let counts = [tally.correct[s], tally.rejected[s], tally.silent(s)];
        print_outcome_rows(out, counts, tally.tasks, exact[s])?;
    }
    Ok(())
}

/// Calls per delivered answer, and the share of delivered answers that are
/// wrong, when every rejected task is asked again.
pub fn print_delivered(
    out: &mut dyn Write,
    exact: &[Rates; 4],
) -> io::Result<()> {
    writeln!(
        out,
        "Exact; a rejected task is asked again, each retry independent:"
    )?;
    writeln!(
        out,
        "  strategy                 calls accepted calls/answer  wrong"
    )?;
    for (strategy, rates) in Strategy::ALL.into_iter().zip(exact) {
        let (calls, share) = match delivered(strategy, *rates) {
            Some(d) => (amount(d.calls), percent(d.silent_share, 2)),
            None => ("never".to_string(), "-".to_string()),
        };
        writeln!(
            out,
            "  {:<25}{:>5} {:>8} {calls:>12} {share:>6}",
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
        "Majority of n models, each with error {} (error: no correct majority):",
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
