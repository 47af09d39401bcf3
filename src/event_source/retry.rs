//! The retrying event sources: a synchronous caller with a full-jitter
//! exponential backoff (`sync_retry`), and Lambda's asynchronous-invocation
//! queue (`async`: throttles retried 1 s doubling to 5 min until the event is
//! too old; function errors retried 1 and 2 minutes later). Each request is
//! held in a slot of its function's slab until it completes or fails.

use super::{EventSources, Kind, SourceEvent};
use crate::dist::unit_f64;
use crate::ids::FunctionId;
use crate::invocation::Arrival;
use crate::platform::Platform;
use crate::time::{SimDuration, SimTime, US_PER_S};

/// The async queue's longest backoff between throttle retries [µs].
const ASYNC_BACKOFF_MAX: u64 = 300 * US_PER_S;

/// A request held by a retrying source.
#[derive(Copy, Clone, Debug, Default)]
pub(super) struct Pending {
    /// First arrival [µs].
    pub origin: u64,
    cpu: u64,
    io: u64,
    /// Attempts made (sync retry) or throttle retries made (async).
    attempts: u32,
    /// Retries after function errors (async).
    error_retries: u32,
    waiting: bool,
    pub live: bool,
}

impl<P: Platform> EventSources<P> {
    /// A new request of a retrying source: held, then tried at once.
    pub(super) fn first_attempt(&mut self, a: &Arrival) {
        let f = a.function;
        let p = Pending {
            origin: a.at.0,
            cpu: a.cpu.0,
            io: a.io.0,
            live: true,
            ..Default::default()
        };
        let s = &mut self.sources[f.index()];
        let slot = match s.free.pop() {
            Some(i) => {
                s.slab[i as usize] = p;
                i
            }
            None => {
                s.slab.push(p);
                (s.slab.len() - 1) as u32
            }
        };
        self.attempt(f, slot, a.at);
    }

    /// A retry's backoff ended.
    pub(super) fn retry_due(&mut self, f: FunctionId, slot: u32, now: SimTime) {
        let k = self.clock.index(now);
        let s = &mut self.sources[f.index()];
        s.slab[slot as usize].waiting = false;
        s.waiting -= 1;
        s.totals.retries += 1;
        s.rows.at(k).retries += 1;
        self.attempt(f, slot, now);
    }

    /// One attempt of a held request.
    fn attempt(&mut self, f: FunctionId, slot: u32, now: SimTime) {
        let p = self.sources[f.index()].slab[slot as usize];
        let a = Arrival {
            at: now,
            function: f,
            cpu: SimDuration(p.cpu),
            io: SimDuration(p.io),
            tag: slot,
        };
        let throttled = self.platform.arrive(&a).is_throttled();
        let k = self.clock.index(now);
        let s = &mut self.sources[f.index()];
        let p = &mut s.slab[slot as usize];
        if !throttled {
            s.in_flight += 1;
            return;
        }
        p.attempts += 1;
        let delay = match s.kind {
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
            Kind::Sync | Kind::Sqs(_) => None,
        };
        match delay {
            Some(d) => {
                p.waiting = true;
                s.waiting += 1;
                self.q
                    .push(now + SimDuration(d), SourceEvent::Retry { f, slot });
            }
            None => {
                s.totals.failed += 1;
                s.rows.at(k).failed += 1;
                s.release(slot);
            }
        }
    }

    /// An attempt completed; `u` decides a function error (async).
    /// A caller's request was lost to a fault: an error the caller does not
    /// retry (its retries are for throttles).
    pub(super) fn retry_lost(&mut self, f: FunctionId, tag: u32, k: usize) {
        let s = &mut self.sources[f.index()];
        s.in_flight -= 1;
        s.totals.failed += 1;
        s.rows.at(k).failed += 1;
        s.release(tag);
    }

    pub(super) fn retry_completed(
        &mut self,
        f: FunctionId,
        tag: u32,
        now: SimTime,
        k: usize,
        u: f64,
    ) {
        let s = &mut self.sources[f.index()];
        s.in_flight -= 1;
        if let Kind::Async {
            max_age,
            max_retries,
            error_rate,
        } = s.kind
            && u < error_rate
        {
            // A function error: retried 1 min, then 2 min later.
            let p = &mut s.slab[tag as usize];
            if p.error_retries < max_retries {
                p.error_retries += 1;
                let d = 60 * US_PER_S * p.error_retries as u64;
                if now.0 + d - p.origin <= max_age.0 {
                    p.waiting = true;
                    s.waiting += 1;
                    self.q
                        .push(now + SimDuration(d), SourceEvent::Retry { f, slot: tag });
                    return;
                }
            }
            s.totals.failed += 1;
            s.rows.at(k).failed += 1;
            s.release(tag);
            return;
        }
        let origin = s.slab[tag as usize].origin;
        s.totals.end_to_end.record(now.0 - origin);
        s.totals.completed += 1;
        s.rows.at(k).completed += 1;
        s.release(tag);
    }
}

impl super::Source {
    fn release(&mut self, slot: u32) {
        self.slab[slot as usize].live = false;
        self.free.push(slot);
    }
}
