//! The run driver: generates each function's arrivals and work once, lazily,
//! and feeds the same requests to the LMI and default-Lambda models.
//!
//! Arrivals are produced in chunks into a reused buffer; each chunk is fed to
//! one platform, then the other, so both see identical arrival times and work
//! samples. Pure: no I/O.

use crate::default_lambda::{DefaultLambda, DefaultResult};
use crate::invocation::Arrival;
use crate::lmi::{Lmi, LmiResult};
use crate::rng::{SimRng, stream};
use crate::scenario::{FunctionSpec, Scenario};
use crate::source::{Platform, SourceResult};
use crate::time::{SimDuration, SimTime};
use crate::traffic::{ArrivalGen, Request, RequestSource, SourceError, Traffic};

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

/// Opens the request source of function `fi`.
pub fn open_source(
    sc: &Scenario,
    fi: usize,
    f: &FunctionSpec,
) -> Result<Box<dyn RequestSource>, SourceError> {
    let horizon = SimTime::ZERO + sc.horizon;
    Ok(match &f.traffic {
        Traffic::Synthetic {
            shape,
            process,
            rate_multiplier,
        } => Box::new(ArrivalGen::new(
            shape.clone(),
            *process,
            *rate_multiplier,
            stream(sc.seed, "arrivals", fi as u64),
            horizon,
        )),
        Traffic::Trace(spec) => crate::trace::open(spec, sc, fi, horizon)?,
    })
}

/// One function's request source: arrival times plus sampled work.
struct Source {
    requests: Box<dyn RequestSource>,
    cpu: crate::dist::Dist,
    io: crate::dist::Dist,
    rng_cpu: SimRng,
    rng_io: SimRng,
    function: u32,
    next: Option<Request>,
}

impl Source {
    fn new(sc: &Scenario, fi: usize, f: &FunctionSpec) -> Result<Self, SourceError> {
        let mut s = Source {
            requests: open_source(sc, fi, f)?,
            cpu: f.work.cpu.clone(),
            io: f.work.io.clone(),
            rng_cpu: stream(sc.seed, "work_cpu", fi as u64),
            rng_io: stream(sc.seed, "work_io", fi as u64),
            function: fi as u32,
            next: None,
        };
        s.next = s.requests.next_request()?;
        Ok(s)
    }

    fn take(&mut self) -> Result<Arrival, SourceError> {
        let r = self.next.take().expect("take on an exhausted source");
        self.next = self.requests.next_request()?;
        // Work is sampled for every request, used or not, so that a trace's
        // durations never shift the streams of other requests.
        let cpu = self.cpu.sample(&mut self.rng_cpu);
        let io = self.io.sample(&mut self.rng_io);
        let (cpu, io) = r.work.unwrap_or((cpu, io));
        Ok(Arrival {
            at: r.at,
            function: self.function,
            cpu,
            io,
            tag: 0,
        })
    }
}

/// Merges the functions' sources in time order (ties: lower function index).
pub struct ArrivalStream {
    sources: Vec<Source>,
}

impl ArrivalStream {
    pub fn new(sc: &Scenario) -> Result<Self, SourceError> {
        let sources = sc
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| Source::new(sc, i, f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArrivalStream { sources })
    }

    /// Offered rates at t = 0, per function.
    pub fn initial_rates(&self) -> Vec<f64> {
        self.sources
            .iter()
            .map(|s| s.requests.initial_rate())
            .collect()
    }

    /// Malformed rows skipped, per function.
    pub fn skipped_rows(&self) -> Vec<u64> {
        self.sources
            .iter()
            .map(|s| s.requests.skipped_rows())
            .collect()
    }

    /// Fills `buf` from the front; returns how many were written (0 at the end).
    pub fn fill(&mut self, buf: &mut [Arrival]) -> Result<usize, SourceError> {
        let mut n = 0;
        while n < buf.len() {
            let mut best: Option<(SimTime, usize)> = None;
            for (i, s) in self.sources.iter().enumerate() {
                if let Some(r) = s.next
                    && best.is_none_or(|(bt, _)| r.at < bt)
                {
                    best = Some((r.at, i));
                }
            }
            let Some((_, i)) = best else { break };
            buf[n] = self.sources[i].take()?;
            n += 1;
        }
        Ok(n)
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
    /// Event-source figures (queues, retries, DLQ) per platform.
    pub lmi_sources: SourceResult,
    pub default_sources: SourceResult,
    pub offered: Offered,
    pub intervals: Vec<(SimTime, SimTime)>,
    /// Checksums of what each platform was offered (equal by construction).
    pub lmi_checksum: u64,
    pub default_checksum: u64,
    /// Malformed trace rows skipped, per function.
    pub skipped_rows: Vec<u64>,
}

impl RunResult {
    /// The first failure to read back rows spilled to a temporary file
    /// (see [`crate::rowlog`]), if any: outputs made from them are incomplete.
    pub fn spill_error(&self) -> Option<String> {
        let lmi = self.lmi.iter().flat_map(|r| {
            r.rows
                .iter()
                .map(|l| l.error())
                .chain([r.provider_rows.error(), r.decisions.error()])
        });
        let def = self
            .default
            .iter()
            .flat_map(|r| r.rows.iter().map(|l| l.error()));
        let src = [&self.lmi_sources, &self.default_sources]
            .into_iter()
            .flat_map(|s| s.rows.iter().flatten().map(|l| l.error()));
        lmi.chain(def).chain(src).flatten().next()
    }
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

/// Runs a scenario on the chosen platforms, on one thread. Fails only when a
/// trace source meets a malformed row (and is not told to skip them).
pub fn run(sc: &Scenario, platforms: Platforms) -> Result<RunResult, SourceError> {
    run_threads(sc, platforms, 1)
}

/// Like [`run`]; with `threads` ≥ 2 and both platforms, LMI and default Lambda
/// run on two threads at once. Each thread generates the arrivals and work
/// itself from the same seed, so the results are byte-identical to one thread's
/// (the arrival checksums of the two threads are compared).
pub fn run_threads(
    sc: &Scenario,
    platforms: Platforms,
    threads: usize,
) -> Result<RunResult, SourceError> {
    if threads < 2 || platforms != Platforms::Both {
        return drive(sc, platforms);
    }
    let (l, d) = std::thread::scope(|s| {
        let lmi = s.spawn(|| drive(sc, Platforms::Lmi));
        let def = drive(sc, Platforms::Default);
        let lmi = lmi
            .join()
            .unwrap_or_else(|_| Err(SourceError("the LMI thread panicked".into())));
        (lmi, def)
    });
    let (mut l, d) = (l?, d?);
    if l.offered.checksum != d.offered.checksum {
        return Err(SourceError(
            "internal error: the two platform threads saw different arrivals".into(),
        ));
    }
    l.default = d.default;
    l.default_sources = d.default_sources;
    l.default_checksum = d.default_checksum;
    Ok(l)
}

/// One pass over the arrivals, feeding the chosen platforms.
fn drive(sc: &Scenario, platforms: Platforms) -> Result<RunResult, SourceError> {
    let horizon = SimTime::ZERO + sc.horizon;
    let ivs = intervals(sc.horizon, sc.report_interval);
    let mut stream_ = ArrivalStream::new(sc)?;
    let rates = stream_.initial_rates();
    let mut lmi = platforms
        .lmi()
        .then(|| Platform::new(Lmi::new(sc, &rates), sc, "lmi_source"));
    let mut def = platforms.default().then(|| {
        Platform::new(
            DefaultLambda::with_initial_rates(sc, &rates),
            sc,
            "default_source",
        )
    });
    let mut buf = vec![Arrival::default(); CHUNK];
    let nf = sc.functions.len();
    let mut offered = Offered {
        per_interval: vec![vec![0; ivs.len()]; nf],
        total: vec![0; nf],
        checksum: 0xcbf2_9ce4_8422_2325,
    };
    let every = sc.report_interval.0.max(1);
    loop {
        let n = stream_.fill(&mut buf)?;
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
                m.advance_to(a.at);
                m.offer(a);
            }
        }
        if let Some(m) = def.as_mut() {
            for a in chunk {
                m.advance_to(a.at);
                m.offer(a);
            }
        }
    }
    let (lmi, lmi_sources) = match lmi {
        Some(p) => {
            let (m, s) = p.finish(horizon);
            (Some(m.finish(horizon)), s)
        }
        None => (None, SourceResult::default()),
    };
    let (default, default_sources) = match def {
        Some(p) => {
            let (m, s) = p.finish(horizon);
            (Some(m.finish(horizon)), s)
        }
        None => (None, SourceResult::default()),
    };
    let sum = offered.checksum;
    Ok(RunResult {
        skipped_rows: stream_.skipped_rows(),
        lmi,
        default,
        lmi_sources,
        default_sources,
        offered,
        intervals: ivs,
        // Both platforms are fed every arrival of the same chunks, so what each
        // was offered is what was generated (two threads compare theirs).
        lmi_checksum: if platforms.lmi() { sum } else { 0 },
        default_checksum: if platforms.default() { sum } else { 0 },
    })
}
