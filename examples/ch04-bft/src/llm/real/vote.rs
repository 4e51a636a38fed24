//! A vote of real models: every command answers one prompt, the answers are
//! grouped, an optional check gates each group, and a quorum decides.
//!
//! A call that times out, fails, prints too much or fails the check
//! *abstains*: it votes for nothing, but still counts among the N voters, so
//! an abstention can never make a quorum easier to reach.

use std::io::{self, Write};
use std::sync::Arc;

use super::answers::Compare;
use super::call::{Call, Limits, Runner, Status, last_line};
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
pub fn ask(
    runner: &Runner,
    settings: &Settings,
    prompt: &Arc<Vec<u8>>,
) -> Ballot {
    let calls = all_at_once(settings.commands.len(), |i| {
        runner.call(&settings.commands[i], prompt)
    });
    let mut ballot = Ballot::of(calls, settings.compare);
    if let Some(check) = &settings.check {
        let ballot_ref = &ballot;
        let verdicts = all_at_once(ballot.groups.len(), |g| {
            let answer =
                &ballot_ref.calls[ballot_ref.groups[g].members[0]].output;
            runner.check(check, answer).status
        });
        for (g, verdict) in verdicts.into_iter().enumerate() {
            let passed = verdict == Status::Answered;
            ballot.groups[g].passed = passed;
            for &i in &ballot.groups[g].members {
                ballot.calls[i].status = match &verdict {
                    Status::Answered => Status::Answered,
                    // A check the machine could not run judged nothing.
                    Status::NotRun(why) => {
                        Status::NotRun(format!("the check: {why}"))
                    }
                    _ => Status::FailedCheck,
                };
            }
        }
    }
    ballot
}

impl Ballot {
    /// The calls grouped by the key of their answers.
    pub fn of(calls: Vec<Call>, compare: Compare) -> Ballot {
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of = vec![None; calls.len()];
        for (i, call) in calls.iter().enumerate() {
            if call.status != Status::Answered {
                continue;
            }
            let key = compare.key(&call.output);
            let g = if let Some(g) = groups.iter().position(|gr| gr.key == key)
            {
                g
            } else {
                groups.push(Group { key, members: Vec::new(), passed: true });
                groups.len() - 1
            };
            groups[g].members.push(i);
            group_of[i] = Some(g);
        }
        Ballot { calls, groups, group_of }
    }

    /// Calls the machine could not run, and why the first could not.
    pub fn not_run(&self) -> (usize, Option<&str>) {
        let mut reasons =
            self.calls.iter().filter_map(|call| match &call.status {
                Status::NotRun(why) => Some(why.as_str()),
                _ => None,
            });
        let first = reasons.next();
        (first.map_or(0, |_| 1 + reasons.count()), first)
    }
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

/// What a vote came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// This group has the quorum.
    Accepted(usize),
    /// No answer has the quorum, and none could have.
    Rejected,
    /// No answer has the quorum, but the calls that could not run might
    /// have given it one: the machine, not the models, left it open.
    Undecided,
}

impl Ballot {
    /// The most valid votes any group has.
    pub fn most_votes(&self) -> usize {
        (0..self.groups.len()).map(|g| self.votes(g)).max().unwrap_or(0)
    }

    pub fn decision(&self, quorum: usize) -> Decision {
        if let Some(g) = self.decide(quorum) {
            return Decision::Accepted(g);
        }
        let (not_run, _) = self.not_run();
        if not_run > 0 && self.most_votes() + not_run >= quorum {
            Decision::Undecided
        } else {
            Decision::Rejected
        }
    }
}

/// The report on stderr: each call (with the last line of its stderr when it
/// did not answer), each group, the decision and why.
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
        if call.status != Status::Answered {
            if let Some(line) = last_line(&call.stderr) {
                writeln!(out, "           stderr: {line}")?;
            }
        }
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
    let best = ballot.most_votes();
    match ballot.decision(quorum) {
        Decision::Accepted(g) => writeln!(
            out,
            "decision: accepted group {} with {} of {n} votes (quorum {quorum})",
            g + 1,
            ballot.votes(g)
        ),
        Decision::Rejected => writeln!(
            out,
            "decision: rejected: no answer has {quorum} of {n} votes (the most any has \
             is {best}); abstentions count as votes for nothing"
        ),
        Decision::Undecided => writeln!(
            out,
            "decision: none: {} call(s) could not run, and with them an answer might \
             have reached {quorum} of {n} votes",
            ballot.not_run().0
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn runner(settings: &Settings) -> Runner {
        Runner::new(settings.limits, settings.check.is_some()).unwrap()
    }

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
        let ballot = ask(&runner(&s), &s, &Arc::new(Vec::new()));
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
        let dir = crate::llm::real::call::ScratchDir::new().unwrap();
        let runs = dir.path().join("runs");
        let check = format!(
            "echo run >> '{}'; grep -qx 42 \"$ANSWER_FILE\"",
            runs.display()
        );
        let s = settings(
            &["echo 42", "echo 42", "echo 7", "echo 7", "echo 7"],
            Some(&check),
        );
        let ballot = ask(&runner(&s), &s, &Arc::new(Vec::new()));
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 2);
        assert!(ballot.groups[0].passed && !ballot.groups[1].passed);
        assert_eq!(ballot.calls[2].status, Status::FailedCheck);
        assert_eq!((ballot.votes(0), ballot.votes(1)), (2, 0));
        assert_eq!(ballot.decide(3), None, "three 7s fail the check");
        assert_eq!(ballot.decide(2), Some(0));
    }

    #[test]
    fn calls_that_could_not_run_leave_a_vote_open_only_if_they_could_change_it()
    {
        let call = |status: Status, output: &str| Call {
            status,
            exit_code: None,
            output: output.as_bytes().to_vec(),
            stderr: Vec::new(),
            duration: Duration::ZERO,
        };
        let answer = |text| call(Status::Answered, text);
        let not_run = || call(Status::NotRun("Too many open files".into()), "");
        let ballot = |calls| Ballot::of(calls, Compare::Trim);
        let agreed = ballot(vec![answer("1"), answer("1"), not_run()]);
        assert_eq!(agreed.decision(2), Decision::Accepted(0));
        assert_eq!(agreed.not_run(), (1, Some("Too many open files")));
        let split = ballot(vec![answer("1"), answer("2"), not_run()]);
        assert_eq!(split.decision(2), Decision::Undecided);
        // Five voters, quorum 3: the best has 1, and one more call could
        // not bring it to 3.
        let hopeless = ballot(vec![
            answer("1"),
            answer("2"),
            call(Status::TimedOut, ""),
            answer("3"),
            not_run(),
        ]);
        assert_eq!(hopeless.decision(3), Decision::Rejected);
        let none = ballot(vec![answer("1"), answer("2"), answer("3")]);
        assert_eq!(
            (none.decision(2), none.not_run()),
            (Decision::Rejected, (0, None))
        );
    }
}
