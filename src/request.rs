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

/// What an access log says became of the requests a replay offered
/// (counted per replayed request, `rate_multiplier` copies included).
/// Throttled and failed requests stay arrivals: they are the traffic the
/// function was offered.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoggedOutcomes {
    /// Requests replayed from the log.
    pub requests: u64,
    /// Of them, logged with status 429.
    pub throttled: u64,
    /// Of them, logged with a 5xx status or no response from the target.
    pub failed: u64,
    /// Of them, with no backend time in the log (no integration ran, the
    /// target did not respond): they took the function's `[functions.work]`.
    pub no_duration: u64,
}

impl std::fmt::Display for LoggedOutcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = crate::trace::inspect::thousands;
        write!(
            f,
            "access log: {} requests replayed, of them {} throttled (429) and {} failed (5xx or no response from the target) in the log; they stay arrivals (the traffic the function was offered); {} had no backend time in the log and took [functions.work]",
            n(self.requests),
            n(self.throttled),
            n(self.failed),
            n(self.no_duration)
        )
    }
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
    /// Access logs: what the log says became of the requests replayed.
    fn logged_outcomes(&self) -> Option<LoggedOutcomes> {
        None
    }
    /// Notes about what the trace held, for the user (printed by `run`).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}
