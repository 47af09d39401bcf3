//! Per-request formats (Azure 2021, plain CSV of requests): rows are read one
//! at a time and put in arrival order by a bounded reordering window.
//!
//! Rows may be out of arrival order by at most `reorder_window` of trace time
//! (Azure 2021 rows are sorted by end time, not arrival). Rows wait in a
//! min-heap until the latest arrival read is more than the window past them,
//! so the heap holds at most a window's worth of requests. A row whose arrival
//! is earlier than a request already replayed is an error naming `path:line`
//! and the window needed.

use super::table::Table;
use super::units::{self, TimeUnit};
use super::{Replay, TraceFormat, TraceSpec, split_work};
use crate::dist::unit_f64;
use crate::request::{LoggedOutcomes, Request, TraceError};
use crate::rng::SimRng;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One row: arrival [µs in trace units] and the traced duration [µs], if any.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub at: i64,
    /// File order, for ties.
    pub seq: u64,
    pub dur: Option<u64>,
    /// What the log says became of the request (access logs; `Ok` otherwise).
    pub outcome: Outcome,
}

/// What an access log says became of a request. Throttled and failed
/// requests stay arrivals (the traffic the function was offered); they are
/// only counted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    /// Status 429.
    Throttled,
    /// Status 5xx, or no response from the target.
    Failed,
}

/// Unsorted per-request rows, as the reordering window reads them.
pub trait RowSource: Send {
    /// The next good row, unsorted (bad rows are rejected inside).
    fn next_row(&mut self) -> Result<Option<Row>, TraceError>;
    /// A bad row: `Err` (with the skip hint) unless skipping, when it is
    /// counted and `Ok` is returned.
    fn reject(&mut self, e: TraceError) -> Result<(), TraceError>;
    /// `path:line` of the row last read.
    fn here(&self) -> String;
    /// How the arrival is found, for messages.
    fn what(&self) -> &'static str;
    /// Starts the file over (a new pass, file order counted from 0 again).
    fn rewind(&mut self) -> Result<(), TraceError>;
    /// Rows skipped as malformed (first pass).
    fn skipped(&self) -> u64;
    /// What the good rows of the first pass held.
    fn stats(&self) -> &RowStats;
    /// True when rows carry an [`Outcome`] worth counting (access logs).
    fn has_outcomes(&self) -> bool {
        false
    }
}

enum Kind {
    /// `end_timestamp` and `duration` columns (seconds).
    Azure2021 { end: usize, dur: usize },
    /// A timestamp column and an optional duration column.
    Csv {
        ts: usize,
        dur: Option<usize>,
        ts_unit: TimeUnit,
        dur_unit: Option<TimeUnit>,
    },
}

/// What the good rows of one pass held (for `validate --deep`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowStats {
    pub rows: u64,
    /// Smallest and largest arrival [µs in trace units].
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Rows arriving before an earlier row of the file.
    pub out_of_order: u64,
    /// The most any row arrives before an earlier row [µs].
    pub max_late: u64,
}

impl RowStats {
    /// Counts a good row arriving at `at`.
    pub fn add(&mut self, at: i64) {
        self.rows += 1;
        if let Some(l) = self.last
            && at < l
        {
            self.out_of_order += 1;
            self.max_late = self.max_late.max((l - at) as u64);
        }
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        self.last = Some(self.last.map_or(at, |l| l.max(at)));
    }
}

/// The rows of a per-request file, unsorted.
pub struct RequestRows {
    t: Table,
    kind: Kind,
    seq: u64,
    pub stats: RowStats,
}

/// Rows sampled for the millisecond check of an implicit-seconds duration column.
const SNIFF_ROWS: usize = 1000;

/// Refuses a duration column given no unit whose first values look like
/// milliseconds: a median of 30 s or more, or whole numbers only with a
/// median of 2 s or more (API Gateway and load-balancer logs give whole ms).
/// Skipped when the first row's timestamp does not parse (its error comes
/// first, from the replay).
fn sniff_ms_durations(
    spec: &TraceSpec,
    ts_col: &str,
    col: &str,
    expected: &str,
) -> Result<(), TraceError> {
    let mut t = Table::open(&spec.path, true, expected)?;
    let (Some(ts), Some(c)) = (t.find(ts_col), t.find(col)) else {
        return Ok(());
    };
    if !t.advance()? || t.timestamp(ts, spec.timestamp_unit, None).is_err() {
        return Ok(());
    }
    t.rewind()?;
    let mut v: Vec<f64> = Vec::with_capacity(SNIFF_ROWS);
    let mut last_line = 0;
    while v.len() < SNIFF_ROWS && t.advance()? {
        if let Some(x) = t
            .text(c)
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|x| x.is_finite() && *x >= 0.0)
        {
            v.push(x);
            last_line = t.line();
        }
    }
    if v.len() < 20 {
        return Ok(());
    }
    let whole = v.iter().all(|x| x.fract() == 0.0);
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    if median >= 30.0 || (whole && median >= 2.0) {
        return Err(TraceError(format!(
            "{}:2-{last_line}: column `{col}`: the first {} durations {}have a median of {} read as seconds, which looks like milliseconds; set duration_unit = \"ms\" in [functions.traffic] (or duration_unit = \"s\" if they really are seconds)",
            t.name,
            v.len(),
            if whole { "are whole numbers and " } else { "" },
            units::fmt_num(median)
        )));
    }
    Ok(())
}

impl RequestRows {
    pub fn open(spec: &TraceSpec) -> Result<Self, TraceError> {
        let (t, kind) = match &spec.format {
            TraceFormat::Azure2021 => {
                let exp = "`app,func,end_timestamp,duration` (Azure Functions 2021, seconds)";
                let t = Table::open(&spec.path, spec.skip_bad_rows, exp)?;
                let end = t.col("end_timestamp", exp)?;
                let dur = t.col("duration", exp)?;
                (t, Kind::Azure2021 { end, dur })
            }
            TraceFormat::CsvRequests {
                timestamp_column,
                duration_column,
            } => {
                let tu = spec.timestamp_unit.name();
                let du = spec.duration_unit.unwrap_or(TimeUnit::S).name();
                let exp = match duration_column {
                    Some(d) => format!(
                        "with columns `{timestamp_column}` (a number in {tu}, or a date-time) and `{d}` ({du})"
                    ),
                    None => format!(
                        "with a column `{timestamp_column}` (a number in {tu}, or a date-time)"
                    ),
                };
                let t = Table::open(&spec.path, spec.skip_bad_rows, &exp)?;
                let ts = t.col(timestamp_column, &exp)?;
                let dur = match duration_column {
                    Some(d) => Some(t.col(d, &exp)?),
                    None => None,
                };
                if let Some(d) = duration_column
                    && spec.use_durations
                    && spec.duration_unit.is_none()
                {
                    sniff_ms_durations(spec, timestamp_column, d, &exp)?;
                }
                (
                    t,
                    Kind::Csv {
                        ts,
                        dur,
                        ts_unit: spec.timestamp_unit,
                        dur_unit: spec.duration_unit,
                    },
                )
            }
            _ => return Err(TraceError("internal: not a per-request spec".into())),
        };
        Ok(RequestRows {
            t,
            kind,
            seq: 0,
            stats: RowStats::default(),
        })
    }

    /// The next good row, unsorted.
    fn read_row(&mut self) -> Result<Option<Row>, TraceError> {
        while self.t.advance()? {
            let r = match self.kind {
                Kind::Azure2021 { end, dur } => {
                    self.t.duration(dur, Some(TimeUnit::S), None).and_then(|d| {
                        let e = self.t.number(end)?;
                        let e = units::timestamp_number(e, TimeUnit::S, None)
                            .map_err(|why| self.t.bad_cell(end, &why))?;
                        // Both bounded (±1e17 µs, < 1e11 µs): no overflow.
                        Ok((e - d as i64, Some(d)))
                    })
                }
                Kind::Csv {
                    ts,
                    dur,
                    ts_unit,
                    dur_unit,
                } => self
                    .t
                    .timestamp(ts, ts_unit, Some("timestamp_unit"))
                    .and_then(|at| match dur {
                        Some(c) if self.t.text(c).is_some_and(|s| !s.is_empty()) => Ok((
                            at,
                            Some(self.t.duration(c, dur_unit, Some("duration_unit"))?),
                        )),
                        _ => Ok((at, None)),
                    }),
            };
            match r {
                Ok((at, dur)) => {
                    if self.t.pass == 0 {
                        self.stats.add(at);
                    }
                    self.seq += 1;
                    return Ok(Some(Row {
                        at,
                        seq: self.seq,
                        dur,
                        outcome: Outcome::Ok,
                    }));
                }
                Err(e) => self.t.reject(e)?,
            }
        }
        Ok(None)
    }
}

impl RowSource for RequestRows {
    fn next_row(&mut self) -> Result<Option<Row>, TraceError> {
        self.read_row()
    }
    fn reject(&mut self, e: TraceError) -> Result<(), TraceError> {
        self.t.reject(e)
    }
    fn here(&self) -> String {
        format!("{}:{}", self.t.name, self.t.line())
    }
    fn what(&self) -> &'static str {
        match self.kind {
            Kind::Azure2021 { .. } => "end_timestamp − duration",
            Kind::Csv { .. } => "timestamp",
        }
    }
    fn rewind(&mut self) -> Result<(), TraceError> {
        self.seq = 0;
        self.t.rewind()
    }
    fn skipped(&self) -> u64 {
        self.t.skipped
    }
    fn stats(&self) -> &RowStats {
        &self.stats
    }
}

/// The per-request formats' replay.
pub struct RequestReplay<S: RowSource = RequestRows> {
    rows: S,
    heap: BinaryHeap<Reverse<Row>>,
    window: i64,
    max_seen: i64,
    last_emitted: Option<i64>,
    eof: bool,
    origin: Option<i64>,
    ws: i64,
    we: Option<i64>,
    offset: u64,
    loops: u32,
    k: u32,
    period: u64,
    /// Largest trace time replayed or passed in the first pass.
    last_tau: i64,
    mult: f64,
    rng: SimRng,
    use_durations: bool,
    cpu_share: f64,
    /// A request still to be repeated, and how many more times.
    pending: Option<(Request, u64)>,
    horizon: u64,
    done: bool,
    /// Access logs: what became of the requests replayed so far.
    logged: Option<LoggedOutcomes>,
}

impl<S: RowSource> RequestReplay<S> {
    pub fn new(spec: &TraceSpec, rows: S, rng: SimRng, horizon: SimTime) -> Self {
        let logged = rows.has_outcomes().then(LoggedOutcomes::default);
        RequestReplay {
            rows,
            heap: BinaryHeap::new(),
            window: spec.reorder_window.0 as i64,
            max_seen: i64::MIN,
            last_emitted: None,
            eof: false,
            origin: spec.time_origin,
            ws: spec.window_start.0 as i64,
            we: spec.window_end.map(|d| d.0 as i64),
            offset: spec.offset.0,
            loops: spec.loop_count.max(1),
            k: 0,
            period: 0,
            last_tau: i64::MIN,
            mult: spec.rate_multiplier,
            rng,
            use_durations: spec.use_durations,
            cpu_share: spec.cpu_share,
            pending: None,
            horizon: horizon.0,
            done: false,
            logged,
        }
    }

    /// The next row in arrival order.
    fn pop_sorted(&mut self) -> Result<Option<Row>, TraceError> {
        loop {
            if let Some(Reverse(top)) = self.heap.peek()
                && (self.eof || top.at <= self.max_seen.saturating_sub(self.window))
            {
                let r = *top;
                self.heap.pop();
                self.last_emitted = Some(r.at);
                return Ok(Some(r));
            }
            if self.eof {
                return Ok(None);
            }
            match self.rows.next_row()? {
                None => self.eof = true,
                Some(r) => {
                    if let Some(le) = self.last_emitted
                        && r.at < le
                    {
                        let need = (self.max_seen - r.at) as f64 / 1e6;
                        let e = TraceError(format!(
                            "{}: arrival {} s ({}) is {} s earlier than an arrival already replayed ({} s): rows may be out of arrival order by at most reorder_window = {} s; set reorder_window to at least \"{}s\" in [functions.traffic]",
                            self.rows.here(),
                            r.at as f64 / 1e6,
                            self.rows.what(),
                            (le - r.at) as f64 / 1e6,
                            le as f64 / 1e6,
                            self.window as f64 / 1e6,
                            need.ceil().max(1.0)
                        ));
                        self.rows.reject(e)?;
                        continue;
                    }
                    self.max_seen = self.max_seen.max(r.at);
                    self.heap.push(Reverse(r));
                }
            }
        }
    }

    /// Reads the whole file through the reordering window (the same checks
    /// as a replay, no horizon); returns what the rows held and the rows skipped.
    pub fn drain(self) -> Result<(RowStats, u64), TraceError> {
        let rows = self.drain_rows()?;
        Ok((rows.stats().clone(), rows.skipped()))
    }

    /// As [`Self::drain`], giving back the row source (and what it counted).
    pub fn drain_rows(mut self) -> Result<S, TraceError> {
        while self.pop_sorted()?.is_some() {}
        Ok(self.rows)
    }

    fn end_loop(&mut self) -> Result<(), TraceError> {
        self.k += 1;
        if self.k >= self.loops {
            self.done = true;
            return Ok(());
        }
        if self.period == 0 {
            self.period = match self.we {
                Some(we) => (we - self.ws).max(0) as u64,
                // The span to the last arrival, rounded up to whole seconds
                // (strictly past it, so loops never overlap).
                None if self.last_tau >= self.ws => {
                    ((self.last_tau - self.ws) as u64 / 1_000_000 + 1) * 1_000_000
                }
                None => 0,
            };
        }
        if self.period == 0
            || self
                .offset
                .saturating_add(self.period.saturating_mul(self.k as u64))
                >= self.horizon
        {
            self.done = true;
            return Ok(());
        }
        self.heap.clear();
        self.eof = false;
        self.last_emitted = None;
        self.max_seen = i64::MIN;
        self.rows.rewind()
    }
}

impl<S: RowSource> Replay for RequestReplay<S> {
    fn next(&mut self) -> Result<Option<Request>, TraceError> {
        if let Some((r, more)) = &mut self.pending {
            let r = *r;
            *more -= 1;
            if *more == 0 {
                self.pending = None;
            }
            return Ok(Some(r));
        }
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(row) = self.pop_sorted()? else {
                self.end_loop()?;
                continue;
            };
            let origin = *self.origin.get_or_insert(row.at);
            let tau = row.at.saturating_sub(origin);
            if self.k == 0 {
                self.last_tau = self.last_tau.max(tau);
            }
            if tau < self.ws {
                continue;
            }
            if self.we.is_some_and(|we| tau >= we) {
                self.end_loop()?;
                continue;
            }
            let at = ((tau - self.ws) as u64)
                .saturating_add(self.offset)
                .saturating_add(self.period.saturating_mul(self.k as u64));
            if at >= self.horizon {
                self.done = true;
                return Ok(None);
            }
            let copies = if self.mult == 1.0 {
                1
            } else {
                let x = self.mult.floor();
                let frac = self.mult - x;
                x as u64 + (frac > 0.0 && unit_f64(&mut self.rng) < frac) as u64
            };
            if copies == 0 {
                continue;
            }
            let work = match row.dur {
                Some(d) if self.use_durations => Some(split_work(d, self.cpu_share)),
                _ => None,
            };
            let req = Request {
                at: SimTime(at),
                work,
            };
            if copies > 1 {
                self.pending = Some((req, copies - 1));
            }
            if let Some(l) = &mut self.logged {
                l.requests += copies;
                if work.is_none() {
                    l.no_duration += copies;
                }
                match row.outcome {
                    Outcome::Ok => {}
                    Outcome::Throttled => l.throttled += copies,
                    Outcome::Failed => l.failed += copies,
                }
            }
            return Ok(Some(req));
        }
    }

    fn skipped(&self) -> u64 {
        self.rows.skipped()
    }

    fn logged(&self) -> Option<LoggedOutcomes> {
        self.logged
    }
}
