//! The replicas of a PBFT run, the sizes of their quorums, and the rules of
//! `pbft` that a test may break on purpose, one at a time (`Flaw`), to show
//! that the search, or a test of its own, catches it.

use std::collections::{BTreeMap, BTreeSet};

use super::pbft::{Certificate, Id, Value, View, reproposed};

/// The replicas, the sizes of their quorums, and a rule broken on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub n: usize,
    /// COMMITs to commit, and VIEW-CHANGEs for a NEW-VIEW: 2f + 1.
    pub quorum: usize,
    /// PREPAREs to be prepared: 2f.
    pub prepares: usize,
    /// `None` in PBFT; the tests break one rule at a time, to show that
    /// the search, or a test of its own, catches it.
    pub flaw: Option<Flaw>,
    /// The most events a run steps through: more than a run of PBFT
    /// needs, a bound that keeps a broken configuration's run finite.
    pub max_events: usize,
}

/// A rule of PBFT, broken: what a plausible bug in a replica would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Two PREPAREs from one sender count as two.
    DuplicatePrepares,
    /// Two COMMITs from one sender count as two.
    DuplicateCommits,
    /// A PRE-PREPARE from a replica that is not the view's primary counts.
    PrePrepareFromAnyone,
    /// A replica works in views other than its current one: it accepts a
    /// PRE-PREPARE, prepares and commits there.
    PrePrepareOfAnyView,
    /// PREPAREs of every view count for the value.
    PreparesOfAnyView,
    /// COMMITs of every view count for the value.
    CommitsOfAnyView,
    /// A VIEW-CHANGE carries no certificate.
    ViewChangeWithoutCertificate,
    /// A NEW-VIEW may carry any value, whatever its certificates say.
    IgnoreCertificates,
    /// A NEW-VIEW carries the value of the lowest-view certificate.
    LowestCertificate,
    /// A replica prepared twice keeps its first certificate.
    KeepOldestCertificate,
    /// A NEW-VIEW from any replica counts.
    NewViewFromAnyone,
    /// A NEW-VIEW for the view a replica is already in counts.
    NewViewInSameView,
    /// A replica joins a view change on f VIEW-CHANGEs, not f + 1.
    JoinOnF,
}

impl Flaw {
    pub const ALL: [Flaw; 13] = [
        Flaw::DuplicatePrepares,
        Flaw::DuplicateCommits,
        Flaw::PrePrepareFromAnyone,
        Flaw::PrePrepareOfAnyView,
        Flaw::PreparesOfAnyView,
        Flaw::CommitsOfAnyView,
        Flaw::ViewChangeWithoutCertificate,
        Flaw::IgnoreCertificates,
        Flaw::LowestCertificate,
        Flaw::KeepOldestCertificate,
        Flaw::NewViewFromAnyone,
        Flaw::NewViewInSameView,
        Flaw::JoinOnF,
    ];
}

impl Config {
    /// PBFT's sizes: n = 3f + 1, quorums of 2f + 1.
    pub fn pbft(f: usize) -> Config {
        Config::sized(3 * f + 1, 2 * f + 1, 2 * f)
    }

    /// Other sizes, every rule kept.
    pub fn sized(n: usize, quorum: usize, prepares: usize) -> Config {
        Config { n, quorum, prepares, flaw: None, max_events: 200_000 }
    }

    /// The same replicas, with `flaw`.
    pub fn with(self, flaw: Flaw) -> Config {
        Config { flaw: Some(flaw), ..self }
    }

    pub(super) fn broken(&self, flaw: Flaw) -> bool {
        self.flaw == Some(flaw)
    }

    /// The faults the quorums are sized for: f = n - quorum.
    pub fn f(&self) -> usize {
        self.n - self.quorum
    }

    pub fn primary(&self, view: View) -> Id {
        view as usize % self.n
    }
}

impl Config {
    /// Whether `from` leads `view` (unless `flaw` lets anyone).
    pub(super) fn leads(&self, from: Id, view: View, flaw: Flaw) -> bool {
        from == self.primary(view) || self.broken(flaw)
    }

    /// Whether a replica in `current` (`changing`: waiting for its
    /// NEW-VIEW) works in `view`: only there, unless that is the flaw.
    pub(super) fn works_in(
        &self,
        view: View,
        current: View,
        changing: bool,
    ) -> bool {
        (view == current && !changing) || self.broken(Flaw::PrePrepareOfAnyView)
    }

    /// Matching votes of `kind` for (view, value): distinct senders of that
    /// view, unless the flaw counts duplicates or other views.
    pub(super) fn count(
        &self,
        received: &BTreeMap<(View, Value), Votes>,
        (view, value): (View, Value),
        kind: Kind,
    ) -> usize {
        let [duplicates, any_view] = match kind {
            Kind::Prepare => [Flaw::DuplicatePrepares, Flaw::PreparesOfAnyView],
            Kind::Commit => [Flaw::DuplicateCommits, Flaw::CommitsOfAnyView],
        };
        let votes: Vec<&Votes> = if self.broken(any_view) {
            let of_value = received.iter().filter(|&(&(_, x), _)| x == value);
            of_value.map(|(_, votes)| votes).collect()
        } else {
            received.get(&(view, value)).into_iter().collect()
        };
        if self.broken(duplicates) {
            votes.iter().map(|v| v.arrivals).sum()
        } else if let [one] = votes[..] {
            one.senders.len()
        } else {
            let all = votes.iter().flat_map(|v| &v.senders);
            all.collect::<BTreeSet<_>>().len()
        }
    }
}

/// Which votes `count` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Prepare,
    Commit,
}

/// The PREPAREs or COMMITs of one (view, value) a replica received: who
/// sent them, and how many arrived, duplicates included.
#[derive(Debug, Clone, Default)]
pub struct Votes {
    senders: BTreeSet<Id>,
    arrivals: usize,
}

impl Votes {
    pub fn add(&mut self, from: Id) {
        self.senders.insert(from);
        self.arrivals += 1;
    }
}

impl Config {
    /// `reproposed`, unless the flaw is which certificate counts.
    pub fn reproposed(
        &self,
        proof: &[(Id, Option<Certificate>)],
    ) -> Option<Value> {
        match self.flaw {
            Some(Flaw::IgnoreCertificates) => None,
            Some(Flaw::LowestCertificate) => {
                let certificates = proof.iter().filter_map(|&(_, cert)| cert);
                certificates.min_by_key(|cert| cert.view).map(|cert| cert.value)
            }
            _ => reproposed(proof),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorums_are_sized_for_the_faults_they_tolerate() {
        for f in 1..=3 {
            let c = Config::pbft(f);
            let sizes = (c.n, c.quorum, c.prepares, c.f());
            assert_eq!(sizes, (3 * f + 1, 2 * f + 1, 2 * f, f), "f = {f}");
        }
        // Other sizes: f is n less the quorum, the faults it outvotes.
        assert_eq!(Config::sized(7, 6, 5).f(), 1);
        assert_eq!(Config::sized(3, 2, 1).f(), 1);
    }
}
