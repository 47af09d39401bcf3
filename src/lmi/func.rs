//! Per-function state: configuration, the router, live EEs, gauges, the
//! scaler's and the report's windows, and interval counters.
//!
//! Holds data only; the behaviour is in the `Lmi` methods of the other files.

use super::*;

/// Per-function state.
pub(super) struct Func {
    pub(super) shape: EeShape,
    pub(super) slots: u32,
    pub(super) init: Dist,
    pub(super) init_base: SimDuration,
    pub(super) min: u32,
    pub(super) max: u32,
    pub(super) deactivated: bool,
    pub(super) route: Router,
    /// Live (not Stopped) EEs.
    pub(super) ees: Vec<EeId>,
    /// EEs reserved on launching instances.
    pub(super) pending: u32,
    /// EEs initializing now, and the most during the current interval.
    pub(super) initializing: u32,
    pub(super) initializing_peak: u32,
    pub(super) az_count: Vec<u32>,
    // Gauges.
    pub(super) busy: Count,
    pub(super) ready_vcpus: Gauge,
    pub(super) inflight: Count,
    pub(super) ready_slots: Gauge,
    pub(super) ready_ees: Gauge,
    // Windows: scaler and report.
    pub(super) sw_busy: Window,
    pub(super) sw_rvcpu: Window,
    pub(super) sw_infl: Window,
    pub(super) sw_slots: Window,
    pub(super) rw_busy: Window,
    pub(super) rw_rvcpu: Window,
    pub(super) rw_infl: Window,
    pub(super) rw_slots: Window,
    // Interval counters.
    pub(super) cur: LmiInterval,
    pub(super) cur_latency: Sketch,
    pub(super) totals: LmiFunctionTotals,
    pub(super) rows: RowLog<LmiInterval>,
}
