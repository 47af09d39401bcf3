//! The event queue: a monotone radix heap ordered by (time, insertion sequence).
//!
//! A discrete-event simulation only ever schedules events at or after the time
//! of the last event it popped, which is what a radix heap needs. Times are
//! read as 16 hexadecimal digits. An entry later than that last popped time
//! sits in the bucket named by the highest digit in which the two differ and
//! by its own value of that digit (16 × 15 buckets), and the buckets are in
//! time order: all of a lower bucket is earlier than all of a higher one.
//! Entries at exactly the last time sit in bucket 0, in insertion order.
//!
//! Pushing is O(1), with no comparisons along a path (so no mispredicted
//! branches). When bucket 0 runs dry, the lowest non-empty bucket is emptied
//! around its minimum: into bucket 0 and buckets of lower digits. An entry
//! moves at most once per digit, so an event 100 ms ahead (5 digits of µs)
//! moves at most 5 times. Ties between equal times are broken first-in-first-out
//! by a sequence number, so a run never depends on the queue's internals.
//! Entries are small `Copy` values, and pushing never allocates once every
//! bucket has reached its working size.

use crate::time::SimTime;

#[derive(Copy, Clone)]
struct Entry<E> {
    t: u64,
    seq: u64,
    ev: E,
}

const DIGIT_BITS: u32 = 4;
const RADIX: usize = 1 << DIGIT_BITS;
const LEVELS: usize = 64 / DIGIT_BITS as usize;
const BUCKETS: usize = LEVELS * RADIX;
// The digits cover all 64 bits, and the bucket mask has a bit for each bucket.
const _: () = assert!(LEVELS * DIGIT_BITS as usize == 64 && BUCKETS.is_multiple_of(64));
const UNKNOWN: u64 = u64::MAX;

/// A discrete-event queue. Events must be pushed at or after the time of the
/// last popped event (checked in debug builds).
pub struct EventQueue<E> {
    /// Time of the last popped event: no entry is earlier.
    last: u64,
    /// Entries at exactly `last`, in sequence order; `head` is the next one.
    b0: Vec<Entry<E>>,
    head: usize,
    /// Entries later than `last`, by [`bucket`].
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `i % 64` of word `i / 64` set when bucket `i` is not empty.
    mask: [u64; BUCKETS / 64],
    /// The earliest time in the buckets, when known (`UNKNOWN` otherwise):
    /// peeking between two pops costs nothing.
    min: u64,
    len: usize,
    seq: u64,
    /// Events popped so far (for `--stats`).
    pub popped: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket of `t > last`: (highest differing digit, `t`'s value of it).
#[inline]
fn bucket(t: u64, last: u64) -> usize {
    let level = (63 - (t ^ last).leading_zeros()) / DIGIT_BITS;
    let digit = (t >> (level * DIGIT_BITS)) as usize & (RADIX - 1);
    level as usize * RADIX + digit
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            last: 0,
            b0: Vec::with_capacity(64),
            head: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            mask: [0; BUCKETS / 64],
            min: UNKNOWN,
            len: 0,
            seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `at` (not before the last popped event).
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        debug_assert!(at.0 >= self.last, "event scheduled in the past");
        let e = Entry {
            t: at.0,
            seq: self.seq,
            ev: event,
        };
        self.seq += 1;
        self.len += 1;
        if at.0 == self.last {
            self.b0.push(e);
        } else {
            let b = bucket(at.0, self.last);
            self.buckets[b].push(e);
            self.mask[b / 64] |= 1 << (b % 64);
            if self.min != UNKNOWN && at.0 < self.min {
                self.min = at.0;
            }
        }
    }

    /// The lowest non-empty bucket, if any.
    #[inline]
    fn lowest(&self) -> Option<usize> {
        self.mask
            .iter()
            .position(|&w| w != 0)
            .map(|i| i * 64 + self.mask[i].trailing_zeros() as usize)
    }

    /// The earliest time in the buckets (they must not all be empty).
    #[inline]
    fn bucket_min(&mut self, b: usize) -> u64 {
        if self.min == UNKNOWN {
            self.min = self.buckets[b].iter().map(|e| e.t).min().unwrap_or(UNKNOWN);
        }
        self.min
    }

    /// Moves on to `m`, the earliest time in the buckets, held by bucket `b`
    /// (the lowest): empties it into bucket 0 (entries at `m`) and lower buckets.
    #[inline(never)]
    fn advance(&mut self, b: usize, m: u64) {
        self.b0.clear();
        self.head = 0;
        self.mask[b / 64] &= !(1 << (b % 64));
        let mut src = std::mem::take(&mut self.buckets[b]);
        self.last = m;
        // The lowest bucket filled here, and its minimum: the next `min`.
        let (mut low, mut low_min) = (usize::MAX, UNKNOWN);
        for &e in &src {
            if e.t == m {
                self.b0.push(e);
            } else {
                // A lower digit than before: every entry moves strictly down.
                let nb = bucket(e.t, m);
                self.buckets[nb].push(e);
                self.mask[nb / 64] |= 1 << (nb % 64);
                if nb < low {
                    (low, low_min) = (nb, e.t);
                } else if nb == low && e.t < low_min {
                    low_min = e.t;
                }
            }
        }
        src.clear();
        self.buckets[b] = src;
        // Buckets above `b` keep their place relative to `m`, and lie above
        // every bucket filled here.
        self.min = low_min;
        if self.b0.len() > 1 {
            // A bucket's entries come in no particular order: restore FIFO.
            self.b0.sort_unstable_by_key(|e| e.seq);
        }
    }

    /// Time of the earliest event.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.head < self.b0.len() {
            return Some(SimTime(self.last));
        }
        let b = self.lowest()?;
        Some(SimTime(self.bucket_min(b)))
    }

    /// Removes the earliest event if it is at or before `limit`.
    #[inline]
    pub fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        if self.head >= self.b0.len() {
            let b = self.lowest()?;
            let m = self.bucket_min(b);
            if m > limit.0 {
                return None;
            }
            self.advance(b, m);
        } else if self.last > limit.0 {
            return None;
        }
        let e = self.b0[self.head];
        self.head += 1;
        self.len -= 1;
        self.popped += 1;
        Some((SimTime(e.t), e.ev))
    }

    /// Applies `f` to every queued event in place (times and order are kept).
    /// A scan of the whole queue: for rare events only (a fault turns the
    /// pending events of what it destroyed into no-ops), never per event.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&mut E)) {
        let head = self.head;
        for e in &mut self.b0[head..] {
            f(&mut e.ev);
        }
        for b in &mut self.buckets {
            for e in b.iter_mut() {
                f(&mut e.ev);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

    /// The simulator's pattern: the clock moves to an arrival time between
    /// events, peeks (often seeing a later event), then pushes earlier ones.
    #[test]
    fn matches_a_sorted_order_when_the_clock_moves_between_events() {
        use crate::rng::stream;
        use rand::Rng;
        let mut rng = stream(9, "queue-test", 0);
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for _ in 0..20_000 {
            now += rng.next_u64() % 3_000;
            // Pop everything due, checking each against the reference.
            loop {
                let peek = q.peek_time().map(|t| t.0);
                assert_eq!(peek, reference.first().map(|r: &(u64, u64)| r.0));
                match q.pop_until(SimTime(now)) {
                    Some((t, e)) => {
                        let r = reference.pop_first().unwrap();
                        assert_eq!((t.0, e), r);
                        assert!(t.0 <= now);
                    }
                    None => {
                        assert!(reference.first().is_none_or(|r| r.0 > now));
                        break;
                    }
                }
            }
            for _ in 0..(rng.next_u64() % 4) {
                let t = match rng.next_u64() % 8 {
                    0 => now,
                    1 => now + rng.next_u64() % 100_000_000,
                    _ => now + rng.next_u64() % 20_000,
                };
                q.push(SimTime(t), seq);
                reference.insert((t, seq));
                seq += 1;
            }
            assert_eq!(q.len(), reference.len());
        }
    }

    #[test]
    fn pop_until_respects_limit() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), 1);
        assert!(q.pop_until(SimTime(9)).is_none());
        assert_eq!(q.pop_until(SimTime(10)), Some((SimTime(10), 1)));
    }
}
