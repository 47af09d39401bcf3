//! Hand-computed micro-scenarios for the LMI model.

use super::*;
use crate::dist::Dist;
use crate::invocation::{Arrival, ThrottleReason};
use crate::platform::Platform;
use crate::scenario::{Scenario, StartState};
use crate::testkit;
use crate::time::{SimDuration, SimTime};

const S: u64 = 1_000_000;

fn arrival(at_us: u64, cpu_us: u64, io_us: u64) -> Arrival {
    Arrival {
        at: SimTime(at_us),
        function: crate::ids::FunctionId(0),
        cpu: SimDuration(cpu_us),
        io: SimDuration(io_us),
        tag: 0,
    }
}

fn offer(m: &mut Lmi, a: Arrival) {
    let _ = m.advance_to(a.at);
    let _ = m.arrive(&a);
}

/// Throttles by reason, in `ThrottleReason::LMI` order.
fn by_reason(c: &crate::invocation::ThrottleCounts) -> [u64; 5] {
    ThrottleReason::LMI.map(|r| c[r])
}

fn zero() -> Dist {
    Dist::Constant(SimDuration::ZERO)
}

/// One function, one EE on one c6i.xlarge (2 usable vCPUs... 4 vCPU type), no traffic.
fn one_ee(memory_mb: u32, slots: u32) -> Scenario {
    let mut f = testkit::function("f", zero(), zero(), 0.0);
    f.memory_mb = memory_mb;
    f.max_concurrency = slots;
    f.min_ees = 1;
    f.max_ees = 1;
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(3600));
    sc.provider.availability_zones = 1;
    sc
}

#[test]
fn three_simultaneous_on_two_slots_throttle_exactly_one() {
    let sc = one_ee(2048, 2);
    let mut m = Lmi::new(&sc, &[0.0]);
    for _ in 0..3 {
        offer(&mut m, arrival(10 * S, 0, 5 * S));
    }
    let r = m.finish(SimTime(60 * S));
    let t = &r.functions[0];
    assert_eq!(t.ledger.arrivals, 3);
    assert_eq!(
        by_reason(&t.ledger.throttles),
        [1, 0, 0, 0, 0],
        "one ConcurrencyThrottles"
    );
    assert_eq!(t.ledger.served, 2);
}

#[test]
fn four_cpu_jobs_share_two_vcpus_and_finish_at_two_seconds() {
    // 4096 MB at 2 GiB/vCPU: a 2-vCPU EE.
    let sc = one_ee(4096, 8);
    let mut m = Lmi::new(&sc, &[0.0]);
    for _ in 0..4 {
        offer(&mut m, arrival(0, S, 0));
    }
    let _ = m.advance_to(SimTime(2 * S - 1));
    assert_eq!(
        m.funcs[0].ledger.totals().served,
        0,
        "nothing done before t = 2 s"
    );
    let _ = m.advance_to(SimTime(2 * S));
    assert_eq!(
        m.funcs[0].ledger.totals().served,
        4,
        "all four done at t = 2 s"
    );
    let r = m.finish(SimTime(10 * S));
    assert_eq!(r.functions[0].ledger.latency.max(), 2 * S);
}

#[test]
fn processor_sharing_with_unequal_jobs() {
    // 1 vCPU, jobs of 1 s and 3 s at t = 0: both at rate 1/2 until the short
    // one is done at 2 s; the long one has 2 s left at full speed: done at 4 s.
    let sc = one_ee(2048, 4);
    let mut m = Lmi::new(&sc, &[0.0]);
    offer(&mut m, arrival(0, S, 0));
    offer(&mut m, arrival(0, 3 * S, 0));
    assert_eq!(m.timers.at(EeId(0)), Some(2 * S), "short job due at 2 s");
    let _ = m.advance_to(SimTime(2 * S));
    assert_eq!(m.timers.at(EeId(0)), Some(4 * S), "long job due at 4 s");
    assert_eq!(m.funcs[0].ledger.totals().served, 1);
    let _ = m.advance_to(SimTime(4 * S - 1));
    assert_eq!(m.funcs[0].ledger.totals().served, 1);
    let _ = m.advance_to(SimTime(4 * S));
    assert_eq!(m.funcs[0].ledger.totals().served, 2);
}

#[test]
fn publish_start_serves_nothing_before_launch_plus_init() {
    let mut sc = one_ee(2048, 16);
    sc.start_state = StartState::Publish;
    sc.model.runtime_init = [SimDuration::ZERO; 5];
    sc.model.instance_launch_delay = Dist::Constant(SimDuration::from_secs(45));
    // launch 45 s + function init 1 s.
    let mut m = Lmi::new(&sc, &[0.0]);
    offer(&mut m, arrival(46 * S - 1, 0, 0));
    assert_eq!(
        m.funcs[0].ledger.totals().throttles[ThrottleReason::ConcurrencyThrottles],
        1,
        "1 µs before 46 s: throttled"
    );
    offer(&mut m, arrival(46 * S, 0, 0));
    assert_eq!(m.funcs[0].ledger.totals().served, 1, "at 46 s: served");
}

#[test]
fn scheduled_deactivation_throttles_everything_as_deactivated() {
    let mut sc = one_ee(2048, 16);
    sc.schedule.push(crate::scenario::ScalingChange {
        at: SimTime(100 * S),
        function: 0,
        min_ees: 0,
        max_ees: 0,
    });
    let mut m = Lmi::new(&sc, &[0.0]);
    offer(&mut m, arrival(50 * S, 0, S));
    for k in 0..50 {
        offer(&mut m, arrival(100 * S + k * S, 0, S));
    }
    let r = m.finish(SimTime(400 * S));
    let t = &r.functions[0];
    assert_eq!(t.ledger.served, 1);
    assert_eq!(by_reason(&t.ledger.throttles), [0, 0, 0, 0, 50]);
    // The fleet is gone: no instance bills after the drain.
    assert_eq!(r.provider_rows.last().unwrap().instances_running, 0);
}

#[test]
fn rotation_replaces_instances_without_loss() {
    let f = testkit::function(
        "f",
        Dist::Constant(SimDuration(20_000)),
        Dist::Constant(SimDuration(100_000)),
        20.0,
    );
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(3 * 3600));
    sc.model.max_instance_lifetime = SimDuration::from_secs(3600);
    let r = crate::sim::run(&sc, crate::sim::Platforms::Lmi).unwrap();
    let l = r.lmi.unwrap().result;
    let t = &l.functions[0];
    assert_eq!(
        t.ledger.throttles.total(),
        0,
        "no throttles across rotations"
    );
    assert_eq!(
        t.ledger.arrivals,
        t.ledger.served + l.in_flight_at_end[0] as u64
    );
    // Three instances, rotated at 1 h and 2 h.
    assert_eq!(l.provider.rotations, 6);
    assert!(l.provider.launches >= 9, "launches {}", l.provider.launches);
    // After rotation, only the replacements remain.
    assert_eq!(l.provider_rows.last().unwrap().instances_running, 3);
}

#[test]
fn scaler_policy_is_pluggable() {
    /// Adds one EE every tick, whatever the signals.
    struct OneMore;
    impl policy::ScalerPolicy for OneMore {
        fn decide(
            &mut self,
            _f: FunctionId,
            _now: SimTime,
            s: &policy::Signals,
        ) -> policy::Decision {
            policy::Decision {
                desired: s.total + 1,
                action: policy::ScaleAction::Out(1),
            }
        }
    }
    let mut sc = one_ee(2048, 16);
    sc.functions[0].max_ees = 100;
    sc.model.scaler_interval = SimDuration::from_secs(60);
    let mut m = Lmi::new(&sc, &[0.0]);
    m.set_policy(Box::new(OneMore));
    // Ticks at 1, 2, 3, 4 and 5 min; each EE is ready 1.09 s after its tick.
    let r = m.finish(SimTime(5 * 60 * S + 2 * S));
    assert_eq!(r.decisions.len(), 5);
    assert!(
        r.decisions
            .iter()
            .all(|d| d.action == ScalerAction::ScaleOut && d.delta == 1)
    );
    assert_eq!(r.functions[0].peak_ees, 6);
}

/// EE protection, by hand (docs/model.md, "EE protection"): one 1-vCPU EE
/// with 16 slots, overload threshold 250%, 1-s windows. Three 10-s CPU jobs at
/// 10 s keep 3 runnable jobs on its vCPU; the fourth, at 11 s, is accepted
/// and ends the window [10 s, 11 s] at an overload of 3.0: the limit falls to
/// floor(4 × 2.5 / 3.0) = 3, below its 4 in flight. An offer at 11.5 s finds
/// no EE below its limits: one CPUThrottle, with 12 of 16 slots free. Once
/// its jobs are done (by 50 s) the EE takes work again.
#[test]
fn a_saturated_ee_with_free_slots_throttles_for_cpu() {
    for protection in [true, false] {
        let mut sc = one_ee(2048, 16);
        sc.model.ee_overload = protection.then_some(2.5);
        sc.model.ee_limit_window = SimDuration::from_secs(1);
        let mut m = Lmi::new(&sc, &[0.0]);
        for _ in 0..3 {
            offer(&mut m, arrival(10 * S, 10 * S, 0));
        }
        offer(&mut m, arrival(11 * S, 10 * S, 0));
        let e = &m.ees[0];
        assert_eq!(e.inflight, 4);
        assert_eq!(e.limit, if protection { 3 } else { 16 });
        offer(&mut m, arrival(11 * S + S / 2, S, 0));
        offer(&mut m, arrival(60 * S, S, 0));
        let r = m.finish(SimTime(120 * S));
        let t = &r.functions[0];
        let cpu = if protection { 1 } else { 0 };
        assert_eq!(
            by_reason(&t.ledger.throttles),
            [0, cpu, 0, 0, 0],
            "protection {protection}"
        );
        assert_eq!(t.ledger.served, 6 - cpu);
        // The interval [0, 60 s) reports a mean limit below the 16 slots.
        let limit = r.rows[0].get(0).unwrap().concurrency_limit;
        if protection {
            assert!(limit < 16.0 && limit > 1.0, "mean limit {limit}");
        } else {
            assert_eq!(limit, 16.0);
        }
    }
}

/// The busy share, by hand: one 1-vCPU EE with 16 slots, threshold 250%,
/// 1-s windows. Six 100-ms CPU jobs at 10 s share its vCPU until 10.6 s (6
/// runnable for 0.6 s: an overload of 3.6 over the window [10 s, 11 s]), then
/// it idles for 0.4 s: busy 60% of the window. A 1-s job at 11 s ends the
/// window. With the 99% busy share the EE was not "consistently" busy: its
/// limit stays at 16 and an offer at 11.05 s is served. Without it (busy share
/// 0) the limit falls to max(1, floor(1 × 2.5 / 3.6)) = 1, and that offer is
/// one CPUThrottle with 15 slots free.
#[test]
fn an_ee_with_idle_moments_is_not_overloaded() {
    for (busy, limit, cpu) in [(0.99, 16, 0u64), (0.0, 1, 1)] {
        let mut sc = one_ee(2048, 16);
        sc.model.ee_overload = Some(2.5);
        sc.model.ee_busy = busy;
        sc.model.ee_limit_window = SimDuration::from_secs(1);
        let mut m = Lmi::new(&sc, &[0.0]);
        for _ in 0..6 {
            offer(&mut m, arrival(10 * S, S / 10, 0));
        }
        offer(&mut m, arrival(11 * S, S, 0));
        let e = &m.ees[0];
        assert_eq!(e.inflight, 1, "busy share {busy}");
        assert_eq!(e.limit, limit, "busy share {busy}");
        offer(&mut m, arrival(11 * S + S / 20, S / 10, 0));
        let r = m.finish(SimTime(60 * S));
        let t = &r.functions[0];
        assert_eq!(
            by_reason(&t.ledger.throttles),
            [0, cpu, 0, 0, 0],
            "busy share {busy}"
        );
        assert_eq!(t.ledger.served, 8 - cpu, "busy share {busy}");
    }
}

/// Memory, by hand: a Python EE of 2048 MB runs one process per concurrent
/// request, each 100 MB of runtime + 400 MB of its own: floor(2048 / 500) = 4
/// fit. A Node.js EE shares one 548-MB process: floor((2048 − 548) / 300) = 5
/// invocations of 300 MB fit. Six simultaneous offers on 16 slots: 2 and 1
/// `MemoryThrottles`, nothing else.
#[test]
fn an_ee_whose_memory_is_full_throttles_for_memory() {
    use crate::scenario::{InvocationMemory, Runtime};
    for (runtime, per, process, fit) in [
        (Runtime::Python, 400, 100, 4u64),
        (Runtime::Nodejs, 300, 548, 5),
    ] {
        let mut sc = one_ee(2048, 16);
        sc.functions[0].runtime = runtime;
        sc.functions[0].memory = InvocationMemory {
            per_invocation_mib: per,
            process_mib: process,
        };
        let mut m = Lmi::new(&sc, &[0.0]);
        for _ in 0..6 {
            offer(&mut m, arrival(10 * S, 0, 5 * S));
        }
        let r = m.finish(SimTime(60 * S));
        let t = &r.functions[0];
        assert_eq!(
            by_reason(&t.ledger.throttles),
            [0, 0, 6 - fit, 0, 0],
            "{runtime:?}"
        );
        assert_eq!(t.ledger.served, fit);
    }
}

/// A one-function scenario on c6i.2xlarge (7 usable vCPUs) over three AZs;
/// `extra` is appended (warm-fleet tables, knobs).
fn warm_toml(extra: &str) -> Scenario {
    let text = format!(
        r#"
name = "warm"
horizon = "10m"
[capacity_provider]
availability_zones = 3
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c6i.2xlarge"]
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 4096
MinExecutionEnvironments = 3
[functions.work]
cpu = "10ms"
[functions.traffic]
shape = "constant"
rate = 1
{extra}
"#
    );
    crate::scenario::validate::from_toml_str(&text, "warm.toml", None).unwrap()
}

/// EEs per instance (Running instances in slot order) and each one's AZ.
fn fleet_shape(m: &Lmi) -> Vec<(u8, usize)> {
    m.insts
        .iter()
        .filter(|i| i.state == InstState::Running)
        .map(|i| (i.az, i.ees.len()))
        .collect()
}

#[test]
fn stated_fleet_two_instances_six_ees_three_each_and_no_launch_at_the_first_tick() {
    // 2-vCPU EEs, 7 usable vCPUs: 3 per instance. The instances sit in AZs 0
    // and 1; AZ 2 has none, so its share spills to the others.
    let sc = warm_toml(
        "[capacity_provider.warm]\ninstances = { \"c6i.2xlarge\" = 2 }\n[functions.warm]\nexecution_environments = 6\n",
    );
    let mut m = Lmi::new(&sc, &[1.0]);
    assert_eq!(fleet_shape(&m), vec![(0, 3), (1, 3)]);
    assert_eq!(
        m.funcs[0].gauges.ready_ees.value(),
        6.0,
        "all six Ready at t = 0"
    );
    let _ = m.advance_to(SimTime(crate::scenario::SCALER_INTERVAL.0 + S));
    let r = m.finish(SimTime(crate::scenario::SCALER_INTERVAL.0 + S));
    // Light load (1/s × 10 ms): desired = the minimum, 3, below 6: no scale-out.
    let d = &r.decisions.iter().next().unwrap();
    assert_eq!(d.action, ScalerAction::Cooldown);
    assert_eq!(d.instances_launched, 0);
    assert_eq!(r.provider.launches, 2, "the starting fleet only");
    assert_eq!(r.provider.start_instances, vec![2]);
    assert_eq!(r.functions[0].start_ees, 6);
}

#[test]
fn stated_ees_alone_launch_the_fleet_place_would() {
    // Six EEs stated, instances launched as needed, against the same six from
    // MinExecutionEnvironments through today's sizing.
    let stated = warm_toml("[functions.warm]\nexecution_environments = 6\n");
    let mut sized = warm_toml("");
    sized.functions[0].min_ees = 6;
    let a = Lmi::new(&stated, &[1.0]);
    let b = Lmi::new(&sized, &[1.0]);
    assert_eq!(fleet_shape(&a), vec![(0, 2), (1, 2), (2, 2)]);
    assert_eq!(fleet_shape(&a), fleet_shape(&b));
    assert_eq!(a.books.totals.start_instances, vec![3]);
}

#[test]
fn stated_ees_below_the_minimum_are_topped_up_at_the_first_tick() {
    let sc = warm_toml("[functions.warm]\nexecution_environments = 1\n");
    let w: Vec<_> = sc
        .warnings()
        .into_iter()
        .filter(|w| w.code == crate::warning::WARM_EES_BELOW_MIN)
        .collect();
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message
            .contains("functions[0].warm.execution_environments = 1"),
        "{w:?}"
    );
    assert!(
        w[0].message.contains("MinExecutionEnvironments (3)"),
        "{w:?}"
    );
    assert_eq!(
        w[0].key.as_deref(),
        Some("functions[0].warm.execution_environments")
    );
    let m = Lmi::new(&sc, &[1.0]);
    assert_eq!(fleet_shape(&m), vec![(0, 1)]);
    let r = m.finish(SimTime(crate::scenario::SCALER_INTERVAL.0 + S));
    let d = r.decisions.iter().next().unwrap();
    assert_eq!((d.action, d.delta), (ScalerAction::ScaleOut, 2));
    assert_eq!(r.functions[0].start_ees, 1);
}

#[test]
fn publish_start_has_no_starting_fleet() {
    let mut sc = warm_toml("");
    sc.start_state = StartState::Publish;
    let m = Lmi::new(&sc, &[1.0]);
    let r = m.finish(SimTime(S));
    assert_eq!(r.provider.start_instances, vec![0]);
    assert_eq!(r.functions[0].start_ees, 0);
}

#[test]
fn cpu_speed_divides_the_cpu_work() {
    // c6i at 1.25 × default Lambda's CPU: 100 ms of CPU takes 80 ms.
    let mut sc = one_ee(2048, 4);
    sc.model.cpu_speed = vec![("c6i".into(), 1.25)];
    let mut m = Lmi::new(&sc, &[0.0]);
    offer(&mut m, arrival(0, 100_000, 0));
    assert_eq!(m.timers.at(EeId(0)), Some(80_000));
    let r = m.finish(SimTime(S));
    assert_eq!(r.functions[0].ledger.latency.max(), 80_000);

    // The type's own entry wins over its family's; two jobs share the one
    // vCPU: 2 × 80 ms of work at rate 1/2, both done at 160 ms.
    sc.model.cpu_speed = vec![("c6i".into(), 2.0), ("c6i.2xlarge".into(), 1.25)];
    let mut m = Lmi::new(&sc, &[0.0]);
    offer(&mut m, arrival(0, 100_000, 0));
    offer(&mut m, arrival(0, 100_000, 0));
    assert_eq!(m.timers.at(EeId(0)), Some(160_000));
    let r = m.finish(SimTime(S));
    assert_eq!(r.functions[0].ledger.latency.max(), 160_000);
}
