//! Trace replay (placeholder: readers land with the trace issue).

use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::traffic::{RequestSource, SourceError};

/// Which trace, and how to replay it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    pub path: std::path::PathBuf,
}

/// Opens a trace as a request source.
pub fn open(
    spec: &TraceSpec,
    _sc: &Scenario,
    _function: usize,
    _horizon: SimTime,
) -> Result<Box<dyn RequestSource>, SourceError> {
    Err(SourceError(format!("{}: trace replay is not implemented yet", spec.path.display())))
}

/// Makes every trace source of the scenario count and skip malformed rows
/// instead of failing (`--skip-bad-rows`).
pub fn skip_bad_rows(sc: &mut Scenario) {
    let _ = sc;
}
