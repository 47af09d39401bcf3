//! lmi-sim: a discrete-event capacity simulator for AWS Lambda Managed Instances
//! (LMI) against default AWS Lambda.
//!
//! The core (`engine`, `platform`, `lmi`, `default_lambda`, `event_source`,
//! `ledger`, `clock`, `sketch`, `gauge`, `cost`, `sim`, `spill`) is pure: no I/O, no clock, no printing, no global RNG, with one exception
//! for memory's sake: per-interval rows beyond one chunk go to an anonymous
//! temporary file ([`rowlog`]), so memory does not grow with the horizon.
//! Scenario parsing, reports, charts and the CLI sit around it.

pub mod calendar;
pub mod catalog;
pub mod charts;
pub mod cli;
pub mod clock;
pub mod compare;
pub mod cost;
pub mod default_lambda;
pub mod dist;
pub mod engine;
pub mod event_source;
pub mod gauge;
pub mod ids;
pub mod init;
pub mod invocation;
pub mod ledger;
pub mod lmi;
pub mod output;
pub mod overrides;
pub mod platform;
pub mod progress;
pub mod recommend;
pub mod report;
pub mod request;
pub mod rng;
pub mod rowlog;
pub mod scenario;
pub mod sim;
pub mod sketch;
pub mod slo;
pub mod spill;
pub mod sweep;
#[doc(hidden)]
pub mod testkit;
pub mod time;
pub mod trace;
pub mod traffic;
pub mod warning;
