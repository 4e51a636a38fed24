//! The words of a PBFT trace: each message and each note of a run as the
//! report shows them.

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
