//! Turns the raw TOML structs into a validated [`Scenario`], or a
//! [`ConfigError`] that names the file, the key path (`functions[0].MemorySize`),
//! the bad value and what is allowed.
//!
//! Nothing here panics on user input: every number is range-checked before it
//! is narrowed, every lookup is checked.
//!
//! Layout: this file holds the errors, the TOML layer, the key hints and the
//! scenario's top level; `cx` the validation context and its checked readers;
//! `function_spec` a `[[functions]]` table; `provider_spec` the platform-wide
//! tables; `event_source_spec` and `traffic_spec` a function's event source and traffic.

use super::raw::{
    RawCapacityProvider, RawDefaultLambda, RawDist, RawDuration, RawFunction, RawModel, RawPricing,
    RawScenario,
};
use super::{
    AUTO_CPU_TARGET_PERCENT, Architecture, COMPUTE_SP_LAMBDA_DISCOUNT, CapacityProvider,
    DefaultFunction, DefaultLambdaKnobs, EE_BUSY_PERCENT, EE_LIMIT_WINDOW, EE_OVERLOAD_PERCENT,
    FunctionSpec, INSTANCE_LAUNCH_DELAY, InstanceSelection, InvocationMemory, ModelKnobs,
    PriceTier, Pricing, Runtime, SCALER_INTERVAL, ScalingChange, ScalingMode, Scenario, StartState,
    WarmFleetAges, Work,
};
use crate::catalog::{self, InstanceType};
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime, parse_duration};
use crate::trace::{Order, Selection, Spread, TimeUnit, TraceFormat, TraceSpec};
use crate::traffic::{ArrivalProcess, RateShape, Segment, Traffic};
use crate::warning::Warning;
use std::fmt::Display;
use std::path::Path;
use toml::{Table, Value};

mod calendar_spec;
mod cloudwatch_spec;
mod cx;
mod event_source_spec;
mod fault_spec;
mod function_spec;
mod lambda_logs_spec;
mod provider_spec;
mod slo_spec;
mod spill_spec;
pub use calendar_spec::MAX_MONTH_DAYS;
mod traffic_spec;
mod warm_spec;

use cx::{Cx, num_value, quoted};
pub use function_spec::parse_runtime;

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

/// Most rows `timeseries.csv` or `decisions.csv` may get (intervals ×
/// functions): about 1 GB of `timeseries.csv`. `report_interval` and
/// `model.scaler_interval` are checked against it when a scenario is read.
pub const MAX_OUTPUT_ROWS: u64 = 5_000_000;

/// Typical bytes per row, for the size estimate in the message.
const TIMESERIES_ROW_BYTES: u64 = 200;
const DECISION_ROW_BYTES: u64 = 50;

/// `5000000` as `5,000,000`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as `1.9 GB`.
fn human_bytes(b: u64) -> String {
    let b = b as f64;
    for (unit, name) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] {
        if b >= unit {
            return format!("{:.1} {name}", b / unit);
        }
    }
    format!("{b} B")
}
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
const TRACE_SOURCES: &str = "\"azure2019\", \"azure2021\", \"csv\", \"cloudwatch\", \"lambda-logs\", \"apigateway\", \"alb\"";

/// Parses and validates a scenario. `file` names the file in messages;
/// `base_dir` is where relative paths in the file resolve (trace files in
/// `[functions.traffic]`); `None`: the current directory.
pub fn from_toml_str(text: &str, file: &str, base_dir: Option<&Path>) -> Result<Scenario> {
    let mut raw = parse_raw(text, file)?;
    let calendar = raw.calendar.take();
    let cx = Cx { file, base_dir };
    let mut sc = cx.scenario(raw)?;
    if let Some(v) = calendar {
        sc.calendar = Some(cx.calendar(&v, text, &sc)?);
    }
    Ok(sc)
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
    let mut message = super::elide::elide_snippet(e.to_string().trim_end());
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
        "faults" => "an array of tables: [[faults]]",
        "faults.type" => fault_spec::FAULT_TYPES,
        "faults.function" => "the name of a function",
        "capacity_provider.availability_zones" => "an integer in 1..=16",
        "capacity_provider.warm" => {
            "a table: [capacity_provider.warm] instances = { \"c6i.2xlarge\" = 3 }"
        }
        "capacity_provider.warm.instances" => {
            "a table of instance type → count, e.g. { \"c6i.2xlarge\" = 3 }"
        }
        "functions.warm" => "a table: [functions.warm] execution_environments = 3",
        "functions.warm.execution_environments" => {
            "an integer in 0..=MaxExecutionEnvironments: the EEs Ready at t = 0"
        }
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
        "model.instance_selection" => {
            "\"cheapest_for_fleet\", \"cheapest_per_usable_vcpu\" or \"cheapest_fitting\""
        }
        "model.warm_fleet_ages" => "\"same\" or \"spread\"",
        "model.cpu_speed" => {
            "a table of instance family or type → speed factor in (0, 10], e.g. { c7i = 1.1, \"c7g.xlarge\" = 1.0 }"
        }
        "default_lambda.account_concurrency" | "default_lambda.scale_burst" => {
            "an integer in 1..=1000000"
        }
        "pricing.management_fee" => "a number in [0, 1]",
        "pricing.lambda_discount" => "a number in [0, 1)",
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
            | "max_ee_lifetime"
            | "scale_window"
            | "cpu_quota_period"
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

impl Cx<'_> {
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

    /// Refuses an interval that would write more than [`MAX_OUTPUT_ROWS`]
    /// rows (one per interval and function) to `file`, with the estimate.
    fn check_rows(
        &self,
        key: &str,
        horizon: SimDuration,
        interval: SimDuration,
        functions: usize,
        file: &str,
        row_bytes: u64,
    ) -> Result<()> {
        let intervals = horizon.0.div_ceil(interval.0.max(1));
        let rows = intervals.saturating_mul(functions as u64);
        if rows <= MAX_OUTPUT_ROWS {
            return Ok(());
        }
        // The shortest interval that stays within the limit, in whole seconds
        // when that is at least a second.
        let per_fn = (MAX_OUTPUT_ROWS / (functions as u64).max(1)).max(1);
        let mut min = horizon.0.div_ceil(per_fn);
        if min >= 1_000_000 {
            min = min.div_ceil(1_000_000) * 1_000_000;
        }
        Err(self.bad(
            key,
            interval,
            format!(
                "an interval that writes at most {} rows to {file} (one per interval and function): {interval} over horizon {horizon} is {intervals} intervals × {functions} function(s) = {rows} rows, about {}; use {key} >= {}",
                group(MAX_OUTPUT_ROWS),
                human_bytes(rows.saturating_mul(row_bytes)),
                SimDuration(min)
            ),
        ))
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
        let mut model = self.model(&raw.model)?;
        let default_lambda = self.default_lambda(&raw.default_lambda)?;
        let (pricing, catalog) = self.pricing(&raw.pricing)?;
        model.cpu_speed = self.cpu_speed(&raw.model, &catalog)?;
        let provider = self.provider(&raw.capacity_provider, catalog.clone())?;

        if raw.functions.is_empty() {
            return Err(self.bad("functions", "(none)", "at least one [[functions]] table"));
        }
        let mut functions: Vec<FunctionSpec> = Vec::with_capacity(raw.functions.len());
        // Name → index: checking uniqueness stays linear in the functions.
        let mut by_name: std::collections::BTreeMap<String, usize> = Default::default();
        let mut log_notes = Vec::new();
        for (i, rf) in raw.functions.iter().enumerate() {
            let mut f = self.function(i, rf, &default_lambda)?;
            log_notes.extend(self.apply_lambda_logs(i, rf, &mut f, &model)?);
            if let Some(&j) = by_name.get(&f.name) {
                return Err(self.bad(
                    format!("functions[{i}].name"),
                    quoted(&f.name),
                    format!("function names must be unique; already used by functions[{j}]"),
                ));
            }
            self.check_fit(i, &f, &provider, &model)?;
            by_name.insert(f.name.clone(), i);
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
            // The list of names is only built for an error.
            let allowed = || {
                let names: Vec<String> =
                    functions.iter().take(20).map(|f| quoted(&f.name)).collect();
                format!(
                    "the name of a function: {}{}",
                    names.join(", "),
                    if functions.len() > 20 { ", …" } else { "" }
                )
            };
            let function = match &e.function {
                None => return Err(self.missing(format!("{key}.function"), allowed())),
                Some(n) => by_name
                    .get(n)
                    .copied()
                    .ok_or_else(|| self.bad(format!("{key}.function"), quoted(n), allowed()))?,
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
        self.check_rows(
            "report_interval",
            horizon,
            report_interval,
            functions.len(),
            "timeseries.csv",
            TIMESERIES_ROW_BYTES,
        )?;
        self.check_rows(
            "model.scaler_interval",
            horizon,
            model.scaler_interval,
            functions.len(),
            "decisions.csv",
            DECISION_ROW_BYTES,
        )?;
        let warm = self.warm_fleet(&raw, start_state, &provider, &model, &functions, &catalog)?;
        for (i, f) in functions.iter().enumerate() {
            self.check_min_fleet(i, f, &provider, &model)?;
        }
        let notes = raw
            .functions
            .iter()
            .enumerate()
            .flat_map(|(i, f)| function_spec::bare_work_seconds(i, f))
            .chain(log_notes)
            .collect();
        let slo = self.slo(raw.slo.as_ref(), &functions)?;
        let faults = self.faults(&raw.faults, horizon, &provider, &functions)?;

        Ok(Scenario {
            name,
            description: raw.description.clone().unwrap_or_default(),
            seed,
            horizon,
            report_interval,
            start_state,
            warm,
            provider,
            functions,
            schedule,
            model,
            default_lambda,
            pricing,
            notes,
            slo,
            calendar: None,
            faults,
        })
    }
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
