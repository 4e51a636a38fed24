//! The settings of every call, read from the flags: the commands and
//! their names (`--name`), how answers are read (`--answer-after`,
//! `--compare`, `--canon`), the bounds (`--timeout`, `--max-output`),
//! `--retries`, the check, and a vote's rule (`--quorum`, `--cascade`,
//! `--ahead-by`, `--wait-all`). `cross_check` uses them for a vote, an
//! evaluation or a rescore.

use std::time::Duration;

use super::answers::{Compare, Reading};
use super::call::Limits;
use super::retry::Retry;
use super::scorecard::model_names;
use super::vote::{Plan, Settings};
use crate::cli::{Flags, one_line};
use crate::llm::rules::Rule;

/// How many `--cmd` a vote takes at most.
pub const MAX_COMMANDS: usize = 15;

/// `--quorum`: a number K with N/2 < K <= N, or `all`; a strict majority
/// when absent. Below or at N/2, two answers could both reach it.
pub fn quorum(flags: &Flags, n: usize) -> Result<usize, String> {
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

pub fn timeout(flags: &Flags) -> Result<Duration, String> {
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

/// The name of each command: `--name NAME` given just before its `--cmd`,
/// or one made from the command (`model_names`). Names are never cut, and
/// no two are alike.
pub fn names(
    flags: &Flags,
    commands: &[String],
) -> Result<Vec<String>, String> {
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
pub fn retry(flags: &Flags) -> Result<Retry, String> {
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
pub fn reading(flags: &Flags) -> Result<Reading, String> {
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
pub fn findable(flag: &str, command: &str) -> Result<(), String> {
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
        _ => script_exists(flag, word, command),
    }
}

/// Interpreters whose first argument, unless it is an option, is the file
/// of the script to run.
const INTERPRETERS: [&str; 9] =
    ["sh", "bash", "dash", "zsh", "python", "python3", "perl", "ruby", "node"];

/// `sh missing.sh` is found (`sh` is), yet every call would fail: the
/// script an interpreter is given must be a file.
fn script_exists(flag: &str, word: &str, command: &str) -> Result<(), String> {
    let program = word.rsplit('/').next().unwrap_or(word);
    let script = command.split_whitespace().nth(1);
    let Some(script) = script.filter(|_| INTERPRETERS.contains(&program))
    else {
        return Ok(());
    };
    let plain = script
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./+-".contains(c));
    if !plain
        || script.starts_with('-')
        || std::path::Path::new(script).is_file()
    {
        return Ok(());
    }
    Err(format!(
        "--{flag}: '{}' is not a file (the script {program} is to run)",
        one_line(script)
    ))
}

/// The commands, how their answers are read, and the bounds they run
/// within.
pub fn settings(
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

/// `--jobs`: tasks at a time, the machine's cores by default.
pub fn jobs(flags: &Flags) -> Result<usize, String> {
    let available = std::thread::available_parallelism().map_or(1, usize::from);
    let jobs = flags.number("jobs", available.min(256) as u64, 1..=256)?;
    Ok(usize::try_from(jobs).unwrap_or(1))
}

/// The most calls `--max-calls` allows.
pub const MAX_CALLS: u64 = 64;

/// The vote's rule and whether it waits for every call: `--quorum`,
/// `--cascade`, `--ahead-by` with `--max-calls`, `--wait-all`.
pub fn plan(flags: &Flags, n: usize) -> Result<Plan, String> {
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
