//! When a vote is decided, and how many calls it needs: three rules, each
//! written once, for the simulation, the exact computation, the evaluation
//! and the vote of real commands alike.
//!
//! - **Fixed vote**: N calls, accept an answer with Q > N/2 votes. It is
//!   decided as soon as one answer has Q votes, or none can reach Q any more,
//!   which is always what waiting for every call would decide.
//! - **Cascade**: the same vote over the same answers, but only Q calls start
//!   at first, and another only while the calls already started could no
//!   longer decide it on their own.
//! - **First-to-ahead-by-k** (MAKER, Meyerson et al. 2025): calls one after
//!   another until one answer has k more votes than any other, or a cap on
//!   the calls is reached, and then the task is rejected.
//!
//! A call that abstains (times out, fails, fails the check) is a call made
//! that votes for nothing: it never shrinks a quorum.

/// A voting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Fixed { voters: usize, quorum: usize },
    Cascade { voters: usize, quorum: usize },
    AheadBy { lead: usize, max_calls: usize },
}

/// What a rule says about the votes so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Undecided: wait for the calls running, or start more.
    Wait,
    /// The answer with these votes (its index in the vote counts) wins.
    Accept(usize),
    /// No answer is accepted.
    Reject,
}

// ANCHOR: decide
impl Rule {
    /// The decision, given each answer's valid votes and the number of
    /// calls that have ended (abstentions included).
    pub fn decide(&self, votes: &[usize], ended: usize) -> Step {
        let (first, best) = leader(votes);
        match *self {
            Rule::Fixed { voters, quorum }
            | Rule::Cascade { voters, quorum } => {
                if best >= quorum {
                    Step::Accept(first)
                } else if best + (voters - ended) < quorum {
                    Step::Reject // even every call left could not make it
                } else {
                    Step::Wait
                }
            }
            Rule::AheadBy { lead, max_calls } => {
                let second = runner_up(votes, first);
                if best >= second + lead {
                    Step::Accept(first)
                } else if ended >= max_calls {
                    Step::Reject
                } else {
                    Step::Wait
                }
            }
        }
    }
}
// ANCHOR_END: decide

// ANCHOR: calls_wanted
impl Rule {
    /// How many calls should have started by now, undecided, with `ended`
    /// ended and `best` votes for the leading answer.
    pub fn calls_wanted(&self, best: usize, ended: usize) -> usize {
        match *self {
            Rule::Fixed { voters, .. } => voters,
            // Enough that the calls still running could bring the leader
            // to the quorum: ended + (quorum - best), and never fewer than Q.
            Rule::Cascade { voters, quorum } => {
                quorum.max(ended + quorum - best).min(voters)
            }
            Rule::AheadBy { max_calls, .. } => (ended + 1).min(max_calls),
        }
    }
}
// ANCHOR_END: calls_wanted

/// The first answer with the most votes, and its votes (0 when none).
fn leader(votes: &[usize]) -> (usize, usize) {
    let mut first = 0;
    for (i, &v) in votes.iter().enumerate() {
        if v > votes[first] {
            first = i;
        }
    }
    (first, votes.get(first).copied().unwrap_or(0))
}

/// The most votes of any answer but `first`.
fn runner_up(votes: &[usize], first: usize) -> usize {
    let others = votes.iter().enumerate().filter(|&(i, _)| i != first);
    others.map(|(_, &v)| v).max().unwrap_or(0)
}

impl Rule {
    /// The most calls the rule can make.
    pub fn max_calls(&self) -> usize {
        match *self {
            Rule::Fixed { voters, .. } | Rule::Cascade { voters, .. } => voters,
            Rule::AheadBy { max_calls, .. } => max_calls,
        }
    }

    /// A short name: "fixed 2 of 3", "cascade 2 of 3", "ahead by 2".
    pub fn name(&self) -> String {
        match *self {
            Rule::Fixed { voters, quorum } => {
                format!("fixed {quorum} of {voters}")
            }
            Rule::Cascade { voters, quorum } => {
                format!("cascade {quorum} of {voters}")
            }
            Rule::AheadBy { lead, .. } => format!("ahead by {lead}"),
        }
    }
}

/// What a rule decided on one sequence of answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided<A> {
    /// The accepted answer, `None` when rejected.
    pub answer: Option<A>,
    /// Calls started (each paid for), at least the calls that ended.
    pub calls: usize,
}

/// The rule applied to answers as they come, one call ending after the
/// other in the order started: `None` is an abstention. Answers beyond
/// those the rule starts are never looked at; if they run out first, the
/// task is rejected.
pub fn replay<A: PartialEq + Clone>(
    rule: Rule,
    answers: impl IntoIterator<Item = Option<A>>,
) -> Decided<A> {
    let mut groups: Vec<(A, usize)> = Vec::new();
    let mut votes: Vec<usize> = Vec::new();
    let mut started = rule.calls_wanted(0, 0);
    let mut ended = 0;
    for answer in answers.into_iter().take(rule.max_calls()) {
        ended += 1;
        if let Some(answer) = answer {
            if let Some(g) = groups.iter().position(|(a, _)| *a == answer) {
                votes[g] += 1;
            } else {
                groups.push((answer, 0));
                votes.push(1);
            }
        }
        match rule.decide(&votes, ended) {
            Step::Accept(g) => {
                let answer = Some(groups.swap_remove(g).0);
                return Decided { answer, calls: started };
            }
            Step::Reject => return Decided { answer: None, calls: started },
            Step::Wait => {
                let best = leader(&votes).1;
                started = started.max(rule.calls_wanted(best, ended));
            }
        }
    }
    // Out of answers before a decision: only the calls made count.
    Decided { answer: None, calls: ended }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sequence of `length` answers from 0 to `symbols` - 1, where
    /// the last symbol stands for an abstention.
    fn sequences(length: usize, symbols: usize) -> Vec<Vec<Option<usize>>> {
        (0..symbols.pow(u32::try_from(length).unwrap()))
            .map(|mut code| {
                (0..length)
                    .map(|_| {
                        let s = code % symbols;
                        code /= symbols;
                        (s + 1 < symbols).then_some(s)
                    })
                    .collect()
            })
            .collect()
    }

    /// The fixed vote as a person counts it: wait for all, then look.
    fn after_all(answers: &[Option<usize>], quorum: usize) -> Option<usize> {
        let votes =
            |a: usize| answers.iter().filter(|&&x| x == Some(a)).count();
        answers.iter().flatten().copied().find(|&a| votes(a) >= quorum)
    }

    #[test]
    fn early_and_cascade_decide_what_waiting_for_every_call_decides() {
        for voters in 1..=6 {
            for quorum in voters / 2 + 1..=voters {
                let fixed = Rule::Fixed { voters, quorum };
                let cascade = Rule::Cascade { voters, quorum };
                for answers in sequences(voters, 4) {
                    let all = after_all(&answers, quorum);
                    let early = replay(fixed, answers.clone());
                    let cheap = replay(cascade, answers.clone());
                    let case = format!("{quorum} of {voters}, {answers:?}");
                    assert_eq!(
                        (early.answer, early.calls),
                        (all, voters),
                        "{case}"
                    );
                    assert_eq!(cheap.answer, all, "{case}");
                    assert!(
                        cheap.calls <= voters && cheap.calls >= quorum,
                        "{case}"
                    );
                    // When the first Q agree, the cascade makes Q calls only.
                    let first = &answers[..quorum];
                    if first[0].is_some()
                        && first.iter().all(|a| *a == first[0])
                    {
                        assert_eq!(cheap.calls, quorum, "{case}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_cascade_of_three_makes_a_third_call_only_when_two_disagree() {
        let cascade = Rule::Cascade { voters: 3, quorum: 2 };
        let calls = |a: [Option<u8>; 3]| replay(cascade, a).calls;
        assert_eq!(calls([Some(1), Some(1), Some(2)]), 2);
        assert_eq!(calls([Some(1), Some(2), Some(2)]), 3);
        assert_eq!(
            calls([None, Some(1), Some(1)]),
            3,
            "an abstention is a call"
        );
        assert_eq!(calls([None, None, Some(1)]), 3);
        assert_eq!(replay(cascade, [None, None, Some(1)]).answer, None);
    }

    #[test]
    fn ahead_by_k_waits_for_a_lead_of_k() {
        let rule = |lead| Rule::AheadBy { lead, max_calls: 7 };
        let seq = |s: &str| {
            s.chars().map(|c| (c != '-').then_some(c)).collect::<Vec<_>>()
        };
        // (lead, answers in order, accepted, calls); '-' abstains.
        let cases = [
            (1, "ab", Some('a'), 1),
            (1, "-b", Some('b'), 2),
            (2, "abaa", Some('a'), 4),
            (2, "abba", None, 4), // no more answers
            (2, "abcaa", Some('a'), 5),
            (3, "ababab-", None, 7), // the cap
            (2, "aa-bbbb", Some('a'), 2),
        ];
        for (lead, answers, answer, calls) in cases {
            let decided = replay(rule(lead), seq(answers));
            assert_eq!(decided, Decided { answer, calls }, "{lead}: {answers}");
        }
        assert_eq!(rule(2).decide(&[2, 1, 0], 3), Step::Wait);
        assert_eq!(rule(2).decide(&[1, 3], 4), Step::Accept(1));
    }

    #[test]
    fn each_rule_has_the_name_the_reports_print() {
        assert_eq!(Rule::Fixed { voters: 3, quorum: 2 }.name(), "fixed 2 of 3");
        let cascade = Rule::Cascade { voters: 5, quorum: 3 };
        assert_eq!(cascade.name(), "cascade 3 of 5");
        let ahead = Rule::AheadBy { lead: 2, max_calls: 9 };
        assert_eq!(ahead.name(), "ahead by 2");
    }
}
