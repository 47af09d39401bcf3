//! The SQS event source: a queue drained by an event source mapping's pollers.
//!
//! Approximations (docs/model.md, "SQS"): pollers start with
//! `initial_concurrency` concurrent batches and add `scale_up_per_minute` per
//! minute (in once-a-second steps) while messages wait, up to `max_pollers` or
//! `MaximumConcurrency`; a throttled batch lowers that limit by one, becomes
//! visible again after `VisibilityTimeout`, and its poller waits
//! `throttle_backoff` before it polls again. The visible queue is served oldest
//! message first. A message's visibility timeout never expires while its batch
//! runs; one received `maxReceiveCount` times goes to the DLQ on its next receive.

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

/// The queue and its pollers.
pub(super) struct SqsState {
    spec: SqsSpec,
    visible: BinaryHeap<Reverse<Msg>>,
    /// Received batches by slot (running, or invisible after a throttle or an error).
    batches: Vec<Vec<Msg>>,
    free_batches: Vec<u32>,
    next_id: u64,
    /// Pollers busy: with a running batch, or backing off after a throttle.
    active: u32,
    /// Concurrent batches the pollers may run now.
    limit: f64,
    cap: u32,
    invisible_msgs: u64,
    pub in_flight_msgs: u64,
    waiting_since: Option<u64>,
    poll_at: Option<u64>,
    scale_on: bool,
    throttled_recently: bool,
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
            throttled_recently: false,
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
            for msg in b {
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
        let n = b.len() as u64;
        s.in_flight_msgs -= n;
        if u < s.spec.error_rate {
            // The whole batch returns after the visibility timeout.
            s.invisible_msgs += n;
            let at = now + s.spec.visibility_timeout;
            self.q.push(at, SourceEvent::Visible { f, batch: tag });
        } else {
            for msg in b.iter() {
                src.totals.end_to_end.record(now.0 - msg.origin);
            }
            src.totals.completed += n;
            src.rows.at(k).completed += n;
            b.clear();
            s.free_batches.push(tag);
        }
        self.poll(f, now);
    }

    /// An invisible batch becomes visible again.
    pub(super) fn visible(&mut self, f: FunctionId, batch: u32, now: SimTime) {
        if let Some(s) = self.sqs(f) {
            let mut msgs = std::mem::take(&mut s.batches[batch as usize]);
            s.invisible_msgs -= msgs.len() as u64;
            for msg in &msgs {
                s.visible.push(Reverse(*msg));
            }
            msgs.clear();
            s.batches[batch as usize] = msgs;
            s.free_batches.push(batch);
            if s.waiting_since.is_none() {
                s.waiting_since = Some(now.0);
            }
            self.start_scaling(f, now);
        }
        self.poll(f, now);
    }

    /// A throttled poller's backoff ended.
    pub(super) fn poller_free(&mut self, f: FunctionId, now: SimTime) {
        if let Some(s) = self.sqs(f) {
            s.active -= 1;
        }
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
            if backlog && !s.throttled_recently {
                s.limit = (s.limit + s.spec.scale_up_per_minute as f64 / 60.0).min(s.cap as f64);
            } else if !backlog {
                s.limit = s
                    .limit
                    .min((s.active as f64).max(s.spec.initial_concurrency as f64));
            }
            s.throttled_recently = false;
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
                    s.batches.push(Vec::new());
                    (s.batches.len() - 1) as u32
                }
            };
            let mut msgs = std::mem::take(&mut s.batches[slot as usize]);
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
            s.waiting_since = if s.visible.is_empty() {
                None
            } else {
                Some(now.0)
            };
            if msgs.is_empty() {
                s.batches[slot as usize] = msgs;
                s.free_batches.push(slot);
                continue;
            }
            let (cpu, io) = match s.spec.batch_work {
                BatchWork::Summed => msgs.iter().fold((0, 0), |(c, i), x| (c + x.cpu, i + x.io)),
                BatchWork::PerBatch => (msgs[0].cpu, msgs[0].io),
            };
            let n = msgs.len() as u64;
            s.batches[slot as usize] = msgs;
            let a = Arrival {
                at: now,
                function: f,
                cpu: SimDuration(cpu),
                io: SimDuration(io),
                tag: slot,
            };
            let throttled = self.platform.arrive(&a).is_throttled();
            let Some(s) = self.sqs(f) else { return };
            s.active += 1;
            if throttled {
                // The poller backs off, holding its place; the others go on.
                s.invisible_msgs += n;
                s.limit = (s.limit - 1.0).max(s.spec.initial_concurrency as f64);
                s.throttled_recently = true;
                let at = now + s.spec.visibility_timeout;
                let free_at = now + s.spec.throttle_backoff;
                self.q.push(at, SourceEvent::Visible { f, batch: slot });
                self.q.push(free_at, SourceEvent::PollerFree { f });
            } else {
                s.in_flight_msgs += n;
            }
        }
    }
}
