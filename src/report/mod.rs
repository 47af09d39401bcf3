//! Results apart from rendering: builds the `Summary` of a run (both platforms,
//! side by side) and turns results into bytes — `summary.json`, `timeseries.csv`,
//! `decisions.csv` and the terminal table. Exporters never decide where bytes go.
//!
//! Layout: this file holds the `Summary` types, `summarize` and `summary.json`;
//! `function_cost` splits each platform's bill between its functions; `csv`
//! writes `timeseries.csv` and `decisions.csv`; `terminal` the terminal table
//! (a block per function, the SLO gates) and `fmt_usd`; `tables` the tables
//! that `markdown` (`summary.md`) and `html` (`report.html`) render.

use crate::catalog::InstanceType;
use crate::cost::{self, DefaultCost, DefaultUsage, LmiCost};
use crate::default_lambda::DefaultResult;
use crate::event_source::EventSourceResult;
use crate::invocation::{ThrottleCounts, ThrottleReason};
use crate::ledger::LedgerTotals;
use crate::lmi::{InstanceChoice, LmiResult};
use crate::scenario::{InstanceSelection, Scenario};
use crate::sim::{Platforms, RunResult};
use crate::sketch::Sketch;
use crate::warning::Warning;
use serde::Serialize;
use std::collections::BTreeMap;

mod csv;
mod diagnose;
pub mod faults;
pub mod function_cost;
pub mod html;
pub mod markdown;
pub mod spill;
pub mod tables;
mod terminal;

pub use csv::{
    TIMESERIES_COLUMNS, decisions_csv, timeseries_csv, write_decisions_csv, write_timeseries_csv,
};
pub use function_cost::{DefaultFunctionCost, LmiFunctionCost, apportion_cents};
pub use html::html;
pub use markdown::markdown;
pub use terminal::{fmt_usd, terminal};

/// Version of the `summary.json` layout.
pub const SCHEMA: &str = "lmi-sim/summary/v1";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Latency {
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Latency {
    fn of(s: &Sketch) -> Self {
        let q = |x| s.quantile(x).map(|v| v / 1000.0);
        Latency {
            p50_ms: q(0.5),
            p90_ms: q(0.9),
            p99_ms: q(0.99),
            max_ms: (s.count() > 0).then(|| s.max() as f64 / 1000.0),
        }
    }
}

/// One platform's figures (for one function, or all functions together).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct PlatformFigures {
    pub invocations: u64,
    pub served: u64,
    /// Invocations lost in flight to an injected fault (`[[faults]]`);
    /// absent when none were: `invocations = served + failed + throttled +
    /// in_flight_at_end`.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed: u64,
    pub in_flight_at_end: u64,
    pub throttled: u64,
    pub throttles: BTreeMap<&'static str, u64>,
    pub throttle_rate: f64,
    pub latency: Latency,
    pub cold_starts: u64,
    pub cold_start_rate: f64,
    pub peak_concurrency: u64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LmiFleet {
    /// Instances Running at t = 0, per type (empty with a publish start).
    pub start_instances: BTreeMap<String, u32>,
    /// EEs Ready at t = 0, per function name.
    pub start_execution_environments: BTreeMap<String, u32>,
    pub peak_instances: u32,
    pub mean_instances: f64,
    pub peak_vcpus: u32,
    pub peak_execution_environments: u32,
    pub mean_execution_environments: f64,
    pub mean_cpu_utilization: f64,
    pub instance_hours: BTreeMap<String, f64>,
    pub launches: u64,
    pub launches_refused_by_max_vcpu: u64,
    /// Instances replaced at their maximum lifetime.
    pub rotations: u64,
    /// EEs replaced at their maximum lifetime.
    pub ee_rotations: u64,
    /// Per function: the instance types launched for it and why.
    pub instance_choices: Vec<InstanceChoiceSummary>,
}

/// Which instance type was launched for a function, and why.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct InstanceChoiceSummary {
    pub function: String,
    /// The type chosen for its largest fleet (`None` if no type holds one EE).
    pub instance_type: Option<String>,
    /// The fleet that choice was made for.
    pub execution_environments: u32,
    pub availability_zones: u32,
    /// Instances launched for its EEs, per type (rotation replacements not
    /// counted; EEs also go to room on other functions' instances).
    pub launches: BTreeMap<String, u64>,
    /// One line: why that type.
    pub reason: String,
}

/// `n` and the noun, singular or plural.
fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why `c` chose its type, in one line, from its figures.
pub fn choice_reason(c: &InstanceChoice, types: &[InstanceType], ee_vcpus: u32) -> String {
    let p = &c.plan;
    let t = &types[p.ty];
    let ee = format!("of {}", count(ee_vcpus, "vCPU", "vCPUs"));
    let (ees, azs) = (
        count(p.need.ees.max(1), "EE", "EEs"),
        count(p.need.azs.max(1).min(p.need.ees.max(1)), "AZ", "AZs"),
    );
    let cost = format!(
        "{}, {}/h",
        count(p.instances, "instance", "instances"),
        fmt_usd(p.usd_per_hour)
    );
    match c.policy {
        InstanceSelection::CheapestForFleet => {
            let per_az = if p.max_per_az <= p.ees_per_instance {
                format!(
                    "{} {ee} per AZ {} in one {}-vCPU instance each",
                    count(p.max_per_az, "EE", "EEs"),
                    if p.max_per_az == 1 { "fits" } else { "fit" },
                    t.vcpus
                )
            } else {
                format!(
                    "{} {ee} per AZ need {} {}-vCPU instances of {} EEs each",
                    count(p.max_per_az, "EE", "EEs"),
                    p.max_per_az.div_ceil(p.ees_per_instance),
                    t.vcpus,
                    p.ees_per_instance
                )
            };
            let next = match &c.runner_up {
                Some(r) => format!("; next {} {}/h", types[r.ty].name, fmt_usd(r.usd_per_hour)),
                None => String::new(),
            };
            format!(
                "{}: {per_az}; cheapest for the {ees} needed over {azs} ({cost}{next})",
                t.name
            )
        }
        InstanceSelection::CheapestPerUsableVcpu => {
            format!(
                "{}: lowest price per usable vCPU (${:.4}/vCPU-h), fleet size not considered; for {ees} over {azs}: {cost}, {} EEs {ee} per instance",
                t.name,
                t.ondemand_usd_per_hour / p.usable_vcpus.max(1) as f64,
                p.ees_per_instance
            )
        }
        InstanceSelection::CheapestFitting => format!(
            "{}: lowest price per hour ({}/h) holding one EE {ee}, fleet size not considered; for {ees} over {azs}: {cost}, {} EEs per instance",
            t.name,
            fmt_usd(t.ondemand_usd_per_hour),
            p.ees_per_instance
        ),
    }
}

/// What happened to requests of functions with a queue or retries (all such
/// functions of a platform together). `requests = completed + failed + dlq +
/// queued_at_end + in_flight_at_end`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct EventSourceFigures {
    pub requests: u64,
    pub completed: u64,
    /// Throttled with no retry left, or too old (async).
    pub failed: u64,
    /// Moved to the dead-letter queue (SQS).
    pub dlq: u64,
    /// Caller or async retries, and SQS redeliveries.
    pub retries: u64,
    /// Messages received from the queue, redeliveries included (SQS's
    /// `NumberOfMessagesReceived`).
    pub received: u64,
    pub redelivered: u64,
    pub queued_at_end: u64,
    pub in_flight_at_end: u64,
    /// First arrival to completion, for completed requests.
    pub end_to_end: Latency,
    pub peak_queue_depth: u64,
    pub peak_oldest_age_s: f64,
    /// Time in backlog [s]: report intervals that ended with a request waiting
    /// for longer than [`BACKLOG_AGE_S`].
    pub backlog_s: f64,
    /// The longest unbroken stretch of such intervals [s].
    pub longest_backlog_s: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LmiSummary {
    #[serde(flatten)]
    pub figures: PlatformFigures,
    pub fleet: LmiFleet,
    pub cost: LmiCost,
    /// Present when a function has a queue or retries.
    pub sources: Option<EventSourceFigures>,
    /// The scenario's `[[faults]]` and what they did; absent without any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faults: Option<faults::FaultsSummary>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DefaultSummary {
    #[serde(flatten)]
    pub figures: PlatformFigures,
    pub cost: DefaultCost,
    pub sources: Option<EventSourceFigures>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FunctionSummary {
    pub name: String,
    pub arrivals: u64,
    pub lmi: Option<PlatformFigures>,
    pub default: Option<PlatformFigures>,
    pub lmi_sources: Option<EventSourceFigures>,
    pub default_sources: Option<EventSourceFigures>,
    /// Its share of the LMI bill (whole cents; the functions' figures sum to
    /// `lmi.cost`'s, each rounded to the cent).
    pub lmi_cost: Option<LmiFunctionCost>,
    /// Its default-Lambda bill (whole cents; they sum to `default.cost`'s).
    pub default_cost: Option<DefaultFunctionCost>,
    /// Access-log traces: requests replayed, and those the log shows
    /// throttled (429) or failed (5xx, no response), which stay arrivals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log: Option<crate::request::LoggedOutcomes>,
}

/// A queue is "in backlog" when its oldest request has waited longer than this [s].
pub const BACKLOG_AGE_S: f64 = 1.0;

/// Source figures over the functions `idx` (those with a non-synchronous source).
pub fn source_figures(
    r: Option<&EventSourceResult>,
    idx: &[usize],
    every_s: f64,
) -> Option<EventSourceFigures> {
    let r = r?;
    let mut out = EventSourceFigures::default();
    let mut e2e = Sketch::new();
    let mut any = false;
    let mut age: Vec<f64> = Vec::new();
    for &i in idx {
        let (Some(Some(t)), Some(Some(rows))) = (r.totals.get(i), r.rows.get(i)) else {
            continue;
        };
        any = true;
        out.requests += t.requests;
        out.completed += t.completed;
        out.failed += t.failed;
        out.dlq += t.dlq;
        out.retries += t.retries;
        out.received += t.received;
        out.redelivered += t.redelivered;
        out.queued_at_end += t.queued_at_end;
        out.in_flight_at_end += t.in_flight_at_end;
        out.peak_queue_depth = out.peak_queue_depth.max(t.peak_queue_depth);
        out.peak_oldest_age_s = out.peak_oldest_age_s.max(t.peak_oldest_age_s);
        e2e.merge(&t.end_to_end);
        age.resize(age.len().max(rows.len()), 0.0);
        for (k, row) in rows.iter().enumerate() {
            age[k] = age[k].max(row.oldest_age_s);
        }
    }
    if !any {
        return None;
    }
    out.end_to_end = Latency::of(&e2e);
    let (mut run, mut longest, mut total) = (0usize, 0usize, 0usize);
    for a in age {
        if a > BACKLOG_AGE_S {
            run += 1;
            total += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    out.backlog_s = total as f64 * every_s;
    out.longest_backlog_s = longest as f64 * every_s;
    Some(out)
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Comparison {
    /// "lmi" or "default"; `None` (no verdict) when a platform left more than
    /// [`crate::warning::THROTTLE_WARN_RATE`] of its requests unserved or
    /// served none (`withheld` says which).
    pub cheaper: Option<&'static str>,
    pub lmi_monthly_usd: f64,
    pub default_monthly_usd: f64,
    /// Difference of the monthly costs [USD] (the cheaper one's savings when
    /// there is a verdict).
    pub monthly_savings_usd: f64,
    /// That difference as a fraction of the dearer platform's cost.
    pub savings_fraction: f64,
    /// What is compared: the monthly cost of the same offered requests, and
    /// the share each platform left unserved.
    pub compares: String,
    /// Why there is no verdict, if there is none.
    pub withheld: Option<String>,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub schema: &'static str,
    pub lmi_sim_version: &'static str,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    /// The `--set KEY=VALUE` overrides applied to the scenario file, in order
    /// (values as TOML); absent when there were none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub horizon_s: f64,
    pub report_interval_s: f64,
    pub platforms: Platforms,
    pub arrivals: u64,
    /// Checksum of every offered arrival (time, function, work), in hex.
    pub arrivals_checksum: String,
    /// Malformed trace rows skipped (`--skip-bad-rows`).
    pub skipped_trace_rows: u64,
    pub functions: Vec<FunctionSummary>,
    pub lmi: Option<LmiSummary>,
    pub default: Option<DefaultSummary>,
    pub comparison: Option<Comparison>,
    /// The scenario's and the run's warnings (README.md, "Warnings").
    pub warnings: Vec<Warning>,
    /// SLO gates (the scenario's `[slo]`, then `--check`s), each with its
    /// measured value and verdict; empty when there are none.
    pub slo: Vec<crate::slo::GateResult>,
    /// What every monthly figure is made of: the horizon repeated, or the
    /// scenario's calendar.
    pub month: crate::calendar::MonthBasis,
    /// The calendar month day by day (`[calendar]`); absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<crate::calendar::CalendarSummary>,
    /// LMI with its throttles retried on default Lambda (`[functions.spill_over]`);
    /// absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spill_over: Option<spill::SpillSummary>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn rate(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// One function's whole-run counts on one platform.
struct Counts<'a> {
    ledger: &'a LedgerTotals,
    in_flight: u32,
    cold_starts: u64,
    peak_concurrency: u32,
}

/// Sums `counts` (one per selected function) into a platform's figures.
fn figures<'a>(
    counts: impl Iterator<Item = Counts<'a>>,
    reasons: &[ThrottleReason],
) -> PlatformFigures {
    let mut lat = Sketch::new();
    let mut f = PlatformFigures::default();
    let mut thr = ThrottleCounts::default();
    for c in counts {
        f.invocations += c.ledger.arrivals;
        f.served += c.ledger.served;
        f.failed += c.ledger.failed_by_fault;
        f.in_flight_at_end += c.in_flight as u64;
        thr.add(&c.ledger.throttles);
        lat.merge(&c.ledger.latency);
        f.cold_starts += c.cold_starts;
        f.peak_concurrency += c.peak_concurrency as u64;
    }
    for r in reasons {
        f.throttles.insert(r.name(), thr[*r]);
    }
    f.throttled = thr.total();
    f.throttle_rate = rate(f.throttled, f.invocations);
    f.cold_start_rate = rate(f.cold_starts, f.invocations);
    f.latency = Latency::of(&lat);
    f
}

/// The functions a figure covers: one, or all.
fn selected(n: usize, fi: Option<usize>) -> std::ops::Range<usize> {
    match fi {
        Some(i) => i..i + 1,
        None => 0..n,
    }
}

fn lmi_figures(r: &LmiResult, fi: Option<usize>) -> PlatformFigures {
    let counts = selected(r.functions.len(), fi).map(|i| Counts {
        ledger: &r.functions[i].ledger,
        in_flight: r.in_flight_at_end[i],
        cold_starts: 0,
        peak_concurrency: r.functions[i].peak_in_flight,
    });
    figures(counts, &ThrottleReason::LMI)
}

fn default_figures(r: &DefaultResult, fi: Option<usize>) -> PlatformFigures {
    let counts = selected(r.functions.len(), fi).map(|i| Counts {
        ledger: &r.functions[i].ledger,
        in_flight: r.in_flight_at_end[i],
        cold_starts: r.functions[i].cold_starts,
        peak_concurrency: r.functions[i].peak_concurrency,
    });
    figures(counts, &ThrottleReason::DEFAULT)
}

/// LMI cost of a run.
pub fn lmi_cost_of(sc: &Scenario, r: &LmiResult) -> LmiCost {
    let invocations: u64 = r
        .functions
        .iter()
        .map(|f| f.ledger.arrivals - f.ledger.throttles.total())
        .sum();
    cost::lmi_cost(
        r.provider.ec2_usd,
        r.provider.fee_usd,
        invocations,
        sc.horizon,
        &sc.pricing,
    )
}

/// Default-Lambda usage of a run (all functions share the provider's architecture).
pub fn default_usage(r: &DefaultResult) -> DefaultUsage {
    let mut u = DefaultUsage::default();
    for f in &r.functions {
        u.invocations += f.ledger.accepted;
        u.gbs += f.gbs;
        u.init_gbs += f.init_gbs;
        u.pc_alloc_gbs += f.pc_alloc_gbs;
        u.pc_used_gbs += f.pc_used_gbs;
    }
    u
}

pub fn default_cost_of(sc: &Scenario, r: &DefaultResult) -> DefaultCost {
    cost::default_cost(
        default_usage(r),
        sc.provider.architecture,
        sc.horizon,
        &sc.pricing,
    )
}

/// Per function: the types launched for it and why.
fn instance_choices(sc: &Scenario, r: &LmiResult) -> Vec<InstanceChoiceSummary> {
    let types = &r.instance_types;
    sc.functions
        .iter()
        .zip(&r.functions)
        .map(|(spec, f)| {
            let c = f.instance_choice.as_ref();
            InstanceChoiceSummary {
                function: spec.name.clone(),
                instance_type: c.map(|c| types[c.plan.ty].name.clone()),
                execution_environments: c.map_or(0, |c| c.plan.need.ees),
                availability_zones: c.map_or(0, |c| c.plan.need.azs),
                launches: f
                    .launches
                    .iter()
                    .map(|&(ty, n)| (types[ty].name.clone(), n))
                    .collect(),
                reason: match c {
                    Some(c) => choice_reason(c, types, spec.ee_vcpus()),
                    None => "no allowed instance type holds one EE".into(),
                },
            }
        })
        .collect()
}

/// Builds the summary of a run.
pub fn summarize(sc: &Scenario, run: &RunResult, platforms: Platforms) -> Summary {
    let all: Vec<usize> = (0..sc.functions.len()).collect();
    let every_s = sc.report_interval.as_secs_f64();
    let lmi = run.lmi().map(|r| {
        let h = sc.horizon.0 as f64;
        let mut hours = BTreeMap::new();
        for (i, s) in r.provider.instance_seconds.iter().enumerate() {
            if *s > 0.0 {
                hours.insert(r.instance_types[i].name.clone(), s / 3600.0);
            }
        }
        let ee_area: f64 = r.functions.iter().map(|f| f.ee_area).sum();
        let start_instances = r
            .provider
            .start_instances
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (r.instance_types[i].name.clone(), *n))
            .collect();
        let start_execution_environments = r
            .function_names
            .iter()
            .zip(&r.functions)
            .map(|(name, f)| (name.clone(), f.start_ees))
            .collect();
        LmiSummary {
            figures: lmi_figures(r, None),
            fleet: LmiFleet {
                start_instances,
                start_execution_environments,
                peak_instances: r.provider.peak_instances,
                mean_instances: r.provider.instance_area / h,
                peak_vcpus: r.provider.peak_vcpus,
                peak_execution_environments: r.functions.iter().map(|f| f.peak_ees).sum(),
                mean_execution_environments: ee_area / h,
                mean_cpu_utilization: if r.provider.usable_area > 0.0 {
                    r.provider.busy_area / r.provider.usable_area
                } else {
                    0.0
                },
                instance_hours: hours,
                launches: r.provider.launches,
                launches_refused_by_max_vcpu: r.provider.launches_refused,
                rotations: r.provider.rotations,
                ee_rotations: r.provider.ee_rotations,
                instance_choices: instance_choices(sc, r),
            },
            cost: lmi_cost_of(sc, r),
            sources: source_figures(run.lmi_sources(), &all, every_s),
            faults: faults::summarize(r),
        }
    });
    let default = run.default().map(|r| DefaultSummary {
        figures: default_figures(r, None),
        cost: default_cost_of(sc, r),
        sources: source_figures(run.default_sources(), &all, every_s),
    });
    let lmi_costs = match (run.lmi(), &lmi) {
        (Some(r), Some(l)) => Some(function_cost::lmi_function_costs(r, &l.cost)),
        _ => None,
    };
    let default_costs = match (run.default(), &default) {
        (Some(r), Some(d)) => Some(function_cost::default_function_costs(sc, r, &d.cost)),
        _ => None,
    };
    let functions: Vec<FunctionSummary> = sc
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| FunctionSummary {
            lmi_cost: lmi_costs.as_ref().map(|c| c[i].clone()),
            default_cost: default_costs.as_ref().map(|c| c[i].clone()),
            name: f.name.clone(),
            arrivals: run.offered.total[i],
            lmi: run.lmi().map(|r| lmi_figures(r, Some(i))),
            default: run.default().map(|r| default_figures(r, Some(i))),
            lmi_sources: source_figures(run.lmi_sources(), &[i], every_s),
            default_sources: source_figures(run.default_sources(), &[i], every_s),
            access_log: run.logged_outcomes.get(i).copied().flatten(),
        })
        .collect();
    let skipped_trace_rows = run.skipped_rows.iter().sum();
    let mut warnings = sc.warnings();
    warnings.extend(diagnose::run_warnings(
        sc,
        run.lmi(),
        lmi.as_ref(),
        default.as_ref(),
        skipped_trace_rows,
    ));
    let comparison = match (&lmi, &default) {
        (Some(l), Some(d)) => {
            let (c, w) = diagnose::compare(sc, run.offered.total.iter().sum(), &functions, l, d);
            warnings.extend(w);
            Some(c)
        }
        _ => None,
    };
    let spill_over = match (run.lmi(), &lmi, &run.spill) {
        (Some(r), Some(l), Some(sp)) => Some(spill::spill_summary(
            sc,
            r,
            sp,
            l.cost.total_usd,
            l.cost.monthly_usd,
        )),
        _ => None,
    };
    let mut s = Summary {
        schema: SCHEMA,
        lmi_sim_version: VERSION,
        scenario: sc.name.clone(),
        description: sc.description.clone(),
        seed: sc.seed,
        overrides: Vec::new(),
        horizon_s: sc.horizon.as_secs_f64(),
        report_interval_s: sc.report_interval.as_secs_f64(),
        platforms,
        arrivals: run.offered.total.iter().sum(),
        arrivals_checksum: format!("{:016x}", run.offered.checksum),
        skipped_trace_rows,
        functions,
        lmi,
        default,
        comparison,
        warnings,
        slo: Vec::new(),
        month: crate::calendar::repeated_basis(sc),
        calendar: None,
        spill_over,
    };
    s.slo = crate::slo::evaluate(&sc.slo, &s);
    s
}

/// `summary.json` bytes.
pub fn summary_json(s: &Summary) -> String {
    let mut out =
        serde_json::to_string_pretty(s).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

/// `summary.md` and `report.html` of a run, by file name. `scenario` is the
/// scenario file's name and text, for the page's copy; `missing` says why
/// `pngs` is empty, if it is.
pub fn reports(
    s: &Summary,
    pngs: &[(String, Vec<u8>)],
    scenario: Option<(&str, &str)>,
    missing: &str,
) -> [(&'static str, String); 2] {
    [
        ("summary.md", markdown(s)),
        ("report.html", html(s, pngs, scenario, Some(missing))),
    ]
}
