//! Turns the raw TOML structs into a validated [`Scenario`], or a
//! [`ConfigError`] that names the file, the key path (`functions[0].MemorySize`),
//! the bad value and what is allowed.
//!
//! Nothing here panics on user input: every number is range-checked before it
//! is narrowed, every lookup is checked.

use super::raw::{
    RawCapacityProvider, RawDefaultLambda, RawDist, RawDuration, RawFunction, RawModel, RawPricing,
    RawScenario,
};
use super::{
    Architecture, CapacityProvider, DefaultFunction, DefaultLambdaKnobs, FunctionSpec,
    InstanceSelection, ModelKnobs, PriceTier, Pricing, Runtime, ScalingChange, ScalingMode,
    Scenario, StartState, WarmFleetAges, Work,
};
use crate::catalog::{self, InstanceType};
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime, parse_duration};
use crate::trace::{Selection, Spread, TraceFormat, TraceSpec};
use crate::traffic::{ArrivalProcess, RateShape, Segment, Traffic};
use std::fmt::Display;
use std::path::Path;
use toml::{Table, Value};

mod source_spec;

/// A scenario file that cannot be used. The message always names the file.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read the scenario file: {message}")]
    Io { path: String, message: String },
    /// TOML syntax error, wrong value type or unknown key (the message carries
    /// the line and column; `key` is the key path, empty for syntax errors).
    #[error("{file}: {}{message}", key_prefix(.key))]
    Toml {
        file: String,
        key: String,
        message: String,
    },
    /// A well-formed value outside what is allowed.
    #[error("{file}: {key} = {value}: {allowed}")]
    Invalid {
        file: String,
        key: String,
        value: String,
        allowed: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("at `{key}`: ")
    }
}

impl ConfigError {
    /// The key path the error is about (empty for syntax and I/O errors).
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Io { .. } => "",
            ConfigError::Toml { key, .. } | ConfigError::Invalid { key, .. } => key,
        }
    }
}

type Result<T> = std::result::Result<T, ConfigError>;

/// Longest duration accepted anywhere (keeps all arithmetic far from overflow).
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(3650 * 86_400);
/// Longest horizon.
pub const MAX_HORIZON: SimDuration = SimDuration::from_secs(400 * 86_400);
/// Largest rate of any traffic shape [1/s].
pub const MAX_RATE: f64 = 1e9;

const DURATION_FORMS: &str = "a duration: seconds as a number, or a string like \"45s\", \"10m\", \"1.5h\", \"14d\", \"250ms\" (units us, ms, s, m, h, d)";
const DIST_NAMES: &str = "\"constant\", \"exponential\", \"lognormal\", \"uniform\", \"empirical\"";
const SHAPE_NAMES: &str =
    "\"constant\", \"ramp\", \"exponential\", \"spike\", \"diurnal\", \"piecewise\"";
const NAME_RULE: &str =
    "a non-empty name of at most 128 letters, digits, `_`, `.` and `-` (not `.` or `..`)";
const RUNTIME_FORMS: &str = "an AWS runtime id: python3.N (e.g. \"python3.13\"), nodejsNN.x (e.g. \"nodejs22.x\"), javaNN (e.g. \"java21\"), dotnetN (e.g. \"dotnet8\"), \"provided.al2023\" or \"provided.al2\" (Rust); or a family name: \"python\", \"nodejs\", \"java\", \"dotnet\", \"rust\"";
const METRIC: &str = "LambdaCapacityProviderAverageCPUUtilization";
const TRACE_SOURCES: &str = "\"azure2019\", \"azure2021\", \"csv\"";

/// Parses and validates a scenario. `file` names the file in messages;
/// `base_dir` is where relative paths in the file resolve (trace files in
/// `[functions.traffic]`); `None`: the current directory.
pub fn from_toml_str(text: &str, file: &str, base_dir: Option<&Path>) -> Result<Scenario> {
    let raw = parse_raw(text, file)?;
    Cx { file, base_dir }.scenario(raw)
}

/// The first layer alone: TOML → raw structs (syntax, types, unknown keys).
pub fn parse_raw(text: &str, file: &str) -> Result<RawScenario> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(file, String::new(), &e))?;
    serde_path_to_error::deserialize::<_, RawScenario>(de).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        toml_error(file, key, e.inner())
    })
}

fn toml_error(file: &str, key: String, e: &toml::de::Error) -> ConfigError {
    let mut message = e.to_string().trim_end().to_string();
    if !e.message().starts_with("unknown field")
        && !e.message().contains("expected a duration")
        && let Some(h) = hint(&key)
    {
        message.push_str("\nallowed: ");
        message.push_str(&h);
    }
    ConfigError::Toml {
        file: file.to_string(),
        key,
        message,
    }
}

/// What a key accepts, for type errors caught by serde.
fn hint(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    // Drop `[n]` indices: functions[0].MemorySize -> functions.MemorySize.
    let mut norm = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => norm.push(c),
            _ => {}
        }
    }
    let leaf = norm.rsplit('.').next().unwrap_or(&norm);
    let s: &str = match norm.as_str() {
        "name" | "functions.name" => NAME_RULE,
        "description" => "a string",
        "seed" => "an integer >= 0",
        "start_state" => "\"warm\" or \"publish\"",
        "functions.MemorySize" => {
            "an integer number of MB in 2048..=32768, a multiple of 1024 × ExecutionEnvironmentMemoryGiBPerVCpu"
        }
        "functions.default_lambda.MemorySize" => "an integer number of MB in 128..=10240",
        "functions.ExecutionEnvironmentMemoryGiBPerVCpu" => "2, 4 or 8",
        "functions.PerExecutionEnvironmentMaxConcurrency" => {
            "an integer in 1..=1600 and at most 64 × EE vCPUs"
        }
        "functions.MinExecutionEnvironments"
        | "functions.MaxExecutionEnvironments"
        | "scaling_schedule.MinExecutionEnvironments"
        | "scaling_schedule.MaxExecutionEnvironments" => "an integer in 0..=15000",
        "functions.default_lambda.ReservedConcurrentExecutions" => "an integer >= 1",
        "functions.default_lambda.ProvisionedConcurrentExecutions" => "an integer >= 0",
        "functions.Runtime" => RUNTIME_FORMS,
        "functions.traffic" => {
            "a table with `shape` and the shape's keys, or `source` (a trace) and the trace's keys"
        }
        "functions.work" => "a table with `cpu` and/or `io`",
        "functions" => "an array of tables: [[functions]]",
        "scaling_schedule" => "an array of tables: [[scaling_schedule]]",
        "scaling_schedule.function" => "the name of a function",
        "capacity_provider.availability_zones" => "an integer in 1..=16",
        "capacity_provider.InstanceRequirements.Architectures" => {
            "a list of exactly one of \"x86_64\", \"arm64\""
        }
        "capacity_provider.InstanceRequirements.AllowedInstanceTypes"
        | "capacity_provider.InstanceRequirements.ExcludedInstanceTypes" => {
            "a list of instance type names, e.g. [\"c7i.2xlarge\"]"
        }
        "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount" => "an integer in 2..=15000",
        "capacity_provider.CapacityProviderScalingConfig.ScalingMode" => "\"Auto\" or \"Manual\"",
        "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies" => {
            "a list of one { PredefinedMetricType = \"LambdaCapacityProviderAverageCPUUtilization\", TargetValue = (0, 100] }"
        }
        "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies.TargetValue" => {
            "a number in (0, 100]"
        }
        "model.auto_cpu_target_percent" | "model.cpu_reject_threshold_percent" => {
            "a number in (0, 100]"
        }
        "model.scale_in_step" => "a number in (0, 1]",
        "model.reserved_vcpus_per_instance" => "an integer in 0..=4",
        "model.reserved_memory_gib_per_instance" => "a number in [0, 8]",
        "model.instance_selection" => "\"cheapest_per_usable_vcpu\" or \"cheapest_fitting\"",
        "model.warm_fleet_ages" => "\"same\" or \"spread\"",
        "default_lambda.account_concurrency" | "default_lambda.scale_burst" => {
            "an integer in 1..=1000000"
        }
        "pricing.management_fee" => "a number in [0, 1]",
        "pricing.discounted_rate_precision_usd" | "pricing.request_usd_per_million" => {
            "a number >= 0"
        }
        "pricing.free_tier" => "true or false",
        "pricing.instance_types.vcpus" => "an integer in 1..=4096",
        "pricing.instance_types.memory_gib" | "pricing.instance_types.ondemand_usd_per_hour" => {
            "a number >= 0"
        }
        "pricing.instance_types.name" | "pricing.instance_types.architecture" => "a string",
        _ => match leaf {
            "horizon"
            | "report_interval"
            | "at"
            | "scaler_interval"
            | "scale_in_cooldown"
            | "max_instance_lifetime"
            | "scale_window"
            | "python"
            | "nodejs"
            | "java"
            | "dotnet"
            | "rust" => DURATION_FORMS,
            _ => return None,
        },
    };
    Some(s.to_string())
}

/// Validation context: the file name for messages.
struct Cx<'a> {
    file: &'a str,
    /// Where relative paths resolve.
    base_dir: Option<&'a Path>,
}

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn num_value(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Cx<'_> {
    fn bad(
        &self,
        key: impl Into<String>,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            key: key.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    fn missing(&self, key: impl Into<String>, allowed: impl Display) -> ConfigError {
        self.bad(key, "(missing)", format!("required: {allowed}"))
    }

    /// An optional integer in `lo..=hi`.
    fn int(&self, key: &str, v: Option<i64>, default: u32, lo: u32, hi: u32) -> Result<u32> {
        match v {
            None => Ok(default),
            Some(x) => self.int_in(key, x, lo, hi, &format!("an integer in {lo}..={hi}")),
        }
    }

    fn int_in(&self, key: &str, x: i64, lo: u32, hi: u32, allowed: &str) -> Result<u32> {
        if x < i64::from(lo) || x > i64::from(hi) {
            Err(self.bad(key, x, allowed))
        } else {
            u32::try_from(x).map_err(|_| self.bad(key, x, allowed))
        }
    }

    /// An optional finite number accepted by `ok`.
    fn num(
        &self,
        key: &str,
        v: Option<f64>,
        default: f64,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<f64> {
        match v {
            None => Ok(default),
            Some(x) if x.is_finite() && ok(x) => Ok(x),
            Some(x) => Err(self.bad(key, x, allowed)),
        }
    }

    fn duration(&self, key: &str, raw: &RawDuration) -> Result<SimDuration> {
        let d = match raw {
            RawDuration::Seconds(s) => {
                if !s.is_finite() || *s < 0.0 {
                    return Err(self.bad(key, raw, format!("a non-negative {DURATION_FORMS}")));
                }
                if *s > MAX_DURATION.as_secs_f64() {
                    return Err(self.bad(key, raw, format!("at most {MAX_DURATION}")));
                }
                SimDuration::from_secs_f64(*s)
            }
            RawDuration::Text(t) => parse_duration(t)
                .map_err(|m| self.bad(key, raw, format!("{m}; expected {DURATION_FORMS}")))?,
        };
        if d > MAX_DURATION {
            return Err(self.bad(key, raw, format!("at most {MAX_DURATION}")));
        }
        Ok(d)
    }

    fn opt_duration(
        &self,
        key: &str,
        raw: Option<&RawDuration>,
        default: SimDuration,
    ) -> Result<SimDuration> {
        raw.map_or(Ok(default), |r| self.duration(key, r))
    }

    /// A duration held in a `toml::Value` (inside hand-parsed tables).
    fn value_duration(&self, key: &str, v: &Value) -> Result<SimDuration> {
        match v {
            Value::Integer(i) => self.duration(key, &RawDuration::Seconds(*i as f64)),
            Value::Float(f) => self.duration(key, &RawDuration::Seconds(*f)),
            Value::String(s) => self.duration(key, &RawDuration::Text(s.clone())),
            other => Err(self.bad(key, other, DURATION_FORMS)),
        }
    }

    /// Rejects keys of `t` not in `allowed`.
    fn check_keys(&self, prefix: &str, t: &Table, allowed: &[&str], context: &str) -> Result<()> {
        for (k, v) in t {
            if !allowed.contains(&k.as_str()) {
                let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                return Err(self.bad(
                    format!("{prefix}.{k}"),
                    v,
                    format!("unknown key; allowed keys {context}: {}", list.join(", ")),
                ));
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- dists

    fn dist(&self, key: &str, v: &RawDist) -> Result<Dist> {
        match v {
            Value::Table(t) => self.dist_table(key, t),
            Value::Integer(_) | Value::Float(_) | Value::String(_) => {
                Ok(Dist::Constant(self.value_duration(key, v)?))
            }
            other => Err(self.bad(
                key,
                other,
                format!(
                    "{DURATION_FORMS}; or a distribution table {{ dist = ..., ... }} with dist one of {DIST_NAMES}"
                ),
            )),
        }
    }

    fn opt_dist(&self, key: &str, v: Option<&RawDist>, default: Dist) -> Result<Dist> {
        v.map_or(Ok(default), |v| self.dist(key, v))
    }

    fn dist_table(&self, key: &str, t: &Table) -> Result<Dist> {
        let dkey = format!("{key}.dist");
        let name = match t.get("dist") {
            None => return Err(self.missing(dkey, format!("one of {DIST_NAMES}"))),
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(dkey, o, format!("one of {DIST_NAMES}"))),
        };
        let keys: &[&str] = match name {
            "constant" => &["dist", "value"],
            "exponential" => &["dist", "mean"],
            "lognormal" => &["dist", "median", "p99"],
            "uniform" => &["dist", "min", "max"],
            "empirical" => &["dist", "percentiles"],
            other => {
                return Err(self.bad(dkey, quoted(other), format!("one of {DIST_NAMES}")));
            }
        };
        self.check_keys(key, t, keys, &format!("for dist = \"{name}\""))?;
        let req = |k: &str| -> Result<SimDuration> {
            let kk = format!("{key}.{k}");
            match t.get(k) {
                Some(v) => self.value_duration(&kk, v),
                None => Err(self.missing(kk, format!("{DURATION_FORMS} (dist = \"{name}\")"))),
            }
        };
        match name {
            "constant" => Ok(Dist::Constant(req("value")?)),
            "exponential" => {
                let mean = req("mean")?;
                if mean.0 == 0 {
                    return Err(self.bad(format!("{key}.mean"), mean, "a mean > 0"));
                }
                Ok(Dist::Exponential {
                    mean_us: mean.0 as f64,
                })
            }
            "lognormal" => {
                let median = req("median")?;
                let p99 = req("p99")?;
                if median.0 == 0 {
                    return Err(self.bad(format!("{key}.median"), median, "a median > 0"));
                }
                if p99 < median {
                    return Err(self.bad(
                        format!("{key}.p99"),
                        p99,
                        format!("p99 must be >= median ({median})"),
                    ));
                }
                Ok(Dist::lognormal_from_median_p99(median, p99))
            }
            "uniform" => {
                let lo = req("min")?;
                let hi = req("max")?;
                if hi < lo {
                    return Err(self.bad(
                        format!("{key}.max"),
                        hi,
                        format!("max must be >= min ({lo})"),
                    ));
                }
                Ok(Dist::Uniform {
                    lo_us: lo.0 as f64,
                    hi_us: hi.0 as f64,
                })
            }
            _ => self.empirical(key, t),
        }
    }

    fn empirical(&self, key: &str, t: &Table) -> Result<Dist> {
        let pkey = format!("{key}.percentiles");
        let form = "an array of [percent, duration] pairs, percent strictly increasing from 0 to 100 and durations non-decreasing, e.g. [[0, \"10ms\"], [50, \"20ms\"], [100, \"90ms\"]]";
        let arr = match t.get("percentiles") {
            None => return Err(self.missing(pkey, form)),
            Some(Value::Array(a)) => a,
            Some(o) => return Err(self.bad(pkey, o, form)),
        };
        if arr.len() < 2 {
            return Err(self.bad(
                pkey,
                Value::Array(arr.clone()),
                format!("at least 2 points: {form}"),
            ));
        }
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            let ikey = format!("{pkey}[{i}]");
            let pair = match item {
                Value::Array(p) if p.len() == 2 => p,
                o => return Err(self.bad(ikey, o, form)),
            };
            let q = match num_value(&pair[0]) {
                Some(q) if q.is_finite() && (0.0..=100.0).contains(&q) => q,
                _ => {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!("percent must be a number in 0..=100; {form}"),
                    ));
                }
            };
            let v = self.value_duration(&ikey, &pair[1])?;
            if let Some(&(pq, pv)) = points.last() {
                if q <= pq * 100.0 {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!(
                            "percent must be greater than the previous point's ({}); {form}",
                            pq * 100.0
                        ),
                    ));
                }
                if (v.0 as f64) < pv {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!(
                            "duration must be >= the previous point's ({}); {form}",
                            SimDuration(pv as u64)
                        ),
                    ));
                }
            } else if q != 0.0 {
                return Err(self.bad(
                    ikey,
                    item,
                    format!("the first point must be at percent 0; {form}"),
                ));
            }
            points.push((q / 100.0, v.0 as f64));
        }
        if points.last().map(|p| p.0) != Some(1.0) {
            let i = arr.len() - 1;
            return Err(self.bad(
                format!("{pkey}[{i}]"),
                &arr[i],
                format!("the last point must be at percent 100; {form}"),
            ));
        }
        Ok(Dist::Empirical { points })
    }

    // -------------------------------------------------------------- traffic

    fn traffic(&self, key: &str, t: &Table) -> Result<Traffic> {
        if t.contains_key("source") {
            return Ok(Traffic::Trace(self.trace(key, t)?));
        }
        let process = match t.get("process") {
            None => ArrivalProcess::Poisson,
            Some(Value::String(s)) if s == "poisson" => ArrivalProcess::Poisson,
            Some(Value::String(s)) if s == "uniform" => ArrivalProcess::Uniform,
            Some(o) => {
                return Err(self.bad(
                    format!("{key}.process"),
                    o,
                    "\"poisson\" (default) or \"uniform\"",
                ));
            }
        };
        let rate_multiplier = match t.get("rate_multiplier") {
            None => 1.0,
            Some(v) => match num_value(v) {
                Some(m) if m.is_finite() && m > 0.0 && m <= MAX_RATE => m,
                _ => return Err(self.bad(format!("{key}.rate_multiplier"), v, "a number > 0")),
            },
        };
        let shape = self.shape(key, t, &["process", "rate_multiplier"], false)?;
        Ok(Traffic::Synthetic {
            shape,
            process,
            rate_multiplier,
        })
    }

    // --------------------------------------------------------------- traces

    /// A trace source: `[functions.traffic]` with `source = ...`. Files must
    /// exist (they are opened, not read); rows are read during the run.
    fn trace(&self, key: &str, t: &Table) -> Result<TraceSpec> {
        let k = |s: &str| format!("{key}.{s}");
        let source = match t.get("source") {
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(k("source"), o, format!("one of {TRACE_SOURCES}"))),
            None => return Err(self.missing(k("source"), format!("one of {TRACE_SOURCES}"))),
        };
        const COMMON: [&str; 8] = [
            "source",
            "path",
            "cpu_share",
            "window_start",
            "window_end",
            "offset",
            "rate_multiplier",
            "loop_count",
        ];
        let csv_format = match t.get("format") {
            None => "requests",
            Some(Value::String(f)) if f == "requests" || f == "counts" => f.as_str(),
            Some(o) => {
                return Err(self.bad(
                    k("format"),
                    o,
                    "\"requests\" (default: one row per request) or \"counts\" (per-interval counts)",
                ));
            }
        };
        let extra: &[&str] = match source {
            "azure2019" => &[
                "durations_path",
                "memory_path",
                "function",
                "top",
                "select",
                "spread",
            ],
            "azure2021" => &["reorder_window", "use_durations", "time_origin"],
            "csv" if csv_format == "requests" => &[
                "format",
                "timestamp_column",
                "duration_column",
                "use_durations",
                "reorder_window",
                "time_origin",
            ],
            "csv" => &[
                "format",
                "interval_start_column",
                "count_column",
                "interval",
                "spread",
                "time_origin",
            ],
            other => {
                return Err(self.bad(
                    k("source"),
                    quoted(other),
                    format!("one of {TRACE_SOURCES} (omit `source` for a synthetic `shape`)"),
                ));
            }
        };
        let mut allowed: Vec<&str> = COMMON.to_vec();
        allowed.extend_from_slice(extra);
        let context = if source == "csv" {
            format!("for source = \"csv\", format = \"{csv_format}\"")
        } else {
            format!("for source = \"{source}\"")
        };
        self.check_keys(key, t, &allowed, &context)?;

        let path = self.trace_path(key, t, "path")?.ok_or_else(|| {
            self.missing(
                k("path"),
                "the trace file, relative to the scenario file's directory",
            )
        })?;
        let string = |name: &str, default: &str| -> Result<String> {
            match t.get(name) {
                None => Ok(default.to_string()),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(o) => Err(self.bad(k(name), o, "a non-empty column name")),
            }
        };
        let format = match source {
            "azure2019" => {
                let n = ["function", "top", "select"]
                    .iter()
                    .filter(|x| t.contains_key(**x))
                    .count();
                let sel_form = "exactly one of `function = \"<HashFunction prefix>\"`, `top = N` (the N functions with the most invocations, summed) or `select = \"all\"`";
                if n != 1 {
                    return Err(self.bad(
                        k("function"),
                        if n == 0 { "(missing)" } else { "(several)" },
                        sel_form,
                    ));
                }
                let selection = if let Some(v) = t.get("function") {
                    match v {
                        Value::String(s)
                            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                        {
                            Selection::Function(s.clone())
                        }
                        o => {
                            return Err(self.bad(
                                k("function"),
                                o,
                                "a HashFunction prefix (hex digits, e.g. \"5af842b4\")",
                            ));
                        }
                    }
                } else if let Some(v) = t.get("top") {
                    match v {
                        Value::Integer(i) if (1..=10_000_000).contains(i) => {
                            Selection::Top(*i as u32)
                        }
                        o => return Err(self.bad(k("top"), o, "an integer in 1..=10000000")),
                    }
                } else {
                    match t.get("select") {
                        Some(Value::String(s)) if s == "all" => Selection::All,
                        Some(o) => return Err(self.bad(k("select"), o, "\"all\"")),
                        None => return Err(self.missing(k("select"), sel_form)),
                    }
                };
                TraceFormat::Azure2019 {
                    selection,
                    durations_path: self.trace_path(key, t, "durations_path")?,
                    memory_path: self.trace_path(key, t, "memory_path")?,
                }
            }
            "azure2021" => TraceFormat::Azure2021,
            _ if csv_format == "requests" => TraceFormat::CsvRequests {
                timestamp_column: string("timestamp_column", "timestamp")?,
                duration_column: match t.get("duration_column") {
                    None => None,
                    Some(_) => Some(string("duration_column", "duration")?),
                },
            },
            _ => TraceFormat::CsvCounts {
                interval_start_column: string("interval_start_column", "interval_start")?,
                count_column: string("count_column", "count")?,
                interval: match t.get("interval") {
                    None => None,
                    Some(v) => {
                        let d = self.value_duration(&k("interval"), v)?;
                        if d.0 == 0 {
                            return Err(self.bad(k("interval"), v, "a duration > 0"));
                        }
                        Some(d)
                    }
                },
            },
        };
        let mut spec = TraceSpec::new(format, path);
        if let Some(v) = t.get("cpu_share") {
            spec.cpu_share = match num_value(v) {
                Some(x) if (0.0..=1.0).contains(&x) => x,
                _ => {
                    return Err(self.bad(
                        k("cpu_share"),
                        v,
                        "a number in [0, 1]: the fraction of a traced duration that is CPU work (default 0.1)",
                    ));
                }
            };
        }
        spec.spread = match t.get("spread") {
            None => Spread::Poisson,
            Some(Value::String(s)) if s == "poisson" => Spread::Poisson,
            Some(Value::String(s)) if s == "uniform" => Spread::Uniform,
            Some(Value::String(s)) if s == "start" => Spread::Start,
            Some(o) => {
                return Err(self.bad(
                    k("spread"),
                    o,
                    "\"poisson\" (default: uniform random times in the interval), \"uniform\" (evenly spaced) or \"start\" (all at the interval's start)",
                ));
            }
        };
        spec.window_start = self.tdur(key, t, "window_start", Some(SimDuration::ZERO))?;
        if let Some(v) = t.get("window_end") {
            let we = self.value_duration(&k("window_end"), v)?;
            if we <= spec.window_start {
                return Err(self.bad(
                    k("window_end"),
                    v,
                    format!("a trace time after window_start ({})", spec.window_start),
                ));
            }
            spec.window_end = Some(we);
        }
        spec.offset = self.tdur(key, t, "offset", Some(SimDuration::ZERO))?;
        if let Some(v) = t.get("rate_multiplier") {
            spec.rate_multiplier = match num_value(v) {
                Some(m) if m.is_finite() && m > 0.0 && m <= 1e6 => m,
                _ => return Err(self.bad(k("rate_multiplier"), v, "a number in (0, 1e6]")),
            };
        }
        if let Some(v) = t.get("loop_count") {
            spec.loop_count = match v {
                Value::Integer(i) if (1..=1_000_000).contains(i) => *i as u32,
                o => return Err(self.bad(k("loop_count"), o, "an integer in 1..=1000000")),
            };
        }
        if t.contains_key("reorder_window") {
            spec.reorder_window = self.tdur(key, t, "reorder_window", None)?;
        }
        if let Some(v) = t.get("use_durations") {
            spec.use_durations = match v {
                Value::Boolean(b) => *b,
                o => return Err(self.bad(k("use_durations"), o, "true or false")),
            };
        }
        if let Some(v) = t.get("time_origin") {
            let allowed = "the trace time that becomes τ = 0: seconds as a number (in the trace's units) or an RFC 3339 string like \"2021-01-31T00:00:00Z\"";
            spec.time_origin = Some(match v {
                Value::Integer(i) if i.unsigned_abs() < 10_000_000_000_000 => *i * 1_000_000,
                Value::Float(f) if f.is_finite() && f.abs() < 1e13 => (*f * 1e6).round() as i64,
                Value::String(s) => crate::trace::rfc3339::parse_us(s)
                    .ok_or_else(|| self.bad(k("time_origin"), v, allowed))?,
                o => return Err(self.bad(k("time_origin"), o, allowed)),
            });
        }
        Ok(spec)
    }

    /// A trace file key: resolved against the scenario's directory and opened
    /// (not read) to check it exists.
    fn trace_path(&self, key: &str, t: &Table, name: &str) -> Result<Option<std::path::PathBuf>> {
        let k = format!("{key}.{name}");
        let rel = match t.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(o) => {
                return Err(self.bad(
                    k,
                    o,
                    "a file path, relative to the scenario file's directory",
                ));
            }
        };
        let p = match self.base_dir {
            Some(d) if Path::new(rel).is_relative() => d.join(rel),
            _ => std::path::PathBuf::from(rel),
        };
        if let Err(e) = std::fs::File::open(&p) {
            return Err(self.bad(
                k,
                quoted(rel),
                format!(
                    "cannot open the trace file {}: {e} (paths are relative to the scenario file's directory)",
                    p.display()
                ),
            ));
        }
        if p.is_dir() {
            return Err(self.bad(
                k,
                quoted(rel),
                format!("{} is a directory, not a trace file", p.display()),
            ));
        }
        Ok(Some(p))
    }

    /// `[functions.work]` when the trace supplies durations and the table is
    /// omitted: the Azure 2019 duration profile of a single `function` (read
    /// from the small durations file now, so the warm fleet is sized by it);
    /// otherwise zero (the trace gives every request its work).
    fn trace_work(&self, key: &str, spec: &TraceSpec) -> Result<Work> {
        let zero = Dist::Constant(SimDuration::ZERO);
        if let TraceFormat::Azure2019 {
            selection: Selection::Function(prefix),
            durations_path: Some(dp),
            ..
        } = &spec.format
        {
            let d = crate::trace::azure2019::read_durations(
                dp,
                &crate::trace::azure2019::Match::Prefix(prefix),
            )
            .map_err(|e| {
                self.bad(
                    format!("{key}.durations_path"),
                    quoted(&dp.display().to_string()),
                    e.0,
                )
            })?;
            let (cpu, io) = crate::trace::split_dist(&d, spec.cpu_share);
            return Ok(Work { cpu, io });
        }
        Ok(Work {
            cpu: zero.clone(),
            io: zero,
        })
    }

    fn rate(&self, prefix: &str, t: &Table, k: &str) -> Result<f64> {
        let key = format!("{prefix}.{k}");
        let allowed = format!("a rate in invocations per second, a number in 0..={MAX_RATE:e}");
        match t.get(k) {
            None => Err(self.missing(key, allowed)),
            Some(v) => match num_value(v) {
                Some(r) if r.is_finite() && (0.0..=MAX_RATE).contains(&r) => Ok(r),
                _ => Err(self.bad(key, v, allowed)),
            },
        }
    }

    fn tdur(
        &self,
        prefix: &str,
        t: &Table,
        k: &str,
        default: Option<SimDuration>,
    ) -> Result<SimDuration> {
        let key = format!("{prefix}.{k}");
        match (t.get(k), default) {
            (Some(v), _) => self.value_duration(&key, v),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(self.missing(key, DURATION_FORMS)),
        }
    }

    fn shape(&self, key: &str, t: &Table, extra: &[&str], in_segment: bool) -> Result<RateShape> {
        let skey = format!("{key}.shape");
        let name = match t.get("shape") {
            None => return Err(self.missing(skey, format!("one of {SHAPE_NAMES}"))),
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(skey, o, format!("one of {SHAPE_NAMES}"))),
        };
        let keys: &[&str] = match name {
            "constant" => &["rate"],
            "ramp" => &["from", "to", "start", "duration"],
            "exponential" => &["start_rate", "doubling_time", "start", "duration"],
            "spike" => &["base", "peak", "start", "rise", "hold", "decay"],
            "diurnal" => &["mean", "amplitude", "period", "peak_at"],
            "piecewise" if !in_segment => &["segments"],
            "piecewise" => {
                return Err(self.bad(
                    skey,
                    quoted(name),
                    "a piecewise segment cannot itself be piecewise; one of \"constant\", \"ramp\", \"exponential\", \"spike\", \"diurnal\"",
                ));
            }
            other => return Err(self.bad(skey, quoted(other), format!("one of {SHAPE_NAMES}"))),
        };
        let mut allowed: Vec<&str> = vec!["shape"];
        allowed.extend_from_slice(keys);
        allowed.extend_from_slice(extra);
        self.check_keys(key, t, &allowed, &format!("for shape = \"{name}\""))?;
        let zero = Some(SimDuration::ZERO);
        Ok(match name {
            "constant" => RateShape::Constant {
                rate: self.rate(key, t, "rate")?,
            },
            "ramp" => RateShape::Ramp {
                from: self.rate(key, t, "from")?,
                to: self.rate(key, t, "to")?,
                start: self.tdur(key, t, "start", zero)?,
                duration: self.tdur(key, t, "duration", None)?,
            },
            "exponential" => {
                let start_rate = self.rate(key, t, "start_rate")?;
                let doubling = self.tdur(key, t, "doubling_time", None)?;
                if doubling.0 == 0 {
                    return Err(self.bad(
                        format!("{key}.doubling_time"),
                        doubling,
                        "a duration > 0",
                    ));
                }
                let start = self.tdur(key, t, "start", zero)?;
                let duration = self.tdur(key, t, "duration", None)?;
                let end_rate = start_rate * (duration.0 as f64 / doubling.0 as f64).exp2();
                if !end_rate.is_finite() || end_rate > MAX_RATE {
                    return Err(self.bad(
                        format!("{key}.duration"),
                        duration,
                        format!(
                            "the final rate start_rate × 2^(duration / doubling_time) must stay <= {MAX_RATE:e}/s; shorten duration or lengthen doubling_time"
                        ),
                    ));
                }
                RateShape::Exponential {
                    start_rate,
                    doubling,
                    start,
                    duration,
                }
            }
            "spike" => {
                let base = self.rate(key, t, "base")?;
                let peak = self.rate(key, t, "peak")?;
                let start = self.tdur(key, t, "start", None)?;
                let rise = self.tdur(key, t, "rise", None)?;
                let hold = self.tdur(key, t, "hold", None)?;
                let decay = self.tdur(key, t, "decay", None)?;
                if (rise + hold + decay).0 == 0 {
                    return Err(self.bad(
                        format!("{key}.hold"),
                        hold,
                        "rise + hold + decay must be > 0 (each may be 0)",
                    ));
                }
                RateShape::Spike {
                    base,
                    peak,
                    start,
                    rise,
                    hold,
                    decay,
                }
            }
            "diurnal" => {
                let mean = self.rate(key, t, "mean")?;
                let amplitude = self.rate(key, t, "amplitude")?;
                if amplitude > mean {
                    return Err(self.bad(
                        format!("{key}.amplitude"),
                        amplitude,
                        format!("a number in 0..=mean ({mean})"),
                    ));
                }
                let period = self.tdur(key, t, "period", Some(SimDuration::from_secs(86_400)))?;
                if period.0 == 0 {
                    return Err(self.bad(format!("{key}.period"), period, "a duration > 0"));
                }
                let peak_at =
                    self.tdur(key, t, "peak_at", Some(SimDuration::from_secs(14 * 3600)))?;
                RateShape::Diurnal {
                    mean,
                    amplitude,
                    period,
                    peak_at,
                }
            }
            _ => self.piecewise(key, t)?,
        })
    }

    fn piecewise(&self, key: &str, t: &Table) -> Result<RateShape> {
        let skey = format!("{key}.segments");
        let form = "a non-empty array of tables { for = <duration>, shape = ..., <shape keys> } (`for` may be omitted on the last segment only)";
        let arr = match t.get("segments") {
            None => return Err(self.missing(skey, form)),
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(o) => return Err(self.bad(skey, o, form)),
        };
        let mut segs = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            let ikey = format!("{skey}[{i}]");
            let seg = match item {
                Value::Table(s) => s,
                o => return Err(self.bad(ikey, o, form)),
            };
            let last = i + 1 == arr.len();
            let fkey = format!("{ikey}.for");
            let duration = match seg.get("for") {
                Some(v) => {
                    let d = self.value_duration(&fkey, v)?;
                    if d.0 == 0 {
                        return Err(self.bad(fkey, v, "a segment length > 0"));
                    }
                    d
                }
                None if last => MAX_DURATION,
                None => {
                    return Err(self.missing(
                        fkey,
                        format!("{DURATION_FORMS}; every segment but the last needs `for`"),
                    ));
                }
            };
            let shape = self.shape(&ikey, seg, &["for"], true)?;
            segs.push(Segment { duration, shape });
        }
        Ok(RateShape::Piecewise(segs))
    }

    // -------------------------------------------------------------- scenario

    fn name(&self, key: &str, v: Option<&String>) -> Result<String> {
        let Some(n) = v else {
            return Err(self.missing(key, NAME_RULE));
        };
        let ok = !n.is_empty()
            && n.len() <= 128
            && n != "."
            && n != ".."
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if ok {
            Ok(n.clone())
        } else {
            Err(self.bad(key, quoted(n), NAME_RULE))
        }
    }

    fn scenario(&self, raw: RawScenario) -> Result<Scenario> {
        let name = self.name("name", raw.name.as_ref())?;
        let seed = match raw.seed {
            None => 1,
            Some(s) => u64::try_from(s).map_err(|_| self.bad("seed", s, "an integer >= 0"))?,
        };
        let horizon = match &raw.horizon {
            None => {
                return Err(self.missing("horizon", format!("a duration > 0 and <= {MAX_HORIZON}")));
            }
            Some(h) => self.duration("horizon", h)?,
        };
        if horizon.0 == 0 || horizon > MAX_HORIZON {
            return Err(self.bad(
                "horizon",
                raw.horizon
                    .as_ref()
                    .map_or(horizon.to_string(), |h| h.to_string()),
                format!("a duration > 0 and <= {MAX_HORIZON}"),
            ));
        }
        let default_ri = SimDuration::from_secs(60).min(horizon);
        let report_interval =
            self.opt_duration("report_interval", raw.report_interval.as_ref(), default_ri)?;
        if report_interval.0 == 0 || report_interval > horizon {
            return Err(self.bad(
                "report_interval",
                report_interval,
                format!("a duration > 0 and <= horizon ({horizon})"),
            ));
        }
        let start_state = match raw.start_state.as_deref() {
            None | Some("warm") => StartState::Warm,
            Some("publish") => StartState::Publish,
            Some(o) => {
                return Err(self.bad(
                    "start_state",
                    quoted(o),
                    "\"warm\" (default) or \"publish\"",
                ));
            }
        };
        let model = self.model(&raw.model)?;
        let default_lambda = self.default_lambda(&raw.default_lambda)?;
        let (pricing, catalog) = self.pricing(&raw.pricing)?;
        let provider = self.provider(&raw.capacity_provider, catalog)?;

        if raw.functions.is_empty() {
            return Err(self.bad("functions", "(none)", "at least one [[functions]] table"));
        }
        let mut functions: Vec<FunctionSpec> = Vec::with_capacity(raw.functions.len());
        for (i, rf) in raw.functions.iter().enumerate() {
            let f = self.function(i, rf, &default_lambda)?;
            if let Some(j) = functions.iter().position(|g| g.name == f.name) {
                return Err(self.bad(
                    format!("functions[{i}].name"),
                    quoted(&f.name),
                    format!("function names must be unique; already used by functions[{j}]"),
                ));
            }
            self.check_fit(i, &f, &provider, &model)?;
            functions.push(f);
        }

        let mut schedule = Vec::with_capacity(raw.scaling_schedule.len());
        for (i, e) in raw.scaling_schedule.iter().enumerate() {
            let key = format!("scaling_schedule[{i}]");
            let at = match &e.at {
                None => {
                    return Err(self.missing(
                        format!("{key}.at"),
                        format!("a duration <= horizon ({horizon})"),
                    ));
                }
                Some(a) => self.duration(&format!("{key}.at"), a)?,
            };
            if at > horizon {
                return Err(self.bad(
                    format!("{key}.at"),
                    at,
                    format!("a duration <= horizon ({horizon})"),
                ));
            }
            let names: Vec<String> = functions.iter().map(|f| quoted(&f.name)).collect();
            let allowed = format!("the name of a function: {}", names.join(", "));
            let function = match &e.function {
                None => return Err(self.missing(format!("{key}.function"), allowed)),
                Some(n) => functions
                    .iter()
                    .position(|f| &f.name == n)
                    .ok_or_else(|| self.bad(format!("{key}.function"), quoted(n), allowed))?,
            };
            let (min_ees, max_ees) = self.ee_bounds(&key, e.min_ees, e.max_ees)?;
            schedule.push(ScalingChange {
                at: SimTime(at.0),
                function,
                min_ees,
                max_ees,
            });
        }
        schedule.sort_by_key(|c| c.at);

        Ok(Scenario {
            name,
            description: raw.description.clone().unwrap_or_default(),
            seed,
            horizon,
            report_interval,
            start_state,
            provider,
            functions,
            schedule,
            model,
            default_lambda,
            pricing,
        })
    }

    fn model(&self, m: &RawModel) -> Result<ModelKnobs> {
        let k = |s: &str| format!("model.{s}");
        let scaler_interval = self.opt_duration(
            &k("scaler_interval"),
            m.scaler_interval.as_ref(),
            SimDuration::from_secs(60),
        )?;
        if scaler_interval.0 == 0 {
            return Err(self.bad(k("scaler_interval"), scaler_interval, "a duration > 0"));
        }
        let max_instance_lifetime = self.opt_duration(
            &k("max_instance_lifetime"),
            m.max_instance_lifetime.as_ref(),
            SimDuration::from_secs(14 * 86_400),
        )?;
        if max_instance_lifetime < SimDuration::from_secs(3600) {
            return Err(self.bad(
                k("max_instance_lifetime"),
                max_instance_lifetime,
                "a duration >= 1h",
            ));
        }
        let pct = |x: f64| x > 0.0 && x <= 100.0;
        let gib = self.num(
            &k("reserved_memory_gib_per_instance"),
            m.reserved_memory_gib_per_instance,
            1.0,
            |x| (0.0..=8.0).contains(&x),
            "a number of GiB in [0, 8]",
        )?;
        let defaults = [90u64, 140, 240, 250, 20];
        let ri = &m.runtime_init;
        let given = [&ri.python, &ri.nodejs, &ri.java, &ri.dotnet, &ri.rust];
        let mut runtime_init = [SimDuration::ZERO; 5];
        let names = ["python", "nodejs", "java", "dotnet", "rust"];
        for rt in Runtime::ALL {
            let idx = rt.index();
            let name = names[idx];
            runtime_init[idx] = self.opt_duration(
                &k(&format!("runtime_init.{name}")),
                given[idx].as_ref(),
                SimDuration::from_millis(defaults[idx]),
            )?;
        }
        Ok(ModelKnobs {
            instance_launch_delay: self.opt_dist(
                &k("instance_launch_delay"),
                m.instance_launch_delay.as_ref(),
                Dist::Constant(SimDuration::from_secs(45)),
            )?,
            scaler_interval,
            auto_cpu_target_percent: self.num(
                &k("auto_cpu_target_percent"),
                m.auto_cpu_target_percent,
                50.0,
                pct,
                "a number in (0, 100]",
            )?,
            scale_in_cooldown: self.opt_duration(
                &k("scale_in_cooldown"),
                m.scale_in_cooldown.as_ref(),
                SimDuration::from_secs(600),
            )?,
            scale_in_step: self.num(
                &k("scale_in_step"),
                m.scale_in_step,
                0.10,
                |x| x > 0.0 && x <= 1.0,
                "a fraction in (0, 1]",
            )?,
            max_instance_lifetime,
            cpu_reject_threshold_percent: self.num(
                &k("cpu_reject_threshold_percent"),
                m.cpu_reject_threshold_percent,
                95.0,
                pct,
                "a number in (0, 100]",
            )?,
            reserved_vcpus_per_instance: self.int(
                &k("reserved_vcpus_per_instance"),
                m.reserved_vcpus_per_instance,
                1,
                0,
                4,
            )?,
            reserved_memory_mib_per_instance: (gib * 1024.0).round() as u32,
            runtime_init,
            instance_selection: match m.instance_selection.as_deref() {
                None | Some("cheapest_per_usable_vcpu") => InstanceSelection::CheapestPerUsableVcpu,
                Some("cheapest_fitting") => InstanceSelection::CheapestFitting,
                Some(o) => {
                    return Err(self.bad(
                        k("instance_selection"),
                        quoted(o),
                        "\"cheapest_per_usable_vcpu\" (default) or \"cheapest_fitting\"",
                    ));
                }
            },
            warm_fleet_ages: match m.warm_fleet_ages.as_deref() {
                None | Some("same") => WarmFleetAges::Same,
                Some("spread") => WarmFleetAges::Spread,
                Some(o) => {
                    return Err(self.bad(
                        k("warm_fleet_ages"),
                        quoted(o),
                        "\"same\" (default) or \"spread\"",
                    ));
                }
            },
        })
    }

    fn default_lambda(&self, d: &RawDefaultLambda) -> Result<DefaultLambdaKnobs> {
        let scale_window = self.opt_duration(
            "default_lambda.scale_window",
            d.scale_window.as_ref(),
            SimDuration::from_secs(10),
        )?;
        if scale_window.0 == 0 {
            return Err(self.bad(
                "default_lambda.scale_window",
                scale_window,
                "a duration > 0",
            ));
        }
        Ok(DefaultLambdaKnobs {
            account_concurrency: self.int(
                "default_lambda.account_concurrency",
                d.account_concurrency,
                1000,
                1,
                1_000_000,
            )?,
            scale_burst: self.int(
                "default_lambda.scale_burst",
                d.scale_burst,
                1000,
                1,
                1_000_000,
            )?,
            scale_window,
            keep_alive: self.opt_dist(
                "default_lambda.keep_alive",
                d.keep_alive.as_ref(),
                Dist::Constant(SimDuration::from_secs(600)),
            )?,
        })
    }

    fn architecture(&self, key: &str, v: &str) -> Result<Architecture> {
        match v {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            o => Err(self.bad(key, quoted(o), "\"x86_64\" or \"arm64\"")),
        }
    }

    /// Pricing, and the catalog with the scenario's overrides and additions.
    fn pricing(&self, p: &RawPricing) -> Result<(Pricing, Vec<InstanceType>)> {
        let discount_allowed = "\"on_demand\" (0), \"compute_sp_1yr\" (0.32), \"compute_sp_3yr\" (0.65), or a number in [0, 1)";
        let (ec2_discount, discount_name) = match &p.discount {
            None => (0.0, "on_demand".to_string()),
            Some(Value::String(s)) => match s.as_str() {
                "on_demand" => (0.0, s.clone()),
                "compute_sp_1yr" => (0.32, s.clone()),
                "compute_sp_3yr" => (0.65, s.clone()),
                _ => return Err(self.bad("pricing.discount", quoted(s), discount_allowed)),
            },
            Some(v) => match num_value(v) {
                Some(x) if x.is_finite() && (0.0..1.0).contains(&x) => (x, "custom".to_string()),
                _ => return Err(self.bad("pricing.discount", v, discount_allowed)),
            },
        };
        let nonneg = |x: f64| x >= 0.0;
        let tier = |up_to_gbs: f64, usd_per_gbs: f64| PriceTier {
            up_to_gbs,
            usd_per_gbs,
        };
        let pricing = Pricing {
            ec2_discount,
            discount_name,
            management_fee: self.num(
                "pricing.management_fee",
                p.management_fee,
                0.15,
                |x| (0.0..=1.0).contains(&x),
                "a fraction in [0, 1]",
            )?,
            discounted_rate_precision_usd: self.num(
                "pricing.discounted_rate_precision_usd",
                p.discounted_rate_precision_usd,
                0.0001,
                nonneg,
                "a number of USD >= 0 (0 = no rounding)",
            )?,
            request_usd_per_million: self.num(
                "pricing.request_usd_per_million",
                p.request_usd_per_million,
                0.20,
                nonneg,
                "a number of USD >= 0",
            )?,
            x86_tiers: vec![
                tier(6e9, 0.0000166667),
                tier(15e9, 0.000015),
                tier(f64::INFINITY, 0.0000133334),
            ],
            arm_tiers: vec![
                tier(7.5e9, 0.0000133334),
                tier(18.75e9, 0.0000120001),
                tier(f64::INFINITY, 0.0000106667),
            ],
            pc_usd_per_gbs: 0.0000041667,
            pc_duration_usd_per_gbs: 0.0000097222,
            free_tier: p.free_tier.unwrap_or(false),
            free_requests: 1e6,
            free_gbs: 400_000.0,
            month_hours: 730.0,
        };

        let mut types = catalog::builtin();
        for (i, it) in p.instance_types.iter().enumerate() {
            let key = format!("pricing.instance_types[{i}]");
            let name = match &it.name {
                Some(n) if !n.trim().is_empty() => n.clone(),
                Some(n) => {
                    return Err(self.bad(
                        format!("{key}.name"),
                        quoted(n),
                        "a non-empty instance type name",
                    ));
                }
                None => {
                    return Err(self.missing(
                        format!("{key}.name"),
                        "an instance type name, e.g. \"m7g.xlarge\"",
                    ));
                }
            };
            let price = match it.ondemand_usd_per_hour {
                None => None,
                Some(x) => Some(self.num(
                    &format!("{key}.ondemand_usd_per_hour"),
                    Some(x),
                    0.0,
                    nonneg,
                    "a price in USD per hour >= 0",
                )?),
            };
            let vcpus = match it.vcpus {
                None => None,
                Some(v) => Some(self.int_in(
                    &format!("{key}.vcpus"),
                    v,
                    1,
                    4096,
                    "an integer in 1..=4096",
                )?),
            };
            let memory_mib = match it.memory_gib {
                None => None,
                Some(g) => {
                    let g = self.num(
                        &format!("{key}.memory_gib"),
                        Some(g),
                        0.0,
                        |x| x > 0.0 && x <= 65_536.0,
                        "a number of GiB in (0, 65536]",
                    )?;
                    Some((g * 1024.0).round() as u32)
                }
            };
            let arch = match &it.architecture {
                None => None,
                Some(a) => Some(self.architecture(&format!("{key}.architecture"), a)?),
            };
            if let Some(t) = types.iter_mut().find(|t| t.name == name) {
                if let Some(p) = price {
                    t.ondemand_usd_per_hour = p;
                }
                if let Some(v) = vcpus {
                    t.vcpus = v;
                }
                if let Some(m) = memory_mib {
                    t.memory_mib = m;
                }
                if let Some(a) = arch {
                    t.architecture = a;
                }
            } else {
                let need = |k: &str| {
                    self.missing(
                        format!("{key}.{k}"),
                        format!(
                            "`{name}` is not in the built-in catalog, so a new type needs all of vcpus, memory_gib, architecture, ondemand_usd_per_hour"
                        ),
                    )
                };
                types.push(InstanceType {
                    name: name.clone(),
                    vcpus: vcpus.ok_or_else(|| need("vcpus"))?,
                    memory_mib: memory_mib.ok_or_else(|| need("memory_gib"))?,
                    architecture: arch.ok_or_else(|| need("architecture"))?,
                    ondemand_usd_per_hour: price.ok_or_else(|| need("ondemand_usd_per_hour"))?,
                });
            }
        }
        Ok((pricing, types))
    }

    fn provider(
        &self,
        cp: &RawCapacityProvider,
        catalog: Vec<InstanceType>,
    ) -> Result<CapacityProvider> {
        let ir = &cp.instance_requirements;
        let ikey = "capacity_provider.InstanceRequirements";
        let akey = format!("{ikey}.Architectures");
        let architecture = match &ir.architectures {
            None => Architecture::X86_64,
            Some(v) if v.len() == 1 => self.architecture(&format!("{akey}[0]"), &v[0])?,
            Some(v) => {
                return Err(self.bad(
                    akey,
                    format!("{v:?}"),
                    "a list of exactly one of \"x86_64\", \"arm64\"",
                ));
            }
        };
        let arch_name = match architecture {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        };
        let unknown = |key: String, n: &str| {
            let family = n.split('.').next().unwrap_or(n);
            let similar: Vec<&str> = catalog
                .iter()
                .filter(|t| t.name.split('.').next() == Some(family))
                .map(|t| t.name.as_str())
                .take(10)
                .collect();
            let hint = if similar.is_empty() {
                String::new()
            } else {
                format!("; types of that family: {}", similar.join(", "))
            };
            self.bad(
                key,
                quoted(n),
                format!(
                    "unknown instance type `{n}`: use a type of the built-in catalog or add it under [[pricing.instance_types]]{hint}"
                ),
            )
        };
        let mut types: Vec<InstanceType> = catalog
            .iter()
            .filter(|t| t.architecture == architecture)
            .cloned()
            .collect();
        let lkey_a = format!("{ikey}.AllowedInstanceTypes");
        let lkey_e = format!("{ikey}.ExcludedInstanceTypes");
        match (&ir.allowed_instance_types, &ir.excluded_instance_types) {
            (Some(_), Some(e)) => {
                return Err(self.bad(
                    lkey_e,
                    format!("{e:?}"),
                    "only one of AllowedInstanceTypes and ExcludedInstanceTypes may be given",
                ));
            }
            (Some(a), None) => {
                if a.is_empty() || a.len() > 400 {
                    return Err(self.bad(
                        lkey_a,
                        format!("{a:?}"),
                        "a list of 1 to 400 instance type names",
                    ));
                }
                for (i, n) in a.iter().enumerate() {
                    let key = format!("{lkey_a}[{i}]");
                    match catalog.iter().find(|t| &t.name == n) {
                        None => return Err(unknown(key, n)),
                        Some(t) if t.architecture != architecture => {
                            let other = match t.architecture {
                                Architecture::X86_64 => "x86_64",
                                Architecture::Arm64 => "arm64",
                            };
                            return Err(self.bad(
                                key,
                                quoted(n),
                                format!(
                                    "`{n}` is an {other} type but Architectures is [\"{arch_name}\"]; allowed: {arch_name} types only"
                                ),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                types.retain(|t| a.contains(&t.name));
            }
            (None, Some(e)) => {
                if e.len() > 400 {
                    return Err(self.bad(
                        lkey_e,
                        format!("{e:?}"),
                        "a list of at most 400 instance type names",
                    ));
                }
                for (i, n) in e.iter().enumerate() {
                    if !catalog.iter().any(|t| &t.name == n) {
                        return Err(unknown(format!("{lkey_e}[{i}]"), n));
                    }
                }
                types.retain(|t| !e.contains(&t.name));
            }
            (None, None) => {}
        }
        if types.is_empty() {
            return Err(self.bad(
                ikey,
                "(no instance types left)",
                format!("at least one {arch_name} instance type must remain after AllowedInstanceTypes/ExcludedInstanceTypes"),
            ));
        }

        let sc = &cp.scaling_config;
        let skey = "capacity_provider.CapacityProviderScalingConfig";
        let max_vcpu = self.int(
            &format!("{skey}.MaxVCpuCount"),
            sc.max_vcpu_count,
            400,
            2,
            15_000,
        )?;
        let pkey = format!("{skey}.ScalingPolicies");
        let policy_form = format!(
            "exactly one policy {{ PredefinedMetricType = \"{METRIC}\", TargetValue = a number in (0, 100] }}"
        );
        let scaling = match sc.scaling_mode.as_deref() {
            None | Some("Auto") => {
                if let Some(p) = &sc.scaling_policies {
                    return Err(self.bad(
                        pkey,
                        format!("({} policies)", p.len()),
                        "ScalingPolicies are only allowed with ScalingMode = \"Manual\"; remove them or set ScalingMode = \"Manual\"",
                    ));
                }
                ScalingMode::Auto
            }
            Some("Manual") => {
                let ps = match &sc.scaling_policies {
                    None => {
                        return Err(self.missing(
                            pkey,
                            format!("with ScalingMode = \"Manual\": {policy_form}"),
                        ));
                    }
                    Some(ps) if ps.len() == 1 => ps,
                    Some(ps) => {
                        return Err(self.bad(
                            pkey,
                            format!("({} policies)", ps.len()),
                            policy_form,
                        ));
                    }
                };
                let p = &ps[0];
                let mkey = format!("{pkey}[0].PredefinedMetricType");
                match p.predefined_metric_type.as_deref() {
                    Some(METRIC) => {}
                    None => return Err(self.missing(mkey, quoted(METRIC))),
                    Some(o) => return Err(self.bad(mkey, quoted(o), quoted(METRIC))),
                }
                let tkey = format!("{pkey}[0].TargetValue");
                let target_percent = match p.target_value {
                    None => return Err(self.missing(tkey, "a number in (0, 100]")),
                    Some(x) => self.num(
                        &tkey,
                        Some(x),
                        0.0,
                        |x| x > 0.0 && x <= 100.0,
                        "a number in (0, 100]",
                    )?,
                };
                ScalingMode::Manual { target_percent }
            }
            Some(o) => {
                return Err(self.bad(
                    format!("{skey}.ScalingMode"),
                    quoted(o),
                    "\"Auto\" (default) or \"Manual\"",
                ));
            }
        };
        Ok(CapacityProvider {
            architecture,
            instance_types: types,
            max_vcpu,
            scaling,
            availability_zones: self.int(
                "capacity_provider.availability_zones",
                cp.availability_zones,
                3,
                1,
                16,
            )?,
        })
    }

    /// `MinExecutionEnvironments`/`MaxExecutionEnvironments` under `key`.
    fn ee_bounds(&self, key: &str, min: Option<i64>, max: Option<i64>) -> Result<(u32, u32)> {
        let max_key = format!("{key}.MaxExecutionEnvironments");
        let min_key = format!("{key}.MinExecutionEnvironments");
        let max_ees = match max {
            None => u32::MAX,
            Some(m) => self.int_in(
                &max_key,
                m,
                0,
                15_000,
                "an integer in 0..=15000 (omit for no limit)",
            )?,
        };
        let min_ees = match min {
            None => max_ees.min(3),
            Some(m) => self.int_in(&min_key, m, 0, 15_000, "an integer in 0..=15000")?,
        };
        if min_ees > max_ees {
            return Err(self.bad(
                min_key,
                min_ees,
                format!("must be <= MaxExecutionEnvironments ({max_ees})"),
            ));
        }
        if min_ees == 0 && max_ees != 0 {
            return Err(self.bad(
                min_key,
                0,
                "0 is only valid together with MaxExecutionEnvironments = 0 (0/0 deactivates the function); otherwise use 1..=15000",
            ));
        }
        Ok((min_ees, max_ees))
    }

    fn function(&self, i: usize, f: &RawFunction, dl: &DefaultLambdaKnobs) -> Result<FunctionSpec> {
        let key = format!("functions[{i}]");
        let k = |s: &str| format!("{key}.{s}");
        let name = self.name(&k("name"), f.name.as_ref())?;
        let runtime = match &f.runtime {
            None => return Err(self.missing(k("Runtime"), RUNTIME_FORMS)),
            Some(r) => {
                parse_runtime(r).ok_or_else(|| self.bad(k("Runtime"), quoted(r), RUNTIME_FORMS))?
            }
        };
        let ratio = match f.gib_per_vcpu {
            None => 2,
            Some(r @ (2 | 4 | 8)) => r as u32,
            Some(r) => {
                return Err(self.bad(
                    k("ExecutionEnvironmentMemoryGiBPerVCpu"),
                    r,
                    "2 (default), 4 or 8",
                ));
            }
        };
        let step = 1024 * ratio;
        let mem_allowed = format!(
            "an integer number of MB in 2048..=32768 and a multiple of {step} (1024 × ExecutionEnvironmentMemoryGiBPerVCpu {ratio})"
        );
        let memory_mb = match f.memory_size {
            None => return Err(self.missing(k("MemorySize"), &mem_allowed)),
            Some(m) => {
                let v = self.int_in(&k("MemorySize"), m, 2048, 32_768, &mem_allowed)?;
                if v % step != 0 {
                    return Err(self.bad(k("MemorySize"), m, mem_allowed));
                }
                v
            }
        };
        let vcpus = memory_mb / 1024 / ratio;
        let cap = (64 * vcpus).min(1600);
        let max_concurrency = match f.max_concurrency {
            None => (runtime.default_concurrency_per_vcpu() * vcpus).min(cap),
            Some(c) => self.int_in(
                &k("PerExecutionEnvironmentMaxConcurrency"),
                c,
                1,
                cap,
                &format!(
                    "an integer in 1..=1600 and at most 64 × EE vCPUs ({vcpus} vCPU → 1..={cap})"
                ),
            )?,
        };
        let (min_ees, max_ees) = self.ee_bounds(&key, f.min_ees, f.max_ees)?;
        let function_init = self.opt_dist(
            &k("function_init"),
            f.function_init.as_ref(),
            Dist::Constant(SimDuration::from_secs(1)),
        )?;
        let work = match &f.work {
            // A trace that gives each request its duration makes the table optional.
            None => match f.traffic.as_ref().filter(|t| t.contains_key("source")) {
                Some(t) if self.trace(&k("traffic"), t)?.supplies_work() => {
                    self.trace_work(&k("traffic"), &self.trace(&k("traffic"), t)?)?
                }
                _ => return Err(self.missing(
                    k("work"),
                    "a [functions.work] table with `cpu` and/or `io` durations or distributions",
                )),
            },
            Some(w) if w.cpu.is_none() && w.io.is_none() => {
                return Err(self.bad(
                    k("work"),
                    "{}",
                    "at least one of `cpu` and `io` (a duration or distribution)",
                ));
            }
            Some(w) => {
                let zero = Dist::Constant(SimDuration::ZERO);
                Work {
                    cpu: self.opt_dist(&k("work.cpu"), w.cpu.as_ref(), zero.clone())?,
                    io: self.opt_dist(&k("work.io"), w.io.as_ref(), zero)?,
                }
            }
        };
        let traffic = match &f.traffic {
            None => {
                return Err(self.missing(
                    k("traffic"),
                    format!(
                        "a [functions.traffic] table with shape = one of {SHAPE_NAMES}, or source = one of {TRACE_SOURCES}"
                    ),
                ));
            }
            Some(t) => self.traffic(&k("traffic"), t)?,
        };
        let rd = f.default_lambda.as_ref();
        let dkey = |s: &str| format!("{key}.default_lambda.{s}");
        let dl_mem = match rd.and_then(|d| d.memory_size) {
            None => memory_mb.min(10_240),
            Some(m) => self.int_in(
                &dkey("MemorySize"),
                m,
                128,
                10_240,
                "an integer number of MB in 128..=10240",
            )?,
        };
        let acc = dl.account_concurrency;
        let reserved = match rd.and_then(|d| d.reserved) {
            None => None,
            Some(0) => {
                return Err(self.bad(
                    dkey("ReservedConcurrentExecutions"),
                    0,
                    format!(
                        "0 would throttle every call; use 1..={acc} (account_concurrency), or omit"
                    ),
                ));
            }
            Some(r) => Some(self.int_in(
                &dkey("ReservedConcurrentExecutions"),
                r,
                1,
                acc,
                &format!("an integer in 1..={acc} (default_lambda.account_concurrency), or omit"),
            )?),
        };
        let pc_cap = reserved.unwrap_or(acc);
        let provisioned = match rd.and_then(|d| d.provisioned) {
            None => 0,
            Some(p) => self.int_in(
                &dkey("ProvisionedConcurrentExecutions"),
                p,
                0,
                pc_cap,
                &format!(
                    "an integer in 0..={pc_cap} ({})",
                    if reserved.is_some() {
                        "at most ReservedConcurrentExecutions"
                    } else {
                        "at most default_lambda.account_concurrency"
                    }
                ),
            )?,
        };
        Ok(FunctionSpec {
            name,
            runtime,
            memory_mb,
            gib_per_vcpu: ratio,
            max_concurrency,
            min_ees,
            max_ees,
            function_init,
            work,
            traffic,
            default_lambda: DefaultFunction {
                memory_mb: dl_mem,
                reserved_concurrency: reserved,
                provisioned_concurrency: provisioned,
            },
            source: self.source(&format!("{key}.source"), f.source.as_ref())?,
        })
    }

    /// Every function must fit one EE on at least one of the provider's types.
    fn check_fit(
        &self,
        i: usize,
        f: &FunctionSpec,
        p: &CapacityProvider,
        m: &ModelKnobs,
    ) -> Result<()> {
        let rv = m.reserved_vcpus_per_instance;
        let rm = m.reserved_memory_mib_per_instance;
        let fits = |t: &InstanceType| {
            f.ee_vcpus() <= t.vcpus.saturating_sub(rv)
                && f.ee_memory_mib() <= t.memory_mib.saturating_sub(rm)
        };
        if p.instance_types.iter().any(fits) {
            return Ok(());
        }
        let largest = p
            .instance_types
            .iter()
            .max_by_key(|t| (t.vcpus, t.memory_mib));
        let detail = match largest {
            Some(t) => format!(
                "the largest allowed instance type `{}` ({} vCPU, {} MiB) has {} vCPU and {} MiB usable after reserving {rv} vCPU and {rm} MiB",
                t.name,
                t.vcpus,
                t.memory_mib,
                t.vcpus.saturating_sub(rv),
                t.memory_mib.saturating_sub(rm)
            ),
            None => "no instance types are allowed".to_string(),
        };
        Err(self.bad(
            format!("functions[{i}].MemorySize"),
            f.memory_mb,
            format!(
                "function `{}` needs one EE of {} vCPU and {} MiB, but {detail}; lower MemorySize or allow larger instance types",
                f.name,
                f.ee_vcpus(),
                f.ee_memory_mib()
            ),
        ))
    }
}

/// Maps an AWS runtime id (or a bare family name) to a [`Runtime`].
pub fn parse_runtime(id: &str) -> Option<Runtime> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match id {
        "python" => return Some(Runtime::Python),
        "nodejs" => return Some(Runtime::Nodejs),
        "java" => return Some(Runtime::Java),
        "dotnet" => return Some(Runtime::Dotnet),
        "rust" | "provided.al2023" | "provided.al2" => return Some(Runtime::Rust),
        _ => {}
    }
    if let Some(rest) = id.strip_prefix("python3.") {
        return digits(rest).then_some(Runtime::Python);
    }
    if let Some(rest) = id.strip_prefix("nodejs") {
        return rest
            .strip_suffix(".x")
            .filter(|d| digits(d))
            .map(|_| Runtime::Nodejs);
    }
    if let Some(rest) = id.strip_prefix("java") {
        let rest = rest.strip_suffix(".al2").unwrap_or(rest);
        return digits(rest).then_some(Runtime::Java);
    }
    if let Some(rest) = id.strip_prefix("dotnet") {
        return digits(rest).then_some(Runtime::Dotnet);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_ids() {
        assert_eq!(parse_runtime("python3.13"), Some(Runtime::Python));
        assert_eq!(parse_runtime("nodejs22.x"), Some(Runtime::Nodejs));
        assert_eq!(parse_runtime("java21"), Some(Runtime::Java));
        assert_eq!(parse_runtime("java8.al2"), Some(Runtime::Java));
        assert_eq!(parse_runtime("dotnet8"), Some(Runtime::Dotnet));
        assert_eq!(parse_runtime("provided.al2023"), Some(Runtime::Rust));
        assert_eq!(parse_runtime("rust"), Some(Runtime::Rust));
        assert_eq!(parse_runtime("python2.7x"), None);
        assert_eq!(parse_runtime("nodejs22"), None);
        assert_eq!(parse_runtime("cobol"), None);
        assert_eq!(parse_runtime(""), None);
    }

    fn dist(src: &str) -> Result<Dist> {
        let v: Value = toml::from_str::<Table>(&format!("d = {src}"))
            .ok()
            .and_then(|mut t| t.remove("d"))
            .unwrap_or(Value::Boolean(false));
        Cx {
            file: "t.toml",
            base_dir: None,
        }
        .dist("d", &v)
    }

    #[test]
    fn distributions() {
        assert_eq!(
            dist("\"250ms\"").unwrap(),
            Dist::Constant(SimDuration(250_000))
        );
        assert_eq!(
            dist("2").unwrap(),
            Dist::Constant(SimDuration::from_secs(2))
        );
        assert_eq!(
            dist("{ dist = \"uniform\", min = \"1s\", max = 3 }").unwrap(),
            Dist::Uniform {
                lo_us: 1e6,
                hi_us: 3e6
            }
        );
        assert_eq!(
            dist("{ dist = \"empirical\", percentiles = [[0, \"1ms\"], [50.5, \"2ms\"], [100, \"2ms\"]] }").unwrap(),
            Dist::Empirical {
                points: vec![(0.0, 1000.0), (0.505, 2000.0), (1.0, 2000.0)]
            }
        );
        assert!(
            dist("{ dist = \"empirical\", percentiles = [[0, \"1ms\"], [90, \"2ms\"]] }").is_err()
        );
        assert!(dist("{ dist = \"exponential\", mean = 0 }").is_err());
        assert!(dist("true").is_err());
        assert!(dist("\"-1s\"").is_err());
        assert!(dist("1e300").is_err());
    }

    #[test]
    fn hints_ignore_indices() {
        assert!(hint("functions[3].MemorySize").is_some_and(|h| h.contains("2048..=32768")));
        assert!(hint("model.runtime_init.java").is_some());
        assert!(hint("").is_none());
    }
}
