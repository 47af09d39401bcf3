//! The capacity provider as a whole (docs/model.md, "Capacity provider" and
//! "LMI pricing"): its settings
//! (instance types and prices, `MaxVCpuCount`, per-instance reserves, the CPU
//! threshold, launch delay and lifetime) and its fleet-wide books (vCPUs and
//! instances live, cost gauges, per-interval rows and whole-run totals).
//!
//! Owns the arithmetic of those books; which instance launches, runs or
//! terminates is decided in `fleet.rs`, and nothing here schedules events.

use super::ee::ceil_u32;
use super::instance::{InstState, Instance, InstanceId};
use super::policy;
use super::rows::{ProviderInterval, ProviderTotals};
use crate::catalog::InstanceType;
use crate::dist::Dist;
use crate::gauge::{Gauge, Integral, Window};
use crate::rowlog::RowLog;
use crate::scenario::{InstanceSelection, Scenario};
use crate::time::{SimDuration, SimTime};

/// Discounted hourly rate, rounded as AWS quotes Savings Plans rates.
pub fn effective_rate(od: f64, discount: f64, precision: f64) -> f64 {
    let r = od * (1.0 - discount);
    if precision > 0.0 {
        (r / precision).round() * precision
    } else {
        r
    }
}

/// The provider's settings, fixed for a run.
pub(super) struct ProviderSpec {
    pub(super) types: Vec<InstanceType>,
    /// Effective (discounted, rounded) price per type [USD/h].
    eff_price: Vec<f64>,
    /// Management fee, as a fraction of the on-demand price.
    fee_rate: f64,
    max_vcpu: u32,
    pub(super) azs: u32,
    /// vCPUs and MiB of each instance kept for the OS and agents.
    pub(super) reserve_vcpus: u32,
    pub(super) reserve_mib: u32,
    /// How the type to launch is chosen.
    pub(super) selection: InstanceSelection,
    /// Busy fraction of usable vCPUs at which the router stops using an instance.
    reject_threshold: f64,
    /// Maximum lifetimes of an instance (from Running) and of an EE (from
    /// Ready).
    pub(super) lifetime: SimDuration,
    pub(super) ee_lifetime: SimDuration,
    pub(super) launch_delay: Dist,
    /// EE protection: the overload (runnable jobs per vCPU, averaged over a
    /// window) at which an EE lowers its limit, or `None`; the window [µs].
    pub(super) ee_overload: Option<f64>,
    pub(super) ee_window: u64,
    pub(super) ee_busy: f64,
    /// Per type: wall time per µs of `cpu` work, 1 / `model.cpu_speed` (1.0
    /// unless the scenario sets a speed; docs/model.md, "CPU speed").
    pub(super) cpu_scale: Vec<f64>,
}

impl ProviderSpec {
    /// Management fee as a fraction of the on-demand price.
    pub(super) fn fee_rate(&self) -> f64 {
        self.fee_rate
    }

    pub(super) fn new(sc: &Scenario) -> Self {
        let types = sc.provider.instance_types.clone();
        let eff_price = types
            .iter()
            .map(|t| {
                effective_rate(
                    t.ondemand_usd_per_hour,
                    sc.pricing.ec2_discount,
                    sc.pricing.discounted_rate_precision_usd,
                )
            })
            .collect();
        let cpu_scale = types
            .iter()
            .map(|t| 1.0 / sc.model.cpu_speed_of(&t.name))
            .collect();
        ProviderSpec {
            cpu_scale,
            types,
            eff_price,
            fee_rate: sc.pricing.management_fee,
            max_vcpu: sc.provider.max_vcpu,
            azs: sc.provider.availability_zones,
            reserve_vcpus: sc.model.reserved_vcpus_per_instance,
            reserve_mib: sc.model.reserved_memory_mib_per_instance,
            selection: sc.model.instance_selection,
            // Off (never reached) unless the instance-level rule is on.
            reject_threshold: if sc.model.instance_cpu_protection {
                sc.model.cpu_reject_threshold_percent / 100.0
            } else {
                f64::INFINITY
            },
            lifetime: sc.model.max_instance_lifetime,
            ee_lifetime: sc.model.max_ee_lifetime,
            launch_delay: sc.model.instance_launch_delay.clone(),
            ee_overload: sc.model.ee_overload,
            ee_window: sc.model.ee_limit_window.0,
            ee_busy: sc.model.ee_busy,
        }
    }

    /// A Launching instance of type `ty` in `az` (tag 0, no EEs).
    pub(super) fn instance(
        &self,
        ty: usize,
        az: u8,
        now: SimTime,
        replaces: Option<InstanceId>,
    ) -> Instance {
        let t = &self.types[ty];
        let (uv, um) = policy::usable(t, self.reserve_vcpus, self.reserve_mib);
        Instance {
            ty: ty as u16,
            az,
            state: InstState::Launching,
            tag: 0,
            launched_at: now,
            usable_vcpus: uv,
            // busy as f64 >= threshold × usable, for a whole busy count.
            reject_at: if uv > 0 && self.reject_threshold.is_finite() {
                ceil_u32(self.reject_threshold * uv as f64)
            } else {
                u32::MAX
            },
            usable_mib: um,
            used_vcpus: 0,
            used_mib: 0,
            busy: 0,
            cpu_blocked: false,
            ees: Vec::new(),
            reservations: Vec::new(),
            ee_replacements: Vec::new(),
            retiring: false,
            replaces,
            od_usd_h: t.ondemand_usd_per_hour,
            eff_usd_h: self.eff_price[ty],
        }
    }
}

/// The provider's books: what the fleet holds and costs, over time.
pub(super) struct ProviderBooks {
    /// vCPUs of live (Launching or Running) instances, against `MaxVCpuCount`.
    pub(super) vcpus: u32,
    /// Instances launching now, and the most during the current interval.
    pub(super) launching: u32,
    pub(super) launching_peak: u32,
    /// Most vCPUs at once in the current report interval.
    vcpus_peak: u32,
    /// Usable vCPUs of Running instances.
    usable: Gauge,
    /// Live instances, and their on-demand and effective prices [USD/h].
    instances: Gauge,
    od_rate: Gauge,
    eff_rate: Gauge,
    w_busy: Window,
    w_usable: Window,
    w_od: Window,
    w_eff: Window,
    pub(super) rows: RowLog<ProviderInterval>,
    pub(super) totals: ProviderTotals,
}

impl ProviderBooks {
    pub(super) fn new(spec: &ProviderSpec) -> Self {
        ProviderBooks {
            vcpus: 0,
            launching: 0,
            launching_peak: 0,
            vcpus_peak: 0,
            usable: Gauge::default(),
            instances: Gauge::default(),
            od_rate: Gauge::default(),
            eff_rate: Gauge::default(),
            w_busy: Window::default(),
            w_usable: Window::default(),
            w_od: Window::default(),
            w_eff: Window::default(),
            rows: RowLog::new(),
            totals: ProviderTotals {
                instance_seconds: vec![0.0; spec.types.len()],
                start_instances: vec![0; spec.types.len()],
                ..Default::default()
            },
        }
    }

    /// Whether `MaxVCpuCount` leaves room for an instance of `vcpus` more at
    /// `now`; a refusal is counted (and the first one's time kept).
    pub(super) fn admit(&mut self, spec: &ProviderSpec, vcpus: u32, now: SimTime) -> bool {
        if self.vcpus + vcpus > spec.max_vcpu {
            self.totals.launches_refused += 1;
            self.totals.first_refused_at.get_or_insert(now);
            return false;
        }
        self.totals.launches += 1;
        true
    }

    /// `inst` (of `vcpus`) was launched at `now`.
    pub(super) fn launched(&mut self, now: SimTime, inst: &Instance, vcpus: u32) {
        self.vcpus += vcpus;
        self.launching += 1;
        self.launching_peak = self.launching_peak.max(self.launching);
        self.vcpus_peak = self.vcpus_peak.max(self.vcpus);
        self.totals.peak_vcpus = self.totals.peak_vcpus.max(self.vcpus);
        self.instances.add(now, 1.0);
        let live = self.instances.value() as u32;
        self.totals.peak_instances = self.totals.peak_instances.max(live);
        self.od_rate.add(now, inst.od_usd_h);
        self.eff_rate.add(now, inst.eff_usd_h);
    }

    /// `inst` is Running from `now`.
    pub(super) fn running(&mut self, now: SimTime, inst: &Instance) {
        self.launching -= 1;
        self.usable.add(now, inst.usable_vcpus as f64);
    }

    /// `inst` (of `vcpus`), Launching or Running, terminates at `now`.
    pub(super) fn terminated(&mut self, now: SimTime, inst: &Instance, vcpus: u32) {
        match inst.state {
            InstState::Running => self.usable.add(now, -(inst.usable_vcpus as f64)),
            InstState::Launching => self.launching -= 1,
            InstState::Terminated => {}
        }
        self.bill(now, inst);
        self.od_rate.add(now, -inst.od_usd_h);
        self.eff_rate.add(now, -inst.eff_usd_h);
        self.instances.add(now, -1.0);
        self.vcpus -= vcpus;
    }

    /// Adds `inst`'s instance-seconds up to `until`.
    pub(super) fn bill(&mut self, until: SimTime, inst: &Instance) {
        let secs = until.since(inst.launched_at).as_secs_f64();
        self.totals.instance_seconds[inst.ty as usize] += secs;
    }

    /// Closes the report interval ending at `at`: `busy` is the fleet's busy
    /// vCPUs, `running` and `draining` count instances now.
    pub(super) fn close(
        &mut self,
        spec: &ProviderSpec,
        at: SimTime,
        busy: &impl Integral,
        running: u32,
        draining: u32,
    ) {
        let launching = self.launching_peak;
        self.launching_peak = self.launching;
        let vcpus_peak = self.vcpus_peak.max(self.vcpus);
        self.vcpus_peak = self.vcpus;
        let busy = self.w_busy.take(busy, at);
        let usable = self.w_usable.take(&self.usable, at);
        let od = self.w_od.take(&self.od_rate, at) / 3.6e9;
        let eff = self.w_eff.take(&self.eff_rate, at) / 3.6e9;
        let fee = od * spec.fee_rate;
        self.totals.ec2_usd += eff;
        self.totals.fee_usd += fee;
        self.rows.push(ProviderInterval {
            instances_launching: launching,
            instances_running: running,
            instances_draining: draining,
            vcpus: self.vcpus,
            vcpus_peak,
            cpu_utilization: if usable > 0.0 { busy / usable } else { 0.0 },
            ec2_usd: eff,
            fee_usd: fee,
        });
    }

    /// Whole-run areas up to the horizon; `busy` is the fleet's busy vCPUs.
    pub(super) fn finish(&mut self, horizon: SimTime, busy: &impl Integral) {
        self.totals.instance_area = self.instances.area_at(horizon);
        self.totals.busy_area = busy.area_at(horizon);
        self.totals.usable_area = self.usable.area_at(horizon);
    }
}
