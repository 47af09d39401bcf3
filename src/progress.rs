//! Progress on the terminal for long runs and sweeps.
//!
//! What a user needs from a progress line: a first frame at once (not after
//! the first point finishes), an ETA that does not swing to "2y" because the
//! first unit of work was slow, the best configuration so far where it can
//! be read, and all of it within 80 columns.
//!
//! - The ETA is the mean pace over all the work completed so far applied to
//!   the work left: `elapsed × left / done`. It is shown only once 2% of the
//!   work (and at least one unit) is done and a second has passed; before
//!   that it reads "ETA …". Estimates over 99 h read "ETA >99h".
//! - A run's unit of work is simulated time: the simulator publishes how far
//!   its arrivals have reached (one relaxed atomic store per chunk of 4,096
//!   arrivals, nothing per invocation); a display thread reads it 5 times a
//!   second. A sweep's unit is one replication of one point.
//! - Nothing is drawn when stderr is not a terminal (CI logs, pipes), or
//!   with `--quiet`.

use crate::time::SimDuration;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The share of the work that must be done before an ETA is shown.
const ETA_MIN_SHARE: f64 = 0.02;
/// Nor before this much wall time.
const ETA_MIN_WALL: Duration = Duration::from_secs(1);
/// How often the display thread redraws.
const TICK: Duration = Duration::from_millis(200);
/// Width the lines are laid out for.
pub const COLUMNS: usize = 80;

/// The time left, from the mean pace of the completed work; `None` while too
/// little is done to tell.
pub fn eta(elapsed: Duration, done: f64, total: f64) -> Option<Duration> {
    let enough = total > 0.0 && done > 0.0 && done / total >= ETA_MIN_SHARE;
    if !enough || elapsed < ETA_MIN_WALL {
        return None;
    }
    let left = (total - done).max(0.0);
    Some(Duration::from_secs_f64(elapsed.as_secs_f64() * left / done))
}

/// `ETA 4m10s`, `ETA 1h05m`, `ETA …` before an estimate, `ETA >99h` beyond.
pub fn fmt_eta(e: Option<Duration>) -> String {
    match e {
        None => "ETA …".into(),
        Some(d) => {
            let s = d.as_secs_f64().round() as u64;
            if s >= 99 * 3600 {
                "ETA >99h".into()
            } else if s >= 3600 {
                format!("ETA {}h{:02}m", s / 3600, (s % 3600) / 60)
            } else if s >= 60 {
                format!("ETA {}m{:02}s", s / 60, s % 60)
            } else {
                format!("ETA {s}s")
            }
        }
    }
}

/// A simulated duration in the largest units that fit: `3h12m`, `45m`, `2d04h`.
pub fn fmt_sim(d: SimDuration) -> String {
    let m = d.0 / 60_000_000;
    if m >= 24 * 60 {
        format!("{}d{:02}h", m / (24 * 60), (m % (24 * 60)) / 60)
    } else if m >= 60 {
        format!("{}h{:02}m", m / 60, m % 60)
    } else if m >= 1 {
        format!("{m}m")
    } else {
        format!("{}s", d.0 / 1_000_000)
    }
}

fn fmt_wall(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// How far a run's simulation has got, written by the simulator and read by
/// a display. One slot per platform thread.
#[derive(Debug, Default)]
pub struct RunProgress {
    /// Simulated time [µs] the arrivals fed so far reached, per platform
    /// (LMI, default Lambda); `u64::MAX` for a platform that is not run.
    reached: [AtomicU64; 2],
}

impl RunProgress {
    pub fn new(lmi: bool, default: bool) -> Self {
        let p = RunProgress::default();
        if !lmi {
            p.reached[0].store(u64::MAX, Ordering::Relaxed);
        }
        if !default {
            p.reached[1].store(u64::MAX, Ordering::Relaxed);
        }
        p
    }

    /// Records that platform `slot` (0 LMI, 1 default) has been fed the
    /// arrivals up to `at_us`.
    #[inline]
    pub fn reach(&self, slot: usize, at_us: u64) {
        self.reached[slot].store(at_us, Ordering::Relaxed);
    }

    /// The simulated time both platforms have reached [µs].
    pub fn reached(&self) -> u64 {
        self.reached[0]
            .load(Ordering::Relaxed)
            .min(self.reached[1].load(Ordering::Relaxed))
    }
}

/// The line of a run: `⠋ 0:00:12 [=====>    ] simulated 3h12m of 24h (13%) · ETA 1m20s`.
pub fn run_line(elapsed: Duration, reached: SimDuration, horizon: SimDuration) -> String {
    let r = reached.0.min(horizon.0);
    let share = if horizon.0 == 0 {
        1.0
    } else {
        r as f64 / horizon.0 as f64
    };
    format!(
        "simulated {} of {} ({:.0}%) · {}",
        fmt_sim(SimDuration(r)),
        fmt_sim(horizon),
        share * 100.0,
        fmt_eta(eta(elapsed, r as f64, horizon.0 as f64))
    )
}

/// A run's progress display: a thread that redraws until dropped.
pub struct RunDisplay {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunDisplay {
    /// Starts drawing `progress` against `horizon` on stderr, when stderr is
    /// a terminal and `enabled`; otherwise draws nothing.
    pub fn start(progress: Arc<RunProgress>, horizon: SimDuration, enabled: bool) -> RunDisplay {
        Self::labelled(progress, horizon, enabled, String::new())
    }

    /// Like [`RunDisplay::start`], with `label` before the simulated time
    /// (a calendar's special day: `black-friday (day 1 of 1): `).
    pub fn labelled(
        progress: Arc<RunProgress>,
        horizon: SimDuration,
        enabled: bool,
        label: String,
    ) -> RunDisplay {
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled || !std::io::stderr().is_terminal() {
            return RunDisplay { stop, thread: None };
        }
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                let bar = ProgressBar::with_draw_target(
                    Some(horizon.0.max(1)),
                    ProgressDrawTarget::stderr(),
                );
                if let Ok(st) = ProgressStyle::with_template("{spinner} {prefix} [{bar:20}] {msg}")
                {
                    bar.set_style(st.progress_chars("=> "));
                }
                let t0 = Instant::now();
                while !s.load(Ordering::Relaxed) {
                    let r = progress.reached().min(horizon.0);
                    bar.set_prefix(fmt_wall(t0.elapsed()));
                    bar.set_position(r);
                    bar.set_message(format!(
                        "{label}{}",
                        run_line(t0.elapsed(), SimDuration(r), horizon)
                    ));
                    bar.tick();
                    std::thread::park_timeout(TICK);
                }
                bar.finish_and_clear();
            })
            .ok();
        RunDisplay { stop, thread }
    }
}

impl Drop for RunDisplay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// A sweep's (or search's) progress: units of work (replications), with an
/// ETA from their mean pace and the best configuration so far on a line of
/// its own.
pub struct WorkBar {
    bar: ProgressBar,
    t0: Instant,
    total: u64,
    done: u64,
    /// What one shown step is (`points`), and units per step.
    noun: &'static str,
    per_step: u64,
    best: Option<String>,
}

/// The first line of a work bar: `12/64 points · ETA 4m10s`.
pub fn work_line(elapsed: Duration, done: u64, total: u64, per_step: u64, noun: &str) -> String {
    let per = per_step.max(1);
    format!(
        "{}/{} {noun} · {}",
        done / per,
        total / per,
        fmt_eta(eta(elapsed, done as f64, total as f64))
    )
}

/// The second line: `best so far: …`, cut to 80 columns.
pub fn best_line(best: Option<&str>) -> String {
    let s = match best {
        Some(b) => format!("  best so far: {b}"),
        None => "  best so far: none meets the goal yet".into(),
    };
    if s.chars().count() > COLUMNS {
        let mut t: String = s.chars().take(COLUMNS - 1).collect();
        t.push('…');
        t
    } else {
        s
    }
}

impl WorkBar {
    /// A bar over `total` units shown as `total / per_step` `noun`s; drawn
    /// at once when `enabled` and stderr is a terminal. `with_best`: keep a
    /// second line for the best configuration so far.
    pub fn new(
        total: u64,
        per_step: u64,
        noun: &'static str,
        enabled: bool,
        with_best: bool,
    ) -> WorkBar {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let b = ProgressBar::with_draw_target(Some(total.max(1)), ProgressDrawTarget::stderr());
            let t = if with_best {
                "{spinner} {elapsed_precise} [{bar:20}] {prefix}\n{wide_msg}"
            } else {
                "{spinner} {elapsed_precise} [{bar:20}] {prefix}"
            };
            if let Ok(st) = ProgressStyle::with_template(t) {
                b.set_style(st.progress_chars("=> "));
            }
            b.enable_steady_tick(TICK);
            b
        } else {
            ProgressBar::hidden()
        };
        let w = WorkBar {
            bar,
            t0: Instant::now(),
            total,
            done: 0,
            noun,
            per_step: per_step.max(1),
            best: None,
        };
        w.redraw();
        w
    }

    fn redraw(&self) {
        self.bar.set_position(self.done);
        self.bar.set_prefix(work_line(
            self.t0.elapsed(),
            self.done,
            self.total,
            self.per_step,
            self.noun,
        ));
        self.bar.set_message(best_line(self.best.as_deref()));
        self.bar.tick();
    }

    /// `n` more units done (already-done work counts, e.g. a resumed sweep).
    pub fn add(&mut self, n: u64) {
        self.done = (self.done + n).min(self.total);
        self.redraw();
    }

    /// A new best configuration.
    pub fn set_best(&mut self, best: String) {
        self.best = Some(best);
        self.redraw();
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_waits_for_work_then_uses_the_mean_pace() {
        let s = Duration::from_secs;
        // Nothing done, too little done, too early: no estimate.
        assert_eq!(eta(s(30), 0.0, 100.0), None);
        assert_eq!(eta(s(30), 1.0, 100.0), None);
        assert_eq!(eta(Duration::from_millis(500), 50.0, 100.0), None);
        // 10 of 100 in 20 s: 90 left at 2 s each.
        assert_eq!(eta(s(20), 10.0, 100.0), Some(s(180)));
        // A slow first unit does not give "2y": 2 of 64 points after an hour
        // gives 31 h, shown as such; 1 of 1000 after a minute gives nothing.
        assert_eq!(fmt_eta(eta(s(3600), 2.0, 64.0)), "ETA 31h00m");
        assert_eq!(fmt_eta(eta(s(60), 1.0, 1000.0)), "ETA …");
        assert_eq!(fmt_eta(eta(s(3600 * 99), 50.0, 100.0)), "ETA >99h");
        assert_eq!(fmt_eta(Some(s(250))), "ETA 4m10s");
        assert_eq!(fmt_eta(Some(s(42))), "ETA 42s");
        assert_eq!(fmt_eta(Some(s(3900))), "ETA 1h05m");
        // Done: nothing left.
        assert_eq!(eta(s(10), 100.0, 100.0), Some(s(0)));
    }

    #[test]
    fn lines_fit_80_columns() {
        let h = SimDuration::from_secs(14 * 86_400);
        let l = run_line(
            Duration::from_secs(12),
            SimDuration::from_secs(3 * 3600 + 12 * 60),
            h,
        );
        assert_eq!(l, "simulated 3h12m of 14d00h (1%) · ETA …");
        let l = run_line(
            Duration::from_secs(12),
            SimDuration::from_secs(86_400),
            SimDuration::from_secs(4 * 86_400),
        );
        assert_eq!(l, "simulated 1d00h of 4d00h (25%) · ETA 36s");
        // Spinner + elapsed + 22-column bar + the run line stay in 80 columns.
        assert!(2 + 9 + 23 + l.chars().count() <= COLUMNS);
        let w = work_line(Duration::from_secs(100), 30, 128, 2, "points");
        assert_eq!(w, "15/64 points · ETA 5m27s");
        let b = best_line(Some(
            "#37 $9,236.00/month (PerExecutionEnvironmentMaxConcurrency=64 TargetValue=30 AllowedInstanceTypes=[\"c7i.8xlarge\"])",
        ));
        assert_eq!(b.chars().count(), COLUMNS);
        assert!(b.ends_with('…') && b.starts_with("  best so far: #37 $9,236.00/month"));
        assert_eq!(best_line(None), "  best so far: none meets the goal yet");
    }

    #[test]
    fn run_progress_reports_the_slower_platform() {
        let p = RunProgress::new(true, true);
        p.reach(0, 5_000_000);
        p.reach(1, 3_000_000);
        assert_eq!(p.reached(), 3_000_000);
        let p = RunProgress::new(true, false);
        p.reach(0, 7);
        assert_eq!(p.reached(), 7);
    }
}
