//! Trace replay: public serverless traces and users' own logs as request
//! sources.
//!
//! Every reader streams: a per-invocation trace is read row by row into a
//! reused record (no allocation per request), and memory stays flat however
//! long the trace is. The Azure 2019 per-minute reader keeps only the selected
//! aggregate series (one count per minute).
//!
//! Two families of sources share the shaping rules (window, offset,
//! multiplier, loops):
//! - count formats (`azure2019`, `csv` with `format = "counts"`, `cloudwatch`) yield
//!   intervals with a count of arrivals, spread inside the interval
//!   ([`counts`]);
//! - per-request formats (`azure2021`, `csv` with `format = "requests"`, the
//!   access logs `apigateway` and `alb` of [`access_logs`]) yield
//!   one row per request, possibly slightly out of order, put back in order by
//!   a bounded reordering window ([`requests`]).
//!
//! Trace time τ is measured from the trace origin: minute 1's start for Azure
//! 2019 (τ = (minute − 1) × 60 s, so a file holding minutes 600–660 starts at
//! τ = 599 min); `time_origin` if given, else the first (smallest) arrival or
//! interval start, for the other formats. A request at τ is replayed at
//! simulated time `τ − window_start + offset + k × period` in loop k, for
//! `window_start <= τ < window_end`.

pub mod access_logs;
pub mod azure2019;
pub mod cloudwatch;
pub mod counts;
pub mod input;
pub mod inspect;
pub mod lambda_logs;
pub mod requests;
pub mod rfc3339;
pub mod table;
pub mod units;

use crate::dist::Dist;
use crate::request::{Request, RequestStream, TraceError};
use crate::rng::{SimRng, stream};
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;
use std::path::PathBuf;
pub use units::TimeUnit;

/// The trace format (`source = ...` in `[functions.traffic]`).
#[derive(Clone, Debug, PartialEq)]
pub enum TraceFormat {
    /// Azure Functions 2019 per-minute invocation counts.
    Azure2019 {
        selection: Selection,
        /// The matching `durations` file (per-function percentiles in ms).
        durations_path: Option<PathBuf>,
        /// The matching `memory` file (per-app allocated memory percentiles).
        memory_path: Option<PathBuf>,
    },
    /// Azure Functions 2021 per-invocation trace: `app,func,end_timestamp,duration`.
    Azure2021,
    /// A plain CSV, one row per request.
    CsvRequests {
        timestamp_column: String,
        /// Per-request durations in `duration_unit` (`None`: the function's work applies).
        duration_column: Option<String>,
    },
    /// API Gateway access logs in a JSON format, one object a line.
    ApiGateway {
        fields: access_logs::apigateway::Fields,
    },
    /// ALB access logs, optionally one target group's lines only.
    Alb { target_group_arn: Option<String> },
    /// A plain CSV of per-interval counts.
    CsvCounts {
        interval_start_column: String,
        count_column: String,
        /// Interval length; `None`: inferred as the smallest gap between
        /// consecutive interval starts.
        interval: Option<SimDuration>,
    },
    /// Lambda REPORT lines from CloudWatch Logs exports, one file or several
    /// (pages) read in order ([`lambda_logs`]).
    LambdaLogs { paths: Vec<PathBuf> },
    /// CloudWatch metrics: `get-metric-data` or `get-metric-statistics`
    /// JSON, or the console's CSV download ([`cloudwatch`]).
    CloudWatch {
        /// Every file (NextToken pages, adjacent exports); the first is
        /// [`TraceSpec::path`].
        paths: Vec<PathBuf>,
        selector: cloudwatch::Selector,
        /// The period; `None`: the smallest gap between datapoints.
        interval: Option<SimDuration>,
    },
}

/// Which Azure 2019 functions make up the replayed series.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// The one function whose `HashFunction` starts with this prefix.
    Function(String),
    /// The sum of the `n` functions with the most invocations.
    Top(u32),
    /// The sum of all functions in the file.
    All,
}

/// The row order of a CSV count trace (`order` in `[functions.traffic]`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Ascending interval starts (default).
    OldestFirst,
    /// Descending interval starts, as CloudWatch exports list them; replayed
    /// oldest first by reading the file backwards a block at a time.
    NewestFirst,
}

/// How a count is placed inside its interval.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Spread {
    /// The count's arrivals at independent uniform times in the interval,
    /// sorted: a Poisson process conditioned on the count (default).
    Poisson,
    /// Evenly spaced: arrival i of n at start + i × length / n.
    Uniform,
    /// All at the interval's start.
    Start,
}

/// Which trace, and how to replay it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    pub format: TraceFormat,
    /// The trace file (resolved against the scenario's directory).
    pub path: PathBuf,
    /// Fraction of a traced duration that is CPU work; the rest is I/O wait.
    pub cpu_share: f64,
    /// Count formats: placement inside an interval.
    pub spread: Spread,
    /// Replay only trace times τ in `[window_start, window_end)`.
    pub window_start: SimDuration,
    pub window_end: Option<SimDuration>,
    /// Simulated time of `window_start`.
    pub offset: SimDuration,
    /// Count formats: counts × m with stochastic rounding per interval;
    /// per-request formats: each request ⌊m⌋ times, plus once more with
    /// probability frac(m).
    pub rate_multiplier: f64,
    /// Replays of the windowed trace, back to back.
    pub loop_count: u32,
    /// Per-request formats: how far rows may be out of arrival order.
    pub reorder_window: SimDuration,
    /// Per-request formats: use the trace's durations as the work.
    pub use_durations: bool,
    /// Trace-time origin [µs in the trace's own terms: a number × its
    /// `timestamp_unit` in µs, or µs since the Unix epoch for a date-time];
    /// `None`: the first arrival.
    pub time_origin: Option<i64>,
    /// Count and skip malformed rows instead of failing (`--skip-bad-rows`).
    pub skip_bad_rows: bool,
    /// CSV formats: the unit of numeric timestamps (and of a numeric
    /// `time_origin`).
    pub timestamp_unit: TimeUnit,
    /// CSV requests: the unit of the duration column; `None`: seconds, not
    /// given explicitly (durations over 900 s and millisecond-looking columns
    /// are then refused with the fix).
    pub duration_unit: Option<TimeUnit>,
    /// CSV counts: the row order.
    pub order: Order,
}

impl TraceSpec {
    /// A spec with the documented defaults for `format` and `path`.
    pub fn new(format: TraceFormat, path: impl Into<PathBuf>) -> Self {
        let reorder = match format {
            // Logs are written as requests complete: API Gateway's
            // integrations time out within 30 s.
            TraceFormat::Azure2021 | TraceFormat::ApiGateway { .. } => SimDuration::from_secs(60),
            // ALB writes one file per node every 5 minutes; files
            // concatenated in name order interleave by up to that, plus a
            // request's own time.
            TraceFormat::Alb { .. } => SimDuration::from_secs(360),
            // Lambda's longest timeout; a scenario sets it to what its logs
            // need when it is loaded (docs/model.md, "Lambda REPORT logs").
            TraceFormat::LambdaLogs { .. } => SimDuration::from_secs(900),
            _ => SimDuration::ZERO,
        };
        TraceSpec {
            format,
            path: path.into(),
            cpu_share: 0.1,
            spread: Spread::Poisson,
            window_start: SimDuration::ZERO,
            window_end: None,
            offset: SimDuration::ZERO,
            rate_multiplier: 1.0,
            loop_count: 1,
            reorder_window: reorder,
            use_durations: true,
            time_origin: None,
            skip_bad_rows: false,
            timestamp_unit: TimeUnit::S,
            duration_unit: None,
            order: Order::OldestFirst,
        }
    }

    /// True when the trace gives each request its own work (so the
    /// function's `[functions.work]` is optional).
    pub fn supplies_work(&self) -> bool {
        match &self.format {
            TraceFormat::Azure2019 { durations_path, .. } => durations_path.is_some(),
            TraceFormat::Azure2021 | TraceFormat::Alb { .. } => self.use_durations,
            TraceFormat::ApiGateway { fields } => {
                use access_logs::apigateway::Var;
                self.use_durations
                    && fields
                        .keys
                        .iter()
                        .any(|k| matches!(k.1, Var::IntegrationLatency | Var::ResponseLatency))
            }
            TraceFormat::CsvRequests {
                duration_column, ..
            } => self.use_durations && duration_column.is_some(),
            TraceFormat::CsvCounts { .. } | TraceFormat::CloudWatch { .. } => false,
            TraceFormat::LambdaLogs { .. } => self.use_durations,
        }
    }

    /// True for the interval-count formats.
    pub fn is_counts(&self) -> bool {
        matches!(
            self.format,
            TraceFormat::Azure2019 { .. }
                | TraceFormat::CsvCounts { .. }
                | TraceFormat::CloudWatch { .. }
        )
    }
}

/// Splits a traced duration into (cpu, io) by `share`.
pub fn split_work(d_us: u64, share: f64) -> (SimDuration, SimDuration) {
    let cpu = ((d_us as f64) * share).round() as u64;
    let cpu = cpu.min(d_us);
    (SimDuration(cpu), SimDuration(d_us - cpu))
}

/// Draws whole traced durations from a profile and splits them.
pub struct WorkSampler {
    pub dist: Dist,
    pub cpu_share: f64,
    pub rng: SimRng,
}

impl WorkSampler {
    pub fn sample(&mut self) -> (SimDuration, SimDuration) {
        let d = self.dist.sample(&mut self.rng);
        split_work(d.0, self.cpu_share)
    }
}

/// The (cpu, io) marginal distributions of a duration profile split by
/// `share`: what `[functions.work]` becomes when a trace's profile replaces it.
pub fn split_dist(d: &Dist, share: f64) -> (Dist, Dist) {
    match d {
        Dist::Empirical { points } => (
            Dist::Empirical {
                points: points.iter().map(|&(q, v)| (q, v * share)).collect(),
            },
            Dist::Empirical {
                points: points
                    .iter()
                    .map(|&(q, v)| (q, v * (1.0 - share)))
                    .collect(),
            },
        ),
        other => (other.clone(), Dist::Constant(SimDuration::ZERO)),
    }
}

/// How far ahead a source is read to estimate its rate at t = 0.
const LOOKAHEAD: SimTime = SimTime(60_000_000);
/// At most this many requests are held for the estimate.
const LOOKAHEAD_MAX: usize = 20_000;

/// Sorted requests in simulated time, before the rate estimate.
pub(crate) trait Replay: Send {
    fn next(&mut self) -> Result<Option<Request>, TraceError>;
    fn skipped(&self) -> u64;
    /// The interval length [µs] of a count trace, when inferred from its rows.
    fn inferred_interval(&self) -> Option<u64> {
        None
    }
    /// Access logs: what became of the requests replayed so far.
    fn logged(&self) -> Option<crate::request::LoggedOutcomes> {
        None
    }
    /// Notes about what the trace held.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Wraps a replay with a short look-ahead buffer that gives the offered rate
/// at t = 0 (arrivals in the first minute, or the first 20,000 of them).
struct Primed<R: Replay> {
    inner: R,
    ahead: VecDeque<Request>,
    rate: f64,
}

impl<R: Replay> Primed<R> {
    fn new(mut inner: R) -> Result<Self, TraceError> {
        let mut ahead = VecDeque::new();
        let rate;
        loop {
            match inner.next()? {
                None => {
                    rate = ahead.len() as f64 / (LOOKAHEAD.0 as f64 / 1e6);
                    break;
                }
                Some(r) => {
                    let past = r.at >= LOOKAHEAD;
                    ahead.push_back(r);
                    if past {
                        rate = (ahead.len() - 1) as f64 / (LOOKAHEAD.0 as f64 / 1e6);
                        break;
                    }
                    if ahead.len() >= LOOKAHEAD_MAX {
                        rate = ahead.len() as f64 / (r.at.0.max(1_000) as f64 / 1e6);
                        break;
                    }
                }
            }
        }
        Ok(Primed { inner, ahead, rate })
    }
}

impl<R: Replay> RequestStream for Primed<R> {
    fn next_request(&mut self) -> Result<Option<Request>, TraceError> {
        if let Some(r) = self.ahead.pop_front() {
            return Ok(Some(r));
        }
        self.inner.next()
    }
    fn initial_rate(&self) -> f64 {
        self.rate
    }
    fn skipped_rows(&self) -> u64 {
        self.inner.skipped()
    }
    fn inferred_interval(&self) -> Option<SimDuration> {
        self.inner.inferred_interval().map(SimDuration)
    }
    fn logged_outcomes(&self) -> Option<crate::request::LoggedOutcomes> {
        self.inner.logged()
    }
    fn notes(&self) -> Vec<String> {
        self.inner.notes()
    }
}

/// Opens a trace as a request source for function `function`.
pub fn open(
    spec: &TraceSpec,
    seed: u64,
    function: usize,
    horizon: SimTime,
) -> Result<Box<dyn RequestStream>, TraceError> {
    let fi = function as u64;
    let spread_rng = stream(seed, "trace_spread", fi);
    match &spec.format {
        TraceFormat::Azure2019 { .. } => {
            let (series, work) = azure2019::open_series(spec)?;
            let work = work.map(|dist| WorkSampler {
                dist,
                cpu_share: spec.cpu_share,
                rng: stream(seed, "trace_work", fi),
            });
            let src = counts::CountReplay::new(spec, Box::new(series), spread_rng, work, horizon)?;
            Ok(Box::new(Primed::new(src)?))
        }
        TraceFormat::CsvCounts { .. } => {
            let rows = counts::CsvCounts::open(spec)?;
            let src = counts::CountReplay::new(spec, Box::new(rows), spread_rng, None, horizon)?;
            Ok(Box::new(Primed::new(src)?))
        }
        TraceFormat::CloudWatch { .. } => {
            let series = cloudwatch::CloudWatch::open(spec)?;
            let src = counts::CountReplay::new(spec, Box::new(series), spread_rng, None, horizon)?;
            Ok(Box::new(Primed::new(src)?))
        }
        TraceFormat::Azure2021 | TraceFormat::CsvRequests { .. } => {
            let rows = requests::RequestRows::open(spec)?;
            let src = requests::RequestReplay::new(spec, rows, spread_rng, horizon);
            Ok(Box::new(Primed::new(src)?))
        }
        TraceFormat::ApiGateway { .. } | TraceFormat::Alb { .. } => {
            let rows = access_logs::LogRows::open(spec, stream(seed, "trace_jitter", fi))?;
            let src = requests::RequestReplay::new(spec, rows, spread_rng, horizon);
            Ok(Box::new(Primed::new(src)?))
        }
        TraceFormat::LambdaLogs { .. } => {
            let src = lambda_logs::replay::LogReplay::open(spec, spread_rng, horizon)?;
            Ok(Box::new(Primed::new(src)?))
        }
    }
}
