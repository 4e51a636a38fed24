//! A vote of real models. Calls start as the rule wants them (all at once
//! for a fixed vote, as needed for a cascade, one after another for
//! ahead-by-k), answers are grouped as they come, a check gates each group
//! that could still win, and the vote ends as soon as its rule decides: the
//! calls still running are then stopped, their process groups with them.
//!
//! A call that times out, fails, prints too much or fails the check
//! *abstains*: it votes for nothing, but still counts as a call made, so an
//! abstention can never make a quorum easier to reach.

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, Scope};

pub use super::ballot::{Ballot, Decision, Group};

use super::answers::Reading;
use super::call::{Call, Limits, Runner, Status, Stop, last_line};
use super::keys::Keys;
use super::retry::Retry;
use crate::llm::rules::Rule;
use crate::threads::lock;

/// What every call of a vote, or of an evaluation, runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub commands: Vec<String>,
    /// A short name for each command (`--name`, or made from it).
    pub names: Vec<String>,
    pub limits: Limits,
    pub check: Option<String>,
    pub reading: Reading,
    /// `--retries`, `--retry-if`.
    pub retry: Retry,
}

/// Where a vote's calls come from: its commands, run now on a prompt, or
/// a log's record of them (`--resume`, `--rescore`), in the order made.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Live(&'a Arc<Vec<u8>>),
    Recorded(&'a [Call]),
}

impl Source<'_> {
    /// Call `i`: run now, or as recorded. A recorded call is read again
    /// from how its command ended; one the log lacks did not run.
    fn call(
        &self,
        runner: &Runner,
        settings: &Settings,
        i: usize,
        stop: &Stop,
    ) -> Call {
        let command = &settings.commands[i % settings.commands.len()];
        match self {
            Source::Live(prompt) => {
                settings.retry.call(runner, command, prompt, stop)
            }
            Source::Recorded(calls) => {
                let status = match calls.get(i).map(|call| &call.status) {
                    None => Status::NotRun("not in the log".into()),
                    // Stopped once decided: what it would have said is not
                    // known.
                    Some(Status::Stopped | Status::Unneeded) => {
                        Status::NotRun("not in the log".into())
                    }
                    Some(status) => status.ran(),
                };
                let recorded = calls.get(i).cloned();
                Call {
                    status,
                    key: None,
                    ..recorded.unwrap_or_else(Call::unneeded)
                }
            }
        }
    }
}

/// How a vote runs: its rule, and whether it waits for every call even
/// when the decision is known (an evaluation measures every model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub rule: Rule,
    pub wait_all: bool,
}

/// What ended: a call (by its number) or a group's check.
enum Ended {
    Call(usize, Call),
    /// A group's check: how it ended, and the last line of its stderr.
    Check(usize, Status, Option<String>),
}

/// Runs `job` on a thread of its own that reports to `ended`; on this
/// thread, if the machine refuses a thread.
fn start<'scope>(
    scope: &'scope Scope<'scope, '_>,
    ended: &Sender<Ended>,
    job: impl FnOnce() -> Ended + Send + 'scope,
) {
    // Shared with the thread, so that it can still run here if the thread
    // is refused (spawning consumes what it was given).
    let shared = Arc::new(Mutex::new(Some(job)));
    let run = {
        let (shared, sender) = (Arc::clone(&shared), ended.clone());
        move || {
            let job = lock(&shared).take();
            if let Some(job) = job {
                let _ = sender.send(job());
            }
        }
    };
    let spawned = crate::memory::claim(crate::memory::THREAD).map(|room| {
        thread::Builder::new().stack_size(crate::memory::STACK).spawn_scoped(
            scope,
            move || {
                let _room = room;
                run();
            },
        )
    });
    if !matches!(spawned, Some(Ok(_))) {
        let job = lock(&shared).take();
        if let Some(job) = job {
            let _ = ended.send(job());
        }
    }
}

/// A vote under way: what has started, ended and been judged.
struct Count {
    ballot: Ballot,
    results: Vec<Option<Call>>,
    /// What each group's check said, once it has, and its stderr's last
    /// line.
    checks: Vec<Option<(Status, Option<String>)>>,
    stops: Vec<Stop>,
    running: usize,
    checking: usize,
    /// Calls that ended (abstentions included; stopped ones not).
    done: usize,
}

/// A check's verdict as the status of the calls it judged.
fn judged(check: &Status) -> Status {
    match check {
        Status::Answered => Status::Answered,
        // A check the machine could not run judged nothing.
        Status::NotRun(why) => Status::NotRun(format!("the check: {why}")),
        _ => Status::FailedCheck,
    }
}

impl Count {
    /// Call `i` ended. Returns the group to check now, if one is: a new
    /// group that could still win (or any, when the vote waits for all).
    fn call_ended(
        &mut self,
        i: usize,
        call: Call,
        settings: &Settings,
        plan: Plan,
    ) -> Option<usize> {
        self.running -= 1;
        let counts = !matches!(call.status, Status::Stopped | Status::Unneeded);
        let answered = call.status == Status::Answered;
        let key = call.key.clone().unwrap_or_default();
        self.results[i] = Some(call);
        if !counts {
            return None;
        }
        self.done += 1;
        if !answered {
            return None;
        }
        let g = self.ballot.join(i, key, settings.check.is_none());
        if g == self.checks.len() {
            self.checks.push(None);
        }
        if let (Some((status, said)), Some(call)) =
            (&self.checks[g], self.results[i].as_mut())
        {
            // Joined a group already judged.
            call.status = judged(status);
            call.check_said.clone_from(said);
        }
        let members = self.ballot.groups[g].members.len();
        let could_win = plan.wait_all
            || match plan.rule {
                Rule::Fixed { voters, quorum }
                | Rule::Cascade { voters, quorum } => {
                    members + (voters - self.done) >= quorum
                }
                Rule::AheadBy { .. } => true,
            };
        (settings.check.is_some() && members == 1 && could_win).then_some(g)
    }

    /// Group `g`'s check ended with `status`.
    fn check_ended(&mut self, g: usize, status: Status, said: Option<String>) {
        self.checking -= 1;
        self.ballot.groups[g].verdict = Some(status == Status::Answered);
        for &i in &self.ballot.groups[g].members {
            if let Some(call) = self.results[i].as_mut() {
                call.status = judged(&status);
                call.check_said.clone_from(&said);
            }
        }
        self.checks[g] = Some((status, said));
    }

    /// How many calls the rule wants started now. A cascade or ahead-by
    /// waits for a check before it pays for another call.
    fn wanted(&self, rule: Rule) -> usize {
        let best = self.ballot.votes(true).into_iter().max().unwrap_or(0);
        match rule {
            Rule::Fixed { voters, .. } => voters,
            _ if self.checking > 0 => self.results.len(),
            rule => rule.calls_wanted(best, self.done),
        }
    }
}

/// Asks the commands as `plan` says (from `source`), reads each answer's
/// key, and decides.
pub fn ask(
    runner: &Runner,
    settings: &Settings,
    plan: Plan,
    source: Source,
) -> Ballot {
    let keys = Keys::new(runner, &settings.reading);
    let n = settings.commands.len();
    let ballot = Ballot {
        calls: Vec::new(),
        command_of: Vec::new(),
        groups: Vec::new(),
        group_of: Vec::new(),
        decision: Decision::Rejected,
    };
    let keys = &keys;
    let mut count = Count {
        ballot,
        results: Vec::new(),
        checks: Vec::new(),
        stops: Vec::new(),
        running: 0,
        checking: 0,
        done: 0,
    };
    let (sender, ended) = mpsc::channel();
    let mut decided = None;
    thread::scope(|scope| {
        loop {
            while decided.is_none()
                && count.results.len() < count.wanted(plan.rule)
            {
                let i = count.results.len();
                let stop = Stop::default();
                count.stops.push(stop.clone());
                start(scope, &sender, move || {
                    let mut call = source.call(runner, settings, i, &stop);
                    keys.apply(&mut call, &stop);
                    Ended::Call(i, call)
                });
                count.results.push(None);
                count.ballot.command_of.push(i % n);
                count.ballot.group_of.push(None);
                count.running += 1;
            }
            if count.running == 0 && count.checking == 0 {
                break;
            }
            // The sender kept here means the channel never closes early.
            let Ok(event) = ended.recv() else { break };
            match event {
                Ended::Call(i, call) => {
                    let to_check = count.call_ended(i, call, settings, plan);
                    if let (Some(g), Some(check)) = (to_check, &settings.check)
                    {
                        let stop = Stop::default();
                        count.stops.push(stop.clone());
                        // The bytes checked are the bytes printed if the
                        // group wins, whichever member came first.
                        count.ballot.groups[g].checked = Some(i);
                        let answer =
                            count.results[i].as_ref().map(|c| c.output.clone());
                        let answer = answer.unwrap_or_default();
                        count.checking += 1;
                        start(scope, &sender, move || {
                            let checked = runner.check(check, &answer, &stop);
                            let said = last_line(&checked.stderr);
                            Ended::Check(g, checked.status, said)
                        });
                    }
                }
                Ended::Check(g, status, said) => {
                    count.check_ended(g, status, said);
                }
            }
            // A vote that waits for all decides at the end, with every
            // call and check known.
            if decided.is_none() && !plan.wait_all {
                decided = count.ballot.step(
                    plan.rule,
                    count.done,
                    count.checking,
                    &count.results,
                );
                if decided.is_some() {
                    for stop in &count.stops {
                        stop.stop();
                    }
                }
            }
        }
    });
    let mut ballot = count.ballot;
    ballot.calls = count
        .results
        .into_iter()
        .map(|c| c.unwrap_or_else(Call::unneeded))
        .collect();
    ballot.decision =
        decided.unwrap_or_else(|| ballot.final_decision(plan.rule, count.done));
    ballot.in_call_order();
    ballot
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn settings(commands: &[&str], check: Option<&str>) -> Settings {
        Settings {
            commands: commands.iter().map(|c| (*c).to_string()).collect(),
            names: (1..=commands.len()).map(|i| format!("M{i}")).collect(),
            limits: Limits {
                timeout: Duration::from_secs(10),
                max_output: 1 << 20,
            },
            check: check.map(str::to_string),
            reading: Reading::plain(crate::llm::real::answers::Compare::Trim),
            retry: Retry::default(),
        }
    }

    fn vote(s: &Settings, rule: Rule, wait_all: bool) -> Ballot {
        let runner = Runner::new(s.limits, s.check.is_some()).unwrap();
        let prompt = Arc::new(Vec::new());
        ask(&runner, s, Plan { rule, wait_all }, Source::Live(&prompt))
    }

    #[test]
    fn answers_group_in_call_order_and_the_quorum_counts_every_voter() {
        let s =
            settings(&["echo 41", "echo 42", "echo '42  '", "exit 1"], None);
        let ballot = vote(&s, Rule::Fixed { voters: 4, quorum: 3 }, true);
        assert_eq!(ballot.groups.len(), 2);
        assert_eq!(ballot.groups[1].members, [1, 2]);
        assert_eq!(ballot.group_of, [Some(0), Some(1), Some(1), None]);
        assert_eq!(ballot.calls[3].status, Status::Failed(Some(1)));
        // 2 of 4 votes, and the abstention still counts among the 4.
        assert_eq!(ballot.decision, Decision::Rejected);
        let three = settings(&["echo 41", "echo 42", "echo '42  '"], None);
        let ballot = vote(&three, Rule::Fixed { voters: 3, quorum: 2 }, true);
        assert_eq!(ballot.decision, Decision::Accepted(1));
    }

    #[test]
    fn a_decided_vote_stops_the_calls_still_running() {
        let s = settings(&["echo 42", "sleep 5; echo 42", "echo 42"], None);
        let start = Instant::now();
        let ballot = vote(&s, Rule::Fixed { voters: 3, quorum: 2 }, false);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(ballot.decision, Decision::Accepted(0));
        assert_eq!(ballot.calls[1].status, Status::Stopped);
        // Waiting for all gives the same decision, later.
        let all = vote(
            &settings(&["echo 42", "sleep 0.3; echo 41", "echo 42"], None),
            Rule::Fixed { voters: 3, quorum: 2 },
            true,
        );
        assert_eq!(
            (all.decision, &all.calls[1].status),
            (Decision::Accepted(0), &Status::Answered)
        );
    }

    #[test]
    fn a_cascade_starts_a_call_only_when_needed() {
        let rule = Rule::Cascade { voters: 3, quorum: 2 };
        let agree =
            vote(&settings(&["echo 1", "echo 1", "echo 2"], None), rule, false);
        assert_eq!(
            (agree.calls_made(), agree.decision),
            (2, Decision::Accepted(0))
        );
        let differ =
            vote(&settings(&["echo 1", "echo 2", "echo 2"], None), rule, false);
        assert_eq!(
            (differ.calls_made(), differ.decision),
            (3, Decision::Accepted(1))
        );
        let ahead = Rule::AheadBy { lead: 2, max_calls: 5 };
        let turns = vote(&settings(&["echo 1", "echo 2"], None), ahead, false);
        assert_eq!(
            (turns.calls_made(), turns.decision),
            (5, Decision::Rejected)
        );
        assert_eq!(turns.command_of, [0, 1, 0, 1, 0]);
    }

    #[test]
    fn a_check_runs_once_per_group_that_could_win_and_failing_groups_abstain() {
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
        let ballot = vote(&s, Rule::Fixed { voters: 5, quorum: 3 }, true);
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 2);
        assert_eq!(
            (ballot.groups[0].verdict, ballot.groups[1].verdict),
            (Some(true), Some(false))
        );
        assert_eq!(ballot.calls[2].status, Status::FailedCheck);
        assert_eq!(ballot.votes(false), [2, 0]);
        assert_eq!(
            ballot.decision,
            Decision::Rejected,
            "three 7s fail the check"
        );
        // Five different answers, quorum 3: none can win, none is checked.
        std::fs::remove_file(&runs).unwrap();
        let s = settings(
            &["echo 1", "echo 2", "echo 3", "echo 4", "echo 5"],
            Some(&check),
        );
        let ballot = vote(&s, Rule::Fixed { voters: 5, quorum: 3 }, false);
        assert_eq!(ballot.decision, Decision::Rejected);
        assert!(
            !runs.exists()
                || std::fs::read_to_string(&runs).unwrap().lines().count() < 5
        );
    }

    #[test]
    fn the_bytes_printed_are_the_bytes_the_check_passed() {
        // Both outputs share their first code block, so `code` groups them;
        // the first in command order comes last, with a second, harmful
        // block the check rejects. The check judges the first to arrive.
        let harmful =
            "sleep 0.3; printf '```\\nok\\n```\\n```\\nrm -rf ~\\n```\\n'";
        let clean = "printf '```\\nok\\n```\\n'";
        let mut s =
            settings(&[harmful, clean], Some("! grep -q rm \"$ANSWER_FILE\""));
        s.reading = Reading::plain(crate::llm::real::answers::Compare::Code);
        let ballot = vote(&s, Rule::Fixed { voters: 2, quorum: 2 }, false);
        assert_eq!(ballot.decision, Decision::Accepted(0));
        let printed = &ballot.calls[ballot.printed(0)].output;
        assert_eq!(printed, b"```\nok\n```\n", "never the unchecked bytes");
    }

    #[test]
    fn calls_that_could_not_run_leave_a_vote_open_only_if_they_could_change_it()
    {
        let call = |status: Status| Call {
            status,
            exit_code: None,
            output: Vec::new(),
            key: None,
            stderr: Vec::new(),
            duration: Duration::ZERO,
            retried: Vec::new(),
            check_said: None,
        };
        let ballot = |groups: &[usize], calls: Vec<Status>| Ballot {
            calls: calls.into_iter().map(call).collect(),
            command_of: Vec::new(),
            groups: groups
                .iter()
                .map(|&n| Group {
                    key: Vec::new(),
                    members: vec![0; n],
                    verdict: Some(true),
                    checked: None,
                })
                .collect(),
            group_of: Vec::new(),
            decision: Decision::Rejected,
        };
        let not_run = || Status::NotRun("Too many open files".into());
        let fixed = |voters, quorum| Rule::Fixed { voters, quorum };
        let open = ballot(
            &[1, 1],
            vec![Status::Answered, Status::Answered, not_run()],
        );
        assert_eq!(open.final_decision(fixed(3, 2), 3), Decision::Undecided);
        assert_eq!(open.not_run(), (1, Some("Too many open files")));
        let agreed =
            ballot(&[2], vec![Status::Answered, Status::Answered, not_run()]);
        assert_eq!(
            agreed.final_decision(fixed(3, 2), 3),
            Decision::Accepted(0)
        );
        // Five voters, quorum 3: the best has 1, and one more call could
        // not bring it to 3.
        let hopeless = ballot(
            &[1, 1, 1],
            vec![
                Status::Answered,
                Status::Answered,
                Status::TimedOut,
                Status::Answered,
                not_run(),
            ],
        );
        assert_eq!(hopeless.final_decision(fixed(5, 3), 5), Decision::Rejected);
    }

    #[test]
    fn early_wait_all_and_cascade_decide_alike_on_random_tables() {
        use crate::llm::rules::replay;
        use crate::rng::{below, draw};
        for table in 0..12_u64 {
            // Five commands: an answer from 1 to 3 after a random short
            // pause, or a failure.
            let pick = |i: u64| below(draw(table, i), 4);
            let commands: Vec<String> = (0..5)
                .map(|i| match pick(i) {
                    0 => "exit 1".to_string(),
                    a => format!("sleep 0.0{}; echo {a}", pick(10 + i)),
                })
                .collect();
            let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
            let s = settings(&refs, None);
            let answer = |ballot: &Ballot| match ballot.decision {
                Decision::Accepted(g) => Some(ballot.groups[g].key.clone()),
                _ => None,
            };
            for quorum in 3..=5 {
                let fixed = Rule::Fixed { voters: 5, quorum };
                let all = answer(&vote(&s, fixed, true));
                let expected = replay(
                    fixed,
                    (0..5).map(|i| {
                        (pick(i) > 0).then(|| pick(i).to_string().into_bytes())
                    }),
                );
                assert_eq!(
                    all, expected.answer,
                    "table {table}, quorum {quorum}: {commands:?}"
                );
                assert_eq!(
                    answer(&vote(&s, fixed, false)),
                    all,
                    "early, table {table}"
                );
                let cascade = Rule::Cascade { voters: 5, quorum };
                assert_eq!(
                    answer(&vote(&s, cascade, false)),
                    all,
                    "cascade, table {table}"
                );
            }
        }
    }
}
