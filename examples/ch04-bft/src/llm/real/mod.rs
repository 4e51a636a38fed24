//! Real models, Unix only: `dual_model --cmd`.
//!
//! `cross_check` reads the flags (each call's settings in `options`) and
//! runs the job. One vote: `vote` asks every command through a
//! `call::Runner`, which runs each command line (`call`, its pipes read by
//! `pipes`) with reused `helpers` threads, as many at once as the `gate`
//! allows, every process group stopped by the run's one `reaper`, failures
//! tried again by `retry`; `keys` reads the answer each call votes for
//! (`answers`, `number`, or a `--canon` command), and `vote_report` prints
//! the result. An evaluation: `tasks_file` streams the tasks, `evaluate`
//! runs them and sums what `scorecard` reports, `progress` draws a line on a
//! terminal meanwhile, `journal` keeps every call in `--log`, with `json`,
//! and `log_read` reads it back for `--resume`; `rescore` decides a logged
//! run again.

pub mod answers;
pub mod ballot;
pub mod call;
pub mod call_stats;
pub mod cross_check;
pub mod evaluate;
pub mod follow;
pub mod gate;
pub mod helpers;
pub mod journal;
pub mod json;
pub mod keys;
pub mod log_read;
pub mod number;
pub mod options;
pub mod pipes;
pub mod progress;
pub mod reaper;
pub mod rescore;
pub mod retry;
pub mod run;
pub mod scorecard;
pub mod scratch;
pub mod status;
pub mod stop;
pub mod tasks_file;
pub mod vote;
pub mod vote_report;
