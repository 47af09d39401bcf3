//! The Lambda Managed Instances model (MODEL.md §1): instances, execution
//! environments (EEs), the router, processor sharing, the asynchronous scaler,
//! rotation and scheduled scaling changes.
//!
//! Pure: no I/O, no clock. Per-invocation work is O(log n) and allocation-free:
//! the router is an indexed heap, CPU sharing is a per-EE virtual clock, and
//! metrics are gauges and fixed-size sketches. Scans over a function's EEs or
//! the fleet happen only at scaler ticks, report ticks and rare lifecycle events.

mod fleet;
pub mod policy;
pub mod route;
mod timers;

use crate::dist::Dist;
use crate::engine::EventQueue;
use crate::gauge::{Count, Gauge, Integral, Window};
use crate::ids::FunctionId;
use crate::invocation::{Arrival, ThrottleReason};
use crate::platform::{Admission, Advance, Completion, Platform};
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog, f64_opt, opt_f64};
use crate::scenario::{Scenario, StartState};
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime};
use policy::{Decision, EeShape, ScalerPolicy, Signals, TargetTracking};
use route::{Links, NONE, Router};

/// EE lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EeState {
    Initializing,
    Ready,
    Draining,
    Stopped,
}

/// Instance lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InstState {
    Launching,
    Running,
    Terminated,
}

/// An invocation in its CPU phase on an EE.
#[derive(Copy, Clone, Debug)]
struct Job {
    /// Virtual time at which its CPU work is done [µs of attained service].
    finish_v: f64,
    io: u64,
    arrival: u64,
    tag: u32,
}

#[derive(Debug)]
pub(crate) struct Ee {
    function: u32,
    instance: u32,
    state: EeState,
    vcpus: u32,
    slots: u32,
    inflight: u32,
    /// Min-heap on `finish_v` of jobs in their CPU phase.
    jobs: Vec<Job>,
    /// Attained service per job (processor-sharing virtual clock) [µs].
    vtime: f64,
    vtime_at: u64,
    /// Time of its CPU-completion timer, or u64::MAX when none is set.
    sched_at: u64,
    /// A rotation replacement has been started for this EE.
    superseded: bool,
    /// The EE this one replaces (rotation), or NONE.
    replaces: u32,
    /// Counted in the function's `blocked_free`.
    blocked_free: bool,
    /// Incremented each time the slot is reused (guards lifecycle events).
    epoch: u32,
}

impl Ee {
    #[inline]
    fn busy_vcpus(&self) -> u32 {
        (self.jobs.len() as u32).min(self.vcpus)
    }
    #[inline]
    fn settle(&mut self, now: u64) {
        if now > self.vtime_at {
            let dt = (now - self.vtime_at) as i64 as f64;
            let k = self.jobs.len() as u32;
            // Rate 1 while every job has a vCPU: no division on the common path.
            self.vtime += if k <= self.vcpus {
                dt
            } else {
                dt * (self.vcpus as f64 / k as f64)
            };
            self.vtime_at = now;
        }
    }
    /// Wall time [µs] to attain `dv` more service at the current rate.
    #[inline]
    fn wall_for(&self, dv: f64) -> f64 {
        let k = self.jobs.len() as u32;
        if k <= self.vcpus {
            dv
        } else {
            dv / (self.vcpus as f64 / k as f64)
        }
    }
    fn push_job(&mut self, j: Job) {
        self.jobs.push(j);
        let mut i = self.jobs.len() - 1;
        while i > 0 {
            let p = (i - 1) / 2;
            if self.jobs[p].finish_v <= self.jobs[i].finish_v {
                break;
            }
            self.jobs.swap(i, p);
            i = p;
        }
    }
    fn pop_job(&mut self) -> Job {
        let top = self.jobs.swap_remove(0);
        let n = self.jobs.len();
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.jobs[r].finish_v < self.jobs[l].finish_v {
                r
            } else {
                l
            };
            if self.jobs[i].finish_v <= self.jobs[c].finish_v {
                break;
            }
            self.jobs.swap(i, c);
            i = c;
        }
        top
    }
}

#[derive(Debug)]
pub(crate) struct Instance {
    ty: u16,
    az: u8,
    state: InstState,
    tag: u32,
    launched_at: SimTime,
    usable_vcpus: u32,
    /// Busy vCPUs at which the router rejects work on it (CPU threshold).
    reject_at: u32,
    usable_mib: u32,
    /// vCPUs / MiB taken by EEs and by reservations for pending EEs.
    used_vcpus: u32,
    used_mib: u32,
    /// Busy vCPUs now: Σ min(jobs, vcpus) over its EEs.
    busy: u32,
    cpu_blocked: bool,
    /// Live EEs on it.
    ees: Vec<u32>,
    /// EEs to start when it is Running: (function, count).
    reservations: Vec<(u32, u32)>,
    retiring: bool,
    /// For a rotation replacement: the instance it replaces, or NONE.
    replaces: u32,
    /// On-demand and effective (discounted, rounded) prices [USD/h].
    od_usd_h: f64,
    eff_usd_h: f64,
}

/// Per-interval figures for one function.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LmiInterval {
    pub served: u64,
    pub accepted: u64,
    pub throttles: [u64; 5],
    pub in_flight: u32,
    /// Most EEs initializing at once during the interval.
    pub ees_initializing: u32,
    pub ees_ready: u32,
    pub ees_draining: u32,
    pub cpu_utilization: f64,
    pub slot_saturation: f64,
    pub slots: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// Per-interval figures for the capacity provider.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ProviderInterval {
    /// Most instances launching at once during the interval.
    pub instances_launching: u32,
    pub instances_running: u32,
    pub instances_draining: u32,
    pub vcpus: u32,
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
    /// `hold`, `scale_out`, `cooldown` or `scale_in`.
    pub action: &'static str,
    pub delta: i64,
    pub instances_launched: u32,
    pub refused_by_max_vcpu: u32,
}

/// The actions a decision can record.
pub const ACTIONS: [&str; 4] = ["hold", "scale_out", "cooldown", "scale_in"];

impl Record for LmiInterval {
    const WORDS: usize = 16;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.served;
        w[1] = self.accepted;
        w[2..7].copy_from_slice(&self.throttles);
        w[7] = self.in_flight as u64;
        w[8] = self.ees_initializing as u64;
        w[9] = self.ees_ready as u64;
        w[10] = self.ees_draining as u64;
        w[11] = self.cpu_utilization.to_bits();
        w[12] = self.slot_saturation.to_bits();
        w[13] = self.slots;
        w[14] = opt_f64(self.latency_p50_ms);
        w[15] = opt_f64(self.latency_p99_ms);
    }
    fn read(w: &[u64]) -> Self {
        let mut throttles = [0; 5];
        throttles.copy_from_slice(&w[2..7]);
        LmiInterval {
            served: w[0],
            accepted: w[1],
            throttles,
            in_flight: w[7] as u32,
            ees_initializing: w[8] as u32,
            ees_ready: w[9] as u32,
            ees_draining: w[10] as u32,
            cpu_utilization: f64::from_bits(w[11]),
            slot_saturation: f64::from_bits(w[12]),
            slots: w[13],
            latency_p50_ms: f64_opt(w[14]),
            latency_p99_ms: f64_opt(w[15]),
        }
    }
}

impl Record for ProviderInterval {
    const WORDS: usize = 7;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.instances_launching as u64;
        w[1] = self.instances_running as u64;
        w[2] = self.instances_draining as u64;
        w[3] = self.vcpus as u64;
        w[4] = self.cpu_utilization.to_bits();
        w[5] = self.ec2_usd.to_bits();
        w[6] = self.fee_usd.to_bits();
    }
    fn read(w: &[u64]) -> Self {
        ProviderInterval {
            instances_launching: w[0] as u32,
            instances_running: w[1] as u32,
            instances_draining: w[2] as u32,
            vcpus: w[3] as u32,
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
        w[7] = ACTIONS.iter().position(|a| *a == self.action).unwrap_or(0) as u64;
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
            action: ACTIONS[(w[7] as usize).min(ACTIONS.len() - 1)],
            delta: w[8] as i64,
            instances_launched: w[9] as u32,
            refused_by_max_vcpu: w[10] as u32,
        }
    }
}

/// Whole-run figures for one function.
#[derive(Clone, Debug)]
pub struct LmiFunctionTotals {
    pub arrivals: u64,
    pub served: u64,
    pub throttles: [u64; 5],
    pub latency: Sketch,
    pub peak_in_flight: u32,
    pub peak_ees: u32,
    /// Time-integral of Ready EEs [EE·µs].
    pub ee_area: f64,
    pub busy_vcpu_area: f64,
    pub ready_vcpu_area: f64,
}

/// Whole-run figures for the provider.
#[derive(Clone, Debug, Default)]
pub struct ProviderTotals {
    pub peak_instances: u32,
    pub instance_area: f64,
    pub peak_vcpus: u32,
    /// Instance-seconds per instance type (index into provider types).
    pub instance_seconds: Vec<f64>,
    pub ec2_usd: f64,
    pub fee_usd: f64,
    pub busy_area: f64,
    pub usable_area: f64,
    pub launches: u64,
    pub launches_refused: u64,
    pub rotations: u64,
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum Ev {
    IoDone { ee: u32, tag: u32, arrival: u64 },
    EeReady { ee: u32, epoch: u32 },
    InstanceRunning { inst: u32, tag: u32 },
    Retire { inst: u32, tag: u32 },
    ScalerTick,
    Schedule { idx: u32 },
}

/// An [`Ev`] in 16 bytes (queue entries move as a whole, and the enum takes
/// 24): `c` is the arrival time of an I/O completion (µs, far below 2^62), or
/// `OTHER` plus the kind of any other event.
#[derive(Copy, Clone, Debug)]
struct PackedEv {
    a: u32,
    b: u32,
    c: u64,
}

const OTHER: u64 = 1 << 62;

impl Ev {
    #[inline]
    fn pack(self) -> PackedEv {
        let (a, b, c) = match self {
            Ev::IoDone { ee, tag, arrival } => {
                debug_assert!(arrival < OTHER);
                (ee, tag, arrival)
            }
            Ev::EeReady { ee, epoch } => (ee, epoch, OTHER | 1),
            Ev::InstanceRunning { inst, tag } => (inst, tag, OTHER | 2),
            Ev::Retire { inst, tag } => (inst, tag, OTHER | 3),
            Ev::ScalerTick => (0, 0, OTHER | 4),
            Ev::Schedule { idx } => (idx, 0, OTHER | 5),
        };
        PackedEv { a, b, c }
    }
}

impl PackedEv {
    #[inline]
    fn unpack(self) -> Ev {
        let PackedEv { a, b, c } = self;
        if c < OTHER {
            return Ev::IoDone {
                ee: a,
                tag: b,
                arrival: c,
            };
        }
        match c & 7 {
            1 => Ev::EeReady { ee: a, epoch: b },
            2 => Ev::InstanceRunning { inst: a, tag: b },
            3 => Ev::Retire { inst: a, tag: b },
            4 => Ev::ScalerTick,
            _ => Ev::Schedule { idx: a },
        }
    }
}

/// The LMI event queue: [`Ev`]s stored packed.
#[derive(Default)]
struct EvQueue {
    q: EventQueue<PackedEv>,
}

impl EvQueue {
    #[inline]
    fn push(&mut self, at: SimTime, ev: Ev) {
        self.q.push(at, ev.pack());
    }
    #[inline]
    fn peek_time(&mut self) -> Option<SimTime> {
        self.q.peek_time()
    }
    #[inline]
    fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, Ev)> {
        self.q.pop_until(limit).map(|(t, e)| (t, e.unpack()))
    }
    fn popped(&self) -> u64 {
        self.q.popped
    }
}

/// Per-function state.
struct Func {
    shape: EeShape,
    slots: u32,
    init: Dist,
    init_base: SimDuration,
    min: u32,
    max: u32,
    deactivated: bool,
    route: Router,
    blocked_free: u32,
    /// Live (not Stopped) EEs.
    ees: Vec<u32>,
    /// EEs reserved on launching instances.
    pending: u32,
    /// EEs initializing now, and the most during the current interval.
    initializing: u32,
    initializing_peak: u32,
    az_count: Vec<u32>,
    // Gauges.
    busy: Count,
    ready_vcpus: Gauge,
    inflight: Count,
    ready_slots: Gauge,
    ready_ees: Gauge,
    // Windows: scaler and report.
    sw_busy: Window,
    sw_rvcpu: Window,
    sw_infl: Window,
    sw_slots: Window,
    rw_busy: Window,
    rw_rvcpu: Window,
    rw_infl: Window,
    rw_slots: Window,
    // Interval counters.
    cur: LmiInterval,
    cur_latency: Sketch,
    totals: LmiFunctionTotals,
    rows: RowLog<LmiInterval>,
}

/// The LMI platform.
pub struct Lmi {
    q: EvQueue,
    /// CPU-completion timers of busy EEs (apart from `q`).
    timers: timers::Timers,
    cpu_fired: u64,
    ees: Vec<Ee>,
    free_ees: Vec<u32>,
    links: Links,
    insts: Vec<Instance>,
    free_insts: Vec<u32>,
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
    // Provider gauges.
    g_busy: Count,
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
    launches_this_tick: u32,
    refused_this_tick: u32,
    /// Instances launching now, and the most during the current interval.
    launching: u32,
    launching_peak: u32,
    notify: Vec<bool>,
    done: Vec<Completion>,
}

/// Everything the LMI run produced.
pub struct LmiResult {
    pub function_names: Vec<String>,
    pub rows: Vec<RowLog<LmiInterval>>,
    pub provider_rows: RowLog<ProviderInterval>,
    pub decisions: RowLog<DecisionRecord>,
    pub functions: Vec<LmiFunctionTotals>,
    pub provider: ProviderTotals,
    pub instance_types: Vec<crate::catalog::InstanceType>,
    pub in_flight_at_end: Vec<u32>,
    pub events: u64,
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

/// Ceiling of a non-negative float as a u32 (saturating).
pub(crate) fn ceil_u32(x: f64) -> u32 {
    ceil_u64(x).min(u32::MAX as u64) as u32
}

/// Ceiling of a non-negative float as an integer, without a libm call.
#[inline]
fn ceil_u64(x: f64) -> u64 {
    // Signed conversions are one instruction each; durations are < 2^63 µs.
    let i = x as i64;
    (if (i as f64) < x { i + 1 } else { i }) as u64
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
    /// A model of the scenario's provider; `initial_rates` [1/s per function]
    /// size a warm start's fleet.
    pub fn new(sc: &Scenario, initial_rates: &[f64]) -> Self {
        let types = sc.provider.instance_types.clone();
        let rv = sc.model.reserved_vcpus_per_instance;
        let rm = sc.model.reserved_memory_mib_per_instance;
        let mut funcs = Vec::with_capacity(sc.functions.len());
        let mut type_choice = Vec::new();
        for f in &sc.functions {
            let shape = EeShape {
                vcpus: f.ee_vcpus(),
                memory_mib: f.ee_memory_mib(),
            };
            type_choice.push(policy::InstanceChooser::choose(
                &sc.model.instance_selection,
                &types,
                shape,
                rv,
                rm,
            ));
            let totals = LmiFunctionTotals {
                arrivals: 0,
                served: 0,
                throttles: [0; 5],
                latency: Sketch::new(),
                peak_in_flight: 0,
                peak_ees: 0,
                ee_area: 0.0,
                busy_vcpu_area: 0.0,
                ready_vcpu_area: 0.0,
            };
            let deactivated = f.max_ees == 0;
            funcs.push(Func {
                shape,
                slots: f.max_concurrency,
                init: f.function_init.clone(),
                init_base: sc.model.runtime_init[f.runtime.index()],
                min: f.min_ees,
                max: f.max_ees,
                deactivated,
                route: Router::default(),
                blocked_free: 0,
                ees: Vec::new(),
                pending: 0,
                initializing: 0,
                initializing_peak: 0,
                az_count: vec![0; sc.provider.availability_zones as usize],
                busy: Count::default(),
                ready_vcpus: Gauge::default(),
                inflight: Count::default(),
                ready_slots: Gauge::default(),
                ready_ees: Gauge::default(),
                sw_busy: Window::default(),
                sw_rvcpu: Window::default(),
                sw_infl: Window::default(),
                sw_slots: Window::default(),
                rw_busy: Window::default(),
                rw_rvcpu: Window::default(),
                rw_infl: Window::default(),
                rw_slots: Window::default(),
                cur: LmiInterval::default(),
                cur_latency: Sketch::new(),
                totals,
                // Exact sizes: no doubling slack in long runs.
                rows: RowLog::new(),
            });
        }
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
        let mut m = Lmi {
            q: EvQueue::default(),
            timers: timers::Timers::default(),
            cpu_fired: 0,
            ees: Vec::new(),
            free_ees: Vec::new(),
            links: Links::default(),
            insts: Vec::new(),
            free_insts: Vec::new(),
            funcs,
            names: sc.functions.iter().map(|f| f.name.clone()).collect(),
            provider: ProviderTotals {
                instance_seconds: vec![0.0; types.len()],
                ..Default::default()
            },
            types,
            type_choice,
            eff_price,
            fee_rate: sc.pricing.management_fee,
            max_vcpu: sc.provider.max_vcpu,
            vcpus_total: 0,
            azs: sc.provider.availability_zones,
            reserve_vcpus: rv,
            reserve_mib: rm,
            reject_threshold: sc.model.cpu_reject_threshold_percent / 100.0,
            lifetime: sc.model.max_instance_lifetime,
            launch_delay: sc.model.instance_launch_delay.clone(),
            scaler_interval: sc.model.scaler_interval,
            target: sc.cpu_target(),
            policy: Box::new(TargetTracking::new(
                sc.functions.len(),
                sc.model.scale_in_cooldown,
                sc.model.scale_in_step,
            )),
            schedule: sc.schedule.clone(),
            rng_init: stream(sc.seed, "lmi_ee_init", 0),
            rng_launch: stream(sc.seed, "lmi_instance_launch", 0),
            g_busy: Count::default(),
            g_usable: Gauge::default(),
            g_instances: Gauge::default(),
            g_od_rate: Gauge::default(),
            g_eff_rate: Gauge::default(),
            rw_busy: Window::default(),
            rw_usable: Window::default(),
            rw_od: Window::default(),
            rw_eff: Window::default(),
            provider_rows: RowLog::new(),
            decisions: RowLog::new(),
            report_interval: sc.report_interval,
            next_report: SimTime::ZERO + sc.report_interval,
            now: SimTime::ZERO,
            launches_this_tick: 0,
            refused_this_tick: 0,
            launching: 0,
            launching_peak: 0,
            notify: vec![false; sc.functions.len()],
            done: Vec::with_capacity(64),
        };
        for (i, _) in sc.schedule.iter().enumerate() {
            m.q.push(sc.schedule[i].at, Ev::Schedule { idx: i as u32 });
        }
        m.q.push(SimTime::ZERO + m.scaler_interval, Ev::ScalerTick);
        match sc.start_state {
            StartState::Warm => m.warm_start(sc, initial_rates),
            StartState::Publish => {
                for f in 0..m.funcs.len() {
                    if !m.funcs[f].deactivated {
                        let n = m.funcs[f].min;
                        m.place(f, n);
                    }
                }
            }
        }
        m
    }

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
            let (tc, ee) = self.timers.peek().unwrap_or((u64::MAX, 0));
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

    /// Offers one invocation (after `advance_to(a.at)`); `Some(reason)` if throttled.
    #[inline]
    pub fn arrive(&mut self, a: &Arrival) -> Option<ThrottleReason> {
        let now = a.at;
        let fi = a.function.index();
        let f = &mut self.funcs[fi];
        f.totals.arrivals += 1;
        let best = if f.deactivated { None } else { f.route.best() };
        let Some(id) = best else {
            let reason = if f.deactivated {
                ThrottleReason::Deactivated
            } else if f.blocked_free > 0 {
                ThrottleReason::CPUThrottles
            } else {
                ThrottleReason::ConcurrencyThrottles
            };
            let slot = lmi_slot(reason);
            f.cur.throttles[slot] += 1;
            f.totals.throttles[slot] += 1;
            return Some(reason);
        };
        f.cur.accepted += 1;
        f.inflight.add(now, 1);
        let infl = f.inflight.value() as u32;
        if infl > f.totals.peak_in_flight {
            f.totals.peak_in_flight = infl;
        }
        // The EE was routable (Ready, free, not blocked): only its load, and
        // whether it is still free, can change.
        let e = &mut self.ees[id as usize];
        e.inflight += 1;
        if e.inflight < e.slots {
            f.route.update(&mut self.links, id, e.inflight);
        } else {
            f.route.remove(&mut self.links, id);
        }
        if a.cpu.0 > 0 {
            self.start_cpu(id, a.cpu.0, a.io.0, now.0, a.tag);
        } else if a.io.0 > 0 {
            self.q.push(
                now + a.io,
                Ev::IoDone {
                    ee: id,
                    tag: a.tag,
                    arrival: now.0,
                },
            );
        } else {
            self.complete(id, a.tag, now.0);
        }
        None
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
        self.provider.busy_area = self.g_busy.area_at(horizon);
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
                if self.ees[ee as usize].epoch == epoch {
                    self.ee_ready(ee);
                }
            }
            Ev::InstanceRunning { inst, tag } => {
                if self.insts[inst as usize].tag == tag {
                    self.instance_running(inst);
                }
            }
            Ev::Retire { inst, tag } => {
                let i = &self.insts[inst as usize];
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
                self.apply_config(c.function, c.min_ees, c.max_ees);
            }
        }
    }

    // ---- the invocation path -------------------------------------------------

    #[inline]
    fn start_cpu(&mut self, id: u32, cpu: u64, io: u64, arrival: u64, tag: u32) {
        let now = self.now.0;
        let e = &mut self.ees[id as usize];
        if e.jobs.is_empty() {
            // An idle EE: the job runs alone at rate 1 and its CPU phase ends
            // after exactly `cpu` (what the general path computes, in floats).
            e.vtime = 0.0;
            e.vtime_at = now;
            e.jobs.push(Job {
                finish_v: cpu as f64,
                io,
                arrival,
                tag,
            });
            e.sched_at = now + cpu;
            self.timers.set(id, now + cpu);
            self.busy_changed(id, 1);
            return;
        }
        e.settle(now);
        let before = e.busy_vcpus();
        e.push_job(Job {
            finish_v: e.vtime + cpu as f64,
            io,
            arrival,
            tag,
        });
        let after = e.busy_vcpus();
        self.reschedule_cpu(id);
        if after != before {
            self.busy_changed(id, after as i64 - before as i64);
        }
    }

    #[inline]
    fn reschedule_cpu(&mut self, id: u32) {
        let now = self.now.0;
        let e = &mut self.ees[id as usize];
        if e.jobs.is_empty() {
            e.sched_at = u64::MAX;
            self.timers.clear(id);
            return;
        }
        let dv = (e.jobs[0].finish_v - e.vtime).max(0.0);
        let at = now + ceil_u64(e.wall_for(dv));
        if at == e.sched_at {
            return;
        }
        e.sched_at = at;
        self.timers.set(id, at);
    }

    fn cpu_done(&mut self, id: u32) {
        let now = self.now.0;
        self.cpu_fired += 1;
        let e = &mut self.ees[id as usize];
        e.settle(now);
        let before = e.busy_vcpus();
        // Ceil-rounded event times mean vtime has reached every due finish.
        while let Some(j) = e.jobs.first().copied() {
            if j.finish_v > e.vtime + 1e-6 {
                break;
            }
            e.pop_job();
            if j.io > 0 {
                self.q.push(
                    SimTime(now + j.io),
                    Ev::IoDone {
                        ee: id,
                        tag: j.tag,
                        arrival: j.arrival,
                    },
                );
            } else {
                // Completes now: keep EE state consistent before re-borrowing.
                self.q.push(
                    SimTime(now),
                    Ev::IoDone {
                        ee: id,
                        tag: j.tag,
                        arrival: j.arrival,
                    },
                );
            }
        }
        let e = &self.ees[id as usize];
        let after = e.busy_vcpus();
        self.reschedule_cpu(id);
        if after != before {
            self.busy_changed(id, after as i64 - before as i64);
        }
    }

    fn busy_changed(&mut self, id: u32, delta: i64) {
        let now = self.now;
        let (fi, ii) = {
            let e = &self.ees[id as usize];
            (e.function as usize, e.instance as usize)
        };
        self.funcs[fi].busy.add(now, delta);
        self.g_busy.add(now, delta);
        let inst = &mut self.insts[ii];
        inst.busy = (inst.busy as i64 + delta) as u32;
        let blocked = inst.busy >= inst.reject_at;
        if blocked != inst.cpu_blocked {
            inst.cpu_blocked = blocked;
            let n = self.insts[ii].ees.len();
            for k in 0..n {
                let eid = self.insts[ii].ees[k];
                self.refresh_route(eid);
            }
        }
    }

    fn complete(&mut self, id: u32, tag: u32, arrival: u64) {
        let now = self.now;
        let (fi, drained) = {
            let e = &mut self.ees[id as usize];
            e.inflight -= 1;
            (
                e.function as usize,
                e.state == EeState::Draining && e.inflight == 0,
            )
        };
        let f = &mut self.funcs[fi];
        f.inflight.add(now, -1);
        let lat = now.0 - arrival;
        // Whole-run latencies are merged from the interval sketch at each close.
        f.cur_latency.record(lat);
        f.cur.served += 1;
        f.totals.served += 1;
        if self.notify[fi] {
            self.done.push(Completion {
                function: FunctionId::of(fi),
                tag,
            });
        }
        if drained {
            self.stop_ee(id);
        } else {
            self.refresh_route(id);
        }
    }

    /// Puts an EE in or out of its function's routing heap to match its state.
    #[inline]
    fn refresh_route(&mut self, id: u32) {
        let e = &mut self.ees[id as usize];
        let fi = e.function as usize;
        let blocked = self.insts[e.instance as usize].cpu_blocked;
        let free = e.inflight < e.slots;
        let ready = e.state == EeState::Ready;
        let routable = ready && free && !blocked;
        let bf = ready && free && blocked;
        let f = &mut self.funcs[fi];
        if bf != e.blocked_free {
            e.blocked_free = bf;
            if bf {
                f.blocked_free += 1;
            } else {
                f.blocked_free -= 1;
            }
        }
        let inflight = e.inflight;
        let in_router = self.links.routed(id);
        match (routable, in_router) {
            (true, true) => f.route.update(&mut self.links, id, inflight),
            (true, false) => f.route.insert(&mut self.links, id, inflight),
            (false, true) => f.route.remove(&mut self.links, id),
            (false, false) => {}
        }
    }

    // ---- reporting -----------------------------------------------------------

    fn close_interval(&mut self, at: SimTime) {
        for fi in 0..self.funcs.len() {
            let (mut ready, mut draining) = (0, 0);
            for &id in &self.funcs[fi].ees {
                match self.ees[id as usize].state {
                    EeState::Ready => ready += 1,
                    EeState::Draining => draining += 1,
                    EeState::Initializing | EeState::Stopped => {}
                }
            }
            let f = &mut self.funcs[fi];
            let init = f.initializing_peak;
            f.initializing_peak = f.initializing;
            let busy = f.rw_busy.take(&f.busy, at);
            let rv = f.rw_rvcpu.take(&f.ready_vcpus, at);
            let infl = f.rw_infl.take(&f.inflight, at);
            let slots = f.rw_slots.take(&f.ready_slots, at);
            let mut row = std::mem::take(&mut f.cur);
            row.in_flight = f.inflight.value() as u32;
            row.ees_initializing = init;
            row.ees_ready = ready;
            row.ees_draining = draining;
            row.cpu_utilization = if rv > 0.0 { busy / rv } else { 0.0 };
            row.slot_saturation = if slots > 0.0 { infl / slots } else { 0.0 };
            row.slots = f.ready_slots.value() as u64;
            row.latency_p50_ms = f.cur_latency.quantile(0.5).map(|v| v / 1000.0);
            row.latency_p99_ms = f.cur_latency.quantile(0.99).map(|v| v / 1000.0);
            f.totals.latency.merge(&f.cur_latency);
            f.cur_latency.clear();
            f.rows.push(row);
        }
        let (mut running, mut draining) = (0, 0);
        for i in &self.insts {
            match i.state {
                InstState::Running if i.retiring => draining += 1,
                InstState::Running => running += 1,
                InstState::Launching | InstState::Terminated => {}
            }
        }
        let launching = self.launching_peak;
        self.launching_peak = self.launching;
        let busy = self.rw_busy.take(&self.g_busy, at);
        let usable = self.rw_usable.take(&self.g_usable, at);
        let od = self.rw_od.take(&self.g_od_rate, at) / 3.6e9;
        let eff = self.rw_eff.take(&self.g_eff_rate, at) / 3.6e9;
        let fee = od * self.fee_rate;
        self.provider.ec2_usd += eff;
        self.provider.fee_usd += fee;
        self.provider_rows.push(ProviderInterval {
            instances_launching: launching,
            instances_running: running,
            instances_draining: draining,
            vcpus: self.vcpus_total,
            cpu_utilization: if usable > 0.0 { busy / usable } else { 0.0 },
            ec2_usd: eff,
            fee_usd: fee,
        });
    }

    // ---- the scaler ----------------------------------------------------------

    fn scaler_tick(&mut self) {
        let now = self.now;
        for fi in 0..self.funcs.len() {
            self.launches_this_tick = 0;
            self.refused_this_tick = 0;
            let (ready, total) = self.counts(fi);
            let f = &mut self.funcs[fi];
            let busy = f.sw_busy.take(&f.busy, now);
            let rv = f.sw_rvcpu.take(&f.ready_vcpus, now);
            let infl = f.sw_infl.take(&f.inflight, now);
            let slots = f.sw_slots.take(&f.ready_slots, now);
            let sig = Signals {
                cpu_utilization: if rv > 0.0 { (busy / rv).min(1.0) } else { 0.0 },
                slot_saturation: if slots > 0.0 {
                    (infl / slots).min(1.0)
                } else {
                    0.0
                },
                ready,
                total,
                min_ees: f.min,
                max_ees: f.max,
                target: self.target,
            };
            if f.deactivated {
                continue;
            }
            let Decision { desired, action } = self.policy.decide(fi, now, &sig);
            let (name, delta) = match action {
                policy::ScaleAction::Hold => ("hold", 0i64),
                policy::ScaleAction::Cooldown => ("cooldown", 0),
                policy::ScaleAction::Out(n) => {
                    let started = self.place(fi, n);
                    ("scale_out", started as i64)
                }
                policy::ScaleAction::In(n) => {
                    let removed = self.remove_ees(fi, n);
                    ("scale_in", -(removed as i64))
                }
            };
            self.decisions.push(DecisionRecord {
                time_s: now.as_secs_f64(),
                function: fi as u32,
                cpu_utilization: sig.cpu_utilization,
                slot_saturation: sig.slot_saturation,
                ready,
                total,
                desired,
                action: name,
                delta,
                instances_launched: self.launches_this_tick,
                refused_by_max_vcpu: self.refused_this_tick,
            });
        }
    }

    /// (Ready EEs, Ready + Initializing + pending), not counting EEs superseded
    /// by a rotation replacement.
    fn counts(&self, fi: usize) -> (u32, u32) {
        let f = &self.funcs[fi];
        let (mut ready, mut total) = (0, f.pending);
        for &id in &f.ees {
            let e = &self.ees[id as usize];
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
    fn apply_config(&mut self, fi: usize, min: u32, max: u32) {
        self.funcs[fi].min = min;
        self.funcs[fi].max = max;
        if max == 0 {
            self.funcs[fi].deactivated = true;
            let (_, total) = self.counts(fi);
            self.remove_ees(fi, total);
            // Superseded EEs (mid-rotation) go too.
            let live = self.funcs[fi].ees.clone();
            for id in live {
                self.drain_ee(id);
            }
            return;
        }
        self.funcs[fi].deactivated = false;
        let (_, total) = self.counts(fi);
        if total < min {
            self.place(fi, min - total);
        } else if total > max {
            self.remove_ees(fi, total - max);
        }
    }
}

#[cfg(test)]
mod tests;
