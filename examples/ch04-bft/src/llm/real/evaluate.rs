//! Measuring real models on a set of tasks: each model's error rate, how
//! often pairs of models fail together, and each quorum strategy, measured
//! beside what the chapter's formulas predict if the models erred
//! independently. The gap between the two is what correlation costs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use super::call::{Call, Runner, Status, Stop};
pub use super::call_stats::CallStats;
use super::journal::{Log, task_line};
use super::keys::read_key;
use super::log_read::Resumed;
use super::progress::Progress;
use super::tasks_file::Task;
use super::vote::{Plan, Settings, Source, ask};
use crate::llm::rules::{Decided, Rule, replay};
use crate::threads::all_at_once;
use crate::threads::lock;

/// How one call did on one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Correct,
    /// Wrong, with the key of its answer.
    Wrong(Vec<u8>),
    Abstained,
}

/// Each call's outcome on one task, from its final status (after its
/// answer was read and checked) and its key, in command order.
pub fn outcomes(calls: &[Call], expected: &[u8]) -> Vec<Outcome> {
    let outcome = |call: &Call| match (&call.status, &call.key) {
        (Status::Answered, Some(key)) if key == expected => Outcome::Correct,
        (Status::Answered, Some(key)) => Outcome::Wrong(key.clone()),
        _ => Outcome::Abstained,
    };
    calls.iter().map(outcome).collect()
}

/// What an evaluation runs with.
pub struct Evaluation<'a> {
    pub runner: &'a Runner,
    pub settings: &'a Settings,
    /// The tasks file, as its records in the log name it.
    pub source: &'a str,
    pub log: Option<&'a Log>,
    pub resumed: &'a Resumed,
    pub progress: &'a Progress,
    pub jobs: usize,
}

impl Evaluation<'_> {
    /// Every command on every task, whatever the answers: a majority that
    /// waits for all, so each model is measured on each task.
    fn plan(&self) -> Plan {
        let voters = self.settings.commands.len();
        Plan {
            rule: Rule::Fixed { voters, quorum: voters / 2 + 1 },
            wait_all: true,
        }
    }
}

/// What an evaluation measured, and why it stopped early, if it did.
#[derive(Debug)]
pub struct Measured {
    pub tally: Tally,
    /// Tasks counted from the log instead of run.
    pub from_log: u64,
    /// Why the run stopped before the last task: the machine's failure.
    pub stopped: Option<String>,
}

/// Runs every task that the log lacks, takes the ones it holds from their
/// record (their answers read and checked again), and folds each task
/// into a tally as it ends: memory holds the tasks being run, never the
/// list of all. A task with a call the machine could not run counts in
/// nothing; no new task starts after it.
pub fn evaluate(
    run: &Evaluation,
    tasks: impl Iterator<Item = Result<Task, String>> + Send,
) -> Measured {
    let settings = run.settings;
    let n = settings.commands.len();
    let tasks = Mutex::new(tasks);
    let stop = AtomicBool::new(false);
    let stopped = Mutex::new(None);
    let give_up = |why: String| {
        stop.store(true, Ordering::SeqCst);
        lock(&stopped).get_or_insert(why);
    };
    let worker = || {
        let (mut tally, mut from_log) = (Tally::new(n), 0);
        while !stop.load(Ordering::SeqCst) {
            let next = lock(&tasks).next();
            let task = match next {
                None => break,
                Some(Err(error)) => {
                    give_up(format!("--tasks-file: {error}"));
                    break;
                }
                Some(Ok(task)) => task,
            };
            let reading = &settings.reading;
            let expected =
                read_key(run.runner, reading, &task.expected, &Stop::default());
            let expected = match expected {
                Ok(key) => key,
                Err(status) => {
                    give_up(format!(
                        "line {} of the tasks: its expected value: {}",
                        task.line,
                        status.describe()
                    ));
                    break;
                }
            };
            let recorded = run.resumed.tasks.get(&task.line);
            let source = recorded.map_or(Source::Live(&task.prompt), |r| {
                Source::Recorded(&r.calls)
            });
            let ballot = ask(run.runner, settings, run.plan(), source);
            if let (_, Some(why)) = ballot.not_run() {
                give_up(format!("a call could not run: {why}"));
                break;
            }
            if let (Some(log), None) = (run.log, recorded) {
                let line = task_line(
                    settings,
                    run.source,
                    &task,
                    &expected,
                    &ballot.calls,
                );
                if let Err(error) = log.append(&line) {
                    give_up(format!("--log: cannot write: {error}"));
                }
            }
            let outcomes = outcomes(&ballot.calls, &expected);
            let abstained =
                outcomes.iter().filter(|o| **o == Outcome::Abstained).count();
            tally.add(&outcomes);
            tally.add_calls(task.line, &ballot.calls);
            from_log += u64::from(recorded.is_some());
            run.progress.task_done(abstained as u64, recorded.is_some());
        }
        (tally, from_log)
    };
    let mut measured =
        Measured { tally: Tally::new(n), from_log: 0, stopped: None };
    for (tally, from_log) in all_at_once(run.jobs.max(1), |_| worker()) {
        measured.tally.merge(&tally);
        measured.from_log += from_log;
    }
    measured.stopped =
        stopped.into_inner().unwrap_or_else(PoisonError::into_inner);
    measured
}

/// The strategies of the chapter that apply to `n` models, each a fixed
/// vote (`crate::llm::rules`) over the first `voters` commands.
pub fn strategies(n: usize) -> Vec<(&'static str, Rule)> {
    let fixed = |voters, quorum| Rule::Fixed { voters, quorum };
    let mut list = vec![("Single", fixed(1, 1))];
    if n >= 2 {
        list.push(("Dual agreement", fixed(2, 2)));
    }
    if n >= 3 {
        list.push(("Majority", fixed(n, n / 2 + 1)));
        list.push(("Unanimity", fixed(n, n)));
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

impl Counts {
    /// One task, by the outcome accepted (`None`: rejected).
    fn add(&mut self, accepted: Option<&Outcome>) {
        match accepted {
            Some(Outcome::Correct) => self.correct += 1,
            Some(_) => self.silent += 1,
            None => self.rejected += 1,
        }
    }

    fn merge(&mut self, other: &Counts) {
        self.correct += other.correct;
        self.rejected += other.rejected;
        self.silent += other.silent;
    }
}

/// What `rule` decides on one task's outcomes, read in command order as if
/// the calls had ended one after the other; an abstention is no vote.
pub fn decided(task: &[Outcome], rule: Rule) -> Decided<&Outcome> {
    replay(rule, task.iter().map(|o| (*o != Outcome::Abstained).then_some(o)))
}

/// The rules that decide early or call as needed, applied to the answers
/// an evaluation recorded, in command order: no call is made for them.
pub fn early_rules(n: usize) -> Vec<Rule> {
    let mut rules = Vec::new();
    if n >= 3 {
        rules.push(Rule::Cascade { voters: n, quorum: n / 2 + 1 });
    }
    if n >= 2 {
        rules.push(Rule::AheadBy { lead: 1, max_calls: n });
        rules.push(Rule::AheadBy { lead: 2, max_calls: n });
    }
    rules
}

/// Everything the report needs, summed task by task: each model's correct,
/// wrong and abstained; each pair's both-wrong and same-wrong-answer; each
/// strategy's counts, and each early rule's counts and calls. Sums, so the
/// order the tasks end in changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub tasks: u64,
    pub per_model: Vec<[u64; 3]>,
    /// For each pair i < j, in order: both wrong, and of those the same.
    pub pairs: Vec<[u64; 2]>,
    pub strategies: Vec<Counts>,
    /// For each of `early_rules`: its counts, and the calls it would make.
    pub early: Vec<(Counts, u64)>,
    /// Each command's calls: their times and why they abstained.
    pub calls: Vec<CallStats>,
}

impl Tally {
    pub fn new(models: usize) -> Tally {
        Tally {
            tasks: 0,
            per_model: vec![[0; 3]; models],
            pairs: vec![[0; 2]; models * models.saturating_sub(1) / 2],
            strategies: vec![Counts::default(); strategies(models).len()],
            early: vec![(Counts::default(), 0); early_rules(models).len()],
            calls: vec![CallStats::default(); models],
        }
    }

    /// Adds one task's calls (the task on `line`), in command order.
    pub fn add_calls(&mut self, line: usize, calls: &[Call]) {
        for (stats, call) in self.calls.iter_mut().zip(calls) {
            stats.add(line, call);
        }
    }

    /// Adds one task, given every model's outcome on it.
    pub fn add(&mut self, task: &[Outcome]) {
        self.tasks += 1;
        for (counts, outcome) in self.per_model.iter_mut().zip(task) {
            counts[match outcome {
                Outcome::Correct => 0,
                Outcome::Wrong(_) => 1,
                Outcome::Abstained => 2,
            }] += 1;
        }
        let mut pair = 0;
        for i in 0..task.len() {
            for j in i + 1..task.len() {
                if let (Outcome::Wrong(a), Outcome::Wrong(b)) =
                    (&task[i], &task[j])
                {
                    self.pairs[pair][0] += 1;
                    self.pairs[pair][1] += u64::from(a == b);
                }
                pair += 1;
            }
        }
        for (counts, (_, rule)) in
            self.strategies.iter_mut().zip(strategies(task.len()))
        {
            counts.add(decided(task, rule).answer);
        }
        for ((counts, calls), rule) in
            self.early.iter_mut().zip(early_rules(task.len()))
        {
            let decided = decided(task, rule);
            counts.add(decided.answer);
            *calls += decided.calls as u64;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.tasks += other.tasks;
        for (mine, theirs) in self.per_model.iter_mut().zip(&other.per_model) {
            for k in 0..3 {
                mine[k] += theirs[k];
            }
        }
        for (mine, theirs) in self.pairs.iter_mut().zip(&other.pairs) {
            mine[0] += theirs[0];
            mine[1] += theirs[1];
        }
        for (mine, theirs) in self.strategies.iter_mut().zip(&other.strategies)
        {
            mine.merge(theirs);
        }
        for ((mine, calls), (theirs, more)) in
            self.early.iter_mut().zip(&other.early)
        {
            mine.merge(theirs);
            *calls += more;
        }
        for (mine, theirs) in self.calls.iter_mut().zip(&other.calls) {
            mine.merge(theirs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let count = |voters, quorum| {
            let mut counts = Counts::default();
            for task in &outcomes {
                match decided(task, Rule::Fixed { voters, quorum }).answer {
                    Some(Correct) => counts.correct += 1,
                    Some(_) => counts.silent += 1,
                    None => counts.rejected += 1,
                }
            }
            counts
        };
        assert_eq!(count(1, 1), Counts { correct: 2, rejected: 0, silent: 2 });
        assert_eq!(count(2, 2), Counts { correct: 1, rejected: 2, silent: 1 });
        assert_eq!(count(3, 2), Counts { correct: 1, rejected: 2, silent: 1 });
        assert_eq!(count(3, 3), Counts { correct: 1, rejected: 3, silent: 0 });
        let mut tally = Tally::new(3);
        for task in &outcomes {
            tally.add(task);
        }
        assert_eq!(tally.per_model[1], [1, 2, 1]);
        assert_eq!(tally.pairs, [[2, 1], [0, 0], [0, 0]], "x, x and x, y");
        assert_eq!(tally.strategies[2], count(3, 2));
        let mut halves = Tally::new(3);
        let mut other = Tally::new(3);
        halves.add(&outcomes[0]);
        halves.add(&outcomes[3]);
        other.add(&outcomes[1]);
        other.add(&outcomes[2]);
        halves.merge(&other);
        assert_eq!(halves, tally, "the order of the tasks changes nothing");
        assert_eq!(strategies(2).len(), 2);
        assert_eq!(strategies(5)[2].1, Rule::Fixed { voters: 5, quorum: 3 });
    }
}
