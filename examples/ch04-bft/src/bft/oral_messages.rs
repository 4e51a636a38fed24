//! Oral Messages OM(m), Lamport, Shostak, Pease (1982).
//!
//! A commander sends an order to its lieutenants; for m > 0 each lieutenant
//! passes on what it received, recursively, and decides by majority. There is
//! no trusted counter: each node decides from what it was told, and a traitor
//! may tell each node something different. The paper proves that OM(m)
//! tolerates m traitors exactly when n > 3m.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Attack,
    Retreat,
}

/// The majority of the orders received; a tie goes to RETREAT, the paper's
/// default.
pub fn majority(orders: &[Order]) -> Order {
    let attacks = orders.iter().filter(|&&o| o == Order::Attack).count();
    if 2 * attacks > orders.len() { Order::Attack } else { Order::Retreat }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Attack => "ATTACK",
            Order::Retreat => "RETREAT",
        })
    }
}

/// One message as it went over the wire: `truth` is what a loyal sender
/// would have sent, `sent` what this sender did send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub round: usize,
    pub from: usize,
    pub to: usize,
    pub truth: Order,
    pub sent: Order,
}

/// Carries every message of one run. A traitor's message carries whatever
/// `lie` returns: a fresh choice for every message it sends.
pub struct Network<'a> {
    pub traitors: &'a [bool],
    pub lie: &'a mut dyn FnMut() -> Order,
    pub messages_sent: u64,
    /// Kept only when a run is to be printed.
    pub transcript: Option<Vec<Message>>,
}

impl Network<'_> {
    fn send(
        &mut self,
        round: usize,
        from: usize,
        to: usize,
        truth: Order,
    ) -> Order {
        self.messages_sent += 1;
        let sent = if self.traitors[from] { (self.lie)() } else { truth };
        if let Some(transcript) = &mut self.transcript {
            transcript.push(Message { round, from, to, truth, sent });
        }
        sent
    }
}

/// Runs OM(m) and returns each lieutenant's decision, in the order of
/// `lieutenants`. The relays of OM(m - 1) are sent inside it.
// ANCHOR: oral_messages
pub fn oral_messages(
    m: usize,
    round: usize,
    commander: usize,
    lieutenants: &[usize],
    order: Order,
    net: &mut Network,
) -> Vec<Order> {
    let received: Vec<Order> = lieutenants
        .iter()
        .map(|&to| net.send(round, commander, to, order))
        .collect();
    if m == 0 {
        return received;
    }
    let mut heard: Vec<Vec<Order>> =
        received.iter().map(|&o| vec![o]).collect();
    for (i, &relay) in lieutenants.iter().enumerate() {
        let others: Vec<usize> =
            lieutenants.iter().copied().filter(|&l| l != relay).collect();
        let relayed =
            oral_messages(m - 1, round + 1, relay, &others, received[i], net);
        // `others` skips position i, so index k maps back past i.
        for (k, order) in relayed.into_iter().enumerate() {
            heard[if k < i { k } else { k + 1 }].push(order);
        }
    }
    heard.iter().map(|orders| majority(orders)).collect()
}
// ANCHOR_END: oral_messages

/// The paper's two interactive consistency conditions, as a run kept them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consistency {
    /// IC1: all loyal lieutenants decide alike.
    pub ic1: bool,
    /// IC2: if the commander is loyal, every loyal lieutenant obeys it.
    pub ic2: bool,
}

impl Consistency {
    pub fn holds(self) -> bool {
        self.ic1 && self.ic2
    }
}

/// What one run of OM(m) produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmRun {
    pub consistency: Consistency,
    pub decisions: Vec<Order>,
    pub messages_sent: u64,
    pub transcript: Vec<Message>,
}

/// Runs OM(m), node 0 commanding nodes 1..n (n = `traitors.len()`), and
/// judges the loyal lieutenants' decisions by IC1 and IC2.
pub fn run_om(
    m: usize,
    traitors: &[bool],
    order: Order,
    lie: &mut dyn FnMut() -> Order,
    keep_transcript: bool,
) -> OmRun {
    let lieutenants: Vec<usize> = (1..traitors.len()).collect();
    let transcript = keep_transcript.then(Vec::new);
    let mut net = Network { traitors, lie, messages_sent: 0, transcript };
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

/// Messages OM(m) sends among n nodes: (n-1) + (n-1)(n-2) + ... +
/// (n-1)...(n-m-1), since each of the n - 1 lieutenants runs OM(m - 1)
/// among the other n - 1 nodes.
pub fn om_message_formula(n: u64, m: u64) -> u64 {
    (1..=m + 1).map(|k| (1..=k).map(|j| n - j).product::<u64>()).sum()
}

/// Messages a run of OM(m) with no traitors actually sends.
pub fn om_messages_counted(n: usize, m: usize) -> u64 {
    let loyal = vec![false; n];
    run_om(m, &loyal, Order::Attack, &mut || Order::Attack, false).messages_sent
}

#[cfg(test)]
mod tests {
    use super::*;

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
                let orders: Vec<Order> = (0..len)
                    .map(|k| if bits >> k & 1 == 1 { Attack } else { Retreat })
                    .collect();
                let expected =
                    if 2 * bits.count_ones() > len { Attack } else { Retreat };
                assert_eq!(majority(&orders), expected, "{orders:?}");
            }
        }
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
    fn a_loyal_run_obeys_the_commander() {
        for order in [Order::Attack, Order::Retreat] {
            let run =
                run_om(2, &[false; 7], order, &mut || Order::Attack, true);
            assert_eq!(run.decisions, [order; 6]);
            assert!(run.consistency.holds());
            assert_eq!(run.transcript.len() as u64, run.messages_sent);
            assert!(run.transcript.iter().all(|m| m.sent == m.truth));
        }
    }
}
