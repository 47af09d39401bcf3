//! The event queue: a min-heap ordered by (time, insertion sequence).
//!
//! Ties between equal times are broken first-in-first-out by a sequence number,
//! so a run never depends on heap internals. The heap is 4-ary (half the depth
//! of a binary heap, and a node's children share a cache line); events are
//! small `Copy` values, and pushing never allocates once the heap has reached
//! its working size.

use crate::time::SimTime;

#[derive(Copy, Clone, Debug)]
struct Entry<E> {
    /// Time then insertion sequence: ordered lexicographically.
    key: Key,
    event: E,
}

/// (time, seq) as two words: 8-byte alignment keeps entries small.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    time: u64,
    seq: u64,
}

/// A discrete-event queue.
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    seq: u64,
    /// Events popped so far (for `--stats`).
    pub popped: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

const D: usize = 4;

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::with_capacity(1024),
            seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `at`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        let key = Key {
            time: at.0,
            seq: self.seq,
        };
        self.seq += 1;
        let mut i = self.heap.len();
        self.heap.push(Entry { key, event });
        // Sift up with a hole: move parents down, write the new entry once.
        while i > 0 {
            let p = (i - 1) / D;
            if self.heap[p].key <= key {
                break;
            }
            self.heap[i] = self.heap[p];
            i = p;
        }
        self.heap[i] = Entry { key, event };
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| SimTime(e.key.time))
    }

    /// Removes the earliest event if it is at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let top = *self.heap.first()?;
        let t = SimTime(top.key.time);
        if t > limit {
            return None;
        }
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n > 0 {
            // Sift the last entry down from the root through a hole.
            let mut i = 0;
            loop {
                let c0 = D * i + 1;
                if c0 >= n {
                    break;
                }
                let end = (c0 + D).min(n);
                let mut c = c0;
                let mut ck = self.heap[c0].key;
                for j in c0 + 1..end {
                    let k = self.heap[j].key;
                    if k < ck {
                        ck = k;
                        c = j;
                    }
                }
                if last.key <= ck {
                    break;
                }
                self.heap[i] = self.heap[c];
                i = c;
            }
            self.heap[i] = last;
        }
        self.popped += 1;
        Some((t, top.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_fifo() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), 'a');
        q.push(SimTime(3), 'b');
        q.push(SimTime(5), 'c');
        q.push(SimTime(3), 'd');
        let mut out = vec![];
        while let Some((t, e)) = q.pop_until(SimTime::MAX) {
            out.push((t.0, e));
        }
        assert_eq!(out, vec![(3, 'b'), (3, 'd'), (5, 'a'), (5, 'c')]);
    }

    #[test]
    fn matches_a_sorted_order_on_random_input() {
        use crate::rng::stream;
        use rand::Rng;
        let mut rng = stream(3, "queue-test", 0);
        let mut q = EventQueue::new();
        let mut reference = Vec::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for round in 0..5000 {
            for _ in 0..(rng.next_u64() % 5) {
                // Mostly near, sometimes far, sometimes equal to now.
                let t = match rng.next_u64() % 10 {
                    0 => now + rng.next_u64() % 60_000_000,
                    1 => now,
                    _ => now + rng.next_u64() % 50_000,
                };
                q.push(SimTime(t), seq);
                reference.push((t, seq));
                seq += 1;
            }
            if round % 3 != 0 {
                reference.sort_unstable();
                if let Some((t, e)) = q.pop_until(SimTime::MAX) {
                    assert_eq!((t.0, e), reference.remove(0));
                    now = t.0;
                }
            }
        }
        reference.sort_unstable();
        for r in reference {
            let (t, e) = q.pop_until(SimTime::MAX).unwrap();
            assert_eq!((t.0, e), r);
        }
        assert!(q.is_empty());
    }

    #[test]
    fn pop_until_respects_limit() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), 1);
        assert!(q.pop_until(SimTime(9)).is_none());
        assert_eq!(q.pop_until(SimTime(10)), Some((SimTime(10), 1)));
    }
}
