//! `dual_model --cmd CMD ...`: cross-checking real models. Reads this mode's
//! flags, then runs one vote (`--prompt`, `--prompt-file`) or measures the
//! models on a tasks file (`--tasks-file`).
//!
//! Exit codes: 0 when the vote accepts an answer (printed on stdout) or the
//! evaluation completes; 3 when no answer reaches the quorum; 2 for a usage
//! error; 1 when the machine, not the models, decided: a call that could not
//! run, a helper or a file that could not be made or written.

use std::fs;
use std::sync::Arc;
use std::time::Duration;

use super::answers::Compare;
use super::call::Limits;
use super::journal::{Log, Resumed, read_log};
use super::tasks_file::{Tasks, count_tasks};
use super::vote::{Plan, Settings};
use crate::cli::{Flag, Flags};
use crate::llm::rules::Rule;

/// How many `--cmd` a vote takes at most.
pub const MAX_COMMANDS: usize = 15;

/// A vote on one prompt, or an evaluation on a tasks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Vote {
        prompt: Arc<Vec<u8>>,
        plan: Plan,
        log: Option<String>,
        quiet: bool,
    },
    Evaluate {
        source: String,
        total: usize,
        jobs: usize,
        log: Option<String>,
        resumed: Resumed,
        quiet: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossCheck {
    pub settings: Settings,
    pub job: Job,
}

/// `--quorum`: a number K with N/2 < K <= N, or `all`; a strict majority
/// when absent. Below or at N/2, two answers could both reach it.
fn quorum(flags: &Flags, n: usize) -> Result<usize, String> {
    let Some(text) = flags.value("quorum") else { return Ok(n / 2 + 1) };
    if text == "all" {
        return Ok(n);
    }
    match text.parse::<usize>() {
        Ok(k) if 2 * k > n && k <= n => Ok(k),
        _ => Err(format!(
            "--quorum must be 'all' or a whole number more than half of the {n} \
             commands and at most {n} (from {} to {n}), not '{text}'",
            n / 2 + 1
        )),
    }
}

fn timeout(flags: &Flags) -> Result<Duration, String> {
    let text = flags.value("timeout").unwrap_or("60");
    match text.parse::<f64>() {
        Ok(seconds) if (0.001..=86_400.0).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "--timeout must be a number of seconds from 0.001 to 86400, not '{text}'"
        )),
    }
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
    if let Some(flag) = simulation_flags.iter().find(|f| flags.has(f.name)) {
        return Err(format!(
            "--{} is for the simulation and does not mix with --cmd",
            flag.name
        ));
    }
    let settings = settings(flags)?;
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

/// The commands and the bounds they run within.
fn settings(flags: &Flags) -> Result<Settings, String> {
    let commands: Vec<String> =
        flags.values("cmd").map(str::to_string).collect();
    let n = commands.len();
    if n > MAX_COMMANDS {
        return Err(format!(
            "--cmd is given {n} times; at most {MAX_COMMANDS} are allowed"
        ));
    }
    if let Some(empty) = commands.iter().position(|c| c.trim().is_empty()) {
        return Err(format!("--cmd number {} is empty", empty + 1));
    }
    let compare_text = flags.value("compare").unwrap_or("trim");
    let compare = Compare::parse(compare_text).ok_or_else(|| {
        format!("--compare must be exact, trim or code, not '{compare_text}'")
    })?;
    let max_output = flags.number("max-output", 1 << 20, 1..=1 << 30)?;
    let check = flags.value("check").map(str::to_string);
    if check.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err("--check is empty".to_string());
    }
    Ok(Settings {
        commands,
        limits: Limits {
            timeout: timeout(flags)?,
            max_output: usize::try_from(max_output).unwrap_or(usize::MAX),
        },
        check,
        compare,
    })
}

fn evaluation(flags: &Flags, settings: &Settings) -> Result<Job, String> {
    let vote_only = ["quorum", "cascade", "ahead-by", "max-calls", "wait-all"];
    if let Some(flag) = vote_only.iter().find(|f| flags.has(f)) {
        return Err(format!("--{flag} is for a vote, not for --tasks-file"));
    }
    let source = flags.value("tasks-file").unwrap_or_default().to_string();
    let tasks =
        Tasks::open(&source).map_err(|e| format!("--tasks-file: {e}"))?;
    let total = count_tasks(tasks).map_err(|e| format!("--tasks-file: {e}"))?;
    let available = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = flags.number("jobs", available.min(256) as u64, 1..=256)?;
    let log = flags.value("log").map(str::to_string);
    let resume = flags.has("resume");
    let resumed = match (&log, resume) {
        (None, true) => return Err("--resume needs --log FILE".to_string()),
        (None, false) => Resumed::default(),
        (Some(path), _) => {
            // Opened now, so that a bad path is an error before any call.
            Log::open(path, !resume)?;
            let resumed = if resume {
                read_log(path, settings)?
            } else {
                Resumed::default()
            };
            check_against_tasks(&resumed, path, &source)?;
            resumed
        }
    };
    Ok(Job::Evaluate {
        source,
        total,
        jobs: usize::try_from(jobs).unwrap_or(1),
        log,
        resumed,
        quiet: flags.has("quiet"),
    })
}

/// Every task a log recorded must be the task on that line of the file.
fn check_against_tasks(
    resumed: &Resumed,
    log: &str,
    source: &str,
) -> Result<(), String> {
    let mut found = 0;
    for task in Tasks::open(source).map_err(|e| format!("--tasks-file: {e}"))? {
        let task = task.map_err(|e| format!("--tasks-file: {e}"))?;
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
    })
}

/// The most calls `--max-calls` allows.
pub const MAX_CALLS: u64 = 64;

/// The vote's rule and whether it waits for every call: `--quorum`,
/// `--cascade`, `--ahead-by` with `--max-calls`, `--wait-all`.
fn plan(flags: &Flags, n: usize) -> Result<Plan, String> {
    let quorum = quorum(flags, n)?;
    let ahead = flags.has("ahead-by");
    let mix = [
        (ahead && flags.has("quorum"), "--ahead-by and --quorum do not mix"),
        (ahead && flags.has("cascade"), "--ahead-by and --cascade do not mix"),
        (
            flags.has("wait-all") && (ahead || flags.has("cascade")),
            "--wait-all is for a fixed vote, not with --cascade or --ahead-by",
        ),
        (flags.has("max-calls") && !ahead, "--max-calls needs --ahead-by"),
    ];
    if let Some((_, message)) = mix.iter().find(|(bad, _)| *bad) {
        return Err((*message).to_string());
    }
    let rule = if ahead {
        let lead = flags.number("ahead-by", 1, 1..=MAX_CALLS)?;
        let max_calls = flags.number("max-calls", n as u64, 1..=MAX_CALLS)?;
        if max_calls < lead {
            return Err(format!(
                "--max-calls {max_calls} is less than --ahead-by {lead}: no answer could lead"
            ));
        }
        // Both at most 64: they fit.
        let as_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Rule::AheadBy { lead: as_usize(lead), max_calls: as_usize(max_calls) }
    } else if flags.has("cascade") {
        Rule::Cascade { voters: n, quorum }
    } else {
        Rule::Fixed { voters: n, quorum }
    };
    Ok(Plan { rule, wait_all: flags.has("wait-all") })
}

pub use super::run::run;
