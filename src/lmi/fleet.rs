//! Fleet lifecycle: placing EEs on instances (packed by vCPU and memory, spread
//! over AZs), launching and terminating instances within `MaxVCpuCount`,
//! draining, and the rotation of instances and of EEs at their maximum
//! lifetimes (replacement first, then drain); docs/model.md, "Capacity
//! provider", "Instance launch delay", "Instance lifetime" and "EE lifetime".
//!
//! These run at scaler ticks, scheduled changes and lifecycle events, never per
//! invocation, so they may scan a function's EEs or an AZ's instances.

use super::Lmi;
use super::ee::{Ee, EeId, EeState};
use super::events::Ev;
use super::instance::{InstState, Instance, InstanceId};
use super::policy::FleetNeed;
use crate::ids::FunctionId;
use crate::time::SimDuration;

/// What [`Lmi::place`] did.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Placed {
    /// EEs started or reserved on launching instances.
    pub(super) started: u32,
    /// Instances launched for them.
    pub(super) launched: u32,
    /// Launches `MaxVCpuCount` refused (placing stops at the first).
    pub(super) refused: u32,
}

impl Lmi {
    /// Starts up to `n` EEs for function `f`: on Running instances with room,
    /// else reserved on Launching ones, else on newly launched instances. Each EE
    /// goes to the AZ where the function has the fewest EEs. Fewer than `n` are
    /// started when `MaxVCpuCount` refuses a launch.
    pub(super) fn place(&mut self, f: FunctionId, n: u32) -> Placed {
        let fi = f.index();
        let shape = self.funcs[fi].shape;
        let mut placed = Placed::default();
        // The type to launch, chosen at the first launch of this placement.
        let mut chosen_ty = None;
        'each: for _ in 0..n {
            // AZ with the fewest EEs of this function (ties: lowest index).
            // AZs out (docs/model.md, "Faults") are skipped; with all out,
            // nothing is placed.
            let Some(az) = (0..self.provider.azs as usize)
                .filter(|&a| !self.faults.is_down(a))
                .min_by_key(|&a| (self.funcs[fi].az_count[a], a))
            else {
                break;
            };
            // 1. A Running, non-retiring instance in that AZ with room.
            let mut target = None;
            for (i, inst) in self.insts.iter().enumerate() {
                if inst.az as usize == az
                    && inst.state == InstState::Running
                    && !inst.retiring
                    && inst.has_room(shape)
                {
                    target = Some(InstanceId::of(i));
                    break;
                }
            }
            if let Some(i) = target {
                self.start_ee(f, i, None);
                placed.started += 1;
                continue 'each;
            }
            // 2. Room on a Launching instance in that AZ: reserve it.
            for inst in self.insts.iter_mut() {
                if inst.az as usize == az
                    && inst.state == InstState::Launching
                    && inst.replaces.is_none()
                    && inst.has_room(shape)
                {
                    inst.reserve(f, shape);
                    self.funcs[fi].pending += 1;
                    self.funcs[fi].az_count[az] += 1;
                    placed.started += 1;
                    continue 'each;
                }
            }
            // 3. Launch an instance in that AZ, of the type chosen for the
            // fleet the function will have once these `n` are placed.
            let chosen = *chosen_ty.get_or_insert_with(|| {
                let (_, total) = self.counts(f);
                self.choose_type(f, total + (n - placed.started))
            });
            let Some(ty) = chosen else {
                break;
            };
            match self.launch(ty, az as u8, None) {
                Some(i) => {
                    placed.launched += 1;
                    self.funcs[fi].count_launch(ty);
                    self.insts[i.index()].reserve(f, shape);
                    self.funcs[fi].pending += 1;
                    self.funcs[fi].az_count[az] += 1;
                    placed.started += 1;
                }
                None => {
                    placed.refused += 1;
                    break;
                }
            }
        }
        placed
    }

    /// The type to launch for function `f` when it will have `ees` EEs (live,
    /// initializing and reserved): `model.instance_selection` for that fleet
    /// over the provider's AZs. Records the choice made for the largest fleet.
    fn choose_type(&mut self, f: FunctionId, ees: u32) -> Option<usize> {
        let p = &self.provider;
        let func = &mut self.funcs[f.index()];
        let need = FleetNeed { ees, azs: p.azs };
        let c = p
            .selection
            .decide(&p.types, func.shape, p.reserve_vcpus, p.reserve_mib, need);
        func.instance_type = c.map(|c| c.plan.ty);
        if let Some(c) = c
            && func.choice.is_none_or(|o| ees >= o.plan.need.ees)
        {
            func.choice = Some(c);
        }
        func.instance_type
    }

    /// Requests an instance. `None` when `MaxVCpuCount` would be exceeded.
    pub(super) fn launch(
        &mut self,
        ty: usize,
        az: u8,
        replaces: Option<InstanceId>,
    ) -> Option<InstanceId> {
        let vcpus = self.provider.types[ty].vcpus;
        let now = self.clock.now;
        if !self.books.admit(&self.provider, vcpus, now) {
            return None;
        }
        let inst = self.provider.instance(ty, az, now, replaces);
        let id = match self.free_insts.pop() {
            Some(id) => {
                let tag = self.insts[id.index()].tag.wrapping_add(1);
                let old_ees = std::mem::take(&mut self.insts[id.index()].ees);
                self.insts[id.index()] = Instance {
                    tag,
                    ees: old_ees,
                    ..inst
                };
                id
            }
            None => {
                self.insts.push(inst);
                InstanceId::of(self.insts.len() - 1)
            }
        };
        self.books.launched(now, &self.insts[id.index()], vcpus);
        if self.faults.recovering() {
            let i = &self.insts[id.index()];
            let usd_h = i.eff_usd_h + i.od_usd_h * self.provider.fee_rate();
            self.faults.launched(now, usd_h, az as u32);
        }
        let delay = self.provider.launch_delay.sample(&mut self.rng_launch);
        let tag = self.insts[id.index()].tag;
        self.q
            .push(now + delay, Ev::InstanceRunning { inst: id, tag });
        Some(id)
    }

    /// Gives back the room a reservation of function `f` holds on instance
    /// `id` (an EE is about to start in it, or not at all).
    fn release_reservation(&mut self, f: FunctionId, id: InstanceId) {
        let shape = self.funcs[f.index()].shape;
        let inst = &mut self.insts[id.index()];
        inst.used_vcpus -= shape.vcpus;
        inst.used_mib -= shape.memory_mib;
        let az = inst.az as usize;
        let func = &mut self.funcs[f.index()];
        func.pending -= 1;
        func.az_count[az] -= 1;
    }

    /// A launched instance is Running: its reservations become EEs, and a
    /// rotation replacement starts a replacement for each live EE of the
    /// instance it replaces.
    pub(super) fn instance_running(&mut self, id: InstanceId) {
        let now = self.clock.now;
        let inst = &mut self.insts[id.index()];
        if inst.state != InstState::Launching {
            return;
        }
        inst.state = InstState::Running;
        self.books.running(now, inst);
        let tag = inst.tag;
        let reservations = std::mem::take(&mut inst.reservations);
        let ee_replacements = std::mem::take(&mut inst.ee_replacements);
        let replaces = inst.replaces;
        let retire_at = now + self.provider.lifetime;
        self.q.push(retire_at, Ev::Retire { inst: id, tag });
        if self.instance_faults_armed() {
            self.arm_instance_faults(id);
        }
        for (f, count) in reservations {
            for _ in 0..count {
                // The reservation already holds the room: release, then start.
                self.release_reservation(f, id);
                self.start_ee(f, id, None);
            }
        }
        for (f, old, epoch) in ee_replacements {
            self.release_reservation(f, id);
            // Unless the EE it was for has gone meanwhile (drained by a
            // deactivation, its slot perhaps reused).
            let e = &self.ees[old.index()];
            if e.epoch == epoch && e.state == EeState::Ready && e.superseded {
                self.start_ee(f, id, Some((old, epoch)));
            }
        }
        if let Some(replaces) = replaces {
            // Rotation: start a replacement for every live EE of the old instance.
            let old: Vec<EeId> = self.insts[replaces.index()].ees.clone();
            for eid in old {
                let e = &self.ees[eid.index()];
                if matches!(e.state, EeState::Ready | EeState::Initializing) && !e.superseded {
                    let f = e.function;
                    let shape = self.funcs[f.index()].shape;
                    if self.insts[id.index()].has_room(shape) {
                        let epoch = self.ees[eid.index()].epoch;
                        self.ees[eid.index()].superseded = true;
                        self.start_ee(f, id, Some((eid, epoch)));
                    } else {
                        self.drain_ee(eid);
                    }
                }
            }
            self.maybe_terminate(replaces);
        }
        self.maybe_terminate(id);
    }

    /// Creates an Initializing EE of `f` on instance `on`.
    pub(super) fn start_ee(
        &mut self,
        f: FunctionId,
        on: InstanceId,
        replaces: Option<(EeId, u32)>,
    ) -> EeId {
        let func = &self.funcs[f.index()];
        let (vcpus, mib, slots) = (func.shape.vcpus, func.shape.memory_mib, func.slots);
        let init = func.init_base + func.init.sample(&mut self.rng_init);
        let cpu_scale = self.provider.cpu_scale[self.insts[on.index()].ty as usize];
        let ee = Ee {
            cpu_scale,
            function: f,
            instance: on,
            state: EeState::Initializing,
            vcpus,
            slots,
            inflight: 0,
            limit: slots,
            mem_cap: func.mem_cap,
            run_area: 0.0,
            busy_area: 0.0,
            win_start: 0,
            win_end: u64::MAX,
            limit_wake: false,
            jobs: Vec::new(),
            vtime: 0.0,
            vtime_at: self.clock.now.0,
            superseded: false,
            replaces,
            epoch: 0,
        };
        let id = match self.free_ees.pop() {
            Some(id) => {
                let old = &mut self.ees[id.index()];
                let mut jobs = std::mem::take(&mut old.jobs);
                jobs.clear();
                let epoch = old.epoch.wrapping_add(1);
                *old = Ee { jobs, epoch, ..ee };
                id
            }
            None => {
                self.ees.push(ee);
                self.links.grow(self.ees.len());
                EeId::of(self.ees.len() - 1)
            }
        };
        // A job heap sized for the slots: no growth on the invocation path.
        let e = &mut self.ees[id.index()];
        if e.jobs.capacity() < slots as usize {
            e.jobs.reserve(slots as usize);
        }
        let inst = &mut self.insts[on.index()];
        inst.used_vcpus += vcpus;
        inst.used_mib += mib;
        inst.ees.push(id);
        let az = inst.az as usize;
        let func = &mut self.funcs[f.index()];
        func.gauges.live_vcpus.add(self.clock.now, vcpus as i64);
        func.ees.push(id);
        func.az_count[az] += 1;
        let live = func.ees.len() as u32;
        func.totals.peak_ees = func.totals.peak_ees.max(live);
        func.initializing += 1;
        func.initializing_peak = func.initializing_peak.max(func.initializing);
        let epoch = self.ees[id.index()].epoch;
        self.q
            .push(self.clock.now + init, Ev::EeReady { ee: id, epoch });
        id
    }

    /// An EE's init is over: it is Ready (and takes over from the EE it
    /// replaces), or, drained while initializing, it stops.
    pub(super) fn ee_ready(&mut self, id: EeId) {
        let now = self.clock.now;
        let e = &mut self.ees[id.index()];
        if matches!(e.state, EeState::Initializing | EeState::Draining) {
            // Its init is over (a Draining EE here was drained while initializing).
            self.funcs[e.function.index()].initializing -= 1;
        }
        match e.state {
            EeState::Initializing => {}
            // Drained while initializing: it never served.
            EeState::Draining => {
                // A rotation replacement drained before it took over takes the
                // EE it was replacing with it.
                let replaces = e.replaces;
                self.stop_ee(id);
                self.drain_replaced(replaces);
                return;
            }
            _ => return,
        }
        e.state = EeState::Ready;
        // Its first limit window starts now.
        e.settle(now.0);
        e.run_area = 0.0;
        e.busy_area = 0.0;
        e.win_start = now.0;
        e.win_end = match self.provider.ee_overload {
            Some(_) => now.0 + self.provider.ee_window,
            None => u64::MAX,
        };
        let (fi, vcpus, slots, cap) = (e.function.index(), e.vcpus, e.slots, e.cap());
        let replaces = e.replaces.take();
        self.funcs[fi].gauges.ready(now, vcpus, slots, cap, 1.0);
        self.refresh_route(id);
        self.drain_replaced(replaces);
    }

    /// Drains the EE a replacement took over from (or gave up on), unless its
    /// slot has been reused since.
    fn drain_replaced(&mut self, replaces: Option<(EeId, u32)>) {
        if let Some((old, epoch)) = replaces
            && self.ees[old.index()].epoch == epoch
        {
            self.drain_ee(old);
        }
    }

    /// Stops routing to an EE; it stops when its in-flight invocations finish.
    pub(super) fn drain_ee(&mut self, id: EeId) {
        let now = self.clock.now;
        let e = &mut self.ees[id.index()];
        let fi = e.function.index();
        match e.state {
            EeState::Ready => {
                e.state = EeState::Draining;
                let (vcpus, slots, cap) = (e.vcpus, e.slots, e.cap());
                self.funcs[fi].gauges.ready(now, vcpus, slots, cap, -1.0);
                self.refresh_route(id);
                if self.ees[id.index()].inflight == 0 {
                    self.stop_ee(id);
                }
            }
            EeState::Initializing => {
                // Stops when its init ends (see `ee_ready`).
                e.state = EeState::Draining;
            }
            _ => {}
        }
    }

    /// Stops an EE with nothing in flight and frees its slot and its room.
    pub(super) fn stop_ee(&mut self, id: EeId) {
        let e = &mut self.ees[id.index()];
        debug_assert_eq!(e.inflight, 0);
        e.state = EeState::Stopped;
        self.timers.clear(id);
        let (fi, ii, vcpus) = (e.function.index(), e.instance, e.vcpus);
        let mib = self.funcs[fi].shape.memory_mib;
        self.refresh_route(id);
        let f = &mut self.funcs[fi];
        f.gauges.live_vcpus.add(self.clock.now, -(vcpus as i64));
        if let Some(p) = f.ees.iter().position(|&x| x == id) {
            f.ees.swap_remove(p);
        }
        let inst = &mut self.insts[ii.index()];
        f.az_count[inst.az as usize] -= 1;
        inst.used_vcpus -= vcpus;
        inst.used_mib -= mib;
        if let Some(p) = inst.ees.iter().position(|&x| x == id) {
            inst.ees.swap_remove(p);
        }
        self.free_ees.push(id);
        self.maybe_terminate(ii);
    }

    /// Terminates an instance with nothing on it and nothing reserved.
    fn maybe_terminate(&mut self, ii: InstanceId) {
        let inst = &self.insts[ii.index()];
        if inst.state == InstState::Terminated || !inst.ees.is_empty() {
            return;
        }
        if !inst.reservations.is_empty() || !inst.ee_replacements.is_empty() {
            return;
        }
        // A rotation replacement still launching waits for its EEs; a Running
        // instance being replaced waits for its replacement to take over.
        if inst.state == InstState::Launching && inst.replaces.is_some() {
            return;
        }
        let inst = &mut self.insts[ii.index()];
        let vcpus = self.provider.types[inst.ty as usize].vcpus;
        self.books.terminated(self.clock.now, inst, vcpus);
        inst.state = InstState::Terminated;
        self.free_insts.push(ii);
    }

    /// Scale-in: cancels pending reservations first, then drains Ready EEs on
    /// the emptiest instances (ties: newest EE). Returns how many were removed.
    pub(super) fn remove_ees(&mut self, f: FunctionId, n: u32) -> u32 {
        let fi = f.index();
        let mut removed = 0;
        // Pending reservations on launching instances.
        for ii in 0..self.insts.len() {
            if removed == n {
                break;
            }
            let shape = self.funcs[fi].shape;
            let inst = &mut self.insts[ii];
            if inst.state != InstState::Launching {
                continue;
            }
            if let Some(p) = inst.reservations.iter().position(|r| r.0 == f) {
                let take = inst.reservations[p].1.min(n - removed);
                inst.reservations[p].1 -= take;
                if inst.reservations[p].1 == 0 {
                    inst.reservations.swap_remove(p);
                }
                inst.used_vcpus -= take * shape.vcpus;
                inst.used_mib -= take * shape.memory_mib;
                let az = inst.az as usize;
                self.funcs[fi].pending -= take;
                self.funcs[fi].az_count[az] -= take;
                removed += take;
                self.maybe_terminate(InstanceId::of(ii));
            }
        }
        // Initializing, then Ready EEs.
        while removed < n {
            let victim = self.funcs[fi]
                .ees
                .iter()
                .copied()
                .filter(|&id| {
                    let e = &self.ees[id.index()];
                    !e.superseded && matches!(e.state, EeState::Ready | EeState::Initializing)
                })
                .min_by_key(|&id| {
                    let e = &self.ees[id.index()];
                    let on_inst = self.insts[e.instance.index()].ees.len();
                    let init_first = (e.state != EeState::Initializing) as u32;
                    (init_first, on_inst, std::cmp::Reverse(id))
                });
            match victim {
                Some(id) => {
                    self.drain_ee(id);
                    removed += 1;
                }
                None => break,
            }
        }
        removed
    }

    /// Rotation of an instance at its maximum lifetime: launch a replacement of
    /// the same type in the same AZ; its EEs start there and the old ones drain as
    /// they are replaced. If `MaxVCpuCount` refuses the replacement, the old
    /// instance is drained at once and the scaler restores capacity.
    pub(super) fn retire(&mut self, ii: InstanceId) {
        self.books.totals.rotations += 1;
        let (ty, az) = {
            let i = &mut self.insts[ii.index()];
            i.retiring = true;
            (i.ty as usize, i.az)
        };
        if self.insts[ii.index()].ees.is_empty() {
            self.maybe_terminate(ii);
            return;
        }
        if self.launch(ty, az, Some(ii)).is_none() {
            let ees = self.insts[ii.index()].ees.clone();
            for e in ees {
                self.drain_ee(e);
            }
            self.maybe_terminate(ii);
        }
    }

    /// Rotation of an EE at its maximum lifetime: a replacement for the same
    /// function is placed like a scale-out in the EE's AZ, and the old EE
    /// drains once the replacement is Ready. Rolling: while another EE of the
    /// same instance is being replaced, an EE that would need a new instance
    /// waits [`EE_ROTATION_RETRY`] and tries again (the room that rotation
    /// frees will do). If `MaxVCpuCount` refuses the launch, the old EE drains
    /// at once and the scaler restores capacity.
    pub(super) fn retire_ee(&mut self, old: EeId) {
        self.ees[old.index()].superseded = true;
        match self.place_replacement(old) {
            Replacement::Placed => self.books.totals.ee_rotations += 1,
            Replacement::Wait => {
                let e = &mut self.ees[old.index()];
                e.superseded = false;
                let epoch = e.epoch;
                let at = self.clock.now + EE_ROTATION_RETRY;
                self.q.push(at, Ev::EeRetire { ee: old, epoch });
            }
            Replacement::Refused => {
                self.books.totals.ee_rotations += 1;
                self.drain_ee(old);
            }
        }
    }

    /// Starts or reserves a replacement for EE `old` (already marked
    /// superseded) in its AZ.
    fn place_replacement(&mut self, old: EeId) -> Replacement {
        let e = &self.ees[old.index()];
        let (f, epoch, home) = (e.function, e.epoch, e.instance);
        let az = self.insts[home.index()].az;
        let fi = f.index();
        let shape = self.funcs[fi].shape;
        // 1. A Running, non-retiring instance in that AZ with room.
        let on = self.insts.iter().position(|i| {
            i.az == az && i.state == InstState::Running && !i.retiring && i.has_room(shape)
        });
        if let Some(i) = on {
            self.start_ee(f, InstanceId::of(i), Some((old, epoch)));
            return Replacement::Placed;
        }
        // 2. Room on a Launching instance in that AZ: one launched for EEs,
        // or the rotation replacement of the EE's own instance (which has
        // room for every EE of the instance it replaces, and starts no
        // replacement of its own for a superseded one).
        let on = self.insts.iter().position(|i| {
            i.az == az
                && i.state == InstState::Launching
                && (i.replaces.is_none() || i.replaces == Some(home))
                && i.has_room(shape)
        });
        let on = match on {
            Some(i) => InstanceId::of(i),
            None => {
                // 3. Another EE of its instance is being replaced: wait for
                // the room it frees rather than launch an instance.
                let rotating = self.insts[home.index()].ees.iter().any(|&x| {
                    let o = &self.ees[x.index()];
                    x != old && (o.superseded || o.state == EeState::Draining)
                });
                if rotating {
                    return Replacement::Wait;
                }
                // 4. A new instance of the type chosen for the fleet (the old
                // EE, superseded, is not counted; its replacement is).
                let (_, total) = self.counts(f);
                let Some(ty) = self.choose_type(f, total + 1) else {
                    return Replacement::Refused;
                };
                let Some(i) = self.launch(ty, az, None) else {
                    return Replacement::Refused;
                };
                self.funcs[fi].count_launch(ty);
                i
            }
        };
        self.insts[on.index()].reserve_replacement(f, old, epoch, shape);
        let func = &mut self.funcs[fi];
        func.pending += 1;
        func.az_count[az as usize] += 1;
        Replacement::Placed
    }
}

/// How long an EE at its maximum lifetime waits for room that another
/// rotation on its instance is freeing (docs/model.md, "EE lifetime"; our
/// choice).
pub(super) const EE_ROTATION_RETRY: SimDuration = SimDuration(10_000_000);

/// What [`Lmi::place_replacement`] did.
enum Replacement {
    /// Started, or reserved on a launching instance.
    Placed,
    /// Waits for room another rotation on its instance frees.
    Wait,
    /// No type holds the EE, or `MaxVCpuCount` refused the launch.
    Refused,
}
