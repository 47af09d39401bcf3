//! A sweep's `summary.md` and `report.html`: the best point (the goal's
//! pick), the crossover and the Pareto front, the results table (means over
//! replications, as in `results.csv`) and the charts, from the same
//! `SweepSummary` and rows that `summary.json` and `results.csv` are written
//! from — so a merged sweep's reports equal one machine's. Formats only; must
//! not run points, compute figures or write files.

use super::{PointResult, SweepSummary, fmt_volume};
use crate::report::fmt_usd;
use crate::report::html as h;
use crate::report::markdown as md;
use crate::report::tables::{Table, fmt_ms, fmt_pct, platform_name};
use std::fmt::Write as _;

/// Points above which `summary.md` lists only the pick and the Pareto front
/// (a pull-request comment must stay short; `results.csv` has every point).
pub const MD_MAX_ROWS: usize = 60;

fn opt(x: Option<f64>, f: &dyn Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| "-".into())
}

/// Which platforms the rows hold, in column order.
fn platforms(rows: &[(PointResult, Vec<String>)]) -> Vec<&'static str> {
    let mut p = Vec::new();
    if rows.iter().any(|(r, _)| r.lmi.is_some()) {
        p.push("lmi");
    }
    if rows.iter().any(|(r, _)| r.default.is_some()) {
        p.push("default");
    }
    if rows.iter().any(|(r, _)| r.blend.is_some()) {
        p.push("blend");
    }
    p
}

fn pick_point(s: &SweepSummary) -> Option<usize> {
    s.goal
        .as_ref()
        .and_then(|g| g.pick.as_ref())
        .map(|p| p.point)
}

/// Column heads of the axes: each key's last segment
/// (`PerExecutionEnvironmentMaxConcurrency`), or the whole key where two
/// axes share a last segment.
pub fn short_keys(s: &SweepSummary) -> Vec<String> {
    let last = |k: &str| -> String {
        let seg = k.rsplit('.').next().unwrap_or(k);
        // `ScalingPolicies[0].TargetValue` keeps its parent for sense.
        seg.to_string()
    };
    s.axes
        .iter()
        .map(|a| {
            let l = last(&a.key);
            if s.axes.iter().filter(|b| last(&b.key) == l).count() > 1 {
                a.key.clone()
            } else {
                l
            }
        })
        .collect()
}

/// The axes' full key paths, one line.
fn axes_line(s: &SweepSummary) -> String {
    let keys: Vec<String> = s
        .axes
        .iter()
        .map(|a| format!("`{}` ({} values)", a.key, a.values.len()))
        .collect();
    format!("Axes: {}.", keys.join(", "))
}

/// The results table: one row per point (or, with `only`, those points).
pub fn results_table(
    s: &SweepSummary,
    rows: &[(PointResult, Vec<String>)],
    only: Option<&[usize]>,
) -> Table {
    let plats = platforms(rows);
    let mut columns = vec!["point".to_string(), "".to_string()];
    columns.extend(short_keys(s));
    for p in &plats {
        let n = match *p {
            "lmi" => "LMI",
            "blend" => "LMI + spill-over",
            _ => "default",
        };
        columns.push(format!("{n} $/month"));
        columns.push(format!("{n} throttle rate"));
        columns.push(format!("{n} p99"));
        if *p == "lmi" {
            columns.push("LMI peak instances".into());
        }
    }
    let pick = pick_point(s);
    let mut out = Vec::new();
    let mut highlight = None;
    for (r, labels) in rows {
        if only.is_some_and(|o| !o.contains(&r.point)) {
            continue;
        }
        let mark = if pick == Some(r.point) {
            "★ pick"
        } else if s.pareto_front.contains(&r.point) {
            "front"
        } else {
            ""
        };
        if pick == Some(r.point) {
            highlight = Some(out.len());
        }
        let mut row = vec![r.point.to_string(), mark.to_string()];
        row.extend(labels.iter().cloned());
        for p in &plats {
            let st = r.platform(p);
            row.push(opt(st.and_then(|x| x.monthly_usd.mean), &fmt_usd));
            row.push(opt(st.and_then(|x| x.throttle_rate.mean), &fmt_pct));
            row.push(fmt_ms(st.and_then(|x| x.p99_ms.mean)));
            if *p == "lmi" {
                row.push(opt(st.and_then(|x| x.peak_instances.mean), &|v| {
                    format!("{v:.1}")
                }));
            }
        }
        out.push(row);
    }
    let mut note = String::from(
        "Means over replications; `results.csv` has every figure with its 95% confidence interval. \"front\": on the Pareto front of cost and throttle rate",
    );
    let _ = write!(note, " ({}).", platform_name(&s.pareto_platform));
    if let Some(o) = only {
        let _ = write!(
            note,
            " Only the pick and the front are listed ({} of {} points).",
            o.len(),
            rows.len()
        );
    }
    Table {
        title: match only {
            Some(_) => "The pick and the Pareto front".into(),
            None => format!("All {} points", out.len()),
        },
        columns,
        rows: out,
        note: Some(note),
        highlight,
        all_text: false,
    }
}

/// The best-point lines: the goal's pick, the crossover, the front.
pub fn findings(s: &SweepSummary) -> Vec<String> {
    let mut out = Vec::new();
    match &s.goal {
        Some(g) => match &g.pick {
            Some(p) => {
                let vals: Vec<String> = p
                    .values
                    .iter()
                    .map(|kv| format!("`{}` = {}", kv.key, kv.value))
                    .collect();
                out.push(format!(
                    "Best point (goal: {}): point {} — {} — {}/month, throttle rate {}, p99 {}; {} of {} points meet the goal.",
                    g.spec.describe(),
                    p.point,
                    if vals.is_empty() { "no axes".into() } else { vals.join(", ") },
                    opt(p.monthly_usd, &fmt_usd),
                    opt(p.throttle_rate, &fmt_pct),
                    fmt_ms(p.p99_ms),
                    g.feasible_points,
                    s.points
                ));
            }
            None => out.push(format!("No point meets the goal ({}).", g.spec.describe())),
        },
        None => out.push(
            "The sweep file sets no goal: no best point is picked (the Pareto front is below)."
                .into(),
        ),
    }
    if let Some(c) = &s.crossover {
        out.push(format!(
            "Crossover: LMI and default Lambda cost the same at about {} invocations/month (about {}/month), between points {} and {}; {} is cheaper above{}.",
            fmt_volume(c.monthly_invocations),
            fmt_usd(c.monthly_usd),
            c.between_points[0],
            c.between_points[1],
            platform_name(&c.cheaper_above),
            if c.crossings > 1 {
                format!(" ({} crossings; this is the first)", c.crossings)
            } else {
                String::new()
            }
        ));
    } else if s.platforms == "both" && s.shard.is_none() {
        out.push(
            "Crossover: none in the swept range (one platform is cheaper at every point).".into(),
        );
    }
    if !s.pareto_front.is_empty() {
        let pts: Vec<String> = s.pareto_front.iter().map(|p| p.to_string()).collect();
        out.push(format!(
            "Pareto front ({}, by cost): points {}.",
            platform_name(&s.pareto_platform),
            pts.join(", ")
        ));
    }
    out
}

fn run_line(s: &SweepSummary, n_rows: usize) -> String {
    let shard = s
        .shard
        .as_ref()
        .map(|sh| format!(" · shard {}/{} ({n_rows} points)", sh.index, sh.count))
        .unwrap_or_default();
    format!(
        "lmi-sim {} · seed {} · {} points × {} replication{} · platforms: {}{shard}",
        s.lmi_sim_version,
        s.seed,
        s.points,
        s.replications,
        if s.replications == 1 { "" } else { "s" },
        s.platforms
    )
}

/// A sweep's `summary.md` bytes.
pub fn markdown(s: &SweepSummary, rows: &[(PointResult, Vec<String>)]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## lmi-sim sweep: `{}`\n", s.sweep);
    if !s.description.is_empty() {
        let _ = writeln!(o, "{}\n", s.description.trim());
    }
    let _ = writeln!(o, "{}\n", run_line(s, rows.len()));
    for (i, f) in findings(s).iter().enumerate() {
        if i == 0 {
            let _ = writeln!(o, "> **{f}**");
        } else {
            let _ = writeln!(o, ">\n> {f}");
        }
    }
    o.push('\n');
    if !s.axes.is_empty() {
        let _ = writeln!(o, "{}\n", axes_line(s));
    }
    let only: Option<Vec<usize>> = (rows.len() > MD_MAX_ROWS).then(|| {
        let mut p: Vec<usize> = s.pareto_front.clone();
        p.extend(pick_point(s));
        p.sort_unstable();
        p.dedup();
        p
    });
    md::table(&mut o, &results_table(s, rows, only.as_deref()));
    let _ = writeln!(
        o,
        "<sub>Written by lmi-sim {} (sweep `{}`, seed {}, fingerprint {}); every point is in `results.csv`.</sub>",
        s.lmi_sim_version, s.sweep, s.seed, s.fingerprint
    );
    o
}

/// A sweep's `report.html` bytes (`notes`: charts skipped, and why).
pub fn html(
    s: &SweepSummary,
    rows: &[(PointResult, Vec<String>)],
    pngs: &[(String, Vec<u8>)],
    notes: &[String],
) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header>\n<h1>{} <small>lmi-sim sweep report</small></h1>",
        h::escape(&s.sweep)
    );
    if !s.description.is_empty() {
        let _ = writeln!(b, "<p>{}</p>", h::escape(s.description.trim()));
    }
    let _ = writeln!(
        b,
        "<p class=\"meta\">{}</p>\n<nav><a href=\"#results\">Results</a><a href=\"#charts\">Charts</a></nav>\n</header>",
        h::escape(&run_line(s, rows.len()))
    );
    let found = findings(s);
    let picked = pick_point(s).is_some();
    let _ = writeln!(
        b,
        "<div class=\"verdict{}\">",
        if picked { "" } else { " none" }
    );
    for (i, f) in found.iter().enumerate() {
        let t = h::rich(f);
        if i == 0 {
            let _ = writeln!(b, "<p><strong>{t}</strong></p>");
        } else {
            let _ = writeln!(b, "<p class=\"basis\">{t}</p>");
        }
    }
    let _ = writeln!(b, "</div>");
    let _ = writeln!(b, "<h2 id=\"results\">Results</h2>");
    if !s.axes.is_empty() {
        let _ = writeln!(b, "<p>{}</p>", h::rich(&axes_line(s)));
    }
    let _ = writeln!(b, "<div class=\"wide\">");
    h::table(&mut b, &results_table(s, rows, None));
    let _ = writeln!(b, "</div>");
    let missing = if notes.is_empty() {
        "No charts: the sweep had --no-charts.".to_string()
    } else {
        notes.join("; ")
    };
    h::charts(&mut b, pngs, Some(&missing));
    if !pngs.is_empty() && !notes.is_empty() {
        let _ = writeln!(b, "<p class=\"note\">{}</p>", h::escape(&notes.join("; ")));
    }
    let _ = writeln!(
        b,
        "<footer>Written by lmi-sim {} from sweep <code>{}</code>, seed {}, fingerprint <code>{}</code>. Every point is in <code>results.csv</code>; this page needs no network.</footer>",
        h::escape(&s.lmi_sim_version),
        h::escape(&s.sweep),
        s.seed,
        h::escape(&s.fingerprint)
    );
    h::page(&format!("lmi-sim sweep report: {}", s.sweep), &b)
}
