//! Chapter 4: Byzantine fault tolerance for multi-agent systems.
//!
//! The library behind the two example programs: `bft` holds the lessons of
//! Example 1 (`bft_demo`), `llm` those of Example 2 (`dual_model`), and the
//! small modules below serve both programs, each written once.

pub mod bft;
pub mod cli;
pub mod format;
pub mod llm;
pub mod memory;
#[cfg(unix)]
pub mod restart;
pub mod rng;
pub mod threads;
