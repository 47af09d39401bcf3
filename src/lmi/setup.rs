//! Building a model from a scenario: `Lmi::new` and the start states (a
//! freshly published version, or a fleet already warm at t = 0; docs/model.md,
//! "Publish and warm start").
//!
//! Runs once per model; the pieces are built by their own constructors
//! (`Func::new`, `ProviderSpec::new`, `Scaler::new`, ...).

use super::Lmi;
use super::ee::{EeId, EeState};
use super::events::{Ev, EvQueue};
use super::fault::Faults;
use super::func::Func;
use super::instance::{InstState, InstanceId};
use super::provider::{ProviderBooks, ProviderSpec};
use super::route::Links;
use super::scaler::Scaler;
use super::timers::Timers;
use crate::ids::FunctionId;
use crate::platform::ModelClock;
use crate::rng::stream;
use crate::scenario::{Scenario, StartState, WarmFleetAges};
use crate::time::SimTime;

impl Lmi {
    /// A model of the scenario's provider; `initial_rates` [1/s per function]
    /// size a warm start's fleet.
    pub fn new(sc: &Scenario, initial_rates: &[f64]) -> Self {
        let provider = ProviderSpec::new(sc);
        let mut m = Lmi {
            q: EvQueue::default(),
            timers: Timers::default(),
            cpu_fired: 0,
            ees: Vec::new(),
            free_ees: Vec::new(),
            links: Links::default(),
            insts: Vec::new(),
            free_insts: Vec::new(),
            funcs: sc.functions.iter().map(|f| Func::new(f, sc)).collect(),
            names: sc.functions.iter().map(|f| f.name.clone()).collect(),
            books: ProviderBooks::new(&provider),
            provider,
            scaler: Scaler::new(sc),
            rng_init: stream(sc.seed, "lmi_ee_init", 0),
            rng_launch: stream(sc.seed, "lmi_instance_launch", 0),
            faults: Faults::new(sc),
            clock: ModelClock::new(sc.report_clock().boundaries(), sc.functions.len()),
            next_queued: SimTime::MAX,
        };
        for (i, c) in sc.schedule.iter().enumerate() {
            m.q.push(c.at, Ev::Schedule { idx: i as u32 });
        }
        m.q.push(SimTime::ZERO + m.scaler.interval, Ev::ScalerTick);
        m.schedule_faults(sc);
        match sc.start_state {
            StartState::Warm => m.warm_start(sc, initial_rates),
            StartState::Publish => m.publish_start(),
        }
        m.record_start();
        m
    }

    /// A freshly published version: every active function asks for its
    /// minimum EEs at t = 0, on instances launched for them.
    fn publish_start(&mut self) {
        for fi in 0..self.funcs.len() {
            if !self.funcs[fi].deactivated {
                let n = self.funcs[fi].min;
                self.place(FunctionId::of(fi), n);
            }
        }
    }

    /// Builds the already-active fleet of a warm start, Ready at t = 0 on
    /// instances Running at t = 0: first the fleet the scenario states (its
    /// instances and EEs as validation placed them), then, for every function
    /// without a stated count, the EEs its t = 0 traffic needs at the CPU target
    /// (at least its minimum).
    fn warm_start(&mut self, sc: &Scenario, rates: &[f64]) {
        let stated = &sc.warm;
        let mut ids = Vec::with_capacity(stated.instances.len());
        for w in &stated.instances {
            // Validated within MaxVCpuCount: a refusal cannot happen.
            match self.launch(w.instance_type, w.az as u8, None) {
                Some(i) => ids.push(i),
                None => break,
            }
        }
        for &(fi, k) in &stated.placements {
            let Some(&i) = ids.get(k) else { continue };
            let shape = self.funcs[fi].shape;
            let inst = &mut self.insts[i.index()];
            inst.reserve(FunctionId::of(fi), shape);
            let az = inst.az as usize;
            self.funcs[fi].pending += 1;
            self.funcs[fi].az_count[az] += 1;
        }
        for (fi, spec) in sc.functions.iter().enumerate() {
            let f = FunctionId::of(fi);
            if self.funcs[fi].deactivated || stated.ees_of(fi).is_some() {
                continue;
            }
            let rate = rates.get(fi).copied().unwrap_or(0.0);
            // At the CPU speed of the type its EEs launch on.
            let scale = self.funcs[fi]
                .instance_type
                .map_or(1.0, |t| self.provider.cpu_scale[t]);
            let cpu_s = spec.work.cpu.mean_us() / 1e6 * scale;
            let io_s = spec.work.io.mean_us() / 1e6;
            let per_ee_cpu = rate * cpu_s / spec.ee_vcpus().max(1) as f64;
            let per_ee_slots = rate * (cpu_s + io_s) / spec.max_concurrency.max(1) as f64;
            let need = (per_ee_cpu.max(per_ee_slots) / self.scaler.target).ceil() as u32;
            let n = need.clamp(self.funcs[fi].min, self.funcs[fi].max);
            self.place(f, n);
        }
        // Everything requested at t = 0 is there at t = 0.
        let insts: Vec<InstanceId> = (0..self.insts.len())
            .filter(|&i| self.insts[i].state == InstState::Launching)
            .map(InstanceId::of)
            .collect();
        let n_insts = insts.len().max(1) as u64;
        for (k, i) in insts.into_iter().enumerate() {
            self.instance_running(i);
            if sc.model.warm_fleet_ages == WarmFleetAges::Spread {
                // Age spread evenly: instance k is k/n of a lifetime old.
                let age = self.provider.lifetime.0 * k as u64 / n_insts;
                let tag = self.insts[i.index()].tag;
                let retire_at = SimTime(self.provider.lifetime.0 - age);
                self.q.push(retire_at, Ev::Retire { inst: i, tag });
            }
        }
        let ids: Vec<EeId> = (0..self.ees.len())
            .filter(|&e| self.ees[e].state == EeState::Initializing)
            .map(EeId::of)
            .collect();
        // Warm EEs per function, for spreading their ages.
        let mut n_ees = vec![0u64; self.funcs.len()];
        for &e in &ids {
            n_ees[self.ees[e.index()].function.index()] += 1;
        }
        let mut k_ees = vec![0u64; self.funcs.len()];
        let life = self.provider.ee_lifetime.0;
        for e in ids {
            self.ee_ready(e);
            // Its pending EeReady event is now stale: make it a no-op.
            let ee = &mut self.ees[e.index()];
            ee.epoch = ee.epoch.wrapping_add(1);
            // Its maximum lifetime: from t = 0, or, spread, EE k of a
            // function's n is k/n of a lifetime old.
            let fi = ee.function.index();
            let age = match sc.model.warm_fleet_ages {
                WarmFleetAges::Same => 0,
                WarmFleetAges::Spread => life * k_ees[fi] / n_ees[fi],
            };
            k_ees[fi] += 1;
            let epoch = ee.epoch;
            self.q
                .push(SimTime(life - age), Ev::EeRetire { ee: e, epoch });
            if self.ee_faults_armed(fi) {
                self.arm_ee_faults(e);
            }
        }
        // The InstanceRunning events of those instances are no-ops (state check).
        // A warm fleet was never seen launching or initializing.
        self.books.launching_peak = self.books.launching;
        for f in &mut self.funcs {
            f.initializing_peak = f.initializing;
        }
    }

    /// Records the fleet at t = 0 (Running instances by type, Ready EEs by
    /// function) for the summary; nothing with a publish start.
    fn record_start(&mut self) {
        for inst in &self.insts {
            if inst.state == InstState::Running {
                self.books.totals.start_instances[inst.ty as usize] += 1;
            }
        }
        for f in &mut self.funcs {
            f.totals.start_ees = f.gauges.ready_ees.value() as u32;
        }
    }
}
