//! lmi-sim: a discrete-event capacity simulator for AWS Lambda Managed Instances
//! (LMI) against default AWS Lambda.
//!
//! The core (`engine`, `lmi`, `default_lambda`, `metrics`, `cost`, `sim`) is pure:
//! no I/O, no clock, no printing, no global RNG. Scenario parsing, reports,
//! charts and the CLI sit around it.

pub mod catalog;
pub mod dist;
pub mod rng;
pub mod scenario;
pub mod time;
pub mod traffic;
