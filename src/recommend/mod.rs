//! `lmi-sim recommend FILE`: the cheapest configuration per platform that
//! meets the scenario's SLOs, for the scenario's own traffic.
//!
//! The search (docs/model.md, "Recommend"; every constant here is our choice):
//! 1. The grid of `[recommend]`'s knobs is built per platform; combinations
//!    that are not valid scenarios (a memory that is not a multiple of
//!    1024 × the ratio, an EE bigger than the instance) are listed as invalid.
//! 2. **Successive halving on shortened horizons.** Rung r of R simulates
//!    every surviving candidate once on the prefix `[0, h_r)` of the horizon,
//!    `h_r = H / ηᴿ⁻ʳ`, but never shorter than the busy part of the traffic:
//!    the end of the last report interval offered at least half the peak
//!    interval's arrivals, plus 15 minutes for the scaler to catch up and
//!    recover. All candidates of a rung share one seed (common random
//!    numbers: the same arrivals), so they differ only by configuration.
//!    Candidates are ranked by "plausibly feasible" (every SLO within 1.5× its
//!    threshold, the throttle rate counted against the full horizon's
//!    arrivals, since the rest of the horizon is past the busy part), then by
//!    cost, else by how far they miss; the best 1/η (at least `keep_min`) go
//!    on.
//! 3. **Confirmation.** The survivors run on the full horizon with
//!    `replications` seeds; the pick is the cheapest whose mean meets every
//!    SLO. Runners-up are the other feasible ones within 5% of its cost.
//!
//! Every rejected candidate keeps why: the SLO it missed at confirmation and
//! by how much, or the rung it was dropped at and its figures there.
//! `--full-grid` skips the halving and confirms every candidate, which is
//! how the tests check that the halving finds the grid's cheapest feasible
//! point.

pub mod spec;

use crate::rng::derive_seed;
use crate::scenario::{self, Scenario};
use crate::sim::{self, Platforms};
use crate::sweep::path::{self, KeyPath};
use crate::time::SimDuration;
use rayon::prelude::*;
use serde::Serialize;
use spec::{Knob, Slos, Spec};
use std::path::Path;
use toml::Value;

/// How much a shortened run may exceed an SLO and still count as plausibly
/// feasible when ranking. [our choice]
pub const PLAUSIBLE_SLACK: f64 = 1.5;
/// Time after the busy part that every shortened horizon keeps. [our choice]
pub const SETTLE: SimDuration = SimDuration(15 * 60 * 1_000_000);
/// Runners-up are feasible candidates within this share of the pick's cost.
pub const RUNNER_UP_SHARE: f64 = 0.05;

/// Which platform a search is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Plat {
    Lmi,
    DefaultLambda,
}

impl Plat {
    pub fn platforms(self) -> Platforms {
        match self {
            Plat::Lmi => Platforms::Lmi,
            Plat::DefaultLambda => Platforms::Default,
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Plat::Lmi => "LMI",
            Plat::DefaultLambda => "default Lambda",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Plat::Lmi => "lmi",
            Plat::DefaultLambda => "default_lambda",
        }
    }
}

/// One simulation's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub horizon_s: f64,
    pub invocations: u64,
    pub throttled: u64,
    /// Throttled / invocations of this run.
    pub throttle_rate: f64,
    pub p99_ms: Option<f64>,
    /// The oldest queued request's peak age [s] (functions with a queue).
    pub queue_age_s: Option<f64>,
    pub monthly_usd: f64,
    /// With a `[calendar]`: the worst throttle rate of its special days
    /// (`throttle_rate`, `p99_ms` and `queue_age_s` are then the worst of all
    /// days, and `monthly_usd` the calendar month's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special_days_throttle_rate: Option<f64>,
}

/// What happened to a candidate.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Not a valid scenario.
    Invalid { error: String },
    /// Dropped at a shortened rung.
    Dropped { rung: u32, why: String },
    /// Confirmed on the full horizon but missed an SLO.
    Rejected { why: String },
    /// Confirmed and meets every SLO.
    Feasible,
}

/// A candidate and its fate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub index: usize,
    /// Knob name → value label.
    pub settings: Vec<(String, String)>,
    #[serde(skip)]
    pub sets: Vec<(String, Value)>,
    pub status: Status,
    /// The last figures: the mean of the confirmation runs, or the rung's.
    pub figures: Option<Figures>,
}

/// One rung of the search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rung {
    pub horizon_s: f64,
    pub candidates: usize,
    pub replications: u32,
}

/// One platform's search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformResult {
    pub platform: Plat,
    pub grid: usize,
    pub valid: usize,
    pub rungs: Vec<Rung>,
    pub simulations: usize,
    /// Simulations a full grid with the same confirmation would run.
    pub full_grid_simulations: usize,
    pub pick: Option<usize>,
    pub runners_up: Vec<usize>,
    pub candidates: Vec<Candidate>,
}

/// The whole recommendation.
#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    pub scenario: String,
    pub function: String,
    pub seed: u64,
    pub slos: SlosOut,
    pub platforms: Vec<PlatformResult>,
    /// Wall time [s]: printed, not written (outputs depend only on the
    /// scenario and seed).
    #[serde(skip)]
    pub wall_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SlosOut {
    pub max_throttle_rate: f64,
    pub max_p99_ms: Option<f64>,
    pub max_queue_age_s: Option<f64>,
    pub max_monthly_usd: Option<f64>,
}

/// Options of a search.
#[derive(Clone, Debug)]
pub struct Options {
    pub jobs: Option<usize>,
    pub seed: Option<u64>,
    pub progress: bool,
    pub full_grid: bool,
    pub platforms: Platforms,
}

/// A loaded scenario with its `[recommend]`.
pub struct Loaded {
    pub base: Value,
    pub label: String,
    pub dir: Option<std::path::PathBuf>,
    pub scenario: Scenario,
    pub spec: Spec,
}

/// Reads FILE: the scenario (validated) and its `[recommend]` table.
pub fn load(file: &Path) -> Result<Loaded, String> {
    load_with(file, &[])
}

/// [`load`] with `--set` overrides applied first (they may set
/// `recommend.…` keys too).
pub fn load_with(file: &Path, sets: &[crate::overrides::Set]) -> Result<Loaded, String> {
    let label = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{label}: cannot read the scenario: {e}"))?;
    let sc = crate::overrides::load(file, sets)?;
    let mut base: Value = toml::from_str(&text).map_err(|e| format!("{label}: {e}"))?;
    crate::overrides::apply(&mut base, sets, &label)?;
    let raw = base.as_table_mut().and_then(|t| t.remove("recommend"));
    let spec = spec::parse(raw.as_ref(), &sc).map_err(|m| format!("{label}: {m}"))?;
    Ok(Loaded {
        base,
        label,
        dir: file.parent().map(Path::to_path_buf),
        scenario: sc,
        spec,
    })
}

/// A grid point: (knob name, value label) pairs and the key paths to set.
type Point = (Vec<(String, String)>, Vec<(String, Value)>);

/// The grid of a platform's knobs, first knob slowest.
fn grid(knobs: &[Knob]) -> Vec<Point> {
    let mut out = vec![(Vec::new(), Vec::new())];
    for k in knobs {
        let mut next = Vec::with_capacity(out.len() * k.values.len());
        for (labels, sets) in &out {
            for (v, l) in k.values.iter().zip(&k.labels) {
                let mut ls = labels.clone();
                ls.push((k.name.to_string(), l.clone()));
                let mut ss = sets.clone();
                ss.extend(v.iter().cloned());
                next.push((ls, ss));
            }
        }
        out = next;
    }
    out
}

/// The base with a candidate's settings, as a scenario at `horizon`.
fn build(
    l: &Loaded,
    sets: &[(String, Value)],
    horizon: Option<SimDuration>,
) -> Result<(Value, Scenario), String> {
    let mut v = l.base.clone();
    for (k, x) in sets {
        let p = KeyPath::parse(k)?;
        path::set(&mut v, &p, x.clone()).map_err(|e| format!("cannot set `{k}`: {}", e.why))?;
    }
    let mut run = v.clone();
    if let Some(h) = horizon {
        path::set(
            &mut run,
            &KeyPath::parse("horizon")?,
            Value::String(format!("{}s", h.0 / 1_000_000)),
        )
        .map_err(|e| e.why)?;
    }
    let text = toml::to_string(&run).map_err(|e| e.to_string())?;
    let sc = scenario::validate::from_toml_str(&text, &l.label, l.dir.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((v, sc))
}

/// Offered arrivals per report interval (all functions), from the arrival
/// stream alone (no platform).
fn offered_profile(sc: &Scenario) -> Result<Vec<u64>, String> {
    let mut s = sim::ArrivalStream::new(sc).map_err(|e| e.0)?;
    let clock = sc.report_clock();
    let mut per = vec![0u64; clock.count()];
    let mut buf = vec![crate::invocation::Arrival::default(); 4096];
    loop {
        let n = s.fill(&mut buf).map_err(|e| e.0)?;
        if n == 0 {
            return Ok(per);
        }
        for a in &buf[..n] {
            per[clock.index(a.at)] += 1;
        }
    }
}

/// The rung horizons: `H / η^(R−r)`, at least the busy part + [`SETTLE`],
/// in whole report intervals, at most H.
pub fn rung_horizons(
    per_interval: &[u64],
    interval: SimDuration,
    horizon: SimDuration,
    eta: u32,
    rungs: u32,
) -> Vec<SimDuration> {
    let peak = per_interval.iter().copied().max().unwrap_or(0);
    let busy_end = per_interval
        .iter()
        .rposition(|&c| peak > 0 && c * 2 >= peak)
        .map_or(0, |i| (i as u64 + 1) * interval.0);
    let floor = busy_end.saturating_add(SETTLE.0);
    (0..rungs)
        .map(|r| {
            let div = (eta as u64).pow(rungs - r);
            let h = (horizon.0 / div).max(floor);
            let h = h.div_ceil(interval.0.max(1)) * interval.0.max(1);
            SimDuration(h.min(horizon.0))
        })
        .collect()
}

/// A candidate's figures: the run's, or with a calendar the worst of its
/// days (throttle rate, p99, queue age) and the calendar month's cost.
fn figures(sc: &Scenario, plat: Plat) -> Result<Figures, String> {
    let run = sim::run(sc, plat.platforms()).map_err(|e| e.0)?;
    let mut s = crate::report::summarize(sc, &run, plat.platforms());
    let days = crate::calendar::run_special_days(sc, plat.platforms(), 1, false)?;
    crate::calendar::apply(&mut s, sc, &run, &days);
    let pick = |s: &crate::report::Summary| -> Result<Figures, String> {
        let (fig, cost, src) = match plat {
            Plat::Lmi => {
                let l = s.lmi.as_ref().ok_or("no LMI result")?;
                (&l.figures, l.cost.monthly_usd, l.sources.as_ref())
            }
            Plat::DefaultLambda => {
                let d = s.default.as_ref().ok_or("no default-Lambda result")?;
                (&d.figures, d.cost.monthly_usd, d.sources.as_ref())
            }
        };
        Ok(Figures {
            horizon_s: s.horizon_s,
            invocations: fig.invocations,
            throttled: fig.throttled,
            throttle_rate: fig.throttle_rate,
            p99_ms: fig.latency.p99_ms,
            queue_age_s: src.map(|x| x.peak_oldest_age_s),
            monthly_usd: cost,
            special_days_throttle_rate: None,
        })
    };
    let mut f = pick(&s)?;
    for d in &days {
        let g = pick(&d.summary)?;
        f.throttle_rate = f.throttle_rate.max(g.throttle_rate);
        f.special_days_throttle_rate = Some(
            f.special_days_throttle_rate
                .map_or(g.throttle_rate, |r| r.max(g.throttle_rate)),
        );
        f.p99_ms = match (f.p99_ms, g.p99_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        f.queue_age_s = match (f.queue_age_s, g.queue_age_s) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(f)
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn fmt_s(s: f64) -> String {
    if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

/// The SLOs `f` misses, worst first, as (ratio to threshold, text);
/// `throttle_rate` is the rate to judge (corrected on shortened rungs).
fn misses(f: &Figures, throttle_rate: f64, slos: &Slos, budget: bool) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let ratio = |v: f64, t: f64| if t > 0.0 { v / t } else { f64::INFINITY };
    if throttle_rate > slos.max_throttle_rate {
        out.push((
            ratio(throttle_rate, slos.max_throttle_rate),
            format!(
                "throttle rate {} > {}",
                pct(throttle_rate),
                pct(slos.max_throttle_rate)
            ),
        ));
    }
    if let Some(m) = slos.max_p99_ms {
        match f.p99_ms {
            None => out.push((f64::INFINITY, "no invocation served (no p99)".into())),
            Some(p) if p > m => out.push((ratio(p, m), format!("p99 {p:.0} ms > {m:.0} ms"))),
            _ => {}
        }
    }
    if let (Some(m), Some(a)) = (slos.max_queue_age_s, f.queue_age_s)
        && a > m
    {
        out.push((
            ratio(a, m),
            format!("queue age {} > {}", fmt_s(a), fmt_s(m)),
        ));
    }
    if budget
        && let Some(b) = slos.max_monthly_usd
        && f.monthly_usd > b
    {
        out.push((
            ratio(f.monthly_usd, b),
            format!("cost ${:.2}/month > budget ${b:.2}", f.monthly_usd),
        ));
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out
}

fn mean_figures(fs: &[Figures]) -> Figures {
    let n = fs.len().max(1) as f64;
    let m = |g: &dyn Fn(&Figures) -> f64| fs.iter().map(g).sum::<f64>() / n;
    let opt = |g: &dyn Fn(&Figures) -> Option<f64>| {
        let v: Vec<f64> = fs.iter().filter_map(g).collect();
        (v.len() == fs.len() && !v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    Figures {
        horizon_s: fs.first().map_or(0.0, |f| f.horizon_s),
        invocations: (m(&|f| f.invocations as f64)).round() as u64,
        throttled: (m(&|f| f.throttled as f64)).round() as u64,
        throttle_rate: m(&|f| f.throttle_rate),
        p99_ms: opt(&|f| f.p99_ms),
        queue_age_s: opt(&|f| f.queue_age_s),
        monthly_usd: m(&|f| f.monthly_usd),
        special_days_throttle_rate: opt(&|f| f.special_days_throttle_rate),
    }
}

/// The candidates kept from `n` at each rung.
fn keep(n: usize, eta: u32, keep_min: u32) -> usize {
    n.div_ceil(eta as usize).max(keep_min as usize).min(n)
}

/// Runs the search for one platform. `tick(units)` reports finished work
/// (simulated minutes); `best(text)` a new best confirmed candidate.
pub fn search(
    l: &Loaded,
    plat: Plat,
    o: &Options,
    pool: &rayon::ThreadPool,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<PlatformResult, String> {
    let spec = &l.spec;
    let knobs = match plat {
        Plat::Lmi => &spec.lmi,
        Plat::DefaultLambda => &spec.default,
    };
    let seed = o.seed.unwrap_or(l.scenario.seed);
    let h = l.scenario.horizon;
    let g = grid(knobs);
    let grid_n = g.len();
    let mut cands: Vec<Candidate> = Vec::with_capacity(grid_n);
    let mut alive: Vec<usize> = Vec::new();
    for (i, (labels, sets)) in g.into_iter().enumerate() {
        let status = match build(l, &sets, None) {
            Ok(_) => {
                alive.push(i);
                Status::Feasible
            }
            Err(e) => Status::Invalid { error: e },
        };
        cands.push(Candidate {
            index: i,
            settings: labels,
            sets,
            status,
            figures: None,
        });
    }
    let valid = alive.len();
    let arrivals_full: u64 = offered_profile(&l.scenario)?.iter().sum();
    let horizons = if o.full_grid {
        Vec::new()
    } else {
        let prof = offered_profile(&l.scenario)?;
        rung_horizons(
            &prof,
            l.scenario.report_interval,
            h,
            spec.search.eta,
            spec.search.rungs,
        )
    };
    let mut rungs = Vec::new();
    let mut sims = 0usize;
    let minutes = |d: SimDuration| d.0.div_ceil(60_000_000);
    for (r, &hr) in horizons.iter().enumerate() {
        if alive.len() <= spec.search.keep_min as usize {
            break;
        }
        let rseed = derive_seed(seed, r as u64);
        let evals: Vec<(usize, Result<Figures, String>)> = pool.install(|| {
            alive
                .par_iter()
                .with_max_len(1)
                .map(|&i| {
                    let out = build(l, &cands[i].sets, Some(hr)).and_then(|(_, mut sc)| {
                        sc.seed = rseed;
                        figures(&sc, plat)
                    });
                    tick(minutes(hr));
                    (i, out)
                })
                .collect()
        });
        sims += evals.len();
        rungs.push(Rung {
            horizon_s: hr.as_secs_f64(),
            candidates: alive.len(),
            replications: 1,
        });
        // Rank: plausibly feasible by cost, then the rest by how far they miss.
        let mut ranked: Vec<(bool, f64, usize)> = Vec::with_capacity(evals.len());
        for (i, e) in evals {
            match e {
                Err(msg) => {
                    cands[i].status = Status::Invalid { error: msg };
                }
                Ok(f) => {
                    let tr = if arrivals_full > 0 {
                        f.throttled as f64 / arrivals_full as f64
                    } else {
                        f.throttle_rate
                    };
                    // Special days are judged on the rung's horizon as run.
                    let tr = tr.max(f.special_days_throttle_rate.unwrap_or(0.0));
                    let m = misses(&f, tr, &spec.slos, false);
                    let worst = m.first().map_or(0.0, |x| x.0);
                    let plausible = worst <= PLAUSIBLE_SLACK;
                    let key = if plausible { f.monthly_usd } else { worst };
                    cands[i].figures = Some(f);
                    ranked.push((!plausible, key, i));
                }
            }
        }
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let k = keep(ranked.len(), spec.search.eta, spec.search.keep_min);
        for &(implausible, _, i) in &ranked[k..] {
            let f = cands[i]
                .figures
                .as_ref()
                .expect("ranked candidates have figures");
            let why = if implausible {
                let tr = (f.throttled as f64 / arrivals_full.max(1) as f64)
                    .max(f.special_days_throttle_rate.unwrap_or(0.0));
                let m = misses(f, tr, &spec.slos, false);
                format!(
                    "on the first {}: {}",
                    fmt_s(hr.as_secs_f64()),
                    m.first().map_or(String::new(), |x| x.1.clone())
                )
            } else {
                format!(
                    "on the first {}: costlier than the {k} kept (${:.2}/month)",
                    fmt_s(hr.as_secs_f64()),
                    f.monthly_usd
                )
            };
            cands[i].status = Status::Dropped {
                rung: r as u32,
                why,
            };
        }
        alive = ranked[..k].iter().map(|x| x.2).collect();
        alive.sort_unstable();
    }
    // Confirmation on the full horizon.
    let reps = spec.replications;
    let work: Vec<(usize, u32)> = alive
        .iter()
        .flat_map(|&i| (0..reps).map(move |r| (i, r)))
        .collect();
    let evals: Vec<(usize, Result<Figures, String>)> = pool.install(|| {
        work.par_iter()
            .with_max_len(1)
            .map(|&(i, rep)| {
                let out = build(l, &cands[i].sets, None).and_then(|(_, mut sc)| {
                    sc.seed = derive_seed(seed, 1_000 + rep as u64);
                    figures(&sc, plat)
                });
                tick(minutes(h));
                (i, out)
            })
            .collect()
    });
    sims += evals.len();
    rungs.push(Rung {
        horizon_s: h.as_secs_f64(),
        candidates: alive.len(),
        replications: reps,
    });
    let mut per: std::collections::BTreeMap<usize, Vec<Figures>> = Default::default();
    for (i, e) in evals {
        match e {
            Ok(f) => per.entry(i).or_default().push(f),
            Err(msg) => cands[i].status = Status::Invalid { error: msg },
        }
    }
    let mut feasible: Vec<(f64, usize)> = Vec::new();
    for (i, fs) in per {
        if matches!(cands[i].status, Status::Invalid { .. }) {
            continue;
        }
        let f = mean_figures(&fs);
        let m = misses(&f, f.throttle_rate, &spec.slos, true);
        cands[i].status = if m.is_empty() {
            feasible.push((f.monthly_usd, i));
            Status::Feasible
        } else {
            Status::Rejected {
                why: m.iter().map(|x| x.1.clone()).collect::<Vec<_>>().join("; "),
            }
        };
        cands[i].figures = Some(f);
    }
    feasible.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let pick = feasible.first().map(|x| x.1);
    let runners_up = match feasible.first() {
        None => Vec::new(),
        Some(&(c, _)) => feasible[1..]
            .iter()
            .filter(|x| x.0 <= c * (1.0 + RUNNER_UP_SHARE))
            .take(5)
            .map(|x| x.1)
            .collect(),
    };
    Ok(PlatformResult {
        platform: plat,
        grid: grid_n,
        valid,
        rungs,
        simulations: sims,
        full_grid_simulations: valid * reps as usize,
        pick,
        runners_up,
        candidates: cands,
    })
}

/// The simulated minutes a search will run (for the progress bar), an
/// upper bound: rungs stop early when few candidates are left.
pub fn planned_minutes(l: &Loaded, plats: &[Plat], full_grid: bool) -> u64 {
    let spec = &l.spec;
    let h = l.scenario.horizon;
    let prof = offered_profile(&l.scenario).unwrap_or_default();
    let hs = if full_grid {
        Vec::new()
    } else {
        rung_horizons(
            &prof,
            l.scenario.report_interval,
            h,
            spec.search.eta,
            spec.search.rungs,
        )
    };
    let mut total = 0u64;
    for &p in plats {
        let knobs = match p {
            Plat::Lmi => &spec.lmi,
            Plat::DefaultLambda => &spec.default,
        };
        let mut n: usize = knobs.iter().map(|k| k.values.len()).product();
        for hr in &hs {
            if n <= spec.search.keep_min as usize {
                break;
            }
            total += n as u64 * hr.0.div_ceil(60_000_000);
            n = keep(n, spec.search.eta, spec.search.keep_min);
        }
        total += n as u64 * spec.replications as u64 * h.0.div_ceil(60_000_000);
    }
    total
}

/// The scenario file of a pick: the base with the pick's settings, with a
/// header saying where it came from.
pub fn pick_toml(l: &Loaded, r: &PlatformResult, i: usize) -> Result<String, String> {
    let c = &r.candidates[i];
    let (v, _) = build(l, &c.sets, None)?;
    let body = toml::to_string(&v).map_err(|e| e.to_string())?;
    let mut head = format!(
        "# Written by `lmi-sim recommend {}`: the cheapest {} configuration found\n# that meets the SLOs of [recommend]. The scenario's comments are not kept.\n",
        l.label,
        r.platform.title()
    );
    for (k, val) in &c.settings {
        head.push_str(&format!("#   {k} = {val}\n"));
    }
    if let Some(f) = &c.figures {
        head.push_str(&format!(
            "# Mean of {} runs on the full horizon: ${:.2}/month, throttle rate {}, p99 {}.\n",
            l.spec.replications,
            f.monthly_usd,
            pct(f.throttle_rate),
            f.p99_ms.map_or("–".into(), |p| format!("{p:.0} ms"))
        ));
    }
    Ok(format!("{head}\n{body}"))
}

/// The terminal summary.
pub fn terminal(rec: &Recommendation) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "lmi-sim recommend — {} (function `{}`, seed {})\n",
        rec.scenario, rec.function, rec.seed
    ));
    let mut slo = vec![format!(
        "throttle rate ≤ {}",
        pct(rec.slos.max_throttle_rate)
    )];
    if let Some(p) = rec.slos.max_p99_ms {
        slo.push(format!("p99 ≤ {p:.0} ms"));
    }
    if let Some(a) = rec.slos.max_queue_age_s {
        slo.push(format!("queue age ≤ {}", fmt_s(a)));
    }
    if let Some(b) = rec.slos.max_monthly_usd {
        slo.push(format!("cost ≤ ${b:.2}/month"));
    }
    s.push_str(&format!("  SLOs: {}\n", slo.join(", ")));
    for p in &rec.platforms {
        s.push_str(&format!("\n{}\n", p.platform.title()));
        let rung_text: Vec<String> = p
            .rungs
            .iter()
            .map(|r| {
                format!(
                    "{} × {}{}",
                    r.candidates,
                    fmt_s(r.horizon_s),
                    if r.replications > 1 {
                        format!(" × {} seeds", r.replications)
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        s.push_str(&format!(
            "  searched {} combinations ({} valid): {} = {} simulations (a full grid: {})\n",
            p.grid,
            p.valid,
            rung_text.join(", "),
            p.simulations,
            p.full_grid_simulations
        ));
        let line = |c: &Candidate| -> String {
            let set: Vec<String> = c.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let f = c.figures.as_ref();
            format!(
                "{}  → ${:.2}/month, throttles {}, p99 {}",
                set.join(" "),
                f.map_or(0.0, |f| f.monthly_usd),
                f.map_or("–".into(), |f| pct(f.throttle_rate)),
                f.and_then(|f| f.p99_ms)
                    .map_or("–".into(), |p| format!("{p:.0} ms"))
            )
        };
        match p.pick {
            Some(i) => {
                s.push_str(&format!("  pick:      {}\n", line(&p.candidates[i])));
                for &j in &p.runners_up {
                    s.push_str(&format!("  runner-up: {}\n", line(&p.candidates[j])));
                }
            }
            None => s.push_str("  pick:      none of the candidates meets the SLOs\n"),
        }
        // Why the others failed: counts by first reason, and the closest misses.
        let mut rejected: Vec<&Candidate> = p
            .candidates
            .iter()
            .filter(|c| matches!(c.status, Status::Rejected { .. }))
            .collect();
        rejected.sort_by(|a, b| {
            let ca = a.figures.as_ref().map_or(f64::MAX, |f| f.monthly_usd);
            let cb = b.figures.as_ref().map_or(f64::MAX, |f| f.monthly_usd);
            ca.total_cmp(&cb).then(a.index.cmp(&b.index))
        });
        for c in rejected.iter().take(3) {
            if let Status::Rejected { why } = &c.status {
                s.push_str(&format!("  rejected:  {}\n             {why}\n", line(c)));
            }
        }
        let dropped = p
            .candidates
            .iter()
            .filter(|c| matches!(c.status, Status::Dropped { .. }))
            .count();
        let invalid = p
            .candidates
            .iter()
            .filter(|c| matches!(c.status, Status::Invalid { .. }))
            .count();
        s.push_str(&format!(
            "  {} rejected on the full horizon, {dropped} dropped on shortened ones, {invalid} invalid (candidates.csv says why for each)\n",
            rejected.len()
        ));
    }
    s.push_str(&format!("\n  wall time {:.1} s\n", rec.wall_s));
    s
}

/// `candidates.csv`: every candidate, its fate and its last figures.
pub fn candidates_csv(rec: &Recommendation) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "platform",
        "candidate",
        "settings",
        "status",
        "rung",
        "why",
        "horizon_s",
        "monthly_usd",
        "throttle_rate",
        "p99_ms",
        "queue_age_s",
    ]);
    for p in &rec.platforms {
        for c in &p.candidates {
            let set: Vec<String> = c.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let (status, rung, why) = match &c.status {
                Status::Invalid { error } => ("invalid", String::new(), error.clone()),
                Status::Dropped { rung, why } => ("dropped", rung.to_string(), why.clone()),
                Status::Rejected { why } => ("rejected", String::new(), why.clone()),
                Status::Feasible => (
                    if p.pick == Some(c.index) {
                        "pick"
                    } else if p.runners_up.contains(&c.index) {
                        "runner_up"
                    } else {
                        "feasible"
                    },
                    String::new(),
                    String::new(),
                ),
            };
            let f = c.figures.as_ref();
            let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
            let _ = w.write_record([
                p.platform.key().to_string(),
                c.index.to_string(),
                set.join(" "),
                status.to_string(),
                rung,
                why,
                num(f.map(|f| f.horizon_s)),
                num(f.map(|f| f.monthly_usd)),
                num(f.map(|f| f.throttle_rate)),
                num(f.and_then(|f| f.p99_ms)),
                num(f.and_then(|f| f.queue_age_s)),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Runs the whole recommendation.
pub fn run(l: &Loaded, o: &Options) -> Result<Recommendation, String> {
    let t0 = std::time::Instant::now();
    let mut plats = Vec::new();
    if o.platforms.lmi() {
        plats.push(Plat::Lmi);
    }
    if o.platforms.default() {
        plats.push(Plat::DefaultLambda);
    }
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(j) = o.jobs {
        b = b.num_threads(j);
    }
    let pool = b
        .thread_name(|i| format!("recommend-{i}"))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let total = planned_minutes(l, &plats, o.full_grid);
    let bar = std::sync::Mutex::new(crate::progress::WorkBar::new(
        total,
        1,
        "simulated minutes",
        o.progress,
        false,
    ));
    let tick = |m: u64| bar.lock().unwrap_or_else(|e| e.into_inner()).add(m);
    let mut out = Vec::new();
    for &p in &plats {
        out.push(search(l, p, o, &pool, &tick)?);
    }
    bar.lock().unwrap_or_else(|e| e.into_inner()).finish();
    let s = &l.spec.slos;
    Ok(Recommendation {
        scenario: l.scenario.name.clone(),
        function: l.scenario.functions[l.spec.function].name.clone(),
        seed: o.seed.unwrap_or(l.scenario.seed),
        slos: SlosOut {
            max_throttle_rate: s.max_throttle_rate,
            max_p99_ms: s.max_p99_ms,
            max_queue_age_s: s.max_queue_age_s,
            max_monthly_usd: s.max_monthly_usd,
        },
        platforms: out,
        wall_s: t0.elapsed().as_secs_f64(),
    })
}
