//! The command line: arguments as typed (clap), turned into validated options,
//! then a straight pipeline — scenario → simulation → exporters → files.
//! Exit codes: 0 success, 1 internal error or failure to write, 2 bad input
//! (scenario, arguments, files, `--deny-warnings`), 3 an SLO gate failed (the
//! outputs are written), 130 interrupted.

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
    /// Simulate a scenario and write summary.json, timeseries.csv, decisions.csv,
    /// charts, summary.md and report.html.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override a scenario key before validation (repeatable, applied in
        /// order): KEY is a key path as in sweep axes
        /// (`functions[0].traffic.rate`, `functions[checkout-api].MemorySize`),
        /// VALUE a TOML value, or a bare word taken as a string (`2h`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
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
        /// Skip summary.md and report.html.
        #[arg(long)]
        no_report: bool,
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
        /// An SLO gate, e.g. 'lmi.p99 < 250ms' or
        /// 'functions[checkout-api].lmi.cost_month < 500' (repeatable; with
        /// the scenario's [slo] gates). Exit 3 when a gate fails.
        #[arg(long = "check", value_name = "EXPR")]
        checks: Vec<String>,
    },
    /// Check a scenario file without running it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override a scenario key before validation (repeatable, applied in
        /// order): KEY is a key path as in sweep axes
        /// (`functions[0].traffic.rate`, `functions[checkout-api].MemorySize`),
        /// VALUE a TOML value, or a bare word taken as a string (`2h`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
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
        /// Override a key of the base scenario (repeatable), after the sweep
        /// file's [overrides] and before the axes; KEY=VALUE as for `run --set`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
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
    /// Find the cheapest configuration per platform that meets the SLOs of the
    /// scenario's [recommend] table, for its own traffic; writes
    /// recommend.json, candidates.csv and the picks' scenario files to
    /// <out>/<scenario name>.recommend/.
    Recommend {
        /// Scenario file (TOML) with an optional [recommend] table.
        file: PathBuf,
        /// Output root; results go to <out>/<scenario name>.recommend/.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Which platforms to search.
        #[arg(long, value_enum, default_value = "both")]
        platform: PlatformArg,
        /// Confirm every candidate on the full horizon (no halving): slow,
        /// for checking the search.
        #[arg(long)]
        full_grid: bool,
        /// No progress bar and no summary; only errors.
        #[arg(long, short)]
        quiet: bool,
        /// Override a scenario key before searching: KEY=VALUE with a sweep
        /// key path (repeatable), as on `run`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Compare two runs: their summary.json side by side, with the change of
    /// cost, throttles, latency and fleet size from A to B.
    Compare {
        /// Output directory of the first run (out/<scenario>/).
        dir_a: PathBuf,
        /// Output directory of the second run.
        dir_b: PathBuf,
        /// Print markdown instead of the terminal table.
        #[arg(long)]
        markdown: bool,
        /// Also write the markdown to this file.
        #[arg(long, value_name = "FILE.md")]
        out: Option<PathBuf>,
    },
    /// Read Lambda logs (REPORT lines) and print what they hold as TOML to paste.
    Logs {
        #[command(subcommand)]
        command: LogsCommand,
    },
    /// Write a commented scenario from a SAM or CloudFormation template's
    /// capacity provider and the functions on it (traffic and work are
    /// placeholders to replace).
    Init {
        /// The template (YAML with short-form tags such as `!Ref`, or JSON).
        #[arg(long)]
        from: PathBuf,
        /// One function (logical ID or FunctionName); default: every function
        /// on the template's capacity provider.
        #[arg(long)]
        function: Option<String>,
        /// Write the scenario to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long)]
        force: bool,
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

/// `lmi-sim logs …`.
#[derive(Subcommand, Debug)]
pub enum LogsCommand {
    /// Summarise REPORT lines (filter-log-events JSON, Logs Insights CSV or a
    /// text log; gzip or not) into a `[functions.work]` duration table, the
    /// init distribution and the memory figures, as commented TOML.
    Summarize {
        /// Log files, read in order (the pages of filter-log-events).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Fraction of each Duration that is CPU work (the rest is I/O wait).
        #[arg(long, default_value_t = 0.1)]
        cpu_share: f64,
        /// The function's runtime (e.g. python3.13): its init base
        /// (model.runtime_init default) is taken off Init Duration.
        #[arg(long)]
        runtime: Option<String>,
        /// Count and skip malformed REPORT lines instead of failing.
        #[arg(long)]
        skip_bad_rows: bool,
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
    /// An SLO gate failed (the outputs are written; the message lists them).
    #[error("{0}")]
    SloFailed(String),
    /// A bug: a panic (on any thread) or a broken internal invariant.
    #[error("internal error (a bug in lmi-sim; please report it): {0}")]
    Internal(String),
    /// stdout was closed by its reader (`| head`) while printing: not an
    /// error (exit 0; files are written before anything is printed).
    #[error("stdout closed")]
    ClosedStdout,
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Config(_) | CliError::Source(_) | CliError::Warnings(_) => 2,
            CliError::Output { .. } | CliError::Internal(_) => 1,
            CliError::SloFailed(_) => crate::slo::SLO_FAILED_EXIT,
            CliError::ClosedStdout => 0,
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

/// Writes `text` to stdout, ignoring a reader that has gone (`| head`).
fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Whether a panic is `print!` failing on a closed stdout (`lmi-sim … | head`).
fn is_broken_pipe(text: &str) -> bool {
    text.starts_with("failed printing to stdout") && text.contains("Broken pipe")
}

/// A reader that closed stdout early (`| head`) ends the printing quietly:
/// everything lmi-sim writes to files is written before it prints, so the
/// exit status is 0 and no panic message is shown. Other panics keep the
/// default hook (their location, exit 1).
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !is_broken_pipe(text) {
            default(info);
        }
    }));
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
    quiet_broken_pipe();
    // A panic on any thread (the LMI thread, a sweep worker) reaches here and
    // is an internal error, exit status 1; the panic hook has already printed
    // where it happened.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(cli.command)))
        .unwrap_or_else(|p| {
            let t = panic_text(p.as_ref());
            if is_broken_pipe(&t) {
                return Err(CliError::ClosedStdout);
            }
            Err(CliError::Internal(t))
        });
    match r {
        Ok(()) | Err(CliError::ClosedStdout) => 0,
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
        Command::Init {
            from,
            function,
            out,
            force,
        } => crate::init::command(&from, function.as_deref(), out.as_deref(), force),
        Command::Sweep {
            file,
            set,
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
            let sets = crate::overrides::parse_all(&set).map_err(CliError::Source)?;
            let sw = sweep::load_with(&file, &sets).map_err(sweep_err)?;
            let shard =
                sweep::resolve_shard(shard_arg, shards, sw.shards, &|v| std::env::var(v).ok())
                    .map_err(sweep_err)?;
            if dry_run {
                let mine = (0..sw.points.len())
                    .filter(|&p| shard.is_none_or(|s| s.owns(p)))
                    .count();
                println!(
                    "{}{}: ok — sweep `{}`, {} point(s) × {} replication(s){}, {} axis/axes, every point's scenario valid",
                    file.display(),
                    sw.overrides
                        .iter()
                        .map(|o| format!(" --set {o}"))
                        .collect::<String>(),
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
        Command::Recommend {
            file,
            out,
            jobs,
            seed,
            platform,
            full_grid,
            quiet,
            set,
        } => {
            if jobs == Some(0) || jobs.is_some_and(|j| j > 1024) {
                return Err(CliError::Source(format!(
                    "--jobs {}: an integer in 1..=1024",
                    jobs.unwrap_or(0)
                )));
            }
            let sets = crate::overrides::parse_all(&set).map_err(CliError::Source)?;
            let l = crate::recommend::load_with(&file, &sets).map_err(CliError::Source)?;
            let dir = out.join(format!("{}.recommend", l.scenario.name));
            crate::output::check_replaceable(&dir)?;
            let platforms = match platform {
                PlatformArg::Lmi => Platforms::Lmi,
                PlatformArg::Default => Platforms::Default,
                PlatformArg::Both => Platforms::Both,
            };
            let o = crate::recommend::Options {
                jobs,
                seed,
                progress: !quiet,
                full_grid,
                platforms,
            };
            let rec = crate::recommend::run(&l, &o).map_err(CliError::Source)?;
            let out_err = |e: std::io::Error| CliError::Output {
                path: dir.display().to_string(),
                message: e.to_string(),
            };
            let staging = crate::output::Staging::new(&dir)?;
            let json = serde_json::to_string_pretty(&rec).unwrap_or_default() + "\n";
            staging
                .write("recommend.json", json.as_bytes())
                .map_err(out_err)?;
            staging
                .write(
                    "candidates.csv",
                    crate::recommend::candidates_csv(&rec).as_bytes(),
                )
                .map_err(out_err)?;
            for p in &rec.platforms {
                if let Some(i) = p.pick {
                    let text = crate::recommend::pick_toml(&l, p, i).map_err(CliError::Source)?;
                    let name = match p.platform {
                        crate::recommend::Plat::Lmi => "pick-lmi.toml",
                        crate::recommend::Plat::DefaultLambda => "pick-default-lambda.toml",
                    };
                    staging.write(name, text.as_bytes()).map_err(out_err)?;
                }
            }
            staging.commit()?;
            if !quiet {
                print!("{}", crate::recommend::terminal(&rec));
                println!("  outputs: {}/", dir.display());
            }
            Ok(())
        }
        Command::Compare {
            dir_a,
            dir_b,
            markdown,
            out,
        } => {
            use crate::compare;
            let a = compare::load(&dir_a).map_err(CliError::Source)?;
            let b = compare::load(&dir_b).map_err(CliError::Source)?;
            let md = compare::markdown(&a, &b);
            if let Some(f) = &out {
                write_file(f, md.as_bytes())?;
            }
            if markdown {
                print!("{md}");
            } else {
                print!("{}", compare::terminal(&a, &b));
            }
            if let Some(f) = &out {
                eprintln!("markdown written to {}", f.display());
            }
            Ok(())
        }
        Command::Logs {
            command:
                LogsCommand::Summarize {
                    files,
                    cpu_share,
                    runtime,
                    skip_bad_rows,
                },
        } => {
            print!(
                "{}",
                crate::trace::lambda_logs::summary::summarize_cli(
                    &files,
                    cpu_share,
                    runtime.as_deref(),
                    skip_bad_rows
                )
                .map_err(CliError::Source)?
            );
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
            set,
            deep,
            skip_bad_rows,
            deny_warnings,
        } => {
            let sets = crate::overrides::parse_all(&set).map_err(CliError::Source)?;
            let mut sc = load_scenario(&file, &sets)?;
            // A [recommend] table is checked too (against this scenario).
            if std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("recommend"))
            {
                crate::recommend::load_with(&file, &sets).map_err(CliError::Source)?;
            }
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
                "{}{}: ok — scenario `{}`, {} function(s), horizon {}, {} instance type(s) allowed",
                file.display(),
                sets.iter()
                    .map(|s| format!(" --set {}", s.record()))
                    .collect::<String>(),
                sc.name,
                sc.functions.len(),
                sc.horizon,
                sc.provider.instance_types.len()
            );
            if sc.calendar.is_some() {
                println!("  month: {}", crate::calendar::basis(&sc).basis);
            }
            Ok(())
        }
        Command::Run {
            file,
            set,
            out,
            seed,
            platform,
            no_charts,
            no_report,
            quiet,
            stats,
            skip_bad_rows,
            threads,
            deny_warnings,
            checks,
        } => {
            let sets = crate::overrides::parse_all(&set).map_err(CliError::Source)?;
            let mut sc = load_scenario(&file, &sets)?;
            // Bad gates are bad input: refused before anything runs.
            let gates = checks
                .iter()
                .map(|c| crate::slo::parse_check(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(CliError::Source)?;
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
            crate::slo::check_targets(&gates, &sc.functions, platforms)
                .map_err(CliError::Source)?;
            // Refuse before simulating when the outputs cannot replace what is there.
            crate::output::check_replaceable(&crate::output::run_dir(&out, &sc.name))?;
            let t0 = Instant::now();
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
            });
            let progress = std::sync::Arc::new(crate::progress::RunProgress::new(
                platforms.lmi(),
                platforms.default(),
            ));
            let display = crate::progress::RunDisplay::start(progress.clone(), sc.horizon, !quiet);
            let run = sim::run_with_progress(&sc, platforms, threads, &progress);
            drop(display);
            let run = run.map_err(|e| CliError::Source(e.to_string()))?;
            let sim_wall = t0.elapsed();
            let mut summary = report::summarize(&sc, &run, platforms);
            // A calendar's special days, then the month they make.
            let days = crate::calendar::run_special_days(&sc, platforms, threads, !quiet)
                .map_err(CliError::Source)?;
            crate::calendar::apply(&mut summary, &sc, &run, &days);
            summary.overrides = crate::overrides::records(&sets);
            let checked = crate::calendar::gates(&gates, &summary, &days);
            summary.slo.extend(checked);
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
            let mut pngs = Vec::new();
            if !no_charts {
                match crate::charts::render_run(&sc, &run, &summary) {
                    Ok(p) => {
                        for (name, bytes) in &p {
                            staging.write(name, bytes).map_err(out_err)?;
                        }
                        n_files += p.len();
                        pngs = p;
                    }
                    Err(e) => chart_note = Some(format!("charts not written: {e}")),
                }
            }
            if !no_report {
                let missing = chart_note
                    .clone()
                    .unwrap_or_else(|| "No charts: the run had --no-charts.".into());
                // The scenario file as the user wrote it, for the page.
                let text = std::fs::read_to_string(&file).ok();
                let name = file.file_name().unwrap_or_default().to_string_lossy();
                let scenario = text.as_deref().map(|t| (name.as_ref(), t));
                for (name, bytes) in report::reports(&summary, &pngs, scenario, &missing) {
                    staging.write(name, bytes.as_bytes()).map_err(out_err)?;
                    n_files += 1;
                }
            }
            // Rows spilled to temporary files must all have been read back.
            if let Some(e) = run.spill_error() {
                return Err(out_err(std::io::Error::other(e)));
            }
            staging.commit()?;
            if !quiet {
                // A closed stdout (`| head`) must not hide an SLO failure's
                // exit status below: write errors are ignored here.
                say(&report::terminal(&summary));
                say(&format!(
                    "  outputs: {}/ ({} files)\n",
                    dir.display(),
                    n_files
                ));
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
                for (i, notes) in run.trace_notes.iter().enumerate() {
                    for n in notes {
                        eprintln!("note: functions[{i}] `{}`: {n}", sc.functions[i].name);
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
            let failed: Vec<&crate::slo::GateResult> =
                summary.slo.iter().filter(|g| !g.pass).collect();
            if !failed.is_empty() {
                let mut m = format!(
                    "{} of {} SLO gate(s) failed (exit {}; outputs are in {}/):",
                    failed.len(),
                    summary.slo.len(),
                    crate::slo::SLO_FAILED_EXIT,
                    dir.display()
                );
                for g in failed {
                    m.push_str(&format!(
                        "\n  ✗ {} on {}: measured {}",
                        g.gate,
                        g.platform,
                        g.value
                            .map_or_else(|| "nothing".into(), |v| crate::slo::show(g.metric, v))
                    ));
                }
                return Err(CliError::SloFailed(m));
            }
            Ok(())
        }
    }
}

/// The scenario of `file` with the `--set` overrides applied (none: the file
/// as it is, exactly as before overrides existed).
fn load_scenario(
    file: &std::path::Path,
    sets: &[crate::overrides::Set],
) -> Result<scenario::Scenario, CliError> {
    if sets.is_empty() {
        Ok(scenario::load(file)?)
    } else {
        crate::overrides::load(file, sets).map_err(CliError::Source)
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

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it,
/// then one rename. A directory at `path` is bad input (exit 2).
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::Source(format!(
            "--out {}: is a directory; give a file name such as compare.md",
            path.display()
        )));
    }
    let err = |e: std::io::Error| CliError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(err)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
