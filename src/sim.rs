//! The run driver: generates each function's arrivals and work once, lazily,
//! and feeds the same requests to the LMI and default-Lambda models.
//!
//! Arrivals are produced in chunks into a reused buffer; each chunk is fed to
//! one platform, then the other, so both see identical arrival times and work
//! samples. Pure: no I/O.

use crate::default_lambda::{DefaultLambda, DefaultResult};
use crate::invocation::Arrival;
use crate::lmi::{Lmi, LmiResult};
use crate::rng::{stream, SimRng};
use crate::scenario::{FunctionSpec, Scenario};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{ArrivalGen, Traffic};

/// Which platforms to simulate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platforms {
    Lmi,
    Default,
    Both,
}

impl Platforms {
    pub fn lmi(self) -> bool {
        matches!(self, Platforms::Lmi | Platforms::Both)
    }
    pub fn default(self) -> bool {
        matches!(self, Platforms::Default | Platforms::Both)
    }
}

/// The offered rate at t = 0 (sizes a warm fleet).
pub fn initial_rate(t: &Traffic) -> f64 {
    match t {
        Traffic::Synthetic {
            shape,
            rate_multiplier,
            ..
        } => shape.rate(0.0) * rate_multiplier,
    }
}

/// One function's request source: arrival times plus sampled work.
struct Source {
    arrivals_gen: ArrivalGen,
    cpu: crate::dist::Dist,
    io: crate::dist::Dist,
    rng_cpu: SimRng,
    rng_io: SimRng,
    function: u32,
    next: Option<SimTime>,
}

impl Source {
    fn new(sc: &Scenario, fi: usize, f: &FunctionSpec) -> Self {
        let horizon = SimTime::ZERO + sc.horizon;
        let arrivals_gen = match &f.traffic {
            Traffic::Synthetic {
                shape,
                process,
                rate_multiplier,
            } => ArrivalGen::new(
                shape.clone(),
                *process,
                *rate_multiplier,
                stream(sc.seed, "arrivals", fi as u64),
                horizon,
            ),
        };
        let mut s = Source {
            arrivals_gen,
            cpu: f.work.cpu.clone(),
            io: f.work.io.clone(),
            rng_cpu: stream(sc.seed, "work_cpu", fi as u64),
            rng_io: stream(sc.seed, "work_io", fi as u64),
            function: fi as u32,
            next: None,
        };
        s.next = s.arrivals_gen.next_arrival();
        s
    }

    fn take(&mut self) -> Arrival {
        let at = self.next.expect("take on an exhausted source");
        self.next = self.arrivals_gen.next_arrival();
        Arrival {
            at,
            function: self.function,
            cpu: self.cpu.sample(&mut self.rng_cpu),
            io: self.io.sample(&mut self.rng_io),
        }
    }
}

/// Merges the functions' sources in time order (ties: lower function index).
pub struct ArrivalStream {
    sources: Vec<Source>,
}

impl ArrivalStream {
    pub fn new(sc: &Scenario) -> Self {
        ArrivalStream {
            sources: sc
                .functions
                .iter()
                .enumerate()
                .map(|(i, f)| Source::new(sc, i, f))
                .collect(),
        }
    }

    /// Fills `buf` from the front; returns how many were written (0 at the end).
    pub fn fill(&mut self, buf: &mut [Arrival]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let mut best: Option<(SimTime, usize)> = None;
            for (i, s) in self.sources.iter().enumerate() {
                if let Some(t) = s.next
                    && best.is_none_or(|(bt, _)| t < bt)
                {
                    best = Some((t, i));
                }
            }
            let Some((_, i)) = best else { break };
            buf[n] = self.sources[i].take();
            n += 1;
        }
        n
    }
}

/// Per-interval arrivals and a checksum of everything offered.
#[derive(Clone, Debug, Default)]
pub struct Offered {
    /// [function][interval] arrivals.
    pub per_interval: Vec<Vec<u64>>,
    pub total: Vec<u64>,
    /// FNV-style checksum over (time, function, cpu, io) of every arrival.
    pub checksum: u64,
}

/// The outcome of one run.
pub struct RunResult {
    pub lmi: Option<LmiResult>,
    pub default: Option<DefaultResult>,
    pub offered: Offered,
    pub intervals: Vec<(SimTime, SimTime)>,
    /// Checksums of what each platform was offered (equal by construction).
    pub lmi_checksum: u64,
    pub default_checksum: u64,
}

const CHUNK: usize = 4096;

fn mix(h: u64, a: &Arrival) -> u64 {
    let mut h = h;
    for v in [a.at.0, a.function as u64, a.cpu.0, a.io.0] {
        h = (h ^ v).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Interval boundaries `[k·Δ, (k+1)·Δ)`, the last cut at the horizon.
pub fn intervals(horizon: SimDuration, every: SimDuration) -> Vec<(SimTime, SimTime)> {
    let mut v = Vec::new();
    let mut t = 0;
    while t < horizon.0 {
        let e = (t + every.0).min(horizon.0);
        v.push((SimTime(t), SimTime(e)));
        t = e;
    }
    v
}

/// Runs a scenario on the chosen platforms.
pub fn run(sc: &Scenario, platforms: Platforms) -> RunResult {
    let horizon = SimTime::ZERO + sc.horizon;
    let ivs = intervals(sc.horizon, sc.report_interval);
    let mut lmi = platforms.lmi().then(|| Lmi::new(sc));
    let mut def = platforms.default().then(|| DefaultLambda::new(sc));
    let mut stream_ = ArrivalStream::new(sc);
    let mut buf = vec![Arrival::default(); CHUNK];
    let nf = sc.functions.len();
    let mut offered = Offered {
        per_interval: vec![vec![0; ivs.len()]; nf],
        total: vec![0; nf],
        checksum: 0xcbf2_9ce4_8422_2325,
    };
    let (mut lsum, mut dsum) = (offered.checksum, offered.checksum);
    let every = sc.report_interval.0.max(1);
    loop {
        let n = stream_.fill(&mut buf);
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        for a in chunk {
            offered.checksum = mix(offered.checksum, a);
            let k = ((a.at.0 / every) as usize).min(ivs.len().saturating_sub(1));
            offered.per_interval[a.function as usize][k] += 1;
            offered.total[a.function as usize] += 1;
        }
        if let Some(m) = lmi.as_mut() {
            for a in chunk {
                lsum = mix(lsum, a);
                m.advance_to(a.at);
                m.arrive(a);
            }
        }
        if let Some(m) = def.as_mut() {
            for a in chunk {
                dsum = mix(dsum, a);
                m.advance_to(a.at);
                m.arrive(a);
            }
        }
    }
    RunResult {
        lmi: lmi.map(|m| m.finish(horizon)),
        default: def.map(|m| m.finish(horizon)),
        offered,
        intervals: ivs,
        lmi_checksum: if platforms.lmi() { lsum } else { 0 },
        default_checksum: if platforms.default() { dsum } else { 0 },
    }
}
