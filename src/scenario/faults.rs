//! Failure injection (docs/model.md, "Faults"): the validated `[[faults]]`
//! entries of a scenario. Faults apply to the LMI model only; default
//! Lambda's fleet is AWS's own and is not modelled.
//!
//! Data only: what a fault does to the fleet is in `lmi/fault.rs`.

use crate::time::{SimDuration, SimTime};

/// What a `[[faults]]` entry breaks.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Every instance in AZ `az` terminates at each `at`; launches avoid the
    /// AZ for `duration`.
    AzOutage { az: u32, duration: SimDuration },
    /// At each `at`, the oldest Running instance (in `az` if given) fails.
    InstanceFailure { az: Option<u32> },
    /// Every Running instance (in `az` if given) fails after an exponential
    /// time of mean `mtbf`, drawn when it starts Running.
    InstanceFailures { mtbf: SimDuration, az: Option<u32> },
    /// At each `at`, the Ready EE of `function` with the most invocations in
    /// flight (ties: the lowest EE id) crashes.
    EeCrash { function: usize },
    /// Every Ready EE of `function` crashes after an exponential time of
    /// mean `mtbf`, drawn when it becomes Ready.
    EeCrashes { function: usize, mtbf: SimDuration },
}

impl FaultKind {
    /// The `type` key's value.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::AzOutage { .. } => "az_outage",
            FaultKind::InstanceFailure { .. } => "instance_failure",
            FaultKind::InstanceFailures { .. } => "instance_failures",
            FaultKind::EeCrash { .. } => "ee_crash",
            FaultKind::EeCrashes { .. } => "ee_crashes",
        }
    }

    /// The reason its lost invocations are counted under.
    pub fn reason(&self) -> &'static str {
        match self {
            FaultKind::AzOutage { .. } => "az_outage",
            FaultKind::InstanceFailure { .. } | FaultKind::InstanceFailures { .. } => {
                "instance_failure"
            }
            FaultKind::EeCrash { .. } | FaultKind::EeCrashes { .. } => "ee_crash",
        }
    }
}

/// One `[[faults]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// When it happens, sorted (empty for the rate kinds).
    pub at: Vec<SimTime>,
}

/// The AZ's name: index 0 is "a", 1 "b", ...
pub fn az_name(az: u32) -> String {
    match char::from_u32('a' as u32 + az) {
        Some(c) if az < 26 => c.to_string(),
        _ => az.to_string(),
    }
}
