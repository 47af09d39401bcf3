//! `crossover.png`: monthly cost against monthly invocations of both
//! platforms, log-log, the crossover marked. Draws only; the crossover and the
//! goal's pick come from the `SweepSummary`, and no helper shared with other
//! charts lives here.

use super::*;

/// (point, monthly invocations, monthly cost) of a platform, by invocations.
fn cost_series(rows: &[PointResult], platform: &str) -> Vec<(usize, f64, f64)> {
    let mut v: Vec<(usize, f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let p = r.platform(platform)?;
            Some((r.point, p.monthly_invocations.mean?, p.monthly_usd.mean?))
        })
        .filter(|(_, x, y)| *x > 0.0 && *y > 0.0 && x.is_finite() && y.is_finite())
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

pub(super) fn crossover(
    buf: &mut [u8],
    s: &SweepSummary,
    rows: &[PointResult],
) -> Result<(), String> {
    let (plot, leg) = layout(
        buf,
        &format!("{} — monthly cost against monthly invocations", s.sweep),
    )?;
    let lmi = cost_series(rows, "lmi");
    let def = cost_series(rows, "default");
    // Points without spill-over have the blend equal to LMI: drawn last,
    // thinner, so that both stay visible.
    let blend = if s.blend {
        cost_series(rows, "blend")
    } else {
        Vec::new()
    };
    let all = lmi.iter().chain(&def).chain(&blend);
    let (xlo, xhi) = log_range(all.clone().map(|p| p.1));
    let (ylo, yhi) = log_range(all.map(|p| p.2));
    let xt = crate::charts::draw::log_ticks(xlo, xhi, 12);
    let yt = crate::charts::draw::log_ticks(ylo, yhi, 12);
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(26)
        .margin_right(40)
        .x_label_area_size(64)
        .y_label_area_size(118)
        .build_cartesian_2d(
            (xlo..xhi).log_scale().with_key_points(xt),
            (ylo..yhi).log_scale().with_key_points(yt),
        )
        .de()?;
    let xf = |v: &f64| fmt_count_tick(*v);
    let yf = |v: &f64| fmt_usd_tick(*v);
    chart
        .configure_mesh()
        .label_style(font(TICK_PX))
        .axis_desc_style(font(LABEL_PX))
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .x_desc("invocations per month [log scale]")
        .y_desc("cost per month [USD, log scale]")
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()
        .de()?;

    let mut items = Vec::new();
    let pick = pick_point(s);
    let pick_platform = s.goal.as_ref().map(|g| g.spec.platform.clone());
    for (name, ser, col) in [
        ("default", &def, DEFAULT),
        ("lmi", &lmi, LMI),
        ("blend", &blend, BLEND),
    ] {
        if ser.is_empty() {
            continue;
        }
        // Lines only when each volume appears once (one varying axis).
        let unique = ser.windows(2).all(|w| w[1].1 > w[0].1);
        if unique && ser.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    ser.iter().map(|p| (p.1, p.2)),
                    c(col).stroke_width(if name == "blend" { 2 } else { 3 }),
                ))
                .de()?;
        }
        chart
            .draw_series(ser.iter().map(|p| {
                Circle::new(
                    (p.1, p.2),
                    if name == "blend" { 3 } else { 5 },
                    c(col).filled(),
                )
            }))
            .de()?;
        items.push((
            format!("{} ({} points)", platform_name(name), ser.len()),
            c(col),
            if unique { Swatch::Line } else { Swatch::Dot },
        ));
        if let (Some(pp), Some(pl)) = (pick, pick_platform.as_deref())
            && pl == name
            && let Some(p) = ser.iter().find(|p| p.0 == pp)
        {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.1, p.2),
                    13,
                    PICK.stroke_width(4),
                )))
                .de()?;
            items.push((format!("goal pick (point {pp})"), PICK, Swatch::Ring));
        }
    }
    let mut notes = Vec::new();
    match &s.crossover {
        Some(cx) => {
            let (x, y) = (cx.monthly_invocations, cx.monthly_usd);
            let dash = (0..40).map(|k| {
                let f0 = k as f64 / 40.0;
                let f1 = (k as f64 + 0.5) / 40.0;
                let at = |f: f64| ylo * (yhi / ylo).powf(f);
                PathElement::new(vec![(x, at(f0)), (x, at(f1))], CROSS.stroke_width(2))
            });
            chart.draw_series(dash).de()?;
            chart
                .draw_series(std::iter::once(Circle::new((x, y), 9, CROSS.filled())))
                .de()?;
            let label = format!("crossover ≈ {} invocations/month", fmt_volume(x));
            let label2 = format!("both platforms ≈ ${y:.2}/month");
            let (px, _) = chart.backend_coord(&(x, y));
            let (xr, yr) = chart.plotting_area().get_pixel_range();
            let (ox, oy) = plot.get_base_pixel();
            // Near the top of the dashed line, on the side with more room,
            // on a white box so grid lines and series do not cross the text.
            let right_side = px < (xr.start + xr.end) / 2;
            let w = 440;
            let (bx0, bx1) = if right_side {
                (px + 10, px + 10 + w)
            } else {
                (px - 10 - w, px - 10)
            };
            let (by0, by1) = (yr.start + 8, yr.start + 70);
            plot.draw(&Rectangle::new(
                [(bx0 - ox, by0 - oy), (bx1 - ox, by1 - oy)],
                WHITE.filled(),
            ))
            .de()?;
            let tx = if right_side { bx0 + 8 } else { bx1 - 8 };
            let anchor = if right_side { HPos::Left } else { HPos::Right };
            plot.draw(&Text::new(
                label,
                (tx - ox, by0 + 18 - oy),
                bold(LABEL_PX + 2).pos(Pos::new(anchor, VPos::Center)),
            ))
            .de()?;
            plot.draw(&Text::new(
                label2,
                (tx - ox, by0 + 48 - oy),
                font(LABEL_PX).pos(Pos::new(anchor, VPos::Center)),
            ))
            .de()?;
            items.push(("crossover".into(), CROSS, Swatch::Dashed));
            notes.push((format!("≈ {} invocations/month", fmt_volume(x)), true));
            notes.push((
                format!("{} is cheaper above it", platform_name(&cx.cheaper_above)),
                false,
            ));
            notes.push(("(log-log interpolation between".into(), false));
            notes.push((
                format!(
                    "points {} and {})",
                    cx.between_points[0], cx.between_points[1]
                ),
                false,
            ));
            if cx.crossings > 1 {
                notes.push((format!("{} crossings; first shown", cx.crossings), false));
            }
        }
        None => {
            notes.push(("no crossover in range".into(), true));
            if !lmi.is_empty() && !def.is_empty() {
                let cheaper = if lmi.iter().zip(&def).all(|(l, d)| l.2 < d.2) {
                    "LMI"
                } else {
                    "default Lambda"
                };
                notes.push((format!("{cheaper} is cheaper throughout"), false));
            } else {
                notes.push(("needs both platforms".into(), false));
            }
        }
    }
    legend(&leg, "monthly cost", &items, &notes)?;
    Ok(())
}
