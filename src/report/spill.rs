//! The `spill_over` block of the summary: LMI with its throttles retried on a
//! default-Lambda fallback ("LMI + spill-over"), for all functions and per
//! function, with the blended bill. Figures only; rendering is elsewhere.
//!
//! Conservation: `invocations = served + failed + throttled +
//! in_flight_at_end` of the blend (`failed`: lost to a fault on LMI), where
//! `served = served_by_lmi + served_by_fallback`, `throttled = not_spilled +
//! fallback_throttled` and `in_flight_at_end` counts LMI's, the fallback's
//! and the retries still in their delay.

use super::{Latency, PlatformFigures, rate};
use crate::cost::DefaultCost;
use crate::invocation::{ThrottleCounts, ThrottleReason};
use crate::lmi::LmiResult;
use crate::scenario::Scenario;
use crate::sketch::Sketch;
use crate::spill::SpillRun;
use serde::Serialize;
use std::collections::BTreeMap;

/// A function's spill-over settings, as run.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SpillConfig {
    pub function: String,
    pub memory_mb: u32,
    pub reserved_concurrency: Option<u32>,
    pub provisioned_concurrency: u32,
    /// The LMI throttle reasons that spill.
    pub reasons: Vec<&'static str>,
    /// Client-side wait before the fallback call [s].
    pub delay_s: f64,
}

/// What became of LMI's throttles (all functions, or one).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct SpillFigures {
    /// All of LMI's throttles.
    pub lmi_throttled: u64,
    /// Of those, sent to the fallback.
    pub spilled: u64,
    /// Of those, not sent (no spill-over, or a reason not chosen): throttled.
    pub not_spilled: u64,
    pub served_by_lmi: u64,
    pub served_by_fallback: u64,
    /// Spilled requests the fallback throttled in turn, by its reason.
    pub fallback_throttled: u64,
    pub fallback_throttles: BTreeMap<&'static str, u64>,
    pub fallback_in_flight_at_end: u64,
    /// Spilled requests still in their delay at the horizon.
    pub waiting_at_end: u64,
    /// LMI throttles the fallback admitted (served or in flight at the end).
    pub throttles_avoided: u64,
    pub fallback_cold_starts: u64,
    pub fallback_peak_concurrency: u64,
    /// Spilled requests served by the fallback, from their first try on LMI
    /// (the delay and any cold start included).
    pub spilled_latency: Latency,
    /// The blend as one platform: LMI's figures with the spilled requests'
    /// outcomes on the fallback (latency of every served request; throttles
    /// by LMI's reasons not spilled and the fallback's reasons).
    pub blend: PlatformFigures,
}

/// The `spill_over` block of `summary.json`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SpillSummary {
    pub config: Vec<SpillConfig>,
    #[serde(flatten)]
    pub figures: SpillFigures,
    /// The fallback's default-Lambda bill (its own free tier and tiers).
    pub fallback_cost: DefaultCost,
    /// LMI's bill plus the fallback's, for the horizon and per month (the
    /// summary's `month`).
    pub blended_total_usd: f64,
    pub blended_monthly_usd: f64,
    /// What the fallback adds to LMI's monthly bill.
    pub extra_monthly_usd: f64,
    /// Per function (same order as `functions`).
    pub functions: Vec<SpillFunction>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SpillFunction {
    pub name: String,
    #[serde(flatten)]
    pub figures: SpillFigures,
}

/// The figures of functions `idx`.
fn figures(lmi: &LmiResult, run: &SpillRun, idx: &[usize]) -> SpillFigures {
    let fb = &run.fallback;
    let mut s = SpillFigures::default();
    let mut lmi_thr = ThrottleCounts::default();
    let mut spilled = ThrottleCounts::default();
    let mut fb_thr = ThrottleCounts::default();
    let (mut fb_lat, mut all_lat) = (Sketch::new(), Sketch::new());
    let (mut invocations, mut lmi_in_flight, mut lmi_failed) = (0, 0, 0);
    let mut lmi_peak = 0;
    for &i in idx {
        let l = &lmi.functions[i];
        let f = &fb.functions[i];
        invocations += l.ledger.arrivals;
        lmi_in_flight += lmi.in_flight_at_end[i] as u64;
        lmi_failed += l.ledger.failed_by_fault;
        lmi_peak += l.peak_in_flight as u64;
        lmi_thr.add(&l.ledger.throttles);
        spilled.add(&run.spilled[i]);
        fb_thr.add(&f.ledger.throttles);
        s.served_by_lmi += l.ledger.served;
        s.served_by_fallback += f.ledger.served;
        s.fallback_in_flight_at_end += fb.in_flight_at_end[i] as u64;
        s.waiting_at_end += run.waiting_at_end[i];
        s.fallback_cold_starts += f.cold_starts;
        s.fallback_peak_concurrency += f.peak_concurrency as u64;
        fb_lat.merge(&f.ledger.latency);
        all_lat.merge(&l.ledger.latency);
    }
    all_lat.merge(&fb_lat);
    s.lmi_throttled = lmi_thr.total();
    s.spilled = spilled.total();
    s.not_spilled = s.lmi_throttled - s.spilled;
    s.fallback_throttled = fb_thr.total();
    for r in ThrottleReason::DEFAULT {
        s.fallback_throttles.insert(r.name(), fb_thr[r]);
    }
    s.throttles_avoided = s.served_by_fallback + s.fallback_in_flight_at_end;
    s.spilled_latency = Latency::of(&fb_lat);
    let mut b = PlatformFigures {
        invocations,
        served: s.served_by_lmi + s.served_by_fallback,
        // Lost to a fault on LMI (`[[faults]]`): not retried on the fallback.
        failed: lmi_failed,
        in_flight_at_end: lmi_in_flight + s.fallback_in_flight_at_end + s.waiting_at_end,
        throttled: s.not_spilled + s.fallback_throttled,
        cold_starts: s.fallback_cold_starts,
        peak_concurrency: lmi_peak + s.fallback_peak_concurrency,
        latency: Latency::of(&all_lat),
        ..PlatformFigures::default()
    };
    for r in ThrottleReason::LMI {
        b.throttles.insert(r.name(), lmi_thr[r] - spilled[r]);
    }
    for r in ThrottleReason::DEFAULT {
        b.throttles.insert(r.name(), fb_thr[r]);
    }
    b.throttle_rate = rate(b.throttled, b.invocations);
    b.cold_start_rate = rate(b.cold_starts, b.invocations);
    s.blend = b;
    s
}

/// The `spill_over` block, given LMI's run, its spill-over and LMI's total
/// and monthly bill [USD].
pub fn spill_summary(
    sc: &Scenario,
    lmi: &LmiResult,
    run: &SpillRun,
    lmi_total_usd: f64,
    lmi_monthly_usd: f64,
) -> SpillSummary {
    let all: Vec<usize> = (0..sc.functions.len()).collect();
    let fallback_cost = super::default_cost_of(&run.scenario, &run.fallback);
    let config = sc
        .functions
        .iter()
        .zip(&run.rules)
        .filter_map(|(f, r)| {
            let r = r.as_ref()?;
            Some(SpillConfig {
                function: f.name.clone(),
                memory_mb: r.fallback.memory_mb,
                reserved_concurrency: r.fallback.reserved_concurrency,
                provisioned_concurrency: r.fallback.provisioned_concurrency,
                reasons: ThrottleReason::LMI
                    .iter()
                    .filter(|x| r.spills(**x))
                    .map(|x| x.name())
                    .collect(),
                delay_s: r.delay.as_secs_f64(),
            })
        })
        .collect();
    SpillSummary {
        config,
        figures: figures(lmi, run, &all),
        blended_total_usd: lmi_total_usd + fallback_cost.total_usd,
        blended_monthly_usd: lmi_monthly_usd + fallback_cost.monthly_usd,
        extra_monthly_usd: fallback_cost.monthly_usd,
        fallback_cost,
        functions: sc
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| SpillFunction {
                name: f.name.clone(),
                figures: figures(lmi, run, &[i]),
            })
            .collect(),
    }
}
