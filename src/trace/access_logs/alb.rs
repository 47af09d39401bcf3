//! ALB access logs (`source = "alb"`): one request a line, space-separated
//! fields, some in double quotes, in the documented order
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html>).
//!
//! Read: `request_creation_time` (the arrival), `target_processing_time`
//! (the work, seconds; `-1` when the target did not respond),
//! `elb_status_code` (429 throttled, 5xx failed) and `target_group_arn` (the
//! filter). A line must have at least the 29 fields from `type` to
//! `classification_reason`, logged since 2020; fields after them
//! (`conn_trace_id`, and whatever AWS appends later, as its documentation
//! tells parsers to expect) are ignored. A hand-written tokenizer records
//! field offsets in a fixed array: nothing is allocated per line.

use super::{Line, LogCounts, Parsed, outcome_of, show, status};
use crate::request::TraceError;
use crate::trace::requests::Outcome;
use crate::trace::{rfc3339, units};

/// The documented fields, in order. Lines need the first [`MIN_FIELDS`].
pub const FIELDS: [&str; 33] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
    "transformed_host",
    "transformed_uri",
    "request_transform_status",
];

/// Fields every line must have: `type` … `classification_reason`.
pub const MIN_FIELDS: usize = 29;

const TARGET_PROCESSING_TIME: usize = 6;
const ELB_STATUS_CODE: usize = 8;
const TARGET_GROUP_ARN: usize = 16;
const REQUEST_CREATION_TIME: usize = 21;

/// Field offsets kept per line; later fields are only counted.
const KEPT: usize = 40;

/// What a line must look like, for messages.
pub const EXPECTED: &str = "ALB access log lines: space-separated fields `type time elb client:port target:port request_processing_time target_processing_time …` as Elastic Load Balancing writes them to S3";

/// Splits `line` at spaces into fields; a field opening with `"` runs to the
/// next `"` not escaped by `\` (the quotes are not part of the field). Runs
/// of spaces count as one. Returns the number of fields (all of them; the
/// offsets of the first [`KEPT`] are stored), or the 1-based number of a field
/// whose quotes do not close.
fn split(line: &[u8], out: &mut [(u32, u32); KEPT]) -> Result<usize, (usize, &'static str)> {
    let mut n = 0;
    let mut i = 0;
    let len = line.len();
    while i < len {
        if line[i] == b' ' {
            i += 1;
            continue;
        }
        let (start, end);
        if line[i] == b'"' {
            start = i + 1;
            let mut j = start;
            loop {
                match line.get(j) {
                    None => return Err((n + 1, "its opening quote is never closed")),
                    Some(b'\\') => j += 2,
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            end = j;
            i = j + 1;
            if i < len && line[i] != b' ' {
                return Err((n + 1, "text follows its closing quote"));
            }
        } else {
            start = i;
            while i < len && line[i] != b' ' {
                i += 1;
            }
            end = i;
        }
        if n < KEPT {
            out[n] = (start as u32, end as u32);
        }
        n += 1;
    }
    Ok(n)
}

/// Reads ALB lines, filtered to one target group if asked.
pub(crate) struct Parser {
    target_group: Option<String>,
    fields: Box<[(u32, u32); KEPT]>,
}

impl Parser {
    pub fn new(target_group: Option<String>) -> Parser {
        Parser {
            target_group,
            fields: Box::new([(0, 0); KEPT]),
        }
    }

    pub fn target_group(&self) -> Option<&str> {
        self.target_group.as_deref()
    }

    /// Parses the current line; `counts` (first pass only) tallies the
    /// target groups seen and the lines filtered out.
    pub fn parse(
        &mut self,
        lines: &super::Lines,
        counts: Option<&mut LogCounts>,
    ) -> Result<Line, TraceError> {
        let line = lines.buf.as_slice();
        let here = || format!("{}:{}", lines.name, lines.line);
        let n = split(line, &mut self.fields).map_err(|(i, why)| {
            TraceError(format!(
                "{}: field {i} (`{}`): {why}; expected {EXPECTED}",
                here(),
                FIELDS.get(i - 1).copied().unwrap_or("?")
            ))
        })?;
        if n < MIN_FIELDS {
            return Err(TraceError(format!(
                "{}: {n} field(s), an ALB access log line has at least {MIN_FIELDS} (`type` … `classification_reason`; later fields such as `conn_trace_id` are ignored){}",
                here(),
                if n == 0 {
                    String::new()
                } else {
                    format!(
                        "; the line ends after `{}`",
                        FIELDS.get(n - 1).copied().unwrap_or("?")
                    )
                }
            )));
        }
        let f = |i: usize| {
            let (a, b) = self.fields[i];
            &line[a as usize..b as usize]
        };
        let bad = |i: usize, why: &str| {
            TraceError(format!(
                "{}: field {} `{}`: `{}` {why}",
                here(),
                i + 1,
                FIELDS[i],
                show(f(i))
            ))
        };
        let arn = f(TARGET_GROUP_ARN);
        let other = self
            .target_group
            .as_deref()
            .is_some_and(|t| t.as_bytes() != arn);
        if let Some(c) = counts {
            c.count_group(arn);
            c.other_groups += other as u64;
        }
        if other {
            return Ok(Line::Other);
        }
        let at = std::str::from_utf8(f(REQUEST_CREATION_TIME))
            .ok()
            .and_then(rfc3339::parse_us)
            .filter(|us| (*us as f64 / 1e6).abs() < units::MAX_TIMESTAMP_S)
            .ok_or_else(|| {
                bad(
                    REQUEST_CREATION_TIME,
                    "is not an ISO 8601 UTC time like 2025-12-01T10:00:00.123456Z",
                )
            })?;
        let tpt = f(TARGET_PROCESSING_TIME);
        let dur = if tpt == b"-1" {
            None
        } else {
            let x = std::str::from_utf8(tpt)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| {
                    bad(
                        TARGET_PROCESSING_TIME,
                        "is not a time in seconds (or -1: the target did not respond)",
                    )
                })?;
            Some(
                units::duration(x, Some(units::TimeUnit::S), None)
                    .map_err(|why| bad(TARGET_PROCESSING_TIME, &why))?,
            )
        };
        let st = status(f(ELB_STATUS_CODE)).map_err(|why| bad(ELB_STATUS_CODE, &why))?;
        let outcome = match outcome_of(st) {
            Outcome::Ok if dur.is_none() => Outcome::Failed,
            o => o,
        };
        Ok(Line::Request(Parsed {
            at,
            dur,
            outcome,
            whole_second: false,
        }))
    }
}

/// The target groups a first pass saw, for messages.
pub fn group_list(c: &LogCounts) -> String {
    let mut v: Vec<String> = c
        .groups
        .iter()
        .map(|(g, n)| format!("{g} ({} lines)", crate::trace::inspect::thousands(*n)))
        .collect();
    if c.more_groups {
        v.push("…".into());
    }
    v.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        let mut out = [(0, 0); KEPT];
        let n = split(line.as_bytes(), &mut out).unwrap();
        out[..n.min(KEPT)]
            .iter()
            .map(|&(a, b)| line[a as usize..b as usize].to_string())
            .collect()
    }

    #[test]
    fn quoted_fields_keep_their_spaces_and_escapes() {
        assert_eq!(
            fields(r#"h2 "GET http://x/ HTTP/1.1" "a \"b\" c" - """#),
            ["h2", "GET http://x/ HTTP/1.1", r#"a \"b\" c"#, "-", ""]
        );
        assert_eq!(fields("a  b "), ["a", "b"]);
        let mut out = [(0, 0); KEPT];
        assert_eq!(
            split(br#"a "b c"#, &mut out),
            Err((2, "its opening quote is never closed"))
        );
        assert_eq!(
            split(br#"a "b"c d"#, &mut out),
            Err((2, "text follows its closing quote"))
        );
        let many = "x ".repeat(KEPT + 5);
        assert_eq!(split(many.as_bytes(), &mut out), Ok(KEPT + 5));
    }
}
