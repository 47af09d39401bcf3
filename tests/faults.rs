//! Failure injection (docs/model.md, "Faults"): hand-computed micro-scenarios
//! (an AZ outage, an instance failure, an EE crash), conservation with the
//! new outcome over random small scenarios, and bad `[[faults]]` tables.
//!
//! The micro-scenario: one Python function with 3 two-vCPU EEs (4096 MB at
//! 2 GiB/vCPU), one per AZ on three c6i.xlarge (one EE each), warm at t = 0;
//! 50 req/s evenly spaced (one every 20 ms) of 5 ms CPU and 50 ms I/O. An
//! invocation lasts 55 ms, so just after an arrival three are in flight, one
//! per EE: at each arrival the one that came 60 ms earlier has finished
//! (5 ms before), and the least-loaded router sends the new one to the EE it
//! left idle. A fault at t = 600.010 s therefore finds exactly one invocation
//! on each EE.

use lmi_sim::lmi::LmiResult;
use lmi_sim::report::summarize;
use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{Platforms, RunResult, run};

fn micro(seed: u64, faults: &str) -> Scenario {
    let t = format!(
        r#"
name = "faults"
seed = {seed}
horizon = "30m"
report_interval = "1m"
start_state = "warm"

[capacity_provider]
availability_zones = 3

[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c6i.xlarge"]

[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 4096
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 3
function_init = "1s"

[functions.work]
cpu = "5ms"
io = "50ms"

[functions.traffic]
shape = "constant"
rate = 50
process = "uniform"

{faults}
"#
    );
    from_toml_str(&t, "faults.toml", None).unwrap_or_else(|e| panic!("seed {seed}: {e}"))
}

fn lmi(sc: &Scenario) -> RunResult {
    run(sc, Platforms::Lmi).unwrap_or_else(|e| panic!("seed {}: {e}", sc.seed))
}

/// Every invocation is served, throttled, failed by a fault or in flight.
fn conserved(sc: &Scenario, l: &LmiResult) {
    for (i, f) in l.functions.iter().enumerate() {
        let g = &f.ledger;
        assert_eq!(
            g.arrivals,
            g.served + g.throttles.total() + g.failed_by_fault + l.in_flight_at_end[i] as u64,
            "seed {}: conservation of function {i}",
            sc.seed
        );
    }
}

#[test]
fn az_outage_loses_the_in_flight_invocations_of_its_instance_and_relaunches_elsewhere() {
    let seed = 11;
    let sc = micro(
        seed,
        "[[faults]]\ntype = \"az_outage\"\nat = \"600.010s\"\naz = \"a\"\nduration = \"10m\"",
    );
    let r = lmi(&sc);
    let l = r.lmi().unwrap();
    conserved(&sc, l);
    assert_eq!(l.faults.len(), 1, "seed {seed}");
    let o = &l.faults[0].occurrences;
    assert_eq!(o.len(), 1, "seed {seed}");
    let o = &o[0];
    assert_eq!(
        (o.pre_fault_instances, o.pre_fault_ees),
        (3, 3),
        "seed {seed}: 3 instances, 3 Ready EEs before"
    );
    assert_eq!(
        (o.instances_lost, o.ees_lost, o.invocations_failed),
        (1, 1, 1),
        "seed {seed}: one instance, its EE and its one invocation"
    );
    assert_eq!(l.functions[0].ledger.failed_by_fault, 1, "seed {seed}");
    // The scaler restores the minimum in AZ b or c, never in AZ a (out).
    assert!(!o.recovery_launch_azs.is_empty(), "seed {seed}: {o:?}");
    assert!(
        o.recovery_launch_azs.iter().all(|&az| az != 0),
        "seed {seed}: launched in the AZ that is out: {o:?}"
    );
    let back = o.recovered_at.expect("recovers before the horizon");
    let took = back.since(o.at).as_secs_f64();
    // At most a scaler interval, a launch and an init; at least the launch.
    assert!(took > 1.0 && took < 300.0, "seed {seed}: took {took} s");
    assert!(o.recovery_cost_usd > 0.0, "seed {seed}: {o:?}");
    let s = summarize(&sc, &r, Platforms::Lmi);
    let fs = s.lmi.as_ref().unwrap().faults.as_ref().unwrap();
    assert_eq!(fs.invocations_failed, 1, "seed {seed}");
    assert_eq!(fs.failed_by_reason["az_outage"], 1, "seed {seed}");
    assert_eq!(fs.entries[0].kind, "az_outage");
    // timeseries.csv: the one failure in the 600–660 s row, nowhere else.
    let ts = lmi_sim::report::timeseries_csv(&sc, &r, &s);
    let mut lines = ts.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(head.last(), Some(&"lmi_failed_by_fault"), "seed {seed}");
    let failed: Vec<(f64, u64)> = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].parse().unwrap(), c[c.len() - 1].parse().unwrap())
        })
        .collect();
    assert_eq!(failed.len(), 30, "seed {seed}: 30 one-minute rows");
    for (t, n) in failed {
        assert_eq!(n, u64::from(t == 600.0), "seed {seed}: row at {t} s");
    }
    // Without faults the column is absent (the bytes of a run without).
    let plain = micro(seed, "");
    let rp = lmi(&plain);
    let sp = summarize(&plain, &rp, Platforms::Lmi);
    let tp = lmi_sim::report::timeseries_csv(&plain, &rp, &sp);
    assert!(!tp.contains("failed_by_fault"), "seed {seed}");
}

#[test]
fn a_run_without_faults_has_no_faults_block() {
    let sc = micro(3, "");
    let r = lmi(&sc);
    assert!(r.lmi().unwrap().faults.is_empty());
    let s = summarize(&sc, &r, Platforms::Lmi);
    assert!(s.lmi.as_ref().unwrap().faults.is_none());
    let json = lmi_sim::report::summary_json(&s);
    assert!(!json.contains("failed_by_reason"), "seed 3: {json}");
}

#[test]
fn instance_failures_at_given_times_take_the_oldest_instance() {
    let seed = 5;
    let sc = micro(
        seed,
        "[[faults]]\ntype = \"instance_failure\"\nat = [\"300.010s\", \"900.010s\"]",
    );
    let r = lmi(&sc);
    let l = r.lmi().unwrap();
    conserved(&sc, l);
    let o = &l.faults[0].occurrences;
    assert_eq!(o.len(), 2, "seed {seed}");
    for x in o {
        assert_eq!(
            (x.instances_lost, x.ees_lost, x.invocations_failed),
            (1, 1, 1),
            "seed {seed}: {x:?}"
        );
        assert!(x.recovered_at.is_some(), "seed {seed}: {x:?}");
    }
    assert_eq!(l.functions[0].ledger.failed_by_fault, 2, "seed {seed}");
}

#[test]
fn an_ee_crash_loses_its_invocations_and_the_scaler_replaces_it() {
    let seed = 9;
    let sc = micro(
        seed,
        "[[faults]]\ntype = \"ee_crash\"\nfunction = \"f\"\nat = \"600.010s\"",
    );
    let r = lmi(&sc);
    let l = r.lmi().unwrap();
    conserved(&sc, l);
    let x = &l.faults[0].occurrences[0];
    assert_eq!(
        (x.instances_lost, x.ees_lost, x.invocations_failed),
        (0, 1, 1),
        "seed {seed}: {x:?}"
    );
    // Its instance keeps running: room for the replacement EE, no launch.
    assert_eq!(x.recovery_launches, 0, "seed {seed}: {x:?}");
    let took = x.recovered_at.expect("recovers").since(x.at).as_secs_f64();
    assert!(took > 1.0 && took < 90.0, "seed {seed}: took {took} s");
}

#[test]
fn conservation_holds_with_random_faults() {
    let mut all_lost = 0;
    for seed in 0..12u64 {
        // Rates and times from the seed: a rough spread of fault mixes.
        let mtbf = 120 + (seed * 37) % 600;
        let at = 100 + (seed * 53) % 1500;
        let az = seed % 3;
        let faults = format!(
            "[[faults]]\ntype = \"instance_failures\"\nmtbf = \"{mtbf}s\"\n\n\
             [[faults]]\ntype = \"ee_crashes\"\nfunction = \"f\"\nmtbf = \"{}s\"\n\n\
             [[faults]]\ntype = \"az_outage\"\nat = \"{at}s\"\naz = {az}\nduration = \"5m\"",
            mtbf / 2 + 30
        );
        let mut sc = micro(seed, &faults);
        // More load than the micro-scenario: several in flight per EE.
        sc.functions[0].max_ees = 12;
        let r = lmi(&sc);
        let l = r.lmi().unwrap();
        conserved(&sc, l);
        let lost: u64 = l
            .faults
            .iter()
            .flat_map(|f| &f.occurrences)
            .map(|o| o.invocations_failed)
            .sum();
        assert_eq!(
            lost, l.functions[0].ledger.failed_by_fault,
            "seed {seed}: fault records and ledger agree"
        );
        all_lost += lost;
        // Same scenario, same seed: same result.
        let again = lmi(&sc);
        assert_eq!(
            again.lmi().unwrap().faults,
            l.faults,
            "seed {seed}: determinism"
        );
    }
    assert!(all_lost > 0, "seeds 0..12: no fault hit an invocation");
}

fn bad(faults: &str) -> String {
    let text = format!(
        r#"
name = "bad"
horizon = "1h"
[capacity_provider]
availability_zones = 3
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 4096
[functions.work]
cpu = "10ms"
[functions.traffic]
shape = "constant"
rate = 1
{faults}
"#
    );
    match from_toml_str(&text, "bad.toml", None) {
        Ok(_) => panic!("accepted: {faults}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_fault_tables_name_the_key_the_value_and_what_is_allowed() {
    let m = bad("[[faults]]\ntype = \"meteor\"\nat = \"1m\"");
    assert!(
        m.contains("faults[0].type") && m.contains("meteor") && m.contains("az_outage"),
        "{m}"
    );
    let m = bad("[[faults]]\ntype = \"az_outage\"\nat = \"1m\"\naz = \"d\"\nduration = \"1m\"");
    assert!(m.contains("faults[0].az") && m.contains("\"c\""), "{m}");
    let m = bad("[[faults]]\ntype = \"az_outage\"\nat = \"2h\"\naz = 0\nduration = \"1m\"");
    assert!(m.contains("faults[0].at") && m.contains("horizon"), "{m}");
    let m = bad("[[faults]]\ntype = \"az_outage\"\nat = \"1m\"\naz = 0");
    assert!(
        m.contains("faults[0].duration") && m.contains("missing"),
        "{m}"
    );
    let m = bad("[[faults]]\ntype = \"instance_failure\"\nat = \"1m\"\nmtbf = \"1h\"");
    assert!(m.contains("faults[0].mtbf") && m.contains("takes"), "{m}");
    let m = bad("[[faults]]\ntype = \"ee_crashes\"\nfunction = \"g\"\nmtbf = \"1h\"");
    assert!(
        m.contains("faults[0].function") && m.contains("\"f\""),
        "{m}"
    );
    let m = bad("[[faults]]\ntype = \"instance_failures\"\nmtbf = 0");
    assert!(m.contains("faults[0].mtbf") && m.contains("> 0"), "{m}");
    let m = bad("[[faults]]\ntype = \"ee_crash\"\nfunction = \"f\"\nat = \"1m\"\nwhen = 3");
    assert!(m.contains("when"), "{m}");
}

#[test]
fn bad_faults_exit_2_on_the_cli() {
    let dir = std::env::temp_dir().join(format!("lmi-sim-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.toml");
    std::fs::write(
        &p,
        "name = \"bad\"\nhorizon = \"1h\"\n[[functions]]\nname = \"f\"\nRuntime = \"python3.13\"\nMemorySize = 4096\n[functions.work]\ncpu = \"10ms\"\n[functions.traffic]\nshape = \"constant\"\nrate = 1\n[[faults]]\ntype = \"az_outage\"\nat = \"1m\"\naz = 7\nduration = \"1m\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(["validate"])
        .arg(&p)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("faults[0].az"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_async_source_retries_what_a_fault_lost_and_sqs_redelivers_it() {
    for (source, seed) in [("type = \"async\"", 21u64), ("type = \"sqs\"", 22)] {
        let faults = format!(
            "[functions.source]\n{source}\n\n[[faults]]\ntype = \"ee_crashes\"\nfunction = \"f\"\nmtbf = \"2m\""
        );
        let sc = micro(seed, &faults);
        let r = lmi(&sc);
        let l = r.lmi().unwrap();
        conserved(&sc, l);
        assert!(
            l.functions[0].ledger.failed_by_fault > 0,
            "seed {seed}: {source}: no invocation lost"
        );
        let t = r.lmi_sources().unwrap().totals[0].as_ref().unwrap();
        // Lost invocations come back: async retries them, SQS redelivers.
        assert!(
            t.retries + t.redelivered > 0,
            "seed {seed}: {source}: nothing retried: {t:?}"
        );
        assert_eq!(
            t.requests,
            t.completed + t.failed + t.dlq + t.queued_at_end + t.in_flight_at_end,
            "seed {seed}: {source}: source conservation"
        );
    }
}
