//! Parameter sweeps: one base scenario, axes of values for any of its keys,
//! every point run (with replications) on all cores, results in one CSV,
//! a summary with the goal's pick and the cost crossover, and charts.
//!
//! Reproducible: a point's runs depend only on the sweep file, the point index
//! and the replication index (`derive_seed(derive_seed(seed, point), rep)`),
//! never on the number of threads or the shard. Shardable: `--shard K/N` runs
//! the points with `point % N == K`; `sweep-merge` joins the shards' outputs
//! into the files one machine would have written.
//!
//! Layout: [`spec`] reads the sweep file and validates every point up front;
//! [`path`] edits a scenario's TOML by key path; [`results`] holds the figures,
//! the CSV format and the analyses; [`charts`] draws them.

pub mod charts;
pub mod path;
pub mod results;
pub mod spec;
pub mod stats;

pub use results::{Crossover, PointResult, crossover, goal_pick, pareto};
pub use spec::{Combine, Goal, Sweep, load};

use crate::report;
use crate::sim;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use results::RepResult;
use serde::{Deserialize, Serialize};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Layout version of a sweep's `summary.json`.
pub const SCHEMA: &str = "lmi-sim/sweep-summary/v1";

/// Environment variables `--shard auto` reads the shard index from, in order.
pub const SHARD_ENV: [&str; 3] = [
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
];

/// A sweep that cannot run, with its exit code (2 bad input, 1 other).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SweepError {
    pub message: String,
    pub exit_code: i32,
    /// The output directory, for failures to write.
    pub path: Option<String>,
}

impl SweepError {
    pub fn input(m: impl Into<String>) -> Self {
        SweepError {
            message: m.into(),
            exit_code: 2,
            path: None,
        }
    }
    pub fn output(m: impl Into<String>) -> Self {
        SweepError {
            message: m.into(),
            exit_code: 1,
            path: None,
        }
    }
}

// ---------------------------------------------------------------- shards

/// Shard `index` of `count`: the points with `point % count == index`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn owns(&self, point: usize) -> bool {
        point % self.count as usize == self.index as usize
    }
    /// `shard-K-of-N`.
    pub fn dir_name(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

/// `--shard` as typed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShardArg {
    Fixed(Shard),
    Auto,
}

/// Parses `K/N` or `auto`.
pub fn parse_shard(s: &str) -> Result<ShardArg, SweepError> {
    if s == "auto" {
        return Ok(ShardArg::Auto);
    }
    let bad = || {
        SweepError::input(format!(
            "--shard {s}: expected K/N (shard K of N, K in 0..N, e.g. 0/4) or `auto`"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: i64 = k.trim().parse().map_err(|_| bad())?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    shard_of(k, n, &format!("--shard {s}"))
}

fn shard_of(k: i64, n: i64, what: &str) -> Result<ShardArg, SweepError> {
    if !(1..=1_000_000).contains(&n) {
        return Err(SweepError::input(format!(
            "{what}: the shard count must be in 1..=1000000"
        )));
    }
    if !(0..n).contains(&k) {
        return Err(SweepError::input(format!(
            "{what}: shard index {k} is out of range: shards are numbered 0..{n} (0 to {})",
            n - 1
        )));
    }
    Ok(ShardArg::Fixed(Shard {
        index: k as u32,
        count: n as u32,
    }))
}

/// Turns `--shard`/`--shards` into a shard. `auto` takes the index from the
/// first of [`SHARD_ENV`] that is set, the count from `--shards` or the sweep
/// file's `shards`.
pub fn resolve_shard(
    arg: Option<ShardArg>,
    shards_flag: Option<u32>,
    file_shards: Option<u32>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, SweepError> {
    match arg {
        None => {
            if shards_flag.is_some() {
                return Err(SweepError::input(
                    "--shards N only applies with --shard auto",
                ));
            }
            Ok(None)
        }
        Some(ShardArg::Fixed(s)) => {
            if let Some(n) = shards_flag
                && n != s.count
            {
                return Err(SweepError::input(format!(
                    "--shards {n} contradicts --shard {}/{}",
                    s.index, s.count
                )));
            }
            Ok(Some(s))
        }
        Some(ShardArg::Auto) => {
            let Some((var, val)) = SHARD_ENV
                .iter()
                .find_map(|v| env(v).filter(|x| !x.trim().is_empty()).map(|x| (*v, x)))
            else {
                return Err(SweepError::input(format!(
                    "--shard auto: none of {} is set; use --shard K/N",
                    SHARD_ENV.join(", ")
                )));
            };
            let count = shards_flag.or(file_shards).ok_or_else(|| {
                SweepError::input(
                    "--shard auto: the shard count is unknown; give --shards N or `shards = N` in the sweep file",
                )
            })?;
            let k: i64 = val.trim().parse().map_err(|_| {
                SweepError::input(format!("--shard auto: {var}={val:?} is not an integer"))
            })?;
            match shard_of(k, count as i64, &format!("--shard auto ({var}={val})"))? {
                ShardArg::Fixed(s) => Ok(Some(s)),
                ShardArg::Auto => unreachable!("shard_of returns Fixed"),
            }
        }
    }
}

// ---------------------------------------------------------------- summary

fn platforms_name(p: sim::Platforms) -> &'static str {
    match p {
        sim::Platforms::Both => "both",
        sim::Platforms::Lmi => "lmi",
        sim::Platforms::Default => "default",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisSummary {
    pub key: String,
    /// The values as written in `results.csv`.
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    pub point: usize,
    pub values: Vec<KeyValue>,
    pub monthly_usd: Option<f64>,
    pub throttle_rate: Option<f64>,
    pub p99_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalSummary {
    #[serde(flatten)]
    pub spec: Goal,
    pub feasible_points: usize,
    /// The cheapest feasible point; `null` when none meets the goal.
    pub pick: Option<Pick>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardSummary {
    pub index: u32,
    pub count: u32,
    /// Points this shard ran.
    pub points: usize,
}

/// Everything a sweep's `summary.json` holds. Deterministic: no wall times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    pub schema: String,
    pub lmi_sim_version: String,
    pub sweep: String,
    pub description: String,
    /// Hash of the sweep file, its base scenario file and the lmi-sim version.
    pub fingerprint: String,
    pub seed: u64,
    pub replications: u32,
    /// "both", "lmi" or "default".
    pub platforms: String,
    pub combine: Combine,
    /// Points in the whole sweep.
    pub points: usize,
    pub axes: Vec<AxisSummary>,
    /// Set in a shard's summary; `null` for a whole (or merged) sweep.
    pub shard: Option<ShardSummary>,
    pub goal: Option<GoalSummary>,
    /// Where LMI and default Lambda cost the same (needs both platforms).
    pub crossover: Option<Crossover>,
    /// Platform of the Pareto front.
    pub pareto_platform: String,
    /// Points on the cost/throttle-rate Pareto front, by cost.
    pub pareto_front: Vec<usize>,
}

impl SweepSummary {
    fn of(sw: &Sweep, shard: Option<ShardSummary>) -> SweepSummary {
        SweepSummary {
            schema: SCHEMA.into(),
            lmi_sim_version: report::VERSION.into(),
            sweep: sw.name.clone(),
            description: sw.description.clone(),
            fingerprint: sw.fingerprint.clone(),
            seed: sw.seed,
            replications: sw.replications,
            platforms: platforms_name(sw.platforms).into(),
            combine: sw.combine,
            points: sw.points.len(),
            axes: sw
                .axes
                .iter()
                .map(|a| AxisSummary {
                    key: a.path.text.clone(),
                    values: a.labels.clone(),
                })
                .collect(),
            shard,
            goal: sw.goal.clone().map(|spec| GoalSummary {
                spec,
                feasible_points: 0,
                pick: None,
            }),
            crossover: None,
            pareto_platform: String::new(),
            pareto_front: vec![],
        }
    }

    pub fn axis_keys(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.key.clone()).collect()
    }

    /// Point coordinates (value index per axis), in point order.
    pub fn coords(&self) -> Result<Vec<Vec<usize>>, String> {
        let lens: Vec<usize> = self.axes.iter().map(|a| a.values.len()).collect();
        spec::expand_lens(&lens, self.combine)
    }

    /// The axis value cells of `point`.
    pub fn labels(&self, coords: &[Vec<usize>], point: usize) -> Vec<String> {
        coords
            .get(point)
            .map(|c| {
                self.axes
                    .iter()
                    .zip(c)
                    .map(|(a, &i)| a.values[i].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fills the goal pick, the crossover and the Pareto front from `rows`.
    fn analyse(&mut self, rows: &[PointResult], coords: &[Vec<usize>]) {
        if let Some(mut g) = self.goal.take() {
            let (pick, n) = goal_pick(rows, &g.spec);
            g.feasible_points = n;
            g.pick = pick.map(|r| {
                let p = r.platform(&g.spec.platform);
                Pick {
                    point: r.point,
                    values: self
                        .axes
                        .iter()
                        .zip(self.labels(coords, r.point))
                        .map(|(a, v)| KeyValue {
                            key: a.key.clone(),
                            value: v,
                        })
                        .collect(),
                    monthly_usd: p.and_then(|p| p.monthly_usd.mean),
                    throttle_rate: p.and_then(|p| p.throttle_rate.mean),
                    p99_ms: p.and_then(|p| p.p99_ms.mean),
                }
            });
            self.goal = Some(g);
        }
        let pts: Vec<(usize, f64, f64, f64)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.point,
                    r.monthly_invocations()?,
                    r.lmi.as_ref()?.monthly_usd.mean?,
                    r.default.as_ref()?.monthly_usd.mean?,
                ))
            })
            .collect();
        self.crossover = crossover(&pts);
        self.pareto_platform = self.front_platform().to_string();
        let refs: Vec<&PointResult> = rows.iter().collect();
        self.pareto_front = pareto(&refs, &self.pareto_platform)
            .iter()
            .map(|r| r.point)
            .collect();
    }

    /// The goal's platform, else LMI if simulated, else default Lambda.
    pub fn front_platform(&self) -> &str {
        match &self.goal {
            Some(g) => &g.spec.platform,
            None if self.platforms != "default" => "lmi",
            None => "default",
        }
    }

    pub fn json(&self) -> String {
        let mut s =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }
}

// ---------------------------------------------------------------- running

/// How to run a sweep.
pub struct RunOptions {
    /// Output root: results go to `<out>/<sweep name>/` (or its `shard-K-of-N/`).
    pub out: PathBuf,
    /// Worker threads (`None`: one per core).
    pub jobs: Option<usize>,
    pub shard: Option<Shard>,
    pub charts: bool,
    /// Show the progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// What a finished sweep (or merge) wrote.
pub struct Outcome {
    pub dir: PathBuf,
    pub summary: SweepSummary,
    /// Points run (or merged).
    pub points: usize,
    pub files: Vec<String>,
    /// Things the user should know (a chart skipped, charts failed).
    pub notes: Vec<String>,
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let r = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn out_err(dir: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError {
        path: Some(dir.display().to_string()),
        ..SweepError::output(e.to_string())
    }
}

/// Progress state shared by the workers.
struct Progress {
    reps: Vec<Vec<Option<RepResult>>>,
    remaining: Vec<u32>,
    done: Vec<Option<PointResult>>,
    partial: std::fs::File,
    partial_error: Option<String>,
    best: Option<(f64, usize)>,
}

/// Runs a sweep (or one shard of it) and writes its outputs.
pub fn run(sw: &Sweep, o: &RunOptions) -> Result<Outcome, SweepError> {
    let mine: Vec<usize> = (0..sw.points.len())
        .filter(|&p| o.shard.is_none_or(|s| s.owns(p)))
        .collect();
    let mut dir = crate::output::run_dir(&o.out, &sw.name);
    if let Some(s) = o.shard {
        dir = dir.join(s.dir_name());
    }
    std::fs::create_dir_all(&dir).map_err(|e| out_err(&dir, e))?;
    let keys: Vec<String> = sw.axes.iter().map(|a| a.path.text.clone()).collect();
    let labels = |p: usize| -> Vec<String> {
        sw.axes
            .iter()
            .zip(&sw.coords[p])
            .map(|(a, &i)| a.labels[i].clone())
            .collect()
    };

    let partial_path = dir.join("results.partial.csv");
    let mut partial = std::fs::File::create(&partial_path).map_err(|e| out_err(&dir, e))?;
    partial
        .write_all(&results::record_bytes(&results::header(&keys)))
        .and_then(|_| partial.flush())
        .map_err(|e| out_err(&dir, e))?;

    let reps = sw.replications;
    let state = Mutex::new(Progress {
        reps: vec![vec![None; reps as usize]; mine.len()],
        remaining: vec![reps; mine.len()],
        done: vec![None; mine.len()],
        partial,
        partial_error: None,
        best: None,
    });

    let bar = if o.progress && std::io::stderr().is_terminal() {
        let b =
            ProgressBar::with_draw_target(Some(mine.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(st) = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} points · {per_sec} · ETA {eta} {wide_msg}",
        ) {
            b.set_style(st.progress_chars("=> "));
        }
        b
    } else {
        ProgressBar::hidden()
    };

    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(j) = o.jobs {
        builder = builder.num_threads(j);
    }
    let pool = builder
        .thread_name(|i| format!("sweep-{i}"))
        .build()
        .map_err(|e| SweepError::output(format!("cannot start worker threads: {e}")))?;

    let work: Vec<(usize, u32)> = (0..mine.len())
        .flat_map(|k| (0..reps).map(move |r| (k, r)))
        .collect();
    let result = pool.install(|| {
        work.par_iter().with_max_len(1).try_for_each(|&(k, rep)| {
            let p = mine[k];
            let mut sc = sw.points[p].clone();
            sc.seed = sw.run_seed(p, rep);
            let run = sim::run(&sc, sw.platforms).map_err(|e| {
                SweepError::input(format!(
                    "point {p} ({}), replication {rep}: {e}",
                    describe(sw, p)
                ))
            })?;
            let summary = report::summarize(&sc, &run, sw.platforms);
            drop(run);
            let r = RepResult::of(&sc, &summary);
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.reps[k][rep as usize] = Some(r);
            st.remaining[k] -= 1;
            if st.remaining[k] == 0 {
                let rs: Vec<RepResult> = st.reps[k].iter_mut().filter_map(Option::take).collect();
                let pr = PointResult::of(p, &rs);
                let line = results::record_bytes(&results::row(&pr, &labels(p)));
                let w = st.partial.write_all(&line).and_then(|_| st.partial.flush());
                if let Err(e) = w {
                    st.partial_error.get_or_insert(e.to_string());
                }
                if let Some(g) = &sw.goal
                    && results::feasible(&pr, g)
                    && let Some(c) = pr.platform(&g.platform).and_then(|x| x.monthly_usd.mean)
                    && st.best.is_none_or(|(bc, bp)| c < bc || (c == bc && p < bp))
                {
                    st.best = Some((c, p));
                    bar.set_message(format!(
                        "best: #{p} ${c:.2}/month ({})",
                        describe_short(sw, p)
                    ));
                }
                st.done[k] = Some(pr);
                bar.inc(1);
            }
            Ok::<(), SweepError>(())
        })
    });
    bar.finish_and_clear();
    result?;
    let st = state.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = st.partial_error {
        return Err(out_err(&dir, format!("results.partial.csv: {e}")));
    }
    let rows: Vec<PointResult> = st.done.into_iter().flatten().collect();

    let shard_summary = o.shard.map(|s| ShardSummary {
        index: s.index,
        count: s.count,
        points: mine.len(),
    });
    let mut summary = SweepSummary::of(sw, shard_summary);
    let coords = sw.coords.clone();
    summary.analyse(&rows, &coords);
    let with_labels: Vec<(PointResult, Vec<String>)> =
        rows.iter().map(|r| (r.clone(), labels(r.point))).collect();
    let charts = o.charts && o.shard.is_none();
    let out = finish(&dir, &summary, &with_labels, charts)?;
    let _ = std::fs::remove_file(&partial_path);
    Ok(out)
}

/// `key = value, …` of a point, for messages.
pub fn describe(sw: &Sweep, p: usize) -> String {
    if sw.axes.is_empty() {
        return "no axes".into();
    }
    sw.axes
        .iter()
        .zip(&sw.coords[p])
        .map(|(a, &i)| format!("{} = {}", a.path, a.labels[i]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `key=value …` of a point with each key's last segment, for the progress bar.
fn describe_short(sw: &Sweep, p: usize) -> String {
    sw.axes
        .iter()
        .zip(&sw.coords[p])
        .map(|(a, &i)| {
            let k = a.path.text.rsplit('.').next().unwrap_or(&a.path.text);
            format!("{k}={}", a.labels[i])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes charts, `summary.json` and `results.csv` (last) into `dir`.
fn finish(
    dir: &Path,
    summary: &SweepSummary,
    rows: &[(PointResult, Vec<String>)],
    with_charts: bool,
) -> Result<Outcome, SweepError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut notes = Vec::new();
    if with_charts {
        let pr: Vec<PointResult> = rows.iter().map(|(r, _)| r.clone()).collect();
        match charts::render(summary, &pr) {
            Ok((pngs, n)) => {
                files.extend(pngs);
                notes.extend(n);
            }
            Err(e) => notes.push(format!("charts not written: {e}")),
        }
    }
    files.push(("summary.json".into(), summary.json().into_bytes()));
    files.push((
        "results.csv".into(),
        results::csv_bytes(&summary.axis_keys(), rows),
    ));
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e))?;
    // Charts of an earlier run that this one did not draw would mislead.
    for stale in charts::NAMES {
        if !files.iter().any(|(n, _)| n == stale) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
    }
    for (name, bytes) in &files {
        write_atomic(dir, name, bytes).map_err(|e| out_err(dir, format!("{name}: {e}")))?;
    }
    Ok(Outcome {
        dir: dir.to_path_buf(),
        summary: summary.clone(),
        points: rows.len(),
        files: files.into_iter().map(|(n, _)| n).collect(),
        notes,
    })
}

// ---------------------------------------------------------------- merging

/// Joins shard outputs (`shard-K-of-N` directories, or any sweep output
/// directories) into `<out>/<sweep>/`: the `results.csv` one machine would
/// have written, `summary.json` and the charts.
pub fn merge(dirs: &[PathBuf], out: &Path, with_charts: bool) -> Result<Outcome, SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::input(
            "sweep-merge: give at least one shard directory",
        ));
    }
    let mut first: Option<(SweepSummary, PathBuf)> = None;
    let mut rows: Vec<Option<(PointResult, Vec<String>, usize)>> = Vec::new();
    let mut coords = Vec::new();
    for (di, d) in dirs.iter().enumerate() {
        let sp = d.join("summary.json");
        let text = std::fs::read_to_string(&sp).map_err(|e| {
            SweepError::input(format!(
                "{}: not a sweep output directory (cannot read summary.json: {e})",
                d.display()
            ))
        })?;
        let s: SweepSummary = serde_json::from_str(&text).map_err(|e| {
            SweepError::input(format!(
                "{}: not a sweep summary (schema {SCHEMA} expected): {e}",
                sp.display()
            ))
        })?;
        if s.schema != SCHEMA {
            return Err(SweepError::input(format!(
                "{}: schema {:?}, expected {SCHEMA:?}",
                sp.display(),
                s.schema
            )));
        }
        match &first {
            None => {
                coords = s
                    .coords()
                    .map_err(|m| SweepError::input(format!("{}: {m}", sp.display())))?;
                if coords.len() != s.points {
                    return Err(SweepError::input(format!(
                        "{}: {} points declared but the axes give {}",
                        sp.display(),
                        s.points,
                        coords.len()
                    )));
                }
                rows = vec![None; s.points];
                first = Some((s.clone(), d.clone()));
            }
            Some((f, fd)) => {
                if f.fingerprint != s.fingerprint || f.sweep != s.sweep {
                    return Err(SweepError::input(format!(
                        "{} and {} are not shards of the same sweep: sweep `{}` fingerprint {} (lmi-sim {}) vs sweep `{}` fingerprint {} (lmi-sim {}); the sweep file, its base scenario and the lmi-sim version must all match",
                        fd.display(),
                        d.display(),
                        f.sweep,
                        f.fingerprint,
                        f.lmi_sim_version,
                        s.sweep,
                        s.fingerprint,
                        s.lmi_sim_version
                    )));
                }
                if f.points != s.points || f.axes != s.axes || f.combine != s.combine {
                    return Err(SweepError::input(format!(
                        "{} and {}: the same fingerprint but different points",
                        fd.display(),
                        d.display()
                    )));
                }
            }
        }
        let (f, _) = first.as_ref().expect("set above");
        let rp = d.join("results.csv");
        let text = std::fs::read_to_string(&rp).map_err(|e| {
            SweepError::input(format!(
                "{}: cannot read results.csv: {e} (did the shard finish? an interrupted shard leaves results.partial.csv)",
                d.display()
            ))
        })?;
        let parsed = results::parse_csv(&text, &f.axis_keys(), &rp.display().to_string())
            .map_err(SweepError::input)?;
        for (r, labels) in parsed {
            let p = r.point;
            if p >= f.points {
                return Err(SweepError::input(format!(
                    "{}: point {p} is out of range (the sweep has {} points)",
                    rp.display(),
                    f.points
                )));
            }
            let want = f.labels(&coords, p);
            if labels != want {
                return Err(SweepError::input(format!(
                    "{}: point {p} has values [{}], expected [{}]",
                    rp.display(),
                    labels.join(", "),
                    want.join(", ")
                )));
            }
            if let Some((_, _, other)) = &rows[p] {
                return Err(SweepError::input(format!(
                    "point {p} is duplicated: in {} and in {}",
                    dirs[*other].display(),
                    d.display()
                )));
            }
            rows[p] = Some((r, labels, di));
        }
    }
    let (mut summary, _) = first.expect("dirs is not empty");
    let missing: Vec<usize> = (0..rows.len()).filter(|&p| rows[p].is_none()).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(20).map(|p| p.to_string()).collect();
        let hint = match &summary.shard {
            Some(s) => {
                let mut ks: Vec<usize> = missing.iter().map(|p| p % s.count as usize).collect();
                ks.dedup();
                ks.sort_unstable();
                ks.dedup();
                let names: Vec<String> = ks
                    .iter()
                    .take(10)
                    .map(|k| format!("shard-{k}-of-{}", s.count))
                    .collect();
                format!(" (missing shard output: {})", names.join(", "))
            }
            None => String::new(),
        };
        return Err(SweepError::input(format!(
            "{} of {} points are missing: {}{}{}",
            missing.len(),
            rows.len(),
            shown.join(", "),
            if missing.len() > 20 { ", …" } else { "" },
            hint
        )));
    }
    let rows: Vec<(PointResult, Vec<String>)> =
        rows.into_iter().flatten().map(|(r, l, _)| (r, l)).collect();
    summary.shard = None;
    let pr: Vec<PointResult> = rows.iter().map(|(r, _)| r.clone()).collect();
    summary.analyse(&pr, &coords);
    let dir = crate::output::run_dir(out, &summary.sweep);
    finish(&dir, &summary, &rows, with_charts)
}

// ---------------------------------------------------------------- terminal

fn money(x: Option<f64>) -> String {
    x.map(|v| format!("${v:.2}")).unwrap_or_else(|| "-".into())
}

/// A count like 12.3 M.
pub fn fmt_volume(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} billion", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The lines printed after a sweep or merge.
pub fn terminal(o: &Outcome) -> String {
    let s = &o.summary;
    let mut out = String::new();
    let what = match &s.shard {
        Some(sh) => format!(
            "shard {}/{}: {} of {} points",
            sh.index, sh.count, o.points, s.points
        ),
        None => format!("{} points", o.points),
    };
    out.push_str(&format!(
        "sweep `{}`: {what} × {} replication{}\n",
        s.sweep,
        s.replications,
        if s.replications == 1 { "" } else { "s" }
    ));
    if let Some(c) = &s.crossover {
        out.push_str(&format!(
            "  crossover: LMI and default Lambda cost the same at ≈ {} invocations/month (≈ ${:.2}/month), between points {} and {}; {} is cheaper above{}\n",
            fmt_volume(c.monthly_invocations),
            c.monthly_usd,
            c.between_points[0],
            c.between_points[1],
            if c.cheaper_above == "lmi" { "LMI" } else { "default Lambda" },
            if c.crossings > 1 {
                format!(" ({} crossings; this is the first)", c.crossings)
            } else {
                String::new()
            }
        ));
    } else if s.platforms == "both" && s.shard.is_none() {
        out.push_str(
            "  crossover: none in the swept range (one platform is cheaper at every point)\n",
        );
    }
    if let Some(g) = &s.goal {
        match &g.pick {
            Some(p) => {
                let vals: Vec<String> = p
                    .values
                    .iter()
                    .map(|kv| format!("{} = {}", kv.key, kv.value))
                    .collect();
                out.push_str(&format!(
                    "  goal ({}): point {} — {} — {}/month, throttle rate {}, p99 {}\n",
                    g.spec.describe(),
                    p.point,
                    if vals.is_empty() {
                        "no axes".into()
                    } else {
                        vals.join(", ")
                    },
                    money(p.monthly_usd),
                    p.throttle_rate
                        .map(|t| format!("{:.4}%", t * 100.0))
                        .unwrap_or("-".into()),
                    p.p99_ms.map(|t| format!("{t:.0} ms")).unwrap_or("-".into()),
                ));
            }
            None => out.push_str(&format!(
                "  goal ({}): no point meets it\n",
                g.spec.describe()
            )),
        }
    }
    out.push_str(&format!(
        "  outputs: {}/ ({})\n",
        o.dir.display(),
        o.files.join(", ")
    ));
    out
}
