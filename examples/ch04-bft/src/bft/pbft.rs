//! PBFT (Castro and Liskov, OSDI 1999) for one client request and one
//! sequence number: an honest replica's handlers, nothing else. The network,
//! the timers and the Byzantine replicas are in `pbft_sim` and
//! `pbft_adversary`; the rules a test may break, in `pbft_config`.
//!
//! Replicas are numbered 0 to n - 1; the primary of view v is v mod n. Two
//! requests, `a` and `b`, could get sequence number 1: the primary's job is
//! to order them, and a faulty primary may tell different replicas
//! different things. Messages are authenticated (PBFT uses MACs or
//! signatures): a replica cannot send in another's name, and the network
//! may delay and reorder messages but not forge them.
//!
//! - Normal case: the primary sends PRE-PREPARE(v, x). A backup that accepts
//!   it (right view, no other value accepted in this view) sends PREPARE to
//!   all. A replica is *prepared* with the pre-prepare and `prepares` (2f)
//!   matching PREPAREs from backups, its own included; it then sends COMMIT.
//!   It *commits* x with `quorum` (2f + 1) matching COMMITs.
//! - View change: a replica whose timer runs out before it commits sends
//!   VIEW-CHANGE(v + 1) carrying its prepared certificate, if any. So does
//!   any replica that sees f + 1 VIEW-CHANGEs for a later view. The new
//!   primary, with `quorum` of them, sends NEW-VIEW: those VIEW-CHANGEs and a
//!   PRE-PREPARE of the value of the highest-view certificate (or of `a` when
//!   there is none). Replicas check NEW-VIEW against the certificates it
//!   carries before they accept it.
//! - A replica that missed the prepare phase commits x when it sees
//!   `quorum` matching COMMITs anyway. PBFT's replicas catch up through
//!   checkpoints and state transfer; a quorum of commits is the same proof
//!   (at least f + 1 honest replicas prepared x), so it keeps the
//!   simulation short without changing what is safe.

use std::collections::{BTreeMap, BTreeSet};

pub use super::pbft_config::{Config, Flaw};
use super::pbft_config::{Kind, Votes};

pub type Id = usize;
pub type View = u32;

/// The request that gets sequence number 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    A,
    B,
}

/// A prepared certificate: the pre-prepare and 2f prepares for this value
/// in this view (signed messages in PBFT; authenticated ones here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certificate {
    pub view: View,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    PrePrepare {
        view: View,
        value: Value,
    },
    Prepare {
        view: View,
        value: Value,
    },
    Commit {
        view: View,
        value: Value,
    },
    ViewChange {
        view: View,
        prepared: Option<Certificate>,
    },
    /// The VIEW-CHANGEs it rests on (sender and certificate), and the value
    /// it pre-prepares.
    NewView {
        view: View,
        proof: Vec<(Id, Option<Certificate>)>,
        value: Value,
    },
}

/// What a handler does: messages to send, and what happened, for a trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Out {
    /// (recipient, message); `None` sends to every replica, itself too.
    pub sends: Vec<(Option<Id>, Message)>,
    pub notes: Vec<Note>,
    /// Start the timer of this view.
    pub timer: Option<View>,
}

/// A step worth showing in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Accepted(View, Value),
    Prepared(View, Value),
    Committed(Value),
    TimedOut(View),
    EnteredView(View),
}

/// One honest replica's state for sequence number 1. Its handlers put what
/// they send and note in `out`, which the network takes after each event.
#[derive(Debug, Clone)]
pub struct Replica {
    pub id: Id,
    c: Config,
    pub view: View,
    /// Waiting for the NEW-VIEW of `view`.
    pub changing: bool,
    accepted: BTreeMap<View, Value>,
    /// Senders of each PREPARE and COMMIT received, in arrival order.
    prepares: BTreeMap<(View, Value), Votes>,
    commits: BTreeMap<(View, Value), Votes>,
    pub prepared: Option<Certificate>,
    /// The first certificate it held (what a stale VIEW-CHANGE carries).
    pub first_prepared: Option<Certificate>,
    sent_commit: BTreeSet<View>,
    pub committed: Option<Value>,
    pub view_changes: BTreeMap<View, BTreeMap<Id, Option<Certificate>>>,
    sent_new_view: BTreeSet<View>,
    out: Out,
}

impl Replica {
    pub fn new(id: Id, config: Config) -> Replica {
        Replica {
            id,
            c: config,
            view: 0,
            changing: false,
            accepted: BTreeMap::new(),
            prepares: BTreeMap::new(),
            commits: BTreeMap::new(),
            prepared: None,
            first_prepared: None,
            sent_commit: BTreeSet::new(),
            committed: None,
            view_changes: BTreeMap::new(),
            sent_new_view: BTreeSet::new(),
            out: Out::default(),
        }
    }

    /// What the handlers sent and noted since the last call.
    pub fn take_out(&mut self) -> Out {
        std::mem::take(&mut self.out)
    }

    fn send(&mut self, message: Message) {
        self.out.sends.push((None, message));
    }

    /// Time 0: the primary of view 0 proposes `a`; every timer starts.
    pub fn start(&mut self) {
        if self.c.primary(0) == self.id {
            self.accepted.insert(0, Value::A);
            self.send(Message::PrePrepare { view: 0, value: Value::A });
        }
        self.out.timer = Some(0);
    }

    /// Handles one message from `from`.
    pub fn receive(&mut self, from: Id, message: &Message) {
        match *message {
            Message::PrePrepare { view, value } => {
                self.on_pre_prepare(from, view, value);
            }
            Message::Prepare { view, value } => {
                self.on_prepare(from, view, value);
            }
            Message::Commit { view, value } => {
                self.on_commit(from, view, value);
            }
            Message::ViewChange { view, prepared } => {
                self.on_view_change(from, view, prepared);
            }
            Message::NewView { view, ref proof, value } => {
                self.on_new_view(from, view, proof, value);
            }
        }
    }
}

// ANCHOR: pre_prepare
impl Replica {
    fn on_pre_prepare(&mut self, from: Id, view: View, value: Value) {
        let fresh = !self.accepted.contains_key(&view);
        let current = self.c.works_in(view, self.view, self.changing);
        let primary = self.c.leads(from, view, Flaw::PrePrepareFromAnyone);
        if primary && current && fresh {
            self.accept(view, value);
        }
    }

    /// Takes the primary's value for `view`; a backup says so to all.
    fn accept(&mut self, view: View, value: Value) {
        self.accepted.insert(view, value);
        self.out.notes.push(Note::Accepted(view, value));
        if self.id != self.c.primary(view) {
            self.send(Message::Prepare { view, value });
        }
        self.check_prepared(view, value);
    }
}
// ANCHOR_END: pre_prepare

// ANCHOR: prepare_commit
impl Replica {
    fn on_prepare(&mut self, from: Id, view: View, value: Value) {
        if from != self.c.primary(view) {
            self.prepares.entry((view, value)).or_default().add(from);
            self.check_prepared(view, value);
        }
    }

    fn check_prepared(&mut self, view: View, value: Value) {
        let votes = self.c.count(&self.prepares, (view, value), Kind::Prepare);
        let matches = self.accepted.get(&view) == Some(&value);
        // Not in a view it left: its VIEW-CHANGE said what it held there.
        let here = self.c.works_in(view, self.view, self.changing);
        let enough = votes >= self.c.prepares;
        if matches && here && enough && self.sent_commit.insert(view) {
            self.hold(Certificate { view, value });
            self.out.notes.push(Note::Prepared(view, value));
            self.send(Message::Commit { view, value });
        }
    }

    fn on_commit(&mut self, from: Id, view: View, value: Value) {
        self.commits.entry((view, value)).or_default().add(from);
        let votes = self.c.count(&self.commits, (view, value), Kind::Commit);
        if votes >= self.c.quorum && self.committed.is_none() {
            self.committed = Some(value);
            self.out.notes.push(Note::Committed(value));
        }
    }
}

// ANCHOR_END: prepare_commit

impl Replica {
    /// Its certificate is now `cert`, the latest (unless the flaw is to
    /// keep the first); `first_prepared` keeps the first.
    fn hold(&mut self, cert: Certificate) {
        let keep = self.c.broken(Flaw::KeepOldestCertificate)
            && self.prepared.is_some();
        if !keep {
            self.prepared = Some(cert);
        }
        self.first_prepared = self.first_prepared.or(Some(cert));
    }
}

// ANCHOR: view_change
impl Replica {
    /// The timer of `view` ran out: if still waiting there, move on.
    pub fn timeout(&mut self, view: View) {
        if self.committed.is_none() && view == self.view {
            self.out.notes.push(Note::TimedOut(view));
            self.send_view_change(view + 1);
        }
    }

    fn send_view_change(&mut self, view: View) {
        (self.view, self.changing) = (view, true);
        let prepared = self
            .prepared
            .filter(|_| !self.c.broken(Flaw::ViewChangeWithoutCertificate));
        self.send(Message::ViewChange { view, prepared });
        self.out.timer = Some(view);
        self.check_new_view(view);
    }
}
// ANCHOR_END: view_change

impl Replica {
    fn on_view_change(
        &mut self,
        from: Id,
        view: View,
        cert: Option<Certificate>,
    ) {
        self.view_changes.entry(view).or_default().insert(from, cert);
        // f + 1 replicas ask for later views: one of them is honest, so
        // join the lowest of those views.
        let later = self.view_changes.range(self.view + 1..);
        let lowest = later.clone().next().map(|(&v, _)| v);
        let asking: BTreeSet<Id> =
            later.flat_map(|(_, senders)| senders.keys().copied()).collect();
        let enough = self.c.f() + usize::from(!self.c.broken(Flaw::JoinOnF));
        if let Some(lowest) = lowest
            && asking.len() >= enough
        {
            self.send_view_change(lowest);
        }
        self.check_new_view(view);
    }
}

// ANCHOR: check_new_view
impl Replica {
    /// The new primary, with a quorum of VIEW-CHANGEs, starts the view.
    fn check_new_view(&mut self, view: View) {
        let Some(senders) = self.view_changes.get(&view) else { return };
        let mine = self.c.primary(view) == self.id && view == self.view;
        if mine
            && senders.len() >= self.c.quorum
            && self.sent_new_view.insert(view)
        {
            let quorum = senders.iter().take(self.c.quorum);
            let proof: Vec<_> = quorum.map(|(&id, &cert)| (id, cert)).collect();
            let value = self.c.reproposed(&proof).unwrap_or(Value::A);
            self.send(Message::NewView { view, proof, value });
        }
    }
}
// ANCHOR_END: check_new_view

// ANCHOR: on_new_view
impl Replica {
    fn on_new_view(
        &mut self,
        from: Id,
        view: View,
        proof: &[(Id, Option<Certificate>)],
        value: Value,
    ) {
        let later = view > self.view
            || (view == self.view
                && (self.changing || self.c.broken(Flaw::NewViewInSameView)));
        let senders: BTreeSet<Id> = proof.iter().map(|&(id, _)| id).collect();
        let sound = senders.len() >= self.c.quorum
            && self.c.reproposed(proof).is_none_or(|v| v == value);
        let primary = self.c.leads(from, view, Flaw::NewViewFromAnyone);
        if primary && later && sound {
            (self.view, self.changing) = (view, false);
            self.out.notes.push(Note::EnteredView(view));
            self.out.timer = Some(view);
            self.accept(view, value);
        }
    }
}
// ANCHOR_END: on_new_view

// ANCHOR: reproposed
/// The value a NEW-VIEW must carry: that of the highest-view certificate
/// among its VIEW-CHANGEs; `None` when none has one (any value will do).
pub fn reproposed(proof: &[(Id, Option<Certificate>)]) -> Option<Value> {
    let certificates = proof.iter().filter_map(|&(_, cert)| cert);
    certificates.max_by_key(|cert| cert.view).map(|cert| cert.value)
}
// ANCHOR_END: reproposed

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(view: View, value: Value) -> Certificate {
        Certificate { view, value }
    }

    #[test]
    fn a_new_view_reproposes_the_highest_certificate() {
        assert_eq!(reproposed(&[(0, None), (1, None), (2, None)]), None);
        assert_eq!(
            reproposed(&[(0, Some(cert(0, Value::B))), (1, None)]),
            Some(Value::B)
        );
        let proof = [
            (0, Some(cert(0, Value::B))),
            (1, Some(cert(2, Value::A))),
            (3, Some(cert(1, Value::B))),
        ];
        assert_eq!(reproposed(&proof), Some(Value::A));
    }

    #[test]
    fn a_backup_prepares_with_2f_prepares_and_commits_with_2f_plus_1_commits() {
        use Message::{Commit, PrePrepare, Prepare};
        let (view, a) = (0, Value::A);
        let mut r = Replica::new(1, Config::pbft(1));
        r.receive(0, &PrePrepare { view, value: a });
        assert_eq!(r.take_out().sends, [(None, Prepare { view, value: a })]);
        // Its own prepare and one more: 2f = 2.
        r.receive(1, &Prepare { view, value: a });
        assert!(r.prepared.is_none());
        r.receive(0, &Prepare { view, value: a });
        assert!(r.prepared.is_none(), "the primary's prepare does not count");
        r.receive(2, &Prepare { view, value: a });
        assert_eq!(r.prepared, Some(cert(0, a)));
        // A second pre-prepare in the same view is refused.
        r.take_out();
        r.receive(0, &PrePrepare { view, value: Value::B });
        assert!(r.take_out().sends.is_empty());
        for from in [1, 2] {
            r.receive(from, &Commit { view, value: a });
        }
        assert_eq!(r.committed, None);
        r.receive(3, &Commit { view, value: a });
        assert_eq!(r.committed, Some(a));
    }

    #[test]
    fn a_new_view_that_drops_a_certificate_is_refused() {
        let mut r = Replica::new(2, Config::pbft(1));
        r.timeout(0);
        assert_eq!((r.view, r.changing), (1, true));
        // The primary of view 1 claims no certificate, but one VIEW-CHANGE
        // it carries holds one for `a`: its `b` is refused.
        let proof = vec![(0, Some(cert(0, Value::A))), (1, None), (3, None)];
        let bad =
            Message::NewView { view: 1, proof: proof.clone(), value: Value::B };
        r.receive(1, &bad);
        assert!(r.changing);
        let good = Message::NewView { view: 1, proof, value: Value::A };
        r.receive(1, &good);
        assert!(!r.changing);
        // And a NEW-VIEW with too few VIEW-CHANGEs is refused too.
        let mut r = Replica::new(2, Config::pbft(1));
        r.timeout(0);
        let thin = Message::NewView {
            view: 1,
            proof: vec![(0, None), (1, None)],
            value: Value::B,
        };
        r.receive(1, &thin);
        assert!(r.changing);
    }

    /// The same messages to replica `id`, with every rule kept and with
    /// `flaw`: a rule the search cannot reach is checked here, where it
    /// acts.
    fn both(
        flaw: Flaw,
        config: Config,
        id: Id,
        script: impl Fn(&mut Replica),
    ) -> [Replica; 2] {
        [config, config.with(flaw)].map(|c| {
            let mut r = Replica::new(id, c);
            script(&mut r);
            r
        })
    }

    #[test]
    fn duplicates_and_other_views_never_make_a_quorum() {
        use Message::{Commit, PrePrepare, Prepare};
        let (a, seven) = (Value::A, Config::pbft(2));
        // n = 7: prepared needs 2f = 4 PREPAREs from distinct backups. Its
        // own and one more, delivered three times, are two.
        let [kept, broken] = both(Flaw::DuplicatePrepares, seven, 1, |r| {
            r.receive(0, &PrePrepare { view: 0, value: a });
            r.receive(1, &Prepare { view: 0, value: a }); // its own
            for _ in 0..3 {
                r.receive(2, &Prepare { view: 0, value: a });
            }
        });
        assert_eq!((kept.prepared, broken.prepared), (None, Some(cert(0, a))));
        // n = 4: three COMMITs for `a`, but from two views: no quorum.
        let [kept, broken] =
            both(Flaw::CommitsOfAnyView, Config::pbft(1), 1, |r| {
                r.receive(0, &Commit { view: 0, value: a });
                r.receive(2, &Commit { view: 0, value: a });
                r.receive(3, &Commit { view: 1, value: a });
            });
        assert_eq!((kept.committed, broken.committed), (None, Some(a)));
    }

    #[test]
    fn a_view_change_carries_the_latest_certificate_and_needs_its_primary() {
        use Message::{NewView, PrePrepare, Prepare};
        let (a, b, four) = (Value::A, Value::B, Config::pbft(1));
        // Prepared on `a` in view 0, then on `b` in view 1: the VIEW-CHANGE
        // for view 2 must carry (v1, b).
        let [kept, broken] = both(Flaw::KeepOldestCertificate, four, 2, |r| {
            r.receive(0, &PrePrepare { view: 0, value: a });
            r.receive(2, &Prepare { view: 0, value: a }); // its own
            r.receive(3, &Prepare { view: 0, value: a });
            r.timeout(0);
            let proof = vec![(0, None), (1, None), (3, None)];
            r.receive(1, &NewView { view: 1, proof, value: b });
            r.receive(2, &Prepare { view: 1, value: b });
            r.receive(3, &Prepare { view: 1, value: b });
        });
        assert_eq!(kept.prepared, Some(cert(1, b)));
        assert_eq!(broken.prepared, Some(cert(0, a)));
        // A NEW-VIEW for view 1 from R2, which does not lead it.
        let [kept, broken] = both(Flaw::NewViewFromAnyone, four, 3, |r| {
            r.timeout(0);
            let proof = vec![(0, None), (1, None), (3, None)];
            r.receive(2, &NewView { view: 1, proof, value: b });
        });
        assert_eq!((kept.changing, broken.changing), (true, false));
        // A second NEW-VIEW for the view it is in, with another value.
        let [kept, broken] = both(Flaw::NewViewInSameView, four, 3, |r| {
            r.timeout(0);
            let proof = vec![(0, None), (2, None), (3, None)];
            r.receive(1, &NewView { view: 1, proof: proof.clone(), value: a });
            r.receive(1, &NewView { view: 1, proof, value: b });
        });
        assert_eq!(kept.accepted.get(&1), Some(&a));
        assert_eq!(broken.accepted.get(&1), Some(&b));
        // Certificates of views 0 and 1: the NEW-VIEW must carry view 1's.
        let proof = [(0, Some(cert(0, b))), (1, Some(cert(1, a))), (2, None)];
        assert_eq!(four.reproposed(&proof), Some(a));
        assert_eq!(
            four.with(Flaw::LowestCertificate).reproposed(&proof),
            Some(b)
        );
    }

    #[test]
    fn a_new_view_moves_a_replica_forward_never_back() {
        use Message::NewView;
        let (b, four) = (Value::B, Config::pbft(1));
        let proof = || vec![(0, None), (1, None), (3, None)];
        // R2 never timed out: in view 0, a NEW-VIEW for view 1 from its
        // primary, R1, brings it there.
        let mut r = Replica::new(2, four);
        r.receive(1, &NewView { view: 1, proof: proof(), value: b });
        assert_eq!((r.view, r.accepted.get(&1)), (1, Some(&b)));
        // In view 2, a NEW-VIEW for view 1 that arrives late changes nothing.
        let mut r = Replica::new(2, four);
        r.timeout(0);
        r.timeout(1);
        assert_eq!(r.view, 2);
        r.receive(1, &NewView { view: 1, proof: proof(), value: b });
        assert_eq!(r.view, 2);
        assert_eq!(r.accepted.get(&1), None);
    }
}
