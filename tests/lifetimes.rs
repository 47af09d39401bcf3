//! Maximum lifetimes of EEs and instances (docs/model.md, "EE lifetime" and
//! "Instance lifetime"): hand-computed micro-scenarios at light load, where
//! every rotation is replacement first and so costs no throttle.
//!
//! Each scenario is one Python function with 3 two-vCPU EEs (4096 MB at
//! 2 GiB/vCPU), one per AZ, warm at t = 0, and 20 req/s of 10 ms CPU and 40 ms
//! I/O (0.2 busy vCPU in all: the scaler keeps the minimum). An EE's init is
//! 90 ms (Python) + `function_init` (30 s unless said); an instance launches
//! in 45 s.

use lmi_sim::lmi::LmiResult;
use lmi_sim::report::summarize;
use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{Platforms, RunResult, run};

fn scenario(seed: u64, ty: &str, horizon: &str, interval: &str, model: &str) -> Scenario {
    with_init(seed, ty, horizon, interval, "30s", model)
}

fn with_init(
    seed: u64,
    ty: &str,
    horizon: &str,
    interval: &str,
    function_init: &str,
    model: &str,
) -> Scenario {
    let t = format!(
        r#"
name = "lifetimes"
seed = {seed}
horizon = "{horizon}"
report_interval = "{interval}"
start_state = "warm"

[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["{ty}"]

[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 4096
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 3
function_init = "{function_init}"

[functions.work]
cpu = "10ms"
io = "40ms"

[functions.traffic]
shape = "constant"
rate = 20

[model]
{model}
"#
    );
    from_toml_str(&t, "lifetimes.toml", None).unwrap_or_else(|e| panic!("seed {seed}: {e}"))
}

fn lmi(sc: &Scenario) -> RunResult {
    run(sc, Platforms::Lmi).unwrap_or_else(|e| panic!("seed {}: {e}", sc.seed))
}

/// Every invocation served or in flight (none throttled), and the summary's
/// counters agree with the model's.
fn no_loss(sc: &Scenario, r: &RunResult) -> u64 {
    let l: &LmiResult = r.lmi().unwrap();
    let f = &l.functions[0].ledger;
    assert_eq!(f.throttles.total(), 0, "seed {}: throttles", sc.seed);
    assert_eq!(
        f.arrivals,
        f.served + l.in_flight_at_end[0] as u64,
        "seed {}: conservation",
        sc.seed
    );
    let s = summarize(sc, r, Platforms::Lmi);
    let fleet = &s.lmi.as_ref().unwrap().fleet;
    assert_eq!(
        fleet.ee_rotations, l.provider.ee_rotations,
        "seed {}",
        sc.seed
    );
    assert_eq!(fleet.rotations, l.provider.rotations, "seed {}", sc.seed);
    f.arrivals
}

/// `max_ee_lifetime = 1h` over 3 h, with room for a replacement beside each EE
/// (a c6i.2xlarge holds 3 two-vCPU EEs on its 7 usable vCPUs). Each EE is
/// replaced on its own instance at 1 h; the replacement is Ready 30.09 s later
/// (and the old EE drains then), so the next rotation is at 2 h 00 m 30.09 s
/// and the third, at 3 h 01 m 00.18 s, falls after the horizon: 2 × 3 = 6.
#[test]
fn ee_lifetime_rotates_each_ee_hourly_replacement_first() {
    for seed in 1..=3 {
        let sc = scenario(seed, "c6i.2xlarge", "3h", "10s", "max_ee_lifetime = \"1h\"");
        let r = lmi(&sc);
        let arrivals = no_loss(&sc, &r);
        let l = r.lmi().unwrap();
        println!(
            "seed {seed}: {arrivals} arrivals, {} EE rotations, {} instance rotations, {} launches",
            l.provider.ee_rotations, l.provider.rotations, l.provider.launches
        );
        assert_eq!(l.provider.ee_rotations, 6, "seed {seed}");
        // The 12-hour instance lifetime is not reached; no instance is
        // launched for a replacement.
        assert_eq!(l.provider.rotations, 0, "seed {seed}");
        assert_eq!(l.provider.launches, 3, "seed {seed}");
        let rows = l.rows[0].to_vec();
        // Rows of 10 s: the one ending at 1 h 00 m 10 s and the two after it
        // have the 3 replacements initializing while the 3 old EEs are still
        // Ready (none draining); from 1 h 00 m 40 s on, 3 Ready again.
        for k in [360, 361, 362] {
            let x = &rows[k];
            assert_eq!(
                (x.ees_initializing, x.ees_ready, x.ees_draining),
                (3, 3, 0),
                "seed {seed}, row {k}: {x:?}"
            );
        }
        assert_eq!(rows[363].ees_ready, 3, "seed {seed}");
        assert_eq!(rows[364].ees_initializing, 0, "seed {seed}");
        // The second round, from 2 h 00 m 30.09 s.
        assert_eq!(rows[723].ees_initializing, 3, "seed {seed}");
        // Never fewer than 3 Ready EEs at an interval's end.
        assert!(rows.iter().all(|x| x.ees_ready >= 3), "seed {seed}");
    }
}

/// The same with c6i.xlarge, which holds one two-vCPU EE (3 usable vCPUs):
/// each replacement needs an instance of its own (45 s), Ready 30.09 s after
/// that; the old EE serves meanwhile, and its instance terminates once it has
/// drained. Rotations at 1 h and 2 h 01 m 15.09 s (the next, 3 h 02 m 30.18 s,
/// is after the horizon): 6 rotations, 3 + 6 launches, at most 6 instances,
/// 3 at the end.
#[test]
fn ee_rotation_launches_an_instance_when_none_has_room() {
    for seed in 1..=3 {
        let sc = scenario(seed, "c6i.xlarge", "3h", "1m", "max_ee_lifetime = \"1h\"");
        let r = lmi(&sc);
        no_loss(&sc, &r);
        let l = r.lmi().unwrap();
        println!(
            "seed {seed}: {} EE rotations, {} launches, peak {} instances",
            l.provider.ee_rotations, l.provider.launches, l.provider.peak_instances
        );
        assert_eq!(l.provider.ee_rotations, 6, "seed {seed}");
        assert_eq!(l.provider.launches, 9, "seed {seed}");
        assert_eq!(l.provider.peak_instances, 6, "seed {seed}");
        assert_eq!(l.provider_rows.last().unwrap().instances_running, 3);
    }
}

/// The defaults over 24 h, with `function_init` 1 s (an EE's replacement is
/// Ready 1.09 s after it starts). Instances: Running at 0, retired at 12 h,
/// their replacements Running at 12 h 00 m 45 s (next at 24 h 00 m 45 s): 3
/// rotations. EEs, each: rotated in place at 4 h and 8 h 00 m 01.09 s; at
/// 12 h 00 m 02.18 s its instance is retiring, so its replacement is reserved
/// on that instance's replacement (started when it is Running, Ready at
/// 12 h 00 m 46.09 s; the instance rotation then has nothing left to replace
/// there); then 16 h 00 m 46.09 s and 20 h 00 m 47.18 s (the next, 24 h 00 m
/// 48.27 s, is after the horizon): 5 rotations per EE, 15 in all.
#[test]
fn default_lifetimes_rotate_instances_at_12h_and_ees_every_4h() {
    for seed in 1..=2 {
        let sc = with_init(seed, "c6i.2xlarge", "24h", "5m", "1s", "");
        assert_eq!(sc.model.max_instance_lifetime.as_secs_f64(), 12.0 * 3600.0);
        assert_eq!(sc.model.max_ee_lifetime.as_secs_f64(), 4.0 * 3600.0);
        let r = lmi(&sc);
        no_loss(&sc, &r);
        let l = r.lmi().unwrap();
        println!(
            "seed {seed}: {} instance rotations, {} EE rotations, {} launches",
            l.provider.rotations, l.provider.ee_rotations, l.provider.launches
        );
        assert_eq!(l.provider.rotations, 3, "seed {seed}");
        assert_eq!(l.provider.ee_rotations, 15, "seed {seed}");
        // 3 at the warm start, 3 rotation replacements.
        assert_eq!(l.provider.launches, 6, "seed {seed}");
        assert_eq!(l.provider_rows.last().unwrap().instances_running, 3);
    }
}

/// With `function_init` 30 s and a 45 s launch delay the third EE rotation
/// would come at 12 h 01 m 00.18 s, but the instance rotation (replacement
/// Running at 12 h 00 m 45 s) has already replaced the EE: 4 EE rotations per
/// EE, 12 in all, and still 3 instance rotations. (With the default 2-minute
/// launch the EE rotation comes first: 15.)
#[test]
fn an_instance_rotation_resets_the_ages_of_its_ees() {
    let sc = scenario(
        1,
        "c6i.2xlarge",
        "24h",
        "5m",
        "instance_launch_delay = \"45s\"",
    );
    let r = lmi(&sc);
    no_loss(&sc, &r);
    let l = r.lmi().unwrap();
    println!(
        "seed 1: {} instance rotations, {} EE rotations",
        l.provider.rotations, l.provider.ee_rotations
    );
    assert_eq!(l.provider.rotations, 3);
    assert_eq!(l.provider.ee_rotations, 12);
}

/// `warm_fleet_ages = "spread"` spreads the EEs' ages over their lifetime as
/// well: EE k of 3 is k/3 of an hour old at t = 0, so the first rotations are
/// at 20 min, 40 min and 1 h, never together; over 3 h: 3 + 3 + 2 = 8.
#[test]
fn spread_ages_stagger_ee_rotations() {
    for seed in 1..=3 {
        let sc = scenario(
            seed,
            "c6i.2xlarge",
            "3h",
            "10s",
            "max_ee_lifetime = \"1h\"\nwarm_fleet_ages = \"spread\"",
        );
        let r = lmi(&sc);
        no_loss(&sc, &r);
        let l = r.lmi().unwrap();
        println!("seed {seed}: {} EE rotations", l.provider.ee_rotations);
        assert_eq!(l.provider.ee_rotations, 8, "seed {seed}");
        let rows = l.rows[0].to_vec();
        assert!(
            rows.iter().all(|x| x.ees_initializing <= 1),
            "seed {seed}: two EEs rotated at once"
        );
        // The first one: rows ending at 20 m 10 s .. 20 m 30 s.
        assert_eq!(rows[120].ees_initializing, 1, "seed {seed}");
    }
}
