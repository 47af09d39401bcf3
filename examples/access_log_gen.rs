//! Writes the generated access-log samples of `data/samples/access-logs/`,
//! and large ALB logs for the memory and speed measurement. Not AWS data:
//! every line is made up from fixed per-minute counts and seeded draws.
//!
//! ```text
//! cargo run --release --example access_log_gen -- samples data/samples/access-logs
//! cargo run --release --example access_log_gen -- alb-big /tmp/alb-10m.log 10000000
//! ```
//!
//! `samples` writes `http-api.log` (an HTTP API's JSON access log with keys
//! named after the `$context` variables), `rest-api-export.log` (a REST API's
//! custom JSON format, as a CloudWatch Logs export to S3 writes it: each
//! message after its timestamp) and `alb-access.log.gz` (two load-balancer
//! nodes' 5-minute files for two target groups, concatenated as S3 delivers
//! them, one gzip member a file). Lines are written in completion order, as
//! the services write them. `alb-big PATH N` writes N ALB lines at 116
//! requests/s (a day per 10⁷ lines) to PATH and PATH.gz.

use flate2::Compression;
use flate2::write::GzEncoder;
use lmi_sim::dist::unit_f64;
use lmi_sim::rng::{SimRng, stream};
use lmi_sim::trace::rfc3339::format_us;
use std::io::{BufWriter, Write};
use std::path::Path;

const SEED: u64 = 20251201;
/// 2025-12-01T10:00:00Z [µs since the epoch].
const T0: i64 = 1_764_583_200_000_000;
const MIN: i64 = 60_000_000;

fn u(r: &mut SimRng) -> f64 {
    unit_f64(r)
}

/// A lognormal draw with this median and log-σ.
fn lognormal(r: &mut SimRng, median: f64, sigma: f64) -> f64 {
    let z = (-2.0 * (1.0 - u(r)).ln()).sqrt() * (2.0 * std::f64::consts::PI * u(r)).cos();
    median * (sigma * z).exp()
}

fn pick<'a>(r: &mut SimRng, v: &[&'a str]) -> &'a str {
    v[(u(r) * v.len() as f64) as usize % v.len()]
}

fn hex(r: &mut SimRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit((u(r) * 16.0) as u32 % 16, 16).unwrap())
        .collect()
}

/// `2025-12-01T10:00:00.123456Z` (`digits` fraction digits).
fn iso(us: i64, digits: u32) -> String {
    let s = format_us(us.div_euclid(1_000_000) * 1_000_000);
    let frac = us.rem_euclid(1_000_000) / 10i64.pow(6 - digits);
    format!("{}.{frac:0w$}Z", &s[..s.len() - 1], w = digits as usize)
}

/// `01/Dec/2025:10:00:00 +0000`.
fn clf(us: i64) -> String {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = format_us(us.div_euclid(1_000_000) * 1_000_000);
    let month: usize = s[5..7].parse().unwrap();
    format!(
        "{}/{}/{}:{} +0000",
        &s[8..10],
        M[month - 1],
        &s[0..4],
        &s[11..19]
    )
}

/// Sorted arrival times: `counts[m]` uniform in minute m.
fn arrivals(r: &mut SimRng, counts: &[u32]) -> Vec<i64> {
    let mut v = Vec::new();
    for (m, &n) in counts.iter().enumerate() {
        let mut a: Vec<i64> = (0..n)
            .map(|_| T0 + m as i64 * MIN + (u(r) * MIN as f64) as i64)
            .collect();
        a.sort();
        v.extend(a);
    }
    v
}

/// Request `i` of `n` is special (throttled, failed) when `i` is in `set`.
fn spread_set(n: usize, k: usize, r: &mut SimRng) -> Vec<usize> {
    let mut s: Vec<usize> = Vec::new();
    while s.len() < k {
        let i = (u(r) * n as f64) as usize % n;
        if !s.contains(&i) {
            s.push(i);
        }
    }
    s
}

fn write_lines(path: &Path, mut lines: Vec<(i64, String)>) {
    lines.sort_by_key(|l| l.0);
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    for (_, l) in lines {
        writeln!(w, "{l}").unwrap();
    }
}

const IPS: [&str; 6] = [
    "203.0.113.17",
    "203.0.113.42",
    "198.51.100.7",
    "198.51.100.250",
    "192.0.2.33",
    "192.0.2.91",
];

/// The HTTP API sample: 10 minutes, 1,980 requests.
fn http_api(dir: &Path) {
    let r = &mut stream(SEED, "http-api", 0);
    let counts = [120, 150, 180, 240, 300, 300, 240, 180, 150, 120];
    let at = arrivals(r, &counts);
    let n = at.len();
    let throttled = spread_set(n, 30, r);
    let failed = spread_set(n, 9, r);
    let mut lines = Vec::new();
    for (i, &a) in at.iter().enumerate() {
        let ip = pick(r, &IPS);
        let route = pick(r, &["POST /orders", "GET /orders/{id}", "GET /health"]);
        let (status, integ, resp) = if throttled.contains(&i) {
            (429, None, 1 + (u(r) * 3.0) as u64)
        } else if failed.contains(&i) {
            // Two integration timeouts (30 s), the rest function errors.
            if failed.iter().position(|&f| f == i).unwrap() < 2 {
                (504, Some(30_000), 30_004)
            } else {
                let l = 8 + (u(r) * 20.0) as u64;
                (502, Some(l), l + 3)
            }
        } else {
            let l = lognormal(r, 85.0, 0.5).round().clamp(3.0, 2_900.0) as u64;
            (200, Some(l), l + 2 + (u(r) * 10.0) as u64)
        };
        let done = a + resp as i64 * 1000;
        let integ = integ.map_or("-".to_string(), |l| l.to_string());
        lines.push((
            done,
            format!(
                r#"{{"requestId":"{}=","ip":"{ip}","requestTime":"{}","requestTimeEpoch":"{}","httpMethod":"{}","routeKey":"{route}","status":"{status}","protocol":"HTTP/1.1","responseLength":"{}","integrationLatency":"{integ}","responseLatency":"{resp}"}}"#,
                hex(r, 14),
                clf(a),
                a / 1000,
                &route[..route.find(' ').unwrap()],
                100 + (u(r) * 900.0) as u32
            ),
        ));
    }
    write_lines(&dir.join("http-api.log"), lines);
}

/// The REST API sample (custom format, CloudWatch Logs export): 5 minutes,
/// 420 requests.
fn rest_api(dir: &Path) {
    let r = &mut stream(SEED, "rest-api", 0);
    let counts = [60, 90, 120, 90, 60];
    let at = arrivals(r, &counts);
    let n = at.len();
    let throttled = spread_set(n, 12, r);
    let failed = spread_set(n, 4, r);
    let mut lines = Vec::new();
    for (i, &a) in at.iter().enumerate() {
        let (code, lat, total) = if throttled.contains(&i) {
            (429, None, 2)
        } else if failed.contains(&i) {
            let l = 40 + (u(r) * 100.0) as u64;
            (500, Some(l), l + 6)
        } else {
            let l = lognormal(r, 140.0, 0.6).round().clamp(5.0, 28_000.0) as u64;
            (200, Some(l), l + 5 + (u(r) * 15.0) as u64)
        };
        let done = a + total as i64 * 1000;
        let lat = lat.map_or("-".to_string(), |l| l.to_string());
        let route = pick(r, &["/checkout", "/cart/{id}"]);
        lines.push((
            done,
            format!(
                r#"{} {{"rid":"{}-{}-{}","t":"{}","when":"{}","verb":"POST","route":"{route}","code":{code},"lat_ms":"{lat}","total_ms":{total},"src":"{}"}}"#,
                iso(done + 150_000, 3),
                hex(r, 8),
                hex(r, 4),
                hex(r, 12),
                a / 1000,
                clf(a),
                pick(r, &IPS)
            ),
        ));
    }
    write_lines(&dir.join("rest-api-export.log"), lines);
}

const CHECKOUT: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/checkout-fn/73e2d6bc24d8a067";
const STATIC: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-web/9f1c0a2b3d4e5f60";

/// One ALB line; returns (response time, line).
fn alb_line(r: &mut SimRng, a: i64, lambda: bool, kind: u8) -> (i64, String) {
    let rpt = 0.001;
    let (tpt, rspt, elb, target, reason) = match kind {
        // Throttled by the function (429 passed through).
        1 => (0.004, 0.0, 429, "429", "-"),
        // The function failed (500).
        2 => (0.05 + u(r) * 0.3, 0.0, 500, "500", "-"),
        // No response from the target.
        3 => (-1.0, -1.0, 502, "-", "LambdaConnectionError"),
        _ => {
            let t = if lambda {
                lognormal(r, 0.12, 0.55).clamp(0.005, 25.0)
            } else {
                lognormal(r, 0.008, 0.4).clamp(0.001, 2.0)
            };
            (t, 0.0, 200, "200", "-")
        }
    };
    let tpt = if tpt < 0.0 {
        -1.0
    } else {
        (tpt * 1e3).round() / 1e3
    };
    let done = a + if tpt < 0.0 {
        (u(r) * 5e6) as i64
    } else {
        ((rpt + tpt + rspt) * 1e6) as i64
    };
    let (tg, target_port, req, host) = if lambda {
        (
            CHECKOUT,
            "-".to_string(),
            "POST https://shop.example.com:443/api/checkout HTTP/1.1",
            "shop.example.com",
        )
    } else {
        (
            STATIC,
            format!(
                "10.0.{}.{}:8080",
                1 + (u(r) * 3.0) as u32,
                10 + (u(r) * 40.0) as u32
            ),
            "GET https://shop.example.com:443/static/app.js HTTP/2.0",
            "shop.example.com",
        )
    };
    let fmt_t = |x: f64| {
        if x < 0.0 {
            "-1".to_string()
        } else {
            format!("{x:.3}")
        }
    };
    let tlist = if target_port == "-" {
        "-".to_string()
    } else {
        target_port.clone()
    };
    let line = format!(
        r#"h2 {} app/shop-alb/50dc6c495c0c9188 {}:{} {target_port} {} {} {} {elb} {target} {} {} "{req}" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36" TLS_AES_128_GCM_SHA256 TLSv1.3 {tg} "Root=1-{}-{}" "{host}" "arn:aws:acm:us-east-1:123456789012:certificate/0f6e1d2c-3b4a-4958-8677-a1b2c3d4e5f6" {} {} "forward" "-" "{reason}" "{tlist}" "{target}" "-" "-" TID_{}"#,
        iso(done, 6),
        pick(r, &IPS),
        1024 + (u(r) * 60000.0) as u32,
        fmt_t(rpt),
        fmt_t(tpt),
        fmt_t(rspt),
        200 + (u(r) * 800.0) as u32,
        300 + (u(r) * 4000.0) as u32,
        hex(r, 8),
        hex(r, 24),
        if lambda { 10 } else { 20 },
        iso(a, 6),
        hex(r, 32),
    );
    (done, line)
}

/// The ALB sample: two nodes' 5-minute files, two target groups, gzip.
fn alb(dir: &Path) {
    let r = &mut stream(SEED, "alb", 0);
    let checkout = [100, 110, 130, 150, 170, 180, 160, 140, 120, 100];
    let web = [50; 10];
    let ca = arrivals(r, &checkout);
    let wa = arrivals(r, &web);
    let n = ca.len();
    let throttled = spread_set(n, 10, r);
    let failed = spread_set(n, 8, r);
    let silent = spread_set(n, 6, r);
    // (file window, node) → lines.
    let mut files: Vec<Vec<(i64, String)>> = vec![Vec::new(); 3 * 2];
    let mut put = |r: &mut SimRng, done: i64, line: String| {
        let window = ((done - T0) / (5 * MIN)).clamp(0, 2) as usize;
        let node = (u(r) * 2.0) as usize % 2;
        files[window * 2 + node].push((done, line));
    };
    for (i, &a) in ca.iter().enumerate() {
        let kind = if throttled.contains(&i) {
            1
        } else if failed.contains(&i) {
            2
        } else if silent.contains(&i) {
            3
        } else {
            0
        };
        let (done, line) = alb_line(r, a, true, kind);
        put(r, done, line);
    }
    for &a in &wa {
        let (done, line) = alb_line(r, a, false, 0);
        put(r, done, line);
    }
    let mut out = std::fs::File::create(dir.join("alb-access.log.gz")).unwrap();
    for mut f in files {
        if f.is_empty() {
            continue;
        }
        f.sort_by_key(|l| l.0);
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        for (_, l) in f {
            writeln!(gz, "{l}").unwrap();
        }
        out.write_all(&gz.finish().unwrap()).unwrap();
    }
}

/// `n` ALB lines at 116/s, in order of response time, to `path` and `path.gz`.
fn alb_big(path: &Path, n: u64) {
    let r = &mut stream(SEED, "alb-big", 0);
    let mut plain = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let gz_path = format!("{}.gz", path.display());
    let mut gz = GzEncoder::new(
        BufWriter::with_capacity(1 << 20, std::fs::File::create(&gz_path).unwrap()),
        Compression::fast(),
    );
    // Arrivals every 1/116 s on average; lines written in arrival order
    // (responses in the same few ms reorder within the window).
    let mut a = T0;
    for i in 0..n {
        a += (-(1.0 - u(r)).ln() * 1e6 / 116.0) as i64;
        let kind = match i % 1000 {
            0 => 1,
            1 => 2,
            2 => 3,
            _ => 0,
        };
        let (_, line) = alb_line(r, a, i % 3 != 0, kind);
        writeln!(plain, "{line}").unwrap();
        writeln!(gz, "{line}").unwrap();
    }
    plain.flush().unwrap();
    gz.finish().unwrap().flush().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["samples", dir] => {
            let d = Path::new(dir);
            std::fs::create_dir_all(d).unwrap();
            http_api(d);
            rest_api(d);
            alb(d);
        }
        ["alb-big", path, n] => alb_big(Path::new(path), n.parse().unwrap()),
        _ => {
            eprintln!("usage: access_log_gen samples DIR | alb-big PATH LINES");
            std::process::exit(2);
        }
    }
}
