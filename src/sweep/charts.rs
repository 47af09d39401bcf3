//! A sweep's charts, in the style of `src/charts` (same size, font, colours,
//! legend column on the right): `crossover.png` (monthly cost against monthly
//! invocations, log-log, both platforms, the crossover marked), `heatmap.png`
//! (throttle rate over the first two axes) and `pareto.png` (cost against
//! throttle rate, the Pareto front and the goal's pick).
//!
//! Pure: returns (file name, PNG bytes). Every drawing error becomes a
//! [`ChartError`]; nothing here panics.

use super::{PointResult, SweepSummary, fmt_volume};
use crate::charts::{
    ChartError, HEIGHT, LABEL_PX, LEGEND_W, OUTER, TICK_PX, TITLE_H, TITLE_PX, WIDTH, colors,
    fonts, render_one,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

const FONT: &str = "sans-serif";
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const AXIS: RGBColor = RGBColor(0x40, 0x40, 0x40);
const TEXT: RGBColor = RGBColor(0x10, 0x10, 0x10);
const NOTE: RGBColor = RGBColor(0x50, 0x50, 0x50);
const OTHER: RGBColor = RGBColor(0xa0, 0xa0, 0xa0);
/// The goal's pick (green: stands out from blues and oranges).
const PICK: RGBColor = RGBColor(0x00, 0x9e, 0x49);
const CROSS: RGBColor = RGBColor(0x25, 0x25, 0x25);
const NO_DATA: RGBColor = RGBColor(0xf0, 0xf0, 0xf0);
const ZERO: RGBColor = RGBColor(0xe5, 0xf5, 0xe0);

fn c(t: (u8, u8, u8)) -> RGBColor {
    RGBColor(t.0, t.1, t.2)
}
const LMI: (u8, u8, u8) = colors::LMI_EC2;
const DEFAULT: (u8, u8, u8) = colors::DEFAULT_DURATION;

trait Ctx<T> {
    fn de(self) -> Result<T, String>;
}
impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn de(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).color(&TEXT)
}

fn bold(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font().style(FontStyle::Bold)).color(&TEXT)
}

fn left(s: TextStyle<'static>) -> TextStyle<'static> {
    s.pos(Pos::new(HPos::Left, VPos::Center))
}

fn center(s: TextStyle<'static>) -> TextStyle<'static> {
    s.pos(Pos::new(HPos::Center, VPos::Center))
}

/// White root with the title; returns (plot area, legend area).
fn layout<'a>(buf: &'a mut [u8], title: &str) -> Result<(Area<'a>, Area<'a>), String> {
    let root = BitMapBackend::with_buffer(buf, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).de()?;
    root.draw(&Text::new(
        title.to_string(),
        ((WIDTH / 2) as i32, (TITLE_H / 2) as i32),
        center(bold(TITLE_PX)),
    ))
    .de()?;
    let body = root.clone().shrink(
        (OUTER as i32, TITLE_H as i32),
        (WIDTH - 2 * OUTER, HEIGHT - TITLE_H - OUTER),
    );
    Ok(body.split_horizontally(WIDTH - 2 * OUTER - LEGEND_W))
}

enum Swatch {
    Line,
    Dot,
    Ring,
    Dashed,
    Fill(RGBColor),
}

/// Legend column: heading, entries, then notes (`true` = bold).
fn legend(
    area: &Area<'_>,
    heading: &str,
    items: &[(String, RGBColor, Swatch)],
    notes: &[(String, bool)],
) -> Result<i32, String> {
    let x0 = 24;
    let mut y = 38;
    area.draw(&Text::new(
        heading.to_string(),
        (x0, y),
        left(bold(LABEL_PX)),
    ))
    .de()?;
    y += 34;
    for (label, col, sw) in items {
        match sw {
            Swatch::Line => {
                area.draw(&Rectangle::new(
                    [(x0, y - 2), (x0 + 40, y + 2)],
                    col.filled(),
                ))
                .de()?;
                area.draw(&Circle::new((x0 + 20, y), 5, col.filled()))
                    .de()?;
            }
            Swatch::Dot => area
                .draw(&Circle::new((x0 + 20, y), 6, col.filled()))
                .de()?,
            Swatch::Ring => area
                .draw(&Circle::new((x0 + 20, y), 10, col.stroke_width(3)))
                .de()?,
            Swatch::Dashed => {
                for k in 0..3 {
                    let a = x0 + k * 15;
                    area.draw(&Rectangle::new([(a, y - 2), (a + 9, y + 2)], col.filled()))
                        .de()?;
                }
            }
            Swatch::Fill(edge) => {
                area.draw(&Rectangle::new(
                    [(x0, y - 9), (x0 + 40, y + 9)],
                    col.filled(),
                ))
                .de()?;
                area.draw(&Rectangle::new([(x0, y - 9), (x0 + 40, y + 9)], *edge))
                    .de()?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (x0 + 52, y),
            left(font(LABEL_PX)),
        ))
        .de()?;
        y += 30;
    }
    crate::charts::draw::legend_notes(area, x0, y + 8, notes)
}

/// Log range around values, padded, at least a factor 10 wide.
fn log_range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = vals
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if hi <= 0.0 {
        return (1.0, 10.0);
    }
    let (lo, hi) = (lo / 1.4, hi * 1.4);
    if hi / lo < 10.0 {
        let mid = (lo * hi).sqrt();
        (mid / 3.2, mid * 3.2)
    } else {
        (lo, hi)
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// 1M, 2.5M, 500k, 20.
fn fmt_count_tick(v: f64) -> String {
    if v >= 1e9 {
        format!("{}G", trim(format!("{:.1}", v / 1e9)))
    } else if v >= 1e6 {
        format!("{}M", trim(format!("{:.1}", v / 1e6)))
    } else if v >= 1e3 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else {
        trim(format!("{v:.1}"))
    }
}

/// $0.5, $20, $1.5k.
fn fmt_usd_tick(v: f64) -> String {
    if v >= 1e3 {
        format!("${}", fmt_count_tick(v))
    } else if v >= 10.0 || v == 0.0 {
        format!("${}", trim(format!("{v:.0}")))
    } else if v >= 0.1 {
        format!("${}", trim(format!("{v:.2}")))
    } else {
        format!("${}", trim(format!("{v:.4}")))
    }
}

/// 0, 0.05%, 1.2%, 12%.
fn fmt_pct(v: f64) -> String {
    let p = v * 100.0;
    if p == 0.0 {
        "0".into()
    } else if p >= 10.0 {
        format!("{}%", trim(format!("{p:.1}")))
    } else if p >= 0.1 {
        format!("{}%", trim(format!("{p:.2}")))
    } else if p >= 0.001 {
        format!("{}%", trim(format!("{p:.3}")))
    } else {
        format!("{p:.1e}%")
    }
}

fn platform_name(p: &str) -> &'static str {
    if p == "lmi" { "LMI" } else { "default Lambda" }
}

/// A value cell shown on a chart: list brackets and quotes dropped.
fn short(label: &str) -> String {
    label
        .trim_start_matches('[')
        .trim_end_matches(']')
        .replace('"', "")
}

/// Truncates `s` to about `max_px` pixels at `px` font size.
fn fit(s: &str, px: u32, max_px: i32) -> String {
    let max_chars = ((max_px as f64) / (px as f64 * 0.56)).floor().max(3.0) as usize;
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let t: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{t}…")
    }
}

/// Every chart file a sweep may write.
pub const NAMES: [&str; 3] = ["crossover.png", "heatmap.png", "pareto.png"];

fn pick_point(s: &SweepSummary) -> Option<usize> {
    s.goal
        .as_ref()
        .and_then(|g| g.pick.as_ref())
        .map(|p| p.point)
}

/// PNG files (name, bytes) and notes about charts skipped.
pub type Rendered = (Vec<(String, Vec<u8>)>, Vec<String>);

/// Renders every chart; returns the files and notes about charts skipped.
pub fn render(s: &SweepSummary, rows: &[PointResult]) -> Result<Rendered, ChartError> {
    fonts()?;
    let m = crate::charts::meta(&s.sweep, s.seed);
    let mut out = Vec::new();
    let mut notes = Vec::new();
    if s.platforms == "both" {
        out.push(render_one("crossover.png", &m, |b| crossover(b, s, rows))?);
    } else {
        notes.push(format!(
            "crossover.png skipped: it needs both platforms, the sweep simulates only {}",
            platform_name(&s.platforms)
        ));
    }
    if s.axes.len() >= 2 {
        out.push(render_one("heatmap.png", &m, |b| heatmap(b, s, rows))?);
    } else {
        notes.push(format!(
            "heatmap.png skipped: it needs two axes, the sweep has {}",
            s.axes.len()
        ));
    }
    out.push(render_one("pareto.png", &m, |b| pareto(b, s, rows))?);
    Ok((out, notes))
}

// ---------------------------------------------------------------- crossover

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

fn crossover(buf: &mut [u8], s: &SweepSummary, rows: &[PointResult]) -> Result<(), String> {
    let (plot, leg) = layout(
        buf,
        &format!("{} — monthly cost against monthly invocations", s.sweep),
    )?;
    let lmi = cost_series(rows, "lmi");
    let def = cost_series(rows, "default");
    let all = lmi.iter().chain(&def);
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
    for (name, ser, col) in [("default", &def, DEFAULT), ("lmi", &lmi, LMI)] {
        if ser.is_empty() {
            continue;
        }
        // Lines only when each volume appears once (one varying axis).
        let unique = ser.windows(2).all(|w| w[1].1 > w[0].1);
        if unique && ser.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    ser.iter().map(|p| (p.1, p.2)),
                    c(col).stroke_width(3),
                ))
                .de()?;
        }
        chart
            .draw_series(
                ser.iter()
                    .map(|p| Circle::new((p.1, p.2), 5, c(col).filled())),
            )
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

// ---------------------------------------------------------------- heatmap

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

fn heatmap(buf: &mut [u8], s: &SweepSummary, rows: &[PointResult]) -> Result<(), String> {
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

fn last_seg(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

// ---------------------------------------------------------------- pareto

fn pareto(buf: &mut [u8], s: &SweepSummary, rows: &[PointResult]) -> Result<(), String> {
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
    let col = c(if platform == "lmi" { LMI } else { DEFAULT });
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
