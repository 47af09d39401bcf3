//! The run driver: generates each function's arrivals and work once, lazily,
//! and feeds the same requests to the LMI and default-Lambda models, each
//! behind its own event sources.
//!
//! Arrivals are produced in chunks into a reused buffer; each chunk is fed to
//! one platform, then the other, so both see identical arrival times and work
//! samples. Pure: no I/O.

use crate::default_lambda::{DefaultLambda, DefaultResult};
use crate::event_source::{EventSourceResult, EventSources};
use crate::ids::FunctionId;
use crate::invocation::Arrival;
use crate::lmi::{Lmi, LmiResult};
use crate::platform::{Admission, Platform};
use crate::request::{Request, RequestStream, TraceError};
use crate::rng::{SimRng, stream};
use crate::scenario::{FunctionSpec, Scenario};
use crate::spill::Spill;
use crate::time::SimTime;
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

/// Opens the request stream of function `fi`.
pub fn open_requests(
    sc: &Scenario,
    fi: usize,
    f: &FunctionSpec,
) -> Result<Box<dyn RequestStream>, TraceError> {
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
        Traffic::Trace(spec) => crate::trace::open(spec, sc.seed, fi, horizon)?,
    })
}

/// One function's feed: its request stream plus sampled work.
struct Feed {
    requests: Box<dyn RequestStream>,
    cpu: crate::dist::Dist,
    io: crate::dist::Dist,
    rng_cpu: SimRng,
    rng_io: SimRng,
    function: FunctionId,
    next: Option<Request>,
}

impl Feed {
    fn new(sc: &Scenario, fi: usize, f: &FunctionSpec) -> Result<Self, TraceError> {
        let mut s = Feed {
            requests: open_requests(sc, fi, f)?,
            cpu: f.work.cpu.clone(),
            io: f.work.io.clone(),
            rng_cpu: stream(sc.seed, "work_cpu", fi as u64),
            rng_io: stream(sc.seed, "work_io", fi as u64),
            function: FunctionId::of(fi),
            next: None,
        };
        s.next = s.requests.next_request()?;
        Ok(s)
    }

    fn take(&mut self) -> Result<Arrival, TraceError> {
        let r = self.next.take().expect("take on an exhausted feed");
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

/// Merges the functions' feeds in time order (ties: lower function index).
pub struct ArrivalStream {
    feeds: Vec<Feed>,
}

impl ArrivalStream {
    pub fn new(sc: &Scenario) -> Result<Self, TraceError> {
        let feeds = sc
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| Feed::new(sc, i, f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArrivalStream { feeds })
    }

    /// Offered rates at t = 0, per function.
    pub fn initial_rates(&self) -> Vec<f64> {
        self.feeds
            .iter()
            .map(|s| s.requests.initial_rate())
            .collect()
    }

    /// Malformed rows skipped, per function.
    pub fn skipped_rows(&self) -> Vec<u64> {
        self.feeds
            .iter()
            .map(|s| s.requests.skipped_rows())
            .collect()
    }

    /// Access logs: what the log says became of the requests replayed, per
    /// function.
    pub fn logged_outcomes(&self) -> Vec<Option<crate::request::LoggedOutcomes>> {
        self.feeds
            .iter()
            .map(|s| s.requests.logged_outcomes())
            .collect()
    }

    /// Count traces' interval lengths inferred from their rows, per function.
    pub fn inferred_intervals(&self) -> Vec<Option<crate::time::SimDuration>> {
        self.feeds
            .iter()
            .map(|s| s.requests.inferred_interval())
            .collect()
    }

    /// Notes about what the traces held, per function.
    pub fn trace_notes(&self) -> Vec<Vec<String>> {
        self.feeds.iter().map(|s| s.requests.notes()).collect()
    }

    /// Fills `buf` from the front; returns how many were written (0 at the end).
    pub fn fill(&mut self, buf: &mut [Arrival]) -> Result<usize, TraceError> {
        let mut n = 0;
        while n < buf.len() {
            let mut best: Option<(SimTime, usize)> = None;
            for (i, s) in self.feeds.iter().enumerate() {
                if let Some(r) = s.next
                    && best.is_none_or(|(bt, _)| r.at < bt)
                {
                    best = Some((r.at, i));
                }
            }
            let Some((_, i)) = best else { break };
            buf[n] = self.feeds[i].take()?;
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

/// What one platform produced in a run.
pub struct PlatformRun<R> {
    /// The platform model's result.
    pub result: R,
    /// Its event sources' figures (queues, retries, DLQ).
    pub sources: EventSourceResult,
    /// Checksum of the arrivals this platform's feed loop offered, computed by
    /// that loop itself ([`Offered::checksum`] is the first platform's).
    pub offered_checksum: u64,
}

/// The outcome of one run.
pub struct RunResult {
    pub lmi: Option<PlatformRun<LmiResult>>,
    pub default: Option<PlatformRun<DefaultResult>>,
    pub offered: Offered,
    pub intervals: Vec<(SimTime, SimTime)>,
    /// Malformed trace rows skipped, per function.
    pub skipped_rows: Vec<u64>,
    /// Count traces' interval lengths inferred from their rows, per function.
    pub inferred_intervals: Vec<Option<crate::time::SimDuration>>,
    /// Access logs: throttled and failed requests among those replayed, per
    /// function.
    pub logged_outcomes: Vec<Option<crate::request::LoggedOutcomes>>,
    /// Notes about what the traces held (e.g. missing CloudWatch periods),
    /// per function.
    pub trace_notes: Vec<Vec<String>>,
    /// LMI's throttles retried on default Lambda: present when LMI ran and a
    /// function has `[functions.spill_over]`.
    pub spill: Option<crate::spill::SpillRun>,
}

impl RunResult {
    pub fn lmi(&self) -> Option<&LmiResult> {
        self.lmi.as_ref().map(|p| &p.result)
    }

    pub fn default(&self) -> Option<&DefaultResult> {
        self.default.as_ref().map(|p| &p.result)
    }

    pub fn lmi_sources(&self) -> Option<&EventSourceResult> {
        self.lmi.as_ref().map(|p| &p.sources)
    }

    pub fn default_sources(&self) -> Option<&EventSourceResult> {
        self.default.as_ref().map(|p| &p.sources)
    }

    /// The first failure to read back rows spilled to a temporary file
    /// (see [`crate::rowlog`]), if any: outputs made from them are incomplete.
    pub fn spill_error(&self) -> Option<String> {
        let lmi = self.lmi().into_iter().flat_map(|r| {
            r.rows
                .iter()
                .map(|l| l.error())
                .chain([r.provider_rows.error(), r.decisions.error()])
        });
        let def = self
            .default()
            .into_iter()
            .flat_map(|r| r.rows.iter().map(|l| l.error()));
        let fallback = self
            .spill
            .iter()
            .flat_map(|s| s.fallback.rows.iter().map(|l| l.error()));
        let src = [self.lmi_sources(), self.default_sources()]
            .into_iter()
            .flatten()
            .flat_map(|s| s.rows.iter().flatten().map(|l| l.error()));
        lmi.chain(def).chain(fallback).chain(src).flatten().next()
    }
}

const CHUNK: usize = 4096;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn mix(h: u64, a: &Arrival) -> u64 {
    let mut h = h;
    for v in [a.at.0, a.function.0 as u64, a.cpu.0, a.io.0] {
        h = (h ^ v).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Runs a scenario on the chosen platforms, on one thread. Fails only when a
/// trace meets a malformed row (and is not told to skip them).
pub fn run(sc: &Scenario, platforms: Platforms) -> Result<RunResult, TraceError> {
    run_threads(sc, platforms, 1)
}

/// Like [`run_threads`], publishing how far the simulation has got to
/// `progress` (one relaxed store per chunk of arrivals).
pub fn run_with_progress(
    sc: &Scenario,
    platforms: Platforms,
    threads: usize,
    progress: &crate::progress::RunProgress,
) -> Result<RunResult, TraceError> {
    run_impl(sc, platforms, threads, Some(progress))
}

/// Like [`run`]; with `threads` ≥ 2 and both platforms, LMI and default Lambda
/// run on two threads at once. Each thread generates the arrivals and work
/// itself from the same seed, so the results are byte-identical to one thread's
/// (the arrival checksums of the two threads are compared).
pub fn run_threads(
    sc: &Scenario,
    platforms: Platforms,
    threads: usize,
) -> Result<RunResult, TraceError> {
    run_impl(sc, platforms, threads, None)
}

fn run_impl(
    sc: &Scenario,
    platforms: Platforms,
    threads: usize,
    progress: Option<&crate::progress::RunProgress>,
) -> Result<RunResult, TraceError> {
    if threads < 2 || platforms != Platforms::Both {
        return drive(sc, platforms, progress);
    }
    let (l, d) = std::thread::scope(|s| {
        let lmi = s.spawn(|| drive(sc, Platforms::Lmi, progress));
        let def = drive(sc, Platforms::Default, progress);
        // A panic on the LMI thread is a bug: it goes on to the caller (the
        // CLI reports it as an internal error), never as a trace error.
        let lmi = lmi.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (lmi, def)
    });
    let (mut l, d) = (l?, d?);
    // A broken invariant, not bad input: the CLI reports the panic as an
    // internal error (exit status 1).
    assert_eq!(
        l.offered.checksum, d.offered.checksum,
        "internal error: the two platform threads saw different arrivals"
    );
    l.default = d.default;
    Ok(l)
}

/// A platform behind its event sources, with its own checksum of what it was offered.
struct Fed<P: Platform> {
    sources: EventSources<P>,
    checksum: u64,
}

impl<P: Platform> Fed<P> {
    fn new(platform: P, sc: &Scenario, label: &str) -> Self {
        Fed {
            sources: EventSources::new(platform, sc, label),
            checksum: FNV_OFFSET,
        }
    }

    #[inline]
    fn feed(&mut self, chunk: &[Arrival]) {
        for a in chunk {
            self.checksum = mix(self.checksum, a);
            self.sources.advance_to(a.at);
            self.sources.offer(a);
        }
    }

    /// Like [`Fed::feed`], handing each throttle of a synchronous request to
    /// the spill-over, which then takes the retries due.
    fn feed_spill(&mut self, chunk: &[Arrival], spill: &mut Spill) {
        for a in chunk {
            self.checksum = mix(self.checksum, a);
            self.sources.advance_to(a.at);
            if let Some(Admission::Throttled(r)) = self.sources.offer_sync(a) {
                spill.throttled(a, r);
            }
        }
        if let Some(last) = chunk.last() {
            spill.release(last.at);
        }
    }

    fn finish(self, horizon: SimTime) -> PlatformRun<P::Result> {
        let (result, sources) = self.sources.finish(horizon);
        PlatformRun {
            result,
            sources,
            offered_checksum: self.checksum,
        }
    }
}

/// A switch for tests of the CLI's exit codes: set, the LMI driver panics.
/// Not an option for users (the CLI sets it from a test-only environment
/// variable); read once per run, never on the invocation path.
#[doc(hidden)]
pub mod test_hooks {
    pub static PANIC_IN_LMI: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);
}

/// One pass over the arrivals, feeding the chosen platforms.
fn drive(
    sc: &Scenario,
    platforms: Platforms,
    progress: Option<&crate::progress::RunProgress>,
) -> Result<RunResult, TraceError> {
    let reach = |at: u64| {
        if let Some(p) = progress {
            if platforms.lmi() {
                p.reach(0, at);
            }
            if platforms.default() {
                p.reach(1, at);
            }
        }
    };
    if platforms.lmi() && test_hooks::PANIC_IN_LMI.load(std::sync::atomic::Ordering::Relaxed) {
        panic!("test hook: panic in the LMI driver");
    }
    let horizon = SimTime::ZERO + sc.horizon;
    let clock = sc.report_clock();
    let mut arrivals = ArrivalStream::new(sc)?;
    let rates = arrivals.initial_rates();
    let mut lmi = platforms
        .lmi()
        .then(|| Fed::new(Lmi::new(sc, &rates), sc, "lmi_source"));
    let mut def = platforms.default().then(|| {
        Fed::new(
            DefaultLambda::with_initial_rates(sc, &rates),
            sc,
            "default_source",
        )
    });
    // Off the hot path when no function spills: the plain feed loop runs.
    let mut spill = if platforms.lmi() {
        Spill::new(sc)
    } else {
        None
    };
    let mut buf = vec![Arrival::default(); CHUNK];
    let nf = sc.functions.len();
    let mut offered = Offered {
        per_interval: vec![vec![0; clock.count()]; nf],
        total: vec![0; nf],
        checksum: FNV_OFFSET,
    };
    loop {
        let n = arrivals.fill(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        for a in chunk {
            let f = a.function.index();
            offered.per_interval[f][clock.index(a.at)] += 1;
            offered.total[f] += 1;
        }
        if let Some(p) = lmi.as_mut() {
            match spill.as_mut() {
                None => p.feed(chunk),
                Some(s) => p.feed_spill(chunk, s),
            }
        }
        if let Some(p) = def.as_mut() {
            p.feed(chunk);
        }
        reach(chunk[n - 1].at.0);
    }
    // What was offered is what the first platform's feed loop checksummed
    // (each loop computes its own; a second platform's must agree).
    offered.checksum = lmi
        .as_ref()
        .map(|p| p.checksum)
        .or(def.as_ref().map(|p| p.checksum))
        .unwrap_or(FNV_OFFSET);
    let lmi = lmi.map(|p| p.finish(horizon));
    let spill = spill.map(|s| s.finish(sc));
    let default = def.map(|p| p.finish(horizon));
    reach(horizon.0);
    Ok(RunResult {
        skipped_rows: arrivals.skipped_rows(),
        inferred_intervals: arrivals.inferred_intervals(),
        logged_outcomes: arrivals.logged_outcomes(),
        lmi,
        default,
        offered,
        intervals: clock.bounds(),
        trace_notes: arrivals.trace_notes(),
        spill,
    })
}
