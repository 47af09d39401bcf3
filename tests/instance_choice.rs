//! Instance-type choice without `AllowedInstanceTypes` (docs/model.md,
//! "Instance families"): the candidates follow AWS's size rule, and the default
//! `cheapest_for_fleet` sizes instances to the EEs a function needs per AZ
//! instead of launching a `.16xlarge` per AZ for three small EEs.

use lmi_sim::report::summarize;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::scenario::{Scenario, StartState};
use lmi_sim::sim::{Platforms, RunResult, run};

/// An arm64 provider without `AllowedInstanceTypes`, `functions` functions of
/// 3 one-vCPU EEs each (2048 MB at 2 GiB/vCPU), light traffic (0.05 busy vCPU
/// per function: the fleet stays at its minimum), `extra` appended.
fn scenario(functions: usize, seed: u64, extra: &str) -> Scenario {
    let mut t = format!(
        r#"
name = "small-arm"
seed = {seed}
horizon = "2h"
report_interval = "5m"

[capacity_provider.InstanceRequirements]
Architectures = ["arm64"]
"#
    );
    for i in 0..functions {
        t.push_str(&format!(
            r#"
[[functions]]
name = "f{i}"
Runtime = "python3.13"
MemorySize = 2048
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 3
[functions.work]
cpu = {{ dist = "exponential", mean = "10ms" }}
io = "20ms"
[functions.traffic]
shape = "constant"
rate = 5
"#
        ));
    }
    t.push_str(extra);
    from_toml_str(&t, "small-arm.toml", None).unwrap_or_else(|e| panic!("seed {seed}: {e}"))
}

fn lmi(sc: &Scenario) -> RunResult {
    run(sc, Platforms::Lmi).unwrap_or_else(|e| panic!("seed {}: {e}", sc.seed))
}

#[test]
fn candidates_follow_the_family_size_rule() {
    let sc = scenario(1, 1, "");
    let names: Vec<&str> = sc
        .provider
        .instance_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with('c') && n.ends_with(".large"))
    );
    for n in ["c7g.xlarge", "m7g.large", "r7g.large", "c8g.16xlarge"] {
        assert!(names.contains(&n), "{n} missing");
    }
    // AllowedInstanceTypes may still name a c*.large.
    let sc = from_toml_str(
        &format!(
            "{}\n{}",
            "name = \"x\"\nhorizon = \"1h\"\n[capacity_provider.InstanceRequirements]\nArchitectures = [\"arm64\"]\nAllowedInstanceTypes = [\"c7g.large\"]",
            "[[functions]]\nname = \"f\"\nRuntime = \"python3.13\"\nMemorySize = 2048\nExecutionEnvironmentMemoryGiBPerVCpu = 2\n[functions.work]\ncpu = \"10ms\"\n[functions.traffic]\nshape = \"constant\"\nrate = 1\n"
        ),
        "x.toml",
        None,
    )
    .unwrap();
    assert_eq!(sc.provider.instance_types.len(), 1);
    assert_eq!(sc.provider.instance_types[0].name, "c7g.large");
}

/// A 3-EE function without `AllowedInstanceTypes` runs on instances holding at
/// most twice the vCPUs its EEs and reserve need.
#[test]
fn three_ee_function_gets_instances_sized_to_its_ees() {
    for seed in 1..=3 {
        for start in [StartState::Warm, StartState::Publish] {
            let mut sc = scenario(1, seed, "");
            sc.start_state = start;
            let r = lmi(&sc);
            let l = r.lmi().unwrap();
            let reserved = sc.model.reserved_vcpus_per_instance;
            let instances = l.provider.peak_instances;
            let bound = 2 * (3 + reserved * instances);
            eprintln!(
                "seed {seed} {:?}: peak {} vCPUs on {instances} instances, bound {bound}",
                sc.start_state, l.provider.peak_vcpus
            );
            assert!(
                l.provider.peak_vcpus <= bound,
                "seed {seed}, {:?}: peak {} vCPUs on {instances} instances > bound {bound}",
                sc.start_state,
                l.provider.peak_vcpus
            );
            assert_eq!(
                l.functions[0].peak_ees, 3,
                "seed {seed}: the fleet should stay at its minimum"
            );
        }
    }
}

/// The issue's case: two functions of 3 one-vCPU EEs. The old default put them
/// on 3 × c6g.16xlarge (192 vCPUs); the fleet-aware one costs less, and the
/// summary says what it chose and why.
#[test]
fn two_small_functions_cost_less_than_with_the_per_vcpu_rule() {
    for seed in [1, 2] {
        let new = scenario(2, seed, "");
        let old = scenario(
            2,
            seed,
            "\n[model]\ninstance_selection = \"cheapest_per_usable_vcpu\"\n",
        );
        let (rn, ro) = (lmi(&new), lmi(&old));
        let (sn, so) = (
            summarize(&new, &rn, Platforms::Lmi),
            summarize(&old, &ro, Platforms::Lmi),
        );
        let (ln, lo) = (sn.lmi.unwrap(), so.lmi.unwrap());
        assert_eq!(lo.fleet.peak_vcpus, 192, "seed {seed}: old default");
        assert!(
            ln.fleet.peak_vcpus <= 2 * (6 + ln.fleet.peak_instances),
            "seed {seed}: {} vCPUs on {} instances",
            ln.fleet.peak_vcpus,
            ln.fleet.peak_instances
        );
        assert!(
            ln.cost.monthly_usd < lo.cost.monthly_usd / 4.0,
            "seed {seed}: {} vs {} per month",
            ln.cost.monthly_usd,
            lo.cost.monthly_usd
        );
        let choices = &ln.fleet.instance_choices;
        assert_eq!(choices.len(), 2, "seed {seed}");
        for c in choices {
            let ty = c.instance_type.as_deref().unwrap();
            assert!(
                c.reason.starts_with(ty) && c.reason.contains("cheapest for the 3 EEs"),
                "seed {seed}: {}",
                c.reason
            );
            assert_eq!(c.launches.values().sum::<u64>(), 3, "seed {seed}: {c:?}");
        }
        let old_reason = &lo.fleet.instance_choices[0].reason;
        assert!(
            old_reason.contains("per usable vCPU"),
            "seed {seed}: {old_reason}"
        );
    }
}
