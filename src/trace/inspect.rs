//! `lmi-sim validate --deep`: a whole trace read through the same readers
//! and checks as a replay (every row, no window, no horizon), summed up as
//! rows, time span, interval, invocations, out-of-order and skipped rows.
//!
//! Memory stays as flat as in a replay: per-request rows pass through the
//! bounded reordering window, counts are summed as they are read.

use super::access_logs::{self, LogCounts, LogRows};
use super::requests::{RequestReplay, RequestRows};
use super::units::{fmt_num, show_time};
use super::{TraceFormat, TraceSpec, azure2019, cloudwatch, counts::CsvCounts};
use crate::request::TraceError;
use crate::rng::stream;
use crate::time::SimTime;
use std::fmt;

/// How the interval of a count trace was found.
#[derive(Clone, Debug, PartialEq)]
pub enum IntervalSource {
    /// Fixed by the format (Azure 2019: one minute).
    Format,
    /// `interval` in the scenario.
    Given,
    /// The smallest gap between consecutive interval starts.
    Inferred,
}

/// What a whole trace holds.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceReport {
    pub path: String,
    /// The format, in words.
    pub kind: &'static str,
    /// Data rows accepted (functions for Azure 2019).
    pub rows: u64,
    /// First and last arrival or interval start [µs in trace units].
    pub first: i64,
    pub last: i64,
    /// Count formats: the interval [µs] and how it was found.
    pub interval: Option<(u64, IntervalSource)>,
    /// Invocations in the file (counts summed, or one per request row),
    /// before `rate_multiplier`, the window and the horizon.
    pub invocations: u64,
    /// Rows out of order: per-request formats, rows arriving before an
    /// earlier row (put back in order by the reordering window); count
    /// formats, rows skipped for their order.
    pub out_of_order: u64,
    /// Per-request formats: the most a row arrives before an earlier row
    /// [µs], and the reordering window [µs].
    pub lateness: Option<(u64, u64)>,
    /// Malformed rows skipped (`--skip-bad-rows`).
    pub skipped: u64,
    /// Azure 2019: functions summed into the series.
    pub functions: Option<u64>,
    /// Format-specific lines (CloudWatch: the results found, the one
    /// selected, missing periods).
    pub details: Vec<String>,
}

/// Reads `spec`'s whole trace and reports what it holds; the errors are the
/// ones a replay of the whole file would meet.
pub fn inspect(spec: &TraceSpec) -> Result<TraceReport, TraceError> {
    let path = spec.path.display().to_string();
    match &spec.format {
        TraceFormat::Azure2019 { .. } => {
            let o = azure2019::open(spec)?;
            let s = &o.series;
            let n = s.counts.len() as u64;
            Ok(TraceReport {
                path,
                kind: "Azure 2019 per-minute counts",
                rows: o.rows,
                first: s.first_start,
                last: s.first_start + (n.saturating_sub(1) * s.interval) as i64,
                interval: Some((s.interval, IntervalSource::Format)),
                // Each minute is within the rate cap (6·10¹⁰): no overflow.
                invocations: s.counts.iter().sum(),
                out_of_order: 0,
                lateness: None,
                skipped: s.skipped,
                functions: Some(o.functions),
                details: Vec::new(),
            })
        }
        TraceFormat::CsvCounts { interval, .. } => {
            let c = CsvCounts::open(spec)?;
            let st = &c.stats;
            Ok(TraceReport {
                path,
                kind: "CSV per-interval counts",
                rows: st.rows,
                first: st.first,
                last: st.last,
                interval: Some((
                    st.interval,
                    if interval.is_some() {
                        IntervalSource::Given
                    } else {
                        IntervalSource::Inferred
                    },
                )),
                invocations: st.total,
                out_of_order: st.out_of_order,
                lateness: None,
                skipped: st.skipped,
                functions: None,
                details: Vec::new(),
            })
        }
        TraceFormat::CloudWatch { .. } => {
            let c = cloudwatch::CloudWatch::open(spec)?;
            let st = &c.stats;
            Ok(TraceReport {
                path,
                kind: st
                    .kind
                    .map_or("CloudWatch metrics", cloudwatch::FileKind::report_name),
                rows: st.points,
                first: st.first,
                last: st.last,
                interval: Some((
                    st.interval,
                    if st.inferred {
                        IntervalSource::Inferred
                    } else {
                        IntervalSource::Given
                    },
                )),
                invocations: st.total,
                out_of_order: 0,
                lateness: None,
                skipped: st.skipped,
                functions: None,
                details: st.details(),
            })
        }
        TraceFormat::LambdaLogs { .. } => super::lambda_logs::summary::inspect(spec),
        TraceFormat::Azure2021 | TraceFormat::CsvRequests { .. } => {
            let rows = RequestRows::open(spec)?;
            let replay =
                RequestReplay::new(spec, rows, stream(0, "trace_spread", 0), SimTime(u64::MAX));
            let (st, skipped) = replay.drain()?;
            let (Some(first), Some(last)) = (st.first, st.last) else {
                return Err(TraceError(format!(
                    "{path}: no data rows after the header{}",
                    if skipped > 0 {
                        format!(" ({skipped} malformed rows skipped)")
                    } else {
                        String::new()
                    }
                )));
            };
            Ok(TraceReport {
                path,
                kind: if matches!(spec.format, TraceFormat::Azure2021) {
                    "Azure 2021 per-request rows"
                } else {
                    "CSV per-request rows"
                },
                rows: st.rows,
                first,
                last,
                interval: None,
                invocations: st.rows,
                out_of_order: st.out_of_order,
                lateness: Some((st.max_late, spec.reorder_window.0)),
                skipped,
                functions: None,
                details: Vec::new(),
            })
        }
        TraceFormat::ApiGateway { .. } | TraceFormat::Alb { .. } => {
            let rows = LogRows::open(spec, stream(0, "trace_jitter", 0))?;
            let replay =
                RequestReplay::new(spec, rows, stream(0, "trace_spread", 0), SimTime(u64::MAX));
            let rows = replay.drain_rows()?;
            let st = &rows.stats;
            let (Some(first), Some(last)) = (st.first, st.last) else {
                return Err(TraceError(format!("{path}: no request lines")));
            };
            Ok(TraceReport {
                path,
                kind: rows.kind(),
                rows: st.rows,
                first,
                last,
                interval: None,
                invocations: st.rows,
                out_of_order: st.out_of_order,
                lateness: Some((st.max_late, spec.reorder_window.0)),
                skipped: rows.skipped,
                functions: None,
                details: access_log_lines(spec, &rows.counts, st.rows),
            })
        }
    }
}

/// What `validate --deep` adds for an access log.
fn access_log_lines(spec: &TraceSpec, c: &LogCounts, requests: u64) -> Vec<String> {
    let mut v = vec![format!(
        "statuses: {} throttled (429), {} failed (5xx or no response from the target); they stay arrivals, the traffic the function was offered",
        thousands(c.throttled),
        thousands(c.failed)
    )];
    let with = requests - c.no_duration;
    v.push(if !spec.use_durations {
        "durations: not used (use_durations = false): every request takes [functions.work]".into()
    } else {
        format!(
            "durations: {} of {} requests carry the backend's time; {} have none (no integration ran, or the target did not respond) and take [functions.work] (zero work if it is omitted)",
            thousands(with),
            thousands(requests),
            thousands(c.no_duration)
        )
    });
    if let TraceFormat::Alb { target_group_arn } = &spec.format {
        let which = match target_group_arn {
            Some(t) => format!(
                "replaying {t}; {} line(s) of other target groups skipped",
                thousands(c.other_groups)
            ),
            None => "all replayed (set target_group_arn to replay one)".into(),
        };
        v.push(format!(
            "target groups: {}; {which}",
            access_logs::alb::group_list(c)
        ));
    }
    v
}

/// 1234567 as "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn span(us: u64) -> String {
    let s = us as f64 / 1e6;
    if s < 120.0 {
        format!("{} s", fmt_num(s))
    } else if s < 7200.0 {
        format!("{} min", fmt_num(s / 60.0))
    } else if s < 172_800.0 {
        format!("{} h", fmt_num(s / 3600.0))
    } else {
        format!("{} d", fmt_num(s / 86_400.0))
    }
}

impl fmt::Display for TraceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "trace {} ({})", self.path, self.kind)?;
        let what = if self.functions.is_some() {
            "rows (functions)"
        } else {
            "rows"
        };
        writeln!(
            f,
            "    {what}: {}, {} skipped as malformed",
            thousands(self.rows),
            thousands(self.skipped)
        )?;
        let end = self.last + self.interval.as_ref().map_or(0, |i| i.0 as i64);
        writeln!(
            f,
            "    time span: {} to {} ({})",
            show_time(self.first),
            show_time(end),
            span(end.abs_diff(self.first))
        )?;
        if let Some((len, how)) = &self.interval {
            let how = match how {
                IntervalSource::Format => "fixed by the format",
                IntervalSource::Given => "given by `interval`",
                IntervalSource::Inferred => {
                    "inferred: the smallest gap between interval starts (set `interval` to override)"
                }
            };
            writeln!(f, "    interval: {}, {how}", span(*len))?;
        }
        let sel = match self.functions {
            Some(n) => format!(" in the {} selected function(s)", thousands(n)),
            None => String::new(),
        };
        writeln!(
            f,
            "    invocations: {}{sel} (before rate_multiplier, the window and the horizon)",
            thousands(self.invocations)
        )?;
        for d in &self.details {
            writeln!(f, "    {d}")?;
        }
        match self.lateness {
            Some((late, window)) if self.out_of_order > 0 => write!(
                f,
                "    out of order: {} rows, at most {} earlier than a row above them (reorder_window = {})",
                thousands(self.out_of_order),
                span(late),
                span(window)
            ),
            Some(_) => write!(f, "    out of order: 0 rows"),
            None => write!(
                f,
                "    out of order: {} rows{}",
                thousands(self.out_of_order),
                if self.out_of_order > 0 {
                    " (skipped)"
                } else {
                    ""
                }
            ),
        }
    }
}
