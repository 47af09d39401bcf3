//! Instances (docs/model.md, "Capacity provider" and "Instance lifetime"): an
//! instance's lifecycle and capacity.
//!
//! Owns the `Instance` record and its own arithmetic (room, reservations);
//! the fleet lifecycle (launch, run, retire, terminate) is in `fleet.rs`, and
//! nothing here schedules events or touches EEs.

use super::ee::EeId;
use super::policy::EeShape;
use crate::ids::FunctionId;
use crate::time::SimTime;

/// An instance: its index in the model's instance slots (a slot is reused once
/// its instance has terminated; `Instance::tag` tells the uses apart).
#[repr(transparent)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(pub u32);

impl InstanceId {
    /// The instance's slot index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the instance in slot `i`.
    #[inline]
    pub fn of(i: usize) -> Self {
        debug_assert!(i <= u32::MAX as usize);
        InstanceId(i as u32)
    }
}

/// Instance lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InstState {
    Launching,
    Running,
    Terminated,
}

#[derive(Debug)]
pub(super) struct Instance {
    pub(super) ty: u16,
    pub(super) az: u8,
    pub(super) state: InstState,
    pub(super) tag: u32,
    pub(super) launched_at: SimTime,
    pub(super) usable_vcpus: u32,
    /// Busy vCPUs at which the router rejects work on it (CPU threshold).
    pub(super) reject_at: u32,
    pub(super) usable_mib: u32,
    /// vCPUs / MiB taken by EEs and by reservations for pending EEs.
    pub(super) used_vcpus: u32,
    pub(super) used_mib: u32,
    /// Busy vCPUs now: Σ min(jobs, vcpus) over its EEs.
    pub(super) busy: u32,
    pub(super) cpu_blocked: bool,
    /// Live EEs on it.
    pub(super) ees: Vec<EeId>,
    /// EEs to start when it is Running: (function, count).
    pub(super) reservations: Vec<(FunctionId, u32)>,
    /// Replacements for EEs at their maximum lifetime to start when it is
    /// Running: (function, the EE replaced, its epoch). Kept apart from
    /// `reservations`, which scale-in cancels.
    pub(super) ee_replacements: Vec<(FunctionId, EeId, u32)>,
    pub(super) retiring: bool,
    /// For a rotation replacement: the instance it replaces.
    pub(super) replaces: Option<InstanceId>,
    /// On-demand and effective (discounted, rounded) prices [USD/h].
    pub(super) od_usd_h: f64,
    pub(super) eff_usd_h: f64,
}

impl Instance {
    /// Whether one more EE of `shape` fits beside what it holds and reserves.
    pub(super) fn has_room(&self, shape: EeShape) -> bool {
        self.usable_vcpus - self.used_vcpus >= shape.vcpus
            && self.usable_mib - self.used_mib >= shape.memory_mib
    }

    /// Holds room for one EE of `f` until the instance is Running.
    pub(super) fn reserve(&mut self, f: FunctionId, shape: EeShape) {
        self.used_vcpus += shape.vcpus;
        self.used_mib += shape.memory_mib;
        match self.reservations.iter_mut().find(|x| x.0 == f) {
            Some(x) => x.1 += 1,
            None => self.reservations.push((f, 1)),
        }
    }

    /// Holds room for the replacement of EE `old` (epoch `epoch`) of `f`
    /// until the instance is Running.
    pub(super) fn reserve_replacement(
        &mut self,
        f: FunctionId,
        old: EeId,
        epoch: u32,
        shape: EeShape,
    ) {
        self.used_vcpus += shape.vcpus;
        self.used_mib += shape.memory_mib;
        self.ee_replacements.push((f, old, epoch));
    }
}
