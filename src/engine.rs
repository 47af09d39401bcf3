//! The event queue: a min-heap ordered by (time, insertion sequence).
//!
//! Ties between equal times are broken first-in-first-out by a sequence number,
//! so a run never depends on heap internals. Events are small `Copy` values;
//! pushing never allocates once the heap has reached its working size.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Copy, Clone, Debug)]
struct Entry<E> {
    /// (time << 64 | seq): one integer comparison orders by time then FIFO.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        o.key.cmp(&self.key)
    }
}

/// A discrete-event queue.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    /// Events popped so far (for `--stats`).
    pub popped: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `at`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        let key = ((at.0 as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| SimTime((e.key >> 64) as u64))
    }

    /// Removes the earliest event if it is at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let top = self.heap.peek()?;
        let t = SimTime((top.key >> 64) as u64);
        if t > limit {
            return None;
        }
        let e = self.heap.pop()?;
        self.popped += 1;
        Some((t, e.event))
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
    fn pop_until_respects_limit() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), 1);
        assert!(q.pop_until(SimTime(9)).is_none());
        assert_eq!(q.pop_until(SimTime(10)), Some((SimTime(10), 1)));
    }
}
