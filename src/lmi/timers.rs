//! The EEs' CPU-completion timers: an indexed 4-ary min-heap with one entry
//! per EE that has jobs in their CPU phase, keyed by (time, EE id).
//!
//! Under processor sharing an EE's next CPU completion moves whenever a job
//! arrives or leaves. In the main event queue every move would leave a stale
//! event behind; here it is one re-key of a heap as small as the number of busy
//! EEs. Positions live in a slice indexed by EE id, so nothing allocates once
//! the heap has reached the fleet size.
//!
//! Owns the timers only: when an EE's timer is due is computed by the model
//! (`Lmi::reschedule_cpu`).

use super::ee::EeId;

/// In `pos` only, "not in the heap": raw `u32` positions with a sentinel keep
/// `pos` 4 bytes an EE. The API speaks [`EeId`] and `Option`.
const NONE: u32 = u32::MAX;

/// Children per node: a 4-ary heap is half as deep as a binary one.
const D: usize = 4;

#[derive(Default, Debug)]
pub struct Timers {
    /// (time << EE_BITS | ee): ties go to the lower EE id.
    heap: Vec<u64>,
    /// Position of each EE in `heap`, or NONE.
    pos: Vec<u32>,
}

/// EE ids fit in 19 bits (at most 15,000 vCPUs' worth of EEs, ids reused),
/// times in 45 (µs: 407 days, beyond the longest horizon of 400 days; a
/// later timer never fires and is kept at that bound).
const EE_BITS: u32 = 19;
const MAX_T: u64 = (1 << (64 - EE_BITS)) - 1;

#[inline]
fn key(at: u64, ee: u32) -> u64 {
    debug_assert!(ee < 1 << EE_BITS, "EE id {ee} beyond the timer key");
    (at.min(MAX_T) << EE_BITS) | ee as u64
}
#[inline]
fn ee_of(k: u64) -> usize {
    (k & ((1 << EE_BITS) - 1)) as usize
}

impl Timers {
    /// The earliest timer: (time, EE).
    #[inline]
    pub fn peek(&self) -> Option<(u64, EeId)> {
        self.heap
            .first()
            .map(|&k| (k >> EE_BITS, EeId(ee_of(k) as u32)))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.heap.len()
    }

    /// When the timer of `ee` is due, if set (the heap is the one record of
    /// it; the model keeps no copy).
    #[cfg(test)]
    pub fn at(&self, ee: EeId) -> Option<u64> {
        let &p = self.pos.get(ee.index())?;
        (p != NONE).then(|| self.heap[p as usize] >> EE_BITS)
    }

    /// Sets (or moves) the timer of `ee` to `at`.
    #[inline]
    pub fn set(&mut self, ee: EeId, at: u64) {
        let (i, ee) = (ee.index(), ee.0);
        if i >= self.pos.len() {
            self.pos.resize(i + 1, NONE);
        }
        let k = key(at, ee);
        let p = self.pos[i];
        if p == NONE {
            let n = self.heap.len();
            self.heap.push(k);
            self.sift_up(n, k);
        } else {
            let p = p as usize;
            let old = self.heap[p];
            if k < old {
                self.sift_up(p, k);
            } else if k > old {
                self.sift_down(p, k);
            }
        }
    }

    /// Clears the timer of `ee`, if set.
    #[inline]
    pub fn clear(&mut self, ee: EeId) {
        let Some(&p) = self.pos.get(ee.index()) else {
            return;
        };
        if p == NONE {
            return;
        }
        self.pos[ee.index()] = NONE;
        let last = self.heap.pop().expect("a set timer is in the heap");
        let p = p as usize;
        if p < self.heap.len() {
            let old = self.heap[p];
            if last < old {
                self.sift_up(p, last);
            } else {
                self.sift_down(p, last);
            }
        }
    }

    /// Moves `k` up from the hole at `i`.
    #[inline]
    fn sift_up(&mut self, mut i: usize, k: u64) {
        while i > 0 {
            let p = (i - 1) / D;
            let pk = self.heap[p];
            if pk <= k {
                break;
            }
            self.heap[i] = pk;
            self.pos[ee_of(pk)] = i as u32;
            i = p;
        }
        self.heap[i] = k;
        self.pos[ee_of(k)] = i as u32;
    }

    /// Moves `k` down from the hole at `i`.
    #[inline]
    fn sift_down(&mut self, mut i: usize, k: u64) {
        let n = self.heap.len();
        loop {
            let c0 = D * i + 1;
            if c0 >= n {
                break;
            }
            let mut c = c0;
            let mut ck = self.heap[c0];
            for j in c0 + 1..(c0 + D).min(n) {
                let k2 = self.heap[j];
                if k2 < ck {
                    (c, ck) = (j, k2);
                }
            }
            if k <= ck {
                break;
            }
            self.heap[i] = ck;
            self.pos[ee_of(ck)] = i as u32;
            i = c;
        }
        self.heap[i] = k;
        self.pos[ee_of(k)] = i as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a brute-force model: the earliest (time, EE) is always on top.
    #[test]
    fn matches_a_brute_force_model() {
        use crate::rng::stream;
        use rand::Rng;
        let n = 50u32;
        let mut t = Timers::default();
        let mut model: Vec<Option<u64>> = vec![None; n as usize];
        let mut rng = stream(6, "timers-test", 0);
        for step in 0..50_000 {
            let ee = EeId((rng.next_u64() % n as u64) as u32);
            if rng.next_u64().is_multiple_of(4) {
                t.clear(ee);
                model[ee.index()] = None;
            } else {
                let at = rng.next_u64() % 1_000;
                t.set(ee, at);
                model[ee.index()] = Some(at);
            }
            let want = model
                .iter()
                .enumerate()
                .filter_map(|(i, m)| m.map(|at| (at, EeId(i as u32))))
                .min();
            assert_eq!(t.peek(), want, "step {step}");
            assert_eq!(t.at(ee), model[ee.index()], "step {step}");
            assert_eq!(t.len(), model.iter().flatten().count());
        }
    }
}
