//! `summary.md`: a run's summary as markdown — the verdict, the warnings and
//! the tables of [`super::tables`] — ready to paste into a pull-request
//! comment. Formats only; must not compute figures, write or print.

use super::Summary;
use super::tables::{self, Table};
use std::fmt::Write as _;

/// A cell's text made safe for a markdown table cell.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Whether column `c` holds free text (left-aligned) rather than figures.
pub fn is_text_column(t: &Table, c: usize) -> bool {
    c == 0
        || t.all_text
        || t.rows.iter().any(|r| {
            r.get(c).is_some_and(|x| {
                x.chars().count() > 28 || x.chars().next().is_some_and(char::is_alphabetic)
            })
        })
}

/// One table as markdown (a `###` title, the table, its note).
pub fn table(o: &mut String, t: &Table) {
    let _ = writeln!(o, "### {}\n", t.title);
    let heads: Vec<String> = t.columns.iter().map(|c| cell(c)).collect();
    let _ = writeln!(o, "| {} |", heads.join(" | "));
    let rule: Vec<&str> = (0..t.columns.len())
        .map(|c| if is_text_column(t, c) { ":---" } else { "---:" })
        .collect();
    let _ = writeln!(o, "|{}|", rule.join("|"));
    for (i, r) in t.rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                if t.highlight == Some(i) && !c.is_empty() && c != "-" {
                    format!("**{}**", cell(c))
                } else {
                    cell(c)
                }
            })
            .collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    if let Some(n) = &t.note {
        let _ = writeln!(o, "\n{n}");
    }
    o.push('\n');
}

/// `summary.md` bytes.
pub fn markdown(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## lmi-sim: `{}`\n", s.scenario);
    if !s.description.is_empty() {
        let _ = writeln!(o, "{}\n", s.description.trim());
    }
    let _ = writeln!(o, "{}\n", tables::run_line(s));
    if !s.overrides.is_empty() {
        let sets: Vec<String> = s.overrides.iter().map(|x| format!("`--set {x}`")).collect();
        let _ = writeln!(o, "Run with overrides: {}\n", sets.join(" "));
    }
    if let Some((cheaper, text)) = tables::verdict(s) {
        let mark = if cheaper { "✅" } else { "⚠️" };
        let _ = writeln!(o, "> {mark} **{text}**");
        if let Some(b) = tables::verdict_basis(s) {
            let _ = writeln!(o, ">\n> {b}");
        }
        o.push('\n');
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(o, "### Warnings ({})\n", s.warnings.len());
        for w in &s.warnings {
            let key = w
                .key
                .as_ref()
                .map(|k| format!(" (scenario key `{k}`)"))
                .unwrap_or_default();
            let _ = writeln!(o, "- `{}`: {}{key}", w.code, w.message);
        }
        o.push('\n');
    }
    for t in tables::run_tables(s) {
        table(&mut o, &t);
    }
    let _ = writeln!(
        o,
        "<sub>Written by lmi-sim {} (scenario `{}`, seed {}); every figure is in `summary.json`.</sub>",
        s.lmi_sim_version, s.scenario, s.seed
    );
    o
}
