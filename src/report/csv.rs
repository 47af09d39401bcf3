//! `timeseries.csv` and `decisions.csv`: turns a run (and its `Summary`) into
//! CSV bytes, one row at a time. Writes into the writer it is given; must not
//! decide where the bytes go, nor compute figures the `Summary` already holds.

use super::{Summary, default_usage};
use crate::cost;
use crate::event_source::EventSourceResult;
use crate::invocation::ThrottleReason;
use crate::lmi::LmiResult;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use std::fmt::Write as _;

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
    "lmi_concurrency_limit",
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

/// Columns appended to `timeseries.csv` when a function has a spill-over
/// (absent otherwise, so runs without one keep their bytes): LMI throttles
/// that spilled (by the throttle's interval) and the fallback's figures (by
/// its own clock: a retry lands `delay` later).
pub const SPILL_COLUMNS: &[&str] = &[
    "spill_spilled",
    "spill_fallback_served",
    "spill_fallback_throttled",
    "spill_fallback_cold_starts",
    "spill_fallback_concurrency",
    "spill_fallback_latency_p99_ms",
    "spill_fallback_cost_usd",
];

/// Columns appended to `timeseries.csv` when the scenario has `[[faults]]`
/// and LMI ran (absent otherwise): LMI invocations lost to a fault in the
/// interval (admitted, in flight on an instance or EE that failed; by reason
/// in `summary.json`'s `lmi.faults`). Not counted in `lmi_failed`, which is
/// the event source's.
pub const FAULT_COLUMNS: &[&str] = &["lmi_failed_by_fault"];

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
    let spill = run.spill.as_ref().zip(s.spill_over.as_ref());
    if spill.is_some() {
        out.push(',');
        out.push_str(&SPILL_COLUMNS.join(","));
    }
    let faults = !sc.faults.is_empty() && run.lmi().is_some();
    if faults {
        out.push(',');
        out.push_str(&FAULT_COLUMNS.join(","));
    }
    out.push('\n');
    // The fallback's effective GB-s price and request price per admission.
    let (spill_eff, spill_req) = spill.map_or((0.0, 0.0), |(r, b)| {
        let n = default_usage(&r.fallback).invocations;
        let c = &b.fallback_cost;
        (
            c.effective_usd_per_gbs,
            if n > 0 {
                c.requests_usd / n as f64
            } else {
                0.0
            },
        )
    });
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
                    let fig = &row.figures;
                    let req_usd = fig.accepted as f64 * req;
                    let _ = write!(
                        out,
                        ",{},{},{},{},{},{},{},{},{},{},{},{},{:.4},{:.4},{:.2},{},{},{},{},{},{},{:.4},{:.6},{:.6},{:.6},{:.6}",
                        fig.served,
                        fig.accepted,
                        fig.throttles[ThrottleReason::ConcurrencyThrottles],
                        fig.throttles[ThrottleReason::CPUThrottles],
                        fig.throttles[ThrottleReason::MemoryThrottles],
                        fig.throttles[ThrottleReason::DiskThrottles],
                        fig.throttles[ThrottleReason::Deactivated],
                        row.in_flight,
                        row.slots,
                        row.ees_initializing,
                        row.ees_ready,
                        row.ees_draining,
                        row.cpu_utilization,
                        row.slot_saturation,
                        row.concurrency_limit,
                        opt(fig.latency_p50_ms),
                        opt(fig.latency_p99_ms),
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
                None => out.push_str(&",".repeat(26)),
            }
            match run.default().and_then(|r| r.rows[fi].get(k)) {
                Some(row) => {
                    let fig = &row.figures;
                    let dur = row.gbs * eff;
                    let init = row.init_gbs * eff;
                    let reqs = fig.accepted as f64 * def_req_factor;
                    let pc = cost::provisioned_usd(row.pc_alloc_gbs, row.pc_used_gbs, &sc.pricing);
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
                .map(|r| r.figures.throttles.total());
            source_cols(&mut out, run.lmi_sources(), fi, k, lt);
            let dt = run
                .default()
                .and_then(|r| r.rows[fi].get(k))
                .map(|r| r.figures.throttles.total());
            source_cols(&mut out, run.default_sources(), fi, k, dt);
            if let Some((r, _)) = spill {
                let spilled = r.spilled_rows[fi].get(k).copied().unwrap_or(0);
                match r.fallback.rows[fi].get(k) {
                    Some(row) => {
                        let fig = &row.figures;
                        let usd = (row.gbs + row.init_gbs) * spill_eff
                            + fig.accepted as f64 * spill_req
                            + cost::provisioned_usd(row.pc_alloc_gbs, row.pc_used_gbs, &sc.pricing);
                        let _ = write!(
                            out,
                            ",{spilled},{},{},{},{},{},{usd:.6}",
                            fig.served,
                            fig.throttles.total(),
                            row.cold_starts,
                            row.concurrency,
                            opt(fig.latency_p99_ms),
                        );
                    }
                    None => {
                        let _ = write!(out, ",{spilled},,,,,,");
                    }
                }
            }
            if faults {
                match run.lmi().and_then(|r| r.rows[fi].get(k)) {
                    Some(row) => {
                        let _ = write!(out, ",{}", row.figures.failed_by_fault);
                    }
                    None => out.push(','),
                }
            }
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
