//! Example 2: cross-checking language models.
//!
//! Simulated models: `model`, `strategy`, `simulate` (the reference loop),
//! `exact`, `scaling`, `chart` and `report`; `engine` computes what
//! `simulate` does, fast, and `bench` times it. Real models, Unix only:
//! `cross_check` reads the flags of `dual_model --cmd`; `commands` runs one
//! command line and stops it; `answers` compares answers; `vote` holds one
//! vote; `tasks_file` and `evaluate` measure models on a set of tasks.

pub mod answers;
pub mod bench;
pub mod chart;
#[cfg(unix)]
pub mod commands;
#[cfg(unix)]
pub mod cross_check;
pub mod engine;
#[cfg(unix)]
pub mod evaluate;
pub mod exact;
pub mod model;
pub mod report;
pub mod scaling;
pub mod simulate;
pub mod strategy;
#[cfg(unix)]
pub mod tasks_file;
#[cfg(unix)]
pub mod vote;
