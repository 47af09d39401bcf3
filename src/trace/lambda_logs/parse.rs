//! One log message → one REPORT record, or "not a REPORT", or the field that
//! is malformed. Knows the two spellings Lambda writes: the plain-text
//! `REPORT RequestId: … Duration: 102.25 ms …` line (fields separated by tabs
//! or spaces) and the JSON log format's `platform.report` event.
//! Pure: no I/O.

use crate::trace::TimeUnit;
use crate::trace::units;

/// What one REPORT gives. Durations in µs, memory in MB (Lambda's MB are MiB).
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Fields {
    pub duration_us: u64,
    pub memory_size_mb: Option<u32>,
    pub max_memory_mb: Option<u32>,
    pub init_us: Option<u64>,
    /// The JSON format's own `time` (µs since the epoch), when it has one.
    pub time_us: Option<i64>,
}

/// A message read.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// START, END, the function's own output, other platform events.
    Other,
    Report(Fields),
    /// A REPORT with a malformed field: the reason, naming the field.
    Bad(String),
}

/// The marker of a plain-text REPORT line.
pub const MARKER: &str = "REPORT RequestId:";

/// Reads one message (the text after any timestamp prefix, or the whole line).
pub fn message(msg: &str) -> Parsed {
    if let Some(i) = msg.find(MARKER) {
        return match text_report(&msg[i..]) {
            Ok(f) => Parsed::Report(f),
            Err(e) => Parsed::Bad(e),
        };
    }
    let t = msg.trim_start();
    if t.starts_with('{') && t.contains("platform.report") {
        return json_report(t);
    }
    Parsed::Other
}

/// A millisecond duration field as µs.
fn ms(label: &str, value: &str, unit: &str) -> Result<u64, String> {
    let shown = format!("`{label} {value} {unit}`");
    let x: f64 = value
        .parse()
        .map_err(|_| format!("field {shown}: `{value}` is not a number of milliseconds"))?;
    if unit != "ms" {
        return Err(format!("field {shown}: the unit must be `ms`"));
    }
    units::duration(x, Some(TimeUnit::Ms), None)
        .map_err(|why| format!("field {shown}: `{value}` {why}"))
}

/// A megabyte field.
fn mb(label: &str, value: &str, unit: &str) -> Result<u32, String> {
    let shown = format!("`{label} {value} {unit}`");
    let v = match value.parse::<u32>() {
        Ok(v) if v <= 1_048_576 => v,
        _ => {
            return Err(format!(
                "field {shown}: `{value}` is not a whole number of MB in 0..=1048576"
            ));
        }
    };
    if unit != "MB" {
        return Err(format!("field {shown}: the unit must be `MB`"));
    }
    Ok(v)
}

/// `REPORT RequestId: id Duration: 102.25 ms Billed Duration: 103 ms Memory
/// Size: 2048 MB Max Memory Used: 180 MB Init Duration: 250.11 ms …`.
/// Labels are told apart by the words before `Duration:`; unknown fields
/// (`Restore Duration`, `Status`, X-Ray ids) are ignored.
fn text_report(s: &str) -> Result<Fields, String> {
    let tok: Vec<&str> = s.split_whitespace().collect();
    let mut f = Fields::default();
    let mut duration = None;
    let val = |i: usize| {
        (
            tok.get(i + 1).copied().unwrap_or(""),
            tok.get(i + 2).copied().unwrap_or(""),
        )
    };
    for i in 0..tok.len() {
        let prev = if i > 0 { tok[i - 1] } else { "" };
        let prev2 = if i > 1 { tok[i - 2] } else { "" };
        match tok[i] {
            "Duration:" => {
                let (v, u) = val(i);
                match prev {
                    "Init" => f.init_us = Some(ms("Init Duration:", v, u)?),
                    "Billed" | "Restore" => {}
                    _ => duration = Some(ms("Duration:", v, u)?),
                }
            }
            "Size:" if prev == "Memory" => {
                let (v, u) = val(i);
                f.memory_size_mb = Some(mb("Memory Size:", v, u)?);
            }
            "Used:" if prev == "Memory" && prev2 == "Max" => {
                let (v, u) = val(i);
                f.max_memory_mb = Some(mb("Max Memory Used:", v, u)?);
            }
            _ => {}
        }
    }
    f.duration_us = duration.ok_or("REPORT line without a `Duration: … ms` field")?;
    Ok(f)
}

#[derive(serde::Deserialize)]
struct JsonLine {
    #[serde(default)]
    time: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    record: Option<JsonRecord>,
}

#[derive(serde::Deserialize)]
struct JsonRecord {
    #[serde(default)]
    metrics: Option<JsonMetrics>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonMetrics {
    #[serde(default)]
    duration_ms: Option<serde_json::Value>,
    #[serde(default, rename = "memorySizeMB")]
    memory_size_mb: Option<serde_json::Value>,
    #[serde(default, rename = "maxMemoryUsedMB")]
    max_memory_used_mb: Option<serde_json::Value>,
    #[serde(default)]
    init_duration_ms: Option<serde_json::Value>,
}

/// `{"time":…,"type":"platform.report","record":{"requestId":…,"metrics":{"durationMs":…,
/// "billedDurationMs":…,"memorySizeMB":…,"maxMemoryUsedMB":…,"initDurationMs":…}}}`
/// (Lambda's JSON log format; the Telemetry API's `platform.report`).
fn json_report(s: &str) -> Parsed {
    let line: JsonLine = match serde_json::from_str(s) {
        Ok(l) => l,
        // Application JSON that mentions the word: not ours.
        Err(_) => return Parsed::Other,
    };
    if line.kind != "platform.report" {
        return Parsed::Other;
    }
    let Some(m) = line.record.and_then(|r| r.metrics) else {
        return Parsed::Bad("platform.report without `record.metrics`".into());
    };
    let num = |name: &str, v: &serde_json::Value| -> Result<f64, String> {
        v.as_f64()
            .ok_or_else(|| format!("field `record.metrics.{name}`: `{v}` is not a number"))
    };
    let r = (|| -> Result<Fields, String> {
        let d = m
            .duration_ms
            .as_ref()
            .ok_or("platform.report without `record.metrics.durationMs`")?;
        let d = num("durationMs", d)?;
        let mut f = Fields {
            duration_us: ms("durationMs:", &d.to_string(), "ms")
                .map_err(|e| e.replace("`durationMs:", "`record.metrics.durationMs:"))?,
            ..Fields::default()
        };
        if let Some(v) = &m.init_duration_ms {
            let x = num("initDurationMs", v)?;
            f.init_us =
                Some(units::duration(x, Some(TimeUnit::Ms), None).map_err(|why| {
                    format!("field `record.metrics.initDurationMs`: `{v}` {why}")
                })?);
        }
        let mbs = |name: &str, v: &Option<serde_json::Value>| -> Result<Option<u32>, String> {
            match v {
                None => Ok(None),
                Some(v) => match v.as_f64() {
                    Some(x) if (0.0..=1_048_576.0).contains(&x) && x.fract() == 0.0 => {
                        Ok(Some(x as u32))
                    }
                    _ => Err(format!(
                        "field `record.metrics.{name}`: `{v}` is not a whole number of MB in 0..=1048576"
                    )),
                },
            }
        };
        f.memory_size_mb = mbs("memorySizeMB", &m.memory_size_mb)?;
        f.max_memory_mb = mbs("maxMemoryUsedMB", &m.max_memory_used_mb)?;
        f.time_us = line
            .time
            .as_deref()
            .and_then(crate::trace::rfc3339::parse_us);
        Ok(f)
    })();
    match r {
        Ok(f) => Parsed::Report(f),
        Err(e) => Parsed::Bad(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_text_report_with_tabs_or_spaces() {
        let tabs = "REPORT RequestId: 3f1c\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 2048 MB\tMax Memory Used: 180 MB\tInit Duration: 250.11 ms\t\n";
        let want = Fields {
            duration_us: 102_250,
            memory_size_mb: Some(2048),
            max_memory_mb: Some(180),
            init_us: Some(250_110),
            time_us: None,
        };
        assert_eq!(message(tabs), Parsed::Report(want));
        assert_eq!(message(&tabs.replace('\t', " ")), Parsed::Report(want));
        let warm = "REPORT RequestId: x Duration: 1.79 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 46 MB";
        assert_eq!(
            message(warm),
            Parsed::Report(Fields {
                duration_us: 1790,
                memory_size_mb: Some(128),
                max_memory_mb: Some(46),
                ..Fields::default()
            })
        );
        assert_eq!(
            message("START RequestId: x Version: $LATEST"),
            Parsed::Other
        );
        assert_eq!(message("END RequestId: x"), Parsed::Other);
    }

    #[test]
    fn names_the_bad_field() {
        let bad = "REPORT RequestId: x Duration: abc ms Billed Duration: 3 ms";
        assert_eq!(
            message(bad),
            Parsed::Bad("field `Duration: abc ms`: `abc` is not a number of milliseconds".into())
        );
        let Parsed::Bad(e) = message("REPORT RequestId: x Billed Duration: 3 ms") else {
            panic!()
        };
        assert!(e.contains("without a `Duration: … ms`"), "{e}");
        let Parsed::Bad(e) = message("REPORT RequestId: x Duration: 3 ms Max Memory Used: 1.5 MB")
        else {
            panic!()
        };
        assert!(e.contains("`Max Memory Used: 1.5 MB`"), "{e}");
    }

    #[test]
    fn reads_the_json_platform_report() {
        let j = r#"{"time":"2025-12-01T10:00:00.250Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":102.25,"billedDurationMs":103,"memorySizeMB":2048,"maxMemoryUsedMB":180,"initDurationMs":250.11},"status":"success"}}"#;
        let Parsed::Report(f) = message(j) else {
            panic!()
        };
        assert_eq!(f.duration_us, 102_250);
        assert_eq!(f.init_us, Some(250_110));
        assert_eq!(f.max_memory_mb, Some(180));
        assert_eq!(
            f.time_us,
            crate::trace::rfc3339::parse_us("2025-12-01T10:00:00.250Z")
        );
        let start =
            r#"{"time":"2025-12-01T10:00:00Z","type":"platform.start","record":{"requestId":"r"}}"#;
        assert_eq!(message(start), Parsed::Other);
        let bad = j.replace("102.25", "\"x\"");
        let Parsed::Bad(e) = message(&bad) else {
            panic!()
        };
        assert!(e.contains("record.metrics.durationMs"), "{e}");
    }
}
