//! `dual_model --cmd CMD ...`: cross-checking real models. Reads this mode's
//! flags, then runs one vote (`--prompt`, `--prompt-file`) or measures the
//! models on a tasks file (`--tasks-file`).
//!
//! Exit codes: 0 when the vote accepts an answer (printed on stdout) or the
//! evaluation completes, 3 when no answer reaches the quorum, 2 for a usage
//! error, 1 when a file cannot be written.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::answers::Compare;
use super::commands::Limits;
use super::evaluate::{evaluate, report as evaluation_report};
use super::tasks_file::{Task, parse_tasks};
use super::vote::{Settings, ask, log_line, report as vote_report};
use crate::cli::{Flag, Flags};

/// How many `--cmd` a vote takes at most.
pub const MAX_COMMANDS: usize = 15;

/// A vote on one prompt, or an evaluation on a tasks file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Vote { prompt: Vec<u8>, quorum: usize, log: Option<String>, quiet: bool },
    Evaluate { source: String, tasks: Vec<Task>, jobs: usize },
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
        ["tasks-file"] => evaluation(flags)?,
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

fn evaluation(flags: &Flags) -> Result<Job, String> {
    let vote_only = ["quorum", "log", "quiet"];
    if let Some(f) = vote_only.into_iter().find(|f| flags.has(f)) {
        return Err(format!("--{f} is for a vote, not for --tasks-file"));
    }
    let source = flags.value("tasks-file").unwrap_or_default().to_string();
    let bytes = read("tasks-file", &source)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("--tasks-file: '{source}' is not UTF-8 text"))?;
    let tasks = parse_tasks(&source, &text)
        .map_err(|e| format!("--tasks-file: {e}"))?;
    let available = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = flags.number("jobs", available.min(256) as u64, 1..=256)?;
    Ok(Job::Evaluate {
        source,
        tasks,
        jobs: usize::try_from(jobs).unwrap_or(1),
    })
}

fn vote(flags: &Flags, source: &str, n: usize) -> Result<Job, String> {
    if flags.has("jobs") {
        return Err("--jobs is for --tasks-file, not for a vote".to_string());
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
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|error| format!("--log: cannot open '{path}': {error}"))?;
    }
    let quorum = quorum(flags, n)?;
    Ok(Job::Vote { prompt, quorum, log, quiet: flags.has("quiet") })
}

pub fn run(check: &CrossCheck, out: &mut dyn Write) -> io::Result<ExitCode> {
    let settings = &check.settings;
    match &check.job {
        Job::Vote { prompt, quorum, log, quiet } => {
            let ballot = ask(settings, prompt);
            if !quiet {
                // The report is for a person; if stderr is gone, so be it.
                let _ = vote_report(
                    &mut io::stderr().lock(),
                    settings,
                    &ballot,
                    *quorum,
                );
            }
            if let Some(path) = log {
                let mut file =
                    OpenOptions::new().create(true).append(true).open(path)?;
                writeln!(file, "{}", log_line(settings, &ballot, *quorum))?;
            }
            match ballot.decide(*quorum) {
                Some(g) => {
                    let first = ballot.groups[g].members[0];
                    out.write_all(&ballot.calls[first].output)?;
                    Ok(ExitCode::SUCCESS)
                }
                None => Ok(ExitCode::from(3)),
            }
        }
        Job::Evaluate { source, tasks, jobs } => {
            let start = Instant::now();
            let outcomes = evaluate(settings, tasks, *jobs);
            evaluation_report(out, settings, source, &outcomes)?;
            let seconds = start.elapsed().as_secs_f64();
            let _ = writeln!(
                io::stderr().lock(),
                "dual_model: {} tasks x {} commands in {seconds:.1} s, {jobs} at a time",
                tasks.len(),
                settings.commands.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
