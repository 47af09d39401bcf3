//! The sweep file: a base scenario, axes, replications, an optional goal.
//! [`load`] reads it, expands the points and validates every point's scenario
//! before anything runs.

use super::SweepError;
use super::path::{self, KeyPath};
use crate::rng::derive_seed;
use crate::scenario::{self, Scenario};
use crate::sim::Platforms;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Most points a sweep may have (points × replications runs).
pub const MAX_RUNS: usize = 1_000_000;

/// How axes combine into points.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Every combination; the first axis varies slowest.
    Product,
    /// The i-th value of every axis together (equal lengths).
    Zip,
}

/// "Cheapest configuration with throttle rate ≤ X and p99 ≤ Y" on one platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// "lmi" or "default".
    pub platform: String,
    pub max_throttle_rate: Option<f64>,
    pub max_p99_ms: Option<f64>,
    /// The function whose throttle rate and p99 the limits apply to (by
    /// name; `None`: the platform's, all functions together). The cost
    /// minimised is the platform's whole bill either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Its index in the scenario (set with `function`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_index: Option<usize>,
}

impl Goal {
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(t) = self.max_throttle_rate {
            parts.push(format!("throttle rate ≤ {t}"));
        }
        if let Some(p) = self.max_p99_ms {
            parts.push(format!("p99 ≤ {p} ms"));
        }
        let name = crate::report::tables::platform_name(&self.platform);
        let of = match &self.function {
            Some(f) if !parts.is_empty() => format!(" for function `{f}`"),
            _ => String::new(),
        };
        if parts.is_empty() {
            format!("cheapest {name} configuration")
        } else {
            format!(
                "cheapest {name} configuration with {}{of}",
                parts.join(" and ")
            )
        }
    }
}

/// One axis after expansion.
#[derive(Clone, Debug)]
pub struct Axis {
    pub path: KeyPath,
    pub values: Vec<Value>,
    /// `values` as CSV cells.
    pub labels: Vec<String>,
}

/// A loaded, validated sweep.
pub struct Sweep {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub replications: u32,
    pub platforms: Platforms,
    pub combine: Combine,
    /// `shards = N` from the file (for `--shard auto`).
    pub shards: Option<u32>,
    pub axes: Vec<Axis>,
    pub goal: Option<Goal>,
    /// Hash of the sweep file, the base file, the `--set` overrides (when
    /// there are any) and the lmi-sim version.
    pub fingerprint: String,
    /// The `--set` overrides of the base, as recorded (`KEY=VALUE`, values as TOML).
    pub overrides: Vec<String>,
    /// Every point's scenario, validated, in point order.
    pub points: Vec<Scenario>,
    /// Every point's axis-value indices, in point order.
    pub coords: Vec<Vec<usize>>,
}

impl Sweep {
    /// The functions with columns of their own in `results.csv`: every
    /// function's name with two functions or more, none with one.
    pub fn function_columns(&self) -> Vec<String> {
        match self.points.first() {
            Some(sc) if sc.functions.len() >= 2 => {
                sc.functions.iter().map(|f| f.name.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether `results.csv` has the `blend_*` columns (LMI + spill-over):
    /// LMI runs and some point spills some function's throttles over.
    pub fn blend_columns(&self) -> bool {
        self.platforms.lmi()
            && self
                .points
                .iter()
                .any(|sc| sc.functions.iter().any(|f| f.spill_over.is_some()))
    }

    /// The seed of replication `rep` of `point`.
    pub fn run_seed(&self, point: usize, rep: u32) -> u64 {
        derive_seed(derive_seed(self.seed, point as u64), rep as u64)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: Option<String>,
    description: Option<String>,
    seed: Option<i64>,
    replications: Option<i64>,
    platforms: Option<String>,
    combine: Option<String>,
    shards: Option<i64>,
    base: Option<Value>,
    overrides: Option<Table>,
    #[serde(default)]
    axes: Vec<RawAxis>,
    goal: Option<RawGoal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    key: Option<String>,
    values: Option<Vec<Value>>,
    range: Option<RawRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    from: Value,
    to: Value,
    steps: i64,
    scale: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGoal {
    max_throttle_rate: Option<f64>,
    max_p99_ms: Option<f64>,
    platform: Option<String>,
    function: Option<String>,
}

/// FNV-1a over bytes, 64 bits.
/// Bytes hashed at each end of a trace file for its identity.
const TRACE_ID_BYTES: u64 = 1 << 20;

/// An identity of every trace file the points read, in path order: its
/// name, length, and a hash of its first and last MiB (content, not times,
/// so the fingerprint is the same in any checkout); `None` without traces.
fn trace_identity(points: &[Scenario]) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut paths = std::collections::BTreeSet::new();
    let mut add = |sc: &Scenario| {
        for f in &sc.functions {
            if let crate::traffic::Traffic::Trace(t) = &f.traffic {
                paths.insert(t.path.clone());
            }
        }
    };
    for p in points {
        add(p);
        for d in p.calendar.iter().flat_map(|c| &c.special) {
            add(&d.scenario);
        }
    }
    if paths.is_empty() {
        return None;
    }
    let mut out = String::new();
    for p in &paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (len, head_tail) = match std::fs::File::open(p) {
            Err(_) => (0, 0),
            Ok(mut f) => {
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                let mut head = Vec::new();
                let _ = (&mut f).take(TRACE_ID_BYTES).read_to_end(&mut head);
                let mut tail = Vec::new();
                if len > TRACE_ID_BYTES && f.seek(SeekFrom::Start(len - TRACE_ID_BYTES)).is_ok() {
                    let _ = f.take(TRACE_ID_BYTES).read_to_end(&mut tail);
                }
                (len, fnv64(&[&head, &tail]))
            }
        };
        out.push_str(&format!("{name}:{len}:{head_tail:016x}\n"));
    }
    Some(out)
}

pub fn fnv64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        // Separator so that ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Reads and validates a sweep file.
pub fn load(file: &Path) -> Result<Sweep, SweepError> {
    load_with(file, &[])
}

/// Reads and validates a sweep file, with `--set` overrides of its base
/// (applied after its `[overrides]`, before the axes).
pub fn load_with(file: &Path, sets: &[crate::overrides::Set]) -> Result<Sweep, SweepError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        SweepError::input(format!(
            "{}: cannot read the sweep file: {e}",
            file.display()
        ))
    })?;
    from_str_with(&text, &file.display().to_string(), file.parent(), sets)
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Expands a range into values. Integer `from` and `to` give integers.
fn expand_range(label: &str, r: &RawRange) -> Result<Vec<Value>, String> {
    let (Some(from), Some(to)) = (num(&r.from), num(&r.to)) else {
        return Err(format!(
            "{label}.range: `from` and `to` must be numbers (got {} and {})",
            r.from, r.to
        ));
    };
    if !from.is_finite() || !to.is_finite() {
        return Err(format!("{label}.range: `from` and `to` must be finite"));
    }
    let log = match r.scale.as_deref() {
        None | Some("linear") => false,
        Some("log") => true,
        Some(o) => {
            return Err(format!(
                "{label}.range.scale = {o:?}: expected \"linear\" (default) or \"log\""
            ));
        }
    };
    if r.steps < 1 {
        return Err(format!(
            "{label}.range.steps = {}: the range is empty (step 0); steps must be >= 1",
            r.steps
        ));
    }
    if r.steps > MAX_RUNS as i64 {
        return Err(format!(
            "{label}.range.steps = {}: at most {MAX_RUNS}",
            r.steps
        ));
    }
    let n = r.steps as usize;
    if n > 1 && from == to {
        return Err(format!(
            "{label}.range: from = to = {from} with steps = {n} gives a step of 0; use steps = 1 or different ends"
        ));
    }
    if log && (from <= 0.0 || to <= 0.0) {
        return Err(format!(
            "{label}.range: a log scale needs from > 0 and to > 0 (got {from} and {to})"
        ));
    }
    let ints = matches!(r.from, Value::Integer(_)) && matches!(r.to, Value::Integer(_));
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let x = if i == 0 {
            from
        } else if i + 1 == n {
            to
        } else {
            let f = i as f64 / (n - 1) as f64;
            if log {
                (from.ln() + (to.ln() - from.ln()) * f).exp()
            } else {
                from + (to - from) * f
            }
        };
        out.push(if ints {
            Value::Integer(x.round() as i64)
        } else {
            Value::Float(x)
        });
    }
    if ints {
        for w in out.windows(2) {
            if w[0] == w[1] {
                return Err(format!(
                    "{label}.range: {n} integer steps from {from} to {to} repeat the value {} (step rounds to 0); use fewer steps or float ends",
                    w[0]
                ));
            }
        }
    }
    Ok(out)
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// Parses a sweep from text. `file` names it in messages; `dir` resolves `base`.
pub fn from_str(text: &str, file: &str, dir: Option<&Path>) -> Result<Sweep, SweepError> {
    from_str_with(text, file, dir, &[])
}

/// [`from_str`] with `--set` overrides of the base.
pub fn from_str_with(
    text: &str,
    file: &str,
    dir: Option<&Path>,
    sets: &[crate::overrides::Set],
) -> Result<Sweep, SweepError> {
    let e = |m: String| SweepError::input(format!("{file}: {m}"));
    let de = toml::Deserializer::parse(text).map_err(|x| {
        e(crate::scenario::elide::elide_snippet(
            x.to_string().trim_end(),
        ))
    })?;
    let raw: RawSweep = serde_path_to_error::deserialize(de).map_err(|x| {
        let key = x.path().to_string();
        let msg = x.inner().to_string().trim_end().to_string();
        if key == "." {
            e(msg)
        } else {
            e(format!("at `{key}`: {msg}"))
        }
    })?;

    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let name = raw.name.clone().unwrap_or(stem);
    if !name_ok(&name) {
        return Err(e(format!(
            "name = {name:?}: a non-empty name of at most 128 letters, digits, `_`, `.` and `-`"
        )));
    }
    let seed = match raw.seed {
        None => 1,
        Some(s) => u64::try_from(s).map_err(|_| e(format!("seed = {s}: an integer >= 0")))?,
    };
    let replications = match raw.replications {
        None => 1,
        Some(r) if (1..=10_000).contains(&r) => r as u32,
        Some(r) => return Err(e(format!("replications = {r}: an integer in 1..=10000"))),
    };
    let platforms = match raw.platforms.as_deref() {
        None | Some("both") => Platforms::Both,
        Some("lmi") => Platforms::Lmi,
        Some("default") => Platforms::Default,
        Some(o) => {
            return Err(e(format!(
                "platforms = {o:?}: \"both\" (default), \"lmi\" or \"default\""
            )));
        }
    };
    let combine = match raw.combine.as_deref() {
        None | Some("product") => Combine::Product,
        Some("zip") => Combine::Zip,
        Some(o) => {
            return Err(e(format!(
                "combine = {o:?}: \"product\" (default, every combination) or \"zip\" (the i-th values together)"
            )));
        }
    };
    let shards = match raw.shards {
        None => None,
        Some(n) if (1..=1_000_000).contains(&n) => Some(n as u32),
        Some(n) => return Err(e(format!("shards = {n}: an integer in 1..=1000000"))),
    };
    let goal = match &raw.goal {
        None => None,
        Some(g) => {
            let platform = g
                .platform
                .clone()
                .unwrap_or_else(|| if platforms.lmi() { "lmi" } else { "default" }.into());
            if !["lmi", "default", "blend"].contains(&platform.as_str()) {
                return Err(e(format!(
                    "goal.platform = {platform:?}: \"lmi\" (default when LMI runs), \"default\" or \"blend\" (LMI + spill-over)"
                )));
            }
            if !platforms_has(platforms, &platform) {
                return Err(e(format!(
                    "goal.platform = {platform:?}, but the sweep does not simulate that platform (platforms = {:?})",
                    raw.platforms.as_deref().unwrap_or("both")
                )));
            }
            for (k, v) in [
                ("max_throttle_rate", g.max_throttle_rate),
                ("max_p99_ms", g.max_p99_ms),
            ] {
                if let Some(v) = v
                    && !(v >= 0.0 && v.is_finite())
                {
                    return Err(e(format!("goal.{k} = {v}: a number >= 0")));
                }
            }
            Some(Goal {
                platform,
                max_throttle_rate: g.max_throttle_rate,
                max_p99_ms: g.max_p99_ms,
                // Checked against the base scenario's functions below.
                function: g.function.clone(),
                function_index: None,
            })
        }
    };

    // The base scenario, as a TOML value.
    let (mut base, base_label, base_dir, base_text): (Value, String, Option<PathBuf>, String) =
        match &raw.base {
            None => {
                return Err(e(
                    "missing `base`: a scenario file path (base = \"marketing-spike.toml\", relative to the sweep file) or an inline [base] table".into(),
                ));
            }
            Some(Value::String(p)) => {
                let full = match dir {
                    Some(d) => d.join(p),
                    None => PathBuf::from(p),
                };
                let t = std::fs::read_to_string(&full)
                    .map_err(|x| e(format!("base = {p:?}: cannot read {}: {x}", full.display())))?;
                let v: Value = toml::from_str(&t).map_err(|x| {
                    SweepError::input(format!(
                        "{}: {}",
                        full.display(),
                        crate::scenario::elide::elide_snippet(x.to_string().trim_end())
                    ))
                })?;
                (
                    v,
                    full.display().to_string(),
                    full.parent().map(Path::to_path_buf),
                    t,
                )
            }
            Some(Value::Table(t)) => (
                Value::Table(t.clone()),
                format!("{file} [base]"),
                dir.map(Path::to_path_buf),
                String::new(),
            ),
            Some(o) => {
                return Err(e(format!(
                    "base = {o}: a scenario file path (string) or an inline [base] table"
                )));
            }
        };
    let overrides = crate::overrides::records(sets);
    let joined = overrides.join("\n");
    let mut parts: Vec<&[u8]> = vec![
        crate::report::VERSION.as_bytes(),
        text.as_bytes(),
        base_text.as_bytes(),
    ];
    // Only with overrides, so that a sweep without keeps its fingerprint.
    if !sets.is_empty() {
        parts.push(joined.as_bytes());
    }
    let fingerprint = format!("{:016x}", fnv64(&parts));

    if let Some(ov) = &raw.overrides {
        for (k, v) in ov {
            let p = KeyPath::parse(k).map_err(|m| e(format!("overrides: {m}")))?;
            path::merge(&mut base, &p, v).map_err(|pe| {
                e(format!(
                    "overrides.{k}: unknown key path `{k}`: {}",
                    pe.describe()
                ))
            })?;
        }
        // Keys the overrides introduced must be scenario keys.
        check_scenario(&base, &base_label, base_dir.as_deref()).map_err(|m| {
            e(format!(
                "overrides: the base with the overrides is not a valid scenario: {m}"
            ))
        })?;
    }

    if !sets.is_empty() {
        let before = base.clone();
        let resolved =
            crate::overrides::apply(&mut base, sets, &base_label).map_err(SweepError::input)?;
        if let Some(m) = crate::overrides::blame(
            &before,
            &base,
            sets,
            &resolved,
            &base_label,
            base_dir.as_deref(),
        ) {
            return Err(e(format!(
                "the base with the --set overrides is not a valid scenario: {m}"
            )));
        }
    }

    // What the base alone says (so that its own problems are not blamed on an axis).
    let base_error = scenario_error(&base, &base_label, base_dir.as_deref());

    // Axes.
    let mut axes = Vec::with_capacity(raw.axes.len());
    for (i, a) in raw.axes.iter().enumerate() {
        let label = format!("axes[{i}]");
        let key = a.key.as_deref().ok_or_else(|| {
            e(format!(
                "{label}: missing `key` (a scenario key path, e.g. \"functions[0].traffic.rate\")"
            ))
        })?;
        let p = KeyPath::parse(key).map_err(|m| e(format!("{label}: {m}")))?;
        let values = match (&a.values, &a.range) {
            (Some(v), None) => {
                if v.is_empty() {
                    return Err(e(format!(
                        "{label} (`{key}`): `values` is empty; give at least one value"
                    )));
                }
                v.clone()
            }
            (None, Some(r)) => {
                expand_range(&label, r).map_err(|m| e(format!("{m} (axis `{key}`)")))?
            }
            (Some(_), Some(_)) => {
                return Err(e(format!(
                    "{label} (`{key}`): give either `values` or `range`, not both"
                )));
            }
            (None, None) => {
                return Err(e(format!(
                    "{label} (`{key}`): missing `values = [...]` or `range = {{ from, to, steps, scale }}`"
                )));
            }
        };
        if axes.iter().any(|x: &Axis| x.path.text == p.text) {
            return Err(e(format!("{label}: the key `{key}` is already an axis")));
        }
        // The path must exist in the base (leaf keys and tables may be new,
        // but then they must be scenario keys).
        let mut probe = base.clone();
        let outcome = path::set(&mut probe, &p, values[0].clone()).map_err(|pe| {
            e(format!(
                "{label}: unknown key path `{key}`: {} at `{}`",
                pe.describe(),
                pe.at
            ))
        })?;
        if let Some(from) = outcome.created_from
            && let Some(m) = unknown_key(
                &probe,
                &p,
                from,
                &base_error,
                &base_label,
                base_dir.as_deref(),
            )
        {
            return Err(e(format!("{label}: unknown key path `{key}`: {m}")));
        }
        let labels = values.iter().map(path::label).collect();
        axes.push(Axis {
            path: p,
            values,
            labels,
        });
    }

    // Points.
    let coords = expand_points(&axes, combine).map_err(e)?;
    if coords.len() * replications as usize > MAX_RUNS {
        return Err(e(format!(
            "{} points × {replications} replications: at most {MAX_RUNS} runs",
            coords.len()
        )));
    }
    let mut points = Vec::with_capacity(coords.len());
    for (pi, c) in coords.iter().enumerate() {
        let mut v = base.clone();
        for (a, &vi) in axes.iter().zip(c) {
            path::set(&mut v, &a.path, a.values[vi].clone())
                .map_err(|pe| e(format!("point {pi}: cannot set `{}`: {}", a.path, pe.why)))?;
        }
        let text = toml::to_string(&v)
            .map_err(|x| e(format!("point {pi}: cannot serialise the scenario: {x}")))?;
        let sc = scenario::validate::from_toml_str(&text, &base_label, base_dir.as_deref())
            .map_err(|err| {
                let vals: Vec<String> = axes
                    .iter()
                    .zip(c)
                    .map(|(a, &vi)| format!("{} = {}", a.path, a.labels[vi]))
                    .collect();
                e(format!(
                    "point {pi} ({}) is not a valid scenario: {err}",
                    if vals.is_empty() {
                        "no axes".to_string()
                    } else {
                        vals.join(", ")
                    }
                ))
            })?;
        points.push(sc);
    }
    let names =
        |sc: &Scenario| -> Vec<String> { sc.functions.iter().map(|f| f.name.clone()).collect() };
    let functions = points.first().map(names).unwrap_or_default();
    if let Some(pi) = points.iter().position(|p| names(p) != functions) {
        return Err(e(format!(
            "point {pi} has other functions ({}) than point 0 ({}): results.csv has per-function columns, so an axis must not change the functions' names or number",
            names(&points[pi]).join(", "),
            functions.join(", ")
        )));
    }
    // The trace files the points read (a calendar's days included): a sweep
    // resumed or merged after a trace changed must not mix the two.
    let fingerprint = match trace_identity(&points) {
        None => fingerprint,
        Some(id) => format!("{:016x}", fnv64(&[fingerprint.as_bytes(), id.as_bytes()])),
    };
    let mut goal = goal;
    if let Some(g) = &goal
        && g.platform == "blend"
    {
        if !points
            .iter()
            .any(|sc| sc.functions.iter().any(|f| f.spill_over.is_some()))
        {
            return Err(e(
                "goal.platform = \"blend\" (LMI + spill-over), but no point of the sweep has spill-over: enable [functions.spill_over] in the base or on an axis, or set goal.platform = \"lmi\"".into(),
            ));
        }
        if g.function.is_some() && functions.len() >= 2 {
            return Err(e(
                "goal.function with goal.platform = \"blend\": results.csv has the blend's figures for all functions together, not per function; drop goal.function or set goal.platform = \"lmi\"".into(),
            ));
        }
    }
    if let Some(g) = &mut goal
        && let Some(f) = &g.function
    {
        match functions.iter().position(|n| n == f) {
            // With one function its figures are the platform's.
            Some(i) => g.function_index = (functions.len() >= 2).then_some(i),
            None => {
                return Err(e(format!(
                    "goal.function = {f:?}: the name of a function of the base scenario: {}",
                    functions
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }

    Ok(Sweep {
        name,
        description: raw.description.clone().unwrap_or_default(),
        seed,
        replications,
        platforms,
        combine,
        shards,
        axes,
        goal,
        fingerprint,
        overrides,
        points,
        coords,
    })
}

fn platforms_has(p: Platforms, name: &str) -> bool {
    match name {
        "lmi" | "blend" => p.lmi(),
        _ => p.default(),
    }
}

fn scenario_error(v: &Value, label: &str, dir: Option<&Path>) -> Option<String> {
    check_scenario(v, label, dir).err()
}

/// When setting an axis created keys (`from` is the first new step), checks
/// that the scenario knows them: returns a message naming the first unknown
/// segment, or `None` when the keys are known (or the error is another one).
fn unknown_key(
    probe: &Value,
    p: &KeyPath,
    from: usize,
    base_error: &Option<String>,
    label: &str,
    dir: Option<&Path>,
) -> Option<String> {
    let text = toml::to_string(probe).ok()?;
    let err = scenario::validate::from_toml_str(&text, label, dir).err()?;
    let msg = err.to_string();
    if base_error.as_deref() == Some(msg.as_str()) {
        return None;
    }
    // serde: "unknown field `X`, expected one of …"; hand-parsed tables:
    // key `prefix.X` with "unknown key; allowed keys …".
    let name = if let Some(i) = msg.find("unknown field `") {
        let rest = &msg[i + "unknown field `".len()..];
        rest[..rest.find('`')?].to_string()
    } else if msg.contains("unknown key") {
        err.key().rsplit('.').next()?.to_string()
    } else {
        return None;
    };
    let at = p
        .steps
        .iter()
        .enumerate()
        .skip(from)
        .find_map(|(i, st)| match st {
            path::Step::Key(k) if *k == name => Some(i),
            _ => None,
        })?;
    let where_ = if at == 0 {
        "a top-level scenario key".to_string()
    } else {
        format!(
            "a scenario key under `{}`",
            path::prefix_text(&p.steps, at - 1)
        )
    };
    // The scenario's own message lists the allowed keys.
    let allowed = msg
        .split_once("expected one of ")
        .map(|(_, a)| format!("; allowed: {}", a.lines().next().unwrap_or("")))
        .or_else(|| {
            msg.split_once("allowed keys")
                .map(|(_, a)| format!("; allowed keys{}", a.lines().next().unwrap_or("")))
        })
        .unwrap_or_default();
    Some(format!("`{name}` is not {where_}{allowed}"))
}

fn check_scenario(v: &Value, label: &str, dir: Option<&Path>) -> Result<(), String> {
    let text = toml::to_string(v).map_err(|e| e.to_string())?;
    scenario::validate::from_toml_str(&text, label, dir)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Every point's value indices, in point order.
pub fn expand_points(axes: &[Axis], combine: Combine) -> Result<Vec<Vec<usize>>, String> {
    let lens: Vec<usize> = axes.iter().map(|a| a.values.len()).collect();
    expand_lens(&lens, combine).map_err(|m| {
        let desc: Vec<String> = axes
            .iter()
            .map(|a| format!("`{}` has {}", a.path, a.values.len()))
            .collect();
        format!("{m}: {}", desc.join(", "))
    })
}

/// Point coordinates for axes of these lengths.
pub fn expand_lens(lens: &[usize], combine: Combine) -> Result<Vec<Vec<usize>>, String> {
    if lens.is_empty() {
        return Ok(vec![vec![]]);
    }
    match combine {
        Combine::Zip => {
            if lens.iter().any(|&l| l != lens[0]) {
                return Err("combine = \"zip\" needs axes of equal length".into());
            }
            Ok((0..lens[0]).map(|i| vec![i; lens.len()]).collect())
        }
        Combine::Product => {
            let mut total: usize = 1;
            for &l in lens {
                total = total
                    .checked_mul(l)
                    .filter(|&t| t <= MAX_RUNS)
                    .ok_or_else(|| format!("more than {MAX_RUNS} points"))?;
            }
            let mut out = Vec::with_capacity(total);
            for mut k in 0..total {
                let mut c = vec![0; lens.len()];
                for j in (0..lens.len()).rev() {
                    c[j] = k % lens[j];
                    k /= lens[j];
                }
                out.push(c);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rr(from: Value, to: Value, steps: i64, scale: Option<&str>) -> RawRange {
        RawRange {
            from,
            to,
            steps,
            scale: scale.map(String::from),
        }
    }

    #[test]
    fn ranges() {
        let v = expand_range(
            "a",
            &rr(Value::Float(1e6), Value::Float(1e8), 3, Some("log")),
        )
        .unwrap();
        assert_eq!(v[0], Value::Float(1e6));
        assert!((num(&v[1]).unwrap() - 1e7).abs() < 1e-3);
        assert_eq!(v[2], Value::Float(1e8));
        let v = expand_range("a", &rr(Value::Integer(8), Value::Integer(32), 4, None)).unwrap();
        assert_eq!(
            v,
            vec![
                Value::Integer(8),
                Value::Integer(16),
                Value::Integer(24),
                Value::Integer(32)
            ]
        );
        assert!(expand_range("a", &rr(Value::Integer(1), Value::Integer(2), 0, None)).is_err());
        assert!(expand_range("a", &rr(Value::Integer(1), Value::Integer(1), 3, None)).is_err());
        assert!(expand_range("a", &rr(Value::Integer(1), Value::Integer(2), 3, None)).is_err());
        assert!(
            expand_range(
                "a",
                &rr(Value::Float(0.0), Value::Float(2.0), 3, Some("log"))
            )
            .is_err()
        );
        assert_eq!(
            expand_range("a", &rr(Value::Integer(5), Value::Integer(5), 1, None)).unwrap(),
            vec![Value::Integer(5)]
        );
    }

    #[test]
    fn product_and_zip() {
        let p = expand_lens(&[2, 3], Combine::Product).unwrap();
        assert_eq!(p.len(), 6);
        assert_eq!(p[0], vec![0, 0]);
        assert_eq!(p[1], vec![0, 1]);
        assert_eq!(p[3], vec![1, 0]);
        let z = expand_lens(&[3, 3], Combine::Zip).unwrap();
        assert_eq!(z, vec![vec![0, 0], vec![1, 1], vec![2, 2]]);
        assert!(expand_lens(&[2, 3], Combine::Zip).is_err());
        assert_eq!(
            expand_lens(&[], Combine::Product).unwrap(),
            vec![Vec::<usize>::new()]
        );
    }
}
