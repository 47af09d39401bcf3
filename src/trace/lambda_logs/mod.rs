//! Lambda REPORT lines as a per-request trace (`source = "lambda-logs"`):
//! CloudWatch Logs exports of a function's log group, read as a stream.
//!
//! Three containers, told apart by their first bytes (after gzip):
//! - `aws logs filter-log-events` JSON (`{"events": [{"timestamp", "message", …}]}`),
//!   several pages as several files ([`json`]);
//! - a CloudWatch Logs Insights CSV export with `@timestamp` and `@message`
//!   columns, or with the REPORT fields Insights discovers (`@duration`,
//!   `@initDuration`, `@maxMemoryUsed`, `@memorySize`; memory in bytes);
//! - plain text, one message a line after a timestamp (`aws logs tail`:
//!   `2025-12-01T10:00:00.123000+00:00 2025/12/01/[$LATEST]abcd REPORT …`, or
//!   an RFC 3339 time then the message).
//!
//! Each message is a plain-text REPORT line, a JSON `platform.report` event,
//! or something else (START, END, the function's output), which is counted
//! and skipped ([`parse`]). One record is held at a time; memory stays flat.
//!
//! REPORT is written when an invocation ends, so its arrival is the log
//! timestamp minus its Duration (and its Init Duration, on a cold start) and rows come out of arrival order by up to
//! the longest duration; [`replay`] puts them back in order through a
//! bounded reordering window, as `requests` does for Azure 2021.

pub mod json;
pub mod parse;
pub mod replay;
pub mod stats;
pub mod summary;

use super::input::Input;
use super::table::{SKIP_HINT, Table};
use crate::request::TraceError;
use parse::{Fields, Parsed};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One invocation read from a REPORT.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Report {
    /// The log timestamp: when the invocation ended [µs since the epoch].
    pub ts: i64,
    pub fields: Fields,
}

impl Report {
    /// The arrival: timestamp − Duration − Init Duration [µs since the
    /// epoch]. A cold start's request waited for the init, which REPORT
    /// gives apart from the handler's Duration.
    pub fn arrival(&self) -> i64 {
        // All bounded (timestamps < 1e17 µs, durations <= one day).
        self.ts - self.fields.duration_us as i64 - self.fields.init_us.unwrap_or(0) as i64
    }
}

/// The container of one file.
enum Src {
    Json(json::Events<BufReader<Input>>),
    Text {
        r: BufReader<Input>,
        buf: String,
        line: u64,
    },
    Csv(Box<CsvLog>),
}

/// An Insights CSV and where its columns are.
struct CsvLog {
    t: Table,
    ts: usize,
    message: Option<usize>,
    duration: Option<usize>,
    init: Option<usize>,
    max_mem: Option<usize>,
    mem_size: Option<usize>,
}

/// Which container a file is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Container {
    FilterLogEvents,
    InsightsCsv,
    Text,
}

impl Container {
    pub fn words(self) -> &'static str {
        match self {
            Container::FilterLogEvents => "filter-log-events JSON",
            Container::InsightsCsv => "Logs Insights CSV",
            Container::Text => "plain text log",
        }
    }
}

/// Tells the container from the file's first line.
fn sniff(path: &Path, name: &str) -> Result<Container, TraceError> {
    let mut r = BufReader::new(Input::open(path, name)?);
    let mut first = Vec::new();
    r.read_until(b'\n', &mut first)
        .map_err(|e| TraceError(format!("{name}: cannot read the log file: {e}")))?;
    let s = String::from_utf8_lossy(&first);
    let s = s.trim_start_matches('\u{feff}').trim();
    if s.starts_with('{') && !(s.contains("\"time\"") && s.contains("\"type\"")) {
        return Ok(Container::FilterLogEvents);
    }
    if s.starts_with("@timestamp") || s.starts_with("\"@timestamp\"") || s.contains(",@message") {
        return Ok(Container::InsightsCsv);
    }
    if s.is_empty() && first.is_empty() {
        return Err(TraceError(format!(
            "{name}: empty file; expected a CloudWatch Logs export with REPORT lines (filter-log-events JSON, a Logs Insights CSV or a text log)"
        )));
    }
    Ok(Container::Text)
}

const CSV_EXPECTED: &str = "`@timestamp,@message` (a Logs Insights export of REPORT lines), or `@timestamp` with `@duration`";

impl CsvLog {
    fn open(path: &Path, skip: bool) -> Result<CsvLog, TraceError> {
        let t = Table::open(path, skip, CSV_EXPECTED)?;
        let ts = t.col("@timestamp", CSV_EXPECTED)?;
        let message = t.find("@message");
        let duration = t.find("@duration");
        if message.is_none() && duration.is_none() {
            t.col("@message", CSV_EXPECTED)?;
        }
        Ok(CsvLog {
            ts,
            message,
            duration,
            init: t.find("@initDuration"),
            max_mem: t.find("@maxMemoryUsed"),
            mem_size: t.find("@memorySize"),
            t,
        })
    }

    /// The row's message, or its discovered fields.
    fn row(&self) -> Parsed {
        if let Some(d) = self.duration
            && self.t.text(d).is_some_and(|s| !s.is_empty())
        {
            return self.fields(d);
        }
        match self.message {
            Some(m) => parse::message(self.t.text(m).unwrap_or("")),
            None => Parsed::Other,
        }
    }

    /// `@duration` [ms], `@initDuration` [ms], `@maxMemoryUsed` and
    /// `@memorySize` [bytes, MB = 10⁶ bytes as Insights writes them].
    fn fields(&self, d: usize) -> Parsed {
        let ms = |c: usize| -> Result<Option<u64>, String> {
            match self.t.text(c).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => s
                    .parse::<f64>()
                    .map_err(|_| "is not a number of milliseconds".to_string())
                    .and_then(|x| super::units::duration(x, Some(super::TimeUnit::Ms), None))
                    .map(Some)
                    .map_err(|why| self.t.bad_cell(c, &why).0),
            }
        };
        let mb = |c: usize| -> Result<Option<u32>, String> {
            match self.t.text(c).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => match s.parse::<f64>() {
                    Ok(b) if (0.0..=1.1e12).contains(&b) => Ok(Some((b / 1e6).round() as u32)),
                    _ => Err(self
                        .t
                        .bad_cell(
                            c,
                            "is not a number of bytes (Insights gives memory in bytes)",
                        )
                        .0),
                },
            }
        };
        let r = (|| -> Result<Fields, String> {
            Ok(Fields {
                duration_us: ms(d)?.unwrap_or(0),
                init_us: match self.init {
                    Some(c) => ms(c)?,
                    None => None,
                },
                max_memory_mb: match self.max_mem {
                    Some(c) => mb(c)?,
                    None => None,
                },
                memory_size_mb: match self.mem_size {
                    Some(c) => mb(c)?,
                    None => None,
                },
                time_us: None,
            })
        })();
        match r {
            Ok(f) => Parsed::Report(f),
            Err(e) => Parsed::Bad(e),
        }
    }
}

/// The leading timestamp of a text line and the rest: one token (RFC 3339),
/// or two (`2025-12-01 10:00:00.123`, UTC).
fn leading_time(line: &str) -> Option<(i64, &str)> {
    let s = line.trim_start();
    let end1 = s.find(char::is_whitespace).unwrap_or(s.len());
    if let Some(t) = super::rfc3339::parse_us(&s[..end1]) {
        return Some((t, &s[end1..]));
    }
    let rest = s[end1..].trim_start();
    let end2 = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let two = &s[..s.len() - rest.len() + end2];
    super::rfc3339::parse_us(two).map(|t| (t, &rest[end2..]))
}

/// The REPORT records of one or more log files, in file order (not arrival
/// order), with bad records refused or counted and skipped.
pub struct LogRows {
    paths: Vec<PathBuf>,
    /// The file being read.
    file: usize,
    src: Option<Src>,
    container: Option<Container>,
    pub skip: bool,
    /// Malformed REPORT records skipped (first pass).
    pub skipped: u64,
    /// Messages that are not REPORT lines (first pass).
    pub other: u64,
    /// 0 on the first read of the files, then 1, 2, … after each rewind.
    pub pass: u32,
}

impl LogRows {
    pub fn open(paths: &[PathBuf], skip: bool) -> Result<LogRows, TraceError> {
        if paths.is_empty() {
            return Err(TraceError("no log files given".into()));
        }
        let mut r = LogRows {
            paths: paths.to_vec(),
            file: 0,
            src: None,
            container: None,
            skip,
            skipped: 0,
            other: 0,
            pass: 0,
        };
        r.open_file()?;
        Ok(r)
    }

    /// The containers of the files, in order (sniffed without reading them).
    pub fn containers(paths: &[PathBuf]) -> Result<Vec<Container>, TraceError> {
        paths
            .iter()
            .map(|p| sniff(p, &p.display().to_string()))
            .collect()
    }

    fn name(&self) -> String {
        self.paths[self.file].display().to_string()
    }

    fn open_file(&mut self) -> Result<(), TraceError> {
        let path = &self.paths[self.file];
        let name = path.display().to_string();
        let c = sniff(path, &name)?;
        self.container = Some(c);
        let reader = || -> Result<BufReader<Input>, TraceError> {
            Ok(BufReader::with_capacity(
                256 * 1024,
                Input::open(path, &name)?,
            ))
        };
        self.src = Some(match c {
            Container::FilterLogEvents => Src::Json(json::Events::new(reader()?, name.clone())),
            Container::Text => Src::Text {
                r: reader()?,
                buf: String::new(),
                line: 0,
            },
            Container::InsightsCsv => Src::Csv(Box::new(CsvLog::open(path, self.skip)?)),
        });
        Ok(())
    }

    /// The container of the file being read.
    pub fn container(&self) -> Option<Container> {
        self.container
    }

    /// `path:line` of the record last read.
    pub fn location(&self) -> String {
        let line = match &self.src {
            Some(Src::Json(e)) => e.event_line,
            Some(Src::Text { line, .. }) => *line,
            Some(Src::Csv(c)) => c.t.line(),
            None => 0,
        };
        format!("{}:{line}", self.name())
    }

    /// A bad record: an error (with the skip hint) unless skipping.
    pub fn reject(&mut self, why: String) -> Result<(), TraceError> {
        if self.skip {
            if self.pass == 0 {
                self.skipped += 1;
            }
            Ok(())
        } else {
            Err(TraceError(format!("{why} {SKIP_HINT}")))
        }
    }

    /// Reads the next raw record of the current file: (timestamp, message
    /// parsed) or `None` at its end.
    fn raw(&mut self) -> Result<Option<(Option<i64>, Parsed)>, TraceError> {
        match self.src.as_mut() {
            None => Ok(None),
            Some(Src::Json(e)) => match e.next_event()? {
                None => {
                    e.finish()?;
                    Ok(None)
                }
                Some(ev) => {
                    let ts = ev.timestamp.as_f64().and_then(|x| {
                        super::units::timestamp_number(x, super::TimeUnit::Ms, None).ok()
                    });
                    let p = parse::message(&ev.message);
                    match ts {
                        Some(t) => Ok(Some((Some(t), p))),
                        None if matches!(p, Parsed::Other) => Ok(Some((None, p))),
                        None => Ok(Some((
                            None,
                            Parsed::Bad(format!(
                                "field `timestamp`: `{}` is not a number of milliseconds since the epoch",
                                ev.timestamp
                            )),
                        ))),
                    }
                }
            },
            Some(Src::Text { r, buf, line }) => {
                buf.clear();
                let n = r.read_line(buf).map_err(|e| {
                    TraceError(format!(
                        "{}:{}: cannot read the log file: {e}",
                        self.paths[self.file].display(),
                        *line + 1
                    ))
                })?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let p = parse::message(buf);
                if matches!(p, Parsed::Other) {
                    return Ok(Some((None, p)));
                }
                // The time before the message; a bare JSON line has its own.
                let head = match buf.find(parse::MARKER) {
                    Some(i) => &buf[..i],
                    None => &buf[..buf.find('{').unwrap_or(0)],
                };
                let ts = leading_time(head).map(|(t, _)| t);
                let ts = ts.or(match &p {
                    Parsed::Report(f) => f.time_us,
                    _ => None,
                });
                match (ts, p) {
                    (None, Parsed::Report(_)) => Ok(Some((
                        None,
                        Parsed::Bad(format!(
                            "a REPORT line without a timestamp before it: `{}`; expected a line as `aws logs tail` prints it (`2025-12-01T10:00:00.123000+00:00 <log stream> REPORT RequestId: …`) or an RFC 3339 time then the message",
                            super::table::show(head.as_bytes())
                        )),
                    ))),
                    (t, p) => Ok(Some((t, p))),
                }
            }
            Some(Src::Csv(c)) => {
                if !c.t.advance()? {
                    return Ok(None);
                }
                let p = c.row();
                if matches!(p, Parsed::Other) {
                    return Ok(Some((None, p)));
                }
                match c.t.timestamp(c.ts, super::TimeUnit::Ms, None) {
                    Ok(t) => Ok(Some((Some(t), p))),
                    Err(e) => Ok(Some((None, Parsed::Bad(e.0)))),
                }
            }
        }
    }

    /// The next good REPORT, in file order; `None` after the last file.
    pub fn next_report(&mut self) -> Result<Option<Report>, TraceError> {
        loop {
            let Some((ts, p)) = self.raw()? else {
                if self.src.is_none() {
                    return Ok(None);
                }
                self.close_file();
                if self.file + 1 >= self.paths.len() {
                    return Ok(None);
                }
                self.file += 1;
                self.open_file()?;
                continue;
            };
            match (ts, p) {
                (_, Parsed::Other) => {
                    if self.pass == 0 {
                        self.other += 1;
                    }
                }
                (Some(ts), Parsed::Report(fields)) => return Ok(Some(Report { ts, fields })),
                (_, Parsed::Bad(why)) => {
                    // CSV cell errors already carry `path:line`.
                    let why = if why.starts_with(&self.name()) {
                        why
                    } else {
                        format!("{}: {why}", self.location())
                    };
                    self.reject(why)?
                }
                (None, Parsed::Report(_)) => {
                    let why = format!("{}: REPORT without a timestamp", self.location());
                    self.reject(why)?
                }
            }
        }
    }

    /// Starts the files over (a new pass).
    pub fn rewind(&mut self) -> Result<(), TraceError> {
        self.close_file();
        self.file = 0;
        self.pass += 1;
        self.open_file()
    }

    /// Keeps the CSV reader's own count of malformed rows (first pass).
    fn close_file(&mut self) {
        if self.pass == 0
            && let Some(Src::Csv(c)) = &self.src
        {
            self.skipped += c.t.skipped;
        }
        self.src = None;
    }

    /// Malformed records skipped so far (first pass).
    pub fn skipped(&self) -> u64 {
        let live = match &self.src {
            Some(Src::Csv(c)) if self.pass == 0 => c.t.skipped,
            _ => 0,
        };
        self.skipped + live
    }
}
