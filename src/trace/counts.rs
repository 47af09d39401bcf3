//! Count formats: intervals with a number of arrivals, spread inside each
//! interval, then windowed, shifted, multiplied and looped.
//!
//! Spreading needs no buffer: the k-th of n sorted uniform times is drawn
//! from the (k−1)-th as the minimum of the n − k + 1 remaining uniforms,
//! `u ← u + (1 − u)(1 − V^{1/(n−k+1)})`, so a count of millions costs no
//! memory and the interval's count is kept exactly.

use super::table::{Table, parse_time};
use super::{Replay, Spread, TraceFormat, TraceSpec, WorkSampler};
use crate::dist::unit_f64;
use crate::request::{Request, TraceError};
use crate::rng::SimRng;
use crate::time::SimTime;
use std::collections::VecDeque;

/// One interval of a count trace: start (µs of trace time), length (µs), count.
pub type Interval = (i64, u64, u64);

/// A series of intervals in increasing start order, restartable for loops.
pub trait Intervals: Send {
    fn next_interval(&mut self) -> Result<Option<Interval>, TraceError>;
    fn rewind(&mut self) -> Result<(), TraceError>;
    fn skipped(&self) -> u64;
    /// Without `window_end`, the loop period is the trace's end rounded up to
    /// a multiple of this [µs] (a day for Azure 2019), minus `window_start`.
    fn period_unit(&self) -> u64 {
        1
    }
}

/// The count formats' replay.
pub struct CountReplay {
    src: Box<dyn Intervals>,
    spread: Spread,
    mult: f64,
    rng: SimRng,
    work: Option<WorkSampler>,
    ws: i64,
    we: Option<i64>,
    offset: u64,
    loops: u32,
    k: u32,
    /// Loop period [µs]; 0 until known.
    period: u64,
    /// Largest interval end of the first pass.
    span_end: i64,
    horizon: u64,
    // The interval being spread.
    cur: i64,
    len: u64,
    n: u64,
    i: u64,
    u: f64,
    done: bool,
}

impl CountReplay {
    pub fn new(
        spec: &TraceSpec,
        src: Box<dyn Intervals>,
        rng: SimRng,
        work: Option<WorkSampler>,
        horizon: SimTime,
    ) -> Result<Self, TraceError> {
        Ok(CountReplay {
            src,
            spread: spec.spread,
            mult: spec.rate_multiplier,
            rng,
            work,
            ws: spec.window_start.0 as i64,
            we: spec.window_end.map(|d| d.0 as i64),
            offset: spec.offset.0,
            loops: spec.loop_count.max(1),
            k: 0,
            period: 0,
            span_end: i64::MIN,
            horizon: horizon.0,
            cur: 0,
            len: 0,
            n: 0,
            i: 0,
            u: 0.0,
            done: false,
        })
    }

    /// `c × m` with stochastic rounding: exact in expectation.
    fn scale(&mut self, c: u64) -> u64 {
        if self.mult == 1.0 {
            return c;
        }
        let x = c as f64 * self.mult;
        let n = x.floor();
        let frac = x - n;
        let extra = frac > 0.0 && unit_f64(&mut self.rng) < frac;
        n as u64 + extra as u64
    }

    /// Offset inside the interval of the next of the `n` arrivals.
    fn next_offset(&mut self) -> u64 {
        let remaining = self.n - self.i;
        let off = match self.spread {
            Spread::Start => 0,
            Spread::Uniform => ((self.i as u128 * self.len as u128) / self.n as u128) as u64,
            Spread::Poisson => {
                // 1 − V with V in (0, 1].
                let v = 1.0 - unit_f64(&mut self.rng);
                self.u += (1.0 - self.u) * (1.0 - v.powf(1.0 / remaining as f64));
                ((self.u * self.len as f64) as u64).min(self.len.saturating_sub(1))
            }
        };
        self.i += 1;
        off
    }

    fn end_loop(&mut self) -> Result<(), TraceError> {
        self.n = 0;
        self.i = 0;
        self.k += 1;
        if self.k >= self.loops {
            self.done = true;
            return Ok(());
        }
        if self.period == 0 {
            self.period = match self.we {
                Some(we) => (we - self.ws).max(0) as u64,
                None => {
                    let unit = self.src.period_unit().max(1) as i64;
                    let end = if self.span_end == i64::MIN {
                        0
                    } else {
                        self.span_end
                    };
                    let rounded = (end + unit - 1).div_euclid(unit) * unit;
                    (rounded - self.ws).max(0) as u64
                }
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
        self.src.rewind()
    }

    fn sim_time(&self, tau: i64) -> u64 {
        ((tau - self.ws) as u64)
            .saturating_add(self.offset)
            .saturating_add(self.period.saturating_mul(self.k as u64))
    }
}

impl Replay for CountReplay {
    fn next(&mut self) -> Result<Option<Request>, TraceError> {
        loop {
            if self.done {
                return Ok(None);
            }
            if self.i < self.n {
                let tau = self.cur + self.next_offset() as i64;
                if tau < self.ws {
                    continue;
                }
                if self.we.is_some_and(|we| tau >= we) {
                    self.end_loop()?;
                    continue;
                }
                let at = self.sim_time(tau);
                if at >= self.horizon {
                    self.done = true;
                    return Ok(None);
                }
                let work = self.work.as_mut().map(|w| w.sample());
                return Ok(Some(Request {
                    at: SimTime(at),
                    work,
                }));
            }
            match self.src.next_interval()? {
                None => self.end_loop()?,
                Some((s, len, c)) => {
                    let end = s.saturating_add(len as i64);
                    if self.k == 0 {
                        self.span_end = self.span_end.max(end);
                    }
                    if self.we.is_some_and(|we| s >= we) {
                        self.end_loop()?;
                        continue;
                    }
                    if end <= self.ws {
                        continue;
                    }
                    if self.sim_time(s.max(self.ws)) >= self.horizon {
                        self.done = true;
                        return Ok(None);
                    }
                    self.n = self.scale(c);
                    self.i = 0;
                    self.u = 0.0;
                    self.cur = s;
                    self.len = len.max(1);
                }
            }
        }
    }

    fn skipped(&self) -> u64 {
        self.src.skipped()
    }
}

/// An in-memory series of equal intervals (the Azure 2019 aggregate).
pub struct Series {
    /// Trace time of `counts[0]`'s start [µs].
    pub first_start: i64,
    pub interval: u64,
    pub counts: Vec<u64>,
    pub skipped: u64,
    pub period_unit: u64,
    pub next: usize,
}

impl Intervals for Series {
    fn next_interval(&mut self) -> Result<Option<Interval>, TraceError> {
        let Some(&c) = self.counts.get(self.next) else {
            return Ok(None);
        };
        let s = self.first_start + (self.next as u64 * self.interval) as i64;
        self.next += 1;
        Ok(Some((s, self.interval, c)))
    }
    fn rewind(&mut self) -> Result<(), TraceError> {
        self.next = 0;
        Ok(())
    }
    fn skipped(&self) -> u64 {
        self.skipped
    }
    fn period_unit(&self) -> u64 {
        self.period_unit
    }
}

/// A plain CSV of per-interval counts, streamed.
pub struct CsvCounts {
    t: Table,
    start_col: usize,
    count_col: usize,
    interval: u64,
    origin: i64,
    /// Rows read ahead at open (to infer the interval and the origin).
    pending: VecDeque<(i64, u64)>,
    prev: Option<i64>,
}

impl CsvCounts {
    pub fn open(spec: &TraceSpec) -> Result<Self, TraceError> {
        let TraceFormat::CsvCounts {
            interval_start_column,
            count_column,
            interval,
        } = &spec.format
        else {
            return Err(TraceError("internal: not a counts spec".into()));
        };
        let expected = format!(
            "with columns `{interval_start_column}` (seconds or RFC 3339) and `{count_column}`"
        );
        let t = Table::open(&spec.path, spec.skip_bad_rows, &expected)?;
        let start_col = t.col(interval_start_column, &expected)?;
        let count_col = t.col(count_column, &expected)?;
        let mut me = CsvCounts {
            t,
            start_col,
            count_col,
            interval: interval.map_or(0, |d| d.0),
            origin: 0,
            pending: VecDeque::new(),
            prev: None,
        };
        let want = if interval.is_some() { 1 } else { 2 };
        while me.pending.len() < want {
            match me.read_row()? {
                Some(r) => me.pending.push_back(r),
                None => break,
            }
        }
        let Some(&(first, _)) = me.pending.front() else {
            return Err(TraceError(format!(
                "{}: no data rows after the header",
                me.t.name
            )));
        };
        if me.interval == 0 {
            let Some(&(second, _)) = me.pending.get(1) else {
                return Err(TraceError(format!(
                    "{}: cannot infer the interval length from a single row; set `interval` in [functions.traffic]",
                    me.t.name
                )));
            };
            if second <= first {
                return Err(TraceError(format!(
                    "{}: the first two rows' `{interval_start_column}` values are not increasing ({} s, then {} s); rows must be sorted by interval start",
                    me.t.name,
                    first as f64 / 1e6,
                    second as f64 / 1e6
                )));
            }
            me.interval = (second - first) as u64;
        }
        me.origin = spec.time_origin.unwrap_or(first);
        Ok(me)
    }

    /// The next good row (start µs in trace units, count).
    fn read_row(&mut self) -> Result<Option<(i64, u64)>, TraceError> {
        while self.t.advance()? {
            let start = match self.t.text(self.start_col).and_then(parse_time) {
                Some(s) => s,
                None => {
                    let e = self.t.bad_cell(
                        self.start_col,
                        "is not a timestamp (seconds, or RFC 3339 like 2021-01-31T12:00:00Z)",
                    );
                    self.t.reject(e)?;
                    continue;
                }
            };
            match self.t.count(self.count_col) {
                Ok(c) => return Ok(Some((start, c))),
                Err(e) => self.t.reject(e)?,
            }
        }
        Ok(None)
    }
}

impl Intervals for CsvCounts {
    fn next_interval(&mut self) -> Result<Option<Interval>, TraceError> {
        loop {
            let row = match self.pending.pop_front() {
                Some(r) => Some(r),
                None => self.read_row()?,
            };
            let Some((start, c)) = row else {
                return Ok(None);
            };
            if let Some(p) = self.prev
                && start < p + self.interval as i64
            {
                let e = TraceError(format!(
                    "{}:{}: interval start {} s is before the end of the previous interval ({} s + interval {} s): rows must be sorted by interval start and not overlap",
                    self.t.name,
                    self.t.line(),
                    start as f64 / 1e6,
                    p as f64 / 1e6,
                    self.interval as f64 / 1e6
                ));
                self.t.reject(e)?;
                continue;
            }
            self.prev = Some(start);
            return Ok(Some((start - self.origin, self.interval, c)));
        }
    }

    fn rewind(&mut self) -> Result<(), TraceError> {
        self.pending.clear();
        self.prev = None;
        self.t.rewind()
    }

    fn skipped(&self) -> u64 {
        self.t.skipped
    }
}
