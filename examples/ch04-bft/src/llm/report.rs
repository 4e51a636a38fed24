//! The tables of the simulation's report: each prints what the functions of
//! `exact`, `strategy` and `scaling` computed, and computes nothing itself.

use std::io::{self, Write};

use super::exact::{Rates, delivered, wilson_interval};
use super::model::{Difficulty, ModelSpec};
use super::rules::Rule;
use super::rules_engine::simulate_rules_parallel;
use super::rules_exact::{CallRates, RuleRates, rule_rates};
use super::rules_sim::{
    AHEAD_MAX_CALLS, Callers, RuleCounts, RuleRow, exact_rules, rows,
};
use super::scaling::describe;
use super::scaling::{Curve, ODD_N, SCALING_TASKS};
use super::strategy::{Strategy, Tally};
use crate::cli::heading;
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
        "Error = not accepted as correct, measured on {} tasks | exact:",
        tally.tasks
    )?;
    writeln!(
        out,
        "   strategy                   calls   error rate | exact   vs single"
    )?;
    let errors = |s: usize| tally.tasks - tally.correct[s];
    for (s, strategy) in Strategy::ALL.into_iter().enumerate().take(3) {
        let measured = errors(s) as f64 / tally.tasks as f64;
        let versus = if s == 0 {
            "baseline".to_string()
        } else {
            compared(errors(s), errors(0))
        };
        writeln!(
            out,
            "   {:<25} {:>5}   {:>10} | {:>6}   {versus}",
            strategy.short_label(),
            strategy.calls(),
            percent(measured, 2),
            percent(1.0 - exact[s].correct, 2),
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
    writeln!(
        out,
        "Worked example: dual agreement is correct when both models are,"
    )?;
    writeln!(
        out,
        "   (1 - {}) x (1 - {}) = {} x {} = {}, an error of {}",
        decimal(a),
        decimal(b),
        decimal(1.0 - a),
        decimal(1.0 - b),
        decimal(both),
        percent(1.0 - both, 2)
    )?;
    // The triple majority is correct when all three are, or exactly two.
    let (ra, rb, rc) = (1.0 - a, 1.0 - b, 1.0 - c);
    let terms = [ra * rb * rc, a * rb * rc, ra * b * rc, ra * rb * c];
    writeln!(out, "and the triple majority when at least two are:")?;
    let shown: Vec<String> = terms.iter().map(|&t| decimal(t)).collect();
    writeln!(
        out,
        "   {} = {}, an error of {}",
        shown.join(" + "),
        decimal(exact[2].correct),
        percent(1.0 - exact[2].correct, 2)
    )
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
        settings.iter().map(|(title, _)| format!("{title:>13}")).collect();
    writeln!(out, "   strategy                  {}", titles.join(""))?;
    for (s, strategy) in Strategy::ALL.into_iter().enumerate() {
        let cells: Vec<String> = settings
            .iter()
            .map(|(_, rates)| format!("{:>13}", percent(rates[s].silent, 2)))
            .collect();
        writeln!(out, "   {:<25} {}", strategy.label(), cells.join(""))?;
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
        "   strategy                  calls  accepted  calls/answer   wrong"
    )?;
    for (strategy, rates) in Strategy::ALL.into_iter().zip(exact) {
        let (calls, share) = match delivered(strategy, *rates) {
            Some(d) => (amount(d.calls), percent(d.silent_share, 2)),
            None => ("never".to_string(), "-".to_string()),
        };
        writeln!(
            out,
            "   {:<25} {:>5}  {:>8}  {calls:>12}  {share:>6}",
            strategy.label(),
            strategy.calls(),
            percent(rates.correct + rates.silent, 2)
        )?;
    }
    Ok(())
}

/// A row's name: who answers, and the rule ("1 model ahead by 2").
fn rule_label(row: &RuleRow) -> String {
    let who = match row.callers {
        Callers::ThreeModels => "3 models",
        Callers::FirstModel => "1 model",
    };
    match row.rules[0] {
        Rule::Fixed { voters, quorum } | Rule::Cascade { voters, quorum } => {
            format!("{who} {quorum} of {voters}")
        }
        Rule::AheadBy { lead, .. } => format!("{who} ahead by {lead}"),
    }
}

/// The rules side by side, in one setting: exact rates and calls. A
/// majority row gives the fixed vote's calls and its cascade's; an
/// ahead-by row has only the second.
pub fn print_rules_exact(
    out: &mut dyn Write,
    rows: &[RuleRow],
    exact: &[Vec<RuleRates>],
) -> io::Result<()> {
    for (row, rates) in rows.iter().zip(exact) {
        let r = rates[0];
        let per_answer = |rates: &RuleRates| {
            rates.calls_per_answer().map_or("never".to_string(), decimal_2)
        };
        let both = |f: &dyn Fn(&RuleRates) -> String| match rates.len() {
            2 => format!("{}/{}", f(&rates[0]), f(&rates[1])),
            _ => format!("-/{}", f(&rates[0])),
        };
        writeln!(
            out,
            "   {:<19} {:>7} {:>8} {:>7} {:>11} {:>11}",
            rule_label(row),
            percent(r.correct, 2),
            percent(r.rejected, 2),
            percent(r.silent, 2),
            both(&|r| decimal_2(r.calls)),
            both(&per_answer),
        )?;
    }
    Ok(())
}

/// The same rows measured: each rate with its Wilson interval, in percent
/// with one decimal, and the calls a task as needed.
pub fn print_rules_measured(
    out: &mut dyn Write,
    rows: &[RuleRow],
    counts: &[Vec<RuleCounts>],
) -> io::Result<()> {
    for (row, counts) in rows.iter().zip(counts) {
        let c = counts[counts.len() - 1];
        let cell = |hits: u64| {
            let (low, high) = wilson_interval(hits, c.tasks);
            let pct = |x: f64| format!("{:.1}", 100.0 * x + 0.0);
            format!(
                "{:>4} [{:>4},{:>4}]",
                pct(hits as f64 / c.tasks as f64),
                pct(low),
                pct(high)
            )
        };
        writeln!(
            out,
            "   {:<19} {} {} {} {:>5}",
            rule_label(row),
            cell(c.correct),
            cell(c.rejected),
            cell(c.silent),
            decimal_2(c.calls as f64 / c.tasks as f64),
        )?;
    }
    Ok(())
}

/// Who answers, and the header of the exact table.
pub fn print_rules_header(out: &mut dyn Write, first: &str) -> io::Result<()> {
    writeln!(
        out,
        "1 model: {first}, asked again and again; ahead by k rejects after {AHEAD_MAX_CALLS} calls."
    )?;
    writeln!(
        out,
        "   rule                correct rejected  silent  calls: all/needed  per answer"
    )
}

/// Section 2.5: the fixed vote, the cascade and ahead-by-k, exact and
/// simulated, with independent errors and with hard tasks.
pub fn print_rules_section(
    out: &mut dyn Write,
    models: &[ModelSpec],
    correlated: Difficulty,
    k: usize,
    tasks: u64,
    seed: u64,
    threads: usize,
) -> io::Result<()> {
    heading(out, "2.5 Decide as soon as the answer is known")?;
    print_rules_header(out, &models[0].name)?;
    let settings = [
        ("independent errors", Difficulty::INDEPENDENT),
        ("with hard tasks", correlated),
    ];
    for (name, difficulty) in settings {
        writeln!(out, "Exact, {}:", describe_setting(name, difficulty))?;
        let exact = exact_rules(models, difficulty, k);
        print_rules_exact(out, &rows(), &exact)?;
    }
    print_hard_alone(out, correlated.hard_error, k)?;
    for (i, (name, difficulty)) in settings.into_iter().enumerate() {
        if i == 0 {
            writeln!(
                out,
                "Measured, {tasks} tasks, % [95% Wilson interval]; {name}:"
            )?;
        } else {
            writeln!(out, "Measured, {name}:")?;
        }
        let counts = simulate_rules_parallel(
            models, difficulty, k, tasks, seed, threads,
        );
        print_rules_measured(out, &rows(), &counts)?;
    }
    Ok(())
}

/// On the hard tasks alone, where a sample is wrong more often than right:
/// more samples make the wrong answer more certain, not less.
fn print_hard_alone(out: &mut dyn Write, q: f64, k: usize) -> io::Result<()> {
    let one = CallRates::erring(q);
    let silent = |rule| percent(rule_rates(rule, k, |_| one).silent, 1);
    let ahead = |lead| Rule::AheadBy { lead, max_calls: AHEAD_MAX_CALLS };
    writeln!(
        out,
        "Hard tasks alone, silent: 1 call {}, 3 of 5 {}, ahead by 2 {}, 3 {}",
        silent(Rule::Fixed { voters: 1, quorum: 1 }),
        silent(Rule::Fixed { voters: 5, quorum: 3 }),
        silent(ahead(2)),
        silent(ahead(3)),
    )
}

fn describe_setting(name: &str, difficulty: Difficulty) -> String {
    if difficulty.hard_fraction == 0.0 {
        name.to_string()
    } else {
        format!(
            "{}, samples sharing the task's difficulty",
            describe(difficulty)
        )
    }
}

/// `value` with two decimals.
fn decimal_2(value: f64) -> String {
    format!("{value:.2}")
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
