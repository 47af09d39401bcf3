//! Hand-built scenarios for tests and benches (no TOML): one x86 provider and
//! the documented default knobs, which tests then adjust field by field.

use crate::catalog::builtin;
use crate::dist::Dist;
use crate::scenario::*;
use crate::time::SimDuration;
use crate::traffic::{ArrivalProcess, RateShape, Traffic};

/// The documented default model knobs (docs/model.md, "our choice" values).
pub fn default_model() -> ModelKnobs {
    ModelKnobs {
        instance_launch_delay: Dist::Constant(INSTANCE_LAUNCH_DELAY),
        scaler_interval: SCALER_INTERVAL,
        auto_cpu_target_percent: AUTO_CPU_TARGET_PERCENT,
        scale_in_cooldown: SimDuration::from_secs(600),
        scale_in_step: 0.10,
        max_instance_lifetime: SimDuration::from_secs(12 * 3600),
        max_ee_lifetime: SimDuration::from_secs(4 * 3600),
        cpu_reject_threshold_percent: 95.0,
        instance_cpu_protection: false,
        reserved_vcpus_per_instance: 1,
        reserved_memory_mib_per_instance: 1024,
        runtime_init: [
            SimDuration::from_millis(90),
            SimDuration::from_millis(140),
            SimDuration::from_millis(240),
            SimDuration::from_millis(250),
            SimDuration::from_millis(20),
        ],
        instance_selection: InstanceSelection::CheapestForFleet,
        warm_fleet_ages: WarmFleetAges::Same,
        ee_overload: Some(EE_OVERLOAD_PERCENT / 100.0),
        ee_busy: EE_BUSY_PERCENT / 100.0,
        ee_limit_window: EE_LIMIT_WINDOW,
        cpu_speed: Vec::new(),
    }
}

/// Default pricing (docs/model.md, "Pricing"), on-demand.
pub fn default_pricing() -> Pricing {
    Pricing {
        ec2_discount: 0.0,
        discount_name: "on_demand".into(),
        lambda_discount: 0.0,
        management_fee: 0.15,
        discounted_rate_precision_usd: 0.0001,
        request_usd_per_million: 0.20,
        x86_tiers: vec![
            PriceTier {
                up_to_gbs: 6e9,
                usd_per_gbs: 0.0000166667,
            },
            PriceTier {
                up_to_gbs: 15e9,
                usd_per_gbs: 0.000015,
            },
            PriceTier {
                up_to_gbs: f64::INFINITY,
                usd_per_gbs: 0.0000133334,
            },
        ],
        arm_tiers: vec![
            PriceTier {
                up_to_gbs: 7.5e9,
                usd_per_gbs: 0.0000133334,
            },
            PriceTier {
                up_to_gbs: 18.75e9,
                usd_per_gbs: 0.0000120001,
            },
            PriceTier {
                up_to_gbs: f64::INFINITY,
                usd_per_gbs: 0.0000106667,
            },
        ],
        pc_usd_per_gbs: 0.0000041667,
        pc_duration_usd_per_gbs: 0.0000097222,
        free_tier: false,
        free_requests: 1e6,
        free_gbs: 400_000.0,
        month_hours: 730.0,
    }
}

/// A function: Python, 2 GB / ratio 2 (1 vCPU, 16 slots), min 3, given work and rate.
pub fn function(name: &str, cpu: Dist, io: Dist, rate: f64) -> FunctionSpec {
    FunctionSpec {
        name: name.into(),
        runtime: Runtime::Python,
        memory_mb: 2048,
        gib_per_vcpu: 2,
        max_concurrency: 16,
        min_ees: 3,
        max_ees: u32::MAX,
        function_init: Dist::Constant(SimDuration::from_secs(1)),
        work: Work { cpu, io },
        memory: InvocationMemory::default(),
        traffic: Traffic::Synthetic {
            shape: RateShape::Constant { rate },
            process: ArrivalProcess::Poisson,
            rate_multiplier: 1.0,
        },
        default_lambda: DefaultFunction {
            memory_mb: 2048,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
        },
        event_source: EventSourceSpec::Sync,
        spill_over: None,
    }
}

/// A scenario with one provider limited to `types` (x86 unless they are Graviton).
pub fn scenario(types: &[&str], functions: Vec<FunctionSpec>, horizon: SimDuration) -> Scenario {
    let instance_types: Vec<_> = builtin()
        .into_iter()
        .filter(|t| types.contains(&t.name.as_str()))
        .collect();
    let architecture = instance_types
        .first()
        .map(|t| t.architecture)
        .unwrap_or(Architecture::X86_64);
    Scenario {
        name: "test".into(),
        description: String::new(),
        seed: 1,
        horizon,
        report_interval: SimDuration::from_secs(60),
        start_state: StartState::Warm,
        warm: WarmFleet::default(),
        provider: CapacityProvider {
            architecture,
            instance_types,
            max_vcpu: 400,
            scaling: ScalingMode::Auto,
            availability_zones: 3,
        },
        functions,
        schedule: vec![],
        model: default_model(),
        default_lambda: DefaultLambdaKnobs {
            account_concurrency: 1000,
            scale_burst: 1000,
            scale_window: SimDuration::from_secs(10),
            keep_alive: Dist::Constant(SimDuration::from_secs(600)),
            cpu_quota_period: SimDuration::from_millis(20),
        },
        pricing: default_pricing(),
        notes: Vec::new(),
        slo: Vec::new(),
        calendar: None,
        faults: Vec::new(),
    }
}

/// The peak RSS [MB] in a `--stats` line (the process's own VmHWM, which
/// tests read instead of wait4's ru_maxrss: after a vfork-style spawn that
/// also counts the pages of the multi-threaded test process).
pub fn stats_peak_rss_mb(stderr: &str) -> f64 {
    stderr
        .split("peak RSS ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in --stats output: {stderr}"))
}
