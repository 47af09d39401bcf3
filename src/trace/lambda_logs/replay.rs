//! REPORT records replayed as requests in arrival order (timestamp −
//! Duration − Init Duration), each with its Duration as its work split by `cpu_share`.
//!
//! The same rules as the other per-request formats (`requests`): records
//! wait in a min-heap until the latest arrival read is more than
//! `reorder_window` past them, so the heap holds at most a window's worth;
//! a record arriving before one already replayed is an error naming
//! `path:line` and the window needed. Trace time τ is measured from
//! `time_origin`, else the first arrival; the window, offset, rate
//! multiplier and loops apply as for every trace.

use super::LogRows;
use crate::dist::unit_f64;
use crate::request::{Request, TraceError};
use crate::rng::SimRng;
use crate::time::SimTime;
use crate::trace::{Replay, TraceFormat, TraceSpec, split_work};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A record in the heap: arrival [µs since the epoch], file order, duration [µs].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    at: i64,
    seq: u64,
    dur: u64,
}

/// The files of a `lambda-logs` spec.
pub fn paths(spec: &TraceSpec) -> Vec<std::path::PathBuf> {
    match &spec.format {
        TraceFormat::LambdaLogs { paths } => paths.clone(),
        _ => vec![spec.path.clone()],
    }
}

pub struct LogReplay {
    rows: LogRows,
    seq: u64,
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
    last_tau: i64,
    mult: f64,
    rng: SimRng,
    use_durations: bool,
    cpu_share: f64,
    pending: Option<(Request, u64)>,
    horizon: u64,
    done: bool,
    /// Records replayed or passed in the first pass (for `validate --deep`).
    pub rows_read: u64,
}

impl LogReplay {
    pub fn open(spec: &TraceSpec, rng: SimRng, horizon: SimTime) -> Result<Self, TraceError> {
        let rows = LogRows::open(&paths(spec), spec.skip_bad_rows)?;
        Ok(LogReplay {
            rows,
            seq: 0,
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
            rows_read: 0,
        })
    }

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
            match self.rows.next_report()? {
                None => self.eof = true,
                Some(rep) => {
                    let at = rep.arrival();
                    if let Some(le) = self.last_emitted
                        && at < le
                    {
                        let need = (self.max_seen - at) as f64 / 1e6;
                        let e = format!(
                            "{}: arrival {} (log timestamp − Duration − Init Duration) is {} s earlier than an arrival already replayed ({}): REPORT lines may be out of arrival order by at most reorder_window = {} s; set reorder_window to at least \"{}s\" in [functions.traffic]",
                            self.rows.location(),
                            crate::trace::rfc3339::format_us(at),
                            (le - at) as f64 / 1e6,
                            crate::trace::rfc3339::format_us(le),
                            self.window as f64 / 1e6,
                            need.ceil().max(1.0)
                        );
                        self.rows.reject(e)?;
                        continue;
                    }
                    if self.rows.pass == 0 {
                        self.rows_read += 1;
                    }
                    self.seq += 1;
                    self.max_seen = self.max_seen.max(at);
                    self.heap.push(Reverse(Row {
                        at,
                        seq: self.seq,
                        dur: rep.fields.duration_us,
                    }));
                }
            }
        }
    }

    /// Reads everything through the window (a replay's checks, no horizon).
    pub fn drain(mut self) -> Result<(u64, u64), TraceError> {
        while self.pop_sorted()?.is_some() {}
        Ok((self.rows_read, self.rows.skipped()))
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
        self.seq = 0;
        self.rows.rewind()
    }
}

impl Replay for LogReplay {
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
            let req = Request {
                at: SimTime(at),
                work: self
                    .use_durations
                    .then(|| split_work(row.dur, self.cpu_share)),
            };
            if copies > 1 {
                self.pending = Some((req, copies - 1));
            }
            return Ok(Some(req));
        }
    }

    fn skipped(&self) -> u64 {
        self.rows.skipped()
    }
}
