//! The router's index: per function, the EEs that can take an invocation now,
//! in buckets by in-flight count, and the ones that could but for CPU or
//! memory protection ("parked": counted by reason, for the throttle reason).
//!
//! An EE's load only ever moves by one (an invocation starts or ends), so the
//! least-loaded EE is kept without comparisons: each bucket is a doubly linked
//! list of EE ids, and the lowest non-empty bucket is remembered. Picking the
//! least-loaded EE, and every load change, is O(1) (finding the next non-empty
//! bucket when the lowest one empties walks load levels, not EEs, and in
//! practice one step). Ties go to the EE that reached that load first, which
//! spreads equal load round-robin. The links live in caller-owned slices
//! indexed by EE id, so nothing allocates once the fleet has reached its size.
//!
//! Owns the index only: it must not decide whether an EE is routable or parked
//! (the model does, in `Lmi::refresh_route`).

use super::ee::EeId;

/// Inside the links and buckets only, "no EE" / "in no bucket": raw `u32`s with
/// a sentinel keep the links 4 bytes each and the hot path free of `Option`
/// tags. The API speaks [`EeId`] and `Option`.
const NONE: u32 = u32::MAX;
/// In `Links::load` only: the EE is parked for CPU, or for memory (loads are
/// at most an EE's slots, far below).
const PARKED_CPU: u32 = u32::MAX - 1;
const PARKED_MEMORY: u32 = u32::MAX - 2;
/// Loads below this are buckets.
const PARKED: u32 = PARKED_MEMORY;

/// Where an EE belongs in its function's router.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Routable, with this many invocations in flight.
    Load(u32),
    /// Ready with a free slot, but its CPU (its instance's threshold, or its
    /// own concurrency limit) does not let it take another invocation.
    ParkedCpu,
    /// Ready with a free slot, but its memory holds no other invocation.
    ParkedMemory,
    /// Neither.
    Out,
}

/// Per-EE links, shared by all functions' routers (indexed by EE id).
#[derive(Default, Clone, Debug)]
pub struct Links {
    next: Vec<u32>,
    prev: Vec<u32>,
    /// The bucket (load) the EE is in, PARKED_CPU, PARKED_MEMORY, or NONE.
    load: Vec<u32>,
}

impl Links {
    /// Makes room for EE ids below `n`.
    pub fn grow(&mut self, n: usize) {
        if self.load.len() < n {
            self.next.resize(n, NONE);
            self.prev.resize(n, NONE);
            self.load.resize(n, NONE);
        }
    }
    /// Whether the EE is routable (in a bucket).
    #[cfg(test)]
    fn routed(&self, id: EeId) -> bool {
        self.load[id.index()] < PARKED
    }
}

/// Least-loaded index over one function's routable EEs, and the count of its
/// parked ones.
#[derive(Default, Clone, Debug)]
pub struct Router {
    head: Vec<u32>,
    tail: Vec<u32>,
    /// Lowest non-empty bucket (meaningless when `len` is 0).
    min: u32,
    /// Routable EEs (in buckets).
    len: u32,
    /// Parked EEs, for CPU and for memory.
    parked_cpu: u32,
    parked_memory: u32,
}

impl Router {
    /// The least-loaded EE (ties: the one at that load longest).
    #[inline]
    pub fn best(&self) -> Option<EeId> {
        (self.len > 0).then(|| EeId(self.head[self.min as usize]))
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// How many EEs are parked for CPU.
    #[inline]
    pub fn parked_cpu(&self) -> u32 {
        self.parked_cpu
    }
    /// How many EEs are parked for memory.
    #[inline]
    pub fn parked_memory(&self) -> u32 {
        self.parked_memory
    }
    /// Drops `id` from its parked count (it must be parked).
    #[inline]
    fn unpark(&mut self, l: &mut Links, id: EeId) {
        if l.load[id.index()] == PARKED_CPU {
            self.parked_cpu -= 1;
        } else {
            self.parked_memory -= 1;
        }
        l.load[id.index()] = NONE;
    }

    /// Files `id` (in this router or in none) where `to` says.
    #[inline]
    pub fn file(&mut self, l: &mut Links, id: EeId, to: Slot) {
        let cur = l.load[id.index()];
        match to {
            Slot::Load(load) => {
                if cur == NONE {
                    self.insert(l, id, load);
                } else if (PARKED..NONE).contains(&cur) {
                    self.unpark(l, id);
                    self.insert(l, id, load);
                } else if cur != load {
                    self.remove(l, id);
                    self.insert(l, id, load);
                }
            }
            Slot::ParkedCpu | Slot::ParkedMemory => {
                let (code, cpu) = if to == Slot::ParkedCpu {
                    (PARKED_CPU, true)
                } else {
                    (PARKED_MEMORY, false)
                };
                if cur == code {
                    return;
                }
                if (PARKED..NONE).contains(&cur) {
                    self.unpark(l, id);
                } else if cur != NONE {
                    self.remove(l, id);
                }
                l.load[id.index()] = code;
                if cpu {
                    self.parked_cpu += 1;
                } else {
                    self.parked_memory += 1;
                }
            }
            Slot::Out => {
                if (PARKED..NONE).contains(&cur) {
                    self.unpark(l, id);
                } else if cur != NONE {
                    self.remove(l, id);
                }
            }
        }
    }

    /// Adds `id` (in no bucket) with load `load`.
    #[inline]
    pub fn insert(&mut self, l: &mut Links, id: EeId, load: u32) {
        let (id, k) = (id.0, load as usize);
        if k >= self.head.len() {
            self.head.resize(k + 1, NONE);
            self.tail.resize(k + 1, NONE);
        }
        let t = self.tail[k];
        l.prev[id as usize] = t;
        l.next[id as usize] = NONE;
        l.load[id as usize] = load;
        if t == NONE {
            self.head[k] = id;
        } else {
            l.next[t as usize] = id;
        }
        self.tail[k] = id;
        if self.len == 0 || load < self.min {
            self.min = load;
        }
        self.len += 1;
    }

    /// Takes `id` out (it must be in a bucket of this router).
    #[inline]
    pub fn remove(&mut self, l: &mut Links, id: EeId) {
        let i = id.index();
        let k = l.load[i] as usize;
        let (p, n) = (l.prev[i], l.next[i]);
        if p == NONE {
            self.head[k] = n;
        } else {
            l.next[p as usize] = n;
        }
        if n == NONE {
            self.tail[k] = p;
        } else {
            l.prev[n as usize] = p;
        }
        l.load[i] = NONE;
        self.len -= 1;
        if self.len > 0 && k == self.min as usize && self.head[k] == NONE {
            let mut m = k + 1;
            while self.head[m] == NONE {
                m += 1;
            }
            self.min = m as u32;
        }
    }

    /// Moves `id` (in a bucket) to load `load` (to the back of that bucket).
    #[inline]
    pub fn update(&mut self, l: &mut Links, id: EeId, load: u32) {
        if l.load[id.index()] != load {
            self.remove(l, id);
            self.insert(l, id, load);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_least_loaded_then_longest_at_that_load() {
        let mut l = Links::default();
        l.grow(8);
        let mut h = Router::default();
        h.insert(&mut l, EeId(3), 2);
        h.insert(&mut l, EeId(1), 2);
        h.insert(&mut l, EeId(5), 1);
        assert_eq!(h.best(), Some(EeId(5)));
        h.update(&mut l, EeId(5), 3);
        // 3 reached load 2 before 1 did.
        assert_eq!(h.best(), Some(EeId(3)));
        h.remove(&mut l, EeId(3));
        assert_eq!(h.best(), Some(EeId(1)));
        assert!(!l.routed(EeId(3)));
        h.update(&mut l, EeId(5), 0);
        assert_eq!(h.best(), Some(EeId(5)));
        h.remove(&mut l, EeId(5));
        assert_eq!(h.best(), Some(EeId(1)));
        h.remove(&mut l, EeId(1));
        assert!(h.is_empty());
        assert_eq!(h.best(), None);
    }

    #[test]
    fn parked_ees_are_counted_not_routed() {
        let mut l = Links::default();
        l.grow(4);
        let mut h = Router::default();
        h.file(&mut l, EeId(0), Slot::Load(1));
        h.file(&mut l, EeId(1), Slot::ParkedCpu);
        assert_eq!((h.best(), h.parked_cpu(), h.len()), (Some(EeId(0)), 1, 1));
        h.file(&mut l, EeId(0), Slot::ParkedCpu);
        h.file(&mut l, EeId(0), Slot::ParkedCpu);
        assert_eq!((h.best(), h.parked_cpu(), h.len()), (None, 2, 0));
        h.file(&mut l, EeId(1), Slot::Load(0));
        assert_eq!((h.best(), h.parked_cpu()), (Some(EeId(1)), 1));
        h.file(&mut l, EeId(0), Slot::Out);
        h.file(&mut l, EeId(0), Slot::Out);
        assert_eq!((h.parked_cpu(), h.len()), (0, 1));
        assert!(!l.routed(EeId(0)) && l.routed(EeId(1)));
        h.file(&mut l, EeId(1), Slot::Load(2));
        h.file(&mut l, EeId(2), Slot::Load(1));
        assert_eq!(h.best(), Some(EeId(2)));
    }

    /// Against a brute-force model: the best is always a least-loaded EE, the
    /// first to reach that load.
    #[test]
    fn matches_a_brute_force_model() {
        use crate::rng::stream;
        use rand::Rng;
        let n = 40u32;
        let mut l = Links::default();
        l.grow(n as usize);
        let mut h = Router::default();
        // (load, time it reached that load) per EE, None when not routed.
        let mut model: Vec<Option<(u32, u64)>> = vec![None; n as usize];
        let mut rng = stream(4, "router-test", 0);
        for step in 0..50_000u64 {
            let id = EeId((rng.next_u64() % n as u64) as u32);
            let cur = model[id.index()];
            match (cur, rng.next_u64() % 4) {
                (None, _) => {
                    let load = (rng.next_u64() % 6) as u32;
                    h.insert(&mut l, id, load);
                    model[id.index()] = Some((load, step));
                }
                (Some(_), 0) => {
                    h.remove(&mut l, id);
                    model[id.index()] = None;
                }
                (Some((load, _)), r) => {
                    let new = if r == 1 || load == 0 {
                        load + 1
                    } else {
                        load - 1
                    };
                    h.update(&mut l, id, new);
                    model[id.index()] = Some((new, step));
                }
            }
            let want = model
                .iter()
                .enumerate()
                .filter_map(|(i, m)| m.map(|(load, at)| (load, at, i as u32)))
                .min()
                .map(|(_, _, i)| EeId(i));
            assert_eq!(h.best(), want, "step {step}");
            assert_eq!(h.len(), model.iter().flatten().count());
        }
    }
}
