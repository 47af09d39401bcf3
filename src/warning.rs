//! Warnings: results that are valid but probably not what the user meant, or
//! figures that should not be read without a caveat. Each has a stable code
//! (snake_case, listed in [`CODES`] and in README.md), one sentence, the key
//! path it is about when there is one, and the numbers behind it.
//!
//! Built by the scenario (what validation can see) and by the report (what a
//! run shows); the CLI prints them and `--deny-warnings` turns them into exit 2.
//! Data only: nothing here prints or decides an exit code.

use serde::Serialize;
use std::collections::BTreeMap;

/// `functions[i].warm.execution_environments` below `MinExecutionEnvironments`.
pub const WARM_EES_BELOW_MIN: &str = "warm_ees_below_min";
/// A bare number (seconds) as a duration inside `[functions.work]`.
pub const BARE_SECONDS_IN_WORK: &str = "bare_seconds_in_work";
/// One CPU target shared by several functions of the provider.
pub const SHARED_CPU_TARGET: &str = "shared_cpu_target";
/// Monthly figures extrapolated from a horizon shorter than [`SHORT_HORIZON_S`].
pub const SHORT_HORIZON_EXTRAPOLATION: &str = "short_horizon_extrapolation";
/// `MaxVCpuCount` refused at least one launch.
pub const MAX_VCPU_BOUND: &str = "max_vcpu_bound";
/// A platform throttled more than [`THROTTLE_WARN_RATE`] of its invocations.
pub const HIGH_THROTTLE_RATE: &str = "high_throttle_rate";
/// A platform served none of the invocations it was offered.
pub const NOTHING_SERVED: &str = "nothing_served";
/// No "cheaper" verdict: a platform throttled too much or served nothing.
pub const NO_COST_VERDICT: &str = "no_cost_verdict";
/// The chosen instance type has far more vCPUs than the fleet's peak EEs use.
pub const OVERSIZED_INSTANCE_TYPE: &str = "oversized_instance_type";
/// Malformed trace rows were skipped (`--skip-bad-rows`).
pub const SKIPPED_TRACE_ROWS: &str = "skipped_trace_rows";
/// A `lambda-logs` trace written at another Memory Size than the function's `MemorySize`.
pub const LOG_MEMORY_SIZE_MISMATCH: &str = "log_memory_size_mismatch";

/// A calendar day (`[calendar]`) simulated on a horizon other than 24 h.
pub const CALENDAR_DAY_SCALED: &str = "calendar_day_scaled";

/// Every code, in the order the README table lists them.
pub const CODES: [&str; 12] = [
    WARM_EES_BELOW_MIN,
    BARE_SECONDS_IN_WORK,
    SHARED_CPU_TARGET,
    SHORT_HORIZON_EXTRAPOLATION,
    MAX_VCPU_BOUND,
    HIGH_THROTTLE_RATE,
    NOTHING_SERVED,
    NO_COST_VERDICT,
    OVERSIZED_INSTANCE_TYPE,
    SKIPPED_TRACE_ROWS,
    LOG_MEMORY_SIZE_MISMATCH,
    CALENDAR_DAY_SCALED,
];

/// Throttle rate above which a platform gets a [`HIGH_THROTTLE_RATE`] warning
/// and no "cheaper" verdict: 1% of its invocations. [our choice] A platform that
/// refuses more than one call in a hundred is not serving the same workload,
/// so comparing its bill with the other's says little.
pub const THROTTLE_WARN_RATE: f64 = 0.01;

/// Horizon below which monthly projections get a
/// [`SHORT_HORIZON_EXTRAPOLATION`] warning: 1 h. [our choice]
pub const SHORT_HORIZON_S: f64 = 3600.0;

/// [`OVERSIZED_INSTANCE_TYPE`] fires when the chosen type has more than this
/// many times the vCPUs all functions' peak EEs use together. [our choice]
pub const OVERSIZE_FACTOR: u32 = 4;

/// ... and more than this many vCPUs: a small fleet on a 2xlarge (8 vCPUs)
/// or smaller is what LMI's usual types give, not a mistake. [our choice]
pub const OVERSIZE_MIN_VCPUS: u64 = 8;

/// One warning.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    /// Stable snake_case code (one of [`CODES`]).
    pub code: &'static str,
    /// One or two sentences for a person.
    pub message: String,
    /// The key path in the scenario file it is about, if any.
    pub key: Option<String>,
    /// The numbers behind the message, by name (units in the names).
    pub figures: BTreeMap<&'static str, f64>,
}

impl Warning {
    /// A warning with no key and no figures yet.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            key: None,
            figures: BTreeMap::new(),
        }
    }

    /// Sets the key path.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Adds a figure.
    pub fn figure(mut self, name: &'static str, value: f64) -> Self {
        self.figures.insert(name, value);
        self
    }
}

impl std::fmt::Display for Warning {
    /// `[code] message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{c}"
            );
            assert!(!CODES[..i].contains(c), "duplicate code {c}");
        }
    }

    #[test]
    fn display_names_the_code() {
        let w = Warning::new(MAX_VCPU_BOUND, "x").figure("a", 1.0);
        assert_eq!(w.to_string(), "[max_vcpu_bound] x");
        assert_eq!(w.figures["a"], 1.0);
    }
}
