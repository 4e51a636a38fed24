//! Measuring real models on a set of tasks: each model's error rate, how
//! often pairs of models fail together, and each quorum strategy, measured
//! beside what the chapter's formulas predict if the models erred
//! independently. The gap between the two is what correlation costs.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::exact::{Rates, wilson_interval};
use super::report::print_outcome_rows;
use super::tasks_file::Task;
use super::vote::{Settings, ask};
use crate::format::{decimal, percent};
use crate::threads::all_at_once;

/// How one call did on one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Correct,
    /// Wrong, with the key of its answer.
    Wrong(Vec<u8>),
    Abstained,
}

/// Every call's outcome on every task: `outcomes[task][model]`.
pub fn evaluate(
    settings: &Settings,
    tasks: &[Task],
    jobs: usize,
) -> Vec<Vec<Outcome>> {
    let next = AtomicUsize::new(0);
    // Each worker takes the next task nobody has taken, and returns what it
    // measured with the task's index.
    let worker = || {
        let mut measured = Vec::new();
        loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            let Some(task) = tasks.get(t) else { return measured };
            let ballot = ask(settings, &task.prompt);
            let expected = settings.compare.key(&task.expected);
            let outcomes = (0..ballot.calls.len())
                .map(|i| match ballot.group_of[i] {
                    Some(g) if ballot.groups[g].passed => {
                        let key = &ballot.groups[g].key;
                        if *key == expected {
                            Outcome::Correct
                        } else {
                            Outcome::Wrong(key.clone())
                        }
                    }
                    _ => Outcome::Abstained,
                })
                .collect();
            measured.push((t, outcomes));
        }
    };
    let mut results = vec![Vec::new(); tasks.len()];
    for (t, outcomes) in
        all_at_once(jobs.min(tasks.len()), |_| worker()).into_iter().flatten()
    {
        results[t] = outcomes;
    }
    results
}

/// A strategy over the first `size` models: accept an answer that `quorum`
/// of them gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    pub size: usize,
    pub quorum: usize,
}

/// The strategies of the chapter that apply to `n` models.
pub fn strategies(n: usize) -> Vec<(&'static str, Quorum)> {
    let mut list = vec![("Single", Quorum { size: 1, quorum: 1 })];
    if n >= 2 {
        list.push(("Dual agreement", Quorum { size: 2, quorum: 2 }));
    }
    if n >= 3 {
        list.push(("Majority", Quorum { size: n, quorum: n / 2 + 1 }));
        list.push(("Unanimity", Quorum { size: n, quorum: n }));
    }
    list
}

/// Counts of accepted and correct, rejected and silent error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub correct: u64,
    pub rejected: u64,
    pub silent: u64,
}

/// What `strategy` decides on each task, counted.
pub fn measure(outcomes: &[Vec<Outcome>], strategy: Quorum) -> Counts {
    let mut counts = Counts::default();
    for task in outcomes {
        let calls = &task[..strategy.size];
        let votes =
            |answer: &Outcome| calls.iter().filter(|&o| o == answer).count();
        let winner = calls
            .iter()
            .filter(|o| **o != Outcome::Abstained)
            .find(|o| votes(o) >= strategy.quorum);
        match winner {
            Some(Outcome::Correct) => counts.correct += 1,
            Some(_) => counts.silent += 1,
            None => counts.rejected += 1,
        }
    }
    counts
}

/// P(at least `k` of the events happen), for independent events with these
/// probabilities.
pub fn at_least(k: usize, probabilities: &[f64]) -> f64 {
    // distribution[j] = P(exactly j of the events so far happened)
    let mut distribution = vec![1.0];
    for &p in probabilities {
        let mut next = vec![0.0; distribution.len() + 1];
        for (j, &q) in distribution.iter().enumerate() {
            next[j] += q * (1.0 - p);
            next[j + 1] += q * p;
        }
        distribution = next;
    }
    distribution.iter().skip(k).sum()
}

/// Each model's counts: correct, wrong, abstained.
pub fn per_model(outcomes: &[Vec<Outcome>], model: usize) -> [u64; 3] {
    let mut counts = [0; 3];
    for task in outcomes {
        counts[match task[model] {
            Outcome::Correct => 0,
            Outcome::Wrong(_) => 1,
            Outcome::Abstained => 2,
        }] += 1;
    }
    counts
}

/// Short names for the models: the last word of each command, without its
/// folder and extension, when those are distinct and plain; M1, M2 ... when not.
pub fn model_names(commands: &[String]) -> Vec<String> {
    let short = |command: &String| {
        let word = command.split_whitespace().last().unwrap_or("");
        let base = word.rsplit('/').next().unwrap_or(word);
        let stem = base.split('.').next().unwrap_or(base);
        stem.chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
            .take(16)
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

/// The evaluation's report: deterministic, so it goes to stdout.
pub fn report(
    out: &mut dyn Write,
    settings: &Settings,
    source: &str,
    outcomes: &[Vec<Outcome>],
) -> io::Result<()> {
    let n = settings.commands.len();
    let tasks = outcomes.len() as u64;
    let names = model_names(&settings.commands);
    let compare = settings.compare.name();
    writeln!(
        out,
        "Cross-checking {n} command(s) on {tasks} tasks from {source}, compare {compare}"
    )?;
    writeln!(
        out,
        "(a call abstains if it times out, fails, prints too much or fails the check)"
    )?;
    writeln!(out)?;
    writeln!(out, "Models (error: not correct; 95% Wilson interval):")?;
    writeln!(
        out,
        "   model              correct   wrong   abstained   error rate"
    )?;
    let mut rates = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let [correct, wrong, abstained] = per_model(outcomes, i);
        let (low, high) = wilson_interval(tasks - correct, tasks);
        let rate = (tasks - correct) as f64 / tasks as f64;
        rates
            .push((correct as f64 / tasks as f64, wrong as f64 / tasks as f64));
        writeln!(
            out,
            "   {name:<16} {correct:>9} {wrong:>7} {abstained:>11}   {:>6} [{:>6}, {:>6}]",
            percent(rate, 2),
            percent(low, 2),
            percent(high, 2)
        )?;
    }
    writeln!(out)?;
    print_pairs(out, &names, outcomes, &rates)?;
    writeln!(out)?;
    print_strategies(out, &names, outcomes, &rates)?;
    writeln!(out)?;
    let models: Vec<String> = names
        .iter()
        .zip(&rates)
        .map(|(name, (correct, _))| {
            format!("{name}={}", decimal(1.0 - correct))
        })
        .collect();
    if n >= 3 {
        // The simulation assumes independent models with these rates.
        writeln!(out, "Simulate them: dual_model --models {}", models.join(","))
    } else {
        writeln!(
            out,
            "The simulation needs three models; with a third command, this line would"
        )?;
        writeln!(out, "give its --models flag ({}).", models.join(","))
    }
}

fn print_pairs(
    out: &mut dyn Write,
    names: &[String],
    outcomes: &[Vec<Outcome>],
    rates: &[(f64, f64)],
) -> io::Result<()> {
    if names.len() < 2 {
        return Ok(());
    }
    let tasks = outcomes.len() as f64;
    writeln!(
        out,
        "Pairs: both wrong, against what independence predicts; and when both are"
    )?;
    writeln!(
        out,
        "wrong, how often they give the same wrong answer (Kim et al., ICML 2025):"
    )?;
    writeln!(
        out,
        "   pair                 both wrong   if independent   same wrong answer"
    )?;
    for i in 0..names.len() {
        for j in i + 1..names.len() {
            let (mut both, mut same) = (0u64, 0u64);
            for task in outcomes {
                if let (Outcome::Wrong(a), Outcome::Wrong(b)) =
                    (&task[i], &task[j])
                {
                    both += 1;
                    same += u64::from(a == b);
                }
            }
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
                "   {pair:<20} {:>10}   {:>14}   {share}",
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
    outcomes: &[Vec<Outcome>],
    rates: &[(f64, f64)],
) -> io::Result<()> {
    let tasks = outcomes.len() as u64;
    writeln!(
        out,
        "Strategies: measured [95% Wilson interval] | predicted if the models erred"
    )?;
    writeln!(
        out,
        "independently with the rates above, every wrong answer alike (K = 1):"
    )?;
    for (label, strategy) in strategies(names.len()) {
        let used = &rates[..strategy.size];
        let correct: Vec<f64> = used.iter().map(|r| r.0).collect();
        let wrong: Vec<f64> = used.iter().map(|r| r.1).collect();
        let predicted = Rates::new(
            at_least(strategy.quorum, &correct),
            at_least(strategy.quorum, &wrong),
        );
        let counts = measure(outcomes, strategy);
        let who = names[..strategy.size].join(", ");
        writeln!(
            out,
            "   {label}, {} of {} ({who}):",
            strategy.quorum, strategy.size
        )?;
        let measured = [counts.correct, counts.rejected, counts.silent];
        print_outcome_rows(out, measured, tasks, predicted)?;
    }
    for line in [
        "The gap between the columns is what correlation does: models that fail",
        "together give wrong answers that agree and pass, and a majority of them",
        "helps less than independence predicts.",
    ] {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_is_a_poisson_binomial_tail() {
        assert!((at_least(1, &[0.5]) - 0.5).abs() < 1e-15);
        assert!((at_least(2, &[0.9, 0.8]) - 0.72).abs() < 1e-15);
        // Two of three, as the chapter's triple majority: a'b'c' + ab'c' + ...
        let (a, b, c) = (0.77, 0.75, 0.7);
        let two = a * b * c
            + (1.0 - a) * b * c
            + a * (1.0 - b) * c
            + a * b * (1.0 - c);
        assert!((at_least(2, &[a, b, c]) - two).abs() < 1e-15);
        assert!((at_least(0, &[0.3, 0.3]) - 1.0).abs() < 1e-15);
        assert!(at_least(3, &[0.3, 0.3]).abs() < 1e-15);
    }

    #[test]
    fn strategies_count_outcomes_with_abstentions_as_no_vote() {
        use Outcome::{Abstained, Correct, Wrong};
        let w = |s: &str| Wrong(s.as_bytes().to_vec());
        let outcomes = vec![
            vec![Correct, Correct, Correct],
            vec![w("x"), w("x"), Correct],
            vec![Correct, Abstained, Abstained],
            vec![w("x"), w("y"), Abstained],
        ];
        let count = |size, quorum| measure(&outcomes, Quorum { size, quorum });
        assert_eq!(count(1, 1), Counts { correct: 2, rejected: 0, silent: 2 });
        assert_eq!(count(2, 2), Counts { correct: 1, rejected: 2, silent: 1 });
        assert_eq!(count(3, 2), Counts { correct: 1, rejected: 2, silent: 1 });
        assert_eq!(count(3, 3), Counts { correct: 1, rejected: 3, silent: 0 });
        assert_eq!(per_model(&outcomes, 1), [1, 2, 1]);
        assert_eq!(strategies(2).len(), 2);
        assert_eq!(strategies(5)[2].1, Quorum { size: 5, quorum: 3 });
    }

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
    }
}
