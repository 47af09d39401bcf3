//! The validation context `Cx` and its checked readers: integers and numbers
//! in range, durations, unknown-key checks, and the `ConfigError` they build.
//! Generic over keys; must not know any table's keys or defaults.

use super::*;

/// Validation context: the file name for messages.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    /// Where relative paths resolve.
    pub(super) base_dir: Option<&'a Path>,
}

pub(super) fn quoted(s: &str) -> String {
    format!("{s:?}")
}

pub(super) fn num_value(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Cx<'_> {
    pub(super) fn bad(
        &self,
        key: impl Into<String>,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            key: key.into(),
            value: crate::scenario::elide::elide(&value.to_string()),
            allowed: allowed.into(),
        }
    }

    pub(super) fn missing(&self, key: impl Into<String>, allowed: impl Display) -> ConfigError {
        self.bad(key, "(missing)", format!("required: {allowed}"))
    }

    /// An optional integer in `lo..=hi`.
    pub(super) fn int(
        &self,
        key: &str,
        v: Option<i64>,
        default: u32,
        lo: u32,
        hi: u32,
    ) -> Result<u32> {
        match v {
            None => Ok(default),
            Some(x) => self.int_in(key, x, lo, hi, &format!("an integer in {lo}..={hi}")),
        }
    }

    pub(super) fn int_in(&self, key: &str, x: i64, lo: u32, hi: u32, allowed: &str) -> Result<u32> {
        if x < i64::from(lo) || x > i64::from(hi) {
            Err(self.bad(key, x, allowed))
        } else {
            u32::try_from(x).map_err(|_| self.bad(key, x, allowed))
        }
    }

    /// An optional finite number accepted by `ok`.
    pub(super) fn num(
        &self,
        key: &str,
        v: Option<f64>,
        default: f64,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<f64> {
        match v {
            None => Ok(default),
            Some(x) if x.is_finite() && ok(x) => Ok(x),
            Some(x) => Err(self.bad(key, x, allowed)),
        }
    }

    pub(super) fn duration(&self, key: &str, raw: &RawDuration) -> Result<SimDuration> {
        let d = match raw {
            RawDuration::Seconds(s) => {
                if !s.is_finite() || *s < 0.0 {
                    return Err(self.bad(key, raw, format!("a non-negative {DURATION_FORMS}")));
                }
                if *s > MAX_DURATION.as_secs_f64() {
                    return Err(self.bad(key, raw, format!("at most {MAX_DURATION}")));
                }
                SimDuration::from_secs_f64(*s)
            }
            RawDuration::Text(t) => parse_duration(t)
                .map_err(|m| self.bad(key, raw, format!("{m}; expected {DURATION_FORMS}")))?,
        };
        if d > MAX_DURATION {
            return Err(self.bad(key, raw, format!("at most {MAX_DURATION}")));
        }
        Ok(d)
    }

    pub(super) fn opt_duration(
        &self,
        key: &str,
        raw: Option<&RawDuration>,
        default: SimDuration,
    ) -> Result<SimDuration> {
        raw.map_or(Ok(default), |r| self.duration(key, r))
    }

    /// A duration held in a `toml::Value` (inside hand-parsed tables).
    pub(super) fn value_duration(&self, key: &str, v: &Value) -> Result<SimDuration> {
        match v {
            Value::Integer(i) => self.duration(key, &RawDuration::Seconds(*i as f64)),
            Value::Float(f) => self.duration(key, &RawDuration::Seconds(*f)),
            Value::String(s) => self.duration(key, &RawDuration::Text(s.clone())),
            other => Err(self.bad(key, other, DURATION_FORMS)),
        }
    }

    /// Rejects keys of `t` not in `allowed`.
    pub(super) fn check_keys(
        &self,
        prefix: &str,
        t: &Table,
        allowed: &[&str],
        context: &str,
    ) -> Result<()> {
        for (k, v) in t {
            if !allowed.contains(&k.as_str()) {
                let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                return Err(self.bad(
                    format!("{prefix}.{k}"),
                    v,
                    format!("unknown key; allowed keys {context}: {}", list.join(", ")),
                ));
            }
        }
        Ok(())
    }
}
