//! `report.html`: one self-contained page per run — the verdict, warnings,
//! the tables of [`super::tables`], every chart PNG embedded as a base64
//! `data:` URI and the scenario text. No external resource (no script, font,
//! stylesheet or image from elsewhere): it opens offline and can be mailed or
//! attached as one file. The page helpers are shared with the sweep report.
//! Formats only; must not compute figures, write or print.

use super::Summary;
use super::markdown::is_text_column;
use super::tables::{self, Table};
use std::fmt::Write as _;

/// Text made safe for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Like [`escape`], with `code` spans (markdown backticks) as `<code>`.
pub fn rich(s: &str) -> String {
    let mut o = String::new();
    for (i, part) in escape(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(o, "<code>{part}</code>");
        } else {
            o.push_str(part);
        }
    }
    o
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for ch in bytes.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= ch.len() {
                o.push(A[(n >> shift & 63) as usize] as char);
            } else {
                o.push('=');
            }
        }
    }
    o
}

/// The page's style sheet: system fonts only, readable at any width.
const CSS: &str = r#"
:root { --fg: #1d232b; --muted: #5b6572; --line: #d9dee5; --band: #f4f6f9; --lmi: #1f77b4; --def: #e07b00; --ok: #2e7d32; --warn: #b26a00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header h1 small { font-weight: normal; color: var(--muted); font-size: 15px; }
header p { margin: 4px 0; }
.meta { color: var(--muted); font-size: 13px; }
nav { margin: 10px 0 0; font-size: 13px; }
nav a { color: var(--lmi); margin-right: 14px; text-decoration: none; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
.verdict { margin: 18px 0 0; padding: 12px 16px; border-left: 5px solid var(--ok); background: #eef7ee; font-size: 16px; }
.verdict.none { border-color: var(--warn); background: #fff5e6; }
.verdict p { margin: 2px 0; }
.verdict .basis { font-size: 13px; color: var(--muted); }
.warnings { margin: 14px 0 0; padding: 10px 16px; border: 1px solid #f0c987; background: #fffaf0; }
.warnings h2 { border: 0; margin: 0 0 6px; font-size: 15px; padding: 0; }
.warnings ul { margin: 0; padding-left: 20px; }
.warnings li { margin: 3px 0; }
code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--band); padding: 1px 4px; border-radius: 3px; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px 28px; }
.tables > section { min-width: 0; }
.tables > section.span { grid-column: 1 / -1; }
td.text:first-child { white-space: nowrap; }
.wkey { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { text-align: right; background: var(--band); font-weight: 600; }
th.text, td.text { text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.hl td { font-weight: 700; background: #eef4fb; }
th.lmi { color: var(--lmi); } th.default { color: var(--def); }
td.sub { padding-left: 22px; color: var(--muted); }
tr.pick td { background: #eef7ee; font-weight: 600; }
.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
figure { margin: 0 0 26px; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 2px; }
figcaption code { font-size: 12px; }
pre { background: var(--band); border: 1px solid var(--line); padding: 12px; overflow-x: auto; font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.wide { overflow-x: auto; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print { main { max-width: none; } figure { break-inside: avoid; } }
"#;

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// Class of a column head: the platform's colour.
fn head_class(h: &str, text: bool) -> &'static str {
    match (h, text) {
        ("LMI", _) => "lmi",
        ("default Lambda", _) => "default",
        (_, true) => "text",
        _ => "",
    }
}

/// One table as an HTML `<section>` (title, table, note).
pub fn table(o: &mut String, t: &Table) {
    // A table with a column of sentences takes the page's whole width.
    let wide = (1..t.columns.len()).any(|c| is_text_column(t, c))
        && t.rows.iter().flatten().any(|x| x.chars().count() > 40);
    let _ = writeln!(
        o,
        "<section{}>\n<h3>{}</h3>",
        if wide { " class=\"span\"" } else { "" },
        escape(&t.title)
    );
    let _ = write!(o, "<table>\n<thead><tr>");
    for (c, h) in t.columns.iter().enumerate() {
        let _ = write!(
            o,
            "<th class=\"{}\">{}</th>",
            head_class(h, is_text_column(t, c)),
            escape(h)
        );
    }
    let _ = writeln!(o, "</tr></thead>\n<tbody>");
    for (i, r) in t.rows.iter().enumerate() {
        let cls = if t.highlight == Some(i) {
            " class=\"hl\""
        } else {
            ""
        };
        let _ = write!(o, "<tr{cls}>");
        for (c, v) in r.iter().enumerate() {
            let class = if c == 0 && v.starts_with('↳') {
                "text sub"
            } else if is_text_column(t, c) {
                "text"
            } else {
                "num"
            };
            let _ = write!(o, "<td class=\"{class}\">{}</td>", escape(v));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody>\n</table>");
    if let Some(n) = &t.note {
        let _ = writeln!(o, "<p class=\"note\">{}</p>", rich(n));
    }
    let _ = writeln!(o, "</section>");
}

/// What a chart file shows, from its name (`checkout-latency.png` → the
/// function and "latency").
pub fn chart_caption(file: &str) -> String {
    const KNOWN: [(&str, &str); 8] = [
        (
            "lmi-capacity",
            "LMI capacity against demand: in-flight invocations and EE slots, EEs, instances, vCPUs against MaxVCpuCount, CPU utilization against the target",
        ),
        (
            "throttles",
            "Offered requests and throttled requests per interval",
        ),
        (
            "cost",
            "Cumulative cost over the horizon, by component, and the monthly projection",
        ),
        (
            "latency",
            "Latency p50 and p99 per interval (log scale) and default-Lambda cold starts",
        ),
        (
            "backlog",
            "Requests waiting in queues and retries, and the age of the oldest",
        ),
        (
            "crossover",
            "Monthly cost against monthly invocations, both platforms, the crossover marked",
        ),
        (
            "heatmap",
            "Throttle rate over the first two axes (the goal's pick outlined)",
        ),
        (
            "pareto",
            "Monthly cost against throttle rate for every point, the Pareto front and the pick",
        ),
    ];
    let stem = file.strip_suffix(".png").unwrap_or(file);
    for (k, what) in KNOWN {
        if stem == k {
            return format!("{what}.");
        }
        if let Some(f) = stem.strip_suffix(k).and_then(|p| p.strip_suffix('-')) {
            return format!("Function `{f}` — {what}.");
        }
    }
    String::new()
}

/// Every chart as a `<figure>` with its PNG inline.
pub fn charts(o: &mut String, charts: &[(String, Vec<u8>)], missing: Option<&str>) {
    let _ = writeln!(o, "<h2 id=\"charts\">Charts</h2>");
    if charts.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"note\">{}</p>",
            escape(missing.unwrap_or("No charts were drawn."))
        );
    }
    for (name, png) in charts {
        let cap = chart_caption(name);
        let _ = writeln!(
            o,
            "<figure id=\"{}\">\n<img alt=\"{}\" src=\"data:image/png;base64,{}\">\n<figcaption><code>{}</code> {}</figcaption>\n</figure>",
            escape(name.trim_end_matches(".png")),
            escape(name),
            base64(png),
            escape(name),
            escape(&cap)
        );
    }
}

/// `report.html` bytes. `scenario` is the scenario file's name and text;
/// `missing` says why there are no charts (`--no-charts`, a drawing error).
pub fn html(
    s: &Summary,
    pngs: &[(String, Vec<u8>)],
    scenario: Option<(&str, &str)>,
    missing: Option<&str>,
) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header>\n<h1>{} <small>lmi-sim report</small></h1>",
        escape(&s.scenario)
    );
    if !s.description.is_empty() {
        let _ = writeln!(b, "<p>{}</p>", escape(s.description.trim()));
    }
    let _ = writeln!(b, "<p class=\"meta\">{}</p>", escape(&tables::run_line(s)));
    let _ = writeln!(
        b,
        "<nav><a href=\"#figures\">Figures</a><a href=\"#charts\">Charts</a>{}</nav>\n</header>",
        if scenario.is_some() {
            "<a href=\"#scenario\">Scenario</a>"
        } else {
            ""
        }
    );
    if let Some((cheaper, text)) = tables::verdict(s) {
        let _ = writeln!(
            b,
            "<div class=\"verdict{}\"><p><strong>{}</strong></p>",
            if cheaper { "" } else { " none" },
            escape(&text)
        );
        if let Some(basis) = tables::verdict_basis(s) {
            let _ = writeln!(b, "<p class=\"basis\">{}</p>", escape(&basis));
        }
        let _ = writeln!(b, "</div>");
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(
            b,
            "<div class=\"warnings\">\n<h2>Warnings ({})</h2>\n<ul>",
            s.warnings.len()
        );
        for w in &s.warnings {
            let key = w
                .key
                .as_ref()
                .map(|k| {
                    format!(
                        " <span class=\"wkey\">(scenario key <code>{}</code>)</span>",
                        escape(k)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                b,
                "<li><code>{}</code> {}{key}</li>",
                escape(w.code),
                escape(&w.message)
            );
        }
        let _ = writeln!(b, "</ul>\n</div>");
    }
    let _ = writeln!(b, "<h2 id=\"figures\">Figures</h2>\n<div class=\"tables\">");
    for t in tables::run_tables(s) {
        table(&mut b, &t);
    }
    let _ = writeln!(b, "</div>");
    charts(&mut b, pngs, missing);
    if let Some((name, text)) = scenario {
        let _ = writeln!(
            b,
            "<h2 id=\"scenario\">Scenario <code>{}</code></h2>",
            escape(name)
        );
        if !s.overrides.is_empty() {
            let sets: Vec<String> = s
                .overrides
                .iter()
                .map(|o| format!("<code>--set {}</code>", escape(o)))
                .collect();
            let _ = writeln!(
                b,
                "<p><strong>Run with overrides</strong> on top of the file below: {}.</p>",
                sets.join(" ")
            );
        }
        let _ = writeln!(b, "<pre>{}</pre>", escape(text));
    }
    let _ = writeln!(
        b,
        "<footer>Written by lmi-sim {} from scenario <code>{}</code>, seed {}. Every figure is in <code>summary.json</code>; this page needs no network.</footer>",
        escape(s.lmi_sim_version),
        escape(&s.scenario),
        s.seed
    );
    page(&format!("lmi-sim report: {}", s.scenario), &b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o, "{i}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn code_spans() {
        assert_eq!(rich("a `b<` c"), "a <code>b&lt;</code> c");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn captions_name_the_function() {
        assert!(chart_caption("throttles.png").starts_with("Offered"));
        assert!(chart_caption("lmi-capacity.png").starts_with("LMI capacity"));
        assert!(
            chart_caption("checkout-lmi-capacity.png").starts_with("Function `checkout` — LMI")
        );
        assert!(chart_caption("a-b-cost.png").starts_with("Function `a-b` — Cumulative"));
        assert_eq!(chart_caption("other.png"), "");
    }
}
