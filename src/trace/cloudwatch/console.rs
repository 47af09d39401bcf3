//! The CloudWatch console's CSV download of a metric graph.

use super::super::table::{self, Table};
use super::super::units::{self, TimeUnit};
use super::{Acc, check_label_is_count, count_of};
use crate::request::TraceError;

const CSV_EXPECTED: &str = "the CloudWatch console's CSV download of a metric graph: a header row with the time column first and one column per graphed metric (headed by its label), then one row per period (or the transposed layout: a header of times, one row per metric)";

/// The CloudWatch console's "Download as .csv" of a metric graph.
///
/// AWS does not document this layout, so lmi-sim reads the one it can
/// justify and states it: a header row, then one row per period; the first
/// column is the period start (any header; a date-time: RFC 3339 such as
/// `2025-12-01T10:05:00.000Z` or `2025-12-01T10:05:00+00:00`, or
/// `2025-12-01 10:05:00` read as UTC); every other column is one graphed
/// metric headed by its label, an empty cell meaning no datapoint. The
/// transposed layout (a header whose cells after the first are the period
/// starts, and one row per metric with its label first) is read too, told
/// by the second header cell being a date-time. The values are taken to be
/// the graphed statistic, which must be the Sum (whole numbers).
pub(super) fn read_csv(
    path: &std::path::Path,
    name: &str,
    skip_bad_rows: bool,
    acc: &mut Acc,
) -> Result<(), TraceError> {
    let mut t = Table::open(path, skip_bad_rows, CSV_EXPECTED)?;
    let r = read_table(&mut t, name, acc);
    acc.skipped += t.skipped;
    r
}

/// The rows of an opened console CSV.
fn read_table(t: &mut Table, name: &str, acc: &mut Acc) -> Result<(), TraceError> {
    if t.header.len() < 2 {
        return Err(TraceError(format!(
            "{name}:1: one column only (`{}`): expected {CSV_EXPECTED}",
            table::show(t.header[0].as_bytes())
        )));
    }
    if let Some(m) = &acc.sel.metric_id {
        return Err(TraceError(format!(
            "{name}: metric_id = \"{m}\" selects a get-metric-data result, but this is a console CSV (its metrics are named by their column header): use label = \"<column header>\""
        )));
    }
    let stamp = |s: &str| units::timestamp(s, TimeUnit::S, None).ok();
    let transposed = stamp(&t.header[1]).is_some() && t.header[1].parse::<f64>().is_err();
    if !transposed {
        let mut col = None;
        for c in 1..t.header.len() {
            let h = t.header[c].clone();
            if acc.decide(&h, &h) && col.is_none() {
                col = Some(c);
            }
        }
        let Some(col) = col else { return Ok(()) };
        check_label_is_count(&t.header[col])
            .map_err(|e| TraceError(format!("{name}:1: column `{}`: {e}", t.header[col])))?;
        let mut prev = None;
        let mut prev_row: Option<i64> = None;
        while t.advance()? {
            let ts = match t.timestamp(0, TimeUnit::S, None) {
                Ok(x) => x,
                Err(e) => {
                    t.reject(e)?;
                    continue;
                }
            };
            if let Some(p) = prev_row
                && p != ts
            {
                let g = p.abs_diff(ts);
                acc.row_gap = Some(acc.row_gap.map_or(g, |r| r.min(g)));
            }
            prev_row = Some(ts);
            if t.text(col).is_some_and(|s| s.is_empty()) {
                continue;
            }
            let c = match t
                .number(col)
                .and_then(|v| count_of(v).map_err(|why| t.bad_cell(col, &why)))
            {
                Ok(c) => c,
                Err(e) => {
                    t.reject(e)?;
                    continue;
                }
            };
            acc.room(1)
                .map_err(|e| TraceError(format!("{name}:{}: {e}", t.line())))?;
            acc.push(ts, c, prev);
            prev = Some(ts);
        }
        return Ok(());
    }
    // Transposed: the header holds the period starts.
    let mut stamps = Vec::with_capacity(t.header.len() - 1);
    for (c, h) in t.header.iter().enumerate().skip(1) {
        match stamp(h) {
            Some(s) => stamps.push(s),
            None => {
                return Err(TraceError(format!(
                    "{name}:1: column {}: `{}` is not a date-time, but the header's second cell is one (the layout with one row per metric): every header cell after the first must be a period start",
                    c + 1,
                    table::show(h.as_bytes())
                )));
            }
        }
    }
    acc.room(stamps.len())
        .map_err(|e| TraceError(format!("{name}:1: {e}")))?;
    while t.advance()? {
        let label = t.text(0).unwrap_or("").to_string();
        if !acc.decide(&label, &label) {
            continue;
        }
        check_label_is_count(&label)
            .map_err(|e| TraceError(format!("{name}:{}: {e}", t.line())))?;
        let mut prev = None;
        for (j, &ts) in stamps.iter().enumerate() {
            let col = j + 1;
            if t.text(col).is_some_and(|s| s.is_empty()) {
                continue;
            }
            let c = t
                .number(col)
                .and_then(|v| count_of(v).map_err(|why| t.bad_cell(col, &why)))?;
            acc.push(ts, c, prev);
            prev = Some(ts);
        }
    }
    Ok(())
}
