//! Execution environments (docs/model.md, "EE init" and "Processor sharing"):
//! an EE's lifecycle, its job heap and its processor-sharing clock.
//!
//! Owns one EE's own state and arithmetic; it must not reach into the
//! function, the instance, the router or the event queue (the model does).

use super::instance::InstanceId;
use crate::ids::FunctionId;

/// An EE: its index in the model's EE slots (a slot is reused once its EE has
/// stopped; `Ee::epoch` tells the uses apart).
#[repr(transparent)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EeId(pub u32);

impl EeId {
    /// The EE's slot index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the EE in slot `i` (below `u32::MAX`, which the router's and
    /// the timers' internals keep for "none").
    #[inline]
    pub fn of(i: usize) -> Self {
        debug_assert!(i < u32::MAX as usize);
        EeId(i as u32)
    }
}

/// EE lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EeState {
    Initializing,
    Ready,
    Draining,
    Stopped,
}

/// An invocation in its CPU phase on an EE.
#[derive(Copy, Clone, Debug)]
pub(super) struct Job {
    /// Virtual time at which its CPU work is done [µs of attained service].
    pub(super) finish_v: f64,
    pub(super) io: u64,
    pub(super) arrival: u64,
    pub(super) tag: u32,
}

#[derive(Debug)]
pub(super) struct Ee {
    pub(super) function: FunctionId,
    pub(super) instance: InstanceId,
    pub(super) state: EeState,
    pub(super) vcpus: u32,
    pub(super) slots: u32,
    pub(super) inflight: u32,
    /// EE protection (docs/model.md, "EE protection"): the concurrency limit
    /// the EE's CPU allows now (at most `slots`), and how many invocations its
    /// memory holds (`u32::MAX` when memory is not modelled).
    pub(super) limit: u32,
    pub(super) mem_cap: u32,
    /// Runnable-job time [job·µs] since `win_start`, the current limit
    /// window; it ends at `win_end` (`u64::MAX`: protection off).
    pub(super) run_area: f64,
    /// Busy vCPU-time (min(runnable, vCPUs) × time) in the current limit window.
    pub(super) busy_area: f64,
    pub(super) win_start: u64,
    pub(super) win_end: u64,
    /// An `Ev::EeLimit` is queued for the end of the window.
    pub(super) limit_wake: bool,
    /// Wall µs per µs of an invocation's `cpu` work on this EE's instance type
    /// (1 / its CPU speed factor; exactly 1.0 by default).
    pub(super) cpu_scale: f64,
    /// Min-heap on `finish_v` of jobs in their CPU phase.
    pub(super) jobs: Vec<Job>,
    /// Attained service per job (processor-sharing virtual clock) [µs].
    pub(super) vtime: f64,
    pub(super) vtime_at: u64,
    /// A rotation replacement (of its instance or of itself) has been
    /// started or reserved for this EE.
    pub(super) superseded: bool,
    /// The EE this one replaces (rotation), with that EE's epoch: it drains
    /// when this one is Ready, if its slot has not been reused meanwhile.
    pub(super) replaces: Option<(EeId, u32)>,
    /// Incremented each time the slot is reused (guards lifecycle events).
    pub(super) epoch: u32,
}

impl Ee {
    /// Busy vCPUs: jobs in their CPU phase, at most its vCPUs (derived, never
    /// stored; the instance and the function keep sums of it).
    #[inline]
    pub(super) fn busy_vcpus(&self) -> u32 {
        (self.jobs.len() as u32).min(self.vcpus)
    }
    #[inline]
    pub(super) fn settle(&mut self, now: u64) {
        if now > self.vtime_at {
            let dt = (now - self.vtime_at) as i64 as f64;
            let k = self.jobs.len() as u32;
            // Rate 1 while every job has a vCPU: no division on the common path.
            self.run_area += k as f64 * dt;
            self.busy_area += k.min(self.vcpus) as f64 * dt;
            self.vtime += if k <= self.vcpus {
                dt
            } else {
                dt * (self.vcpus as f64 / k as f64)
            };
            self.vtime_at = now;
        }
    }
    /// How many invocations it takes now: its slots, its CPU limit and its
    /// memory, whichever is least.
    #[inline]
    pub(super) fn cap(&self) -> u32 {
        self.slots.min(self.limit).min(self.mem_cap)
    }
    /// When its next CPU phase ends at the current rate (its timer), or `None`
    /// with no job in its CPU phase. Call after `settle(now)`.
    #[inline]
    pub(super) fn cpu_due(&self, now: u64) -> Option<u64> {
        let head = self.jobs.first()?;
        let dv = (head.finish_v - self.vtime).max(0.0);
        Some(now + ceil_u64(self.wall_for(dv)))
    }
    /// Wall time [µs] to attain `dv` more service at the current rate.
    #[inline]
    fn wall_for(&self, dv: f64) -> f64 {
        let k = self.jobs.len() as u32;
        if k <= self.vcpus {
            dv
        } else {
            dv / (self.vcpus as f64 / k as f64)
        }
    }
    pub(super) fn push_job(&mut self, j: Job) {
        self.jobs.push(j);
        let mut i = self.jobs.len() - 1;
        while i > 0 {
            let p = (i - 1) / 2;
            if self.jobs[p].finish_v <= self.jobs[i].finish_v {
                break;
            }
            self.jobs.swap(i, p);
            i = p;
        }
    }
    pub(super) fn pop_job(&mut self) -> Job {
        let top = self.jobs.swap_remove(0);
        let n = self.jobs.len();
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.jobs[r].finish_v < self.jobs[l].finish_v {
                r
            } else {
                l
            };
            if self.jobs[i].finish_v <= self.jobs[c].finish_v {
                break;
            }
            self.jobs.swap(i, c);
            i = c;
        }
        top
    }
}

/// Ceiling of a non-negative float as a u32 (saturating).
pub(super) fn ceil_u32(x: f64) -> u32 {
    ceil_u64(x).min(u32::MAX as u64) as u32
}

/// Ceiling of a non-negative float as an integer, without a libm call.
#[inline]
fn ceil_u64(x: f64) -> u64 {
    // Signed conversions are one instruction each; durations are < 2^63 µs.
    let i = x as i64;
    (if (i as f64) < x { i + 1 } else { i }) as u64
}
