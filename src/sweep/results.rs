//! A sweep's results: per-replication figures, per-point means and confidence
//! intervals, `results.csv` rows (written and read back, exactly), and the
//! analyses — goal pick, cost crossover, Pareto front.

use super::stats::mean_ci;
use crate::report::Summary;
use crate::scenario::Scenario;

/// One platform's figures from one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RepFigures {
    pub throttle_rate: f64,
    pub p99_ms: Option<f64>,
    pub cold_start_rate: f64,
    pub monthly_usd: f64,
    pub monthly_invocations: f64,
    /// LMI only.
    pub peak_instances: Option<f64>,
}

/// One function's figures on one platform from one run.
#[derive(Clone, Debug, PartialEq)]
pub struct FnFigures {
    pub throttle_rate: f64,
    pub p99_ms: Option<f64>,
    /// Its share of the platform's monthly cost (`summary.json`'s
    /// `functions[].lmi_cost` / `default_cost`).
    pub monthly_usd: f64,
}

/// One function's figures on both platforms from one run.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FnRep {
    pub lmi: Option<FnFigures>,
    pub default: Option<FnFigures>,
}

/// Both platforms' figures from one run.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RepResult {
    pub lmi: Option<RepFigures>,
    pub default: Option<RepFigures>,
    /// LMI with its throttles spilled over to default Lambda
    /// (`[functions.spill_over]`); without spill-over in the run, LMI's own
    /// figures (nothing spills). `None` when LMI was not simulated.
    pub blend: Option<RepFigures>,
    /// Per function, in scenario order; empty with one function (its figures
    /// are the platform's).
    pub functions: Vec<FnRep>,
}

impl RepResult {
    pub fn of(sc: &Scenario, s: &Summary) -> RepResult {
        let months = crate::cost::months(sc.horizon, &sc.pricing);
        let per_month = |n: u64| if months > 0.0 { n as f64 / months } else { 0.0 };
        let functions = if s.functions.len() < 2 {
            Vec::new()
        } else {
            s.functions
                .iter()
                .map(|f| FnRep {
                    lmi: f.lmi.as_ref().map(|x| FnFigures {
                        throttle_rate: x.throttle_rate,
                        p99_ms: x.latency.p99_ms,
                        monthly_usd: f.lmi_cost.as_ref().map_or(0.0, |c| c.monthly_usd),
                    }),
                    default: f.default.as_ref().map(|x| FnFigures {
                        throttle_rate: x.throttle_rate,
                        p99_ms: x.latency.p99_ms,
                        monthly_usd: f.default_cost.as_ref().map_or(0.0, |c| c.monthly_usd),
                    }),
                })
                .collect()
        };
        let lmi = s.lmi.as_ref().map(|l| RepFigures {
            throttle_rate: l.figures.throttle_rate,
            p99_ms: l.figures.latency.p99_ms,
            cold_start_rate: l.figures.cold_start_rate,
            monthly_usd: l.cost.monthly_usd,
            monthly_invocations: crate::calendar::month_invocations(s, true)
                .unwrap_or_else(|| per_month(l.figures.invocations)),
            peak_instances: Some(l.fleet.peak_instances as f64),
        });
        let blend = match (&lmi, &s.spill_over) {
            (Some(l), Some(sp)) => Some(RepFigures {
                throttle_rate: sp.figures.blend.throttle_rate,
                p99_ms: sp.figures.blend.latency.p99_ms,
                cold_start_rate: sp.figures.blend.cold_start_rate,
                monthly_usd: sp.blended_monthly_usd,
                ..l.clone()
            }),
            (l, _) => l.clone(),
        };
        RepResult {
            functions,
            lmi,
            blend,
            default: s.default.as_ref().map(|d| RepFigures {
                throttle_rate: d.figures.throttle_rate,
                p99_ms: d.figures.latency.p99_ms,
                cold_start_rate: d.figures.cold_start_rate,
                monthly_usd: d.cost.monthly_usd,
                monthly_invocations: crate::calendar::month_invocations(s, false)
                    .unwrap_or_else(|| per_month(d.figures.invocations)),
                peak_instances: None,
            }),
        }
    }
}

/// Mean and 95% CI half-width, rounded to 6 significant digits.
#[derive(Copy, Clone, Debug, PartialEq, Default)]
pub struct Stat {
    pub mean: Option<f64>,
    pub ci95: Option<f64>,
}

/// Rounds to 6 significant digits (what `results.csv` holds).
pub fn round6(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return if x == 0.0 { 0.0 } else { x };
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

impl Stat {
    fn of(xs: &[f64]) -> Stat {
        let (m, h) = mean_ci(xs);
        Stat {
            mean: m.map(round6),
            ci95: h.map(round6),
        }
    }
}

/// One platform's figures at one point, over replications.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PlatformStats {
    pub throttle_rate: Stat,
    pub p99_ms: Stat,
    pub cold_start_rate: Stat,
    pub monthly_usd: Stat,
    pub peak_instances: Stat,
    pub monthly_invocations: Stat,
}

impl PlatformStats {
    fn of(reps: &[&RepFigures]) -> PlatformStats {
        let col = |f: &dyn Fn(&RepFigures) -> Option<f64>| -> Stat {
            let xs: Vec<f64> = reps.iter().filter_map(|r| f(r)).collect();
            Stat::of(&xs)
        };
        PlatformStats {
            throttle_rate: col(&|r| Some(r.throttle_rate)),
            p99_ms: col(&|r| r.p99_ms),
            cold_start_rate: col(&|r| Some(r.cold_start_rate)),
            monthly_usd: col(&|r| Some(r.monthly_usd)),
            peak_instances: col(&|r| r.peak_instances),
            monthly_invocations: col(&|r| Some(r.monthly_invocations)),
        }
    }
    fn stats(&self) -> [&Stat; 6] {
        [
            &self.throttle_rate,
            &self.p99_ms,
            &self.cold_start_rate,
            &self.monthly_usd,
            &self.peak_instances,
            &self.monthly_invocations,
        ]
    }
    fn stats_mut(&mut self) -> [&mut Stat; 6] {
        [
            &mut self.throttle_rate,
            &mut self.p99_ms,
            &mut self.cold_start_rate,
            &mut self.monthly_usd,
            &mut self.peak_instances,
            &mut self.monthly_invocations,
        ]
    }
}

/// Metric names, in column order (per platform).
const METRICS: [&str; 6] = [
    "throttle_rate",
    "p99_ms",
    "cold_start_rate",
    "monthly_usd",
    "peak_instances",
    "monthly_invocations",
];

/// One function's figures on one platform at one point, over replications.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FnStats {
    pub throttle_rate: Stat,
    pub p99_ms: Stat,
    pub monthly_usd: Stat,
}

/// Per-function metric names, in column order (`fn.<name>.<platform>_<metric>_mean`).
const FN_METRICS: [&str; 3] = ["throttle_rate", "p99_ms", "monthly_usd"];

impl FnStats {
    fn of(reps: &[&FnFigures]) -> FnStats {
        let col = |f: &dyn Fn(&FnFigures) -> Option<f64>| -> Stat {
            let xs: Vec<f64> = reps.iter().filter_map(|r| f(r)).collect();
            Stat::of(&xs)
        };
        FnStats {
            throttle_rate: col(&|r| Some(r.throttle_rate)),
            p99_ms: col(&|r| r.p99_ms),
            monthly_usd: col(&|r| Some(r.monthly_usd)),
        }
    }
    fn stats(&self) -> [&Stat; 3] {
        [&self.throttle_rate, &self.p99_ms, &self.monthly_usd]
    }
    fn stats_mut(&mut self) -> [&mut Stat; 3] {
        [
            &mut self.throttle_rate,
            &mut self.p99_ms,
            &mut self.monthly_usd,
        ]
    }
}

/// One function's figures at one point.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FnPoint {
    pub lmi: Option<FnStats>,
    pub default: Option<FnStats>,
}

/// One point's results.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PointResult {
    pub point: usize,
    pub lmi: Option<PlatformStats>,
    pub default: Option<PlatformStats>,
    /// LMI + spill-over (see [`RepResult::blend`]); read from `results.csv`
    /// only when it has the `blend_*` columns.
    pub blend: Option<PlatformStats>,
    /// Per function, in scenario order (empty with one function).
    pub functions: Vec<FnPoint>,
}

impl PointResult {
    pub fn of(point: usize, reps: &[RepResult]) -> PointResult {
        let l: Vec<&RepFigures> = reps.iter().filter_map(|r| r.lmi.as_ref()).collect();
        let d: Vec<&RepFigures> = reps.iter().filter_map(|r| r.default.as_ref()).collect();
        let b: Vec<&RepFigures> = reps.iter().filter_map(|r| r.blend.as_ref()).collect();
        let nf = reps.iter().map(|r| r.functions.len()).max().unwrap_or(0);
        let functions = (0..nf)
            .map(|i| {
                let l: Vec<&FnFigures> = reps
                    .iter()
                    .filter_map(|r| r.functions.get(i)?.lmi.as_ref())
                    .collect();
                let d: Vec<&FnFigures> = reps
                    .iter()
                    .filter_map(|r| r.functions.get(i)?.default.as_ref())
                    .collect();
                FnPoint {
                    lmi: (!l.is_empty()).then(|| FnStats::of(&l)),
                    default: (!d.is_empty()).then(|| FnStats::of(&d)),
                }
            })
            .collect();
        PointResult {
            point,
            lmi: (!l.is_empty()).then(|| PlatformStats::of(&l)),
            default: (!d.is_empty()).then(|| PlatformStats::of(&d)),
            blend: (!b.is_empty()).then(|| PlatformStats::of(&b)),
            functions,
        }
    }

    /// `name`: "lmi", "default" or "blend" (LMI + spill-over).
    pub fn platform(&self, name: &str) -> Option<&PlatformStats> {
        match name {
            "lmi" => self.lmi.as_ref(),
            "blend" => self.blend.as_ref(),
            _ => self.default.as_ref(),
        }
    }

    /// Function `i`'s figures on platform `name`.
    pub fn function(&self, i: usize, name: &str) -> Option<&FnStats> {
        let f = self.functions.get(i)?;
        if name == "lmi" {
            f.lmi.as_ref()
        } else {
            f.default.as_ref()
        }
    }

    /// Mean monthly invocations (either platform: both see the same arrivals).
    pub fn monthly_invocations(&self) -> Option<f64> {
        self.lmi
            .as_ref()
            .or(self.default.as_ref())
            .and_then(|p| p.monthly_invocations.mean)
    }
}

/// Which metric columns exist for a platform (LMI only has peak instances).
fn has_metric(platform: &str, m: &str) -> bool {
    !(platform == "default" && m == "peak_instances")
}

/// The platform column groups of `results.csv`, in order: LMI, default
/// Lambda, and with `blend` (a sweep with spill-over at some point) LMI +
/// spill-over.
fn platform_groups(blend: bool) -> &'static [&'static str] {
    if blend {
        &["lmi", "default", "blend"]
    } else {
        &["lmi", "default"]
    }
}

/// The header of `results.csv`: the point, the axes, each platform's
/// metrics (`blend_*` too with `blend`), then (with two functions or more)
/// each function's (`fn.<name>.lmi_p99_ms_mean`, …; `functions` are their
/// names).
pub fn header(axis_keys: &[String], functions: &[String], blend: bool) -> Vec<String> {
    let mut h = vec!["point".to_string()];
    h.extend(axis_keys.iter().cloned());
    for &p in platform_groups(blend) {
        for m in METRICS {
            if has_metric(p, m) {
                h.push(format!("{p}_{m}_mean"));
                h.push(format!("{p}_{m}_ci95"));
            }
        }
    }
    for f in functions {
        for p in ["lmi", "default"] {
            for m in FN_METRICS {
                h.push(format!("fn.{f}.{p}_{m}_mean"));
                h.push(format!("fn.{f}.{p}_{m}_ci95"));
            }
        }
    }
    h
}

fn cell(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// One row of `results.csv` (`functions`: how many function column groups
/// the header has; `blend`: whether it has the `blend_*` columns).
pub fn row(r: &PointResult, labels: &[String], functions: usize, blend: bool) -> Vec<String> {
    let mut out = vec![r.point.to_string()];
    out.extend(labels.iter().cloned());
    for &name in platform_groups(blend) {
        let blank = PlatformStats::default();
        let s = r.platform(name).unwrap_or(&blank);
        for (m, st) in METRICS.iter().zip(s.stats()) {
            if has_metric(name, m) {
                out.push(cell(st.mean));
                out.push(cell(st.ci95));
            }
        }
    }
    for i in 0..functions {
        for p in ["lmi", "default"] {
            let blank = FnStats::default();
            let s = r.function(i, p).unwrap_or(&blank);
            for st in s.stats() {
                out.push(cell(st.mean));
                out.push(cell(st.ci95));
            }
        }
    }
    out
}

/// CSV bytes of one record (with the line end).
pub fn record_bytes(fields: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// The whole `results.csv`, rows in the order given.
pub fn csv_bytes(
    axis_keys: &[String],
    functions: &[String],
    blend: bool,
    rows: &[(PointResult, Vec<String>)],
) -> Vec<u8> {
    let mut out = record_bytes(&header(axis_keys, functions, blend));
    for (r, labels) in rows {
        out.extend(record_bytes(&row(r, labels, functions.len(), blend)));
    }
    out
}

/// The file beside `results.csv` holding one checksum per record.
pub const CHECKSUMS: &str = "results.fnv64";

/// Checksum of one `results.csv` record (its fields as lmi-sim writes them)
/// under a sweep's fingerprint.
pub fn record_checksum(fingerprint: &str, fields: &[String]) -> String {
    format!(
        "{:016x}",
        super::spec::fnv64(&[fingerprint.as_bytes(), b"\n", &record_bytes(fields)])
    )
}

/// `results.fnv64`: the checksum of each record of `results.csv` (header
/// first), one a line, so that `sweep-merge` can tell an edited row. It detects
/// edits, not deliberate forgery (FNV-1a is not a cryptographic hash).
pub fn checksums(
    fingerprint: &str,
    axis_keys: &[String],
    functions: &[String],
    blend: bool,
    rows: &[(PointResult, Vec<String>)],
) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&record_checksum(
        fingerprint,
        &header(axis_keys, functions, blend),
    ));
    out.push('\n');
    for (r, labels) in rows {
        out.push_str(&record_checksum(
            fingerprint,
            &row(r, labels, functions.len(), blend),
        ));
        out.push('\n');
    }
    out.into_bytes()
}

/// Per-record checksums to check rows against (see [`checksums`]).
pub struct Verify<'a> {
    pub fingerprint: &'a str,
    /// The checksum file's lines.
    pub sums: Vec<&'a str>,
    /// The checksum file, for messages.
    pub what: &'a str,
}

/// Reads `results.csv` text back: (point result, axis value cells) per row.
/// Numbers must be finite. With `verify`, every record must match its
/// checksum. Errors name `file:line`.
pub fn parse_csv(
    text: &str,
    axis_keys: &[String],
    functions: &[String],
    blend: bool,
    what: &str,
    verify: Option<&Verify>,
) -> Result<Vec<(PointResult, Vec<String>)>, String> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let want = header(axis_keys, functions, blend);
    let check = |index: usize, line: u64, fields: &[String]| -> Result<(), String> {
        let Some(v) = verify else {
            return Ok(());
        };
        let got = record_checksum(v.fingerprint, fields);
        match v.sums.get(index) {
            Some(s) if s.trim() == got => Ok(()),
            Some(_) => Err(format!(
                "{what}:{line}: this row does not match the checksum the sweep wrote for it ({}:{}): the file was edited or damaged after the sweep wrote it; run that shard again rather than editing its results",
                v.what,
                index + 1
            )),
            None => Err(format!(
                "{what}:{line}: no checksum for this row in {} ({} lines): rows were added after the sweep wrote the file",
                v.what,
                v.sums.len()
            )),
        }
    };
    let mut records = rd.records();
    let head = match records.next() {
        Some(r) => r.map_err(|e| format!("{what}:1: {e}"))?,
        None => return Err(format!("{what}: empty file, expected a header line")),
    };
    let got: Vec<String> = head.iter().map(String::from).collect();
    if got != want {
        return Err(format!(
            "{what}:1: the header does not match this sweep's columns (expected {} columns starting `{}`)",
            want.len(),
            want.iter().take(4).cloned().collect::<Vec<_>>().join(",")
        ));
    }
    check(0, 1, &got)?;
    let na = axis_keys.len();
    let mut out = Vec::new();
    for (ri, rec) in records.enumerate() {
        let rec = rec.map_err(|e| format!("{what}: {e}"))?;
        let line = rec.position().map_or(ri as u64 + 2, |p| p.line());
        if rec.len() != want.len() {
            return Err(format!(
                "{what}:{line}: {} fields, expected {}",
                rec.len(),
                want.len()
            ));
        }
        let point: usize = rec[0]
            .parse()
            .map_err(|_| format!("{what}:{line}: `{}` is not a point index", &rec[0]))?;
        let labels: Vec<String> = (1..=na).map(|i| rec[i].to_string()).collect();
        let num = |col: usize| -> Result<Option<f64>, String> {
            let s = &rec[col];
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                Ok(_) => Err(format!(
                    "{what}:{line}: column `{}` is `{s}`: a sweep writes finite numbers only (or an empty cell)",
                    want[col]
                )),
                Err(_) => Err(format!(
                    "{what}:{line}: column `{}`: `{s}` is not a number",
                    want[col]
                )),
            }
        };
        let mut col = 1 + na;
        let mut r = PointResult {
            point,
            ..Default::default()
        };
        for &name in platform_groups(blend) {
            let mut s = PlatformStats::default();
            let mut any = false;
            for (m, st) in METRICS.iter().zip(s.stats_mut()) {
                if has_metric(name, m) {
                    st.mean = num(col)?;
                    st.ci95 = num(col + 1)?;
                    any |= st.mean.is_some();
                    col += 2;
                }
            }
            if any {
                match name {
                    "lmi" => r.lmi = Some(s),
                    "blend" => r.blend = Some(s),
                    _ => r.default = Some(s),
                }
            }
        }
        for _ in functions {
            let mut fp = FnPoint::default();
            for name in ["lmi", "default"] {
                let mut s = FnStats::default();
                let mut any = false;
                for st in s.stats_mut() {
                    st.mean = num(col)?;
                    st.ci95 = num(col + 1)?;
                    any |= st.mean.is_some();
                    col += 2;
                }
                if any {
                    if name == "lmi" {
                        fp.lmi = Some(s);
                    } else {
                        fp.default = Some(s);
                    }
                }
            }
            r.functions.push(fp);
        }
        // Numbers first (a NaN is named as such), then the row as a whole.
        let fields: Vec<String> = rec.iter().map(String::from).collect();
        check(ri + 1, line, &fields)?;
        out.push((r, labels));
    }
    if let Some(v) = verify {
        let n = out.len() + 1;
        if v.sums.iter().filter(|s| !s.trim().is_empty()).count() != n {
            return Err(format!(
                "{what}: {n} records but {} has {} checksums: rows were removed after the sweep wrote the file",
                v.what,
                v.sums.len()
            ));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- analyses

/// The throttle rate and p99 a goal limits at a point: its function's when it
/// names one (`goal.function_index`), else its platform's.
pub fn goal_figures(r: &PointResult, goal: &super::spec::Goal) -> Option<(Stat, Stat)> {
    match goal.function_index {
        Some(i) => r
            .function(i, &goal.platform)
            .map(|f| (f.throttle_rate, f.p99_ms)),
        None => r
            .platform(&goal.platform)
            .map(|p| (p.throttle_rate, p.p99_ms)),
    }
}

/// Whether a point meets the goal on its platform (the limits on its function
/// when it names one; the cost is always the platform's whole bill).
pub fn feasible(r: &PointResult, goal: &super::spec::Goal) -> bool {
    let Some(p) = r.platform(&goal.platform) else {
        return false;
    };
    let Some(cost) = p.monthly_usd.mean else {
        return false;
    };
    if !cost.is_finite() {
        return false;
    }
    let Some((throttle, p99)) = goal_figures(r, goal) else {
        return false;
    };
    if let Some(max) = goal.max_throttle_rate
        && throttle.mean.is_none_or(|t| t > max)
    {
        return false;
    }
    if let Some(max) = goal.max_p99_ms
        && p99.mean.is_none_or(|t| t > max)
    {
        return false;
    }
    true
}

/// The cheapest feasible point (ties: the lowest point index), and how many are feasible.
pub fn goal_pick<'a>(
    rows: impl IntoIterator<Item = &'a PointResult>,
    goal: &super::spec::Goal,
) -> (Option<&'a PointResult>, usize) {
    let mut best: Option<&PointResult> = None;
    let mut n = 0;
    for r in rows {
        if !feasible(r, goal) {
            continue;
        }
        n += 1;
        let c = r.platform(&goal.platform).and_then(|p| p.monthly_usd.mean);
        let better = match best {
            None => true,
            Some(b) => {
                let bc = b.platform(&goal.platform).and_then(|p| p.monthly_usd.mean);
                c < bc || (c == bc && r.point < b.point)
            }
        };
        if better {
            best = Some(r);
        }
    }
    (best, n)
}

/// Where LMI and default Lambda cost the same.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Crossover {
    /// Monthly invocations at the crossover (log-log interpolation).
    pub monthly_invocations: f64,
    /// Monthly cost of either platform there.
    pub monthly_usd: f64,
    /// The two points it lies between (by monthly invocations).
    pub between_points: [usize; 2],
    /// "lmi" when LMI is cheaper above the crossover, else "default".
    pub cheaper_above: String,
    /// How many sign changes of (LMI − default) the sweep shows.
    pub crossings: usize,
}

/// The first crossover of two cost curves given as (point, monthly invocations,
/// LMI cost, default cost): sorted by invocations, it interpolates in log space
/// between the first two neighbours where the sign of LMI − default changes.
pub fn crossover(pts: &[(usize, f64, f64, f64)]) -> Option<Crossover> {
    let mut v: Vec<(usize, f64, f64, f64)> = pts
        .iter()
        .copied()
        .filter(|&(_, x, l, d)| {
            x > 0.0 && l > 0.0 && d > 0.0 && x.is_finite() && l.is_finite() && d.is_finite()
        })
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let sign = |l: f64, d: f64| (l.ln() - d.ln()).signum() as i32 * ((l != d) as i32);
    let mut first: Option<Crossover> = None;
    let mut crossings = 0;
    let mut prev: Option<(usize, f64, f64, f64)> = None;
    for &cur in &v {
        if let Some(p) = prev {
            let (s0, s1) = (sign(p.2, p.3), sign(cur.2, cur.3));
            if s0 != 0 && s1 != 0 && s0 != s1 && cur.1 > p.1 {
                crossings += 1;
                if first.is_none() {
                    let d0 = p.2.ln() - p.3.ln();
                    let d1 = cur.2.ln() - cur.3.ln();
                    let f = d0 / (d0 - d1);
                    let lx = p.1.ln() + (cur.1.ln() - p.1.ln()) * f;
                    let ly = p.2.ln() + (cur.2.ln() - p.2.ln()) * f;
                    first = Some(Crossover {
                        monthly_invocations: round6(lx.exp()),
                        monthly_usd: round6(ly.exp()),
                        between_points: [p.0, cur.0],
                        cheaper_above: if s1 < 0 { "lmi" } else { "default" }.to_string(),
                        crossings: 0,
                    });
                }
            }
        }
        // Exact ties (equal cost) do not reset the sign: skip them as anchors.
        if sign(cur.2, cur.3) != 0 {
            prev = Some(cur);
        }
    }
    first.map(|mut c| {
        c.crossings = crossings;
        c
    })
}

/// Points on the Pareto front of (monthly cost, throttle rate) on `platform`,
/// sorted by cost: no other point is at least as good on both and better on one.
pub fn pareto<'a>(rows: &[&'a PointResult], platform: &str) -> Vec<&'a PointResult> {
    let key = |r: &PointResult| -> Option<(f64, f64)> {
        let p = r.platform(platform)?;
        Some((p.monthly_usd.mean?, p.throttle_rate.mean?))
    };
    let mut v: Vec<(&PointResult, (f64, f64))> = rows
        .iter()
        .filter_map(|r| key(r).map(|k| (*r, k)))
        .collect();
    v.sort_by(|a, b| {
        a.1.0
            .total_cmp(&b.1.0)
            .then(a.1.1.total_cmp(&b.1.1))
            .then(a.0.point.cmp(&b.0.point))
    });
    let mut front = Vec::new();
    let mut best_t = f64::INFINITY;
    for (r, (_, t)) in v {
        if t < best_t {
            front.push(r);
            best_t = t;
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossover_on_monotone_pair() {
        // LMI flat at $100; default = $10 per million: equal at 10 M.
        let pts: Vec<(usize, f64, f64, f64)> = (0..9)
            .map(|i| {
                let x = 1e6 * 10f64.powf(i as f64 / 4.0 + 0.1);
                (i, x, 100.0, x * 1e-5)
            })
            .collect();
        let c = crossover(&pts).unwrap();
        assert!((c.monthly_invocations - 1e7).abs() / 1e7 < 1e-5, "{c:?}");
        assert_eq!(c.between_points, [3, 4]);
        assert_eq!(c.cheaper_above, "lmi");
        assert_eq!(c.crossings, 1);
        assert!(crossover(&[(0, 1.0, 1.0, 2.0), (1, 2.0, 1.0, 3.0)]).is_none());
    }

    #[test]
    fn rounding_and_csv_round_trip() {
        assert_eq!(round6(84.331_234_5), 84.3312);
        assert_eq!(round6(0.001_234_567), 0.001_234_57);
        let reps = vec![
            RepResult {
                lmi: Some(RepFigures {
                    throttle_rate: 0.01,
                    p99_ms: Some(123.456_789),
                    cold_start_rate: 0.0,
                    monthly_usd: 200.123_456,
                    monthly_invocations: 1e6,
                    peak_instances: Some(3.0),
                }),
                default: None,
                blend: None,
                functions: vec![],
            },
            RepResult {
                lmi: Some(RepFigures {
                    throttle_rate: 0.02,
                    p99_ms: None,
                    cold_start_rate: 0.0,
                    monthly_usd: 210.0,
                    monthly_invocations: 1.1e6,
                    peak_instances: Some(4.0),
                }),
                default: None,
                blend: None,
                functions: vec![],
            },
        ];
        let r = PointResult::of(7, &reps);
        let keys = vec!["a.b".to_string()];
        let bytes = csv_bytes(&keys, &[], false, &[(r.clone(), vec!["x,y".into()])]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let back = parse_csv(&text, &keys, &[], false, "t", None).unwrap();
        let sums = String::from_utf8(checksums("fp", &keys, &[], false, &back)).unwrap();
        let v = Verify {
            fingerprint: "fp",
            sums: sums.lines().collect(),
            what: "s",
        };
        assert!(parse_csv(&text, &keys, &[], false, "t", Some(&v)).is_ok());
        // An edited number, NaN and inf are refused with file:line.
        let edited = text.replacen("205.062", "105.062", 1);
        assert_ne!(edited, text);
        let e = parse_csv(&edited, &keys, &[], false, "t", Some(&v)).unwrap_err();
        assert!(e.starts_with("t:2: this row does not match"), "{e}");
        for bad in ["NaN", "inf"] {
            let t = text.replacen("205.062", bad, 1);
            let e = parse_csv(&t, &keys, &[], false, "t", None).unwrap_err();
            assert!(e.starts_with("t:2: column `lmi_monthly_usd_mean`"), "{e}");
        }
        assert_eq!(back[0].0, r);
        assert_eq!(csv_bytes(&keys, &[], false, &back), bytes);
        // With the blend columns: LMI + spill-over reads back as written, and
        // a file without them is refused by its header.
        let mut rb = r.clone();
        rb.blend = Some(PlatformStats {
            throttle_rate: Stat {
                mean: Some(0.0),
                ci95: None,
            },
            monthly_usd: Stat {
                mean: Some(321.5),
                ci95: Some(1.25),
            },
            ..PlatformStats::default()
        });
        let bb = csv_bytes(&keys, &[], true, &[(rb.clone(), vec!["x,y".into()])]);
        let tb = String::from_utf8(bb.clone()).unwrap();
        assert!(
            tb.lines()
                .next()
                .unwrap()
                .ends_with(",blend_monthly_invocations_ci95")
        );
        let back = parse_csv(&tb, &keys, &[], true, "t", None).unwrap();
        assert_eq!(back[0].0, rb);
        assert_eq!(csv_bytes(&keys, &[], true, &back), bb);
        let e = parse_csv(&text, &keys, &[], true, "t", None).unwrap_err();
        assert!(e.starts_with("t:1: the header does not match"), "{e}");
    }
}
