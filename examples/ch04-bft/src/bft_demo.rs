//! Chapter 4, Example 1: Byzantine fault tolerance by vote, and why it takes 3f + 1 nodes.
//!
//! Part 1 is the classic picture: n = 3f + 1 nodes answer a question, up to f of them
//! lie, and an answer is accepted once 2f + 1 nodes agree on it. Five scenarios show
//! the vote succeed, fail safe (no answer), and fail unsafe (a wrong answer accepted).
//!
//! Part 2 shows where the bound 3f + 1 really comes from. In Part 1 one trusted
//! counter sees every vote, so a plain majority would already do. The bound appears
//! when a traitor can tell different nodes different things: Oral Messages OM(m)
//! (Lamport, Shostak, Pease 1982) is checked against every traitor strategy for one
//! traitor, against random strategies for two, and PBFT's quorums (Castro, Liskov
//! 1999) are checked for every pair of quorums and every set of faulty nodes.
//!
//! Run it with `make run-ch04-bft`, or `cargo run --release --bin bft_demo -- --help`.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::ops::RangeInclusive;
use std::process::ExitCode;

// ============================================================================
// Part 1: majority vote among n = 3f + 1 nodes
// ============================================================================

// ANCHOR: node
/// A node's answer. Wider than the `i32` input, so `2 * input` (and the lie)
/// cannot overflow for any input, `i32::MIN` and `i32::MAX` included.
type Answer = i64;

/// What every Byzantine node adds to the correct answer. They all add the same
/// amount: the strongest attack on a vote is a coordinated one.
const LIE_OFFSET: Answer = 999;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    id: usize,
    is_byzantine: bool,
}

/// The answer an honest node gives: `2 * input`.
fn honest_answer(input: i32) -> Answer {
    2 * Answer::from(input)
}

impl Node {
    /// Honest nodes answer `2 * input`; Byzantine nodes answer the same wrong value.
    fn process(self, input: i32) -> Answer {
        let correct = honest_answer(input);
        if self.is_byzantine { correct + LIE_OFFSET } else { correct }
    }
}
// ANCHOR_END: node

// ANCHOR: consensus
/// A group of n = 3f + 1 nodes that accepts an answer given by at least 2f + 1 of them.
#[derive(Debug, Clone)]
struct BftConsensus {
    nodes: Vec<Node>,
    /// f: how many Byzantine nodes the group is built to tolerate.
    fault_tolerance: usize,
}

/// `set_byzantine` was given an id that names no node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UnknownNode {
    id: usize,
    node_count: usize,
}

impl fmt::Display for UnknownNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.node_count - 1;
        write!(f, "node {} does not exist (ids run from 0 to {last})", self.id)
    }
}

/// How many nodes of a group are honest and how many Byzantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    total: usize,
    honest: usize,
    byzantine: usize,
}

impl BftConsensus {
    /// A group of 3f + 1 honest nodes. `f` is a `u16` so that 3f + 1 can never
    /// overflow and the group always fits in memory.
    fn new(fault_tolerance: u16) -> Self {
        let fault_tolerance = usize::from(fault_tolerance);
        let nodes = (0..=3 * fault_tolerance).map(|id| Node { id, is_byzantine: false }).collect();
        Self { nodes, fault_tolerance }
    }

    /// Votes needed to accept an answer: 2f + 1, a strict majority of 3f + 1.
    /// Two different answers can never both reach it: 2(2f + 1) > 3f + 1.
    fn threshold(&self) -> usize {
        2 * self.fault_tolerance + 1
    }

    /// Marks the nodes with these ids as Byzantine. An unknown id is an error, and
    /// then no node is changed.
    fn set_byzantine(&mut self, ids: &[usize]) -> Result<(), UnknownNode> {
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

    /// Each distinct answer with its number of votes, in the order first seen.
    fn tally(&self, input: i32) -> Vec<(Answer, usize)> {
        let mut votes: Vec<(Answer, usize)> = Vec::new();
        for node in &self.nodes {
            let answer = node.process(input);
            match votes.iter_mut().find(|(seen, _)| *seen == answer) {
                Some((_, count)) => *count += 1,
                None => votes.push((answer, 1)),
            }
        }
        votes
    }

    /// The answer that at least 2f + 1 nodes gave (count >= threshold), if any.
    /// Note what this cannot know: whether that answer is the correct one.
    fn consensus(&self, input: i32) -> Option<Answer> {
        let threshold = self.threshold();
        self.tally(input)
            .into_iter()
            .find(|&(_, count)| count >= threshold)
            .map(|(answer, _)| answer)
    }

    fn status(&self) -> Status {
        let byzantine = self.nodes.iter().filter(|node| node.is_byzantine).count();
        Status { total: self.nodes.len(), honest: self.nodes.len() - byzantine, byzantine }
    }
}
// ANCHOR_END: consensus

/// One run of Part 1: a group, its traitors and a question.
struct Scenario {
    fault_tolerance: u16,
    byzantine_ids: &'static [usize],
    input: i32,
}

impl Scenario {
    /// The scenario's group, its Byzantine nodes marked. The scenarios are
    /// constants, so an unknown id is a bug in this file, not bad input.
    fn group(&self) -> BftConsensus {
        let mut group = BftConsensus::new(self.fault_tolerance);
        if let Err(error) = group.set_byzantine(self.byzantine_ids) {
            unreachable!("a scenario names a node that does not exist: {error}");
        }
        group
    }
}

// ANCHOR: scenarios
const SCENARIOS: [Scenario; 5] = [
    Scenario { fault_tolerance: 1, byzantine_ids: &[], input: 21 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[2], input: 21 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[1, 3], input: 21 },
    Scenario { fault_tolerance: 2, byzantine_ids: &[0, 4], input: 100 },
    Scenario { fault_tolerance: 1, byzantine_ids: &[1, 2, 3], input: 21 },
];
// ANCHOR_END: scenarios

/// How a vote ended, judged against the answer an honest node gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Correct,
    NoConsensus,
    AgreedOnALie,
}

fn verdict(consensus: Option<Answer>, input: i32) -> Verdict {
    match consensus {
        Some(answer) if answer == honest_answer(input) => Verdict::Correct,
        Some(_) => Verdict::AgreedOnALie,
        None => Verdict::NoConsensus,
    }
}

// ============================================================================
// Part 2a: Oral Messages OM(m), Lamport, Shostak, Pease (1982)
// ============================================================================

// ANCHOR: order
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Attack,
    Retreat,
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Attack => "ATTACK",
            Order::Retreat => "RETREAT",
        })
    }
}

/// The majority of the orders received; a tie goes to RETREAT, the paper's default.
fn majority(orders: &[Order]) -> Order {
    let attacks = orders.iter().filter(|&&o| o == Order::Attack).count();
    if 2 * attacks > orders.len() { Order::Attack } else { Order::Retreat }
}
// ANCHOR_END: order

/// One message as it went over the wire: `truth` is what a loyal sender would
/// have sent, `sent` what this sender did send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Message {
    round: usize,
    from: usize,
    to: usize,
    truth: Order,
    sent: Order,
}

// ANCHOR: network
/// Carries every message of one run. A traitor's message takes whatever value the
/// `lie` strategy returns: a fresh choice for every message it sends.
struct Network<'a> {
    traitors: &'a [bool],
    lie: &'a mut dyn FnMut() -> Order,
    messages_sent: u64,
    /// Kept only when a run is to be printed.
    transcript: Option<Vec<Message>>,
}

impl Network<'_> {
    fn send(&mut self, round: usize, from: usize, to: usize, truth: Order) -> Order {
        self.messages_sent += 1;
        let sent = if self.traitors[from] { (self.lie)() } else { truth };
        if let Some(transcript) = &mut self.transcript {
            transcript.push(Message { round, from, to, truth, sent });
        }
        sent
    }
}
// ANCHOR_END: network

// ANCHOR: oral_messages
/// OM(m): `commander` sends `order` to every lieutenant. For m > 0 each lieutenant
/// then acts as commander in OM(m - 1) to pass on what it received, and every
/// lieutenant decides by majority over what it received directly and what the
/// others relayed. Returns each lieutenant's decision, in the order of `lieutenants`.
fn oral_messages(
    m: usize,
    round: usize,
    commander: usize,
    lieutenants: &[usize],
    order: Order,
    net: &mut Network,
) -> Vec<Order> {
    let received: Vec<Order> =
        lieutenants.iter().map(|&to| net.send(round, commander, to, order)).collect();
    if m == 0 {
        return received;
    }
    let mut heard: Vec<Vec<Order>> = received.iter().map(|&o| vec![o]).collect();
    for (i, &relay) in lieutenants.iter().enumerate() {
        let others: Vec<usize> = lieutenants.iter().copied().filter(|&l| l != relay).collect();
        let relayed = oral_messages(m - 1, round + 1, relay, &others, received[i], net);
        // `others` is `lieutenants` without position i, so index k maps back past i.
        for (k, order) in relayed.into_iter().enumerate() {
            heard[if k < i { k } else { k + 1 }].push(order);
        }
    }
    heard.iter().map(|orders| majority(orders)).collect()
}
// ANCHOR_END: oral_messages

/// Whether a run kept the two interactive consistency conditions of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Consistency {
    /// IC1: all loyal lieutenants decide alike.
    ic1: bool,
    /// IC2: if the commander is loyal, every loyal lieutenant follows its order.
    ic2: bool,
}

impl Consistency {
    fn holds(self) -> bool {
        self.ic1 && self.ic2
    }
}

/// What one run of OM(m) produced.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OmRun {
    consistency: Consistency,
    decisions: Vec<Order>,
    messages_sent: u64,
    transcript: Vec<Message>,
}

// ANCHOR: run_om
/// Runs OM(m) with node 0 as commander and nodes 1..n as lieutenants, where
/// n = `traitors.len()`, and judges the loyal lieutenants' decisions.
fn run_om(
    m: usize,
    traitors: &[bool],
    order: Order,
    lie: &mut dyn FnMut() -> Order,
    keep_transcript: bool,
) -> OmRun {
    let lieutenants: Vec<usize> = (1..traitors.len()).collect();
    let mut net =
        Network { traitors, lie, messages_sent: 0, transcript: keep_transcript.then(Vec::new) };
    let decisions = oral_messages(m, 1, 0, &lieutenants, order, &mut net);
    let loyal: Vec<Order> = lieutenants
        .iter()
        .zip(&decisions)
        .filter(|&(&l, _)| !traitors[l])
        .map(|(_, &d)| d)
        .collect();
    let consistency = Consistency {
        ic1: loyal.windows(2).all(|pair| pair[0] == pair[1]),
        ic2: traitors[0] || loyal.iter().all(|&d| d == order),
    };
    OmRun {
        consistency,
        decisions,
        messages_sent: net.messages_sent,
        transcript: net.transcript.unwrap_or_default(),
    }
}
// ANCHOR_END: run_om

// ANCHOR: exhaustive
/// One complete strategy of a single traitor: where it sits, what the commander
/// holds, and the traitor's messages, bit k of `lies` being its k-th (1 = ATTACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Profile {
    traitor: usize,
    order: Order,
    lies: u64,
}

impl Profile {
    fn traitors(self, n: usize) -> Vec<bool> {
        (0..n).map(|node| node == self.traitor).collect()
    }

    fn run(self, n: usize, keep_transcript: bool) -> OmRun {
        let mut next_bit = 0;
        let mut lie = || {
            let bit = (self.lies >> next_bit) & 1;
            next_bit += 1;
            if bit == 1 { Order::Attack } else { Order::Retreat }
        };
        run_om(1, &self.traitors(n), self.order, &mut lie, keep_transcript)
    }
}

/// OM(1) against every strategy of one traitor among n nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exhaustive {
    n: usize,
    profiles: u64,
    ic1_violations: u64,
    ic2_violations: u64,
    first_violation: Option<Profile>,
}

fn om1_exhaustive(n: usize) -> Exhaustive {
    let mut result =
        Exhaustive { n, profiles: 0, ic1_violations: 0, ic2_violations: 0, first_violation: None };
    for traitor in 0..n {
        for order in [Order::Attack, Order::Retreat] {
            // How many messages the traitor sends depends only on where it sits:
            // count them once, then try every assignment of values to them.
            let probe = Profile { traitor, order, lies: 0 };
            let transcript = probe.run(n, true).transcript;
            let lie_count = transcript.iter().filter(|msg| msg.from == traitor).count();
            for lies in 0..1u64 << lie_count {
                let profile = Profile { traitor, order, lies };
                let consistency = profile.run(n, false).consistency;
                result.profiles += 1;
                result.ic1_violations += u64::from(!consistency.ic1);
                result.ic2_violations += u64::from(!consistency.ic2);
                if !consistency.holds() && result.first_violation.is_none() {
                    result.first_violation = Some(profile);
                }
            }
        }
    }
    result
}
// ANCHOR_END: exhaustive

// ANCHOR: randomized
/// OM(m) against random strategies of `traitor_count` traitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Randomized {
    n: usize,
    trials: u64,
    ic1_violations: u64,
    ic2_violations: u64,
    violations: u64,
}

/// Each trial draws distinct traitor positions, the commander's order, and a fresh
/// random value for every message a traitor sends. Randomized, not exhaustive.
fn om_randomized(n: usize, m: usize, traitor_count: usize, trials: u64, seed: u64) -> Randomized {
    let mut rng = SplitMix64::new(seed);
    let mut result = Randomized { n, trials, ic1_violations: 0, ic2_violations: 0, violations: 0 };
    for _ in 0..trials {
        let mut traitors = vec![false; n];
        while traitors.iter().filter(|&&t| t).count() < traitor_count {
            traitors[rng.below(n)] = true;
        }
        let order = random_order(&mut rng);
        let mut lie = || random_order(&mut rng);
        let consistency = run_om(m, &traitors, order, &mut lie, false).consistency;
        result.ic1_violations += u64::from(!consistency.ic1);
        result.ic2_violations += u64::from(!consistency.ic2);
        result.violations += u64::from(!consistency.holds());
    }
    result
}

fn random_order(rng: &mut SplitMix64) -> Order {
    if rng.next_u64() >> 63 == 1 { Order::Attack } else { Order::Retreat }
}
// ANCHOR_END: randomized

// ANCHOR: message_count
/// Messages OM(m) sends among n nodes: (n-1) + (n-1)(n-2) + ... + (n-1)...(n-m-1),
/// since each of the n - 1 lieutenants runs OM(m - 1) among the other n - 1 nodes.
fn om_message_formula(n: u64, m: u64) -> u64 {
    (1..=m + 1).map(|k| (1..=k).map(|j| n - j).product::<u64>()).sum()
}

/// Messages a run of OM(m) with no traitors actually sends.
fn om_messages_counted(n: usize, m: usize) -> u64 {
    let loyal = vec![false; n];
    run_om(m, &loyal, Order::Attack, &mut || Order::Attack, false).messages_sent
}
// ANCHOR_END: message_count

// ============================================================================
// Part 2b: quorum intersection, the PBFT view (Castro, Liskov 1999)
// ============================================================================

// ANCHOR: quorums
/// Every pair of quorums of q = n - f nodes, against every set of f faulty nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QuorumCheck {
    n: u32,
    f: u32,
    quorum: u32,
    quorum_pairs: u64,
    smallest_overlap: u32,
    /// (pair, faulty set) cases where the whole overlap is faulty: those nodes can
    /// vote for both sides, so two conflicting decisions each gather a quorum.
    split_cases: u64,
}

/// Nodes are bits of a `u32`; n is at most 31 here (the chapter uses n <= 10).
fn quorum_check(n: u32, f: u32) -> QuorumCheck {
    let quorum = n - f; // a node can wait for n - f replies when f may stay silent
    let sets_of = |size: u32| (0u32..1 << n).filter(move |set| set.count_ones() == size);
    let quorums: Vec<u32> = sets_of(quorum).collect();
    let faulty_sets: Vec<u32> = sets_of(f).collect();
    let mut check =
        QuorumCheck { n, f, quorum, quorum_pairs: 0, smallest_overlap: n, split_cases: 0 };
    for (i, &a) in quorums.iter().enumerate() {
        for &b in &quorums[i + 1..] {
            let overlap = a & b;
            check.quorum_pairs += 1;
            check.smallest_overlap = check.smallest_overlap.min(overlap.count_ones());
            check.split_cases +=
                faulty_sets.iter().filter(|&&bad| overlap & !bad == 0).count() as u64;
        }
    }
    check
}
// ANCHOR_END: quorums

// ============================================================================
// Printing: everything below formats what the functions above computed
// ============================================================================

fn node_name(node: usize) -> String {
    if node == 0 { "C".to_string() } else { format!("L{node}") }
}

fn print_scenarios(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "Part 1: majority vote among n = 3f + 1 nodes")?;
    for (number, scenario) in SCENARIOS.iter().enumerate() {
        let group = scenario.group();
        let status = group.status();
        let f = group.fault_tolerance;
        let result = group.consensus(scenario.input);
        writeln!(out)?;
        writeln!(
            out,
            "Test {}: {} Byzantine of {} nodes (built to tolerate f = {f})",
            number + 1,
            status.byzantine,
            status.total
        )?;
        writeln!(
            out,
            "   Nodes: {} total ({} honest, {} Byzantine)",
            status.total, status.honest, status.byzantine
        )?;
        writeln!(out, "   Fault tolerance: f = {f}")?;
        writeln!(out, "   Threshold for consensus: {} votes (2f + 1)", group.threshold())?;
        writeln!(out, "   Input: {}", scenario.input)?;
        writeln!(out, "   Expected: {} (input * 2)", honest_answer(scenario.input))?;
        let votes: Vec<String> = group
            .tally(scenario.input)
            .iter()
            .map(|(answer, count)| format!("{answer} x{count}"))
            .collect();
        writeln!(out, "   Votes: {}", votes.join(", "))?;
        writeln!(out, "   Result: {result:?}")?;
        let line = match verdict(result, scenario.input) {
            Verdict::Correct => "   OK: consensus on the correct answer".to_string(),
            Verdict::NoConsensus => format!(
                "   STOP: no answer reached {} votes; the system refuses rather than guess",
                group.threshold()
            ),
            Verdict::AgreedOnALie => format!(
                "   DANGER: consensus on a WRONG answer: {} colluding nodes > f = {f}",
                status.byzantine
            ),
        };
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "The 3f + 1 rule, read off BftConsensus::new(f):")?;
    writeln!(out, "   f   nodes (3f + 1)   threshold (2f + 1)")?;
    for f in 1..=3 {
        let group = BftConsensus::new(f);
        writeln!(out, "   {f}   {:>14}   {:>18}", group.nodes.len(), group.threshold())?;
    }
    Ok(())
}

fn print_violating_run(out: &mut dyn Write, n: usize, profile: Profile) -> io::Result<()> {
    let run = profile.run(n, true);
    writeln!(
        out,
        "   Traitor: {}; the commander holds {}",
        node_name(profile.traitor),
        profile.order
    )?;
    for msg in &run.transcript {
        let note = if msg.sent == msg.truth {
            String::new()
        } else {
            format!("   <- a lie: the truth is {}", msg.truth)
        };
        writeln!(
            out,
            "   round {}: {} -> {}: {}{note}",
            msg.round,
            node_name(msg.from),
            node_name(msg.to),
            msg.sent
        )?;
    }
    for lieutenant in (1..n).filter(|&l| l != profile.traitor) {
        let heard: Vec<String> = run
            .transcript
            .iter()
            .filter(|msg| msg.to == lieutenant)
            .map(|msg| msg.sent.to_string())
            .collect();
        writeln!(
            out,
            "   {} (loyal) heard {} and decides {}",
            node_name(lieutenant),
            heard.join(", "),
            run.decisions[lieutenant - 1]
        )?;
    }
    if !run.consistency.ic1 {
        writeln!(out, "   IC1 violated: loyal lieutenants decide differently")?;
    }
    if !run.consistency.ic2 {
        writeln!(
            out,
            "   IC2 violated: the loyal commander ordered {}; a loyal lieutenant did not follow",
            profile.order
        )?;
    }
    Ok(())
}

fn print_why_3f_plus_1(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    heading(out, "Part 2: why 3f + 1 and not 2f + 1")?;
    writeln!(out, "In Part 1 every Byzantine node tells one trusted counter the same lie, so a")?;
    writeln!(out, "plain majority (f + 1 of 2f + 1) would already win. The bound 3f + 1 comes")?;
    writeln!(out, "from equivocation: a traitor tells different nodes different things, and no")?;
    writeln!(out, "one counts the votes for everyone.")?;
    writeln!(out)?;
    writeln!(out, "Oral Messages OM(1), one traitor, every strategy (exhaustive):")?;
    writeln!(out, "   n   profiles   IC1 violated   IC2 violated")?;
    let searches = [om1_exhaustive(3), om1_exhaustive(4)];
    for search in &searches {
        writeln!(
            out,
            "   {}   {:>8}   {:>12}   {:>12}",
            search.n, search.profiles, search.ic1_violations, search.ic2_violations
        )?;
    }
    for search in &searches {
        if let Some(profile) = search.first_violation {
            writeln!(out)?;
            writeln!(out, "First violating run found for n = {}:", search.n)?;
            print_violating_run(out, search.n, profile)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "OM(2), two traitors, {} random strategies per n (randomized, seed {}):",
        config.trials, config.seed
    )?;
    writeln!(out, "   n   trials   IC1 violated   IC2 violated   any violated")?;
    for n in [6, 7] {
        let r = om_randomized(n, 2, 2, config.trials, config.seed);
        writeln!(
            out,
            "   {n}   {:>6}   {:>12}   {:>12}   {:>12}",
            r.trials, r.ic1_violations, r.ic2_violations, r.violations
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Messages OM(m) sends, counted in the simulation and by formula:")?;
    writeln!(out, "    n   m   counted   (n-1) + (n-1)(n-2) + ...")?;
    for (n, m) in [(4, 1), (7, 2), (10, 3)] {
        writeln!(
            out,
            "   {n:>2}   {m}   {:>7}   {:>7}",
            om_messages_counted(n, m),
            om_message_formula(n as u64, m as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Quorum intersection (PBFT): quorums of q = n - f, every pair, every faulty set:"
    )?;
    writeln!(
        out,
        "    n   f    q   quorum pairs   smallest overlap   conflicting decisions possible"
    )?;
    for f in 1..=3 {
        for n in [3 * f, 3 * f + 1] {
            let c = quorum_check(n, f);
            let possible = if c.split_cases > 0 {
                format!("yes ({} cases)", c.split_cases)
            } else {
                "no".to_string()
            };
            writeln!(
                out,
                "   {:>2}   {}   {:>2}   {:>12}   {:>16}   {possible}",
                c.n, c.f, c.quorum, c.quorum_pairs, c.smallest_overlap
            )?;
        }
    }
    Ok(())
}

fn print_llm_mapping(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "Part 3: from generals to language models")?;
    for line in [
        "- A node is one model call; a Byzantine node is a call that returns a confident",
        "  wrong answer (a hallucination). It need not be malicious to be Byzantine.",
        "- The vote counter is the orchestrator. It sees every answer itself, so Part 1",
        "  applies: a majority of honest answers wins, and too many agreeing wrong",
        "  answers win too (Test 5). A vote cannot tell a shared mistake from the truth.",
        "- Agents that relay results to each other, with no one checking what each one",
        "  told the others, are in Part 2: they need n > 3f, as OM(1) shows at n = 3.",
        "- Models trained on similar data fail on the same inputs. The f-of-n count",
        "  assumes independent failures; Example 2 (dual_model) measures what",
        "  correlation does to a vote.",
        "",
        "EU AI Act (Regulation (EU) 2024/1689), where this design can contribute:",
        "- Article 15 (accuracy, robustness): redundancy through independent checks,",
        "  and a stop instead of a guess when they disagree.",
        "- Article 12 (record-keeping): every vote and its tally can be logged.",
        "- Article 14 (human oversight): a task with no consensus goes to a person.",
        "- Article 9 (risk management): error and rejection rates that are measured",
        "  and computed, as Example 2 does, feed the risk assessment.",
        "A voting scheme supports these duties; it does not by itself make a system",
        "compliant.",
        "",
        "Key takeaway: with n = 3f + 1 nodes and a threshold of 2f + 1 votes, up to f",
        "faulty nodes cannot change the answer; beyond f they can block it, and beyond",
        "2f they can decide it. Safety against equivocating nodes needs n > 3f.",
    ] {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

// ============================================================================
// Command line
// ============================================================================

const USAGE: &str = "\
bft_demo: Byzantine fault tolerance by vote, and why it takes 3f + 1 nodes

Usage: bft_demo [--trials N] [--seed S]

Options:
  --trials N   random two-traitor strategies tried per n for OM(2)
               (1 to 1000000, default 10000)
  --seed S     seed of the random strategies (0 to 18446744073709551615,
               default 1982)
  -h, --help   print this help
";

const FLAGS: [&str; 2] = ["trials", "seed"];

/// What the command line asked for, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Config {
    trials: u64,
    seed: u64,
}

fn configure(flags: &Flags) -> Result<Config, String> {
    Ok(Config {
        trials: flags.number("trials", 10_000, 1..=1_000_000)?,
        seed: flags.number("seed", 1982, 0..=u64::MAX)?,
    })
}

fn run(config: &Config, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Chapter 4, Example 1: Byzantine fault tolerance")?;
    writeln!(out)?;
    print_scenarios(out)?;
    writeln!(out)?;
    print_why_3f_plus_1(out, config)?;
    writeln!(out)?;
    print_llm_mapping(out)
}

fn main() -> ExitCode {
    run_cli("bft_demo", USAGE, &FLAGS, configure, run)
}

// ============================================================================
// Shared helpers: this block is identical in bft_demo.rs and dual_model.rs
// (tests/shared_helpers.rs checks it), so each file stays a complete program.
// ============================================================================

// ANCHOR: shared
/// `SplitMix64` (Steele, Lea, Flood 2014): one `u64` of state, fast, and good enough
/// for simulation. Not the textbook LCG normalised by `u64::MAX`: from a small seed
/// its first draws are close to 0, so every simulated model failed the first task.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw from `0..bound` by multiply-shift (Lemire 2019); its bias is below
    /// bound / 2^64. `bound` must not be 0.
    #[expect(clippy::cast_possible_truncation, reason = "the high word is below `bound`")]
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// Command-line flags, `--name value` or `--name=value`, each at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flags {
    given: Vec<(String, String)>,
}

impl Flags {
    /// `Ok(None)` when the user asked for `--help`.
    fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Option<Self>, String> {
        let mut given: Vec<(String, String)> = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                return Ok(None);
            }
            let Some(flag) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument '{arg}'"));
            };
            let (name, inline_value) = match flag.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (flag, None),
            };
            if !known.contains(&name) {
                return Err(format!("unknown flag --{name}"));
            }
            if given.iter().any(|(seen, _)| seen == name) {
                return Err(format!("--{name} is given more than once"));
            }
            let value = match inline_value {
                Some(value) => value,
                None => args
                    .next()
                    .filter(|value| !value.starts_with("--"))
                    .ok_or_else(|| format!("--{name} needs a value"))?,
            };
            given.push((name.to_string(), value));
        }
        Ok(Some(Self { given }))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.given.iter().find(|(seen, _)| seen == name).map(|(_, value)| value.as_str())
    }

    /// `--name` as a whole number within `range`, or `default` when it is absent.
    fn number(&self, name: &str, default: u64, range: RangeInclusive<u64>) -> Result<u64, String> {
        let Some(text) = self.value(name) else {
            return Ok(default);
        };
        match text.parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(format!(
                "--{name} must be a whole number from {} to {}, not '{text}'",
                range.start(),
                range.end()
            )),
        }
    }
}

/// A section title, underlined to its length.
fn heading(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()))
}

/// Parses the flags, prints `usage` for `--help`, and runs the program on stdout.
/// Bad input: one line on stderr, nothing on stdout, exit code 2.
fn run_cli<C>(
    program: &str,
    usage: &str,
    known: &[&str],
    configure: fn(&Flags) -> Result<C, String>,
    run: fn(&C, &mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let parsed = Flags::parse(std::env::args().skip(1), known);
    let config = match parsed.and_then(|flags| flags.map(|flags| configure(&flags)).transpose()) {
        Ok(Some(config)) => config,
        Ok(None) => {
            // A closed pipe is not worth an error message for a help text.
            let _ = io::stdout().write_all(usage.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("{program}: {problem} (see {program} --help)");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&config, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `bft_demo | head` closes the pipe early: stop quietly, like other tools.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{program}: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: shared

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
                assert_eq!(result, expected, "f = {f}, b = {b} Byzantine of n = {n}");
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
            assert_eq!(group(1, 0).consensus(input), Some(honest), "input {input}");
            assert_eq!(group(1, 1).consensus(input), Some(honest), "input {input}");
            assert_eq!(group(1, 2).consensus(input), None, "input {input}");
            assert_eq!(group(1, 3).consensus(input), Some(honest + 999), "input {input}");
        }
        assert_eq!(group(1, 0).consensus(i32::MAX), Some(4_294_967_294));
        assert_eq!(group(1, 0).consensus(i32::MIN), Some(-4_294_967_296));
    }

    #[test]
    fn unknown_node_id_is_an_error_and_changes_nothing() {
        let mut group = BftConsensus::new(1);
        let error = group.set_byzantine(&[1, 4]).unwrap_err();
        assert_eq!(error, UnknownNode { id: 4, node_count: 4 });
        assert_eq!(error.to_string(), "node 4 does not exist (ids run from 0 to 3)");
        assert_eq!(group.status(), Status { total: 4, honest: 4, byzantine: 0 });
        assert_eq!(group.set_byzantine(&[usize::MAX]).unwrap_err().id, usize::MAX);
    }

    #[test]
    fn group_size_and_threshold_follow_3f_plus_1() {
        for f in [0, 1, 2, 3, 10, 1000, u16::MAX] {
            let group = BftConsensus::new(f);
            let f = usize::from(f);
            assert_eq!(group.nodes.len(), 3 * f + 1, "f = {f}");
            assert_eq!(group.threshold(), 2 * f + 1, "f = {f}");
        }
    }

    #[test]
    fn scenarios_end_as_the_chapter_says() {
        use Verdict::{AgreedOnALie, Correct, NoConsensus};
        let verdicts: Vec<Verdict> =
            SCENARIOS.iter().map(|s| verdict(s.group().consensus(s.input), s.input)).collect();
        assert_eq!(verdicts, [Correct, Correct, NoConsensus, Correct, AgreedOnALie]);
    }

    #[test]
    fn majority_ties_go_to_retreat() {
        use Order::{Attack, Retreat};
        assert_eq!(majority(&[]), Retreat);
        assert_eq!(majority(&[Attack, Retreat]), Retreat);
        assert_eq!(majority(&[Attack, Attack, Retreat]), Attack);
        assert_eq!(majority(&[Attack, Retreat, Retreat, Attack]), Retreat);
        // Every list of up to 6 orders: ATTACK exactly when attacks are more than half.
        for len in 0..=6u32 {
            for bits in 0..1u32 << len {
                let orders: Vec<Order> =
                    (0..len).map(|k| if bits >> k & 1 == 1 { Attack } else { Retreat }).collect();
                let expected = if 2 * bits.count_ones() > len { Attack } else { Retreat };
                assert_eq!(majority(&orders), expected, "{orders:?}");
            }
        }
    }

    #[test]
    fn om1_exhaustive_results() {
        assert_eq!(
            om1_exhaustive(3),
            Exhaustive {
                n: 3,
                profiles: 16,
                ic1_violations: 0,
                ic2_violations: 2,
                first_violation: Some(Profile { traitor: 1, order: Order::Attack, lies: 0 }),
            }
        );
        assert_eq!(
            om1_exhaustive(4),
            Exhaustive {
                n: 4,
                profiles: 40,
                ic1_violations: 0,
                ic2_violations: 0,
                first_violation: None
            }
        );
    }

    #[test]
    fn om1_with_three_nodes_is_caught() {
        // The broken setting n = 3 for m = 1 must be flagged, and the flagged run
        // must really be a violation when replayed.
        let search = om1_exhaustive(3);
        let profile = search.first_violation.expect("n = 3 must fail");
        let run = profile.run(3, true);
        assert!(!run.consistency.holds());
        assert_eq!(run.decisions, [Order::Attack, Order::Retreat]); // L1 (traitor), L2
        assert_eq!(run.transcript.len(), 4);
        assert_eq!(run.transcript.iter().filter(|m| m.sent != m.truth).count(), 1);
    }

    #[test]
    fn om1_tolerates_one_traitor_from_four_nodes_up() {
        for n in 4..=7 {
            let search = om1_exhaustive(n);
            assert_eq!(search.ic1_violations + search.ic2_violations, 0, "n = {n}");
            // Commander: 2 orders x 2^(n-1) lies; each lieutenant: 2 x 2^(n-2).
            let expected = 2 * (1 << (n - 1)) + (n as u64 - 1) * 2 * (1 << (n - 2));
            assert_eq!(search.profiles, expected, "n = {n}");
        }
    }

    #[test]
    fn om2_randomized_counts_for_the_default_seed() {
        let six = om_randomized(6, 2, 2, 10_000, 1982);
        let seven = om_randomized(7, 2, 2, 10_000, 1982);
        assert_eq!((six.ic1_violations, six.ic2_violations, six.violations), (1626, 1720, 1720));
        assert_eq!((seven.ic1_violations, seven.ic2_violations, seven.violations), (0, 0, 0));
        // Another seed: n = 7 still never fails, n = 6 still does.
        assert_eq!(om_randomized(7, 2, 2, 2_000, 7).violations, 0);
        assert!(om_randomized(6, 2, 2, 2_000, 7).violations > 0);
    }

    #[test]
    fn message_counts_match_the_closed_form() {
        assert_eq!(om_messages_counted(4, 1), 9);
        assert_eq!(om_messages_counted(7, 2), 156);
        assert_eq!(om_messages_counted(10, 3), 3609);
        for m in 0..=3 {
            for n in m + 2..=9 {
                assert_eq!(
                    om_messages_counted(n, m),
                    om_message_formula(n as u64, m as u64),
                    "n = {n}, m = {m}"
                );
            }
        }
    }

    #[test]
    fn quorums_of_3f_plus_1_always_share_an_honest_node() {
        let rows: Vec<(u32, u32, u32, u64, u32, u64)> =
            [(3, 1), (4, 1), (6, 2), (7, 2), (9, 3), (10, 3)]
                .iter()
                .map(|&(n, f)| {
                    let c = quorum_check(n, f);
                    (c.n, c.f, c.quorum, c.quorum_pairs, c.smallest_overlap, c.split_cases)
                })
                .collect();
        assert_eq!(
            rows,
            [
                (3, 1, 2, 3, 1, 3),
                (4, 1, 3, 6, 2, 0),
                (6, 2, 4, 105, 2, 45),
                (7, 2, 5, 210, 3, 0),
                (9, 3, 6, 3486, 3, 840),
                (10, 3, 7, 7140, 4, 0),
            ]
        );
        for f in 1..=4 {
            assert_eq!(quorum_check(3 * f + 1, f).split_cases, 0, "f = {f}");
            assert_eq!(quorum_check(3 * f + 1, f).smallest_overlap, f + 1, "f = {f}");
            assert!(quorum_check(3 * f, f).split_cases > 0, "f = {f}");
        }
    }

    #[test]
    fn splitmix64_known_answers() {
        // Reference outputs of splitmix64.c for seed 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
        let mut rng = SplitMix64::new(9);
        assert!((0..10_000).all(|_| rng.below(7) < 7));
    }

    fn parse(args: &[&str]) -> Result<Option<Config>, String> {
        let args = args.iter().map(|a| (*a).to_string());
        Flags::parse(args, &FLAGS)?.map(|flags| configure(&flags)).transpose()
    }

    /// The help is typed by hand: it must state the ranges and defaults that
    /// `configure` applies, so that neither changes alone.
    #[test]
    fn help_states_the_ranges_and_defaults_the_code_uses() {
        for flag in ["--trials", "--seed"] {
            // The error for a value out of range names the range the code checks.
            let error = parse(&[flag, "-1"]).unwrap_err();
            let range = error.split(" from ").nth(1).and_then(|rest| rest.split(", not").next());
            let stated = format!("({},", range.unwrap_or_else(|| panic!("{error}")));
            assert!(USAGE.contains(&stated), "{flag}: the help does not say '{stated}'");
        }
        let defaults = parse(&[]).unwrap().unwrap();
        for stated in
            [format!("default {})", defaults.trials), format!("default {})", defaults.seed)]
        {
            assert!(USAGE.contains(&stated), "the help does not say '{stated}'");
        }
    }

    #[test]
    fn flags_parse_and_bad_input_is_named() {
        assert_eq!(parse(&[]), Ok(Some(Config { trials: 10_000, seed: 1982 })));
        assert_eq!(parse(&["--trials", "5", "--seed=0"]), Ok(Some(Config { trials: 5, seed: 0 })));
        assert_eq!(parse(&["--seed", "18446744073709551615"]).unwrap().unwrap().seed, u64::MAX);
        assert_eq!(parse(&["--trials", "1", "--help"]), Ok(None));
        let cases = [
            (&["--trials", "0"][..], "--trials must be a whole number from 1 to 1000000, not '0'"),
            (&["--trials", "-3"], "--trials must be a whole number from 1 to 1000000, not '-3'"),
            (&["--trials", "ten"], "--trials must be a whole number from 1 to 1000000, not 'ten'"),
            (
                &["--seed", "18446744073709551616"],
                "--seed must be a whole number from 0 to 18446744073709551615, not '18446744073709551616'",
            ),
            (&["--trials"], "--trials needs a value"),
            (&["--trials", "--seed", "3"], "--trials needs a value"),
            (&["--seed", "1", "--seed", "2"], "--seed is given more than once"),
            (&["--verbose"], "unknown flag --verbose"),
            (&["extra"], "unexpected argument 'extra'"),
        ];
        for (args, message) in cases {
            assert_eq!(parse(args), Err(message.to_string()), "{args:?}");
        }
    }
}
