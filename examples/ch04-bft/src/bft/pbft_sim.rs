//! PBFT in motion: one run of the replicas of `pbft` over a seeded network,
//! with timers and Byzantine replicas. `pbft_search` makes many.
//!
//! A run is an event queue: each message is delivered after a delay drawn
//! from the run's seed (1 to `MAX_DELAY` ticks, so messages are reordered),
//! and each timer is an event too. f replicas, drawn from the seed, are
//! Byzantine, each with a strategy drawn from the seed, as OM(2)'s traitors
//! are. They run the honest handlers underneath and bend what they send.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::rc::Rc;

use super::pbft::{Config, Id, Message, Note, Out, Replica, Value, View};
use super::pbft_adversary::{Strategy, bend, echo};
use crate::rng::SplitMix64;

/// The longest a message takes, in ticks.
pub const MAX_DELAY: u64 = 10;
/// A replica's timer for view v runs `TIMER << v` ticks: long enough for
/// the three phases of an honest primary (3 * `MAX_DELAY`), doubled at
/// every view, as in PBFT.
pub const TIMER: u64 = 100;

/// One line of a trace: when, who, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub time: u64,
    pub replica: Id,
    pub what: String,
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
    /// Messages sent, by kind: pre-prepare, prepare, commit, view-change,
    /// new-view (a message to oneself not counted).
    pub messages: [u64; 5],
    pub trace: Vec<Step>,
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
    /// What each Byzantine replica has already echoed.
    echoed: Vec<BTreeSet<(View, Value)>>,
    rng: SplitMix64,
    queue: BinaryHeap<Reverse<(u64, usize)>>,
    events: Vec<Option<Event>>,
    messages: [u64; 5],
    /// `None` in a search: a trace costs more than the run.
    trace: Option<Vec<Step>>,
    now: u64,
}

fn kind(message: &Message) -> usize {
    match message {
        Message::PrePrepare { .. } => 0,
        Message::Prepare { .. } => 1,
        Message::Commit { .. } => 2,
        Message::ViewChange { .. } => 3,
        Message::NewView { .. } => 4,
    }
}

fn letter(value: Value) -> &'static str {
    if value == Value::A { "a" } else { "b" }
}

fn describe(message: &Message) -> String {
    let v = |value: &Value| letter(*value);
    match message {
        Message::PrePrepare { view, value } => {
            format!("PRE-PREPARE(v{view}, {})", v(value))
        }
        Message::Prepare { view, value } => {
            format!("PREPARE(v{view}, {})", v(value))
        }
        Message::Commit { view, value } => {
            format!("COMMIT(v{view}, {})", v(value))
        }
        Message::ViewChange { view, prepared } => match prepared {
            Some(cert) => format!(
                "VIEW-CHANGE(v{view}, prepared v{} {})",
                cert.view,
                v(&cert.value)
            ),
            None => format!("VIEW-CHANGE(v{view}, none prepared)"),
        },
        Message::NewView { view, value, .. } => {
            format!("NEW-VIEW(v{view}, {})", v(value))
        }
    }
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
        if honest && self.trace.is_some() {
            for note in &out.notes {
                let step = Step {
                    time: self.now,
                    replica: from,
                    what: self.note_text(from, note),
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

    /// Puts messages on the network, each with its own delay.
    fn send(&mut self, from: Id, sends: Vec<(Option<Id>, Message)>) {
        let honest = self.byzantine[from].is_none();
        for (to, message) in sends {
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
                let who = if honest { "" } else { " (Byzantine)" };
                let what =
                    format!("sends {} to {to_whom}{who}", describe(&message));
                let step = Step { time: self.now, replica: from, what };
                self.trace.iter_mut().for_each(|t| t.push(step.clone()));
            }
            let message = Rc::new(message);
            for to in recipients {
                let delay = if to == from {
                    0
                } else {
                    1 + self.rng.next_u64() % MAX_DELAY
                };
                if to != from {
                    self.messages[kind(&message)] += 1;
                }
                self.schedule(
                    delay,
                    Event::Deliver { to, from, message: Rc::clone(&message) },
                );
            }
        }
    }

    /// A note as a line of the trace.
    fn note_text(&self, replica: Id, note: &Note) -> String {
        let pair = |view: &View, value: &Value| {
            format!("(v{view}, {})", letter(*value))
        };
        match note {
            Note::Accepted(v, x) if self.config.primary(*v) == replica => {
                format!("proposes {}", pair(v, x))
            }
            Note::Accepted(v, x) => {
                format!("accepts {}, sends PREPARE to all", pair(v, x))
            }
            Note::Prepared(v, x) => {
                format!("prepared {}, sends COMMIT to all", pair(v, x))
            }
            Note::Committed(x) => format!("COMMITS {}", letter(*x)),
            Note::TimedOut(v) => format!("timer of view {v} runs out"),
            Note::EnteredView(v) => format!("enters view {v}"),
        }
    }

    fn step(&mut self, event: Event) {
        let replica = match event {
            Event::Deliver { to, from, message } => {
                self.replicas[to].receive(from, &message);
                if matches!(
                    self.byzantine[to],
                    Some(Strategy::Equivocate | Strategy::EchoAll)
                ) {
                    let sends = echo(&mut self.echoed[to], &message);
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

/// One run of `config` with `byzantine` replicas, the network's delays and
/// the equivocations drawn from `seed`, with its trace.
pub fn run(
    config: &Config,
    byzantine: &[(Id, Strategy)],
    seed: u64,
) -> RunResult {
    run_traced(config, byzantine, seed, true)
}

/// The same run; with `traced` false, the trace is left empty.
pub fn run_traced(
    config: &Config,
    byzantine: &[(Id, Strategy)],
    seed: u64,
    traced: bool,
) -> RunResult {
    let mut run = Run {
        config,
        replicas: (0..config.n).map(|id| Replica::new(id, *config)).collect(),
        byzantine: (0..config.n)
            .map(|r| byzantine.iter().find(|b| b.0 == r).map(|b| b.1))
            .collect(),
        echoed: vec![BTreeSet::new(); config.n],
        rng: SplitMix64::new(seed),
        queue: BinaryHeap::new(),
        events: Vec::new(),
        messages: [0; 5],
        trace: traced.then(Vec::new),
        now: 0,
    };
    for id in 0..config.n {
        run.replicas[id].start();
        let out = run.replicas[id].take_out();
        run.emit(id, out);
    }
    // Views beyond n + 2 cannot be needed with f < n / 3; the bound keeps
    // a broken configuration's run finite.
    let last_view = View::try_from(config.n).map_or(View::MAX, |n| n + 2);
    let mut steps = 0;
    while let Some(Reverse((time, id))) = run.queue.pop() {
        steps += 1;
        let Some(event) = run.events[id].take() else { continue };
        if steps > 200_000
            || matches!(event, Event::Timer { view, .. } if view > last_view)
        {
            continue;
        }
        run.now = time;
        run.step(event);
    }
    let honest = (0..config.n).filter(|&r| run.byzantine[r].is_none());
    RunResult {
        byzantine: byzantine.to_vec(),
        committed: honest
            .clone()
            .map(|r| (r, run.replicas[r].committed))
            .collect(),
        last_view: honest.map(|r| run.replicas[r].view).max().unwrap_or(0),
        messages: run.messages,
        trace: run.trace.unwrap_or_default(),
    }
}
