//! The invocation path (docs/model.md, "Routing and throttling" and
//! "Processor sharing"): an arrival is routed to the least-loaded EE, runs its
//! CPU phase under processor sharing, then its I/O phase, and completes.
//!
//! Runs once or more per invocation: it must allocate nothing, scan no list
//! (apart from an instance's EEs when its CPU-blocked state flips) and keep
//! to O(log n) work.

use super::Lmi;
use super::ee::{EeId, EeState, Job};
use super::events::Ev;
use super::route::Slot;
use crate::invocation::{Arrival, ThrottleReason};
use crate::platform::Admission;
use crate::time::SimTime;

impl Lmi {
    /// Offers one invocation (after `advance_to(a.at)`).
    #[inline]
    pub(super) fn admit(&mut self, a: &Arrival) -> Admission {
        let now = a.at;
        let f = &mut self.funcs[a.function.index()];
        f.ledger.arrival();
        let best = if f.deactivated { None } else { f.route.best() };
        let Some(id) = best else {
            let reason = if f.deactivated {
                ThrottleReason::Deactivated
            } else if f.route.parked_cpu() > 0 {
                ThrottleReason::CPUThrottles
            } else if f.route.parked_memory() > 0 {
                ThrottleReason::MemoryThrottles
            } else {
                ThrottleReason::ConcurrencyThrottles
            };
            f.ledger.throttle(reason);
            return Admission::Throttled(reason);
        };
        f.ledger.accept();
        f.gauges.inflight.add(now, 1);
        let infl = f.gauges.inflight.value() as u32;
        if infl > f.totals.peak_in_flight {
            f.totals.peak_in_flight = infl;
        }
        // The EE was routable (Ready, below its limits, not blocked): only
        // its load, and whether it is still below its limits, can change.
        let e = &mut self.ees[id.index()];
        e.inflight += 1;
        let cpu_scale = e.cpu_scale;
        if now.0 >= e.win_end {
            self.adapt_limit(id);
        } else if e.inflight < e.cap() {
            f.route.update(&mut self.links, id, e.inflight);
        } else if e.inflight >= e.slots {
            f.route.remove(&mut self.links, id);
        } else {
            self.refresh_route(id);
            self.arm_limit_wake(id);
        }
        if a.cpu.0 > 0 {
            // The work at default Lambda's CPU speed, on this EE's CPU: one
            // multiply, skipped at the default speed (docs/model.md, "CPU speed").
            let cpu = if cpu_scale == 1.0 {
                a.cpu.0
            } else {
                ((a.cpu.0 as f64 * cpu_scale + 0.5) as u64).max(1)
            };
            self.start_cpu(id, cpu, a.io.0, now.0, a.tag);
        } else if a.io.0 > 0 {
            self.q.push(
                now + a.io,
                Ev::IoDone {
                    ee: id,
                    tag: a.tag,
                    arrival: now.0,
                },
            );
        } else {
            self.complete(id, a.tag, now.0);
        }
        Admission::Accepted
    }

    /// Starts an invocation's CPU phase of `cpu` µs on EE `id`; its I/O phase
    /// of `io` µs follows.
    #[inline]
    pub(super) fn start_cpu(&mut self, id: EeId, cpu: u64, io: u64, arrival: u64, tag: u32) {
        let now = self.clock.now.0;
        let e = &mut self.ees[id.index()];
        if e.jobs.is_empty() {
            // An idle EE: the job runs alone at rate 1 and its CPU phase ends
            // after exactly `cpu` (what the general path computes, in floats).
            e.vtime = 0.0;
            e.vtime_at = now;
            e.jobs.push(Job {
                finish_v: cpu as f64,
                io,
                arrival,
                tag,
            });
            self.timers.set(id, now + cpu);
            self.busy_changed(id, 1);
            return;
        }
        e.settle(now);
        let before = e.busy_vcpus();
        e.push_job(Job {
            finish_v: e.vtime + cpu as f64,
            io,
            arrival,
            tag,
        });
        let after = e.busy_vcpus();
        self.reschedule_cpu(id);
        if after != before {
            self.busy_changed(id, after as i64 - before as i64);
        }
    }

    /// Moves the EE's CPU timer to its next CPU completion (the timer heap is
    /// the one record of it: setting the time it already has is a no-op).
    #[inline]
    pub(super) fn reschedule_cpu(&mut self, id: EeId) {
        match self.ees[id.index()].cpu_due(self.clock.now.0) {
            Some(at) => self.timers.set(id, at),
            None => self.timers.clear(id),
        }
    }

    /// EE `id`'s CPU timer fired: its due jobs leave their CPU phase for their
    /// I/O phase (or complete).
    pub(super) fn cpu_done(&mut self, id: EeId) {
        let now = self.clock.now.0;
        self.cpu_fired += 1;
        let e = &mut self.ees[id.index()];
        e.settle(now);
        let before = e.busy_vcpus();
        // Ceil-rounded event times mean vtime has reached every due finish.
        while let Some(j) = e.jobs.first().copied() {
            if j.finish_v > e.vtime + 1e-6 {
                break;
            }
            e.pop_job();
            if j.io > 0 {
                self.q.push(
                    SimTime(now + j.io),
                    Ev::IoDone {
                        ee: id,
                        tag: j.tag,
                        arrival: j.arrival,
                    },
                );
            } else {
                // Completes now: keep EE state consistent before re-borrowing.
                self.q.push(
                    SimTime(now),
                    Ev::IoDone {
                        ee: id,
                        tag: j.tag,
                        arrival: j.arrival,
                    },
                );
            }
        }
        let e = &self.ees[id.index()];
        let after = e.busy_vcpus();
        let adapt = now >= e.win_end;
        self.reschedule_cpu(id);
        if after != before {
            self.busy_changed(id, after as i64 - before as i64);
        }
        if adapt {
            self.adapt_limit(id);
        }
    }

    /// The EE's busy vCPUs (`Ee::busy_vcpus`, derived from its jobs) moved by
    /// `delta`. Two sums follow it, each for its own reader: the instance's
    /// `busy` (its CPU threshold, checked here) and the function's `busy` gauge
    /// (the scaler's and the report's CPU utilisation). The provider's busy
    /// vCPUs are the sum of the functions' gauges, read at interval ends.
    pub(super) fn busy_changed(&mut self, id: EeId, delta: i64) {
        let now = self.clock.now;
        let (fi, ii) = {
            let e = &self.ees[id.index()];
            (e.function.index(), e.instance.index())
        };
        self.funcs[fi].gauges.busy.add(now, delta);
        let inst = &mut self.insts[ii];
        inst.busy = (inst.busy as i64 + delta) as u32;
        let blocked = inst.busy >= inst.reject_at;
        if blocked != inst.cpu_blocked {
            inst.cpu_blocked = blocked;
            let n = self.insts[ii].ees.len();
            for k in 0..n {
                let eid = self.insts[ii].ees[k];
                self.refresh_route(eid);
            }
        }
    }

    /// An invocation that arrived at `arrival` on EE `id` completes now.
    pub(super) fn complete(&mut self, id: EeId, tag: u32, arrival: u64) {
        let now = self.clock.now;
        let (function, drained) = {
            let e = &mut self.ees[id.index()];
            e.inflight -= 1;
            (e.function, e.state == EeState::Draining && e.inflight == 0)
        };
        let f = &mut self.funcs[function.index()];
        f.gauges.inflight.add(now, -1);
        f.ledger.served(now.0 - arrival);
        self.clock.notices.completed(function, tag);
        if drained {
            self.stop_ee(id);
        } else if now.0 >= self.ees[id.index()].win_end {
            self.adapt_limit(id);
        } else {
            self.refresh_route(id);
        }
    }

    /// EE protection (docs/model.md, "EE protection"): at the end of EE
    /// `id`'s limit window, its runnable CPU demand per vCPU over the window
    /// sets its concurrency limit: at or above the overload threshold the
    /// limit falls to its in-flight count scaled by threshold / demand (never
    /// below 1, never raised by this), otherwise it rises by one
    /// (to at most its slots). Runs at most once per window per EE, from the
    /// EE's own events (or its wake-up while the limit binds).
    #[inline(never)]
    pub(super) fn adapt_limit(&mut self, id: EeId) {
        let now = self.clock.now.0;
        let (Some(hi), window) = (self.provider.ee_overload, self.provider.ee_window) else {
            return;
        };
        let e = &mut self.ees[id.index()];
        if e.state != EeState::Ready {
            return;
        }
        e.settle(now);
        let old = e.cap();
        let elapsed = now.saturating_sub(e.win_start).max(1) as f64;
        let overload = e.run_area / (e.vcpus as f64 * elapsed);
        let busy = e.busy_area / (e.vcpus as f64 * elapsed);
        // Both: its jobs wait for CPU, and its CPU was busy all along
        // ("consistently high utilization"; a burst of short jobs on an EE
        // with idle moments is not an overload).
        if overload >= hi && busy >= self.provider.ee_busy {
            // What its in-flight work would have been at the threshold (never
            // raised here, so a lasting overload does not ratchet it down).
            let fit = ((e.inflight as f64 * hi / overload) as u32).max(1);
            e.limit = e.limit.min(fit);
        } else if e.limit < e.slots {
            e.limit += 1;
        }
        e.run_area = 0.0;
        e.busy_area = 0.0;
        e.win_start = now;
        e.win_end = now + window;
        let new = e.cap();
        if new != old {
            let f = e.function.index();
            self.funcs[f]
                .gauges
                .ready_cap
                .add(self.clock.now, new as f64 - old as f64);
        }
        self.refresh_route(id);
        self.arm_limit_wake(id);
    }

    /// While EE `id`'s CPU limit keeps it from taking invocations, its window
    /// must end even with no event of its own: queues one wake-up for it.
    pub(super) fn arm_limit_wake(&mut self, id: EeId) {
        let e = &mut self.ees[id.index()];
        let binds = e.state == EeState::Ready
            && e.inflight >= e.limit
            && e.inflight < e.slots.min(e.mem_cap);
        if binds && !e.limit_wake && e.win_end != u64::MAX {
            e.limit_wake = true;
            let ev = Ev::EeLimit {
                ee: id,
                epoch: e.epoch,
            };
            self.q.push(SimTime(e.win_end), ev);
        }
    }

    /// An EE's limit wake-up: its window ends now (or has been restarted by
    /// an event of its own since, and the wake-up is queued again if needed).
    pub(super) fn limit_wake(&mut self, id: EeId) {
        let e = &mut self.ees[id.index()];
        e.limit_wake = false;
        if self.clock.now.0 >= e.win_end {
            self.adapt_limit(id);
        } else {
            self.arm_limit_wake(id);
        }
    }

    /// Files an EE in its function's router to match its state: a Ready EE
    /// with a free slot is routed by its load, or parked while its memory is
    /// full, or its instance is CPU-blocked, or its own CPU limit binds; any
    /// other EE is out.
    #[inline]
    pub(super) fn refresh_route(&mut self, id: EeId) {
        let e = &self.ees[id.index()];
        let blocked = self.insts[e.instance.index()].cpu_blocked;
        let to = if e.state != EeState::Ready || e.inflight >= e.slots {
            Slot::Out
        } else if e.inflight >= e.mem_cap {
            Slot::ParkedMemory
        } else if blocked || e.inflight >= e.limit {
            Slot::ParkedCpu
        } else {
            Slot::Load(e.inflight)
        };
        self.funcs[e.function.index()]
            .route
            .file(&mut self.links, id, to);
    }
}
