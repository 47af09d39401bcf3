//! `lmi-sim compare DIR_A DIR_B`: two runs' `summary.json` side by side —
//! cost, throttles, latency percentiles, cold starts and fleet size of each
//! platform, with the change from A to B (absolute and %). Reads the two
//! files and formats (terminal, 80 columns; markdown); must not run anything,
//! write files or print.
//!
//! The summaries are read as JSON values by key path, so that fields added
//! to `summary.json` later (per-function blocks) do not break reading older
//! or newer outputs; a new row is one more [`Spec`] line.

use crate::report::fmt_usd;
use crate::report::tables::{fmt_count, horizon, platform_name};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `schema` of a run's `summary.json`.
const RUN_SCHEMA: &str = crate::report::SCHEMA;

/// One run's summary, read from its output directory.
#[derive(Clone, Debug)]
pub struct Side {
    pub dir: PathBuf,
    pub json: Value,
}

impl Side {
    fn str(&self, key: &str) -> String {
        let mut v = Some(&self.json);
        for k in key.split('.') {
            v = v.and_then(|v| v.get(k));
        }
        match v {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => "?".into(),
        }
    }

    fn num(&self, path: &str) -> Option<f64> {
        let mut v = &self.json;
        for k in path.split('.') {
            v = v.get(k)?;
        }
        v.as_f64()
    }

    /// "scenario `x`, seed 1, horizon 4.0 h, lmi-sim 0.1.0".
    pub fn describe(&self) -> String {
        format!(
            "scenario `{}`, seed {}, horizon {}, lmi-sim {}",
            self.str("scenario"),
            self.str("seed"),
            self.num("horizon_s").map_or("?".into(), horizon),
            self.str("lmi_sim_version")
        )
    }
}

/// Reads `dir/summary.json` and checks that it is an `lmi-sim run` output.
/// The error says what `dir` is instead and what `compare` takes.
pub fn load(dir: &Path) -> Result<Side, String> {
    let d = dir.display();
    let takes = "compare takes two output directories of `lmi-sim run` (out/<scenario>/)";
    if !dir.exists() {
        return Err(format!("{d}: no such directory; {takes}"));
    }
    if !dir.is_dir() {
        return Err(format!("{d}: is a file, not a directory; {takes}"));
    }
    let f = dir.join("summary.json");
    if !f.is_file() {
        let what = if dir.join("results.csv").is_file() {
            "a sweep's output (it has results.csv)".to_string()
        } else if dir.join(crate::output::MARKER).is_file() {
            "an lmi-sim directory without summary.json".to_string()
        } else {
            "not an lmi-sim output directory (no summary.json, no .lmi-sim marker)".to_string()
        };
        return Err(format!("{d}: {what}; {takes}"));
    }
    let text =
        std::fs::read_to_string(&f).map_err(|e| format!("{}: cannot read: {e}", f.display()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}: not valid JSON ({e}); {takes}",
            f.display(),
            e.line()
        )
    })?;
    match json.get("schema").and_then(Value::as_str) {
        Some(RUN_SCHEMA) => {}
        Some(s) if s.starts_with("lmi-sim/sweep-summary") => {
            return Err(format!(
                "{}: schema \"{s}\" is a sweep's summary; {takes}",
                f.display()
            ));
        }
        Some(s) => {
            return Err(format!(
                "{}: schema \"{s}\" is not a run summary (expected \"{RUN_SCHEMA}\"); {takes}",
                f.display()
            ));
        }
        None => {
            return Err(format!(
                "{}: no \"schema\" key: not written by lmi-sim (expected \"schema\": \"{RUN_SCHEMA}\"); {takes}",
                f.display()
            ));
        }
    }
    if json.get("lmi").is_none_or(Value::is_null) && json.get("default").is_none_or(Value::is_null)
    {
        return Err(format!(
            "{}: neither \"lmi\" nor \"default\" holds figures; {takes}",
            f.display()
        ));
    }
    Ok(Side {
        dir: dir.to_path_buf(),
        json,
    })
}

/// How a figure is shown.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Kind {
    Usd,
    Count,
    /// A fraction, shown as a percentage; its change in percentage points.
    Rate,
    Ms,
    /// One decimal (mean instances, mean EEs).
    Decimal,
}

/// One row: a label and the key path under the platform's object.
struct Spec {
    label: &'static str,
    path: &'static str,
    kind: Kind,
}

const fn spec(label: &'static str, path: &'static str, kind: Kind) -> Spec {
    Spec { label, path, kind }
}

/// Rows of both platforms, in order.
const COMMON: [Spec; 11] = [
    spec("monthly cost", "cost.monthly_usd", Kind::Usd),
    spec("cost for the horizon", "cost.total_usd", Kind::Usd),
    spec("invocations", "invocations", Kind::Count),
    spec("throttled", "throttled", Kind::Count),
    spec("throttle rate", "throttle_rate", Kind::Rate),
    spec("latency p50", "latency.p50_ms", Kind::Ms),
    spec("latency p90", "latency.p90_ms", Kind::Ms),
    spec("latency p99", "latency.p99_ms", Kind::Ms),
    spec("latency max", "latency.max_ms", Kind::Ms),
    spec("cold starts", "cold_starts", Kind::Count),
    spec("peak concurrency", "peak_concurrency", Kind::Count),
];

/// LMI's fleet rows.
const FLEET: [Spec; 5] = [
    spec("instances, peak", "fleet.peak_instances", Kind::Count),
    spec("instances, mean", "fleet.mean_instances", Kind::Decimal),
    spec("vCPUs, peak", "fleet.peak_vcpus", Kind::Count),
    spec(
        "EEs, peak",
        "fleet.peak_execution_environments",
        Kind::Count,
    ),
    spec(
        "EEs, mean",
        "fleet.mean_execution_environments",
        Kind::Decimal,
    ),
];

/// One compared figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// "lmi" or "default".
    pub platform: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub a: Option<f64>,
    pub b: Option<f64>,
}

impl Row {
    /// B − A.
    pub fn delta(&self) -> Option<f64> {
        Some(self.b? - self.a?)
    }
    /// (B − A) / A; `None` when A is 0 or either is missing.
    pub fn relative(&self) -> Option<f64> {
        let (a, b) = (self.a?, self.b?);
        (a != 0.0).then(|| (b - a) / a.abs())
    }
}

/// Every compared figure of the platforms either run simulated.
pub fn rows(a: &Side, b: &Side) -> Vec<Row> {
    let mut out = Vec::new();
    for p in ["lmi", "default"] {
        let has = |s: &Side| s.json.get(p).is_some_and(|v| !v.is_null());
        if !has(a) && !has(b) {
            continue;
        }
        let fleet: &[Spec] = if p == "lmi" { &FLEET } else { &[] };
        for s in COMMON.iter().chain(fleet) {
            let key = format!("{p}.{}", s.path);
            out.push(Row {
                platform: p,
                label: s.label,
                kind: s.kind,
                a: a.num(&key),
                b: b.num(&key),
            });
        }
    }
    out
}

/// A value as shown.
pub fn value(kind: Kind, v: Option<f64>) -> String {
    let Some(v) = v else { return "-".into() };
    match kind {
        Kind::Usd => fmt_usd(v),
        Kind::Count => fmt_count(v.round().max(0.0) as u64),
        Kind::Rate => format!("{:.3}%", v * 100.0),
        Kind::Ms if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Kind::Ms => format!("{v:.1} ms"),
        Kind::Decimal => format!("{v:.1}"),
    }
}

/// A change as shown, with its sign: +$879, -1,234, +0.120 pp, +12.3 ms.
pub fn change(kind: Kind, d: Option<f64>) -> String {
    let Some(d) = d else { return "-".into() };
    let sign = if d < 0.0 {
        "-"
    } else if d > 0.0 {
        "+"
    } else {
        ""
    };
    let m = d.abs();
    match kind {
        Kind::Usd => format!("{sign}{}", fmt_usd(m)),
        Kind::Count => format!("{sign}{}", fmt_count(m.round() as u64)),
        Kind::Rate => format!("{sign}{:.3} pp", m * 100.0),
        Kind::Ms => format!("{sign}{m:.1} ms"),
        Kind::Decimal => format!("{sign}{m:.1}"),
    }
}

/// A relative change as shown: +21.3%, or "-" (A is 0).
pub fn percent(r: Option<f64>) -> String {
    match r {
        Some(0.0) => "0.0%".into(),
        Some(r) => format!("{}{:.1}%", if r < 0.0 { "-" } else { "+" }, r.abs() * 100.0),
        None => "-".into(),
    }
}

/// A run's cost verdict in a few words, from its `comparison`.
fn verdict(s: &Side) -> Option<String> {
    let c = s.json.get("comparison").filter(|c| !c.is_null())?;
    Some(match c.get("cheaper").and_then(Value::as_str) {
        Some(p) => format!(
            "{} is cheaper by {} per month",
            platform_name(p),
            fmt_usd(s.num("comparison.monthly_savings_usd").unwrap_or(0.0))
        ),
        None => format!(
            "no cost verdict: {}",
            c.get("withheld")
                .and_then(Value::as_str)
                .unwrap_or("a platform is unfit to compare")
        ),
    })
}

/// What the reader should know: different scenarios, horizons, traffic.
pub fn notes(a: &Side, b: &Side) -> Vec<String> {
    let mut n = Vec::new();
    if a.str("scenario") != b.str("scenario") {
        n.push(format!(
            "different scenarios: `{}` and `{}`",
            a.str("scenario"),
            b.str("scenario")
        ));
    }
    let (ha, hb) = (a.num("horizon_s"), b.num("horizon_s"));
    if ha != hb {
        n.push(format!(
            "different horizons ({} and {}): compare the monthly costs and rates, not counts or horizon costs",
            ha.map_or("?".into(), horizon),
            hb.map_or("?".into(), horizon)
        ));
    }
    if a.str("month.basis") != b.str("month.basis")
        && a.str("month.basis") != "?"
        && b.str("month.basis") != "?"
    {
        n.push(format!(
            "monthly figures on different bases: A {}; B {}",
            a.str("month.basis"),
            b.str("month.basis")
        ));
    }
    if a.str("arrivals_checksum") == b.str("arrivals_checksum") {
        n.push("same offered requests (equal arrivals checksums)".into());
    } else {
        n.push("different offered requests (the arrivals checksums differ)".into());
    }
    for (name, s) in [("A", a), ("B", b)] {
        if let Some(v) = verdict(s) {
            n.push(format!("{name}: {v}"));
        }
    }
    if a.str("lmi_sim_version") != b.str("lmi_sim_version") {
        n.push(format!(
            "written by different lmi-sim versions ({} and {})",
            a.str("lmi_sim_version"),
            b.str("lmi_sim_version")
        ));
    }
    n
}

/// The comparison for a terminal, at most 80 columns (but for long paths).
pub fn terminal(a: &Side, b: &Side) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "lmi-sim compare (Δ = B - A)");
    let _ = writeln!(o, "  A: {}/", a.dir.display());
    let _ = writeln!(o, "     {}", a.describe());
    let _ = writeln!(o, "  B: {}/", b.dir.display());
    let _ = writeln!(o, "     {}", b.describe());
    let line = |o: &mut String, l: &str, x: &str, y: &str, d: &str, p: &str| {
        let _ = writeln!(o, "  {l:<22}{x:>13}{y:>13}{d:>14}{p:>9}");
    };
    let mut last = "";
    for r in rows(a, b) {
        if r.platform != last {
            last = r.platform;
            let _ = writeln!(o);
            line(&mut o, platform_name(r.platform), "A", "B", "Δ", "Δ%");
        }
        line(
            &mut o,
            r.label,
            &value(r.kind, r.a),
            &value(r.kind, r.b),
            &change(r.kind, r.delta()),
            &percent(r.relative()),
        );
    }
    let _ = writeln!(o);
    for n in notes(a, b) {
        for l in wrap(&format!("note: {n}"), 76) {
            let _ = writeln!(o, "  {l}");
        }
    }
    o
}

/// `text` in lines of at most `width` characters (longer words whole),
/// continuation lines indented by 4.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for w in text.split(' ') {
        let cur = lines.last_mut().expect("one line");
        let len = cur.chars().count();
        if len > 4 && len + 1 + w.chars().count() > width {
            lines.push(format!("    {w}"));
        } else {
            if !cur.is_empty() && !cur.ends_with("    ") {
                cur.push(' ');
            }
            cur.push_str(w);
        }
    }
    lines
}

/// The comparison as markdown.
pub fn markdown(a: &Side, b: &Side) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## lmi-sim compare\n");
    let _ = writeln!(o, "- **A**: `{}/` — {}", a.dir.display(), a.describe());
    let _ = writeln!(o, "- **B**: `{}/` — {}\n", b.dir.display(), b.describe());
    let mut last = "";
    for r in rows(a, b) {
        if r.platform != last {
            last = r.platform;
            let _ = writeln!(
                o,
                "{}### {}\n\n| | A | B | Δ (B - A) | Δ% |\n|:---|---:|---:|---:|---:|",
                if o.ends_with("|\n") { "\n" } else { "" },
                platform_name(r.platform)
            );
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            r.label,
            value(r.kind, r.a),
            value(r.kind, r.b),
            change(r.kind, r.delta()),
            percent(r.relative())
        );
    }
    o.push('\n');
    for n in notes(a, b) {
        let _ = writeln!(o, "- {n}");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_wrap_at_the_width() {
        let l = wrap("note: aaa bbb ccc ddd", 12);
        assert_eq!(l, ["note: aaa", "    bbb ccc", "    ddd"]);
    }

    #[test]
    fn changes_carry_their_sign_and_unit() {
        assert_eq!(change(Kind::Usd, Some(-1234.4)), "-$1,234");
        assert_eq!(change(Kind::Usd, Some(0.5)), "+$0.50");
        assert_eq!(change(Kind::Rate, Some(0.0012)), "+0.120 pp");
        assert_eq!(change(Kind::Count, Some(-3.0)), "-3");
        assert_eq!(change(Kind::Ms, Some(12.34)), "+12.3 ms");
        assert_eq!(change(Kind::Count, Some(0.0)), "0");
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(Some(0.2134)), "+21.3%");
        assert_eq!(percent(Some(-0.5)), "-50.0%");
        assert_eq!(percent(None), "-");
        let r = Row {
            platform: "lmi",
            label: "x",
            kind: Kind::Count,
            a: Some(0.0),
            b: Some(5.0),
        };
        assert_eq!((r.delta(), r.relative()), (Some(5.0), None));
    }
}
