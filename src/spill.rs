//! Spill-over to default Lambda (docs/model.md, "Spill-over to default
//! Lambda"): for functions with `[functions.spill_over]`, each request LMI
//! throttles (for a chosen reason) is retried by the client after a constant
//! delay on a default-Lambda fallback function, where it may cold-start or be
//! throttled in turn.
//!
//! Owns the fallback model (a [`DefaultLambda`] of its own, cold at t = 0, in
//! an account of its own) and the retries waiting out their delay. LMI throttles
//! a synchronous request at its arrival instant, so the retries arrive in time
//! order once they are released no earlier than every later throttle's retry
//! could be (see [`Spill::release`]). Pure; no allocation per request beyond the
//! delay queue's amortised growth. Must not change LMI's own figures.

use crate::default_lambda::{DefaultLambda, DefaultResult};
use crate::engine::EventQueue;
use crate::ids::FunctionId;
use crate::invocation::{Arrival, ThrottleCounts, ThrottleReason};
use crate::platform::Platform;
use crate::scenario::{DefaultFunction, Scenario, SpillOver};
use crate::time::{SimDuration, SimTime};

/// The driver's spill-over: the fallback and the retries in their delay.
pub struct Spill {
    fallback: DefaultLambda,
    pending: EventQueue<Arrival>,
    /// Per function: its spill-over, if it has one.
    rules: Vec<Option<SpillOver>>,
    /// The shortest delay of any function with a spill-over.
    min_delay: SimDuration,
    horizon: SimTime,
    clock: crate::clock::ReportClock,
    /// Per function: LMI throttles that spilled, by reason.
    spilled: Vec<ThrottleCounts>,
    /// [function][interval] LMI throttles that spilled, by the throttle's time.
    spilled_rows: Vec<Vec<u64>>,
}

/// What the spill-over produced in a run.
pub struct SpillRun {
    /// The fallback model's result (functions without a spill-over have no
    /// arrivals there).
    pub fallback: DefaultResult,
    /// Per function: LMI throttles sent to the fallback, by LMI's reason.
    pub spilled: Vec<ThrottleCounts>,
    /// [function][interval]: of those, by the interval of the LMI throttle.
    pub spilled_rows: Vec<Vec<u64>>,
    /// Per function: spilled requests still in their delay at the horizon
    /// (never offered to the fallback).
    pub waiting_at_end: Vec<u64>,
    /// Per function: its spill-over, if it has one.
    pub rules: Vec<Option<SpillOver>>,
    /// The scenario the fallback ran (its functions' `default_lambda` are the
    /// fallbacks'), for pricing it.
    pub scenario: Scenario,
}

/// The scenario the fallback model runs: `sc` with each function's
/// default-Lambda settings replaced by its fallback's (a function without a
/// spill-over keeps none: no reservation, no provisioned concurrency) and its
/// own seed so that its keep-alive and INIT draws do not repeat
/// the default-Lambda column's.
pub fn fallback_scenario(sc: &Scenario) -> Scenario {
    let mut f = sc.clone();
    f.seed = crate::rng::derive_seed(sc.seed, 0x5be1_1000);
    for func in &mut f.functions {
        func.default_lambda = match &func.spill_over {
            Some(s) => s.fallback.clone(),
            None => DefaultFunction {
                memory_mb: func.default_lambda.memory_mb,
                reserved_concurrency: None,
                provisioned_concurrency: 0,
            },
        };
    }
    f
}

impl Spill {
    /// The spill-over of `sc`, or `None` when no function has one.
    pub fn new(sc: &Scenario) -> Option<Self> {
        let rules: Vec<Option<SpillOver>> =
            sc.functions.iter().map(|f| f.spill_over.clone()).collect();
        let min_delay = rules.iter().flatten().map(|r| r.delay).min()?;
        let fsc = fallback_scenario(sc);
        let mut fallback = DefaultLambda::new(&fsc);
        for (i, r) in rules.iter().enumerate() {
            if let Some(r) = r {
                fallback.offset_latency(FunctionId::of(i), r.delay);
            }
        }
        let clock = sc.report_clock();
        Some(Spill {
            fallback,
            pending: EventQueue::new(),
            spilled: vec![ThrottleCounts::default(); rules.len()],
            spilled_rows: vec![vec![0; clock.count()]; rules.len()],
            rules,
            min_delay,
            horizon: SimTime::ZERO + sc.horizon,
            clock,
        })
    }

    /// LMI throttled `a` for reason `r`: it spills if its function's
    /// spill-over takes that reason.
    #[inline]
    pub fn throttled(&mut self, a: &Arrival, r: ThrottleReason) {
        let f = a.function.index();
        let Some(rule) = &self.rules[f] else { return };
        if !rule.spills(r) {
            return;
        }
        self.spilled[f][r] += 1;
        self.spilled_rows[f][self.clock.index(a.at)] += 1;
        let retry = Arrival {
            at: a.at + rule.delay,
            ..*a
        };
        self.pending.push(retry.at, retry);
    }

    /// LMI has taken every arrival before `lmi_now`: a later throttle is at
    /// `lmi_now` or after, its retry at `lmi_now + min_delay` or after. The
    /// retries due by then (and by the horizon) go to the fallback, in time
    /// order (ties: the order they were throttled).
    pub fn release(&mut self, lmi_now: SimTime) {
        let limit = (lmi_now + self.min_delay).min(self.horizon);
        while let Some((at, a)) = self.pending.pop_until(limit) {
            let _ = self.fallback.advance_to(at);
            let _ = self.fallback.arrive(&a);
        }
    }

    /// Offers the retries due by the horizon, runs the fallback to it, and
    /// counts the retries still waiting.
    pub fn finish(mut self, sc: &Scenario) -> SpillRun {
        self.release(self.horizon);
        let mut waiting_at_end = vec![0; self.rules.len()];
        while let Some((_, a)) = self.pending.pop_until(SimTime::MAX) {
            waiting_at_end[a.function.index()] += 1;
        }
        SpillRun {
            fallback: self.fallback.finish(self.horizon),
            spilled: self.spilled,
            spilled_rows: self.spilled_rows,
            waiting_at_end,
            rules: self.rules,
            scenario: fallback_scenario(sc),
        }
    }
}
