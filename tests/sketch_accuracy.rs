//! The latency sketch against exact percentiles on a small run: with I/O-only
//! work and room to spare, each LMI invocation's latency is exactly its sampled
//! I/O time, so the exact percentiles come from replaying the same arrivals.

use lmi_sim::dist::Dist;
use lmi_sim::invocation::Arrival;
use lmi_sim::sim::{ArrivalStream, Platforms, run};
use lmi_sim::sketch::RELATIVE_ERROR;
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;

#[test]
fn sketch_percentiles_agree_with_exact_ones() {
    let seed = 77;
    let mut f = testkit::function(
        "f",
        Dist::Constant(SimDuration::ZERO),
        Dist::lognormal_from_median_p99(
            SimDuration::from_millis(80),
            SimDuration::from_millis(900),
        ),
        200.0,
    );
    f.min_ees = 20;
    let mut sc = testkit::scenario(&["c7i.4xlarge"], vec![f], SimDuration::from_secs(1200));
    sc.seed = seed;
    let r = run(&sc, Platforms::Lmi).unwrap();
    let l = r.lmi().unwrap();
    assert_eq!(l.functions[0].ledger.throttles.total(), 0);

    // Replay the same arrivals; keep the I/O times of those completed by the horizon.
    let mut stream = ArrivalStream::new(&sc).unwrap();
    let mut buf = vec![Arrival::default(); 4096];
    let mut exact = Vec::new();
    loop {
        let n = stream.fill(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        for a in &buf[..n] {
            if a.at.0 + a.io.0 <= sc.horizon.0 {
                exact.push(a.io.0);
            }
        }
    }
    exact.sort_unstable();
    let sk = &l.functions[0].ledger.latency;
    assert_eq!(sk.count(), exact.len() as u64, "seed {seed}");
    for q in [0.5, 0.9, 0.99, 0.999] {
        let rank = ((q * exact.len() as f64).ceil() as usize).clamp(1, exact.len());
        let e = exact[rank - 1] as f64;
        let a = sk.quantile(q).unwrap();
        assert!(
            (a - e).abs() <= e * RELATIVE_ERROR + 0.5,
            "q {q}: sketch {a} µs, exact {e} µs, bound {:.3}% (seed {seed})",
            RELATIVE_ERROR * 100.0
        );
    }
    assert_eq!(sk.max(), *exact.last().unwrap());
}
