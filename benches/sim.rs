//! Regression benches of simulator throughput (criterion). Each bench reports
//! throughput in simulated invocations; scenario files are parsed outside the
//! timed part, and seeds are fixed.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lmi_sim::dist::Dist;
use lmi_sim::engine::EventQueue;
use lmi_sim::rng::stream;
use lmi_sim::scenario::{self, Scenario};
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::{SimDuration, SimTime};
use rand_distr::{Distribution, Exp1};
use std::hint::black_box;
use std::path::Path;

fn load(path: &str, horizon_s: u64) -> Scenario {
    let mut sc = scenario::load(Path::new(path)).expect("bundled scenario");
    sc.horizon = SimDuration::from_secs(horizon_s);
    sc
}

fn arrivals(sc: &Scenario) -> u64 {
    run(sc, Platforms::Lmi)
        .expect("runs")
        .offered
        .total
        .iter()
        .sum()
}

/// The event queue alone: the classic hold model (pop one, push one at
/// now + Exp(mean)) at a steady population of 1,000 events.
fn queue_hold(c: &mut Criterion) {
    const OPS: u64 = 1_000_000;
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("queue_hold_1000", |b| {
        b.iter_batched(
            || {
                let mut rng = stream(1, "bench", 0);
                let mut q = EventQueue::new();
                for i in 0..1000u64 {
                    let e: f64 = Exp1.sample(&mut rng);
                    q.push(SimTime((e * 100_000.0) as u64), i);
                }
                (q, rng)
            },
            |(mut q, mut rng)| {
                for _ in 0..OPS {
                    let (t, ev) = q.pop_until(SimTime::MAX).expect("population is steady");
                    let e: f64 = Exp1.sample(&mut rng);
                    q.push(SimTime(t.0 + (e * 100_000.0) as u64), ev);
                }
                black_box(q.len())
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn platform(c: &mut Criterion, name: &str, sc: Scenario, p: Platforms) {
    let n = arrivals(&sc);
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function(name, |b| {
        b.iter(|| black_box(run(&sc, p).expect("runs").offered.checksum))
    });
    g.finish();
}

/// LMI on the marketing spike (its first 75 minutes: baseline, spike and scale-out).
fn lmi_marketing_spike(c: &mut Criterion) {
    let sc = load("scenarios/marketing-spike.toml", 75 * 60);
    platform(c, "lmi_marketing_spike", sc.clone(), Platforms::Lmi);
    platform(c, "both_marketing_spike", sc, Platforms::Both);
}

/// Default Lambda with Poisson arrivals at 1,000/s for 10 minutes.
fn default_poisson(c: &mut Criterion) {
    let f = testkit::function(
        "api",
        Dist::Exponential { mean_us: 20_000.0 },
        Dist::Exponential { mean_us: 80_000.0 },
        1000.0,
    );
    let sc = testkit::scenario(&["c7i.2xlarge"], vec![f], SimDuration::from_secs(600));
    platform(c, "default_poisson", sc, Platforms::Default);
}

/// A day of the bundled Azure 2019 sample (both platforms), trimmed to 2 hours.
fn trace_replay(c: &mut Criterion) {
    let sc = load("scenarios/azure-2019-day.toml", 2 * 3600);
    platform(c, "trace_replay_azure2019", sc, Platforms::Both);
}

/// A 16-point sweep (4 concurrencies × 4 CPU targets on the first 20 minutes of
/// the marketing spike's baseline), both platforms, on all cores, no charts.
/// Throughput counts the invocations of all points.
fn sweep_16(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::env::current_dir().expect("cwd");
    let file = dir.path().join("bench16.toml");
    let text = format!(
        "name = \"bench16\"\nbase = \"{}\"\n[overrides]\nhorizon = \"20m\"\n\
         [[axes]]\nkey = \"functions[0].PerExecutionEnvironmentMaxConcurrency\"\nvalues = [8, 16, 24, 32]\n\
         [[axes]]\nkey = \"model.auto_cpu_target_percent\"\nvalues = [30.0, 40.0, 50.0, 60.0]\n",
        root.join("scenarios/marketing-spike.toml").display()
    );
    std::fs::write(&file, text).expect("write sweep");
    let sw = lmi_sim::sweep::load(&file).expect("sweep parses");
    let per_point = arrivals(&load("scenarios/marketing-spike.toml", 20 * 60));
    let opts = lmi_sim::sweep::RunOptions {
        out: dir.path().join("out"),
        jobs: None,
        shard: None,
        charts: false,
        progress: false,
        resume: false,
    };
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    g.throughput(Throughput::Elements(16 * per_point));
    g.bench_function("sweep_16_points", |b| {
        b.iter(|| black_box(lmi_sim::sweep::run(&sw, &opts).expect("sweep runs").points))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: the numbers are what the regression guard reads.
    config = Criterion::default().without_plots();
    targets = queue_hold, lmi_marketing_spike, default_poisson, trace_replay, sweep_16
}
criterion_main!(benches);
