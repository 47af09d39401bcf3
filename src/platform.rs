//! The contract between the run driver, the event sources and a platform model
//! (LMI, default Lambda, or a test's fake). A model is advanced in time, offered
//! invocations, and tells which invocations of the functions that asked for it
//! completed; `finish` runs it to the horizon and returns its result.
//!
//! Event sources ([`crate::event_source::EventSources`]) wrap any `Platform`
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
            self.done.push(Completion { function, tag });
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

/// A model as [`advance`] steps it: its own events, and its report intervals.
pub(crate) trait Stepper {
    /// The time of the next event (`SimTime::MAX` when there is none).
    fn next_event(&mut self) -> SimTime;
    /// Processes the next event, which is at or before `t`.
    fn step(&mut self, t: SimTime);
    /// Closes the report interval that ends at `at`.
    fn close_interval(&mut self, at: SimTime);
    fn set_now(&mut self, t: SimTime);
    fn boundaries(&mut self) -> &mut Boundaries;
    fn notices(&self) -> &Notices;
}

/// The one advance loop of both models: events in time order, an interval
/// boundary closed before any event at the same time, an early stop after an
/// event that produced a completion notice.
#[inline]
pub(crate) fn advance<S: Stepper>(s: &mut S, t: SimTime) -> Advance {
    loop {
        if s.notices().pending() {
            return Advance::Completions;
        }
        let te = s.next_event();
        if let Some(at) = s.boundaries().due(t)
            && at <= te
        {
            s.set_now(at);
            s.close_interval(at);
            s.boundaries().pass();
            continue;
        }
        if te > t {
            break;
        }
        s.step(t);
    }
    s.set_now(t);
    Advance::Reached
}
