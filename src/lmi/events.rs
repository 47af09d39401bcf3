//! The model's events: `Ev`, their 16-byte packed form and the queue that
//! stores them.
//!
//! Owns encoding only; it must not interpret events (`Lmi::handle` does).

use super::ee::EeId;
use super::instance::InstanceId;
use crate::engine::EventQueue;
use crate::time::SimTime;

/// A model event. Lifecycle events carry the epoch or tag of the EE or
/// instance slot they were scheduled for: a stale one (the slot was reused) is
/// a no-op.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) enum Ev {
    /// An invocation's I/O phase is over (or it had none): it completes.
    IoDone {
        ee: EeId,
        tag: u32,
        arrival: u64,
    },
    /// An EE's init is over.
    EeReady {
        ee: EeId,
        epoch: u32,
    },
    InstanceRunning {
        inst: InstanceId,
        tag: u32,
    },
    /// An instance has reached its maximum lifetime.
    Retire {
        inst: InstanceId,
        tag: u32,
    },
    /// An EE has reached its maximum lifetime.
    EeRetire {
        ee: EeId,
        epoch: u32,
    },
    ScalerTick,
    /// The scenario's scheduled scaling-config change number `idx`.
    Schedule {
        idx: u32,
    },
    /// An EE's concurrency-limit window ends while its limit binds.
    EeLimit {
        ee: EeId,
        epoch: u32,
    },
}

/// An [`Ev`] in 16 bytes (queue entries move as a whole, and the enum takes
/// 24): `c` is the arrival time of an I/O completion (µs, far below 2^62), or
/// `OTHER` plus the kind of any other event. Ids are stored raw.
#[derive(Copy, Clone, Debug)]
struct PackedEv {
    a: u32,
    b: u32,
    c: u64,
}

const OTHER: u64 = 1 << 62;

impl Ev {
    #[inline]
    fn pack(self) -> PackedEv {
        let (a, b, c) = match self {
            Ev::IoDone { ee, tag, arrival } => {
                debug_assert!(arrival < OTHER);
                (ee.0, tag, arrival)
            }
            Ev::EeReady { ee, epoch } => (ee.0, epoch, OTHER | 1),
            Ev::InstanceRunning { inst, tag } => (inst.0, tag, OTHER | 2),
            Ev::Retire { inst, tag } => (inst.0, tag, OTHER | 3),
            Ev::ScalerTick => (0, 0, OTHER | 4),
            Ev::Schedule { idx } => (idx, 0, OTHER | 5),
            Ev::EeLimit { ee, epoch } => (ee.0, epoch, OTHER | 7),
            Ev::EeRetire { ee, epoch } => (ee.0, epoch, OTHER | 6),
        };
        PackedEv { a, b, c }
    }
}

impl PackedEv {
    #[inline]
    fn unpack(self) -> Ev {
        let PackedEv { a, b, c } = self;
        if c < OTHER {
            return Ev::IoDone {
                ee: EeId(a),
                tag: b,
                arrival: c,
            };
        }
        match c & 7 {
            1 => Ev::EeReady {
                ee: EeId(a),
                epoch: b,
            },
            2 => Ev::InstanceRunning {
                inst: InstanceId(a),
                tag: b,
            },
            3 => Ev::Retire {
                inst: InstanceId(a),
                tag: b,
            },
            4 => Ev::ScalerTick,
            6 => Ev::EeRetire {
                ee: EeId(a),
                epoch: b,
            },
            7 => Ev::EeLimit {
                ee: EeId(a),
                epoch: b,
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_events_round_trip() {
        for ev in [
            Ev::IoDone {
                ee: EeId(7),
                tag: u32::MAX,
                arrival: 1_209_600_000_000,
            },
            Ev::IoDone {
                ee: EeId(0),
                tag: 0,
                arrival: 0,
            },
            Ev::EeReady {
                ee: EeId(3),
                epoch: 9,
            },
            Ev::InstanceRunning {
                inst: InstanceId(4),
                tag: 2,
            },
            Ev::Retire {
                inst: InstanceId(5),
                tag: 1,
            },
            Ev::EeRetire {
                ee: EeId(6),
                epoch: u32::MAX,
            },
            Ev::ScalerTick,
            Ev::Schedule { idx: 12 },
            Ev::EeLimit {
                ee: EeId(6),
                epoch: 3,
            },
        ] {
            assert_eq!(ev.pack().unpack(), ev);
        }
    }
}
