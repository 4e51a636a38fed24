//! A vote of real models: every command answers one prompt, the answers are
//! grouped, an optional check gates each group, and a quorum decides.
//!
//! A call that times out, fails, prints too much or fails the check
//! *abstains*: it votes for nothing, but still counts among the N voters, so
//! an abstention can never make a quorum easier to reach.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::answers::Compare;
use super::commands::{Call, Limits, PrivateDir, Status, run_command};
use crate::cli::one_line;
use crate::threads::all_at_once;

/// What every call of a vote, or of an evaluation, runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub commands: Vec<String>,
    pub limits: Limits,
    pub check: Option<String>,
    pub compare: Compare,
}

/// Calls whose answers compare equal. `passed` is the check's verdict
/// (`true` when there is no check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: Vec<u8>,
    pub members: Vec<usize>,
    pub passed: bool,
}

/// Every call's result and the groups of their answers, in the order the
/// commands were given and the answers first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub calls: Vec<Call>,
    pub groups: Vec<Group>,
    /// The group of each call that answered, whether or not it passed.
    pub group_of: Vec<Option<usize>>,
}

/// Asks every command `prompt`, groups the answers, and checks each group
/// once. A group that fails the check makes its calls abstain.
pub fn ask(settings: &Settings, prompt: &[u8]) -> Ballot {
    let mut calls = all_at_once(settings.commands.len(), |i| {
        run_command(&settings.commands[i], prompt, &[], settings.limits)
    });
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of = vec![None; calls.len()];
    for (i, call) in calls.iter().enumerate() {
        if call.status != Status::Answered {
            continue;
        }
        let key = settings.compare.key(&call.output);
        let g = if let Some(g) = groups.iter().position(|gr| gr.key == key) {
            g
        } else {
            groups.push(Group { key, members: Vec::new(), passed: true });
            groups.len() - 1
        };
        groups[g].members.push(i);
        group_of[i] = Some(g);
    }
    if let Some(check) = &settings.check {
        let verdicts = all_at_once(groups.len(), |g| {
            let answer = &calls[groups[g].members[0]].output;
            passes(check, answer, settings.limits)
        });
        for (group, passed) in groups.iter_mut().zip(verdicts) {
            group.passed = passed;
            if !passed {
                for &i in &group.members {
                    calls[i].status = Status::FailedCheck;
                }
            }
        }
    }
    Ballot { calls, groups, group_of }
}

/// Runs the check on one answer: its bytes on stdin, and in a file named by
/// `ANSWER_FILE` inside a fresh private directory, removed afterwards.
fn passes(check: &str, answer: &[u8], limits: Limits) -> bool {
    let Ok(dir) = PrivateDir::new() else { return false };
    let file = dir.path().join("answer");
    if std::fs::write(&file, answer).is_err() {
        return false;
    }
    let call = run_command(check, answer, &[("ANSWER_FILE", &file)], limits);
    call.status == Status::Answered
}

// ANCHOR: decide
impl Ballot {
    /// Valid votes of group `g`: its calls, if it passed the check.
    pub fn votes(&self, g: usize) -> usize {
        let group = &self.groups[g];
        if group.passed { group.members.len() } else { 0 }
    }

    /// The group with at least `quorum` votes. Since the quorum is more
    /// than half of the voters, at most one group can have it.
    pub fn decide(&self, quorum: usize) -> Option<usize> {
        (0..self.groups.len()).find(|&g| self.votes(g) >= quorum)
    }
}
// ANCHOR_END: decide

/// The report on stderr: each call, each group, the decision and why.
pub fn report(
    out: &mut dyn Write,
    settings: &Settings,
    ballot: &Ballot,
    quorum: usize,
) -> io::Result<()> {
    let n = ballot.calls.len();
    let timeout = settings.limits.timeout.as_secs_f64();
    writeln!(
        out,
        "vote: {n} call(s), quorum {quorum} of {n}, compare {}, timeout {timeout} s",
        settings.compare.name()
    )?;
    for (i, call) in ballot.calls.iter().enumerate() {
        let group = ballot.group_of[i]
            .map_or("-".to_string(), |g| format!("{}", g + 1));
        writeln!(
            out,
            "   call {:<2} {:<24} group {group:<3} {:>7.3} s   {}",
            i + 1,
            call.status.describe(),
            call.duration.as_secs_f64(),
            one_line(&settings.commands[i])
        )?;
    }
    for (g, group) in ballot.groups.iter().enumerate() {
        let calls: Vec<String> =
            group.members.iter().map(|i| (i + 1).to_string()).collect();
        let check = match (&settings.check, group.passed) {
            (None, _) => "",
            (Some(_), true) => ", passed the check",
            (Some(_), false) => ", failed the check: no votes",
        };
        writeln!(
            out,
            "   group {}: {} vote(s) (call {}){check}",
            g + 1,
            ballot.votes(g),
            calls.join(", ")
        )?;
    }
    let best =
        (0..ballot.groups.len()).map(|g| ballot.votes(g)).max().unwrap_or(0);
    match ballot.decide(quorum) {
        Some(g) => writeln!(
            out,
            "decision: accepted group {} with {} of {n} votes (quorum {quorum})",
            g + 1,
            ballot.votes(g)
        ),
        None => writeln!(
            out,
            "decision: rejected: no answer has {quorum} of {n} votes (the most any has \
             is {best}); abstentions count as votes for nothing"
        ),
    }
}

/// `text` as a JSON string: quotes, backslashes and control characters
/// escaped. Bytes that are not UTF-8 become U+FFFD.
pub fn json_string(text: &[u8]) -> String {
    let mut json = String::from("\"");
    for c in String::from_utf8_lossy(text).chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                // Writing to a String cannot fail.
                let _ = write!(json, "\\u{:04x}", u32::from(c));
            }
            c => json.push(c),
        }
    }
    json.push('"');
    json
}

/// One line of JSON for the log: each call, the quorum, the decision.
pub fn log_line(settings: &Settings, ballot: &Ballot, quorum: usize) -> String {
    let calls: Vec<String> = ballot
        .calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let exit_code = call.exit_code.map_or("null".to_string(), |c| c.to_string());
            let group = ballot.group_of[i].map_or("null".to_string(), |g| (g + 1).to_string());
            format!(
                "{{\"command\":{},\"status\":{},\"exit_code\":{exit_code},\"duration_ms\":{},\
                 \"output\":{},\"output_is_utf8\":{},\"group\":{group}}}",
                json_string(settings.commands[i].as_bytes()),
                json_string(call.status.describe().as_bytes()),
                call.duration.as_millis(),
                json_string(&call.output),
                std::str::from_utf8(&call.output).is_ok(),
            )
        })
        .collect();
    let decision = ballot.decide(quorum);
    format!(
        "{{\"voters\":{},\"quorum\":{quorum},\"compare\":\"{}\",\"calls\":[{}],\
         \"decision\":\"{}\",\"group\":{}}}",
        ballot.calls.len(),
        settings.compare.name(),
        calls.join(","),
        if decision.is_some() { "accepted" } else { "rejected" },
        decision.map_or("null".to_string(), |g| (g + 1).to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings(commands: &[&str], check: Option<&str>) -> Settings {
        Settings {
            commands: commands.iter().map(|c| (*c).to_string()).collect(),
            limits: Limits {
                timeout: Duration::from_secs(10),
                max_output: 1 << 20,
            },
            check: check.map(str::to_string),
            compare: Compare::Trim,
        }
    }

    #[test]
    fn answers_group_and_the_quorum_counts_every_voter() {
        let s =
            settings(&["echo 42", "echo '42  '", "echo 41", "exit 1"], None);
        let ballot = ask(&s, b"");
        assert_eq!(ballot.groups.len(), 2);
        assert_eq!(ballot.groups[0].members, [0, 1]);
        assert_eq!(ballot.group_of, [Some(0), Some(0), Some(1), None]);
        assert_eq!(ballot.calls[3].status, Status::Failed(Some(1)));
        // 2 of 4 is not more than half: no quorum of 3 is met, 2 would be.
        assert_eq!(ballot.decide(3), None);
        assert_eq!(ballot.decide(2), Some(0));
    }

    #[test]
    fn a_check_runs_once_per_group_and_failing_groups_abstain() {
        // The check counts its runs in a file, and passes only "42".
        let dir = PrivateDir::new().unwrap();
        let runs = dir.path().join("runs");
        let check = format!(
            "echo run >> '{}'; grep -qx 42 \"$ANSWER_FILE\"",
            runs.display()
        );
        let s = settings(
            &["echo 42", "echo 42", "echo 7", "echo 7", "echo 7"],
            Some(&check),
        );
        let ballot = ask(&s, b"");
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 2);
        assert!(ballot.groups[0].passed && !ballot.groups[1].passed);
        assert_eq!(ballot.calls[2].status, Status::FailedCheck);
        assert_eq!((ballot.votes(0), ballot.votes(1)), (2, 0));
        assert_eq!(ballot.decide(3), None, "three 7s fail the check");
        assert_eq!(ballot.decide(2), Some(0));
    }

    #[test]
    fn json_strings_escape_everything_json_requires() {
        assert_eq!(
            json_string(b"a\"b\\c\n\t\r\x01\x7f"),
            r#""a\"b\\c\n\t\r\u0001\u007f""#
        );
        assert_eq!(json_string(&[b'o', 0xFF, b'k']), "\"o\u{FFFD}k\"");
        assert_eq!(json_string("é ✓".as_bytes()), "\"é ✓\"");
    }
}
