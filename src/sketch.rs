//! A streaming quantile sketch for latencies: a log-linear histogram.
//!
//! Values (µs) are bucketed by their leading bit and the next `SUB_BITS` bits,
//! like HdrHistogram. Values below 2^SUB_BITS are exact. Above, a reported
//! quantile is the midpoint of the bucket holding the value of the exact rank,
//! so it is within a relative error of 2^-(SUB_BITS+1) = 1/256 ≈ 0.39% of the
//! exact nearest-rank quantile. Fixed size, no allocation after creation.

/// Sub-bucket bits: 128 sub-buckets per power of two.
pub const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
/// Buckets: exact [0, 128) plus 128 per binade for exponents 7..=63.
const BUCKETS: usize = SUB + (64 - SUB_BITS as usize) * SUB;
/// The documented relative error bound of a reported quantile.
pub const RELATIVE_ERROR: f64 = 1.0 / (1u64 << (SUB_BITS + 1)) as f64;

/// A latency histogram.
#[derive(Clone)]
pub struct Sketch {
    counts: Box<[u64]>,
    n: u64,
    max: u64,
    min_bucket: usize,
    max_bucket: usize,
}

impl std::fmt::Debug for Sketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sketch(n = {}, max = {})", self.n, self.max)
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn bucket_of(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS
    let sub = (v >> (exp - SUB_BITS)) as usize & (SUB - 1);
    SUB + (exp - SUB_BITS) as usize * SUB + sub
}

/// Midpoint of a bucket.
fn value_of(b: usize) -> f64 {
    if b < SUB {
        return b as f64;
    }
    let exp = ((b - SUB) / SUB) as u32 + SUB_BITS;
    let sub = ((b - SUB) % SUB) as u64;
    let width = 1u64 << (exp - SUB_BITS);
    let lo = (1u64 << exp) + sub * width;
    lo as f64 + (width as f64 - 1.0) / 2.0
}

impl Sketch {
    pub fn new() -> Self {
        Sketch {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            n: 0,
            max: 0,
            min_bucket: BUCKETS,
            max_bucket: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, v: u64) {
        let b = bucket_of(v);
        self.counts[b] += 1;
        self.n += 1;
        if v > self.max {
            self.max = v;
        }
        if b < self.min_bucket {
            self.min_bucket = b;
        }
        if b > self.max_bucket {
            self.max_bucket = b;
        }
    }

    pub fn count(&self) -> u64 {
        self.n
    }
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Nearest-rank quantile `q` in [0, 1] [µs]; `None` when empty. The value
    /// is the bucket midpoint (the maximum, exactly, for q = 1).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        if rank == self.n {
            return Some(self.max as f64);
        }
        let mut seen = 0;
        for b in self.min_bucket..=self.max_bucket {
            seen += self.counts[b];
            if seen >= rank {
                return Some(value_of(b).min(self.max as f64));
            }
        }
        Some(self.max as f64)
    }

    /// Adds all of `other` into `self`.
    pub fn merge(&mut self, other: &Sketch) {
        if other.n == 0 {
            return;
        }
        for b in other.min_bucket..=other.max_bucket {
            self.counts[b] += other.counts[b];
        }
        self.n += other.n;
        self.max = self.max.max(other.max);
        self.min_bucket = self.min_bucket.min(other.min_bucket);
        self.max_bucket = self.max_bucket.max(other.max_bucket);
    }

    /// Empties the sketch, touching only the buckets in use.
    pub fn clear(&mut self) {
        if self.n > 0 {
            self.counts[self.min_bucket..=self.max_bucket].fill(0);
        }
        self.n = 0;
        self.max = 0;
        self.min_bucket = BUCKETS;
        self.max_bucket = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::Rng;

    #[test]
    fn quantiles_within_documented_bound() {
        let mut rng = stream(9, "sketch", 0);
        let mut s = Sketch::new();
        let mut exact = Vec::new();
        for _ in 0..100_000 {
            // Latencies from 1 µs to ~17 min, log-spread.
            let v = (rng.next_u64() % (1 << 30)) >> (rng.next_u64() % 30);
            s.record(v);
            exact.push(v);
        }
        exact.sort_unstable();
        for q in [0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let rank = ((q * exact.len() as f64).ceil() as usize).clamp(1, exact.len());
            let e = exact[rank - 1] as f64;
            let a = s.quantile(q).unwrap();
            assert!(
                (a - e).abs() <= e * RELATIVE_ERROR + 0.5,
                "q {q}: sketch {a} exact {e} (seed 9)"
            );
        }
    }

    #[test]
    fn small_values_exact_and_clear_works() {
        let mut s = Sketch::new();
        for v in [5, 1, 3] {
            s.record(v);
        }
        assert_eq!(s.quantile(0.5), Some(3.0));
        assert_eq!(s.quantile(1.0), Some(5.0));
        s.clear();
        assert_eq!(s.quantile(0.5), None);
        s.record(200);
        assert_eq!(s.quantile(0.5), Some(200.0));
    }
}
