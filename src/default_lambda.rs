//! The default Lambda model (docs/model.md, "Default Lambda"): one invocation per EE, cold starts
//! when no EE is idle, newest-idle-first warm routing, idle reclaim after a
//! keep-alive TTL, 1,000 new EEs per 10 s per function, account and reserved
//! concurrency, provisioned concurrency, and memory-proportional CPU as a
//! quota per scheduling period (below 1,769 MB).
//!
//! Pure and allocation-free per invocation: idle EEs are a deque of expiry times
//! (the newest at the back), busy EEs are counters, and completions are events.

use crate::dist::Dist;
use crate::engine::EventQueue;
use crate::gauge::{Count, Integral};
use crate::ids::FunctionId;
use crate::invocation::{Arrival, ThrottleReason};
use crate::ledger::{IntervalFigures, Ledger, LedgerTotals};
use crate::platform::{Admission, ModelClock, Stepper};
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog};
use crate::scenario::Scenario;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

/// Memory at which a default-Lambda EE gets one full vCPU [MB].
pub const FULL_VCPU_MB: u32 = 1769;

/// Per-interval figures for one function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefaultInterval {
    /// Served, accepted, throttles by reason, latency percentiles.
    pub figures: IntervalFigures,
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
}

const REASONS: &[ThrottleReason] = &ThrottleReason::DEFAULT;
const FIGURE_WORDS: usize = IntervalFigures::words(REASONS);

impl Record for DefaultInterval {
    const WORDS: usize = FIGURE_WORDS + 8;
    fn write(&self, w: &mut [u64]) {
        self.figures.write(REASONS, w);
        let w = &mut w[FIGURE_WORDS..];
        w[0] = self.cold_starts;
        w[1] = self.concurrency as u64;
        w[2] = self.peak_concurrency as u64;
        w[3] = self.warm_idle as u64;
        w[4] = self.gbs.to_bits();
        w[5] = self.init_gbs.to_bits();
        w[6] = self.pc_used_gbs.to_bits();
        w[7] = self.pc_alloc_gbs.to_bits();
    }
    fn read(w: &[u64]) -> Self {
        let figures = IntervalFigures::read(REASONS, w);
        let w = &w[FIGURE_WORDS..];
        DefaultInterval {
            figures,
            cold_starts: w[0],
            concurrency: w[1] as u32,
            peak_concurrency: w[2] as u32,
            warm_idle: w[3] as u32,
            gbs: f64::from_bits(w[4]),
            init_gbs: f64::from_bits(w[5]),
            pc_used_gbs: f64::from_bits(w[6]),
            pc_alloc_gbs: f64::from_bits(w[7]),
        }
    }
}

/// Whole-run figures for one function.
#[derive(Clone, Debug)]
pub struct DefaultFunctionTotals {
    /// Arrivals, admissions, throttles by reason, completions and latency.
    pub ledger: LedgerTotals,
    pub cold_starts: u64,
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
    /// 1769 / memory below 1,769 MB, else exactly 1.0 (full speed).
    cpu_stretch: f64,
    /// Below 1,769 MB: the CPU quota [µs] per period [µs]; 0: no quota (the
    /// work stretches by `cpu_stretch` instead).
    cpu_quota_us: u64,
    cpu_period_us: u64,
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
    /// Added to each recorded latency [µs] (a spill-over fallback counts from
    /// the request's first try); 0 otherwise.
    latency_offset_us: u64,
    ledger: Ledger<DefaultInterval>,
    /// This model's own columns of the interval in progress.
    cur: DefaultInterval,
    totals: DefaultFunctionTotals,
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
    clock: ModelClock,
    pc_alloc_mark: SimTime,
}

/// Everything the default-Lambda run produced.
pub struct DefaultResult {
    pub rows: Vec<RowLog<DefaultInterval>>,
    pub functions: Vec<DefaultFunctionTotals>,
    pub in_flight_at_end: Vec<u32>,
    pub events: u64,
}

/// Wall time [µs] of `cpu` µs of work under a CPU quota of `quota` µs per
/// `period` µs, the first period starting with the work (docs/model.md,
/// "Memory and CPU"): work up to the quota runs at full speed; each quota spent
/// waits for the next period. `quota` ≥ 1.
#[inline]
pub fn quota_wall_us(cpu: u64, quota: u64, period: u64) -> u64 {
    if cpu <= quota {
        return cpu;
    }
    let periods = cpu / quota;
    let left = cpu - periods * quota;
    if left > 0 {
        periods * period + left
    } else {
        (periods - 1) * period + quota
    }
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
                let period = k.cpu_quota_period.0;
                let below = mem < FULL_VCPU_MB;
                Func {
                    gb: mem as f64 / 1024.0,
                    cpu_stretch: if below {
                        FULL_VCPU_MB as f64 / mem as f64
                    } else {
                        1.0
                    },
                    // memory / 1769 of each period, to the µs.
                    cpu_quota_us: if below && period > 0 {
                        ((period as f64 * mem as f64 / FULL_VCPU_MB as f64).round() as u64).max(1)
                    } else {
                        0
                    },
                    cpu_period_us: period,
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
                    latency_offset_us: 0,
                    ledger: Ledger::default(),
                    cur: DefaultInterval::default(),
                    totals: DefaultFunctionTotals {
                        ledger: LedgerTotals::default(),
                        cold_starts: 0,
                        peak_concurrency: 0,
                        busy_area: 0.0,
                        gbs: 0.0,
                        init_gbs: 0.0,
                        pc_used_gbs: 0.0,
                        pc_alloc_gbs: 0.0,
                        memory_mb: mem,
                    },
                }
            })
            .collect();
        let reserved_sum = funcs.iter().filter_map(|f| f.reserved).sum();
        let mut funcs = funcs;
        let mut rng_ttl = stream(sc.seed, "default_keep_alive", 0);
        if sc.start_state == crate::scenario::StartState::Warm {
            for (i, (f, spec)) in funcs.iter_mut().zip(&sc.functions).enumerate() {
                let rate = rates.get(i).copied().unwrap_or(0.0);
                // The steady share's stretch: an upper bound of the mean under
                // a quota (work shorter than the quota runs at full speed).
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
            clock: ModelClock::new(sc.report_clock().boundaries(), sc.functions.len()),
            pc_alloc_mark: SimTime::ZERO,
        }
    }

    /// Adds `offset` to the latency recorded for function `f`'s invocations,
    /// not to when they complete: a spill-over fallback's latency counts from
    /// the request's first try on LMI (src/spill.rs).
    pub fn offset_latency(&mut self, f: FunctionId, offset: SimDuration) {
        self.funcs[f.index()].latency_offset_us = offset.0;
    }

    fn done(&mut self, d: Done) {
        let now = self.clock.now;
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
        f.ledger.served(d.latency_us);
        self.clock.notices.completed(FunctionId(fi), d.tag);
    }

    #[inline]
    fn admit(&mut self, a: &Arrival) -> Admission {
        let now = a.at;
        let f = &mut self.funcs[a.function.index()];
        f.ledger.arrival();
        // Concurrency limits apply to warm and cold starts alike.
        let limited = match f.reserved {
            Some(r) => (f.busy >= r).then_some(ThrottleReason::ReservedConcurrency),
            None => (self.unreserved_busy >= self.account.saturating_sub(self.reserved_sum))
                .then_some(ThrottleReason::AccountConcurrency),
        };
        if let Some(reason) = limited {
            f.ledger.throttle(reason);
            return Admission::Throttled(reason);
        }
        let run_us = if f.cpu_stretch == 1.0 {
            a.cpu.0 + a.io.0
        } else if f.cpu_quota_us > 0 {
            quota_wall_us(a.cpu.0, f.cpu_quota_us, f.cpu_period_us) + a.io.0
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
                    f.ledger.throttle(r);
                    return Admission::Throttled(r);
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
        f.ledger.accept();
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
        debug_assert!(a.function.0 < PC_BIT);
        self.q.push(
            SimTime(now.0 + latency),
            Done {
                function_pc: a.function.0 | if provisioned { PC_BIT } else { 0 },
                tag: a.tag,
                latency_us: latency + f.latency_offset_us,
            },
        );
        Admission::Accepted
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
            f.totals.gbs += row.gbs;
            f.totals.init_gbs += row.init_gbs;
            f.totals.pc_used_gbs += row.pc_used_gbs;
            f.totals.pc_alloc_gbs += row.pc_alloc_gbs;
            // Peak concurrency carries into the next interval from its start.
            f.cur.peak_concurrency = f.busy;
            f.ledger.close(|figures| DefaultInterval { figures, ..row });
        }
    }
}

impl Stepper for DefaultLambda {
    type Result = DefaultResult;

    fn clock(&self) -> &ModelClock {
        &self.clock
    }
    fn clock_mut(&mut self) -> &mut ModelClock {
        &mut self.clock
    }
    #[inline]
    fn next_event(&mut self) -> SimTime {
        self.q.peek_time().unwrap_or(SimTime::MAX)
    }
    #[inline]
    fn step(&mut self, t: SimTime) {
        if let Some((at, d)) = self.q.pop_until(t) {
            self.clock.now = at;
            self.done(d);
        }
    }
    fn close_interval(&mut self, at: SimTime) {
        DefaultLambda::close_interval(self, at);
    }
    #[inline]
    fn admit(&mut self, a: &Arrival) -> Admission {
        DefaultLambda::admit(self, a)
    }

    fn results(self, horizon: SimTime) -> DefaultResult {
        let mut rows = Vec::new();
        let mut functions = Vec::new();
        let mut in_flight = Vec::new();
        for mut f in self.funcs {
            let (ledger, log) = f.ledger.finish();
            f.totals.ledger = ledger;
            f.totals.busy_area = f.g_busy.area_at(horizon);
            in_flight.push(f.busy);
            rows.push(log);
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
