//! `dual_model --cmd CMD ...`: cross-checking real models. Reads this mode's
//! flags, then runs one vote (`--prompt`, `--prompt-file`) or measures the
//! models on a tasks file (`--tasks-file`); `dual_model --rescore LOG`
//! decides a logged vote or evaluation again, with no model called.
//!
//! Exit codes: 0 when the vote accepts an answer (printed on stdout) or the
//! evaluation completes; 3 when no answer reaches the quorum; 2 for a usage
//! error; 1 when the machine, not the models, decided: a call that could not
//! run, a helper or a file that could not be made or written.

use std::fs;
use std::sync::Arc;

use super::answers::Reading;
use super::call::Call;
use super::journal::Log;
use super::json;
use super::log_read::{Resumed, read_log};
use super::options::{findable, jobs, names, plan, settings};
use super::rescore::{Logged, read_logged};
use super::tasks_file::{TaskSource, count_tasks};
use super::vote::{Plan, Settings};
use crate::cli::{Flag, Flags, one_line};

/// A vote on one prompt, or an evaluation on a tasks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Vote {
        prompt: Arc<Vec<u8>>,
        plan: Plan,
        log: Option<String>,
        quiet: bool,
        /// `--rescore`: the logged calls, instead of calling the commands.
        recorded: Option<Vec<Call>>,
    },
    Evaluate {
        source: String,
        /// The tasks, read where they lie or, from a pipe, once.
        input: Option<TaskSource>,
        total: usize,
        jobs: usize,
        log: Option<String>,
        resumed: Resumed,
        quiet: bool,
        /// `--rescore`: every task comes from the log, none from a file.
        rescore: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossCheck {
    pub settings: Settings,
    pub job: Job,
}

fn read(flag: &str, path: &str) -> Result<Vec<u8>, String> {
    fs::read(path)
        .map_err(|error| format!("--{flag}: cannot read '{path}': {error}"))
}

/// Validates this mode's flags. The simulation's flags do not mix with it.
pub fn configure(
    flags: &Flags,
    simulation_flags: &[Flag],
) -> Result<CrossCheck, String> {
    let mode = if flags.has("rescore") { "--rescore" } else { "--cmd" };
    if let Some(flag) = simulation_flags.iter().find(|f| flags.has(f.name)) {
        return Err(format!(
            "--{} is for the simulation and does not mix with {mode}",
            flag.name
        ));
    }
    if flags.has("rescore") {
        return rescore(flags);
    }
    let commands: Vec<String> =
        flags.values("cmd").map(str::to_string).collect();
    let settings = settings(flags, commands.clone(), names(flags, &commands)?)?;
    for command in &settings.commands {
        findable("cmd", command)?;
    }
    let given: Vec<&str> = ["prompt", "prompt-file", "tasks-file"]
        .into_iter()
        .filter(|f| flags.has(f))
        .collect();
    let job = match given[..] {
        ["tasks-file"] => evaluation(flags, &settings)?,
        [source] => vote(flags, source, settings.commands.len())?,
        [] => {
            return Err("--cmd needs --prompt, --prompt-file or --tasks-file"
                .to_string());
        }
        _ => {
            return Err(format!(
                "--{} and --{} do not mix",
                given[0], given[1]
            ));
        }
    };
    Ok(CrossCheck { settings, job })
}

/// `--rescore LOG`: the log's commands, read and decided as these flags
/// say. The rule flags are for a logged vote; an evaluation measures its
/// fixed set of rules, as a live one does.
fn rescore(flags: &Flags) -> Result<CrossCheck, String> {
    let live =
        ["cmd", "name", "prompt", "prompt-file", "tasks-file", "log", "resume"];
    if let Some(flag) = live.iter().find(|f| flags.has(f)) {
        return Err(format!(
            "--{flag} does not mix with --rescore: the log holds the commands, prompts and calls"
        ));
    }
    let path = flags.value("rescore").unwrap_or_default();
    match read_logged(path)? {
        Logged::Evaluation { commands, names, tasks_file, tasks } => {
            let vote_only =
                ["quorum", "cascade", "ahead-by", "max-calls", "wait-all"];
            if let Some(flag) = vote_only.iter().find(|f| flags.has(f)) {
                return Err(format!(
                    "--{flag} is for a vote; '{path}' holds an evaluation"
                ));
            }
            let settings = settings(flags, commands, names)?;
            let total = tasks.len();
            let resumed = Resumed {
                tasks: tasks.into_iter().collect(),
                ..Resumed::default()
            };
            Ok(CrossCheck {
                job: Job::Evaluate {
                    source: tasks_file,
                    input: None,
                    total,
                    jobs: jobs(flags)?,
                    log: None,
                    resumed,
                    quiet: flags.has("quiet"),
                    rescore: Some(path.to_string()),
                },
                settings,
            })
        }
        Logged::Vote { commands, names, prompt, calls, votes } => {
            if flags.has("jobs") {
                return Err(format!(
                    "--jobs is for an evaluation; '{path}' holds a vote"
                ));
            }
            if votes > 1 && !flags.has("quiet") {
                crate::cli::complain(
                    "dual_model",
                    &format!(
                        "'{path}' holds {votes} votes: rescoring the last"
                    ),
                );
            }
            let n = commands.len();
            let settings = settings(flags, commands, names)?;
            Ok(CrossCheck {
                job: Job::Vote {
                    prompt: Arc::new(prompt),
                    plan: plan(flags, n)?,
                    log: None,
                    quiet: flags.has("quiet"),
                    recorded: Some(calls),
                },
                settings,
            })
        }
    }
}

fn evaluation(flags: &Flags, settings: &Settings) -> Result<Job, String> {
    let vote_only = ["quorum", "cascade", "ahead-by", "max-calls", "wait-all"];
    if let Some(flag) = vote_only.iter().find(|f| flags.has(f)) {
        return Err(format!("--{flag} is for a vote, not for --tasks-file"));
    }
    let source = flags.value("tasks-file").unwrap_or_default().to_string();
    let input =
        TaskSource::new(&source).map_err(|e| format!("--tasks-file: {e}"))?;
    let tasks = input.tasks().map_err(|e| format!("--tasks-file: {e}"))?;
    let total = count_tasks(tasks).map_err(|e| format!("--tasks-file: {e}"))?;
    let jobs = jobs(flags)?;
    let log = flags.value("log").map(str::to_string);
    let resume = flags.has("resume");
    let resumed = match (&log, resume) {
        (None, true) => return Err("--resume needs --log FILE".to_string()),
        (None, false) => Resumed::default(),
        (Some(path), _) => {
            if !resume {
                not_a_log(path)?;
            }
            // Opened now, so that a bad path, or a log another evaluation is
            // writing, is an error before any call.
            Log::open_alone(path, !resume)?;
            if resume { read_log(path, settings)? } else { Resumed::default() }
        }
    };
    check_against_tasks(
        &resumed,
        log.as_deref().unwrap_or_default(),
        &input,
        &settings.reading,
    )?;
    Ok(Job::Evaluate {
        input: Some(input),
        source,
        total,
        jobs,
        log,
        resumed,
        quiet: flags.has("quiet"),
        rescore: None,
    })
}

/// A file given to `--log` that holds something, but no record, is not a
/// log: say so, rather than suggest `--resume`.
fn not_a_log(path: &str) -> Result<(), String> {
    let (lines, _) = super::log_read::lines(path, "log")?;
    let recorded = |value: &Option<json::Value>| {
        value.as_ref().is_some_and(|v| v.get("calls").is_some())
    };
    if !lines.is_empty() && !lines.iter().any(|(_, value)| recorded(value)) {
        return Err(format!(
            "--log: '{path}' holds no record of dual_model: it is not a log; give a \
             new file, it is left as it is"
        ));
    }
    Ok(())
}

/// Every expected value must hold an answer (unless a `--canon` reads
/// them, when that is known only once it runs), and every task a log
/// recorded must be the task on that line of the file.
fn check_against_tasks(
    resumed: &Resumed,
    log: &str,
    input: &TaskSource,
    reading: &Reading,
) -> Result<(), String> {
    let source = match input {
        TaskSource::File(name) | TaskSource::Read { name, .. } => name,
    };
    let mut found = 0;
    for task in input.tasks().map_err(|e| format!("--tasks-file: {e}"))? {
        let task = task.map_err(|e| format!("--tasks-file: {e}"))?;
        if reading.canon.is_none() && reading.key(&task.expected).is_none() {
            return Err(format!(
                "--tasks-file: {source}, line {}: no answer in the expected value '{}' \
                 (read {})",
                task.line,
                one_line(&String::from_utf8_lossy(&task.expected)),
                reading.describe()
            ));
        }
        if let Some(recorded) = resumed.tasks.get(&task.line) {
            if recorded.prompt != *task.prompt
                || recorded.expected != task.expected
            {
                return Err(format!(
                    "--resume: '{log}' recorded another task for line {} of '{source}'",
                    task.line
                ));
            }
            found += 1;
        }
    }
    if found < resumed.tasks.len() {
        return Err(format!(
            "--resume: '{log}' holds tasks that are not in '{source}'"
        ));
    }
    Ok(())
}

fn vote(flags: &Flags, source: &str, n: usize) -> Result<Job, String> {
    for flag in ["jobs", "resume"] {
        if flags.has(flag) {
            return Err(format!(
                "--{flag} is for --tasks-file, not for a vote"
            ));
        }
    }
    let prompt = if source == "prompt" {
        let text = flags.value("prompt").unwrap_or_default();
        [text.as_bytes(), b"\n"].concat()
    } else {
        read("prompt-file", flags.value("prompt-file").unwrap_or_default())?
    };
    let log = flags.value("log").map(str::to_string);
    if let Some(path) = &log {
        // Opened now, so that a bad path is a usage error before any command
        // runs; written after the vote.
        Log::open(path, false)?;
    }
    Ok(Job::Vote {
        prompt: Arc::new(prompt),
        plan: plan(flags, n)?,
        log,
        quiet: flags.has("quiet"),
        recorded: None,
    })
}

pub use super::options::{MAX_CALLS, MAX_COMMANDS, MAX_RETRIES};
pub use super::run::run;
