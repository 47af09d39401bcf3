//! What a sweep (or a merge) writes: the `Outcome`, the charts, `summary.json`,
//! `results.csv` and its per-row checksums, `summary.md` and `report.html`, staged and moved into place
//! together (see [`crate::output::Staging::commit_into`]), so the directory
//! holds one run's files, never a mix. Writes only; must not run points or
//! compute figures.

use super::{PointResult, SweepError, SweepSummary, charts, report, results};
use crate::output::{OutputError, Staging};
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

pub(super) fn out_err(dir: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError {
        path: Some(dir.display().to_string()),
        ..SweepError::output(e.to_string())
    }
}

/// An output failure as a sweep error: something in the way that lmi-sim did
/// not write is bad input (exit 2); an I/O failure is exit 1.
pub(super) fn output_err(dir: &Path, e: OutputError) -> SweepError {
    match e {
        OutputError::NotOurs(m) => SweepError::input(m),
        e => out_err(dir, e),
    }
}

/// Writes charts, `summary.json`, `results.csv`, `results.fnv64`,
/// `summary.md` and `report.html` into
/// `dir`; removes `done_with` (the sweep's progress directory) in the same step.
pub(super) fn finish(
    dir: &Path,
    summary: &SweepSummary,
    rows: &[(PointResult, Vec<String>)],
    with_charts: bool,
    done_with: Option<&Path>,
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
        results::csv_bytes(
            &summary.axis_keys(),
            &summary.functions,
            summary.blend,
            rows,
        ),
    ));
    files.push((
        results::CHECKSUMS.into(),
        results::checksums(
            &summary.fingerprint,
            &summary.axis_keys(),
            &summary.functions,
            summary.blend,
            rows,
        ),
    ));
    // The reports, from the same summary and rows (a merge's equal one
    // machine's); the page embeds the charts drawn above.
    let labelled: Vec<(PointResult, Vec<String>)> = rows.to_vec();
    let pngs: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".png"))
        .cloned()
        .collect();
    let chart_notes: Vec<String> = if with_charts { notes.clone() } else { vec![] };
    files.push((
        "summary.md".into(),
        report::markdown(summary, &labelled).into_bytes(),
    ));
    files.push((
        "report.html".into(),
        report::html(summary, &labelled, &pngs, &chart_notes).into_bytes(),
    ));
    // Charts of an earlier run that this one did not draw are removed by the
    // commit (they are in the directory's marker, and not in this write).
    let st = Staging::new(dir).map_err(|e| output_err(dir, e))?;
    for (name, bytes) in &files {
        st.write(name, bytes)
            .map_err(|e| out_err(dir, format!("{name}: {e}")))?;
    }
    st.commit_into(done_with).map_err(|e| output_err(dir, e))?;
    Ok(Outcome {
        dir: dir.to_path_buf(),
        summary: summary.clone(),
        points: rows.len(),
        files: files.into_iter().map(|(n, _)| n).collect(),
        notes,
    })
}
