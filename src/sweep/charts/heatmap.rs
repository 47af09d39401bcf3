//! `heatmap.png`: the throttle rate over the first two axes (mean over the
//! others), with a colour bar. Draws only; the figures come from the rows, and
//! no helper shared with other charts lives here.

use super::*;

/// Sequential colour for a throttle rate: pale green for 0, then light
/// yellow to dark red by the square root of the fraction of the maximum.
fn heat(v: f64, max: f64) -> RGBColor {
    if v <= 0.0 || max <= 0.0 {
        return ZERO;
    }
    let f = (v / max).clamp(0.0, 1.0).sqrt();
    let stops: [(f64, (f64, f64, f64)); 4] = [
        (0.0, (255.0, 247.0, 188.0)),
        (0.35, (254.0, 196.0, 79.0)),
        (0.7, (236.0, 112.0, 20.0)),
        (1.0, (153.0, 0.0, 13.0)),
    ];
    for w in stops.windows(2) {
        let (a, ca) = w[0];
        let (b, cb) = w[1];
        if f <= b {
            let t = if b > a { (f - a) / (b - a) } else { 0.0 };
            let m = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
            return RGBColor(m(ca.0, cb.0), m(ca.1, cb.1), m(ca.2, cb.2));
        }
    }
    RGBColor(153, 0, 13)
}

pub(super) fn heatmap(
    buf: &mut [u8],
    s: &SweepSummary,
    rows: &[PointResult],
) -> Result<(), String> {
    let platform = s.front_platform().to_string();
    let (plot, leg) = layout(
        buf,
        &format!(
            "{} — {} throttle rate by {} and {}",
            s.sweep,
            platform_name(&platform),
            last_seg(&s.axes[0].key),
            last_seg(&s.axes[1].key)
        ),
    )?;
    let coords = s.coords().map_err(|e| e.to_string())?;
    let (nx, ny) = (s.axes[0].values.len(), s.axes[1].values.len());
    // Mean over the other axes (and count), per cell.
    let mut sum = vec![vec![0.0f64; ny]; nx];
    let mut cnt = vec![vec![0usize; ny]; nx];
    for r in rows {
        let Some(c) = coords.get(r.point) else {
            continue;
        };
        let Some(t) = r.platform(&platform).and_then(|p| p.throttle_rate.mean) else {
            continue;
        };
        sum[c[0]][c[1]] += t;
        cnt[c[0]][c[1]] += 1;
    }
    let cell = |i: usize, j: usize| (cnt[i][j] > 0).then(|| sum[i][j] / cnt[i][j] as f64);
    let max = (0..nx)
        .flat_map(|i| (0..ny).map(move |j| (i, j)))
        .filter_map(|(i, j)| cell(i, j))
        .fold(0.0f64, f64::max);

    // Pixel layout inside the plot area.
    let (w, h) = plot.dim_in_pixel();
    let (l, r, t, b) = (250i32, w as i32 - 30, 40i32, h as i32 - 110);
    let cw = (r - l) as f64 / nx as f64;
    let ch = (b - t) as f64 / ny as f64;
    let px = |i: usize| l + (cw * i as f64).round() as i32;
    let py = |j: usize| b - (ch * j as f64).round() as i32;
    let pick = pick_point(s).and_then(|p| coords.get(p).cloned());
    for i in 0..nx {
        for j in 0..ny {
            let (x0, x1) = (px(i), px(i + 1));
            let (y1, y0) = (py(j), py(j + 1));
            let v = cell(i, j);
            let fill = v.map_or(NO_DATA, |v| heat(v, max));
            plot.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled()))
                .de()?;
            plot.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.stroke_width(2)))
                .de()?;
            let text = v.map_or("no data".to_string(), fmt_pct);
            let dark = v.is_some_and(|v| max > 0.0 && (v / max).sqrt() > 0.6);
            let size = if cw < 90.0 || ch < 40.0 {
                TICK_PX - 4
            } else {
                LABEL_PX + 2
            };
            if cw > 40.0 && ch > 18.0 {
                plot.draw(&Text::new(
                    text,
                    ((x0 + x1) / 2, (y0 + y1) / 2),
                    center(bold(size).color(if dark { &WHITE } else { &TEXT })),
                ))
                .de()?;
            }
        }
    }
    if let Some(pc) = &pick {
        let (x0, x1) = (px(pc[0]), px(pc[0] + 1));
        let (y1, y0) = (py(pc[1]), py(pc[1] + 1));
        for k in 0..4 {
            plot.draw(&Rectangle::new(
                [(x0 + k, y0 + k), (x1 - k, y1 - k)],
                PICK.stroke_width(1),
            ))
            .de()?;
        }
    }
    // Axis labels.
    let label_px = TICK_PX;
    for (i, v) in s.axes[0].values.iter().enumerate() {
        let x = (px(i) + px(i + 1)) / 2;
        plot.draw(&Text::new(
            fit(&short(v), label_px, cw as i32 - 6),
            (x, b + 20),
            center(font(label_px)),
        ))
        .de()?;
    }
    plot.draw(&Text::new(
        fit(
            &format!("columns: {}", s.axes[0].key),
            TICK_PX,
            w as i32 - 20,
        ),
        ((l + r) / 2, b + 62),
        center(bold(TICK_PX)),
    ))
    .de()?;
    for (j, v) in s.axes[1].values.iter().enumerate() {
        let y = (py(j) + py(j + 1)) / 2;
        plot.draw(&Text::new(
            fit(&short(v), label_px, l - 20),
            (l - 12, y),
            font(label_px).pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .de()?;
    }
    plot.draw(&Text::new(
        fit(&format!("rows: {}", s.axes[1].key), TICK_PX, w as i32 - 20),
        (10, t - 22),
        left(bold(TICK_PX)),
    ))
    .de()?;
    // Legend: a colour bar.
    let mut notes = vec![];
    if s.axes.len() > 2 {
        notes.push(("each cell: mean over".into(), false));
        for a in &s.axes[2..] {
            notes.push((fit(last_seg(&a.key), TICK_PX, LEGEND_W as i32 - 40), false));
        }
    }
    if s.replications > 1 {
        notes.push((format!("mean of {} replications", s.replications), false));
    }
    if pick.is_some() {
        notes.push(("green outline: the goal".into(), true));
        notes.push(("pick's cell".into(), true));
    }
    let mut items = vec![("0 (no throttles)".to_string(), ZERO, Swatch::Fill(GRID))];
    if (0..nx).any(|i| (0..ny).any(|j| cnt[i][j] == 0)) {
        items.push(("no data".to_string(), NO_DATA, Swatch::Fill(GRID)));
    }
    let y = legend(&leg, "throttle rate", &items, &notes)?;
    if max > 0.0 {
        let (x0, y0) = (24, y + 10);
        let hgt = 240;
        for k in 0..hgt {
            let f = 1.0 - k as f64 / (hgt - 1) as f64;
            let v = max * f * f;
            leg.draw(&Rectangle::new(
                [(x0, y0 + k), (x0 + 30, y0 + k + 1)],
                heat(v, max).filled(),
            ))
            .de()?;
        }
        for f in [0.0, 0.25, 0.5, 0.75, 1.0f64] {
            let v = max * f;
            let yy = y0 + ((1.0 - f.sqrt()) * (hgt - 1) as f64).round() as i32;
            leg.draw(&Text::new(fmt_pct(v), (x0 + 42, yy), left(font(TICK_PX))))
                .de()?;
        }
    }
    Ok(())
}
