//! One invocation request as both platforms see it: the same arrival time and
//! the same sampled work, so LMI and default Lambda are compared on identical
//! traffic.

use crate::time::{SimDuration, SimTime};

/// A request offered to a platform.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Arrival {
    pub at: SimTime,
    /// Index of the function in the scenario.
    pub function: u32,
    /// CPU work at full speed on one vCPU.
    pub cpu: SimDuration,
    /// Wall-clock wait that holds a slot but no CPU (after the CPU phase).
    pub io: SimDuration,
    /// Opaque to the platforms; handed back with the completion notice to an
    /// event source that asked for one (a retry slot, an SQS batch).
    pub tag: u32,
}

/// Why a platform turned a request away. Each throttle has exactly one reason.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ThrottleReason {
    /// LMI: no EE of the function has a free runtime-worker slot.
    ConcurrencyThrottles,
    /// LMI: free slots exist, but only on instances at or above the CPU reject threshold.
    CPUThrottles,
    /// LMI: memory exhausted (not produced by the current model).
    MemoryThrottles,
    /// LMI: disk exhausted (not produced by the current model).
    DiskThrottles,
    /// LMI: the function version is deactivated (min = max = 0).
    Deactivated,
    /// Default Lambda: the account's unreserved concurrency is in use.
    AccountConcurrency,
    /// Default Lambda: the function's reserved concurrency is in use.
    ReservedConcurrency,
    /// Default Lambda: the 1,000-EEs-per-10-s scaling rate is exhausted.
    ScalingRate,
}

impl ThrottleReason {
    pub const LMI: [ThrottleReason; 5] = [
        ThrottleReason::ConcurrencyThrottles,
        ThrottleReason::CPUThrottles,
        ThrottleReason::MemoryThrottles,
        ThrottleReason::DiskThrottles,
        ThrottleReason::Deactivated,
    ];
    pub const DEFAULT: [ThrottleReason; 3] = [
        ThrottleReason::AccountConcurrency,
        ThrottleReason::ReservedConcurrency,
        ThrottleReason::ScalingRate,
    ];
    /// Position within its platform's list.
    pub fn slot(self) -> usize {
        match self {
            ThrottleReason::ConcurrencyThrottles | ThrottleReason::AccountConcurrency => 0,
            ThrottleReason::CPUThrottles | ThrottleReason::ReservedConcurrency => 1,
            ThrottleReason::MemoryThrottles | ThrottleReason::ScalingRate => 2,
            ThrottleReason::DiskThrottles => 3,
            ThrottleReason::Deactivated => 4,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ThrottleReason::ConcurrencyThrottles => "ConcurrencyThrottles",
            ThrottleReason::CPUThrottles => "CPUThrottles",
            ThrottleReason::MemoryThrottles => "MemoryThrottles",
            ThrottleReason::DiskThrottles => "DiskThrottles",
            ThrottleReason::Deactivated => "Deactivated",
            ThrottleReason::AccountConcurrency => "AccountConcurrency",
            ThrottleReason::ReservedConcurrency => "ReservedConcurrency",
            ThrottleReason::ScalingRate => "ScalingRate",
        }
    }
}
