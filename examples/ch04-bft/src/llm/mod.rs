//! Example 2: cross-checking language models.
//!
//! Simulated models: `model` (its answers 64 tasks at a time in `lanes`),
//! `strategy`, `simulate` (the reference loop), `exact`, `scaling`, `chart`
//! and `report`; `engine` computes what `simulate` does, fast, and `bench`
//! times it. Real models, Unix only, in `real`: `dual_model --cmd`.

pub mod bench;
pub mod chart;
pub mod engine;
pub mod exact;
pub mod lanes;
pub mod model;
#[cfg(unix)]
pub mod real;
pub mod real_flags;
pub mod report;
pub mod rules;
pub mod rules_engine;
pub mod rules_exact;
pub mod rules_report;
pub mod rules_shapes;
pub mod rules_sim;
pub mod rules_words;
pub mod scaling;
pub mod simulate;
pub mod strategy;
