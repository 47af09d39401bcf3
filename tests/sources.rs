//! Event sources: what happens to throttled work (queues, retries, DLQ).

use lmi_sim::dist::Dist;
use lmi_sim::event_source::EventSourceTotals;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::scenario::{BatchWork, EventSourceSpec, Scenario, SqsSpec};
use lmi_sim::sim::{Platforms, RunResult, run};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};
use proptest::prelude::*;

fn sqs(max_receive: u32, visibility_s: u64) -> EventSourceSpec {
    EventSourceSpec::Sqs(SqsSpec {
        batch_size: 10,
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
        scale_up_pause: lmi_sim::scenario::SQS_SCALE_UP_PAUSE,
        error_rate: 0.0,
    })
}

/// A function whose fleet is capped (max EEs) under a spike far beyond it.
fn spiky(source: EventSourceSpec, max_ees: u32, peak: f64, seed: u64) -> Scenario {
    let mut f = testkit::function(
        "f",
        Dist::Constant(SimDuration::from_millis(5)),
        Dist::Exponential { mean_us: 50_000.0 },
        50.0,
    );
    f.min_ees = 3.min(max_ees);
    f.max_ees = max_ees;
    f.event_source = source;
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Spike {
            base: 50.0,
            peak,
            start: SimDuration::from_secs(600),
            rise: SimDuration::from_secs(30),
            hold: SimDuration::from_secs(300),
            decay: SimDuration::from_secs(30),
        },
        process: ArrivalProcess::Poisson,
        rate_multiplier: 1.0,
    };
    let mut sc = testkit::scenario(&["c7i.2xlarge"], vec![f], SimDuration::from_secs(3 * 3600));
    sc.seed = seed;
    sc
}

fn lmi_src(r: &RunResult) -> &EventSourceTotals {
    r.lmi_sources().unwrap().totals[0]
        .as_ref()
        .expect("a non-sync source")
}

fn conserved(t: &EventSourceTotals) -> bool {
    t.requests == t.completed + t.failed + t.dlq + t.queued_at_end + t.in_flight_at_end
}

#[test]
fn spike_beyond_capacity_with_large_max_receive_loses_nothing() {
    let sc = spiky(sqs(1000, 30), 4, 3000.0, 3);
    let r = run(&sc, Platforms::Both).unwrap();
    let l = r.lmi().unwrap();
    assert!(
        l.functions[0].ledger.throttles.total() > 0,
        "the spike must throttle LMI"
    );
    let t = lmi_src(&r);
    assert!(conserved(t), "{t:?}");
    assert_eq!(t.dlq, 0);
    assert_eq!(t.failed, 0);
    // Throttled batches are retried by their pollers within the visibility
    // timeout (1,000 s); only the oldest of a backlog this deep (EE
    // protection holds each EE below its CPU limit) outlive it and are
    // received again (230 of 1.5 M with seed 3).
    assert!(t.retries > 0, "throttled batches are retried");
    assert!(t.redelivered * 10 < t.retries, "seed {}: {t:?}", sc.seed);
    // The backlog drains after the spike: nothing waits at the end.
    assert_eq!(t.queued_at_end, 0, "{t:?}");
    assert!(t.peak_queue_depth > 1000);
}

#[test]
fn max_receive_one_sends_redelivered_messages_to_the_dlq() {
    // A 2 s visibility timeout: a batch throttled twice (retries after 1 s,
    // then 2 s) outlives it and is received again.
    let sc = spiky(sqs(1, 2), 2, 2000.0, 4);
    let r = run(&sc, Platforms::Lmi).unwrap();
    let t = lmi_src(&r);
    assert!(conserved(t), "{t:?}");
    assert!(t.dlq > 0, "{t:?}");
    // Every message received a second time goes to the DLQ instead.
    assert_eq!(t.dlq, t.redelivered);
}

#[test]
fn client_retries_turn_throttles_into_retries() {
    // 400 req/s on 2 EEs: overloaded, but not so far that the retries'
    // extra load keeps every EE CPU-limited (at 1,500 req/s, three attempts
    // fail more requests than one: 375,766 against 366,007 throttles).
    let no_retry = spiky(EventSourceSpec::Sync, 2, 400.0, 5);
    let r0 = run(&no_retry, Platforms::Lmi).unwrap();
    let base_throttles: u64 = r0.lmi().unwrap().functions[0].ledger.throttles.total();
    assert!(base_throttles > 1000);

    let retry = EventSourceSpec::SyncRetry {
        max_attempts: 3,
        base_delay: SimDuration::from_millis(200),
        max_delay: SimDuration::from_secs(5),
    };
    let sc = spiky(retry, 2, 400.0, 5);
    let r = run(&sc, Platforms::Lmi).unwrap();
    let l = r.lmi().unwrap();
    let t = lmi_src(&r);
    let throttles: u64 = l.functions[0].ledger.throttles.total();
    assert!(conserved(t), "{t:?}");
    // Each throttle is either retried or, on the third attempt, a failure.
    assert_eq!(throttles, t.retries + t.failed);
    // Each retry is a new, counted invocation attempt.
    assert_eq!(l.functions[0].ledger.arrivals, t.requests + t.retries);
    assert!(t.retries > 0 && t.failed > 0);
    assert!(t.failed < base_throttles, "retries rescue some requests");
    // Completed requests saw their retries in the end-to-end delay.
    assert!(t.end_to_end.max() > 200_000);
}

#[test]
fn async_invokes_retry_throttles_until_served() {
    let spec = EventSourceSpec::Async {
        max_event_age: SimDuration::from_secs(6 * 3600),
        max_retry_attempts: 2,
        error_rate: 0.0,
    };
    let sc = spiky(spec, 3, 1500.0, 6);
    let r = run(&sc, Platforms::Lmi).unwrap();
    let t = lmi_src(&r);
    assert!(conserved(t), "{t:?}");
    assert!(t.retries > 0);
    assert_eq!(t.failed, 0, "six hours is long enough for every event");
}

#[derive(Debug, Clone)]
struct P {
    seed: u64,
    kind: u8,
    max_ees: u32,
    peak: f64,
    max_receive: u32,
    attempts: u32,
    error_rate: f64,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn every_request_is_accounted_for(
        p in (any::<u64>(), 0u8..4, 1u32..6, 100.0..3000.0f64, 1u32..5, 1u32..4, 0.0..0.3f64)
            .prop_map(|(seed, kind, max_ees, peak, max_receive, attempts, error_rate)|
                P { seed, kind, max_ees, peak, max_receive, attempts, error_rate })
    ) {
        let source = match p.kind {
            0 => EventSourceSpec::Sync,
            1 => EventSourceSpec::SyncRetry {
                max_attempts: p.attempts,
                base_delay: SimDuration::from_millis(100),
                max_delay: SimDuration::from_secs(2),
            },
            2 => EventSourceSpec::Async {
                max_event_age: SimDuration::from_secs(1200),
                max_retry_attempts: 2,
                error_rate: p.error_rate,
            },
            _ => {
                let mut s = sqs(p.max_receive, 20);
                if let EventSourceSpec::Sqs(q) = &mut s {
                    q.error_rate = p.error_rate;
                }
                s
            }
        };
        let mut sc = spiky(source, p.max_ees, p.peak, p.seed);
        sc.horizon = SimDuration::from_secs(1800);
        let r = run(&sc, Platforms::Both).unwrap();
        for (src, offered) in [(r.lmi_sources(), &r.offered), (r.default_sources(), &r.offered)] {
            match &src.unwrap().totals[0] {
                Some(t) => {
                    prop_assert_eq!(t.requests, offered.total[0]);
                    prop_assert!(conserved(t), "seed {}: {:?}", p.seed, t);
                }
                None => {
                    let l = r.lmi().unwrap();
                    let f = &l.functions[0].ledger;
                    prop_assert_eq!(f.arrivals, f.served + f.throttles.total() + l.in_flight_at_end[0] as u64);
                }
            }
        }
    }
}

const BASE: &str = r#"
name = "q"
horizon = "10m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "5ms"
[functions.traffic]
shape = "constant"
rate = 10
[functions.source]
"#;

fn err(extra: &str) -> String {
    match from_toml_str(&format!("{BASE}{extra}"), "q.toml", None) {
        Ok(_) => panic!("accepted: {extra}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_source_settings_are_named() {
    let e = err("type = \"sqs\"\nBatchSize = 0\n");
    assert!(
        e.contains("functions[0].source.BatchSize") && e.contains("1..=10000"),
        "{e}"
    );
    let e = err("type = \"sqs\"\nBatchSize = 20000\nMaximumBatchingWindowInSeconds = 5\n");
    assert!(e.contains("BatchSize") && e.contains("1..=10000"), "{e}");
    let e = err("type = \"sqs\"\nVisibilityTimeout = -5\n");
    assert!(
        e.contains("VisibilityTimeout") && e.contains("0..=43200"),
        "{e}"
    );
    // A zero backoff would retry a throttled batch at the same instant forever.
    let e = err("type = \"sqs\"\nthrottle_backoff = \"0s\"\n");
    assert!(
        e.contains("functions[0].source.throttle_backoff") && e.contains("at least 1ms"),
        "{e}"
    );
    let e = err("type = \"sqs\"\nthrottle_backoff_max = \"100ms\"\n");
    assert!(
        e.contains("functions[0].source.throttle_backoff_max")
            && e.contains("at least throttle_backoff (1 s)"),
        "{e}"
    );
    let e = err("type = \"sqs\"\nscale_up_pause = \"2h\"\n");
    assert!(
        e.contains("functions[0].source.scale_up_pause") && e.contains("0..=1h"),
        "{e}"
    );
    let e = err("type = \"sync_retry\"\nbase_delay = -1\n");
    assert!(
        e.contains("base_delay") && e.contains("non-negative"),
        "{e}"
    );
    let e = err("type = \"sqs\"\nmaxReceiveCount = 0\n");
    assert!(
        e.contains("maxReceiveCount") && e.contains("1..=1000"),
        "{e}"
    );
    let e = err("type = \"kafka\"\n");
    assert!(
        e.contains("functions[0].source.type") && e.contains("sqs"),
        "{e}"
    );
    let e = err("type = \"sqs\"\nBatchSise = 5\n");
    assert!(e.contains("BatchSise") && e.contains("BatchSize"), "{e}");
    // A good one parses.
    let sc = from_toml_str(
        &format!("{BASE}type = \"sqs\"\nBatchSize = 10\nmaxReceiveCount = 3\n"),
        "q.toml",
        None,
    )
    .unwrap();
    assert!(
        matches!(&sc.functions[0].event_source, EventSourceSpec::Sqs(q) if q.max_receive_count == 3)
    );
}

#[test]
fn queues_and_retries_give_the_same_bytes_on_two_threads() {
    let sc = spiky(sqs(3, 2), 3, 2500.0, 9);
    let one = run(&sc, Platforms::Both).unwrap();
    let two = lmi_sim::sim::run_threads(&sc, Platforms::Both, 2).unwrap();
    let s1 = lmi_sim::report::summarize(&sc, &one, Platforms::Both);
    let s2 = lmi_sim::report::summarize(&sc, &two, Platforms::Both);
    assert_eq!(
        lmi_sim::report::summary_json(&s1),
        lmi_sim::report::summary_json(&s2)
    );
    assert_eq!(
        lmi_sim::report::timeseries_csv(&sc, &one, &s1),
        lmi_sim::report::timeseries_csv(&sc, &two, &s2)
    );
    assert!(
        lmi_src(&one).redelivered > 0,
        "the scenario exercises redelivery"
    );
}
