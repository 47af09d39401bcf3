//! The `faults` block of a run (docs/model.md, "Faults"): per `[[faults]]`
//! entry what it destroyed, the invocations lost, the throttles while the
//! fleet recovered, the time to recover and the recovery's cost; its
//! terminal lines and its report table. Absent from every output without
//! faults.
//!
//! Summarises `LmiResult::faults`; must not compute anything the model did
//! not record.

use super::tables::{Table, fmt_count};
use super::terminal::fmt_usd;
use crate::lmi::{FaultRecord, LmiResult};
use crate::scenario::FaultKind;
use crate::scenario::faults::az_name;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Occurrence times listed per entry, at most (a failure rate can have many).
const MAX_TIMES: usize = 100;

/// Every fault of the run.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct FaultsSummary {
    /// Invocations lost, by reason (`az_outage`, `instance_failure`,
    /// `ee_crash`); the platform's conservation is invocations = served +
    /// throttled + failed + in flight at the end.
    pub invocations_failed: u64,
    pub failed_by_reason: BTreeMap<&'static str, u64>,
    pub entries: Vec<FaultSummary>,
}

/// One `[[faults]]` entry over all its occurrences.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct FaultSummary {
    /// Its `type`.
    pub kind: &'static str,
    /// What it hits: "AZ b", "oldest instance", "function api", ...
    pub target: String,
    /// The outage's length (az_outage) [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Mean time between failures (the rate kinds) [s].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtbf_s: Option<f64>,
    pub occurrences: u64,
    /// When they happened [s] (the first 100).
    pub at_s: Vec<f64>,
    pub instances_lost: u64,
    pub execution_environments_lost: u64,
    pub invocations_failed: u64,
    /// Ready EEs just before the first occurrence.
    pub pre_fault_execution_environments: u32,
    /// Throttles from each occurrence until its recovery (or the horizon),
    /// summed (overlapping recoveries count a throttle once in each).
    pub throttles_during_recovery: u64,
    /// Occurrences after which the Ready EEs came back to their pre-fault
    /// count before the horizon.
    pub recovered: u64,
    /// The longest time to recover [s]; `None` when one never did.
    pub time_to_recover_s: Option<f64>,
    /// Instances launched during recoveries, and their EC2 + fee from
    /// launch to the recovery's end [USD].
    pub recovery_launches: u64,
    pub recovery_cost_usd: f64,
}

/// The `faults` block, `None` when the scenario has none.
pub fn summarize(r: &LmiResult) -> Option<FaultsSummary> {
    if r.faults.is_empty() {
        return None;
    }
    let mut out = FaultsSummary::default();
    for rec in &r.faults {
        let e = entry(r, rec);
        out.invocations_failed += e.invocations_failed;
        *out.failed_by_reason
            .entry(rec.spec.kind.reason())
            .or_default() += e.invocations_failed;
        out.entries.push(e);
    }
    Some(out)
}

fn entry(r: &LmiResult, rec: &FaultRecord) -> FaultSummary {
    let fname = |f: usize| r.function_names.get(f).cloned().unwrap_or_default();
    let (target, duration_s, mtbf_s) = match &rec.spec.kind {
        FaultKind::AzOutage { az, duration } => (
            format!("AZ {}", az_name(*az)),
            Some(duration.as_secs_f64()),
            None,
        ),
        FaultKind::InstanceFailure { az } => (
            match az {
                Some(a) => format!("oldest instance in AZ {}", az_name(*a)),
                None => "oldest instance".into(),
            },
            None,
            None,
        ),
        FaultKind::InstanceFailures { mtbf, az } => (
            match az {
                Some(a) => format!("each instance in AZ {}", az_name(*a)),
                None => "each instance".into(),
            },
            None,
            Some(mtbf.as_secs_f64()),
        ),
        FaultKind::EeCrash { function } => {
            (format!("busiest EE of {}", fname(*function)), None, None)
        }
        FaultKind::EeCrashes { function, mtbf } => (
            format!("each EE of {}", fname(*function)),
            None,
            Some(mtbf.as_secs_f64()),
        ),
    };
    let occ = &rec.occurrences;
    let mut longest: Option<f64> = Some(0.0);
    for o in occ {
        longest = match (longest, o.recovered_at) {
            (Some(m), Some(at)) => Some(m.max(at.since(o.at).as_secs_f64())),
            _ => None,
        };
    }
    FaultSummary {
        kind: rec.spec.kind.name(),
        target,
        duration_s,
        mtbf_s,
        occurrences: occ.len() as u64,
        at_s: occ
            .iter()
            .take(MAX_TIMES)
            .map(|o| o.at.as_secs_f64())
            .collect(),
        instances_lost: occ.iter().map(|o| o.instances_lost as u64).sum(),
        execution_environments_lost: occ.iter().map(|o| o.ees_lost as u64).sum(),
        invocations_failed: occ.iter().map(|o| o.invocations_failed).sum(),
        pre_fault_execution_environments: occ.first().map_or(0, |o| o.pre_fault_ees),
        throttles_during_recovery: occ.iter().map(|o| o.throttles_during_recovery).sum(),
        recovered: occ.iter().filter(|o| o.recovered_at.is_some()).count() as u64,
        time_to_recover_s: if occ.is_empty() { None } else { longest },
        recovery_launches: occ.iter().map(|o| o.recovery_launches as u64).sum(),
        recovery_cost_usd: occ.iter().fold(0.0, |c, o| c + o.recovery_cost_usd),
    }
}

fn secs(s: Option<f64>) -> String {
    match s {
        Some(x) if x >= 120.0 => format!("{:.1} min", x / 60.0),
        Some(x) => format!("{x:.1} s"),
        None => "not by the horizon".into(),
    }
}

/// One entry's label: "az_outage AZ b at 3600 s for 1800 s".
fn label(e: &FaultSummary) -> String {
    let mut l = format!("{} {}", e.kind, e.target);
    if let Some(m) = e.mtbf_s {
        let _ = write!(l, " (MTBF {})", secs(Some(m)));
    } else if let Some(&t) = e.at_s.first() {
        let _ = write!(l, " at {t:.0} s");
        if e.at_s.len() > 1 {
            let _ = write!(l, " (+{} more)", e.occurrences - 1);
        }
    }
    if let Some(d) = e.duration_s {
        let _ = write!(l, " for {}", secs(Some(d)));
    }
    l
}

/// The terminal lines (LMI only).
pub fn terminal_block(o: &mut String, f: &FaultsSummary) {
    let _ = writeln!(
        o,
        "  faults (LMI): {} invocations failed",
        fmt_count(f.invocations_failed)
    );
    for e in &f.entries {
        let _ = writeln!(o, "    {}", label(e));
        let _ = writeln!(
            o,
            "      lost {} instance(s), {} EE(s), {} in-flight invocation(s); {} throttle(s) during recovery",
            e.instances_lost,
            e.execution_environments_lost,
            fmt_count(e.invocations_failed),
            fmt_count(e.throttles_during_recovery)
        );
        let _ = writeln!(
            o,
            "      recovered to {} Ready EEs in {} ({} of {}); recovery launches {}, cost {}",
            e.pre_fault_execution_environments,
            secs(e.time_to_recover_s),
            e.recovered,
            e.occurrences,
            e.recovery_launches,
            fmt_usd(e.recovery_cost_usd)
        );
    }
}

/// The report table: one column per entry.
pub fn table(f: &FaultsSummary) -> Table {
    let mut columns = vec![String::new()];
    columns.extend(f.entries.iter().map(label));
    let row = |name: &str, cell: &dyn Fn(&FaultSummary) -> String| {
        let mut r = vec![name.to_string()];
        r.extend(f.entries.iter().map(cell));
        r
    };
    Table {
        title: "Faults (LMI)".into(),
        columns,
        rows: vec![
            row("occurrences", &|e| fmt_count(e.occurrences)),
            row("instances lost", &|e| fmt_count(e.instances_lost)),
            row("EEs lost", &|e| fmt_count(e.execution_environments_lost)),
            row("invocations failed", &|e| fmt_count(e.invocations_failed)),
            row("throttles during recovery", &|e| {
                fmt_count(e.throttles_during_recovery)
            }),
            row("time to recover", &|e| secs(e.time_to_recover_s)),
            row("recovery launches", &|e| fmt_count(e.recovery_launches)),
            row("recovery cost", &|e| fmt_usd(e.recovery_cost_usd)),
        ],
        note: Some(
            "Recovery: from the fault until the Ready EEs are back to their pre-fault count (or the horizon). Recovery cost: EC2 + management fee of the instances launched meanwhile, from launch to the recovery's end.".into(),
        ),
        highlight: None,
        all_text: false,
    }
}
