//! The four charts, drawn with plotters into an RGB buffer.
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
pub(crate) use backlog::backlog;

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

// ---- 1. throttles ------------------------------------------------------------------

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
    if ymax <= 0.0 {
        center_note(&chart, "no throttles")?;
    }
    legend(leg, "throttled requests", &items, &notes)?;
    root.present().de()
}

// ---- 2. LMI capacity ---------------------------------------------------------------

pub(crate) fn capacity(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let Some(l) = d.lmi.as_ref() else {
        return Err("no LMI results".into());
    };
    let root = root(buf, &s.title("LMI capacity against demand"))?;
    let p = panels(&root, &[1.0, 1.0, 1.0]);
    let x = 0.0..d.x_end;
    let yfmt = |v: &f64| fmt_num(*v);
    let level_note = if d.bucket_intervals > 1 {
        format!("peak {}", d.per())
    } else {
        "at each interval's end".to_string()
    };
    let starting_note = format!("initializing, launching: most {}", d.per());

    // (a) in flight vs slots.
    {
        let (area, leg) = &p[0];
        let ymax = vmax(&l.in_flight).max(vmax(&l.slots));
        let mut chart = builder(area, false, false)
            .build_cartesian_2d(x.clone(), 0.0..top(ymax))
            .de()?;
        mesh!(chart, d, false, "invocations · slots", &yfmt);
        chart
            .draw_series(
                AreaSeries::new(steps(d, &l.slots), 0.0, c(colors::SLOTS_FILL).filled())
                    .border_style(line(colors::SLOTS, 2)),
            )
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.in_flight),
                line(colors::IN_FLIGHT, 3),
            ))
            .de()?;
        legend(
            leg,
            "demand vs capacity",
            &[
                item("available slots", colors::SLOTS, Swatch::Fill),
                item("invocations in flight", colors::IN_FLIGHT, Swatch::Line),
            ],
            &[(level_note.clone(), false)],
        )?;
    }

    // (b) EEs (left axis) and instances (right axis).
    {
        let (area, leg) = &p[1];
        let ymax = vmax(&l.ees_ready).max(vmax(&l.ees_initializing));
        let y2max = vmax(&l.instances_running).max(vmax(&l.instances_launching));
        let mut chart = builder(area, false, true)
            .build_cartesian_2d(x.clone(), 0.0..top(ymax))
            .de()?
            // Extra headroom on the instance axis keeps its lines off the EE
            // lines when the two happen to scale alike.
            .set_secondary_coord(x.clone(), 0.0..top(y2max) * 1.5);
        mesh!(chart, d, false, "execution environments", &yfmt);
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .label_style(font(TICK_PX))
            .axis_desc_style(font(LABEL_PX))
            .y_label_formatter(&yfmt)
            .y_desc("instances")
            .axis_style(AXIS)
            .draw()
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.ees_ready),
                line(colors::EES_READY, 3),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.ees_initializing),
                line(colors::EES_INITIALIZING, 3),
            ))
            .de()?;
        chart
            .draw_secondary_series(LineSeries::new(
                steps(d, &l.instances_running),
                line(colors::INSTANCES_RUNNING, 2),
            ))
            .de()?;
        chart
            .draw_secondary_series(DashedLineSeries::new(
                steps(d, &l.instances_launching),
                9,
                6,
                line(colors::INSTANCES_LAUNCHING, 3),
            ))
            .de()?;
        let heading = if s.function.is_some() {
            "EEs · provider instances"
        } else {
            "EEs · instances"
        };
        legend(
            leg,
            heading,
            &[
                item("EEs ready (left)", colors::EES_READY, Swatch::Line),
                item(
                    "EEs initializing (left)",
                    colors::EES_INITIALIZING,
                    Swatch::Line,
                ),
                item(
                    "instances running (right)",
                    colors::INSTANCES_RUNNING,
                    Swatch::Line,
                ),
                item(
                    "instances launching (right)",
                    colors::INSTANCES_LAUNCHING,
                    Swatch::Dashed,
                ),
            ],
            &[(level_note.clone(), false), (starting_note, false)],
        )?;
    }

    // (c) CPU utilization against the target.
    {
        let (area, leg) = &p[2];
        let target = 100.0 * s.cpu_target;
        let ymax = vmax(&l.cpu_ee)
            .max(vmax(&l.cpu_provider))
            .max(target)
            .max(100.0);
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        let pct = |v: &f64| format!("{v:.0}");
        mesh!(chart, d, true, "CPU utilization [%]", &pct);
        let cpu_note = if d.bucket_intervals > 1 {
            format!("mean {}", d.per())
        } else {
            "interval means".into()
        };
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, target), (d.x_end, target)],
                12,
                8,
                line(colors::CPU_TARGET, 2),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.cpu_provider),
                line(colors::CPU_PROVIDER, 2),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.cpu_ee),
                line(colors::CPU_EE, 3),
            ))
            .de()?;
        legend(
            leg,
            "CPU utilization",
            &[
                item("EE-level (scaler signal)", colors::CPU_EE, Swatch::Line),
                item("provider instances", colors::CPU_PROVIDER, Swatch::Line),
                item(
                    format!("scaler target {target:.0} %"),
                    colors::CPU_TARGET,
                    Swatch::Dashed,
                ),
            ],
            &[(cpu_note, false)],
        )?;
    }
    root.present().de()
}

// ---- 3. cost -----------------------------------------------------------------------

pub(crate) fn cost(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let root = root(buf, &s.title("cumulative cost"))?;
    let n_panels = d.lmi.is_some() as usize + d.default.is_some() as usize;
    let weights = vec![1.0; n_panels.max(1)];
    let p = panels(&root, &weights);
    let x = 0.0..d.x_end;
    let most = d
        .lmi_total_usd
        .unwrap_or(0.0)
        .max(d.default_total_usd.unwrap_or(0.0));
    let ymax = if most > 0.0 && most.is_finite() {
        most * 1.12
    } else {
        0.01
    };
    let yfmt = |v: &f64| fmt_usd_tick(*v);
    let horizon = fmt_horizon(s.horizon_s);
    let shared = s.function.is_some();
    let mut k = 0;

    if let Some(l) = d.lmi.as_ref() {
        let (area, leg) = &p[k];
        k += 1;
        let bottom = k == p.len();
        let mut chart = builder(area, bottom, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        mesh!(chart, d, bottom, "LMI cost [USD]", &yfmt);
        let n = l.cum_ec2.len();
        let ec2 = l.cum_ec2.clone();
        let fee: Vec<f64> = (0..n).map(|i| ec2[i] + l.cum_fee[i]).collect();
        let all: Vec<f64> = (0..n).map(|i| fee[i] + l.cum_requests[i]).collect();
        for (v, col) in [
            (&all, colors::LMI_REQUESTS),
            (&fee, colors::LMI_FEE),
            (&ec2, colors::LMI_EC2),
        ] {
            chart
                .draw_series(AreaSeries::new(cumulative(d, v), 0.0, c(col).filled()))
                .de()?;
        }
        let mut notes = vec![
            (
                format!("≈ {} per month", fmt_usd(d.lmi_monthly_usd.unwrap_or(0.0))),
                true,
            ),
            (
                format!("{} over {horizon}", fmt_usd(d.lmi_total_usd.unwrap_or(0.0))),
                false,
            ),
        ];
        if shared {
            notes.push(("EC2 and fee: this function's".into(), false));
            notes.push(("share by EE vCPUs held".into(), false));
        }
        legend(
            leg,
            "LMI",
            &[
                item("requests", colors::LMI_REQUESTS, Swatch::Fill),
                item("management fee", colors::LMI_FEE, Swatch::Fill),
                item("EC2 instances", colors::LMI_EC2, Swatch::Fill),
            ],
            &notes,
        )?;
    }

    if let Some(df) = d.default.as_ref() {
        let (area, leg) = &p[k];
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        mesh!(chart, d, true, "default Lambda cost [USD]", &yfmt);
        let n = df.cum_duration.len();
        let with_pc = vmax(&df.cum_provisioned) > 0.0;
        let dur = df.cum_duration.clone();
        let init: Vec<f64> = (0..n).map(|i| dur[i] + df.cum_init[i]).collect();
        let req: Vec<f64> = (0..n).map(|i| init[i] + df.cum_requests[i]).collect();
        let pc: Vec<f64> = (0..n).map(|i| req[i] + df.cum_provisioned[i]).collect();
        let mut layers = vec![];
        if with_pc {
            layers.push((&pc, colors::DEFAULT_PROVISIONED));
        }
        layers.extend([
            (&req, colors::DEFAULT_REQUESTS),
            (&init, colors::DEFAULT_INIT),
            (&dur, colors::DEFAULT_DURATION),
        ]);
        for (v, col) in layers {
            chart
                .draw_series(AreaSeries::new(cumulative(d, v), 0.0, c(col).filled()))
                .de()?;
        }
        let mut items = vec![];
        if with_pc {
            items.push(item(
                "provisioned concurrency",
                colors::DEFAULT_PROVISIONED,
                Swatch::Fill,
            ));
        }
        items.extend([
            item("requests", colors::DEFAULT_REQUESTS, Swatch::Fill),
            item("INIT (GB-s)", colors::DEFAULT_INIT, Swatch::Fill),
            item("duration (GB-s)", colors::DEFAULT_DURATION, Swatch::Fill),
        ]);
        legend(
            leg,
            "default Lambda",
            &items,
            &[
                (
                    format!(
                        "≈ {} per month",
                        fmt_usd(d.default_monthly_usd.unwrap_or(0.0))
                    ),
                    true,
                ),
                (
                    format!(
                        "{} over {horizon}",
                        fmt_usd(d.default_total_usd.unwrap_or(0.0))
                    ),
                    false,
                ),
            ],
        )?;
    }
    root.present().de()
}

/// (values, colour, line width, legend label).
type LatencySeries<'a> = (&'a [Option<f64>], (u8, u8, u8), u32, &'static str);

// ---- 4. latency --------------------------------------------------------------------

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
