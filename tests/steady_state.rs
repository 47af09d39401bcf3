//! A steady fleet holds its CPU target (docs/model.md, "Scaler"): 24 hours of
//! constant Poisson traffic in Manual mode at targets 40, 50 and 70%; the mean
//! EE CPU over hours 1–24 must be within ±3 points of each target.
//!
//! Sized so that integer EEs do not decide the answer (20 vCPUs of demand:
//! 14–25 two-vCPU EEs): 100 invocations a second of 200 ms CPU (lognormal,
//! p99 400 ms) and 100 ms of I/O.

use lmi_sim::dist::Dist;
use lmi_sim::scenario::ScalingMode;
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;

fn mean_cpu(target: f64, seed: u64) -> f64 {
    let mut f = testkit::function(
        "worker",
        Dist::lognormal_from_median_p99(
            SimDuration::from_millis(200),
            SimDuration::from_millis(400),
        ),
        Dist::Constant(SimDuration::from_millis(100)),
        100.0,
    );
    f.memory_mb = 4096; // 2-vCPU EEs
    f.max_concurrency = 32;
    let mut sc = testkit::scenario(
        &["c7i.2xlarge", "c7i.4xlarge"],
        vec![f],
        SimDuration::from_secs(24 * 3600),
    );
    sc.provider.max_vcpu = 2000;
    sc.provider.scaling = ScalingMode::Manual {
        target_percent: target,
    };
    sc.report_interval = SimDuration::from_secs(300);
    sc.seed = seed;
    let r = run(&sc, Platforms::Lmi).unwrap();
    let rows = r.lmi().unwrap().rows[0].to_vec();
    // Hour 1 on: the warm fleet is sized for the target, but let it settle.
    let rows = &rows[12..];
    rows.iter().map(|x| x.cpu_utilization).sum::<f64>() / rows.len() as f64 * 100.0
}

#[test]
fn manual_mode_holds_its_cpu_target_within_3_points() {
    for target in [40.0, 50.0, 70.0] {
        let seed = 7;
        let cpu = mean_cpu(target, seed);
        println!("target {target}%: mean EE CPU {cpu:.1}% (seed {seed})");
        assert!(
            (cpu - target).abs() <= 3.0,
            "target {target}%: mean EE CPU {cpu:.1}%, seed {seed}"
        );
    }
}
