//! `sweep-merge`: joins shard output directories into the files one machine
//! would have written, checking that they are shards of one sweep and that no
//! point is missing or doubled. Reads and checks; must not run points.

use super::outputs::{Outcome, finish};
use super::{PointResult, SCHEMA, SweepError, SweepSummary, results};
use std::path::{Path, PathBuf};

/// Joins shard outputs (`shard-K-of-N` directories, or any sweep output
/// directories) into `<out>/<sweep>/`: the `results.csv` one machine would
/// have written, `summary.json` and the charts.
pub fn merge(dirs: &[PathBuf], out: &Path, with_charts: bool) -> Result<Outcome, SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::input(
            "sweep-merge: give at least one shard directory",
        ));
    }
    let mut first: Option<(SweepSummary, PathBuf)> = None;
    let mut rows: Vec<Option<(PointResult, Vec<String>, usize)>> = Vec::new();
    let mut coords = Vec::new();
    for (di, d) in dirs.iter().enumerate() {
        let sp = d.join("summary.json");
        let text = std::fs::read_to_string(&sp).map_err(|e| {
            SweepError::input(format!(
                "{}: not a sweep output directory (cannot read summary.json: {e})",
                d.display()
            ))
        })?;
        let s: SweepSummary = serde_json::from_str(&text).map_err(|e| {
            SweepError::input(format!(
                "{}: not a sweep summary (schema {SCHEMA} expected): {e}",
                sp.display()
            ))
        })?;
        if s.schema != SCHEMA {
            return Err(SweepError::input(format!(
                "{}: schema {:?}, expected {SCHEMA:?}",
                sp.display(),
                s.schema
            )));
        }
        match &first {
            None => {
                coords = s
                    .coords()
                    .map_err(|m| SweepError::input(format!("{}: {m}", sp.display())))?;
                if coords.len() != s.points {
                    return Err(SweepError::input(format!(
                        "{}: {} points declared but the axes give {}",
                        sp.display(),
                        s.points,
                        coords.len()
                    )));
                }
                rows = vec![None; s.points];
                first = Some((s.clone(), d.clone()));
            }
            Some((f, fd)) => {
                if f.fingerprint != s.fingerprint || f.sweep != s.sweep {
                    return Err(SweepError::input(format!(
                        "{} and {} are not shards of the same sweep: sweep `{}` fingerprint {} (lmi-sim {}) vs sweep `{}` fingerprint {} (lmi-sim {}); the sweep file, its base scenario, the --set overrides and the lmi-sim version must all match",
                        fd.display(),
                        d.display(),
                        f.sweep,
                        f.fingerprint,
                        f.lmi_sim_version,
                        s.sweep,
                        s.fingerprint,
                        s.lmi_sim_version
                    )));
                }
                if f.points != s.points || f.axes != s.axes || f.combine != s.combine {
                    return Err(SweepError::input(format!(
                        "{} and {}: the same fingerprint but different points",
                        fd.display(),
                        d.display()
                    )));
                }
            }
        }
        let (f, _) = first.as_ref().expect("set above");
        let rp = d.join("results.csv");
        let text = std::fs::read_to_string(&rp).map_err(|e| {
            SweepError::input(format!(
                "{}: cannot read results.csv: {e} (did the shard finish? an interrupted shard keeps its finished points in `<its directory>.partial/`; `lmi-sim sweep --resume` completes it)",
                d.display()
            ))
        })?;
        let cp = d.join(results::CHECKSUMS);
        let sums_text = std::fs::read_to_string(&cp).map_err(|e| {
            SweepError::input(format!(
                "{}: cannot read {}: {e} (every sweep output has one; was it written by an older lmi-sim? run the shard again)",
                d.display(),
                results::CHECKSUMS
            ))
        })?;
        let cp_text = cp.display().to_string();
        let verify = results::Verify {
            fingerprint: &s.fingerprint,
            sums: sums_text.lines().collect(),
            what: &cp_text,
        };
        let parsed = results::parse_csv(
            &text,
            &f.axis_keys(),
            &f.functions,
            f.blend,
            &rp.display().to_string(),
            Some(&verify),
        )
        .map_err(SweepError::input)?;
        for (r, labels) in parsed {
            let p = r.point;
            if p >= f.points {
                return Err(SweepError::input(format!(
                    "{}: point {p} is out of range (the sweep has {} points)",
                    rp.display(),
                    f.points
                )));
            }
            let want = f.labels(&coords, p);
            if labels != want {
                return Err(SweepError::input(format!(
                    "{}: point {p} has values [{}], expected [{}]",
                    rp.display(),
                    labels.join(", "),
                    want.join(", ")
                )));
            }
            if let Some((_, _, other)) = &rows[p] {
                return Err(SweepError::input(format!(
                    "point {p} is duplicated: in {} and in {}",
                    dirs[*other].display(),
                    d.display()
                )));
            }
            rows[p] = Some((r, labels, di));
        }
    }
    let (mut summary, _) = first.expect("dirs is not empty");
    let missing: Vec<usize> = (0..rows.len()).filter(|&p| rows[p].is_none()).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(20).map(|p| p.to_string()).collect();
        let hint = match &summary.shard {
            Some(s) => {
                let mut ks: Vec<usize> = missing.iter().map(|p| p % s.count as usize).collect();
                ks.dedup();
                ks.sort_unstable();
                ks.dedup();
                let names: Vec<String> = ks
                    .iter()
                    .take(10)
                    .map(|k| format!("shard-{k}-of-{}", s.count))
                    .collect();
                format!(" (missing shard output: {})", names.join(", "))
            }
            None => String::new(),
        };
        return Err(SweepError::input(format!(
            "{} of {} points are missing: {}{}{}",
            missing.len(),
            rows.len(),
            shown.join(", "),
            if missing.len() > 20 { ", …" } else { "" },
            hint
        )));
    }
    let rows: Vec<(PointResult, Vec<String>)> =
        rows.into_iter().flatten().map(|(r, l, _)| (r, l)).collect();
    summary.shard = None;
    let pr: Vec<PointResult> = rows.iter().map(|(r, _)| r.clone()).collect();
    summary.analyse(&pr, &coords);
    let dir = crate::output::run_dir(out, &summary.sweep);
    finish(&dir, &summary, &rows, with_charts, None)
}
