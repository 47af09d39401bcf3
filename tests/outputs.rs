//! The real binary's outputs under interruption and ownership: SIGINT at
//! random points leaves the previous outputs or complete new ones; a sweep
//! resumes to the bytes of an uninterrupted run; files lmi-sim did not write
//! are never deleted or moved; merges check every row; a panic on any thread
//! exits 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("start lmi-sim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every file of `dir` (name, bytes), sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap_or_default();
            (n, b)
        })
        .collect()
}

/// An interrupted sweep's progress directory `pdir` (no rows yet) for the
/// sweep of fingerprint `fp`, as lmi-sim leaves it.
fn progress_dir(pdir: &Path, fp: &str) {
    std::fs::create_dir_all(pdir).unwrap();
    std::fs::write(
        pdir.join(".lmi-sim"),
        "lmi-sim output directory\nsweep.json\nresults.partial.csv\n",
    )
    .unwrap();
    std::fs::write(
        pdir.join("sweep.json"),
        format!("{{\"fingerprint\": \"{fp}\", \"shard\": null}}"),
    )
    .unwrap();
}

/// A small deterministic generator for interrupt delays (xorshift64*).
struct Delays(u64);

impl Delays {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % max
    }
}

/// Starts `args`, sends SIGINT after `ms`, waits; returns the exit status text.
fn interrupt_after(args: &[&str], ms: u64) -> (Option<i32>, String) {
    signal_after(args, ms, libc::SIGINT)
}

fn signal_after(args: &[&str], ms: u64, signal: libc::c_int) -> (Option<i32>, String) {
    let child = bin()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start lmi-sim");
    std::thread::sleep(Duration::from_millis(ms));
    // SAFETY: kill(2) on our own child's PID, which has not been reaped yet.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let o = child.wait_with_output().unwrap();
    (o.status.code(), stderr(&o))
}

const RUN: &str = r#"
name = "tiny"
horizon = "2h"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "10ms"
io = "50ms"
[functions.traffic]
shape = "constant"
rate = 50
"#;

const RUN_FILES: [&str; 10] = [
    ".lmi-sim",
    "cost.png",
    "decisions.csv",
    "latency.png",
    "lmi-capacity.png",
    "report.html",
    "summary.json",
    "summary.md",
    "throttles.png",
    "timeseries.csv",
];

#[test]
fn interrupted_runs_leave_the_previous_or_complete_new_outputs() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", RUN);
    let out = d.path().join("out");
    let o_s = out.to_str().unwrap();
    // Complete outputs for every seed used below, to compare with.
    let refs = d.path().join("refs");
    let mut expected: Vec<Vec<(String, Vec<u8>)>> = Vec::new();
    for seed in 0..4u64 {
        let r = refs.join(seed.to_string());
        let o = run(&[
            "run",
            &f,
            "--out",
            r.to_str().unwrap(),
            "-q",
            "--seed",
            &seed.to_string(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        expected.push(snapshot(&r.join("tiny")));
        assert_eq!(
            names(&r.join("tiny")),
            RUN_FILES.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        );
    }
    let t0 = std::time::Instant::now();
    let o = run(&["run", &f, "--out", o_s, "-q", "--seed", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full_ms = (t0.elapsed().as_millis() as u64).max(50);
    let mut previous = 0usize;
    let seed = 0x5eed_0001_u64;
    let mut delays = Delays(seed);
    let mut log = Vec::new();
    for i in 0..20 {
        let s = 1 + i % 3;
        let ms = delays.next_ms(full_ms + full_ms / 2);
        let (code, err) = interrupt_after(
            &["run", &f, "--out", o_s, "-q", "--seed", &s.to_string()],
            ms,
        );
        log.push(format!(
            "#{i}: seed {s}, SIGINT after {ms} ms: exit {code:?}"
        ));
        let ctx = || {
            format!(
                "delay seed {seed:#x}, run takes ~{full_ms} ms\n{}\n{err}",
                log.join("\n")
            )
        };
        assert!(
            matches!(code, Some(0) | Some(130) | None),
            "exit status {code:?}; {}",
            ctx()
        );
        // Nothing but the output directory: no staging or .old directories.
        assert_eq!(names(&out), vec!["tiny".to_string()], "{}", ctx());
        let now = snapshot(&out.join("tiny"));
        if now == expected[s] {
            previous = s;
        } else {
            assert!(
                now == expected[previous],
                "out/tiny/ is neither the previous outputs (seed {previous}) nor complete new ones (seed {s}): {:?}; {}",
                now.iter()
                    .map(|(n, b)| format!("{n} {} B", b.len()))
                    .collect::<Vec<_>>(),
                ctx()
            );
        }
        if code == Some(130) {
            assert!(err.contains("interrupted"), "{}", ctx());
        }
    }
}

/// A sweep of 12 short points (one replication each).
fn sweep_text(description: &str) -> String {
    format!(
        r#"
name = "t"
description = "{description}"
seed = 3
replications = 1
platforms = "lmi"
[[axes]]
key = "functions[0].traffic.rate"
values = [5.0, 10.0, 20.0, 40.0]
[[axes]]
key = "functions[0].PerExecutionEnvironmentMaxConcurrency"
values = [4, 8, 16]
[base]
name = "tiny"
horizon = "30m"
report_interval = "5m"
[base.capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[base.functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
[base.functions.work]
cpu = {{ dist = "exponential", mean = "10ms" }}
io = "50ms"
[base.functions.traffic]
shape = "constant"
rate = 20
"#
    )
}

#[test]
fn interrupted_sweeps_resume_to_the_uninterrupted_bytes() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text("resume"));
    let g = write(d.path(), "g.toml", &sweep_text("an earlier sweep"));
    let reference = d.path().join("ref");
    let t0 = std::time::Instant::now();
    let o = run(&[
        "sweep",
        &f,
        "--out",
        reference.to_str().unwrap(),
        "-q",
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full_ms = (t0.elapsed().as_millis() as u64).max(50);
    let want = snapshot(&reference.join("t"));
    assert!(want.iter().any(|(n, _)| n == "results.csv"));
    assert_eq!(
        names(&reference),
        vec!["t".to_string()],
        "no partial directory left"
    );

    // Earlier, complete outputs of another sweep with the same name.
    let out = d.path().join("out");
    let o_s = out.to_str().unwrap();
    let o = run(&["sweep", &g, "--out", o_s, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let earlier = snapshot(&out.join("t"));
    assert_ne!(earlier, want);

    let seed = 0x5eed_0002_u64;
    let mut delays = Delays(seed);
    let mut log = Vec::new();
    let mut interrupted = 0;
    let mut most_kept = 0;
    for i in 0..20 {
        let ms = delays.next_ms(full_ms);
        let (code, err) = interrupt_after(
            &["sweep", &f, "--out", o_s, "-q", "--jobs", "2", "--resume"],
            ms,
        );
        log.push(format!("#{i}: SIGINT after {ms} ms: exit {code:?}"));
        let ctx = || {
            format!(
                "delay seed {seed:#x}, sweep takes ~{full_ms} ms\n{}\n{err}",
                log.join("\n")
            )
        };
        assert!(matches!(code, Some(0) | Some(130) | None), "{}", ctx());
        interrupted += (code != Some(0)) as usize;
        let now = snapshot(&out.join("t"));
        assert!(
            now == earlier || now == want,
            "out/t/ is a mix: {:?}; {}",
            now.iter()
                .map(|(n, b)| format!("{n} {} B", b.len()))
                .collect::<Vec<_>>(),
            ctx()
        );
        // Only the outputs and (while unfinished) the progress directory.
        for n in names(&out) {
            assert!(n == "t" || n == "t.partial", "{n} left in out/; {}", ctx());
        }
        if code == Some(0) {
            // Finished: complete outputs and no progress left; the next run
            // starts over (there is nothing to resume) and is interrupted in turn.
            assert!(now == want && !out.join("t.partial").exists(), "{}", ctx());
        }
        let kept = std::fs::read_to_string(out.join("t.partial/results.partial.csv"))
            .map_or(0, |t| t.lines().count().saturating_sub(1));
        log.push(format!("    {kept} point(s) in results.partial.csv"));
        most_kept = most_kept.max(kept);
    }
    assert!(
        most_kept > 0,
        "no interrupted run had finished a point: {}",
        log.join("\n")
    );
    assert!(
        interrupted > 0,
        "no run was interrupted: {}",
        log.join("\n")
    );
    let o = run(&["sweep", &f, "--out", o_s, "-q", "--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(snapshot(&out.join("t")), want, "{}", log.join("\n"));
    assert_eq!(names(&out), vec!["t".to_string()]);
}

#[test]
fn resume_keeps_finished_points_and_checks_the_sweep() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text("resume"));
    let out = d.path().join("out");
    let o_s = out.to_str().unwrap();
    let o = run(&["sweep", &f, "--out", o_s, "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let results = std::fs::read_to_string(out.join("t/results.csv")).unwrap();
    let uninterrupted = snapshot(&out.join("t"));
    // An interrupted run's progress: the header and the rows of points 0, 5
    // and 7, the last one cut in the middle (killed while writing it).
    let lines: Vec<&str> = results.lines().collect();
    let pdir = out.join("t.partial");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("t/summary.json")).unwrap())
            .unwrap();
    let fp = summary["fingerprint"].as_str().unwrap().to_string();
    progress_dir(&pdir, &fp);
    // Point 5's row with a different (wrong) cost: if it is kept, it shows.
    let edited5 = {
        let cells: Vec<&str> = lines[6].split(',').collect();
        let mut c: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
        // Column 9: lmi_monthly_usd_mean.
        c[9] = "12345".into();
        c.join(",")
    };
    let half = &lines[8][..lines[8].len() / 2];
    std::fs::write(
        pdir.join("results.partial.csv"),
        format!("{}\n{}\n{}\n{half}", lines[0], lines[1], edited5),
    )
    .unwrap();
    let o = run(&["sweep", &f, "--out", o_s, "--resume", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("resumed: 2 of 12 point(s) kept"),
        "{stdout}"
    );
    let again = std::fs::read_to_string(out.join("t/results.csv")).unwrap();
    let al: Vec<&str> = again.lines().collect();
    assert_eq!(al[6], edited5, "point 5 was kept, not recomputed");
    for i in [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12] {
        assert_eq!(al[i], lines[i], "line {}", i + 1);
    }
    assert!(!pdir.exists());

    // Stopped before its first row: a fingerprint and no rows file yet.
    progress_dir(&pdir, &fp);
    let o = run(&["sweep", &f, "--out", o_s, "--resume", "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("t/results.csv")).unwrap(),
        results
    );
    assert!(!pdir.exists());

    // Every point finished (stopped while writing the outputs): the resumed
    // run computes nothing, and every output (the reports too, which are
    // drawn from the rows read back) equals the uninterrupted run's.
    progress_dir(&pdir, &fp);
    std::fs::write(pdir.join("results.partial.csv"), &results).unwrap();
    let o = run(&["sweep", &f, "--out", o_s, "--resume", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("resumed: 12 of 12 point(s) kept"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let resumed = snapshot(&out.join("t"));
    for ((n, a), (m, b)) in resumed.iter().zip(&uninterrupted) {
        assert_eq!(n, m);
        assert!(a == b, "{n} differs after a resume that kept every point");
    }
    assert_eq!(resumed.len(), uninterrupted.len());
    assert!(!pdir.exists());

    // Progress of another sweep (another fingerprint) is refused with the fix.
    progress_dir(&pdir, "0123456789abcdef");
    std::fs::write(pdir.join("results.partial.csv"), format!("{}\n", lines[0])).unwrap();
    let o = run(&["sweep", &f, "--out", o_s, "--resume", "-q", "--no-charts"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("belongs to another sweep") && stderr(&o).contains("without --resume"),
        "{}",
        stderr(&o)
    );
    // Without --resume the old progress is discarded (and said so) and the sweep runs.
    std::fs::write(
        pdir.join("results.partial.csv"),
        format!("{}\n{}\n", lines[0], lines[1]),
    )
    .unwrap();
    let o = run(&["sweep", &f, "--out", o_s, "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("started over: 1 point(s)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("t/results.csv")).unwrap(),
        results
    );
}

#[test]
fn merge_refuses_edited_rows_and_non_finite_cells() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text("merge"));
    let sh = d.path().join("shards");
    for k in 0..2 {
        let o = run(&[
            "sweep",
            &f,
            "--out",
            sh.to_str().unwrap(),
            "-q",
            "--shard",
            &format!("{k}/2"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let dirs: Vec<PathBuf> = (0..2)
        .map(|k| sh.join(format!("t/shard-{k}-of-2")))
        .collect();
    let merged = d.path().join("merged");
    let merge = || {
        run(&[
            "sweep-merge",
            "-q",
            "--no-charts",
            "--out",
            merged.to_str().unwrap(),
            dirs[0].to_str().unwrap(),
            dirs[1].to_str().unwrap(),
        ])
    };
    let o = merge();
    assert!(o.status.success(), "{}", stderr(&o));
    let rp = dirs[1].join("results.csv");
    let good = std::fs::read_to_string(&rp).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    // Edit a number on line 3 (the second row): a plausible figure, and NaN, and inf.
    let cells: Vec<&str> = lines[2].split(',').collect();
    let k = cells
        .iter()
        .rposition(|c| !c.is_empty() && c.parse::<f64>().is_ok_and(|x| x > 1.0))
        .unwrap();
    for (bad, what) in [
        ("1.5", "does not match the checksum"),
        ("NaN", "finite"),
        ("inf", "finite"),
    ] {
        let mut c: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
        c[k] = bad.into();
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        l[2] = c.join(",");
        std::fs::write(&rp, l.join("\n") + "\n").unwrap();
        let o = merge();
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(&format!("{}:3:", rp.display())) && e.contains(what),
            "{bad}: {e}"
        );
    }
    // A shard without its checksums is refused, naming the file.
    std::fs::write(&rp, &good).unwrap();
    std::fs::remove_file(dirs[0].join("results.fnv64")).unwrap();
    let o = merge();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("results.fnv64"), "{}", stderr(&o));
}

#[test]
fn files_lmi_sim_did_not_write_are_never_deleted_or_moved() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", RUN);
    let out = d.path().join("out");
    let o_s = out.to_str().unwrap();
    let o = run(&["run", &f, "--out", o_s, "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A user's own file inside out/tiny/: refused, kept.
    let mine = out.join("tiny/notes.txt");
    std::fs::write(&mine, "my notes").unwrap();
    let o = run(&["run", &f, "--out", o_s, "-q", "--no-charts"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&mine.display().to_string()) && stderr(&o).contains("did not write"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my notes");
    assert_eq!(names(&out), vec!["tiny".to_string()]);
    std::fs::remove_file(&mine).unwrap();

    // A regular file at out/tiny: refused, neither moved nor deleted.
    std::fs::remove_dir_all(out.join("tiny")).unwrap();
    std::fs::write(out.join("tiny"), "not a directory").unwrap();
    let o = run(&["run", &f, "--out", o_s, "-q", "--no-charts"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a file"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("tiny")).unwrap(),
        "not a directory"
    );
    assert_eq!(names(&out), vec!["tiny".to_string()]);
    std::fs::remove_file(out.join("tiny")).unwrap();

    // Staging and .old directories of a process that no longer exists are
    // removed by the next run; one without lmi-sim's marker is not.
    let dead = (1u32 << 22) + 7; // above Linux's largest PID
    let stale = out.join(format!(".tiny.staging-{dead}"));
    let old = out.join(format!(".tiny.old-{dead}"));
    let foreign = out.join(format!(".other.staging-{dead}"));
    for p in [&stale, &old, &foreign] {
        std::fs::create_dir_all(p).unwrap();
        std::fs::write(p.join("summary.json"), "{}").unwrap();
    }
    std::fs::write(stale.join(".lmi-sim"), "lmi-sim output directory\n").unwrap();
    std::fs::write(old.join(".lmi-sim"), "lmi-sim output directory\n").unwrap();
    let o = run(&["run", &f, "--out", o_s, "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        names(&out),
        vec![format!(".other.staging-{dead}"), "tiny".to_string()]
    );

    // A sweep writes into a directory shared with its shards and keeps the
    // user's files there.
    let s = write(d.path(), "s.toml", &sweep_text("own"));
    let o = run(&[
        "sweep",
        &s,
        "--out",
        o_s,
        "-q",
        "--no-charts",
        "--shard",
        "0/2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(out.join("t/README.txt"), "mine").unwrap();
    let o = run(&["sweep", &s, "--out", o_s, "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        names(&out.join("t")),
        vec![
            ".lmi-sim",
            "README.txt",
            "report.html",
            "results.csv",
            "results.fnv64",
            "shard-0-of-2",
            "summary.json",
            "summary.md"
        ]
    );
}

#[test]
fn a_panic_on_any_thread_is_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", RUN);
    let out = d.path().join("out");
    for threads in ["1", "2"] {
        let o = bin()
            .args([
                "run",
                &f,
                "--out",
                out.to_str().unwrap(),
                "-q",
                "--threads",
                threads,
            ])
            .env("LMI_SIM_TEST_PANIC", "lmi")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "--threads {threads}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("internal error"), "{}", stderr(&o));
        assert!(!out.join("tiny").exists());
    }
    let s = write(d.path(), "s.toml", &sweep_text("panic"));
    for jobs in ["1", "2"] {
        let o = bin()
            .args([
                "sweep",
                &s,
                "--out",
                out.to_str().unwrap(),
                "-q",
                "--jobs",
                jobs,
            ])
            .env("LMI_SIM_TEST_PANIC", "point:3")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "--jobs {jobs}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("internal error") && stderr(&o).contains("sweep point 3"),
            "{}",
            stderr(&o)
        );
        assert!(!out.join("t").exists());
    }
}

#[test]
fn sigterm_is_handled_like_sigint() {
    let d = tempfile::tempdir().unwrap();
    // Long enough (about 100x the interrupt delay) to still be running.
    let f = write(
        d.path(),
        "tiny.toml",
        &RUN.replace("horizon = \"2h\"", "horizon = \"7d\""),
    );
    let out = d.path().join("out");
    let (code, err) = signal_after(
        &["run", &f, "--out", out.to_str().unwrap(), "-q"],
        300,
        libc::SIGTERM,
    );
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(!out.exists() || names(&out).is_empty(), "{:?}", names(&out));
}
