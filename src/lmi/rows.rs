//! What the model reports: per-interval rows (functions, provider, scaler
//! decisions) with their `RowLog` codecs, whole-run totals, and closing a
//! report interval.
//!
//! Reads the model's gauges and counts at interval ends; it must not change
//! anything the simulation depends on.

use super::Lmi;
use super::ee::EeState;
use super::func::Func;
use super::instance::InstState;
use super::policy::{InstanceChoice, ScalerAction};
use crate::catalog::InstanceType;
use crate::gauge::Integral;
use crate::invocation::ThrottleReason;
use crate::ledger::{IntervalFigures, LedgerTotals};
use crate::rowlog::{Record, RowLog};
use crate::time::SimTime;

/// Per-interval figures for one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LmiInterval {
    /// Served, accepted, throttles by reason, latency percentiles.
    pub figures: IntervalFigures,
    pub in_flight: u32,
    /// Most EEs initializing at once during the interval.
    pub ees_initializing: u32,
    pub ees_ready: u32,
    pub ees_draining: u32,
    pub cpu_utilization: f64,
    pub slot_saturation: f64,
    pub slots: u64,
    /// Mean concurrency limit of a Ready EE over the interval: its slots,
    /// or less while CPU or memory protection holds it lower (AWS's
    /// `ExecutionEnvironmentConcurrencyLimit`).
    pub concurrency_limit: f64,
}

/// Per-interval figures for the capacity provider.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ProviderInterval {
    /// Most instances launching at once during the interval.
    pub instances_launching: u32,
    pub instances_running: u32,
    pub instances_draining: u32,
    pub vcpus: u32,
    /// Most vCPUs at once during the interval (launching instances included).
    pub vcpus_peak: u32,
    pub cpu_utilization: f64,
    /// EC2 at the discounted rate [USD].
    pub ec2_usd: f64,
    /// Management fee on the on-demand rate [USD].
    pub fee_usd: f64,
}

/// One scaler decision, for `decisions.csv`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DecisionRecord {
    pub time_s: f64,
    /// Index of the function in the scenario.
    pub function: u32,
    pub cpu_utilization: f64,
    pub slot_saturation: f64,
    pub ready: u32,
    pub total: u32,
    pub desired: u32,
    pub action: ScalerAction,
    pub delta: i64,
    pub instances_launched: u32,
    pub refused_by_max_vcpu: u32,
}

const REASONS: &[ThrottleReason] = &ThrottleReason::LMI;
const FIGURE_WORDS: usize = IntervalFigures::words(REASONS);

impl Record for LmiInterval {
    const WORDS: usize = FIGURE_WORDS + 8;
    fn write(&self, w: &mut [u64]) {
        self.figures.write(REASONS, w);
        let w = &mut w[FIGURE_WORDS..];
        w[0] = self.in_flight as u64;
        w[1] = self.ees_initializing as u64;
        w[2] = self.ees_ready as u64;
        w[3] = self.ees_draining as u64;
        w[4] = self.cpu_utilization.to_bits();
        w[5] = self.slot_saturation.to_bits();
        w[6] = self.slots;
        w[7] = self.concurrency_limit.to_bits();
    }
    fn read(w: &[u64]) -> Self {
        let figures = IntervalFigures::read(REASONS, w);
        let w = &w[FIGURE_WORDS..];
        LmiInterval {
            figures,
            in_flight: w[0] as u32,
            ees_initializing: w[1] as u32,
            ees_ready: w[2] as u32,
            ees_draining: w[3] as u32,
            cpu_utilization: f64::from_bits(w[4]),
            slot_saturation: f64::from_bits(w[5]),
            slots: w[6],
            concurrency_limit: f64::from_bits(w[7]),
        }
    }
}

impl Record for ProviderInterval {
    const WORDS: usize = 8;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.instances_launching as u64;
        w[1] = self.instances_running as u64;
        w[2] = self.instances_draining as u64;
        w[3] = self.vcpus as u64;
        w[4] = self.cpu_utilization.to_bits();
        w[5] = self.ec2_usd.to_bits();
        w[6] = self.fee_usd.to_bits();
        w[7] = self.vcpus_peak as u64;
    }
    fn read(w: &[u64]) -> Self {
        ProviderInterval {
            instances_launching: w[0] as u32,
            instances_running: w[1] as u32,
            instances_draining: w[2] as u32,
            vcpus: w[3] as u32,
            vcpus_peak: w[7] as u32,
            cpu_utilization: f64::from_bits(w[4]),
            ec2_usd: f64::from_bits(w[5]),
            fee_usd: f64::from_bits(w[6]),
        }
    }
}

impl Record for DecisionRecord {
    const WORDS: usize = 11;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.time_s.to_bits();
        w[1] = self.function as u64;
        w[2] = self.cpu_utilization.to_bits();
        w[3] = self.slot_saturation.to_bits();
        w[4] = self.ready as u64;
        w[5] = self.total as u64;
        w[6] = self.desired as u64;
        w[7] = self.action as u64;
        w[8] = self.delta as u64;
        w[9] = self.instances_launched as u64;
        w[10] = self.refused_by_max_vcpu as u64;
    }
    fn read(w: &[u64]) -> Self {
        DecisionRecord {
            time_s: f64::from_bits(w[0]),
            function: w[1] as u32,
            cpu_utilization: f64::from_bits(w[2]),
            slot_saturation: f64::from_bits(w[3]),
            ready: w[4] as u32,
            total: w[5] as u32,
            desired: w[6] as u32,
            action: ScalerAction::ALL[(w[7] as usize).min(ScalerAction::ALL.len() - 1)],
            delta: w[8] as i64,
            instances_launched: w[9] as u32,
            refused_by_max_vcpu: w[10] as u32,
        }
    }
}

/// Whole-run figures for one function.
#[derive(Clone, Debug)]
pub struct LmiFunctionTotals {
    /// Arrivals, admissions, throttles by reason, completions and latency.
    pub ledger: LedgerTotals,
    pub peak_in_flight: u32,
    pub peak_ees: u32,
    /// Time-integral of Ready EEs [EE·µs].
    pub ee_area: f64,
    pub busy_vcpu_area: f64,
    pub ready_vcpu_area: f64,
    /// EE vCPU-time held: vCPUs × time of its EEs from creation to stop,
    /// Initializing and Draining included [vCPU·µs]. Splits the provider's
    /// EC2 and management fee between functions (`report::function_cost`).
    pub ee_vcpu_area: f64,
    /// EEs Ready at t = 0 (a warm start's fleet; 0 with a publish start).
    pub start_ees: u32,
    /// The instance type chosen for its largest fleet, and why.
    pub instance_choice: Option<InstanceChoice>,
    /// Instances launched for its EEs: (type, launches), in the order first
    /// launched (rotation replacements not counted).
    pub launches: Vec<(usize, u64)>,
}

impl LmiFunctionTotals {
    /// Nothing yet.
    pub(super) fn new() -> Self {
        LmiFunctionTotals {
            ledger: LedgerTotals::default(),
            peak_in_flight: 0,
            peak_ees: 0,
            ee_area: 0.0,
            busy_vcpu_area: 0.0,
            ready_vcpu_area: 0.0,
            ee_vcpu_area: 0.0,
            start_ees: 0,
            instance_choice: None,
            launches: Vec::new(),
        }
    }
}

/// Whole-run figures for the provider.
#[derive(Clone, Debug, Default)]
pub struct ProviderTotals {
    pub peak_instances: u32,
    pub instance_area: f64,
    pub peak_vcpus: u32,
    /// Instance-seconds per instance type (index into provider types).
    pub instance_seconds: Vec<f64>,
    /// Instances Running at t = 0 per instance type (a warm start's fleet).
    pub start_instances: Vec<u32>,
    pub ec2_usd: f64,
    pub fee_usd: f64,
    pub busy_area: f64,
    pub usable_area: f64,
    pub launches: u64,
    pub launches_refused: u64,
    /// When `MaxVCpuCount` first refused a launch.
    pub first_refused_at: Option<SimTime>,
    /// Instances and EEs replaced at their maximum lifetime.
    pub rotations: u64,
    pub ee_rotations: u64,
}

/// Everything the LMI run produced.
pub struct LmiResult {
    pub function_names: Vec<String>,
    pub rows: Vec<RowLog<LmiInterval>>,
    pub provider_rows: RowLog<ProviderInterval>,
    pub decisions: RowLog<DecisionRecord>,
    pub functions: Vec<LmiFunctionTotals>,
    pub provider: ProviderTotals,
    pub instance_types: Vec<InstanceType>,
    pub in_flight_at_end: Vec<u32>,
    pub events: u64,
    /// Per `[[faults]]` entry: its occurrences and recoveries (empty
    /// without faults).
    pub faults: Vec<super::FaultRecord>,
}

impl Lmi {
    /// Closes the report interval ending at `at`: one row per function and
    /// one for the provider.
    pub(super) fn close_interval(&mut self, at: SimTime) {
        for fi in 0..self.funcs.len() {
            let (mut ready, mut draining) = (0, 0);
            for &id in &self.funcs[fi].ees {
                match self.ees[id.index()].state {
                    EeState::Ready => ready += 1,
                    EeState::Draining => draining += 1,
                    EeState::Initializing | EeState::Stopped => {}
                }
            }
            let f = &mut self.funcs[fi];
            let init = f.initializing_peak;
            f.initializing_peak = f.initializing;
            let load = f.report_windows.take(&f.gauges, at);
            let (in_flight, slots) = (
                f.gauges.inflight.value() as u32,
                f.gauges.ready_slots.value() as u64,
            );
            f.ledger.close(|figures| LmiInterval {
                figures,
                in_flight,
                ees_initializing: init,
                ees_ready: ready,
                ees_draining: draining,
                cpu_utilization: load.cpu_utilization,
                slot_saturation: load.slot_saturation,
                slots,
                concurrency_limit: load.concurrency_limit,
            });
        }
        let (mut running, mut draining) = (0, 0);
        for i in &self.insts {
            match i.state {
                InstState::Running if i.retiring => draining += 1,
                InstState::Running => running += 1,
                InstState::Launching | InstState::Terminated => {}
            }
        }
        let busy = FleetBusy(&self.funcs);
        self.books
            .close(&self.provider, at, &busy, running, draining);
    }
}

/// The provider's busy vCPUs: the sum of its functions' busy gauges, whose
/// integrals are exact and add up.
pub(super) struct FleetBusy<'a>(pub(super) &'a [Func]);

impl Integral for FleetBusy<'_> {
    fn area_at(&self, now: SimTime) -> f64 {
        let sum: i128 = self
            .0
            .iter()
            .map(|f| f.gauges.busy.exact_area_at(now))
            .sum();
        sum as f64
    }
}
