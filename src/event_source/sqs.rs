//! The SQS event source: a queue drained by an event source mapping's pollers.
//!
//! As AWS documents it (docs/model.md, "SQS"): pollers start with
//! `initial_concurrency` concurrent batches and add `scale_up_per_minute` per
//! minute (in once-a-second steps) while messages wait, up to `max_pollers` or
//! `MaximumConcurrency`. A throttled batch stays with its poller and is retried
//! with a backoff (`throttle_backoff`, doubling up to `throttle_backoff_max`)
//! for as long as its visibility timeout, counted from its receive, has not run
//! out; then the poller lets it go and its messages become visible again when the
//! timeout ends. Every throttle and every function error lowers the concurrency
//! by one (not below `initial_concurrency`). A failed batch (function error)
//! becomes visible again when its visibility timeout ends. The visible queue is
//! served oldest message first; a message received `maxReceiveCount` times goes
//! to the DLQ on its next receive.

use super::{EventSources, Kind, SourceEvent};
use crate::ids::FunctionId;
use crate::invocation::Arrival;
use crate::platform::Platform;
use crate::scenario::{BatchWork, SqsSpec};
use crate::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Msg {
    origin: u64,
    id: u64,
    cpu: u64,
    io: u64,
    receives: u32,
}

/// A received batch.
#[derive(Default)]
struct Batch {
    msgs: Vec<Msg>,
    /// When it was received [µs]: its visibility timeout runs from here.
    received_at: u64,
    /// Throttles met since it was received.
    throttles: u32,
}

/// The queue and its pollers.
pub(super) struct SqsState {
    spec: SqsSpec,
    visible: BinaryHeap<Reverse<Msg>>,
    /// Received batches by slot (running, retrying after a throttle, or
    /// invisible until their visibility timeout ends).
    batches: Vec<Batch>,
    free_batches: Vec<u32>,
    next_id: u64,
    /// Pollers busy: with a running batch, or retrying a throttled one.
    active: u32,
    /// Concurrent batches the pollers may run now.
    limit: f64,
    cap: u32,
    invisible_msgs: u64,
    pub in_flight_msgs: u64,
    waiting_since: Option<u64>,
    poll_at: Option<u64>,
    scale_on: bool,
    /// When a batch was last throttled [µs].
    last_throttle: Option<u64>,
}

impl SqsState {
    pub fn new(spec: &SqsSpec) -> Self {
        SqsState {
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
            last_throttle: None,
        }
    }

    /// Messages waiting: visible, or invisible after a throttle or an error.
    pub fn queued(&self) -> u64 {
        self.visible.len() as u64 + self.invisible_msgs
    }

    /// (messages waiting, arrival time of the oldest message not completed).
    pub fn gauges(&self) -> (u64, Option<u64>) {
        let mut oldest = self.visible.peek().map(|r| r.0.origin);
        for b in &self.batches {
            for msg in &b.msgs {
                oldest = Some(oldest.map_or(msg.origin, |o| o.min(msg.origin)));
            }
        }
        (self.queued(), oldest)
    }
}

impl<P: Platform> EventSources<P> {
    fn sqs(&mut self, f: FunctionId) -> Option<&mut SqsState> {
        match &mut self.sources[f.index()].kind {
            Kind::Sqs(s) => Some(s),
            _ => None,
        }
    }

    /// Starts the once-a-second poller scaling, if it is not running.
    fn start_scaling(&mut self, f: FunctionId, now: SimTime) {
        let Some(s) = self.sqs(f) else { return };
        if !s.scale_on {
            s.scale_on = true;
            self.q
                .push(now + SimDuration::from_secs(1), SourceEvent::Scale { f });
        }
    }

    /// A message sent to the queue.
    pub(super) fn enqueue(&mut self, a: &Arrival) {
        let f = a.function;
        let Some(s) = self.sqs(f) else { return };
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
        self.start_scaling(f, a.at);
        self.poll(f, a.at);
    }

    /// A batch's invocation completed; `u` decides a function error.
    pub(super) fn batch_completed(
        &mut self,
        f: FunctionId,
        tag: u32,
        now: SimTime,
        k: usize,
        u: f64,
    ) {
        let src = &mut self.sources[f.index()];
        let Kind::Sqs(s) = &mut src.kind else { return };
        s.active -= 1;
        let b = &mut s.batches[tag as usize];
        let n = b.msgs.len() as u64;
        s.in_flight_msgs -= n;
        if u < s.spec.error_rate {
            // A function error: the whole batch returns when its visibility
            // timeout ends, and the mapping backs off its concurrency.
            s.invisible_msgs += n;
            let at = SimTime(b.received_at) + s.spec.visibility_timeout;
            s.back_off();
            self.q
                .push(at.max(now), SourceEvent::Visible { f, batch: tag });
        } else {
            for msg in &b.msgs {
                src.totals.end_to_end.record(now.0 - msg.origin);
            }
            src.totals.completed += n;
            src.rows.at(k).completed += n;
            b.msgs.clear();
            s.free_batches.push(tag);
        }
        self.poll(f, now);
    }

    /// An invisible batch becomes visible again.
    pub(super) fn visible(&mut self, f: FunctionId, batch: u32, now: SimTime) {
        if let Some(s) = self.sqs(f) {
            let b = &mut s.batches[batch as usize];
            s.invisible_msgs -= b.msgs.len() as u64;
            for msg in b.msgs.drain(..) {
                s.visible.push(Reverse(msg));
            }
            s.free_batches.push(batch);
            if s.waiting_since.is_none() {
                s.waiting_since = Some(now.0);
            }
            self.start_scaling(f, now);
        }
        self.poll(f, now);
    }

    /// A throttled batch's backoff ended: its poller invokes it again.
    pub(super) fn batch_retry(&mut self, f: FunctionId, batch: u32, now: SimTime) {
        let k = self.clock.index(now);
        let src = &mut self.sources[f.index()];
        let Kind::Sqs(s) = &mut src.kind else { return };
        s.invisible_msgs -= s.batches[batch as usize].msgs.len() as u64;
        src.totals.retries += 1;
        src.rows.at(k).retries += 1;
        self.invoke(f, batch, now);
        self.poll(f, now);
    }

    /// A batching window ended.
    pub(super) fn poll_due(&mut self, f: FunctionId, now: SimTime) {
        if let Some(s) = self.sqs(f) {
            s.poll_at = None;
        }
        self.poll(f, now);
    }

    /// The once-a-second poller scaling step.
    pub(super) fn scale(&mut self, f: FunctionId, now: SimTime) {
        if let Some(s) = self.sqs(f) {
            let backlog = !s.visible.is_empty();
            let paused = s
                .last_throttle
                .is_some_and(|t| now.0 < t + s.spec.scale_up_pause.0.max(1));
            if backlog && !paused {
                s.limit = (s.limit + s.spec.scale_up_per_minute as f64 / 60.0).min(s.cap as f64);
            } else if !backlog {
                s.limit = s
                    .limit
                    .min((s.active as f64).max(s.spec.initial_concurrency as f64));
            }
            if backlog || s.active > 0 || s.invisible_msgs > 0 {
                self.q
                    .push(now + SimDuration::from_secs(1), SourceEvent::Scale { f });
            } else {
                s.scale_on = false;
            }
        }
        self.poll(f, now);
    }

    /// Starts as many batches as the pollers may.
    fn poll(&mut self, f: FunctionId, now: SimTime) {
        let k = self.clock.index(now);
        loop {
            let src = &mut self.sources[f.index()];
            let Kind::Sqs(s) = &mut src.kind else { return };
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
                        self.q.push(SimTime(ready_at), SourceEvent::Poll { f });
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
                    src.totals.redelivered += 1;
                    src.totals.retries += 1;
                    src.rows.at(k).retries += 1;
                }
                if msg.receives >= s.spec.max_receive_count {
                    src.totals.dlq += 1;
                    src.rows.at(k).dlq += 1;
                    continue;
                }
                msg.receives += 1;
                msgs.push(msg);
            }
            src.totals.received += msgs.len() as u64;
            s.waiting_since = if s.visible.is_empty() {
                None
            } else {
                Some(now.0)
            };
            let b = &mut s.batches[slot as usize];
            b.msgs = msgs;
            if b.msgs.is_empty() {
                s.free_batches.push(slot);
                continue;
            }
            b.received_at = now.0;
            b.throttles = 0;
            s.active += 1;
            self.invoke(f, slot, now);
        }
    }

    /// Invokes the function with a received batch (its poller is counted
    /// active); a throttle is retried after a backoff while the batch's
    /// visibility timeout lasts, or the batch is let go.
    fn invoke(&mut self, f: FunctionId, slot: u32, now: SimTime) {
        let Some(s) = self.sqs(f) else { return };
        let b = &s.batches[slot as usize];
        let (cpu, io) = match s.spec.batch_work {
            BatchWork::Summed => b
                .msgs
                .iter()
                .fold((0, 0), |(c, i), x| (c + x.cpu, i + x.io)),
            BatchWork::PerBatch => (b.msgs[0].cpu, b.msgs[0].io),
        };
        let n = b.msgs.len() as u64;
        let a = Arrival {
            at: now,
            function: f,
            cpu: SimDuration(cpu),
            io: SimDuration(io),
            tag: slot,
        };
        let throttled = self.platform.arrive(&a).is_throttled();
        let Some(s) = self.sqs(f) else { return };
        if !throttled {
            s.in_flight_msgs += n;
            return;
        }
        s.back_off();
        s.last_throttle = Some(now.0);
        s.invisible_msgs += n;
        let b = &mut s.batches[slot as usize];
        b.throttles += 1;
        let shift = (b.throttles - 1).min(30);
        let delay = (s.spec.throttle_backoff.0 << shift).min(s.spec.throttle_backoff_max.0);
        let expires = SimTime(b.received_at) + s.spec.visibility_timeout;
        if now + SimDuration(delay) < expires {
            self.q.push(
                now + SimDuration(delay),
                SourceEvent::BatchRetry { f, batch: slot },
            );
        } else {
            // The poller lets it go; it is visible again when its timeout ends.
            s.active -= 1;
            self.q
                .push(expires.max(now), SourceEvent::Visible { f, batch: slot });
        }
    }
}

impl SqsState {
    /// The mapping backs off: one concurrent batch fewer.
    fn back_off(&mut self) {
        self.limit = (self.limit - 1.0).max(self.spec.initial_concurrency as f64);
    }
}
