//! A vote among n = 3f + 1 nodes: an answer is accepted once 2f + 1 agree.
//!
//! One trusted counter sees every node's answer. Up to f liars cannot change
//! the outcome; more than f can block it, and more than 2f can decide it.

use std::fmt;

/// A node's answer. Wider than the `i32` input, so `2 * input` (and the lie)
/// cannot overflow for any input, `i32::MIN` and `i32::MAX` included.
pub type Answer = i64;

/// What every Byzantine node adds to the correct answer. They all add the
/// same amount: the strongest attack on a vote is a coordinated one.
pub const LIE_OFFSET: Answer = 999;

/// The answer an honest node gives: `2 * input`.
pub fn honest_answer(input: i32) -> Answer {
    2 * Answer::from(input)
}

// ANCHOR: node
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    pub id: usize,
    pub is_byzantine: bool,
}

impl Node {
    /// Honest nodes answer 2 x input; Byzantine ones all give one lie.
    pub fn process(self, input: i32) -> Answer {
        let correct = honest_answer(input);
        if self.is_byzantine { correct + LIE_OFFSET } else { correct }
    }
}
// ANCHOR_END: node

/// `set_byzantine` was given an id that names no node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownNode {
    pub id: usize,
    pub node_count: usize,
}

impl fmt::Display for UnknownNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.node_count - 1;
        write!(f, "node {} does not exist (ids run from 0 to {last})", self.id)
    }
}

/// How many nodes of a group are honest and how many Byzantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub total: usize,
    pub honest: usize,
    pub byzantine: usize,
}

// ANCHOR: consensus
/// n = 3f + 1 nodes; an answer needs 2f + 1 votes.
#[derive(Debug, Clone)]
pub struct BftConsensus {
    nodes: Vec<Node>,
    pub fault_tolerance: usize, // f, the liars it is built to tolerate
}

impl BftConsensus {
    /// 3f + 1 honest nodes. `f` is a `u16`, so 3f + 1 cannot overflow.
    pub fn new(fault_tolerance: u16) -> Self {
        let f = usize::from(fault_tolerance);
        let nodes =
            (0..=3 * f).map(|id| Node { id, is_byzantine: false }).collect();
        Self { nodes, fault_tolerance: f }
    }

    /// 2f + 1: since 2(2f + 1) > 3f + 1, two answers never both reach it.
    pub fn threshold(&self) -> usize {
        2 * self.fault_tolerance + 1
    }

    /// The answer with 2f + 1 votes, if any; it cannot know if it is true.
    pub fn consensus(&self, input: i32) -> Option<Answer> {
        let threshold = self.threshold();
        tally(&self.nodes, input)
            .into_iter()
            .find(|&(_, votes)| votes >= threshold)
            .map(|(answer, _)| answer)
    }
}
// ANCHOR_END: consensus

/// Each distinct answer of `nodes` with its votes, in the order first seen.
pub fn tally(nodes: &[Node], input: i32) -> Vec<(Answer, usize)> {
    let mut votes: Vec<(Answer, usize)> = Vec::new();
    for node in nodes {
        let answer = node.process(input);
        match votes.iter_mut().find(|(seen, _)| *seen == answer) {
            Some((_, count)) => *count += 1,
            None => votes.push((answer, 1)),
        }
    }
    votes
}

// ANCHOR: trusted
/// The answer more than half of `nodes` gave, if any. With one trusted
/// counter that sees every answer, n = 2f + 1 nodes suffice: the f + 1
/// honest ones outvote f liars, however the liars coordinate.
pub fn plain_majority(nodes: &[Node], input: i32) -> Option<Answer> {
    tally(nodes, input)
        .into_iter()
        .find(|&(_, votes)| 2 * votes > nodes.len())
        .map(|(answer, _)| answer)
}
// ANCHOR_END: trusted

/// Nodes 0 to n - 1, the first `byzantine` of them Byzantine.
pub fn nodes(n: usize, byzantine: usize) -> Vec<Node> {
    (0..n).map(|id| Node { id, is_byzantine: id < byzantine }).collect()
}

impl BftConsensus {
    /// Each distinct answer with its votes, in the order first seen.
    pub fn tally(&self, input: i32) -> Vec<(Answer, usize)> {
        tally(&self.nodes, input)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Marks the nodes with these ids as Byzantine. An unknown id is an error,
    /// and then no node is changed.
    pub fn set_byzantine(&mut self, ids: &[usize]) -> Result<(), UnknownNode> {
        let node_count = self.nodes.len();
        if let Some(&id) = ids.iter().find(|&&id| id >= node_count) {
            return Err(UnknownNode { id, node_count });
        }
        for node in &mut self.nodes {
            if ids.contains(&node.id) {
                node.is_byzantine = true;
            }
        }
        Ok(())
    }

    pub fn status(&self) -> Status {
        let byzantine =
            self.nodes.iter().filter(|node| node.is_byzantine).count();
        Status {
            total: self.nodes.len(),
            honest: self.nodes.len() - byzantine,
            byzantine,
        }
    }
}

/// One vote of Example 1: a group, its traitors and a question.
pub struct Scenario {
    pub fault_tolerance: u16,
    pub byzantine_ids: &'static [usize],
    pub input: i32,
}

impl Scenario {
    /// The scenario's group, its Byzantine nodes marked. The scenarios are
    /// constants, so an unknown id is a bug in this file, not bad input.
    pub fn group(&self) -> BftConsensus {
        let mut group = BftConsensus::new(self.fault_tolerance);
        if let Err(error) = group.set_byzantine(self.byzantine_ids) {
            unreachable!(
                "a scenario names a node that does not exist: {error}"
            );
        }
        group
    }
}

// ANCHOR: scenarios
pub const SCENARIOS: [Scenario; 5] = [
    Scenario { fault_tolerance: 1, byzantine_ids: &[], input: 21 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[2], input: 21 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[1, 3], input: 21 },
    Scenario { fault_tolerance: 2, byzantine_ids: &[0, 4], input: 100 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[1, 2, 3], input: 21 },
];
// ANCHOR_END: scenarios

/// How a vote ended, judged against the answer an honest node gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    NoConsensus,
    AgreedOnALie,
}

pub fn verdict(consensus: Option<Answer>, input: i32) -> Verdict {
    match consensus {
        Some(answer) if answer == honest_answer(input) => Verdict::Correct,
        Some(_) => Verdict::AgreedOnALie,
        None => Verdict::NoConsensus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(f: u16, byzantine: usize) -> BftConsensus {
        let mut group = BftConsensus::new(f);
        let ids: Vec<usize> = (0..byzantine).collect();
        group.set_byzantine(&ids).expect("ids below n");
        group
    }

    #[test]
    fn vote_outcome_for_every_f_and_every_number_of_traitors() {
        for f in 0..=6u16 {
            let n = 3 * usize::from(f) + 1;
            let f_nodes = usize::from(f);
            for b in 0..=n {
                let result = group(f, b).consensus(21);
                let expected = if b <= f_nodes {
                    Some(42)
                } else if b > 2 * f_nodes {
                    Some(42 + LIE_OFFSET)
                } else {
                    None
                };
                assert_eq!(
                    result, expected,
                    "f = {f}, b = {b} Byzantine of n = {n}"
                );
            }
        }
    }

    #[test]
    fn which_nodes_lie_does_not_matter() {
        // Five of seven nodes as traitors, first five or last five: same verdict.
        let mut last = BftConsensus::new(2);
        last.set_byzantine(&[2, 3, 4, 5, 6]).unwrap();
        assert_eq!(last.consensus(7), group(2, 5).consensus(7));
        assert_eq!(last.consensus(7), Some(14 + LIE_OFFSET));
    }

    #[test]
    fn extreme_inputs_do_not_overflow() {
        for input in [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX] {
            let honest = 2 * i64::from(input);
            assert_eq!(
                group(1, 0).consensus(input),
                Some(honest),
                "input {input}"
            );
            assert_eq!(
                group(1, 1).consensus(input),
                Some(honest),
                "input {input}"
            );
            assert_eq!(group(1, 2).consensus(input), None, "input {input}");
            assert_eq!(
                group(1, 3).consensus(input),
                Some(honest + 999),
                "input {input}"
            );
        }
        assert_eq!(group(1, 0).consensus(i32::MAX), Some(4_294_967_294));
        assert_eq!(group(1, 0).consensus(i32::MIN), Some(-4_294_967_296));
    }

    #[test]
    fn unknown_node_id_is_an_error_and_changes_nothing() {
        let mut group = BftConsensus::new(1);
        let error = group.set_byzantine(&[1, 4]).unwrap_err();
        assert_eq!(error, UnknownNode { id: 4, node_count: 4 });
        assert_eq!(
            error.to_string(),
            "node 4 does not exist (ids run from 0 to 3)"
        );
        assert_eq!(
            group.status(),
            Status { total: 4, honest: 4, byzantine: 0 }
        );
        assert_eq!(
            group.set_byzantine(&[usize::MAX]).unwrap_err().id,
            usize::MAX
        );
    }

    #[test]
    fn group_size_and_threshold_follow_3f_plus_1() {
        for f in [0, 1, 2, 3, 10, 1000, u16::MAX] {
            let group = BftConsensus::new(f);
            let f = usize::from(f);
            assert_eq!(group.node_count(), 3 * f + 1, "f = {f}");
            assert_eq!(group.threshold(), 2 * f + 1, "f = {f}");
        }
    }

    #[test]
    fn a_trusted_counter_needs_only_2f_plus_1_nodes() {
        for f in 0..=6 {
            let n = 2 * f + 1;
            for b in 0..=n {
                let expected = if b <= f { 42 } else { 42 + LIE_OFFSET };
                let got = plain_majority(&nodes(n, b), 21);
                assert_eq!(got, Some(expected), "f = {f}, b = {b} of n = {n}");
            }
        }
        // An even split has no majority.
        assert_eq!(plain_majority(&nodes(4, 2), 21), None);
        assert_eq!(plain_majority(&[], 21), None);
    }

    #[test]
    fn scenarios_end_as_the_chapter_says() {
        use Verdict::{AgreedOnALie, Correct, NoConsensus};
        let verdicts: Vec<Verdict> = SCENARIOS
            .iter()
            .map(|s| verdict(s.group().consensus(s.input), s.input))
            .collect();
        assert_eq!(
            verdicts,
            [Correct, Correct, NoConsensus, Correct, AgreedOnALie]
        );
    }
}
