//! A PBFT run's trace: its steps and its messages as they arrived, and the
//! words the report shows for each message and each note.

use super::pbft::{Config, Id, Message, Note, Value, View};

pub fn letter(value: Value) -> &'static str {
    if value == Value::A { "a" } else { "b" }
}

pub fn describe(message: &Message) -> String {
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

/// A note as a line of the trace.
pub fn note_text(config: &Config, replica: Id, note: &Note) -> String {
    let pair =
        |view: &View, value: &Value| format!("(v{view}, {})", letter(*value));
    match note {
        Note::Accepted(v, x) if config.primary(*v) == replica => {
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

/// One line of a trace: when, who, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub time: u64,
    pub replica: Id,
    pub what: String,
}

/// One message delivered, for a space-time diagram: who sent it to whom,
/// when it left and arrived, and its kind (0 PRE-PREPARE, 1 PREPARE,
/// 2 COMMIT, 3 VIEW-CHANGE, 4 NEW-VIEW).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow {
    pub from: Id,
    pub to: Id,
    pub sent: u64,
    pub arrived: u64,
    pub kind: usize,
}

/// A message's kind, as `RunResult::messages` and `Arrow` number them.
pub fn kind(message: &Message) -> usize {
    match message {
        Message::PrePrepare { .. } => 0,
        Message::Prepare { .. } => 1,
        Message::Commit { .. } => 2,
        Message::ViewChange { .. } => 3,
        Message::NewView { .. } => 4,
    }
}
