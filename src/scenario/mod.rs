//! The validated scenario: everything a run needs, checked and converted to
//! engine units (µs, MiB, fractions) once.
//!
//! `raw` holds the serde structs that mirror the TOML file (AWS CloudFormation
//! spelling for AWS parameters, snake_case for lmi-sim's own knobs);
//! `validate` turns them into these types or a [`ConfigError`] naming the key
//! path, the bad value and the allowed range. Nothing here does I/O except
//! [`load`], which reads the file.

pub mod elide;
pub mod faults;
pub mod raw;
pub mod validate;

use crate::catalog::InstanceType;
use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};
use crate::traffic::Traffic;
use crate::warning::{self, Warning};
use std::path::Path;

pub use faults::{FaultKind, FaultSpec};
pub use validate::ConfigError;

pub use crate::catalog::Architecture;

/// Language runtime; sets the default per-vCPU concurrency and the init base.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Python,
    Nodejs,
    Java,
    Dotnet,
    Rust,
}

impl Runtime {
    /// Default runtime workers per vCPU on LMI (docs/model.md, "Runtimes").
    pub fn default_concurrency_per_vcpu(self) -> u32 {
        match self {
            Runtime::Nodejs => 64,
            Runtime::Java | Runtime::Dotnet => 32,
            Runtime::Python => 16,
            // provided.al2023 has no published default; we take Node's (event loop). [our choice]
            Runtime::Rust => 64,
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
    pub const ALL: [Runtime; 5] = [
        Runtime::Python,
        Runtime::Nodejs,
        Runtime::Java,
        Runtime::Dotnet,
        Runtime::Rust,
    ];
}

/// Where the run starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartState {
    /// An already-active fleet sized for the traffic at t = 0 (default).
    Warm,
    /// t = 0 is `PublishVersion`: 3 instances launch, min EEs initialise; no capacity yet.
    Publish,
}

/// How instance ages are set in a warm start. [our choice]
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarmFleetAges {
    /// All launched together at t = 0: they rotate together (default).
    Same,
    /// Ages spread evenly over the lifetime: rotations are staggered.
    Spread,
}

/// How the scaler's CPU target is set.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize)]
pub enum ScalingMode {
    /// AWS picks; lmi-sim uses `model.auto_cpu_target_percent`.
    Auto,
    /// `ScalingPolicies: [{PredefinedMetricType: LambdaCapacityProviderAverageCPUUtilization, TargetValue}]`.
    Manual { target_percent: f64 },
}

/// Policy choosing the instance type to launch. [our choice]
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceSelection {
    /// Lowest on-demand price per hour of the instances the function's fleet
    /// needs (per AZ, ceil(EEs there / EEs per instance)), re-chosen at each
    /// placement that launches (the default; docs/model.md, "Instance families").
    CheapestForFleet,
    /// Lowest on-demand price per usable vCPU that holds ≥ 1 EE.
    CheapestPerUsableVcpu,
    /// Lowest on-demand price per hour that holds ≥ 1 EE.
    CheapestFitting,
}

/// The capacity provider all functions attach to.
#[derive(Clone, Debug)]
pub struct CapacityProvider {
    pub architecture: Architecture,
    /// Instance types the provider may launch (after Allowed/Excluded filtering),
    /// with prices. Never empty.
    pub instance_types: Vec<InstanceType>,
    /// `MaxVCpuCount`: vCPUs of all instances, launching ones included.
    pub max_vcpu: u32,
    pub scaling: ScalingMode,
    /// Number of availability zones (subnets), 1–16.
    pub availability_zones: u32,
}

/// Per-function default-Lambda settings (docs/model.md, "Default Lambda").
#[derive(Clone, Debug, PartialEq)]
pub struct DefaultFunction {
    /// `MemorySize` on default Lambda, 128–10240 MB.
    pub memory_mb: u32,
    /// `ReservedConcurrentExecutions`, if set.
    pub reserved_concurrency: Option<u32>,
    /// `ProvisionedConcurrentExecutions` (0 = none).
    pub provisioned_concurrency: u32,
}

/// The work one invocation carries: `cpu` (vCPU time at full speed) then `io` (wall wait).
#[derive(Clone, Debug)]
pub struct Work {
    pub cpu: Dist,
    pub io: Dist,
}

/// The memory an invocation holds on an LMI EE (docs/model.md, "EE
/// protection"): with it the EE holds at most so many invocations at once
/// (`MemoryThrottles` beyond). Python runs one process per concurrent request,
/// so each invocation holds a process and its own memory; the other runtimes
/// share one process.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InvocationMemory {
    /// What one invocation adds [MiB]; 0: memory is not modelled.
    pub per_invocation_mib: u32,
    /// The runtime process's own memory [MiB].
    pub process_mib: u32,
}

impl InvocationMemory {
    /// How many invocations an EE of `ee_mib` holds at once (`u32::MAX`
    /// when memory is not modelled; 0 when not even one fits).
    pub fn capacity(&self, runtime: Runtime, ee_mib: u32) -> u32 {
        if self.per_invocation_mib == 0 {
            return u32::MAX;
        }
        let (each, shared) = if runtime == Runtime::Python {
            (self.per_invocation_mib + self.process_mib, 0)
        } else {
            (self.per_invocation_mib, self.process_mib)
        };
        ee_mib.saturating_sub(shared) / each
    }
}

/// How a function's work from the batch of an SQS poll is formed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchWork {
    /// The batch's work is the sum of its messages' work (a handler that
    /// processes messages one after another).
    Summed,
    /// One draw of the function's work per batch (a handler whose time does not
    /// depend on the batch size).
    PerBatch,
}

/// SQS event source mapping settings (docs/model.md, "Event sources").
#[derive(Clone, Debug, PartialEq)]
pub struct SqsSpec {
    /// `BatchSize`, 1–10,000.
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds`.
    pub batch_window: SimDuration,
    /// The queue's `VisibilityTimeout`.
    pub visibility_timeout: SimDuration,
    /// The redrive policy's `maxReceiveCount`, ≥ 1.
    pub max_receive_count: u32,
    /// `ScalingConfig.MaximumConcurrency` of the mapping (2–1000), if set.
    pub maximum_concurrency: Option<u32>,
    pub batch_work: BatchWork,
    /// Concurrent batches the pollers start with. [our choice] 5
    pub initial_concurrency: u32,
    /// Added per minute while messages wait. [our choice] 300
    pub scale_up_per_minute: u32,
    /// Upper bound of concurrent batches without `MaximumConcurrency`.
    /// [AWS docs] 1000 (services-sqs-scaling)
    pub max_pollers: u32,
    /// First delay before a throttled batch is retried; it doubles per throttle.
    /// [our choice] 1 s
    pub throttle_backoff: SimDuration,
    /// Longest delay between retries of a throttled batch. [our choice] 30 s
    pub throttle_backoff_max: SimDuration,
    /// After a throttle, the pollers do not scale up for this long (the
    /// mapping "gradually backs off"). [our choice, fitted] 5 s
    pub scale_up_pause: SimDuration,
    /// Fraction of invocations that fail (function errors). [our choice] 0
    pub error_rate: f64,
}

/// Where a function's invocations come from, and what a throttle means.
#[derive(Clone, Debug, PartialEq)]
pub enum EventSourceSpec {
    /// A throttle is an error to the caller (default).
    Sync,
    /// The caller retries throttles: `max_attempts` in all, full-jitter
    /// exponential backoff `U(0, min(cap, base·2^(k−1)))` before attempt k+1.
    SyncRetry {
        max_attempts: u32,
        base_delay: SimDuration,
        max_delay: SimDuration,
    },
    /// Lambda's internal queue: throttles are retried with backoff (1 s doubling
    /// to 5 min) until `max_event_age`; function errors get `max_retry_attempts`
    /// retries, 1 and 2 minutes apart.
    Async {
        max_event_age: SimDuration,
        max_retry_attempts: u32,
        error_rate: f64,
    },
    /// An SQS queue drained by an event source mapping.
    Sqs(SqsSpec),
}

/// A function attached to the capacity provider.
#[derive(Clone, Debug)]
pub struct FunctionSpec {
    pub name: String,
    pub runtime: Runtime,
    /// `MemorySize` on LMI [MB], 2048–32768, a multiple of 1024 × ratio.
    pub memory_mb: u32,
    /// `ExecutionEnvironmentMemoryGiBPerVCpu`: 2, 4 or 8.
    pub gib_per_vcpu: u32,
    /// `PerExecutionEnvironmentMaxConcurrency`: runtime-worker slots per EE.
    pub max_concurrency: u32,
    /// `MinExecutionEnvironments`.
    pub min_ees: u32,
    /// `MaxExecutionEnvironments` (`u32::MAX` when unset).
    pub max_ees: u32,
    /// The function's own init code, on top of the runtime base.
    pub function_init: Dist,
    pub work: Work,
    pub memory: InvocationMemory,
    pub traffic: Traffic,
    pub default_lambda: DefaultFunction,
    /// Invocation source (synchronous unless set).
    pub event_source: EventSourceSpec,
    /// `[functions.spill_over]` (enabled): where LMI's throttles go.
    pub spill_over: Option<SpillOver>,
}

/// A client-side spill-over of LMI throttles to a default-Lambda function
/// (docs/model.md, "Spill-over to default Lambda").
#[derive(Clone, Debug, PartialEq)]
pub struct SpillOver {
    /// The fallback function's `MemorySize`, `ReservedConcurrentExecutions`
    /// and `ProvisionedConcurrentExecutions`.
    pub fallback: DefaultFunction,
    /// The LMI throttle reasons that spill, by
    /// [`crate::invocation::ThrottleReason`] index.
    pub reasons: [bool; crate::invocation::ThrottleReason::COUNT],
    /// Client-side wait between the LMI throttle and the fallback call.
    pub delay: SimDuration,
}

impl SpillOver {
    /// Whether an LMI throttle of reason `r` spills.
    #[inline]
    pub fn spills(&self, r: crate::invocation::ThrottleReason) -> bool {
        self.reasons[r as usize]
    }
}

impl FunctionSpec {
    /// vCPUs of one EE = memory GiB / ratio.
    pub fn ee_vcpus(&self) -> u32 {
        self.memory_mb / 1024 / self.gib_per_vcpu
    }
    /// Memory of one EE [MiB].
    pub fn ee_memory_mib(&self) -> u32 {
        self.memory_mb
    }
}

/// A timed `PutFunctionScalingConfig` call.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingChange {
    pub at: SimTime,
    pub function: usize,
    pub min_ees: u32,
    /// `u32::MAX` when unbounded.
    pub max_ees: u32,
}

/// Default `model.runtime_init` per runtime [ms], indexed by
/// `Runtime::index` (docs/model.md, "EE init"). [community]
pub const RUNTIME_INIT_DEFAULT_MS: [u64; 5] = [90, 140, 240, 250, 20];

/// The default `model.runtime_init` of `r`.
pub fn default_runtime_init(r: Runtime) -> SimDuration {
    SimDuration::from_millis(RUNTIME_INIT_DEFAULT_MS[r.index()])
}

/// Default `model.scaler_interval` (docs/model.md, "Scaler"). [our choice,
/// fitted to the aws-samples burst and the doubling rule]
pub const SCALER_INTERVAL: SimDuration = SimDuration::from_secs(120);
/// Default `model.instance_launch_delay` (docs/model.md, "Instance launch").
/// [AWS skill: "new instances launch within minutes"; our choice, fitted]
pub const INSTANCE_LAUNCH_DELAY: SimDuration = SimDuration::from_secs(120);
/// Default `model.auto_cpu_target_percent` (docs/model.md, "Scaling mode").
/// [our choice, fitted to the doubling rule]
pub const AUTO_CPU_TARGET_PERCENT: f64 = 45.0;
/// Default `model.ee_overload_percent` (docs/model.md, "EE protection"). [our choice]
pub const EE_OVERLOAD_PERCENT: f64 = 125.0;
/// Default `model.ee_busy_percent`. [our choice]
pub const EE_BUSY_PERCENT: f64 = 99.0;
/// Default `model.ee_limit_window`. [our choice]
pub const EE_LIMIT_WINDOW: SimDuration = SimDuration::from_secs(3);
/// Default SQS `scale_up_pause` (docs/model.md, "SQS"). [our choice, fitted]
pub const SQS_SCALE_UP_PAUSE: SimDuration = SimDuration::from_secs(5);

/// Calibration knobs (docs/model.md, "Calibration knobs and how they move results") with documented defaults.
#[derive(Clone, Debug)]
pub struct ModelKnobs {
    /// Instance launch delay (request → Running). Default constant 45 s.
    pub instance_launch_delay: Dist,
    /// Scaler period. Default 60 s.
    pub scaler_interval: SimDuration,
    /// CPU target in Auto mode [%]. Default 50.
    pub auto_cpu_target_percent: f64,
    /// Desired must stay below current this long before scale-in. Default 10 min.
    pub scale_in_cooldown: SimDuration,
    /// Largest fraction of EEs removed per scaler interval. Default 0.10.
    pub scale_in_step: f64,
    /// Instance age (from Running) at which it is replaced, replacement
    /// first. Default 12 h.
    pub max_instance_lifetime: SimDuration,
    /// EE age (from Ready) at which it is replaced, replacement first.
    /// Default 4 h.
    pub max_ee_lifetime: SimDuration,
    /// Router skips EEs on instances at or above this CPU [%]. Default 95.
    pub cpu_reject_threshold_percent: f64,
    /// Whether the instance-level rule above applies (`model.instance_cpu_protection`).
    /// Default false: EE protection models CPU rejection per EE.
    pub instance_cpu_protection: bool,
    /// vCPUs each instance keeps for the OS and agent. Default 1.
    pub reserved_vcpus_per_instance: u32,
    /// Memory each instance keeps [MiB]. Default 1024.
    pub reserved_memory_mib_per_instance: u32,
    /// Runtime init base per runtime, indexed by `Runtime::index`.
    pub runtime_init: [SimDuration; 5],
    pub instance_selection: InstanceSelection,
    pub warm_fleet_ages: WarmFleetAges,
    /// EE CPU protection (docs/model.md, "EE protection"): the runnable CPU
    /// demand, as a fraction of the EE's vCPUs averaged over `ee_limit_window`,
    /// at or above which the EE lowers its concurrency limit; `None`: off.
    pub ee_overload: Option<f64>,
    /// The share of the EE's vCPU-time over `ee_limit_window` that must be
    /// busy as well before the limit falls ("consistently high utilization").
    pub ee_busy: f64,
    pub ee_limit_window: SimDuration,
    /// CPU speed factors relative to default Lambda's CPU: (instance family or
    /// type name, factor), from `model.cpu_speed`. An LMI invocation's `cpu`
    /// work takes `cpu / factor` on an instance of that type. Empty: 1.0
    /// everywhere (docs/model.md, "CPU speed").
    pub cpu_speed: Vec<(String, f64)>,
}

impl ModelKnobs {
    /// The CPU speed factor of instance type `name`: its own entry, else its
    /// family's (the part before the dot), else 1.0.
    pub fn cpu_speed_of(&self, name: &str) -> f64 {
        let family = name.split('.').next().unwrap_or(name);
        let find = |k: &str| self.cpu_speed.iter().find(|(n, _)| n == k).map(|e| e.1);
        find(name).or_else(|| find(family)).unwrap_or(1.0)
    }
}

/// Default-Lambda platform knobs (docs/model.md, "Default Lambda").
#[derive(Clone, Debug)]
pub struct DefaultLambdaKnobs {
    /// Account concurrency quota. Default 1000.
    pub account_concurrency: u32,
    /// New EEs allowed per `scale_window` per function. Default 1000.
    pub scale_burst: u32,
    /// Default 10 s.
    pub scale_window: SimDuration,
    /// Idle EE keep-alive before reclaim. Default constant 10 min.
    pub keep_alive: Dist,
    /// Below 1,769 MB an EE's CPU is a quota of memory / 1769 of this period,
    /// renewed every period; zero: a steady memory / 1769 share instead.
    /// Default 20 ms (docs/model.md, "Memory and CPU").
    pub cpu_quota_period: SimDuration,
}

/// Duration price tier: GB-s up to `up_to_gbs` (cumulative, per month) at `usd_per_gbs`.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTier {
    pub up_to_gbs: f64,
    pub usd_per_gbs: f64,
}

/// Compute Savings Plans discount on default Lambda's duration and provisioned
/// concurrency with the `compute_sp_1yr` and `compute_sp_3yr` presets: AWS's LMI
/// pricing calculator's 12% for both terms (community sources say "up to 17%";
/// docs/model.md, "Discounts").
pub const COMPUTE_SP_LAMBDA_DISCOUNT: f64 = 0.12;

/// Prices and discounts (docs/model.md, "Pricing").
#[derive(Clone, Debug)]
pub struct Pricing {
    /// EC2 discount fraction in [0, 1) (Savings Plans, RIs). Not applied to the fee.
    pub ec2_discount: f64,
    /// Name of the preset the discount came from, or "custom".
    pub discount_name: String,
    /// Compute Savings Plans discount fraction in [0, 1) on default Lambda's
    /// duration (invoke and INIT, after the tiers) and provisioned concurrency
    /// (allocation and duration); never on requests. Default: 0.12 with a
    /// `compute_sp_*` preset, else 0.
    pub lambda_discount: f64,
    /// Management fee as a fraction of the on-demand price. Default 0.15.
    pub management_fee: f64,
    /// Discounted hourly rates are rounded to this many USD (AWS quotes $0.0001). 0 = none.
    pub discounted_rate_precision_usd: f64,
    pub request_usd_per_million: f64,
    pub x86_tiers: Vec<PriceTier>,
    pub arm_tiers: Vec<PriceTier>,
    /// Provisioned concurrency, per GB-s provisioned.
    pub pc_usd_per_gbs: f64,
    /// Provisioned concurrency, per GB-s used.
    pub pc_duration_usd_per_gbs: f64,
    pub free_tier: bool,
    pub free_requests: f64,
    pub free_gbs: f64,
    /// Hours in a month for projections. 730.
    pub month_hours: f64,
}

/// An instance Running at t = 0 in a warm start (docs/model.md, "Publish and
/// warm start").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarmInstance {
    /// Index into `CapacityProvider::instance_types`.
    pub instance_type: usize,
    /// Its AZ, `0..availability_zones`.
    pub az: u32,
}

/// The fleet a warm start begins with where the scenario states it
/// (`[capacity_provider.warm]`, `[functions.warm]`). Validation places the
/// stated EEs; the model builds exactly this, then sizes the functions without
/// a stated count from their t = 0 traffic. Empty: nothing stated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WarmFleet {
    /// Per function: `functions[i].warm.execution_environments`, or `None`
    /// (sized from the t = 0 traffic). Shorter than `functions`: `None` for the rest.
    pub ees: Vec<Option<u32>>,
    /// Whether `capacity_provider.warm.instances` was given: `instances` is then
    /// exactly the stated fleet, and nothing else runs at t = 0.
    pub instances_stated: bool,
    /// The instances Running at t = 0 for the stated EEs, in launch order: the
    /// stated ones (spread over AZs round-robin), or those the stated EEs need.
    pub instances: Vec<WarmInstance>,
    /// Each stated EE: (function index, index into `instances`), in placing order.
    pub placements: Vec<(usize, usize)>,
}

impl WarmFleet {
    /// The stated EE count of function `fi`, if any.
    pub fn ees_of(&self, fi: usize) -> Option<u32> {
        self.ees.get(fi).copied().flatten()
    }
}

/// A complete, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub horizon: SimDuration,
    pub report_interval: SimDuration,
    pub start_state: StartState,
    /// The fleet stated for a warm start (empty when none is).
    pub warm: WarmFleet,
    pub provider: CapacityProvider,
    pub functions: Vec<FunctionSpec>,
    /// Sorted by time (stable for equal times: file order).
    pub schedule: Vec<ScalingChange>,
    pub model: ModelKnobs,
    pub default_lambda: DefaultLambdaKnobs,
    pub pricing: Pricing,
    /// Warnings only parsing could see (the raw file's form, such as a bare
    /// number of seconds in `[functions.work]`); [`Scenario::warnings`] adds
    /// those the validated values show.
    pub notes: Vec<Warning>,
    /// SLO gates of its `[slo]` table (README.md, "SLO gates"), in file order.
    pub slo: Vec<crate::slo::Gate>,
    /// The month of its `[calendar]` table (README.md, "Month calendars"):
    /// this scenario is the typical day; `None`: monthly figures repeat the
    /// horizon to fill `pricing.month_hours`.
    pub calendar: Option<Calendar>,
    /// Its `[[faults]]` (README.md, "Failure injection"), in file order;
    /// empty: nothing fails and the run is as without the feature.
    pub faults: Vec<FaultSpec>,
}

/// A month as typical days (the scenario itself) and special days (the
/// scenario with edits), each simulated once and weighted by its count.
#[derive(Clone, Debug)]
pub struct Calendar {
    /// Days like the scenario's own horizon (scaled to 24 h).
    pub typical_days: f64,
    pub special: Vec<SpecialDay>,
}

impl Calendar {
    /// Days in the month.
    pub fn days(&self) -> f64 {
        self.typical_days + self.special.iter().map(|d| d.days).sum::<f64>()
    }
}

/// One kind of special day of a [`Calendar`].
#[derive(Clone, Debug)]
pub struct SpecialDay {
    pub name: String,
    /// How many such days the month has.
    pub days: f64,
    /// Its edits of the scenario, as `KEY=VALUE` (values as TOML).
    pub sets: Vec<String>,
    /// The scenario with the edits applied (no calendar of its own; its
    /// seed is the typical day's at run time).
    pub scenario: Box<Scenario>,
}

impl Scenario {
    /// CPU target as a fraction.
    pub fn cpu_target(&self) -> f64 {
        match self.provider.scaling {
            ScalingMode::Auto => self.model.auto_cpu_target_percent / 100.0,
            ScalingMode::Manual { target_percent } => target_percent / 100.0,
        }
    }

    /// Makes every trace of the scenario count and skip malformed rows
    /// instead of failing (`--skip-bad-rows`).
    pub fn skip_bad_rows(&mut self) {
        for f in &mut self.functions {
            if let Traffic::Trace(spec) = &mut f.traffic {
                spec.skip_bad_rows = true;
            }
        }
        if let Some(c) = &mut self.calendar {
            for d in &mut c.special {
                d.scenario.skip_bad_rows();
            }
        }
    }

    /// Valid but probably unintended settings, and caveats every run of the
    /// scenario carries (pure: it prints nothing itself). A run adds its own
    /// (`report::summarize`).
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = self.notes.clone();
        for (i, f) in self.functions.iter().enumerate() {
            if let Some(n) = self.warm.ees_of(i)
                && n < f.min_ees
            {
                out.push(
                    Warning::new(
                        warning::WARM_EES_BELOW_MIN,
                        format!(
                            "functions[{i}].warm.execution_environments = {n} is below MinExecutionEnvironments ({}): the scaler starts the other {} at its first tick ({})",
                            f.min_ees,
                            f.min_ees - n,
                            self.model.scaler_interval
                        ),
                    )
                    .key(format!("functions[{i}].warm.execution_environments"))
                    .figure("warm_execution_environments", n as f64)
                    .figure("min_execution_environments", f.min_ees as f64),
                );
            }
        }
        let active = self.functions.iter().filter(|f| f.max_ees > 0).count();
        if active > 1 {
            let (source, key) = match self.provider.scaling {
                ScalingMode::Auto => (
                    "ScalingMode = \"Auto\", model.auto_cpu_target_percent",
                    "model.auto_cpu_target_percent",
                ),
                ScalingMode::Manual { .. } => (
                    "the ScalingPolicies TargetValue",
                    "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies",
                ),
            };
            out.push(
                Warning::new(
                    warning::SHARED_CPU_TARGET,
                    format!(
                        "{active} functions share the capacity provider's one CPU target of {}% ({source}): the scaler sizes each function's EEs from that function's own EE CPU utilization, but against the same target; a function that needs another target needs its own capacity provider (a scenario of its own)",
                        fmt_pct(self.cpu_target() * 100.0)
                    ),
                )
                .key(key)
                .figure("functions", active as f64)
                .figure("cpu_target_percent", self.cpu_target() * 100.0),
            );
        }
        let horizon_s = self.horizon.as_secs_f64();
        // A calendar scales each day to 24 h instead (`calendar_day_scaled`).
        if horizon_s < warning::SHORT_HORIZON_S && self.calendar.is_none() {
            let month_s = self.pricing.month_hours * 3600.0;
            let factor = month_s / horizon_s;
            out.push(
                Warning::new(
                    warning::SHORT_HORIZON_EXTRAPOLATION,
                    format!(
                        "the horizon is {}: monthly costs (a {}-hour month) are its costs multiplied by {}, so anything the horizon leaves out (daily peaks, scale-in, instance rotation) is missing from them; simulate at least 1h for a monthly figure",
                        self.horizon,
                        self.pricing.month_hours,
                        fmt_factor(factor)
                    ),
                )
                .key("horizon")
                .figure("horizon_s", horizon_s)
                .figure("month_hours", self.pricing.month_hours)
                .figure("factor", factor),
            );
        }
        out
    }

    /// The run's report intervals.
    pub fn report_clock(&self) -> crate::clock::ReportClock {
        crate::clock::ReportClock::new(self.horizon, self.report_interval)
    }
}

/// A percentage with no needless decimals: 50, 62.5.
fn fmt_pct(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A multiplication factor: 4380×, 87.6×.
fn fmt_factor(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}×")
    } else {
        format!("{x:.1}×")
    }
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    validate::from_toml_str(&text, &path.display().to_string(), path.parent())
}
