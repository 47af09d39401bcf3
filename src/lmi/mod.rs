//! The Lambda Managed Instances model (MODEL.md §1): instances, execution
//! environments (EEs), the router, processor sharing, the asynchronous scaler,
//! rotation and scheduled scaling changes.
//!
//! Pure: no I/O, no clock. Per-invocation work is O(log n) and allocation-free:
//! the router is an indexed heap, CPU sharing is a per-EE virtual clock, and
//! metrics are gauges and fixed-size sketches. Scans over a function's EEs or
//! the fleet happen only at scaler ticks, report ticks and rare lifecycle events.

mod ee;
mod events;
mod fleet;
mod func;
mod instance;
mod invoke;
pub mod policy;
pub mod route;
mod rows;
mod scaler;
mod setup;
mod timers;

use crate::dist::Dist;
use crate::gauge::{Count, Gauge, Integral, Window};
use crate::ids::FunctionId;
use crate::invocation::{Arrival, ThrottleReason};
use crate::platform::{Admission, Advance, Completion, Platform};
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog, f64_opt, opt_f64};
use crate::scenario::{Scenario, StartState};
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime};
pub(crate) use ee::ceil_u32;
use ee::{Ee, Job};
pub use ee::{EeId, EeState};
use events::{Ev, EvQueue};
use fleet::Placed;
use func::Func;
use instance::Instance;
pub use instance::{InstState, InstanceId};
use policy::{Decision, EeShape, ScalerPolicy, Signals, TargetTracking};
use route::{Links, Router, Slot};
pub use rows::{
    ACTIONS, DecisionRecord, LmiFunctionTotals, LmiInterval, LmiResult, ProviderInterval,
    ProviderTotals,
};

/// The LMI platform.
pub struct Lmi {
    q: EvQueue,
    /// CPU-completion timers of busy EEs (apart from `q`).
    timers: timers::Timers,
    cpu_fired: u64,
    ees: Vec<Ee>,
    free_ees: Vec<EeId>,
    links: Links,
    insts: Vec<Instance>,
    free_insts: Vec<InstanceId>,
    funcs: Vec<Func>,
    names: Vec<String>,
    types: Vec<crate::catalog::InstanceType>,
    type_choice: Vec<Option<usize>>,
    eff_price: Vec<f64>,
    fee_rate: f64,
    max_vcpu: u32,
    vcpus_total: u32,
    azs: u32,
    reserve_vcpus: u32,
    reserve_mib: u32,
    reject_threshold: f64,
    lifetime: SimDuration,
    launch_delay: Dist,
    scaler_interval: SimDuration,
    target: f64,
    policy: Box<dyn ScalerPolicy>,
    schedule: Vec<crate::scenario::ScalingChange>,
    rng_init: SimRng,
    rng_launch: SimRng,
    // Provider gauges (its busy vCPUs: `rows::FleetBusy`).
    g_usable: Gauge,
    g_instances: Gauge,
    g_od_rate: Gauge,
    g_eff_rate: Gauge,
    rw_busy: Window,
    rw_usable: Window,
    rw_od: Window,
    rw_eff: Window,
    provider_rows: RowLog<ProviderInterval>,
    provider: ProviderTotals,
    decisions: RowLog<DecisionRecord>,
    report_interval: SimDuration,
    next_report: SimTime,
    now: SimTime,
    /// Instances launching now, and the most during the current interval.
    launching: u32,
    launching_peak: u32,
    notify: Vec<bool>,
    done: Vec<Completion>,
}

/// Position of an LMI throttle reason in [`ThrottleReason::LMI`].
fn lmi_slot(r: ThrottleReason) -> usize {
    ThrottleReason::LMI
        .iter()
        .position(|x| *x == r)
        .unwrap_or(0)
}

impl Platform for Lmi {
    type Result = LmiResult;
    #[inline]
    fn advance_to(&mut self, t: SimTime) -> Advance {
        if Lmi::advance_to(self, t) {
            Advance::Completions
        } else {
            Advance::Reached
        }
    }
    fn now(&self) -> SimTime {
        self.now
    }
    #[inline]
    fn arrive(&mut self, a: &Arrival) -> Admission {
        match Lmi::arrive(self, a) {
            None => Admission::Accepted,
            Some(r) => Admission::Throttled(r),
        }
    }
    fn completions(&mut self) -> &mut Vec<Completion> {
        &mut self.done
    }
    fn notify(&mut self, f: FunctionId) {
        self.notify[f.index()] = true;
    }
    fn finish(self, horizon: SimTime) -> LmiResult {
        Lmi::finish(self, horizon)
    }
}

/// Discounted hourly rate, rounded as AWS quotes Savings Plans rates.
pub fn effective_rate(od: f64, discount: f64, precision: f64) -> f64 {
    let r = od * (1.0 - discount);
    if precision > 0.0 {
        (r / precision).round() * precision
    } else {
        r
    }
}

impl Lmi {
    /// Replaces the scaler policy.
    pub fn set_policy(&mut self, p: Box<dyn ScalerPolicy>) {
        self.policy = p;
    }

    /// Processes every event at or before `t`, closing report intervals on the
    /// way. Returns `true` if it stopped early, right after an event that
    /// completed an invocation of a function whose source asked to be told
    /// (see [`Lmi::completions`]); `now()` is then that event's time.
    #[inline]
    pub fn advance_to(&mut self, t: SimTime) -> bool {
        loop {
            if !self.done.is_empty() {
                return true;
            }
            let te = self.q.peek_time().unwrap_or(SimTime::MAX);
            let (tc, ee) = self.timers.peek().unwrap_or((u64::MAX, EeId(0)));
            let tn = te.min(SimTime(tc));
            if self.next_report <= t && self.next_report <= tn {
                let at = self.next_report;
                self.now = at;
                self.close_interval(at);
                self.next_report = at + self.report_interval;
                continue;
            }
            if tn > t {
                break;
            }
            // Queue events first on a tie, then CPU timers by EE id.
            if te <= SimTime(tc) {
                if let Some((at, ev)) = self.q.pop_until(t) {
                    self.now = at;
                    self.handle(ev);
                }
            } else {
                self.now = SimTime(tc);
                self.cpu_done(ee);
            }
        }
        self.now = t;
        false
    }

    /// The model's clock.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Completions of invocations of notifying functions since the last call,
    /// as (function, tag); the caller drains it.
    pub fn completions(&mut self) -> &mut Vec<Completion> {
        &mut self.done
    }

    /// Asks for completion notices of function `f`'s invocations.
    pub fn notify(&mut self, f: usize) {
        self.notify[f] = true;
    }

    /// Runs to the horizon and returns the results.
    pub fn finish(mut self, horizon: SimTime) -> LmiResult {
        self.notify.iter_mut().for_each(|n| *n = false);
        self.done.clear();
        self.advance_to(horizon);
        // A last partial interval, if the horizon is not a multiple of it.
        let last_closed = SimTime(self.next_report.0 - self.report_interval.0);
        if horizon > last_closed {
            self.close_interval(horizon);
        }
        // Bill instances still alive up to the horizon.
        for i in 0..self.insts.len() {
            if self.insts[i].state != InstState::Terminated {
                let secs = horizon.since(self.insts[i].launched_at).as_secs_f64();
                self.provider.instance_seconds[self.insts[i].ty as usize] += secs;
            }
        }
        let mut funcs_totals = Vec::new();
        let mut rows = Vec::new();
        let mut in_flight = Vec::new();
        for f in self.funcs.iter_mut() {
            // Completions at the horizon itself, after the last close.
            f.totals.latency.merge(&f.cur_latency);
            f.cur_latency.clear();
            f.totals.ee_area = f.ready_ees.area_at(horizon);
            f.totals.busy_vcpu_area = f.busy.area_at(horizon);
            f.totals.ready_vcpu_area = f.ready_vcpus.area_at(horizon);
            in_flight.push(f.inflight.value() as u32);
            funcs_totals.push(f.totals.clone());
            rows.push(std::mem::take(&mut f.rows));
        }
        self.provider.instance_area = self.g_instances.area_at(horizon);
        self.provider.busy_area = rows::FleetBusy(&self.funcs).area_at(horizon);
        self.provider.usable_area = self.g_usable.area_at(horizon);
        LmiResult {
            function_names: self.names,
            rows,
            provider_rows: self.provider_rows,
            decisions: self.decisions,
            functions: funcs_totals,
            provider: self.provider,
            instance_types: self.types,
            in_flight_at_end: in_flight,
            events: self.q.popped() + self.cpu_fired,
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::IoDone { ee, tag, arrival } => self.complete(ee, tag, arrival),
            Ev::EeReady { ee, epoch } => {
                if self.ees[ee.index()].epoch == epoch {
                    self.ee_ready(ee);
                }
            }
            Ev::InstanceRunning { inst, tag } => {
                if self.insts[inst.index()].tag == tag {
                    self.instance_running(inst);
                }
            }
            Ev::Retire { inst, tag } => {
                let i = &self.insts[inst.index()];
                if i.tag == tag && i.state == InstState::Running && !i.retiring {
                    self.retire(inst);
                }
            }
            Ev::ScalerTick => {
                self.scaler_tick();
                let next = self.now + self.scaler_interval;
                self.q.push(next, Ev::ScalerTick);
            }
            Ev::Schedule { idx } => {
                let c = self.schedule[idx as usize].clone();
                self.apply_config(FunctionId::of(c.function), c.min_ees, c.max_ees);
            }
        }
    }
}

#[cfg(test)]
mod tests;
