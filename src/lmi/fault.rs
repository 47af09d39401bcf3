//! Failure injection (docs/model.md, "Faults"): AZ outages, instance
//! failures and EE crashes, what they destroy, and the recovery that follows
//! (the scaler and rotation restore capacity as they would after any loss).
//!
//! Runs at fault events only, which are rare: it may scan the fleet, a
//! function's EEs and the event queue. Nothing here runs on the invocation
//! path, and with no `[[faults]]` nothing here runs at all.

use super::Lmi;
use super::ee::{EeId, EeState};
use super::events::Ev;
use super::fleet::EE_ROTATION_RETRY;
use super::instance::{InstState, InstanceId};
use crate::dist::unit_f64;
use crate::rng::{SimRng, stream};
use crate::scenario::{FaultKind, FaultSpec, Scenario};
use crate::time::{SimDuration, SimTime};

/// One occurrence of a fault and its recovery.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultOccurrence {
    pub at: SimTime,
    /// Instances terminated and EEs stopped by the fault.
    pub instances_lost: u32,
    pub ees_lost: u32,
    /// Invocations in flight on them, lost.
    pub invocations_failed: u64,
    /// Ready EEs and live (Launching or Running) instances just before it.
    pub pre_fault_ees: u32,
    pub pre_fault_instances: u32,
    /// When the Ready EEs were back to `pre_fault_ees` (`None`: not by the
    /// horizon).
    pub recovered_at: Option<SimTime>,
    /// Throttles of every function from the fault to the recovery (or the
    /// horizon).
    pub throttles_during_recovery: u64,
    /// Instances launched during the recovery, and their EC2 (effective
    /// rate) plus management fee from launch to the recovery's end [USD].
    pub recovery_launches: u32,
    pub recovery_cost_usd: f64,
    /// The AZ of each of those launches, in launch order.
    pub recovery_launch_azs: Vec<u32>,
}

/// One `[[faults]]` entry and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRecord {
    pub spec: FaultSpec,
    pub occurrences: Vec<FaultOccurrence>,
}

/// A recovery in progress.
struct Open {
    /// Fault entry and occurrence.
    idx: usize,
    occ: usize,
    throttles_at: u64,
    /// Instances launched since: (launch time, EC2 + fee [USD/h], AZ).
    launched: Vec<(SimTime, f64, u32)>,
}

/// The model's fault state.
pub(super) struct Faults {
    records: Vec<FaultRecord>,
    /// Outages in progress per AZ.
    down: Vec<u32>,
    /// One random stream per entry (`faults`, entry index): adding a fault
    /// shifts no other stream.
    rngs: Vec<SimRng>,
    /// Entries with a per-instance failure rate.
    instance_rates: Vec<u32>,
    /// Per function: entries with a per-EE crash rate.
    ee_rates: Vec<Vec<u32>>,
    open: Vec<Open>,
}

impl Faults {
    pub(super) fn new(sc: &Scenario) -> Self {
        let mut ee_rates = vec![Vec::new(); sc.functions.len()];
        let mut instance_rates = Vec::new();
        for (i, f) in sc.faults.iter().enumerate() {
            match f.kind {
                FaultKind::InstanceFailures { .. } => instance_rates.push(i as u32),
                FaultKind::EeCrashes { function, .. } => ee_rates[function].push(i as u32),
                _ => {}
            }
        }
        Faults {
            records: sc
                .faults
                .iter()
                .map(|s| FaultRecord {
                    spec: s.clone(),
                    occurrences: Vec::new(),
                })
                .collect(),
            down: vec![0; sc.provider.availability_zones as usize],
            rngs: (0..sc.faults.len())
                .map(|i| stream(sc.seed, "faults", i as u64))
                .collect(),
            instance_rates,
            ee_rates,
            open: Vec::new(),
        }
    }

    /// Whether AZ `az` is out.
    #[inline]
    pub(super) fn is_down(&self, az: usize) -> bool {
        self.down.get(az).is_some_and(|&n| n > 0)
    }

    /// Whether a recovery is in progress (launches are then recorded).
    #[inline]
    pub(super) fn recovering(&self) -> bool {
        !self.open.is_empty()
    }

    /// An instance was launched at `at` costing `usd_h`: part of every
    /// recovery in progress.
    pub(super) fn launched(&mut self, at: SimTime, usd_h: f64, az: u32) {
        for o in &mut self.open {
            o.launched.push((at, usd_h, az));
        }
    }

    /// An exponential time of mean `mean` from entry `idx`'s stream (at least 1 µs).
    fn draw(&mut self, idx: usize, mean: SimDuration) -> SimDuration {
        let u = unit_f64(&mut self.rngs[idx]);
        let t = -(mean.0 as f64) * (1.0 - u).ln();
        SimDuration((t.ceil() as u64).max(1))
    }

    /// Closes recovery `k` at `at`, with `throttles` thrown by then.
    fn close(&mut self, k: usize, at: SimTime, throttles: u64, recovered: bool) {
        let o = self.open.swap_remove(k);
        let occ = &mut self.records[o.idx].occurrences[o.occ];
        if recovered {
            occ.recovered_at = Some(at);
        }
        occ.throttles_during_recovery = throttles - o.throttles_at;
        occ.recovery_launches = o.launched.len() as u32;
        // From +0.0: an empty float sum is -0.0.
        occ.recovery_cost_usd = o.launched.iter().fold(0.0, |c, &(t, usd_h, _)| {
            c + at.since(t).as_secs_f64() / 3600.0 * usd_h
        });
        occ.recovery_launch_azs = o.launched.iter().map(|l| l.2).collect();
    }

    /// The records, recoveries still open closed at the horizon.
    pub(super) fn finish(mut self, horizon: SimTime, throttles: u64) -> Vec<FaultRecord> {
        // Highest index first: `close` swaps the last one in.
        while !self.open.is_empty() {
            self.close(self.open.len() - 1, horizon, throttles, false);
        }
        self.records
    }
}

impl Lmi {
    /// Queues every fault's timed occurrences.
    pub(super) fn schedule_faults(&mut self, sc: &Scenario) {
        for (i, f) in sc.faults.iter().enumerate() {
            for &at in &f.at {
                self.q.push(at, Ev::FaultAt { idx: i as u32 });
            }
        }
    }

    /// Throttles of every function so far.
    fn throttles_so_far(&self) -> u64 {
        self.funcs
            .iter()
            .map(|f| f.ledger.totals().throttles.total())
            .sum()
    }

    /// Ready EEs of every function now.
    fn ready_ees(&self) -> u32 {
        self.funcs
            .iter()
            .map(|f| f.gauges.ready_ees.value() as u32)
            .sum()
    }

    /// The model's throttles so far, for [`Faults::finish`].
    pub(super) fn fault_records(&mut self, horizon: SimTime) -> Vec<super::FaultRecord> {
        let throttles = self.throttles_so_far();
        let faults = std::mem::replace(&mut self.faults, Faults::empty());
        faults.finish(horizon, throttles)
    }

    /// A fault event.
    pub(super) fn fault_event(&mut self, ev: Ev) {
        match ev {
            Ev::FaultAt { idx } => self.fault_at(idx as usize),
            Ev::AzBack { idx } => {
                if let FaultKind::AzOutage { az, .. } = self.faults.records[idx as usize].spec.kind
                {
                    self.faults.down[az as usize] -= 1;
                }
            }
            Ev::InstanceFail { inst, tag, idx } => {
                let i = &self.insts[inst.index()];
                if i.tag == tag && i.state == InstState::Running {
                    self.occurrence(idx as usize, |m| {
                        let (e, n) = m.kill_instance(inst);
                        (1, e, n)
                    });
                }
            }
            Ev::EeCrash { ee, epoch, idx } => {
                let e = &self.ees[ee.index()];
                if e.epoch == epoch && matches!(e.state, EeState::Ready | EeState::Draining) {
                    self.occurrence(idx as usize, |m| (0, 1, m.crash_ee(ee, true)));
                }
            }
            _ => {}
        }
    }

    /// Fault entry `idx` happens now (one of its `at` times).
    fn fault_at(&mut self, idx: usize) {
        match self.faults.records[idx].spec.kind.clone() {
            FaultKind::AzOutage { az, duration } => {
                self.faults.down[az as usize] += 1;
                let at = self.clock.now + duration;
                self.q.push(at, Ev::AzBack { idx: idx as u32 });
                self.occurrence(idx, |m| {
                    let victims: Vec<InstanceId> = (0..m.insts.len())
                        .filter(|&i| {
                            let x = &m.insts[i];
                            x.az as u32 == az && x.state != InstState::Terminated
                        })
                        .map(InstanceId::of)
                        .collect();
                    let (mut ees, mut failed) = (0, 0);
                    for &i in &victims {
                        let (e, n) = m.kill_instance(i);
                        ees += e;
                        failed += n;
                    }
                    (victims.len() as u32, ees, failed)
                });
            }
            FaultKind::InstanceFailure { az } => {
                // The oldest Running instance (ties: lowest slot).
                let victim = (0..self.insts.len())
                    .filter(|&i| {
                        let x = &self.insts[i];
                        x.state == InstState::Running && az.is_none_or(|a| x.az as u32 == a)
                    })
                    .min_by_key(|&i| (self.insts[i].launched_at, i))
                    .map(InstanceId::of);
                self.occurrence(idx, |m| match victim {
                    Some(i) => {
                        let (e, n) = m.kill_instance(i);
                        (1, e, n)
                    }
                    None => (0, 0, 0),
                });
            }
            FaultKind::EeCrash { function } => {
                // The Ready EE with the most in flight (ties: lowest id).
                let victim = self.funcs[function]
                    .ees
                    .iter()
                    .copied()
                    .filter(|&e| self.ees[e.index()].state == EeState::Ready)
                    .max_by_key(|&e| (self.ees[e.index()].inflight, std::cmp::Reverse(e)));
                self.occurrence(idx, |m| match victim {
                    Some(e) => (0, 1, m.crash_ee(e, true)),
                    None => (0, 0, 0),
                });
            }
            FaultKind::InstanceFailures { .. } | FaultKind::EeCrashes { .. } => {}
        }
    }

    /// Records an occurrence of entry `idx`: the fleet before, what `hit`
    /// destroyed (instances, EEs, invocations), and opens its recovery.
    fn occurrence(&mut self, idx: usize, hit: impl FnOnce(&mut Self) -> (u32, u32, u64)) {
        let now = self.clock.now;
        let pre_fault_ees = self.ready_ees();
        let pre_fault_instances = self
            .insts
            .iter()
            .filter(|i| i.state != InstState::Terminated)
            .count() as u32;
        let throttles_at = self.throttles_so_far();
        let (instances_lost, ees_lost, invocations_failed) = hit(self);
        let rec = &mut self.faults.records[idx];
        rec.occurrences.push(FaultOccurrence {
            at: now,
            instances_lost,
            ees_lost,
            invocations_failed,
            pre_fault_ees,
            pre_fault_instances,
            recovered_at: None,
            throttles_during_recovery: 0,
            recovery_launches: 0,
            recovery_cost_usd: 0.0,
            recovery_launch_azs: Vec::new(),
        });
        let occ = rec.occurrences.len() - 1;
        // Launches the fault's own reaction made are part of the recovery.
        self.faults.open.push(Open {
            idx,
            occ,
            throttles_at,
            launched: Vec::new(),
        });
        self.check_recovery();
    }

    /// Closes the recoveries whose pre-fault Ready EEs are back (after an
    /// EE became Ready, or at the fault itself if it destroyed nothing).
    pub(super) fn check_recovery(&mut self) {
        let ready = self.ready_ees();
        let now = self.clock.now;
        let mut k = 0;
        while k < self.faults.open.len() {
            let o = &self.faults.open[k];
            let pre = self.faults.records[o.idx].occurrences[o.occ].pre_fault_ees;
            if ready >= pre {
                let throttles = self.throttles_so_far();
                self.faults.close(k, now, throttles, true);
            } else {
                k += 1;
            }
        }
    }

    /// Queues the failures of a Running instance under every per-instance
    /// failure rate that covers its AZ.
    pub(super) fn arm_instance_faults(&mut self, inst: InstanceId) {
        let (az, tag) = {
            let i = &self.insts[inst.index()];
            (i.az as u32, i.tag)
        };
        for k in 0..self.faults.instance_rates.len() {
            let idx = self.faults.instance_rates[k];
            let FaultKind::InstanceFailures { mtbf, az: only } =
                self.faults.records[idx as usize].spec.kind
            else {
                continue;
            };
            if only.is_some_and(|a| a != az) {
                continue;
            }
            let at = self.clock.now + self.faults.draw(idx as usize, mtbf);
            self.q.push(at, Ev::InstanceFail { inst, tag, idx });
        }
    }

    /// Queues the crashes of a Ready EE under its function's crash rates.
    pub(super) fn arm_ee_faults(&mut self, ee: EeId) {
        let (fi, epoch) = {
            let e = &self.ees[ee.index()];
            (e.function.index(), e.epoch)
        };
        for k in 0..self.faults.ee_rates[fi].len() {
            let idx = self.faults.ee_rates[fi][k];
            let FaultKind::EeCrashes { mtbf, .. } = self.faults.records[idx as usize].spec.kind
            else {
                continue;
            };
            let at = self.clock.now + self.faults.draw(idx as usize, mtbf);
            self.q.push(at, Ev::EeCrash { ee, epoch, idx });
        }
    }

    /// Whether the scenario has per-EE crash rates for function `fi`.
    #[inline]
    pub(super) fn ee_faults_armed(&self, fi: usize) -> bool {
        self.faults.ee_rates.get(fi).is_some_and(|r| !r.is_empty())
    }

    /// Whether the scenario has per-instance failure rates.
    #[inline]
    pub(super) fn instance_faults_armed(&self) -> bool {
        !self.faults.instance_rates.is_empty()
    }

    /// EE `id` crashes: its in-flight invocations fail (their sources are
    /// told), and it stops at once; with `restart` (an EE crash, not its
    /// instance's) a new EE of its function starts in its place on the same
    /// instance, with a new init. Returns how many invocations failed.
    pub(super) fn crash_ee(&mut self, id: EeId, restart: bool) -> u64 {
        let now = self.clock.now;
        let e = &mut self.ees[id.index()];
        if e.state == EeState::Stopped {
            return 0;
        }
        let (f, state) = (e.function, e.state);
        let fi = f.index();
        e.settle(now.0);
        let busy = e.busy_vcpus();
        let lost = e.inflight as u64;
        // Drained while initializing: a Ready EE that drains stops at its
        // last completion, so a Draining one with nothing in flight never
        // became Ready.
        let initializing =
            state == EeState::Initializing || (state == EeState::Draining && e.inflight == 0);
        let notices = &mut self.clock.notices;
        for j in &e.jobs {
            notices.failed(f, j.tag);
        }
        // CPU phases end here; I/O phases are queued completions.
        self.q.cancel_io(id, |tag| notices.failed(f, tag));
        if busy > 0 {
            let e = &mut self.ees[id.index()];
            e.jobs.clear();
            self.busy_changed(id, -(busy as i64));
        }
        let e = &mut self.ees[id.index()];
        e.jobs.clear();
        let (vcpus, slots, cap) = (e.vcpus, e.slots, e.cap());
        e.inflight = 0;
        let replaces = e.replaces.take();
        e.state = EeState::Draining;
        let func = &mut self.funcs[fi];
        if state == EeState::Ready {
            func.gauges.ready(now, vcpus, slots, cap, -1.0);
        }
        if initializing {
            func.initializing -= 1;
        }
        func.gauges.inflight.add(now, -(lost as i64));
        func.ledger.fail(lost);
        if restart && state == EeState::Ready {
            // Started first: its instance, never empty, does not terminate.
            let on = self.ees[id.index()].instance;
            self.start_ee(f, on, None);
        }
        self.stop_ee(id);
        // A rotation replacement lost before it took over: the EE it was
        // replacing drains, and the scaler restores the capacity.
        if let Some((old, epoch)) = replaces
            && self.ees[old.index()].epoch == epoch
        {
            self.drain_ee(old);
        }
        lost
    }

    /// Instance `ii` fails: its EEs crash, its reservations are dropped, and
    /// it terminates at once (billing stops). Returns (EEs lost, invocations
    /// failed).
    pub(super) fn kill_instance(&mut self, ii: InstanceId) -> (u32, u64) {
        let now = self.clock.now;
        if self.insts[ii.index()].state == InstState::Terminated {
            return (0, 0);
        }
        let inst = &mut self.insts[ii.index()];
        let az = inst.az as usize;
        let state = inst.state;
        let replaces = inst.replaces;
        let reservations = std::mem::take(&mut inst.reservations);
        let replacements = std::mem::take(&mut inst.ee_replacements);
        for (f, n) in reservations {
            let shape = self.funcs[f.index()].shape;
            let inst = &mut self.insts[ii.index()];
            inst.used_vcpus -= n * shape.vcpus;
            inst.used_mib -= n * shape.memory_mib;
            let func = &mut self.funcs[f.index()];
            func.pending -= n;
            func.az_count[az] -= n;
        }
        for (f, old, epoch) in replacements {
            let shape = self.funcs[f.index()].shape;
            let inst = &mut self.insts[ii.index()];
            inst.used_vcpus -= shape.vcpus;
            inst.used_mib -= shape.memory_mib;
            let func = &mut self.funcs[f.index()];
            func.pending -= 1;
            func.az_count[az] -= 1;
            // The EE it was for rotates again later.
            let e = &mut self.ees[old.index()];
            if e.epoch == epoch && e.superseded && e.state == EeState::Ready {
                e.superseded = false;
                let at = now + EE_ROTATION_RETRY;
                self.q.push(at, Ev::EeRetire { ee: old, epoch });
            }
        }
        // A rotation replacement lost while launching: the instance it was
        // to replace rotates again.
        if state == InstState::Launching
            && let Some(old) = replaces
        {
            let o = &mut self.insts[old.index()];
            if o.state == InstState::Running && o.retiring {
                o.retiring = false;
                let tag = o.tag;
                self.q.push(now, Ev::Retire { inst: old, tag });
            }
        }
        // A replacement still launching for this one has nothing to replace.
        for other in &mut self.insts {
            if other.state == InstState::Launching && other.replaces == Some(ii) {
                other.replaces = None;
            }
        }
        let ees = self.insts[ii.index()].ees.clone();
        let mut failed = 0;
        for &e in &ees {
            failed += self.crash_ee(e, false);
        }
        let inst = &mut self.insts[ii.index()];
        if inst.state != InstState::Terminated {
            let vcpus = self.provider.types[inst.ty as usize].vcpus;
            self.books.terminated(now, inst, vcpus);
            inst.state = InstState::Terminated;
            self.free_insts.push(ii);
        }
        (ees.len() as u32, failed)
    }
}

impl Faults {
    /// No faults (what `fault_records` leaves behind).
    fn empty() -> Self {
        Faults {
            records: Vec::new(),
            down: Vec::new(),
            rngs: Vec::new(),
            instance_rates: Vec::new(),
            ee_rates: Vec::new(),
            open: Vec::new(),
        }
    }
}
