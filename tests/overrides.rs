//! `--set KEY=VALUE` on `run`, `validate` and `sweep`, and functions addressed
//! by name (`functions[checkout-api]`) in `--set` and in sweep axes, through
//! the real binary: a run with `--set` writes the bytes the edited file
//! writes (but for the recorded overrides), and every bad `--set` exits 2
//! with a message naming the argument, the key path, the value and what is
//! allowed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    let mut c = bin();
    for v in lmi_sim::sweep::SHARD_ENV {
        c.env_remove(v);
    }
    c.args(args).output().expect("start lmi-sim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The error of a run that must fail with exit 2 (and write nothing to stdout).
fn error_of(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit 2 expected; stdout: {}; stderr: {}",
        stdout(o),
        stderr(o)
    );
    stderr(o)
}

/// Two small functions, `checkout-api` and `worker`, 20 simulated minutes.
const TWO: &str = r#"
name = "two"
horizon = "20m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "checkout-api"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = { dist = "exponential", mean = "10ms" }
io = "50ms"
[functions.traffic]
shape = "constant"
rate = 20
[[functions]]
name = "worker"
Runtime = "nodejs22.x"
MemorySize = 2048
[functions.work]
cpu = "5ms"
[functions.traffic]
shape = "constant"
rate = 5
"#;

/// `summary.json` without its `"overrides": [ … ],` block.
fn without_overrides(summary: &[u8]) -> String {
    let text = String::from_utf8(summary.to_vec()).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line == "  \"overrides\": [" {
            skipping = true;
            continue;
        }
        if skipping {
            skipping = line != "  ],";
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn overrides_of(summary: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(summary).unwrap();
    v["overrides"].clone()
}

#[test]
fn set_writes_what_the_edited_file_writes() {
    // A bundled scenario, overridden by name and by index, against a copy
    // edited by hand to the same values. Charts included: every output file.
    let d = tempfile::tempdir().unwrap();
    let orig = repo().join("scenarios/marketing-spike.toml");
    let text = std::fs::read_to_string(&orig).unwrap();
    let mut edited = String::new();
    let mut memory_lines = 0;
    for line in text.lines() {
        let l = if line.starts_with("horizon = ") {
            "horizon = \"25m\"".to_string()
        } else if line.starts_with("MemorySize = 4096 ") {
            // The LMI MemorySize (commented), not [functions.default_lambda]'s.
            memory_lines += 1;
            "MemorySize = 8192".to_string()
        } else if line.starts_with("start = \"1h\"") {
            "start = \"10m\"".to_string()
        } else if line.starts_with("peak = 3200.0") {
            "peak = 1600.0".to_string()
        } else {
            line.to_string()
        };
        edited.push_str(&l);
        edited.push('\n');
    }
    assert_eq!(memory_lines, 1);
    let edited = write(d.path(), "marketing-spike.toml", &edited);
    let (a, b, c) = (d.path().join("a"), d.path().join("b"), d.path().join("c"));
    let sets = [
        "horizon=25m",
        "functions[checkout-api].MemorySize=8192",
        "functions[0].traffic.start=10m",
        "functions[checkout-api].traffic.peak = 1600.0",
    ];
    let mut args = vec!["run", orig.to_str().unwrap(), "--out", a.to_str().unwrap()];
    for s in &sets {
        args.extend(["--set", s]);
    }
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().nth(1).unwrap_or("").starts_with(
            "  with --set horizon=\"25m\" --set functions[checkout-api].MemorySize=8192 --set functions[0].traffic.start=\"10m\" --set functions[checkout-api].traffic.peak=1600.0"
        ),
        "the header names the overrides: {out}"
    );
    let o = run(&["run", &edited, "--out", b.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let (da, db) = (a.join("marketing-spike"), b.join("marketing-spike"));
    let mut files: Vec<String> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f.ends_with(".png")), "{files:?}");
    for f in &files {
        if f == "summary.json" {
            continue;
        }
        if f == "report.html" || f == "summary.md" {
            // The reports name the overrides (and the HTML shows the file as
            // written, under them); the edited file's reports do not.
            let t = String::from_utf8(read(da.join(f))).unwrap();
            assert!(
                t.contains("--set functions[checkout-api].MemorySize=8192"),
                "{f} does not name the overrides"
            );
            let e = String::from_utf8(read(db.join(f))).unwrap();
            assert!(!e.contains("--set "), "{f}");
            continue;
        }
        assert!(
            read(da.join(f)) == read(db.join(f)),
            "{f} differs between --set and the edited file"
        );
    }
    let (sa, sb) = (read(da.join("summary.json")), read(db.join("summary.json")));
    assert_eq!(
        without_overrides(&sa),
        String::from_utf8(sb.clone()).unwrap()
    );
    assert_eq!(
        overrides_of(&sa),
        serde_json::json!([
            "horizon=\"25m\"",
            "functions[checkout-api].MemorySize=8192",
            "functions[0].traffic.start=\"10m\"",
            "functions[checkout-api].traffic.peak=1600.0"
        ])
    );
    // Without --set, summary.json has no `overrides` at all.
    assert!(overrides_of(&sb).is_null());

    // And the overrides did change the run: the original file with only the
    // horizon cut serves another fleet.
    let o = run(&[
        "run",
        orig.to_str().unwrap(),
        "--set",
        "horizon=25m",
        "--out",
        c.to_str().unwrap(),
        "-q",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sc: serde_json::Value =
        serde_json::from_slice(&read(c.join("marketing-spike/summary.json"))).unwrap();
    let sa: serde_json::Value = serde_json::from_slice(&sa).unwrap();
    assert_ne!(
        sc["arrivals"], sa["arrivals"],
        "the spike moved into the run"
    );
    assert_ne!(
        sc["lmi"]["fleet"]["peak_vcpus"], sa["lmi"]["fleet"]["peak_vcpus"],
        "8 GiB EEs"
    );
}

#[test]
fn later_sets_win_and_values_take_toml_types() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "two.toml", TWO);
    let edited = TWO
        .replace("rate = 5\n", "rate = 7.5\n")
        .replace("horizon = \"20m\"", "horizon = \"10m\"")
        .replace(
            "AllowedInstanceTypes = [\"c7i.2xlarge\"]",
            "AllowedInstanceTypes = [\"c7i.xlarge\", \"c7i.2xlarge\"]",
        );
    let g = write(d.path(), "edited.toml", &edited);
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let o = run(&[
        "run",
        &f,
        "--out",
        a.to_str().unwrap(),
        "-q",
        "--no-charts",
        "--set",
        "functions[worker].traffic.rate=3",
        "--set",
        "functions[1].traffic.rate=7.5",
        "--set",
        "horizon=\"10m\"",
        "--set",
        "capacity_provider.InstanceRequirements.AllowedInstanceTypes=[\"c7i.xlarge\", \"c7i.2xlarge\"]",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["run", &g, "--out", b.to_str().unwrap(), "-q", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for file in ["timeseries.csv", "decisions.csv"] {
        assert!(
            read(a.join("two").join(file)) == read(b.join("two").join(file)),
            "{file} differs"
        );
    }
    let sa = read(a.join("two/summary.json"));
    assert_eq!(
        without_overrides(&sa),
        String::from_utf8(read(b.join("two/summary.json"))).unwrap()
    );
    assert_eq!(
        overrides_of(&sa),
        serde_json::json!([
            "functions[worker].traffic.rate=3",
            "functions[1].traffic.rate=7.5",
            "horizon=\"10m\"",
            "capacity_provider.InstanceRequirements.AllowedInstanceTypes=[\"c7i.xlarge\", \"c7i.2xlarge\"]"
        ])
    );
}

#[test]
fn validate_with_set() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "two.toml", TWO);
    let o = run(&[
        "validate",
        &f,
        "--set",
        "functions[checkout-api].MemorySize=4096",
        "--set",
        "horizon=2h",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "two.toml --set functions[checkout-api].MemorySize=4096 --set horizon=\"2h\": ok — scenario `two`, 2 function(s), horizon 2h"
        ),
        "{out}"
    );
    // The same checks as a run: a bad value exits 2.
    let e = error_of(&run(&[
        "validate",
        &f,
        "--set",
        "functions[worker].MemorySize=3000",
    ]));
    assert!(
        e.contains("--set functions[worker].MemorySize=3000: ")
            && e.contains(
                "two.toml: functions[1].MemorySize = 3000: an integer number of MB in 2048..=32768"
            ),
        "{e}"
    );
}

/// Runs `validate FILE --set ARG` and returns its error (exit 2 checked).
fn set_error(file: &str, arg: &str) -> String {
    error_of(&run(&["validate", file, "--set", arg]))
}

#[test]
fn bad_sets_exit_2_and_say_what_to_fix() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "two.toml", TWO);

    // No `=`.
    let e = set_error(&f, "functions[0].MemorySize");
    assert!(
        e.contains("--set functions[0].MemorySize: missing `=`; expected --set KEY=VALUE"),
        "{e}"
    );

    // An index past the array.
    let e = set_error(&f, "functions[2].MemorySize=4096");
    assert!(
        e.contains(
            "--set functions[2].MemorySize=4096: "
        ) && e.contains(
            "two.toml: unknown key path `functions[2].MemorySize`: `functions[2]` does not exist (`functions` has 2 element(s), indices 0..2)"
        ),
        "{e}"
    );

    // No function of that name: the names are listed.
    let e = set_error(&f, "functions[checkout].MemorySize=4096");
    assert!(
        e.contains(
            "`functions[checkout]` does not exist (no element of `functions` has name = \"checkout\"; the names are \"checkout-api\", \"worker\")"
        ),
        "{e}"
    );

    // A malformed key path.
    let e = set_error(&f, "functions[a b].MemorySize=4096");
    assert!(
        e.contains("--set functions[a b].MemorySize=4096: malformed key path")
            && e.contains("`a b` is neither an index nor a name"),
        "{e}"
    );

    // A VALUE that starts like TOML but is not.
    let e = set_error(
        &f,
        "capacity_provider.InstanceRequirements.AllowedInstanceTypes=[\"c7i.large\"",
    );
    assert!(
        e.contains("is not a TOML value")
            && e.contains("must be a TOML string, array or inline table"),
        "{e}"
    );

    // An empty VALUE.
    let e = set_error(&f, "horizon=");
    assert!(e.contains("--set horizon=: the value is empty"), "{e}");

    // A value out of range names the key path (by index), the value and the range.
    let e = set_error(
        &f,
        "functions[checkout-api].PerExecutionEnvironmentMaxConcurrency=0",
    );
    assert!(
        e.contains("--set functions[checkout-api].PerExecutionEnvironmentMaxConcurrency=0: ")
            && e.contains(
                "functions[0].PerExecutionEnvironmentMaxConcurrency = 0: an integer in 1..=1600"
            ),
        "{e}"
    );

    // A bare word where a number belongs: taken as a string, then refused.
    let e = set_error(&f, "functions[worker].traffic.rate=fast");
    assert!(
        e.contains("--set functions[worker].traffic.rate=fast: ")
            && e.contains("functions[1].traffic.rate = \"fast\": a rate in invocations per second"),
        "{e}"
    );
}

#[test]
fn an_unknown_key_gives_the_files_error_naming_the_set() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "two.toml", TWO);
    // The same key written in the file.
    let bad = write(
        d.path(),
        "bad.toml",
        &TWO.replacen(
            "MemorySize = 2048\n",
            "MemorySize = 2048\nMemorySiz = 4096\n",
            1,
        ),
    );
    let file_error = error_of(&run(&["validate", &bad]));
    let e = set_error(&f, "functions[checkout-api].MemorySiz=4096");
    assert!(
        e.starts_with(&format!(
            "error: --set functions[checkout-api].MemorySiz=4096: {f}: at `functions[0].MemorySiz`: "
        )),
        "{e}"
    );
    // The message itself (after the TOML snippet) is the file's.
    let last = |s: &str| s.trim_end().lines().last().unwrap_or("").to_string();
    assert!(last(&file_error).starts_with("unknown field `MemorySiz`, expected one of `name`"));
    let (_, message) = e
        .trim_end()
        .split_once("at `functions[0].MemorySiz`: ")
        .unwrap();
    assert_eq!(message, last(&file_error));

    // In a table lmi-sim reads itself (the traffic shape's keys).
    let e = set_error(&f, "functions[worker].traffic.rat=3");
    assert!(
        e.contains("--set functions[worker].traffic.rat=3: ")
            && e.contains(
                "functions[1].traffic.rat = 3: unknown key; allowed keys for shape = \"constant\""
            ),
        "{e}"
    );

    // A top-level table that does not exist.
    let e = set_error(&f, "modle.scaler_interval=60");
    assert!(
        e.contains("--set modle.scaler_interval=60: ") && e.contains("unknown field `modle`"),
        "{e}"
    );

    // The file's own error is reported as without --set (with its line).
    let e = error_of(&run(&["validate", &bad, "--set", "horizon=1h"]));
    assert_eq!(e, file_error);
}

#[test]
fn names_that_look_like_integers_are_quoted_and_ambiguous_names_refused() {
    let d = tempfile::tempdir().unwrap();
    let text = TWO.replace("name = \"worker\"", "name = \"007\"");
    let f = write(d.path(), "n.toml", &text);
    let o = run(&[
        "validate",
        &f,
        "--set",
        "functions[\"007\"].MemorySize=4096",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Unquoted digits are an index.
    let e = set_error(&f, "functions[007].MemorySize=4096");
    assert!(
        e.contains("`functions[7]` does not exist (`functions` has 2 element(s), indices 0..2)"),
        "{e}"
    );

    let dup = write(
        d.path(),
        "dup.toml",
        &TWO.replace("name = \"worker\"", "name = \"checkout-api\""),
    );
    let e = set_error(&dup, "functions[checkout-api].MemorySize=4096");
    assert!(
        e.contains(
            "`functions[checkout-api]` is ambiguous (`functions[0]`, `functions[1]` all have name = \"checkout-api\"; select one by index)"
        ),
        "{e}"
    );
}

/// A sweep over the worker's rate, its axis key given as `key`.
fn sweep_text(key: &str) -> String {
    let base: String = TWO
        .replace("[[functions]]", "[[base.functions]]")
        .replace("[functions.", "[base.functions.")
        .replace("[capacity_provider.", "[base.capacity_provider.")
        .replace("name = \"two\"", "[base]\nname = \"two\"")
        .replace(
            "horizon = \"20m\"",
            "horizon = \"10m\"\nreport_interval = \"5m\"",
        );
    format!(
        r#"
name = "s"
seed = 3
replications = 2
[[axes]]
key = "{key}"
values = [2.0, 40.0]
[[axes]]
key = "functions[0].PerExecutionEnvironmentMaxConcurrency"
values = [4, 16]
{base}"#
    )
}

fn sweep(file: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        file,
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--no-charts",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `results.csv` without its header line.
fn rows(out: &Path) -> String {
    let t = String::from_utf8(read(out.join("s/results.csv"))).unwrap();
    t.split_once('\n').unwrap().1.to_string()
}

#[test]
fn sweep_axes_and_sets_address_functions_by_name() {
    let d = tempfile::tempdir().unwrap();
    let by_index = write(d.path(), "i.toml", &sweep_text("functions[1].traffic.rate"));
    let by_name = write(
        d.path(),
        "n.toml",
        &sweep_text("functions[worker].traffic.rate"),
    );
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let o = sweep(&by_index, &a, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sweep(&by_name, &b, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (ra, rb) = (rows(&a), rows(&b));
    assert_eq!(ra.lines().count(), 4);
    assert_eq!(ra, rb, "the name-addressed axis gives the same results");
    let head = String::from_utf8(read(b.join("s/results.csv"))).unwrap();
    assert!(
        head.starts_with("point,functions[worker].traffic.rate,functions[0].PerExecutionEnvironmentMaxConcurrency,"),
        "{head}"
    );

    // --set on a sweep: the base is edited before the axes; the same results
    // as the sweep whose base says so.
    let edited = write(
        d.path(),
        "e.toml",
        &sweep_text("functions[1].traffic.rate").replacen(
            "MemorySize = 2048",
            "MemorySize = 4096",
            1,
        ),
    );
    let (c, e) = (d.path().join("c"), d.path().join("e"));
    let o = sweep(
        &by_name,
        &c,
        &["--set", "functions[checkout-api].MemorySize=4096"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sweep(&edited, &e, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&c), rows(&e));
    assert_ne!(rows(&c), rb, "4 GiB EEs cost more");
    let sc: serde_json::Value = serde_json::from_slice(&read(c.join("s/summary.json"))).unwrap();
    let sb: serde_json::Value = serde_json::from_slice(&read(b.join("s/summary.json"))).unwrap();
    assert_eq!(
        sc["overrides"],
        serde_json::json!(["functions[checkout-api].MemorySize=4096"])
    );
    assert!(sb["overrides"].is_null());
    assert_ne!(
        sc["fingerprint"], sb["fingerprint"],
        "the overrides are part of the fingerprint (resume and merge tell the sweeps apart)"
    );
}

#[test]
fn sweep_name_errors_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    let f = write(
        d.path(),
        "n.toml",
        &sweep_text("functions[wroker].traffic.rate"),
    );
    let e = error_of(&sweep(&f, &out, &["--dry-run"]));
    assert!(
        e.contains(
            "axes[0]: unknown key path `functions[wroker].traffic.rate`: `functions[wroker]` does not exist (no element of `functions` has name = \"wroker\"; the names are \"checkout-api\", \"worker\")"
        ),
        "{e}"
    );
    let f = write(
        d.path(),
        "ok.toml",
        &sweep_text("functions[worker].traffic.rate"),
    );
    let e = error_of(&sweep(
        &f,
        &out,
        &["--dry-run", "--set", "functions[api].MemorySize=4096"],
    ));
    assert!(
        e.contains("--set functions[api].MemorySize=4096: ")
            && e.contains(
                "`functions[api]` does not exist (no element of `functions` has name = \"api\""
            ),
        "{e}"
    );
    let e = error_of(&sweep(
        &f,
        &out,
        &["--dry-run", "--set", "functions[worker].MemorySize=1000"],
    ));
    assert!(
        e.contains("the base with the --set overrides is not a valid scenario: --set functions[worker].MemorySize=1000: ")
            && e.contains("functions[1].MemorySize = 1000"),
        "{e}"
    );
    let e = error_of(&sweep(&f, &out, &["--dry-run", "--set", "seed"]));
    assert!(e.contains("--set seed: missing `=`"), "{e}");
    let o = sweep(
        &f,
        &out,
        &["--dry-run", "--set", "functions[worker].MemorySize=4096"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn resume_tells_sweeps_with_other_overrides_apart() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "n.toml",
        &sweep_text("functions[worker].traffic.rate"),
    );
    let out = d.path().join("o");
    let o = sweep(&f, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&read(out.join("s/summary.json"))).unwrap();
    let fp = s["fingerprint"].as_str().unwrap().to_string();
    // The progress an interrupted run without --set left: no rows yet.
    let pdir = out.join("s.partial");
    std::fs::create_dir_all(&pdir).unwrap();
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
    let e = error_of(&sweep(
        &f,
        &out,
        &[
            "--resume",
            "--set",
            "functions[checkout-api].MemorySize=4096",
        ],
    ));
    assert!(
        e.contains("belongs to another sweep") && e.contains("its --set overrides"),
        "{e}"
    );
    // The same sweep (no --set) resumes it.
    let o = sweep(&f, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
}
