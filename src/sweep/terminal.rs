//! The lines printed after a sweep or a merge. Formats an `Outcome` only; must
//! not print, run points or compute figures.

use super::Outcome;

fn money(x: Option<f64>) -> String {
    x.map(|v| format!("${v:.2}")).unwrap_or_else(|| "-".into())
}

/// A count like 12.3 M.
pub fn fmt_volume(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} billion", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The lines printed after a sweep or merge.
pub fn terminal(o: &Outcome) -> String {
    let s = &o.summary;
    let mut out = String::new();
    let what = match &s.shard {
        Some(sh) => format!(
            "shard {}/{}: {} of {} points",
            sh.index, sh.count, o.points, s.points
        ),
        None => format!("{} points", o.points),
    };
    out.push_str(&format!(
        "sweep `{}`: {what} × {} replication{}\n",
        s.sweep,
        s.replications,
        if s.replications == 1 { "" } else { "s" }
    ));
    if !s.overrides.is_empty() {
        let sets: Vec<String> = s.overrides.iter().map(|o| format!("--set {o}")).collect();
        out.push_str(&format!("  with {}\n", sets.join(" ")));
    }
    if let Some(c) = &s.crossover {
        out.push_str(&format!(
            "  crossover: LMI and default Lambda cost the same at ≈ {} invocations/month (≈ ${:.2}/month), between points {} and {}; {} is cheaper above{}\n",
            fmt_volume(c.monthly_invocations),
            c.monthly_usd,
            c.between_points[0],
            c.between_points[1],
            if c.cheaper_above == "lmi" { "LMI" } else { "default Lambda" },
            if c.crossings > 1 {
                format!(" ({} crossings; this is the first)", c.crossings)
            } else {
                String::new()
            }
        ));
    } else if s.platforms == "both" && s.shard.is_none() {
        out.push_str(
            "  crossover: none in the swept range (one platform is cheaper at every point)\n",
        );
    }
    if let Some(g) = &s.goal {
        match &g.pick {
            Some(p) => {
                let vals: Vec<String> = p
                    .values
                    .iter()
                    .map(|kv| format!("{} = {}", kv.key, kv.value))
                    .collect();
                out.push_str(&format!(
                    "  goal ({}): point {} — {} — {}/month, throttle rate {}, p99 {}\n",
                    g.spec.describe(),
                    p.point,
                    if vals.is_empty() {
                        "no axes".into()
                    } else {
                        vals.join(", ")
                    },
                    money(p.monthly_usd),
                    p.throttle_rate
                        .map(|t| format!("{:.4}%", t * 100.0))
                        .unwrap_or("-".into()),
                    p.p99_ms.map(|t| format!("{t:.0} ms")).unwrap_or("-".into()),
                ));
            }
            None => out.push_str(&format!(
                "  goal ({}): no point meets it\n",
                g.spec.describe()
            )),
        }
    }
    out.push_str(&format!(
        "  outputs: {}/ ({})\n",
        o.dir.display(),
        o.files.join(", ")
    ));
    out
}
