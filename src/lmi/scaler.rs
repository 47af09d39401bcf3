//! The asynchronous scaler (docs/model.md, "Scaler" and "Function scaling
//! config"): one policy decision per function per tick, and
//! `PutFunctionScalingConfig` changes (scheduled or not).
//!
//! Runs at scaler ticks and scheduled changes, never per invocation; what
//! placing and removing EEs does to the fleet is in `fleet.rs`.

use super::Lmi;
use super::ee::EeState;
use super::fleet::Placed;
use super::policy::{Decision, ScaleAction, ScalerPolicy, Signals, TargetTracking};
use super::rows::DecisionRecord;
use crate::ids::FunctionId;
use crate::rowlog::RowLog;
use crate::scenario::{ScalingChange, Scenario};
use crate::time::SimDuration;

/// The scaler's settings, policy and record.
pub(super) struct Scaler {
    pub(super) interval: SimDuration,
    /// Target CPU utilisation as a fraction.
    pub(super) target: f64,
    pub(super) policy: Box<dyn ScalerPolicy>,
    /// The scenario's scheduled scaling-config changes (`Ev::Schedule` indexes
    /// them).
    pub(super) schedule: Vec<ScalingChange>,
    pub(super) decisions: RowLog<DecisionRecord>,
}

impl Scaler {
    /// The scenario's scaler, with the default target-tracking policy.
    pub(super) fn new(sc: &Scenario) -> Self {
        Scaler {
            interval: sc.model.scaler_interval,
            target: sc.cpu_target(),
            policy: Box::new(TargetTracking::new(
                sc.functions.len(),
                sc.model.scale_in_cooldown,
                sc.model.scale_in_step,
            )),
            schedule: sc.schedule.clone(),
            decisions: RowLog::new(),
        }
    }
}

impl Lmi {
    /// One scaler tick: a decision per function, acted on at once.
    pub(super) fn scaler_tick(&mut self) {
        let now = self.clock.now;
        for fi in 0..self.funcs.len() {
            let id = FunctionId::of(fi);
            let (ready, total) = self.counts(id);
            let f = &mut self.funcs[fi];
            let load = f.scaler_windows.take(&f.gauges, now);
            let sig = Signals {
                cpu_utilization: load.cpu_utilization.min(1.0),
                slot_saturation: load.slot_saturation.min(1.0),
                ready,
                total,
                min_ees: f.min,
                max_ees: f.max,
                target: self.scaler.target,
            };
            if f.deactivated {
                continue;
            }
            let Decision { desired, action } = self.scaler.policy.decide(id, now, &sig);
            let (delta, placed) = match action {
                ScaleAction::Hold | ScaleAction::Cooldown => (0, Placed::default()),
                ScaleAction::Out(n) => {
                    let placed = self.place(id, n);
                    (placed.started as i64, placed)
                }
                ScaleAction::In(n) => {
                    let removed = self.remove_ees(id, n);
                    (-(removed as i64), Placed::default())
                }
            };
            self.scaler.decisions.push(DecisionRecord {
                time_s: now.as_secs_f64(),
                function: fi as u32,
                cpu_utilization: sig.cpu_utilization,
                slot_saturation: sig.slot_saturation,
                ready,
                total,
                desired,
                action: action.kind(),
                delta,
                instances_launched: placed.launched,
                refused_by_max_vcpu: placed.refused,
            });
        }
    }

    /// (Ready EEs, Ready + Initializing + pending), not counting EEs superseded
    /// by a rotation replacement.
    pub(super) fn counts(&self, f: FunctionId) -> (u32, u32) {
        let f = &self.funcs[f.index()];
        let (mut ready, mut total) = (0, f.pending);
        for &id in &f.ees {
            let e = &self.ees[id.index()];
            if e.superseded {
                continue;
            }
            match e.state {
                EeState::Ready => {
                    ready += 1;
                    total += 1;
                }
                EeState::Initializing => total += 1,
                _ => {}
            }
        }
        (ready, total)
    }

    /// A `PutFunctionScalingConfig` call.
    pub(super) fn apply_config(&mut self, f: FunctionId, min: u32, max: u32) {
        let fi = f.index();
        self.funcs[fi].min = min;
        self.funcs[fi].max = max;
        if max == 0 {
            self.funcs[fi].deactivated = true;
            let (_, total) = self.counts(f);
            self.remove_ees(f, total);
            // Superseded EEs (mid-rotation) go too.
            let live = self.funcs[fi].ees.clone();
            for id in live {
                self.drain_ee(id);
            }
            return;
        }
        self.funcs[fi].deactivated = false;
        let (_, total) = self.counts(f);
        if total < min {
            self.place(f, min - total);
        } else if total > max {
            self.remove_ees(f, total - max);
        }
    }
}
