//! `summary.md` and `report.html` on real runs and sweeps: the markdown's
//! tables hold the numbers of `summary.json` (and of `results.csv` for a
//! sweep), the page embeds every chart file of the directory byte for byte
//! and the scenario text, needs no network, and renders in headless Chromium
//! to a page that is not blank (skipped, saying so, without Chromium).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("start lmi-sim")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Two functions, a spike: LMI throttles (CPU and concurrency), default
/// Lambda throttles on its reserved concurrency, and every chart set exists.
const SCENARIO: &str = r#"
name = "report-test"
description = "Two functions with a spike; throttles on both platforms"
seed = 11
horizon = "30m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[capacity_provider.CapacityProviderScalingConfig]
MaxVCpuCount = 24
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
PerExecutionEnvironmentMaxConcurrency = 8
[functions.work]
cpu = "20ms"
io = "50ms"
[functions.traffic]
shape = "spike"
base = 30.0
peak = 400.0
start = "10m"
rise = "1m"
hold = "5m"
decay = "5m"
[functions.default_lambda]
ReservedConcurrentExecutions = 10
[[functions]]
name = "worker"
Runtime = "nodejs22.x"
MemorySize = 2048
[functions.work]
cpu = "5ms"
io = "100ms"
[functions.traffic]
shape = "constant"
rate = 10
"#;

/// Runs `SCENARIO` (with `extra` arguments) into a new temporary directory.
fn run_scenario(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("report-test.toml");
    std::fs::write(&f, SCENARIO).unwrap();
    let out = d.path().join("out");
    let mut args = vec![
        "run",
        f.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&run(&args));
    let dir = out.join("report-test");
    (d, dir)
}

fn json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The markdown tables by `###` title: rows of cells (header and rule left out).
fn md_tables(md: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut out = BTreeMap::new();
    let mut title = None::<String>;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut seen_rule = false;
    for line in md.lines().chain(std::iter::once("### end")) {
        if let Some(t) = line.strip_prefix("### ") {
            if let Some(t) = title.take() {
                out.insert(t, std::mem::take(&mut rows));
            }
            title = Some(t.trim().to_string());
            seen_rule = false;
        } else if line.starts_with('|') && title.is_some() {
            if line.starts_with("|:") || line.starts_with("|-") {
                seen_rule = true;
                continue;
            }
            if !seen_rule {
                continue; // the header
            }
            let cells: Vec<String> = line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('*').to_string())
                .collect();
            rows.push(cells);
        }
    }
    out
}

/// The row labelled `label` in `table`.
fn row<'a>(t: &'a BTreeMap<String, Vec<Vec<String>>>, table: &str, label: &str) -> &'a [String] {
    let rows = t
        .get(table)
        .unwrap_or_else(|| panic!("no table `{table}` in {:?}", t.keys()));
    rows.iter()
        .find(|r| r[0] == label)
        .unwrap_or_else(|| panic!("no row `{label}` in `{table}`: {rows:?}"))
}

/// A cell's number in the unit `summary.json` uses: $, %, ms (s → ms),
/// thousands separators removed.
fn number(cell: &str) -> f64 {
    let c = cell.replace([',', '$'], "");
    let (c, scale) = if let Some(x) = c.strip_suffix(" ms") {
        (x.to_string(), 1.0)
    } else if let Some(x) = c.strip_suffix(" s") {
        (x.to_string(), 1000.0)
    } else if let Some(x) = c.strip_suffix('%') {
        (x.to_string(), 0.01)
    } else {
        (c, 1.0)
    };
    c.trim()
        .parse::<f64>()
        .unwrap_or_else(|e| panic!("cell `{cell}`: {e}"))
        * scale
}

/// The rounding a cell was shown with: half its last digit.
fn half_ulp(cell: &str) -> f64 {
    let c = cell.replace([',', '$'], "");
    let digits = c
        .split('.')
        .nth(1)
        .map_or(0, |f| f.chars().take_while(char::is_ascii_digit).count());
    let scale = if cell.ends_with('%') {
        0.01
    } else if cell.ends_with(" s") && !cell.ends_with(" ms") {
        1000.0
    } else {
        1.0
    };
    0.5 * 10f64.powi(-(digits as i32)) * scale * 1.000001
}

fn assert_cell(cell: &str, want: f64, what: &str) {
    let got = number(cell);
    assert!(
        (got - want).abs() <= half_ulp(cell),
        "{what}: the markdown shows `{cell}` ({got}), summary.json has {want}"
    );
}

#[test]
fn markdown_tables_hold_the_numbers_of_summary_json() {
    let (_d, dir) = run_scenario(&[]);
    let s = json(&dir);
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    let t = md_tables(&md);
    // Columns: label, LMI, default Lambda.
    for (col, p) in [(1, "lmi"), (2, "default")] {
        let f = &s[p];
        let check = |table: &str, label: &str, v: &Value| {
            let r = row(&t, table, label);
            assert_cell(
                &r[col],
                v.as_f64().unwrap(),
                &format!("{p} {table}/{label}"),
            );
        };
        check("Requests", "invocations", &f["invocations"]);
        check("Requests", "served", &f["served"]);
        check("Requests", "throttled", &f["throttled"]);
        check("Requests", "throttle rate", &f["throttle_rate"]);
        check("Requests", "cold starts", &f["cold_starts"]);
        check("Requests", "peak concurrency", &f["peak_concurrency"]);
        for (q, k) in [
            ("p50", "p50_ms"),
            ("p90", "p90_ms"),
            ("p99", "p99_ms"),
            ("max", "max_ms"),
        ] {
            check("Latency", q, &f["latency"][k]);
        }
        check("Cost", "requests", &f["cost"]["requests_usd"]);
        check("Cost", "total for the horizon", &f["cost"]["total_usd"]);
        check("Cost", "per 730-hour month", &f["cost"]["monthly_usd"]);
        // Every reason that throttled has its row, with its count.
        let mut listed = 0;
        for (reason, n) in f["throttles"].as_object().unwrap() {
            let n = n.as_u64().unwrap();
            if n > 0 {
                check("Requests", &format!("↳ {reason}"), &Value::from(n));
                listed += 1;
            }
        }
        assert!(listed > 0, "{p}: the scenario should throttle");
    }
    let l = &s["lmi"];
    assert_cell(
        &row(&t, "Cost", "EC2")[1],
        l["cost"]["ec2_usd"].as_f64().unwrap(),
        "EC2",
    );
    assert_cell(
        &row(&t, "Cost", "management fee")[1],
        l["cost"]["management_fee_usd"].as_f64().unwrap(),
        "fee",
    );
    assert_cell(
        &row(&t, "Cost", "duration (GB-s)")[2],
        s["default"]["cost"]["duration_usd"].as_f64().unwrap(),
        "duration",
    );
    let fleet = row(&t, "LMI fleet", "instances, peak / mean");
    assert_eq!(
        fleet[1],
        format!(
            "{} / {:.1}",
            l["fleet"]["peak_instances"],
            l["fleet"]["mean_instances"].as_f64().unwrap()
        )
    );
    assert_cell(
        &row(&t, "LMI fleet", "vCPUs, peak")[1],
        l["fleet"]["peak_vcpus"].as_f64().unwrap(),
        "peak vCPUs",
    );
    // One row per function in the instance-type table, with its type.
    let types = &t["LMI instance types"];
    let choices = l["fleet"]["instance_choices"].as_array().unwrap();
    assert_eq!(types.len(), choices.len());
    for (r, c) in types.iter().zip(choices) {
        assert_eq!(r[0], c["function"].as_str().unwrap());
        assert_eq!(r[1], c["instance_type"].as_str().unwrap());
    }
    // The verdict and every warning.
    let withheld = s["comparison"]["withheld"].as_str().unwrap();
    let verdict = format!(
        "**No cost verdict: {withheld}. Per month, not comparable: LMI {}, default Lambda {}.**",
        lmi_sim::report::fmt_usd(s["lmi"]["cost"]["monthly_usd"].as_f64().unwrap()),
        lmi_sim::report::fmt_usd(s["default"]["cost"]["monthly_usd"].as_f64().unwrap())
    );
    assert!(md.contains(&verdict), "verdict missing: {verdict}\n{md}");
    let warnings = s["warnings"].as_array().unwrap();
    assert!(md.contains(&format!("### Warnings ({})", warnings.len())));
    for w in warnings {
        let line = format!(
            "- `{}`: {}",
            w["code"].as_str().unwrap(),
            w["message"].as_str().unwrap()
        );
        assert!(md.contains(&line), "warning line missing: {line}");
    }
    println!("summary.md of report-test (seed 11):\n{md}");
}

/// Base64 decoding (RFC 4648), written here so the test does not trust
/// lmi-sim's encoder.
fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {}", c as char),
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for &c in chunk {
            n = n << 6 | if c == b'=' { 0 } else { val(c) };
        }
        let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&b[..3 - pad]);
    }
    out
}

/// The images of a page: (alt text, decoded bytes).
fn embedded_images(html: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for part in html.split("<img ").skip(1) {
        let alt = part
            .split("alt=\"")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .unwrap()
            .to_string();
        let data = part
            .split("src=\"data:image/png;base64,")
            .nth(1)
            .and_then(|x| x.split('"').next())
            .unwrap_or_else(|| panic!("{alt}: not a data URI"));
        out.push((alt, unbase64(data)));
    }
    out
}

fn pngs_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// No resource from elsewhere: no script, stylesheet link, frame, or
/// `src`/`href` that is not a data URI or an anchor on the page.
fn assert_self_contained(html: &str) {
    for bad in ["<script", "<link", "<iframe", "@import", "url("] {
        assert!(!html.contains(bad), "report.html holds `{bad}`");
    }
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            assert!(
                part.starts_with("data:") || part.starts_with('#'),
                "external {attr}…: {}",
                &part[..part.len().min(60)]
            );
        }
    }
}

#[test]
fn html_embeds_every_chart_and_the_scenario_and_needs_no_network() {
    let (_d, dir) = run_scenario(&[]);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let files = pngs_in(&dir);
    // Provider set and one set per function: 4 charts each.
    assert_eq!(files.len(), 12, "{:?}", files.keys());
    let imgs = embedded_images(&html);
    assert_eq!(imgs.len(), files.len());
    for (alt, bytes) in &imgs {
        assert_eq!(
            Some(bytes),
            files.get(alt),
            "{alt}: the embedded image is not the chart file"
        );
    }
    assert_self_contained(&html);
    // The scenario as written, escaped.
    for line in SCENARIO.lines().filter(|l| !l.is_empty()) {
        let esc = line.replace('&', "&amp;").replace('"', "&quot;");
        assert!(html.contains(&esc), "scenario line missing: {line}");
    }
    assert!(html.contains("report-test.toml"));
    // The same figures as the markdown: the monthly costs and the warnings.
    let s = json(&dir);
    for p in ["lmi", "default"] {
        let m = lmi_sim::report::fmt_usd(s[p]["cost"]["monthly_usd"].as_f64().unwrap());
        assert!(
            html.contains(&format!("<td class=\"num\">{m}</td>")),
            "{p} {m}"
        );
    }
    for w in s["warnings"].as_array().unwrap() {
        assert!(html.contains(&format!("<code>{}</code>", w["code"].as_str().unwrap())));
    }
}

#[test]
fn no_report_and_no_charts() {
    let (_d, dir) = run_scenario(&["--no-report"]);
    assert!(!dir.join("summary.md").exists() && !dir.join("report.html").exists());
    let marker = std::fs::read_to_string(dir.join(".lmi-sim")).unwrap();
    assert!(!marker.contains("report.html"));
    let (_d2, dir) = run_scenario(&["--no-charts"]);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<img"));
    assert!(html.contains("No charts: the run had --no-charts."));
    // Both reports are listed in the marker: lmi-sim replaces them next time.
    let marker = std::fs::read_to_string(dir.join(".lmi-sim")).unwrap();
    assert!(marker.contains("summary.md") && marker.contains("report.html"));
}

const SWEEP: &str = r#"
name = "report-sweep"
description = "Concurrency and rate"
base = "report-test.toml"
[overrides]
horizon = "15m"
[[axes]]
key = "functions[0].PerExecutionEnvironmentMaxConcurrency"
values = [4, 16]
[[axes]]
key = "functions[0].traffic.peak"
values = [100.0, 400.0]
[goal]
platform = "lmi"
max_throttle_rate = 0.05
"#;

#[test]
fn sweep_reports_list_every_point_of_results_csv() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("report-test.toml"), SCENARIO).unwrap();
    let f = d.path().join("sweep.toml");
    std::fs::write(&f, SWEEP).unwrap();
    let out = d.path().join("out");
    ok(&run(&[
        "sweep",
        f.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]));
    let dir = out.join("report-sweep");
    let md = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    let t = md_tables(&md);
    let rows = &t["All 4 points"];
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let summary = json(&dir);
    let pick = summary["goal"]["pick"]["point"].as_u64();
    for (r, line) in rows.iter().zip(lines) {
        let c: Vec<&str> = line.split(',').collect();
        assert_eq!(r[0], c[0], "point");
        // point, mark, 2 axes, then LMI $/month, throttle rate, p99, peak instances.
        assert_eq!((r[2].as_str(), r[3].as_str()), (c[1], c[2]));
        assert_cell(
            &r[4],
            c[col("lmi_monthly_usd_mean")].parse().unwrap(),
            "LMI $/month",
        );
        assert_cell(
            &r[5],
            c[col("lmi_throttle_rate_mean")].parse().unwrap(),
            "LMI throttle rate",
        );
        assert_cell(&r[6], c[col("lmi_p99_ms_mean")].parse().unwrap(), "LMI p99");
        assert_cell(
            &r[8],
            c[col("default_monthly_usd_mean")].parse().unwrap(),
            "default $/month",
        );
        let is_pick = pick == Some(c[0].parse().unwrap());
        assert_eq!(r[1] == "★ pick", is_pick, "pick mark of point {}", c[0]);
    }
    assert_eq!(rows.len(), 4);
    let p = pick.expect("a point meets the goal");
    assert!(md.contains(&format!("): point {p} — ")), "{md}");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let files = pngs_in(&dir);
    assert_eq!(files.len(), 3, "{:?}", files.keys());
    let imgs = embedded_images(&html);
    assert_eq!(imgs.len(), 3);
    for (alt, bytes) in &imgs {
        assert_eq!(Some(bytes), files.get(alt), "{alt}");
    }
    assert_self_contained(&html);
}

/// The Chromium binary, if installed (`LMI_SIM_CHROMIUM` or `chromium`).
fn chromium() -> Option<String> {
    let name = std::env::var("LMI_SIM_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    found.then_some(name)
}

#[test]
fn report_renders_in_headless_chromium_and_is_not_blank() {
    let Some(browser) = chromium() else {
        let msg = "SKIPPED report_renders_in_headless_chromium_and_is_not_blank: chromium not found (apt-get install -y chromium, or set LMI_SIM_CHROMIUM); .ci/run installs it";
        println!("{msg}");
        eprintln!("{msg}");
        return;
    };
    let (d, dir) = run_scenario(&[]);
    let png = d.path().join("shot.png");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/render-report");
    let o = Command::new(&script)
        .arg(&dir)
        .arg(&png)
        .env("CHROMIUM", &browser)
        .env("WIDTH", "1000")
        .env("HEIGHT", "1400")
        .output()
        .unwrap();
    let say = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "render-report failed: {say}");
    println!("{say}");
    // Decoded again here: the window's size, light background, dark text.
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1000, 1400));
    let ch = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    let (mut light, mut dark, n) = (0usize, 0usize, px.len() / ch);
    for p in px.chunks(ch) {
        let lum = (299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000;
        if lum > 200 {
            light += 1;
        } else if lum < 90 {
            dark += 1;
        }
    }
    assert!(
        light * 2 > n && dark * 500 > n,
        "light {light}, dark {dark} of {n}"
    );
    // The blank check fails on a blank page.
    let blank = d.path().join("blank");
    std::fs::create_dir_all(&blank).unwrap();
    std::fs::write(
        blank.join("report.html"),
        "<!DOCTYPE html><html><body></body></html>",
    )
    .unwrap();
    let o = Command::new(&script)
        .arg(&blank)
        .arg(d.path().join("blank.png"))
        .env("CHROMIUM", &browser)
        .env("WIDTH", "400")
        .env("HEIGHT", "300")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "a blank page must fail the check");
}

#[test]
fn merged_shards_write_the_reports_of_one_machine() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("report-test.toml"), SCENARIO).unwrap();
    let f = d.path().join("sweep.toml");
    std::fs::write(&f, SWEEP).unwrap();
    let f = f.to_str().unwrap();
    let one = d.path().join("one");
    ok(&run(&["sweep", f, "-q", "--out", one.to_str().unwrap()]));
    let sh = d.path().join("shards");
    for k in 0..2 {
        let shard = format!("{k}/2");
        ok(&run(&[
            "sweep",
            f,
            "-q",
            "--shard",
            &shard,
            "--out",
            sh.to_str().unwrap(),
        ]));
    }
    let merged = d.path().join("merged");
    let s0 = sh.join("report-sweep/shard-0-of-2");
    let s1 = sh.join("report-sweep/shard-1-of-2");
    // A shard's own report covers its points only.
    let md0 = std::fs::read_to_string(s0.join("summary.md")).unwrap();
    assert!(md0.contains("shard 0/2 (2 points)"), "{md0}");
    ok(&run(&[
        "sweep-merge",
        "-q",
        "--out",
        merged.to_str().unwrap(),
        s1.to_str().unwrap(),
        s0.to_str().unwrap(),
    ]));
    for name in ["summary.md", "report.html"] {
        assert!(
            std::fs::read(one.join("report-sweep").join(name)).unwrap()
                == std::fs::read(merged.join("report-sweep").join(name)).unwrap(),
            "{name}: the merge differs from one machine's"
        );
    }
}
