//! `[functions.source]`: how a function's invocations arrive (docs/model.md, "Event sources").
//! AWS parameters keep AWS's spelling (`BatchSize`, `VisibilityTimeout`,
//! `maxReceiveCount`, `MaximumConcurrency`, …); lmi-sim's knobs are snake_case.

use super::{Cx, Result, num_value};
use crate::scenario::{BatchWork, EventSourceSpec, SQS_SCALE_UP_PAUSE, SqsSpec};
use crate::time::SimDuration;
use toml::{Table, Value};

const TYPES: &str = "\"sync\", \"sync_retry\", \"async\" or \"sqs\"";

impl Cx<'_> {
    fn src_int(
        &self,
        key: &str,
        t: &Table,
        name: &str,
        default: u32,
        lo: u32,
        hi: u32,
    ) -> Result<u32> {
        match t.get(name) {
            None => Ok(default),
            Some(Value::Integer(i)) => self.int_in(
                &format!("{key}.{name}"),
                *i,
                lo,
                hi,
                &format!("an integer in {lo}..={hi}"),
            ),
            Some(v) => Err(self.bad(
                format!("{key}.{name}"),
                v,
                format!("an integer in {lo}..={hi}"),
            )),
        }
    }

    fn src_dur(
        &self,
        key: &str,
        t: &Table,
        name: &str,
        default: SimDuration,
    ) -> Result<SimDuration> {
        match t.get(name) {
            None => Ok(default),
            Some(v) => {
                if num_value(v).is_some_and(|x| x < 0.0) {
                    return Err(self.bad(format!("{key}.{name}"), v, "a non-negative duration"));
                }
                self.value_duration(&format!("{key}.{name}"), v)
            }
        }
    }

    fn src_fraction(&self, key: &str, t: &Table, name: &str) -> Result<f64> {
        match t.get(name) {
            None => Ok(0.0),
            Some(v) => match num_value(v) {
                Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(self.bad(format!("{key}.{name}"), v, "a fraction in [0, 1]")),
            },
        }
    }

    /// Parses `[functions.source]` (absent: synchronous).
    pub(super) fn event_source(&self, key: &str, t: Option<&Table>) -> Result<EventSourceSpec> {
        let Some(t) = t else {
            return Ok(EventSourceSpec::Sync);
        };
        let kind = match t.get("type") {
            None => return Err(self.missing(format!("{key}.type"), TYPES)),
            Some(Value::String(s)) => s.as_str(),
            Some(v) => return Err(self.bad(format!("{key}.type"), v, TYPES)),
        };
        match kind {
            "sync" => {
                self.check_keys(key, t, &["type"], "for type = \"sync\"")?;
                Ok(EventSourceSpec::Sync)
            }
            "sync_retry" => {
                self.check_keys(
                    key,
                    t,
                    &["type", "max_attempts", "base_delay", "max_delay"],
                    "for type = \"sync_retry\"",
                )?;
                Ok(EventSourceSpec::SyncRetry {
                    max_attempts: self.src_int(key, t, "max_attempts", 3, 1, 100)?,
                    base_delay: self.src_dur(
                        key,
                        t,
                        "base_delay",
                        SimDuration::from_millis(100),
                    )?,
                    max_delay: self.src_dur(key, t, "max_delay", SimDuration::from_secs(20))?,
                })
            }
            "async" => {
                self.check_keys(
                    key,
                    t,
                    &[
                        "type",
                        "MaximumEventAgeInSeconds",
                        "MaximumRetryAttempts",
                        "error_rate",
                    ],
                    "for type = \"async\"",
                )?;
                let age = self.src_int(key, t, "MaximumEventAgeInSeconds", 21_600, 60, 21_600)?;
                Ok(EventSourceSpec::Async {
                    max_event_age: SimDuration::from_secs(age as u64),
                    max_retry_attempts: self.src_int(key, t, "MaximumRetryAttempts", 2, 0, 2)?,
                    error_rate: self.src_fraction(key, t, "error_rate")?,
                })
            }
            "sqs" => {
                self.check_keys(
                    key,
                    t,
                    &[
                        "type",
                        "BatchSize",
                        "MaximumBatchingWindowInSeconds",
                        "VisibilityTimeout",
                        "maxReceiveCount",
                        "MaximumConcurrency",
                        "batch_work",
                        "initial_concurrency",
                        "scale_up_per_minute",
                        "max_pollers",
                        "throttle_backoff",
                        "throttle_backoff_max",
                        "scale_up_pause",
                        "error_rate",
                    ],
                    "for type = \"sqs\"",
                )?;
                let batch_size = self.src_int(key, t, "BatchSize", 10, 1, 10_000)?;
                let window = match t.get("MaximumBatchingWindowInSeconds") {
                    None => SimDuration::ZERO,
                    Some(v) => match num_value(v) {
                        Some(x) if (0.0..=300.0).contains(&x) => SimDuration::from_secs_f64(x),
                        _ => {
                            return Err(self.bad(
                                format!("{key}.MaximumBatchingWindowInSeconds"),
                                v,
                                "a number of seconds in 0..=300",
                            ));
                        }
                    },
                };
                if batch_size > 10 && window.0 == 0 && t.contains_key("BatchSize") {
                    return Err(self.bad(
                        format!("{key}.BatchSize"),
                        batch_size,
                        "at most 10 unless MaximumBatchingWindowInSeconds is at least 1 (as AWS requires)",
                    ));
                }
                let visibility = match t.get("VisibilityTimeout") {
                    None => SimDuration::from_secs(30),
                    Some(Value::Integer(i)) if (0..=43_200).contains(i) => {
                        SimDuration::from_secs(*i as u64)
                    }
                    Some(v) => {
                        return Err(self.bad(
                            format!("{key}.VisibilityTimeout"),
                            v,
                            "an integer number of seconds in 0..=43200",
                        ));
                    }
                };
                let max_conc = match t.get("MaximumConcurrency") {
                    None => None,
                    Some(_) => Some(self.src_int(key, t, "MaximumConcurrency", 2, 2, 1000)?),
                };
                let batch_work = match t.get("batch_work") {
                    None => BatchWork::Summed,
                    Some(Value::String(s)) if s == "summed" => BatchWork::Summed,
                    Some(Value::String(s)) if s == "per_batch" => BatchWork::PerBatch,
                    Some(v) => {
                        return Err(self.bad(
                            format!("{key}.batch_work"),
                            v,
                            "\"summed\" (default) or \"per_batch\"",
                        ));
                    }
                };
                let backoff =
                    self.src_dur(key, t, "throttle_backoff", SimDuration::from_secs(1))?;
                if backoff.0 < 1_000 {
                    return Err(self.bad(
                        format!("{key}.throttle_backoff"),
                        t.get("throttle_backoff")
                            .map_or("0".into(), |v| v.to_string()),
                        "a duration of at least 1ms (a throttled batch is retried after it)",
                    ));
                }
                let backoff_max =
                    self.src_dur(key, t, "throttle_backoff_max", SimDuration::from_secs(30))?;
                if backoff_max < backoff {
                    return Err(self.bad(
                        format!("{key}.throttle_backoff_max"),
                        t.get("throttle_backoff_max")
                            .map_or("30s".into(), |v| v.to_string()),
                        format!(
                            "a duration of at least throttle_backoff ({} s)",
                            backoff.as_secs_f64()
                        ),
                    ));
                }
                let scale_up_pause = self.src_dur(key, t, "scale_up_pause", SQS_SCALE_UP_PAUSE)?;
                if scale_up_pause > SimDuration::from_secs(3600) {
                    return Err(self.bad(
                        format!("{key}.scale_up_pause"),
                        t.get("scale_up_pause").map_or("".into(), |v| v.to_string()),
                        "a duration in 0..=1h",
                    ));
                }
                Ok(EventSourceSpec::Sqs(SqsSpec {
                    batch_size,
                    batch_window: window,
                    visibility_timeout: visibility,
                    max_receive_count: self.src_int(key, t, "maxReceiveCount", 1000, 1, 1000)?,
                    maximum_concurrency: max_conc,
                    batch_work,
                    initial_concurrency: self.src_int(key, t, "initial_concurrency", 5, 1, 1000)?,
                    scale_up_per_minute: self.src_int(
                        key,
                        t,
                        "scale_up_per_minute",
                        300,
                        0,
                        100_000,
                    )?,
                    max_pollers: self.src_int(key, t, "max_pollers", 1000, 1, 100_000)?,
                    throttle_backoff: backoff,
                    throttle_backoff_max: backoff_max,
                    scale_up_pause,
                    error_rate: self.src_fraction(key, t, "error_rate")?,
                }))
            }
            _ => Err(self.bad(format!("{key}.type"), quote(kind), TYPES)),
        }
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}
