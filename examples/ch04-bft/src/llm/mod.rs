//! Example 2: cross-checking language models. The simulated models first
//! (model, strategy, simulate, exact, scaling, chart), then the engine that
//! makes the simulation fast and its benchmark.

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
