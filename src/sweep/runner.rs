//! Running a sweep: every point (with replications) of this shard on a worker
//! pool, the progress bar and `results.partial.csv` as points finish. Runs and
//! collects; the summary's analyses and the output files are not done here.
//!
//! Progress lives apart from the outputs: `<dir>.partial/` (beside the
//! sweep's directory `<dir>`) holds `results.partial.csv` and the sweep's
//! fingerprint, so an interrupted run leaves `<dir>` as it was (the previous
//! complete outputs, or nothing) and `--resume` keeps the finished points.

use super::outputs::{Outcome, finish, out_err, output_err};
use super::results::{self, RepResult};
use super::{PointResult, Shard, ShardSummary, Sweep, SweepError, SweepSummary};
use crate::report;
use crate::sim;
use rayon::prelude::*;
use std::io::Write;
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
    /// Keep the points an interrupted run of the same sweep finished.
    pub resume: bool,
}

/// Worker threads at most (`--jobs`): more only adds memory and start-up time.
pub const MAX_JOBS: usize = 1024;

/// The switch of the CLI's exit-code tests: set to a point index, that point
/// panics. Not an option for users (the CLI sets it from a test-only
/// environment variable).
#[doc(hidden)]
pub mod test_hooks {
    pub static PANIC_AT_POINT: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(usize::MAX);
}

/// What `<dir>.partial/sweep.json` records: which sweep the rows belong to.
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct PartialInfo {
    fingerprint: String,
    shard: Option<Shard>,
}

const PARTIAL_CSV: &str = "results.partial.csv";
const PARTIAL_INFO: &str = "sweep.json";

/// `<dir>.partial`, beside `dir`.
pub fn partial_dir(dir: &std::path::Path) -> PathBuf {
    let mut s = dir.as_os_str().to_os_string();
    s.push(".partial");
    PathBuf::from(s)
}

/// The rows an interrupted run left in `pdir`, if it belongs to this sweep.
/// An unfinished last line (the process was killed while writing it) is dropped.
fn read_partial(
    pdir: &std::path::Path,
    sw: &Sweep,
    shard: Option<Shard>,
    keys: &[String],
) -> Result<Vec<PointResult>, SweepError> {
    let ip = pdir.join(PARTIAL_INFO);
    let info: PartialInfo = std::fs::read_to_string(&ip)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| {
            SweepError::input(format!(
                "--resume: {} is missing or unreadable, so the rows in {} cannot be matched to this sweep; run without --resume to start over",
                ip.display(),
                pdir.join(PARTIAL_CSV).display()
            ))
        })?;
    let want = PartialInfo {
        fingerprint: sw.fingerprint.clone(),
        shard,
    };
    if info != want {
        return Err(SweepError::input(format!(
            "--resume: {} belongs to another sweep (fingerprint {}, shard {:?}; this sweep: fingerprint {}, shard {:?}): the sweep file, its base scenario, its --set overrides or the lmi-sim version changed; run without --resume to start over",
            pdir.display(),
            info.fingerprint,
            info.shard.map(|s| s.dir_name()),
            want.fingerprint,
            want.shard.map(|s| s.dir_name()),
        )));
    }
    let cp = pdir.join(PARTIAL_CSV);
    // Missing: the run was stopped before its first row (nothing to keep).
    let mut text = match std::fs::read_to_string(&cp) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        r => r.map_err(|e| out_err(pdir, e))?,
    };
    if let Some(i) = text.rfind('\n') {
        text.truncate(i + 1);
    } else {
        text.clear();
    }
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let rows = results::parse_csv(
        &text,
        keys,
        &sw.function_columns(),
        sw.blend_columns(),
        &cp.display().to_string(),
        None,
    )
    .map_err(|m| SweepError::input(format!("--resume: {m}; run without --resume to start over")))?;
    let mut out: Vec<PointResult> = Vec::with_capacity(rows.len());
    for (r, labels) in rows {
        let p = r.point;
        let ok = p < sw.points.len()
            && shard.is_none_or(|s| s.owns(p))
            && labels
                == sw
                    .axes
                    .iter()
                    .zip(&sw.coords[p])
                    .map(|(a, &i)| a.labels[i].clone())
                    .collect::<Vec<_>>();
        if !ok {
            return Err(SweepError::input(format!(
                "--resume: {}: point {p} does not belong to this sweep; run without --resume to start over",
                cp.display()
            )));
        }
        out.push(r);
    }
    Ok(out)
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
    if o.jobs.is_some_and(|j| j > MAX_JOBS) {
        return Err(SweepError::input(format!(
            "--jobs {}: at most {MAX_JOBS} worker threads (this machine has {} cores; more threads than cores only add memory)",
            o.jobs.unwrap_or(0),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )));
    }
    let keys: Vec<String> = sw.axes.iter().map(|a| a.path.text.clone()).collect();
    let fn_cols = sw.function_columns();
    let blend = sw.blend_columns();
    let labels = |p: usize| -> Vec<String> {
        sw.axes
            .iter()
            .zip(&sw.coords[p])
            .map(|(a, &i)| a.labels[i].clone())
            .collect()
    };

    // Outputs go to `dir` at the end; refuse now if something is in the way.
    crate::output::check_not_file(&dir).map_err(|e| output_err(&dir, e))?;
    let pdir = partial_dir(&dir);
    let pe = |e| output_err(&pdir, e);
    let partial_path = pdir.join(PARTIAL_CSV);
    let kept = if o.resume && pdir.exists() {
        read_partial(&pdir, sw, o.shard, &keys)?
    } else {
        Vec::new()
    };
    let mut discarded = None;
    let partial = if o.resume && pdir.exists() {
        // Append after the last complete line.
        let len: u64 = {
            let text = std::fs::read(&partial_path).unwrap_or_default();
            text.iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i as u64 + 1)
        };
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&partial_path)
            .map_err(|e| out_err(&pdir, e))?;
        f.set_len(len).map_err(|e| out_err(&pdir, e))?;
        let mut f = f;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::End(0)).map_err(|e| out_err(&pdir, e))?;
        if len == 0 {
            f.write_all(&results::record_bytes(&results::header(
                &keys, &fn_cols, blend,
            )))
            .map_err(|e| out_err(&pdir, e))?;
        }
        f
    } else {
        if let Ok(t) = std::fs::read_to_string(&partial_path) {
            let n = t.lines().count().saturating_sub(1);
            if n > 0 {
                discarded = Some(n);
            }
        }
        // Set up in one step: an interrupt waits, so it never leaves a
        // progress directory without its fingerprint or header.
        crate::output::uninterrupted(|| {
            crate::output::remove_owned_dir(&pdir).map_err(pe)?;
            crate::output::create_owned_dir(&pdir).map_err(pe)?;
            let info = PartialInfo {
                fingerprint: sw.fingerprint.clone(),
                shard: o.shard,
            };
            let json = serde_json::to_string_pretty(&info).unwrap_or_default();
            std::fs::write(pdir.join(PARTIAL_INFO), json).map_err(|e| out_err(&pdir, e))?;
            crate::output::claim(&pdir, PARTIAL_INFO).map_err(pe)?;
            crate::output::claim(&pdir, PARTIAL_CSV).map_err(pe)?;
            let mut f = std::fs::File::create(&partial_path).map_err(|e| out_err(&pdir, e))?;
            f.write_all(&results::record_bytes(&results::header(
                &keys, &fn_cols, blend,
            )))
            .and_then(|_| f.flush())
            .map_err(|e| out_err(&pdir, e))?;
            Ok::<_, SweepError>(f)
        })?
    };
    crate::output::set_interrupt_note(format!(
        "the points that finished are kept in {}; `lmi-sim sweep --resume` with the same arguments computes only the rest",
        partial_path.display()
    ));

    let reps = sw.replications;
    let mut done: Vec<Option<PointResult>> = vec![None; mine.len()];
    let mut remaining = vec![reps; mine.len()];
    for r in kept {
        // `mine` is sorted: find the point's slot.
        if let Ok(k) = mine.binary_search(&r.point)
            && done[k].is_none()
        {
            remaining[k] = 0;
            done[k] = Some(r);
        }
    }
    let resumed = done.iter().filter(|d| d.is_some()).count();
    let state = Mutex::new(Progress {
        reps: vec![vec![None; reps as usize]; mine.len()],
        remaining,
        done,
        partial,
        partial_error: None,
        best: None,
    });

    // One unit of work per replication: the ETA follows the mean pace of
    // finished replications, and the best point so far has a line of its own.
    let bar = Mutex::new(crate::progress::WorkBar::new(
        mine.len() as u64 * u64::from(reps),
        u64::from(reps),
        "points",
        o.progress,
        sw.goal.is_some(),
    ));

    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(j) = o.jobs {
        builder = builder.num_threads(j);
    }
    let pool = builder
        .thread_name(|i| format!("sweep-{i}"))
        .build()
        .map_err(|e| SweepError::output(format!("cannot start worker threads: {e}")))?;

    let skip: Vec<bool> = {
        let st = state.lock().unwrap_or_else(|e| e.into_inner());
        st.done.iter().map(Option::is_some).collect()
    };
    lock(&bar).add(resumed as u64 * u64::from(reps));
    let work: Vec<(usize, u32)> = (0..mine.len())
        .filter(|&k| !skip[k])
        .flat_map(|k| (0..reps).map(move |r| (k, r)))
        .collect();
    let panic_at = test_hooks::PANIC_AT_POINT.load(std::sync::atomic::Ordering::Relaxed);
    let result = pool.install(|| {
        work.par_iter().with_max_len(1).try_for_each(|&(k, rep)| {
            let p = mine[k];
            if p == panic_at {
                panic!("test hook: panic in sweep point {p}");
            }
            let mut sc = sw.points[p].clone();
            sc.seed = sw.run_seed(p, rep);
            let run = sim::run(&sc, sw.platforms).map_err(|e| {
                SweepError::input(format!(
                    "point {p} ({}), replication {rep}: {e}",
                    describe(sw, p)
                ))
            })?;
            let mut summary = report::summarize(&sc, &run, sw.platforms);
            let days =
                crate::calendar::run_special_days(&sc, sw.platforms, 1, false).map_err(|e| {
                    SweepError::input(format!(
                        "point {p} ({}), replication {rep}: {e}",
                        describe(sw, p)
                    ))
                })?;
            crate::calendar::apply(&mut summary, &sc, &run, &days);
            drop(run);
            let r = RepResult::of(&sc, &summary);
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.reps[k][rep as usize] = Some(r);
            st.remaining[k] -= 1;
            if st.remaining[k] == 0 {
                let rs: Vec<RepResult> = st.reps[k].iter_mut().filter_map(Option::take).collect();
                let mut pr = PointResult::of(p, &rs);
                if !blend {
                    // Without the `blend_*` columns a resumed or merged row
                    // has no blend: neither does a computed one.
                    pr.blend = None;
                }
                let line =
                    results::record_bytes(&results::row(&pr, &labels(p), fn_cols.len(), blend));
                // A whole line or none: an interrupt waits for the write.
                let w = crate::output::uninterrupted(|| {
                    st.partial.write_all(&line).and_then(|_| st.partial.flush())
                });
                if let Err(e) = w {
                    st.partial_error.get_or_insert(e.to_string());
                }
                if let Some(g) = &sw.goal
                    && results::feasible(&pr, g)
                    && let Some(c) = pr.platform(&g.platform).and_then(|x| x.monthly_usd.mean)
                    && st.best.is_none_or(|(bc, bp)| c < bc || (c == bc && p < bp))
                {
                    st.best = Some((c, p));
                    lock(&bar).set_best(format!("#{p} ${c:.2}/month ({})", describe_short(sw, p)));
                }
                st.done[k] = Some(pr);
            }
            lock(&bar).add(1);
            Ok::<(), SweepError>(())
        })
    });
    lock(&bar).finish();
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
    drop(st.partial);
    let mut out = finish(&dir, &summary, &with_labels, charts, Some(&pdir))?;
    if let Some(n) = discarded {
        out.notes.push(format!(
            "started over: {n} point(s) an interrupted run had finished were discarded (`--resume` keeps them)"
        ));
    }
    if resumed > 0 {
        out.notes.push(format!(
            "resumed: {resumed} of {} point(s) kept from the interrupted run, {} computed now",
            mine.len(),
            mine.len() - resumed
        ));
    }
    Ok(out)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
