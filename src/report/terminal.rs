//! The terminal summary: a `Summary` as text, both platforms in columns, and
//! the dollar format it shares with the charts. Formats only; must not compute
//! figures (they come from the `Summary`) nor print.

use super::{EventSourceFigures, FunctionSummary, PlatformFigures, Summary};
use crate::invocation::ThrottleReason;
use std::fmt::Write as _;

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
    if !s.overrides.is_empty() {
        let sets: Vec<String> = s.overrides.iter().map(|o| format!("--set {o}")).collect();
        let _ = writeln!(o, "  with {}", sets.join(" "));
    }
    let l = s.lmi.as_ref();
    let d = s.default.as_ref();
    let row = |o: &mut String, name: &str, a: String, b: String| {
        let _ = writeln!(o, "  {name:<32} {a:>18} {b:>18}");
    };
    row(&mut o, "", "LMI".into(), "default Lambda".into());
    let lf = l.map(|x| &x.figures);
    let df = d.map(|x| &x.figures);
    let both = |f: &dyn Fn(&PlatformFigures) -> String| columns(lf, df, f);
    let (a, b) = both(&|f| f.invocations.to_string());
    row(&mut o, "invocations", a, b);
    let (a, b) = both(&|f| f.served.to_string());
    row(&mut o, "served", a, b);
    if lf.is_some_and(|f| f.failed > 0) || df.is_some_and(|f| f.failed > 0) {
        let (a, b) = both(&|f| f.failed.to_string());
        row(&mut o, "failed (lost to a fault)", a, b);
    }
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
        let start_insts: Vec<String> = fl
            .start_instances
            .iter()
            .map(|(t, n)| format!("{n} × {t}"))
            .collect();
        let start_ees: u32 = fl.start_execution_environments.values().sum();
        // Free text, too wide for a column: from where the LMI column starts.
        let start = if start_insts.is_empty() {
            "none (instances launch at t = 0)".to_string()
        } else {
            format!("{}, {start_ees} EEs Ready", start_insts.join(" + "))
        };
        let _ = writeln!(o, "  {:<32} {start}", "LMI fleet at t = 0");
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
        row(
            &mut o,
            "rotations: instances / EEs",
            format!("{} / {}", fl.rotations, fl.ee_rotations),
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
        if !fl.instance_choices.is_empty() {
            let _ = writeln!(o, "  instance types chosen");
        }
        for c in &fl.instance_choices {
            let launched: Vec<String> = c
                .launches
                .iter()
                .map(|(t, n)| format!("{n} × {t}"))
                .collect();
            let launched = if launched.is_empty() {
                "none launched".to_string()
            } else {
                format!("launched {}", launched.join(", "))
            };
            let _ = writeln!(o, "    {} ({launched}): {}", c.function, c.reason);
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
    row(&mut o, &format!("  {}", month_label(s)), a, b);
    let (a, b) = pair(
        lc.and_then(|c| c.per_million_invocations_usd),
        dc.and_then(|c| c.per_million_invocations_usd),
    );
    row(&mut o, "  per million invocations", a, b);
    if let Some(c) = &s.comparison {
        let name = |p: &str| if p == "lmi" { "LMI" } else { "default Lambda" };
        match (c.cheaper, &c.withheld) {
            (Some(p), _) => {
                let _ = writeln!(
                    o,
                    "  → {} is cheaper by {} per month ({:.0}%)",
                    name(p),
                    fmt_usd(c.monthly_savings_usd),
                    c.savings_fraction * 100.0
                );
            }
            (None, why) => {
                let _ = writeln!(
                    o,
                    "  → no cost verdict: {}",
                    why.as_deref().unwrap_or("a platform is unfit to compare")
                );
            }
        }
        let _ = writeln!(o, "    (compares the {})", c.compares);
    }
    let _ = writeln!(o, "  month: {}", s.month.basis);
    if let Some(sp) = &s.spill_over {
        // "per calendar month (720 h)" would not fit the label column: the
        // hours are on the `month:` line.
        let month = if s.calendar.is_some() {
            "per calendar month".to_string()
        } else {
            month_label(s)
        };
        spill_block(&mut o, sp, &row, &month);
    }
    if let Some(cal) = &s.calendar {
        calendar_block(&mut o, cal, &row);
    }
    if let Some(f) = l.and_then(|x| x.faults.as_ref()) {
        super::faults::terminal_block(&mut o, f);
    }
    if s.functions.len() >= 2 {
        per_function(&mut o, s, &row);
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(o, "  warnings ({})", s.warnings.len());
        for w in &s.warnings {
            let _ = writeln!(o, "    {w}");
        }
    }
    slo_block(&mut o, s);
    o
}

/// "LMI + spill-over": the LMI column with its throttles retried on the
/// default-Lambda fallback. A block of its own (a third column would not fit
/// 80 columns); its figures sit in the LMI column.
fn spill_block(
    o: &mut String,
    sp: &super::spill::SpillSummary,
    row: &dyn Fn(&mut String, &str, String, String),
    month: &str,
) {
    let f = &sp.figures;
    let b = &f.blend;
    let e = String::new;
    row(o, "", "LMI + spill-over".into(), "".into());
    for c in &sp.config {
        let _ = writeln!(
            o,
            "  {} → default Lambda ({} MB{}{}) after {:.0} ms",
            c.function,
            c.memory_mb,
            c.reserved_concurrency
                .map(|r| format!(", reserved {r}"))
                .unwrap_or_default(),
            if c.provisioned_concurrency > 0 {
                format!(", provisioned {}", c.provisioned_concurrency)
            } else {
                String::new()
            },
            c.delay_s * 1000.0
        );
        let _ = writeln!(o, "    spills {}", c.reasons.join(", "));
    }
    row(o, "invocations", b.invocations.to_string(), e());
    row(o, "served by LMI", f.served_by_lmi.to_string(), e());
    row(
        o,
        "served by the fallback",
        f.served_by_fallback.to_string(),
        e(),
    );
    row(o, "LMI throttles spilled", f.spilled.to_string(), e());
    row(o, "throttles avoided", f.throttles_avoided.to_string(), e());
    row(o, "throttled", b.throttled.to_string(), e());
    row(o, "  not spilled (LMI)", f.not_spilled.to_string(), e());
    for (r, n) in &f.fallback_throttles {
        if *n > 0 {
            row(o, &format!("  {r} (fallback)"), n.to_string(), e());
        }
    }
    row(
        o,
        "throttle rate",
        format!("{:.3}%", b.throttle_rate * 100.0),
        e(),
    );
    row(
        o,
        "fallback cold starts",
        f.fallback_cold_starts.to_string(),
        e(),
    );
    row(o, "latency p50 (all)", ms(b.latency.p50_ms), e());
    row(o, "latency p99 (all)", ms(b.latency.p99_ms), e());
    row(o, "spilled latency p50", ms(f.spilled_latency.p50_ms), e());
    row(o, "spilled latency p99", ms(f.spilled_latency.p99_ms), e());
    row(o, "spilled latency max", ms(f.spilled_latency.max_ms), e());
    row(
        o,
        "  fallback bill, horizon",
        fmt_usd(sp.fallback_cost.total_usd),
        e(),
    );
    row(
        o,
        "  blended bill, horizon",
        fmt_usd(sp.blended_total_usd),
        e(),
    );
    row(
        o,
        &format!("  blended, {month}"),
        fmt_usd(sp.blended_monthly_usd),
        e(),
    );
    row(
        o,
        "  of which the fallback",
        fmt_usd(sp.extra_monthly_usd),
        e(),
    );
}

/// One block per function (with two functions or more; with one, the
/// platform figures above are that function's).
fn per_function(o: &mut String, s: &Summary, row: &dyn Fn(&mut String, &str, String, String)) {
    let _ = writeln!(
        o,
        "  per function (costs in whole cents; they add up to the totals above)"
    );
    for f in &s.functions {
        let _ = writeln!(o, "  {}", f.name);
        let fig = |f: &FunctionSummary, c: &dyn Fn(&PlatformFigures) -> String| {
            columns(f.lmi.as_ref(), f.default.as_ref(), c)
        };
        let (a, b) = fig(f, &|x| x.invocations.to_string());
        row(o, "  invocations", a, b);
        let (a, b) = fig(f, &|x| {
            format!("{} ({:.3}%)", x.throttled, x.throttle_rate * 100.0)
        });
        row(o, "  throttled", a, b);
        for (pl, reasons) in [
            (true, &ThrottleReason::LMI[..]),
            (false, &ThrottleReason::DEFAULT[..]),
        ] {
            let fx = if pl {
                f.lmi.as_ref()
            } else {
                f.default.as_ref()
            };
            for r in reasons {
                if let Some(x) = fx
                    && x.throttles.get(r.name()).copied().unwrap_or(0) > 0
                {
                    let n = x.throttles[r.name()].to_string();
                    let (a, b) = if pl {
                        (n, String::new())
                    } else {
                        (String::new(), n)
                    };
                    row(o, &format!("    {}", r.name()), a, b);
                }
            }
        }
        let (a, b) = fig(f, &|x| ms(x.latency.p50_ms));
        row(o, "  latency p50", a, b);
        let (a, b) = fig(f, &|x| ms(x.latency.p90_ms));
        row(o, "  latency p90", a, b);
        let (a, b) = fig(f, &|x| ms(x.latency.p99_ms));
        row(o, "  latency p99", a, b);
        let (a, b) = fig(f, &|x| {
            format!("{} ({:.3}%)", x.cold_starts, x.cold_start_rate * 100.0)
        });
        row(o, "  cold starts", a, b);
        let (ls, ds) = (f.lmi_sources.as_ref(), f.default_sources.as_ref());
        if ls.is_some() || ds.is_some() {
            let (a, b) = columns(ls, ds, &|x: &EventSourceFigures| ms(x.end_to_end.p99_ms));
            row(o, "  end-to-end delay p99", a, b);
            let (a, b) = columns(ls, ds, &|x: &EventSourceFigures| {
                format!("{:.1} s", x.peak_oldest_age_s)
            });
            row(o, "  oldest message, at worst", a, b);
        }
        if let Some(c) = &f.lmi_cost {
            row(
                o,
                "  EE vCPU-hours (share)",
                format!("{:.1} ({:.1}%)", c.ee_vcpu_hours, c.ee_vcpu_share * 100.0),
                String::new(),
            );
        }
        let (a, b) = (
            f.lmi_cost
                .as_ref()
                .map_or("-".into(), |c| fmt_usd(c.total_usd)),
            f.default_cost
                .as_ref()
                .map_or("-".into(), |c| fmt_usd(c.total_usd)),
        );
        row(o, "  cost for the horizon", a, b);
        let (a, b) = (
            f.lmi_cost
                .as_ref()
                .map_or("-".into(), |c| fmt_usd(c.monthly_usd)),
            f.default_cost
                .as_ref()
                .map_or("-".into(), |c| fmt_usd(c.monthly_usd)),
        );
        row(o, &format!("  {}", month_label(s)), a, b);
    }
}

/// The row label of monthly figures: "per 730-hour month", or for a
/// calendar "per calendar month (720 h)".
pub fn month_label(s: &Summary) -> String {
    if s.calendar.is_some() {
        format!("per calendar month ({} h)", fmt_hours(s.month.hours))
    } else {
        format!("per {}-hour month", fmt_hours(s.month.hours))
    }
}

fn fmt_hours(h: f64) -> String {
    if (h - h.round()).abs() < 1e-9 {
        format!("{h:.0}")
    } else {
        format!("{h:.1}")
    }
}

/// A calendar month day by day: each kind of day's throttles, p99 and cost.
fn calendar_block(
    o: &mut String,
    cal: &crate::calendar::CalendarSummary,
    row: &dyn Fn(&mut String, &str, String, String),
) {
    let _ = writeln!(o, "  calendar month, by kind of day");
    for e in &cal.entries {
        let _ = writeln!(
            o,
            "  {} × {} ({} simulated)",
            fmt_days(e.days),
            e.name,
            crate::time::SimDuration::from_secs_f64(e.horizon_s)
        );
        let col = |f: &dyn Fn(&crate::calendar::DayFigures) -> String| {
            (
                e.lmi.as_ref().map_or_else(|| "-".into(), f),
                e.default.as_ref().map_or_else(|| "-".into(), f),
            )
        };
        let (a, b) = col(&|x| x.invocations.to_string());
        row(o, "  invocations", a, b);
        let (a, b) = col(&|x| format!("{} ({:.3}%)", x.throttled, x.throttle_rate * 100.0));
        row(o, "  throttled", a, b);
        let (a, b) = col(&|x| ms(x.p99_ms));
        row(o, "  latency p99", a, b);
        let (a, b) = col(&|x| fmt_usd(x.day_usd));
        row(o, "  cost of one day", a, b);
        let (a, b) = col(&|x| fmt_usd(x.month_usd));
        row(o, "  these days in the month", a, b);
        if let Some(x) = &e.blend {
            // LMI + spill-over, in the LMI column.
            let t = format!("{} ({:.3}%)", x.throttled, x.throttle_rate * 100.0);
            row(o, "  with spill-over: throttled", t, "-".into());
            row(o, "    cost of one day", fmt_usd(x.day_usd), "-".into());
            row(
                o,
                "    these days in the month",
                fmt_usd(x.month_usd),
                "-".into(),
            );
        }
    }
}

fn fmt_days(d: f64) -> String {
    if (d - d.round()).abs() < 1e-9 {
        format!("{d:.0}")
    } else {
        format!("{d:.2}")
    }
}

/// The SLO gates, k6-style: ✓ or ✗, the gate, the measured value.
fn slo_block(o: &mut String, s: &Summary) {
    if s.slo.is_empty() {
        return;
    }
    let passed = s.slo.iter().filter(|g| g.pass).count();
    let _ = writeln!(o, "  SLO gates: {passed} of {} passed", s.slo.len());
    let width = s
        .slo
        .iter()
        .map(|g| g.gate.chars().count())
        .max()
        .unwrap_or(0);
    for g in &s.slo {
        let mark = if g.pass { "✓" } else { "✗" };
        // A gate without a platform gives one line per platform: say which.
        let named = crate::slo::parse_check(&g.gate).is_ok_and(|x| x.platform.is_some());
        let mut on = if named {
            String::new()
        } else {
            format!(" on {}", g.platform)
        };
        if let Some(d) = &g.day {
            on.push_str(&format!(" ({d})"));
        }
        let measured = g.value.map_or_else(
            || "no value (nothing served)".into(),
            |v| crate::slo::show(g.metric, v),
        );
        let pad = width.saturating_sub(g.gate.chars().count());
        let _ = writeln!(
            o,
            "    {mark} {}{:pad$}  measured {measured}{on}",
            g.gate, ""
        );
    }
}
