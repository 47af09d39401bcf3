//! lmi-sim: a discrete-event capacity simulator for AWS Lambda Managed Instances
//! (LMI) against default AWS Lambda.
//!
//! The core (`engine`, `lmi`, `default_lambda`, `sketch`, `gauge`, `cost`, `sim`)
//! is pure: no I/O, no clock, no printing, no global RNG, with one exception
//! for memory's sake: per-interval rows beyond one chunk go to an anonymous
//! temporary file ([`rowlog`]), so memory does not grow with the horizon.
//! Scenario parsing, reports, charts and the CLI sit around it.

pub mod catalog;
pub mod charts;
pub mod cli;
pub mod cost;
pub mod default_lambda;
pub mod dist;
pub mod engine;
pub mod gauge;
pub mod invocation;
pub mod lmi;
pub mod output;
pub mod report;
pub mod rng;
pub mod rowlog;
pub mod scenario;
pub mod sim;
pub mod sketch;
pub mod source;
pub mod sweep;
#[doc(hidden)]
pub mod testkit;
pub mod time;
pub mod trace;
pub mod traffic;
