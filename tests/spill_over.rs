//! Spill-over of LMI throttles to default Lambda (`[functions.spill_over]`):
//! a hand-computed micro-scenario, conservation on random scenarios, the
//! sweep axis that turns it on and off, and bad configurations (exit 2).

use lmi_sim::dist::Dist;
use lmi_sim::invocation::ThrottleReason;
use lmi_sim::report;
use lmi_sim::scenario::{DefaultFunction, Runtime, Scenario, SpillOver};
use lmi_sim::sim::{Platforms, run, run_threads};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::{ArrivalProcess, RateShape, Segment, Traffic};
use std::process::Command;

const S: u64 = 1_000_000;

fn spill(memory_mb: u32, reserved: Option<u32>, delay_ms: u64) -> SpillOver {
    let mut reasons = [false; ThrottleReason::COUNT];
    for r in ThrottleReason::LMI {
        reasons[r as usize] = true;
    }
    SpillOver {
        fallback: DefaultFunction {
            memory_mb,
            reserved_concurrency: reserved,
            provisioned_concurrency: 0,
        },
        reasons,
        delay: SimDuration::from_millis(delay_ms),
    }
}

/// One EE with one slot (warm at t = 0), requests at 0 s and 1 s of 1.5 s I/O
/// each: the second finds the slot busy and LMI throttles it.
fn micro() -> Scenario {
    let mut f = testkit::function(
        "f",
        Dist::Constant(SimDuration::ZERO),
        Dist::Constant(SimDuration::from_millis(1500)),
        1.0,
    );
    f.max_concurrency = 1;
    f.min_ees = 1;
    f.max_ees = 1;
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Piecewise(vec![
            Segment {
                duration: SimDuration::from_secs(2),
                shape: RateShape::Constant { rate: 1.0 },
            },
            Segment {
                duration: SimDuration::from_secs(1),
                shape: RateShape::Constant { rate: 0.0 },
            },
        ]),
        process: ArrivalProcess::Uniform,
        rate_multiplier: 1.0,
    };
    f.spill_over = Some(spill(1024, None, 100));
    let mut sc = testkit::scenario(&["c7i.xlarge"], vec![f], SimDuration::from_secs(30));
    sc.provider.availability_zones = 1;
    sc
}

#[test]
fn a_throttle_that_spills_is_served_by_the_fallback_after_one_cold_start() {
    let sc = micro();
    let r = run(&sc, Platforms::Lmi).unwrap();
    let lmi = r.lmi().unwrap();
    let l = &lmi.functions[0].ledger;
    assert_eq!(
        (l.arrivals, l.served),
        (2, 1),
        "LMI: two arrivals, one served"
    );
    assert_eq!(l.throttles[ThrottleReason::ConcurrencyThrottles], 1);
    let sp = r.spill.as_ref().expect("a spill-over run");
    assert_eq!(sp.spilled[0][ThrottleReason::ConcurrencyThrottles], 1);
    let fb = &sp.fallback.functions[0];
    assert_eq!((fb.ledger.arrivals, fb.ledger.served), (1, 1));
    assert_eq!(fb.cold_starts, 1, "the fallback starts cold");
    assert_eq!(fb.ledger.throttles.total(), 0);
    // From the LMI throttle at 1 s: the 100 ms delay, INIT (Python's base +
    // the function's 1 s), then the 1.5 s of I/O.
    let init = sc.model.runtime_init[Runtime::Python.index()].0 + S;
    let want = 100_000 + init + 1_500_000;
    assert_eq!(
        fb.ledger.latency.max(),
        want,
        "latency of the spilled request"
    );
    // Billed on the fallback's 1024 MB (1 GB): 1.5 s of duration, INIT rounded up to 1 ms.
    assert!((fb.gbs - 1.5).abs() < 1e-12, "gbs {}", fb.gbs);
    assert!((fb.init_gbs - init.div_ceil(1000) as f64 / 1000.0).abs() < 1e-12);
    assert_eq!(fb.memory_mb, 1024);

    let s = report::summarize(&sc, &r, Platforms::Lmi);
    let b = s.spill_over.as_ref().expect("spill_over block");
    let f = &b.figures;
    assert_eq!(
        (f.spilled, f.served_by_lmi, f.served_by_fallback),
        (1, 1, 1)
    );
    assert_eq!((f.throttles_avoided, f.fallback_cold_starts), (1, 1));
    assert_eq!((f.blend.served, f.blend.throttled), (2, 0));
    assert_eq!(f.spilled_latency.max_ms, Some(want as f64 / 1000.0));
    assert!(b.fallback_cost.total_usd > 0.0);
    let lmi_cost = s.lmi.as_ref().unwrap().cost.total_usd;
    assert!((b.blended_total_usd - lmi_cost - b.fallback_cost.total_usd).abs() < 1e-12);
    // LMI's own column is the run without spill-over.
    let mut plain = sc.clone();
    plain.functions[0].spill_over = None;
    let p = report::summarize(
        &plain,
        &run(&plain, Platforms::Lmi).unwrap(),
        Platforms::Lmi,
    );
    assert_eq!(p.lmi, s.lmi, "spill-over must not change LMI's figures");
    assert!(p.spill_over.is_none());
    assert!(!report::summary_json(&p).contains("spill_over"));
}

#[test]
fn reasons_not_chosen_stay_throttled_and_a_late_retry_waits_at_the_horizon() {
    let mut sc = micro();
    let sp = sc.functions[0].spill_over.as_mut().unwrap();
    sp.reasons = [false; ThrottleReason::COUNT];
    sp.reasons[ThrottleReason::CPUThrottles as usize] = true;
    let s = report::summarize(&sc, &run(&sc, Platforms::Lmi).unwrap(), Platforms::Lmi);
    let f = &s.spill_over.as_ref().unwrap().figures;
    assert_eq!((f.spilled, f.not_spilled, f.blend.throttled), (0, 1, 1));
    assert_eq!(f.fallback_cold_starts, 0);
    assert_eq!(s.spill_over.as_ref().unwrap().fallback_cost.total_usd, 0.0);

    // A delay past the horizon: the retry is still waiting at the end.
    let mut sc = micro();
    sc.functions[0].spill_over.as_mut().unwrap().delay = SimDuration::from_secs(40);
    let s = report::summarize(&sc, &run(&sc, Platforms::Lmi).unwrap(), Platforms::Lmi);
    let f = &s.spill_over.as_ref().unwrap().figures;
    assert_eq!(
        (f.spilled, f.waiting_at_end, f.served_by_fallback),
        (1, 1, 0)
    );
    assert_eq!(f.blend.in_flight_at_end, 1);
}

/// A small random scenario: a spike on a small fleet, a fallback with a small
/// reservation (it throttles too), a random delay, one or two functions.
fn random(seed: u64) -> Scenario {
    let mut x = seed;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let nf = 1 + next(2) as usize;
    let mut fs = Vec::new();
    for i in 0..nf {
        let mut f = testkit::function(
            &format!("f{i}"),
            Dist::Exponential {
                mean_us: (1 + next(40)) as f64 * 1000.0,
            },
            Dist::Exponential {
                mean_us: (1 + next(300)) as f64 * 1000.0,
            },
            1.0,
        );
        f.max_concurrency = 1 + next(16) as u32;
        f.min_ees = 1 + next(3) as u32;
        f.max_ees = f.min_ees + next(6) as u32;
        f.traffic = Traffic::Synthetic {
            shape: RateShape::Spike {
                base: 5.0 + next(50) as f64,
                peak: 50.0 + next(800) as f64,
                start: SimDuration::from_secs(120),
                rise: SimDuration::from_secs(30),
                hold: SimDuration::from_secs(240),
                decay: SimDuration::from_secs(60),
            },
            process: ArrivalProcess::Poisson,
            rate_multiplier: 1.0,
        };
        if next(4) > 0 {
            let reserved = if next(2) == 0 {
                None
            } else {
                Some(1 + next(20) as u32)
            };
            f.spill_over = Some(spill(128 + 64 * next(60) as u32, reserved, next(3000)));
        }
        fs.push(f);
    }
    if fs.iter().all(|f| f.spill_over.is_none()) {
        fs[0].spill_over = Some(spill(512, Some(5), 20));
    }
    let mut sc = testkit::scenario(
        &["c7i.xlarge", "c7i.2xlarge"],
        fs,
        SimDuration::from_secs(600),
    );
    sc.seed = seed;
    sc.provider.max_vcpu = 16 + next(48) as u32;
    sc
}

#[test]
fn conservation_holds_on_each_side_and_for_the_blend() {
    for k in 0..12u64 {
        let seed = 0x5111_0000 + k;
        let sc = random(seed);
        let r = run(&sc, Platforms::Lmi).unwrap();
        let lmi = r.lmi().unwrap();
        let sp = r.spill.as_ref().unwrap();
        for (i, f) in sc.functions.iter().enumerate() {
            let l = &lmi.functions[i].ledger;
            let fb = &sp.fallback.functions[i].ledger;
            assert_eq!(
                l.arrivals,
                l.served + l.throttles.total() + lmi.in_flight_at_end[i] as u64,
                "seed {seed}: LMI conservation, {}",
                f.name
            );
            assert_eq!(
                fb.arrivals,
                fb.served + fb.throttles.total() + sp.fallback.in_flight_at_end[i] as u64,
                "seed {seed}: fallback conservation, {}",
                f.name
            );
            assert_eq!(
                sp.spilled[i].total(),
                fb.arrivals + sp.waiting_at_end[i],
                "seed {seed}: every spilled request reaches the fallback or waits, {}",
                f.name
            );
            if f.spill_over.is_none() {
                assert_eq!(sp.spilled[i].total(), 0, "seed {seed}: {}", f.name);
            }
        }
        let s = report::summarize(&sc, &r, Platforms::Lmi);
        let b = s.spill_over.as_ref().unwrap();
        for (name, f) in std::iter::once(("all", &b.figures))
            .chain(b.functions.iter().map(|f| (f.name.as_str(), &f.figures)))
        {
            let bl = &f.blend;
            assert_eq!(
                bl.invocations,
                bl.served + bl.throttled + bl.in_flight_at_end,
                "seed {seed}: blend conservation, {name}"
            );
            assert_eq!(
                bl.throttled,
                bl.throttles.values().sum::<u64>(),
                "seed {seed}"
            );
            assert_eq!(f.lmi_throttled, f.spilled + f.not_spilled, "seed {seed}");
            assert!(f.throttles_avoided <= f.spilled, "seed {seed}");
        }
        let lmi_fig = &s.lmi.as_ref().unwrap().figures;
        assert_eq!(
            b.figures.blend.invocations, lmi_fig.invocations,
            "seed {seed}"
        );
        assert_eq!(b.figures.lmi_throttled, lmi_fig.throttled, "seed {seed}");
        // Determinism: two threads, the same bytes.
        let r2 = run_threads(&sc, Platforms::Both, 2).unwrap();
        let s2 = report::summarize(&sc, &r2, Platforms::Both);
        assert_eq!(s2.spill_over, s.spill_over, "seed {seed}: two threads");
    }
    // The property is not vacuous: some seed spills, some fallback throttles.
    let any = |p: &dyn Fn(&report::spill::SpillFigures) -> bool| {
        (0..12u64).any(|k| {
            let sc = random(0x5111_0000 + k);
            let s = report::summarize(&sc, &run(&sc, Platforms::Lmi).unwrap(), Platforms::Lmi);
            p(&s.spill_over.unwrap().figures)
        })
    };
    assert!(any(&|f| f.served_by_fallback > 0), "no seed spilled");
    assert!(any(&|f| f.fallback_throttled > 0), "no fallback throttled");
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

const BASE: &str = r#"
name = "tiny-spill"
seed = 3
horizon = "10m"
report_interval = "1m"
[capacity_provider]
availability_zones = 1
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[capacity_provider.CapacityProviderScalingConfig]
MaxVCpuCount = 16
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
MinExecutionEnvironments = 1
MaxExecutionEnvironments = 2
[functions.work]
cpu = "20ms"
io = "200ms"
[functions.traffic]
shape = "spike"
base = 20
peak = 600
start = "2m"
rise = "30s"
hold = "3m"
decay = "1m"
"#;

#[test]
fn bad_spill_over_tables_exit_2_naming_key_value_and_allowed() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "[functions.spill_over]\nmemory = 512\n",
            "unknown",
            &["spill_over", "memory"],
        ),
        (
            "[functions.spill_over]\nreasons = [\"ScalingRate\"]\n",
            "reason",
            &[
                "functions[0].spill_over.reasons[0]",
                "ScalingRate",
                "ConcurrencyThrottles",
            ],
        ),
        (
            "[functions.spill_over]\nMemorySize = 64\n",
            "memory",
            &["functions[0].spill_over.MemorySize", "64", "128..=10240"],
        ),
        (
            "[functions.spill_over]\ndelay = \"-1s\"\n",
            "delay",
            &["functions[0].spill_over.delay"],
        ),
        (
            "[functions.spill_over]\nreasons = []\n",
            "empty reasons",
            &["functions[0].spill_over.reasons", "at least one"],
        ),
        (
            "[functions.spill_over]\n[functions.source]\ntype = \"async\"\n",
            "async source",
            &["functions[0].spill_over", "synchronous"],
        ),
        (
            "[functions.spill_over]\nReservedConcurrentExecutions = 10\nProvisionedConcurrentExecutions = 11\n",
            "provisioned above reserved",
            &[
                "functions[0].spill_over.ProvisionedConcurrentExecutions",
                "11",
                "0..=10",
            ],
        ),
    ];
    for (extra, what, needles) in cases {
        let p = d.path().join("s.toml");
        std::fs::write(&p, format!("{BASE}{extra}")).unwrap();
        let o = bin()
            .args(["validate", p.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        for n in *needles {
            assert!(err.contains(n), "{what}: `{n}` not in: {err}");
        }
    }
}

/// `functions[0].spill_over.enabled` is a key path like any sweep axis or
/// `--set`: false drops the block (the run is the one without a spill-over,
/// byte for byte), true brings it back.
#[test]
fn the_enabled_key_turns_spill_over_off_and_on() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("s.toml");
    std::fs::write(&p, format!("{BASE}[functions.spill_over]\n")).unwrap();
    let plain = d.path().join("plain.toml");
    std::fs::write(&plain, BASE).unwrap();
    let summary = |file: &std::path::Path, out: &str, set: Option<&str>| {
        let out = d.path().join(out);
        let mut c = bin();
        c.args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        c.args(["-q", "--no-charts", "--no-report", "--platform", "lmi"]);
        if let Some(s) = set {
            c.args(["--set", s]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let dir = out.join("tiny-spill");
        (
            std::fs::read_to_string(dir.join("summary.json")).unwrap(),
            std::fs::read(dir.join("timeseries.csv")).unwrap(),
        )
    };
    let (on, ts_on) = summary(&p, "on", None);
    let (off, ts_off) = summary(&p, "off", Some("functions[0].spill_over.enabled=false"));
    let (none, ts_none) = summary(&plain, "none", None);
    let v: serde_json::Value = serde_json::from_str(&on).unwrap();
    let lmi = v["lmi"]["throttle_rate"].as_f64().unwrap();
    let blend = v["spill_over"]["blend"]["throttle_rate"].as_f64().unwrap();
    assert!(lmi > 0.0, "the tiny fleet throttles: {lmi}");
    assert!(
        blend < lmi,
        "spill-over lowers the throttle rate: {blend} vs {lmi}"
    );
    assert!(v["spill_over"]["throttles_avoided"].as_u64().unwrap() > 0);
    let v_off: serde_json::Value = serde_json::from_str(&off).unwrap();
    assert!(v_off.get("spill_over").is_none(), "{off}");
    assert_eq!(ts_off, ts_none, "off: the timeseries of a run without one");
    assert_ne!(ts_on, ts_none, "on: spill columns in the timeseries");
    // The summaries differ only in the overrides line.
    let strip = |s: &str| {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        v.as_object_mut().unwrap().remove("overrides");
        v
    };
    assert_eq!(strip(&off), strip(&none));
}

/// A sweep whose axis is `functions[0].spill_over.enabled` runs both points.
#[test]
fn a_sweep_axis_can_toggle_spill_over() {
    let d = tempfile::tempdir().unwrap();
    let mut base = String::from("[base]\n");
    for l in BASE.lines() {
        if l == "[[functions]]" {
            base.push_str("[[base.functions]]\n");
        } else if let Some(t) = l.strip_prefix('[') {
            base.push_str(&format!("[base.{t}\n"));
        } else {
            base.push_str(l);
            base.push('\n');
        }
    }
    let text = format!(
        "name = \"sw\"\nseed = 5\nreplications = 1\nplatforms = \"lmi\"\n[[axes]]\nkey = \"functions[0].spill_over.enabled\"\nvalues = [false, true]\n{base}[base.functions.spill_over]\n"
    );
    let p = d.path().join("sw.toml");
    std::fs::write(&p, &text).unwrap();
    let out = d.path().join("out");
    let o = bin()
        .args([
            "sweep",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sw").join("results.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| !l.starts_with('#')).count(),
        3,
        "{csv}"
    );
    // results.csv carries the blend (LMI + spill-over) beside LMI alone.
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let cell = |row: usize, name: &str| -> f64 {
        let c = head
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {head:?}"));
        rows[row][c]
            .parse()
            .unwrap_or_else(|_| panic!("{name} = {:?}", rows[row][c]))
    };
    for m in [
        "throttle_rate",
        "p99_ms",
        "cold_start_rate",
        "monthly_usd",
        "peak_instances",
        "monthly_invocations",
    ] {
        let (l, b) = (
            cell(0, &format!("lmi_{m}_mean")),
            cell(0, &format!("blend_{m}_mean")),
        );
        assert_eq!(l, b, "seed 5: point 0 (spill-over off): blend {m} is LMI's");
    }
    let (l, b) = (
        cell(1, "lmi_throttle_rate_mean"),
        cell(1, "blend_throttle_rate_mean"),
    );
    assert!(l > 0.0 && b < l, "seed 5: point 1: blend {b} < LMI {l}");
    let (l, b) = (
        cell(1, "lmi_monthly_usd_mean"),
        cell(1, "blend_monthly_usd_mean"),
    );
    assert!(
        b > l,
        "seed 5: point 1: the fallback's bill adds: {b} > {l}"
    );
    assert_eq!(
        cell(1, "lmi_peak_instances_mean"),
        cell(1, "blend_peak_instances_mean")
    );
    let sj: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("sw").join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        sj["blend"], true,
        "summary.json says results.csv has blend columns"
    );
    // The sweep's report tables show the blend too.
    let md = std::fs::read_to_string(out.join("sw").join("summary.md")).unwrap();
    assert!(md.contains("LMI + spill-over $/month"), "{md}");
}

/// A goal on the blend picks the cheapest point whose LMI + spill-over meets
/// it; without a spill-over at any point, `goal.platform = "blend"` is an
/// input error.
#[test]
fn a_sweep_goal_can_be_on_the_blend() {
    let d = tempfile::tempdir().unwrap();
    let scen = d.path().join("s.toml");
    std::fs::write(&scen, format!("{BASE}[functions.spill_over]\n")).unwrap();
    let plain = d.path().join("plain.toml");
    std::fs::write(&plain, BASE).unwrap();
    let sweep = |base: &str, name: &str, axis: &str| {
        let p = d.path().join(format!("{name}.toml"));
        std::fs::write(
            &p,
            format!(
                "name = \"{name}\"\nseed = 5\nreplications = 1\nplatforms = \"lmi\"\nbase = \"{base}\"\n[goal]\nplatform = \"blend\"\nmax_throttle_rate = 0.0\n[[axes]]\n{axis}\n"
            ),
        )
        .unwrap();
        let out = d.path().join("out");
        bin()
            .args([
                "sweep",
                p.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
            ])
            .output()
            .unwrap()
    };
    let o = sweep(
        "s.toml",
        "on",
        "key = \"functions[0].spill_over.enabled\"\nvalues = [false, true]",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sj: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("out/on/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sj["goal"]["platform"], "blend");
    assert_eq!(sj["goal"]["pick"]["point"], 1, "{}", sj["goal"]);
    assert_eq!(
        sj["goal"]["feasible_points"], 1,
        "seed 5: LMI alone throttles"
    );
    assert_eq!(sj["pareto_platform"], "blend");
    let o = sweep(
        "plain.toml",
        "off",
        "key = \"functions[0].MemorySize\"\nvalues = [2048, 4096]",
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("goal.platform = \"blend\"") && e.contains("no point"),
        "{e}"
    );
}
