//! The default Lambda model (MODEL.md §2): one invocation per EE, cold starts
//! when no EE is idle, newest-idle-first warm routing, idle reclaim after a
//! keep-alive TTL, 1,000 new EEs per 10 s per function, account and reserved
//! concurrency, provisioned concurrency, and memory-proportional CPU.
//!
//! Pure and allocation-free per invocation: idle EEs are a deque of expiry times
//! (the newest at the back), busy EEs are counters, and completions are events.

use crate::dist::Dist;
use crate::engine::EventQueue;
use crate::gauge::{Count, Integral};
use crate::invocation::{Arrival, ThrottleReason};
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog, f64_opt, opt_f64};
use crate::scenario::Scenario;
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

/// Memory at which a default-Lambda EE gets one full vCPU [MB].
pub const FULL_VCPU_MB: u32 = 1769;

/// Per-interval figures for one function.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct DefaultInterval {
    pub served: u64,
    pub accepted: u64,
    pub throttles: [u64; 3],
    pub cold_starts: u64,
    /// Busy EEs (running or initialising) at the interval's end.
    pub concurrency: u32,
    pub peak_concurrency: u32,
    /// Idle warm EEs at the interval's end.
    pub warm_idle: u32,
    /// Billed duration GB-s (invoke phase, on-demand EEs).
    pub gbs: f64,
    /// Billed INIT GB-s.
    pub init_gbs: f64,
    /// Duration GB-s on provisioned EEs (billed at the PC duration rate).
    pub pc_used_gbs: f64,
    /// Provisioned GB-s (allocated, whether used or not).
    pub pc_alloc_gbs: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

impl Record for DefaultInterval {
    const WORDS: usize = 15;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.served;
        w[1] = self.accepted;
        w[2..5].copy_from_slice(&self.throttles);
        w[5] = self.cold_starts;
        w[6] = self.concurrency as u64;
        w[7] = self.peak_concurrency as u64;
        w[8] = self.warm_idle as u64;
        w[9] = self.gbs.to_bits();
        w[10] = self.init_gbs.to_bits();
        w[11] = self.pc_used_gbs.to_bits();
        w[12] = self.pc_alloc_gbs.to_bits();
        w[13] = opt_f64(self.latency_p50_ms);
        w[14] = opt_f64(self.latency_p99_ms);
    }
    fn read(w: &[u64]) -> Self {
        let mut throttles = [0; 3];
        throttles.copy_from_slice(&w[2..5]);
        DefaultInterval {
            served: w[0],
            accepted: w[1],
            throttles,
            cold_starts: w[5],
            concurrency: w[6] as u32,
            peak_concurrency: w[7] as u32,
            warm_idle: w[8] as u32,
            gbs: f64::from_bits(w[9]),
            init_gbs: f64::from_bits(w[10]),
            pc_used_gbs: f64::from_bits(w[11]),
            pc_alloc_gbs: f64::from_bits(w[12]),
            latency_p50_ms: f64_opt(w[13]),
            latency_p99_ms: f64_opt(w[14]),
        }
    }
}

/// Whole-run figures for one function.
#[derive(Clone, Debug)]
pub struct DefaultFunctionTotals {
    pub arrivals: u64,
    pub served: u64,
    pub accepted: u64,
    pub throttles: [u64; 3],
    pub cold_starts: u64,
    pub latency: Sketch,
    pub peak_concurrency: u32,
    /// Time-integral of busy EEs [EE·µs] (Little's law checks).
    pub busy_area: f64,
    pub gbs: f64,
    pub init_gbs: f64,
    pub pc_used_gbs: f64,
    pub pc_alloc_gbs: f64,
    pub memory_mb: u32,
}

/// A completion, packed into 16 bytes (queue entries move as a whole):
/// the function index with "on a provisioned EE" in its top bit.
#[derive(Copy, Clone, Debug)]
struct Done {
    function_pc: u32,
    tag: u32,
    latency_us: u64,
}

const PC_BIT: u32 = 1 << 31;

impl Done {
    #[inline]
    fn function(&self) -> u32 {
        self.function_pc & !PC_BIT
    }
    #[inline]
    fn provisioned(&self) -> bool {
        self.function_pc & PC_BIT != 0
    }
}

struct Func {
    gb: f64,
    cpu_stretch: f64,
    init_base: SimDuration,
    init: Dist,
    reserved: Option<u32>,
    provisioned: u32,
    prov_busy: u32,
    /// Busy EEs (on-demand and provisioned).
    busy: u32,
    /// Expiry times of idle on-demand EEs, newest at the back.
    idle: VecDeque<SimTime>,
    tokens: u64,
    tokens_at: u64,
    g_busy: Count,
    cur: DefaultInterval,
    cur_latency: Sketch,
    totals: DefaultFunctionTotals,
    rows: RowLog<DefaultInterval>,
}

/// The default-Lambda platform.
pub struct DefaultLambda {
    q: EventQueue<Done>,
    funcs: Vec<Func>,
    keep_alive: Dist,
    constant_ttl: bool,
    rng_ttl: SimRng,
    rng_init: SimRng,
    account: u32,
    /// Σ reserved concurrency: the unreserved pool is `account − reserved_sum`.
    reserved_sum: u32,
    /// Busy EEs of functions without a reservation.
    unreserved_busy: u32,
    burst: u64,
    /// µs per new token.
    token_us: u64,
    report_interval: SimDuration,
    next_report: SimTime,
    pc_alloc_mark: SimTime,
    now: SimTime,
    notify: Vec<bool>,
    done_buf: Vec<(u32, u32)>,
}

/// Everything the default-Lambda run produced.
pub struct DefaultResult {
    pub rows: Vec<RowLog<DefaultInterval>>,
    pub functions: Vec<DefaultFunctionTotals>,
    pub in_flight_at_end: Vec<u32>,
    pub events: u64,
}

/// Billed GB-s of a duration: rounded up to the next 1 ms.
#[inline]
pub fn billed_gbs(d_us: u64, gb: f64) -> f64 {
    d_us.div_ceil(1000) as f64 / 1000.0 * gb
}

impl DefaultLambda {
    /// A cold platform: no EE exists until the first invocation.
    pub fn new(sc: &Scenario) -> Self {
        Self::with_initial_rates(sc, &[])
    }

    /// With `start_state = "warm"` and the offered rates at t = 0 [1/s per
    /// function], each function starts with the idle EEs its steady traffic
    /// keeps warm — mean concurrency λ·E[duration] plus four standard
    /// deviations of a Poisson count — so that a warm run does not begin with a
    /// burst of cold starts that an active function would not have.
    pub fn with_initial_rates(sc: &Scenario, rates: &[f64]) -> Self {
        let k = &sc.default_lambda;
        let funcs: Vec<Func> = sc
            .functions
            .iter()
            .map(|f| {
                let mem = f.default_lambda.memory_mb;
                Func {
                    gb: mem as f64 / 1024.0,
                    cpu_stretch: if mem < FULL_VCPU_MB {
                        FULL_VCPU_MB as f64 / mem as f64
                    } else {
                        1.0
                    },
                    init_base: sc.model.runtime_init[f.runtime.index()],
                    init: f.function_init.clone(),
                    reserved: f.default_lambda.reserved_concurrency,
                    provisioned: f.default_lambda.provisioned_concurrency,
                    prov_busy: 0,
                    busy: 0,
                    idle: VecDeque::with_capacity(k.account_concurrency.min(4096) as usize),
                    tokens: k.scale_burst as u64,
                    tokens_at: 0,
                    g_busy: Count::default(),
                    cur: DefaultInterval::default(),
                    cur_latency: Sketch::new(),
                    totals: DefaultFunctionTotals {
                        arrivals: 0,
                        served: 0,
                        accepted: 0,
                        throttles: [0; 3],
                        cold_starts: 0,
                        latency: Sketch::new(),
                        peak_concurrency: 0,
                        busy_area: 0.0,
                        gbs: 0.0,
                        init_gbs: 0.0,
                        pc_used_gbs: 0.0,
                        pc_alloc_gbs: 0.0,
                        memory_mb: mem,
                    },
                    rows: RowLog::new(),
                }
            })
            .collect();
        let reserved_sum = funcs.iter().filter_map(|f| f.reserved).sum();
        let mut funcs = funcs;
        let mut rng_ttl = stream(sc.seed, "default_keep_alive", 0);
        if sc.start_state == crate::scenario::StartState::Warm {
            for (i, (f, spec)) in funcs.iter_mut().zip(&sc.functions).enumerate() {
                let rate = rates.get(i).copied().unwrap_or(0.0);
                let mean_s =
                    (spec.work.cpu.mean_us() * f.cpu_stretch + spec.work.io.mean_us()) / 1e6;
                let l = rate * mean_s;
                if l <= 0.0 {
                    continue;
                }
                let n = (l + 4.0 * l.sqrt()).ceil() as u64 + 1;
                let cap = f.reserved.unwrap_or(k.account_concurrency) as u64;
                for _ in 0..n.min(cap) {
                    let ttl = k.keep_alive.sample(&mut rng_ttl);
                    f.idle.push_back(SimTime::ZERO + ttl);
                }
                // Newest-first routing takes from the back: keep the deque
                // ordered by expiry (a no-op for a constant keep-alive).
                f.idle.make_contiguous().sort_unstable();
            }
        }
        DefaultLambda {
            q: EventQueue::new(),
            funcs,
            constant_ttl: matches!(k.keep_alive, Dist::Constant(_)),
            keep_alive: k.keep_alive.clone(),
            rng_ttl,
            rng_init: stream(sc.seed, "default_init", 0),
            account: k.account_concurrency,
            reserved_sum,
            unreserved_busy: 0,
            burst: k.scale_burst as u64,
            token_us: (k.scale_window.0 / k.scale_burst.max(1) as u64).max(1),
            report_interval: sc.report_interval,
            next_report: SimTime::ZERO + sc.report_interval,
            pc_alloc_mark: SimTime::ZERO,
            now: SimTime::ZERO,
            notify: vec![false; sc.functions.len()],
            done_buf: Vec::with_capacity(64),
        }
    }

    /// Processes completions at or before `t`, closing report intervals.
    /// Returns `true` if it stopped early after completing an invocation of a
    /// notifying function (see [`DefaultLambda::completions`]).
    #[inline]
    pub fn advance_to(&mut self, t: SimTime) -> bool {
        loop {
            if !self.done_buf.is_empty() {
                return true;
            }
            let te = self.q.peek_time().unwrap_or(SimTime::MAX);
            if self.next_report <= t && self.next_report <= te {
                let at = self.next_report;
                self.now = at;
                self.close_interval(at);
                self.next_report = at + self.report_interval;
                continue;
            }
            match self.q.pop_until(t) {
                Some((at, d)) => {
                    self.now = at;
                    self.done(d);
                }
                None => break,
            }
        }
        self.now = t;
        false
    }

    /// The model's clock.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Completions of notifying functions' invocations, as (function, tag).
    pub fn completions(&mut self) -> &mut Vec<(u32, u32)> {
        &mut self.done_buf
    }

    /// Asks for completion notices of function `f`'s invocations.
    pub fn notify(&mut self, f: usize) {
        self.notify[f] = true;
    }

    fn done(&mut self, d: Done) {
        let now = self.now;
        let fi = d.function();
        let f = &mut self.funcs[fi as usize];
        f.busy -= 1;
        f.g_busy.add(now, -1);
        if f.reserved.is_none() {
            self.unreserved_busy -= 1;
        }
        if d.provisioned() {
            f.prov_busy -= 1;
        } else {
            let ttl = self.keep_alive.sample(&mut self.rng_ttl);
            f.idle.push_back(now + ttl);
        }
        f.cur.served += 1;
        f.totals.served += 1;
        // Whole-run latencies are merged from the interval sketch at each close.
        f.cur_latency.record(d.latency_us);
        if self.notify[fi as usize] {
            self.done_buf.push((fi, d.tag));
        }
    }

    /// Offers one invocation (after `advance_to(a.at)`); `Some(reason)` if throttled.
    #[inline]
    pub fn arrive(&mut self, a: &Arrival) -> Option<ThrottleReason> {
        let now = a.at;
        let fi = a.function as usize;
        let f = &mut self.funcs[fi];
        f.totals.arrivals += 1;
        // Concurrency limits apply to warm and cold starts alike.
        let limited = match f.reserved {
            Some(r) => (f.busy >= r).then_some(ThrottleReason::ReservedConcurrency),
            None => (self.unreserved_busy >= self.account.saturating_sub(self.reserved_sum))
                .then_some(ThrottleReason::AccountConcurrency),
        };
        if let Some(reason) = limited {
            f.cur.throttles[reason.slot()] += 1;
            f.totals.throttles[reason.slot()] += 1;
            return Some(reason);
        }
        let run_us = if f.cpu_stretch == 1.0 {
            a.cpu.0 + a.io.0
        } else {
            (a.cpu.0 as f64 * f.cpu_stretch + 0.5) as u64 + a.io.0
        };
        let mut provisioned = false;
        let mut init_us = 0;
        if f.prov_busy < f.provisioned {
            provisioned = true;
            f.prov_busy += 1;
        } else {
            // Newest idle EE first; expired ones are reclaimed as they are met.
            let mut warm = false;
            while let Some(&exp) = f.idle.back() {
                f.idle.pop_back();
                if exp > now {
                    warm = true;
                    break;
                }
                if self.constant_ttl {
                    // All older ones expired earlier.
                    f.idle.clear();
                    break;
                }
            }
            if !warm {
                // Cold start: one token of the scaling rate.
                let elapsed = now.0 - f.tokens_at;
                let gained = elapsed / self.token_us;
                if gained > 0 {
                    f.tokens = (f.tokens + gained).min(self.burst);
                    f.tokens_at += gained * self.token_us;
                }
                if f.tokens == 0 {
                    let r = ThrottleReason::ScalingRate;
                    f.cur.throttles[r.slot()] += 1;
                    f.totals.throttles[r.slot()] += 1;
                    return Some(r);
                }
                if f.tokens == self.burst {
                    // A full bucket does not accumulate: restart its clock.
                    f.tokens_at = now.0;
                }
                f.tokens -= 1;
                init_us = (f.init_base + f.init.sample(&mut self.rng_init)).0;
                f.cur.cold_starts += 1;
                f.totals.cold_starts += 1;
            }
        }
        f.busy += 1;
        if f.reserved.is_none() {
            self.unreserved_busy += 1;
        }
        f.g_busy.add(now, 1);
        f.cur.accepted += 1;
        f.totals.accepted += 1;
        if f.busy > f.cur.peak_concurrency {
            f.cur.peak_concurrency = f.busy;
            f.totals.peak_concurrency = f.totals.peak_concurrency.max(f.busy);
        }
        // Billing: invoke rounded up to 1 ms; INIT billed since Aug 2025.
        let gbs = billed_gbs(run_us, f.gb);
        if provisioned {
            f.cur.pc_used_gbs += gbs;
        } else {
            f.cur.gbs += gbs;
        }
        if init_us > 0 {
            f.cur.init_gbs += billed_gbs(init_us, f.gb);
        }
        let latency = init_us + run_us;
        debug_assert!(a.function < PC_BIT);
        self.q.push(
            SimTime(now.0 + latency),
            Done {
                function_pc: a.function | if provisioned { PC_BIT } else { 0 },
                tag: a.tag,
                latency_us: latency,
            },
        );
        None
    }

    fn close_interval(&mut self, at: SimTime) {
        let dt_s = at.since(self.pc_alloc_mark).as_secs_f64();
        self.pc_alloc_mark = at;
        for f in &mut self.funcs {
            if self.constant_ttl {
                while f.idle.front().is_some_and(|&e| e <= at) {
                    f.idle.pop_front();
                }
            } else {
                f.idle.retain(|&e| e > at);
            }
            let mut row = std::mem::take(&mut f.cur);
            row.concurrency = f.busy;
            row.peak_concurrency = row.peak_concurrency.max(f.busy);
            row.warm_idle = f.idle.len() as u32;
            row.pc_alloc_gbs = f.provisioned as f64 * f.gb * dt_s;
            row.latency_p50_ms = f.cur_latency.quantile(0.5).map(|v| v / 1000.0);
            row.latency_p99_ms = f.cur_latency.quantile(0.99).map(|v| v / 1000.0);
            f.totals.latency.merge(&f.cur_latency);
            f.cur_latency.clear();
            f.totals.gbs += row.gbs;
            f.totals.init_gbs += row.init_gbs;
            f.totals.pc_used_gbs += row.pc_used_gbs;
            f.totals.pc_alloc_gbs += row.pc_alloc_gbs;
            // Peak concurrency carries into the next interval from its start.
            f.cur.peak_concurrency = f.busy;
            f.rows.push(row);
        }
    }

    /// Runs to the horizon and returns the results.
    pub fn finish(mut self, horizon: SimTime) -> DefaultResult {
        self.notify.iter_mut().for_each(|n| *n = false);
        self.done_buf.clear();
        self.advance_to(horizon);
        let last_closed = SimTime(self.next_report.0 - self.report_interval.0);
        if horizon > last_closed {
            self.close_interval(horizon);
        }
        let mut rows = Vec::new();
        let mut functions = Vec::new();
        let mut in_flight = Vec::new();
        for mut f in self.funcs {
            f.totals.latency.merge(&f.cur_latency);
            f.totals.busy_area = f.g_busy.area_at(horizon);
            in_flight.push(f.busy);
            rows.push(f.rows);
            functions.push(f.totals);
        }
        DefaultResult {
            rows,
            functions,
            in_flight_at_end: in_flight,
            events: self.q.popped,
        }
    }
}
