//! One streaming pass over a function's logs: what the REPORT lines hold
//! (counts, time span, how far out of arrival order they are, and the
//! distributions of Duration, Init Duration and Max Memory Used in quantile
//! sketches of fixed size). Read when a scenario is loaded (for the init
//! distribution, the memory model and the reordering window) and by
//! `lmi-sim logs summarize`.

use super::{Container, LogRows};
use crate::request::TraceError;
use crate::sketch::Sketch;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the REPORT records of the files hold.
#[derive(Clone, Debug)]
pub struct LogStats {
    pub paths: Vec<PathBuf>,
    pub containers: Vec<Container>,
    /// REPORT records read.
    pub reports: u64,
    /// Other messages (START, END, the function's output), skipped.
    pub other: u64,
    /// Malformed REPORT records skipped (only when skipping).
    pub skipped: u64,
    /// Smallest and largest log timestamp [µs since the epoch].
    pub ts_min: i64,
    pub ts_max: i64,
    /// Smallest and largest arrival (timestamp − Duration − Init Duration).
    pub arrival_min: i64,
    pub arrival_max: i64,
    /// Records whose log timestamp is earlier than the record before them.
    pub ts_backwards: u64,
    /// Records arriving before an earlier record's arrival, and the most
    /// any arrives before one above it [µs]: the reordering window needed.
    pub out_of_order: u64,
    pub max_late_us: u64,
    /// Durations [µs]: sketch, exact sum, min and max.
    pub durations: Sketch,
    pub duration_sum_us: u128,
    pub duration_min_us: u64,
    pub duration_max_us: u64,
    /// Init Durations [µs] of the cold starts.
    pub inits: Sketch,
    pub init_sum_us: u128,
    pub init_min_us: u64,
    /// Max Memory Used [MB], of the records that give it.
    pub max_memory: Sketch,
    pub max_memory_min_mb: u32,
    /// Memory Size [MB] → records.
    pub memory_sizes: BTreeMap<u32, u64>,
}

impl LogStats {
    pub fn inits(&self) -> u64 {
        self.inits.count()
    }

    /// Arrivals per second over the arrivals' span.
    pub fn rate(&self) -> f64 {
        let span = (self.arrival_max - self.arrival_min).max(0) as f64 / 1e6;
        if span > 0.0 {
            self.reports as f64 / span
        } else {
            0.0
        }
    }

    /// The most common Memory Size, if any record gave one.
    pub fn memory_size(&self) -> Option<u32> {
        self.memory_sizes
            .iter()
            .max_by_key(|(m, n)| (**n, std::cmp::Reverse(**m)))
            .map(|(m, _)| *m)
    }
}

/// Reads every record of `paths` once. With `skip`, malformed REPORT
/// records are counted and skipped; otherwise the first is an error naming
/// `path:line` and the field. No REPORT at all, or log timestamps that run
/// newest first, are errors.
pub fn scan(paths: &[PathBuf], skip: bool) -> Result<LogStats, TraceError> {
    let mut rows = LogRows::open(paths, skip)?;
    let mut s = LogStats {
        paths: paths.to_vec(),
        containers: LogRows::containers(paths)?,
        reports: 0,
        other: 0,
        skipped: 0,
        ts_min: i64::MAX,
        ts_max: i64::MIN,
        arrival_min: i64::MAX,
        arrival_max: i64::MIN,
        ts_backwards: 0,
        out_of_order: 0,
        max_late_us: 0,
        durations: Sketch::new(),
        duration_sum_us: 0,
        duration_min_us: u64::MAX,
        duration_max_us: 0,
        inits: Sketch::new(),
        init_sum_us: 0,
        init_min_us: u64::MAX,
        max_memory: Sketch::new(),
        max_memory_min_mb: u32::MAX,
        memory_sizes: BTreeMap::new(),
    };
    let mut prev_ts: Option<i64> = None;
    let mut first_ts = None;
    while let Some(r) = rows.next_report()? {
        s.reports += 1;
        let f = &r.fields;
        first_ts.get_or_insert((r.ts, rows.location()));
        if prev_ts.is_some_and(|p| r.ts < p) {
            s.ts_backwards += 1;
        }
        prev_ts = Some(r.ts);
        s.ts_min = s.ts_min.min(r.ts);
        s.ts_max = s.ts_max.max(r.ts);
        let at = r.arrival();
        if s.reports > 1 && at < s.arrival_max {
            s.out_of_order += 1;
            s.max_late_us = s.max_late_us.max((s.arrival_max - at) as u64);
        }
        s.arrival_min = s.arrival_min.min(at);
        s.arrival_max = s.arrival_max.max(at);
        s.durations.record(f.duration_us);
        s.duration_sum_us += f.duration_us as u128;
        s.duration_min_us = s.duration_min_us.min(f.duration_us);
        s.duration_max_us = s.duration_max_us.max(f.duration_us);
        if let Some(i) = f.init_us {
            s.inits.record(i);
            s.init_sum_us += i as u128;
            s.init_min_us = s.init_min_us.min(i);
        }
        if let Some(m) = f.max_memory_mb {
            s.max_memory.record(m as u64);
            s.max_memory_min_mb = s.max_memory_min_mb.min(m);
        }
        if let Some(m) = f.memory_size_mb {
            *s.memory_sizes.entry(m).or_insert(0) += 1;
        }
    }
    s.other = rows.other;
    s.skipped = rows.skipped();
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if s.reports == 0 {
        return Err(TraceError(format!(
            "{}: no REPORT lines ({} other message(s){}); expected Lambda's `REPORT RequestId: … Duration: … ms …` lines or JSON `platform.report` events (export the function's log group /aws/lambda/NAME, e.g. with --filter-pattern REPORT)",
            names.join(", "),
            s.other,
            if s.skipped > 0 {
                format!(", {} malformed REPORT record(s) skipped", s.skipped)
            } else {
                String::new()
            }
        )));
    }
    // Newest first (Logs Insights sorts by @timestamp descending unless
    // told otherwise): the window would have to hold the whole file.
    if s.reports >= 3 && s.ts_backwards * 2 > s.reports {
        let (t0, at) = first_ts.unwrap_or((0, String::new()));
        return Err(TraceError(format!(
            "{at}: the log timestamps run newest first ({} of {} REPORT records are earlier than the one before them; the first is {}): replay needs them oldest first; in Logs Insights add `| sort @timestamp asc` to the query and export again, or reverse the file",
            s.ts_backwards,
            s.reports,
            crate::trace::rfc3339::format_us(t0)
        )));
    }
    Ok(s)
}
