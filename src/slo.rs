//! SLO gates (README.md, "SLO gates"): a limit on one figure of a run — a
//! platform's or one function's throttle rate, p99 latency, cold-start rate,
//! oldest queued message or monthly cost — written in a scenario's `[slo]`
//! table or given as `--check EXPR`, and its verdict against a `Summary`.
//!
//! The grammar of an expression (the text of every gate, whichever way it was
//! given):
//!
//! ```text
//! [functions[NAME].][lmi.|default_lambda.]METRIC (< | <=) VALUE
//! METRIC: throttle_rate | cold_start_rate   VALUE: 0.5% or a fraction 0.005
//!         p99                               VALUE: 250ms, 1.5s (bare: ms)
//!         queue_age                         VALUE: 30s, 500ms, 2min (bare: s)
//!         cost_month                        VALUE: 500 or $500 [USD per 730-h month]
//! ```
//!
//! Without a platform a gate applies to every platform the run simulates.
//! Parsing and evaluation only; must not print or run anything.

use crate::report::{EventSourceFigures, PlatformFigures, Summary};
use crate::scenario::{EventSourceSpec, FunctionSpec};
use crate::sim::Platforms;
use serde::Serialize;

/// Exit status of `lmi-sim run` when an SLO gate fails (outputs are written).
pub const SLO_FAILED_EXIT: i32 = 3;

/// The platform a gate is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SloPlatform {
    Lmi,
    DefaultLambda,
}

impl SloPlatform {
    pub fn name(self) -> &'static str {
        match self {
            SloPlatform::Lmi => "lmi",
            SloPlatform::DefaultLambda => "default_lambda",
        }
    }
    fn of(s: &str) -> Option<Self> {
        match s {
            "lmi" => Some(SloPlatform::Lmi),
            "default_lambda" => Some(SloPlatform::DefaultLambda),
            _ => None,
        }
    }
    fn simulated(self, p: Platforms) -> bool {
        match self {
            SloPlatform::Lmi => p.lmi(),
            SloPlatform::DefaultLambda => p.default(),
        }
    }
}

/// The figure a gate limits.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Throttled / offered invocations [fraction].
    ThrottleRate,
    /// 99th-percentile latency of served invocations [ms].
    P99,
    /// Cold starts / invocations [fraction].
    ColdStartRate,
    /// Age of the oldest waiting request, at worst [s] (SQS or async queues).
    QueueAge,
    /// Cost per 730-hour month [USD].
    CostMonth,
}

impl Metric {
    pub const ALL: [Metric; 5] = [
        Metric::ThrottleRate,
        Metric::P99,
        Metric::ColdStartRate,
        Metric::QueueAge,
        Metric::CostMonth,
    ];

    /// Its name in expressions.
    pub fn name(self) -> &'static str {
        match self {
            Metric::ThrottleRate => "throttle_rate",
            Metric::P99 => "p99",
            Metric::ColdStartRate => "cold_start_rate",
            Metric::QueueAge => "queue_age",
            Metric::CostMonth => "cost_month",
        }
    }

    /// Its key in a scenario's `[slo]` table (the unit in the name).
    pub fn key(self) -> &'static str {
        match self {
            Metric::ThrottleRate => "throttle_rate",
            Metric::P99 => "p99_ms",
            Metric::ColdStartRate => "cold_start_rate",
            Metric::QueueAge => "queue_age_s",
            Metric::CostMonth => "cost_month_usd",
        }
    }

    /// The unit of its thresholds and values in `summary.json`.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::ThrottleRate | Metric::ColdStartRate => "fraction",
            Metric::P99 => "ms",
            Metric::QueueAge => "s",
            Metric::CostMonth => "USD",
        }
    }

    fn of(s: &str) -> Option<Self> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == s || m.key() == s)
    }

    fn is_rate(self) -> bool {
        matches!(self, Metric::ThrottleRate | Metric::ColdStartRate)
    }

    /// A value in this metric's unit, for people (`1.250%`, `250.0 ms`).
    pub fn show(self, v: f64) -> String {
        match self {
            Metric::ThrottleRate | Metric::ColdStartRate => format!("{:.3}%", v * 100.0),
            Metric::P99 => format!("{v:.1} ms"),
            Metric::QueueAge => format!("{v:.1} s"),
            Metric::CostMonth => crate::report::fmt_usd(v),
        }
    }

    /// A threshold in this metric's expression syntax (`1%`, `250ms`).
    fn literal(self, v: f64) -> String {
        // Shortest text of a value rounded to 12 significant digits.
        let t = |x: f64| format!("{}", format!("{x:.11e}").parse::<f64>().unwrap_or(x));
        match self {
            Metric::ThrottleRate | Metric::ColdStartRate => format!("{}%", t(v * 100.0)),
            Metric::P99 => format!("{}ms", t(v)),
            Metric::QueueAge => format!("{}s", t(v)),
            Metric::CostMonth => t(v),
        }
    }
}

/// `<` or `<=`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
}

impl Op {
    pub fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
    fn holds(self, v: f64, limit: f64) -> bool {
        match self {
            Op::Lt => v < limit,
            Op::Le => v <= limit,
        }
    }
}

/// One gate, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// The expression, as the user wrote it (or built from `[slo]`).
    pub text: String,
    pub function: Option<String>,
    /// `None`: every platform the run simulates.
    pub platform: Option<SloPlatform>,
    pub metric: Metric,
    pub op: Op,
    /// In the metric's unit ([`Metric::unit`]).
    pub threshold: f64,
}

impl Gate {
    /// A `[slo]` entry: `metric <= threshold`, with its expression text.
    pub fn at_most(
        function: Option<&str>,
        platform: Option<SloPlatform>,
        metric: Metric,
        threshold: f64,
    ) -> Gate {
        let mut text = String::new();
        if let Some(f) = function {
            text.push_str(&format!("functions[{f}]."));
        }
        if let Some(p) = platform {
            text.push_str(p.name());
            text.push('.');
        }
        text.push_str(&format!(
            "{} <= {}",
            metric.name(),
            metric.literal(threshold)
        ));
        Gate {
            text,
            function: function.map(String::from),
            platform,
            metric,
            op: Op::Le,
            threshold,
        }
    }
}

/// What an expression may be, for error messages.
pub const GRAMMAR: &str = "[functions[NAME].][lmi.|default_lambda.]METRIC (< or <=) VALUE, where METRIC is throttle_rate or cold_start_rate (VALUE 0.5% or a fraction 0.005), p99 (250ms, 1.5s; bare: ms), queue_age (30s, 500ms, 2min; bare: s) or cost_month (USD per 730-h month: 500 or $500); e.g. 'lmi.p99 < 250ms', 'functions[checkout-api].lmi.cost_month < 500'";

/// A threshold of `m` as written after the operator, in `m`'s unit.
pub fn parse_value(m: Metric, s: &str) -> Result<f64, String> {
    let s = s.trim();
    let num = |t: &str| -> Result<f64, String> {
        match t.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(format!(
                "`{s}` is not a number >= 0 with a unit {m} allows",
                m = m.name()
            )),
        }
    };
    let v = match m {
        Metric::ThrottleRate | Metric::ColdStartRate => match s.strip_suffix('%') {
            Some(p) => num(p)? / 100.0,
            None => num(s)?,
        },
        Metric::P99 => {
            if let Some(x) = s.strip_suffix("ms") {
                num(x)?
            } else if let Some(x) = s.strip_suffix('s') {
                num(x)? * 1000.0
            } else {
                num(s)?
            }
        }
        Metric::QueueAge => {
            if let Some(x) = s.strip_suffix("ms") {
                num(x)? / 1000.0
            } else if let Some(x) = s.strip_suffix("min") {
                num(x)? * 60.0
            } else if let Some(x) = s.strip_suffix('s') {
                num(x)?
            } else {
                num(s)?
            }
        }
        Metric::CostMonth => num(s.strip_prefix('$').unwrap_or(s))?,
    };
    if m.is_rate() && v > 1.0 {
        return Err(format!(
            "`{s}` is above 100%: a rate is a fraction in 0..=1 or a percentage like 1%"
        ));
    }
    Ok(v)
}

/// Parses one `--check` expression (syntax only; [`check_targets`] checks
/// its function and platform against the scenario).
pub fn parse_check(text: &str) -> Result<Gate, String> {
    let bad = |why: String| format!("--check '{text}': {why}; allowed: {GRAMMAR}");
    let t = text.trim();
    for wrong in [">=", "==", "!=", ">", "="] {
        if !t.contains('<') && t.contains(wrong) {
            return Err(bad(format!(
                "operator `{wrong}`: a gate is an upper limit, `<` or `<=`"
            )));
        }
    }
    let (lhs, op, rhs) = if let Some(i) = t.find("<=") {
        (&t[..i], Op::Le, &t[i + 2..])
    } else if let Some(i) = t.find('<') {
        (&t[..i], Op::Lt, &t[i + 1..])
    } else {
        return Err(bad("no operator".into()));
    };
    let lhs = lhs.trim();
    let (function, rest) = match lhs.strip_prefix("functions[") {
        Some(r) => {
            let Some(end) = r.find(']') else {
                return Err(bad("`functions[` without its `]`".into()));
            };
            let name = r[..end].trim().trim_matches(|c| c == '"' || c == '\'');
            if name.is_empty() {
                return Err(bad("an empty function name in `functions[]`".into()));
            }
            let after = &r[end + 1..];
            let Some(after) = after.strip_prefix('.') else {
                return Err(bad(format!(
                    "`{after}` after `functions[{name}]`: expected `.` then a platform or a metric"
                )));
            };
            (Some(name.to_string()), after)
        }
        None => (None, lhs),
    };
    let parts: Vec<&str> = rest.split('.').map(str::trim).collect();
    let (platform, metric) = match parts.as_slice() {
        [m] => (None, *m),
        [p, m] => match SloPlatform::of(p) {
            Some(p) => (Some(p), *m),
            None => {
                return Err(bad(format!("platform `{p}`: `lmi` or `default_lambda`")));
            }
        },
        _ => return Err(bad(format!("`{rest}` is not [PLATFORM.]METRIC"))),
    };
    let Some(metric) = Metric::of(metric) else {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        return Err(bad(format!(
            "metric `{metric}`: one of {}",
            names.join(", ")
        )));
    };
    if rhs.trim().is_empty() {
        return Err(bad("no value after the operator".into()));
    }
    let threshold = parse_value(metric, rhs).map_err(bad)?;
    Ok(Gate {
        text: t.to_string(),
        function,
        platform,
        metric,
        op,
        threshold,
    })
}

/// Whether a function's requests wait in a queue (SQS, or async invocation's
/// internal queue): only those have a queue age.
pub fn has_queue(f: &FunctionSpec) -> bool {
    matches!(
        f.event_source,
        EventSourceSpec::Sqs(_) | EventSourceSpec::Async { .. }
    )
}

/// Why `g` cannot be evaluated on this scenario and run (unknown function, a
/// queue age with no queue, a platform not simulated), or `None`.
pub fn target_error(
    g: &Gate,
    functions: &[FunctionSpec],
    platforms: Option<Platforms>,
) -> Option<String> {
    let names = || {
        let v: Vec<String> = functions
            .iter()
            .take(20)
            .map(|f| format!("{:?}", f.name))
            .collect();
        v.join(", ")
    };
    let fs: Vec<&FunctionSpec> = match &g.function {
        Some(n) => match functions.iter().find(|f| &f.name == n) {
            Some(f) => vec![f],
            None => {
                return Some(format!(
                    "no function is named {n:?}; the scenario's functions: {}",
                    names()
                ));
            }
        },
        None => functions.iter().collect(),
    };
    if g.metric == Metric::QueueAge && !fs.iter().any(|f| has_queue(f)) {
        return Some(match &g.function {
            Some(n) => format!(
                "queue_age: function {n:?} has no queue (queue age needs [functions.source] type = \"sqs\" or \"async\")"
            ),
            None => "queue_age: no function has a queue (queue age needs [functions.source] type = \"sqs\" or \"async\")".into(),
        });
    }
    if let (Some(p), Some(run)) = (g.platform, platforms)
        && !p.simulated(run)
    {
        return Some(format!(
            "{} is not simulated in this run (--platform)",
            p.name()
        ));
    }
    None
}

/// Checks `--check` gates against the scenario's functions and the platforms
/// simulated; the error names the expression and what is allowed.
pub fn check_targets(
    gates: &[Gate],
    functions: &[FunctionSpec],
    platforms: Platforms,
) -> Result<(), String> {
    for g in gates {
        if let Some(why) = target_error(g, functions, Some(platforms)) {
            return Err(format!("--check '{}': {why}", g.text));
        }
    }
    Ok(())
}

/// One gate's verdict on one platform (`summary.json`'s `slo` list).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GateResult {
    /// The expression.
    pub gate: String,
    /// "lmi" or "default_lambda".
    pub platform: &'static str,
    /// The function, or `None` for the platform as a whole.
    pub function: Option<String>,
    pub metric: &'static str,
    /// "<" or "<=".
    pub op: &'static str,
    pub threshold: f64,
    /// Unit of `threshold` and `value`: "fraction", "ms", "s" or "USD".
    pub unit: &'static str,
    /// The measured value; `None` when there is none (no invocation served
    /// for a p99), which fails the gate.
    pub value: Option<f64>,
    pub pass: bool,
    /// A calendar's special day the gate was measured on (`[calendar]`);
    /// absent: the run itself (the typical day, and the month's cost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
}

/// The measured value of `m` on figures `f`, sources `s`, monthly cost `cost`.
fn value(
    m: Metric,
    f: Option<&PlatformFigures>,
    s: Option<&EventSourceFigures>,
    cost: Option<f64>,
) -> Option<f64> {
    match m {
        Metric::ThrottleRate => f.map(|f| f.throttle_rate),
        Metric::P99 => f.and_then(|f| f.latency.p99_ms),
        Metric::ColdStartRate => f.map(|f| f.cold_start_rate),
        Metric::QueueAge => s.map(|s| s.peak_oldest_age_s),
        Metric::CostMonth => cost,
    }
}

/// Every gate's verdict on the platforms `s` holds (a gate without a platform
/// gives one result per platform; one whose platform did not run, none).
pub fn evaluate(gates: &[Gate], s: &Summary) -> Vec<GateResult> {
    let mut out = Vec::new();
    for g in gates {
        let ps: Vec<SloPlatform> = match g.platform {
            Some(p) => vec![p],
            None => vec![SloPlatform::Lmi, SloPlatform::DefaultLambda],
        };
        for p in ps {
            let ran = match p {
                SloPlatform::Lmi => s.lmi.is_some(),
                SloPlatform::DefaultLambda => s.default.is_some(),
            };
            if !ran {
                continue;
            }
            let v = match &g.function {
                None => match p {
                    SloPlatform::Lmi => s.lmi.as_ref().and_then(|l| {
                        value(
                            g.metric,
                            Some(&l.figures),
                            l.sources.as_ref(),
                            Some(l.cost.monthly_usd),
                        )
                    }),
                    SloPlatform::DefaultLambda => s.default.as_ref().and_then(|d| {
                        value(
                            g.metric,
                            Some(&d.figures),
                            d.sources.as_ref(),
                            Some(d.cost.monthly_usd),
                        )
                    }),
                },
                Some(n) => s
                    .functions
                    .iter()
                    .find(|f| &f.name == n)
                    .and_then(|f| match p {
                        SloPlatform::Lmi => value(
                            g.metric,
                            f.lmi.as_ref(),
                            f.lmi_sources.as_ref(),
                            f.lmi_cost.as_ref().map(|c| c.monthly_usd),
                        ),
                        SloPlatform::DefaultLambda => value(
                            g.metric,
                            f.default.as_ref(),
                            f.default_sources.as_ref(),
                            f.default_cost.as_ref().map(|c| c.monthly_usd),
                        ),
                    }),
            };
            out.push(GateResult {
                gate: g.text.clone(),
                platform: p.name(),
                function: g.function.clone(),
                metric: g.metric.name(),
                op: g.op.text(),
                threshold: g.threshold,
                unit: g.metric.unit(),
                value: v,
                pass: v.is_some_and(|v| g.op.holds(v, g.threshold)),
                day: None,
            });
        }
    }
    out
}

/// A measured value or threshold of the metric named `metric`, for people.
pub fn show(metric: &str, v: f64) -> String {
    Metric::of(metric).map_or_else(|| format!("{v}"), |m| m.show(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        let g = parse_check("lmi.p99 < 250ms").unwrap();
        assert_eq!(
            (g.platform, g.metric, g.op, g.threshold),
            (Some(SloPlatform::Lmi), Metric::P99, Op::Lt, 250.0)
        );
        let g = parse_check("default_lambda.throttle_rate <= 0.1%").unwrap();
        assert_eq!(g.op, Op::Le);
        assert!((g.threshold - 0.001).abs() < 1e-15);
        let g = parse_check("functions[checkout-api].lmi.cost_month < $500").unwrap();
        assert_eq!(g.function.as_deref(), Some("checkout-api"));
        assert_eq!(g.threshold, 500.0);
        assert_eq!(parse_check("p99<1.5s").unwrap().threshold, 1500.0);
        assert_eq!(parse_check("queue_age < 2min").unwrap().threshold, 120.0);
        assert_eq!(parse_check("queue_age_s <= 30").unwrap().threshold, 30.0);
        assert_eq!(
            parse_check("cold_start_rate < 0.05").unwrap().threshold,
            0.05
        );
        for bad in [
            "lmi.p99 > 250ms",
            "lmi.p99",
            "lmi.p98 < 250",
            "aws.p99 < 250",
            "lmi.throttle_rate < 150%",
            "lmi.p99 < fast",
            "lmi.p99 < -1",
            "functions[x.lmi.p99 < 1",
            "functions[].p99 < 1",
            "lmi.p99 <",
        ] {
            let e = parse_check(bad).unwrap_err();
            assert!(e.starts_with(&format!("--check '{bad}': ")), "{e}");
            assert!(e.contains("allowed: [functions[NAME]."), "{e}");
        }
    }

    #[test]
    fn slo_table_text_parses_back() {
        let g = Gate::at_most(
            Some("api"),
            Some(SloPlatform::Lmi),
            Metric::ThrottleRate,
            0.01,
        );
        assert_eq!(g.text, "functions[api].lmi.throttle_rate <= 1%");
        let back = parse_check(&g.text).unwrap();
        assert_eq!(back, g);
        let g = Gate::at_most(None, None, Metric::P99, 250.0);
        assert_eq!(g.text, "p99 <= 250ms");
        assert_eq!(parse_check(&g.text).unwrap(), g);
    }
}
