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
use std::time::Duration;

use super::answers::{Compare, Reading};
use super::call::{Call, Limits};
use super::journal::Log;
use super::json;
use super::log_read::{Resumed, read_log};
use super::rescore::{Logged, read_logged};
use super::retry::Retry;
use super::scorecard::model_names;
use super::tasks_file::{TaskSource, count_tasks};
use super::vote::{Plan, Settings};
use crate::cli::{Flag, Flags, one_line};
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

/// The name of each command: `--name NAME` given just before its `--cmd`,
/// or one made from the command (`model_names`). Names are never cut, and
/// no two are alike.
fn names(flags: &Flags, commands: &[String]) -> Result<Vec<String>, String> {
    let mut given = Vec::new();
    let mut pending: Option<&str> = None;
    for (flag, value) in flags.in_order() {
        match flag {
            "name" if pending.is_some() => {
                return Err(format!(
                    "--name '{}' is followed by another --name, not by its --cmd",
                    one_line(pending.unwrap_or_default())
                ));
            }
            "name"
                if value.trim().is_empty()
                    || value.chars().any(char::is_control) =>
            {
                return Err(format!(
                    "--name must be a visible name on one line, not '{}'",
                    one_line(value)
                ));
            }
            "name" => pending = Some(value),
            "cmd" => given.push(pending.take().map(str::to_string)),
            _ => {}
        }
    }
    if let Some(name) = pending {
        return Err(format!(
            "--name '{}' must come just before the --cmd it names",
            one_line(name)
        ));
    }
    let made = model_names(commands);
    let mut names: Vec<String> = given
        .iter()
        .zip(&made)
        .map(|(given, made)| given.clone().unwrap_or_else(|| made.clone()))
        .collect();
    let taken = |names: &[String], i: usize| {
        names.iter().enumerate().any(|(j, other)| j != i && *other == names[i])
    };
    for i in 0..names.len() {
        if given[i].is_none() && taken(&names, i) {
            names[i] = format!("M{}", i + 1);
        }
    }
    if let Some(i) = (0..names.len()).find(|&i| taken(&names, i)) {
        return Err(format!(
            "--name '{}' is given to two commands; each needs its own",
            one_line(&names[i])
        ));
    }
    Ok(names)
}

/// The most `--retries` allows.
pub const MAX_RETRIES: u64 = 10;

/// `--retries N` and `--retry-if TEXT`: how failed calls are tried again.
fn retry(flags: &Flags) -> Result<Retry, String> {
    let times = flags.number("retries", 0, 0..=MAX_RETRIES)?;
    let only_if = flags.value("retry-if").map(str::to_string);
    if only_if.is_some() && times == 0 {
        return Err("--retry-if needs --retries N".to_string());
    }
    if only_if.as_deref().is_some_and(str::is_empty) {
        return Err("--retry-if needs a text, not an empty one".to_string());
    }
    let times = u32::try_from(times).unwrap_or(0);
    Ok(Retry { times, only_if })
}

/// `--answer-after`, `--compare` and `--canon`: how an answer is read.
fn reading(flags: &Flags) -> Result<Reading, String> {
    let compare_text = flags.value("compare").unwrap_or("trim");
    let compare = Compare::parse(compare_text).ok_or_else(|| {
        format!(
            "--compare must be exact, trim, code, number or choice, not '{compare_text}'"
        )
    })?;
    let after = flags.value("answer-after").map(str::to_string);
    if after.as_deref().is_some_and(|a| a.is_empty() || a.contains('\n')) {
        return Err(
            "--answer-after needs a text of one line, not empty".to_string()
        );
    }
    let canon = flags.value("canon").map(str::to_string);
    if canon.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err("--canon is empty".to_string());
    }
    if canon.is_some() && flags.has("compare") {
        return Err(
            "--canon and --compare do not mix: the canon's output, trimmed, is the key"
                .to_string(),
        );
    }
    Ok(Reading { after, compare, canon })
}

/// Fails if the first word of `command`, a plain name or path, is not a
/// command `sh` can find (`command -v`): a check, a canon or a model that
/// cannot be found is a usage error before any call. A first word with
/// quotes, `$`, `=` or other shell syntax is left to the shell.
fn findable(flag: &str, command: &str) -> Result<(), String> {
    let Some(word) = command.split_whitespace().next() else {
        return Ok(());
    };
    let plain =
        word.chars().all(|c| c.is_ascii_alphanumeric() || "_./+-".contains(c));
    if !plain {
        return Ok(());
    }
    let found = std::process::Command::new(super::call::SHELL)
        .args(["-c", "command -v \"$1\"", "sh", word])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match found {
        Ok(status) if !status.success() => Err(format!(
            "--{flag}: '{}' is not a command sh can find (not on PATH, not a file)",
            one_line(word)
        )),
        // Found, or sh itself could not run: the calls will say which.
        _ => Ok(()),
    }
}

/// The commands, how their answers are read, and the bounds they run
/// within.
fn settings(
    flags: &Flags,
    commands: Vec<String>,
    names: Vec<String>,
) -> Result<Settings, String> {
    let n = commands.len();
    if n > MAX_COMMANDS {
        return Err(format!(
            "--cmd is given {n} times; at most {MAX_COMMANDS} are allowed"
        ));
    }
    if let Some(empty) = commands.iter().position(|c| c.trim().is_empty()) {
        return Err(format!("--cmd number {} is empty", empty + 1));
    }
    let max_output = flags.number("max-output", 1 << 20, 1..=1 << 30)?;
    let reading = reading(flags)?;
    let check = flags.value("check").map(str::to_string);
    if check.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err("--check is empty".to_string());
    }
    // The commands of a log being rescored may be gone; a check or a canon
    // runs now.
    for (flag, command) in [("check", &check), ("canon", &reading.canon)] {
        if let Some(command) = command {
            findable(flag, command)?;
        }
    }
    Ok(Settings {
        commands,
        names,
        limits: Limits {
            timeout: timeout(flags)?,
            max_output: usize::try_from(max_output).unwrap_or(usize::MAX),
        },
        check,
        reading,
        retry: retry(flags)?,
    })
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

/// `--jobs`: tasks at a time, the machine's cores by default.
fn jobs(flags: &Flags) -> Result<usize, String> {
    let available = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = flags.number("jobs", available.min(256) as u64, 1..=256)?;
    Ok(usize::try_from(jobs).unwrap_or(1))
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
