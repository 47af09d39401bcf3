//! Progress on a terminal: `run` and `sweep` draw a first frame at once, an
//! ETA only once there is completed work to base it on, the best point so
//! far on its own line, all within 80 columns; and nothing at all when
//! stderr is not a terminal. The simulator's progress counter reaches the
//! horizon and changes no result.
//!
//! The terminal is a pseudo-terminal from util-linux's `script`; where it is
//! missing the terminal tests say so and pass (the unit tests of
//! src/progress.rs still check the lines).

use lmi_sim::progress::RunProgress;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{self, Platforms};
use std::path::Path;
use std::process::Command;

const SCENARIO: &str = r#"
name = "progress"
seed = 5
horizon = "6h"
report_interval = "10m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = { dist = "exponential", mean = "10ms" }
io = "50ms"
[functions.traffic]
shape = "constant"
rate = 40
"#;

#[test]
fn the_progress_counter_reaches_the_horizon_and_changes_nothing() {
    let sc = from_toml_str(SCENARIO, "progress.toml", None).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("seed {}", sc.seed);
    for threads in [1, 2] {
        let p = RunProgress::new(true, true);
        let with = sim::run_with_progress(&sc, Platforms::Both, threads, &p).unwrap();
        assert_eq!(p.reached(), 6 * 3600 * 1_000_000, "threads {threads}");
        let without = sim::run_threads(&sc, Platforms::Both, threads).unwrap();
        let a =
            lmi_sim::report::summary_json(&lmi_sim::report::summarize(&sc, &with, Platforms::Both));
        let b = lmi_sim::report::summary_json(&lmi_sim::report::summarize(
            &sc,
            &without,
            Platforms::Both,
        ));
        assert_eq!(a, b, "threads {threads}");
    }
    // A platform not run does not hold the counter back.
    let p = RunProgress::new(false, true);
    sim::run_with_progress(&sc, Platforms::Default, 1, &p).unwrap();
    assert_eq!(p.reached(), 6 * 3600 * 1_000_000);
}

/// Runs `args` under a pseudo-terminal of 80 columns; `None` without `script`.
fn on_terminal(dir: &Path, args: &str) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: util-linux `script` is not installed; no terminal to draw on");
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_lmi-sim");
    let log = dir.join("typescript");
    let st = Command::new("script")
        .arg("-qfec")
        .arg(format!("stty cols 80 rows 24; {bin} {args}"))
        .arg(&log)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("start script");
    assert!(st.success(), "{args}: {st}");
    let raw = std::fs::read(&log).unwrap();
    Some(String::from_utf8_lossy(&raw).into_owned())
}

/// The rows drawn: text between carriage returns / line feeds, escape
/// sequences removed, cut into rows of 80 columns where the terminal wraps
/// (the progress bar pads each line to the width and lets it wrap).
fn rows(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ params final-byte.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if d.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' | '\n' => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim_end().to_string());
                }
                cur.clear();
            }
            c => {
                if cur.chars().count() == 80 {
                    if !cur.trim().is_empty() {
                        out.push(cur.trim_end().to_string());
                    }
                    cur.clear();
                }
                cur.push(c)
            }
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim_end().to_string());
    }
    out
}

#[test]
fn run_and_sweep_draw_useful_progress_on_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), SCENARIO).unwrap();
    let Some(t) = on_terminal(d.path(), "run s.toml --out o --no-charts") else {
        return;
    };
    let f = rows(&t);
    let runs: Vec<&String> = f.iter().filter(|l| l.contains("simulated ")).collect();
    assert!(!runs.is_empty(), "no progress frame in:\n{t}");
    // Rows are cut at 80 columns, so a line found whole in one row fits.
    // The first frame is drawn at once, before any work: 0 s simulated.
    assert!(
        runs[0].contains("simulated 0s of 6h00m (0%) · ETA …"),
        "{}",
        runs[0]
    );
    // The summary follows on the same terminal.
    assert!(t.contains("outputs:"), "{t}");

    // A sweep with a goal: points, an ETA and the best point's own line.
    let base: String = SCENARIO
        .replace("\n[", "\n[base.")
        .replace("[base.[functions]]", "[[base.functions]]")
        .replace("name = \"progress\"", "[base]\nname = \"progress\"")
        .replace("horizon = \"6h\"", "horizon = \"30m\"");
    let sweep = format!(
        "name = \"p\"\nseed = 3\n{base}\n[[axes]]\nkey = \"functions[0].traffic.rate\"\nvalues = [5.0, 10.0, 20.0, 40.0]\n[goal]\nplatform = \"lmi\"\nmax_throttle_rate = 0.5\n"
    );
    std::fs::write(d.path().join("w.toml"), sweep).unwrap();
    let Some(t) = on_terminal(d.path(), "sweep w.toml --out o --jobs 1") else {
        return;
    };
    let f = rows(&t);
    let bars: Vec<&String> = f.iter().filter(|l| l.contains(" points · ETA")).collect();
    assert!(!bars.is_empty(), "no sweep frame in:\n{t}");
    assert!(bars[0].contains("0/4 points · ETA …"), "{}", bars[0]);
    assert!(bars.iter().any(|l| l.contains("4/4 points")), "{bars:?}");
    let best: Vec<&String> = f.iter().filter(|l| l.contains("best so far:")).collect();
    assert!(
        best.iter().any(|l| l.contains("none meets the goal yet")),
        "{best:?}"
    );
    assert!(
        best.iter().any(|l| l.contains("best so far: #0 $")),
        "{best:?}"
    );
}

#[test]
fn nothing_is_drawn_when_stderr_is_not_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("s.toml"), SCENARIO).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(["run", "s.toml", "--out", "o", "--no-charts"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!e.contains("simulated ") && !e.contains('\r'), "{e}");
}
