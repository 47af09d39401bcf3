//! `[slo]`: a scenario's SLO gates (README.md, "SLO gates"), each an upper
//! limit on a figure of the run, for every platform, one platform, or one
//! function (by name), into [`crate::slo::Gate`]s. Validates only.
//!
//! ```toml
//! [slo]                                # every platform simulated
//! throttle_rate = "1%"                 # or 0.01
//! [slo.lmi]                            # LMI only (also [slo.default_lambda])
//! p99_ms = 250
//! [slo.functions.checkout-api.lmi]     # one function (also without .lmi)
//! cost_month_usd = 500
//! ```

use super::*;
use crate::slo::{Gate, Metric, SloPlatform};

const PLATFORMS: [(&str, SloPlatform); 2] = [
    ("lmi", SloPlatform::Lmi),
    ("default_lambda", SloPlatform::DefaultLambda),
];

impl Cx<'_> {
    /// The gates of `[slo]` (none without the table).
    pub(super) fn slo(&self, v: Option<&Value>, functions: &[FunctionSpec]) -> Result<Vec<Gate>> {
        let Some(v) = v else {
            return Ok(Vec::new());
        };
        let t = self.slo_table("slo", v)?;
        let mut out = Vec::new();
        self.slo_level("slo", t, None, true, &mut out)?;
        if let Some(fv) = t.get("functions") {
            let ft = self.slo_table("slo.functions", fv)?;
            for (name, fv) in ft {
                let key = format!("slo.functions.{name}");
                if !functions.iter().any(|f| &f.name == name) {
                    let names: Vec<String> =
                        functions.iter().take(20).map(|f| quoted(&f.name)).collect();
                    return Err(self.bad(
                        key,
                        quoted(name),
                        format!("the name of a function: {}", names.join(", ")),
                    ));
                }
                let t = self.slo_table(&key, fv)?;
                self.slo_level(&key, t, Some(name), false, &mut out)?;
            }
        }
        for g in &out {
            if let Some(why) = crate::slo::target_error(g, functions, None) {
                let key = slo_key(g);
                return Err(self.bad(key, g.threshold, why));
            }
        }
        Ok(out)
    }

    fn slo_table<'v>(&self, key: &str, v: &'v Value) -> Result<&'v Table> {
        v.as_table()
            .ok_or_else(|| self.bad(key, v, "a table of SLO limits"))
    }

    /// The metric keys of one level, then its `lmi` / `default_lambda` tables.
    fn slo_level(
        &self,
        key: &str,
        t: &Table,
        function: Option<&str>,
        top: bool,
        out: &mut Vec<Gate>,
    ) -> Result<()> {
        let mut allowed: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
        allowed.extend(["lmi", "default_lambda"]);
        if top {
            allowed.push("functions");
        }
        self.check_keys(key, t, &allowed, &format!("in [{key}]"))?;
        self.slo_limits(key, t, function, None, out)?;
        for (pk, p) in PLATFORMS {
            if let Some(v) = t.get(pk) {
                let k = format!("{key}.{pk}");
                let pt = self.slo_table(&k, v)?;
                let allowed: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
                self.check_keys(&k, pt, &allowed, &format!("in [{k}]"))?;
                self.slo_limits(&k, pt, function, Some(p), out)?;
            }
        }
        Ok(())
    }

    fn slo_limits(
        &self,
        key: &str,
        t: &Table,
        function: Option<&str>,
        platform: Option<SloPlatform>,
        out: &mut Vec<Gate>,
    ) -> Result<()> {
        for m in Metric::ALL {
            let Some(v) = t.get(m.key()) else { continue };
            let k = format!("{key}.{}", m.key());
            let allowed = match m {
                Metric::ThrottleRate | Metric::ColdStartRate => {
                    "a fraction in 0..=1 (0.01) or a percentage string (\"1%\")"
                }
                Metric::P99 => "a number of milliseconds >= 0",
                Metric::QueueAge => "a number of seconds >= 0",
                Metric::CostMonth => "a number of USD per 730-hour month >= 0",
            };
            let x = match v {
                Value::String(s) if matches!(m, Metric::ThrottleRate | Metric::ColdStartRate) => {
                    if !s.trim_end().ends_with('%') {
                        return Err(self.bad(k, v, allowed));
                    }
                    crate::slo::parse_value(m, s).map_err(|_| self.bad(&k, v, allowed))?
                }
                _ => match num_value(v) {
                    Some(x) if x.is_finite() && x >= 0.0 => x,
                    _ => return Err(self.bad(k, v, allowed)),
                },
            };
            if matches!(m, Metric::ThrottleRate | Metric::ColdStartRate) && x > 1.0 {
                return Err(self.bad(k, v, allowed));
            }
            out.push(Gate::at_most(function, platform, m, x));
        }
        Ok(())
    }
}

/// The `[slo]` key path of a gate built from the table.
fn slo_key(g: &Gate) -> String {
    let mut k = String::from("slo");
    if let Some(f) = &g.function {
        k.push_str(&format!(".functions.{f}"));
    }
    if let Some(p) = g.platform {
        k.push('.');
        k.push_str(p.name());
    }
    k.push('.');
    k.push_str(g.metric.key());
    k
}
