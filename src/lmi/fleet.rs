//! Fleet lifecycle: placing EEs on instances (packed by vCPU and memory, spread
//! over AZs), launching and terminating instances within `MaxVCpuCount`,
//! draining, and the 14-day rotation (replacement first, then drain).
//!
//! These run at scaler ticks, scheduled changes and lifecycle events, never per
//! invocation, so they may scan a function's EEs or an AZ's instances.

use super::*;

impl Lmi {
    /// Builds the already-active fleet of a warm start: every function gets the
    /// EEs its t = 0 traffic needs at the CPU target (at least its minimum), Ready
    /// at t = 0 on instances Running at t = 0.
    pub(super) fn warm_start(&mut self, sc: &Scenario, rates: &[f64]) {
        for (fi, spec) in sc.functions.iter().enumerate() {
            if self.funcs[fi].deactivated {
                continue;
            }
            let rate = rates.get(fi).copied().unwrap_or(0.0);
            let cpu_s = spec.work.cpu.mean_us() / 1e6;
            let io_s = spec.work.io.mean_us() / 1e6;
            let per_ee_cpu = rate * cpu_s / spec.ee_vcpus().max(1) as f64;
            let per_ee_slots = rate * (cpu_s + io_s) / spec.max_concurrency.max(1) as f64;
            let need = (per_ee_cpu.max(per_ee_slots) / self.target).ceil() as u32;
            let f = &self.funcs[fi];
            let n = need.clamp(f.min, f.max);
            self.place(fi, n);
        }
        // Everything requested at t = 0 is there at t = 0.
        let insts: Vec<u32> = (0..self.insts.len() as u32)
            .filter(|&i| self.insts[i as usize].state == InstState::Launching)
            .collect();
        let n_insts = insts.len().max(1) as u64;
        for (k, i) in insts.into_iter().enumerate() {
            self.instance_running(i);
            if sc.model.warm_fleet_ages == crate::scenario::WarmFleetAges::Spread {
                // Age spread evenly: instance k is k/n of a lifetime old.
                let age = self.lifetime.0 * k as u64 / n_insts;
                let inst = &mut self.insts[i as usize];
                let tag = inst.tag;
                let retire_at = SimTime(self.lifetime.0 - age);
                self.q.push(retire_at, Ev::Retire { inst: i, tag });
            }
        }
        let ids: Vec<u32> = (0..self.ees.len() as u32)
            .filter(|&e| self.ees[e as usize].state == EeState::Initializing)
            .collect();
        for e in ids {
            self.ee_ready(e);
            // Its pending EeReady event is now stale: make it a no-op.
            let ee = &mut self.ees[e as usize];
            ee.epoch = ee.epoch.wrapping_add(1);
        }
        // The InstanceRunning events of those instances are no-ops (state check).
        // A warm fleet was never seen launching or initializing.
        self.launching_peak = self.launching;
        for f in &mut self.funcs {
            f.initializing_peak = f.initializing;
        }
    }

    /// Starts up to `n` EEs for function `fi`: on Running instances with room,
    /// else reserved on Launching ones, else on newly launched instances. Each EE
    /// goes to the AZ where the function has the fewest EEs. Returns how many were
    /// started or reserved (fewer when `MaxVCpuCount` refuses launches).
    pub(super) fn place(&mut self, fi: usize, n: u32) -> u32 {
        let shape = self.funcs[fi].shape;
        let mut placed = 0;
        'each: for _ in 0..n {
            // AZ with the fewest EEs of this function (ties: lowest index).
            let az = (0..self.azs as usize)
                .min_by_key(|&a| (self.funcs[fi].az_count[a], a))
                .unwrap_or(0);
            // 1. A Running, non-retiring instance in that AZ with room.
            let mut target = None;
            for (i, inst) in self.insts.iter().enumerate() {
                if inst.az as usize == az
                    && inst.state == InstState::Running
                    && !inst.retiring
                    && inst.usable_vcpus - inst.used_vcpus >= shape.vcpus
                    && inst.usable_mib - inst.used_mib >= shape.memory_mib
                {
                    target = Some(i as u32);
                    break;
                }
            }
            if let Some(i) = target {
                self.start_ee(fi, i, NONE);
                placed += 1;
                continue 'each;
            }
            // 2. Room on a Launching instance in that AZ: reserve it.
            for inst in self.insts.iter_mut() {
                if inst.az as usize == az
                    && inst.state == InstState::Launching
                    && inst.replaces == NONE
                    && inst.usable_vcpus - inst.used_vcpus >= shape.vcpus
                    && inst.usable_mib - inst.used_mib >= shape.memory_mib
                {
                    inst.used_vcpus += shape.vcpus;
                    inst.used_mib += shape.memory_mib;
                    add_reservation(&mut inst.reservations, fi as u32);
                    self.funcs[fi].pending += 1;
                    self.funcs[fi].az_count[az] += 1;
                    placed += 1;
                    continue 'each;
                }
            }
            // 3. Launch an instance in that AZ.
            let Some(ty) = self.type_choice[fi] else {
                break;
            };
            match self.launch(ty, az as u8, NONE) {
                Some(i) => {
                    let inst = &mut self.insts[i as usize];
                    inst.used_vcpus += shape.vcpus;
                    inst.used_mib += shape.memory_mib;
                    add_reservation(&mut inst.reservations, fi as u32);
                    self.funcs[fi].pending += 1;
                    self.funcs[fi].az_count[az] += 1;
                    placed += 1;
                }
                None => break,
            }
        }
        placed
    }

    /// Requests an instance. `None` when `MaxVCpuCount` would be exceeded.
    pub(super) fn launch(&mut self, ty: usize, az: u8, replaces: u32) -> Option<u32> {
        let t = &self.types[ty];
        if self.vcpus_total + t.vcpus > self.max_vcpu {
            self.refused_this_tick += 1;
            self.provider.launches_refused += 1;
            return None;
        }
        self.launches_this_tick += 1;
        self.provider.launches += 1;
        let (uv, um) = policy::usable(t, self.reserve_vcpus, self.reserve_mib);
        let now = self.now;
        let inst = Instance {
            ty: ty as u16,
            az,
            state: InstState::Launching,
            tag: 0,
            launched_at: now,
            usable_vcpus: uv,
            // busy as f64 >= threshold × usable, for a whole busy count.
            reject_at: if uv > 0 {
                ceil_u32(self.reject_threshold * uv as f64)
            } else {
                u32::MAX
            },
            usable_mib: um,
            used_vcpus: 0,
            used_mib: 0,
            busy: 0,
            cpu_blocked: false,
            ees: Vec::new(),
            reservations: Vec::new(),
            retiring: false,
            replaces,
            od_usd_h: t.ondemand_usd_per_hour,
            eff_usd_h: self.eff_price[ty],
        };
        let vcpus = t.vcpus;
        let id = match self.free_insts.pop() {
            Some(id) => {
                let tag = self.insts[id as usize].tag.wrapping_add(1);
                let old_ees = std::mem::take(&mut self.insts[id as usize].ees);
                self.insts[id as usize] = Instance {
                    tag,
                    ees: old_ees,
                    ..inst
                };
                id
            }
            None => {
                self.insts.push(inst);
                (self.insts.len() - 1) as u32
            }
        };
        self.vcpus_total += vcpus;
        self.launching += 1;
        self.launching_peak = self.launching_peak.max(self.launching);
        self.provider.peak_vcpus = self.provider.peak_vcpus.max(self.vcpus_total);
        self.g_instances.add(now, 1.0);
        let live = self.g_instances.value() as u32;
        self.provider.peak_instances = self.provider.peak_instances.max(live);
        let (od, eff) = (
            self.insts[id as usize].od_usd_h,
            self.insts[id as usize].eff_usd_h,
        );
        self.g_od_rate.add(now, od);
        self.g_eff_rate.add(now, eff);
        let delay = self.launch_delay.sample(&mut self.rng_launch);
        let tag = self.insts[id as usize].tag;
        self.q
            .push(now + delay, Ev::InstanceRunning { inst: id, tag });
        Some(id)
    }

    pub(super) fn instance_running(&mut self, id: u32) {
        let now = self.now;
        let inst = &mut self.insts[id as usize];
        if inst.state != InstState::Launching {
            return;
        }
        inst.state = InstState::Running;
        self.launching -= 1;
        let usable = inst.usable_vcpus as f64;
        let tag = inst.tag;
        let reservations = std::mem::take(&mut inst.reservations);
        let replaces = inst.replaces;
        self.g_usable.add(now, usable);
        self.q
            .push(now + self.lifetime, Ev::Retire { inst: id, tag });
        for (fi, count) in reservations {
            let shape = self.funcs[fi as usize].shape;
            for _ in 0..count {
                // The reservation already holds the room: release, then start.
                let inst = &mut self.insts[id as usize];
                inst.used_vcpus -= shape.vcpus;
                inst.used_mib -= shape.memory_mib;
                self.funcs[fi as usize].pending -= 1;
                let az = self.insts[id as usize].az as usize;
                self.funcs[fi as usize].az_count[az] -= 1;
                self.start_ee(fi as usize, id, NONE);
            }
        }
        if replaces != NONE {
            // Rotation: start a replacement for every live EE of the old instance.
            let old: Vec<u32> = self.insts[replaces as usize].ees.clone();
            for eid in old {
                let e = &self.ees[eid as usize];
                if matches!(e.state, EeState::Ready | EeState::Initializing) && !e.superseded {
                    let fi = e.function as usize;
                    let shape = self.funcs[fi].shape;
                    let r = &self.insts[id as usize];
                    if r.usable_vcpus - r.used_vcpus >= shape.vcpus
                        && r.usable_mib - r.used_mib >= shape.memory_mib
                    {
                        self.ees[eid as usize].superseded = true;
                        self.start_ee(fi, id, eid);
                    } else {
                        self.drain_ee(eid);
                    }
                }
            }
            self.maybe_terminate(replaces);
        }
        self.maybe_terminate(id);
    }

    /// Creates an Initializing EE of `fi` on instance `ii`.
    pub(super) fn start_ee(&mut self, fi: usize, ii: u32, replaces: u32) -> u32 {
        let f = &self.funcs[fi];
        let (vcpus, mib, slots) = (f.shape.vcpus, f.shape.memory_mib, f.slots);
        let init = f.init_base + f.init.sample(&mut self.rng_init);
        let ee = Ee {
            function: fi as u32,
            instance: ii,
            state: EeState::Initializing,
            vcpus,
            slots,
            inflight: 0,
            jobs: Vec::new(),
            vtime: 0.0,
            vtime_at: self.now.0,
            sched_at: u64::MAX,
            superseded: false,
            replaces,
            blocked_free: false,
            epoch: 0,
        };
        let id = match self.free_ees.pop() {
            Some(id) => {
                let old = &mut self.ees[id as usize];
                let mut jobs = std::mem::take(&mut old.jobs);
                jobs.clear();
                let epoch = old.epoch.wrapping_add(1);
                *old = Ee { jobs, epoch, ..ee };
                id
            }
            None => {
                self.ees.push(ee);
                self.links.grow(self.ees.len());
                (self.ees.len() - 1) as u32
            }
        };
        // A job heap sized for the slots: no growth on the invocation path.
        let e = &mut self.ees[id as usize];
        if e.jobs.capacity() < slots as usize {
            e.jobs.reserve(slots as usize);
        }
        let inst = &mut self.insts[ii as usize];
        inst.used_vcpus += vcpus;
        inst.used_mib += mib;
        inst.ees.push(id);
        let az = inst.az as usize;
        let f = &mut self.funcs[fi];
        f.ees.push(id);
        f.az_count[az] += 1;
        let live = f.ees.len() as u32;
        f.totals.peak_ees = f.totals.peak_ees.max(live);
        f.initializing += 1;
        f.initializing_peak = f.initializing_peak.max(f.initializing);
        let epoch = self.ees[id as usize].epoch;
        self.q.push(self.now + init, Ev::EeReady { ee: id, epoch });
        id
    }

    pub(super) fn ee_ready(&mut self, id: u32) {
        let now = self.now;
        let e = &mut self.ees[id as usize];
        if matches!(e.state, EeState::Initializing | EeState::Draining) {
            // Its init is over (a Draining EE here was drained while initializing).
            self.funcs[e.function as usize].initializing -= 1;
        }
        match e.state {
            EeState::Initializing => {}
            // Drained while initializing: it never served.
            EeState::Draining => {
                // A rotation replacement drained before it took over takes the
                // EE it was replacing with it.
                let replaces = e.replaces;
                self.stop_ee(id);
                if replaces != NONE {
                    self.drain_ee(replaces);
                }
                return;
            }
            _ => return,
        }
        e.state = EeState::Ready;
        let (fi, vcpus, slots, replaces) = (e.function as usize, e.vcpus, e.slots, e.replaces);
        let f = &mut self.funcs[fi];
        f.ready_vcpus.add(now, vcpus as f64);
        f.ready_slots.add(now, slots as f64);
        f.ready_ees.add(now, 1.0);
        self.refresh_route(id);
        if replaces != NONE {
            self.ees[id as usize].replaces = NONE;
            self.drain_ee(replaces);
        }
    }

    /// Stops routing to an EE; it stops when its in-flight invocations finish.
    pub(super) fn drain_ee(&mut self, id: u32) {
        let now = self.now;
        let e = &mut self.ees[id as usize];
        let fi = e.function as usize;
        match e.state {
            EeState::Ready => {
                e.state = EeState::Draining;
                let (vcpus, slots) = (e.vcpus, e.slots);
                let f = &mut self.funcs[fi];
                f.ready_vcpus.add(now, -(vcpus as f64));
                f.ready_slots.add(now, -(slots as f64));
                f.ready_ees.add(now, -1.0);
                self.refresh_route(id);
                if self.ees[id as usize].inflight == 0 {
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

    pub(super) fn stop_ee(&mut self, id: u32) {
        let e = &mut self.ees[id as usize];
        debug_assert_eq!(e.inflight, 0);
        e.state = EeState::Stopped;
        e.sched_at = u64::MAX;
        self.timers.clear(id);
        let (fi, ii, vcpus) = (e.function as usize, e.instance, e.vcpus);
        let mib = self.funcs[fi].shape.memory_mib;
        self.refresh_route(id);
        let f = &mut self.funcs[fi];
        if let Some(p) = f.ees.iter().position(|&x| x == id) {
            f.ees.swap_remove(p);
        }
        let inst = &mut self.insts[ii as usize];
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
    fn maybe_terminate(&mut self, ii: u32) {
        let inst = &self.insts[ii as usize];
        if inst.state == InstState::Terminated || !inst.ees.is_empty() {
            return;
        }
        if !inst.reservations.is_empty() {
            return;
        }
        // A rotation replacement still launching waits for its EEs; a Running
        // instance being replaced waits for its replacement to take over.
        if inst.state == InstState::Launching && inst.replaces != NONE {
            return;
        }
        let now = self.now;
        let inst = &mut self.insts[ii as usize];
        match inst.state {
            InstState::Running => self.g_usable.add(now, -(inst.usable_vcpus as f64)),
            InstState::Launching => self.launching -= 1,
            InstState::Terminated => {}
        }
        inst.state = InstState::Terminated;
        let secs = now.since(inst.launched_at).as_secs_f64();
        self.provider.instance_seconds[inst.ty as usize] += secs;
        let (od, eff, ty) = (inst.od_usd_h, inst.eff_usd_h, inst.ty);
        self.g_od_rate.add(now, -od);
        self.g_eff_rate.add(now, -eff);
        self.g_instances.add(now, -1.0);
        self.vcpus_total -= self.types[ty as usize].vcpus;
        self.free_insts.push(ii);
    }

    /// Scale-in: cancels pending reservations first, then drains Ready EEs on
    /// the emptiest instances (ties: newest EE). Returns how many were removed.
    pub(super) fn remove_ees(&mut self, fi: usize, n: u32) -> u32 {
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
            if let Some(p) = inst.reservations.iter().position(|r| r.0 == fi as u32) {
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
                self.maybe_terminate(ii as u32);
            }
        }
        // Initializing, then Ready EEs.
        while removed < n {
            let victim = self.funcs[fi]
                .ees
                .iter()
                .copied()
                .filter(|&id| {
                    let e = &self.ees[id as usize];
                    !e.superseded && matches!(e.state, EeState::Ready | EeState::Initializing)
                })
                .min_by_key(|&id| {
                    let e = &self.ees[id as usize];
                    let on_inst = self.insts[e.instance as usize].ees.len();
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
    pub(super) fn retire(&mut self, ii: u32) {
        self.provider.rotations += 1;
        let (ty, az) = {
            let i = &mut self.insts[ii as usize];
            i.retiring = true;
            (i.ty as usize, i.az)
        };
        if self.insts[ii as usize].ees.is_empty() {
            self.maybe_terminate(ii);
            return;
        }
        if self.launch(ty, az, ii).is_none() {
            let ees = self.insts[ii as usize].ees.clone();
            for e in ees {
                self.drain_ee(e);
            }
            self.maybe_terminate(ii);
        }
    }
}

fn add_reservation(r: &mut Vec<(u32, u32)>, fi: u32) {
    match r.iter_mut().find(|x| x.0 == fi) {
        Some(x) => x.1 += 1,
        None => r.push((fi, 1)),
    }
}
