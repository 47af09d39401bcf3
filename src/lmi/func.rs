//! Per-function state: configuration, the router, live EEs, gauges, the
//! scaler's and the report's windows, and interval counters.
//!
//! Holds data and its own arithmetic only; what happens to a function's EEs is
//! in the `Lmi` methods of the other files.

use super::ee::EeId;
use super::policy::{EeShape, FleetNeed, InstanceChoice};
use super::route::Router;
use super::rows::{LmiFunctionTotals, LmiInterval};
use crate::dist::Dist;
use crate::gauge::{Count, Gauge, Window};
use crate::ledger::Ledger;
use crate::scenario::{FunctionSpec, Scenario};
use crate::time::{SimDuration, SimTime};

/// Per-function state.
pub(super) struct Func {
    pub(super) shape: EeShape,
    pub(super) slots: u32,
    /// Invocations one EE's memory holds (`u32::MAX`: not modelled).
    pub(super) mem_cap: u32,
    pub(super) init: Dist,
    pub(super) init_base: SimDuration,
    /// The instance type launched for its EEs (index into the provider's
    /// types), or `None` if no type holds one; `cheapest_for_fleet` chooses it
    /// again at each placement that launches (`Lmi::choose_type`).
    pub(super) instance_type: Option<usize>,
    /// The choice made for the largest fleet so far (what the summary explains).
    pub(super) choice: Option<InstanceChoice>,
    /// Instances launched for its EEs, per type: (type, launches), in the
    /// order first launched.
    pub(super) launches: Vec<(usize, u64)>,
    /// Its scaling config (`PutFunctionScalingConfig`); max = 0 deactivates.
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
    /// Live EEs and reservations per AZ.
    pub(super) az_count: Vec<u32>,
    pub(super) gauges: Gauges,
    pub(super) scaler_windows: Windows,
    pub(super) report_windows: Windows,
    /// Arrivals, throttles, completions and interval rows.
    pub(super) ledger: Ledger<LmiInterval>,
    /// This model's own whole-run figures.
    pub(super) totals: LmiFunctionTotals,
}

impl Func {
    /// A function of the scenario, with no EE yet.
    pub(super) fn new(f: &FunctionSpec, sc: &Scenario) -> Self {
        let shape = EeShape {
            vcpus: f.ee_vcpus(),
            memory_mib: f.ee_memory_mib(),
        };
        // For its minimum fleet until it places EEs.
        let choice = sc.model.instance_selection.decide(
            &sc.provider.instance_types,
            shape,
            sc.model.reserved_vcpus_per_instance,
            sc.model.reserved_memory_mib_per_instance,
            FleetNeed {
                ees: f.min_ees,
                azs: sc.provider.availability_zones,
            },
        );
        Func {
            shape,
            slots: f.max_concurrency,
            mem_cap: f.memory.capacity(f.runtime, f.ee_memory_mib()),
            init: f.function_init.clone(),
            init_base: sc.model.runtime_init[f.runtime.index()],
            instance_type: choice.map(|c| c.plan.ty),
            choice,
            launches: Vec::new(),
            min: f.min_ees,
            max: f.max_ees,
            deactivated: f.max_ees == 0,
            route: Router::default(),
            ees: Vec::new(),
            pending: 0,
            initializing: 0,
            initializing_peak: 0,
            az_count: vec![0; sc.provider.availability_zones as usize],
            gauges: Gauges::default(),
            scaler_windows: Windows::default(),
            report_windows: Windows::default(),
            ledger: Ledger::default(),
            totals: LmiFunctionTotals::new(),
        }
    }
}

impl Func {
    /// One more instance of type `ty` launched for its EEs.
    pub(super) fn count_launch(&mut self, ty: usize) {
        match self.launches.iter_mut().find(|x| x.0 == ty) {
            Some(x) => x.1 += 1,
            None => self.launches.push((ty, 1)),
        }
    }
}

/// A function's time-integrated quantities.
#[derive(Default)]
pub(super) struct Gauges {
    /// Busy vCPUs of its EEs.
    pub(super) busy: Count,
    /// vCPUs, slots and number of its Ready EEs.
    pub(super) ready_vcpus: Gauge,
    pub(super) ready_slots: Gauge,
    pub(super) ready_ees: Gauge,
    /// The concurrency limits (`Ee::cap`) of its Ready EEs, summed.
    pub(super) ready_cap: Gauge,
    /// Invocations in flight.
    pub(super) inflight: Count,
    /// vCPUs of its live EEs, from creation (Initializing) to Stopped: the
    /// EE vCPU-time that splits the provider's EC2 bill between functions.
    pub(super) live_vcpus: Count,
}

impl Gauges {
    /// An EE of `vcpus` and `slots` became Ready (`sign` 1) or left Ready (-1).
    pub(super) fn ready(&mut self, now: SimTime, vcpus: u32, slots: u32, cap: u32, sign: f64) {
        self.ready_vcpus.add(now, sign * vcpus as f64);
        self.ready_slots.add(now, sign * slots as f64);
        self.ready_ees.add(now, sign);
        self.ready_cap.add(now, sign * cap as f64);
    }
}

/// Reads a function's gauges over successive windows (the scaler's, or the
/// report's).
#[derive(Default)]
pub(super) struct Windows {
    busy: Window,
    ready_vcpus: Window,
    inflight: Window,
    ready_slots: Window,
    ready_cap: Window,
    ready_ees: Window,
}

/// A function's load over one window.
pub(super) struct Load {
    /// Busy vCPU-time / Ready-EE vCPU-time (0 without Ready EEs).
    pub(super) cpu_utilization: f64,
    /// In-flight-time / Ready-EE slot-time (0 without Ready EEs).
    pub(super) slot_saturation: f64,
    /// Mean concurrency limit of its Ready EEs (0 without Ready EEs).
    pub(super) concurrency_limit: f64,
}

impl Windows {
    /// The load since the previous call (or the start); moves the window to `at`.
    pub(super) fn take(&mut self, g: &Gauges, at: SimTime) -> Load {
        let busy = self.busy.take(&g.busy, at);
        let rv = self.ready_vcpus.take(&g.ready_vcpus, at);
        let infl = self.inflight.take(&g.inflight, at);
        let slots = self.ready_slots.take(&g.ready_slots, at);
        let cap = self.ready_cap.take(&g.ready_cap, at);
        let ees = self.ready_ees.take(&g.ready_ees, at);
        Load {
            concurrency_limit: if ees > 0.0 { cap / ees } else { 0.0 },
            cpu_utilization: if rv > 0.0 { busy / rv } else { 0.0 },
            slot_saturation: if slots > 0.0 { infl / slots } else { 0.0 },
        }
    }
}
