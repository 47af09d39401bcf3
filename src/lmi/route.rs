//! The router's index: per function, an indexed binary min-heap of the EEs that
//! can take an invocation now, keyed by (in-flight count, EE id).
//!
//! Picking the least-loaded EE is O(1); every change of an EE's load is one
//! O(log n) sift. Positions live in a caller-owned slice indexed by EE id, so
//! nothing allocates once the heap has grown to the fleet size.

/// Marks "not in any heap".
pub const NONE: u32 = u32::MAX;

#[inline]
fn key(inflight: u32, id: u32) -> u64 {
    ((inflight as u64) << 32) | id as u64
}
#[inline]
fn id_of(k: u64) -> u32 {
    k as u32
}

/// Least-loaded index over one function's routable EEs.
#[derive(Default, Clone, Debug)]
pub struct RouteHeap {
    heap: Vec<u64>,
}

impl RouteHeap {
    /// The least-loaded EE (ties: lowest id).
    #[inline]
    pub fn best(&self) -> Option<u32> {
        self.heap.first().map(|&k| id_of(k))
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn insert(&mut self, pos: &mut [u32], id: u32, inflight: u32) {
        let i = self.heap.len();
        self.heap.push(key(inflight, id));
        pos[id as usize] = i as u32;
        self.sift_up(pos, i);
    }

    pub fn remove(&mut self, pos: &mut [u32], id: u32) {
        let i = pos[id as usize] as usize;
        let last = self.heap.len() - 1;
        self.swap(pos, i, last);
        self.heap.pop();
        pos[id as usize] = NONE;
        if i < self.heap.len() {
            self.sift_down(pos, i);
            self.sift_up(pos, i);
        }
    }

    /// Re-keys `id` after its in-flight count changed.
    #[inline]
    pub fn update(&mut self, pos: &mut [u32], id: u32, inflight: u32) {
        let i = pos[id as usize] as usize;
        let old = self.heap[i];
        let new = key(inflight, id);
        self.heap[i] = new;
        if new < old {
            self.sift_up(pos, i);
        } else {
            self.sift_down(pos, i);
        }
    }

    #[inline]
    fn swap(&mut self, pos: &mut [u32], a: usize, b: usize) {
        self.heap.swap(a, b);
        pos[id_of(self.heap[a]) as usize] = a as u32;
        pos[id_of(self.heap[b]) as usize] = b as u32;
    }

    fn sift_up(&mut self, pos: &mut [u32], mut i: usize) {
        while i > 0 {
            let p = (i - 1) / 2;
            if self.heap[p] <= self.heap[i] {
                break;
            }
            self.swap(pos, i, p);
            i = p;
        }
    }

    fn sift_down(&mut self, pos: &mut [u32], mut i: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.heap[r] < self.heap[l] {
                r
            } else {
                l
            };
            if self.heap[i] <= self.heap[c] {
                break;
            }
            self.swap(pos, i, c);
            i = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_least_loaded_then_lowest_id() {
        let mut pos = vec![NONE; 8];
        let mut h = RouteHeap::default();
        h.insert(&mut pos, 3, 2);
        h.insert(&mut pos, 1, 2);
        h.insert(&mut pos, 5, 1);
        assert_eq!(h.best(), Some(5));
        h.update(&mut pos, 5, 3);
        assert_eq!(h.best(), Some(1));
        h.remove(&mut pos, 1);
        assert_eq!(h.best(), Some(3));
        assert_eq!(pos[1], NONE);
        h.update(&mut pos, 5, 0);
        assert_eq!(h.best(), Some(5));
        h.remove(&mut pos, 5);
        h.remove(&mut pos, 3);
        assert!(h.is_empty());
    }
}
