//! What a run's figures warn about (README.md, "Warnings"): `MaxVCpuCount`
//! refusing launches, a platform that throttles too much or serves nothing,
//! no "cheaper" verdict when a platform leaves requests unserved, an
//! instance type far larger than the fleet, skipped trace rows. Reads the summary's figures and the scaler's
//! decisions; must not format the terminal table nor print.

use super::{Comparison, DefaultSummary, FunctionSummary, LmiSummary, PlatformFigures};
use crate::lmi::LmiResult;
use crate::scenario::Scenario;
use crate::warning::{self, THROTTLE_WARN_RATE, Warning};

/// `h:mm:ss` into the run.
pub(super) fn clock(t_s: f64) -> String {
    let s = t_s.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A count with thousands separators: 120,878.
pub(super) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut g = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            g.push(',');
        }
        g.push(c);
    }
    g
}

/// A fraction as a percentage that never rounds a non-zero value to 0.
fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.001 {
        "< 0.1%".into()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

/// `max_vcpu_bound`: `MaxVCpuCount` refused at least one launch.
fn max_vcpu(sc: &Scenario, r: &LmiResult) -> Option<Warning> {
    let p = &r.provider;
    if p.launches_refused == 0 {
        return None;
    }
    let max = sc.provider.max_vcpu;
    let first_s = p.first_refused_at.map_or(0.0, |t| t.as_secs_f64());
    // The scaler tick that fell furthest short of what it wanted.
    let (mut ticks, mut worst) = (0u64, None::<(u32, f64, u32, u32)>);
    for d in r.decisions.iter() {
        if d.refused_by_max_vcpu == 0 {
            continue;
        }
        ticks += 1;
        let got = (d.total as i64 + d.delta).clamp(0, u32::MAX as i64) as u32;
        let short = d.desired.saturating_sub(got);
        if worst.is_none_or(|w| short > w.2.saturating_sub(w.3)) {
            worst = Some((d.function, d.time_s, d.desired, got));
        }
    }
    let mut msg = format!(
        "MaxVCpuCount = {max} refused {} instance launch{} (first at {} into the run); the fleet peaked at {} vCPUs",
        thousands(p.launches_refused),
        if p.launches_refused == 1 { "" } else { "es" },
        clock(first_s),
        p.peak_vcpus
    );
    let mut w = Warning::new(warning::MAX_VCPU_BOUND, String::new())
        .key("capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount")
        .figure("max_vcpu", max as f64)
        .figure("peak_vcpus", p.peak_vcpus as f64)
        .figure("launches_refused", p.launches_refused as f64)
        .figure("first_refused_s", first_s)
        .figure("scaler_ticks_refused", ticks as f64);
    if let Some((fi, t, wanted, got)) = worst {
        let name = r
            .function_names
            .get(fi as usize)
            .map_or("?", String::as_str);
        msg.push_str(&format!(
            "; at {} the scaler wanted {wanted} EEs for `{name}` and got {got}",
            clock(t)
        ));
        w = w
            .figure("wanted_ees", wanted as f64)
            .figure("got_ees", got as f64)
            .figure("at_s", t);
    }
    msg.push_str(
        ": throttles and latency after that show the cap, not the scaler; raise MaxVCpuCount to see what the fleet would do without it",
    );
    w.message = msg;
    Some(w)
}

/// `nothing_served` or `high_throttle_rate` for one platform, if either.
fn service(name: &str, f: &PlatformFigures, retried: bool) -> Option<Warning> {
    if f.invocations == 0 {
        return None;
    }
    let base = |code, msg: String| {
        Warning::new(code, msg)
            .figure("invocations", f.invocations as f64)
            .figure("served", f.served as f64)
            .figure("throttled", f.throttled as f64)
            .figure("throttle_rate", f.throttle_rate)
    };
    if f.served == 0 {
        return Some(base(
            warning::NOTHING_SERVED,
            format!(
                "{name} served none of its {} invocations ({} throttled, {} in flight at the end): its latency and cost describe a platform that did no work",
                thousands(f.invocations),
                thousands(f.throttled),
                thousands(f.in_flight_at_end)
            ),
        ));
    }
    if f.throttle_rate > THROTTLE_WARN_RATE {
        return Some(
            base(
                warning::HIGH_THROTTLE_RATE,
                format!(
                    "{name} throttled {} of {} invocations ({}, above the {} threshold{})",
                    thousands(f.throttled),
                    thousands(f.invocations),
                    pct(f.throttle_rate),
                    pct(THROTTLE_WARN_RATE),
                    if retried {
                        "; a retried attempt counts each time it is throttled"
                    } else {
                        ""
                    }
                ),
            )
            .figure("threshold", THROTTLE_WARN_RATE),
        );
    }
    None
}

/// `oversized_instance_type`: a function's chosen type has more than
/// [`warning::OVERSIZE_FACTOR`] × the vCPUs that every function's peak EEs use
/// together (instances are shared, so the whole fleet's EEs count), and more
/// than [`warning::OVERSIZE_MIN_VCPUS`].
fn oversized(sc: &Scenario, r: &LmiResult) -> Vec<Warning> {
    let peak_vcpus: u64 = sc
        .functions
        .iter()
        .zip(&r.functions)
        .map(|(s, f)| f.peak_ees as u64 * s.ee_vcpus() as u64)
        .sum();
    if peak_vcpus == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, (spec, f)) in sc.functions.iter().zip(&r.functions).enumerate() {
        let Some(c) = &f.instance_choice else {
            continue;
        };
        let t = &r.instance_types[c.plan.ty];
        let limit = (warning::OVERSIZE_FACTOR as u64 * peak_vcpus).max(warning::OVERSIZE_MIN_VCPUS);
        if (t.vcpus as u64) <= limit {
            continue;
        }
        let (rv, rm) = (
            sc.model.reserved_vcpus_per_instance,
            sc.model.reserved_memory_mib_per_instance,
        );
        let smallest = r
            .instance_types
            .iter()
            .filter(|x| {
                spec.ee_vcpus() <= x.vcpus.saturating_sub(rv)
                    && spec.ee_memory_mib() <= x.memory_mib.saturating_sub(rm)
            })
            .min_by_key(|x| (x.vcpus, x.memory_mib));
        let fix = match smallest {
            Some(s) if s.vcpus < t.vcpus => format!(
                "the smallest allowed type that holds one of its EEs is `{}` ({} vCPUs); check model.instance_selection and the prices",
                s.name, s.vcpus
            ),
            _ => "it is the smallest allowed type that holds one of its EEs; allow smaller instance types (AllowedInstanceTypes) if it should not be".to_string(),
        };
        out.push(
            Warning::new(
                warning::OVERSIZED_INSTANCE_TYPE,
                format!(
                    "`{}` runs on `{}` ({} vCPUs), more than {}× the {peak_vcpus} vCPUs the fleet's EEs use at their peak: most of each instance is paid for and idle; {fix}",
                    spec.name,
                    t.name,
                    t.vcpus,
                    warning::OVERSIZE_FACTOR
                ),
            )
            .key(format!("functions[{i}]"))
            .figure("instance_vcpus", t.vcpus as f64)
            .figure("peak_ee_vcpus", peak_vcpus as f64)
            .figure("factor", warning::OVERSIZE_FACTOR as f64),
        );
    }
    out
}

/// The run's own warnings, in a fixed order.
pub(super) fn run_warnings(
    sc: &Scenario,
    r: Option<&LmiResult>,
    lmi: Option<&LmiSummary>,
    default: Option<&DefaultSummary>,
    skipped_rows: u64,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if skipped_rows > 0 {
        out.push(
            Warning::new(
                warning::SKIPPED_TRACE_ROWS,
                format!(
                    "{} malformed trace rows were skipped (--skip-bad-rows): their invocations are not in any figure",
                    thousands(skipped_rows)
                ),
            )
            .figure("rows", skipped_rows as f64),
        );
    }
    if let Some(r) = r {
        out.extend(max_vcpu(sc, r));
        out.extend(oversized(sc, r));
    }
    out.extend(lmi.and_then(|l| service("LMI", &l.figures, l.sources.is_some())));
    out.extend(default.and_then(|d| service("default Lambda", &d.figures, d.sources.is_some())));
    out
}

/// What one platform did with the requests it was offered: a synchronous
/// function's throttle is a lost request at once; a function with a queue or
/// retries loses a request only when it fails after its retries, goes to the
/// DLQ or is still waiting at the end (in flight at the end is not lost).
#[derive(Default)]
struct Service {
    offered: u64,
    unserved: u64,
    served: u64,
}

impl Service {
    fn of(funcs: &[FunctionSummary], lmi: bool) -> Self {
        let mut s = Service::default();
        for f in funcs {
            let (fig, src) = if lmi {
                (f.lmi.as_ref(), f.lmi_sources.as_ref())
            } else {
                (f.default.as_ref(), f.default_sources.as_ref())
            };
            let Some(fig) = fig else { continue };
            s.served += fig.served;
            match src {
                Some(q) => {
                    s.offered += q.requests;
                    s.unserved += q.failed + q.dlq + q.queued_at_end;
                }
                None => {
                    s.offered += fig.invocations;
                    s.unserved += fig.throttled;
                }
            }
        }
        s
    }

    fn unserved_rate(&self) -> f64 {
        rate(self.unserved, self.offered)
    }

    /// Why this platform's bill cannot be compared, if it cannot.
    fn unfit(&self, name: &str) -> Option<String> {
        if self.offered == 0 {
            None
        } else if self.served == 0 {
            Some(format!(
                "{name} served none of its {} requests",
                thousands(self.offered)
            ))
        } else if self.unserved_rate() > THROTTLE_WARN_RATE {
            Some(format!(
                "{name} left {} of {} requests unserved ({}, more than {})",
                thousands(self.unserved),
                thousands(self.offered),
                pct(self.unserved_rate()),
                pct(THROTTLE_WARN_RATE)
            ))
        } else {
            None
        }
    }
}

/// The cost comparison of a two-platform run, and the `no_cost_verdict`
/// warning when a platform is unfit to be compared: it served nothing, or
/// left more than [`THROTTLE_WARN_RATE`] of its requests unserved.
pub(super) fn compare(
    sc: &Scenario,
    arrivals: u64,
    funcs: &[FunctionSummary],
    l: &LmiSummary,
    d: &DefaultSummary,
) -> (Comparison, Option<Warning>) {
    let (a, b) = (l.cost.monthly_usd, d.cost.monthly_usd);
    let dearer = a.max(b);
    let (ls, ds) = (Service::of(funcs, true), Service::of(funcs, false));
    let reasons: Vec<String> = [ls.unfit("LMI"), ds.unfit("default Lambda")]
        .into_iter()
        .flatten()
        .collect();
    let withheld = (!reasons.is_empty()).then(|| reasons.join("; "));
    let compares = format!(
        "cost per {}-hour month of each platform for the same {} requests; unserved: LMI {}, default Lambda {}",
        sc.pricing.month_hours,
        thousands(arrivals),
        pct(ls.unserved_rate()),
        pct(ds.unserved_rate())
    );
    let c = Comparison {
        cheaper: withheld
            .is_none()
            .then_some(if a <= b { "lmi" } else { "default" }),
        lmi_monthly_usd: a,
        default_monthly_usd: b,
        monthly_savings_usd: (a - b).abs(),
        savings_fraction: if dearer > 0.0 {
            (a - b).abs() / dearer
        } else {
            0.0
        },
        compares,
        withheld: withheld.clone(),
    };
    let w = withheld.map(|why| {
        Warning::new(
            warning::NO_COST_VERDICT,
            format!("no \"cheaper\" verdict: {why}; a bill for work not done is not a saving"),
        )
        .figure("lmi_monthly_usd", a)
        .figure("default_monthly_usd", b)
        .figure("lmi_unserved_rate", ls.unserved_rate())
        .figure("default_unserved_rate", ds.unserved_rate())
        .figure("threshold", THROTTLE_WARN_RATE)
    });
    (c, w)
}

fn rate(n: u64, d: u64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(clock(3900.0), "1:05:00");
        assert_eq!(clock(59.6), "0:01:00");
        assert_eq!(thousands(120_878), "120,878");
        assert_eq!(thousands(999), "999");
        assert_eq!(pct(0.0001), "< 0.1%");
        assert_eq!(pct(0.0237), "2.4%");
    }

    fn figs(invocations: u64, served: u64, throttled: u64) -> PlatformFigures {
        PlatformFigures {
            invocations,
            served,
            throttled,
            throttle_rate: rate(throttled, invocations),
            ..Default::default()
        }
    }

    #[test]
    fn service_thresholds() {
        // 1% exactly is within the threshold; one more throttle is not.
        assert!(service("LMI", &figs(1000, 990, 10), false).is_none());
        let w = service("LMI", &figs(1000, 989, 11), false).unwrap();
        assert_eq!(w.code, warning::HIGH_THROTTLE_RATE);
        assert_eq!(w.figures["throttled"], 11.0);
        let w = service("LMI", &figs(120_878, 0, 120_878), false).unwrap();
        assert_eq!(w.code, warning::NOTHING_SERVED);
        assert!(w.message.contains("120,878"), "{}", w.message);
        assert!(service("LMI", &figs(0, 0, 0), false).is_none());
    }
}
