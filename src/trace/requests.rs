//! Per-request formats (Azure 2021, plain CSV of requests): rows are read one
//! at a time and put in arrival order by a bounded reordering window.
//!
//! Rows may be out of arrival order by at most `reorder_window` of trace time
//! (Azure 2021 rows are sorted by end time, not arrival). Rows wait in a
//! min-heap until the latest arrival read is more than the window past them,
//! so the heap holds at most a window's worth of requests. A row whose arrival
//! is earlier than a request already replayed is an error naming `path:line`
//! and the window needed.

use super::table::{Table, parse_time};
use super::{Replay, TraceFormat, TraceSpec, split_work};
use crate::dist::unit_f64;
use crate::request::{Request, TraceError};
use crate::rng::SimRng;
use crate::time::SimTime;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One row: arrival [µs in trace units] and the traced duration [µs], if any.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    at: i64,
    /// File order, for ties.
    seq: u64,
    dur: Option<u64>,
}

enum Kind {
    /// `end_timestamp` and `duration` columns (seconds).
    Azure2021 { end: usize, dur: usize },
    /// A timestamp column and an optional duration column.
    Csv { ts: usize, dur: Option<usize> },
}

/// The rows of a per-request file, unsorted.
pub struct RequestRows {
    t: Table,
    kind: Kind,
    seq: u64,
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
                let exp = match duration_column {
                    Some(d) => format!(
                        "with columns `{timestamp_column}` (seconds or RFC 3339) and `{d}` (seconds)"
                    ),
                    None => format!("with a column `{timestamp_column}` (seconds or RFC 3339)"),
                };
                let t = Table::open(&spec.path, spec.skip_bad_rows, &exp)?;
                let ts = t.col(timestamp_column, &exp)?;
                let dur = match duration_column {
                    Some(d) => Some(t.col(d, &exp)?),
                    None => None,
                };
                (t, Kind::Csv { ts, dur })
            }
            _ => return Err(TraceError("internal: not a per-request spec".into())),
        };
        Ok(RequestRows { t, kind, seq: 0 })
    }

    /// The next good row, unsorted.
    fn next_row(&mut self) -> Result<Option<Row>, TraceError> {
        while self.t.advance()? {
            let r = match self.kind {
                Kind::Azure2021 { end, dur } => self.t.seconds(dur).and_then(|d| {
                    let e = self.t.number(end)?;
                    Ok(((e * 1e6).round() as i64 - d as i64, Some(d)))
                }),
                Kind::Csv { ts, dur } => {
                    let at = self.t.text(ts).and_then(parse_time).ok_or_else(|| {
                        self.t.bad_cell(
                            ts,
                            "is not a timestamp (seconds, or RFC 3339 like 2021-01-31T12:00:00Z)",
                        )
                    });
                    at.and_then(|at| match dur {
                        Some(c) if self.t.text(c).is_some_and(|s| !s.is_empty()) => {
                            Ok((at, Some(self.t.seconds(c)?)))
                        }
                        _ => Ok((at, None)),
                    })
                }
            };
            match r {
                Ok((at, dur)) => {
                    self.seq += 1;
                    return Ok(Some(Row {
                        at,
                        seq: self.seq,
                        dur,
                    }));
                }
                Err(e) => self.t.reject(e)?,
            }
        }
        Ok(None)
    }

    fn what(&self) -> &'static str {
        match self.kind {
            Kind::Azure2021 { .. } => "end_timestamp − duration",
            Kind::Csv { .. } => "timestamp",
        }
    }
}

/// The per-request formats' replay.
pub struct RequestReplay {
    rows: RequestRows,
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
}

impl RequestReplay {
    pub fn new(spec: &TraceSpec, rows: RequestRows, rng: SimRng, horizon: SimTime) -> Self {
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
                            "{}:{}: arrival {} s ({}) is {} s earlier than an arrival already replayed ({} s): rows may be out of arrival order by at most reorder_window = {} s; set reorder_window to at least \"{}s\" in [functions.traffic]",
                            self.rows.t.name,
                            self.rows.t.line(),
                            r.at as f64 / 1e6,
                            self.rows.what(),
                            (le - r.at) as f64 / 1e6,
                            le as f64 / 1e6,
                            self.window as f64 / 1e6,
                            need.ceil().max(1.0)
                        ));
                        self.rows.t.reject(e)?;
                        continue;
                    }
                    self.max_seen = self.max_seen.max(r.at);
                    self.heap.push(Reverse(r));
                }
            }
        }
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
        self.rows.seq = 0;
        self.rows.t.rewind()
    }
}

impl Replay for RequestReplay {
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
            return Ok(Some(req));
        }
    }

    fn skipped(&self) -> u64 {
        self.rows.t.skipped
    }
}
