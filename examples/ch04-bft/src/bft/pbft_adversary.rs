//! The adversary of the PBFT runs: which replicas are Byzantine in a run,
//! drawn from its seed, and what each sends instead of what its honest self
//! would. The simulation (`pbft_sim`) asks it at every send; the search
//! (`pbft_search`) draws it for every run.

use std::collections::BTreeSet;

use super::pbft::{
    Certificate, Config, Id, Message, Replica, Value, View, reproposed,
};
use crate::rng::SplitMix64;

/// A message and its recipient (`None`: every replica).
type Send = (Option<Id>, Message);

/// What a Byzantine replica does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Sends nothing at all.
    Silent,
    /// As a primary, pre-prepares `a` for some backups and `b` for the
    /// others; as a backup, prepares and commits everything it sees.
    Equivocate,
    /// Prepares and commits every value it sees, for everyone.
    EchoAll,
    /// Honest, except that its VIEW-CHANGE hides its certificate, and as a
    /// new primary it picks the VIEW-CHANGEs without certificates and
    /// proposes `b`.
    HideCertificate,
    /// Repeats and misdates: for every value it sees in a view, it sends
    /// PREPAREs and COMMITs, twice each, for that view and the next, for
    /// both values; and it pre-prepares `b` in its own name, for view 0
    /// and the next view it leads.
    Replay,
    /// Claims what is not its to claim: NEW-VIEWs for views it does not
    /// lead, VIEW-CHANGEs early and with its oldest certificate or none,
    /// and, where it leads, `a` to some and `b` to others in every view.
    Usurp,
}

impl Strategy {
    pub const ALL: [Strategy; 6] = [
        Strategy::Silent,
        Strategy::Equivocate,
        Strategy::EchoAll,
        Strategy::HideCertificate,
        Strategy::Replay,
        Strategy::Usurp,
    ];

    /// The word `bft_demo --byzantine` reads for it.
    pub fn key(self) -> &'static str {
        match self {
            Strategy::Silent => "silent",
            Strategy::Equivocate => "equivocating",
            Strategy::EchoAll => "echoing",
            Strategy::HideCertificate => "hiding",
            Strategy::Replay => "replaying",
            Strategy::Usurp => "usurping",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Silent => "silent",
            Strategy::Equivocate => "equivocating",
            Strategy::EchoAll => "echoing everything",
            Strategy::HideCertificate => "hiding its certificate",
            Strategy::Replay => "replaying and misdating",
            Strategy::Usurp => "usurping",
        }
    }
}

// ANCHOR: adversary
/// What a Byzantine replica sends instead of what its honest self, the
/// `replica` underneath, would send.
pub fn bend(
    config: &Config,
    replica: &Replica,
    strategy: Strategy,
    rng: &mut SplitMix64,
    sends: Vec<Send>,
) -> Vec<Send> {
    let from = replica.id;
    let backups: Vec<Id> = (0..config.n).filter(|&r| r != from).collect();
    let mut coin =
        || if rng.next_u64().is_multiple_of(2) { Value::A } else { Value::B };
    let mut bent = Vec::new();
    for (to, message) in sends {
        match (strategy, message) {
            // Silent sends nothing; an echoing replica's `echo` sends
            // prepares and commits, for every value it sees.
            (Strategy::Silent, _)
            | (
                Strategy::Equivocate | Strategy::EchoAll,
                Message::Prepare { .. } | Message::Commit { .. },
            ) => {}
            // Each backup gets `a` or `b`, drawn from the seed.
            (
                Strategy::Equivocate | Strategy::Usurp,
                Message::PrePrepare { view, .. },
            ) => {
                for &backup in &backups {
                    let value = coin();
                    bent.push((
                        Some(backup),
                        Message::PrePrepare { view, value },
                    ));
                }
            }
            (
                Strategy::Equivocate | Strategy::Usurp,
                Message::NewView { view, proof, .. },
            ) => {
                for &backup in &backups {
                    let (proof, value) = (proof.clone(), coin());
                    bent.push((
                        Some(backup),
                        Message::NewView { view, proof, value },
                    ));
                }
            }
            (Strategy::HideCertificate, Message::ViewChange { view, .. }) => {
                bent.push((to, Message::ViewChange { view, prepared: None }));
            }
            // Its first certificate, or none; each replica its own.
            (Strategy::Usurp, Message::ViewChange { view, .. }) => {
                for &backup in &backups {
                    let prepared =
                        replica.first_prepared.filter(|_| coin() == Value::A);
                    bent.push((
                        Some(backup),
                        Message::ViewChange { view, prepared },
                    ));
                }
            }
            // As new primary: the quorum of VIEW-CHANGEs with the fewest
            // certificates, and `b` if none is left.
            (Strategy::HideCertificate, Message::NewView { view, .. }) => {
                let proof = thinnest_proof(config, replica, view);
                let value = reproposed(&proof).unwrap_or(Value::B);
                bent.push((to, Message::NewView { view, proof, value }));
            }
            (_, message) => bent.push((to, message)),
        }
    }
    bent
}
// ANCHOR_END: adversary

/// What an echoing Byzantine replica sends on seeing `message`: a PREPARE
/// and a COMMIT of its value, to all, once for each (view, value).
pub fn echo(
    echoed: &mut BTreeSet<(View, Value)>,
    message: &Message,
) -> Vec<Send> {
    match *message {
        Message::PrePrepare { view, value }
        | Message::Prepare { view, value }
        | Message::Commit { view, value }
            if echoed.insert((view, value)) =>
        {
            vec![
                (None, Message::Prepare { view, value }),
                (None, Message::Commit { view, value }),
            ]
        }
        _ => Vec::new(),
    }
}

/// What a Byzantine replica with `strategy` sends on seeing `message`,
/// beside what its honest self does; `seen` holds what it reacted to.
pub fn react(
    config: &Config,
    replica: &Replica,
    strategy: Strategy,
    seen: &mut BTreeSet<(View, Value)>,
    message: &Message,
) -> Vec<Send> {
    match strategy {
        Strategy::Equivocate | Strategy::EchoAll => echo(seen, message),
        // Only near its own view: misdating has to stop somewhere.
        Strategy::Replay => match *message {
            Message::PrePrepare { view, value }
            | Message::Prepare { view, value }
            | Message::Commit { view, value }
                if view <= replica.view + 1 && seen.insert((view, value)) =>
            {
                let mut sends = Vec::new();
                for v in [view, view + 1] {
                    for x in [Value::A, Value::B] {
                        for _ in 0..2 {
                            sends.push((
                                None,
                                Message::Prepare { view: v, value: x },
                            ));
                            sends.push((
                                None,
                                Message::Commit { view: v, value: x },
                            ));
                        }
                    }
                }
                sends
            }
            _ => Vec::new(),
        },
        Strategy::Usurp => usurp(config, replica, seen, message),
        Strategy::Silent | Strategy::HideCertificate => Vec::new(),
    }
}

/// A quorum of the VIEW-CHANGEs `replica` holds for `view`, those without
/// certificates first: the proof of a NEW-VIEW that hides what it can.
fn thinnest_proof(
    config: &Config,
    replica: &Replica,
    view: View,
) -> Vec<(Id, Option<Certificate>)> {
    let received = replica.view_changes.get(&view);
    let mut proof: Vec<_> = received
        .map(|s| s.iter().map(|(&id, &c)| (id, c)).collect())
        .unwrap_or_default();
    proof.sort_by_key(|&(id, cert)| (cert.is_some(), id));
    proof.truncate(config.quorum);
    proof
}

/// A usurper on seeing `message`: once it holds a quorum of VIEW-CHANGEs
/// for a view, a NEW-VIEW of its own for it, on those with the fewest
/// certificates, with `b` unless they forbid it, whether it leads the view
/// or not; and on every NEW-VIEW, a VIEW-CHANGE for the view after.
fn usurp(
    config: &Config,
    replica: &Replica,
    seen: &mut BTreeSet<(View, Value)>,
    message: &Message,
) -> Vec<Send> {
    match *message {
        Message::ViewChange { view, .. } if view <= replica.view + 1 => {
            let received = replica.view_changes.get(&view);
            if received.map_or(0, std::collections::BTreeMap::len)
                < config.quorum
                || !seen.insert((view, Value::B))
            {
                return Vec::new();
            }
            let proof = thinnest_proof(config, replica, view);
            let value = reproposed(&proof).unwrap_or(Value::B);
            vec![(None, Message::NewView { view, proof, value })]
        }
        Message::NewView { view, .. } if seen.insert((view, Value::A)) => {
            let next = Message::ViewChange { view: view + 1, prepared: None };
            vec![(None, next)]
        }
        _ => Vec::new(),
    }
}

/// What a Byzantine replica sends at the start, beside what its honest
/// self does.
pub fn opening(replica: &Replica, strategy: Strategy) -> Vec<Send> {
    let me = replica.id;
    match strategy {
        // `b` pre-prepared in its own name, for view 0 and the view it
        // leads next.
        Strategy::Replay => {
            let next = View::try_from(me).unwrap_or(0).max(1);
            [0, next]
                .map(|view| {
                    (None, Message::PrePrepare { view, value: Value::B })
                })
                .to_vec()
        }
        // A VIEW-CHANGE before any timer has run out.
        Strategy::Usurp => {
            vec![(None, Message::ViewChange { view: 1, prepared: None })]
        }
        _ => Vec::new(),
    }
}

/// The Byzantine replicas of search run `seed`: f distinct replicas, each
/// with a strategy, drawn from the seed.
pub fn adversary(config: &Config, seed: u64) -> Vec<(Id, Strategy)> {
    let mut rng = SplitMix64::new(seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut chosen: Vec<(Id, Strategy)> = Vec::new();
    while chosen.len() < config.f() {
        let id = rng.below(config.n);
        if chosen.iter().all(|&(c, _)| c != id) {
            chosen.push((id, Strategy::ALL[rng.below(Strategy::ALL.len())]));
        }
    }
    chosen.sort_unstable_by_key(|&(id, _)| id);
    chosen
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn four() -> (Config, Replica) {
        let config = Config::pbft(1);
        (config, Replica::new(2, config))
    }

    fn views(sends: &[Send]) -> BTreeSet<View> {
        sends
            .iter()
            .map(|(_, m)| match *m {
                Message::PrePrepare { view, .. }
                | Message::Prepare { view, .. }
                | Message::Commit { view, .. }
                | Message::ViewChange { view, .. }
                | Message::NewView { view, .. } => view,
            })
            .collect()
    }

    #[test]
    fn each_behaviour_has_the_key_and_name_the_outputs_print() {
        let keys = Strategy::ALL.map(Strategy::key);
        let names = Strategy::ALL.map(Strategy::name);
        assert_eq!(
            keys,
            [
                "silent",
                "equivocating",
                "echoing",
                "hiding",
                "replaying",
                "usurping"
            ]
        );
        assert_eq!(
            names,
            [
                "silent",
                "equivocating",
                "echoing everything",
                "hiding its certificate",
                "replaying and misdating",
                "usurping"
            ]
        );
    }

    #[test]
    fn a_usurper_sends_its_first_certificate_where_its_coin_says_a() {
        let (config, mut replica) = four();
        let certificate = Certificate { view: 0, value: Value::A };
        replica.first_prepared = Some(certificate);
        let change = Message::ViewChange { view: 1, prepared: None };
        for seed in 0..20 {
            let mut rng = SplitMix64::new(seed);
            let bent = bend(
                &config,
                &replica,
                Strategy::Usurp,
                &mut rng,
                vec![(None, change.clone())],
            );
            // The same coins, thrown again: one per backup, 0, 1 and 3.
            let mut coins = SplitMix64::new(seed);
            let expected: Vec<Send> = [0, 1, 3]
                .map(|backup| {
                    let a = coins.next_u64().is_multiple_of(2);
                    let prepared = Some(certificate).filter(|_| a);
                    (Some(backup), Message::ViewChange { view: 1, prepared })
                })
                .to_vec();
            assert_eq!(bent, expected, "seed {seed}");
        }
    }

    #[test]
    fn a_replayer_misdates_only_near_its_own_view() {
        let (config, replica) = four();
        let mut seen = BTreeSet::new();
        let at = |view| Message::PrePrepare { view, value: Value::A };
        let near =
            react(&config, &replica, Strategy::Replay, &mut seen, &at(1));
        // Prepares and commits of both values, twice, for views 1 and 2.
        assert_eq!(near.len(), 16);
        assert_eq!(views(&near), BTreeSet::from([1, 2]));
        let again =
            react(&config, &replica, Strategy::Replay, &mut seen, &at(1));
        assert!(again.is_empty(), "once for each view and value");
        let far = react(&config, &replica, Strategy::Replay, &mut seen, &at(2));
        assert!(far.is_empty(), "view 2 is more than one past view 0");
    }

    #[test]
    fn a_usurper_proposes_near_its_view_and_answers_a_new_view_once() {
        let (config, mut replica) = four();
        let quorum: BTreeMap<Id, Option<Certificate>> =
            (0..config.quorum).map(|id| (id, None)).collect();
        replica.view_changes.insert(1, quorum.clone());
        replica.view_changes.insert(5, quorum);
        let mut seen = BTreeSet::new();
        let change = |view| Message::ViewChange { view, prepared: None };
        let usurping = Strategy::Usurp;
        let far = react(&config, &replica, usurping, &mut seen, &change(5));
        assert!(far.is_empty(), "view 5 is more than one past view 0");
        let near = react(&config, &replica, usurping, &mut seen, &change(1));
        assert_eq!(near.len(), 1);
        let Message::NewView { view, ref proof, value } = near[0].1 else {
            panic!("{near:?}");
        };
        assert_eq!((view, proof.len(), value), (1, config.quorum, Value::B));
        let new_view = near[0].1.clone();
        let answer = react(&config, &replica, usurping, &mut seen, &new_view);
        assert_eq!(answer, [(None, change(2))]);
        let again = react(&config, &replica, usurping, &mut seen, &new_view);
        assert!(again.is_empty(), "one VIEW-CHANGE for each NEW-VIEW");
    }
}
