//! Event sources (docs/model.md, "Event sources"): what happens to a request
//! when the platform throttles it. A synchronous caller sees an error; a caller
//! with retries tries again after a jittered backoff; Lambda's async queue
//! retries for hours; an SQS queue keeps the message, redelivers it after the
//! visibility timeout, and moves it to the DLQ after `maxReceiveCount` receives.
//!
//! Each platform gets its own [`EventSources`] (the same request meets
//! different throttles on LMI and on default Lambda): it wraps any [`Platform`]
//! generically and interleaves the sources' events with the platform's in time
//! order. When every function is synchronous it is a pass-through with no extra
//! work. The retrying sources live in `retry.rs`, the SQS queue in `sqs.rs`.

mod retry;
mod sqs;

use crate::clock::ReportClock;
use crate::dist::unit_f64;
use crate::engine::EventQueue;
use crate::ids::FunctionId;
use crate::invocation::Arrival;
use crate::platform::{Admission, Advance, Completion, Platform};
use crate::rng::{SimRng, stream};
use crate::rowlog::{Record, RowLog};
use crate::scenario::{EventSourceSpec, Scenario};
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime, US_PER_S};
use retry::Pending;
use sqs::SqsState;

/// Per-interval figures of one function's event source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventSourceInterval {
    /// Requests (messages, events) that arrived.
    pub requests: u64,
    /// Requests whose processing completed.
    pub completed: u64,
    /// Retries: caller or async retries; SQS throttle retries and redeliveries.
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

impl Record for EventSourceInterval {
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
        EventSourceInterval {
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

/// Whole-run figures of one function's event source.
#[derive(Clone, Debug, Default)]
pub struct EventSourceTotals {
    pub requests: u64,
    pub completed: u64,
    pub retries: u64,
    pub failed: u64,
    pub dlq: u64,
    /// Messages received from the queue, first receives and redeliveries (SQS).
    pub received: u64,
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

/// What one platform's event sources produced.
#[derive(Debug, Default)]
pub struct EventSourceResult {
    /// Per function: `None` for synchronous sources.
    pub totals: Vec<Option<EventSourceTotals>>,
    pub rows: Vec<Option<RowLog<EventSourceInterval>>>,
}

/// An event of the sources' own queue.
#[derive(Copy, Clone, Debug)]
enum SourceEvent {
    /// A retrying request's backoff ends.
    Retry { f: FunctionId, slot: u32 },
    /// A received SQS batch becomes visible again.
    Visible { f: FunctionId, batch: u32 },
    /// The batching window of a waiting batch ends.
    Poll { f: FunctionId },
    /// The once-a-second poller scaling step.
    Scale { f: FunctionId },
    /// A throttled SQS batch's backoff ends: its poller invokes it again.
    BatchRetry { f: FunctionId, batch: u32 },
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

/// One function's event source.
struct Source {
    kind: Kind,
    /// Requests held by a retrying source.
    slab: Vec<Pending>,
    free: Vec<u32>,
    waiting: u64,
    in_flight: u64,
    totals: EventSourceTotals,
    rows: Rows,
}

/// A function's source rows: the current interval's row in memory, the
/// closed ones in a [`RowLog`]. Rows are written in interval order: a
/// boundary's gauges are sampled before anything at or after it happens.
struct Rows {
    log: RowLog<EventSourceInterval>,
    cur: EventSourceInterval,
    cur_k: usize,
    n: usize,
}

impl Rows {
    fn new(n: usize) -> Self {
        Rows {
            log: RowLog::new(),
            cur: EventSourceInterval::default(),
            cur_k: 0,
            n,
        }
    }

    /// The row of interval `k` (`k` < the interval count, not before the
    /// current one).
    #[inline]
    fn at(&mut self, k: usize) -> &mut EventSourceInterval {
        debug_assert!(k >= self.cur_k, "source row {k} written after it closed");
        while self.cur_k < k {
            self.log.push(std::mem::take(&mut self.cur));
            self.cur_k += 1;
        }
        &mut self.cur
    }

    /// Records end-of-interval gauges in row `k`, if the run has it.
    fn gauges(&mut self, k: usize, depth: u64, oldest_s: f64) {
        if k < self.n {
            let row = self.at(k);
            row.queue_depth = depth;
            row.oldest_age_s = oldest_s;
        }
    }

    fn finish(mut self) -> RowLog<EventSourceInterval> {
        if self.n > 0 {
            self.at(self.n - 1);
            self.log.push(self.cur);
        }
        self.log
    }
}

impl Source {
    fn new(spec: &EventSourceSpec, intervals: usize) -> Self {
        let kind = match spec {
            EventSourceSpec::Sync => Kind::Sync,
            EventSourceSpec::SyncRetry {
                max_attempts,
                base_delay,
                max_delay,
            } => Kind::Retry {
                max_attempts: *max_attempts,
                base: *base_delay,
                cap: *max_delay,
            },
            EventSourceSpec::Async {
                max_event_age,
                max_retry_attempts,
                error_rate,
            } => Kind::Async {
                max_age: *max_event_age,
                max_retries: *max_retry_attempts,
                error_rate: *error_rate,
            },
            EventSourceSpec::Sqs(spec) => Kind::Sqs(Box::new(SqsState::new(spec))),
        };
        Source {
            kind,
            slab: Vec::new(),
            free: Vec::new(),
            waiting: 0,
            in_flight: 0,
            totals: EventSourceTotals::default(),
            rows: Rows::new(intervals),
        }
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
                let (depth, oldest) = s.gauges();
                (depth, oldest.map_or(0.0, age))
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
                self.totals.queued_at_end = s.queued();
                self.totals.in_flight_at_end = s.in_flight_msgs;
            }
        }
    }
}

/// The event sources of one platform, wrapped around it.
pub struct EventSources<P: Platform> {
    platform: P,
    q: EventQueue<SourceEvent>,
    sources: Vec<Source>,
    rng: SimRng,
    clock: ReportClock,
    next_sample: SimTime,
    passthrough: bool,
    scratch: Vec<Completion>,
}

impl<P: Platform> EventSources<P> {
    /// The sources of `sc`'s functions in front of `platform` (`label` keeps the
    /// random streams of the two platforms apart).
    pub fn new(mut platform: P, sc: &Scenario, label: &str) -> Self {
        let clock = sc.report_clock();
        let sources: Vec<Source> = sc
            .functions
            .iter()
            .map(|f| Source::new(&f.event_source, clock.count()))
            .collect();
        for (i, s) in sources.iter().enumerate() {
            if !matches!(s.kind, Kind::Sync) {
                platform.notify(FunctionId::of(i));
            }
        }
        EventSources {
            passthrough: sources.iter().all(|s| matches!(s.kind, Kind::Sync)),
            platform,
            q: EventQueue::new(),
            sources,
            rng: stream(sc.seed, label, 0),
            next_sample: SimTime::ZERO + clock.every(),
            clock,
            scratch: Vec::new(),
        }
    }

    /// The wrapped platform.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// Processes platform and source events up to `t`, in time order.
    #[inline]
    pub fn advance_to(&mut self, t: SimTime) {
        if self.passthrough {
            let _ = self.platform.advance_to(t);
            return;
        }
        loop {
            let tf = self.q.peek_time().unwrap_or(SimTime::MAX).min(t);
            if self.platform.advance_to(tf) == Advance::Completions {
                let now = self.platform.now();
                self.sample_until(now);
                self.drain();
                continue;
            }
            match self.q.pop_until(tf) {
                Some((at, ev)) => {
                    self.sample_until(at);
                    self.on_event(at, ev);
                    self.drain();
                }
                None => break,
            }
        }
    }

    /// A request from the driver, at `a.at` (after `advance_to(a.at)`).
    #[inline]
    pub fn offer(&mut self, a: &Arrival) {
        if self.passthrough {
            let _ = self.platform.arrive(a);
            return;
        }
        self.sample_until(a.at);
        self.on_request(a);
        self.drain();
    }

    /// Like [`EventSources::offer`]; for a function with a synchronous source,
    /// also says what the platform did with the request (a spill-over retries
    /// its throttles elsewhere). `None` for the other sources.
    #[inline]
    pub fn offer_sync(&mut self, a: &Arrival) -> Option<Admission> {
        if self.passthrough {
            return Some(self.platform.arrive(a));
        }
        if !matches!(self.sources[a.function.index()].kind, Kind::Sync) {
            self.offer(a);
            return None;
        }
        self.sample_until(a.at);
        let k = self.clock.index(a.at);
        let s = &mut self.sources[a.function.index()];
        s.totals.requests += 1;
        s.rows.at(k).requests += 1;
        let adm = self.platform.arrive(a);
        self.drain();
        Some(adm)
    }

    /// Runs to the horizon; returns the platform's and the sources' results.
    pub fn finish(mut self, horizon: SimTime) -> (P::Result, EventSourceResult) {
        self.advance_to(horizon);
        self.sample_until(horizon);
        // A last partial interval ends at the horizon.
        if self.clock.last_is_partial() {
            let k = self.clock.count().saturating_sub(1);
            for s in &mut self.sources {
                let (d, o) = s.gauges(horizon.0);
                s.rows.gauges(k, d, o);
            }
        }
        let mut res = EventSourceResult::default();
        for mut s in self.sources {
            if matches!(s.kind, Kind::Sync) {
                res.totals.push(None);
                res.rows.push(None);
            } else {
                s.finish_counts();
                res.totals.push(Some(s.totals));
                res.rows.push(Some(s.rows.finish()));
            }
        }
        (self.platform.finish(horizon), res)
    }

    /// Hands the platform's completion notices to their sources.
    fn drain(&mut self) {
        loop {
            let now = self.platform.now();
            std::mem::swap(&mut self.scratch, self.platform.completions());
            if self.scratch.is_empty() {
                return;
            }
            let mut done = std::mem::take(&mut self.scratch);
            for c in &done {
                self.on_complete(c.function, c.tag, now, c.failed);
            }
            done.clear();
            self.scratch = done;
        }
    }

    /// Records end-of-interval gauges for every boundary ≤ `t`.
    fn sample_until(&mut self, t: SimTime) {
        while self.next_sample <= t && self.next_sample <= self.clock.horizon() {
            let at = self.next_sample;
            let k = self.clock.closed_by(at);
            for s in &mut self.sources {
                let (depth, oldest) = s.gauges(at.0);
                s.rows.gauges(k, depth, oldest);
                s.totals.peak_queue_depth = s.totals.peak_queue_depth.max(depth);
                s.totals.peak_oldest_age_s = s.totals.peak_oldest_age_s.max(oldest);
            }
            self.next_sample += self.clock.every();
        }
    }

    /// A new request from the driver.
    fn on_request(&mut self, a: &Arrival) {
        let k = self.clock.index(a.at);
        let s = &mut self.sources[a.function.index()];
        s.totals.requests += 1;
        s.rows.at(k).requests += 1;
        match &s.kind {
            Kind::Sync => {
                let _ = self.platform.arrive(a);
            }
            Kind::Retry { .. } | Kind::Async { .. } => self.first_attempt(a),
            Kind::Sqs(_) => self.enqueue(a),
        }
    }

    /// An invocation of a source that asked for notices completed, or was
    /// lost to a fault (`failed`), which the source treats as a function
    /// error: async retries it, SQS redelivers the batch, a caller with
    /// retries gives up on it.
    fn on_complete(&mut self, f: FunctionId, tag: u32, now: SimTime, failed: bool) {
        let k = self.clock.index(now);
        // One draw per completion, whatever the source (it decides errors).
        let u = unit_f64(&mut self.rng);
        // Below every error rate, 0 included: the error branch.
        let u = if failed { -1.0 } else { u };
        match &self.sources[f.index()].kind {
            Kind::Sync => {}
            Kind::Retry { .. } if failed => self.retry_lost(f, tag, k),
            Kind::Retry { .. } | Kind::Async { .. } => self.retry_completed(f, tag, now, k, u),
            Kind::Sqs(_) => self.batch_completed(f, tag, now, k, u),
        }
    }

    fn on_event(&mut self, now: SimTime, ev: SourceEvent) {
        match ev {
            SourceEvent::Retry { f, slot } => self.retry_due(f, slot, now),
            SourceEvent::Visible { f, batch } => self.visible(f, batch, now),
            SourceEvent::BatchRetry { f, batch } => self.batch_retry(f, batch, now),
            SourceEvent::Poll { f } => self.poll_due(f, now),
            SourceEvent::Scale { f } => self.scale(f, now),
        }
    }
}

#[cfg(test)]
mod tests;
