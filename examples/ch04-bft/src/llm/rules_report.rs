//! The early rules' table (section 2.5 of `dual_model`): the fixed vote,
//! the cascade and ahead-by-k, exact and measured, side by side. It prints
//! what `rules_exact` and `rules_engine` computed, and computes nothing
//! itself.

use std::io::{self, Write};

use super::exact::wilson_interval;
use super::model::{Difficulty, ModelSpec};
use super::rules::Rule;
use super::rules_engine::rules_in_settings;
use super::rules_exact::{CallRates, RuleRates, gamblers_ruin, rule_rates};
use super::rules_sim::{
    AHEAD_MAX_CALLS, Callers, RuleCounts, RuleRow, exact_rules, rows,
};
use super::scaling::describe;
use crate::cli::heading;
use crate::format::{amount, percent};

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
            2 => amount(r.calls),
            _ => "-".to_string(),
        };
        let per_answer =
            early.calls_per_answer().map_or("never".to_string(), amount);
        writeln!(
            out,
            "  {:<18} {:>7} {:>7} {:>7} {:>5} {:>5} {:>5}",
            rule_label(row),
            percent(r.correct, 2),
            percent(r.rejected, 2),
            percent(r.silent, 2),
            all,
            amount(early.calls),
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
            amount(c.calls as f64 / c.tasks as f64),
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
    let difficulties = settings.map(|(_, difficulty)| difficulty);
    let measured =
        rules_in_settings(models, &difficulties, (k, seed), tasks, threads);
    for (i, ((name, _), (counts, _))) in
        settings.into_iter().zip(measured).enumerate()
    {
        if i == 0 {
            writeln!(out, "Measured, {tasks} tasks, % [95% Wilson interval]:")?;
            writeln!(
                out,
                "  {:<18} {:>16} {:>16} {:>4} {:>4}",
                "rule", "correct [95%]", "silent [95%]", "rej", "need"
            )?;
        }
        writeln!(out, "Measured, {name}:")?;
        print_rules_measured(out, &rows(), &counts)?;
    }
    Ok(())
}

/// Ahead by 3 without its cap, one model with every wrong answer alike:
/// what MAKER's rule, which has no cap, would give. With more wrong
/// answers there is no closed form, and the line is left out.
fn print_uncapped(out: &mut dyn Write, error: f64, k: usize) -> io::Result<()> {
    if k != 1 {
        return Ok(());
    }
    let (silent, calls) = gamblers_ruin(error, 3);
    writeln!(
        out,
        "Ahead by 3 with no cap (independent): silent {}, {} calls.",
        percent(silent, 2),
        amount(calls)
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
