//! What a function's logs become in a scenario: the init distribution, the
//! memory model and the percentile tables of `lmi-sim logs summarize`, and
//! the `validate --deep` report. Text out only; the CLI prints it.

use super::replay::{LogReplay, paths};
use super::stats::{LogStats, scan};
use crate::dist::Dist;
use crate::request::TraceError;
use crate::rng::stream;
use crate::scenario::InvocationMemory;
use crate::sketch::Sketch;
use crate::time::{SimDuration, SimTime};
use crate::trace::TraceSpec;
use crate::trace::inspect::{TraceReport, thousands};
use crate::trace::rfc3339::format_us;
use std::fmt::Write;

/// The percentiles of a printed or derived table. p0 and p100 are the exact
/// minimum and maximum; the others the sketch's nearest-rank quantiles.
pub const PERCENTILES: [f64; 21] = [
    0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 90.0, 95.0,
    98.0, 99.0, 99.5, 99.9, 100.0,
];

/// (percent, value [µs]) at [`PERCENTILES`], non-decreasing.
pub fn table(s: &Sketch, min: u64) -> Vec<(f64, u64)> {
    let mut out: Vec<(f64, u64)> = Vec::with_capacity(PERCENTILES.len());
    for &p in &PERCENTILES {
        let v = if p == 0.0 {
            min
        } else if p == 100.0 {
            s.max()
        } else {
            s.quantile(p / 100.0).unwrap_or(0.0).round() as u64
        };
        let v = v.clamp(min, s.max().max(min));
        let v = out.last().map_or(v, |&(_, last)| v.max(last));
        out.push((p, v));
    }
    out
}

/// The table as a [`Dist::Empirical`].
pub fn empirical(points: &[(f64, u64)], scale: f64) -> Dist {
    Dist::Empirical {
        points: points
            .iter()
            .map(|&(p, v)| (p / 100.0, (v as f64 * scale).round()))
            .collect(),
    }
}

/// The init distribution the logs give: Init Duration − `base_us` (the
/// runtime's own start, `model.runtime_init.<runtime>`, which lmi-sim adds
/// back), not below zero; `None` without cold starts.
pub fn init_dist(st: &LogStats, base_us: u64) -> Option<Dist> {
    if st.inits.count() == 0 {
        return None;
    }
    let t: Vec<(f64, u64)> = table(&st.inits, st.init_min_us)
        .into_iter()
        .map(|(p, v)| (p, v.saturating_sub(base_us)))
        .collect();
    Some(empirical(&t, 1.0))
}

/// The memory model the logs give [our choice]: the smallest Max Memory Used
/// is taken as the runtime process's own memory (the least any invocation
/// left behind), and p99 of Max Memory Used minus it as what one invocation
/// adds (at least 1 MB). `None` when no record gives Max Memory Used.
pub fn memory(st: &LogStats) -> Option<(InvocationMemory, u32)> {
    if st.max_memory.count() == 0 {
        return None;
    }
    let process = st.max_memory_min_mb;
    let p99 = (st.max_memory.quantile(0.99).unwrap_or(0.0).ceil() as u32)
        .clamp(process, st.max_memory.max() as u32);
    Some((
        InvocationMemory {
            per_invocation_mib: p99.saturating_sub(process).max(1),
            process_mib: process,
        },
        p99,
    ))
}

/// µs as a TOML duration string in ms (`"102.25ms"`), exact to the µs.
pub fn ms(us: u64) -> String {
    let s = format!("{}.{:03}", us / 1000, us % 1000);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("\"{s}ms\"")
}

fn dist_toml(points: &[(f64, u64)], scale: f64) -> String {
    let items: Vec<String> = points
        .iter()
        .map(|&(p, v)| format!("[{p}, {}]", ms((v as f64 * scale).round() as u64)))
        .collect();
    format!(
        "{{ dist = \"empirical\", percentiles = [{}] }}",
        items.join(", ")
    )
}

fn span_words(us: i64) -> String {
    let s = us.max(0) as f64 / 1e6;
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// `lmi-sim logs summarize`: commented TOML to paste into a `[[functions]]`
/// table. `runtime` gives the runtime base to take off Init Duration.
pub fn summarize(st: &LogStats, cpu_share: f64, runtime: Option<(&str, SimDuration)>) -> String {
    let mut o = String::new();
    let names: Vec<String> = st.paths.iter().map(|p| p.display().to_string()).collect();
    let kinds: Vec<&str> = st.containers.iter().map(|c| c.words()).collect();
    let mut kinds_u = kinds.clone();
    kinds_u.dedup();
    let _ = writeln!(o, "# lmi-sim logs summarize: {}", names.join(" "));
    let _ = writeln!(
        o,
        "# {} REPORT lines ({}); {} other lines skipped, {} malformed REPORT lines skipped",
        thousands(st.reports),
        kinds_u.join(", "),
        thousands(st.other),
        thousands(st.skipped)
    );
    let span = st.arrival_max - st.arrival_min;
    let _ = writeln!(
        o,
        "# arrivals (log timestamp − Duration − Init Duration): {} to {} ({}), {:.3} invocations/s",
        format_us(st.arrival_min),
        format_us(st.arrival_max),
        span_words(span),
        st.rate()
    );
    let _ = writeln!(
        o,
        "# out of arrival order: {} lines, at most {:.3} s (replay's reorder_window must be at least this)",
        thousands(st.out_of_order),
        st.max_late_us as f64 / 1e6
    );
    let d = table(&st.durations, st.duration_min_us);
    let at = |p: f64| d.iter().find(|x| x.0 == p).map_or(0, |x| x.1);
    let _ = writeln!(
        o,
        "# Duration: mean {:.3} ms, p50 {} ms, p99 {} ms, max {} ms (sum {:.3} s)",
        st.duration_sum_us as f64 / st.reports as f64 / 1e3,
        at(50.0) as f64 / 1e3,
        at(99.0) as f64 / 1e3,
        at(100.0) as f64 / 1e3,
        st.duration_sum_us as f64 / 1e6
    );
    let inits = st.inits.count();
    let _ = writeln!(
        o,
        "# cold starts (lines with Init Duration): {} ({:.2}% of invocations){}",
        thousands(inits),
        100.0 * inits as f64 / st.reports as f64,
        if inits > 0 {
            format!(
                ", Init Duration mean {:.3} ms",
                st.init_sum_us as f64 / inits as f64 / 1e3
            )
        } else {
            String::new()
        }
    );
    match st.memory_size() {
        Some(m) => {
            let others = st.memory_sizes.len() - 1;
            let _ = writeln!(
                o,
                "# Memory Size: {m} MB{}",
                if others > 0 {
                    format!(" (most lines; {others} other size(s) too: several versions?)")
                } else {
                    String::new()
                }
            );
        }
        None => {
            let _ = writeln!(o, "# Memory Size: not in the logs");
        }
    }
    let _ = writeln!(
        o,
        "# Percentiles: p0 and p100 exact, the others within {:.2}% (the sketch's bound); lmi-sim interpolates linearly between them.",
        crate::sketch::RELATIVE_ERROR * 100.0
    );
    let _ = writeln!(o, "#\n# Paste into the function's [[functions]] table:\n");
    match (init_dist(st, runtime.map_or(0, |r| r.1.0)), runtime) {
        (None, _) => {
            let _ = writeln!(
                o,
                "# no Init Duration in the logs (no cold start): keep function_init\n"
            );
        }
        (Some(_), rt) => {
            let base = rt.map_or(0, |r| r.1.0);
            let t: Vec<(f64, u64)> = table(&st.inits, st.init_min_us)
                .into_iter()
                .map(|(p, v)| (p, v.saturating_sub(base)))
                .collect();
            match rt {
                Some((name, b)) => {
                    let _ = writeln!(
                        o,
                        "# Init Duration − the {name} runtime base ({b}, model.runtime_init.{name}), which lmi-sim adds back"
                    );
                }
                None => {
                    let _ = writeln!(
                        o,
                        "# Init Duration as logged; lmi-sim adds model.runtime_init.<runtime> to it (pass --runtime to take it off)"
                    );
                }
            }
            let _ = writeln!(o, "function_init = {}\n", dist_toml(&t, 1.0));
        }
    }
    let _ = writeln!(o, "[functions.work]");
    let _ = writeln!(
        o,
        "# Duration split by cpu_share = {cpu_share}: cpu = {}% of each percentile, io = the rest.",
        cpu_share * 100.0
    );
    if cpu_share > 0.0 && cpu_share < 1.0 {
        let _ = writeln!(
            o,
            "# lmi-sim draws cpu and io independently: each reproduces its share of the logged\n# percentiles; their sum is narrower in the tails than the logged Duration (use\n# --cpu-share 0 or 1 for one table that reproduces it)."
        );
    }
    if cpu_share > 0.0 {
        let _ = writeln!(o, "cpu = {}", dist_toml(&d, cpu_share));
    }
    if cpu_share < 1.0 {
        let _ = writeln!(o, "io = {}", dist_toml(&d, 1.0 - cpu_share));
    }
    match memory(st) {
        Some((m, p99)) => {
            let _ = writeln!(
                o,
                "# Memory [our choice]: the smallest Max Memory Used ({} MB) as the runtime process,\n# p99 of Max Memory Used ({p99} MB) minus it as what one invocation adds.",
                m.process_mib
            );
            let _ = writeln!(o, "memory_mb = {}", m.per_invocation_mib);
            let _ = writeln!(o, "process_memory_mb = {}", m.process_mib);
        }
        None => {
            let _ = writeln!(o, "# no Max Memory Used in the logs: memory not modelled");
        }
    }
    o
}

/// `lmi-sim logs summarize`: checks the options, reads the files, returns
/// the TOML text or the message of a bad input.
pub fn summarize_cli(
    files: &[std::path::PathBuf],
    cpu_share: f64,
    runtime: Option<&str>,
    skip: bool,
) -> Result<String, String> {
    if !(0.0..=1.0).contains(&cpu_share) {
        return Err(format!(
            "--cpu-share {cpu_share}: a number in [0, 1], the fraction of a Duration that is CPU work"
        ));
    }
    let rt = match runtime {
        None => None,
        Some(id) => {
            let r = crate::scenario::validate::parse_runtime(id).ok_or_else(|| {
                format!("--runtime {id}: an AWS runtime id such as python3.13, nodejs22.x, java21, dotnet8 or provided.al2023")
            })?;
            let base = crate::scenario::default_runtime_init(r);
            Some((r, base))
        }
    };
    for f in files {
        if let Err(e) = std::fs::File::open(f) {
            return Err(format!("{}: cannot read the log file: {e}", f.display()));
        }
    }
    let st = scan(files, skip).map_err(|e| e.0)?;
    let name = rt.map(|(r, b)| (runtime_key(r), b));
    Ok(summarize(&st, cpu_share, name))
}

fn runtime_key(r: crate::scenario::Runtime) -> &'static str {
    use crate::scenario::Runtime::*;
    match r {
        Python => "python",
        Nodejs => "nodejs",
        Java => "java",
        Dotnet => "dotnet",
        Rust => "rust",
    }
}

/// `validate --deep` for `lambda-logs`: every record read with a replay's
/// checks (the reordering window included).
pub fn inspect(spec: &TraceSpec) -> Result<TraceReport, TraceError> {
    let ps = paths(spec);
    let st = scan(&ps, spec.skip_bad_rows)?;
    let replay = LogReplay::open(spec, stream(0, "trace_spread", 0), SimTime(u64::MAX))?;
    let (rows, skipped) = replay.drain()?;
    let names: Vec<String> = ps.iter().map(|p| p.display().to_string()).collect();
    Ok(TraceReport {
        path: names.join(", "),
        kind: "Lambda REPORT logs",
        rows,
        first: st.arrival_min,
        last: st.arrival_max,
        interval: None,
        invocations: rows,
        out_of_order: st.out_of_order,
        lateness: Some((st.max_late_us, spec.reorder_window.0)),
        skipped,
        functions: None,
        details: vec![
            format!(
                "REPORT lines: {}; other lines (START, END, output) skipped: {}",
                st.reports, st.other
            ),
            format!(
                "cold starts (Init Duration given): {} ({:.2}%)",
                st.inits(),
                if st.reports > 0 {
                    100.0 * st.inits() as f64 / st.reports as f64
                } else {
                    0.0
                }
            ),
            format!(
                "Memory Size in the logs: {}",
                st.memory_sizes
                    .iter()
                    .map(|(mb, n)| format!("{mb} MB ({n} lines)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ],
    })
}
