//! `dual_model --rescore LOG`: a recorded evaluation, or a recorded vote,
//! decided again from the raw outputs its log kept, with no model called.
//!
//! The log holds every call as its command ended (the status before any
//! reading or check), its output byte for byte, its stderr's end and its
//! time. Rescoring rebuilds those calls and hands them to the same vote
//! and evaluation as a live run (`vote::Source::Recorded`): any other
//! `--compare`, `--answer-after`, `--canon`, `--check` or rule reads and
//! decides them as it would have then. Only `--canon` and `--check` run,
//! on the recorded outputs; a call the new rule wants that the log lacks
//! (stopped once decided, or never made) did not run, and a decision it
//! could change is left open, as the machine's failures are.

use super::call::Call;
use super::json::Value;
use super::log_read::{Recorded, lines, recorded_call, task_record};

/// What a log holds to decide again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    /// An evaluation's tasks, in the order of their lines.
    Evaluation {
        commands: Vec<String>,
        names: Vec<String>,
        tasks_file: String,
        tasks: Vec<(usize, Recorded)>,
    },
    /// The last vote of the log, and how many the log holds.
    Vote {
        commands: Vec<String>,
        names: Vec<String>,
        prompt: Vec<u8>,
        /// Call i as it was made, `Call::unneeded` where none was.
        calls: Vec<Call>,
        votes: usize,
    },
}

/// The commands and names of an evaluation record's calls, one call per
/// command; `None` if a call names no command.
fn commands_of(calls: &[Value]) -> Option<(Vec<String>, Vec<String>)> {
    let text = |call: &Value, key: &str| {
        call.get(key).and_then(Value::as_str).map(str::to_string)
    };
    let (mut commands, mut names) = (Vec::new(), Vec::new());
    for call in calls {
        let command = text(call, "command")?;
        names.push(
            text(call, "name")
                .unwrap_or_else(|| format!("M{}", names.len() + 1)),
        );
        commands.push(command);
    }
    Some((commands, names))
}

/// Reads what `path` recorded: its evaluation if it holds task records (all
/// of one evaluation), else its last vote.
pub fn read_logged(path: &str) -> Result<Logged, String> {
    let (lines, _) = lines(path, "rescore")?;
    let bad = |number: usize, what: &str| {
        format!("--rescore: '{path}', line {number}: {what}")
    };
    let mut tasks: Vec<(usize, Recorded)> = Vec::new();
    let mut identity: Option<(Vec<String>, Vec<String>, String)> = None;
    let mut last_vote = None;
    let mut vote_count = 0;
    for (number, value) in &lines {
        let Some(value) = value else { continue };
        if let Some((task, record)) = task_record(value) {
            let calls =
                value.get("calls").map(Value::items).unwrap_or_default();
            let (commands, names) = commands_of(calls)
                .ok_or_else(|| bad(*number, "a malformed record"))?;
            let file = value
                .get("tasks_file")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let this = (commands, names, file);
            match &identity {
                None => identity = Some(this),
                Some(first) if first.0 != this.0 => {
                    return Err(bad(
                        *number,
                        "recorded with other commands than the first task",
                    ));
                }
                Some(_) => {}
            }
            if tasks.iter().all(|(line, _)| *line != task) {
                tasks.push((task, record));
            }
        } else if value.get("decision").is_some() {
            vote_count += 1;
            last_vote = Some((*number, value));
        }
    }
    if let Some((commands, names, tasks_file)) = identity {
        tasks.sort_by_key(|(line, _)| *line);
        return Ok(Logged::Evaluation { commands, names, tasks_file, tasks });
    }
    let Some((number, vote)) = last_vote else {
        return Err(format!(
            "--rescore: '{path}' holds no record of a vote or an evaluation"
        ));
    };
    let malformed = || bad(number, "a malformed record of a vote");
    let voters =
        vote.get("voters").and_then(Value::as_u64).ok_or_else(malformed)?;
    let voters = usize::try_from(voters).map_err(|_| malformed())?;
    let items = vote.get("calls").map(Value::items).unwrap_or_default();
    let prompt =
        vote.get("prompt").and_then(Value::as_str).ok_or_else(|| {
            bad(
                number,
                "a vote logged without its prompt (by an older dual_model)",
            )
        })?;
    let mut calls = Vec::new();
    for item in items {
        let call = recorded_call(item).ok_or_else(malformed)?;
        let at =
            item.get("call").and_then(Value::as_u64).ok_or_else(malformed)?;
        let at = usize::try_from(at)
            .map_err(|_| malformed())?
            .checked_sub(1)
            .ok_or_else(malformed)?;
        if calls.len() <= at {
            calls.resize(at + 1, Call::unneeded());
        }
        calls[at] = call;
    }
    let list = |key: &str| -> Option<Vec<String>> {
        let items = vote.get(key)?.items();
        items.iter().map(|v| v.as_str().map(str::to_string)).collect()
    };
    let (Some(commands), Some(names)) = (list("commands"), list("names"))
    else {
        return Err(malformed());
    };
    if commands.len() != voters || names.len() != voters {
        return Err(malformed());
    }
    Ok(Logged::Vote {
        commands,
        names,
        prompt: prompt.as_bytes().to_vec(),
        calls,
        votes: vote_count,
    })
}
