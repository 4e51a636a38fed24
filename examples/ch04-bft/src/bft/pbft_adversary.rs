//! The adversary of the PBFT runs: which replicas are Byzantine in a run,
//! drawn from its seed, and what each sends instead of what its honest self
//! would. The simulation (`pbft_sim`) asks it at every send; the search
//! (`pbft_search`) draws it for every run.

use std::collections::BTreeSet;

use super::pbft::{Config, Id, Message, Replica, Value, View, reproposed};
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
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Silent,
        Strategy::Equivocate,
        Strategy::EchoAll,
        Strategy::HideCertificate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Silent => "silent",
            Strategy::Equivocate => "equivocating",
            Strategy::EchoAll => "echoing everything",
            Strategy::HideCertificate => "hiding its certificate",
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
            (Strategy::Equivocate, Message::PrePrepare { view, .. }) => {
                for &backup in &backups {
                    let value = coin();
                    bent.push((
                        Some(backup),
                        Message::PrePrepare { view, value },
                    ));
                }
            }
            (Strategy::Equivocate, Message::NewView { view, proof, .. }) => {
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
            // As new primary: the quorum of VIEW-CHANGEs with the fewest
            // certificates, and `b` if none is left.
            (Strategy::HideCertificate, Message::NewView { view, .. }) => {
                let received = replica.view_changes.get(&view);
                let mut proof: Vec<_> = received
                    .map(|s| s.iter().map(|(&id, &c)| (id, c)).collect())
                    .unwrap_or_default();
                proof.sort_by_key(|&(id, cert)| (cert.is_some(), id));
                proof.truncate(config.quorum);
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
