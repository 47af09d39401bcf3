//! `[[faults]]` entries (docs/model.md, "Faults"): the type, which keys it
//! takes, times within the horizon, an AZ by index or name, a function by name.
//!
//! A time beyond the horizon is an error, not a warning: a fault that can never
//! happen is a typo, and a silent no-op would make a "resilient" verdict of a
//! run in which nothing failed.

use super::*;
use crate::scenario::faults::az_name;
use crate::scenario::raw::RawFault;
use crate::scenario::{FaultKind, FaultSpec};

pub(super) const FAULT_TYPES: &str = "one of \"az_outage\", \"instance_failure\", \"instance_failures\", \"ee_crash\", \"ee_crashes\"";

/// Longest run of `at` times one entry may list.
const MAX_TIMES: usize = 10_000;

impl Cx<'_> {
    pub(super) fn faults(
        &self,
        raw: &[RawFault],
        horizon: SimDuration,
        provider: &CapacityProvider,
        functions: &[FunctionSpec],
    ) -> Result<Vec<FaultSpec>> {
        raw.iter()
            .enumerate()
            .map(|(i, r)| self.fault(i, r, horizon, provider, functions))
            .collect()
    }

    fn fault(
        &self,
        i: usize,
        r: &RawFault,
        horizon: SimDuration,
        provider: &CapacityProvider,
        functions: &[FunctionSpec],
    ) -> Result<FaultSpec> {
        let key = format!("faults[{i}]");
        let Some(ty) = &r.kind else {
            return Err(self.missing(format!("{key}.type"), FAULT_TYPES));
        };
        // Which keys each type takes (besides `type`).
        let (takes, needs): (&[&str], &[&str]) = match ty.as_str() {
            "az_outage" => (&["at", "az", "duration"], &["at", "az", "duration"]),
            "instance_failure" => (&["at", "az"], &["at"]),
            "instance_failures" => (&["mtbf", "az"], &["mtbf"]),
            "ee_crash" => (&["at", "function"], &["at", "function"]),
            "ee_crashes" => (&["mtbf", "function"], &["mtbf", "function"]),
            other => return Err(self.bad(format!("{key}.type"), quoted(other), FAULT_TYPES)),
        };
        let given: [(&str, Option<String>); 5] = [
            ("at", r.at.as_ref().map(|v| v.to_string())),
            ("az", r.az.as_ref().map(|v| v.to_string())),
            ("duration", r.duration.as_ref().map(|v| v.to_string())),
            ("mtbf", r.mtbf.as_ref().map(|v| v.to_string())),
            ("function", r.function.as_ref().map(|v| quoted(v))),
        ];
        let list = |ks: &[&str]| {
            ks.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (k, v) in &given {
            if let Some(v) = v
                && !takes.contains(k)
            {
                return Err(self.bad(
                    format!("{key}.{k}"),
                    v,
                    format!("not a key of type {ty:?}, which takes {}", list(takes)),
                ));
            }
        }
        for k in needs {
            if given.iter().any(|(g, v)| g == k && v.is_none()) {
                return Err(self.missing(
                    format!("{key}.{k}"),
                    format!("type {ty:?} needs {}", list(needs)),
                ));
            }
        }
        let at = match &r.at {
            Some(v) => self.fault_times(&format!("{key}.at"), v, horizon)?,
            None => Vec::new(),
        };
        let az = match &r.az {
            Some(v) => Some(self.fault_az(&format!("{key}.az"), v, provider.availability_zones)?),
            None => None,
        };
        let function = match &r.function {
            Some(n) => Some(functions.iter().position(|f| &f.name == n).ok_or_else(|| {
                let names: Vec<String> =
                    functions.iter().take(20).map(|f| quoted(&f.name)).collect();
                self.bad(
                    format!("{key}.function"),
                    quoted(n),
                    format!("the name of a function: {}", names.join(", ")),
                )
            })?),
            None => None,
        };
        let positive = |k: &str, d: &RawDuration| -> Result<SimDuration> {
            let v = self.duration(&format!("{key}.{k}"), d)?;
            if v.0 == 0 {
                return Err(self.bad(format!("{key}.{k}"), d, "a duration > 0"));
            }
            Ok(v)
        };
        let kind = match ty.as_str() {
            "az_outage" => FaultKind::AzOutage {
                az: az.unwrap_or(0),
                duration: positive("duration", r.duration.as_ref().expect("checked"))?,
            },
            "instance_failure" => FaultKind::InstanceFailure { az },
            "instance_failures" => FaultKind::InstanceFailures {
                mtbf: positive("mtbf", r.mtbf.as_ref().expect("checked"))?,
                az,
            },
            "ee_crash" => FaultKind::EeCrash {
                function: function.unwrap_or(0),
            },
            _ => FaultKind::EeCrashes {
                function: function.unwrap_or(0),
                mtbf: positive("mtbf", r.mtbf.as_ref().expect("checked"))?,
            },
        };
        Ok(FaultSpec { kind, at })
    }

    /// `at`: a duration or a non-empty list of them, each <= horizon; sorted.
    fn fault_times(&self, key: &str, v: &Value, horizon: SimDuration) -> Result<Vec<SimTime>> {
        let items: Vec<(String, &Value)> = match v {
            Value::Array(a) => {
                if a.is_empty() || a.len() > MAX_TIMES {
                    return Err(self.bad(
                        key,
                        v,
                        format!("a duration, or a list of 1..={MAX_TIMES} durations"),
                    ));
                }
                a.iter()
                    .enumerate()
                    .map(|(j, x)| (format!("{key}[{j}]"), x))
                    .collect()
            }
            x => vec![(key.to_string(), x)],
        };
        let mut out = Vec::with_capacity(items.len());
        for (k, x) in items {
            let d = self.value_duration(&k, x)?;
            if d > horizon {
                return Err(self.bad(
                    &k,
                    x,
                    format!(
                        "a duration <= horizon ({horizon}): a fault after the horizon never happens"
                    ),
                ));
            }
            out.push(SimTime(d.0));
        }
        out.sort();
        Ok(out)
    }

    /// `az`: an index in 0..azs or a name "a", "b", ...
    fn fault_az(&self, key: &str, v: &Value, azs: u32) -> Result<u32> {
        let names: Vec<String> = (0..azs).map(|a| quoted(&az_name(a))).collect();
        let allowed = || {
            format!(
                "an AZ index in 0..={} or its name ({}) of capacity_provider.availability_zones = {azs}",
                azs.saturating_sub(1),
                names.join(", ")
            )
        };
        match v {
            Value::Integer(n) if (0..i64::from(azs)).contains(n) => Ok(*n as u32),
            Value::String(s) => (0..azs)
                .find(|&a| az_name(a) == s.to_ascii_lowercase())
                .ok_or_else(|| self.bad(key, v, allowed())),
            _ => Err(self.bad(key, v, allowed())),
        }
    }
}
