//! Parameter sweeps: one base scenario, axes of values for any of its keys,
//! every point run (with replications) on all cores, results in one CSV,
//! a summary with the goal's pick and the cost crossover, and charts.
//!
//! Reproducible: a point's runs depend only on the sweep file, the point index
//! and the replication index (`derive_seed(derive_seed(seed, point), rep)`),
//! never on the number of threads or the shard. Shardable: `--shard K/N` runs
//! the points with `point % N == K`; `sweep-merge` joins the shards' outputs
//! into the files one machine would have written.
//!
//! Layout: [`spec`] reads the sweep file and validates every point up front;
//! [`path`] edits a scenario's TOML by key path; [`results`] holds the figures,
//! the CSV format and the analyses; [`charts`] draws them.
//!
//! The sweep itself: `shard` picks a machine's slice of the points;
//! `runner` runs them; `summary` holds `summary.json` and its analyses;
//! `report` formats `summary.md` and `report.html`; `outputs` writes the files; `merge` joins shards; `terminal` prints.

pub mod charts;
pub mod path;
pub mod results;
pub mod spec;
pub mod stats;

pub use results::{Crossover, PointResult, crossover, goal_pick, pareto};
pub use spec::{Combine, Goal, Sweep, load, load_with};

mod merge;
mod outputs;
pub mod report;
mod runner;
mod shard;
mod summary;
mod terminal;

pub use merge::merge;
pub use outputs::Outcome;
pub use runner::{MAX_JOBS, RunOptions, describe, partial_dir, run, test_hooks};
pub use shard::{SHARD_ENV, Shard, ShardArg, parse_shard, resolve_shard};
pub use summary::{AxisSummary, GoalSummary, KeyValue, Pick, ShardSummary, SweepSummary};
pub use terminal::{fmt_volume, terminal};

/// Layout version of a sweep's `summary.json`.
pub const SCHEMA: &str = "lmi-sim/sweep-summary/v1";

/// A sweep that cannot run, with its exit code (2 bad input, 1 other).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SweepError {
    pub message: String,
    pub exit_code: i32,
    /// The output directory, for failures to write.
    pub path: Option<String>,
}

impl SweepError {
    pub fn input(m: impl Into<String>) -> Self {
        SweepError {
            message: m.into(),
            exit_code: 2,
            path: None,
        }
    }
    pub fn output(m: impl Into<String>) -> Self {
        SweepError {
            message: m.into(),
            exit_code: 1,
            path: None,
        }
    }
}
