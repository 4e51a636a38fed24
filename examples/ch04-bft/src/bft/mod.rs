//! Example 1: what a vote among possibly lying nodes guarantees, and why the
//! bound is 3f + 1 nodes for f liars; then PBFT, where the one who counts
//! may lie too (`pbft`, `pbft_adversary`, `pbft_sim`, `pbft_search`,
//! `pbft_report`).

pub mod om_search;
pub mod oral_messages;
pub mod pbft;
pub mod pbft_adversary;
pub mod pbft_config;
pub mod pbft_report;
pub mod pbft_scenario;
pub mod pbft_search;
pub mod pbft_signatures;
pub mod pbft_sim;
pub mod pbft_svg;
pub mod pbft_trace;
pub mod quorum;
pub mod vote;
