//! What the run charts share, drawn with plotters into an RGB buffer: colours,
//! number formats, the title and panel layout, the `mesh!` axes, legends and
//! series shapes. Each chart lives in its own file under `draw/` (throttles,
//! capacity, cost, latency, backlog); no chart is drawn here.
//!
//! Every drawing call's error is turned into a `String` (the caller wraps it
//! in `ChartError::Draw` with the chart's name); nothing here panics.

use super::data::ChartData;
use super::{
    HEIGHT, LABEL_PX, LEGEND_W, OUTER, PANEL_GAP, PLOT_LEFT, PLOT_RIGHT, Subject, TICK_PX, TITLE_H,
    TITLE_PX, WIDTH, X_AREA, Y_AREA, Y2_AREA, colors,
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

fn c(t: (u8, u8, u8)) -> RGBColor {
    RGBColor(t.0, t.1, t.2)
}

trait Ctx<T> {
    fn de(self) -> Result<T, String>;
}
impl<T, E: std::fmt::Display> Ctx<T> for Result<T, E> {
    fn de(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

// ---- number formatting -------------------------------------------------------

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Compact tick label: 0, 2.5, 120, 1.5k, 25k, 1.2M.
pub(crate) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(format!("{:.1}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.0}", v / 1e3)))
    } else if a >= 1e3 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if a >= 10.0 || a == 0.0 {
        trim(format!("{v:.1}"))
    } else if a >= 0.1 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.3}"))
    }
}

/// Dollar tick label: $0, $0.05, $1.5, $120, $1.2k.
fn fmt_usd_tick(v: f64) -> String {
    if v.abs() >= 1e3 {
        format!("${}", fmt_num(v))
    } else if v.abs() >= 10.0 || v == 0.0 {
        format!("${}", trim(format!("{v:.1}")))
    } else if v.abs() >= 0.01 {
        format!("${}", trim(format!("{v:.2}")))
    } else {
        format!("${}", trim(format!("{v:.4}")))
    }
}

use crate::report::fmt_usd;

/// Thousands-separated count.
fn fmt_count(x: f64) -> String {
    let s = (x.round().max(0.0) as u64).to_string();
    let mut g = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            g.push(',');
        }
        g.push(ch);
    }
    g
}

/// Latency tick label: 12 ms, 1.5 s.
fn fmt_ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} s", trim(format!("{:.1}", v / 1000.0)))
    } else if v >= 1.0 {
        format!("{} ms", trim(format!("{v:.0}")))
    } else {
        format!("{} ms", trim(format!("{v:.2}")))
    }
}

/// "2 h", "90 min", "14 days".
fn fmt_horizon(s: f64) -> String {
    if s >= 2.0 * 86_400.0 {
        format!("{} days", trim(format!("{:.1}", s / 86_400.0)))
    } else if s >= 2.0 * 3600.0 {
        format!("{} h", trim(format!("{:.1}", s / 3600.0)))
    } else if s >= 120.0 {
        format!("{} min", trim(format!("{:.1}", s / 60.0)))
    } else {
        format!("{} s", trim(format!("{s:.0}")))
    }
}

// ---- layout ------------------------------------------------------------------

fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).color(&TEXT)
}

fn bold(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font().style(FontStyle::Bold)).color(&TEXT)
}

/// A white root with the title drawn; returns it.
fn root<'a>(buf: &'a mut [u8], title: &str) -> Result<Area<'a>, String> {
    let root = BitMapBackend::with_buffer(buf, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).de()?;
    let style = bold(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(
        title.to_string(),
        ((WIDTH / 2) as i32, (TITLE_H / 2) as i32),
        style,
    ))
    .de()?;
    Ok(root)
}

/// Stacks panels of the given relative heights; returns (chart area, legend
/// area) pairs, top to bottom. The lowest panel also holds the time axis.
fn panels<'a>(root: &Area<'a>, weights: &[f64]) -> Vec<(Area<'a>, Area<'a>)> {
    let top = TITLE_H as i32;
    let bottom = (HEIGHT - OUTER) as i32;
    let avail = (bottom - top - X_AREA as i32) as f64;
    let total: f64 = weights.iter().sum::<f64>().max(1e-9);
    let mut y = top;
    let mut out = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let h = if i + 1 == weights.len() {
            bottom - y
        } else {
            (avail * w / total).round() as i32
        };
        let area = root
            .clone()
            .shrink((OUTER as i32, y), (WIDTH - 2 * OUTER, h.max(1) as u32));
        out.push(area.split_horizontally(WIDTH - 2 * OUTER - LEGEND_W));
        y += h;
    }
    out
}

/// A panel's chart builder. Without a secondary axis the right label area is
/// left as a blank margin (plotters would mirror the left labels into it), so
/// the plot spans the same pixels either way.
fn builder<'a, 'b>(
    area: &'a Area<'b>,
    bottom: bool,
    secondary: bool,
) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut b = ChartBuilder::on(area);
    b.margin_top(PANEL_GAP)
        .margin_bottom(0)
        .margin_left(0)
        .x_label_area_size(if bottom { X_AREA } else { 0 })
        .y_label_area_size(Y_AREA);
    if secondary {
        b.margin_right(0).right_y_label_area_size(Y2_AREA);
    } else {
        b.margin_right(Y2_AREA);
    }
    b
}

/// Draws the grid and axes of a panel.
macro_rules! mesh {
    ($chart:expr, $d:expr, $bottom:expr, $ydesc:expr, $yfmt:expr) => {{
        let xfmt = |v: &f64| fmt_num(*v);
        let mut m = $chart.configure_mesh();
        m.x_labels(12)
            .y_labels(6)
            .label_style(font(TICK_PX))
            .axis_desc_style(font(LABEL_PX))
            .x_label_formatter(&xfmt)
            .y_label_formatter($yfmt)
            .y_desc($ydesc)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_label_offset(0);
        if $bottom {
            m.x_desc($d.unit.axis_label());
        }
        m.draw().de()?;
        let (xr, _) = $chart.plotting_area().get_pixel_range();
        if xr.start != PLOT_LEFT || xr.end != PLOT_RIGHT {
            return Err(format!(
                "layout: plot x range {}..{} differs from {}..{}",
                xr.start, xr.end, PLOT_LEFT, PLOT_RIGHT
            ));
        }
    }};
}

mod backlog;
mod capacity;
mod cost;
mod latency;
mod throttles;
pub(crate) use backlog::backlog;
pub(crate) use capacity::capacity;
pub(crate) use cost::cost;
pub(crate) use latency::latency;
pub(crate) use throttles::throttles;

#[derive(Clone, Copy)]
enum Swatch {
    Line,
    Dashed,
    Fill,
}

struct Item {
    label: String,
    color: RGBColor,
    swatch: Swatch,
}

fn item(label: impl Into<String>, color: (u8, u8, u8), swatch: Swatch) -> Item {
    Item {
        label: label.into(),
        color: c(color),
        swatch,
    }
}

/// Draws a legend column: a bold heading, the entries, then notes (`true` = bold).
fn legend(
    area: &Area<'_>,
    heading: &str,
    items: &[Item],
    notes: &[(String, bool)],
) -> Result<(), String> {
    let x0 = 24;
    let mut y = PANEL_GAP as i32 + 12;
    let left = |s: TextStyle<'static>| s.pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(
        heading.to_string(),
        (x0, y),
        left(bold(LABEL_PX)),
    ))
    .de()?;
    y += 34;
    for it in items {
        match it.swatch {
            Swatch::Line => {
                area.draw(&Rectangle::new(
                    [(x0, y - 2), (x0 + 40, y + 2)],
                    it.color.filled(),
                ))
                .de()?;
            }
            Swatch::Dashed => {
                for k in 0..3 {
                    let a = x0 + k * 15;
                    area.draw(&Rectangle::new(
                        [(a, y - 2), (a + 9, y + 2)],
                        it.color.filled(),
                    ))
                    .de()?;
                }
            }
            Swatch::Fill => {
                area.draw(&Rectangle::new(
                    [(x0, y - 9), (x0 + 40, y + 9)],
                    it.color.filled(),
                ))
                .de()?;
            }
        }
        area.draw(&Text::new(
            it.label.clone(),
            (x0 + 52, y),
            left(font(LABEL_PX)),
        ))
        .de()?;
        y += 30;
    }
    legend_notes(area, x0, y + 8, notes)?;
    Ok(())
}

/// The notes under a legend's entries, from `y` down (`true` = bold); returns
/// the next free `y`.
pub(crate) fn legend_notes(
    area: &Area<'_>,
    x0: i32,
    mut y: i32,
    notes: &[(String, bool)],
) -> Result<i32, String> {
    let left = |s: TextStyle<'static>| s.pos(Pos::new(HPos::Left, VPos::Center));
    for (text, b) in notes {
        let style = if *b {
            bold(LABEL_PX)
        } else {
            font(TICK_PX).color(&NOTE)
        };
        area.draw(&Text::new(text.clone(), (x0, y), left(style)))
            .de()?;
        y += 28;
    }
    Ok(y)
}

/// Step-line points: each bucket a flat segment.
fn steps(d: &ChartData, v: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * v.len());
    for (i, &y) in v.iter().enumerate() {
        pts.push((d.t0[i], y));
        pts.push((d.t1[i], y));
    }
    pts
}

/// Contiguous runs of defined values, as line points at bucket midpoints.
fn runs(d: &ChartData, v: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for (i, y) in v.iter().enumerate() {
        match y {
            Some(y) if *y > 0.0 && y.is_finite() => cur.push(((d.t0[i] + d.t1[i]) / 2.0, *y)),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Cumulative points: (0, 0), then each bucket end.
fn cumulative(d: &ChartData, v: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(v.len() + 1);
    pts.push((0.0, 0.0));
    for (i, &y) in v.iter().enumerate() {
        pts.push((d.t1[i], y));
    }
    pts
}

fn vmax(v: &[f64]) -> f64 {
    v.iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max)
}

/// Upper end of a count axis: 12 % headroom, at least 5 (whole-number ticks).
fn top(m: f64) -> f64 {
    (m * 1.12).max(5.0)
}

/// Log-axis ticks: 1-2-5 steps within `lo..hi`; decades only when that
/// gives more than `crowded` ticks.
pub(crate) fn log_ticks(lo: f64, hi: f64, crowded: usize) -> Vec<f64> {
    let mut out = Vec::new();
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return out;
    }
    let mut decade = 10f64.powi(lo.log10().floor() as i32);
    while decade <= hi && out.len() < 64 {
        for m in [1.0, 2.0, 5.0] {
            let v = decade * m;
            if v >= lo && v <= hi {
                out.push(v);
            }
        }
        decade *= 10.0;
    }
    if out.len() > crowded {
        out.retain(|v| (v.log10() - v.log10().round()).abs() < 1e-9);
    }
    out
}

fn line(color: (u8, u8, u8), w: u32) -> ShapeStyle {
    c(color).stroke_width(w)
}

/// "nothing to show" text in the middle of a plot.
fn center_note<'a, X, Y>(
    chart: &ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, Y>>,
    text: &str,
) -> Result<(), String>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
{
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    let style = font(LABEL_PX + 2)
        .color(&NOTE)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(
        text.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        style,
    ))
    .de()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_are_1_2_5() {
        assert_eq!(
            log_ticks(40.0, 1100.0, 9),
            vec![50.0, 100.0, 200.0, 500.0, 1000.0]
        );
        assert_eq!(
            log_ticks(0.5, 1e6, 9),
            vec![1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6]
        );
        assert!(log_ticks(0.0, 1.0, 9).is_empty());
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(120.0), "120");
        assert_eq!(fmt_num(1500.0), "1.5k");
        assert_eq!(fmt_num(25_000.0), "25k");
        assert_eq!(fmt_usd_tick(0.05), "$0.05");
        assert_eq!(fmt_usd(1234.4), "$1,234");
        assert_eq!(fmt_ms(1500.0), "1.5 s");
        assert_eq!(fmt_ms(120.0), "120 ms");
        assert_eq!(fmt_horizon(7200.0), "2 h");
        assert_eq!(fmt_count(12345.0), "12,345");
    }
}
