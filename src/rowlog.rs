//! Per-interval rows whose memory does not grow with the horizon.
//!
//! A run keeps one row per report interval (per function, per platform) and
//! one record per scaler decision. Held in memory, they would make a 14-day
//! run use more memory than a 1-day one. A [`RowLog`] keeps at most one chunk
//! of rows in memory and appends full chunks, as fixed-size little-endian
//! records, to an anonymous temporary file (deleted by the OS when closed). Rows
//! are read back by index through a one-chunk cache, so the sequential reads
//! of the CSV writers and the charts read each chunk once.
//!
//! This is memory management, not output: if no temporary file can be made,
//! rows simply stay in memory. A failed read of the temporary file is kept and
//! reported by [`RowLog::error`] (the CLI then writes no outputs).

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Rows per chunk: what stays in memory, and the unit of file reads.
pub const CHUNK: usize = 256;

/// A row stored as a fixed number of 64-bit words.
pub trait Record: Clone {
    const WORDS: usize;
    fn write(&self, w: &mut [u64]);
    fn read(w: &[u64]) -> Self;
}

/// Encodes an optional float (None as a NaN pattern no arithmetic produces).
#[inline]
pub fn opt_f64(v: Option<f64>) -> u64 {
    v.map_or(u64::MAX, f64::to_bits)
}
#[inline]
pub fn f64_opt(w: u64) -> Option<f64> {
    (w != u64::MAX).then(|| f64::from_bits(w))
}

/// An append-only sequence of rows, spilled to a temporary file by chunks.
pub struct RowLog<T: Record> {
    /// Rows after the spilled ones.
    tail: Vec<T>,
    /// Rows in the file.
    spilled: usize,
    file: Option<File>,
    /// Set when no temporary file could be made: keep everything in memory.
    in_memory: bool,
    cache: Mutex<Cache<T>>,
    error: Mutex<Option<String>>,
}

struct Cache<T> {
    chunk: usize,
    rows: Vec<T>,
}

impl<T: Record> Default for RowLog<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Record> std::fmt::Debug for RowLog<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowLog({} rows, {} spilled)", self.len(), self.spilled)
    }
}

impl<T: Record> RowLog<T> {
    pub fn new() -> Self {
        RowLog {
            tail: Vec::new(),
            spilled: 0,
            file: None,
            in_memory: false,
            cache: Mutex::new(Cache {
                chunk: usize::MAX,
                rows: Vec::new(),
            }),
            error: Mutex::new(None),
        }
    }

    /// Keeps every row in memory (small runs, tests).
    pub fn in_memory() -> Self {
        RowLog {
            in_memory: true,
            ..Self::new()
        }
    }

    pub fn len(&self) -> usize {
        self.spilled + self.tail.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a row.
    pub fn push(&mut self, row: T) {
        self.tail.push(row);
        if !self.in_memory && self.tail.len() >= CHUNK {
            self.spill();
        }
    }

    fn spill(&mut self) {
        if self.file.is_none() {
            match tempfile::tempfile() {
                Ok(f) => self.file = Some(f),
                Err(_) => {
                    self.in_memory = true;
                    return;
                }
            }
        }
        let mut bytes = Vec::with_capacity(self.tail.len() * T::WORDS * 8);
        let mut w = vec![0u64; T::WORDS];
        for r in &self.tail {
            r.write(&mut w);
            for x in &w {
                bytes.extend_from_slice(&x.to_le_bytes());
            }
        }
        let ok = self
            .file
            .as_mut()
            .is_some_and(|f| f.write_all(&bytes).is_ok());
        if ok {
            self.spilled += self.tail.len();
            self.tail.clear();
        } else {
            // Keep the rows in memory from here on.
            self.in_memory = true;
        }
    }

    /// Row `k`, if there is one.
    pub fn get(&self, k: usize) -> Option<T> {
        if k >= self.len() {
            return None;
        }
        if k >= self.spilled {
            return Some(self.tail[k - self.spilled].clone());
        }
        let chunk = k / CHUNK;
        let mut c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if c.chunk != chunk {
            c.rows.clear();
            c.chunk = usize::MAX;
            if let Err(e) = self.read_chunk(chunk, &mut c.rows) {
                let mut err = self.error.lock().unwrap_or_else(|e| e.into_inner());
                err.get_or_insert(format!("reading back spilled rows: {e}"));
                return None;
            }
            c.chunk = chunk;
        }
        c.rows.get(k % CHUNK).cloned()
    }

    fn read_chunk(&self, chunk: usize, out: &mut Vec<T>) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        // Called under the cache lock, so seek-then-read is not interleaved.
        let mut f = self
            .file
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no spill file"))?;
        let rec = T::WORDS * 8;
        let mut bytes = vec![0u8; CHUNK * rec];
        f.seek(SeekFrom::Start((chunk * CHUNK * rec) as u64))?;
        f.read_exact(&mut bytes)?;
        let mut w = vec![0u64; T::WORDS];
        for r in bytes.chunks_exact(rec) {
            for (x, b) in w.iter_mut().zip(r.chunks_exact(8)) {
                *x = u64::from_le_bytes(b.try_into().expect("8 bytes"));
            }
            out.push(T::read(&w));
        }
        Ok(())
    }

    /// The last row.
    pub fn last(&self) -> Option<T> {
        self.len().checked_sub(1).and_then(|k| self.get(k))
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        (0..self.len()).map_while(|k| self.get(k))
    }

    /// Every row, in memory (tests).
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().collect()
    }

    /// The first failure to read the temporary file back, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct R(u64, f64, Option<f64>);
    impl Record for R {
        const WORDS: usize = 3;
        fn write(&self, w: &mut [u64]) {
            w[0] = self.0;
            w[1] = self.1.to_bits();
            w[2] = opt_f64(self.2);
        }
        fn read(w: &[u64]) -> Self {
            R(w[0], f64::from_bits(w[1]), f64_opt(w[2]))
        }
    }

    fn round_trip<T: Record + PartialEq + std::fmt::Debug>(v: T) {
        let mut w = vec![0u64; T::WORDS];
        v.write(&mut w);
        assert_eq!(T::read(&w), v);
    }

    /// Every row type of the models survives the file encoding, field by field
    /// (each field a distinct value, so a swapped pair would show).
    #[test]
    fn model_rows_round_trip() {
        use crate::default_lambda::DefaultInterval;
        use crate::event_source::EventSourceInterval;
        use crate::lmi::{DecisionRecord, LmiInterval, ProviderInterval};
        let mut lmi_throttles = crate::invocation::ThrottleCounts::default();
        for (k, r) in crate::invocation::ThrottleReason::LMI.iter().enumerate() {
            lmi_throttles[*r] = 3 + k as u64;
        }
        round_trip(LmiInterval {
            figures: crate::ledger::IntervalFigures {
                served: 1,
                accepted: 2,
                throttles: lmi_throttles,
                latency_p50_ms: Some(15.5),
                latency_p99_ms: None,
                failed_by_fault: 16,
            },
            in_flight: 8,
            ees_initializing: 9,
            ees_ready: 10,
            ees_draining: 11,
            cpu_utilization: 0.12,
            slot_saturation: 0.13,
            slots: 14,
            concurrency_limit: 7.5,
        });
        round_trip(ProviderInterval {
            instances_launching: 1,
            instances_running: 2,
            instances_draining: 3,
            vcpus: 4,
            vcpus_peak: 9,
            cpu_utilization: 0.5,
            ec2_usd: 6.25,
            fee_usd: 7.125,
        });
        for (i, action) in crate::lmi::ScalerAction::ALL.into_iter().enumerate() {
            round_trip(DecisionRecord {
                time_s: 60.0 * i as f64,
                function: 2,
                cpu_utilization: 0.3,
                slot_saturation: 0.4,
                ready: 5,
                total: 6,
                desired: 7,
                action,
                delta: -8,
                instances_launched: 9,
                refused_by_max_vcpu: 10,
            });
        }
        let mut throttles = crate::invocation::ThrottleCounts::default();
        throttles[crate::invocation::ThrottleReason::AccountConcurrency] = 3;
        throttles[crate::invocation::ThrottleReason::ReservedConcurrency] = 4;
        throttles[crate::invocation::ThrottleReason::ScalingRate] = 5;
        round_trip(DefaultInterval {
            figures: crate::ledger::IntervalFigures {
                served: 1,
                accepted: 2,
                throttles,
                latency_p50_ms: None,
                latency_p99_ms: Some(14.5),
                failed_by_fault: 0,
            },
            cold_starts: 6,
            concurrency: 7,
            peak_concurrency: 8,
            warm_idle: 9,
            gbs: 10.5,
            init_gbs: 11.5,
            pc_used_gbs: 12.5,
            pc_alloc_gbs: 13.5,
        });
        round_trip(EventSourceInterval {
            requests: 1,
            completed: 2,
            retries: 3,
            failed: 4,
            dlq: 5,
            queue_depth: 6,
            oldest_age_s: 7.5,
        });
    }

    #[test]
    fn spills_and_reads_back_in_any_order() {
        let n = 3 * CHUNK + 17;
        let row = |i: usize| {
            R(
                i as u64,
                i as f64 * 0.5,
                i.is_multiple_of(3).then_some(i as f64),
            )
        };
        let mut log = RowLog::new();
        for i in 0..n {
            log.push(row(i));
        }
        assert_eq!(log.len(), n);
        assert_eq!(log.spilled, 3 * CHUNK, "full chunks went to the file");
        assert_eq!(log.tail.len(), 17);
        for k in [0, n - 1, CHUNK + 5, 2, 3 * CHUNK, 2 * CHUNK - 1] {
            assert_eq!(log.get(k), Some(row(k)), "row {k}");
        }
        assert_eq!(log.get(n), None);
        assert_eq!(log.to_vec(), (0..n).map(row).collect::<Vec<_>>());
        assert_eq!(log.last(), Some(row(n - 1)));
        assert!(log.error().is_none());
        let mut mem = RowLog::in_memory();
        for i in 0..n {
            mem.push(row(i));
        }
        assert_eq!(mem.spilled, 0);
        assert_eq!(mem.to_vec(), log.to_vec());
    }
}
