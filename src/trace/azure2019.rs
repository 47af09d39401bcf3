//! Azure Functions 2019 per-minute invocation counts (Shahrad et al., ATC
//! 2020; © Microsoft, CC-BY 4.0).
//!
//! Two header layouts are accepted:
//! - the original, one file per day: `HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440`;
//! - the `vhive-serverless/invitro` sampler's: `HashFunction,HashOwner,HashApp,minute_1,…`.
//!
//! Minute columns are found by their labels (`N` or `minute_N`), so a file may
//! hold only a window of minutes; minute N covers trace time
//! `[(N − 1) min, N min)`. Only the selected aggregate series is kept (one
//! count per minute): `function` (a hash prefix) and `select = "all"` read the
//! file once, `top = N` twice (rank, then sum).
//!
//! The durations file (`percentile_Average_0,_1,_25,_50,_75,_99,_100`, ms)
//! becomes an empirical duration profile; for a summed selection, the profile
//! of the selected function with the most invocations is used.

use super::counts::Series;
use super::table::Table;
use super::units::{self, TimeUnit};
use super::{Selection, TraceFormat, TraceSpec};
use crate::dist::Dist;
use crate::request::TraceError;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;

const EXPECTED: &str = "`HashOwner,HashApp,HashFunction,Trigger,1,2,…,1440` (Azure Functions 2019) or `HashFunction,HashOwner,HashApp,minute_1,…` (invitro sampler)";
const MINUTE_US: u64 = 60_000_000;
const DAY_US: u64 = 86_400_000_000;
/// Largest minute label accepted (400 days).
const MAX_MINUTE: u32 = 400 * 1440;

/// Percentile columns of the durations file and their quantiles.
pub const DURATION_PERCENTILES: [(&str, f64); 7] = [
    ("percentile_Average_0", 0.0),
    ("percentile_Average_1", 0.01),
    ("percentile_Average_25", 0.25),
    ("percentile_Average_50", 0.5),
    ("percentile_Average_75", 0.75),
    ("percentile_Average_99", 0.99),
    ("percentile_Average_100", 1.0),
];

/// Column positions of an invocations file.
struct Layout {
    owner: usize,
    app: usize,
    func: usize,
    /// (column, index into the series).
    minutes: Vec<(usize, usize)>,
    first_minute: u32,
    n_minutes: usize,
}

fn minute_label(h: &str) -> Option<u32> {
    let d = h.strip_prefix("minute_").unwrap_or(h);
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    d.parse().ok()
}

fn layout(t: &Table) -> Result<Layout, TraceError> {
    let mut labels = Vec::new();
    let mut bare = false;
    for (i, h) in t.header.iter().enumerate() {
        match h.as_str() {
            "HashOwner" | "HashApp" | "HashFunction" | "Trigger" => {}
            _ => match minute_label(h) {
                Some(m) if (1..=MAX_MINUTE).contains(&m) => {
                    bare |= !h.starts_with("minute_");
                    labels.push((i, m));
                }
                _ => {
                    return Err(TraceError(format!(
                        "{}:1: unexpected column `{h}` (column {}): an Azure 2019 invocations file has hash columns, `Trigger` and minute columns labelled 1..=1440 or minute_1..; expected {EXPECTED}",
                        t.name,
                        i + 1
                    )));
                }
            },
        }
    }
    let func = t.col("HashFunction", EXPECTED)?;
    let owner = t.col("HashOwner", EXPECTED)?;
    let app = t.col("HashApp", EXPECTED)?;
    if bare {
        t.col("Trigger", EXPECTED)?;
    }
    if labels.is_empty() {
        return Err(TraceError(format!(
            "{}:1: no minute columns (labelled 1..=1440 or minute_1..); expected {EXPECTED}",
            t.name
        )));
    }
    let first = labels.iter().map(|l| l.1).min().unwrap_or(1);
    let last = labels.iter().map(|l| l.1).max().unwrap_or(1);
    let minutes = labels
        .iter()
        .map(|&(c, m)| (c, (m - first) as usize))
        .collect();
    Ok(Layout {
        owner,
        app,
        func,
        minutes,
        first_minute: first,
        n_minutes: (last - first + 1) as usize,
    })
}

/// Parses the current row's minute counts into `scratch`, each within the
/// rate cap after `mult`; returns the total (bounded by the caps: at most
/// 576,000 minutes × 6·10¹⁰, far below `u64::MAX`).
fn parse_row(t: &Table, lay: &Layout, mult: f64, scratch: &mut [u64]) -> Result<u64, TraceError> {
    let mut total = 0u64;
    for &(c, k) in &lay.minutes {
        let v = t.count(c)?;
        units::count_rate(v, MINUTE_US, mult).map_err(|why| t.bad_cell(c, &why))?;
        scratch[k] = v;
        total = total
            .checked_add(v)
            .ok_or_else(|| t.bad_cell(c, "makes the row's total overflow"))?;
    }
    Ok(total)
}

/// Adds a selected function's counts to the series; every minute's sum
/// stays within the rate cap, or the error names the row that passed it.
fn add_row(
    t: &Table,
    lay: &Layout,
    mult: f64,
    series: &mut [u64],
    counts: &[u64],
) -> Result<(), TraceError> {
    for (k, (s, c)) in series.iter_mut().zip(counts).enumerate() {
        let sum = s
            .checked_add(*c)
            .filter(|&x| units::count_rate(x, MINUTE_US, mult).is_ok());
        match sum {
            Some(x) => *s = x,
            None => {
                let why = units::count_rate(s.saturating_add(*c), MINUTE_US, mult)
                    .err()
                    .unwrap_or_default();
                return Err(TraceError(format!(
                    "{}:{}: minute {}: the selected functions' counts sum to {} with this row's {c}: {why}",
                    t.name,
                    t.line(),
                    lay.first_minute as usize + k,
                    s.saturating_add(*c)
                )));
            }
        }
    }
    Ok(())
}

/// Reads every good row, calling `f(table, row_index, counts, total)`.
fn scan(
    t: &mut Table,
    lay: &Layout,
    mult: f64,
    scratch: &mut [u64],
    mut f: impl FnMut(&Table, u64, &[u64], u64) -> Result<(), TraceError>,
) -> Result<u64, TraceError> {
    let mut rows = 0;
    while t.advance()? {
        match parse_row(t, lay, mult, scratch) {
            Ok(total) => {
                rows += 1;
                f(t, t.row_index, scratch, total)?;
            }
            Err(e) => t.reject(e)?,
        }
    }
    Ok(rows)
}

/// A function of the trace: its hashes and its invocations in the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionId {
    pub owner: String,
    pub app: String,
    pub function: String,
    pub invocations: u64,
}

fn id(t: &Table, lay: &Layout, total: u64) -> FunctionId {
    let s = |c: usize| t.text(c).unwrap_or("").to_string();
    FunctionId {
        owner: s(lay.owner),
        app: s(lay.app),
        function: s(lay.func),
        invocations: total,
    }
}

/// Per-app allocated memory (the optional `memory` file), MB.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryProfile {
    pub average_mb: f64,
    pub p50_mb: f64,
}

/// The selected series and what goes with it.
pub struct Opened {
    pub series: Series,
    /// The duration profile (when a durations file is given).
    pub durations: Option<Dist>,
    /// The selected function with the most invocations.
    pub heaviest: FunctionId,
    /// Its app's allocated memory (when a memory file is given and lists the app).
    pub memory: Option<MemoryProfile>,
    /// Functions summed.
    pub functions: u64,
    /// Data rows read (functions in the file).
    pub rows: u64,
}

/// Reads the selection: the series, the duration profile and the memory.
pub fn open(spec: &TraceSpec) -> Result<Opened, TraceError> {
    let TraceFormat::Azure2019 {
        selection,
        durations_path,
        memory_path,
    } = &spec.format
    else {
        return Err(TraceError("internal: not an Azure 2019 spec".into()));
    };
    let mut t = Table::open(&spec.path, spec.skip_bad_rows, EXPECTED)?;
    let lay = layout(&t)?;
    let mut scratch = vec![0u64; lay.n_minutes];
    let mut series = vec![0u64; lay.n_minutes];
    let mut heaviest: Option<(u64, FunctionId)> = None;
    let mut functions = 0u64;
    let mult = spec.rate_multiplier;
    let rows;
    match selection {
        Selection::Function(prefix) => {
            let mut found: Option<(u64, FunctionId)> = None;
            rows = scan(&mut t, &lay, mult, &mut scratch, |t, _, counts, total| {
                let h = t.text(lay.func).unwrap_or("");
                if h.len() >= prefix.len()
                    && h.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
                {
                    if let Some((line, f)) = &found {
                        return Err(TraceError(format!(
                            "{}: function hash prefix `{prefix}` matches more than one row: `{}` (line {line}) and `{h}` (line {}); give a longer prefix",
                            t.name,
                            f.function,
                            t.line()
                        )));
                    }
                    series.copy_from_slice(counts);
                    found = Some((t.line(), id(t, &lay, total)));
                }
                Ok(())
            })?;
            match found {
                Some((_, f)) => {
                    functions = 1;
                    heaviest = Some((f.invocations, f));
                }
                None if rows > 0 => {
                    return Err(TraceError(format!(
                        "{}: no function whose HashFunction starts with `{prefix}` ({rows} functions in the file)",
                        t.name
                    )));
                }
                None => {}
            }
        }
        Selection::All => {
            rows = scan(&mut t, &lay, mult, &mut scratch, |t, _, counts, total| {
                add_row(t, &lay, mult, &mut series, counts)?;
                functions += 1;
                if heaviest.as_ref().is_none_or(|h| total > h.0) {
                    heaviest = Some((total, id(t, &lay, total)));
                }
                Ok(())
            })?;
        }
        Selection::Top(n) => {
            // Pass 1: rank by total (ties: earlier rows), keeping n entries.
            let n = *n as usize;
            let mut heap: BinaryHeap<Reverse<(u64, Reverse<u64>)>> = BinaryHeap::new();
            rows = scan(&mut t, &lay, mult, &mut scratch, |_, row, _, total| {
                heap.push(Reverse((total, Reverse(row))));
                if heap.len() > n {
                    heap.pop();
                }
                Ok(())
            })?;
            let mut chosen: Vec<u64> = heap.into_iter().map(|Reverse((_, Reverse(r)))| r).collect();
            chosen.sort_unstable();
            // Pass 2: sum the chosen rows.
            t.rewind()?;
            scan(&mut t, &lay, mult, &mut scratch, |t, row, counts, total| {
                if chosen.binary_search(&row).is_ok() {
                    add_row(t, &lay, mult, &mut series, counts)?;
                    functions += 1;
                    if heaviest.as_ref().is_none_or(|h| total > h.0) {
                        heaviest = Some((total, id(t, &lay, total)));
                    }
                }
                Ok(())
            })?;
        }
    }
    if rows == 0 {
        return Err(TraceError(format!(
            "{}: no data rows after the header{}",
            t.name,
            if t.skipped > 0 {
                format!(" ({} malformed rows skipped)", t.skipped)
            } else {
                String::new()
            }
        )));
    }
    let heaviest = heaviest.map(|h| h.1).unwrap_or_default();
    let durations = match durations_path {
        Some(p) => Some(read_durations(p, &Match::Exact(&heaviest))?),
        None => None,
    };
    let memory = match memory_path {
        Some(p) => read_memory(p, &heaviest.owner, &heaviest.app)?,
        None => None,
    };
    Ok(Opened {
        series: Series {
            first_start: ((lay.first_minute - 1) as u64 * MINUTE_US) as i64,
            interval: MINUTE_US,
            counts: series,
            skipped: t.skipped,
            period_unit: DAY_US,
            next: 0,
        },
        durations,
        heaviest,
        memory,
        functions,
        rows,
    })
}

/// The series and the duration profile of a spec (for `trace::open`).
pub fn open_series(spec: &TraceSpec) -> Result<(Series, Option<Dist>), TraceError> {
    let o = open(spec)?;
    Ok((o.series, o.durations))
}

/// Which durations row to take.
pub enum Match<'a> {
    /// The function with these hashes (owner and app compared when the file has them).
    Exact(&'a FunctionId),
    /// The one row whose HashFunction starts with this prefix.
    Prefix(&'a str),
}

const DUR_EXPECTED: &str = "`HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,…_1,_25,_50,_75,_99,_100` (ms)";

/// Reads one function's duration percentiles [ms] as an empirical profile [µs].
pub fn read_durations(path: &Path, m: &Match) -> Result<Dist, TraceError> {
    let mut t = Table::open(path, false, DUR_EXPECTED)?;
    let func = t.col("HashFunction", DUR_EXPECTED)?;
    let owner = t.find("HashOwner");
    let app = t.find("HashApp");
    let mut cols = [0usize; 7];
    for (c, (name, _)) in cols.iter_mut().zip(DURATION_PERCENTILES) {
        *c = t.col(name, DUR_EXPECTED)?;
    }
    let mut found: Option<(u64, String, Dist)> = None;
    while t.advance()? {
        let h = t.text(func).unwrap_or("");
        let hit = match m {
            Match::Exact(f) => {
                h == f.function
                    && owner.is_none_or(|c| t.text(c) == Some(f.owner.as_str()))
                    && app.is_none_or(|c| t.text(c) == Some(f.app.as_str()))
            }
            Match::Prefix(p) => {
                h.len() >= p.len() && h.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            }
        };
        if !hit {
            continue;
        }
        if let Some((line, prev, _)) = &found {
            if matches!(m, Match::Exact(_)) {
                continue;
            }
            return Err(TraceError(format!(
                "{}: function hash prefix matches more than one durations row: `{prev}` (line {line}) and `{h}` (line {}); give a longer prefix",
                t.name,
                t.line()
            )));
        }
        let mut points = Vec::with_capacity(7);
        let mut last = 0.0f64;
        for (&c, (_, q)) in cols.iter().zip(DURATION_PERCENTILES) {
            let v = t.number(c)?;
            units::duration(v, Some(TimeUnit::Ms), None).map_err(|why| t.bad_cell(c, &why))?;
            if v < last {
                return Err(t.bad_cell(
                    c,
                    &format!("is less than the previous percentile ({last} ms): percentiles must not decrease"),
                ));
            }
            last = v;
            points.push((q, v * 1000.0));
        }
        found = Some((t.line(), h.to_string(), Dist::Empirical { points }));
    }
    match found {
        Some((_, _, d)) => Ok(d),
        None => Err(TraceError(match m {
            Match::Exact(f) => format!(
                "{}: no durations row for function `{}` (HashOwner `{}`, HashApp `{}`)",
                t.name, f.function, f.owner, f.app
            ),
            Match::Prefix(p) => format!(
                "{}: no durations row whose HashFunction starts with `{p}`",
                t.name
            ),
        })),
    }
}

const MEM_EXPECTED: &str = "`HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,…,AverageAllocatedMb_pct100`";

/// Reads an app's allocated memory from the memory file; `None` if the app
/// is not listed.
pub fn read_memory(
    path: &Path,
    owner: &str,
    app: &str,
) -> Result<Option<MemoryProfile>, TraceError> {
    let mut t = Table::open(path, false, MEM_EXPECTED)?;
    let app_c = t.col("HashApp", MEM_EXPECTED)?;
    let owner_c = t.find("HashOwner");
    let avg = t.col("AverageAllocatedMb", MEM_EXPECTED)?;
    let p50 = t.col("AverageAllocatedMb_pct50", MEM_EXPECTED)?;
    while t.advance()? {
        if t.text(app_c) == Some(app) && owner_c.is_none_or(|c| t.text(c) == Some(owner)) {
            let range = "allocated memory must be within 0..=1048576 MB";
            let average_mb = t.number_in(avg, 0.0, 1_048_576.0, range)?;
            let p50_mb = t.number_in(p50, 0.0, 1_048_576.0, range)?;
            return Ok(Some(MemoryProfile { average_mb, p50_mb }));
        }
    }
    Ok(None)
}
