//! CloudWatch metrics as a count trace (`source = "cloudwatch"`): the
//! `Invocations` metric of a function, summed per period, as exported by
//! - `aws cloudwatch get-metric-data` (JSON: `MetricDataResults[{Id, Label,
//!   Timestamps[], Values[], StatusCode, Messages}]`, newest first by default,
//!   `NextToken` pages saved as several files);
//! - `aws cloudwatch get-metric-statistics` (JSON: `Label`,
//!   `Datapoints[{Timestamp, Sum, Unit, …}]`, in no particular order);
//! - the CloudWatch console's CSV download of a metric graph (a layout that
//!   AWS does not document; the one read here is described in
//!   `console.rs`).
//!
//! The kind of each file is told from its content (a JSON object with
//! `MetricDataResults` or `Datapoints`, else CSV). JSON is parsed as a stream
//! (serde_json's `Deserializer` with visitors): only the selected result's
//! points are kept, so memory is proportional to that series (at most
//! [`MAX_POINTS`] points), never to the file. Errors carry `path:line:column`.
//!
//! The period is the smallest gap between consecutive points (or the
//! `interval` key); every point starts a period (CloudWatch timestamps label
//! a period's start). Periods without a point are zero — CloudWatch returns
//! no datapoint for a period without invocations — and are counted and
//! reported. This module reads files; it does not spread or replay (that is
//! [`super::counts::CountReplay`]).

mod console;
mod json;

use super::counts::{Interval, Intervals};
use super::input::Input;
use super::units::{self, fmt_num, show_time};
use super::{TraceFormat, TraceSpec};
use crate::request::TraceError;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

/// Most points kept for the selected series (all files together).
pub const MAX_POINTS: usize = 5_000_000;
/// Missing periods listed by name in reports.
const SHOW_MISSING: usize = 5;

/// What kind of export a file is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    MetricData,
    MetricStatistics,
    ConsoleCsv,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::MetricData => "get-metric-data JSON",
            FileKind::MetricStatistics => "get-metric-statistics JSON",
            FileKind::ConsoleCsv => "console CSV download",
        }
    }

    /// The kind as `validate --deep` names it.
    pub fn report_name(self) -> &'static str {
        match self {
            FileKind::MetricData => "CloudWatch get-metric-data JSON",
            FileKind::MetricStatistics => "CloudWatch get-metric-statistics JSON",
            FileKind::ConsoleCsv => "CloudWatch console CSV download",
        }
    }
}

/// Which series of the files is replayed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selector {
    /// get-metric-data: the query's `Id`.
    pub metric_id: Option<String>,
    /// A result's `Label` (get-metric-data, get-metric-statistics) or a
    /// console CSV's column header.
    pub label: Option<String>,
}

/// What the importer read (for `validate --deep` and the run's notes).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloudWatchStats {
    pub kind: Option<FileKind>,
    pub files: usize,
    /// Every distinct result found, as `Id` and `Label` (for a console CSV,
    /// the column header twice).
    pub results: Vec<(String, String)>,
    /// The selected result, in words.
    pub selected: String,
    /// Distinct points of the selected result (after merging pages).
    pub points: u64,
    /// Points listed in the files (a point in two pages counts twice).
    pub listed: u64,
    /// Period [µs], and whether it was inferred from the data.
    pub interval: u64,
    pub inferred: bool,
    /// First and last period start [µs since the epoch].
    pub first: i64,
    pub last: i64,
    /// Periods between the first and the last with no point (zero), and
    /// the first few of them [µs since the epoch].
    pub missing: u64,
    pub first_missing: Vec<i64>,
    /// Sum of the counts.
    pub total: u64,
    /// The files' order: "newest first", "oldest first", "unordered".
    pub order: &'static str,
    /// Console CSV: malformed rows skipped (`--skip-bad-rows`).
    pub skipped: u64,
}

impl CloudWatchStats {
    /// The periods the series spans, first to last.
    pub fn periods(&self) -> u64 {
        self.points + self.missing
    }

    /// The lines `validate --deep` adds for a CloudWatch trace.
    pub fn details(&self) -> Vec<String> {
        let results: Vec<String> = self
            .results
            .iter()
            .take(20)
            .map(|(id, label)| {
                if id == label {
                    format!("`{id}`")
                } else {
                    format!("`{id}` ({label})")
                }
            })
            .collect();
        let mut v = vec![
            format!(
                "files: {}; results found: {}: {}{}",
                self.files,
                self.results.len(),
                results.join(", "),
                if self.results.len() > 20 { ", …" } else { "" }
            ),
            format!(
                "selected: {}, {} points ({} listed, {}), {} periods, first {}, last {}",
                self.selected,
                units_thousands(self.points),
                units_thousands(self.listed),
                self.order,
                units_thousands(self.periods()),
                show_time(self.first),
                show_time(self.last)
            ),
        ];
        v.push(match self.missing_note() {
            Some(n) => format!("missing periods: {n}"),
            None => "missing periods: 0".into(),
        });
        v
    }

    /// "3 of 180 periods have no datapoint …", or `None` if none is missing.
    pub fn missing_note(&self) -> Option<String> {
        if self.missing == 0 {
            return None;
        }
        let list: Vec<String> = self.first_missing.iter().map(|&t| show_time(t)).collect();
        let more = if self.missing > self.first_missing.len() as u64 {
            ", …"
        } else {
            ""
        };
        Some(format!(
            "{} of {} periods have no datapoint (CloudWatch returns none for a period without invocations) and replay as 0 invocations: {}{more}",
            units_thousands(self.missing),
            units_thousands(self.periods()),
            list.join(", ")
        ))
    }
}

fn units_thousands(n: u64) -> String {
    super::inspect::thousands(n)
}

/// One point of the selected series.
#[derive(Copy, Clone, Debug)]
struct Point {
    /// Period start [µs since the epoch].
    ts: i64,
    count: u64,
    /// Index of the file it came from.
    file: u32,
}

/// The selected series of one or more CloudWatch exports, in memory.
pub struct CloudWatch {
    /// Sorted, distinct period starts [µs since the epoch] and counts.
    points: Vec<(i64, u64)>,
    interval: u64,
    origin: i64,
    next: usize,
    /// The trace file (`path`, or its first file) for notes.
    name: String,
    pub stats: CloudWatchStats,
}

impl CloudWatch {
    /// Reads every file of `spec` (a `TraceFormat::CloudWatch`).
    pub fn open(spec: &TraceSpec) -> Result<Self, TraceError> {
        let TraceFormat::CloudWatch {
            paths,
            selector,
            interval,
        } = &spec.format
        else {
            return Err(TraceError("internal: not a cloudwatch spec".into()));
        };
        let paths: Vec<PathBuf> = if paths.is_empty() {
            vec![spec.path.clone()]
        } else {
            paths.clone()
        };
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let mut acc = Acc::new(selector);
        let mut infos = Vec::with_capacity(paths.len());
        for (i, p) in paths.iter().enumerate() {
            acc.file = i as u32;
            let info = read_file(p, &names[i], spec.skip_bad_rows, &mut acc)?;
            infos.push(info);
        }
        let kind = check_kinds(&names, &infos)?;
        acc.check_selection(&names, kind)?;
        if kind == FileKind::MetricData {
            check_complete(&names, &infos, &acc)?;
        }
        let (points, mut stats) =
            acc.finish(&names, interval.map(|d| d.0), spec.rate_multiplier)?;
        stats.kind = Some(kind);
        stats.files = paths.len();
        let origin = spec.time_origin.unwrap_or(stats.first);
        Ok(CloudWatch {
            interval: stats.interval,
            points,
            origin,
            next: 0,
            name: names.join(", "),
            stats,
        })
    }
}

impl Intervals for CloudWatch {
    fn next_interval(&mut self) -> Result<Option<Interval>, TraceError> {
        let Some(&(ts, c)) = self.points.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        // Starts and the origin are bounded (±1e17 µs): no overflow.
        Ok(Some((ts - self.origin, self.interval, c)))
    }
    fn rewind(&mut self) -> Result<(), TraceError> {
        self.next = 0;
        Ok(())
    }
    fn skipped(&self) -> u64 {
        self.stats.skipped
    }
    fn inferred_interval(&self) -> Option<u64> {
        self.stats.inferred.then_some(self.interval)
    }
    fn notes(&self) -> Vec<String> {
        self.stats
            .missing_note()
            .map(|n| {
                format!(
                    "trace {}: {n} (`lmi-sim validate --deep` reports the whole trace)",
                    self.name
                )
            })
            .into_iter()
            .collect()
    }
}

// ------------------------------------------------------------ accumulating

/// What one file said besides its points.
#[derive(Default)]
struct FileInfo {
    kind: Option<FileKind>,
    /// get-metric-data: the page's `NextToken` (more pages follow).
    next_token: Option<String>,
    /// get-metric-data: `StatusCode` of the selected result's last entry.
    status: Option<String>,
    /// get-metric-statistics: the file's `Label`.
    stat_label: Option<String>,
}

/// The points of the selected series, gathered over all files.
struct Acc<'a> {
    sel: &'a Selector,
    /// Without a selector: the `Id` of the first result, the one kept.
    chosen: Option<String>,
    /// Distinct results seen, as (Id, Label).
    results: Vec<(String, String)>,
    /// Distinct Ids whose result was selected (a label may match several).
    selected_ids: Vec<String>,
    points: Vec<Point>,
    file: u32,
    /// Whether the files list points going up / down in time.
    ascending: bool,
    descending: bool,
    /// Console CSV: the smallest gap between consecutive rows, empty cells
    /// included (a row without a value still marks a period).
    row_gap: Option<u64>,
    /// Console CSV: malformed rows skipped (`--skip-bad-rows`).
    skipped: u64,
}

impl<'a> Acc<'a> {
    fn new(sel: &'a Selector) -> Self {
        Acc {
            sel,
            chosen: None,
            results: Vec::new(),
            selected_ids: Vec::new(),
            points: Vec::new(),
            file: 0,
            ascending: false,
            descending: false,
            row_gap: None,
            skipped: 0,
        }
    }

    /// Whether a result is wanted, as far as is known from its `Id` and
    /// `Label` so far (`None`: not known yet). Changes nothing.
    fn hint(&self, id: Option<&str>, label: Option<&str>) -> Option<bool> {
        if let Some(m) = &self.sel.metric_id {
            return id.map(|i| i == m);
        }
        if let Some(l) = &self.sel.label {
            return label.map(|x| x == l);
        }
        id.map(|i| self.chosen.as_deref().is_none_or(|c| c == i))
    }

    /// True when no `metric_id` or `label` is given (the first result is
    /// taken).
    fn implicit(&self) -> bool {
        self.sel.metric_id.is_none() && self.sel.label.is_none()
    }

    /// Records a result and decides whether it is the selected one.
    fn decide(&mut self, id: &str, label: &str) -> bool {
        if !self.results.iter().any(|(i, _)| i == id) {
            self.results.push((id.to_string(), label.to_string()));
        }
        let wanted = match (&self.sel.metric_id, &self.sel.label) {
            (Some(m), _) => id == m,
            (None, Some(l)) => label == l,
            (None, None) => match &self.chosen {
                None => {
                    self.chosen = Some(id.to_string());
                    true
                }
                Some(c) => c == id,
            },
        };
        if wanted && !self.selected_ids.iter().any(|i| i == id) {
            self.selected_ids.push(id.to_string());
        }
        wanted
    }

    /// Room for `n` more points, or the reason there is none.
    fn room(&self, n: usize) -> Result<(), String> {
        if self.points.len().saturating_add(n) > MAX_POINTS {
            return Err(format!(
                "the selected series has more than {} points in all; lmi-sim keeps at most {} (e.g. 9 weeks of 1-minute periods): export a shorter time range or a longer --period",
                units_thousands(MAX_POINTS as u64),
                units_thousands(MAX_POINTS as u64)
            ));
        }
        Ok(())
    }

    /// Adds a point listed after `prev` (the previous point of the same
    /// list, for the order).
    fn push(&mut self, ts: i64, count: u64, prev: Option<i64>) {
        if let Some(p) = prev {
            if ts > p {
                self.ascending = true;
            } else if ts < p {
                self.descending = true;
            }
        }
        self.points.push(Point {
            ts,
            count,
            file: self.file,
        });
    }

    fn list_results(&self) -> String {
        let v: Vec<String> = self
            .results
            .iter()
            .take(20)
            .map(|(id, label)| {
                if id == label {
                    format!("`{id}`")
                } else {
                    format!("Id `{id}` (Label `{label}`)")
                }
            })
            .collect();
        let more = if self.results.len() > 20 {
            format!(", … ({} results)", self.results.len())
        } else {
            String::new()
        };
        format!("{}{more}", v.join(", "))
    }

    /// The selector matched exactly one result.
    fn check_selection(&self, names: &[String], kind: FileKind) -> Result<(), TraceError> {
        let files = names.join(", ");
        if self.results.is_empty() {
            return Err(TraceError(match kind {
                FileKind::MetricData => format!(
                    "{files}: `MetricDataResults` is empty: the query returned no metric (check --metric-data-queries: namespace AWS/Lambda, metric Invocations, the FunctionName dimension)"
                ),
                _ => format!("{files}: no series in the file"),
            }));
        }
        let (what, key) = match kind {
            FileKind::ConsoleCsv => ("column", "label = \"<column header>\""),
            FileKind::MetricStatistics => ("metric", "label = \"<Label>\""),
            FileKind::MetricData => ("result", "metric_id = \"<Id>\" or label = \"<Label>\""),
        };
        if self.selected_ids.is_empty() {
            let asked = match (&self.sel.metric_id, &self.sel.label) {
                (Some(m), _) => format!("metric_id = \"{m}\""),
                (None, Some(l)) => format!("label = \"{l}\""),
                (None, None) => "the first".into(),
            };
            return Err(TraceError(format!(
                "{files}: no {what} matches {asked}; the file(s) have {}; set {key} in [functions.traffic]",
                self.list_results()
            )));
        }
        if self.selected_ids.len() > 1 {
            return Err(TraceError(format!(
                "{files}: label = \"{}\" matches several results ({}); select one with metric_id = \"<Id>\"",
                self.sel.label.as_deref().unwrap_or(""),
                self.selected_ids
                    .iter()
                    .map(|i| format!("Id `{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if self.sel.metric_id.is_none() && self.sel.label.is_none() && self.results.len() > 1 {
            return Err(TraceError(format!(
                "{files}: {} {what}s: {}; say which one holds the function's invocations with {key} in [functions.traffic]",
                self.results.len(),
                self.list_results()
            )));
        }
        Ok(())
    }

    /// Sorts and merges the points, finds the period and the missing
    /// periods.
    fn finish(
        mut self,
        names: &[String],
        interval: Option<u64>,
        mult: f64,
    ) -> Result<(Vec<(i64, u64)>, CloudWatchStats), TraceError> {
        let files = names.join(", ");
        let selected = self.selected_ids[0].clone();
        let label = self
            .results
            .iter()
            .find(|(i, _)| *i == selected)
            .map_or(String::new(), |(_, l)| l.clone());
        if self.points.is_empty() {
            return Err(TraceError(format!(
                "{files}: the selected series ({}) has no datapoints: no invocations in the exported time range, or the wrong function, metric or time range",
                show_sel(&selected, &label)
            )));
        }
        let listed = self.points.len() as u64;
        // Stable: points of one timestamp stay in file order.
        self.points.sort_by_key(|p| p.ts);
        let mut out: Vec<(i64, u64)> = Vec::with_capacity(self.points.len());
        // The file of the last point kept.
        let mut last_file = 0u32;
        for p in &self.points {
            if let Some(&(ts, c)) = out.last()
                && ts == p.ts
            {
                if c != p.count {
                    let a = &names[last_file as usize];
                    let b = &names[p.file as usize];
                    return Err(TraceError(format!(
                        "{}: the point at {} is {c} in {a} but {} in {b}: a point listed twice (pages of one query overlap) must have the same value; are the files from different queries or functions?",
                        if a == b {
                            a.clone()
                        } else {
                            format!("{a}, {b}")
                        },
                        show_time(ts),
                        p.count
                    )));
                }
                continue;
            }
            out.push((p.ts, p.count));
            last_file = p.file;
        }
        drop(std::mem::take(&mut self.points));
        let min_gap = out
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) as u64)
            .chain(self.row_gap)
            .min();
        let (len, inferred) = match (interval, min_gap) {
            (Some(i), _) => (i, false),
            (None, Some(g)) => (g, true),
            (None, None) => {
                return Err(TraceError(format!(
                    "{files}: cannot infer the period from a single datapoint ({}); set `interval` (the --period of the export, e.g. \"1m\") in [functions.traffic]",
                    show_time(out[0].0)
                )));
            }
        };
        let mut missing = 0u64;
        let mut first_missing = Vec::new();
        for w in out.windows(2) {
            let gap = (w[1].0 - w[0].0) as u64;
            if gap < len {
                return Err(TraceError(format!(
                    "{files}: datapoints at {} and {} are {} s apart, closer than the period `interval` = {} s: periods must not overlap",
                    show_time(w[0].0),
                    show_time(w[1].0),
                    fmt_num(gap as f64 / 1e6),
                    fmt_num(len as f64 / 1e6)
                )));
            }
            if !gap.is_multiple_of(len) {
                return Err(TraceError(format!(
                    "{files}: datapoints at {} and {} are {} s apart, not a whole number of periods ({} s{}): the points are not on one period grid (an export mixing periods?)",
                    show_time(w[0].0),
                    show_time(w[1].0),
                    fmt_num(gap as f64 / 1e6),
                    fmt_num(len as f64 / 1e6),
                    if inferred {
                        ", the smallest gap"
                    } else {
                        ", `interval`"
                    }
                )));
            }
            let n = gap / len - 1;
            for k in 1..=n.min(SHOW_MISSING as u64) {
                if first_missing.len() < SHOW_MISSING {
                    first_missing.push(w[0].0 + (k * len) as i64);
                }
            }
            missing += n;
        }
        let mut total = 0u64;
        let mut max = (0u64, 0i64);
        for &(ts, c) in &out {
            total = total.checked_add(c).ok_or_else(|| {
                TraceError(format!(
                    "{files}: the counts sum past {} (u64::MAX): counts must stay within the rate cap",
                    u64::MAX
                ))
            })?;
            if c > max.0 {
                max = (c, ts);
            }
        }
        if let Err(why) = units::count_rate(max.0, len, mult) {
            return Err(TraceError(format!(
                "{files}: the point at {}: `{}` {why}",
                show_time(max.1),
                max.0
            )));
        }
        let order = match (self.ascending, self.descending) {
            (true, true) => "unordered",
            (false, true) => "newest first",
            _ => "oldest first",
        };
        let stats = CloudWatchStats {
            kind: None,
            files: names.len(),
            results: std::mem::take(&mut self.results),
            selected: show_sel(&selected, &label),
            points: out.len() as u64,
            listed,
            interval: len,
            inferred,
            first: out[0].0,
            last: out[out.len() - 1].0,
            missing,
            first_missing,
            total,
            order,
            skipped: self.skipped,
        };
        Ok((out, stats))
    }
}

fn show_sel(id: &str, label: &str) -> String {
    if id == label || label.is_empty() {
        format!("`{id}`")
    } else {
        format!("Id `{id}`, Label `{label}`")
    }
}

/// All files are of one kind.
fn check_kinds(names: &[String], infos: &[FileInfo]) -> Result<FileKind, TraceError> {
    let first = infos[0].kind.unwrap_or(FileKind::ConsoleCsv);
    for (i, f) in infos.iter().enumerate().skip(1) {
        let k = f.kind.unwrap_or(FileKind::ConsoleCsv);
        if k != first {
            return Err(TraceError(format!(
                "{} is {} but {} is {}: list files of one kind in `path`",
                names[0],
                first.name(),
                names[i],
                k.name()
            )));
        }
    }
    Ok(first)
}

/// get-metric-data pages: the last page (no `NextToken`) is among the files
/// and the selected result is complete in it.
fn check_complete(names: &[String], infos: &[FileInfo], acc: &Acc) -> Result<(), TraceError> {
    let fix = |token: &str| {
        format!(
            "fetch the remaining pages (run the same `aws cloudwatch get-metric-data` command with --next-token {token} until a response has no NextToken; or let the AWS CLI paginate: omit --no-paginate) and list all the files: path = [\"page1.json\", \"page2.json\", …]"
        )
    };
    let last: Vec<usize> = (0..infos.len())
        .filter(|&i| infos[i].next_token.is_none())
        .collect();
    if last.is_empty() {
        let i = infos.len() - 1;
        let token = infos[i].next_token.as_deref().unwrap_or("");
        let shown = if token.chars().count() > 40 {
            format!("{}…", token.chars().take(40).collect::<String>())
        } else {
            token.to_string()
        };
        return Err(TraceError(format!(
            "{}: the data is incomplete: {} a NextToken (more pages follow); {}",
            names.join(", "),
            if infos.len() == 1 {
                "the file has".to_string()
            } else {
                format!("all {} files have", infos.len())
            },
            fix(&format!("\"{shown}\""))
        )));
    }
    for &i in &last {
        if infos[i].status.as_deref() == Some("PartialData") {
            return Err(TraceError(format!(
                "{}: the data is incomplete: the selected result ({}) has StatusCode \"PartialData\" in the last page (the one without a NextToken); {}",
                names[i],
                show_sel(&acc.selected_ids[0], ""),
                fix("<NextToken>")
            )));
        }
    }
    Ok(())
}

// ------------------------------------------------------------- the files

/// Reads one file into `acc`, telling its kind from its first byte.
fn read_file(
    path: &std::path::Path,
    name: &str,
    skip_bad_rows: bool,
    acc: &mut Acc,
) -> Result<FileInfo, TraceError> {
    let input = Input::open(path, name)?;
    let mut rdr = BufReader::with_capacity(256 * 1024, input);
    let io = |e: std::io::Error| TraceError(format!("{name}: cannot read the trace file: {e}"));
    let mut at_start = true;
    let first = loop {
        let buf = rdr.fill_buf().map_err(io)?;
        if buf.is_empty() {
            return Err(TraceError(format!(
                "{name}: empty file; expected `aws cloudwatch get-metric-data` or `get-metric-statistics` JSON, or the console's CSV download of a metric graph"
            )));
        }
        let mut n = 0;
        if at_start && buf.starts_with(b"\xEF\xBB\xBF") {
            n = 3;
        }
        at_start = false;
        n += buf[n..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if n < buf.len() {
            let b = buf[n];
            rdr.consume(n);
            break b;
        }
        rdr.consume(n);
    };
    if first == b'{' || first == b'[' {
        json::read_json(rdr, name, acc)
    } else {
        drop(rdr);
        console::read_csv(path, name, skip_bad_rows, acc)?;
        Ok(FileInfo {
            kind: Some(FileKind::ConsoleCsv),
            ..FileInfo::default()
        })
    }
}

/// A label that names a metric that is not a count of invocations.
fn check_label_is_count(label: &str) -> Result<(), String> {
    let l = label.to_ascii_lowercase();
    for (needle, what) in [
        ("duration", "a duration in milliseconds"),
        (
            "concurrentexecutions",
            "a concurrency (a gauge, not a count per period)",
        ),
        ("utilization", "a utilization percentage"),
        ("iteratorage", "an age in milliseconds"),
    ] {
        if l.contains(needle) {
            return Err(format!(
                "the selected series is labelled `{label}`: that is {what}, not a count of invocations; lmi-sim replays the Sum of the Invocations metric (AWS/Lambda, Unit Count): export that, or select its result"
            ));
        }
    }
    Ok(())
}

fn fmt_value(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        let s = format!("{v}");
        s
    } else {
        format!("{v:e}")
    }
}

/// A value of the Sum of Invocations as a count, or why it is not one.
fn count_of(v: f64) -> Result<u64, String> {
    if !v.is_finite() {
        return Err("is not a finite number".into());
    }
    if v < 0.0 {
        return Err("is negative: the Sum of Invocations is a whole number >= 0".into());
    }
    if v.fract() != 0.0 {
        return Err("is not a whole number: the Sum of Invocations per period is a whole count; this looks like another statistic (Average, a percentile) or another metric (Duration): export the Sum of Invocations".into());
    }
    if v > 1e15 {
        return Err("is beyond 10^15 invocations in a period".into());
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests;
