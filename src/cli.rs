//! The command line: arguments as typed (clap), turned into validated options,
//! then a straight pipeline — scenario → simulation → exporters → files.
//! Exit codes: 0 success, 2 bad input (scenario, arguments, files), 1 other failures.

use crate::report;
use crate::scenario::{self, ConfigError};
use crate::sim::{self, Platforms};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "lmi-sim",
    version,
    about = "Capacity simulator for AWS Lambda Managed Instances against default Lambda"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum PlatformArg {
    Lmi,
    Default,
    Both,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario and write summary.json, timeseries.csv, decisions.csv and charts.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Output root; results go to <out>/<scenario name>/.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Which platforms to simulate.
        #[arg(long, value_enum, default_value = "both")]
        platform: PlatformArg,
        /// Skip the PNG charts.
        #[arg(long)]
        no_charts: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Print wall time, simulated invocations per second and events per second.
        #[arg(long)]
        stats: bool,
        /// Count and skip malformed trace rows instead of failing.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Threads: with 2 or more, LMI and default Lambda run side by side
        /// (same results). Default: 2 when the machine has 2 cores or more.
        #[arg(long)]
        threads: Option<usize>,
        /// Exit 2 on any warning: the scenario's own before the run (nothing
        /// is written), the run's after its outputs are written.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check a scenario file without running it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Also read every row of each trace, with the checks of a run, and
        /// report its rows, time span, interval, invocations, out-of-order and
        /// skipped rows.
        #[arg(long)]
        deep: bool,
        /// With --deep: count and skip malformed trace rows instead of failing.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Exit 2 if the scenario has warnings.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Run a parameter sweep: every point of a sweep file on all cores; writes
    /// results.csv, summary.json and charts to <out>/<sweep name>/.
    Sweep {
        /// Sweep file (TOML): a base scenario, axes, replications, an optional goal.
        file: PathBuf,
        /// Output root; results go to <out>/<sweep name>/ (a shard to its shard-K-of-N/).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run one slice of the points: K/N (points with index % N == K), or
        /// `auto` (K from AWS_BATCH_JOB_ARRAY_INDEX, JOB_COMPLETION_INDEX or
        /// SLURM_ARRAY_TASK_ID; N from --shards or the sweep file's `shards`).
        #[arg(long)]
        shard: Option<String>,
        /// Shard count for `--shard auto`.
        #[arg(long)]
        shards: Option<u32>,
        /// Skip the PNG charts.
        #[arg(long)]
        no_charts: bool,
        /// Check the sweep file and every point's scenario; run nothing.
        #[arg(long)]
        dry_run: bool,
        /// No progress bar and no summary; only errors.
        #[arg(long, short)]
        quiet: bool,
        /// Keep the points an interrupted run of the same sweep finished
        /// (`<out>/<sweep name>.partial/`) and compute only the rest.
        #[arg(long)]
        resume: bool,
    },
    /// Join shard outputs (shard-K-of-N directories) into the results.csv,
    /// summary.json and charts one machine would have written.
    SweepMerge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output root; the merged sweep goes to <out>/<sweep name>/.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Skip the PNG charts.
        #[arg(long)]
        no_charts: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Errors that end the program, with their exit codes.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Source(String),
    #[error("cannot write outputs to {path}: {message}")]
    Output { path: String, message: String },
    /// `--deny-warnings` and there were warnings (listed in the message).
    #[error("{0}")]
    Warnings(String),
    /// A bug: a panic (on any thread) or a broken internal invariant.
    #[error("internal error (a bug in lmi-sim; please report it): {0}")]
    Internal(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Config(_) | CliError::Source(_) | CliError::Warnings(_) => 2,
            CliError::Output { .. } | CliError::Internal(_) => 1,
        }
    }
}

impl From<crate::output::OutputError> for CliError {
    fn from(e: crate::output::OutputError) -> Self {
        match e {
            crate::output::OutputError::NotOurs(m) => CliError::Source(m),
            crate::output::OutputError::Io { path, source } => CliError::Output {
                path: path.display().to_string(),
                message: source.to_string(),
            },
        }
    }
}

/// The text of a panic payload.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a thread panicked".into())
}

/// Test hook (not a user option): `LMI_SIM_TEST_PANIC=lmi` panics in the LMI
/// driver, `LMI_SIM_TEST_PANIC=point:N` in sweep point N, so that tests can
/// check that a panic on any thread exits with status 1.
pub const TEST_PANIC_ENV: &str = "LMI_SIM_TEST_PANIC";

fn install_test_hooks() {
    let Ok(v) = std::env::var(TEST_PANIC_ENV) else {
        return;
    };
    if v == "lmi" {
        crate::sim::test_hooks::PANIC_IN_LMI.store(true, std::sync::atomic::Ordering::Relaxed);
    } else if let Some(n) = v
        .strip_prefix("point:")
        .and_then(|n| n.parse::<usize>().ok())
    {
        crate::sweep::test_hooks::PANIC_AT_POINT.store(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Peak resident set size of this process, from /proc (Linux), as text.
pub fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} MB", kb / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// Parses arguments, runs, prints errors; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    crate::output::install_signal_handler();
    install_test_hooks();
    // A panic on any thread (the LMI thread, a sweep worker) reaches here and
    // is an internal error, exit status 1; the panic hook has already printed
    // where it happened.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(cli.command)))
        .unwrap_or_else(|p| Err(CliError::Internal(panic_text(p.as_ref()))));
    match r {
        Ok(()) => 0,
        // With interrupts held off: when the failure comes from an interrupt
        // in progress (its handler removed the staging directory being
        // written), the handler's exit status and message win.
        Err(e) => crate::output::uninterrupted(|| {
            eprintln!("error: {e}");
            e.exit_code()
        }),
    }
}

fn sweep_err(e: crate::sweep::SweepError) -> CliError {
    if e.exit_code == 2 {
        CliError::Source(e.message)
    } else {
        CliError::Output {
            path: e.path.unwrap_or_else(|| "(sweep)".into()),
            message: e.message,
        }
    }
}

fn sweep_notes(o: &crate::sweep::Outcome, quiet: bool) {
    if quiet {
        return;
    }
    print!("{}", crate::sweep::terminal(o));
    for n in &o.notes {
        println!("  note: {n}");
    }
}

pub fn execute(cmd: Command) -> Result<(), CliError> {
    match cmd {
        Command::Sweep {
            file,
            out,
            jobs,
            shard,
            shards,
            no_charts,
            dry_run,
            quiet,
            resume,
        } => {
            use crate::sweep;
            if jobs == Some(0) {
                return Err(CliError::Source(
                    "--jobs 0: give at least 1 worker thread".into(),
                ));
            }
            let shard_arg = shard
                .as_deref()
                .map(sweep::parse_shard)
                .transpose()
                .map_err(sweep_err)?;
            let sw = sweep::load(&file).map_err(sweep_err)?;
            let shard =
                sweep::resolve_shard(shard_arg, shards, sw.shards, &|v| std::env::var(v).ok())
                    .map_err(sweep_err)?;
            if dry_run {
                let mine = (0..sw.points.len())
                    .filter(|&p| shard.is_none_or(|s| s.owns(p)))
                    .count();
                println!(
                    "{}: ok — sweep `{}`, {} point(s) × {} replication(s){}, {} axis/axes, every point's scenario valid",
                    file.display(),
                    sw.name,
                    sw.points.len(),
                    sw.replications,
                    shard
                        .map(|s| format!(" ({mine} in shard {}/{})", s.index, s.count))
                        .unwrap_or_default(),
                    sw.axes.len()
                );
                return Ok(());
            }
            let t0 = Instant::now();
            let o = sweep::run(
                &sw,
                &sweep::RunOptions {
                    out,
                    jobs,
                    shard,
                    charts: !no_charts,
                    progress: !quiet,
                    resume,
                },
            )
            .map_err(sweep_err)?;
            sweep_notes(&o, quiet);
            if !quiet {
                println!(
                    "  wall time: {:.1} s ({} jobs)",
                    t0.elapsed().as_secs_f64(),
                    jobs.map_or_else(
                        || rayon::current_num_threads().to_string(),
                        |j| j.to_string()
                    )
                );
            }
            Ok(())
        }
        Command::SweepMerge {
            dirs,
            out,
            no_charts,
            quiet,
        } => {
            let o = crate::sweep::merge(&dirs, &out, !no_charts).map_err(sweep_err)?;
            sweep_notes(&o, quiet);
            Ok(())
        }
        Command::Validate {
            file,
            deep,
            skip_bad_rows,
            deny_warnings,
        } => {
            let mut sc = scenario::load(&file)?;
            let warnings = sc.warnings();
            if deny_warnings && !warnings.is_empty() {
                return Err(denied(&warnings, "validation"));
            }
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            if skip_bad_rows {
                sc.skip_bad_rows();
            }
            if deep {
                for (i, f) in sc.functions.iter().enumerate() {
                    if let crate::traffic::Traffic::Trace(spec) = &f.traffic {
                        let r = crate::trace::inspect::inspect(spec)
                            .map_err(|e| CliError::Source(e.0))?;
                        println!("functions[{i}] `{}`: {r}", f.name);
                    }
                }
            }
            println!(
                "{}: ok — scenario `{}`, {} function(s), horizon {}, {} instance type(s) allowed",
                file.display(),
                sc.name,
                sc.functions.len(),
                sc.horizon,
                sc.provider.instance_types.len()
            );
            Ok(())
        }
        Command::Run {
            file,
            out,
            seed,
            platform,
            no_charts,
            quiet,
            stats,
            skip_bad_rows,
            threads,
            deny_warnings,
        } => {
            let mut sc = scenario::load(&file)?;
            // The scenario's warnings are in the summary's list; with
            // --deny-warnings they stop the run before anything is written.
            let early = sc.warnings();
            if deny_warnings && !early.is_empty() {
                return Err(denied(
                    &early,
                    "the scenario, before running; nothing was written",
                ));
            }
            if skip_bad_rows {
                sc.skip_bad_rows();
            }
            if let Some(s) = seed {
                sc.seed = s;
            }
            let platforms = match platform {
                PlatformArg::Lmi => Platforms::Lmi,
                PlatformArg::Default => Platforms::Default,
                PlatformArg::Both => Platforms::Both,
            };
            // Refuse before simulating when the outputs cannot replace what is there.
            crate::output::check_replaceable(&crate::output::run_dir(&out, &sc.name))?;
            let t0 = Instant::now();
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
            });
            let run = sim::run_threads(&sc, platforms, threads)
                .map_err(|e| CliError::Source(e.to_string()))?;
            let sim_wall = t0.elapsed();
            let summary = report::summarize(&sc, &run, platforms);
            let dir = crate::output::run_dir(&out, &sc.name);
            let out_err = |e: std::io::Error| CliError::Output {
                path: dir.display().to_string(),
                message: e.to_string(),
            };
            // Everything goes to a staging directory first; the CSVs are
            // streamed, so memory never holds a whole file.
            let staging = crate::output::Staging::new(&dir)?;
            staging
                .write("summary.json", report::summary_json(&summary).as_bytes())
                .map_err(out_err)?;
            staging
                .stream("timeseries.csv", |w| {
                    report::write_timeseries_csv(w, &sc, &run, &summary)
                })
                .map_err(out_err)?;
            staging
                .stream("decisions.csv", |w| {
                    report::write_decisions_csv(w, run.lmi())
                })
                .map_err(out_err)?;
            let mut n_files = 3;
            let mut chart_note = None;
            if !no_charts {
                match crate::charts::render_run(&sc, &run, &summary) {
                    Ok(pngs) => {
                        for (name, bytes) in &pngs {
                            staging.write(name, bytes).map_err(out_err)?;
                        }
                        n_files += pngs.len();
                    }
                    Err(e) => chart_note = Some(format!("charts not written: {e}")),
                }
            }
            // Rows spilled to temporary files must all have been read back.
            if let Some(e) = run.spill_error() {
                return Err(out_err(std::io::Error::other(e)));
            }
            staging.commit()?;
            if !quiet {
                print!("{}", report::terminal(&summary));
                println!("  outputs: {}/ ({} files)", dir.display(), n_files);
            } else {
                for w in &summary.warnings {
                    eprintln!("warning: {w}");
                }
            }
            if let Some(n) = chart_note {
                eprintln!("warning: {n}");
            }
            if !quiet {
                for (i, l) in run.logged_outcomes.iter().enumerate() {
                    if let Some(l) = l {
                        eprintln!("note: functions[{i}] `{}`: {}", sc.functions[i].name, l);
                    }
                }
                for (i, d) in run.inferred_intervals.iter().enumerate() {
                    if let Some(d) = d {
                        eprintln!(
                            "note: functions[{i}] `{}`: trace interval {d}, inferred as the smallest gap between interval starts (set `interval` in [functions.traffic] to override; `lmi-sim validate --deep` reports the whole trace)",
                            sc.functions[i].name
                        );
                    }
                }
            }
            if stats {
                let inv = summary.arrivals as f64;
                let events = run.lmi().map(|r| r.events).unwrap_or(0)
                    + run.default().map(|r| r.events).unwrap_or(0);
                let s = sim_wall.as_secs_f64();
                eprintln!(
                    "stats: simulation {:.3} s wall on {} thread(s), {} invocations, {:.2} M invocations/s, {:.2} M events/s, total {:.3} s, peak RSS {}",
                    s,
                    threads,
                    summary.arrivals,
                    inv / s / 1e6,
                    events as f64 / s / 1e6,
                    t0.elapsed().as_secs_f64(),
                    peak_rss()
                );
            }
            if deny_warnings && !summary.warnings.is_empty() {
                return Err(denied(
                    &summary.warnings,
                    &format!("the run; its outputs are in {}/", dir.display()),
                ));
            }
            Ok(())
        }
    }
}

/// The `--deny-warnings` error: every warning, one a line.
fn denied(warnings: &[crate::warning::Warning], when: &str) -> CliError {
    let mut m = format!(
        "--deny-warnings: {} warning(s) from {when}:",
        warnings.len()
    );
    for w in warnings {
        m.push_str("\n  ");
        m.push_str(&w.to_string());
    }
    CliError::Warnings(m)
}
