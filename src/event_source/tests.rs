//! The event sources driven through a small fake platform (no real model): a
//! fixed number of slots, a fixed service time, a throttle when every slot is
//! busy. Every figure below is computed by hand.

use super::*;
use crate::dist::Dist;
use crate::platform::{Admission, Notices};
use crate::scenario::{BatchWork, SqsSpec};
use crate::testkit;
use std::collections::VecDeque;

struct Fake {
    now: SimTime,
    slots: u32,
    busy: u32,
    service: SimDuration,
    /// Completion times in order (the service time is constant).
    running: VecDeque<(SimTime, FunctionId, u32)>,
    notices: Notices,
    /// Every offer: (time [s], accepted).
    offers: Vec<(f64, bool)>,
}

impl Fake {
    fn new(slots: u32, service: SimDuration) -> Self {
        Fake {
            now: SimTime::ZERO,
            slots,
            busy: 0,
            service,
            running: VecDeque::new(),
            notices: Notices::new(1),
            offers: Vec::new(),
        }
    }
}

impl Platform for Fake {
    type Result = Vec<(f64, bool)>;
    fn advance_to(&mut self, t: SimTime) -> Advance {
        loop {
            if self.notices.pending() {
                return Advance::Completions;
            }
            match self.running.front() {
                Some(&(at, f, tag)) if at <= t => {
                    self.running.pop_front();
                    self.now = at;
                    self.busy -= 1;
                    self.notices.completed(f, tag);
                }
                _ => break,
            }
        }
        self.now = t;
        Advance::Reached
    }
    fn now(&self) -> SimTime {
        self.now
    }
    fn arrive(&mut self, a: &Arrival) -> Admission {
        let ok = self.busy < self.slots;
        self.offers.push((a.at.as_secs_f64(), ok));
        if !ok {
            return Admission::Throttled(crate::invocation::ThrottleReason::ConcurrencyThrottles);
        }
        self.busy += 1;
        self.running
            .push_back((a.at + self.service, a.function, a.tag));
        Admission::Accepted
    }
    fn completions(&mut self) -> &mut Vec<Completion> {
        self.notices.list()
    }
    fn notify(&mut self, f: FunctionId) {
        self.notices.want(f);
    }
    fn finish(mut self, horizon: SimTime) -> Self::Result {
        self.notices.stop();
        let _ = self.advance_to(horizon);
        self.offers
    }
}

fn scenario(source: EventSourceSpec) -> Scenario {
    let mut f = testkit::function(
        "f",
        Dist::Constant(SimDuration::ZERO),
        Dist::Constant(SimDuration::ZERO),
        1.0,
    );
    f.event_source = source;
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(30));
    sc.report_interval = SimDuration::from_secs(10);
    sc
}

fn request(at_s: u64) -> Arrival {
    Arrival {
        at: SimTime(at_s * US_PER_S),
        function: FunctionId(0),
        cpu: SimDuration::ZERO,
        io: SimDuration::ZERO,
        tag: 0,
    }
}

fn run(sc: &Scenario, fake: Fake, arrivals: &[Arrival]) -> (Vec<(f64, bool)>, EventSourceResult) {
    let mut s = EventSources::new(fake, sc, "test_source");
    for a in arrivals {
        s.advance_to(a.at);
        s.offer(a);
    }
    s.finish(SimTime(30 * US_PER_S))
}

#[test]
fn a_caller_retries_until_its_last_attempt_then_fails() {
    // One slot busy for 1 s; the second request's attempts 2 and 3 come within
    // U(0, 100 ms) and U(0, 200 ms) of the one before: all before 1 s, all throttled.
    let sc = scenario(EventSourceSpec::SyncRetry {
        max_attempts: 3,
        base_delay: SimDuration::from_millis(100),
        max_delay: SimDuration::from_secs(20),
    });
    let fake = Fake::new(1, SimDuration::from_secs(1));
    let (offers, res) = run(&sc, fake, &[request(0), request(0)]);
    let accepted: Vec<bool> = offers.iter().map(|o| o.1).collect();
    assert_eq!(
        accepted,
        [true, false, false, false],
        "seed {}: {offers:?}",
        sc.seed
    );
    assert!(offers[2].0 > 0.0 && offers[3].0 < 0.3, "{offers:?}");
    let t = res.totals[0].as_ref().unwrap();
    assert_eq!(
        (
            t.requests,
            t.completed,
            t.failed,
            t.retries,
            t.queued_at_end
        ),
        (2, 1, 1, 2, 0)
    );
    assert_eq!(t.end_to_end.max(), US_PER_S);
    let rows: Vec<_> = res.rows[0].as_ref().unwrap().iter().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[0].requests, rows[0].completed, rows[0].failed),
        (2, 1, 1)
    );
}

fn sqs(visibility_s: u64, max_receive: u32) -> EventSourceSpec {
    EventSourceSpec::Sqs(SqsSpec {
        batch_size: 1,
        batch_window: SimDuration::ZERO,
        visibility_timeout: SimDuration::from_secs(visibility_s),
        max_receive_count: max_receive,
        maximum_concurrency: None,
        batch_work: BatchWork::Summed,
        initial_concurrency: 5,
        scale_up_per_minute: 300,
        max_pollers: 1000,
        throttle_backoff: SimDuration::from_secs(1),
        throttle_backoff_max: SimDuration::from_secs(30),
        scale_up_pause: crate::scenario::SQS_SCALE_UP_PAUSE,
        error_rate: 0.0,
    })
}

#[test]
fn a_throttled_sqs_batch_is_retried_within_its_visibility_timeout() {
    // Three messages at 0 s, one slot busy for 1 s, batches of one, visibility
    // 5 s. m1 runs at 0 s; m2 and m3 are throttled and retried 1 s later, when
    // m1 is done: m2 runs, m3 is throttled again and retried 2 s later (3 s).
    // No message is received twice.
    let sc = scenario(sqs(5, 2));
    let fake = Fake::new(1, SimDuration::from_secs(1));
    let (offers, res) = run(&sc, fake, &[request(0), request(0), request(0)]);
    assert_eq!(
        offers,
        [
            (0.0, true),
            (0.0, false),
            (0.0, false),
            (1.0, true),
            (1.0, false),
            (3.0, true)
        ],
        "seed {}",
        sc.seed
    );
    let t = res.totals[0].as_ref().unwrap();
    assert_eq!(
        (
            t.requests,
            t.completed,
            t.dlq,
            t.received,
            t.redelivered,
            t.retries
        ),
        (3, 3, 0, 3, 0, 3)
    );
    assert_eq!((t.queued_at_end, t.in_flight_at_end), (0, 0));
    // m3 waited from 0 s to its completion at 4 s.
    assert_eq!(t.end_to_end.max(), 4 * US_PER_S);
}

#[test]
fn a_batch_throttled_past_its_visibility_timeout_is_received_again_then_goes_to_the_dlq() {
    // Two messages at 0 s, one slot busy for 10 s, visibility 2 s, two receives.
    // m2: throttled at 0 s, retried at 1 s; the next retry (3 s) would pass its
    // timeout (2 s), so it is let go and visible at 2 s; received again at 2 s,
    // throttled, retried at 3 s, let go, visible at 4 s; its third receive
    // sends it to the DLQ.
    let sc = scenario(sqs(2, 2));
    let fake = Fake::new(1, SimDuration::from_secs(10));
    let (offers, res) = run(&sc, fake, &[request(0), request(0)]);
    assert_eq!(
        offers,
        [
            (0.0, true),
            (0.0, false),
            (1.0, false),
            (2.0, false),
            (3.0, false)
        ],
        "seed {}",
        sc.seed
    );
    let t = res.totals[0].as_ref().unwrap();
    assert_eq!(
        (
            t.requests,
            t.completed,
            t.dlq,
            t.received,
            t.redelivered,
            t.retries
        ),
        (2, 1, 1, 3, 2, 4)
    );
    let rows: Vec<_> = res.rows[0].as_ref().unwrap().iter().collect();
    assert_eq!(
        (rows[0].dlq, rows[0].completed, rows[0].queue_depth),
        (1, 0, 0)
    );
    assert_eq!(rows[1].completed, 1);
}

#[test]
fn synchronous_sources_pass_straight_through() {
    let sc = scenario(EventSourceSpec::Sync);
    let fake = Fake::new(1, SimDuration::from_secs(1));
    let (offers, res) = run(&sc, fake, &[request(0), request(0), request(2)]);
    assert_eq!(offers, [(0.0, true), (0.0, false), (2.0, true)]);
    assert!(res.totals[0].is_none());
}
