//! A run's `Summary` as tables of text cells (a title, column heads, rows),
//! the one source that `summary.md` and `report.html` both render, so the two
//! always show the same numbers as `summary.json`. Formats only: must not
//! compute figures (they come from the `Summary`), write or print.
//!
//! A further block (one per function, say) is one more `Table` pushed in
//! [`run_tables`]; both renderers take it as it is.

use super::diagnose::thousands;
use super::{DefaultSummary, EventSourceFigures, LmiSummary, PlatformFigures, Summary, fmt_usd};
use crate::invocation::ThrottleReason;

/// One table: `columns[0]` heads the label column.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// A sentence under the table, if any.
    pub note: Option<String>,
    /// The row to emphasise (the monthly cost), if any.
    pub highlight: Option<usize>,
    /// Every column is text (left-aligned), not figures.
    pub all_text: bool,
}

/// A latency [ms] as text: 165.4 ms, 1.25 s, or "-".
pub fn fmt_ms(v: Option<f64>) -> String {
    match v {
        Some(x) if x >= 1000.0 => format!("{:.2} s", x / 1000.0),
        Some(x) => format!("{x:.1} ms"),
        None => "-".into(),
    }
}

/// A fraction as a percentage with three decimals: 7.791%.
pub fn fmt_pct(x: f64) -> String {
    format!("{:.3}%", x * 100.0)
}

/// A count with thousands separators: 13,404,781.
pub fn fmt_count(n: u64) -> String {
    thousands(n)
}

/// Display name of a platform key ("lmi", "default", "blend").
pub fn platform_name(p: &str) -> &'static str {
    match p {
        "lmi" => "LMI",
        "blend" => "LMI + spill-over",
        _ => "default Lambda",
    }
}

/// The platforms a run simulated, in column order.
struct Cols<'a> {
    lmi: Option<&'a LmiSummary>,
    default: Option<&'a DefaultSummary>,
}

impl Cols<'_> {
    fn heads(&self, first: &str) -> Vec<String> {
        let mut h = vec![first.to_string()];
        if self.lmi.is_some() {
            h.push("LMI".into());
        }
        if self.default.is_some() {
            h.push("default Lambda".into());
        }
        h
    }

    /// A row of `f` of each simulated platform's figures.
    fn figures(&self, label: &str, f: &dyn Fn(&PlatformFigures) -> String) -> Vec<String> {
        let mut r = vec![label.to_string()];
        r.extend(self.lmi.map(|l| f(&l.figures)));
        r.extend(self.default.map(|d| f(&d.figures)));
        r
    }

    /// A row with an LMI cell and a default cell (blank where `None`).
    fn split(&self, label: &str, lmi: Option<String>, default: Option<String>) -> Vec<String> {
        let mut r = vec![label.to_string()];
        if self.lmi.is_some() {
            r.push(lmi.unwrap_or_else(|| "-".into()));
        }
        if self.default.is_some() {
            r.push(default.unwrap_or_else(|| "-".into()));
        }
        r
    }
}

/// Requests: invocations, served, throttled (by reason), throttle rate.
fn requests(c: &Cols) -> Table {
    let mut rows = vec![
        c.figures("invocations", &|f| fmt_count(f.invocations)),
        c.figures("served", &|f| fmt_count(f.served)),
    ];
    if c.lmi.is_some_and(|l| l.figures.failed > 0)
        || c.default.is_some_and(|d| d.figures.failed > 0)
    {
        rows.push(c.figures("failed (lost to a fault)", &|f| fmt_count(f.failed)));
    }
    rows.extend([
        c.figures("in flight at the end", &|f| fmt_count(f.in_flight_at_end)),
        c.figures("throttled", &|f| fmt_count(f.throttled)),
    ]);
    // Every reason with a throttle on its platform; the other platform's
    // cell is "-" (it has no such reason).
    for r in ThrottleReason::LMI {
        if let Some(n) = c
            .lmi
            .map(|l| l.figures.throttles[r.name()])
            .filter(|&n| n > 0)
        {
            rows.push(c.split(&format!("↳ {}", r.name()), Some(fmt_count(n)), None));
        }
    }
    for r in ThrottleReason::DEFAULT {
        if let Some(n) = c
            .default
            .map(|d| d.figures.throttles[r.name()])
            .filter(|&n| n > 0)
        {
            rows.push(c.split(&format!("↳ {}", r.name()), None, Some(fmt_count(n))));
        }
    }
    rows.push(c.figures("throttle rate", &|f| fmt_pct(f.throttle_rate)));
    rows.push(c.figures("cold starts", &|f| fmt_count(f.cold_starts)));
    rows.push(c.figures("cold-start rate", &|f| fmt_pct(f.cold_start_rate)));
    rows.push(c.figures("peak concurrency", &|f| fmt_count(f.peak_concurrency)));
    Table {
        title: "Requests".into(),
        columns: c.heads(""),
        rows,
        note: None,
        highlight: None,
        all_text: false,
    }
}

fn latency(c: &Cols) -> Table {
    Table {
        title: "Latency".into(),
        columns: c.heads(""),
        rows: vec![
            c.figures("p50", &|f| fmt_ms(f.latency.p50_ms)),
            c.figures("p90", &|f| fmt_ms(f.latency.p90_ms)),
            c.figures("p99", &|f| fmt_ms(f.latency.p99_ms)),
            c.figures("max", &|f| fmt_ms(f.latency.max_ms)),
        ],
        note: Some("Served invocations, arrival to response.".into()),
        highlight: None,
        all_text: false,
    }
}

fn fleet(l: &LmiSummary) -> Table {
    let fl = &l.fleet;
    let start: Vec<String> = fl
        .start_instances
        .iter()
        .map(|(t, n)| format!("{n} × {t}"))
        .collect();
    let start_ees: u32 = fl.start_execution_environments.values().sum();
    let start = if start.is_empty() {
        "none (instances launch at t = 0)".to_string()
    } else {
        format!("{}, {start_ees} EEs Ready", start.join(" + "))
    };
    let mut rows = vec![
        vec!["fleet at t = 0".into(), start],
        vec![
            "instances, peak / mean".into(),
            format!("{} / {:.1}", fl.peak_instances, fl.mean_instances),
        ],
        vec!["vCPUs, peak".into(), fmt_count(fl.peak_vcpus as u64)],
        vec![
            "execution environments, peak / mean".into(),
            format!(
                "{} / {:.1}",
                fl.peak_execution_environments, fl.mean_execution_environments
            ),
        ],
        vec![
            "mean CPU utilization".into(),
            format!("{:.1}%", fl.mean_cpu_utilization * 100.0),
        ],
        vec!["instance launches".into(), fmt_count(fl.launches)],
        vec![
            "launches refused by MaxVCpuCount".into(),
            fmt_count(fl.launches_refused_by_max_vcpu),
        ],
        vec![
            "rotations, instances / EEs".into(),
            format!("{} / {}", fl.rotations, fl.ee_rotations),
        ],
    ];
    for (t, h) in &fl.instance_hours {
        rows.push(vec![format!("{t} instance-hours"), format!("{h:.1}")]);
    }
    Table {
        title: "LMI fleet".into(),
        columns: vec!["".into(), "LMI".into()],
        rows,
        note: None,
        highlight: None,
        all_text: false,
    }
}

/// Per function: the instance type LMI chose for it, what it launched, why.
fn choices(l: &LmiSummary) -> Option<Table> {
    let c = &l.fleet.instance_choices;
    if c.is_empty() {
        return None;
    }
    let rows = c
        .iter()
        .map(|ch| {
            let launched: Vec<String> = ch
                .launches
                .iter()
                .map(|(t, n)| format!("{n} × {t}"))
                .collect();
            vec![
                ch.function.clone(),
                ch.instance_type.clone().unwrap_or_else(|| "-".into()),
                if launched.is_empty() {
                    "none".into()
                } else {
                    launched.join(", ")
                },
                ch.reason.clone(),
            ]
        })
        .collect();
    Some(Table {
        title: "LMI instance types".into(),
        columns: vec![
            "function".into(),
            "type".into(),
            "launched".into(),
            "why".into(),
        ],
        rows,
        note: Some("Launches for each function's EEs, rotation replacements not counted.".into()),
        highlight: None,
        all_text: false,
    })
}

fn sources(c: &Cols) -> Option<Table> {
    let ls = c.lmi.and_then(|x| x.sources.as_ref());
    let ds = c.default.and_then(|x| x.sources.as_ref());
    if ls.is_none() && ds.is_none() {
        return None;
    }
    let row = |label: &str, f: &dyn Fn(&EventSourceFigures) -> String| {
        c.split(label, ls.map(f), ds.map(f))
    };
    Some(Table {
        title: "Event sources (queues, retries)".into(),
        columns: c.heads(""),
        rows: vec![
            row("requests (messages, events)", &|f| fmt_count(f.requests)),
            row("completed", &|f| fmt_count(f.completed)),
            row("failed after all retries", &|f| fmt_count(f.failed)),
            row("to the DLQ", &|f| fmt_count(f.dlq)),
            row("retries / redeliveries", &|f| fmt_count(f.retries)),
            row("queued or in flight at the end", &|f| {
                fmt_count(f.queued_at_end + f.in_flight_at_end)
            }),
            row("end-to-end delay p50", &|f| fmt_ms(f.end_to_end.p50_ms)),
            row("end-to-end delay p99", &|f| fmt_ms(f.end_to_end.p99_ms)),
            row("peak queue depth", &|f| fmt_count(f.peak_queue_depth)),
            row("oldest message, at worst", &|f| {
                format!("{:.1} s", f.peak_oldest_age_s)
            }),
            row("time in backlog (age > 1 s)", &|f| {
                format!("{:.0} min", f.backlog_s / 60.0)
            }),
        ],
        note: None,
        highlight: None,
        all_text: false,
    })
}

fn cost(c: &Cols, s: &Summary) -> Table {
    let lc = c.lmi.map(|x| &x.cost);
    let dc = c.default.map(|x| &x.cost);
    let usd = |x: Option<f64>| x.map(fmt_usd);
    let mut rows = vec![
        c.split(
            "requests",
            usd(lc.map(|c| c.requests_usd)),
            usd(dc.map(|c| c.requests_usd)),
        ),
        c.split("EC2", usd(lc.map(|c| c.ec2_usd)), None),
        c.split(
            "management fee",
            usd(lc.map(|c| c.management_fee_usd)),
            None,
        ),
        c.split("duration (GB-s)", None, usd(dc.map(|c| c.duration_usd))),
        c.split("INIT (GB-s)", None, usd(dc.map(|c| c.init_usd))),
    ];
    if dc.is_some_and(|c| c.provisioned_usd > 0.0) {
        rows.push(c.split(
            "provisioned concurrency",
            None,
            usd(dc.map(|c| c.provisioned_usd)),
        ));
    }
    rows.push(c.split(
        "total for the horizon",
        usd(lc.map(|c| c.total_usd)),
        usd(dc.map(|c| c.total_usd)),
    ));
    let highlight = Some(rows.len());
    rows.push(c.split(
        &super::terminal::month_label(s),
        usd(lc.map(|c| c.monthly_usd)),
        usd(dc.map(|c| c.monthly_usd)),
    ));
    rows.push(c.split(
        "per million invocations",
        usd(lc.and_then(|c| c.per_million_invocations_usd)),
        usd(dc.and_then(|c| c.per_million_invocations_usd)),
    ));
    Table {
        title: "Cost".into(),
        columns: c.heads("USD"),
        rows,
        note: Some(format!("Monthly figures: {}.", s.month.basis)),
        highlight,
        all_text: false,
    }
}

/// A calendar month by kind of day: throttles, p99 and cost of each.
fn calendar(c: &Cols, s: &Summary) -> Option<Table> {
    let cal = s.calendar.as_ref()?;
    let mut rows = Vec::new();
    for e in &cal.entries {
        let cell = |f: &dyn Fn(&crate::calendar::DayFigures) -> String| {
            (e.lmi.as_ref().map(f), e.default.as_ref().map(f))
        };
        let head = format!(
            "{} × {} ({} simulated)",
            fmt_days(e.days),
            e.name,
            horizon(e.horizon_s)
        );
        rows.push(c.split(&head, Some(String::new()), Some(String::new())));
        let (a, b) =
            cell(&|x| format!("{} ({})", fmt_count(x.throttled), fmt_pct(x.throttle_rate)));
        rows.push(c.split("↳ throttled", a, b));
        let (a, b) = cell(&|x| fmt_ms(x.p99_ms));
        rows.push(c.split("↳ latency p99", a, b));
        let (a, b) = cell(&|x| fmt_usd(x.day_usd));
        rows.push(c.split("↳ cost of one day", a, b));
        let (a, b) = cell(&|x| fmt_usd(x.month_usd));
        rows.push(c.split("↳ these days in the month", a, b));
        if let Some(x) = &e.blend {
            // LMI + spill-over, in the LMI column.
            let t = format!("{} ({})", fmt_count(x.throttled), fmt_pct(x.throttle_rate));
            rows.push(c.split("↳ LMI + spill-over: throttled", Some(t), None));
            rows.push(c.split(
                "↳ LMI + spill-over: cost of one day",
                Some(fmt_usd(x.day_usd)),
                None,
            ));
            rows.push(c.split(
                "↳ LMI + spill-over: these days in the month",
                Some(fmt_usd(x.month_usd)),
                None,
            ));
        }
    }
    Some(Table {
        title: "Calendar month".into(),
        columns: c.heads(""),
        rows,
        note: Some(format!(
            "{}; the tables below are the typical day's.",
            s.month.basis
        )),
        highlight: None,
        all_text: false,
    })
}

fn fmt_days(d: f64) -> String {
    if (d - d.round()).abs() < 1e-9 {
        format!("{d:.0}")
    } else {
        format!("{d:.2}")
    }
}

/// A horizon as words: "4.0 h", "30 min", "2.0 days".
pub fn horizon(s: f64) -> String {
    if s >= 2.0 * 86400.0 {
        format!("{:.1} days", s / 86400.0)
    } else if s >= 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{s:.0} s")
    }
}

/// Every table of a run, in reading order.
pub fn run_tables(s: &Summary) -> Vec<Table> {
    let c = Cols {
        lmi: s.lmi.as_ref(),
        default: s.default.as_ref(),
    };
    let mut out = vec![cost(&c, s)];
    out.extend(calendar(&c, s));
    out.extend([requests(&c), latency(&c)]);
    out.extend(spill_over(s));
    if let Some(l) = c.lmi {
        out.push(fleet(l));
    }
    out.extend(c.lmi.and_then(choices));
    out.extend(sources(&c));
    out.extend(
        c.lmi
            .and_then(|l| l.faults.as_ref())
            .map(super::faults::table),
    );
    // Per-function blocks go here: one `Table` per entry of `s.functions`.
    out
}

/// The verdict in one sentence, and whether there is one (a platform is
/// cheaper) — `None` when only one platform ran.
pub fn verdict(s: &Summary) -> Option<(bool, String)> {
    let c = s.comparison.as_ref()?;
    Some(match (c.cheaper, &c.withheld) {
        (Some(p), _) => (
            true,
            format!(
                "{} is cheaper by {} per month ({:.0}%): {} against {}.",
                platform_name(p),
                fmt_usd(c.monthly_savings_usd),
                c.savings_fraction * 100.0,
                fmt_usd(if p == "lmi" {
                    c.lmi_monthly_usd
                } else {
                    c.default_monthly_usd
                }),
                fmt_usd(if p == "lmi" {
                    c.default_monthly_usd
                } else {
                    c.lmi_monthly_usd
                }),
            ),
        ),
        (None, why) => (
            false,
            format!(
                "No cost verdict: {}. Per month, not comparable: LMI {}, default Lambda {}.",
                why.as_deref().unwrap_or("a platform is unfit to compare"),
                fmt_usd(c.lmi_monthly_usd),
                fmt_usd(c.default_monthly_usd)
            ),
        ),
    })
}

/// The line under the verdict: what it compares.
pub fn verdict_basis(s: &Summary) -> Option<String> {
    s.comparison
        .as_ref()
        .map(|c| format!("Compares the {}.", c.compares))
}

/// The line that says what was run.
pub fn run_line(s: &Summary) -> String {
    let platforms = match (s.lmi.is_some(), s.default.is_some()) {
        (true, true) => "LMI and default Lambda",
        (true, false) => "LMI only",
        _ => "default Lambda only",
    };
    format!(
        "lmi-sim {} · seed {} · horizon {} · {} arrivals · {platforms}",
        s.lmi_sim_version,
        s.seed,
        horizon(s.horizon_s),
        fmt_count(s.arrivals)
    )
}

/// "LMI + spill-over" beside LMI alone (`[functions.spill_over]`; `None`
/// without one).
fn spill_over(s: &Summary) -> Option<Table> {
    let sp = s.spill_over.as_ref()?;
    let l = s.lmi.as_ref()?;
    let (lf, f) = (&l.figures, &sp.figures);
    let b = &f.blend;
    let pair = |label: &str, a: String, z: String| vec![label.to_string(), a, z];
    let rows = vec![
        pair(
            "invocations",
            fmt_count(lf.invocations),
            fmt_count(b.invocations),
        ),
        pair("served", fmt_count(lf.served), fmt_count(b.served)),
        pair(
            "↳ by the fallback",
            "-".into(),
            fmt_count(f.served_by_fallback),
        ),
        pair("throttled", fmt_count(lf.throttled), fmt_count(b.throttled)),
        pair(
            "↳ spilled (LMI throttles retried)",
            "-".into(),
            fmt_count(f.spilled),
        ),
        pair(
            "↳ throttles avoided",
            "-".into(),
            fmt_count(f.throttles_avoided),
        ),
        pair(
            "↳ throttled by the fallback",
            "-".into(),
            fmt_count(f.fallback_throttled),
        ),
        pair(
            "throttle rate",
            fmt_pct(lf.throttle_rate),
            fmt_pct(b.throttle_rate),
        ),
        pair(
            "cold starts (fallback)",
            "-".into(),
            fmt_count(f.fallback_cold_starts),
        ),
        pair(
            "latency p50",
            fmt_ms(lf.latency.p50_ms),
            fmt_ms(b.latency.p50_ms),
        ),
        pair(
            "latency p99",
            fmt_ms(lf.latency.p99_ms),
            fmt_ms(b.latency.p99_ms),
        ),
        pair(
            "spilled requests p99",
            "-".into(),
            fmt_ms(f.spilled_latency.p99_ms),
        ),
        pair(
            "cost for the horizon",
            fmt_usd(l.cost.total_usd),
            fmt_usd(sp.blended_total_usd),
        ),
        pair(
            &format!("cost {}", super::terminal::month_label(s)),
            fmt_usd(l.cost.monthly_usd),
            fmt_usd(sp.blended_monthly_usd),
        ),
    ];
    let highlight = Some(rows.len() - 1);
    Some(Table {
        title: "LMI + spill-over to default Lambda".into(),
        columns: vec![String::new(), "LMI".into(), "LMI + spill-over".into()],
        rows,
        note: Some(format!(
            "LMI's throttles retried on a default-Lambda fallback ({}); spilled latency from the first try on LMI; the blended bill is LMI's plus the fallback's ({} per month).",
            sp.config
                .iter()
                .map(|c| format!("{} after {:.0} ms", c.function, c.delay_s * 1000.0))
                .collect::<Vec<_>>()
                .join(", "),
            fmt_usd(sp.extra_monthly_usd)
        )),
        highlight,
        all_text: false,
    })
}
