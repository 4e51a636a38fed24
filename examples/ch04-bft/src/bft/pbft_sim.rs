//! PBFT in motion: one run of the replicas of `pbft` over a seeded network,
//! with timers and Byzantine replicas. `pbft_search` makes many.
//!
//! A run is an event queue: each message is delivered after a delay drawn
//! from the run's seed (1 to `MAX_DELAY` ticks, so messages are reordered),
//! and each timer is an event too. f replicas, drawn from the seed, are
//! Byzantine, each with a strategy drawn from the seed, as OM(2)'s traitors
//! are. They run the honest handlers underneath and bend what they send.
//!
//! On a `Network::Hostile`, PBFT's network until it heals: messages are
//! duplicated, and until `HEAL` a quarter of them are held up to twice the
//! first timer (a message lost and sent again is one held this long), so
//! views change while replicas are prepared. Messages are authenticated:
//! a certificate no replica could have gathered (forged) makes its message
//! fail the check of its signatures, and it is dropped.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::rc::Rc;

use super::pbft::{Config, Id, Message, Note, Out, Replica, Value, View};
use super::pbft_adversary::{Strategy, bend, opening, react};
use super::pbft_signatures::Signatures;
pub use super::pbft_trace::{Arrow, Step};
use super::pbft_trace::{describe, kind, note_text};
use crate::rng::SplitMix64;

/// The longest a message takes, in ticks.
pub const MAX_DELAY: u64 = 10;
/// A replica's timer for view v runs `TIMER << v` ticks: long enough for
/// the three phases of an honest primary (3 * `MAX_DELAY`), doubled at
/// every view, as in PBFT.
pub const TIMER: u64 = 100;

/// When a hostile network heals: from then on, every message arrives
/// within `MAX_DELAY`.
pub const HEAL: u64 = 3 * TIMER;

/// The network of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Every message once, within `MAX_DELAY`.
    Fair,
    /// Duplicates, and long delays until `HEAL`.
    Hostile,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// Byzantine replicas and their strategies.
    pub byzantine: Vec<(Id, Strategy)>,
    /// What each honest replica committed (`None`: nothing).
    pub committed: Vec<(Id, Option<Value>)>,
    /// The highest view an honest replica reached.
    pub last_view: View,
    /// Events stepped through: deliveries and timers.
    pub events: usize,
    /// Messages sent, by kind: pre-prepare, prepare, commit, view-change,
    /// new-view (a message to oneself not counted).
    pub messages: [u64; 5],
    pub trace: Vec<Step>,
    /// Every message delivered to another replica, in a traced run.
    pub arrows: Vec<Arrow>,
    /// An honest replica asked for a view change while prepared.
    pub prepared_at_view_change: bool,
    /// A value an honest replica had committed was accepted again in a
    /// later view: carried across a view change.
    pub carried: bool,
}

impl RunResult {
    /// Two honest replicas committed different values.
    pub fn unsafe_run(&self) -> bool {
        let values: BTreeSet<Value> =
            self.committed.iter().filter_map(|&(_, v)| v).collect();
        values.len() > 1
    }

    /// Every honest replica committed.
    pub fn live(&self) -> bool {
        self.committed.iter().all(|&(_, v)| v.is_some())
    }
}

enum Event {
    /// One message, shared by the deliveries of a send to all.
    Deliver {
        to: Id,
        from: Id,
        message: Rc<Message>,
        sent: u64,
    },
    Timer {
        replica: Id,
        view: View,
    },
}

/// The network and the replicas of one run.
struct Run<'a> {
    config: &'a Config,
    replicas: Vec<Replica>,
    byzantine: Vec<Option<Strategy>>,
    /// What each Byzantine replica has already reacted to.
    echoed: Vec<BTreeSet<(View, Value)>>,
    network: Network,
    /// What each sender signed: what a certificate's signatures prove.
    signed: Signatures,
    /// The first commit of an honest replica: its view and value.
    first_commit: Option<(View, Value)>,
    prepared_at_view_change: bool,
    carried: bool,
    /// Honest replicas that have committed.
    commits: usize,
    rng: SplitMix64,
    queue: BinaryHeap<Reverse<(u64, usize)>>,
    events: Vec<Option<Event>>,
    messages: [u64; 5],
    /// `None` in a search: a trace costs more than the run.
    trace: Option<Vec<Step>>,
    arrows: Option<Vec<Arrow>>,
    now: u64,
}

impl Run<'_> {
    fn schedule(&mut self, delay: u64, event: Event) {
        let id = self.events.len();
        self.events.push(Some(event));
        self.queue.push(Reverse((self.now + delay, id)));
    }

    /// Sends what a replica's handler produced, bent by its strategy, and
    /// records its notes and sends in the trace.
    fn emit(&mut self, from: Id, out: Out) {
        let honest = self.byzantine[from].is_none();
        if let Some(view) = out.timer
            && honest
        {
            self.schedule(
                TIMER << view.min(20),
                Event::Timer { replica: from, view },
            );
        }
        if honest {
            self.watch(from, &out);
        }
        if honest && self.trace.is_some() {
            for note in &out.notes {
                let step = Step {
                    time: self.now,
                    replica: from,
                    what: note_text(self.config, from, note),
                };
                self.trace.iter_mut().for_each(|t| t.push(step.clone()));
            }
        }
        let sends = match self.byzantine[from] {
            None => out.sends,
            Some(strategy) => bend(
                self.config,
                &self.replicas[from],
                strategy,
                &mut self.rng,
                out.sends,
            ),
        };
        self.send(from, sends);
    }

    /// Notes the cases a search should reach, from what an honest replica
    /// did.
    fn watch(&mut self, from: Id, out: &Out) {
        for note in &out.notes {
            match *note {
                Note::Committed(x) => {
                    self.commits += 1;
                    let at = (self.replicas[from].view, x);
                    self.first_commit.get_or_insert(at);
                }
                Note::Accepted(v, x) => {
                    if let Some((c, y)) = self.first_commit {
                        self.carried |= v > c && x == y;
                    }
                }
                _ => {}
            }
        }
        self.prepared_at_view_change |= out.sends.iter().any(|(_, m)| {
            matches!(m, Message::ViewChange { prepared: Some(_), .. })
        });
    }

    /// A message's delay: `MAX_DELAY` at most, on a fair network or once
    /// it has healed; until then, on a hostile one, a quarter of them up
    /// to twice the first timer.
    fn delay(&mut self) -> u64 {
        let held = self.network == Network::Hostile
            && self.now < HEAL
            && self.rng.next_u64().is_multiple_of(4);
        if held {
            MAX_DELAY + self.rng.next_u64() % (2 * TIMER)
        } else {
            1 + self.rng.next_u64() % MAX_DELAY
        }
    }

    /// Puts messages on the network, each with its own delay.
    fn send(&mut self, from: Id, sends: Vec<(Option<Id>, Message)>) {
        let honest = self.byzantine[from].is_none();
        for (to, message) in sends {
            // A forged certificate fails the signature check.
            if !honest && !self.signed.verified(self.config, &message) {
                continue;
            }
            self.signed.sign(from, &message);
            let recipients = match to {
                Some(id) => id..id + 1,
                None => 0..self.config.n,
            };
            let shown = recipients.clone().filter(|&r| r != from).count();
            // An honest replica's prepares and commits show as its notes.
            let noted = honest
                && matches!(
                    message,
                    Message::Prepare { .. } | Message::Commit { .. }
                );
            if shown > 0 && !noted && self.trace.is_some() {
                let to_whom = if to.is_none() {
                    "all".to_string()
                } else {
                    recipients
                        .clone()
                        .map(|r| format!("R{r}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let who = if honest { "" } else { "(Byzantine) " };
                let what =
                    format!("{who}sends {} to {to_whom}", describe(&message));
                let step = Step { time: self.now, replica: from, what };
                self.trace.iter_mut().for_each(|t| t.push(step.clone()));
            }
            let message = Rc::new(message);
            for to in recipients {
                let delay = if to == from { 0 } else { self.delay() };
                if to != from {
                    self.messages[kind(&message)] += 1;
                }
                self.schedule(
                    delay,
                    Event::Deliver {
                        to,
                        from,
                        message: Rc::clone(&message),
                        sent: self.now,
                    },
                );
                // A hostile network delivers one message in eight twice.
                let twice = self.network == Network::Hostile
                    && to != from
                    && self.rng.next_u64().is_multiple_of(8);
                if twice {
                    let delay = self.delay();
                    let message = Rc::clone(&message);
                    let sent = self.now;
                    self.schedule(
                        delay,
                        Event::Deliver { to, from, message, sent },
                    );
                }
            }
        }
    }

    fn step(&mut self, event: Event) {
        let replica = match event {
            Event::Deliver { to, from, message, sent } => {
                if to != from
                    && let Some(arrows) = &mut self.arrows
                {
                    let kind = kind(&message);
                    arrows.push(Arrow {
                        from,
                        to,
                        sent,
                        arrived: self.now,
                        kind,
                    });
                }
                self.replicas[to].receive(from, &message);
                if let Some(strategy) = self.byzantine[to] {
                    let sends = react(
                        self.config,
                        &self.replicas[to],
                        strategy,
                        &mut self.echoed[to],
                        &message,
                    );
                    self.send(to, sends);
                }
                to
            }
            Event::Timer { replica, view } => {
                self.replicas[replica].timeout(view);
                replica
            }
        };
        let out = self.replicas[replica].take_out();
        self.emit(replica, out);
    }
}

/// One run of `config` with `byzantine` replicas on a fair network, the
/// delays and the equivocations drawn from `seed`, with its trace.
pub fn run(
    config: &Config,
    byzantine: &[(Id, Strategy)],
    seed: u64,
) -> RunResult {
    run_traced(config, byzantine, seed, Network::Fair, true)
}

/// A run on `network`; with `traced` false, the trace is left empty.
pub fn run_traced(
    config: &Config,
    byzantine: &[(Id, Strategy)],
    seed: u64,
    network: Network,
    traced: bool,
) -> RunResult {
    let mut run = Run {
        config,
        replicas: (0..config.n).map(|id| Replica::new(id, *config)).collect(),
        byzantine: (0..config.n)
            .map(|r| byzantine.iter().find(|b| b.0 == r).map(|b| b.1))
            .collect(),
        echoed: vec![BTreeSet::new(); config.n],
        network,
        signed: Signatures::default(),
        first_commit: None,
        prepared_at_view_change: false,
        carried: false,
        commits: 0,
        rng: SplitMix64::new(seed),
        queue: BinaryHeap::new(),
        events: Vec::with_capacity(1024),
        messages: [0; 5],
        trace: traced.then(Vec::new),
        arrows: traced.then(Vec::new),
        now: 0,
    };
    for id in 0..config.n {
        run.replicas[id].start();
        let out = run.replicas[id].take_out();
        run.emit(id, out);
        if let Some(strategy) = run.byzantine[id] {
            let sends = opening(&run.replicas[id], strategy);
            run.send(id, sends);
        }
    }
    // Views beyond n + 2 cannot be needed with f < n / 3; the bound keeps
    // a broken configuration's run finite.
    let last_view = View::try_from(config.n).map_or(View::MAX, |n| n + 2);
    let mut events = 0;
    while let Some(Reverse((time, id))) = run.queue.pop() {
        let Some(event) = run.events[id].take() else { continue };
        if events >= config.max_events
            || matches!(event, Event::Timer { view, .. } if view > last_view)
        {
            continue;
        }
        events += 1;
        run.now = time;
        run.step(event);
        // Once every honest replica has committed, nothing can change what
        // a search counts; a trace goes on to the end.
        if !traced && run.commits == config.n - byzantine.len() {
            break;
        }
    }
    let honest = (0..config.n).filter(|&r| run.byzantine[r].is_none());
    RunResult {
        byzantine: byzantine.to_vec(),
        committed: honest
            .clone()
            .map(|r| (r, run.replicas[r].committed))
            .collect(),
        last_view: honest.map(|r| run.replicas[r].view).max().unwrap_or(0),
        events,
        messages: run.messages,
        trace: run.trace.unwrap_or_default(),
        arrows: run.arrows.unwrap_or_default(),
        prepared_at_view_change: run.prepared_at_view_change,
        carried: run.carried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_steps_through_no_more_events_than_its_bound() {
        let pbft = Config::pbft(1);
        let all = run_traced(&pbft, &[], 3, Network::Hostile, true);
        assert!(all.live() && all.events > 30, "{}", all.events);
        for bound in 0..=all.events + 2 {
            let config = Config { max_events: bound, ..pbft };
            let run = run_traced(&config, &[], 3, Network::Hostile, true);
            assert_eq!(run.events, bound.min(all.events), "bound {bound}");
            assert_eq!(run == all, bound >= all.events, "bound {bound}");
        }
    }

    #[test]
    fn a_run_that_cannot_decide_stops_after_the_timer_of_view_n_plus_2() {
        // Quorums of n + 1: nothing commits and no view change completes, so
        // the timers move the replicas on from view to view, until the last
        // timer that counts, view n + 2's, moves them into view n + 3. The
        // run ends there of itself, long before its bound on events.
        for n in 3..=10 {
            let config =
                Config { max_events: 20_000, ..Config::sized(n, n + 1, n - 1) };
            let run = run_traced(&config, &[], 1, Network::Fair, false);
            assert!(run.committed.iter().all(|&(_, v)| v.is_none()));
            assert_eq!(run.last_view as usize, n + 3, "n = {n}");
            assert!(run.events < 20_000, "n = {n}: {}", run.events);
        }
    }
}
