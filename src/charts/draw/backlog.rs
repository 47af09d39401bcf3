//! Chart 5, backlog: queue depth and the age of the oldest waiting request over time,
//! for functions with a queue or retries (SQS, async, client retries).

use super::*;
use crate::event_source::{EventSourceInterval, EventSourceResult};
use crate::sim::RunResult;

/// Per-bucket maxima of the selected functions' source rows: (depth, age [s]).
fn series(
    src: Option<&EventSourceResult>,
    fns: &[usize],
    d: &ChartData,
) -> Option<(Vec<f64>, Vec<f64>, f64)> {
    let src = src?;
    let per = d.bucket_intervals.max(1);
    let nb = d.t0.len();
    let mut depth = vec![0.0; nb];
    let mut age = vec![0.0f64; nb];
    let mut dlq = 0.0;
    let mut any = false;
    for &f in fns {
        let Some(Some(rows)) = src.rows.get(f) else {
            continue;
        };
        any = true;
        // Depth: the selection's sum, at its worst interval within the bucket.
        let mut sums = vec![0.0; nb];
        for (k, r) in rows.iter().enumerate() {
            let b = (k / per).min(nb.saturating_sub(1));
            let EventSourceInterval {
                queue_depth,
                oldest_age_s,
                dlq: x,
                ..
            } = r;
            sums[b] = f64::max(sums[b], queue_depth as f64);
            age[b] = age[b].max(oldest_age_s);
            dlq += x as f64;
        }
        for (a, s) in depth.iter_mut().zip(sums) {
            *a += s;
        }
    }
    any.then_some((depth, age, dlq))
}

/// Draws the backlog chart; `Ok(false)` when no selected function has a queue.
pub(crate) fn backlog(
    buf: &mut [u8],
    s: &Subject<'_>,
    d: &ChartData,
    run: &RunResult,
    fns: &[usize],
) -> Result<(), String> {
    let l = series(run.lmi_sources(), fns, d);
    let df = series(run.default_sources(), fns, d);
    let per = d.per();
    let root = root(
        buf,
        &s.title(&format!("queue backlog and message age {per}")),
    )?;
    let p = panels(&root, &[1.0, 1.0]);
    let x = 0.0..d.x_end;
    let platforms = [
        (l.as_ref(), "LMI", colors::LMI_THROTTLES),
        (df.as_ref(), "default Lambda", colors::DEFAULT_THROTTLES),
    ];
    // Depth.
    {
        let (area, leg) = &p[0];
        let ymax = platforms
            .iter()
            .filter_map(|(v, ..)| v.map(|v| vmax(&v.0)))
            .fold(0.0, f64::max);
        let mut chart = builder(area, false, false)
            .build_cartesian_2d(x.clone(), 0.0..top(ymax))
            .de()?;
        let yfmt = |v: &f64| fmt_num(*v);
        mesh!(chart, d, false, "requests waiting", &yfmt);
        let mut items = Vec::new();
        let mut notes = Vec::new();
        for (v, name, col) in platforms {
            if let Some((depth, _, dlq)) = v {
                chart
                    .draw_series(LineSeries::new(steps(d, depth), line(col, 3)))
                    .de()?;
                items.push(item(name, col, Swatch::Line));
                notes.push((
                    format!(
                        "{name}: peak {}, {} to DLQ",
                        fmt_count(vmax(depth)),
                        fmt_count(*dlq)
                    ),
                    false,
                ));
            }
        }
        notes.push(("queued, invisible or awaiting".into(), false));
        notes.push((format!("a retry; worst {}", period_name_short(d)), false));
        if ymax <= 0.0 {
            center_note(&chart, "no backlog")?;
        }
        legend(leg, "queue depth", &items, &notes)?;
    }
    // Age of the oldest request.
    {
        let (area, leg) = &p[1];
        let ymax = platforms
            .iter()
            .filter_map(|(v, ..)| v.map(|v| vmax(&v.1)))
            .fold(0.0, f64::max);
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x, 0.0..top(ymax))
            .de()?;
        let yfmt = |v: &f64| fmt_num(*v);
        mesh!(chart, d, true, "oldest request age [s]", &yfmt);
        let mut items = Vec::new();
        let mut notes = Vec::new();
        for (v, name, col) in platforms {
            if let Some((_, age, _)) = v {
                chart
                    .draw_series(LineSeries::new(steps(d, age), line(col, 3)))
                    .de()?;
                items.push(item(name, col, Swatch::Line));
                notes.push((format!("{name}: at worst {:.0} s", vmax(age)), false));
            }
        }
        legend(leg, "oldest request", &items, &notes)?;
    }
    root.present().de()
}

fn period_name_short(d: &ChartData) -> String {
    if d.bucket_intervals > 1 {
        "interval of each bucket".into()
    } else {
        "value at interval ends".into()
    }
}
