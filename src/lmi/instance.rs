//! Instances (MODEL.md §1.2): an instance's lifecycle and capacity.
//!
//! Owns the `Instance` record; the fleet lifecycle (launch, run, retire,
//! terminate) is in `fleet.rs`, and nothing here schedules events.

use super::*;

/// Instance lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum InstState {
    Launching,
    Running,
    Terminated,
}

#[derive(Debug)]
pub(crate) struct Instance {
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
    pub(super) ees: Vec<u32>,
    /// EEs to start when it is Running: (function, count).
    pub(super) reservations: Vec<(u32, u32)>,
    pub(super) retiring: bool,
    /// For a rotation replacement: the instance it replaces, or NONE.
    pub(super) replaces: u32,
    /// On-demand and effective (discounted, rounded) prices [USD/h].
    pub(super) od_usd_h: f64,
    pub(super) eff_usd_h: f64,
}
