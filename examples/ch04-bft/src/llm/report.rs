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
/// majority row gives the fixed vote's calls ("all") and its cascade's
/// ("need"); an ahead-by row has only the second. The last column is the
/// calls per delivered answer of the rule that decides early.
pub fn print_rules_exact(
    out: &mut dyn Write,
    rows: &[RuleRow],
    exact: &[Vec<RuleRates>],
) -> io::Result<()> {
    for (row, rates) in rows.iter().zip(exact) {
        let r = rates[0];
        let early = rates[rates.len() - 1];
        let all = match rates.len() {
            2 => decimal_2(r.calls),
            _ => "-".to_string(),
        };
        let per_answer =
            early.calls_per_answer().map_or("never".to_string(), decimal_2);
        writeln!(
            out,
            "  {:<18} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5}",
            rule_label(row),
            percent(r.correct, 2),
            percent(r.rejected, 2),
            percent(r.silent, 2),
            all,
            decimal_2(early.calls),
            per_answer,
        )?;
    }
    Ok(())
}

/// The same rows measured: the correct and silent rates with their Wilson
/// intervals, in percent with one decimal, then the rejected rate and the
/// calls a task as needed.
pub fn print_rules_measured(
    out: &mut dyn Write,
    rows: &[RuleRow],
    counts: &[Vec<RuleCounts>],
) -> io::Result<()> {
    for (row, counts) in rows.iter().zip(counts) {
        let c = counts[counts.len() - 1];
        let pct = |x: f64| format!("{:.1}", 100.0 * x + 0.0);
        let cell = |hits: u64| {
            let (low, high) = wilson_interval(hits, c.tasks);
            format!(
                "{:>4} [{:>4},{:>4}]",
                pct(hits as f64 / c.tasks as f64),
                pct(low),
                pct(high)
            )
        };
        writeln!(
            out,
            "  {:<18} {} {} {:>4} {:>4}",
            rule_label(row),
            cell(c.correct),
            cell(c.silent),
            pct(c.rejected as f64 / c.tasks as f64),
            decimal_2(c.calls as f64 / c.tasks as f64),
        )?;
    }
    Ok(())
}

/// Who answers, what the rules and the columns are, and the header of the
/// exact table.
pub fn print_rules_header(out: &mut dyn Write, first: &str) -> io::Result<()> {
    let cap = AHEAD_MAX_CALLS;
    writeln!(
        out,
        "\"2 of 3\": a fixed vote of 3 calls, quorum 2; \"ahead by k\":"
    )?;
    writeln!(out, "call until one answer leads by k, or reject after {cap}.")?;
    writeln!(
        out,
        "\"1 model\": {first}, asked again and again. Calls a task:"
    )?;
    writeln!(
        out,
        "\"all\" for the fixed vote, \"need\" for its cascade or for"
    )?;
    writeln!(
        out,
        "ahead-by; \"ans\": calls per accepted answer, rejected tasks"
    )?;
    writeln!(out, "asked again.")?;
    writeln!(
        out,
        "  {:<18} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5}",
        "rule", "correct", "reject", "silent", "all", "need", "ans"
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
    print_uncapped(out, models[0].error_rate, k)?;
    print_hard_alone(out, correlated.hard_error, k)?;
    for (i, (name, difficulty)) in settings.into_iter().enumerate() {
        if i == 0 {
            writeln!(out, "Measured, {tasks} tasks, % [95% Wilson interval]:")?;
            writeln!(
                out,
                "  {:<18} {:>16} {:>16} {:>4} {:>4}",
                "rule", "correct [95%]", "silent [95%]", "rej", "need"
            )?;
        }
        writeln!(out, "Measured, {name}:")?;
        let counts = simulate_rules_parallel(
            models, difficulty, k, tasks, seed, threads,
        );
        print_rules_measured(out, &rows(), &counts)?;
    }
    Ok(())
}

/// Ahead by 3 without its cap, with independent errors: what MAKER's rule,
/// which has no cap, would give.
fn print_uncapped(out: &mut dyn Write, error: f64, k: usize) -> io::Result<()> {
    let one = CallRates::erring(error);
    let rule = Rule::AheadBy { lead: 3, max_calls: UNCAPPED };
    let r = rule_rates(rule, k, |_| one);
    writeln!(
        out,
        "Ahead by 3 with no cap (independent): silent {}, {} calls.",
        percent(r.silent, 2),
        decimal_2(r.calls)
    )
}

/// On the hard tasks alone, where a sample is wrong more often than right:
/// more samples make the wrong answer more certain, not less.
fn print_hard_alone(out: &mut dyn Write, q: f64, k: usize) -> io::Result<()> {
    let one = CallRates::erring(q);
    let silent = |rule| percent(rule_rates(rule, k, |_| one).silent, 1);
    let ahead = |lead| Rule::AheadBy { lead, max_calls: AHEAD_MAX_CALLS };
    writeln!(
        out,
        "Hard tasks alone, where a sample errs {}, silent:",
        silent(Rule::Fixed { voters: 1, quorum: 1 }),
    )?;
    writeln!(
        out,
        "  3 of 5 {}, ahead by 2 {}, ahead by 3 {}",
        silent(Rule::Fixed { voters: 5, quorum: 3 }),
        silent(ahead(2)),
        silent(ahead(3)),
    )
}

fn describe_setting(name: &str, difficulty: Difficulty) -> String {
    if difficulty.hard_fraction == 0.0 {
        name.to_string()
    } else {
        format!("{} (all samples of a task)", describe(difficulty))
    }
}

/// A cap far beyond any walk's length: what is left past it is below
/// 10^-12 for every rate the chapter uses.
const UNCAPPED: usize = 400;

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
