//! Charts: the pictures users look at instead of reading CSV.
//!
//! [`render_run`] turns a run into PNG files (name, bytes) — pure, no file I/O;
//! the CLI decides where they go. Every chart is [`WIDTH`]×[`HEIGHT`] px on a
//! white background, drawn with plotters into an RGB buffer and encoded with
//! the `png` crate, so the same run gives byte-identical files. Text uses the
//! bundled DejaVu Sans (assets/fonts), registered with plotters' `ab_glyph`
//! backend: no system fonts, no fontconfig.
//!
//! Layout: a title strip on top, then panels stacked on a shared time axis.
//! Every panel has the same left and right label areas, so a time maps to the
//! same x pixel in every panel of every chart ([`time_to_px`]). Legends sit in
//! a column to the right of the plots and never cover data.

mod data;
pub(crate) mod draw;

pub use data::{
    ChartData, DefaultSeries, LmiSeries, MAX_BUCKETS, Selection, TimeUnit, build, period_name,
};

use crate::report::Summary;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// Chart width [px].
pub const WIDTH: u32 = 1600;
/// Chart height [px].
pub const HEIGHT: u32 = 900;
/// Height of the title strip [px].
pub const TITLE_H: u32 = 64;
/// Outer margin left, right and bottom [px].
pub const OUTER: u32 = 12;
/// Width of the legend column on the right [px].
pub const LEGEND_W: u32 = 380;
/// Left label area (y tick labels and the y-axis title) [px].
pub const Y_AREA: u32 = 118;
/// Right label area (secondary y axis; blank when unused) [px].
pub const Y2_AREA: u32 = 96;
/// Bottom label area of the lowest panel (time ticks and axis title) [px].
pub const X_AREA: u32 = 64;
/// Gap above each panel's plot [px].
pub const PANEL_GAP: u32 = 26;
/// First x pixel of every plot area.
pub const PLOT_LEFT: i32 = (OUTER + Y_AREA) as i32;
/// The x pixel of the horizon (right edge of every plot area).
pub const PLOT_RIGHT: i32 = (WIDTH - OUTER - LEGEND_W - Y2_AREA) as i32;

/// Title font size [px].
pub const TITLE_PX: u32 = 32;
/// Axis-title and legend font size [px].
pub const LABEL_PX: u32 = 20;
/// Tick-label font size [px].
pub const TICK_PX: u32 = 19;

/// Colours, as RGB. LMI series are blues, teals and purples; default Lambda
/// series are oranges, reds and browns; offered traffic is grey.
pub mod colors {
    pub const OFFERED: (u8, u8, u8) = (0x73, 0x73, 0x73);
    pub const OFFERED_FILL: (u8, u8, u8) = (0xd4, 0xd4, 0xd4);
    /// LMI throttles (bars in `throttles.png`).
    pub const LMI_THROTTLES: (u8, u8, u8) = (0x21, 0x71, 0xb5);
    /// Default-Lambda throttles (bars in `throttles.png`).
    pub const DEFAULT_THROTTLES: (u8, u8, u8) = (0xe6, 0x55, 0x0d);
    /// Spill-over: LMI throttles retried on default Lambda, and those the
    /// fallback throttled too.
    pub const SPILLED: (u8, u8, u8) = (0x31, 0xa3, 0x54);
    pub const FALLBACK_THROTTLES: (u8, u8, u8) = (0xcb, 0x18, 0x1d);

    pub const IN_FLIGHT: (u8, u8, u8) = (0x08, 0x30, 0x6b);
    pub const SLOTS: (u8, u8, u8) = (0x6b, 0xae, 0xd6);
    pub const SLOTS_FILL: (u8, u8, u8) = (0xde, 0xeb, 0xf7);
    pub const EES_READY: (u8, u8, u8) = (0x21, 0x71, 0xb5);
    pub const EES_INITIALIZING: (u8, u8, u8) = (0x17, 0xbe, 0xcf);
    pub const INSTANCES_RUNNING: (u8, u8, u8) = (0x54, 0x27, 0x8f);
    pub const INSTANCES_LAUNCHING: (u8, u8, u8) = (0xa0, 0x8c, 0xd8);
    pub const CPU_EE: (u8, u8, u8) = (0x23, 0x8b, 0x45);
    pub const CPU_PROVIDER: (u8, u8, u8) = (0xae, 0x01, 0x7e);
    pub const CPU_TARGET: (u8, u8, u8) = (0x25, 0x25, 0x25);
    /// The fleet's vCPUs and the `MaxVCpuCount` line (in `lmi-capacity.png`).
    pub const VCPUS: (u8, u8, u8) = (0x80, 0x7d, 0xba);
    pub const MAX_VCPU: (u8, u8, u8) = (0x25, 0x25, 0x25);

    pub const LMI_EC2: (u8, u8, u8) = (0x08, 0x51, 0x9c);
    pub const LMI_FEE: (u8, u8, u8) = (0x6b, 0xae, 0xd6);
    pub const LMI_REQUESTS: (u8, u8, u8) = (0xc6, 0xdb, 0xef);
    pub const DEFAULT_DURATION: (u8, u8, u8) = (0xd9, 0x48, 0x01);
    pub const DEFAULT_INIT: (u8, u8, u8) = (0xfd, 0x8d, 0x3c);
    pub const DEFAULT_REQUESTS: (u8, u8, u8) = (0xfd, 0xd0, 0xa2);
    pub const DEFAULT_PROVISIONED: (u8, u8, u8) = (0x8c, 0x2d, 0x04);

    pub const LMI_P50: (u8, u8, u8) = (0x6b, 0xae, 0xd6);
    pub const LMI_P99: (u8, u8, u8) = (0x08, 0x30, 0x6b);
    pub const DEFAULT_P50: (u8, u8, u8) = (0xfd, 0xae, 0x6b);
    pub const DEFAULT_P99: (u8, u8, u8) = (0xa6, 0x36, 0x03);
    pub const COLD_STARTS: (u8, u8, u8) = (0xe6, 0x55, 0x0d);
    /// A fault's recovery window (shaded in `lmi-capacity.png`).
    pub const FAULT: (u8, u8, u8) = (0xfc, 0xbb, 0xa1);
    /// The fault instant (a line in `lmi-capacity.png`).
    pub const FAULT_LINE: (u8, u8, u8) = (0xcb, 0x18, 0x1d);
}

/// Which chart failed, and why.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("chart {chart}: drawing failed: {message}")]
    Draw { chart: String, message: String },
    #[error("chart {chart}: PNG encoding failed: {message}")]
    Encode { chart: String, message: String },
    #[error("charts: the bundled font could not be loaded: {0}")]
    Font(String),
}

static DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static DEJAVU_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled font as "sans-serif" (once per process).
pub(crate) fn fonts() -> Result<(), ChartError> {
    static ONCE: OnceLock<Result<(), String>> = OnceLock::new();
    ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU)
            .map_err(|_| "DejaVuSans.ttf is not a valid font".to_string())?;
        plotters::style::register_font("sans-serif", FontStyle::Bold, DEJAVU_BOLD)
            .map_err(|_| "DejaVuSans-Bold.ttf is not a valid font".to_string())
    })
    .clone()
    .map_err(ChartError::Font)
}

/// The x pixel plotters draws time `t_s` at, in a run of `horizon_s` seconds
/// (the same in every panel of every chart).
pub fn time_to_px(t_s: f64, horizon_s: f64) -> i32 {
    if horizon_s <= 0.0 {
        return PLOT_LEFT;
    }
    let frac = t_s / horizon_s;
    // plotters: left + floor((right − left) · frac + 1e-3).
    let len = (PLOT_RIGHT - PLOT_LEFT) as f64;
    PLOT_LEFT + (len * frac + 1e-3).floor() as i32
}

/// File-name-safe version of a function name.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "function".into() } else { s }
}

/// What a set of charts is about: the whole provider, or one function.
pub(crate) struct Subject<'a> {
    pub scenario: &'a str,
    /// `None` for the provider (all functions).
    pub function: Option<&'a str>,
    /// More than one function in the run.
    pub multi: bool,
    pub cpu_target: f64,
    pub horizon_s: f64,
}

impl Subject<'_> {
    /// "marketing-spike — throttles per minute" or "multi · checkout — …".
    pub fn title(&self, what: &str) -> String {
        match (self.function, self.multi) {
            (Some(f), _) => format!("{} · {} — {}", self.scenario, f, what),
            (None, true) => format!("{} · all functions — {}", self.scenario, what),
            (None, false) => format!("{} — {}", self.scenario, what),
        }
    }
}

/// Text chunks every PNG carries: what made it, from which scenario and seed.
pub(crate) type Meta = [(&'static str, String); 3];

/// `Software`, `Title` and `Comment` chunks for a run of `name` with `seed`.
pub(crate) fn meta(name: &str, seed: u64) -> Meta {
    [
        ("Software", format!("lmi-sim {}", crate::report::VERSION)),
        ("Title", name.to_string()),
        ("Comment", format!("seed {seed}")),
    ]
}

/// Encodes an RGB buffer as PNG (deterministic), with `meta` as text chunks.
pub(crate) fn encode(chart: &str, rgb: &[u8], meta: &Meta) -> Result<Vec<u8>, ChartError> {
    let err = |e: png::EncodingError| ChartError::Encode {
        chart: chart.to_string(),
        message: e.to_string(),
    };
    let mut out = Vec::with_capacity(256 * 1024);
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        for (k, v) in meta {
            enc.add_text_chunk(k.to_string(), v.clone()).map_err(err)?;
        }
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(rgb).map_err(err)?;
        w.finish().map_err(err)?;
    }
    Ok(out)
}

/// Renders one chart to PNG bytes.
pub(crate) fn render_one(
    name: &str,
    meta: &Meta,
    f: impl FnOnce(&mut [u8]) -> Result<(), String>,
) -> Result<(String, Vec<u8>), ChartError> {
    let mut buf = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    f(&mut buf).map_err(|message| ChartError::Draw {
        chart: name.to_string(),
        message,
    })?;
    Ok((name.to_string(), encode(name, &buf, meta)?))
}

/// Renders the charts of one subject: throttles, LMI capacity (if LMI ran),
/// cost, latency.
fn render_set(
    prefix: &str,
    subject: &Subject<'_>,
    d: &ChartData,
    run: &RunResult,
    fns: &[usize],
    m: &Meta,
    out: &mut Vec<(String, Vec<u8>)>,
) -> Result<(), ChartError> {
    let name = |chart: &str| format!("{prefix}{chart}.png");
    out.push(render_one(&name("throttles"), m, |b| {
        draw::throttles(b, subject, d)
    })?);
    if d.lmi.is_some() {
        out.push(render_one(&name("lmi-capacity"), m, |b| {
            draw::capacity(b, subject, d)
        })?);
    }
    if d.lmi.is_some() || d.default.is_some() {
        out.push(render_one(&name("cost"), m, |b| draw::cost(b, subject, d))?);
        out.push(render_one(&name("latency"), m, |b| {
            draw::latency(b, subject, d)
        })?);
    }
    let queued = |src: Option<&crate::event_source::EventSourceResult>| {
        let Some(src) = src else { return false };
        fns.iter()
            .any(|&f| src.rows.get(f).is_some_and(|r| r.is_some()))
    };
    if queued(run.lmi_sources()) || queued(run.default_sources()) {
        out.push(render_one(&name("backlog"), m, |b| {
            draw::backlog(b, subject, d, run, fns)
        })?);
    }
    Ok(())
}

/// Renders every chart of a run: (file name, PNG bytes) pairs.
///
/// The unprefixed set (`throttles.png`, `lmi-capacity.png`, `cost.png`,
/// `latency.png`) covers the whole capacity provider, summed over functions;
/// a run with several functions also gets one set per function, prefixed
/// with its name (`checkout-throttles.png`). Charts of a platform that was
/// not simulated are left out (`lmi-capacity.png` needs LMI).
pub fn render_run(
    sc: &Scenario,
    run: &RunResult,
    summary: &Summary,
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    fonts()?;
    let multi = sc.functions.len() > 1;
    let subject = |function: Option<&'static str>| Subject {
        scenario: &sc.name,
        function,
        multi,
        cpu_target: sc.cpu_target(),
        horizon_s: sc.horizon.as_secs_f64(),
    };
    let mut out = Vec::new();
    let all = data::build(sc, run, summary, Selection::All);
    let every: Vec<usize> = (0..sc.functions.len()).collect();
    let m = meta(&sc.name, sc.seed);
    render_set("", &subject(None), &all, run, &every, &m, &mut out)?;
    if multi {
        let mut used = std::collections::BTreeSet::new();
        for (i, f) in sc.functions.iter().enumerate() {
            let d = data::build(sc, run, summary, Selection::Function(i));
            let mut stem = file_stem(&f.name);
            while !used.insert(stem.clone()) {
                stem.push_str(&format!("-{i}"));
            }
            let s = Subject {
                function: Some(&f.name),
                ..subject(None)
            };
            render_set(&format!("{stem}-"), &s, &d, run, &[i], &m, &mut out)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems() {
        assert_eq!(file_stem("checkout"), "checkout");
        assert_eq!(file_stem("a b/c"), "a-b-c");
        assert_eq!(file_stem(""), "function");
    }

    #[test]
    fn time_mapping_ends() {
        assert_eq!(time_to_px(0.0, 100.0), PLOT_LEFT);
        assert_eq!(time_to_px(100.0, 100.0), PLOT_RIGHT);
    }
}
