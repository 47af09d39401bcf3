//! Distributions, traffic shapes and trace sources of a function: the
//! hand-parsed tables of `[functions.work]` and `[functions.traffic]`.

use super::*;
use crate::trace::access_logs::apigateway::Fields as ApiFields;

impl Cx<'_> {
    // ---------------------------------------------------------------- dists

    pub(super) fn dist(&self, key: &str, v: &RawDist) -> Result<Dist> {
        match v {
            Value::Table(t) => self.dist_table(key, t),
            Value::Integer(_) | Value::Float(_) | Value::String(_) => {
                Ok(Dist::Constant(self.value_duration(key, v)?))
            }
            other => Err(self.bad(
                key,
                other,
                format!(
                    "{DURATION_FORMS}; or a distribution table {{ dist = ..., ... }} with dist one of {DIST_NAMES}"
                ),
            )),
        }
    }

    pub(super) fn opt_dist(&self, key: &str, v: Option<&RawDist>, default: Dist) -> Result<Dist> {
        v.map_or(Ok(default), |v| self.dist(key, v))
    }

    pub(super) fn dist_table(&self, key: &str, t: &Table) -> Result<Dist> {
        let dkey = format!("{key}.dist");
        let name = match t.get("dist") {
            None => return Err(self.missing(dkey, format!("one of {DIST_NAMES}"))),
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(dkey, o, format!("one of {DIST_NAMES}"))),
        };
        let keys: &[&str] = match name {
            "constant" => &["dist", "value"],
            "exponential" => &["dist", "mean"],
            "lognormal" => &["dist", "median", "p99"],
            "uniform" => &["dist", "min", "max"],
            "empirical" => &["dist", "percentiles"],
            other => {
                return Err(self.bad(dkey, quoted(other), format!("one of {DIST_NAMES}")));
            }
        };
        self.check_keys(key, t, keys, &format!("for dist = \"{name}\""))?;
        let req = |k: &str| -> Result<SimDuration> {
            let kk = format!("{key}.{k}");
            match t.get(k) {
                Some(v) => self.value_duration(&kk, v),
                None => Err(self.missing(kk, format!("{DURATION_FORMS} (dist = \"{name}\")"))),
            }
        };
        match name {
            "constant" => Ok(Dist::Constant(req("value")?)),
            "exponential" => {
                let mean = req("mean")?;
                if mean.0 == 0 {
                    return Err(self.bad(format!("{key}.mean"), mean, "a mean > 0"));
                }
                Ok(Dist::Exponential {
                    mean_us: mean.0 as f64,
                })
            }
            "lognormal" => {
                let median = req("median")?;
                let p99 = req("p99")?;
                if median.0 == 0 {
                    return Err(self.bad(format!("{key}.median"), median, "a median > 0"));
                }
                if p99 < median {
                    return Err(self.bad(
                        format!("{key}.p99"),
                        p99,
                        format!("p99 must be >= median ({median})"),
                    ));
                }
                Ok(Dist::lognormal_from_median_p99(median, p99))
            }
            "uniform" => {
                let lo = req("min")?;
                let hi = req("max")?;
                if hi < lo {
                    return Err(self.bad(
                        format!("{key}.max"),
                        hi,
                        format!("max must be >= min ({lo})"),
                    ));
                }
                Ok(Dist::Uniform {
                    lo_us: lo.0 as f64,
                    hi_us: hi.0 as f64,
                })
            }
            _ => self.empirical(key, t),
        }
    }

    pub(super) fn empirical(&self, key: &str, t: &Table) -> Result<Dist> {
        let pkey = format!("{key}.percentiles");
        let form = "an array of [percent, duration] pairs, percent strictly increasing from 0 to 100 and durations non-decreasing, e.g. [[0, \"10ms\"], [50, \"20ms\"], [100, \"90ms\"]]";
        let arr = match t.get("percentiles") {
            None => return Err(self.missing(pkey, form)),
            Some(Value::Array(a)) => a,
            Some(o) => return Err(self.bad(pkey, o, form)),
        };
        if arr.len() < 2 {
            return Err(self.bad(
                pkey,
                Value::Array(arr.clone()),
                format!("at least 2 points: {form}"),
            ));
        }
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            let ikey = format!("{pkey}[{i}]");
            let pair = match item {
                Value::Array(p) if p.len() == 2 => p,
                o => return Err(self.bad(ikey, o, form)),
            };
            let q = match num_value(&pair[0]) {
                Some(q) if q.is_finite() && (0.0..=100.0).contains(&q) => q,
                _ => {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!("percent must be a number in 0..=100; {form}"),
                    ));
                }
            };
            let v = self.value_duration(&ikey, &pair[1])?;
            if let Some(&(pq, pv)) = points.last() {
                if q <= pq * 100.0 {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!(
                            "percent must be greater than the previous point's ({}); {form}",
                            pq * 100.0
                        ),
                    ));
                }
                if (v.0 as f64) < pv {
                    return Err(self.bad(
                        ikey,
                        item,
                        format!(
                            "duration must be >= the previous point's ({}); {form}",
                            SimDuration(pv as u64)
                        ),
                    ));
                }
            } else if q != 0.0 {
                return Err(self.bad(
                    ikey,
                    item,
                    format!("the first point must be at percent 0; {form}"),
                ));
            }
            points.push((q / 100.0, v.0 as f64));
        }
        if points.last().map(|p| p.0) != Some(1.0) {
            let i = arr.len() - 1;
            return Err(self.bad(
                format!("{pkey}[{i}]"),
                &arr[i],
                format!("the last point must be at percent 100; {form}"),
            ));
        }
        Ok(Dist::Empirical { points })
    }

    // -------------------------------------------------------------- traffic

    pub(super) fn traffic(&self, key: &str, t: &Table) -> Result<Traffic> {
        if t.contains_key("source") {
            return Ok(Traffic::Trace(self.trace(key, t)?));
        }
        let process = match t.get("process") {
            None => ArrivalProcess::Poisson,
            Some(Value::String(s)) if s == "poisson" => ArrivalProcess::Poisson,
            Some(Value::String(s)) if s == "uniform" => ArrivalProcess::Uniform,
            Some(o) => {
                return Err(self.bad(
                    format!("{key}.process"),
                    o,
                    "\"poisson\" (default) or \"uniform\"",
                ));
            }
        };
        let rate_multiplier = match t.get("rate_multiplier") {
            None => 1.0,
            Some(v) => match num_value(v) {
                Some(m) if m.is_finite() && m > 0.0 && m <= MAX_RATE => m,
                _ => return Err(self.bad(format!("{key}.rate_multiplier"), v, "a number > 0")),
            },
        };
        let shape = self.shape(key, t, &["process", "rate_multiplier"], false)?;
        Ok(Traffic::Synthetic {
            shape,
            process,
            rate_multiplier,
        })
    }

    // --------------------------------------------------------------- traces

    /// A trace source: `[functions.traffic]` with `source = ...`. Files must
    /// exist (they are opened, not read); rows are read during the run.
    pub(super) fn trace(&self, key: &str, t: &Table) -> Result<TraceSpec> {
        let k = |s: &str| format!("{key}.{s}");
        let source = match t.get("source") {
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(k("source"), o, format!("one of {TRACE_SOURCES}"))),
            None => return Err(self.missing(k("source"), format!("one of {TRACE_SOURCES}"))),
        };
        const COMMON: [&str; 8] = [
            "source",
            "path",
            "cpu_share",
            "window_start",
            "window_end",
            "offset",
            "rate_multiplier",
            "loop_count",
        ];
        let csv_format = match t.get("format") {
            None => "requests",
            Some(Value::String(f)) if f == "requests" || f == "counts" => f.as_str(),
            Some(o) => {
                return Err(self.bad(
                    k("format"),
                    o,
                    "\"requests\" (default: one row per request) or \"counts\" (per-interval counts)",
                ));
            }
        };
        let extra: &[&str] = match source {
            "azure2019" => &[
                "durations_path",
                "memory_path",
                "function",
                "top",
                "select",
                "spread",
            ],
            "azure2021" | "lambda-logs" => &["reorder_window", "use_durations", "time_origin"],
            "cloudwatch" => &["metric_id", "label", "interval", "spread", "time_origin"],
            "apigateway" => &["reorder_window", "use_durations", "time_origin", "fields"],
            "alb" => &[
                "reorder_window",
                "use_durations",
                "time_origin",
                "target_group_arn",
            ],
            "csv" if csv_format == "requests" => &[
                "format",
                "timestamp_column",
                "duration_column",
                "use_durations",
                "reorder_window",
                "time_origin",
                "timestamp_unit",
                "duration_unit",
            ],
            "csv" => &[
                "format",
                "interval_start_column",
                "count_column",
                "interval",
                "spread",
                "time_origin",
                "timestamp_unit",
                "order",
            ],
            other => {
                return Err(self.bad(
                    k("source"),
                    quoted(other),
                    format!("one of {TRACE_SOURCES} (omit `source` for a synthetic `shape`)"),
                ));
            }
        };
        let mut allowed: Vec<&str> = COMMON.to_vec();
        allowed.extend_from_slice(extra);
        let context = if source == "csv" {
            format!("for source = \"csv\", format = \"{csv_format}\"")
        } else {
            format!("for source = \"{source}\"")
        };
        self.check_keys(key, t, &allowed, &context)?;

        let log_paths = match source {
            "lambda-logs" => self.log_paths(key, t)?,
            _ => Vec::new(),
        };
        // CloudWatch: `path` may list several files (NextToken pages).
        let cw_paths = if source == "cloudwatch" {
            self.cloudwatch_paths(key, t)?
        } else {
            Vec::new()
        };
        let path = match log_paths.first().or(cw_paths.first()) {
            Some(p) => p.clone(),
            None => self.trace_path(key, t, "path")?.ok_or_else(|| {
                self.missing(
                    k("path"),
                    "the trace file, relative to the scenario file's directory",
                )
            })?,
        };
        let string = |name: &str, default: &str| -> Result<String> {
            match t.get(name) {
                None => Ok(default.to_string()),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(o) => Err(self.bad(k(name), o, "a non-empty column name")),
            }
        };
        let format = match source {
            "azure2019" => {
                let n = ["function", "top", "select"]
                    .iter()
                    .filter(|x| t.contains_key(**x))
                    .count();
                let sel_form = "exactly one of `function = \"<HashFunction prefix>\"`, `top = N` (the N functions with the most invocations, summed) or `select = \"all\"`";
                if n != 1 {
                    return Err(self.bad(
                        k("function"),
                        if n == 0 { "(missing)" } else { "(several)" },
                        sel_form,
                    ));
                }
                let selection = if let Some(v) = t.get("function") {
                    match v {
                        Value::String(s)
                            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                        {
                            Selection::Function(s.clone())
                        }
                        o => {
                            return Err(self.bad(
                                k("function"),
                                o,
                                "a HashFunction prefix (hex digits, e.g. \"5af842b4\")",
                            ));
                        }
                    }
                } else if let Some(v) = t.get("top") {
                    match v {
                        Value::Integer(i) if (1..=10_000_000).contains(i) => {
                            Selection::Top(*i as u32)
                        }
                        o => return Err(self.bad(k("top"), o, "an integer in 1..=10000000")),
                    }
                } else {
                    match t.get("select") {
                        Some(Value::String(s)) if s == "all" => Selection::All,
                        Some(o) => return Err(self.bad(k("select"), o, "\"all\"")),
                        None => return Err(self.missing(k("select"), sel_form)),
                    }
                };
                TraceFormat::Azure2019 {
                    selection,
                    durations_path: self.trace_path(key, t, "durations_path")?,
                    memory_path: self.trace_path(key, t, "memory_path")?,
                }
            }
            "azure2021" => TraceFormat::Azure2021,
            "apigateway" => TraceFormat::ApiGateway {
                fields: self.apigateway_fields(key, t)?,
            },
            "alb" => TraceFormat::Alb {
                target_group_arn: match t.get("target_group_arn") {
                    None => None,
                    Some(Value::String(s)) if s.trim().starts_with("arn:") => {
                        Some(s.trim().to_string())
                    }
                    Some(o) => {
                        return Err(self.bad(
                            k("target_group_arn"),
                            o,
                            "a target group ARN as the log's target_group_arn field holds it, e.g. \"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/checkout/73e2d6bc24d8a067\"",
                        ));
                    }
                },
            },
            "lambda-logs" => TraceFormat::LambdaLogs { paths: log_paths },
            "cloudwatch" => self.cloudwatch_format(key, t, cw_paths)?,
            _ if csv_format == "requests" => TraceFormat::CsvRequests {
                timestamp_column: string("timestamp_column", "timestamp")?,
                duration_column: match t.get("duration_column") {
                    None => None,
                    Some(_) => Some(string("duration_column", "duration")?),
                },
            },
            _ => TraceFormat::CsvCounts {
                interval_start_column: string("interval_start_column", "interval_start")?,
                count_column: string("count_column", "count")?,
                interval: match t.get("interval") {
                    None => None,
                    Some(v) => {
                        let d = self.value_duration(&k("interval"), v)?;
                        if d.0 == 0 {
                            return Err(self.bad(k("interval"), v, "a duration > 0"));
                        }
                        Some(d)
                    }
                },
            },
        };
        let mut spec = TraceSpec::new(format, path);
        if let Some(v) = t.get("cpu_share") {
            spec.cpu_share = match num_value(v) {
                Some(x) if (0.0..=1.0).contains(&x) => x,
                _ => {
                    return Err(self.bad(
                        k("cpu_share"),
                        v,
                        "a number in [0, 1]: the fraction of a traced duration that is CPU work (default 0.1)",
                    ));
                }
            };
        }
        spec.spread = match t.get("spread") {
            None => Spread::Poisson,
            Some(Value::String(s)) if s == "poisson" => Spread::Poisson,
            Some(Value::String(s)) if s == "uniform" => Spread::Uniform,
            Some(Value::String(s)) if s == "start" => Spread::Start,
            Some(o) => {
                return Err(self.bad(
                    k("spread"),
                    o,
                    "\"poisson\" (default: uniform random times in the interval), \"uniform\" (evenly spaced) or \"start\" (all at the interval's start)",
                ));
            }
        };
        spec.window_start = self.tdur(key, t, "window_start", Some(SimDuration::ZERO))?;
        if let Some(v) = t.get("window_end") {
            let we = self.value_duration(&k("window_end"), v)?;
            if we <= spec.window_start {
                return Err(self.bad(
                    k("window_end"),
                    v,
                    format!("a trace time after window_start ({})", spec.window_start),
                ));
            }
            spec.window_end = Some(we);
        }
        spec.offset = self.tdur(key, t, "offset", Some(SimDuration::ZERO))?;
        if let Some(v) = t.get("rate_multiplier") {
            spec.rate_multiplier = match num_value(v) {
                Some(m) if m.is_finite() && m > 0.0 && m <= 1e6 => m,
                _ => return Err(self.bad(k("rate_multiplier"), v, "a number in (0, 1e6]")),
            };
        }
        if let Some(v) = t.get("loop_count") {
            spec.loop_count = match v {
                Value::Integer(i) if (1..=1_000_000).contains(i) => *i as u32,
                o => return Err(self.bad(k("loop_count"), o, "an integer in 1..=1000000")),
            };
        }
        if t.contains_key("reorder_window") {
            spec.reorder_window = self.tdur(key, t, "reorder_window", None)?;
        }
        if let Some(v) = t.get("use_durations") {
            spec.use_durations = match v {
                Value::Boolean(b) => *b,
                o => return Err(self.bad(k("use_durations"), o, "true or false")),
            };
        }
        let unit = |name: &str| -> Result<Option<TimeUnit>> {
            match t.get(name) {
                None => Ok(None),
                Some(Value::String(u)) if TimeUnit::parse(u).is_some() => Ok(TimeUnit::parse(u)),
                Some(o) => Err(self.bad(
                    k(name),
                    o,
                    "\"s\" (seconds, the default), \"ms\" (milliseconds) or \"us\" (microseconds)",
                )),
            }
        };
        if let Some(u) = unit("timestamp_unit")? {
            spec.timestamp_unit = u;
        }
        spec.duration_unit = unit("duration_unit")?;
        spec.order = match t.get("order") {
            None => Order::OldestFirst,
            Some(Value::String(s)) if s == "oldest_first" => Order::OldestFirst,
            Some(Value::String(s)) if s == "newest_first" => Order::NewestFirst,
            Some(o) => {
                return Err(self.bad(
                    k("order"),
                    o,
                    "\"oldest_first\" (default: interval starts increase down the file) or \"newest_first\" (they decrease, as in CloudWatch exports)",
                ));
            }
        };
        if let Some(v) = t.get("time_origin") {
            let u = spec.timestamp_unit;
            let allowed = |why: String| {
                format!(
                    "the trace time that becomes τ = 0: a number in the trace's timestamp unit ({}) or a date-time string like \"2021-01-31T00:00:00Z\" (RFC 3339), \"2021-01-31 00:00:00\" (UTC) or \"31/Jan/2021:00:00:00 +0000\"; this one {why}",
                    u.name()
                )
            };
            let key = (source == "csv").then_some("timestamp_unit");
            let r = match v {
                Value::Integer(i) => crate::trace::units::timestamp_number(*i as f64, u, key),
                Value::Float(f) => crate::trace::units::timestamp_number(*f, u, key),
                Value::String(s) => crate::trace::units::timestamp(s, u, key),
                o => return Err(self.bad(k("time_origin"), o, allowed("is not one".into()))),
            };
            spec.time_origin = Some(r.map_err(|why| self.bad(k("time_origin"), v, allowed(why)))?);
        }
        Ok(spec)
    }

    /// `fields` of an API Gateway access log: JSON key = "$context.<variable>"
    /// pairs, as in the access-log format; keys named after the variables when
    /// omitted.
    pub(super) fn apigateway_fields(&self, key: &str, t: &Table) -> Result<ApiFields> {
        use crate::trace::access_logs::apigateway::{Var, known_list, variable};
        let fkey = format!("{key}.fields");
        let form = "a table of JSON key = \"$context.<variable>\" pairs, as in the stage's access-log format, e.g. [functions.traffic.fields] ts = \"$context.requestTimeEpoch\"";
        let m = match t.get("fields") {
            None => return Ok(ApiFields::default()),
            Some(Value::Table(m)) => m,
            Some(o) => return Err(self.bad(fkey, o, form)),
        };
        let mut keys: Vec<(String, Var)> = Vec::new();
        for (jk, v) in m {
            let bare = !jk.is_empty()
                && jk
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let ikey = if bare {
                format!("{fkey}.{jk}")
            } else {
                format!("{fkey}.{jk:?}")
            };
            let Value::String(name) = v else {
                return Err(self.bad(ikey, v, known_list()));
            };
            match variable(name) {
                Ok(Some(var)) => {
                    if let Some(other) = keys.iter().find(|k| k.1 == var)
                        && var != Var::IntegrationLatency
                    {
                        return Err(self.bad(
                            ikey,
                            quoted(name),
                            format!(
                                "each variable at most once; key `{}` already holds it",
                                other.0
                            ),
                        ));
                    }
                    keys.push((jk.clone(), var));
                }
                Ok(None) => {}
                Err(why) => return Err(self.bad(ikey, quoted(name), why)),
            }
        }
        if !keys
            .iter()
            .any(|k| matches!(k.1, Var::RequestTimeEpoch | Var::RequestTime))
        {
            return Err(self.bad(
                fkey,
                "(no arrival)",
                "a key mapped to \"$context.requestTimeEpoch\" (the arrival in ms, preferred) or \"$context.requestTime\"",
            ));
        }
        Ok(ApiFields { keys })
    }

    /// A trace file key: resolved against the scenario's directory and opened
    /// (not read) to check it exists.
    pub(super) fn trace_path(
        &self,
        key: &str,
        t: &Table,
        name: &str,
    ) -> Result<Option<std::path::PathBuf>> {
        let k = format!("{key}.{name}");
        let rel = match t.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(o) => {
                return Err(self.bad(
                    k,
                    o,
                    "a file path, relative to the scenario file's directory",
                ));
            }
        };
        let p = match self.base_dir {
            Some(d) if Path::new(rel).is_relative() => d.join(rel),
            _ => std::path::PathBuf::from(rel),
        };
        if let Err(e) = std::fs::File::open(&p) {
            return Err(self.bad(
                k,
                quoted(rel),
                format!(
                    "cannot open the trace file {}: {e} (paths are relative to the scenario file's directory)",
                    p.display()
                ),
            ));
        }
        if p.is_dir() {
            return Err(self.bad(
                k,
                quoted(rel),
                format!("{} is a directory, not a trace file", p.display()),
            ));
        }
        Ok(Some(p))
    }

    /// `[functions.work]` when the trace supplies durations and the table is
    /// omitted: the Azure 2019 duration profile of a single `function` (read
    /// from the small durations file now, so the warm fleet is sized by it);
    /// otherwise zero (the trace gives every request its work).
    pub(super) fn trace_work(&self, key: &str, spec: &TraceSpec) -> Result<Work> {
        let zero = Dist::Constant(SimDuration::ZERO);
        if let TraceFormat::Azure2019 {
            selection: Selection::Function(prefix),
            durations_path: Some(dp),
            ..
        } = &spec.format
        {
            let d = crate::trace::azure2019::read_durations(
                dp,
                &crate::trace::azure2019::Match::Prefix(prefix),
            )
            .map_err(|e| {
                self.bad(
                    format!("{key}.durations_path"),
                    quoted(&dp.display().to_string()),
                    e.0,
                )
            })?;
            let (cpu, io) = crate::trace::split_dist(&d, spec.cpu_share);
            return Ok(Work { cpu, io });
        }
        Ok(Work {
            cpu: zero.clone(),
            io: zero,
        })
    }

    pub(super) fn rate(&self, prefix: &str, t: &Table, k: &str) -> Result<f64> {
        let key = format!("{prefix}.{k}");
        let allowed = format!("a rate in invocations per second, a number in 0..={MAX_RATE:e}");
        match t.get(k) {
            None => Err(self.missing(key, allowed)),
            Some(v) => match num_value(v) {
                Some(r) if r.is_finite() && (0.0..=MAX_RATE).contains(&r) => Ok(r),
                _ => Err(self.bad(key, v, allowed)),
            },
        }
    }

    pub(super) fn tdur(
        &self,
        prefix: &str,
        t: &Table,
        k: &str,
        default: Option<SimDuration>,
    ) -> Result<SimDuration> {
        let key = format!("{prefix}.{k}");
        match (t.get(k), default) {
            (Some(v), _) => self.value_duration(&key, v),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(self.missing(key, DURATION_FORMS)),
        }
    }

    pub(super) fn shape(
        &self,
        key: &str,
        t: &Table,
        extra: &[&str],
        in_segment: bool,
    ) -> Result<RateShape> {
        let skey = format!("{key}.shape");
        let name = match t.get("shape") {
            None => return Err(self.missing(skey, format!("one of {SHAPE_NAMES}"))),
            Some(Value::String(s)) => s.as_str(),
            Some(o) => return Err(self.bad(skey, o, format!("one of {SHAPE_NAMES}"))),
        };
        let keys: &[&str] = match name {
            "constant" => &["rate"],
            "ramp" => &["from", "to", "start", "duration"],
            "exponential" => &["start_rate", "doubling_time", "start", "duration"],
            "spike" => &["base", "peak", "start", "rise", "hold", "decay"],
            "diurnal" => &["mean", "amplitude", "period", "peak_at"],
            "piecewise" if !in_segment => &["segments"],
            "piecewise" => {
                return Err(self.bad(
                    skey,
                    quoted(name),
                    "a piecewise segment cannot itself be piecewise; one of \"constant\", \"ramp\", \"exponential\", \"spike\", \"diurnal\"",
                ));
            }
            other => return Err(self.bad(skey, quoted(other), format!("one of {SHAPE_NAMES}"))),
        };
        let mut allowed: Vec<&str> = vec!["shape"];
        allowed.extend_from_slice(keys);
        allowed.extend_from_slice(extra);
        self.check_keys(key, t, &allowed, &format!("for shape = \"{name}\""))?;
        let zero = Some(SimDuration::ZERO);
        Ok(match name {
            "constant" => RateShape::Constant {
                rate: self.rate(key, t, "rate")?,
            },
            "ramp" => RateShape::Ramp {
                from: self.rate(key, t, "from")?,
                to: self.rate(key, t, "to")?,
                start: self.tdur(key, t, "start", zero)?,
                duration: self.tdur(key, t, "duration", None)?,
            },
            "exponential" => {
                let start_rate = self.rate(key, t, "start_rate")?;
                let doubling = self.tdur(key, t, "doubling_time", None)?;
                if doubling.0 == 0 {
                    return Err(self.bad(
                        format!("{key}.doubling_time"),
                        doubling,
                        "a duration > 0",
                    ));
                }
                let start = self.tdur(key, t, "start", zero)?;
                let duration = self.tdur(key, t, "duration", None)?;
                let end_rate = start_rate * (duration.0 as f64 / doubling.0 as f64).exp2();
                if !end_rate.is_finite() || end_rate > MAX_RATE {
                    return Err(self.bad(
                        format!("{key}.duration"),
                        duration,
                        format!(
                            "the final rate start_rate × 2^(duration / doubling_time) must stay <= {MAX_RATE:e}/s; shorten duration or lengthen doubling_time"
                        ),
                    ));
                }
                RateShape::Exponential {
                    start_rate,
                    doubling,
                    start,
                    duration,
                }
            }
            "spike" => {
                let base = self.rate(key, t, "base")?;
                let peak = self.rate(key, t, "peak")?;
                let start = self.tdur(key, t, "start", None)?;
                let rise = self.tdur(key, t, "rise", None)?;
                let hold = self.tdur(key, t, "hold", None)?;
                let decay = self.tdur(key, t, "decay", None)?;
                if (rise + hold + decay).0 == 0 {
                    return Err(self.bad(
                        format!("{key}.hold"),
                        hold,
                        "rise + hold + decay must be > 0 (each may be 0)",
                    ));
                }
                RateShape::Spike {
                    base,
                    peak,
                    start,
                    rise,
                    hold,
                    decay,
                }
            }
            "diurnal" => {
                let mean = self.rate(key, t, "mean")?;
                let amplitude = self.rate(key, t, "amplitude")?;
                if amplitude > mean {
                    return Err(self.bad(
                        format!("{key}.amplitude"),
                        amplitude,
                        format!("a number in 0..=mean ({mean})"),
                    ));
                }
                let period = self.tdur(key, t, "period", Some(SimDuration::from_secs(86_400)))?;
                if period.0 == 0 {
                    return Err(self.bad(format!("{key}.period"), period, "a duration > 0"));
                }
                let peak_at =
                    self.tdur(key, t, "peak_at", Some(SimDuration::from_secs(14 * 3600)))?;
                RateShape::Diurnal {
                    mean,
                    amplitude,
                    period,
                    peak_at,
                }
            }
            _ => self.piecewise(key, t)?,
        })
    }

    pub(super) fn piecewise(&self, key: &str, t: &Table) -> Result<RateShape> {
        let skey = format!("{key}.segments");
        let form = "a non-empty array of tables { for = <duration>, shape = ..., <shape keys> } (`for` may be omitted on the last segment only)";
        let arr = match t.get("segments") {
            None => return Err(self.missing(skey, form)),
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(o) => return Err(self.bad(skey, o, form)),
        };
        let mut segs = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            let ikey = format!("{skey}[{i}]");
            let seg = match item {
                Value::Table(s) => s,
                o => return Err(self.bad(ikey, o, form)),
            };
            let last = i + 1 == arr.len();
            let fkey = format!("{ikey}.for");
            let duration = match seg.get("for") {
                Some(v) => {
                    let d = self.value_duration(&fkey, v)?;
                    if d.0 == 0 {
                        return Err(self.bad(fkey, v, "a segment length > 0"));
                    }
                    d
                }
                None if last => MAX_DURATION,
                None => {
                    return Err(self.missing(
                        fkey,
                        format!("{DURATION_FORMS}; every segment but the last needs `for`"),
                    ));
                }
            };
            let shape = self.shape(&ikey, seg, &["for"], true)?;
            segs.push(Segment { duration, shape });
        }
        Ok(RateShape::Piecewise(segs))
    }
}
