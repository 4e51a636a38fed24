//! A vote's report on stderr: the commands by name, each call (its key,
//! the check's reason, or the last line of its stderr), each group, and the
//! decision and why.

use std::io::{self, Write};

use super::call::{Status, last_line};
use super::vote::{Ballot, Decision, Plan, Settings};
use crate::cli::one_line;
use crate::llm::rules::Rule;

/// The rule in words, for the report: "quorum 2 of 3", "cascade, quorum
/// 2 of 3", "ahead by 2, at most 5 calls".
pub fn rule_words(rule: Rule) -> String {
    match rule {
        Rule::Fixed { voters, quorum } => {
            format!("quorum {quorum} of {voters}")
        }
        Rule::Cascade { voters, quorum } => {
            format!("cascade, quorum {quorum} of {voters}")
        }
        Rule::AheadBy { lead, max_calls } => {
            format!("ahead by {lead}, at most {max_calls} calls")
        }
    }
}

/// A key as the reports show it: one line, at most 40 characters.
pub fn shown_key(key: &[u8]) -> String {
    let text = one_line(&String::from_utf8_lossy(key));
    if text.chars().count() <= 40 {
        return text;
    }
    let cut: String = text.chars().take(39).collect();
    format!("{cut}\u{2026}")
}

/// The report on stderr: the commands by name, each call (its key, or the
/// last line of its stderr when it did not answer), each group, the
/// decision and why.
pub fn report(
    out: &mut dyn Write,
    settings: &Settings,
    ballot: &Ballot,
    plan: Plan,
) -> io::Result<()> {
    let made = ballot.calls_made();
    let timeout = settings.limits.timeout.as_secs_f64();
    writeln!(
        out,
        "vote: {}, {made} call(s) made, read {}, timeout {timeout} s",
        rule_words(plan.rule),
        settings.reading.describe()
    )?;
    let width = settings.names.iter().map(|n| n.chars().count()).max();
    let width = width.unwrap_or(0);
    for (name, command) in settings.names.iter().zip(&settings.commands) {
        writeln!(out, "  {name:<width$}  {}", one_line(command))?;
    }
    for (i, call) in ballot.calls.iter().enumerate() {
        if call.status == Status::Unneeded {
            continue;
        }
        let group = ballot.group_of[i]
            .map_or("-".to_string(), |g| format!("{}", g + 1));
        let key = match (&call.status, &call.key) {
            (Status::Answered | Status::FailedCheck, Some(key)) => {
                format!("  key {}", shown_key(key))
            }
            _ => String::new(),
        };
        let retried = match call.retried.len() {
            0 => String::new(),
            n => format!("  after {n} failed attempt(s)"),
        };
        writeln!(
            out,
            "  call {:<2} {:<width$}  {:<18} group {group:<2} {:>6.3} s{key}{retried}",
            i + 1,
            settings.names[ballot.command_of[i]],
            call.status.describe(),
            call.duration.as_secs_f64(),
        )?;
        if let (Status::FailedCheck, Some(said)) =
            (&call.status, &call.check_said)
        {
            writeln!(out, "          the check said: {said}")?;
        }
        if !matches!(
            call.status,
            Status::Answered
                | Status::Stopped
                | Status::CanonFailed(_)
                | Status::FailedCheck
        ) && let Some(line) = last_line(&call.stderr)
        {
            writeln!(out, "          stderr: {line}")?;
        }
    }
    let votes = ballot.votes(false);
    for (g, group) in ballot.groups.iter().enumerate() {
        let calls: Vec<String> =
            group.members.iter().map(|i| (i + 1).to_string()).collect();
        let check = match (&settings.check, group.verdict) {
            (None, _) => "",
            (Some(_), Some(true)) => ", passed the check",
            (Some(_), Some(false)) => ", failed the check: no votes",
            (Some(_), None) => ", not checked (it could not win): no votes",
        };
        writeln!(
            out,
            "  group {}: {} vote(s) (call {}){check}",
            g + 1,
            votes[g],
            calls.join(", ")
        )?;
    }
    let best = votes.iter().copied().max().unwrap_or(0);
    let why = match plan.rule {
        Rule::Fixed { quorum, .. } | Rule::Cascade { quorum, .. } => {
            format!("no answer has {quorum} votes (the most: {best})")
        }
        Rule::AheadBy { lead, .. } => {
            format!("no answer leads every other by {lead}")
        }
    };
    match ballot.decision {
        Decision::Accepted(g) => writeln!(
            out,
            "decision: accepted group {} with {} vote(s) of {made} call(s)",
            g + 1,
            votes[g]
        ),
        Decision::Rejected => {
            writeln!(out, "decision: rejected: {why};")?;
            writeln!(out, "  abstentions count as votes for nothing")
        }
        Decision::Undecided => writeln!(
            out,
            "decision: none: {} call(s) could not run, and with them {why} might \
             not hold",
            ballot.not_run().0
        ),
    }
}
