//! Month calendars (README.md, "Month calendars"; docs/model.md, "Month"):
//! a month projected from a typical day (the scenario itself) plus special
//! days (the scenario with edits, e.g. a Black Friday at four times the
//! traffic), each simulated once, instead of one horizon repeated.
//!
//! Each day's cost is its run's cost scaled to 24 h (a horizon of 24 h is
//! the day itself). The month adds the days up by their counts: LMI's bill
//! is linear, so its month is the weighted sum of the days' bills; default
//! Lambda's tiers and free tier apply to the month's usage, so its month is
//! priced once on the weighted sum of the days' usage. Per-function monthly
//! figures are the weighted sums of each day's per-function bills,
//! apportioned in whole cents to the platform's month.
//!
//! Without a calendar the month is the horizon repeated to fill
//! `pricing.month_hours`; [`MonthBasis`] says which, for every summary.

use crate::cost::{self, DefaultUsage};
use crate::report::function_cost::apportion_cents;
use crate::report::{self, Summary};
use crate::scenario::Scenario;
use crate::sim::{self, Platforms, RunResult};
use crate::slo::{Gate, GateResult};
use crate::time::SimDuration;
use crate::warning::{self, Warning};
use serde::Serialize;

const DAY_S: f64 = 86_400.0;

/// What every monthly figure of a summary is made of.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MonthBasis {
    /// Hours in the month the figures are for.
    pub hours: f64,
    /// "calendar" (typical and special days) or "repeated horizon".
    pub kind: &'static str,
    /// The basis in words, as the terminal and the reports print it.
    pub basis: String,
}

/// The month of a calendar run, day by day (`summary.json`'s `calendar`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CalendarSummary {
    pub days: f64,
    pub hours: f64,
    /// The typical day (this run, `name` "typical") first, then the special
    /// days in file order.
    pub entries: Vec<CalendarDay>,
}

/// One kind of day of the month.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CalendarDay {
    pub name: String,
    /// How many such days the month has.
    pub days: f64,
    /// The horizon simulated for it [s]; its costs are scaled to 24 h.
    pub horizon_s: f64,
    /// Its edits of the scenario (`KEY=VALUE`); empty for the typical day.
    pub set: Vec<String>,
    /// Requests offered in its horizon.
    pub arrivals: u64,
    pub lmi: Option<DayFigures>,
    pub default: Option<DayFigures>,
    /// LMI + spill-over (with a `[functions.spill_over]`): the blend's
    /// figures; its costs are LMI's plus the fallback's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blend: Option<DayFigures>,
}

/// One platform's figures for one kind of day.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DayFigures {
    pub invocations: u64,
    pub throttled: u64,
    pub throttle_rate: f64,
    pub p99_ms: Option<f64>,
    pub cold_starts: u64,
    /// LMI only: the largest number of instances running at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_instances: Option<u32>,
    /// The cost of one such day [USD] (the horizon's, scaled to 24 h; default
    /// Lambda at the month's effective rates).
    pub day_usd: f64,
    /// These days' part of the month [USD]; the entries sum to the month.
    pub month_usd: f64,
}

/// A special day, simulated.
pub struct DayRun {
    pub name: String,
    pub days: f64,
    pub set: Vec<String>,
    pub horizon_s: f64,
    pub summary: Summary,
    pub default_usage: Option<DefaultUsage>,
    /// The spill-over fallback's usage, with a `[functions.spill_over]`.
    pub fallback_usage: Option<DefaultUsage>,
}

/// The basis of the monthly figures of a scenario without a calendar.
pub fn repeated_basis(sc: &Scenario) -> MonthBasis {
    let h = sc.horizon.as_secs_f64();
    let times = sc.pricing.month_hours * 3600.0 / h;
    MonthBasis {
        hours: sc.pricing.month_hours,
        kind: "repeated horizon",
        basis: format!(
            "the {} simulated, repeated {} times to fill a {}-hour month",
            sc.horizon,
            round_sig(times),
            sc.pricing.month_hours
        ),
    }
}

/// `times` as a short number: 730, 12.2, 0.03.
fn round_sig(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 1.0 {
        format!("{:.3}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{x:.3}")
    }
}

fn days_text(d: f64) -> String {
    round_sig(d)
}

/// The basis of a calendar month.
fn calendar_basis(sc: &Scenario) -> Option<MonthBasis> {
    let cal = sc.calendar.as_ref()?;
    let mut parts = vec![format!(
        "{} typical days (this run)",
        days_text(cal.typical_days)
    )];
    for d in &cal.special {
        parts.push(format!("{} × {}", days_text(d.days), d.name));
    }
    let days = cal.days();
    Some(MonthBasis {
        hours: days * 24.0,
        kind: "calendar",
        basis: format!(
            "a calendar month of {} days ({} hours): {}, each day its simulated horizon scaled to 24 h",
            days_text(days),
            round_sig(days * 24.0),
            parts.join(" + ")
        ),
    })
}

/// The basis of `sc`'s monthly figures.
pub fn basis(sc: &Scenario) -> MonthBasis {
    calendar_basis(sc).unwrap_or_else(|| repeated_basis(sc))
}

/// Simulates every special day of `sc`'s calendar (none without one), each
/// with `sc`'s seed, showing a progress bar per day when `progress` (and
/// stderr is a terminal).
pub fn run_special_days(
    sc: &Scenario,
    platforms: Platforms,
    threads: usize,
    progress: bool,
) -> Result<Vec<DayRun>, String> {
    let Some(cal) = &sc.calendar else {
        return Ok(Vec::new());
    };
    let n = cal.special.len();
    let mut out = Vec::with_capacity(n);
    for (i, d) in cal.special.iter().enumerate() {
        let mut day = (*d.scenario).clone();
        day.seed = sc.seed;
        let p = std::sync::Arc::new(crate::progress::RunProgress::new(
            platforms.lmi(),
            platforms.default(),
        ));
        let display = crate::progress::RunDisplay::labelled(
            p.clone(),
            day.horizon,
            progress,
            format!("{} (day {} of {n}): ", d.name, i + 1),
        );
        let run = sim::run_with_progress(&day, platforms, threads, &p);
        drop(display);
        let run = run.map_err(|e| format!("calendar day `{}`: {e}", d.name))?;
        out.push(day_run(&day, &run, platforms, d));
    }
    Ok(out)
}

fn day_run(
    day: &Scenario,
    run: &RunResult,
    platforms: Platforms,
    d: &crate::scenario::SpecialDay,
) -> DayRun {
    DayRun {
        name: d.name.clone(),
        days: d.days,
        set: d.sets.clone(),
        horizon_s: day.horizon.as_secs_f64(),
        summary: report::summarize(day, run, platforms),
        default_usage: run.default().map(report::default_usage),
        fallback_usage: fallback_usage(run),
    }
}

/// The spill-over fallback's default-Lambda usage in `run`, if it spilled.
fn fallback_usage(run: &RunResult) -> Option<DefaultUsage> {
    run.spill
        .as_ref()
        .map(|r| report::default_usage(&r.fallback))
}

/// A default-Lambda month of `hours`: the runs' `usages` (one per run, in
/// `weights`' order; `None`: nothing used) weighted and priced once at
/// `sc`'s rates, so the tiers and the free tier apply to the month; and
/// each run's part of that bill, in proportion to its own horizon's `bills`
/// times its weight (its usage at the month's average rate).
fn price_default_month(
    sc: &Scenario,
    hours: f64,
    usages: impl Iterator<Item = Option<DefaultUsage>>,
    weights: &[f64],
    bills: &[f64],
) -> (f64, Vec<f64>) {
    let mut usage = DefaultUsage::default();
    for (u, w) in usages.zip(weights) {
        if let Some(u) = u {
            add(&mut usage, &scaled(&u, *w));
        }
    }
    let mut p = sc.pricing.clone();
    p.month_hours = hours;
    let month = cost::default_cost(
        usage,
        sc.provider.architecture,
        SimDuration::from_secs_f64(hours * 3600.0),
        &p,
    );
    let raw: Vec<f64> = bills.iter().zip(weights).map(|(b, w)| w * b).collect();
    let sum: f64 = raw.iter().sum();
    (
        month.total_usd,
        apportion_shares(month.total_usd, &raw, sum),
    )
}

fn scaled(u: &DefaultUsage, w: f64) -> DefaultUsage {
    DefaultUsage {
        invocations: (u.invocations as f64 * w).round() as u64,
        gbs: u.gbs * w,
        init_gbs: u.init_gbs * w,
        pc_alloc_gbs: u.pc_alloc_gbs * w,
        pc_used_gbs: u.pc_used_gbs * w,
    }
}

fn add(a: &mut DefaultUsage, b: &DefaultUsage) {
    a.invocations += b.invocations;
    a.gbs += b.gbs;
    a.init_gbs += b.init_gbs;
    a.pc_alloc_gbs += b.pc_alloc_gbs;
    a.pc_used_gbs += b.pc_used_gbs;
}

/// One day of the month as the summary lists it (costs filled in later).
fn entry(name: &str, days: f64, set: &[String], horizon_s: f64, s: &Summary) -> CalendarDay {
    let figures = |f: &report::PlatformFigures, peak: Option<u32>| DayFigures {
        invocations: f.invocations,
        throttled: f.throttled,
        throttle_rate: f.throttle_rate,
        p99_ms: f.latency.p99_ms,
        cold_starts: f.cold_starts,
        peak_instances: peak,
        day_usd: 0.0,
        month_usd: 0.0,
    };
    CalendarDay {
        name: name.to_string(),
        days,
        horizon_s,
        set: set.to_vec(),
        arrivals: s.arrivals,
        lmi: s
            .lmi
            .as_ref()
            .map(|l| figures(&l.figures, Some(l.fleet.peak_instances))),
        default: s.default.as_ref().map(|d| figures(&d.figures, None)),
        blend: s
            .spill_over
            .as_ref()
            .map(|sp| figures(&sp.figures.blend, None)),
    }
}

/// Replaces the monthly figures of `s` (the typical day's summary, of `sc`
/// and its run `typical`) with the month of `sc`'s calendar, its special
/// days simulated in `days`; adds the calendar, its basis and its warnings,
/// and evaluates the scenario's SLO gates on the month (monthly cost) and on
/// every day (the other figures). Without a calendar: sets the basis only.
pub fn apply(s: &mut Summary, sc: &Scenario, typical: &RunResult, days: &[DayRun]) {
    s.month = basis(sc);
    let Some(cal) = &sc.calendar else {
        return;
    };
    let h_t = sc.horizon.as_secs_f64();
    // Weight of one run's totals in the month: its days × (24 h / horizon).
    let mut runs: Vec<(f64, &Summary)> = vec![(cal.typical_days * DAY_S / h_t, &*s)];
    runs.extend(
        days.iter()
            .map(|d| (d.days * DAY_S / d.horizon_s, &d.summary)),
    );
    let weights: Vec<f64> = runs.iter().map(|(w, _)| *w).collect();
    let mut entries = vec![entry("typical", cal.typical_days, &[], h_t, s)];
    entries.extend(
        days.iter()
            .map(|d| entry(&d.name, d.days, &d.set, d.horizon_s, &d.summary)),
    );
    let hours = cal.days() * 24.0;

    // LMI: linear, so the month is the weighted sum of the days' bills.
    let lmi_month = s.lmi.as_ref().map(|_| {
        let parts: Vec<f64> = runs
            .iter()
            .map(|(w, r)| w * r.lmi.as_ref().map_or(0.0, |l| l.cost.total_usd))
            .collect();
        for (i, e) in entries.iter_mut().enumerate() {
            if let Some(f) = &mut e.lmi {
                let total = runs[i].1.lmi.as_ref().map_or(0.0, |l| l.cost.total_usd);
                f.day_usd = total * DAY_S / runs[i].1.horizon_s;
                f.month_usd = parts[i];
            }
        }
        parts.iter().sum::<f64>()
    });
    // Default Lambda: tiers and the free tier on the month's usage.
    let default_month = s.default.as_ref().map(|_| {
        let usages = std::iter::once(typical.default().map(report::default_usage))
            .chain(days.iter().map(|d| d.default_usage));
        let bills: Vec<f64> = runs
            .iter()
            .map(|(_, r)| r.default.as_ref().map_or(0.0, |d| d.cost.total_usd))
            .collect();
        let (month, parts) = price_default_month(sc, hours, usages, &weights, &bills);
        for (i, e) in entries.iter_mut().enumerate() {
            if let Some(f) = &mut e.default {
                f.month_usd = parts[i];
                f.day_usd = if e.days > 0.0 { parts[i] / e.days } else { 0.0 };
            }
        }
        month
    });

    // LMI + spill-over: LMI's month plus the fallback's, which is default
    // Lambda priced like the platform, once on the month's usage.
    let fallback_month = match (lmi_month, &typical.spill) {
        (Some(_), Some(spill)) => {
            let usages = std::iter::once(fallback_usage(typical))
                .chain(days.iter().map(|d| d.fallback_usage));
            let bills: Vec<f64> = runs
                .iter()
                .map(|(_, r)| {
                    r.spill_over
                        .as_ref()
                        .map_or(0.0, |sp| sp.fallback_cost.total_usd)
                })
                .collect();
            let (month, parts) =
                price_default_month(&spill.scenario, hours, usages, &weights, &bills);
            for (i, e) in entries.iter_mut().enumerate() {
                if let (Some(b), Some(l)) = (&mut e.blend, &e.lmi) {
                    b.month_usd = l.month_usd + parts[i];
                    b.day_usd = l.day_usd + if e.days > 0.0 { parts[i] / e.days } else { 0.0 };
                }
            }
            Some(month)
        }
        _ => None,
    };
    if let (Some(m), Some(l)) = (lmi_month, s.lmi.as_mut()) {
        l.cost.monthly_usd = m;
    }
    if let (Some(lm), Some(f), Some(sp)) = (lmi_month, fallback_month, s.spill_over.as_mut()) {
        sp.fallback_cost.monthly_usd = f;
        sp.extra_monthly_usd = f;
        sp.blended_monthly_usd = lm + f;
    }
    if let (Some(m), Some(d)) = (default_month, s.default.as_mut()) {
        d.cost.monthly_usd = m;
    }
    // Per function: weighted sums of each day's bills, in whole cents.
    let n = s.functions.len();
    let mut all: Vec<&Summary> = vec![&*s];
    all.extend(days.iter().map(|d| &d.summary));
    let fn_lmi: Vec<f64> = (0..n)
        .map(|i| {
            all.iter()
                .zip(&weights)
                .map(|(r, w)| {
                    w * r.functions[i]
                        .lmi_cost
                        .as_ref()
                        .map_or(0.0, |c| c.total_usd)
                })
                .sum()
        })
        .collect();
    let fn_def: Vec<f64> = (0..n)
        .map(|i| {
            all.iter()
                .zip(&weights)
                .map(|(r, w)| {
                    w * r.functions[i]
                        .default_cost
                        .as_ref()
                        .map_or(0.0, |c| c.total_usd)
                })
                .sum()
        })
        .collect();
    let lmi_cents = lmi_month.map(|m| apportion_cents(m, &fn_lmi));
    let def_cents = default_month.map(|m| apportion_cents(m, &fn_def));
    for (i, f) in s.functions.iter_mut().enumerate() {
        if let (Some(c), Some(v)) = (&mut f.lmi_cost, &lmi_cents) {
            c.monthly_usd = v[i];
        }
        if let (Some(c), Some(v)) = (&mut f.default_cost, &def_cents) {
            c.monthly_usd = v[i];
        }
    }

    // The verdict: the month's costs, withheld when any day's is.
    let mut new_warnings = Vec::new();
    if let (Some(c), Some(a), Some(b)) = (s.comparison.as_mut(), lmi_month, default_month) {
        let mut reasons: Vec<String> = c.withheld.iter().cloned().collect();
        for d in days {
            if let Some(w) = d
                .summary
                .comparison
                .as_ref()
                .and_then(|x| x.withheld.as_ref())
            {
                reasons.push(format!("on `{}`, {w}", d.name));
            }
        }
        c.withheld = (!reasons.is_empty()).then(|| reasons.join("; "));
        let dearer = a.max(b);
        c.lmi_monthly_usd = a;
        c.default_monthly_usd = b;
        c.monthly_savings_usd = (a - b).abs();
        c.savings_fraction = if dearer > 0.0 {
            (a - b).abs() / dearer
        } else {
            0.0
        };
        c.cheaper = c
            .withheld
            .is_none()
            .then_some(if a <= b { "lmi" } else { "default" });
        let unserved = |c: &report::Comparison| {
            c.compares
                .split_once("requests; ")
                .map_or(c.compares.clone(), |(_, rest)| rest.to_string())
        };
        let mut text = format!(
            "cost per calendar month of each platform for the same requests; on the typical day {}",
            unserved(c)
        );
        for d in days {
            if let Some(dc) = &d.summary.comparison {
                text.push_str(&format!("; on `{}` {}", d.name, unserved(dc)));
            }
        }
        c.compares = text;
        // One warning for the month's verdict, with every day's reasons.
        s.warnings.retain(|w| w.code != warning::NO_COST_VERDICT);
        if let Some(why) = &c.withheld {
            new_warnings.push(
                Warning::new(
                    warning::NO_COST_VERDICT,
                    format!(
                        "no \"cheaper\" verdict: {why}; a bill for work not done is not a saving"
                    ),
                )
                .figure("lmi_monthly_usd", a)
                .figure("default_monthly_usd", b)
                .figure("threshold", warning::THROTTLE_WARN_RATE),
            );
        }
    }
    // Days simulated on a horizon other than 24 h, and the special days'
    // own warnings (those the typical day does not already carry).
    let scaled_days: Vec<String> = entries
        .iter()
        .filter(|e| (e.horizon_s - DAY_S).abs() > 0.5)
        .map(|e| {
            format!(
                "`{}` simulates {} (×{})",
                e.name,
                SimDuration::from_secs_f64(e.horizon_s),
                round_sig(DAY_S / e.horizon_s)
            )
        })
        .collect();
    if !scaled_days.is_empty() {
        new_warnings.push(
            Warning::new(
                warning::CALENDAR_DAY_SCALED,
                format!(
                    "calendar days are scaled to 24 h: {}; whatever a day's horizon leaves out (its daily peak, scale-in, instance rotation) is missing from the month; simulate 24h per day for a month of days",
                    scaled_days.join(", ")
                ),
            )
            .key("horizon"),
        );
    }
    for d in days {
        // The month's verdict and the scaling to a day are said above.
        let own = |w: &&Warning| {
            w.code != warning::NO_COST_VERDICT && w.code != warning::SHORT_HORIZON_EXTRAPOLATION
        };
        for w in d.summary.warnings.iter().filter(own) {
            if !s
                .warnings
                .iter()
                .any(|t| t.code == w.code && t.message == w.message)
            {
                let mut w = w.clone();
                w.message = format!("calendar day `{}`: {}", d.name, w.message);
                new_warnings.push(w);
            }
        }
    }
    s.warnings.extend(new_warnings);
    s.calendar = Some(CalendarSummary {
        days: cal.days(),
        hours,
        entries,
    });
    s.slo = gates(&sc.slo, s, days);
}

/// A calendar month's invocations on LMI (`lmi`) or default Lambda: each
/// kind of day's, scaled to 24 h, times its count; `None` without a calendar.
pub fn month_invocations(s: &Summary, lmi: bool) -> Option<f64> {
    let cal = s.calendar.as_ref()?;
    Some(
        cal.entries
            .iter()
            .map(|e| {
                let f = if lmi { &e.lmi } else { &e.default };
                f.as_ref().map_or(0.0, |f| f.invocations as f64) * e.days * DAY_S / e.horizon_s
            })
            .sum(),
    )
}

/// `total` split in proportion to `raw` (sum `sum`; all zero: nothing).
fn apportion_shares(total: f64, raw: &[f64], sum: f64) -> Vec<f64> {
    raw.iter()
        .map(|r| if sum > 0.0 { total * r / sum } else { 0.0 })
        .collect()
}

/// `gates` evaluated on the month's summary `s`, then every figure but the
/// monthly cost on each special day (tagged with its name).
pub fn gates(gates: &[Gate], s: &Summary, days: &[DayRun]) -> Vec<GateResult> {
    let mut out = crate::slo::evaluate(gates, s);
    let daily: Vec<Gate> = gates
        .iter()
        .filter(|g| g.metric != crate::slo::Metric::CostMonth)
        .cloned()
        .collect();
    for d in days {
        for mut r in crate::slo::evaluate(&daily, &d.summary) {
            r.day = Some(d.name.clone());
            out.push(r);
        }
    }
    out
}
