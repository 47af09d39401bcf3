//! `pareto.png`: monthly cost against throttle rate, the Pareto front and the
//! goal's pick. Draws only; the front and the pick come from the
//! `SweepSummary`, and no helper shared with other charts lives here.

use super::*;

pub(super) fn pareto(buf: &mut [u8], s: &SweepSummary, rows: &[PointResult]) -> Result<(), String> {
    let platform = s.front_platform().to_string();
    let (plot, leg) = layout(
        buf,
        &format!(
            "{} — {}: monthly cost against throttle rate",
            s.sweep,
            platform_name(&platform)
        ),
    )?;
    let pts: Vec<(usize, f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let p = r.platform(&platform)?;
            Some((r.point, p.monthly_usd.mean?, p.throttle_rate.mean?))
        })
        .filter(|(_, c, t)| c.is_finite() && t.is_finite())
        .collect();
    let cmax = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let cmin = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let tmax = pts.iter().map(|p| p.2).fold(0.0f64, f64::max);
    let goal_t = s.goal.as_ref().and_then(|g| g.spec.max_throttle_rate);
    let tmax = tmax.max(goal_t.unwrap_or(0.0));
    let (x0, x1) = if pts.is_empty() {
        (0.0, 1.0)
    } else {
        let pad = ((cmax - cmin) * 0.08).max(cmax.abs() * 0.02).max(0.01);
        ((cmin - pad).max(0.0), cmax + pad)
    };
    let y1 = if tmax > 0.0 { tmax * 1.12 } else { 0.01 };
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(26)
        .margin_right(40)
        .x_label_area_size(64)
        .y_label_area_size(118)
        .build_cartesian_2d(x0..x1, 0.0..y1)
        .de()?;
    let xf = |v: &f64| fmt_usd_tick(*v);
    let yf = |v: &f64| fmt_pct(*v);
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(8)
        .label_style(font(TICK_PX))
        .axis_desc_style(font(LABEL_PX))
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .x_desc(format!("{} cost per month [USD]", platform_name(&platform)))
        .y_desc(format!("{} throttle rate", platform_name(&platform)))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
        .draw()
        .de()?;
    let col = c(platform_color(&platform));
    let mut items = vec![];
    if let Some(gt) = goal_t {
        let dash = (0..60).map(|k| {
            let a = x0 + (x1 - x0) * k as f64 / 60.0;
            let b = x0 + (x1 - x0) * (k as f64 + 0.5) / 60.0;
            PathElement::new(vec![(a, gt), (b, gt)], PICK.stroke_width(2))
        });
        chart.draw_series(dash).de()?;
        items.push((
            format!("goal: throttle rate ≤ {}", fmt_pct(gt)),
            PICK,
            Swatch::Dashed,
        ));
    }
    let front: Vec<usize> = s.pareto_front.clone();
    chart
        .draw_series(
            pts.iter()
                .filter(|p| !front.contains(&p.0))
                .map(|p| Circle::new((p.1, p.2), 6, OTHER.filled())),
        )
        .de()?;
    items.push(("other points".into(), OTHER, Swatch::Dot));
    let fpts: Vec<(f64, f64)> = front
        .iter()
        .filter_map(|f| pts.iter().find(|p| p.0 == *f).map(|p| (p.1, p.2)))
        .collect();
    if fpts.len() > 1 {
        // Staircase: cost rises, throttle rate falls.
        let mut stair = Vec::new();
        for (k, p) in fpts.iter().enumerate() {
            if k > 0 {
                stair.push((p.0, fpts[k - 1].1));
            }
            stair.push(*p);
        }
        chart
            .draw_series(LineSeries::new(stair, col.stroke_width(3)))
            .de()?;
    }
    chart
        .draw_series(fpts.iter().map(|p| Circle::new(*p, 7, col.filled())))
        .de()?;
    items.push((
        format!(
            "Pareto front ({} point{})",
            fpts.len(),
            if fpts.len() == 1 { "" } else { "s" }
        ),
        col,
        Swatch::Line,
    ));
    // Label the front points with their point index; points closer than
    // 24 px share one label ("7, 13").
    let (ox, oy) = plot.get_base_pixel();
    let mut groups: Vec<((i32, i32), Vec<usize>)> = Vec::new();
    for (f, p) in front.iter().zip(&fpts) {
        let q = chart.backend_coord(p);
        match groups
            .iter_mut()
            .find(|(g, _)| (g.0 - q.0).abs() < 24 && (g.1 - q.1).abs() < 24)
        {
            Some((_, v)) => v.push(*f),
            None => groups.push((q, vec![*f])),
        }
    }
    for ((px, py), ids) in groups {
        let text: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        plot.draw(&Text::new(
            text.join(", "),
            (px - ox + 12, py - oy - 16),
            left(font(TICK_PX).color(&NOTE)),
        ))
        .de()?;
    }
    let mut notes = vec![];
    if let Some(g) = &s.goal {
        match &g.pick {
            Some(p) => {
                if let Some(q) = pts.iter().find(|q| q.0 == p.point) {
                    chart
                        .draw_series(std::iter::once(Circle::new(
                            (q.1, q.2),
                            14,
                            PICK.stroke_width(4),
                        )))
                        .de()?;
                }
                items.push((format!("goal pick: point {}", p.point), PICK, Swatch::Ring));
                notes.push((
                    format!("pick: ${:.2}/month", p.monthly_usd.unwrap_or(f64::NAN)),
                    true,
                ));
                for kv in &p.values {
                    let k = last_seg(&kv.key);
                    let v = short(&kv.value);
                    let one = format!("{k} = {v}");
                    if one.chars().count() <= 32 {
                        notes.push((one, false));
                    } else {
                        notes.push((fit(k, TICK_PX, LEGEND_W as i32 - 40), false));
                        notes.push((
                            fit(&format!("  = {v}"), TICK_PX, LEGEND_W as i32 - 40),
                            false,
                        ));
                    }
                }
            }
            None => notes.push(("no point meets the goal".into(), true)),
        }
        if let Some(p99) = g.spec.max_p99_ms {
            notes.push((format!("goal also needs p99 ≤ {p99} ms"), false));
        }
        notes.push((
            format!("{} of {} points feasible", g.feasible_points, rows.len()),
            false,
        ));
    }
    if !pts.is_empty() && pts.iter().all(|p| p.2 == 0.0) {
        notes.push(("no point throttles: the".into(), true));
        notes.push(("cheapest is the whole front".into(), true));
    }
    notes.push(("labels: point index".into(), false));
    legend(&leg, "points", &items, &notes)?;
    Ok(())
}
