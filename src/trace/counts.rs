//! Count formats: intervals with a number of arrivals, spread inside each
//! interval, then windowed, shifted, multiplied and looped.
//!
//! Spreading needs no buffer: the k-th of n sorted uniform times is drawn
//! from the (k−1)-th as the minimum of the n − k + 1 remaining uniforms,
//! `u ← u + (1 − u)(1 − V^{1/(n−k+1)})`, so a count of millions costs no
//! memory and the interval's count is kept exactly.

use super::table::Table;
use super::units::{self, TimeUnit};
use super::{Order, Replay, Spread, TraceFormat, TraceSpec, WorkSampler};
use crate::dist::unit_f64;
use crate::request::{Request, TraceError};
use crate::rng::SimRng;
use crate::time::SimTime;

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
    /// The interval length [µs] when it was inferred from the rows.
    fn inferred_interval(&self) -> Option<u64> {
        None
    }
    /// Notes for the user about what was read (printed by `run`).
    fn notes(&self) -> Vec<String> {
        Vec::new()
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

    fn inferred_interval(&self) -> Option<u64> {
        self.src.inferred_interval()
    }

    fn notes(&self) -> Vec<String> {
        self.src.notes()
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

/// One record of a count file: (start µs, count), or the error of a bad cell.
type CountRow = Result<(i64, u64), TraceError>;

/// Accepted rows per block when a newest-first file is read backwards.
const BLOCK: u64 = 4096;

/// What a count file's rows held (read in full when it is opened).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CountStats {
    /// Rows accepted.
    pub rows: u64,
    /// Oldest and newest interval start [µs in trace units].
    pub first: i64,
    pub last: i64,
    /// Sum of the counts.
    pub total: u64,
    /// Interval length [µs], and whether it was inferred.
    pub interval: u64,
    pub inferred: bool,
    /// Rows out of order or overlapping the previous one (skipped with
    /// `--skip-bad-rows`, else an error).
    pub out_of_order: u64,
    /// Malformed rows skipped.
    pub skipped: u64,
}

/// A plain CSV of per-interval counts, streamed.
///
/// The file is read once in full when opened, in constant memory: every row
/// is checked (cells, order, overlap, the rate cap) before anything is
/// replayed, the interval is inferred as the smallest gap between
/// consecutive starts, and the figures of [`CountStats`] are gathered. A
/// newest-first file (`order = "newest_first"`) is then replayed backwards a
/// block of [`BLOCK`] rows at a time, from positions marked during that read
/// (one per block).
pub struct CsvCounts {
    t: Table,
    start_col: usize,
    count_col: usize,
    start_name: String,
    unit: TimeUnit,
    order: Order,
    mult: f64,
    /// Interval length [µs]; 0 while being inferred.
    interval: u64,
    origin: i64,
    /// The last accepted start.
    prev: Option<i64>,
    /// Newest first: the position and `prev` at the first record of each block.
    marks: Vec<(csv::Position, Option<i64>)>,
    /// Newest first: the accepted rows of the block being replayed.
    block: Vec<(i64, u64)>,
    next_block: usize,
    pub stats: CountStats,
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
            "with columns `{interval_start_column}` (a number in {}, or a date-time) and `{count_column}`",
            spec.timestamp_unit.name()
        );
        let t = Table::open(&spec.path, spec.skip_bad_rows, &expected)?;
        let start_col = t.col(interval_start_column, &expected)?;
        let count_col = t.col(count_column, &expected)?;
        let mut me = CsvCounts {
            t,
            start_col,
            count_col,
            start_name: interval_start_column.clone(),
            unit: spec.timestamp_unit,
            order: spec.order,
            mult: spec.rate_multiplier,
            interval: interval.map_or(0, |d| d.0),
            origin: 0,
            prev: None,
            marks: Vec::new(),
            block: Vec::new(),
            next_block: 0,
            stats: CountStats::default(),
        };
        me.scan()?;
        if interval.is_none() {
            me.stats.inferred = true;
        }
        me.stats.interval = me.interval;
        me.stats.skipped = me.t.skipped;
        me.origin = spec.time_origin.unwrap_or(me.stats.first);
        me.rewind()?;
        Ok(me)
    }

    /// The first read: checks every row, infers the interval, gathers the
    /// figures and (newest first) marks the blocks.
    fn scan(&mut self) -> Result<(), TraceError> {
        let mut min_gap = u64::MAX;
        // The largest count and its line, for the rate cap.
        let mut max_count = (0u64, 0u64);
        let mut first_line = 0;
        let mut total = Some(0u64);
        while let Some(r) = self.read_record()? {
            let accepted = self.stats.rows;
            if self.order == Order::NewestFirst
                && accepted.is_multiple_of(BLOCK)
                && self.marks.len() as u64 == accepted / BLOCK
            {
                self.marks.push((self.t.position(), self.prev));
            }
            let (start, c) = match r {
                Ok(x) => x,
                Err(e) => {
                    self.t.reject(e)?;
                    continue;
                }
            };
            let prev = self.prev;
            if !self.accept(start)? {
                continue;
            }
            let line = self.t.line();
            match prev {
                Some(p) => min_gap = min_gap.min(start.abs_diff(p)),
                None => first_line = line,
            }
            let st = &mut self.stats;
            if st.rows == 0 {
                st.first = start;
                st.last = start;
            }
            st.rows += 1;
            st.first = st.first.min(start);
            st.last = st.last.max(start);
            total = total.and_then(|t| t.checked_add(c));
            if total.is_none() {
                return Err(self.t.bad_cell(
                    self.count_col,
                    &format!(
                        "makes the counts sum past {} (u64::MAX): counts must stay within the rate cap",
                        u64::MAX
                    ),
                ));
            }
            if c > max_count.0 {
                max_count = (c, line);
            }
        }
        self.stats.total = total.unwrap_or(0);
        if self.stats.rows == 0 {
            return Err(TraceError(format!(
                "{}: no data rows after the header{}",
                self.t.name,
                if self.t.skipped > 0 {
                    format!(" ({} malformed rows skipped)", self.t.skipped)
                } else {
                    String::new()
                }
            )));
        }
        if self.interval == 0 {
            if self.stats.rows < 2 {
                return Err(TraceError(format!(
                    "{}:{first_line}: cannot infer the interval length from a single row; set `interval` in [functions.traffic]",
                    self.t.name
                )));
            }
            self.interval = min_gap;
        }
        if let Err(why) = units::count_rate(max_count.0, self.interval, self.mult) {
            return Err(TraceError(format!(
                "{}:{}: column `{}`: `{}` {why}",
                self.t.name, max_count.1, self.t.header[self.count_col], max_count.0
            )));
        }
        Ok(())
    }

    /// The next record: `None` at the end, else its (start µs, count) or the
    /// error for a bad cell.
    fn read_record(&mut self) -> Result<Option<CountRow>, TraceError> {
        if !self.t.advance()? {
            return Ok(None);
        }
        let start = self
            .t
            .timestamp(self.start_col, self.unit, Some("timestamp_unit"));
        Ok(Some(
            start.and_then(|s| Ok((s, self.t.count(self.count_col)?))),
        ))
    }

    /// Whether a row starting at `start` follows the previous accepted row in
    /// the file's order without overlapping it; `Ok(false)` for a skipped row.
    fn accept(&mut self, start: i64) -> Result<bool, TraceError> {
        let Some(p) = self.prev else {
            self.prev = Some(start);
            return Ok(true);
        };
        let newest = self.order == Order::NewestFirst;
        let gap = if newest { p - start } else { start - p };
        let need = self.interval.max(1) as i64;
        if gap >= need {
            self.prev = Some(start);
            return Ok(true);
        }
        let name = &self.t.name;
        let line = self.t.line();
        let col = &self.start_name;
        let (s, ps) = (units::show_time(start), units::show_time(p));
        if gap < 0 && self.stats.rows == 1 && self.t.pass == 0 {
            // The second row already goes the other way: the whole file does.
            return Err(TraceError(if newest {
                format!(
                    "{name}:{line}: `{col}` increases from the first row to the second ({ps}, then {s}): the rows are oldest first, but order = \"newest_first\" is set; remove it"
                )
            } else {
                format!(
                    "{name}:{line}: `{col}` decreases from the first row to the second ({ps}, then {s}): the rows look newest first (CloudWatch exports list the newest first); set order = \"newest_first\" in [functions.traffic] to replay them oldest first, or sort the file by `{col}`"
                )
            }));
        }
        let e = if gap < 0 {
            TraceError(format!(
                "{name}:{line}: interval start {s} is {} the previous row's ({ps}): rows must be sorted {} first",
                if newest { "after" } else { "before" },
                if newest { "newest" } else { "oldest" }
            ))
        } else if gap == 0 {
            TraceError(format!(
                "{name}:{line}: interval start {s} is the same as the previous row's: each interval must appear once"
            ))
        } else {
            TraceError(format!(
                "{name}:{line}: interval start {s} overlaps the previous row's interval ({ps} + interval {} s): rows must be sorted by interval start and not overlap",
                units::fmt_num(self.interval as f64 / 1e6)
            ))
        };
        if self.t.pass == 0 {
            self.stats.out_of_order += 1;
        }
        self.t.reject(e)?;
        Ok(false)
    }

    /// The next accepted row in file order.
    fn next_forward(&mut self) -> Result<Option<(i64, u64)>, TraceError> {
        loop {
            let Some(r) = self.read_record()? else {
                return Ok(None);
            };
            match r {
                Ok((start, c)) => {
                    if self.accept(start)? {
                        return Ok(Some((start, c)));
                    }
                }
                Err(e) => self.t.reject(e)?,
            }
        }
    }

    /// The next accepted row in reverse file order (newest first files).
    fn next_backward(&mut self) -> Result<Option<(i64, u64)>, TraceError> {
        loop {
            if let Some(r) = self.block.pop() {
                return Ok(Some(r));
            }
            if self.next_block == 0 {
                return Ok(None);
            }
            self.next_block -= 1;
            let (pos, prev) = self.marks[self.next_block].clone();
            self.t.seek(&pos)?;
            self.prev = prev;
            while (self.block.len() as u64) < BLOCK {
                match self.next_forward()? {
                    Some(r) => self.block.push(r),
                    None => break,
                }
            }
        }
    }

    /// The interval, if it was inferred from the rows.
    pub fn inferred(&self) -> Option<u64> {
        self.stats.inferred.then_some(self.interval)
    }
}

impl Intervals for CsvCounts {
    fn next_interval(&mut self) -> Result<Option<Interval>, TraceError> {
        let row = match self.order {
            Order::OldestFirst => self.next_forward()?,
            Order::NewestFirst => self.next_backward()?,
        };
        // Starts and the origin are bounded (±1e17 µs): no overflow.
        Ok(row.map(|(start, c)| (start - self.origin, self.interval, c)))
    }

    fn rewind(&mut self) -> Result<(), TraceError> {
        self.prev = None;
        self.block.clear();
        self.next_block = self.marks.len();
        self.t.rewind()
    }

    fn skipped(&self) -> u64 {
        self.t.skipped
    }

    fn inferred_interval(&self) -> Option<u64> {
        self.inferred()
    }
}
