//! A reader that closes stdout early (`lmi-sim run … | head`) is not an
//! error: no panic, the outputs are complete, and an SLO failure still
//! exits 3.

use std::process::{Command, Stdio};

/// Runs lmi-sim with a stdout whose reader is gone before it prints.
fn closed(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lmi-sim");
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly_and_keeps_the_slo_status() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out").display().to_string();
    let base = [
        "run",
        "scenarios/steady-state.toml",
        "--set",
        "horizon=10m",
        "--no-charts",
        "--out",
        &out,
    ];
    let (code, err) = closed(&base);
    assert_eq!(code, Some(0), "seed 7: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    let summary = d.path().join("out/steady-state/summary.json");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["seed"], 7);

    let mut failing = base.to_vec();
    failing.extend(["--check", "lmi.p99 < 1ms"]);
    let (code, err) = closed(&failing);
    assert_eq!(code, Some(3), "seed 7: {err}");
    assert!(
        err.contains("SLO gate(s) failed") && !err.contains("panicked"),
        "{err}"
    );

    let (code, err) = closed(&["validate", "scenarios/steady-state.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}
