//! Scenario file errors: every message names the file, the key path, the bad
//! value and what is allowed. Plus one full example that must parse.

use lmi_sim::dist::Dist;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::scenario::{
    Architecture, ConfigError, InstanceSelection, Runtime, ScalingMode, StartState, WarmFleetAges,
};
use lmi_sim::time::{SimDuration, SimTime};
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};

const FILE: &str = "test.toml";

/// A minimal valid scenario; tests append to or replace parts of it.
const BASE: &str = r#"
name = "base"
horizon = "1h"

[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 4096
[functions.work]
cpu = "40ms"
[functions.traffic]
shape = "constant"
rate = 10
"#;

const FULL: &str = r#"
name = "marketing-spike"
description = "a spike"
seed = 42
horizon = "6h"
report_interval = "1m"
start_state = "publish"

[capacity_provider]
availability_zones = 2
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.2xlarge", "c6i.2xlarge"]
[capacity_provider.CapacityProviderScalingConfig]
MaxVCpuCount = 800
ScalingMode = "Manual"
ScalingPolicies = [ { PredefinedMetricType = "LambdaCapacityProviderAverageCPUUtilization", TargetValue = 60.0 } ]

[[functions]]
name = "checkout"
Runtime = "python3.13"
MemorySize = 4096
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 3
MaxExecutionEnvironments = 50
function_init = { dist = "uniform", min = "500ms", max = "2s" }
[functions.work]
cpu = { dist = "lognormal", median = "40ms", p99 = "200ms" }
io = { dist = "constant", value = "200ms" }
[functions.traffic]
shape = "spike"
base = 100.0
peak = 800.0
start = "1h"
rise = "5m"
hold = "20m"
decay = "30m"
process = "uniform"
rate_multiplier = 2
[functions.default_lambda]
MemorySize = 2048
ReservedConcurrentExecutions = 100
ProvisionedConcurrentExecutions = 10

[[functions]]
name = "search"
Runtime = "java21"
MemorySize = 8192
ExecutionEnvironmentMemoryGiBPerVCpu = 4
PerExecutionEnvironmentMaxConcurrency = 40
[functions.work]
io = 0.05
[functions.traffic]
shape = "piecewise"
segments = [
  { for = "30m", shape = "constant", rate = 100 },
  { for = "1h", shape = "ramp", from = 100, to = 200, duration = "30m" },
  { shape = "diurnal", mean = 150, amplitude = 50 },
]

[[scaling_schedule]]
at = "2h"
function = "checkout"
MinExecutionEnvironments = 0
MaxExecutionEnvironments = 0

[[scaling_schedule]]
at = "30m"
function = "search"
MinExecutionEnvironments = 5

[[scaling_schedule]]
at = "2h"
function = "search"
MaxExecutionEnvironments = 10

[model]
instance_launch_delay = { dist = "empirical", percentiles = [[0, "30s"], [50, "45s"], [100, "90s"]] }
scaler_interval = "30s"
auto_cpu_target_percent = 55.0
scale_in_cooldown = "5m"
scale_in_step = 0.2
max_instance_lifetime = "7d"
max_ee_lifetime = "90m"
cpu_reject_threshold_percent = 90
reserved_vcpus_per_instance = 1
reserved_memory_gib_per_instance = 0.5
instance_selection = "cheapest_fitting"
warm_fleet_ages = "spread"
[model.runtime_init]
python = "100ms"

[default_lambda]
account_concurrency = 3000
scale_burst = 500
scale_window = "10s"
keep_alive = { dist = "exponential", mean = "5m" }

[pricing]
discount = "compute_sp_1yr"
management_fee = 0.15
discounted_rate_precision_usd = 0.0001
request_usd_per_million = 0.25
free_tier = true
[[pricing.instance_types]]
name = "c7i.2xlarge"
ondemand_usd_per_hour = 0.3
[[pricing.instance_types]]
name = "x9z.huge"
ondemand_usd_per_hour = 1.0
vcpus = 64
memory_gib = 128
architecture = "x86_64"
"#;

fn err(text: &str) -> String {
    match from_toml_str(text, FILE, None) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => {
            let m = e.to_string();
            assert!(m.contains(FILE), "message lacks the file name: {m}");
            m
        }
    }
}

/// Replaces `from` (which must occur) in BASE.
fn base_with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE lacks {from:?}");
    BASE.replacen(from, to, 1)
}

fn assert_has(m: &str, parts: &[&str]) {
    for p in parts {
        assert!(m.contains(p), "message lacks {p:?}:\n{m}");
    }
}

#[test]
fn base_parses() {
    let s = from_toml_str(BASE, FILE, None).unwrap();
    assert_eq!(s.functions.len(), 1);
    assert_eq!(s.seed, 1);
    assert_eq!(s.report_interval, SimDuration::from_secs(60));
    assert_eq!(s.provider.architecture, Architecture::X86_64);
    assert_eq!(s.provider.scaling, ScalingMode::Auto);
    assert_eq!(s.provider.max_vcpu, 400);
    assert!(
        s.provider
            .instance_types
            .iter()
            .all(|t| t.architecture == Architecture::X86_64)
    );
    let f = &s.functions[0];
    assert_eq!((f.min_ees, f.max_ees), (3, u32::MAX));
    assert_eq!(f.default_lambda.memory_mb, 4096);
    assert_eq!(f.function_init, Dist::Constant(SimDuration::from_secs(1)));
    assert!(f.work.io.is_zero());
    assert_eq!(s.pricing.discount_name, "on_demand");
    assert_eq!(s.pricing.lambda_discount, 0.0);
    assert_eq!(
        s.model.runtime_init[Runtime::Nodejs.index()],
        SimDuration::from_millis(140)
    );
}

#[test]
fn full_example_lands_in_the_right_fields() {
    let s = from_toml_str(FULL, FILE, None).unwrap();
    assert_eq!(s.name, "marketing-spike");
    assert_eq!(s.description, "a spike");
    assert_eq!(s.seed, 42);
    assert_eq!(s.horizon, SimDuration::from_secs(6 * 3600));
    assert_eq!(s.report_interval, SimDuration::from_secs(60));
    assert_eq!(s.start_state, StartState::Publish);

    let p = &s.provider;
    assert_eq!(p.availability_zones, 2);
    assert_eq!(p.max_vcpu, 800);
    assert_eq!(
        p.scaling,
        ScalingMode::Manual {
            target_percent: 60.0
        }
    );
    assert!((s.cpu_target() - 0.6).abs() < 1e-12);
    let names: Vec<&str> = p.instance_types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"c7i.2xlarge") && names.contains(&"c6i.2xlarge"));
    let c7i = p
        .instance_types
        .iter()
        .find(|t| t.name == "c7i.2xlarge")
        .unwrap();
    assert_eq!(c7i.ondemand_usd_per_hour, 0.3);
    assert_eq!(c7i.vcpus, 8);

    let f = &s.functions[0];
    assert_eq!(f.name, "checkout");
    assert_eq!(f.runtime, Runtime::Python);
    assert_eq!(f.ee_vcpus(), 2);
    assert_eq!(f.max_concurrency, 32);
    assert_eq!((f.min_ees, f.max_ees), (3, 50));
    assert_eq!(
        f.function_init,
        Dist::Uniform {
            lo_us: 500_000.0,
            hi_us: 2_000_000.0
        }
    );
    assert_eq!(
        f.work.cpu,
        Dist::lognormal_from_median_p99(SimDuration(40_000), SimDuration(200_000))
    );
    assert_eq!(f.work.io, Dist::Constant(SimDuration(200_000)));
    match &f.traffic {
        Traffic::Synthetic {
            shape,
            process,
            rate_multiplier,
        } => {
            assert_eq!(*process, ArrivalProcess::Uniform);
            assert_eq!(*rate_multiplier, 2.0);
            assert_eq!(
                *shape,
                RateShape::Spike {
                    base: 100.0,
                    peak: 800.0,
                    start: SimDuration::from_secs(3600),
                    rise: SimDuration::from_secs(300),
                    hold: SimDuration::from_secs(1200),
                    decay: SimDuration::from_secs(1800),
                }
            );
        }
        other => panic!("expected synthetic traffic, got {other:?}"),
    }
    assert_eq!(f.default_lambda.memory_mb, 2048);
    assert_eq!(f.default_lambda.reserved_concurrency, Some(100));
    assert_eq!(f.default_lambda.provisioned_concurrency, 10);

    let g = &s.functions[1];
    assert_eq!(g.runtime, Runtime::Java);
    assert_eq!(g.ee_vcpus(), 2);
    assert_eq!(g.max_concurrency, 40);
    assert_eq!(g.work.cpu, Dist::Constant(SimDuration::ZERO));
    assert_eq!(g.work.io, Dist::Constant(SimDuration(50_000)));
    assert_eq!(g.default_lambda.memory_mb, 8192);
    match &g.traffic {
        Traffic::Synthetic {
            shape: RateShape::Piecewise(segs),
            process,
            ..
        } => {
            assert_eq!(*process, ArrivalProcess::Poisson);
            assert_eq!(segs.len(), 3);
            assert_eq!(segs[0].duration, SimDuration::from_secs(1800));
            assert_eq!(
                segs[1].shape,
                RateShape::Ramp {
                    from: 100.0,
                    to: 200.0,
                    start: SimDuration::ZERO,
                    duration: SimDuration::from_secs(1800),
                }
            );
            assert_eq!(
                segs[2].shape,
                RateShape::Diurnal {
                    mean: 150.0,
                    amplitude: 50.0,
                    period: SimDuration::from_secs(86_400),
                    peak_at: SimDuration::from_secs(14 * 3600),
                }
            );
        }
        other => panic!("not piecewise: {other:?}"),
    }

    // Schedule sorted by time, stable for equal times.
    let sched: Vec<(u64, usize, u32, u32)> = s
        .schedule
        .iter()
        .map(|c| (c.at.0 / 1_000_000, c.function, c.min_ees, c.max_ees))
        .collect();
    assert_eq!(
        sched,
        vec![(1800, 1, 5, u32::MAX), (7200, 0, 0, 0), (7200, 1, 3, 10)]
    );
    assert_eq!(s.schedule[0].at, SimTime(1800 * 1_000_000));

    let m = &s.model;
    assert_eq!(
        m.instance_launch_delay,
        Dist::Empirical {
            points: vec![(0.0, 30e6), (0.5, 45e6), (1.0, 90e6)]
        }
    );
    assert_eq!(m.scaler_interval, SimDuration::from_secs(30));
    assert_eq!(m.auto_cpu_target_percent, 55.0);
    assert_eq!(m.scale_in_cooldown, SimDuration::from_secs(300));
    assert_eq!(m.scale_in_step, 0.2);
    assert_eq!(m.max_instance_lifetime, SimDuration::from_secs(7 * 86_400));
    assert_eq!(m.max_ee_lifetime, SimDuration::from_secs(90 * 60));
    assert_eq!(m.cpu_reject_threshold_percent, 90.0);
    assert_eq!(m.reserved_vcpus_per_instance, 1);
    assert_eq!(m.reserved_memory_mib_per_instance, 512);
    assert_eq!(m.instance_selection, InstanceSelection::CheapestFitting);
    assert_eq!(m.warm_fleet_ages, WarmFleetAges::Spread);
    assert_eq!(
        m.runtime_init[Runtime::Python.index()],
        SimDuration::from_millis(100)
    );
    assert_eq!(
        m.runtime_init[Runtime::Java.index()],
        SimDuration::from_millis(240)
    );
    assert_eq!(
        m.runtime_init[Runtime::Rust.index()],
        SimDuration::from_millis(20)
    );

    let d = &s.default_lambda;
    assert_eq!(d.account_concurrency, 3000);
    assert_eq!(d.scale_burst, 500);
    assert_eq!(d.scale_window, SimDuration::from_secs(10));
    assert_eq!(d.keep_alive, Dist::Exponential { mean_us: 300e6 });

    let pr = &s.pricing;
    assert_eq!(pr.ec2_discount, 0.32);
    assert_eq!(pr.discount_name, "compute_sp_1yr");
    assert_eq!(pr.lambda_discount, 0.12);
    assert_eq!(pr.management_fee, 0.15);
    assert_eq!(pr.request_usd_per_million, 0.25);
    assert!(pr.free_tier);
    assert_eq!(pr.x86_tiers.len(), 3);
    assert_eq!(pr.x86_tiers[0].up_to_gbs, 6e9);
    assert_eq!(pr.x86_tiers[0].usd_per_gbs, 0.0000166667);
    assert_eq!(pr.x86_tiers[2].up_to_gbs, f64::INFINITY);
    assert_eq!(pr.arm_tiers[1].up_to_gbs, 18.75e9);
    assert_eq!(pr.arm_tiers[2].usd_per_gbs, 0.0000106667);
    assert_eq!(pr.pc_usd_per_gbs, 0.0000041667);
    assert_eq!(pr.free_gbs, 400_000.0);
    assert_eq!(pr.month_hours, 730.0);
}

#[test]
fn malformed_toml_names_file_and_line() {
    let m = err("name = \"x\"\nhorizon = \n");
    assert_has(&m, &["test.toml", "line 2"]);
}

#[test]
fn unknown_top_level_key_lists_allowed_keys() {
    let m = err(&base_with(
        "name = \"base\"",
        "name = \"base\"\nhorizonn = 5",
    ));
    assert_has(
        &m,
        &[
            "horizonn",
            "line 3",
            "horizon",
            "report_interval",
            "functions",
        ],
    );
}

#[test]
fn unknown_key_in_work_cpu() {
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = { dist = \"lognormal\", median = \"40ms\", p99 = \"200ms\", p95 = \"100ms\" }",
    ));
    assert_has(&m, &["functions[0].work.cpu.p95", "dist", "median", "p99"]);
}

#[test]
fn unknown_key_in_function_lists_allowed() {
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nMemory = 1",
    ));
    assert_has(
        &m,
        &["functions[0]", "Memory", "MemorySize", "Runtime", "line"],
    );
}

#[test]
fn wrong_type_memory_size() {
    let m = err(&base_with("MemorySize = 4096", "MemorySize = \"big\""));
    assert_has(&m, &["functions[0].MemorySize", "line", "2048..=32768"]);
}

#[test]
fn memory_size_out_of_range() {
    let m = err(&base_with("MemorySize = 4096", "MemorySize = 1000"));
    assert_has(
        &m,
        &[
            "functions[0].MemorySize",
            "1000",
            "2048..=32768",
            "multiple of 2048",
        ],
    );
    let m = err(&base_with("MemorySize = 4096", "MemorySize = 5120"));
    assert_has(&m, &["functions[0].MemorySize", "5120", "multiple of 2048"]);
}

#[test]
fn ratio_must_be_2_4_or_8() {
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 6144\nExecutionEnvironmentMemoryGiBPerVCpu = 3",
    ));
    assert_has(
        &m,
        &[
            "functions[0].ExecutionEnvironmentMemoryGiBPerVCpu",
            "= 3",
            "2 (default), 4 or 8",
        ],
    );
}

#[test]
fn concurrency_zero_and_too_high() {
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nPerExecutionEnvironmentMaxConcurrency = 0",
    ));
    assert_has(
        &m,
        &[
            "functions[0].PerExecutionEnvironmentMaxConcurrency",
            "= 0",
            "1..=1600",
            "1..=128",
        ],
    );
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nPerExecutionEnvironmentMaxConcurrency = 129",
    ));
    assert_has(
        &m,
        &[
            "PerExecutionEnvironmentMaxConcurrency",
            "129",
            "64 × EE vCPUs",
            "2 vCPU",
        ],
    );
}

#[test]
fn max_vcpu_count_too_small() {
    let m = err(&format!(
        "{BASE}\n[capacity_provider.CapacityProviderScalingConfig]\nMaxVCpuCount = 1\n"
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount",
            "= 1",
            "2..=15000",
        ],
    );
}

#[test]
fn min_above_max_and_min_zero() {
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nMinExecutionEnvironments = 10\nMaxExecutionEnvironments = 5",
    ));
    assert_has(
        &m,
        &[
            "functions[0].MinExecutionEnvironments",
            "10",
            "<= MaxExecutionEnvironments (5)",
        ],
    );
    let m = err(&base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nMinExecutionEnvironments = 0\nMaxExecutionEnvironments = 5",
    ));
    assert_has(
        &m,
        &[
            "functions[0].MinExecutionEnvironments",
            "= 0",
            "MaxExecutionEnvironments = 0",
            "1..=15000",
        ],
    );
    // 0/0 deactivates: valid.
    let ok = base_with(
        "MemorySize = 4096",
        "MemorySize = 4096\nMinExecutionEnvironments = 0\nMaxExecutionEnvironments = 0",
    );
    let s = from_toml_str(&ok, FILE, None).unwrap();
    assert_eq!((s.functions[0].min_ees, s.functions[0].max_ees), (0, 0));
}

#[test]
fn unknown_runtime() {
    let m = err(&base_with(
        "Runtime = \"python3.13\"",
        "Runtime = \"cobol85\"",
    ));
    assert_has(
        &m,
        &[
            "functions[0].Runtime",
            "cobol85",
            "python3.N",
            "nodejsNN.x",
            "provided.al2023",
        ],
    );
}

#[test]
fn unknown_instance_type() {
    let m = err(&format!(
        "{BASE}\n[capacity_provider.InstanceRequirements]\nAllowedInstanceTypes = [\"c7i.large\", \"c7i.gigantic\"]\n"
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.InstanceRequirements.AllowedInstanceTypes[1]",
            "unknown instance type `c7i.gigantic`",
            "c7i.large",
        ],
    );
    let m = err(&format!(
        "{BASE}\n[capacity_provider.InstanceRequirements]\nExcludedInstanceTypes = [\"zz.top\"]\n"
    ));
    assert_has(
        &m,
        &["ExcludedInstanceTypes[0]", "unknown instance type `zz.top`"],
    );
}

#[test]
fn architecture_mismatch() {
    let m = err(&format!(
        "{BASE}\n[capacity_provider.InstanceRequirements]\nArchitectures = [\"arm64\"]\nAllowedInstanceTypes = [\"c7i.large\"]\n"
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.InstanceRequirements.AllowedInstanceTypes[0]",
            "c7i.large",
            "x86_64",
            "arm64",
        ],
    );
    let m = err(&format!(
        "{BASE}\n[capacity_provider.InstanceRequirements]\nArchitectures = [\"riscv\"]\n"
    ));
    assert_has(
        &m,
        &["Architectures[0]", "riscv", "\"x86_64\" or \"arm64\""],
    );
}

#[test]
fn function_too_big_for_allowed_types() {
    let m = err(&format!(
        "{}\n[capacity_provider.InstanceRequirements]\nAllowedInstanceTypes = [\"c7i.large\"]\n",
        BASE
    ));
    assert_has(
        &m,
        &["functions[0].MemorySize", "`f`", "c7i.large", "usable"],
    );
}

#[test]
fn discount_out_of_range() {
    let m = err(&format!("{BASE}\n[pricing]\ndiscount = 1.0\n"));
    assert_has(&m, &["pricing.discount", "1.0", "[0, 1)", "compute_sp_1yr"]);
    let m = err(&format!("{BASE}\n[pricing]\ndiscount = \"free\"\n"));
    assert_has(&m, &["pricing.discount", "free", "on_demand"]);
    let s = from_toml_str(&format!("{BASE}\n[pricing]\ndiscount = 0.2\n"), FILE, None).unwrap();
    assert_eq!(
        (s.pricing.ec2_discount, s.pricing.discount_name.as_str()),
        (0.2, "custom")
    );
}

/// `pricing.lambda_discount`: the preset's 12% with a Compute Savings Plan, 0
/// on demand and with a fraction as `discount` (EC2 only), the given value
/// otherwise; out of [0, 1) is an error naming file, key, value and range.
#[test]
fn lambda_discount_defaults_and_range() {
    let lambda = |pricing: &str| {
        from_toml_str(&format!("{BASE}\n[pricing]\n{pricing}\n"), FILE, None)
            .unwrap()
            .pricing
    };
    for (pricing, ec2, l) in [
        ("discount = \"on_demand\"", 0.0, 0.0),
        ("discount = \"compute_sp_1yr\"", 0.32, 0.12),
        ("discount = \"compute_sp_3yr\"", 0.65, 0.12),
        ("discount = 0.4", 0.4, 0.0),
        ("discount = 0.4\nlambda_discount = 0.1", 0.4, 0.1),
        (
            "discount = \"compute_sp_1yr\"\nlambda_discount = 0.17",
            0.32,
            0.17,
        ),
        (
            "discount = \"compute_sp_3yr\"\nlambda_discount = 0.0",
            0.65,
            0.0,
        ),
        ("lambda_discount = 0.17", 0.0, 0.17),
    ] {
        let p = lambda(pricing);
        assert_eq!((p.ec2_discount, p.lambda_discount), (ec2, l), "{pricing}");
    }
    for (bad, shown) in [("1.0", "1"), ("1.5", "1.5"), ("-0.1", "-0.1")] {
        let m = err(&format!("{BASE}\n[pricing]\nlambda_discount = {bad}\n"));
        assert_has(&m, &["pricing.lambda_discount", shown, "[0, 1)"]);
    }
    let m = err(&format!(
        "{BASE}\n[pricing]\nlambda_discount = \"compute_sp_1yr\"\n"
    ));
    assert_has(&m, &["pricing.lambda_discount", "[0, 1)"]);
}

#[test]
fn default_lambda_memory_size_range() {
    for bad in ["64", "20000"] {
        let m = err(&format!(
            "{BASE}\n[functions.default_lambda]\nMemorySize = {bad}\n"
        ));
        assert_has(
            &m,
            &["functions[0].default_lambda.MemorySize", bad, "128..=10240"],
        );
    }
}

#[test]
fn reserved_zero_is_rejected() {
    let m = err(&format!(
        "{BASE}\n[functions.default_lambda]\nReservedConcurrentExecutions = 0\n"
    ));
    assert_has(
        &m,
        &[
            "functions[0].default_lambda.ReservedConcurrentExecutions",
            "= 0",
            "1..=1000",
            "omit",
        ],
    );
    let m = err(&format!(
        "{BASE}\n[functions.default_lambda]\nReservedConcurrentExecutions = 5\nProvisionedConcurrentExecutions = 6\n"
    ));
    assert_has(&m, &["ProvisionedConcurrentExecutions", "6", "0..=5"]);
}

#[test]
fn lognormal_p99_below_median() {
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = { dist = \"lognormal\", median = \"40ms\", p99 = \"20ms\" }",
    ));
    assert_has(
        &m,
        &["functions[0].work.cpu.p99", "20ms", ">= median (40ms)"],
    );
}

#[test]
fn empirical_percentiles_not_increasing() {
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = { dist = \"empirical\", percentiles = [[0, \"1ms\"], [50, \"2ms\"], [40, \"3ms\"], [100, \"4ms\"]] }",
    ));
    assert_has(
        &m,
        &[
            "functions[0].work.cpu.percentiles[2]",
            "40",
            "greater than the previous",
            "0 to 100",
        ],
    );
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = { dist = \"empirical\", percentiles = [[0, \"5ms\"], [100, \"4ms\"]] }",
    ));
    assert_has(&m, &["percentiles[1]", "non-decreasing"]);
}

#[test]
fn unknown_dist() {
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = { dist = \"gamma\", mean = \"1s\" }",
    ));
    assert_has(
        &m,
        &[
            "functions[0].work.cpu.dist",
            "gamma",
            "\"lognormal\"",
            "\"empirical\"",
        ],
    );
}

#[test]
fn bad_durations() {
    let m = err(&base_with("horizon = \"1h\"", "horizon = \"1 fortnight\""));
    assert_has(&m, &["horizon", "fortnight", "us, ms, s, m, h"]);
    let m = err(&base_with("horizon = \"1h\"", "horizon = \"500d\""));
    assert_has(&m, &["horizon", "500d", "<= 400d"]);
    let m = err(&base_with(
        "horizon = \"1h\"",
        "horizon = \"1h\"\nreport_interval = \"2h\"",
    ));
    assert_has(&m, &["report_interval", "2h", "<= horizon (1h)"]);
    let m = err(&base_with("horizon = \"1h\"", "horizon = true"));
    assert_has(&m, &["horizon", "line", "\"45s\""]);
}

#[test]
fn unknown_shape_and_shape_keys() {
    let m = err(&base_with("shape = \"constant\"", "shape = \"sawtooth\""));
    assert_has(
        &m,
        &[
            "functions[0].traffic.shape",
            "sawtooth",
            "\"spike\"",
            "\"piecewise\"",
        ],
    );
    let m = err(&base_with("rate = 10", "rate = 10\npeak = 20"));
    assert_has(&m, &["functions[0].traffic.peak", "`rate`", "`process`"]);
    let m = err(&base_with("rate = 10", "rate = -1"));
    assert_has(&m, &["functions[0].traffic.rate", "-1", "0..="]);
}

#[test]
fn piecewise_rules() {
    let nested = base_with(
        "shape = \"constant\"\nrate = 10",
        "shape = \"piecewise\"\nsegments = [ { for = \"1m\", shape = \"constant\", rate = 1 }, { shape = \"piecewise\", segments = [] } ]",
    );
    let m = err(&nested);
    assert_has(
        &m,
        &[
            "functions[0].traffic.segments[1].shape",
            "piecewise",
            "\"diurnal\"",
        ],
    );
    let no_for = base_with(
        "shape = \"constant\"\nrate = 10",
        "shape = \"piecewise\"\nsegments = [ { shape = \"constant\", rate = 1 }, { shape = \"constant\", rate = 2 } ]",
    );
    let m = err(&no_for);
    assert_has(
        &m,
        &["functions[0].traffic.segments[0].for", "(missing)", "last"],
    );
}

#[test]
fn schedule_names_unknown_function() {
    let m = err(&format!(
        "{BASE}\n[[scaling_schedule]]\nat = \"10m\"\nfunction = \"nope\"\nMinExecutionEnvironments = 1\n"
    ));
    assert_has(&m, &["scaling_schedule[0].function", "nope", "\"f\""]);
    let m = err(&format!(
        "{BASE}\n[[scaling_schedule]]\nat = \"2h\"\nfunction = \"f\"\n"
    ));
    assert_has(&m, &["scaling_schedule[0].at", "2h", "<= horizon (1h)"]);
}

#[test]
fn manual_mode_needs_one_policy() {
    let m = err(&format!(
        "{BASE}\n[capacity_provider.CapacityProviderScalingConfig]\nScalingMode = \"Manual\"\n"
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies",
            "(missing)",
            "LambdaCapacityProviderAverageCPUUtilization",
            "(0, 100]",
        ],
    );
    let m = err(&format!(
        "{BASE}\n[capacity_provider.CapacityProviderScalingConfig]\nScalingPolicies = [ {{ PredefinedMetricType = \"LambdaCapacityProviderAverageCPUUtilization\", TargetValue = 50 }} ]\n"
    ));
    assert_has(&m, &["ScalingPolicies", "ScalingMode = \"Manual\""]);
    let m = err(&format!(
        "{BASE}\n[capacity_provider.CapacityProviderScalingConfig]\nScalingMode = \"Manual\"\nScalingPolicies = [ {{ PredefinedMetricType = \"LambdaCapacityProviderAverageCPUUtilization\", TargetValue = 150 }} ]\n"
    ));
    assert_has(&m, &["ScalingPolicies[0].TargetValue", "150", "(0, 100]"]);
}

#[test]
fn duplicate_function_names() {
    let second = BASE.split_once("[[functions]]").map(|(_, f)| f).unwrap();
    let m = err(&format!("{BASE}\n[[functions]]{second}"));
    assert_has(
        &m,
        &["functions[1].name", "\"f\"", "unique", "functions[0]"],
    );
}

#[test]
fn required_keys_and_names() {
    let m = err(&base_with("name = \"base\"\n", ""));
    assert_has(&m, &["name", "(missing)", "letters, digits"]);
    let m = err(&base_with("name = \"base\"", "name = \"a/b\""));
    assert_has(&m, &["name", "a/b", "letters, digits"]);
    let m = err("name = \"x\"\nhorizon = \"1h\"\n");
    assert_has(&m, &["functions", "at least one [[functions]]"]);
    let m = err(&base_with("[functions.work]\ncpu = \"40ms\"\n", ""));
    assert_has(&m, &["functions[0].work", "(missing)", "cpu"]);
}

#[test]
fn model_knob_ranges() {
    let m = err(&format!("{BASE}\n[model]\nscale_in_step = 0\n"));
    assert_has(&m, &["model.scale_in_step", "0", "(0, 1]"]);
    let m = err(&format!(
        "{BASE}\n[model]\nreserved_vcpus_per_instance = 5\n"
    ));
    assert_has(&m, &["model.reserved_vcpus_per_instance", "5", "0..=4"]);
    let m = err(&format!(
        "{BASE}\n[model]\nmax_instance_lifetime = \"30m\"\n"
    ));
    assert_has(
        &m,
        &["model.max_instance_lifetime", "30m", ">= 1h and <= 365d"],
    );
    let m = err(&format!(
        "{BASE}\n[model]\ninstance_selection = \"random\"\n"
    ));
    assert_has(
        &m,
        &["model.instance_selection", "random", "cheapest_fitting"],
    );
    let m = err(&format!("{BASE}\n[model.runtime_init]\ngo = \"1ms\"\n"));
    assert_has(&m, &["model.runtime_init", "go", "python", "rust"]);
}

#[test]
fn lifetime_knobs_default_and_reject_zero_negative_and_implausible_values() {
    // Defaults: 12 h per instance, 4 h per EE (docs/model.md, "Instance
    // lifetime" and "EE lifetime").
    let s = from_toml_str(BASE, FILE, None).unwrap();
    assert_eq!(
        s.model.max_instance_lifetime,
        SimDuration::from_secs(12 * 3600)
    );
    assert_eq!(s.model.max_ee_lifetime, SimDuration::from_secs(4 * 3600));
    let model = |line: &str| err(&format!("{BASE}\n[model]\n{line}\n"));
    for key in ["max_ee_lifetime", "max_instance_lifetime"] {
        let k = format!("model.{key}");
        // Zero, and a number of seconds below an hour.
        assert_has(&model(&format!("{key} = 0")), &[&k, "0", ">= 1h"]);
        assert_has(&model(&format!("{key} = \"0s\"")), &[&k, "0s", ">= 1h"]);
        assert_has(&model(&format!("{key} = 1800")), &[&k, "1800", ">= 1h"]);
        // Negative, as a number and as a string.
        assert_has(
            &model(&format!("{key} = -3600")),
            &[&k, "-3600", "non-negative"],
        );
        assert_has(
            &model(&format!("{key} = \"-4h\"")),
            &[&k, "-4h", "non-negative"],
        );
        // Longer than a year.
        assert_has(
            &model(&format!("{key} = \"400d\"")),
            &[&k, "400d", "<= 365d"],
        );
        // Not a duration.
        assert_has(&model(&format!("{key} = \"4 hours\"")), &[&k, "4 hours"]);
    }
    // The bounds themselves are fine.
    for (i, e) in [("1h", "1h"), ("365d", "365d"), ("14d", "4h")] {
        let t = format!(
            "{BASE}\n[model]\nmax_instance_lifetime = \"{i}\"\nmax_ee_lifetime = \"{e}\"\n"
        );
        from_toml_str(&t, FILE, None).unwrap_or_else(|x| panic!("{i} / {e}: {x}"));
    }
}

#[test]
fn new_instance_type_needs_all_fields() {
    let m = err(&format!(
        "{BASE}\n[[pricing.instance_types]]\nname = \"x9.big\"\nvcpus = 8\n"
    ));
    assert_has(
        &m,
        &[
            "pricing.instance_types[0].",
            "x9.big",
            "vcpus, memory_gib, architecture, ondemand_usd_per_hour",
        ],
    );
}

#[test]
fn io_error_names_the_path() {
    let e = lmi_sim::scenario::load(std::path::Path::new("/nonexistent/dir/s.toml")).unwrap_err();
    assert!(matches!(e, ConfigError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/dir/s.toml"));
}

#[test]
fn never_panics_on_odd_inputs() {
    let odd = [
        "",
        "functions = 3",
        "functions = [1, 2]",
        "[[functions]]\n[[functions]]",
        "name = \"x\"\nhorizon = 1e300",
        "name = \"x\"\nhorizon = nan",
        "name = \"x\"\nhorizon = -5",
        "name = \"x\"\nseed = -1\nhorizon = 5",
        "name = \"x\"\nhorizon = 5\n[[functions]]\nname = \"f\"\nRuntime = \"rust\"\nMemorySize = 9223372036854775807",
        "name = \"x\"\nhorizon = 5\n[[functions]]\nname = \"f\"\nRuntime = \"rust\"\nMemorySize = 2048\nwork = { cpu = { dist = \"empirical\", percentiles = [[0], [nan, 1]] } }",
        "name = \"x\"\nhorizon = 5\n[[functions]]\nname = \"f\"\nRuntime = \"rust\"\nMemorySize = 2048\nwork = { io = 1 }\ntraffic = { shape = \"exponential\", start_rate = 1, doubling_time = \"1us\", duration = \"1d\" }",
        "name = \"x\"\nhorizon = 5\n[[functions]]\nname = \"f\"\nRuntime = \"rust\"\nMemorySize = 2048\nwork = { io = 1 }\ntraffic = { shape = \"piecewise\", segments = [] }",
        "name = \"x\"\nhorizon = 5\n[[functions]]\nname = \"f\"\nRuntime = \"rust\"\nMemorySize = 2048\nwork = { io = 1 }\ntraffic = { shape = \"spike\", base = 1, peak = inf, start = 0, rise = 0, hold = 0, decay = 0 }",
        "name = \"x\"\nhorizon = 5\n[capacity_provider.InstanceRequirements]\nArchitectures = []",
        "[pricing]\ndiscount = [1]",
    ];
    for t in odd {
        let r = std::panic::catch_unwind(|| from_toml_str(t, FILE, None));
        match r {
            Ok(Err(e)) => assert!(e.to_string().contains(FILE), "{e}"),
            Ok(Ok(_)) => panic!("accepted: {t}"),
            Err(_) => panic!("panicked on: {t}"),
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Random edits of a valid file never panic; errors always name the file.
        #[test]
        fn edited_files_never_panic(edits in proptest::collection::vec((0usize..4000, 0u8..3, any::<char>()), 1..6)) {
            let mut text: Vec<char> = FULL.chars().collect();
            for (pos, op, c) in edits {
                let at = pos % (text.len() + 1);
                match op {
                    0 => text.insert(at, c),
                    1 if at < text.len() => { text.remove(at); }
                    _ if at < text.len() => text[at] = c,
                    _ => {}
                }
            }
            let text: String = text.into_iter().collect();
            if let Err(e) = from_toml_str(&text, FILE, None) {
                prop_assert!(e.to_string().contains(FILE));
            }
        }
    }
}

#[test]
fn ee_protection_and_memory_keys_parse_and_bad_values_name_the_key() {
    let ok = format!("{BASE}\n[model]\nee_overload_percent = 300\nee_limit_window = \"2s\"\n");
    let sc = from_toml_str(&ok, FILE, None).unwrap();
    assert_eq!(sc.model.ee_overload, Some(3.0));
    assert_eq!(sc.model.ee_limit_window, SimDuration::from_secs(2));
    let inst = format!("{BASE}\n[model]\ninstance_cpu_protection = true\n");
    assert!(
        from_toml_str(&inst, FILE, None)
            .unwrap()
            .model
            .instance_cpu_protection
    );
    assert!(
        !from_toml_str(BASE, FILE, None)
            .unwrap()
            .model
            .instance_cpu_protection
    );
    let off = format!("{BASE}\n[model]\nee_cpu_protection = false\n");
    assert_eq!(
        from_toml_str(&off, FILE, None).unwrap().model.ee_overload,
        None
    );
    let dflt = from_toml_str(BASE, FILE, None).unwrap();
    assert_eq!(dflt.model.ee_overload, Some(1.25));
    assert_eq!(dflt.model.ee_busy, 0.99);
    assert_eq!(dflt.model.ee_limit_window, SimDuration::from_secs(3));
    assert_eq!(
        dflt.functions[0].memory.capacity(Runtime::Python, 4096),
        u32::MAX
    );

    let m = err(&format!("{BASE}\n[model]\nee_overload_percent = 5\n"));
    assert!(
        m.contains("model.ee_overload_percent") && m.contains("[10, 1000]"),
        "{m}"
    );
    let busy = format!("{BASE}\n[model]\nee_busy_percent = 90\n");
    assert_eq!(from_toml_str(&busy, FILE, None).unwrap().model.ee_busy, 0.9);
    let m = err(&format!("{BASE}\n[model]\nee_busy_percent = 101\n"));
    assert!(
        m.contains("model.ee_busy_percent") && m.contains("101") && m.contains("[0, 100]"),
        "{m}"
    );
    let m = err(&format!("{BASE}\n[model]\nee_limit_window = \"1ms\"\n"));
    assert!(
        m.contains("model.ee_limit_window") && m.contains("10ms..=1h"),
        "{m}"
    );

    // 4096 MB Python EE: 1000 + 100 MB per process → 3 invocations fit.
    let mem = base_with(
        "cpu = \"40ms\"",
        "cpu = \"40ms\"\nmemory_mb = 1000\nprocess_memory_mb = 100",
    );
    let sc = from_toml_str(&mem, FILE, None).unwrap();
    assert_eq!(sc.functions[0].memory.capacity(Runtime::Python, 4096), 3);
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = \"40ms\"\nmemory_mb = 5000",
    ));
    assert!(
        m.contains("functions[0].work.memory_mb") && m.contains("5000") && m.contains("0..=4096"),
        "{m}"
    );
    let m = err(&base_with(
        "cpu = \"40ms\"",
        "cpu = \"40ms\"\nmemory_mb = 3000\nprocess_memory_mb = 2000",
    ));
    assert!(
        m.contains("functions[0].work.memory_mb") && m.contains("at most 2096 MB"),
        "{m}"
    );
}

/// BASE (one 2-vCPU function) on c6i.2xlarge only (7 usable vCPUs: 3 EEs),
/// with `extra` appended.
fn warm(extra: &str) -> String {
    format!(
        "{BASE}\n[capacity_provider.InstanceRequirements]\nAllowedInstanceTypes = [\"c6i.2xlarge\"]\n{extra}"
    )
}

#[test]
fn stated_warm_fleet_lands_in_the_scenario() {
    let s = from_toml_str(
        &format!(
            "{BASE}[functions.warm]\nexecution_environments = 4\n[capacity_provider.warm]\ninstances = {{ \"c6i.2xlarge\" = 1, \"c6i.4xlarge\" = 1 }}\n"
        ),
        FILE,
        None,
    )
    .unwrap();
    let w = &s.warm;
    assert!(w.instances_stated);
    assert_eq!(w.ees_of(0), Some(4));
    let names: Vec<(&str, u32)> = w
        .instances
        .iter()
        .map(|i| {
            (
                s.provider.instance_types[i.instance_type].name.as_str(),
                i.az,
            )
        })
        .collect();
    assert_eq!(names, [("c6i.2xlarge", 0), ("c6i.4xlarge", 1)]);
    // AZ 2 has no instance: its EEs go to the next AZs, fewest EEs first.
    let on: Vec<usize> = w.placements.iter().map(|p| p.1).collect();
    assert_eq!(on, [0, 1, 0, 1]);
    assert!(s.warnings().is_empty());
}

#[test]
fn warm_fleet_that_does_not_fit() {
    let m = err(&warm(
        "[capacity_provider.warm]\ninstances = { \"c6i.2xlarge\" = 2 }\n[functions.warm]\nexecution_environments = 7\n",
    ));
    assert_has(
        &m,
        &[
            "functions[0].warm.execution_environments = 7",
            "2 × c6i.2xlarge",
            "room for only 6 EEs",
            "2 vCPU and 4096 MiB",
        ],
    );
}

#[test]
fn warm_fleet_above_max_vcpu_count() {
    let cap = "[capacity_provider.CapacityProviderScalingConfig]\nMaxVCpuCount = 16\n";
    let m = err(&warm(&format!(
        "{cap}[capacity_provider.warm]\ninstances = {{ \"c6i.2xlarge\" = 3 }}\n[functions.warm]\nexecution_environments = 3\n"
    )));
    assert_has(
        &m,
        &[
            "capacity_provider.warm.instances = { \"c6i.2xlarge\" = 3 }",
            "24 vCPUs",
            "MaxVCpuCount (16)",
        ],
    );
    // EEs alone: the instances they need (one per AZ first) pass the cap at the third.
    let m = err(&warm(&format!(
        "{cap}[functions.warm]\nexecution_environments = 9\n"
    )));
    assert_has(
        &m,
        &[
            "functions[0].warm.execution_environments = 9",
            "c6i.2xlarge instances (8 vCPUs each",
            "MaxVCpuCount (16)",
            "only 2 EEs",
        ],
    );
}

#[test]
fn warm_ees_above_max_or_on_a_deactivated_function() {
    let m = err(&base_with(
        "MemorySize = 4096\n",
        "MemorySize = 4096\nMaxExecutionEnvironments = 5\n[functions.warm]\nexecution_environments = 6\n",
    ));
    assert_has(
        &m,
        &[
            "functions[0].warm.execution_environments = 6",
            "0..=MaxExecutionEnvironments (5)",
        ],
    );
    let m = err(&base_with(
        "MemorySize = 4096\n",
        "MemorySize = 4096\nMinExecutionEnvironments = 0\nMaxExecutionEnvironments = 0\n[functions.warm]\nexecution_environments = 1\n",
    ));
    assert_has(&m, &["execution_environments = 1", "deactivated"]);
    let m = err(&format!("{BASE}[functions.warm]\n"));
    assert_has(
        &m,
        &["functions[0].warm.execution_environments", "(missing)"],
    );
}

#[test]
fn warm_instance_types_must_be_the_providers() {
    let m = err(&warm(
        "[capacity_provider.warm]\ninstances = { \"c5.2xlarge\" = 1 }\n[functions.warm]\nexecution_environments = 1\n",
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.warm.instances.\"c5.2xlarge\"",
            "not among the provider's types",
            "c6i.2xlarge",
        ],
    );
    let m = err(&format!(
        "{BASE}[capacity_provider.warm]\ninstances = {{ \"c7g.2xlarge\" = 1 }}\n[functions.warm]\nexecution_environments = 1\n"
    ));
    assert_has(&m, &["\"c7g.2xlarge\"", "arm64 type", "x86_64"]);
    let m = err(&format!(
        "{BASE}[capacity_provider.warm]\ninstances = {{ \"zz.top\" = 1 }}\n[functions.warm]\nexecution_environments = 1\n"
    ));
    assert_has(&m, &["\"zz.top\"", "unknown instance type"]);
    let m = err(&warm(
        "[capacity_provider.warm]\ninstances = { \"c6i.2xlarge\" = 0 }\n[functions.warm]\nexecution_environments = 1\n",
    ));
    assert_has(&m, &["\"c6i.2xlarge\" = 0", "1..=15000"]);
    let m = err(&warm("[capacity_provider.warm]\ninstances = {}\n"));
    assert_has(
        &m,
        &["capacity_provider.warm.instances", "at least one type"],
    );
}

#[test]
fn warm_fleet_rules() {
    // A stated fleet needs a warm start ...
    let m = err(&format!(
        "start_state = \"publish\"\n{BASE}[functions.warm]\nexecution_environments = 3\n"
    ));
    assert_has(&m, &["functions[0].warm", "start_state = \"warm\""]);
    // ... stated instances need every active function's EEs ...
    let m = err(&warm(
        "[capacity_provider.warm]\ninstances = { \"c6i.2xlarge\" = 1 }\n",
    ));
    assert_has(
        &m,
        &[
            "functions[0].warm.execution_environments",
            "(missing)",
            "every active function",
        ],
    );
    // ... and every stated instance must hold an EE.
    let m = err(&warm(
        "[capacity_provider.warm]\ninstances = { \"c6i.2xlarge\" = 3 }\n[functions.warm]\nexecution_environments = 2\n",
    ));
    assert_has(
        &m,
        &[
            "capacity_provider.warm.instances.\"c6i.2xlarge\" = 3",
            "instance 3 (c6i.2xlarge in AZ 2) without an EE",
        ],
    );
    let m = err(&format!(
        "{BASE}[capacity_provider.warm]\ninstances = {{ \"c6i.2xlarge\" = 1 }}\nspare = 2\n"
    ));
    assert_has(&m, &["spare", "instances"]);
}

#[test]
fn cpu_speed_keys_and_range() {
    let s = from_toml_str(
        &format!("{BASE}[model.cpu_speed]\nc7i = 1.2\n\"c7i.4xlarge\" = 1.3\nm7g = 1\n"),
        FILE,
        None,
    )
    .unwrap();
    assert_eq!(s.model.cpu_speed_of("c7i.2xlarge"), 1.2);
    assert_eq!(s.model.cpu_speed_of("c7i.4xlarge"), 1.3);
    assert_eq!(s.model.cpu_speed_of("m7g.large"), 1.0);
    assert_eq!(s.model.cpu_speed_of("c6i.large"), 1.0);
    let m = err(&format!("{BASE}[model.cpu_speed]\nc99x = 1.1\n"));
    assert_has(
        &m,
        &[
            "model.cpu_speed.\"c99x\"",
            "unknown instance family or type",
            "c7i",
        ],
    );
    let m = err(&format!("{BASE}[model.cpu_speed]\nc7i = 0\n"));
    assert_has(&m, &["model.cpu_speed.\"c7i\" = 0", "(0, 10]"]);
    let m = err(&format!("{BASE}[model.cpu_speed]\nc7i = \"fast\"\n"));
    assert_has(&m, &["model.cpu_speed"]);
}

#[test]
fn cpu_quota_period_default_and_range() {
    let s = from_toml_str(BASE, FILE, None).unwrap();
    assert_eq!(
        s.default_lambda.cpu_quota_period,
        SimDuration::from_millis(20)
    );
    let s = from_toml_str(
        &format!("{BASE}[default_lambda]\ncpu_quota_period = 0\n"),
        FILE,
        None,
    )
    .unwrap();
    assert_eq!(s.default_lambda.cpu_quota_period, SimDuration::ZERO);
    let m = err(&format!(
        "{BASE}[default_lambda]\ncpu_quota_period = \"500us\"\n"
    ));
    assert_has(&m, &["default_lambda.cpu_quota_period", "500", "[1ms, 1s]"]);
    let m = err(&format!(
        "{BASE}[default_lambda]\ncpu_quota_period = \"2s\"\n"
    ));
    assert_has(&m, &["default_lambda.cpu_quota_period", "[1ms, 1s]"]);
}
