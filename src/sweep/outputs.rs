//! What a sweep (or a merge) writes: the `Outcome`, the charts, `summary.json`
//! and `results.csv`, each through a temporary file and a rename. Writes only;
//! must not run points or compute figures.

use super::{PointResult, SweepError, SweepSummary, charts, results};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a finished sweep (or merge) wrote.
pub struct Outcome {
    pub dir: PathBuf,
    pub summary: SweepSummary,
    /// Points run (or merged).
    pub points: usize,
    pub files: Vec<String>,
    /// Things the user should know (a chart skipped, charts failed).
    pub notes: Vec<String>,
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let r = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

pub(super) fn out_err(dir: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError {
        path: Some(dir.display().to_string()),
        ..SweepError::output(e.to_string())
    }
}

/// Writes charts, `summary.json` and `results.csv` (last) into `dir`.
pub(super) fn finish(
    dir: &Path,
    summary: &SweepSummary,
    rows: &[(PointResult, Vec<String>)],
    with_charts: bool,
) -> Result<Outcome, SweepError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut notes = Vec::new();
    if with_charts {
        let pr: Vec<PointResult> = rows.iter().map(|(r, _)| r.clone()).collect();
        match charts::render(summary, &pr) {
            Ok((pngs, n)) => {
                files.extend(pngs);
                notes.extend(n);
            }
            Err(e) => notes.push(format!("charts not written: {e}")),
        }
    }
    files.push(("summary.json".into(), summary.json().into_bytes()));
    files.push((
        "results.csv".into(),
        results::csv_bytes(&summary.axis_keys(), rows),
    ));
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e))?;
    // Charts of an earlier run that this one did not draw would mislead.
    for stale in charts::NAMES {
        if !files.iter().any(|(n, _)| n == stale) {
            let _ = std::fs::remove_file(dir.join(stale));
        }
    }
    for (name, bytes) in &files {
        write_atomic(dir, name, bytes).map_err(|e| out_err(dir, format!("{name}: {e}")))?;
    }
    Ok(Outcome {
        dir: dir.to_path_buf(),
        summary: summary.clone(),
        points: rows.len(),
        files: files.into_iter().map(|(n, _)| n).collect(),
        notes,
    })
}
