//! A sweep's charts, in the style of `src/charts` (same size, font, colours,
//! legend column on the right): `crossover.png` (monthly cost against monthly
//! invocations, log-log, both platforms — and LMI + spill-over when a point
//! spills — the crossover marked), `heatmap.png`
//! (throttle rate over the first two axes) and `pareto.png` (cost against
//! throttle rate, the Pareto front and the goal's pick).
//!
//! Pure: returns (file name, PNG bytes). Every drawing error becomes a
//! [`ChartError`]; nothing here panics.
//!
//! This file holds what the charts share (layout, legend, ranges, number
//! formats) and [`render`]; each chart lives in its own file under `charts/`.

use super::{PointResult, SweepSummary, fmt_volume};
use crate::charts::{
    ChartError, HEIGHT, LABEL_PX, LEGEND_W, OUTER, TICK_PX, TITLE_H, TITLE_PX, WIDTH, colors,
    fonts, render_one,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod crossover;
mod heatmap;
mod pareto;
use crossover::crossover;
use heatmap::heatmap;
use pareto::pareto;

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
/// LMI + spill-over (the spilled traffic's colour on a run's charts).
const BLEND: (u8, u8, u8) = colors::SPILLED;

/// A platform key's colour.
fn platform_color(p: &str) -> (u8, u8, u8) {
    match p {
        "lmi" => LMI,
        "blend" => BLEND,
        _ => DEFAULT,
    }
}

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
    crate::report::tables::platform_name(p)
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

fn last_seg(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}
