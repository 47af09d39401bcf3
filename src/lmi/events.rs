//! The model's events: `Ev`, their 16-byte packed form and the queue that
//! stores them.
//!
//! Owns encoding only; it must not interpret events (`Lmi::handle` does).

use super::*;

#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum Ev {
    IoDone { ee: u32, tag: u32, arrival: u64 },
    EeReady { ee: u32, epoch: u32 },
    InstanceRunning { inst: u32, tag: u32 },
    Retire { inst: u32, tag: u32 },
    ScalerTick,
    Schedule { idx: u32 },
}

/// An [`Ev`] in 16 bytes (queue entries move as a whole, and the enum takes
/// 24): `c` is the arrival time of an I/O completion (µs, far below 2^62), or
/// `OTHER` plus the kind of any other event.
#[derive(Copy, Clone, Debug)]
pub(super) struct PackedEv {
    a: u32,
    b: u32,
    c: u64,
}

const OTHER: u64 = 1 << 62;

impl Ev {
    #[inline]
    pub(super) fn pack(self) -> PackedEv {
        let (a, b, c) = match self {
            Ev::IoDone { ee, tag, arrival } => {
                debug_assert!(arrival < OTHER);
                (ee, tag, arrival)
            }
            Ev::EeReady { ee, epoch } => (ee, epoch, OTHER | 1),
            Ev::InstanceRunning { inst, tag } => (inst, tag, OTHER | 2),
            Ev::Retire { inst, tag } => (inst, tag, OTHER | 3),
            Ev::ScalerTick => (0, 0, OTHER | 4),
            Ev::Schedule { idx } => (idx, 0, OTHER | 5),
        };
        PackedEv { a, b, c }
    }
}

impl PackedEv {
    #[inline]
    pub(super) fn unpack(self) -> Ev {
        let PackedEv { a, b, c } = self;
        if c < OTHER {
            return Ev::IoDone {
                ee: a,
                tag: b,
                arrival: c,
            };
        }
        match c & 7 {
            1 => Ev::EeReady { ee: a, epoch: b },
            2 => Ev::InstanceRunning { inst: a, tag: b },
            3 => Ev::Retire { inst: a, tag: b },
            4 => Ev::ScalerTick,
            _ => Ev::Schedule { idx: a },
        }
    }
}

/// The LMI event queue: [`Ev`]s stored packed.
#[derive(Default)]
pub(super) struct EvQueue {
    q: EventQueue<PackedEv>,
}

impl EvQueue {
    #[inline]
    pub(super) fn push(&mut self, at: SimTime, ev: Ev) {
        self.q.push(at, ev.pack());
    }
    #[inline]
    pub(super) fn peek_time(&mut self) -> Option<SimTime> {
        self.q.peek_time()
    }
    #[inline]
    pub(super) fn pop_until(&mut self, limit: SimTime) -> Option<(SimTime, Ev)> {
        self.q.pop_until(limit).map(|(t, e)| (t, e.unpack()))
    }
    pub(super) fn popped(&self) -> u64 {
        self.q.popped
    }
}
