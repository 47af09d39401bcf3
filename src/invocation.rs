//! One invocation request as both platforms see it: the same arrival time and
//! the same sampled work, so LMI and default Lambda are compared on identical
//! traffic.

use crate::time::{SimDuration, SimTime};

/// A request offered to a platform.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Arrival {
    pub at: SimTime,
    pub function: crate::ids::FunctionId,
    /// CPU work at full speed on one vCPU.
    pub cpu: SimDuration,
    /// Wall-clock wait that holds a slot but no CPU (after the CPU phase).
    pub io: SimDuration,
    /// Opaque to the platforms; handed back with the completion notice to an
    /// event source that asked for one (a retry slot, an SQS batch).
    pub tag: u32,
}

/// Why a platform turned a request away. Each throttle has exactly one reason.
#[repr(u8)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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
    /// How many reasons there are (the size of [`ThrottleCounts`]).
    pub const COUNT: usize = 8;
    /// The reasons LMI gives, in its column order.
    pub const LMI: [ThrottleReason; 5] = [
        ThrottleReason::ConcurrencyThrottles,
        ThrottleReason::CPUThrottles,
        ThrottleReason::MemoryThrottles,
        ThrottleReason::DiskThrottles,
        ThrottleReason::Deactivated,
    ];
    /// The reasons default Lambda gives, in its column order.
    pub const DEFAULT: [ThrottleReason; 3] = [
        ThrottleReason::AccountConcurrency,
        ThrottleReason::ReservedConcurrency,
        ThrottleReason::ScalingRate,
    ];

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

/// Throttle counts by reason: written and read by name, never by position.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ThrottleCounts([u64; ThrottleReason::COUNT]);

impl ThrottleCounts {
    /// All throttles, whatever the reason.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds every count of `other`.
    pub fn add(&mut self, other: &ThrottleCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl std::ops::Index<ThrottleReason> for ThrottleCounts {
    type Output = u64;
    #[inline]
    fn index(&self, r: ThrottleReason) -> &u64 {
        &self.0[r as usize]
    }
}

impl std::ops::IndexMut<ThrottleReason> for ThrottleCounts {
    #[inline]
    fn index_mut(&mut self, r: ThrottleReason) -> &mut u64 {
        &mut self.0[r as usize]
    }
}
