//! The evaluation's report: each model's error rate with its Wilson
//! interval, each pair's errors together against independence, and each
//! quorum strategy measured beside its prediction for independent models.
//! It prints what `evaluate::Tally` summed, and computes only rates.

use std::io::{self, Write};

use super::super::exact::{Rates, wilson_interval};
use super::super::report::print_outcome_rows;
use super::evaluate::{CallStats, Tally, early_rules, strategies};
use super::vote::Settings;
use crate::format::{decimal, percent};
use crate::llm::model::ModelSpec;
use crate::llm::rules::Rule;
use crate::llm::rules_exact::{CallRates, RuleRates, rule_rates};

/// Short names for the models: the last word of each command, without its
/// folder and extension, when those are distinct and plain; M1, M2 ... when not.
pub fn model_names(commands: &[String]) -> Vec<String> {
    let short = |command: &String| {
        let word = command.split_whitespace().last().unwrap_or("");
        let base = word.rsplit('/').next().unwrap_or(word);
        let stem = base.split('.').next().unwrap_or(base);
        stem.chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
            .collect()
    };
    let names: Vec<String> = commands.iter().map(short).collect();
    let distinct = names.iter().enumerate().all(|(i, name)| {
        !name.is_empty() && names.iter().skip(i + 1).all(|other| other != name)
    });
    if distinct {
        names
    } else {
        (1..=commands.len()).map(|i| format!("M{i}")).collect()
    }
}

/// The evaluation's report: deterministic, so it goes to stdout. A report
/// decided again from a log names the log.
pub fn report(
    out: &mut dyn Write,
    settings: &Settings,
    source: &str,
    rescored_from: Option<&str>,
    tally: &Tally,
) -> io::Result<()> {
    let n = settings.commands.len();
    let tasks = tally.tasks;
    let names = &settings.names;
    let width = name_width(names, "model");
    writeln!(out, "Cross-checking {n} command(s) on {tasks} tasks")?;
    writeln!(out, "Answers read as {}", settings.reading.describe())?;
    writeln!(out, "Tasks: {source}")?;
    if let Some(log) = rescored_from {
        writeln!(out, "Rescored from {log}: no call made")?;
    }
    writeln!(
        out,
        "(a call abstains if it times out, fails, prints too much, has"
    )?;
    writeln!(out, "no answer that can be read, or fails the check)")?;
    writeln!(out)?;
    writeln!(out, "Models (error: not correct; 95% Wilson interval):")?;
    writeln!(
        out,
        "  {:<width$} correct  wrong  abstained  error rate [95%]",
        "model"
    )?;
    let mut rates = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let [correct, wrong, abstained] = tally.per_model[i];
        let (low, high) = wilson_interval(tasks - correct, tasks);
        let rate = (tasks - correct) as f64 / tasks as f64;
        rates
            .push((correct as f64 / tasks as f64, wrong as f64 / tasks as f64));
        writeln!(
            out,
            "  {name:<width$} {correct:>7} {wrong:>6} {abstained:>10}  {:>6} [{:>6},{:>6}]",
            percent(rate, 2),
            percent(low, 2),
            percent(high, 2)
        )?;
    }
    writeln!(out)?;
    print_abstentions(out, names, &tally.calls)?;
    writeln!(out)?;
    print_pairs(out, names, tally, &rates)?;
    writeln!(out)?;
    print_strategies(out, names, tally, &rates)?;
    print_early(out, tally, &rates)?;
    writeln!(out)?;
    // The line must run as typed: names the simulation takes, and that a
    // shell leaves alone; M1, M2 ... otherwise.
    let plain = |name: &String| {
        name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    let mut models = models_flag(names, &rates);
    if n >= 3
        && (!names.iter().all(plain) || ModelSpec::parse_list(&models).is_err())
    {
        let numbered: Vec<String> = (1..=n).map(|i| format!("M{i}")).collect();
        models = models_flag(&numbered, &rates);
    }
    if n >= 3 {
        // The simulation assumes independent models with these rates.
        writeln!(out, "Simulate them:")?;
        writeln!(out, "dual_model --models {models}")
    } else {
        writeln!(
            out,
            "The simulation needs three models; with a third command, this"
        )?;
        writeln!(out, "line would give its --models flag ({models}).")
    }
}

/// The value of `--models` for these names and (correct, wrong) rates.
fn models_flag(names: &[String], rates: &[(f64, f64)]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .zip(rates)
        .map(|(name, (correct, _))| {
            format!("{name}={}", decimal(1.0 - correct))
        })
        .collect();
    pairs.join(",")
}

/// The width of a column of `names` under `header`: never cut.
fn name_width(names: &[String], header: &str) -> usize {
    names
        .iter()
        .map(|name| name.chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
}

/// Why calls gave no vote, command by command, with the last stderr line
/// of each command's most common reason: the same for the same answers,
/// so it is on stdout.
fn print_abstentions(
    out: &mut dyn Write,
    names: &[String],
    calls: &[CallStats],
) -> io::Result<()> {
    let width = name_width(names, "model");
    writeln!(out, "Abstentions by reason:")?;
    for (name, stats) in names.iter().zip(calls) {
        let reasons: Vec<String> = stats
            .abstained
            .iter()
            .map(|(reason, (count, _))| format!("{count} {reason}"))
            .collect();
        let reasons = if reasons.is_empty() {
            "none".to_string()
        } else {
            reasons.join(", ")
        };
        writeln!(out, "  {name:<width$}  {reasons}")?;
        // The most common reason (the first in order of its name on a tie).
        let common =
            stats.abstained.iter().rev().max_by_key(|(_, (count, _))| *count);
        if let Some((reason, (_, Some((line, text))))) = common {
            writeln!(
                out,
                "  {:<width$}  {reason}, stderr (task line {line}): {text}",
                ""
            )?;
        }
    }
    Ok(())
}

/// Each command's calls and their median and 95th-percentile time: times
/// vary from run to run, so this goes with the run's time, on stderr.
pub fn print_times(
    out: &mut dyn Write,
    names: &[String],
    calls: &[CallStats],
) -> io::Result<()> {
    let width = name_width(names, "model");
    writeln!(
        out,
        "   {:<width$}  calls   median      p95   attempts retried",
        "model"
    )?;
    for (name, stats) in names.iter().zip(calls) {
        writeln!(
            out,
            "   {name:<width$} {:>6} {:>6.3} s {:>6.3} s   {:>16}",
            stats.micros.len(),
            stats.percentile_seconds(50),
            stats.percentile_seconds(95),
            stats.retried,
        )?;
    }
    Ok(())
}

fn print_pairs(
    out: &mut dyn Write,
    names: &[String],
    tally: &Tally,
    rates: &[(f64, f64)],
) -> io::Result<()> {
    if names.len() < 2 {
        return Ok(());
    }
    let tasks = tally.tasks as f64;
    writeln!(
        out,
        "Pairs: both wrong, against what independence predicts; and when"
    )?;
    writeln!(
        out,
        "both are wrong, how often they give the same wrong answer:"
    )?;
    let pairs_shown: Vec<String> = (0..names.len())
        .flat_map(|i| (i + 1..names.len()).map(move |j| (i, j)))
        .map(|(i, j)| format!("{}, {}", names[i], names[j]))
        .collect();
    let width = name_width(&pairs_shown, "pair");
    writeln!(
        out,
        "  {:<width$} both wrong  independent  same wrong answer",
        "pair"
    )?;
    let mut pairs = tally.pairs.iter();
    for i in 0..names.len() {
        for j in i + 1..names.len() {
            let [both, same] = pairs.next().copied().unwrap_or_default();
            let share = if both == 0 {
                "-".to_string()
            } else {
                format!(
                    "{same} of {both} ({})",
                    percent(same as f64 / both as f64, 0)
                )
            };
            let pair = format!("{}, {}", names[i], names[j]);
            writeln!(
                out,
                "  {pair:<width$} {:>10}  {:>11}  {share}",
                percent(both as f64 / tasks, 2),
                percent(rates[i].1 * rates[j].1, 2)
            )?;
        }
    }
    Ok(())
}

fn print_strategies(
    out: &mut dyn Write,
    names: &[String],
    tally: &Tally,
    rates: &[(f64, f64)],
) -> io::Result<()> {
    let tasks = tally.tasks;
    writeln!(
        out,
        "Strategies: measured [95% Wilson interval] | predicted if the"
    )?;
    writeln!(
        out,
        "models erred independently with the rates above, every wrong"
    )?;
    writeln!(out, "answer alike (K = 1):")?;
    for ((label, strategy), counts) in
        strategies(names.len()).into_iter().zip(&tally.strategies)
    {
        let Rule::Fixed { voters, quorum } = strategy else { continue };
        let exact = predicted(strategy, rates);
        let predicted = Rates::new(exact.correct, exact.silent);
        let who = names[..voters].join(", ");
        writeln!(out, "  {label}, {quorum} of {voters} ({who}):")?;
        let measured = [counts.correct, counts.rejected, counts.silent];
        print_outcome_rows(out, measured, tasks, predicted)?;
    }
    writeln!(out, "The gap between the columns is what correlated errors cost.")
}

/// The early rules on the recorded answers, taken in command order as if
/// the calls had been made one after another: what each would have
/// decided, and the calls it would have paid for, beside the prediction
/// for independent models with the measured rates (K = 1).
fn print_early(
    out: &mut dyn Write,
    tally: &Tally,
    rates: &[(f64, f64)],
) -> io::Result<()> {
    let rules = early_rules(rates.len());
    if rules.is_empty() {
        return Ok(());
    }
    let tasks = tally.tasks as f64;
    writeln!(out)?;
    writeln!(
        out,
        "Deciding early from these answers, in command order; ahead by k"
    )?;
    writeln!(
        out,
        "stops after {} calls, one per command (rest: rejected):",
        rates.len()
    )?;
    writeln!(out, "Each cell: measured | predicted.")?;
    writeln!(
        out,
        "  {:<15} {:>15} {:>15} {:>12}",
        "rule", "correct", "silent", "calls a task"
    )?;
    for (rule, (counts, calls)) in rules.into_iter().zip(&tally.early) {
        let predicted = predicted(rule, rates);
        let name = rule.name();
        let pair = |measured: f64, predicted: f64| {
            format!(
                "{:>6} | {:>6}",
                percent(measured, 2),
                percent(predicted, 2)
            )
        };
        writeln!(
            out,
            "  {name:<15} {} {} {:>12}",
            pair(counts.correct as f64 / tasks, predicted.correct),
            pair(counts.silent as f64 / tasks, predicted.silent),
            format!("{:.2} | {:.2}", *calls as f64 / tasks, predicted.calls),
        )?;
    }
    Ok(())
}

/// What `rule` gives for independent commands with these (correct,
/// wrong) rates, call i made by command i mod n, every wrong answer alike.
fn predicted(rule: Rule, rates: &[(f64, f64)]) -> RuleRates {
    let n = rates.len();
    rule_rates(rule, 1, |i| {
        let (correct, wrong) = rates[i % n];
        CallRates { correct, wrong }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_come_from_the_commands_when_they_can() {
        let commands = |list: &[&str]| {
            list.iter().map(|c| (*c).to_string()).collect::<Vec<_>>()
        };
        assert_eq!(
            model_names(&commands(&[
                "sh models/alpha.sh",
                "ollama run llama3"
            ])),
            ["alpha", "llama3"]
        );
        assert_eq!(
            model_names(&commands(&["sh a/x.sh", "sh b/x.sh"])),
            ["M1", "M2"]
        );
        assert_eq!(model_names(&commands(&["echo '$$'"])), ["M1"]);
        assert_eq!(
            model_names(&commands(&["sh recorded.sh 175b_verification"])),
            ["175b_verification"],
            "never cut"
        );
    }
}
