//! The Lambda Managed Instances model (docs/model.md, "Objects" through
//! "Instance lifetime"): instances, execution
//! environments (EEs), the router, processor sharing, the asynchronous scaler,
//! rotation and scheduled scaling changes.
//!
//! Pure: no I/O, no clock. Per-invocation work is O(log n) and allocation-free:
//! the router is an indexed heap, CPU sharing is a per-EE virtual clock, and
//! metrics are gauges and fixed-size sketches. Scans over a function's EEs or
//! the fleet happen only at scaler ticks, report ticks and rare lifecycle events.
//!
//! This file holds the model's state and its clock (`advance_to`, `handle`,
//! `finish`); each concern has its own file:
//!
//! - `ee.rs`: an EE, its job heap and processor-sharing clock;
//! - `instance.rs`: an instance and its capacity;
//! - `func.rs`: per-function state, gauges and windows;
//! - `provider.rs`: the provider's settings and fleet-wide books;
//! - `events.rs`: the model's events and their packed queue;
//! - `invoke.rs`: the invocation path (arrive → CPU → I/O → complete);
//! - `route.rs`, `timers.rs`: the router's index and the EEs' CPU timers;
//! - `fleet.rs`: placing, launching, draining, terminating, rotating;
//! - `scaler.rs`, `policy.rs`: the scaler, scaling-config changes, policies;
//! - `rows.rs`: what the model reports, and closing a report interval;
//! - `setup.rs`: building a model and its start state.

mod ee;
mod events;
mod fault;
mod fleet;
mod func;
mod instance;
mod invoke;
pub mod policy;
mod provider;
pub mod route;
mod rows;
mod scaler;
mod setup;
mod timers;

pub use ee::{EeId, EeState};
pub use fault::{FaultOccurrence, FaultRecord};
pub use instance::{InstState, InstanceId};
pub use policy::{FleetNeed, FleetPlan, InstanceChoice, ScalerAction};
pub use provider::effective_rate;
pub use rows::{
    DecisionRecord, LmiFunctionTotals, LmiInterval, LmiResult, ProviderInterval, ProviderTotals,
};

use crate::gauge::Integral;
use crate::ids::FunctionId;
use crate::invocation::Arrival;
use crate::platform::{Admission, ModelClock, Stepper};
use crate::rng::SimRng;
use crate::time::SimTime;
use ee::Ee;
use events::{Ev, EvQueue};
use fault::Faults;
use func::Func;
use instance::Instance;
use policy::ScalerPolicy;
use provider::{ProviderBooks, ProviderSpec};
use route::Links;
use rows::FleetBusy;
use scaler::Scaler;
use timers::Timers;

/// The LMI platform.
pub struct Lmi {
    q: EvQueue,
    /// CPU-completion timers of busy EEs (apart from `q`), and how many fired.
    timers: Timers,
    cpu_fired: u64,
    /// EE slots (`EeId` indexes them), the free ones, and their router links.
    ees: Vec<Ee>,
    free_ees: Vec<EeId>,
    links: Links,
    /// Instance slots (`InstanceId` indexes them) and the free ones.
    insts: Vec<Instance>,
    free_insts: Vec<InstanceId>,
    /// Per function (`FunctionId` indexes them).
    funcs: Vec<Func>,
    names: Vec<String>,
    provider: ProviderSpec,
    books: ProviderBooks,
    scaler: Scaler,
    rng_init: SimRng,
    rng_launch: SimRng,
    /// The scenario's `[[faults]]` and what they did (inert without any).
    faults: Faults,
    /// The model's time, next report boundary and completion notices.
    clock: ModelClock,
    /// The event queue's next time as `next_event` last read it (for `step`,
    /// which the advance loop calls right after, with nothing in between).
    next_queued: SimTime,
}

impl Stepper for Lmi {
    type Result = LmiResult;

    fn clock(&self) -> &ModelClock {
        &self.clock
    }

    fn clock_mut(&mut self) -> &mut ModelClock {
        &mut self.clock
    }

    #[inline]
    fn next_event(&mut self) -> SimTime {
        let te = self.q.peek_time().unwrap_or(SimTime::MAX);
        self.next_queued = te;
        let tc = self.timers.peek().map_or(u64::MAX, |(at, _)| at);
        te.min(SimTime(tc))
    }

    /// Queue events first on a tie, then CPU timers by EE id.
    #[inline]
    fn step(&mut self, t: SimTime) {
        // The advance loop calls `next_event` right before: the queue's next
        // time is the one it just read.
        let te = self.next_queued;
        match self.timers.peek() {
            Some((tc, ee)) if SimTime(tc) < te => {
                self.clock.now = SimTime(tc);
                self.cpu_done(ee);
            }
            _ => {
                if let Some((at, ev)) = self.q.pop_until(t) {
                    self.clock.now = at;
                    self.handle(ev);
                }
            }
        }
    }

    fn close_interval(&mut self, at: SimTime) {
        Lmi::close_interval(self, at);
    }

    #[inline]
    fn admit(&mut self, a: &Arrival) -> Admission {
        Lmi::admit(self, a)
    }

    fn results(mut self, horizon: SimTime) -> LmiResult {
        // Bill instances still alive up to the horizon.
        for inst in &self.insts {
            if inst.state != InstState::Terminated {
                self.books.bill(horizon, inst);
            }
        }
        let mut functions = Vec::new();
        let mut rows = Vec::new();
        let mut in_flight = Vec::new();
        self.books.finish(horizon, &FleetBusy(&self.funcs));
        let faults = self.fault_records(horizon);
        for mut f in self.funcs {
            let (ledger, log) = f.ledger.finish();
            f.totals.ledger = ledger;
            f.totals.ee_area = f.gauges.ready_ees.area_at(horizon);
            f.totals.busy_vcpu_area = f.gauges.busy.area_at(horizon);
            f.totals.ready_vcpu_area = f.gauges.ready_vcpus.area_at(horizon);
            f.totals.ee_vcpu_area = f.gauges.live_vcpus.exact_area_at(horizon) as f64;
            f.totals.instance_choice = f.choice;
            f.totals.launches = std::mem::take(&mut f.launches);
            in_flight.push(f.gauges.inflight.value() as u32);
            functions.push(f.totals);
            rows.push(log);
        }
        LmiResult {
            function_names: self.names,
            rows,
            provider_rows: self.books.rows,
            decisions: self.scaler.decisions,
            functions,
            provider: self.books.totals,
            instance_types: self.provider.types,
            in_flight_at_end: in_flight,
            events: self.q.popped() + self.cpu_fired,
            faults,
        }
    }
}

impl Lmi {
    /// Replaces the scaler policy.
    pub fn set_policy(&mut self, p: Box<dyn ScalerPolicy>) {
        self.scaler.policy = p;
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::IoDone { ee, tag, arrival } => self.complete(ee, tag, arrival),
            Ev::EeReady { ee, epoch } => {
                if self.ees[ee.index()].epoch == epoch {
                    self.ee_ready(ee);
                    if self.ees[ee.index()].state == EeState::Ready {
                        let at = self.clock.now + self.provider.ee_lifetime;
                        self.q.push(at, Ev::EeRetire { ee, epoch });
                        let fi = self.ees[ee.index()].function.index();
                        if self.ee_faults_armed(fi) {
                            self.arm_ee_faults(ee);
                        }
                        if self.faults.recovering() {
                            self.check_recovery();
                        }
                    }
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
            Ev::EeRetire { ee, epoch } => {
                let e = &self.ees[ee.index()];
                if e.epoch == epoch && e.state == EeState::Ready && !e.superseded {
                    self.retire_ee(ee);
                }
            }
            Ev::ScalerTick => {
                self.scaler_tick();
                let next = self.clock.now + self.scaler.interval;
                self.q.push(next, Ev::ScalerTick);
            }
            Ev::EeLimit { ee, epoch } => {
                if self.ees[ee.index()].epoch == epoch {
                    self.limit_wake(ee);
                }
            }
            Ev::Schedule { idx } => {
                let c = &self.scaler.schedule[idx as usize];
                let (f, min, max) = (FunctionId::of(c.function), c.min_ees, c.max_ees);
                self.apply_config(f, min, max);
            }
            Ev::FaultAt { .. }
            | Ev::AzBack { .. }
            | Ev::InstanceFail { .. }
            | Ev::EeCrash { .. }
            | Ev::Lost => self.fault_event(ev),
        }
    }
}

#[cfg(test)]
mod tests;
