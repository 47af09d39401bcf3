//! API Gateway access logs (`source = "apigateway"`), REST and HTTP APIs,
//! written with a JSON access-log format: one JSON object a line, as
//! CloudWatch Logs holds them (and as an export to S3 writes them, each line
//! after a timestamp, which is skipped).
//!
//! The format names which `$context` variable each JSON key holds. lmi-sim
//! reads five (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html>):
//! - `$context.requestTimeEpoch`: the arrival, ms since the epoch (preferred);
//! - `$context.requestTime`: the arrival, `01/Dec/2025:10:00:00 +0000`, whole
//!   seconds only: each request is placed at a uniform random (seeded) time
//!   inside its second, so a second's requests do not arrive as one burst;
//! - `$context.integrationLatency` (or `$context.integration.latency`): the
//!   backend's time, ms, the work; `-` when no integration ran;
//! - `$context.responseLatency`: the whole response time, ms, used as the work
//!   only on lines without an integration latency key;
//! - `$context.status`: 429 counts as throttled, 5xx as failed.
//!
//! A line's object is parsed in place by `serde_json` with a visitor that
//! matches its keys against the mapped ones and borrows their values:
//! nothing is allocated per line (only a value with JSON escapes is copied).

use super::{Line, Parsed, outcome_of, show, status};
use crate::request::TraceError;
use crate::trace::{rfc3339, units};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A `$context` variable lmi-sim reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Var {
    RequestTimeEpoch,
    RequestTime,
    IntegrationLatency,
    ResponseLatency,
    Status,
}

const VARS: usize = 5;

impl Var {
    fn index(self) -> usize {
        self as usize
    }
}

/// The variables read: name after `$context.`, and what it gives.
pub const READ: [(&str, Var, &str); 6] = [
    (
        "requestTimeEpoch",
        Var::RequestTimeEpoch,
        "the arrival, ms since the epoch",
    ),
    (
        "requestTime",
        Var::RequestTime,
        "the arrival, whole seconds",
    ),
    (
        "integrationLatency",
        Var::IntegrationLatency,
        "the work, ms",
    ),
    (
        "integration.latency",
        Var::IntegrationLatency,
        "the work, ms",
    ),
    (
        "responseLatency",
        Var::ResponseLatency,
        "the work on lines without an integration latency, ms",
    ),
    ("status", Var::Status, "429 throttled, 5xx failed"),
];

/// Other documented access-logging variables: accepted in a map (a whole
/// format can be pasted) and ignored.
const IGNORED: &[&str] = &[
    "accountId",
    "apiId",
    "awsEndpointRequestId",
    "awsEndpointRequestId2",
    "customDomain.basePathMatched",
    "dataProcessed",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error.message",
    "error.messageString",
    "error.responseType",
    "error.validationErrorString",
    "extendedRequestId",
    "httpMethod",
    "integration.error",
    "integration.integrationStatus",
    "integration.requestId",
    "integration.status",
    "integrationErrorMessage",
    "integrationStatus",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "resourceId",
    "resourcePath",
    "responseLength",
    "routeKey",
    "stage",
    "wafResponseCode",
    "webaclArn",
    "xrayTraceId",
];

/// Documented families of variables (`$context.identity.sourceIp`, …), ignored.
const IGNORED_FAMILIES: &[&str] = &[
    "authenticate.",
    "authorize.",
    "authorizer.",
    "identity.",
    "requestOverride.",
    "responseOverride.",
    "waf.",
];

/// Which JSON key holds which variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Fields {
    /// (JSON key, variable), the read variables only.
    pub keys: Vec<(String, Var)>,
}

impl Default for Fields {
    /// Keys named after the variables: `requestTimeEpoch`, `requestTime`,
    /// `integrationLatency`, `responseLatency`, `status`.
    fn default() -> Self {
        Fields {
            keys: READ
                .iter()
                .filter(|r| r.0 != "integration.latency")
                .map(|r| (r.0.to_string(), r.1))
                .collect(),
        }
    }
}

/// What a map value must be, for messages.
pub fn known_list() -> String {
    let read: Vec<String> = READ
        .iter()
        .map(|(n, _, what)| format!("$context.{n} ({what})"))
        .collect();
    format!(
        "a `$context` variable; lmi-sim reads {}; other documented access-logging variables ($context.requestId, $context.httpMethod, $context.identity.sourceIp, …) are accepted and ignored",
        read.join(", ")
    )
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + (ca != *cb) as usize;
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The variable a map value names: `Ok(Some)` for one lmi-sim reads,
/// `Ok(None)` for another documented one, or why it is refused.
pub fn variable(value: &str) -> Result<Option<Var>, String> {
    let Some(name) = value.trim().strip_prefix("$context.") else {
        return Err(format!(
            "{} (written as in the access-log format, e.g. \"$context.requestTimeEpoch\")",
            known_list()
        ));
    };
    if let Some(r) = READ.iter().find(|r| r.0 == name) {
        return Ok(Some(r.1));
    }
    if IGNORED.contains(&name) || IGNORED_FAMILIES.iter().any(|f| name.starts_with(f)) {
        return Ok(None);
    }
    let near = READ
        .iter()
        .map(|r| r.0)
        .chain(IGNORED.iter().copied())
        .map(|n| (distance(name, n), n))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, n)| format!(" (did you mean $context.{n}?)"))
        .unwrap_or_default();
    Err(format!(
        "an unknown $context variable{near}; allowed: {}",
        known_list()
    ))
}

/// What a line must look like, for messages.
pub const EXPECTED: &str = "one JSON object a line with the keys of the access-log format (by default `requestTimeEpoch` or `requestTime`, `integrationLatency` or `responseLatency`, `status`; map other keys with [functions.traffic.fields])";

/// A value of a mapped key, borrowed from the line.
#[derive(Debug, Default)]
enum Val<'a> {
    #[default]
    Absent,
    Null,
    Num(f64),
    Str(Cow<'a, str>),
    Other,
}

impl Val<'_> {
    fn present(&self) -> bool {
        !matches!(self, Val::Absent)
    }

    /// A number, or text holding one; `Ok(None)` for null, `-` or "".
    fn number(&self) -> Result<Option<f64>, ()> {
        match self {
            Val::Absent | Val::Null => Ok(None),
            Val::Num(x) => Ok(Some(*x)),
            Val::Str(s) if s.trim().is_empty() || s.trim() == "-" => Ok(None),
            Val::Str(s) => s.trim().parse::<f64>().map(Some).map_err(|_| ()),
            Val::Other => Err(()),
        }
    }

    fn show(&self) -> String {
        match self {
            Val::Absent => "(absent)".into(),
            Val::Null => "null".into(),
            Val::Num(x) => units::fmt_num(*x),
            Val::Str(s) => format!("\"{}\"", show(s.as_bytes())),
            Val::Other => "(an object, array or boolean)".into(),
        }
    }
}

/// The line's object: mapped keys' values, by variable.
struct LineSeed<'k, 'v, 'a> {
    keys: &'k [(String, Var)],
    out: &'v mut [Val<'a>; VARS],
}

struct KeySeed<'k>(&'k [(String, Var)]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<Var>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Var>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<Var>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<Option<Var>, E> {
        Ok(self.0.iter().find(|(key, _)| key == k).map(|(_, v)| *v))
    }
}

struct ValSeed;

impl<'de> DeserializeSeed<'de> for ValSeed {
    type Value = Val<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValSeed {
    type Value = Val<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_string())))
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<Val<'de>, E> {
        Ok(Val::Num(x as f64))
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<Val<'de>, E> {
        Ok(Val::Num(x as f64))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Val<'de>, E> {
        Ok(Val::Num(x))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Val<'de>, E> {
        Ok(Val::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Val<'de>, A::Error> {
        while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Other)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Val<'de>, A::Error> {
        while s.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Other)
    }
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(var) = m.next_key_seed(KeySeed(self.keys))? {
            match var {
                // The first value of a variable wins (two keys may hold the
                // integration latency).
                Some(v) if !self.out[v.index()].present() => {
                    self.out[v.index()] = m.next_value_seed(ValSeed)?;
                }
                _ => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Reads API Gateway JSON lines.
pub(crate) struct Parser {
    fields: Fields,
}

/// The start of the JSON object of a line: the line itself, or what follows
/// the timestamp a CloudWatch Logs export to S3 puts before each message.
fn object_start(line: &[u8]) -> &[u8] {
    let t = line.trim_ascii_start();
    if t.first() == Some(&b'{') {
        return t;
    }
    if let Some(sp) = t.iter().position(|&b| b == b' ') {
        let rest = t[sp..].trim_ascii_start();
        if rest.first() == Some(&b'{')
            && std::str::from_utf8(&t[..sp])
                .ok()
                .and_then(rfc3339::parse_us)
                .is_some()
        {
            return rest;
        }
    }
    t
}

impl Parser {
    pub fn new(fields: Fields) -> Parser {
        Parser { fields }
    }

    fn key(&self, v: Var) -> &str {
        self.fields
            .keys
            .iter()
            .find(|k| k.1 == v)
            .map_or("?", |k| k.0.as_str())
    }

    pub fn parse(&mut self, lines: &super::Lines) -> Result<Line, TraceError> {
        let here = || format!("{}:{}", lines.name, lines.line);
        let obj = object_start(&lines.buf);
        if obj.first() != Some(&b'{') {
            return Err(TraceError(format!(
                "{}: `{}` is not a JSON object; expected {EXPECTED}",
                here(),
                show(obj)
            )));
        }
        let mut vals: [Val; VARS] = Default::default();
        let mut de = serde_json::Deserializer::from_slice(obj);
        LineSeed {
            keys: &self.fields.keys,
            out: &mut vals,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            let more = if e.to_string().starts_with("trailing characters") {
                " (several objects on one line? records must be newline-delimited)"
            } else {
                ""
            };
            TraceError(format!(
                "{}: not a JSON object: {e}{more}; expected {EXPECTED}",
                here()
            ))
        })?;
        let bad = |v: Var, why: &str| {
            let name = READ.iter().find(|r| r.1 == v).map_or("?", |r| r.0);
            TraceError(format!(
                "{}: key `{}` ($context.{name}): {} {why}",
                here(),
                self.key(v),
                vals[v.index()].show()
            ))
        };
        let epoch = &vals[Var::RequestTimeEpoch.index()];
        let time = &vals[Var::RequestTime.index()];
        let (at, whole_second) = match epoch.number() {
            Ok(Some(ms)) => (
                units::timestamp_number(ms, units::TimeUnit::Ms, None)
                    .map_err(|why| bad(Var::RequestTimeEpoch, &why))?,
                false,
            ),
            Err(()) => {
                return Err(bad(
                    Var::RequestTimeEpoch,
                    "is not a time in milliseconds since the epoch",
                ));
            }
            Ok(None) => match time {
                Val::Str(s) if !s.trim().is_empty() && s.trim() != "-" => (
                    rfc3339::parse_us(s)
                        .filter(|us| (*us as f64 / 1e6).abs() < units::MAX_TIMESTAMP_S)
                        .ok_or_else(|| {
                            bad(
                                Var::RequestTime,
                                "is not a request time like 01/Dec/2025:10:00:00 +0000",
                            )
                        })?,
                    true,
                ),
                Val::Absent | Val::Null => {
                    let keys: Vec<String> = self
                        .fields
                        .keys
                        .iter()
                        .filter(|k| matches!(k.1, Var::RequestTimeEpoch | Var::RequestTime))
                        .map(|k| format!("`{}`", k.0))
                        .collect();
                    let got = if epoch.present() {
                        format!(
                            " (`{}` is {})",
                            self.key(Var::RequestTimeEpoch),
                            epoch.show()
                        )
                    } else {
                        String::new()
                    };
                    return Err(TraceError(format!(
                        "{}: no arrival: the line has no value for the keys {}{got} (set [functions.traffic.fields] to the keys of the access-log format)",
                        here(),
                        keys.join(" or ")
                    )));
                }
                _ => {
                    return Err(bad(
                        Var::RequestTime,
                        "is not a request time like 01/Dec/2025:10:00:00 +0000",
                    ));
                }
            },
        };
        let lat = if vals[Var::IntegrationLatency.index()].present() {
            Var::IntegrationLatency
        } else {
            Var::ResponseLatency
        };
        let dur = match vals[lat.index()].number() {
            Ok(None) => None,
            Ok(Some(ms)) => Some(
                units::duration(ms, Some(units::TimeUnit::Ms), None)
                    .map_err(|why| bad(lat, &why))?,
            ),
            Err(()) => return Err(bad(lat, "is not a latency in milliseconds or \"-\"")),
        };
        let st = match &vals[Var::Status.index()] {
            Val::Absent | Val::Null => None,
            Val::Num(x) if x.fract() == 0.0 && (100.0..=999.0).contains(x) => Some(*x as u16),
            Val::Str(s) => status(s.trim().as_bytes()).map_err(|why| bad(Var::Status, &why))?,
            _ => {
                return Err(bad(
                    Var::Status,
                    "is not an HTTP status code (100..=999) or \"-\"",
                ));
            }
        };
        Ok(Line::Request(Parsed {
            at,
            dur,
            outcome: outcome_of(st),
            whole_second,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_ignored_or_refused_with_the_known_list() {
        assert_eq!(
            variable("$context.requestTimeEpoch"),
            Ok(Some(Var::RequestTimeEpoch))
        );
        assert_eq!(
            variable("$context.integration.latency"),
            Ok(Some(Var::IntegrationLatency))
        );
        assert_eq!(variable("$context.identity.sourceIp"), Ok(None));
        assert_eq!(variable("$context.requestId"), Ok(None));
        let e = variable("$context.requestTimeEpok").unwrap_err();
        assert!(e.contains("did you mean $context.requestTimeEpoch?"), "{e}");
        assert!(
            e.contains("$context.integrationLatency (the work, ms)"),
            "{e}"
        );
        let e = variable("requestTimeEpoch").unwrap_err();
        assert!(e.contains("e.g. \"$context.requestTimeEpoch\""), "{e}");
    }

    #[test]
    fn the_export_timestamp_before_a_message_is_skipped() {
        assert_eq!(
            object_start(b"2025-12-01T10:00:00.000Z {\"a\":1}"),
            b"{\"a\":1}"
        );
        assert_eq!(object_start(b"hello {\"a\":1}"), b"hello {\"a\":1}");
        assert_eq!(object_start(b"  {}"), b"{}");
    }
}
