//! Chart 1, throttles: offered traffic above, throttled requests of each
//! platform below. Draws only; the numbers come from `ChartData`, and no
//! helper shared with other charts lives here.

use super::*;

pub(crate) fn throttles(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let per = d.per();
    let root = root(buf, &s.title(&format!("throttles {per}")))?;
    let p = panels(&root, &[2.0, 3.0]);
    let x = 0.0..d.x_end;

    // Offered traffic.
    {
        let (area, leg) = &p[0];
        let mut chart = builder(area, false, false)
            .build_cartesian_2d(x.clone(), 0.0..top(vmax(&d.offered)))
            .de()?;
        let yfmt = |v: &f64| fmt_num(*v);
        mesh!(chart, d, false, format!("arrivals {per}"), &yfmt);
        chart
            .draw_series(
                AreaSeries::new(steps(d, &d.offered), 0.0, c(colors::OFFERED_FILL).filled())
                    .border_style(line(colors::OFFERED, 2)),
            )
            .de()?;
        let total: f64 = d.offered.iter().sum();
        legend(
            leg,
            "offered traffic",
            &[item(
                format!("arrivals {per}"),
                colors::OFFERED,
                Swatch::Fill,
            )],
            &[(
                format!(
                    "{} arrivals in {}",
                    fmt_count(total),
                    fmt_horizon(s.horizon_s)
                ),
                false,
            )],
        )?;
    }

    // Throttles.
    let (area, leg) = &p[1];
    let lt = d.lmi.as_ref().map(|l| l.throttles.as_slice());
    let dt = d.default.as_ref().map(|x| x.throttles.as_slice());
    let ymax = vmax(lt.unwrap_or(&[])).max(vmax(dt.unwrap_or(&[])));
    let sp = d.spill.as_ref().filter(|_| lt.is_some());
    let mut chart = builder(area, true, false)
        .build_cartesian_2d(x, 0.0..top(ymax))
        .de()?;
    let yfmt = |v: &f64| fmt_num(*v);
    mesh!(chart, d, true, format!("throttled requests {per}"), &yfmt);
    let both = lt.is_some() && dt.is_some();
    let bars = |v: &[f64], color: (u8, u8, u8), slot: usize| {
        let style = c(color).filled();
        v.iter()
            .enumerate()
            .filter(|(_, y)| **y > 0.0)
            .map(move |(i, &y)| {
                let (a, b) = (d.t0[i], d.t1[i]);
                let (a, b) = if both {
                    let m = (a + b) / 2.0;
                    if slot == 0 { (a, m) } else { (m, b) }
                } else {
                    (a, b)
                };
                Rectangle::new([(a, 0.0), (b, y)], style)
            })
            .collect::<Vec<_>>()
    };
    let offered: f64 = d.offered.iter().sum();
    let share = |n: f64| {
        if offered > 0.0 {
            format!("{:.2} %", 100.0 * n / offered)
        } else {
            "0 %".into()
        }
    };
    let mut items = Vec::new();
    let mut notes = Vec::new();
    if let Some(v) = lt {
        chart.draw_series(bars(v, colors::LMI_THROTTLES, 0)).de()?;
        items.push(item("LMI", colors::LMI_THROTTLES, Swatch::Fill));
        let n: f64 = v.iter().sum();
        notes.push((
            format!("LMI: {} throttled ({})", fmt_count(n), share(n)),
            false,
        ));
    }
    if let Some(v) = dt {
        chart
            .draw_series(bars(v, colors::DEFAULT_THROTTLES, 1))
            .de()?;
        items.push(item(
            "default Lambda",
            colors::DEFAULT_THROTTLES,
            Swatch::Fill,
        ));
        let n: f64 = v.iter().sum();
        notes.push((
            format!("default: {} throttled ({})", fmt_count(n), share(n)),
            false,
        ));
    }
    if let Some(sp) = sp {
        // Spill-over: the LMI throttles retried on default Lambda, and those
        // the fallback throttled in turn (still lost).
        chart
            .draw_series(LineSeries::new(
                steps(d, &sp.spilled),
                line(colors::SPILLED, 3),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &sp.fallback_throttled),
                line(colors::FALLBACK_THROTTLES, 2),
            ))
            .de()?;
        items.push(item(
            "spilled to default Lambda",
            colors::SPILLED,
            Swatch::Line,
        ));
        items.push(item(
            "throttled there too",
            colors::FALLBACK_THROTTLES,
            Swatch::Line,
        ));
        let n: f64 = sp.spilled.iter().sum();
        let lost: f64 = sp.fallback_throttled.iter().sum();
        notes.push((
            format!(
                "spilled: {} ({}), {} lost",
                fmt_count(n),
                share(n),
                fmt_count(lost)
            ),
            false,
        ));
    }
    if ymax <= 0.0 {
        center_note(&chart, "no throttles")?;
    }
    legend(leg, "throttled requests", &items, &notes)?;
    root.present().de()
}
