//! Invariants on random scenarios (instances and EEs rotated at random
//! lifetimes): conservation of invocations, `MaxVCpuCount` never exceeded, EE
//! counts within [min, max] once launched, and determinism.

use lmi_sim::dist::Dist;
use lmi_sim::report;
use lmi_sim::scenario::{ScalingChange, Scenario};
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::{SimDuration, SimTime};
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Params {
    seed: u64,
    base: f64,
    peak: f64,
    cpu_ms: u64,
    io_ms: u64,
    memory_gib: u32,
    slots: u32,
    min: u32,
    max: u32,
    max_vcpu: u32,
    azs: u32,
    lifetime_min: u64,
    ee_lifetime_min: u64,
    deactivate_at_min: Option<u64>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        (
            any::<u64>(),
            1.0..200.0f64,
            1.0..1500.0f64,
            0..80u64,
            0..400u64,
        ),
        prop::sample::select(vec![2u32, 4, 8]),
        1..64u32,
        1..6u32,
        6..60u32,
        16..300u32,
        1..4u32,
        20..200u64,
        10..120u64,
        prop::option::of(10..50u64),
    )
        .prop_map(
            |(
                (seed, base, peak, cpu_ms, io_ms),
                memory_gib,
                slots,
                min,
                max,
                max_vcpu,
                azs,
                lifetime_min,
                ee_lifetime_min,
                deactivate_at_min,
            )| Params {
                seed,
                base,
                peak,
                cpu_ms,
                io_ms,
                memory_gib,
                slots,
                min,
                max,
                max_vcpu,
                azs,
                lifetime_min,
                ee_lifetime_min,
                deactivate_at_min,
            },
        )
}

fn build(p: &Params) -> Scenario {
    let mut f = testkit::function(
        "f",
        Dist::Exponential {
            mean_us: p.cpu_ms as f64 * 1000.0,
        },
        Dist::Exponential {
            mean_us: p.io_ms as f64 * 1000.0,
        },
        p.base,
    );
    f.memory_mb = p.memory_gib * 1024;
    f.gib_per_vcpu = 2;
    let vcpus = (p.memory_gib / 2).max(1);
    f.max_concurrency = p.slots.min(64 * vcpus);
    f.min_ees = p.min;
    f.max_ees = p.max;
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Spike {
            base: p.base,
            peak: p.peak,
            start: SimDuration::from_secs(600),
            rise: SimDuration::from_secs(60),
            hold: SimDuration::from_secs(600),
            decay: SimDuration::from_secs(300),
        },
        process: ArrivalProcess::Poisson,
        rate_multiplier: 1.0,
    };
    let mut sc = testkit::scenario(
        &["c7i.xlarge", "c7i.2xlarge", "c7i.4xlarge"],
        vec![f],
        SimDuration::from_secs(3600),
    );
    sc.seed = p.seed;
    sc.provider.max_vcpu = p.max_vcpu.max(16);
    sc.provider.availability_zones = p.azs;
    sc.model.max_instance_lifetime = SimDuration::from_secs(p.lifetime_min * 60);
    sc.model.max_ee_lifetime = SimDuration::from_secs(p.ee_lifetime_min * 60);
    if let Some(m) = p.deactivate_at_min {
        sc.schedule.push(ScalingChange {
            at: SimTime(m * 60_000_000),
            function: 0,
            min_ees: 0,
            max_ees: 0,
        });
        sc.schedule.push(ScalingChange {
            at: SimTime((m + 5) * 60_000_000),
            function: 0,
            min_ees: 1,
            max_ees: p.max,
        });
    }
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn invocations_are_conserved_and_limits_hold(p in params()) {
        let sc = build(&p);
        let r = run(&sc, Platforms::Both).unwrap();
        let l = r.lmi().unwrap();
        let d = r.default().unwrap();
        let lf = &l.functions[0].ledger;
        let df = &d.functions[0];
        prop_assert_eq!(lf.arrivals, r.offered.total[0]);
        prop_assert_eq!(
            lf.arrivals,
            lf.served + lf.throttles.total() + l.in_flight_at_end[0] as u64,
            "LMI conservation, seed {}", p.seed
        );
        prop_assert_eq!(
            df.ledger.arrivals,
            df.ledger.served + df.ledger.throttles.total() + d.in_flight_at_end[0] as u64,
            "default conservation, seed {}", p.seed
        );
        prop_assert!(l.provider.peak_vcpus <= sc.provider.max_vcpu, "MaxVCpuCount exceeded, seed {}", p.seed);
        for row in l.provider_rows.iter() {
            prop_assert!(row.vcpus <= sc.provider.max_vcpu);
        }
        // Once the fleet is up (after the first minutes), Ready EEs stay within
        // [min, max] unless the function is deactivated or capacity was refused.
        let refused = l.provider.launches_refused > 0;
        for (k, row) in l.rows[0].iter().enumerate() {
            let t_min = k as u64 + 1;
            let deact = p.deactivate_at_min.is_some_and(|m| t_min > m && t_min <= m + 8);
            prop_assert!(row.ees_ready <= p.max.max(p.min),
                "Ready EEs above max at minute {}, seed {}", t_min, p.seed);
            // The reactivation sets min to 1.
            let min = if p.deactivate_at_min.is_some_and(|m| t_min > m) { 1 } else { p.min.min(p.max) };
            if !deact && !refused && t_min >= 3 {
                prop_assert!(row.ees_ready + row.ees_initializing >= min,
                    "EEs below min at minute {}: {:?}, seed {}", t_min, row, p.seed);
            }
        }
        // Cost never decreases over time: per-interval costs are non-negative.
        for row in l.provider_rows.iter() {
            prop_assert!(row.ec2_usd >= 0.0 && row.fee_usd >= 0.0);
        }
    }
}

#[test]
fn same_seed_gives_byte_identical_outputs() {
    let p = Params {
        seed: 99,
        base: 80.0,
        peak: 900.0,
        cpu_ms: 30,
        io_ms: 100,
        memory_gib: 4,
        slots: 32,
        min: 3,
        max: 50,
        max_vcpu: 200,
        azs: 3,
        lifetime_min: 30,
        ee_lifetime_min: 20,
        deactivate_at_min: None,
    };
    let sc = build(&p);
    let out = || {
        let r = run(&sc, Platforms::Both).unwrap();
        let s = report::summarize(&sc, &r, Platforms::Both);
        (
            report::summary_json(&s),
            report::timeseries_csv(&sc, &r, &s),
            report::decisions_csv(r.lmi()),
        )
    };
    let a = out();
    let b = out();
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    // Two threads (one per platform) give the same bytes.
    let r2 = lmi_sim::sim::run_threads(&sc, Platforms::Both, 2).unwrap();
    let s2 = report::summarize(&sc, &r2, Platforms::Both);
    assert_eq!(
        report::summary_json(&s2),
        a.0,
        "summary differs on two threads"
    );
    assert_eq!(
        report::timeseries_csv(&sc, &r2, &s2),
        a.1,
        "timeseries differs on two threads"
    );
    assert_eq!(report::decisions_csv(r2.lmi()), a.2);
    // A different seed changes the run.
    let mut sc2 = sc.clone();
    sc2.seed = 100;
    let r2 = run(&sc2, Platforms::Both).unwrap();
    assert_ne!(
        report::summary_json(&report::summarize(&sc2, &r2, Platforms::Both)),
        a.0
    );
}

// ------------------------------------------------- arbitrary scenario files

/// One `[[functions]]` entry of a generated scenario file (valid; a fault may
/// be injected into the whole file afterwards).
fn function_toml() -> impl Strategy<Value = String> {
    (
        (
            prop::sample::select(vec!["python3.13", "nodejs22.x", "java21", "dotnet8"]),
            prop::sample::select(vec![2u32, 4, 8]),
            1..5u32,
            prop::sample::select(vec![1u32, 4, 16, 64]),
            0..4u32,
            prop::sample::select(vec![0u32, 1, 3, 10, 1000]),
        ),
        (
            prop::sample::select(vec![
                "cpu = \"10ms\"\nio = \"40ms\"",
                "cpu = { dist = \"lognormal\", median = \"20ms\", p99 = \"120ms\" }\nio = { dist = \"exponential\", mean = \"80ms\" }",
                "cpu = { dist = \"uniform\", min = \"5ms\", max = \"250ms\" }\nio = { dist = \"constant\", value = \"0s\" }",
                "cpu = \"0s\"\nio = \"1s\"",
                "cpu = { dist = \"empirical\", percentiles = [[0, \"1ms\"], [50, \"10ms\"], [99, \"90ms\"], [100, \"200ms\"]] }\nio = \"5ms\"",
            ]),
            (0.0..80.0f64, 0.0..150.0f64),
            prop::sample::select(vec![
                "shape = \"constant\"\nrate = {a}",
                "shape = \"spike\"\nbase = {a}\npeak = {b}\nstart = \"30s\"\nrise = \"10s\"\nhold = \"30s\"\ndecay = \"20s\"",
                "shape = \"ramp\"\nfrom = {a}\nto = {b}\nstart = \"0s\"\nduration = \"2m\"\nprocess = \"uniform\"",
                "shape = \"diurnal\"\nmean = {b}\namplitude = {a}\nperiod = \"1m\"\npeak_at = \"20s\"",
                "shape = \"exponential\"\nstart_rate = {a}\ndoubling_time = \"30s\"\nstart = \"0s\"\nduration = \"90s\"",
                "shape = \"piecewise\"\nsegments = [{ for = \"1m\", shape = \"constant\", rate = {a} }, { shape = \"ramp\", from = {a}, to = {b}, duration = \"1m\" }]",
            ]),
            prop::sample::select(vec![
                "",
                "[functions.source]\ntype = \"sync_retry\"\nmax_attempts = 4\nbase_delay = \"200ms\"\nmax_delay = \"10s\"",
                "[functions.source]\ntype = \"async\"\nMaximumEventAgeInSeconds = 900\nMaximumRetryAttempts = 2\nerror_rate = 0.1",
                "[functions.source]\ntype = \"sqs\"\nBatchSize = 10\nMaximumBatchingWindowInSeconds = 0\nVisibilityTimeout = 30",
                "[functions.default_lambda]\nMemorySize = 1024\nReservedConcurrentExecutions = 5",
            ]),
        ),
    )
        .prop_map(
            |((runtime, gib, k, conc, min, max), (work, (a, b), traffic, extra))| {
                let mem = (gib * 1024 * k).clamp(2048, 32768);
                let traffic = traffic
                    .replace("{a}", &format!("{a:.3}"))
                    .replace("{b}", &format!("{b:.3}"));
                format!(
                    "[[functions]]\nname = \"f{min}{max}{conc}{k}\"\nRuntime = \"{runtime}\"\nMemorySize = {mem}\n\
                     ExecutionEnvironmentMemoryGiBPerVCpu = {gib}\nPerExecutionEnvironmentMaxConcurrency = {conc}\n\
                     MinExecutionEnvironments = {}\nMaxExecutionEnvironments = {max}\n\
                     [functions.work]\n{work}\n[functions.traffic]\n{traffic}\n{extra}\n",
                    if max == 0 { 0 } else { min.clamp(1, max) }
                )
            },
        )
}

/// Faults injected into a generated file: (text to find, its replacement),
/// applied to the first occurrence. Each makes the file invalid or unusual.
const FAULTS: &[(&str, &str)] = &[
    ("horizon = \"", "horizon = \"0"),
    ("MemorySize = ", "MemorySize = 1"),
    ("Runtime = \"", "Runtime = \"ruby"),
    ("MaxVCpuCount = ", "MaxVCpuCount = 1"),
    ("cpu = ", "cpu = -"),
    ("rate = ", "rate = 1e12 #"),
    (
        "PerExecutionEnvironmentMaxConcurrency = ",
        "PerExecutionEnvironmentMaxConcurrency = 9",
    ),
    ("report_interval = \"", "report_interval = \"1"),
    ("name = \"prop\"", "name = \"prop\"\nbogus = 1"),
    ("[\"c7i", "[\"x9"),
    ("seed = ", "seed = -"),
];

/// A whole scenario file: a short horizon, a provider, one to three functions,
/// and in one case out of three a fault.
fn scenario_toml() -> impl Strategy<Value = String> {
    (
        0..1_000_000u64,
        prop::sample::select(vec!["1m", "2m", "5m"]),
        prop::sample::select(vec!["10s", "30s", "1m"]),
        prop::sample::select(vec!["warm", "publish"]),
        prop::sample::select(vec![16u32, 64, 200, 400]),
        1..4u32,
        prop::sample::select(vec![
            "[\"c7i.xlarge\", \"c7i.2xlarge\"]",
            "[\"c7i.xlarge\", \"c7i.4xlarge\", \"m7i.2xlarge\"]",
            "[\"m7i.8xlarge\"]",
        ]),
        prop::collection::vec(function_toml(), 1..4),
        prop::option::weighted(0.33, 0..FAULTS.len()),
    )
        .prop_map(|(seed, horizon, report, start, max_vcpu, azs, types, functions, fault)| {
            let text = format!(
                "name = \"prop\"\nseed = {seed}\nhorizon = \"{horizon}\"\nreport_interval = \"{report}\"\n\
                 start_state = \"{start}\"\n[capacity_provider]\navailability_zones = {azs}\n\
                 [capacity_provider.InstanceRequirements]\nArchitectures = [\"x86_64\"]\n\
                 AllowedInstanceTypes = {types}\n[capacity_provider.CapacityProviderScalingConfig]\n\
                 MaxVCpuCount = {max_vcpu}\n{}",
                functions.concat()
            );
            match fault {
                Some(k) => text.replacen(FAULTS[k].0, FAULTS[k].1, 1),
                None => text,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any scenario file that validates runs without panicking, and every
    /// invocation is served, throttled or in flight at the end (behind an
    /// event source: completed, failed, sent to the DLQ, queued or in
    /// flight). What does not validate is refused with a message naming the
    /// file (examples/fuzz.rs runs the same check on mutated files).
    #[test]
    fn any_scenario_that_validates_runs_and_conserves_invocations(text in scenario_toml()) {
        let sc = match lmi_sim::scenario::validate::from_toml_str(&text, "prop.toml", None) {
            Ok(sc) => sc,
            Err(e) => {
                prop_assert!(e.to_string().contains("prop.toml"), "{e}\n{text}");
                return Ok(());
            }
        };
        let r = run(&sc, Platforms::Both).unwrap();
        let l = r.lmi().unwrap();
        let d = r.default().unwrap();
        for i in 0..sc.functions.len() {
            let lf = &l.functions[i].ledger;
            prop_assert_eq!(
                lf.arrivals,
                lf.served + lf.throttles.total() + l.in_flight_at_end[i] as u64,
                "LMI conservation, function {}:\n{}", i, text
            );
            let df = &d.functions[i].ledger;
            prop_assert_eq!(
                df.arrivals,
                df.served + df.throttles.total() + d.in_flight_at_end[i] as u64,
                "default conservation, function {}:\n{}", i, text
            );
            for totals in [r.lmi_sources(), r.default_sources()] {
                match totals.and_then(|s| s.totals[i].as_ref()) {
                    Some(t) => {
                        prop_assert_eq!(t.requests, r.offered.total[i]);
                        prop_assert_eq!(
                            t.requests,
                            t.completed + t.failed + t.dlq + t.queued_at_end + t.in_flight_at_end,
                            "event source conservation, function {}: {:?}\n{}", i, t, text
                        );
                    }
                    None => {
                        prop_assert_eq!(lf.arrivals, r.offered.total[i]);
                        prop_assert_eq!(df.arrivals, r.offered.total[i]);
                    }
                }
            }
        }
    }
}
