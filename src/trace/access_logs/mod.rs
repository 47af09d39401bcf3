//! Access logs as per-request traces: API Gateway JSON access logs
//! ([`apigateway`]) and ALB access logs ([`alb`]), plain or gzip as S3
//! delivers them.
//!
//! Each line is one request: its arrival, its duration (the backend's time:
//! API Gateway's integration latency, the ALB target's processing time) and
//! its status. Lines are read one at a time into one reused buffer and parsed
//! in place (no allocation per line); they reach the simulation through the
//! bounded reordering window of [`super::requests`], since a log is written
//! in completion order, not arrival order.
//!
//! Requests the log shows throttled (status 429) or failed (5xx, or no
//! response from the target) stay arrivals: they are the traffic the function
//! was offered. They are counted ([`LogCounts`], and per replay
//! [`crate::request::LoggedOutcomes`]). A request with no backend time (no
//! integration ran, the target did not respond) takes the function's
//! `[functions.work]` (zero when it is omitted), and is counted too.
//!
//! This module reads files; it must not know the simulation.

pub mod alb;
pub mod apigateway;

use super::input::Input;
use super::requests::{Outcome, Row, RowSource, RowStats};
use super::table::SKIP_HINT;
use super::{TraceFormat, TraceSpec};
use crate::dist::unit_f64;
use crate::request::TraceError;
use crate::rng::SimRng;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

/// Longest line accepted [bytes]; a longer one is not an access log.
pub const MAX_LINE: usize = 1 << 20;

/// At most this many distinct ALB target groups are listed by `validate --deep`.
pub const MAX_LISTED_GROUPS: usize = 16;

/// A file read line by line into one reused buffer.
pub(crate) struct Lines {
    path: PathBuf,
    /// `path` for messages.
    pub name: String,
    r: BufReader<Input>,
    /// The current line, without its line ending.
    pub buf: Vec<u8>,
    /// 1-based number of the current line.
    pub line: u64,
}

fn io_err(name: &str, e: impl std::fmt::Display) -> TraceError {
    TraceError(format!("{name}: cannot read the trace file: {e}"))
}

impl Lines {
    pub fn open(path: &std::path::Path) -> Result<Lines, TraceError> {
        let name = path.display().to_string();
        let input = Input::open(path, &name)?;
        Ok(Lines {
            path: path.to_path_buf(),
            name,
            r: BufReader::with_capacity(256 * 1024, input),
            buf: Vec::with_capacity(4096),
            line: 0,
        })
    }

    /// Reads the next line into `buf`; `Ok(false)` at the end of the file.
    pub fn advance(&mut self) -> Result<bool, TraceError> {
        self.buf.clear();
        let n = (&mut self.r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| io_err(&self.name, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > MAX_LINE {
            return Err(TraceError(format!(
                "{}:{}: a line longer than {} bytes: not an access log (one request a line)",
                self.name, self.line, MAX_LINE
            )));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.line == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") {
            self.buf.drain(..3);
        }
        Ok(true)
    }

    pub fn rewind(&mut self) -> Result<(), TraceError> {
        let input = Input::open(&self.path, &self.name)?;
        self.r = BufReader::with_capacity(256 * 1024, input);
        self.line = 0;
        Ok(())
    }
}

/// What a whole first pass over a log counted (for `validate --deep`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogCounts {
    /// Requests logged with status 429.
    pub throttled: u64,
    /// Requests logged with a 5xx status or no response from the target.
    pub failed: u64,
    /// Requests with no backend duration in the log.
    pub no_duration: u64,
    /// ALB: lines of other target groups than `target_group_arn`.
    pub other_groups: u64,
    /// ALB: the first [`MAX_LISTED_GROUPS`] target groups, with their lines.
    pub groups: Vec<(String, u64)>,
    /// ALB: true when more target groups than those listed were seen.
    pub more_groups: bool,
}

impl LogCounts {
    fn count_group(&mut self, arn: &[u8]) {
        if let Some(g) = self.groups.iter_mut().find(|g| g.0.as_bytes() == arn) {
            g.1 += 1;
        } else if self.groups.len() < MAX_LISTED_GROUPS {
            self.groups
                .push((String::from_utf8_lossy(arn).into_owned(), 1));
        } else {
            self.more_groups = true;
        }
    }
}

/// One parsed line: arrival [µs since the epoch], duration [µs], outcome.
pub(crate) struct Parsed {
    pub at: i64,
    pub dur: Option<u64>,
    pub outcome: Outcome,
    /// True when the arrival has whole seconds only (API Gateway
    /// `requestTime`): it is then spread uniformly inside its second.
    pub whole_second: bool,
}

/// What a line parser makes of a line.
pub(crate) enum Line {
    Request(Parsed),
    /// Not a request of this replay (another ALB target group): skipped.
    Other,
}

enum Kind {
    ApiGateway(apigateway::Parser),
    Alb(alb::Parser),
}

/// The requests of an access log, unsorted.
pub struct LogRows {
    lines: Lines,
    kind: Kind,
    skip: bool,
    /// Lines skipped as malformed (first pass).
    pub skipped: u64,
    pass: u32,
    seq: u64,
    use_durations: bool,
    /// Spreads whole-second arrivals inside their second.
    rng: SimRng,
    pub stats: RowStats,
    pub counts: LogCounts,
}

impl LogRows {
    /// Opens `spec`'s log; `rng` spreads whole-second arrivals.
    pub fn open(spec: &TraceSpec, rng: SimRng) -> Result<LogRows, TraceError> {
        let kind = match &spec.format {
            TraceFormat::ApiGateway { fields } => {
                Kind::ApiGateway(apigateway::Parser::new(fields.clone()))
            }
            TraceFormat::Alb { target_group_arn } => {
                Kind::Alb(alb::Parser::new(target_group_arn.clone()))
            }
            _ => return Err(TraceError("internal: not an access-log spec".into())),
        };
        Ok(LogRows {
            lines: Lines::open(&spec.path)?,
            kind,
            skip: spec.skip_bad_rows,
            skipped: 0,
            pass: 0,
            seq: 0,
            use_durations: spec.use_durations,
            rng,
            stats: RowStats::default(),
            counts: LogCounts::default(),
        })
    }

    /// The format, in words.
    pub fn kind(&self) -> &'static str {
        match self.kind {
            Kind::ApiGateway(_) => "API Gateway JSON access log",
            Kind::Alb(_) => "ALB access log",
        }
    }

    /// The error at the end of a first pass that found no request.
    fn none_found(&self) -> TraceError {
        let skipped = if self.skipped > 0 {
            format!(" ({} malformed lines skipped)", self.skipped)
        } else {
            String::new()
        };
        match &self.kind {
            Kind::Alb(p) if self.counts.other_groups > 0 => TraceError(format!(
                "{}: no line of target group {} in {} line(s){skipped}; the log's target groups: {} (set target_group_arn in [functions.traffic] to one of them)",
                self.lines.name,
                p.target_group().unwrap_or("-"),
                self.counts.other_groups,
                alb::group_list(&self.counts)
            )),
            _ => TraceError(format!(
                "{}: no request lines{skipped}; expected {}",
                self.lines.name,
                match self.kind {
                    Kind::ApiGateway(_) => apigateway::EXPECTED,
                    Kind::Alb(_) => alb::EXPECTED,
                }
            )),
        }
    }
}

impl RowSource for LogRows {
    fn next_row(&mut self) -> Result<Option<Row>, TraceError> {
        loop {
            if !self.lines.advance()? {
                if self.pass == 0 && self.stats.rows == 0 {
                    return Err(self.none_found());
                }
                return Ok(None);
            }
            if self.lines.buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let first = self.pass == 0;
            let counts = first.then_some(&mut self.counts);
            let r = match &mut self.kind {
                Kind::ApiGateway(p) => p.parse(&self.lines),
                Kind::Alb(p) => p.parse(&self.lines, counts),
            };
            let p = match r {
                Ok(Line::Request(p)) => p,
                Ok(Line::Other) => continue,
                Err(e) => {
                    self.reject(e)?;
                    continue;
                }
            };
            let at = if p.whole_second {
                p.at + (unit_f64(&mut self.rng) * 1e6) as i64
            } else {
                p.at
            };
            let dur = p.dur.filter(|_| self.use_durations);
            if first {
                self.stats.add(at);
                let c = &mut self.counts;
                match p.outcome {
                    Outcome::Ok => {}
                    Outcome::Throttled => c.throttled += 1,
                    Outcome::Failed => c.failed += 1,
                }
                c.no_duration += p.dur.is_none() as u64;
            }
            self.seq += 1;
            return Ok(Some(Row {
                at,
                seq: self.seq,
                dur,
                outcome: p.outcome,
            }));
        }
    }

    fn reject(&mut self, e: TraceError) -> Result<(), TraceError> {
        if self.skip {
            if self.pass == 0 {
                self.skipped += 1;
            }
            Ok(())
        } else {
            Err(TraceError(format!("{} {SKIP_HINT}", e.0)))
        }
    }

    fn here(&self) -> String {
        format!("{}:{}", self.lines.name, self.lines.line)
    }

    fn what(&self) -> &'static str {
        match self.kind {
            Kind::ApiGateway(_) => "the request time",
            Kind::Alb(_) => "request_creation_time",
        }
    }

    fn rewind(&mut self) -> Result<(), TraceError> {
        self.seq = 0;
        self.pass += 1;
        self.lines.rewind()
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }

    fn stats(&self) -> &RowStats {
        &self.stats
    }

    fn has_outcomes(&self) -> bool {
        true
    }
}

/// Shows a field for a message: text, trimmed to 60 characters.
pub(crate) fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > 60 {
        let t: String = s.chars().take(60).collect();
        format!("{t}…")
    } else {
        s.into_owned()
    }
}

/// The outcome of a request from its HTTP status.
pub(crate) fn outcome_of(status: Option<u16>) -> Outcome {
    match status {
        Some(429) => Outcome::Throttled,
        Some(s) if s >= 500 => Outcome::Failed,
        _ => Outcome::Ok,
    }
}

/// A status field: `-` (none) or an HTTP status code 100..=999.
pub(crate) fn status(text: &[u8]) -> Result<Option<u16>, String> {
    if text == b"-" || text.is_empty() {
        return Ok(None);
    }
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .map(Some)
        .ok_or_else(|| "is not an HTTP status code (100..=999) or `-`".to_string())
}
