//! The contract between the run driver, the event sources and a platform model
//! (LMI, default Lambda, or a test's fake). A model is advanced in time, offered
//! invocations, and tells which invocations of the functions that asked for it
//! completed; `finish` runs it to the horizon and returns its result.
//!
//! Event sources (`EventSources` in the `event_source` module) wrap any `Platform`
//! generically: no dynamic dispatch on the invocation path.

use crate::clock::Boundaries;
use crate::ids::FunctionId;
use crate::invocation::{Arrival, ThrottleReason};
use crate::time::SimTime;

/// Where [`Platform::advance_to`] stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Advance {
    /// Every event at or before the target time is done; `now()` is the target.
    Reached,
    /// Stopped right after an event that completed an invocation of a function
    /// whose completions were asked for; `now()` is that event's time and
    /// [`Platform::completions`] holds them.
    Completions,
}

/// What a platform did with an offered invocation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum Admission {
    Accepted,
    Throttled(ThrottleReason),
}

impl Admission {
    #[inline]
    pub fn is_throttled(self) -> bool {
        matches!(self, Admission::Throttled(_))
    }
}

/// A completed invocation of a function whose completions were asked for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub function: FunctionId,
    /// The arrival's tag, handed back unchanged.
    pub tag: u32,
    /// It did not complete: a fault (docs/model.md, "Faults") destroyed
    /// the EE it ran on, and its source treats it as a function error.
    pub failed: bool,
}

/// A platform model.
pub trait Platform {
    /// What the platform's run produced.
    type Result;

    /// Processes every event at or before `t`, closing report intervals on the
    /// way, unless it stops early for completions (see [`Advance`]).
    fn advance_to(&mut self, t: SimTime) -> Advance;

    /// The model's clock.
    fn now(&self) -> SimTime;

    /// Offers one invocation at `a.at` (after `advance_to(a.at)`).
    fn arrive(&mut self, a: &Arrival) -> Admission;

    /// Completions since the last call; the caller drains the list.
    fn completions(&mut self) -> &mut Vec<Completion>;

    /// Asks for completion notices of function `f`'s invocations.
    fn notify(&mut self, f: FunctionId);

    /// Runs to the horizon and returns the result.
    fn finish(self, horizon: SimTime) -> Self::Result;
}

/// Which functions asked for completion notices, and the notices not yet taken.
#[derive(Debug, Default)]
pub struct Notices {
    wanted: Vec<bool>,
    done: Vec<Completion>,
}

impl Notices {
    pub fn new(functions: usize) -> Self {
        Notices {
            wanted: vec![false; functions],
            done: Vec::with_capacity(64),
        }
    }

    pub fn want(&mut self, f: FunctionId) {
        self.wanted[f.index()] = true;
    }

    /// Records a completion if its function asked for notices.
    #[inline]
    pub fn completed(&mut self, function: FunctionId, tag: u32) {
        if self.wanted[function.index()] {
            self.done.push(Completion {
                function,
                tag,
                failed: false,
            });
        }
    }

    /// Records a lost invocation (a fault) if its function asked for notices.
    pub fn failed(&mut self, function: FunctionId, tag: u32) {
        if self.wanted[function.index()] {
            self.done.push(Completion {
                function,
                tag,
                failed: true,
            });
        }
    }

    #[inline]
    pub fn pending(&self) -> bool {
        !self.done.is_empty()
    }

    pub fn list(&mut self) -> &mut Vec<Completion> {
        &mut self.done
    }

    /// No more notices (the run is finishing: no source is left to act on them).
    pub fn stop(&mut self) {
        self.wanted.iter_mut().for_each(|w| *w = false);
        self.done.clear();
    }
}

/// What the shared advance loop keeps for a model: its clock, the next report
/// boundary to close, and the completion notices asked for.
#[derive(Debug)]
pub struct ModelClock {
    pub now: SimTime,
    pub boundaries: Boundaries,
    pub notices: Notices,
}

impl ModelClock {
    pub fn new(boundaries: Boundaries, functions: usize) -> Self {
        ModelClock {
            now: SimTime::ZERO,
            boundaries,
            notices: Notices::new(functions),
        }
    }
}

/// A platform model driven by the one advance loop: it has its own events and
/// report intervals, admits or throttles arrivals, and turns its state into a
/// result. Every `Stepper` is a [`Platform`].
pub trait Stepper {
    type Result;
    fn clock(&self) -> &ModelClock;
    fn clock_mut(&mut self) -> &mut ModelClock;
    /// The time of the next event (`SimTime::MAX` when there is none).
    fn next_event(&mut self) -> SimTime;
    /// Processes the next event, which is at or before `t`.
    fn step(&mut self, t: SimTime);
    /// Closes the report interval that ends at `at`.
    fn close_interval(&mut self, at: SimTime);
    /// Admits or throttles an arrival at `a.at` (the clock is there).
    fn admit(&mut self, a: &Arrival) -> Admission;
    /// The result, once the horizon's events and intervals are done.
    fn results(self, horizon: SimTime) -> Self::Result;
}

/// The one advance loop of both models: events in time order, an interval
/// boundary closed before any event at the same time, an early stop after an
/// event that produced a completion notice.
#[inline]
fn advance<S: Stepper>(s: &mut S, t: SimTime) -> Advance {
    loop {
        if s.clock().notices.pending() {
            return Advance::Completions;
        }
        let te = s.next_event();
        if let Some(at) = s.clock().boundaries.due(t)
            && at <= te
        {
            s.clock_mut().now = at;
            s.close_interval(at);
            s.clock_mut().boundaries.pass();
            continue;
        }
        if te > t {
            break;
        }
        s.step(t);
    }
    s.clock_mut().now = t;
    Advance::Reached
}

impl<S: Stepper> Platform for S {
    type Result = S::Result;

    #[inline]
    fn advance_to(&mut self, t: SimTime) -> Advance {
        advance(self, t)
    }

    fn now(&self) -> SimTime {
        self.clock().now
    }

    #[inline]
    fn arrive(&mut self, a: &Arrival) -> Admission {
        self.admit(a)
    }

    fn completions(&mut self) -> &mut Vec<Completion> {
        self.clock_mut().notices.list()
    }

    fn notify(&mut self, f: FunctionId) {
        self.clock_mut().notices.want(f);
    }

    /// Runs the events up to the horizon (no more notices: no source is left
    /// to act on them), closes a last partial interval, and returns the result.
    fn finish(mut self, horizon: SimTime) -> S::Result {
        self.clock_mut().notices.stop();
        let _ = advance(&mut self, horizon);
        if self.clock().boundaries.open_at(horizon) {
            self.close_interval(horizon);
        }
        self.results(horizon)
    }
}
