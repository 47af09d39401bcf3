//! Raw scenario structs: a serde mirror of the TOML file, before validation.
//!
//! AWS parameters keep their CloudFormation spelling (`MemorySize`,
//! `MaxVCpuCount`); lmi-sim's own knobs are snake_case. Every table denies
//! unknown keys, so a typo is an error that lists the allowed keys. Almost every
//! field is optional here: required keys, ranges and defaults are checked in
//! `validate`, which can then name the key path, the value and the allowed range
//! uniformly. Integers are read as `i64` for the same reason (a value out of
//! `u32` range gets a range message, not a serde overflow).
//!
//! Values whose form depends on their content (a duration or a distribution
//! table; traffic shapes whose keys depend on `shape`; a discount preset name or
//! a number) are kept as `toml::Value`/`toml::Table` and parsed by hand.

use serde::Deserialize;
use std::fmt;

/// A duration as written: a number of seconds or a string like `"45s"`.
#[derive(Clone, Debug, PartialEq)]
pub enum RawDuration {
    Seconds(f64),
    Text(String),
}

impl fmt::Display for RawDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawDuration::Seconds(s) => write!(f, "{s}"),
            RawDuration::Text(t) => write!(f, "{t:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration: seconds as a number, or a string like \"45s\", \"10m\", \"1.5h\", \"14d\", \"250ms\"",
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawDuration, E> {
                Ok(RawDuration::Seconds(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawDuration, E> {
                Ok(RawDuration::Seconds(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawDuration, E> {
                Ok(RawDuration::Seconds(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDuration, E> {
                Ok(RawDuration::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration or a distribution table (`{ dist = "lognormal", ... }`).
pub type RawDist = toml::Value;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<i64>,
    pub horizon: Option<RawDuration>,
    pub report_interval: Option<RawDuration>,
    pub start_state: Option<String>,
    #[serde(default)]
    pub capacity_provider: RawCapacityProvider,
    #[serde(default)]
    pub functions: Vec<RawFunction>,
    #[serde(default)]
    pub scaling_schedule: Vec<RawScheduleEntry>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    #[serde(default)]
    pub model: RawModel,
    #[serde(default)]
    pub default_lambda: RawDefaultLambda,
    #[serde(default)]
    pub pricing: RawPricing,
    /// `[recommend]`: read by `lmi-sim recommend` (src/recommend), ignored
    /// by `run`.
    pub recommend: Option<toml::Value>,
    /// `[slo]`: SLO gates, parsed by hand (`validate/slo_spec.rs`).
    pub slo: Option<toml::Value>,
    /// `[calendar]`: the month as typical and special days, parsed by hand
    /// (`validate/calendar_spec.rs`).
    pub calendar: Option<toml::Value>,
}

/// `[capacity_provider]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityProvider {
    pub availability_zones: Option<i64>,
    #[serde(rename = "InstanceRequirements", default)]
    pub instance_requirements: RawInstanceRequirements,
    #[serde(rename = "CapacityProviderScalingConfig", default)]
    pub scaling_config: RawScalingConfig,
    /// The fleet Running at t = 0 of a warm start.
    pub warm: Option<RawWarmProvider>,
}

/// `[capacity_provider.warm]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWarmProvider {
    /// Instance type name → count (`{ "c6i.2xlarge" = 6 }`), in name order.
    pub instances: Option<std::collections::BTreeMap<String, i64>>,
}

/// `[capacity_provider.InstanceRequirements]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstanceRequirements {
    #[serde(rename = "Architectures")]
    pub architectures: Option<Vec<String>>,
    #[serde(rename = "AllowedInstanceTypes")]
    pub allowed_instance_types: Option<Vec<String>>,
    #[serde(rename = "ExcludedInstanceTypes")]
    pub excluded_instance_types: Option<Vec<String>>,
}

/// `[capacity_provider.CapacityProviderScalingConfig]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingConfig {
    #[serde(rename = "MaxVCpuCount")]
    pub max_vcpu_count: Option<i64>,
    #[serde(rename = "ScalingMode")]
    pub scaling_mode: Option<String>,
    #[serde(rename = "ScalingPolicies")]
    pub scaling_policies: Option<Vec<RawScalingPolicy>>,
}

/// One entry of `ScalingPolicies`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScalingPolicy {
    #[serde(rename = "PredefinedMetricType")]
    pub predefined_metric_type: Option<String>,
    #[serde(rename = "TargetValue")]
    pub target_value: Option<f64>,
}

/// `[[functions]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    pub name: Option<String>,
    #[serde(rename = "Runtime")]
    pub runtime: Option<String>,
    #[serde(rename = "MemorySize")]
    pub memory_size: Option<i64>,
    #[serde(rename = "ExecutionEnvironmentMemoryGiBPerVCpu")]
    pub gib_per_vcpu: Option<i64>,
    #[serde(rename = "PerExecutionEnvironmentMaxConcurrency")]
    pub max_concurrency: Option<i64>,
    #[serde(rename = "MinExecutionEnvironments")]
    pub min_ees: Option<i64>,
    #[serde(rename = "MaxExecutionEnvironments")]
    pub max_ees: Option<i64>,
    pub function_init: Option<RawDist>,
    pub work: Option<RawWork>,
    /// Keys depend on `shape`: parsed by hand.
    pub traffic: Option<toml::Table>,
    pub default_lambda: Option<RawFunctionDefaultLambda>,
    /// Keys depend on `type`: parsed by hand.
    pub source: Option<toml::Table>,
    /// The EEs Ready at t = 0 of a warm start.
    pub warm: Option<RawFunctionWarm>,
    /// A client-side fallback of LMI throttles to a default-Lambda function.
    pub spill_over: Option<RawSpillOver>,
}

/// `[functions.spill_over]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpillOver {
    pub enabled: Option<bool>,
    #[serde(rename = "MemorySize")]
    pub memory_size: Option<i64>,
    #[serde(rename = "ReservedConcurrentExecutions")]
    pub reserved: Option<i64>,
    #[serde(rename = "ProvisionedConcurrentExecutions")]
    pub provisioned: Option<i64>,
    pub reasons: Option<Vec<String>>,
    pub delay: Option<RawDuration>,
}

/// `[functions.warm]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunctionWarm {
    pub execution_environments: Option<i64>,
}

/// `[functions.work]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWork {
    pub cpu: Option<RawDist>,
    pub io: Option<RawDist>,
    pub memory_mb: Option<i64>,
    pub process_memory_mb: Option<i64>,
}

/// `[functions.default_lambda]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunctionDefaultLambda {
    #[serde(rename = "MemorySize")]
    pub memory_size: Option<i64>,
    #[serde(rename = "ReservedConcurrentExecutions")]
    pub reserved: Option<i64>,
    #[serde(rename = "ProvisionedConcurrentExecutions")]
    pub provisioned: Option<i64>,
}

/// `[[scaling_schedule]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduleEntry {
    pub at: Option<RawDuration>,
    pub function: Option<String>,
    #[serde(rename = "MinExecutionEnvironments")]
    pub min_ees: Option<i64>,
    #[serde(rename = "MaxExecutionEnvironments")]
    pub max_ees: Option<i64>,
}

/// `[[faults]]`: the keys of every fault type (which ones a type takes is
/// checked in `validate`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A duration, or a list of them.
    pub at: Option<toml::Value>,
    /// An AZ index or name ("a", "b", ...).
    pub az: Option<toml::Value>,
    pub duration: Option<RawDuration>,
    pub mtbf: Option<RawDuration>,
    pub function: Option<String>,
}

/// `[model]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub instance_launch_delay: Option<RawDist>,
    pub scaler_interval: Option<RawDuration>,
    pub auto_cpu_target_percent: Option<f64>,
    pub scale_in_cooldown: Option<RawDuration>,
    pub scale_in_step: Option<f64>,
    pub max_instance_lifetime: Option<RawDuration>,
    pub max_ee_lifetime: Option<RawDuration>,
    pub cpu_reject_threshold_percent: Option<f64>,
    pub instance_cpu_protection: Option<bool>,
    pub reserved_vcpus_per_instance: Option<i64>,
    pub reserved_memory_gib_per_instance: Option<f64>,
    pub instance_selection: Option<String>,
    pub warm_fleet_ages: Option<String>,
    pub ee_overload_percent: Option<f64>,
    pub ee_busy_percent: Option<f64>,
    pub ee_cpu_protection: Option<bool>,
    pub ee_limit_window: Option<RawDuration>,
    /// CPU speed factor by instance family (`c7i`) or type (`c7i.2xlarge`).
    pub cpu_speed: Option<std::collections::BTreeMap<String, f64>>,
    #[serde(default)]
    pub runtime_init: RawRuntimeInit,
}

/// `[model.runtime_init]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuntimeInit {
    pub python: Option<RawDuration>,
    pub nodejs: Option<RawDuration>,
    pub java: Option<RawDuration>,
    pub dotnet: Option<RawDuration>,
    pub rust: Option<RawDuration>,
}

/// Top-level `[default_lambda]` (platform knobs).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaultLambda {
    pub account_concurrency: Option<i64>,
    pub scale_burst: Option<i64>,
    pub scale_window: Option<RawDuration>,
    pub keep_alive: Option<RawDist>,
    pub cpu_quota_period: Option<RawDuration>,
}

/// `[pricing]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    /// A preset name or a number in [0, 1).
    pub discount: Option<toml::Value>,
    /// Compute Savings Plans discount on default Lambda's duration and
    /// provisioned concurrency, a fraction in [0, 1); default follows `discount`.
    pub lambda_discount: Option<f64>,
    pub management_fee: Option<f64>,
    pub discounted_rate_precision_usd: Option<f64>,
    pub request_usd_per_million: Option<f64>,
    pub free_tier: Option<bool>,
    #[serde(default)]
    pub instance_types: Vec<RawInstanceType>,
}

/// `[[pricing.instance_types]]`: override or add an instance type.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstanceType {
    pub name: Option<String>,
    pub ondemand_usd_per_hour: Option<f64>,
    pub vcpus: Option<i64>,
    pub memory_gib: Option<f64>,
    pub architecture: Option<String>,
}
