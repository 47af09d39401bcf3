//! Golden bytes: every bundled run scenario (cut to at most two simulated
//! hours) and the cases in `tests/golden/`, on both platforms, on one thread and
//! on two, must write exactly the output bytes recorded in
//! `tests/golden/golden.txt` (a SHA-256 per file, and for text files a short
//! hash per line so that a mismatch can name the first line that differs).
//!
//! Any change of an output byte is deliberate. Re-record with
//!
//!     LMI_SIM_BLESS=1 cargo test --test golden
//!
//! and say in the commit message which outputs changed and why. On a mismatch
//! the outputs of the failing run are kept under `target/golden-actual/`.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The longest simulated horizon a golden case runs [s].
const MAX_HORIZON_S: u64 = 2 * 3600;
const GOLDEN: &str = "tests/golden/golden.txt";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run scenarios: every `scenarios/*.toml` that is not a sweep, then `tests/golden/*.toml`.
fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["scenarios", "tests/golden"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter(|p| {
                let t: toml::Table = std::fs::read_to_string(p).unwrap().parse().unwrap();
                !t.contains_key("axes")
            })
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

/// The scenario text with its horizon cut to [`MAX_HORIZON_S`]. Relative
/// data paths (`"../data/…"`) stay as written: the copy runs from a
/// temporary directory beside a link to the repository's `data/` (see
/// [`run_case`]), so no output (`report.html` holds the scenario text)
/// depends on where the repository is checked out.
fn shortened(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let key = line.split('#').next().unwrap_or("").trim();
        if let Some(v) = key.strip_prefix("horizon") {
            let v = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            let h = lmi_sim::time::parse_duration(v).unwrap();
            if h.0 > MAX_HORIZON_S * 1_000_000 {
                writeln!(out, "horizon = \"{}s\"", MAX_HORIZON_S).unwrap();
                continue;
            }
        }
        writeln!(out, "{line}").unwrap();
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
}

/// A file's record: its SHA-256 and, for text files, 8 hex digits per line.
#[derive(Clone, Debug, PartialEq)]
struct Record {
    sha256: String,
    lines: Vec<String>,
}

fn record(name: &str, bytes: &[u8]) -> Record {
    let lines = if name.ends_with(".png") {
        Vec::new()
    } else {
        bytes
            .split(|&b| b == b'\n')
            .map(|l| sha256_hex(l)[..8].to_string())
            .collect()
    };
    Record {
        sha256: sha256_hex(bytes),
        lines,
    }
}

/// Runs one case on `threads` threads; returns its outputs by file name.
fn run_case(case: &str, text: &str, threads: usize, tmp: &Path) -> BTreeMap<String, Vec<u8>> {
    // `tmp/cases/CASE.toml` beside `tmp/data` → the repository's `data/`:
    // a scenario's "../data/…" resolves as it does from `scenarios/`.
    let cases = tmp.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    let data = tmp.join("data");
    if !data.exists() {
        std::os::unix::fs::symlink(repo().join("data"), &data).unwrap();
    }
    let file = cases.join(format!("{case}.toml"));
    std::fs::write(&file, text).unwrap();
    let out = tmp.join(format!("out-{threads}"));
    let o = Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(["run", file.to_str().unwrap(), "--quiet", "--threads"])
        .arg(threads.to_string())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("start lmi-sim");
    assert!(
        o.status.success(),
        "{case} on {threads} thread(s): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .expect("an output directory")
        .unwrap()
        .path();
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // The ownership marker lists file names, not results: not an output.
        if name == ".lmi-sim" {
            continue;
        }
        files.insert(name, std::fs::read(&p).unwrap());
    }
    files
}

fn parse_golden(text: &str) -> BTreeMap<String, Record> {
    let mut m = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let key = parts.next().unwrap().to_string();
        let sha256 = parts.next().unwrap().to_string();
        let lines = parts
            .next()
            .map(|l| l.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        m.insert(key, Record { sha256, lines });
    }
    m
}

fn write_golden(records: &BTreeMap<String, Record>) -> String {
    let mut s = String::from(
        "# Golden output hashes (tests/golden.rs): case/file, SHA-256, 8 hex digits of each line's SHA-256.\n\
         # Re-record with: LMI_SIM_BLESS=1 cargo test --test golden (say why in the commit message).\n",
    );
    for (k, r) in records {
        write!(s, "{k} {}", r.sha256).unwrap();
        if !r.lines.is_empty() {
            write!(s, " {}", r.lines.join(",")).unwrap();
        }
        s.push('\n');
    }
    s
}

/// Where two records of a text file part: "line N: <actual line>".
fn first_difference(want: &Record, bytes: &[u8], got: &Record) -> String {
    let n = want.lines.len().max(got.lines.len());
    for i in 0..n {
        if want.lines.get(i) != got.lines.get(i) {
            let actual = bytes
                .split(|&b| b == b'\n')
                .nth(i)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .unwrap_or_else(|| "(no such line: the file is shorter)".into());
            let shown: String = actual.chars().take(300).collect();
            return format!(
                "first differing line {} (of {} recorded, {} now): {shown}",
                i + 1,
                want.lines.len(),
                got.lines.len()
            );
        }
    }
    "the bytes differ but every line hash matches (line endings?)".into()
}

#[test]
fn outputs_match_the_golden_hashes() {
    let bless = std::env::var_os("LMI_SIM_BLESS").is_some();
    let golden_path = repo().join(GOLDEN);
    let golden = std::fs::read_to_string(&golden_path)
        .map(|t| parse_golden(&t))
        .unwrap_or_default();
    let actual_root = repo().join("target/golden-actual");
    let mut records = BTreeMap::new();
    let mut failures = Vec::new();
    for path in cases() {
        let case = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = shortened(&path);
        let tmp = tempfile::tempdir().unwrap();
        let one = run_case(&case, &text, 1, tmp.path());
        let two = run_case(&case, &text, 2, tmp.path());
        let names_one: Vec<&String> = one.keys().collect();
        let names_two: Vec<&String> = two.keys().collect();
        assert_eq!(
            names_one, names_two,
            "{case}: 1 and 2 threads wrote different files"
        );
        let mut case_failed = false;
        for (name, bytes) in &one {
            let key = format!("{case}/{name}");
            let got = record(name, bytes);
            if two[name] != *bytes {
                failures.push(format!("{key}: 2 threads wrote other bytes than 1 thread"));
                case_failed = true;
            }
            match golden.get(&key) {
                None if !bless => {
                    failures.push(format!("{key}: not in {GOLDEN} (a new output?)"));
                    case_failed = true;
                }
                Some(want) if !bless && *want != got => {
                    let why = if want.lines.is_empty() {
                        "binary file differs".to_string()
                    } else {
                        first_difference(want, bytes, &got)
                    };
                    failures.push(format!("{key}: {why}"));
                    case_failed = true;
                }
                _ => {}
            }
            records.insert(key, got);
        }
        if !bless {
            for k in golden.keys().filter(|k| k.starts_with(&format!("{case}/"))) {
                if !records.contains_key(k) {
                    failures.push(format!("{k}: recorded but no longer written"));
                    case_failed = true;
                }
            }
        }
        if case_failed {
            let dir = actual_root.join(&case);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, bytes) in &one {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
    }
    if bless {
        std::fs::write(&golden_path, write_golden(&records)).unwrap();
        eprintln!("golden: recorded {} files in {GOLDEN}", records.len());
        return;
    }
    for k in golden.keys() {
        let case = k.split('/').next().unwrap();
        if !records.keys().any(|r| r.starts_with(&format!("{case}/"))) {
            failures.push(format!("{k}: its case no longer exists"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatch(es) (outputs kept under {}; re-record with LMI_SIM_BLESS=1 cargo test --test golden):\n{}",
        failures.len(),
        actual_root.display(),
        failures.join("\n")
    );
}
