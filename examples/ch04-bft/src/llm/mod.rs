//! Example 2: cross-checking language models. The simulated models first
//! (model, strategy, simulate, exact, scaling, chart), then the engine that
//! makes the simulation fast and its benchmark.

pub mod bench;
pub mod chart;
pub mod engine;
pub mod exact;
pub mod model;
pub mod report;
pub mod scaling;
pub mod simulate;
pub mod strategy;
