//! A vote's ballot: each call made, the groups of equal answers, and what
//! the vote decided; how the rules read it, and how the machine's failures
//! leave it open.

use super::call::{Call, Status, last_line};
use crate::llm::rules::{Rule, Step};

/// Calls whose answers compare equal. `verdict` is the check's: `None`
/// while it has not judged (or never will: a group that could not win).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: Vec<u8>,
    pub members: Vec<usize>,
    pub verdict: Option<bool>,
    /// The call whose output the check judged: the one printed if the
    /// group wins (its bytes may differ from another member's).
    pub checked: Option<usize>,
}

/// What a vote came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// This group won.
    Accepted(usize),
    /// No answer won, and none could have.
    Rejected,
    /// No answer won, but calls the machine could not run might have
    /// changed that: the machine, not the models, left it open.
    Undecided,
}

/// Every call made, in the order started, the groups of their answers, in
/// the order they first appeared, and the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub calls: Vec<Call>,
    /// The command of each call (round-robin for ahead-by-k).
    pub command_of: Vec<usize>,
    pub groups: Vec<Group>,
    /// The group of each call that answered, whether or not it passed.
    pub group_of: Vec<Option<usize>>,
    pub decision: Decision,
}

impl Ballot {
    /// Numbers the groups by their first call and lists each group's calls
    /// in order, whatever order the answers came in: the same answers give
    /// the same report.
    pub(super) fn in_call_order(&mut self) {
        for group in &mut self.groups {
            group.members.sort_unstable();
        }
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        order.sort_by_key(|&g| self.groups[g].members[0]);
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let old_groups = std::mem::take(&mut self.groups);
        let mut slots: Vec<Option<Group>> =
            old_groups.into_iter().map(Some).collect();
        self.groups = order.iter().filter_map(|&g| slots[g].take()).collect();
        for g in self.group_of.iter_mut().flatten() {
            *g = new_index[*g];
        }
        if let Decision::Accepted(g) = self.decision {
            self.decision = Decision::Accepted(new_index[g]);
        }
    }

    /// Puts call `i` in the group of `key`, a new one if needed; returns
    /// the group. Without a check, a group is valid from the start.
    pub(super) fn join(
        &mut self,
        i: usize,
        key: Vec<u8>,
        unchecked: bool,
    ) -> usize {
        let found = self.groups.iter().position(|group| group.key == key);
        let g = found.unwrap_or_else(|| {
            let verdict = unchecked.then_some(true);
            let group =
                Group { key, members: Vec::new(), verdict, checked: None };
            self.groups.push(group);
            self.groups.len() - 1
        });
        self.groups[g].members.push(i);
        self.group_of[i] = Some(g);
        g
    }
}

// ANCHOR: votes
impl Ballot {
    /// Each group's votes: its calls if the check passed it, or with
    /// `hopeful`, if the check has not failed it (yet).
    pub fn votes(&self, hopeful: bool) -> Vec<usize> {
        let counts = |group: &Group| match group.verdict {
            Some(true) => group.members.len(),
            None if hopeful => group.members.len(),
            _ => 0,
        };
        self.groups.iter().map(counts).collect()
    }

    /// The decision once `done` calls have ended and `checking` checks run,
    /// if the rule can make it now. An acceptance waits for every check
    /// that could change it; a fixed quorum, once reached, no check can.
    pub(super) fn step(
        &self,
        rule: Rule,
        done: usize,
        checking: usize,
        results: &[Option<Call>],
    ) -> Option<Decision> {
        let fixed = !matches!(rule, Rule::AheadBy { .. });
        // A call the machine could not run has not decided anything: until
        // the end, it counts as a call still to come, never as a reason to
        // reject.
        let done = done - not_run(results.iter().flatten()).0;
        let sure = rule.decide(&self.votes(false), done);
        if let Step::Accept(g) = sure
            && (checking == 0 || fixed)
        {
            return Some(Decision::Accepted(g));
        }
        if checking > 0 {
            // While checks run, only a quorum that even hopeful votes
            // cannot reach any more is decided.
            let hopeless = rule.decide(&self.votes(true), done) == Step::Reject;
            return (fixed && hopeless)
                .then(|| self.rejected(rule, results.iter().flatten()));
        }
        (sure == Step::Reject)
            .then(|| self.rejected(rule, results.iter().flatten()))
    }
}
// ANCHOR_END: votes

impl Ballot {
    /// A rejection, unless calls the machine could not run might have
    /// changed it.
    pub(super) fn rejected<'a>(
        &self,
        rule: Rule,
        calls: impl IntoIterator<Item = &'a Call>,
    ) -> Decision {
        let (not_run, _) = not_run(calls);
        let best = self.votes(true).into_iter().max().unwrap_or(0);
        let could = match rule {
            Rule::Fixed { quorum, .. } | Rule::Cascade { quorum, .. } => {
                best + not_run >= quorum
            }
            Rule::AheadBy { .. } => true,
        };
        if not_run > 0 && could {
            Decision::Undecided
        } else {
            Decision::Rejected
        }
    }

    /// The decision when every call has ended: for a vote that waited for
    /// all, or one whose calls ran out.
    pub(super) fn final_decision(&self, rule: Rule, done: usize) -> Decision {
        match rule.decide(&self.votes(false), done) {
            Step::Accept(g) => Decision::Accepted(g),
            _ => self.rejected(rule, &self.calls),
        }
    }

    /// Calls the machine could not run, and why the first could not.
    pub fn not_run(&self) -> (usize, Option<&str>) {
        not_run(&self.calls)
    }

    /// The call whose output a vote that accepted `g` prints: the one the
    /// check passed, or the group's first.
    pub fn printed(&self, g: usize) -> usize {
        let group = &self.groups[g];
        group.checked.unwrap_or(group.members[0])
    }

    /// The first command whose every call that ran ended with the shell's
    /// "not found" (127) or "cannot run" (126): a mistake in the command
    /// line, not an abstention. With the last line of its stderr.
    pub fn never_found(
        &self,
        commands: usize,
    ) -> Option<(usize, Option<String>)> {
        (0..commands).find_map(|c| {
            let ran: Vec<&Call> = (0..self.calls.len())
                .filter(|&i| self.command_of[i] == c)
                .map(|i| &self.calls[i])
                .filter(|call| call.status.ended())
                .collect();
            let missing =
                !ran.is_empty() && ran.iter().all(|k| k.status.not_found());
            missing.then(|| (c, ran.last().and_then(|k| last_line(&k.stderr))))
        })
    }

    /// Calls started, that is, paid for.
    pub fn calls_made(&self) -> usize {
        self.calls.iter().filter(|c| c.status != Status::Unneeded).count()
    }
}

/// How many of `calls` the machine could not run, and why the first could
/// not.
fn not_run<'a>(
    calls: impl IntoIterator<Item = &'a Call>,
) -> (usize, Option<&'a str>) {
    let mut reasons = calls.into_iter().filter_map(|call| match &call.status {
        Status::NotRun(why) => Some(why.as_str()),
        _ => None,
    });
    let first = reasons.next();
    (first.map_or(0, |_| 1 + reasons.count()), first)
}
