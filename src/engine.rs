//! The event queue: a min-heap ordered by (time, insertion sequence).
//!
//! Ties between equal times are broken first-in-first-out by a sequence number,
//! so a run never depends on heap internals. The heap is 4-ary (half the depth
//! of a binary heap, and a node's children share a cache line); events are
//! small `Copy` values, and pushing never allocates once the heap has reached
//! its working size.

use crate::time::SimTime;

/// A discrete-event queue.
///
/// Keys — `time << 64 | seq`, so one integer comparison orders by time then
/// FIFO — live in their own array, apart from the events: a node's four
/// children's keys share one cache line, and the events move only along the
/// sift path.
pub struct EventQueue<E> {
    keys: Vec<u128>,
    events: Vec<E>,
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
            keys: Vec::with_capacity(1024),
            events: Vec::with_capacity(1024),
            seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `at`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        let key = ((at.0 as u128) << 64) | self.seq as u128;
        self.seq += 1;
        let mut i = self.keys.len();
        self.keys.push(key);
        self.events.push(event);
        // Sift up with a hole: move parents down, write the new entry once.
        while i > 0 {
            let p = (i - 1) / D;
            let pk = self.keys[p];
            if pk <= key {
                break;
            }
            self.keys[i] = pk;
            self.events[i] = self.events[p];
            i = p;
        }
        self.keys[i] = key;
        self.events[i] = event;
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.keys.first().map(|k| SimTime((k >> 64) as u64))
    }

    /// Removes the earliest event if it is at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let top_key = *self.keys.first()?;
        let t = SimTime((top_key >> 64) as u64);
        if t > limit {
            return None;
        }
        let top = self.events[0];
        let (Some(last_key), Some(last)) = (self.keys.pop(), self.events.pop()) else {
            return None;
        };
        let n = self.keys.len();
        if n > 0 {
            // Sift the last entry down from the root through a hole.
            let keys = &mut self.keys[..];
            let mut i = 0;
            loop {
                let c0 = D * i + 1;
                if c0 >= n {
                    break;
                }
                let (c, ck) = if c0 + D <= n {
                    // All four children: a branch-light minimum.
                    let ch = &keys[c0..c0 + D];
                    let (a, ka) = if ch[1] < ch[0] {
                        (1, ch[1])
                    } else {
                        (0, ch[0])
                    };
                    let (b, kb) = if ch[3] < ch[2] {
                        (3, ch[3])
                    } else {
                        (2, ch[2])
                    };
                    if kb < ka { (c0 + b, kb) } else { (c0 + a, ka) }
                } else {
                    let mut c = c0;
                    let mut ck = keys[c0];
                    for (j, &k) in keys[c0 + 1..n].iter().enumerate() {
                        if k < ck {
                            ck = k;
                            c = c0 + 1 + j;
                        }
                    }
                    (c, ck)
                };
                if last_key <= ck {
                    break;
                }
                keys[i] = ck;
                self.events[i] = self.events[c];
                i = c;
            }
            keys[i] = last_key;
            self.events[i] = last;
        }
        self.popped += 1;
        Some((t, top))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
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
