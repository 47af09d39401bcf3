//! The JSON exports, `aws cloudwatch get-metric-data` and
//! `get-metric-statistics`, parsed as a stream: serde visitors that keep only
//! the selected result's points (the other results' arrays are skipped
//! unread), so memory follows the selected series, not the file.

use super::super::input::Input;
use super::super::table;
use super::super::units::{self, TimeUnit, show_time};
use super::{Acc, FileInfo, FileKind, check_label_is_count, count_of, fmt_value};
use crate::request::TraceError;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::BufReader;

/// A serde_json error as `path:line:column: …`.
pub(super) fn json_err(name: &str, e: serde_json::Error) -> TraceError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full.strip_suffix(&suffix).unwrap_or(&full);
    let at = format!("{name}:{}:{}", e.line(), e.column());
    TraceError(match e.classify() {
        serde_json::error::Category::Eof => format!(
            "{at}: the JSON ends early ({msg}): the file is truncated; export it again (an interrupted `aws … > file.json` leaves a partial file)"
        ),
        serde_json::error::Category::Io => format!("{name}: cannot read the trace file: {msg}"),
        serde_json::error::Category::Syntax => format!(
            "{at}: not valid JSON ({msg}); expected the output of `aws cloudwatch get-metric-data` or `get-metric-statistics` (--output json)"
        ),
        serde_json::error::Category::Data => format!("{at}: {msg}"),
    })
}

pub(super) fn read_json(
    rdr: BufReader<Input>,
    name: &str,
    acc: &mut Acc,
) -> Result<FileInfo, TraceError> {
    let mut info = FileInfo::default();
    let mut de = serde_json::Deserializer::from_reader(rdr);
    Top {
        acc,
        info: &mut info,
    }
    .deserialize(&mut de)
    .map_err(|e| json_err(name, e))?;
    de.end().map_err(|e| json_err(name, e))?;
    Ok(info)
}

const TOP_EXPECTED: &str = "a JSON object from `aws cloudwatch get-metric-data` (with `MetricDataResults`) or `aws cloudwatch get-metric-statistics` (with `Datapoints`)";

/// The whole file.
struct Top<'x, 'a> {
    acc: &'x mut Acc<'a>,
    info: &'x mut FileInfo,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(TOP_EXPECTED)
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let mut stat_points: Option<Vec<(i64, u64)>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "MetricDataResults" => {
                    self.info.kind = Some(FileKind::MetricData);
                    map.next_value_seed(Results {
                        acc: &mut *self.acc,
                        info: &mut *self.info,
                    })?;
                }
                "NextToken" => self.info.next_token = map.next_value::<Option<String>>()?,
                "Label" => self.info.stat_label = map.next_value::<Option<String>>()?,
                "Datapoints" => {
                    self.info.kind = Some(FileKind::MetricStatistics);
                    stat_points = Some(map.next_value_seed(Datapoints { acc: &*self.acc })?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match self.info.kind {
            None => Err(de::Error::custom(format!(
                "an object without `MetricDataResults` or `Datapoints`: expected {TOP_EXPECTED}"
            ))),
            Some(FileKind::MetricStatistics) => {
                if let Some(m) = &self.acc.sel.metric_id {
                    return Err(de::Error::custom(format!(
                        "metric_id = \"{m}\" selects a get-metric-data result, but this is get-metric-statistics output (one metric per file, no Id): remove metric_id (or use label = \"<Label>\")"
                    )));
                }
                let label = self.info.stat_label.clone().unwrap_or_default();
                check_label_is_count(&label).map_err(de::Error::custom)?;
                if self.acc.decide(&label, &label) {
                    let pts = stat_points.unwrap_or_default();
                    self.acc.room(pts.len()).map_err(de::Error::custom)?;
                    let mut prev = None;
                    for (ts, c) in pts {
                        self.acc.push(ts, c, prev);
                        prev = Some(ts);
                    }
                }
                Ok(())
            }
            Some(_) => Ok(()),
        }
    }
}

/// `MetricDataResults`.
struct Results<'x, 'a> {
    acc: &'x mut Acc<'a>,
    info: &'x mut FileInfo,
}

impl<'de> DeserializeSeed<'de> for Results<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Results<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`MetricDataResults`: an array of results")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(OneResult {
                acc: &mut *self.acc,
                info: &mut *self.info,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// A `Messages` entry.
#[derive(Deserialize)]
struct Message {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Value")]
    value: Option<String>,
}

/// One entry of `MetricDataResults`.
struct OneResult<'x, 'a> {
    acc: &'x mut Acc<'a>,
    info: &'x mut FileInfo,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for OneResult<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneResult<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object {Id, Label, Timestamps, Values, StatusCode}")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let i = self.index;
        let mut id: Option<String> = None;
        let mut label: Option<String> = None;
        let mut ts: Option<Vec<i64>> = None;
        let mut vals: Option<Vec<f64>> = None;
        let mut status: Option<String> = None;
        let mut msgs: Vec<Message> = Vec::new();
        let mut skipped = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "Id" => id = map.next_value()?,
                "Label" => label = map.next_value()?,
                "StatusCode" => status = map.next_value()?,
                "Messages" => {
                    msgs = map
                        .next_value::<Option<Vec<Message>>>()?
                        .unwrap_or_default()
                }
                "Timestamps" | "Values" => {
                    if self.acc.hint(id.as_deref(), label.as_deref()) == Some(false) {
                        map.next_value::<IgnoredAny>()?;
                        skipped = true;
                    } else if key == "Timestamps" {
                        ts = Some(map.next_value_seed(Stamps {
                            acc: &*self.acc,
                            result: i,
                        })?);
                    } else {
                        vals = Some(map.next_value_seed(Values {
                            acc: &*self.acc,
                            result: i,
                        })?);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = id.unwrap_or_default();
        let label = label.unwrap_or_else(|| id.clone());
        let here = if self.acc.implicit() {
            format!("MetricDataResults[{i}] (Id `{id}`, taken as no metric_id or label is given)")
        } else {
            format!("MetricDataResults[{i}] (Id `{id}`)")
        };
        if !self.acc.decide(&id, &label) {
            return Ok(());
        }
        debug_assert!(!skipped);
        let status_s = status.clone().unwrap_or_else(|| "Complete".into());
        if status_s == "InternalError" || status_s == "Forbidden" {
            let m: Vec<String> = msgs
                .iter()
                .map(|m| {
                    format!(
                        "{}: {}",
                        m.code.as_deref().unwrap_or("?"),
                        m.value.as_deref().unwrap_or("")
                    )
                })
                .collect();
            return Err(de::Error::custom(format!(
                "{here}: StatusCode \"{status_s}\": CloudWatch did not return the data{}; {}",
                if m.is_empty() {
                    " (no Messages)".to_string()
                } else {
                    format!(" (Messages: {})", m.join("; "))
                },
                if status_s == "Forbidden" {
                    "the caller lacks permission (cloudwatch:GetMetricData) for this metric or account"
                } else {
                    "retry the export"
                }
            )));
        }
        self.info.status = Some(status_s);
        check_label_is_count(&label).map_err(|e| de::Error::custom(format!("{here}: {e}")))?;
        let ts = ts.unwrap_or_default();
        let vals = vals.unwrap_or_default();
        if ts.len() != vals.len() {
            return Err(de::Error::custom(format!(
                "{here}: {} Timestamps but {} Values: each timestamp needs exactly one value (the file is damaged or was edited)",
                ts.len(),
                vals.len()
            )));
        }
        self.acc.room(ts.len()).map_err(de::Error::custom)?;
        let mut prev = None;
        for (k, (&t, &v)) in ts.iter().zip(&vals).enumerate() {
            let c = count_of(v).map_err(|why| {
                de::Error::custom(format!(
                    "{here}: Values[{k}] = {} (at {}) {why}",
                    fmt_value(v),
                    show_time(t)
                ))
            })?;
            self.acc.push(t, c, prev);
            prev = Some(t);
        }
        Ok(())
    }
}

/// `Timestamps`: ISO 8601 date-times, parsed as they are read.
struct Stamps<'x, 'a> {
    acc: &'x Acc<'a>,
    result: usize,
}

impl<'de> DeserializeSeed<'de> for Stamps<'_, '_> {
    type Value = Vec<i64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<i64>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Stamps<'_, '_> {
    type Value = Vec<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`Timestamps`: an array of date-times")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<i64>, S::Error> {
        let mut out = Vec::new();
        while let Some(t) = seq.next_element_seed(Stamp {
            what: "Timestamps",
            result: Some(self.result),
            index: out.len(),
        })? {
            out.push(t);
            if out.len() % 4096 == 0 {
                self.acc.room(out.len()).map_err(de::Error::custom)?;
            }
        }
        self.acc.room(out.len()).map_err(de::Error::custom)?;
        Ok(out)
    }
}

/// `Values`: numbers.
struct Values<'x, 'a> {
    acc: &'x Acc<'a>,
    result: usize,
}

impl<'de> DeserializeSeed<'de> for Values<'_, '_> {
    type Value = Vec<f64>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<f64>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Values<'_, '_> {
    type Value = Vec<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "`Values` of MetricDataResults[{}]: an array of numbers",
            self.result
        )
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<f64>, S::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<f64>()? {
            out.push(v);
            if out.len() % 4096 == 0 {
                self.acc.room(out.len()).map_err(de::Error::custom)?;
            }
        }
        self.acc.room(out.len()).map_err(de::Error::custom)?;
        Ok(out)
    }
}

/// One date-time string.
struct Stamp {
    what: &'static str,
    result: Option<usize>,
    index: usize,
}

impl Stamp {
    fn at(&self) -> String {
        match self.result {
            Some(r) => format!("MetricDataResults[{r}].{}[{}]", self.what, self.index),
            None => format!("Datapoints[{}].{}", self.index, self.what),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Stamp {
    type Value = i64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<i64, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Stamp {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}: a date-time string like \"2025-12-01T10:05:00+00:00\"",
            self.at()
        )
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i64, E> {
        units::timestamp(s, TimeUnit::S, None)
            .ok()
            .filter(|_| s.parse::<f64>().is_err())
            .ok_or_else(|| {
                E::custom(format!(
                    "{}: `{}` is not an ISO 8601 date-time with an offset, like \"2025-12-01T10:05:00+00:00\"",
                    self.at(),
                    table::show(s.as_bytes())
                ))
            })
    }
}

/// `Datapoints` of get-metric-statistics: (start, count) in file order.
struct Datapoints<'x, 'a> {
    acc: &'x Acc<'a>,
}

impl<'de> DeserializeSeed<'de> for Datapoints<'_, '_> {
    type Value = Vec<(i64, u64)>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Datapoints<'_, '_> {
    type Value = Vec<(i64, u64)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`Datapoints`: an array of {Timestamp, Sum, Unit}")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let mut out = Vec::new();
        while let Some(p) = seq.next_element_seed(OneDatapoint { index: out.len() })? {
            out.push(p);
            if out.len() % 4096 == 0 {
                self.acc.room(out.len()).map_err(de::Error::custom)?;
            }
        }
        self.acc.room(out.len()).map_err(de::Error::custom)?;
        Ok(out)
    }
}

struct OneDatapoint {
    index: usize,
}

impl<'de> DeserializeSeed<'de> for OneDatapoint {
    type Value = (i64, u64);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(i64, u64), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneDatapoint {
    type Value = (i64, u64);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "Datapoints[{}]: an object {{Timestamp, Sum, Unit}}",
            self.index
        )
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(i64, u64), M::Error> {
        let i = self.index;
        let mut ts = None;
        let mut sum: Option<f64> = None;
        let mut unit: Option<String> = None;
        let mut others: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "Timestamp" => {
                    ts = Some(map.next_value_seed(Stamp {
                        what: "Timestamp",
                        result: None,
                        index: i,
                    })?)
                }
                "Sum" => sum = Some(map.next_value()?),
                "Unit" => unit = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    if others.len() < 6 {
                        others.push(key);
                    }
                }
            }
        }
        let Some(ts) = ts else {
            return Err(de::Error::custom(format!(
                "Datapoints[{i}] has no `Timestamp`"
            )));
        };
        if let Some(u) = &unit
            && u != "Count"
            && u != "None"
        {
            return Err(de::Error::custom(format!(
                "Datapoints[{i}] (at {}): Unit `{u}`: this file holds a metric measured in {u} (e.g. Duration in Milliseconds), not a count of invocations; lmi-sim replays the Sum of Invocations (Unit Count): export get-metric-statistics --metric-name Invocations --statistics Sum",
                show_time(ts)
            )));
        }
        let Some(v) = sum else {
            return Err(de::Error::custom(format!(
                "Datapoints[{i}] (at {}) has no `Sum`{}: export with --statistics Sum",
                show_time(ts),
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" (it has {})", others.join(", "))
                }
            )));
        };
        let c = count_of(v).map_err(|why| {
            de::Error::custom(format!(
                "Datapoints[{i}] (at {}): Sum = {} {why}",
                show_time(ts),
                fmt_value(v)
            ))
        })?;
        Ok((ts, c))
    }
}
