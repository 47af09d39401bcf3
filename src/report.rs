//! Results apart from rendering: builds the `Summary` of a run (both platforms,
//! side by side) and turns results into bytes — `summary.json`, `timeseries.csv`,
//! `decisions.csv` and the terminal table. Exporters never decide where bytes go.

use crate::cost::{self, DefaultCost, DefaultUsage, LmiCost};
use crate::default_lambda::DefaultResult;
use crate::event_source::EventSourceResult;
use crate::invocation::{ThrottleCounts, ThrottleReason};
use crate::lmi::LmiResult;
use crate::scenario::Scenario;
use crate::sim::{Platforms, RunResult};
use crate::sketch::Sketch;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
    pub peak_instances: u32,
    pub mean_instances: f64,
    pub peak_vcpus: u32,
    pub peak_execution_environments: u32,
    pub mean_execution_environments: f64,
    pub mean_cpu_utilization: f64,
    pub instance_hours: BTreeMap<String, f64>,
    pub launches: u64,
    pub launches_refused_by_max_vcpu: u64,
    pub rotations: u64,
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
    /// "lmi" or "default".
    pub cheaper: &'static str,
    pub lmi_monthly_usd: f64,
    pub default_monthly_usd: f64,
    /// Monthly savings of the cheaper platform [USD].
    pub monthly_savings_usd: f64,
    /// Savings as a fraction of the dearer platform's cost.
    pub savings_fraction: f64,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub schema: &'static str,
    pub lmi_sim_version: &'static str,
    pub scenario: String,
    pub description: String,
    pub seed: u64,
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
}

fn rate(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// One function's whole-run counts, as either platform keeps them.
struct Counts<'a> {
    arrivals: u64,
    served: u64,
    in_flight: u32,
    throttles: ThrottleCounts,
    latency: &'a Sketch,
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
        f.invocations += c.arrivals;
        f.served += c.served;
        f.in_flight_at_end += c.in_flight as u64;
        thr.add(&c.throttles);
        lat.merge(c.latency);
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
    let counts = selected(r.functions.len(), fi).map(|i| {
        let t = &r.functions[i];
        Counts {
            arrivals: t.arrivals,
            served: t.served,
            in_flight: r.in_flight_at_end[i],
            throttles: lmi_throttles(&t.throttles),
            latency: &t.latency,
            cold_starts: 0,
            peak_concurrency: t.peak_in_flight,
        }
    });
    figures(counts, &ThrottleReason::LMI)
}

fn default_figures(r: &DefaultResult, fi: Option<usize>) -> PlatformFigures {
    let counts = selected(r.functions.len(), fi).map(|i| {
        let t = &r.functions[i];
        Counts {
            arrivals: t.ledger.arrivals,
            served: t.ledger.served,
            in_flight: r.in_flight_at_end[i],
            throttles: t.ledger.throttles,
            latency: &t.ledger.latency,
            cold_starts: t.cold_starts,
            peak_concurrency: t.peak_concurrency,
        }
    });
    figures(counts, &ThrottleReason::DEFAULT)
}

fn lmi_throttles(a: &[u64; 5]) -> ThrottleCounts {
    let mut c = ThrottleCounts::default();
    for (r, n) in ThrottleReason::LMI.iter().zip(a) {
        c[*r] = *n;
    }
    c
}

/// LMI cost of a run.
pub fn lmi_cost_of(sc: &Scenario, r: &LmiResult) -> LmiCost {
    let invocations: u64 = r
        .functions
        .iter()
        .map(|f| f.arrivals - f.throttles.iter().sum::<u64>())
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
        LmiSummary {
            figures: lmi_figures(r, None),
            fleet: LmiFleet {
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
            },
            cost: lmi_cost_of(sc, r),
            sources: source_figures(run.lmi_sources(), &all, every_s),
        }
    });
    let default = run.default().map(|r| DefaultSummary {
        figures: default_figures(r, None),
        cost: default_cost_of(sc, r),
        sources: source_figures(run.default_sources(), &all, every_s),
    });
    let functions = sc
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| FunctionSummary {
            name: f.name.clone(),
            arrivals: run.offered.total[i],
            lmi: run.lmi().map(|r| lmi_figures(r, Some(i))),
            default: run.default().map(|r| default_figures(r, Some(i))),
            lmi_sources: source_figures(run.lmi_sources(), &[i], every_s),
            default_sources: source_figures(run.default_sources(), &[i], every_s),
        })
        .collect();
    let comparison = match (&lmi, &default) {
        (Some(l), Some(d)) => {
            let (a, b) = (l.cost.monthly_usd, d.cost.monthly_usd);
            let cheaper = if a <= b { "lmi" } else { "default" };
            let dearer = a.max(b);
            Some(Comparison {
                cheaper,
                lmi_monthly_usd: a,
                default_monthly_usd: b,
                monthly_savings_usd: (a - b).abs(),
                savings_fraction: if dearer > 0.0 {
                    (a - b).abs() / dearer
                } else {
                    0.0
                },
            })
        }
        _ => None,
    };
    Summary {
        schema: SCHEMA,
        lmi_sim_version: VERSION,
        scenario: sc.name.clone(),
        description: sc.description.clone(),
        seed: sc.seed,
        horizon_s: sc.horizon.as_secs_f64(),
        report_interval_s: sc.report_interval.as_secs_f64(),
        platforms,
        arrivals: run.offered.total.iter().sum(),
        arrivals_checksum: format!("{:016x}", run.offered.checksum),
        skipped_trace_rows: run.skipped_rows.iter().sum(),
        functions,
        lmi,
        default,
        comparison,
    }
}

/// `summary.json` bytes.
pub fn summary_json(s: &Summary) -> String {
    let mut out =
        serde_json::to_string_pretty(s).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_default()
}

/// Column names of `timeseries.csv`, in order.
pub const TIMESERIES_COLUMNS: &[&str] = &[
    "interval_start_s",
    "interval_end_s",
    "function",
    "arrivals",
    "lmi_served",
    "lmi_accepted",
    "lmi_throttles_concurrency",
    "lmi_throttles_cpu",
    "lmi_throttles_memory",
    "lmi_throttles_disk",
    "lmi_throttles_deactivated",
    "lmi_in_flight",
    "lmi_slots",
    "lmi_ees_initializing",
    "lmi_ees_ready",
    "lmi_ees_draining",
    "lmi_cpu_utilization",
    "lmi_slot_saturation",
    "lmi_latency_p50_ms",
    "lmi_latency_p99_ms",
    "provider_instances_launching",
    "provider_instances_running",
    "provider_instances_draining",
    "provider_vcpus",
    "provider_cpu_utilization",
    "lmi_ec2_usd",
    "lmi_fee_usd",
    "lmi_requests_usd",
    "lmi_cost_usd",
    "default_served",
    "default_throttles_account",
    "default_throttles_reserved",
    "default_throttles_scaling_rate",
    "default_concurrency",
    "default_peak_concurrency",
    "default_warm_idle",
    "default_cold_starts",
    "default_latency_p50_ms",
    "default_latency_p99_ms",
    "default_duration_usd",
    "default_init_usd",
    "default_requests_usd",
    "default_provisioned_usd",
    "default_cost_usd",
    "lmi_queue_depth",
    "lmi_oldest_age_s",
    "lmi_retries",
    "lmi_failed",
    "lmi_dlq",
    "default_queue_depth",
    "default_oldest_age_s",
    "default_retries",
    "default_failed",
    "default_dlq",
];

/// Source columns of one platform for one row: queue depth, oldest age,
/// retries, failed, DLQ. A synchronous source fails exactly its throttles.
fn source_cols(
    out: &mut String,
    src: Option<&EventSourceResult>,
    fi: usize,
    k: usize,
    throttles: Option<u64>,
) {
    match (
        src.and_then(|s| s.rows.get(fi)).and_then(|r| r.as_ref()),
        throttles,
    ) {
        (Some(rows), _) => match rows.get(k) {
            Some(r) => {
                let _ = write!(
                    out,
                    ",{},{:.3},{},{},{}",
                    r.queue_depth, r.oldest_age_s, r.retries, r.failed, r.dlq
                );
            }
            None => out.push_str(",,,,,"),
        },
        (None, Some(t)) => {
            let _ = write!(out, ",0,0,0,{t},0");
        }
        (None, None) => out.push_str(",,,,,"),
    }
}

/// `timeseries.csv`: one row per report interval per function. Provider columns
/// (`provider_*`, `lmi_ec2_usd`, `lmi_fee_usd`) describe the whole capacity
/// provider and repeat on each function's row.
pub fn timeseries_csv(sc: &Scenario, run: &RunResult, s: &Summary) -> String {
    let mut v = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_timeseries_csv(&mut v, sc, run, s);
    String::from_utf8_lossy(&v).into_owned()
}

/// Writes `timeseries.csv` row by row into `w`: memory stays one row whatever
/// the number of intervals.
pub fn write_timeseries_csv(
    w: &mut dyn std::io::Write,
    sc: &Scenario,
    run: &RunResult,
    s: &Summary,
) -> std::io::Result<()> {
    let mut out = String::with_capacity(1024);
    out.push_str(&TIMESERIES_COLUMNS.join(","));
    out.push('\n');
    let req = sc.pricing.request_usd_per_million / 1e6;
    let eff = s
        .default
        .as_ref()
        .map(|d| d.cost.effective_usd_per_gbs)
        .unwrap_or(0.0);
    let m = cost::months(sc.horizon, &sc.pricing);
    // Requests after the free tier, spread evenly over intervals by count.
    let def_req_factor = s
        .default
        .as_ref()
        .map(|d| {
            let n: u64 = run
                .default()
                .map(|r| default_usage(r).invocations)
                .unwrap_or(0);
            if n > 0 && m > 0.0 {
                d.cost.requests_usd / n as f64
            } else {
                req
            }
        })
        .unwrap_or(req);
    for (k, (a, b)) in run.intervals.iter().enumerate() {
        for (fi, f) in sc.functions.iter().enumerate() {
            let _ = write!(
                out,
                "{},{},{},{}",
                a.as_secs_f64(),
                b.as_secs_f64(),
                f.name,
                run.offered.per_interval[fi][k]
            );
            match run
                .lmi()
                .and_then(|r| r.rows[fi].get(k).map(|row| (r, row)))
            {
                Some((r, row)) => {
                    let p = r.provider_rows.get(k).unwrap_or_default();
                    let req_usd = row.accepted as f64 * req;
                    let _ = write!(
                        out,
                        ",{},{},{},{},{},{},{},{},{},{},{},{},{:.4},{:.4},{},{},{},{},{},{},{:.4},{:.6},{:.6},{:.6},{:.6}",
                        row.served,
                        row.accepted,
                        row.throttles[0],
                        row.throttles[1],
                        row.throttles[2],
                        row.throttles[3],
                        row.throttles[4],
                        row.in_flight,
                        row.slots,
                        row.ees_initializing,
                        row.ees_ready,
                        row.ees_draining,
                        row.cpu_utilization,
                        row.slot_saturation,
                        opt(row.latency_p50_ms),
                        opt(row.latency_p99_ms),
                        p.instances_launching,
                        p.instances_running,
                        p.instances_draining,
                        p.vcpus,
                        p.cpu_utilization,
                        p.ec2_usd,
                        p.fee_usd,
                        req_usd,
                        p.ec2_usd + p.fee_usd + req_usd,
                    );
                }
                None => out.push_str(&",".repeat(25)),
            }
            match run.default().and_then(|r| r.rows[fi].get(k)) {
                Some(row) => {
                    let fig = &row.figures;
                    let dur = row.gbs * eff;
                    let init = row.init_gbs * eff;
                    let reqs = fig.accepted as f64 * def_req_factor;
                    let pc = row.pc_alloc_gbs * sc.pricing.pc_usd_per_gbs
                        + row.pc_used_gbs * sc.pricing.pc_duration_usd_per_gbs;
                    let _ = write!(
                        out,
                        ",{},{},{},{},{},{},{},{},{},{},{:.6},{:.6},{:.6},{:.6},{:.6}",
                        fig.served,
                        fig.throttles[ThrottleReason::AccountConcurrency],
                        fig.throttles[ThrottleReason::ReservedConcurrency],
                        fig.throttles[ThrottleReason::ScalingRate],
                        row.concurrency,
                        row.peak_concurrency,
                        row.warm_idle,
                        row.cold_starts,
                        opt(fig.latency_p50_ms),
                        opt(fig.latency_p99_ms),
                        dur,
                        init,
                        reqs,
                        pc,
                        dur + init + reqs + pc,
                    );
                }
                None => out.push_str(&",".repeat(15)),
            }
            let lt = run
                .lmi()
                .and_then(|r| r.rows[fi].get(k))
                .map(|r| r.throttles.iter().sum());
            source_cols(&mut out, run.lmi_sources(), fi, k, lt);
            let dt = run
                .default()
                .and_then(|r| r.rows[fi].get(k))
                .map(|r| r.figures.throttles.total());
            source_cols(&mut out, run.default_sources(), fi, k, dt);
            out.push('\n');
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    w.write_all(out.as_bytes())
}

/// `decisions.csv`: every scaler decision.
pub fn decisions_csv(r: Option<&LmiResult>) -> String {
    let mut v = Vec::new();
    let _ = write_decisions_csv(&mut v, r);
    String::from_utf8_lossy(&v).into_owned()
}

/// Writes `decisions.csv` line by line into `w`.
pub fn write_decisions_csv(
    w: &mut dyn std::io::Write,
    r: Option<&LmiResult>,
) -> std::io::Result<()> {
    let mut out = String::from(
        "time_s,function,cpu_utilization,slot_saturation,ready_ees,total_ees,desired_ees,action,delta_ees,instances_launched,launches_refused_by_max_vcpu\n",
    );
    if let Some(r) = r {
        for d in r.decisions.iter() {
            let _ = writeln!(
                out,
                "{},{},{:.4},{:.4},{},{},{},{},{},{},{}",
                d.time_s,
                r.function_names[d.function as usize],
                d.cpu_utilization,
                d.slot_saturation,
                d.ready,
                d.total,
                d.desired,
                d.action.name(),
                d.delta,
                d.instances_launched,
                d.refused_by_max_vcpu
            );
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    w.write_all(out.as_bytes())
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(x) if x >= 1000.0 => format!("{:.2} s", x / 1000.0),
        Some(x) => format!("{x:.1} ms"),
        None => "-".into(),
    }
}

/// A dollar amount as text: $0.0042, $0.42, $12.30, $1,234.
pub fn fmt_usd(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let whole = x.round() as i64;
        let s = whole.unsigned_abs().to_string();
        let mut g = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                g.push(',');
            }
            g.push(c);
        }
        format!("{}${g}", if whole < 0 { "-" } else { "" })
    } else if x.abs() >= 0.01 || x == 0.0 {
        format!("${x:.2}")
    } else {
        format!("${x:.4}")
    }
}

/// One terminal row's two cells: `f` of each platform's value, or "-".
fn columns<T>(a: Option<&T>, b: Option<&T>, f: &dyn Fn(&T) -> String) -> (String, String) {
    let cell = |x: Option<&T>| x.map(f).unwrap_or_else(|| "-".into());
    (cell(a), cell(b))
}

/// The terminal summary: both platforms in columns.
pub fn terminal(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "lmi-sim {} — scenario `{}` (seed {}, horizon {:.1} h, {} arrivals)",
        s.lmi_sim_version,
        s.scenario,
        s.seed,
        s.horizon_s / 3600.0,
        s.arrivals
    );
    let l = s.lmi.as_ref();
    let d = s.default.as_ref();
    let row = |o: &mut String, name: &str, a: String, b: String| {
        let _ = writeln!(o, "  {name:<32} {a:>18} {b:>18}");
    };
    if s.skipped_trace_rows > 0 {
        let _ = writeln!(
            o,
            "  warning: {} malformed trace rows were skipped (--skip-bad-rows)",
            s.skipped_trace_rows
        );
    }
    row(&mut o, "", "LMI".into(), "default Lambda".into());
    let lf = l.map(|x| &x.figures);
    let df = d.map(|x| &x.figures);
    let both = |f: &dyn Fn(&PlatformFigures) -> String| columns(lf, df, f);
    let (a, b) = both(&|f| f.invocations.to_string());
    row(&mut o, "invocations", a, b);
    let (a, b) = both(&|f| f.served.to_string());
    row(&mut o, "served", a, b);
    let (a, b) = both(&|f| f.throttled.to_string());
    row(&mut o, "throttled", a, b);
    for r in ThrottleReason::LMI {
        if let Some(f) = lf
            && f.throttles[r.name()] > 0
        {
            row(
                &mut o,
                &format!("  {}", r.name()),
                f.throttles[r.name()].to_string(),
                "".into(),
            );
        }
    }
    for r in ThrottleReason::DEFAULT {
        if let Some(f) = df
            && f.throttles[r.name()] > 0
        {
            row(
                &mut o,
                &format!("  {}", r.name()),
                "".into(),
                f.throttles[r.name()].to_string(),
            );
        }
    }
    let (a, b) = both(&|f| format!("{:.3}%", f.throttle_rate * 100.0));
    row(&mut o, "throttle rate", a, b);
    let (a, b) = both(&|f| ms(f.latency.p50_ms));
    row(&mut o, "latency p50", a, b);
    let (a, b) = both(&|f| ms(f.latency.p90_ms));
    row(&mut o, "latency p90", a, b);
    let (a, b) = both(&|f| ms(f.latency.p99_ms));
    row(&mut o, "latency p99", a, b);
    let (a, b) = both(&|f| ms(f.latency.max_ms));
    row(&mut o, "latency max", a, b);
    let (a, b) = both(&|f| format!("{} ({:.3}%)", f.cold_starts, f.cold_start_rate * 100.0));
    row(&mut o, "cold starts", a, b);
    let (a, b) = both(&|f| f.peak_concurrency.to_string());
    row(&mut o, "peak concurrency", a, b);
    if let Some(l) = l {
        let fl = &l.fleet;
        row(
            &mut o,
            "instances peak / mean",
            format!("{} / {:.1}", fl.peak_instances, fl.mean_instances),
            "".into(),
        );
        row(
            &mut o,
            "EEs peak / mean",
            format!(
                "{} / {:.1}",
                fl.peak_execution_environments, fl.mean_execution_environments
            ),
            "".into(),
        );
        row(
            &mut o,
            "mean CPU utilization",
            format!("{:.1}%", fl.mean_cpu_utilization * 100.0),
            "".into(),
        );
        for (t, h) in &fl.instance_hours {
            row(
                &mut o,
                &format!("  {t} instance-hours"),
                format!("{h:.1}"),
                "".into(),
            );
        }
    }
    let ls = l.and_then(|x| x.sources.as_ref());
    let ds = d.and_then(|x| x.sources.as_ref());
    if ls.is_some() || ds.is_some() {
        let _ = writeln!(o, "  event sources (queues, retries)");
        let src = |f: &dyn Fn(&EventSourceFigures) -> String| columns(ls, ds, f);
        let (a, b) = src(&|f| f.requests.to_string());
        row(&mut o, "  requests (messages, events)", a, b);
        let (a, b) = src(&|f| f.completed.to_string());
        row(&mut o, "  completed", a, b);
        let (a, b) = src(&|f| f.failed.to_string());
        row(&mut o, "  failed after all retries", a, b);
        let (a, b) = src(&|f| f.dlq.to_string());
        row(&mut o, "  to the DLQ", a, b);
        let (a, b) = src(&|f| f.retries.to_string());
        row(&mut o, "  retries / redeliveries", a, b);
        let (a, b) = src(&|f| (f.queued_at_end + f.in_flight_at_end).to_string());
        row(&mut o, "  queued or in flight at the end", a, b);
        let (a, b) = src(&|f| ms(f.end_to_end.p50_ms));
        row(&mut o, "  end-to-end delay p50", a, b);
        let (a, b) = src(&|f| ms(f.end_to_end.p99_ms));
        row(&mut o, "  end-to-end delay p99", a, b);
        let (a, b) = src(&|f| ms(f.end_to_end.max_ms));
        row(&mut o, "  end-to-end delay max", a, b);
        let (a, b) = src(&|f| f.peak_queue_depth.to_string());
        row(&mut o, "  peak queue depth", a, b);
        let (a, b) = src(&|f| format!("{:.1} s", f.peak_oldest_age_s));
        row(&mut o, "  oldest message, at worst", a, b);
        let (a, b) = src(&|f| format!("{:.0} min", f.backlog_s / 60.0));
        row(&mut o, "  time in backlog (age > 1 s)", a, b);
    }
    let _ = writeln!(o, "  cost");
    let lc = l.map(|x| &x.cost);
    let dc = d.map(|x| &x.cost);
    let pair = |a: Option<f64>, b: Option<f64>| {
        (
            a.map(fmt_usd).unwrap_or_else(|| "-".into()),
            b.map(fmt_usd).unwrap_or_else(|| "-".into()),
        )
    };
    let (a, b) = pair(lc.map(|c| c.requests_usd), dc.map(|c| c.requests_usd));
    row(&mut o, "  requests", a, b);
    let (a, b) = pair(lc.map(|c| c.ec2_usd), None);
    row(&mut o, "  EC2", a, b);
    let (a, b) = pair(lc.map(|c| c.management_fee_usd), None);
    row(&mut o, "  management fee (15%)", a, b);
    let (a, b) = pair(None, dc.map(|c| c.duration_usd));
    row(&mut o, "  duration (GB-s)", a, b);
    let (a, b) = pair(None, dc.map(|c| c.init_usd));
    row(&mut o, "  INIT (GB-s)", a, b);
    if dc.is_some_and(|c| c.provisioned_usd > 0.0) {
        let (a, b) = pair(None, dc.map(|c| c.provisioned_usd));
        row(&mut o, "  provisioned concurrency", a, b);
    }
    let (a, b) = pair(lc.map(|c| c.total_usd), dc.map(|c| c.total_usd));
    row(&mut o, "  total for the horizon", a, b);
    let (a, b) = pair(lc.map(|c| c.monthly_usd), dc.map(|c| c.monthly_usd));
    row(&mut o, "  per 730-hour month", a, b);
    let (a, b) = pair(
        lc.and_then(|c| c.per_million_invocations_usd),
        dc.and_then(|c| c.per_million_invocations_usd),
    );
    row(&mut o, "  per million invocations", a, b);
    if let Some(c) = &s.comparison {
        let _ = writeln!(
            o,
            "  → {} is cheaper by {} per month ({:.0}%)",
            if c.cheaper == "lmi" {
                "LMI"
            } else {
                "default Lambda"
            },
            fmt_usd(c.monthly_savings_usd),
            c.savings_fraction * 100.0
        );
    }
    o
}
