//! The request-stream contract between what produces a function's requests
//! (synthetic traffic, trace replays) and the run driver that samples their
//! work and offers them to the platforms.

use crate::time::{SimDuration, SimTime};

/// One request of a stream: its arrival time and, when the source knows it
/// (a trace with durations), its work; otherwise the function's work
/// distributions are sampled.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub at: SimTime,
    /// (cpu, io) given by the source.
    pub work: Option<(SimDuration, SimDuration)>,
}

/// An error a source meets while producing requests (a bad trace row).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TraceError(pub String);

/// A lazy, time-ordered stream of requests for one function.
pub trait RequestStream: Send {
    /// The next request before the horizon, `Ok(None)` at the end.
    fn next_request(&mut self) -> Result<Option<Request>, TraceError>;
    /// Offered rate at t = 0 [1/s], to size a warm fleet.
    fn initial_rate(&self) -> f64;
    /// Rows skipped as malformed (traces with `--skip-bad-rows`).
    fn skipped_rows(&self) -> u64 {
        0
    }
    /// The interval length of a count trace, when inferred from its rows
    /// (printed by `run`).
    fn inferred_interval(&self) -> Option<SimDuration> {
        None
    }
    /// Notes about what the trace held, for the user (printed by `run`).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}
