//! The `[recommend]` table of a scenario: the SLOs a pick must meet, the
//! search space per platform, and the search's own settings.
//!
//! ```toml
//! [recommend]
//! function = "checkout-api"   # whose settings are searched (default: the only function)
//! max_throttle_rate = 0.001   # fraction of invocations (default 0.001)
//! max_p99 = "500ms"           # optional
//! max_queue_age = "5m"        # optional: the oldest queued request (event sources)
//! max_monthly_cost = 5000     # optional budget [USD/month]
//! replications = 3            # confirmation runs on the full horizon
//! [recommend.lmi]
//! instance_types = ["c7i.2xlarge", "m7i.2xlarge"]   # each alone; or instance_families
//! memory = [2048, 4096]
//! gib_per_vcpu = [2, 4]
//! per_ee_concurrency = [16, 32, 64]   # 1..=1600, at most 64 × EE vCPUs
//! cpu_target = [30, 45, 60]
//! min_execution_environments = [3]
//! max_vcpu = [400]
//! [recommend.default_lambda]
//! memory = [1024, 2048, 4096]
//! provisioned_concurrency = [0]
//! [recommend.search]
//! eta = 3        # keep the best third at each shortened rung
//! rungs = 3      # rungs before the full horizon
//! keep_min = 4   # never keep fewer candidates than this
//! ```

use crate::catalog::{self, Architecture};
use crate::scenario::Scenario;
use crate::time::parse_duration;
use serde::Deserialize;
use toml::Value;

/// The SLOs a configuration must meet (on the searched function's platform
/// totals: throttle rate and p99 over all functions).
#[derive(Clone, Debug, PartialEq)]
pub struct Slos {
    pub max_throttle_rate: f64,
    pub max_p99_ms: Option<f64>,
    pub max_queue_age_s: Option<f64>,
    pub max_monthly_usd: Option<f64>,
}

/// One searched setting: a scenario key path and its candidate values.
#[derive(Clone, Debug, PartialEq)]
pub struct Knob {
    /// Short name for tables (`memory`, `cpu_target`).
    pub name: &'static str,
    /// Key paths set together (the CPU target sets mode and policy).
    pub values: Vec<Vec<(String, Value)>>,
    /// The value labels, for tables.
    pub labels: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub eta: u32,
    pub rungs: u32,
    pub keep_min: u32,
}

/// A loaded `[recommend]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub function: usize,
    pub slos: Slos,
    pub replications: u32,
    pub lmi: Vec<Knob>,
    pub default: Vec<Knob>,
    pub search: Search,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    function: Option<String>,
    max_throttle_rate: Option<f64>,
    max_p99: Option<Value>,
    max_queue_age: Option<Value>,
    max_monthly_cost: Option<f64>,
    replications: Option<i64>,
    #[serde(default)]
    lmi: RawLmi,
    #[serde(default)]
    default_lambda: RawDefault,
    #[serde(default)]
    search: RawSearch,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLmi {
    instance_types: Option<Vec<String>>,
    instance_families: Option<Vec<String>>,
    memory: Option<Vec<i64>>,
    gib_per_vcpu: Option<Vec<i64>>,
    per_ee_concurrency: Option<Vec<i64>>,
    cpu_target: Option<Vec<f64>>,
    min_execution_environments: Option<Vec<i64>>,
    max_vcpu: Option<Vec<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefault {
    memory: Option<Vec<i64>>,
    provisioned_concurrency: Option<Vec<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSearch {
    eta: Option<i64>,
    rungs: Option<i64>,
    keep_min: Option<i64>,
}

/// The default throttle-rate SLO when `[recommend]` gives none. [our choice]
pub const DEFAULT_MAX_THROTTLE_RATE: f64 = 0.001;
/// The default CPU targets searched. [our choice]
pub const DEFAULT_CPU_TARGETS: [f64; 4] = [30.0, 45.0, 60.0, 75.0];
/// Most candidates per platform (the grid before any halving).
pub const MAX_CANDIDATES: usize = 20_000;

fn secs(key: &str, v: &Value) -> Result<f64, String> {
    let d = match v {
        Value::String(s) => {
            parse_duration(s).map_err(|e| format!("recommend.{key} = {s:?}: {e}"))?
        }
        Value::Integer(i) if *i >= 0 => crate::time::SimDuration::from_secs(*i as u64),
        Value::Float(f) if *f >= 0.0 && f.is_finite() => {
            crate::time::SimDuration((f * 1e6).round() as u64)
        }
        o => {
            return Err(format!(
                "recommend.{key} = {o}: a duration like \"500ms\" or \"5m\""
            ));
        }
    };
    Ok(d.as_secs_f64())
}

fn ints(key: &str, v: &[i64], lo: i64, hi: i64) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("recommend.{key} = []: give at least one value"));
    }
    for &x in v {
        if x < lo || x > hi {
            return Err(format!("recommend.{key}: {x} is out of range {lo}..={hi}"));
        }
    }
    Ok(())
}

fn knob_ints(name: &'static str, path: String, v: &[i64]) -> Knob {
    Knob {
        name,
        values: v
            .iter()
            .map(|&x| vec![(path.clone(), Value::Integer(x))])
            .collect(),
        labels: v.iter().map(|x| x.to_string()).collect(),
    }
}

/// Reads `[recommend]` (`None`: every default) against the base scenario.
pub fn parse(raw: Option<&Value>, sc: &Scenario) -> Result<Spec, String> {
    let r: Raw = match raw {
        None => Raw::default(),
        Some(v) => {
            let t = v.clone();
            serde_path_to_error::deserialize(t).map_err(|e| {
                let key = e.path().to_string();
                let msg = e.inner().to_string();
                if key == "." {
                    format!("[recommend]: {msg}")
                } else {
                    format!("recommend.{key}: {msg}")
                }
            })?
        }
    };
    let names: Vec<&str> = sc.functions.iter().map(|f| f.name.as_str()).collect();
    let function = match &r.function {
        Some(n) => names.iter().position(|x| x == n).ok_or_else(|| {
            format!(
                "recommend.function = {n:?}: no such function; the scenario has {}",
                names
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?,
        None if names.len() == 1 => 0,
        None => {
            return Err(format!(
                "[recommend]: the scenario has {} functions; set `function` to the one whose settings are searched ({})",
                names.len(),
                names
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    };
    let max_throttle_rate = r.max_throttle_rate.unwrap_or(DEFAULT_MAX_THROTTLE_RATE);
    if !(0.0..=1.0).contains(&max_throttle_rate) {
        return Err(format!(
            "recommend.max_throttle_rate = {max_throttle_rate}: a fraction in 0..=1 (0.001 is 0.1%)"
        ));
    }
    let max_p99_ms = r
        .max_p99
        .as_ref()
        .map(|v| secs("max_p99", v).map(|s| s * 1e3))
        .transpose()?;
    let max_queue_age_s = r
        .max_queue_age
        .as_ref()
        .map(|v| secs("max_queue_age", v))
        .transpose()?;
    if let Some(b) = r.max_monthly_cost
        && !(b > 0.0 && b.is_finite())
    {
        return Err(format!(
            "recommend.max_monthly_cost = {b}: USD per month, > 0"
        ));
    }
    let replications = match r.replications {
        None => 3,
        Some(n) if (1..=100).contains(&n) => n as u32,
        Some(n) => {
            return Err(format!(
                "recommend.replications = {n}: an integer in 1..=100"
            ));
        }
    };
    let f = &sc.functions[function];
    let fp = format!("functions[{function}]");

    // LMI knobs.
    let mut lmi = Vec::new();
    let types: Option<Vec<String>> = match (&r.lmi.instance_types, &r.lmi.instance_families) {
        (Some(_), Some(_)) => {
            return Err("recommend.lmi: give instance_types or instance_families, not both".into());
        }
        (Some(t), None) => {
            if t.is_empty() {
                return Err("recommend.lmi.instance_types = []: give at least one type".into());
            }
            Some(t.clone())
        }
        (None, Some(fams)) => {
            let cat = catalog::builtin();
            let mut out = Vec::new();
            for fam in fams {
                let of: Vec<String> = cat
                    .iter()
                    .filter(|t| t.name.split_once('.').is_some_and(|(f, _)| f == fam))
                    .filter(|t| t.architecture == sc.provider.architecture)
                    .filter(|t| catalog::default_candidate(t))
                    .map(|t| t.name.clone())
                    .collect();
                if of.is_empty() {
                    return Err(format!(
                        "recommend.lmi.instance_families: no {} type of family {fam:?} in the catalog",
                        arch_name(sc.provider.architecture)
                    ));
                }
                out.extend(of);
            }
            Some(out)
        }
        (None, None) => {
            // The scenario's allowed list, each type alone, when it is short.
            let n = sc.provider.instance_types.len();
            (n > 1 && n <= 8).then(|| {
                sc.provider
                    .instance_types
                    .iter()
                    .map(|t| t.name.clone())
                    .collect()
            })
        }
    };
    if let Some(t) = types {
        lmi.push(Knob {
            name: "instance_type",
            values: t
                .iter()
                .map(|x| {
                    vec![(
                        "capacity_provider.InstanceRequirements.AllowedInstanceTypes".into(),
                        Value::Array(vec![Value::String(x.clone())]),
                    )]
                })
                .collect(),
            labels: t.clone(),
        });
    }
    let mem = match &r.lmi.memory {
        Some(v) => v.clone(),
        None => {
            let m = f.memory_mb as i64;
            let mut v: Vec<i64> = [m / 2, m, m * 2]
                .into_iter()
                .filter(|x| (2048..=32768).contains(x) && x % 1024 == 0)
                .collect();
            v.dedup();
            v
        }
    };
    ints("lmi.memory", &mem, 2048, 32768)?;
    lmi.push(knob_ints("memory", format!("{fp}.MemorySize"), &mem));
    if let Some(v) = &r.lmi.gib_per_vcpu {
        ints("lmi.gib_per_vcpu", v, 2, 8)?;
        lmi.push(knob_ints(
            "gib_per_vcpu",
            format!("{fp}.ExecutionEnvironmentMemoryGiBPerVCpu"),
            v,
        ));
    }
    let conc = match &r.lmi.per_ee_concurrency {
        Some(v) => v.clone(),
        None => {
            let c = f.max_concurrency as i64;
            // Values above 64 × the EE's vCPUs are invalid candidates (the
            // scenario's own check), not silently dropped.
            let mut v: Vec<i64> = [c / 2, c, c * 2]
                .into_iter()
                .filter(|x| (1..=1600).contains(x))
                .collect();
            v.dedup();
            v
        }
    };
    ints("lmi.per_ee_concurrency", &conc, 1, 1600)?;
    lmi.push(knob_ints(
        "per_ee_concurrency",
        format!("{fp}.PerExecutionEnvironmentMaxConcurrency"),
        &conc,
    ));
    let targets = r
        .lmi
        .cpu_target
        .clone()
        .unwrap_or_else(|| DEFAULT_CPU_TARGETS.to_vec());
    if targets.is_empty() {
        return Err("recommend.lmi.cpu_target = []: give at least one value".into());
    }
    for &t in &targets {
        if !(t > 0.0 && t <= 100.0) {
            return Err(format!(
                "recommend.lmi.cpu_target: {t} is out of range: a CPU target in percent, (0, 100]"
            ));
        }
    }
    lmi.push(Knob {
        name: "cpu_target",
        values: targets
            .iter()
            .map(|&t| {
                let mut pol = toml::Table::new();
                pol.insert(
                    "PredefinedMetricType".into(),
                    Value::String("LambdaCapacityProviderAverageCPUUtilization".into()),
                );
                pol.insert("TargetValue".into(), Value::Float(t));
                vec![
                    (
                        "capacity_provider.CapacityProviderScalingConfig.ScalingMode".into(),
                        Value::String("Manual".into()),
                    ),
                    (
                        "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies".into(),
                        Value::Array(vec![Value::Table(pol)]),
                    ),
                ]
            })
            .collect(),
        labels: targets.iter().map(|t| format!("{t}")).collect(),
    });
    if let Some(v) = &r.lmi.min_execution_environments {
        ints("lmi.min_execution_environments", v, 0, 15_000)?;
        lmi.push(knob_ints(
            "min_ees",
            format!("{fp}.MinExecutionEnvironments"),
            v,
        ));
    }
    if let Some(v) = &r.lmi.max_vcpu {
        ints("lmi.max_vcpu", v, 2, 1_000_000)?;
        lmi.push(knob_ints(
            "max_vcpu",
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount".into(),
            v,
        ));
    }

    // Default-Lambda knobs.
    let mut default = Vec::new();
    let dmem = match &r.default_lambda.memory {
        Some(v) => v.clone(),
        None => {
            let m = f.default_lambda.memory_mb as i64;
            let mut v: Vec<i64> = [m / 2, m, m * 2]
                .into_iter()
                .filter(|x| (128..=10240).contains(x))
                .collect();
            v.dedup();
            v
        }
    };
    ints("default_lambda.memory", &dmem, 128, 10240)?;
    default.push(knob_ints(
        "memory",
        format!("{fp}.default_lambda.MemorySize"),
        &dmem,
    ));
    if let Some(v) = &r.default_lambda.provisioned_concurrency {
        ints("default_lambda.provisioned_concurrency", v, 0, 100_000)?;
        default.push(knob_ints(
            "provisioned",
            format!("{fp}.default_lambda.ProvisionedConcurrentExecutions"),
            v,
        ));
    }

    let search = Search {
        eta: match r.search.eta {
            None => 3,
            Some(n) if (2..=16).contains(&n) => n as u32,
            Some(n) => return Err(format!("recommend.search.eta = {n}: an integer in 2..=16")),
        },
        rungs: match r.search.rungs {
            None => 2,
            Some(n) if (0..=6).contains(&n) => n as u32,
            Some(n) => return Err(format!("recommend.search.rungs = {n}: an integer in 0..=6")),
        },
        keep_min: match r.search.keep_min {
            None => 4,
            Some(n) if (1..=1000).contains(&n) => n as u32,
            Some(n) => {
                return Err(format!(
                    "recommend.search.keep_min = {n}: an integer in 1..=1000"
                ));
            }
        },
    };
    for (plat, ks) in [("lmi", &lmi), ("default_lambda", &default)] {
        let n: usize = ks.iter().map(|k| k.values.len()).product();
        if n > MAX_CANDIDATES {
            return Err(format!(
                "recommend.{plat}: {n} combinations; at most {MAX_CANDIDATES} (give fewer values)"
            ));
        }
    }
    Ok(Spec {
        function,
        slos: Slos {
            max_throttle_rate,
            max_p99_ms,
            max_queue_age_s,
            max_monthly_usd: r.max_monthly_cost,
        },
        replications,
        lmi,
        default,
        search,
    })
}

fn arch_name(a: Architecture) -> &'static str {
    match a {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "arm64",
    }
}
