//! The per-function ledger both platform models keep: arrivals, admissions,
//! throttles by reason, completions and their latencies, for the whole run and
//! for the report interval in progress, and the interval rows. A model adds its
//! own columns to each row; the ledger owns the ones every platform has.

use crate::invocation::{ThrottleCounts, ThrottleReason};
use crate::rowlog::{Record, RowLog, f64_opt, opt_f64};
use crate::sketch::Sketch;

/// Whole-run counts of one function on one platform.
#[derive(Clone, Debug, Default)]
pub struct LedgerTotals {
    /// Invocations offered.
    pub arrivals: u64,
    /// Invocations admitted (routed to an EE).
    pub accepted: u64,
    /// Invocations completed.
    pub served: u64,
    pub throttles: ThrottleCounts,
    /// Latency of completed invocations [µs].
    pub latency: Sketch,
    /// Invocations admitted but lost to a fault (docs/model.md, "Faults").
    pub failed_by_fault: u64,
}

/// The columns every platform's interval row has.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntervalFigures {
    pub served: u64,
    pub accepted: u64,
    pub throttles: ThrottleCounts,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    /// Admitted invocations lost to a fault in the interval.
    pub failed_by_fault: u64,
}

impl IntervalFigures {
    /// Words [`IntervalFigures::write`] takes for a platform with `reasons`.
    pub const fn words(reasons: &[ThrottleReason]) -> usize {
        5 + reasons.len()
    }

    /// Encodes the figures (only `reasons`' counts) into the front of `w`.
    pub fn write(&self, reasons: &[ThrottleReason], w: &mut [u64]) {
        w[0] = self.served;
        w[1] = self.accepted;
        w[2] = opt_f64(self.latency_p50_ms);
        w[3] = opt_f64(self.latency_p99_ms);
        w[4] = self.failed_by_fault;
        for (i, r) in reasons.iter().enumerate() {
            w[5 + i] = self.throttles[*r];
        }
    }

    pub fn read(reasons: &[ThrottleReason], w: &[u64]) -> Self {
        let mut throttles = ThrottleCounts::default();
        for (i, r) in reasons.iter().enumerate() {
            throttles[*r] = w[5 + i];
        }
        IntervalFigures {
            served: w[0],
            accepted: w[1],
            throttles,
            latency_p50_ms: f64_opt(w[2]),
            latency_p99_ms: f64_opt(w[3]),
            failed_by_fault: w[4],
        }
    }
}

/// One function's ledger on one platform; `R` is the platform's interval row.
#[derive(Debug)]
pub struct Ledger<R: Record> {
    totals: LedgerTotals,
    cur: IntervalFigures,
    cur_latency: Sketch,
    rows: RowLog<R>,
}

impl<R: Record> Default for Ledger<R> {
    fn default() -> Self {
        Ledger {
            totals: LedgerTotals::default(),
            cur: IntervalFigures::default(),
            cur_latency: Sketch::new(),
            rows: RowLog::new(),
        }
    }
}

impl<R: Record> Ledger<R> {
    #[inline]
    pub fn arrival(&mut self) {
        self.totals.arrivals += 1;
    }

    #[inline]
    pub fn throttle(&mut self, r: ThrottleReason) {
        self.cur.throttles[r] += 1;
        self.totals.throttles[r] += 1;
    }

    #[inline]
    pub fn accept(&mut self) {
        self.cur.accepted += 1;
        self.totals.accepted += 1;
    }

    /// An invocation completed after `latency_us`.
    #[inline]
    pub fn served(&mut self, latency_us: u64) {
        self.cur.served += 1;
        self.totals.served += 1;
        // Whole-run latencies are merged from the interval sketch at each close.
        self.cur_latency.record(latency_us);
    }

    /// `n` admitted invocations were lost to a fault.
    pub fn fail(&mut self, n: u64) {
        self.cur.failed_by_fault += n;
        self.totals.failed_by_fault += n;
    }

    pub fn totals(&self) -> &LedgerTotals {
        &self.totals
    }

    /// Ends the interval in progress: the row is the ledger's figures with
    /// the model's own columns added by `row`.
    pub fn close(&mut self, row: impl FnOnce(IntervalFigures) -> R) {
        let mut figures = std::mem::take(&mut self.cur);
        figures.latency_p50_ms = self.cur_latency.quantile(0.5).map(|v| v / 1000.0);
        figures.latency_p99_ms = self.cur_latency.quantile(0.99).map(|v| v / 1000.0);
        self.totals.latency.merge(&self.cur_latency);
        self.cur_latency.clear();
        self.rows.push(row(figures));
    }

    /// The whole-run totals (completions after the last close included) and the rows.
    pub fn finish(mut self) -> (LedgerTotals, RowLog<R>) {
        self.totals.latency.merge(&self.cur_latency);
        (self.totals, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Row(IntervalFigures);
    const R: [ThrottleReason; 2] = [ThrottleReason::CPUThrottles, ThrottleReason::ScalingRate];
    impl Record for Row {
        const WORDS: usize = IntervalFigures::words(&R);
        fn write(&self, w: &mut [u64]) {
            self.0.write(&R, w)
        }
        fn read(w: &[u64]) -> Self {
            Row(IntervalFigures::read(&R, w))
        }
    }

    #[test]
    fn counts_by_interval_and_for_the_run() {
        let mut l = Ledger::<Row>::default();
        l.arrival();
        l.arrival();
        l.arrival();
        l.throttle(ThrottleReason::CPUThrottles);
        l.accept();
        l.accept();
        l.served(2_000);
        l.close(Row);
        l.served(4_000);
        l.throttle(ThrottleReason::ScalingRate);
        l.fail(3);
        l.close(Row);
        l.served(8_000);
        let (t, rows) = l.finish();
        assert_eq!((t.arrivals, t.accepted, t.served), (3, 2, 3));
        assert_eq!(t.throttles.total(), 2);
        assert_eq!(t.latency.count(), 3);
        let first = rows.get(0).unwrap().0;
        assert_eq!((first.served, first.accepted), (1, 2));
        assert_eq!(first.throttles[ThrottleReason::CPUThrottles], 1);
        assert_eq!(first.throttles[ThrottleReason::ScalingRate], 0);
        assert!(first.latency_p50_ms.is_some_and(|p| (p - 2.0).abs() < 0.05));
        let second = rows.get(1).unwrap().0;
        assert_eq!(second.throttles[ThrottleReason::ScalingRate], 1);
        assert_eq!(second.accepted, 0);
        assert_eq!((first.failed_by_fault, second.failed_by_fault), (0, 3));
        assert_eq!(t.failed_by_fault, 3);
        // The codec keeps every field.
        let mut w = [0u64; Row::WORDS];
        second.write(&R, &mut w);
        assert_eq!(IntervalFigures::read(&R, &w), second);
    }
}
