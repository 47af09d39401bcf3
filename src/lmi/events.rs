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
    /// The scenario's fault number `idx` happens now (one of its `at` times).
    FaultAt {
        idx: u32,
    },
    /// The AZ outage of fault number `idx` is over.
    AzBack {
        idx: u32,
    },
    /// Instance `inst` fails (fault number `idx`, a failure rate).
    InstanceFail {
        inst: InstanceId,
        tag: u32,
        idx: u32,
    },
    /// EE `ee` crashes (fault number `idx`, a crash rate).
    EeCrash {
        ee: EeId,
        epoch: u32,
        idx: u32,
    },
    /// An event a fault cancelled (the I/O completion of a lost invocation).
    Lost,
}

/// An [`Ev`] in 16 bytes (queue entries move as a whole, and the enum takes
/// 24): `c` is the arrival time of an I/O completion (µs, far below 2^62), or
/// `OTHER` plus the kind of any other event. Ids are stored raw. Kind 0 holds
/// the fault events: their sub-kind in bits 3..6 and the fault's index above.
#[derive(Copy, Clone, Debug)]
struct PackedEv {
    a: u32,
    b: u32,
    c: u64,
}

const OTHER: u64 = 1 << 62;
const FAULT_SHIFT: u32 = 6;

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
            Ev::FaultAt { idx } => (0, 0, fault(0, idx)),
            Ev::AzBack { idx } => (0, 0, fault(1, idx)),
            Ev::InstanceFail { inst, tag, idx } => (inst.0, tag, fault(2, idx)),
            Ev::EeCrash { ee, epoch, idx } => (ee.0, epoch, fault(3, idx)),
            Ev::Lost => (0, 0, fault(4, 0)),
        };
        PackedEv { a, b, c }
    }
}

/// The packed kind of a fault event: sub-kind `sub`, fault number `idx`.
const fn fault(sub: u64, idx: u32) -> u64 {
    OTHER | ((idx as u64) << FAULT_SHIFT) | (sub << 3)
}

impl PackedEv {
    /// The EE of an I/O completion, if this is one.
    #[inline]
    fn io_done_ee(&self) -> Option<(EeId, u32)> {
        (self.c < OTHER).then_some((EeId(self.a), self.b))
    }

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
            0 => {
                let idx = ((c & (OTHER - 1)) >> FAULT_SHIFT) as u32;
                match (c >> 3) & 7 {
                    0 => Ev::FaultAt { idx },
                    1 => Ev::AzBack { idx },
                    2 => Ev::InstanceFail {
                        inst: InstanceId(a),
                        tag: b,
                        idx,
                    },
                    3 => Ev::EeCrash {
                        ee: EeId(a),
                        epoch: b,
                        idx,
                    },
                    _ => Ev::Lost,
                }
            }
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
    /// Turns every queued I/O completion on EE `ee` into [`Ev::Lost`] and
    /// calls `lost` with each one's invocation tag (a scan of the queue: at
    /// fault events only).
    pub(super) fn cancel_io(&mut self, ee: EeId, mut lost: impl FnMut(u32)) {
        let gone = Ev::Lost.pack();
        self.q.for_each_mut(|p| {
            if let Some((e, tag)) = p.io_done_ee()
                && e == ee
            {
                lost(tag);
                *p = gone;
            }
        });
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
            Ev::FaultAt { idx: 3 },
            Ev::AzBack { idx: 70_000 },
            Ev::InstanceFail {
                inst: InstanceId(9),
                tag: 4,
                idx: 1,
            },
            Ev::EeCrash {
                ee: EeId(11),
                epoch: u32::MAX,
                idx: 2,
            },
            Ev::Lost,
            Ev::EeLimit {
                ee: EeId(6),
                epoch: 3,
            },
        ] {
            assert_eq!(ev.pack().unpack(), ev);
        }
    }
}
