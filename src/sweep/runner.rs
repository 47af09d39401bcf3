//! Running a sweep: every point (with replications) of this shard on a worker
//! pool, the progress bar and `results.partial.csv` as points finish. Runs and
//! collects; the summary's analyses and the output files are not done here.

use super::outputs::{Outcome, finish, out_err};
use super::results::{self, RepResult};
use super::{PointResult, Shard, ShardSummary, Sweep, SweepError, SweepSummary};
use crate::report;
use crate::sim;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

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
