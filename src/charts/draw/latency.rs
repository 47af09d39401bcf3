//! Chart 4, latency: p50/p99 of each platform on a log axis, and default
//! Lambda's cold starts. Draws only; the numbers come from `ChartData`, and
//! no helper shared with other charts lives here.

use super::*;

/// (values, colour, line width, legend label).
type LatencySeries<'a> = (&'a [Option<f64>], (u8, u8, u8), u32, &'static str);

pub(crate) fn latency(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let root = root(buf, &s.title("latency and cold starts"))?;
    let weights: &[f64] = if d.default.is_some() {
        &[3.0, 2.0]
    } else {
        &[1.0]
    };
    let p = panels(&root, weights);
    let x = 0.0..d.x_end;

    // Default Lambda drawn first and wider, LMI on top and narrower, so
    // equal values show as a blue line with an orange edge.
    let mut series: Vec<LatencySeries<'_>> = Vec::new();
    if let Some(df) = d.default.as_ref() {
        series.push((&df.p99_ms, colors::DEFAULT_P99, 5, "default Lambda p99"));
        series.push((&df.p50_ms, colors::DEFAULT_P50, 5, "default Lambda p50"));
    }
    if let Some(l) = d.lmi.as_ref() {
        series.push((&l.p99_ms, colors::LMI_P99, 2, "LMI p99"));
        series.push((&l.p50_ms, colors::LMI_P50, 2, "LMI p50"));
    }
    let vals = series
        .iter()
        .flat_map(|(v, ..)| v.iter().flatten().copied())
        .filter(|v| *v > 0.0 && v.is_finite());
    let (lo, hi) = vals.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if hi > 0.0 {
        (lo / 1.6, hi * 1.6)
    } else {
        (1.0, 1000.0)
    };
    let (lo, hi) = if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        (mid / 3.2, mid * 3.2)
    } else {
        (lo, hi)
    };

    {
        let (area, leg) = &p[0];
        let bottom = p.len() == 1;
        let ticks = log_ticks(lo, hi, 9);
        let mut chart = builder(area, bottom, false)
            .build_cartesian_2d(x.clone(), (lo..hi).log_scale().with_key_points(ticks))
            .de()?;
        let yfmt = |v: &f64| fmt_ms(*v);
        mesh!(chart, d, bottom, "latency [ms, log scale]", &yfmt);
        let mut items = Vec::new();
        for (v, col, w, name) in &series {
            for run in runs(d, v) {
                if run.len() == 1 {
                    chart
                        .draw_series(std::iter::once(Circle::new(run[0], 3, c(*col).filled())))
                        .de()?;
                } else {
                    chart
                        .draw_series(LineSeries::new(run, line(*col, *w)))
                        .de()?;
                }
            }
            items.push(item(*name, *col, Swatch::Line));
        }
        let mut notes = vec![(
            if d.bucket_intervals > 1 {
                format!("p50: mean, p99: worst {}", d.per())
            } else {
                format!("{} percentiles", d.per())
            },
            false,
        )];
        if s.function.is_none() && s.multi {
            notes.push(("all functions: p50 weighted by".into(), false));
            notes.push(("served, p99 of the worst function".into(), false));
        }
        if series.iter().all(|(v, ..)| v.iter().all(|x| x.is_none())) {
            center_note(&chart, "no invocations served")?;
        }
        legend(leg, "latency", &items, &notes)?;
    }

    if let Some(df) = d.default.as_ref() {
        let (area, leg) = &p[1];
        let ymax = vmax(&df.cold_starts);
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x, 0.0..top(ymax))
            .de()?;
        let yfmt = |v: &f64| fmt_num(*v);
        let per = d.per();
        mesh!(chart, d, true, format!("cold starts {per}"), &yfmt);
        let style = c(colors::COLD_STARTS).filled();
        chart
            .draw_series(
                df.cold_starts
                    .iter()
                    .enumerate()
                    .filter(|(_, y)| **y > 0.0)
                    .map(|(i, &y)| Rectangle::new([(d.t0[i], 0.0), (d.t1[i], y)], style)),
            )
            .de()?;
        if ymax <= 0.0 {
            center_note(&chart, "no cold starts")?;
        }
        let total: f64 = df.cold_starts.iter().sum();
        let mut notes = vec![(
            format!(
                "{} cold starts in {}",
                fmt_count(total),
                fmt_horizon(s.horizon_s)
            ),
            false,
        )];
        if d.lmi.is_some() {
            notes.push(("LMI never routes a request".into(), false));
            notes.push(("to an initializing EE".into(), false));
        }
        legend(
            leg,
            "cold starts",
            &[item("default Lambda", colors::COLD_STARTS, Swatch::Fill)],
            &notes,
        )?;
    }
    root.present().de()
}
