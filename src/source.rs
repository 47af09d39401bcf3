//! Invocation sources (MODEL.md §1.8): what happens to a request when the
//! platform throttles it. A synchronous caller sees an error; a caller with
//! retries tries again after a jittered backoff; Lambda's async queue retries
//! for hours; an SQS queue keeps the message, redelivers it after the
//! visibility timeout, and moves it to the DLQ after `maxReceiveCount` receives.
//!
//! Each platform gets its own [`Fronts`] (the same request meets different
//! throttles on LMI and on default Lambda). [`Platform`] puts a model and its
//! fronts together and interleaves their events in time order. When every
//! function is synchronous it is a pass-through with no extra work.
//!
//! Approximations (documented in README): SQS pollers start with 5 concurrent
//! batches and add 300 per minute (5 per second) while messages wait, up to
//! 1,250 or `MaximumConcurrency`; a throttled batch lowers that limit by one
//! and its poller waits 1 s before it polls again. The visible queue is served oldest message
//! first. A message's visibility timeout never expires while its batch runs.

use crate::default_lambda::DefaultLambda;
use crate::dist::unit_f64;
use crate::engine::EventQueue;
use crate::invocation::{Arrival, ThrottleReason};
use crate::lmi::Lmi;
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog};
use crate::scenario::{BatchWork, Scenario, SourceSpec, SqsSpec};
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime, US_PER_S};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What [`Platform`] needs from a platform model.
pub trait Model {
    /// Processes events ≤ `t`; `true` if it stopped early after a notifying completion.
    fn advance_to(&mut self, t: SimTime) -> bool;
    fn now(&self) -> SimTime;
    fn arrive(&mut self, a: &Arrival) -> Option<ThrottleReason>;
    fn completions(&mut self) -> &mut Vec<(u32, u32)>;
    fn notify(&mut self, f: usize);
}

macro_rules! impl_model {
    ($t:ty) => {
        impl Model for $t {
            #[inline]
            fn advance_to(&mut self, t: SimTime) -> bool {
                <$t>::advance_to(self, t)
            }
            fn now(&self) -> SimTime {
                <$t>::now(self)
            }
            #[inline]
            fn arrive(&mut self, a: &Arrival) -> Option<ThrottleReason> {
                <$t>::arrive(self, a)
            }
            fn completions(&mut self) -> &mut Vec<(u32, u32)> {
                <$t>::completions(self)
            }
            fn notify(&mut self, f: usize) {
                <$t>::notify(self, f)
            }
        }
    };
}
impl_model!(Lmi);
impl_model!(DefaultLambda);

/// Per-interval figures of one function's source.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SourceInterval {
    /// Requests (messages, events) that arrived.
    pub requests: u64,
    /// Requests whose processing completed.
    pub completed: u64,
    /// Retries (caller retries, async retries) or SQS redeliveries.
    pub retries: u64,
    /// Requests given up: throttled with no retry left, or too old.
    pub failed: u64,
    /// Messages moved to the dead-letter queue.
    pub dlq: u64,
    /// Requests waiting at the interval's end (queued, invisible after a
    /// throttle, awaiting a retry); not those being processed.
    pub queue_depth: u64,
    /// Age of the oldest request not yet completed at the interval's end [s].
    pub oldest_age_s: f64,
}

/// Whole-run figures of one function's source.
#[derive(Clone, Debug, Default)]
pub struct SourceTotals {
    pub requests: u64,
    pub completed: u64,
    pub retries: u64,
    pub failed: u64,
    pub dlq: u64,
    /// Messages received again after a first receive (SQS).
    pub redelivered: u64,
    /// Waiting at the horizon.
    pub queued_at_end: u64,
    /// Being processed at the horizon.
    pub in_flight_at_end: u64,
    pub peak_queue_depth: u64,
    pub peak_oldest_age_s: f64,
    /// First arrival to completion [µs]. For synchronous sources: the latency.
    pub end_to_end: Sketch,
}

#[derive(Copy, Clone, Debug)]
enum FEv {
    Retry {
        f: u32,
        slot: u32,
    },
    Visible {
        f: u32,
        batch: u32,
    },
    Poll {
        f: u32,
    },
    Scale {
        f: u32,
    },
    /// A throttled poller's backoff ends.
    PollerFree {
        f: u32,
    },
}

/// A request held by a retrying source.
#[derive(Copy, Clone, Debug, Default)]
struct Pending {
    origin: u64,
    cpu: u64,
    io: u64,
    /// Attempts made (sync retry) or throttle retries made (async).
    attempts: u32,
    /// Retries after function errors (async).
    error_retries: u32,
    waiting: bool,
    live: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Msg {
    origin: u64,
    id: u64,
    cpu: u64,
    io: u64,
    receives: u32,
}

#[derive(Default)]
struct Batch {
    msgs: Vec<Msg>,
    in_flight: bool,
}

struct SqsState {
    spec: SqsSpec,
    visible: BinaryHeap<Reverse<Msg>>,
    batches: Vec<Batch>,
    free_batches: Vec<u32>,
    next_id: u64,
    active: u32,
    limit: f64,
    cap: u32,
    invisible_msgs: u64,
    in_flight_msgs: u64,
    waiting_since: Option<u64>,
    poll_at: Option<u64>,
    scale_on: bool,
    throttled_recently: bool,
}

enum Kind {
    Sync,
    Retry {
        max_attempts: u32,
        base: SimDuration,
        cap: SimDuration,
    },
    Async {
        max_age: SimDuration,
        max_retries: u32,
        error_rate: f64,
    },
    Sqs(Box<SqsState>),
}

struct FrontFn {
    kind: Kind,
    slab: Vec<Pending>,
    free: Vec<u32>,
    waiting: u64,
    in_flight: u64,
    totals: SourceTotals,
    rows: Rows,
}

/// A function's source rows: the current interval's row in memory, the
/// closed ones in a [`RowLog`]. Rows are written in interval order: a
/// boundary's gauges are sampled before anything at or after it happens.
struct Rows {
    log: RowLog<SourceInterval>,
    cur: SourceInterval,
    cur_k: usize,
    n: usize,
}

impl Rows {
    fn new(n: usize) -> Self {
        Rows {
            log: RowLog::new(),
            cur: SourceInterval::default(),
            cur_k: 0,
            n,
        }
    }

    /// The row of interval `k` (`k` < the interval count, not before the
    /// current one).
    #[inline]
    fn at(&mut self, k: usize) -> &mut SourceInterval {
        debug_assert!(k >= self.cur_k, "source row {k} written after it closed");
        while self.cur_k < k {
            self.log.push(std::mem::take(&mut self.cur));
            self.cur_k += 1;
        }
        &mut self.cur
    }

    fn finish(mut self) -> RowLog<SourceInterval> {
        if self.n > 0 {
            self.at(self.n - 1);
            self.log.push(self.cur);
        }
        self.log
    }
}

impl Record for SourceInterval {
    const WORDS: usize = 7;
    fn write(&self, w: &mut [u64]) {
        w[0] = self.requests;
        w[1] = self.completed;
        w[2] = self.retries;
        w[3] = self.failed;
        w[4] = self.dlq;
        w[5] = self.queue_depth;
        w[6] = self.oldest_age_s.to_bits();
    }
    fn read(w: &[u64]) -> Self {
        SourceInterval {
            requests: w[0],
            completed: w[1],
            retries: w[2],
            failed: w[3],
            dlq: w[4],
            queue_depth: w[5],
            oldest_age_s: f64::from_bits(w[6]),
        }
    }
}

/// The event sources of one platform.
pub struct Fronts {
    q: EventQueue<FEv>,
    funcs: Vec<FrontFn>,
    rng: SimRng,
    every: u64,
    n_intervals: usize,
    horizon: SimTime,
    next_sample: u64,
    passthrough: bool,
    scratch: Vec<(u32, u32)>,
}

const ASYNC_BACKOFF_MAX: u64 = 300 * US_PER_S;

impl Fronts {
    /// Sources of `sc`'s functions for one platform (`label` keeps the random
    /// streams of the two platforms apart).
    pub fn new(sc: &Scenario, label: &str) -> Self {
        let n_intervals = crate::sim::intervals(sc.horizon, sc.report_interval).len();
        let funcs: Vec<FrontFn> = sc
            .functions
            .iter()
            .map(|f| FrontFn {
                kind: match &f.source {
                    SourceSpec::Sync => Kind::Sync,
                    SourceSpec::SyncRetry {
                        max_attempts,
                        base_delay,
                        max_delay,
                    } => Kind::Retry {
                        max_attempts: *max_attempts,
                        base: *base_delay,
                        cap: *max_delay,
                    },
                    SourceSpec::Async {
                        max_event_age,
                        max_retry_attempts,
                        error_rate,
                    } => Kind::Async {
                        max_age: *max_event_age,
                        max_retries: *max_retry_attempts,
                        error_rate: *error_rate,
                    },
                    SourceSpec::Sqs(spec) => Kind::Sqs(Box::new(SqsState {
                        cap: spec
                            .maximum_concurrency
                            .unwrap_or(spec.max_pollers)
                            .min(spec.max_pollers)
                            .max(1),
                        limit: spec.initial_concurrency.max(1) as f64,
                        spec: spec.clone(),
                        visible: BinaryHeap::new(),
                        batches: Vec::new(),
                        free_batches: Vec::new(),
                        next_id: 0,
                        active: 0,
                        invisible_msgs: 0,
                        in_flight_msgs: 0,
                        waiting_since: None,
                        poll_at: None,
                        scale_on: false,
                        throttled_recently: false,
                    })),
                },
                slab: Vec::new(),
                free: Vec::new(),
                waiting: 0,
                in_flight: 0,
                totals: SourceTotals::default(),
                rows: Rows::new(n_intervals),
            })
            .collect();
        let passthrough = funcs.iter().all(|f| matches!(f.kind, Kind::Sync));
        Fronts {
            q: EventQueue::new(),
            funcs,
            rng: stream(sc.seed, label, 0),
            every: sc.report_interval.0.max(1),
            n_intervals,
            horizon: SimTime::ZERO + sc.horizon,
            next_sample: sc.report_interval.0.max(1),
            passthrough,
            scratch: Vec::new(),
        }
    }

    #[inline]
    fn k(&self, t: SimTime) -> usize {
        ((t.0 / self.every) as usize).min(self.n_intervals.saturating_sub(1))
    }

    /// Records end-of-interval gauges for every boundary ≤ `t`.
    fn sample_until(&mut self, t: SimTime) {
        while self.next_sample <= t.0 && self.next_sample <= self.horizon.0 {
            let at = self.next_sample;
            let k = ((at - 1) / self.every) as usize;
            for f in &mut self.funcs {
                let (depth, oldest) = f.gauges(at);
                if k < f.rows.n {
                    let row = f.rows.at(k);
                    row.queue_depth = depth;
                    row.oldest_age_s = oldest;
                }
                f.totals.peak_queue_depth = f.totals.peak_queue_depth.max(depth);
                f.totals.peak_oldest_age_s = f.totals.peak_oldest_age_s.max(oldest);
            }
            self.next_sample += self.every;
        }
    }

    fn alloc(&mut self, fi: usize, mut p: Pending) -> u32 {
        p.live = true;
        let f = &mut self.funcs[fi];
        match f.free.pop() {
            Some(s) => {
                f.slab[s as usize] = p;
                s
            }
            None => {
                f.slab.push(p);
                (f.slab.len() - 1) as u32
            }
        }
    }

    /// A new request from the driver.
    fn on_request<M: Model>(&mut self, a: &Arrival, m: &mut M) {
        let fi = a.function as usize;
        let k = self.k(a.at);
        let f = &mut self.funcs[fi];
        f.totals.requests += 1;
        f.rows.at(k).requests += 1;
        match &mut f.kind {
            Kind::Sync => {
                m.arrive(a);
            }
            Kind::Retry { .. } | Kind::Async { .. } => {
                let slot = self.alloc(
                    fi,
                    Pending {
                        origin: a.at.0,
                        cpu: a.cpu.0,
                        io: a.io.0,
                        ..Default::default()
                    },
                );
                self.attempt(fi, slot, a.at, m);
            }
            Kind::Sqs(s) => {
                let id = s.next_id;
                s.next_id += 1;
                s.visible.push(Reverse(Msg {
                    origin: a.at.0,
                    id,
                    cpu: a.cpu.0,
                    io: a.io.0,
                    receives: 0,
                }));
                if s.waiting_since.is_none() {
                    s.waiting_since = Some(a.at.0);
                }
                if !s.scale_on {
                    s.scale_on = true;
                    self.q.push(
                        a.at + SimDuration::from_secs(1),
                        FEv::Scale { f: fi as u32 },
                    );
                }
                self.sqs_poll(fi, a.at, m);
            }
        }
    }

    /// One attempt of a retrying request.
    fn attempt<M: Model>(&mut self, fi: usize, slot: u32, now: SimTime, m: &mut M) {
        let p = self.funcs[fi].slab[slot as usize];
        let a = Arrival {
            at: now,
            function: fi as u32,
            cpu: SimDuration(p.cpu),
            io: SimDuration(p.io),
            tag: slot,
        };
        let throttled = m.arrive(&a).is_some();
        let k = self.k(now);
        let f = &mut self.funcs[fi];
        let p = &mut f.slab[slot as usize];
        if !throttled {
            f.in_flight += 1;
            return;
        }
        p.attempts += 1;
        let delay = match f.kind {
            Kind::Retry {
                max_attempts,
                base,
                cap,
            } => {
                if p.attempts >= max_attempts {
                    None
                } else {
                    // Full jitter: U(0, min(cap, base·2^(k−1))).
                    let ceiling =
                        (base.0.saturating_mul(1u64 << (p.attempts - 1).min(40))).min(cap.0);
                    Some((unit_f64(&mut self.rng) * ceiling as f64) as u64)
                }
            }
            Kind::Async { max_age, .. } => {
                // 1 s doubling to 5 min, until the event is too old.
                let d = (US_PER_S << (p.attempts - 1).min(20)).min(ASYNC_BACKOFF_MAX);
                (now.0 + d - p.origin <= max_age.0).then_some(d)
            }
            _ => None,
        };
        match delay {
            Some(d) => {
                p.waiting = true;
                f.waiting += 1;
                self.q
                    .push(now + SimDuration(d), FEv::Retry { f: fi as u32, slot });
            }
            None => {
                f.totals.failed += 1;
                f.rows.at(k).failed += 1;
                f.release(slot);
            }
        }
    }

    /// A notifying invocation completed.
    fn on_complete<M: Model>(&mut self, fi: usize, tag: u32, now: SimTime, m: &mut M) {
        let k = self.k(now);
        let u = unit_f64(&mut self.rng);
        let f = &mut self.funcs[fi];
        match &mut f.kind {
            Kind::Sync => {}
            Kind::Retry { .. } => {
                f.in_flight -= 1;
                let origin = f.slab[tag as usize].origin;
                f.totals.end_to_end.record(now.0 - origin);
                f.totals.completed += 1;
                f.rows.at(k).completed += 1;
                f.release(tag);
            }
            Kind::Async {
                max_age,
                max_retries,
                error_rate,
            } => {
                f.in_flight -= 1;
                let p = &mut f.slab[tag as usize];
                if u < *error_rate {
                    // A function error: retried 1 min, then 2 min later.
                    if p.error_retries < *max_retries {
                        p.error_retries += 1;
                        let d = 60 * US_PER_S * p.error_retries as u64;
                        if now.0 + d - p.origin <= max_age.0 {
                            p.waiting = true;
                            f.waiting += 1;
                            self.q.push(
                                now + SimDuration(d),
                                FEv::Retry {
                                    f: fi as u32,
                                    slot: tag,
                                },
                            );
                            return;
                        }
                    }
                    f.totals.failed += 1;
                    f.rows.at(k).failed += 1;
                    f.release(tag);
                } else {
                    f.totals.end_to_end.record(now.0 - p.origin);
                    f.totals.completed += 1;
                    f.rows.at(k).completed += 1;
                    f.release(tag);
                }
            }
            Kind::Sqs(s) => {
                s.active -= 1;
                let b = &mut s.batches[tag as usize];
                b.in_flight = false;
                let n = b.msgs.len() as u64;
                s.in_flight_msgs -= n;
                if u < s.spec.error_rate {
                    // The whole batch returns after the visibility timeout.
                    s.invisible_msgs += n;
                    let at = now + s.spec.visibility_timeout;
                    self.q.push(
                        at,
                        FEv::Visible {
                            f: fi as u32,
                            batch: tag,
                        },
                    );
                } else {
                    for msg in &b.msgs {
                        f.totals.end_to_end.record(now.0 - msg.origin);
                    }
                    f.totals.completed += n;
                    f.rows.at(k).completed += n;
                    b.msgs.clear();
                    s.free_batches.push(tag);
                }
                self.sqs_poll(fi, now, m);
            }
        }
    }

    fn on_event<M: Model>(&mut self, now: SimTime, ev: FEv, m: &mut M) {
        match ev {
            FEv::Retry { f, slot } => {
                let fi = f as usize;
                let k = self.k(now);
                let ff = &mut self.funcs[fi];
                ff.slab[slot as usize].waiting = false;
                ff.waiting -= 1;
                ff.totals.retries += 1;
                ff.rows.at(k).retries += 1;
                self.attempt(fi, slot, now, m);
            }
            FEv::Visible { f, batch } => {
                let fi = f as usize;
                if let Kind::Sqs(s) = &mut self.funcs[fi].kind {
                    let msgs = std::mem::take(&mut s.batches[batch as usize].msgs);
                    s.invisible_msgs -= msgs.len() as u64;
                    for msg in &msgs {
                        s.visible.push(Reverse(*msg));
                    }
                    let mut msgs = msgs;
                    msgs.clear();
                    s.batches[batch as usize].msgs = msgs;
                    s.free_batches.push(batch);
                    if s.waiting_since.is_none() {
                        s.waiting_since = Some(now.0);
                    }
                    if !s.scale_on {
                        s.scale_on = true;
                        self.q
                            .push(now + SimDuration::from_secs(1), FEv::Scale { f });
                    }
                }
                self.sqs_poll(fi, now, m);
            }
            FEv::PollerFree { f } => {
                if let Kind::Sqs(s) = &mut self.funcs[f as usize].kind {
                    s.active -= 1;
                }
                self.sqs_poll(f as usize, now, m);
            }
            FEv::Poll { f } => {
                if let Kind::Sqs(s) = &mut self.funcs[f as usize].kind {
                    s.poll_at = None;
                }
                self.sqs_poll(f as usize, now, m);
            }
            FEv::Scale { f } => {
                let fi = f as usize;
                if let Kind::Sqs(s) = &mut self.funcs[fi].kind {
                    let backlog = !s.visible.is_empty();
                    if backlog && !s.throttled_recently {
                        s.limit =
                            (s.limit + s.spec.scale_up_per_minute as f64 / 60.0).min(s.cap as f64);
                    } else if !backlog {
                        s.limit = s
                            .limit
                            .min((s.active as f64).max(s.spec.initial_concurrency as f64));
                    }
                    s.throttled_recently = false;
                    if backlog || s.active > 0 || s.invisible_msgs > 0 {
                        self.q
                            .push(now + SimDuration::from_secs(1), FEv::Scale { f });
                    } else {
                        s.scale_on = false;
                    }
                }
                self.sqs_poll(fi, now, m);
            }
        }
    }

    /// Starts as many batches as the pollers may.
    fn sqs_poll<M: Model>(&mut self, fi: usize, now: SimTime, m: &mut M) {
        let k = self.k(now);
        loop {
            let f = &mut self.funcs[fi];
            let Kind::Sqs(s) = &mut f.kind else { return };
            let cap = (s.limit as u32).clamp(1, s.cap);
            if s.active >= cap || s.visible.is_empty() {
                if s.visible.is_empty() {
                    s.waiting_since = None;
                }
                return;
            }
            if s.spec.batch_window.0 > 0 && (s.visible.len() as u32) < s.spec.batch_size {
                let ready_at = s.waiting_since.unwrap_or(now.0) + s.spec.batch_window.0;
                if now.0 < ready_at {
                    if s.poll_at.is_none_or(|p| p > ready_at) {
                        s.poll_at = Some(ready_at);
                        self.q.push(SimTime(ready_at), FEv::Poll { f: fi as u32 });
                    }
                    return;
                }
            }
            // Receive a batch; messages received maxReceiveCount times go to the DLQ.
            let slot = match s.free_batches.pop() {
                Some(b) => b,
                None => {
                    s.batches.push(Batch::default());
                    (s.batches.len() - 1) as u32
                }
            };
            let mut msgs = std::mem::take(&mut s.batches[slot as usize].msgs);
            while (msgs.len() as u32) < s.spec.batch_size {
                let Some(Reverse(mut msg)) = s.visible.pop() else {
                    break;
                };
                if msg.receives > 0 {
                    f.totals.redelivered += 1;
                    f.totals.retries += 1;
                    f.rows.at(k).retries += 1;
                }
                if msg.receives >= s.spec.max_receive_count {
                    f.totals.dlq += 1;
                    f.rows.at(k).dlq += 1;
                    continue;
                }
                msg.receives += 1;
                msgs.push(msg);
            }
            if s.visible.is_empty() {
                s.waiting_since = None;
            } else {
                s.waiting_since = Some(now.0);
            }
            if msgs.is_empty() {
                s.batches[slot as usize].msgs = msgs;
                s.free_batches.push(slot);
                continue;
            }
            let (cpu, io) = match s.spec.batch_work {
                BatchWork::Summed => msgs.iter().fold((0, 0), |(c, i), x| (c + x.cpu, i + x.io)),
                BatchWork::PerBatch => (msgs[0].cpu, msgs[0].io),
            };
            let n = msgs.len() as u64;
            s.batches[slot as usize].msgs = msgs;
            let a = Arrival {
                at: now,
                function: fi as u32,
                cpu: SimDuration(cpu),
                io: SimDuration(io),
                tag: slot,
            };
            let throttled = m.arrive(&a).is_some();
            let f = &mut self.funcs[fi];
            let Kind::Sqs(s) = &mut f.kind else { return };
            if throttled {
                // The poller backs off, holding its place; the others go on.
                s.invisible_msgs += n;
                s.active += 1;
                s.limit = (s.limit - 1.0).max(s.spec.initial_concurrency as f64);
                s.throttled_recently = true;
                let at = now + s.spec.visibility_timeout;
                self.q.push(
                    at,
                    FEv::Visible {
                        f: fi as u32,
                        batch: slot,
                    },
                );
                self.q.push(
                    now + s.spec.throttle_backoff,
                    FEv::PollerFree { f: fi as u32 },
                );
            } else {
                s.active += 1;
                s.in_flight_msgs += n;
                s.batches[slot as usize].in_flight = true;
            }
        }
    }
}

impl FrontFn {
    fn release(&mut self, slot: u32) {
        self.slab[slot as usize].live = false;
        self.free.push(slot);
    }

    /// (requests waiting, age of the oldest request not completed [s]) at `now`.
    fn gauges(&self, now: u64) -> (u64, f64) {
        let age = |o: u64| now.saturating_sub(o) as f64 / US_PER_S as f64;
        match &self.kind {
            Kind::Sync => (0, 0.0),
            Kind::Retry { .. } | Kind::Async { .. } => {
                let oldest = self.slab.iter().filter(|p| p.live).map(|p| p.origin).min();
                (self.waiting, oldest.map_or(0.0, age))
            }
            Kind::Sqs(s) => {
                let mut oldest = s.visible.peek().map(|r| r.0.origin);
                for b in &s.batches {
                    for msg in &b.msgs {
                        oldest = Some(oldest.map_or(msg.origin, |o| o.min(msg.origin)));
                    }
                }
                (
                    s.visible.len() as u64 + s.invisible_msgs,
                    oldest.map_or(0.0, age),
                )
            }
        }
    }

    fn finish_counts(&mut self) {
        match &self.kind {
            Kind::Sync => {}
            Kind::Retry { .. } | Kind::Async { .. } => {
                self.totals.queued_at_end = self.waiting;
                self.totals.in_flight_at_end = self.in_flight;
            }
            Kind::Sqs(s) => {
                self.totals.queued_at_end = s.visible.len() as u64 + s.invisible_msgs;
                self.totals.in_flight_at_end = s.in_flight_msgs;
            }
        }
    }
}

/// What one platform's sources produced.
#[derive(Debug, Default)]
pub struct SourceResult {
    /// Per function: `None` for synchronous sources.
    pub totals: Vec<Option<SourceTotals>>,
    pub rows: Vec<Option<RowLog<SourceInterval>>>,
}

/// A platform model with its event sources.
pub struct Platform<M: Model> {
    pub model: M,
    fronts: Fronts,
}

impl<M: Model> Platform<M> {
    pub fn new(mut model: M, sc: &Scenario, label: &str) -> Self {
        let fronts = Fronts::new(sc, label);
        for (i, f) in fronts.funcs.iter().enumerate() {
            if !matches!(f.kind, Kind::Sync) {
                model.notify(i);
            }
        }
        Platform { model, fronts }
    }

    fn drain(&mut self) {
        loop {
            let now = self.model.now();
            std::mem::swap(&mut self.fronts.scratch, self.model.completions());
            if self.fronts.scratch.is_empty() {
                return;
            }
            let mut done = std::mem::take(&mut self.fronts.scratch);
            for &(f, tag) in &done {
                self.fronts
                    .on_complete(f as usize, tag, now, &mut self.model);
            }
            done.clear();
            self.fronts.scratch = done;
        }
    }

    /// Processes model and source events up to `t`, in time order.
    #[inline]
    pub fn advance_to(&mut self, t: SimTime) {
        if self.fronts.passthrough {
            self.model.advance_to(t);
            return;
        }
        loop {
            let tf = self.fronts.q.peek_time().unwrap_or(SimTime::MAX).min(t);
            if self.model.advance_to(tf) {
                let now = self.model.now();
                self.fronts.sample_until(now);
                self.drain();
                continue;
            }
            match self.fronts.q.pop_until(tf) {
                Some((at, ev)) => {
                    self.fronts.sample_until(at);
                    self.fronts.on_event(at, ev, &mut self.model);
                    self.drain();
                }
                None => break,
            }
        }
    }

    /// A request from the driver, at `a.at` (after `advance_to(a.at)`).
    #[inline]
    pub fn offer(&mut self, a: &Arrival) {
        if self.fronts.passthrough {
            self.model.arrive(a);
            return;
        }
        self.fronts.sample_until(a.at);
        self.fronts.on_request(a, &mut self.model);
        self.drain();
    }

    /// Runs to the horizon; returns the model and the sources' results.
    pub fn finish(mut self, horizon: SimTime) -> (M, SourceResult) {
        self.advance_to(horizon);
        self.fronts.sample_until(horizon);
        // A last partial interval ends at the horizon.
        if !horizon.0.is_multiple_of(self.fronts.every) {
            let k = self.fronts.n_intervals.saturating_sub(1);
            for f in &mut self.fronts.funcs {
                let (d, o) = f.gauges(horizon.0);
                if k < f.rows.n {
                    let row = f.rows.at(k);
                    row.queue_depth = d;
                    row.oldest_age_s = o;
                }
            }
        }
        let mut res = SourceResult::default();
        for mut f in self.fronts.funcs {
            if matches!(f.kind, Kind::Sync) {
                res.totals.push(None);
                res.rows.push(None);
            } else {
                f.finish_counts();
                res.totals.push(Some(f.totals));
                res.rows.push(Some(f.rows.finish()));
            }
        }
        (self.model, res)
    }
}
