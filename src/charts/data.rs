//! Chart data: the per-interval series of one function (or of the whole
//! provider, summed over functions), grouped into at most [`MAX_BUCKETS`]
//! buckets so that long runs stay fast and bars stay wide enough to see.

use crate::report::{Summary, default_usage};
use crate::scenario::Scenario;
use crate::sim::RunResult;

/// Most buckets a chart draws; longer runs merge whole report intervals.
pub const MAX_BUCKETS: usize = 240;

/// Bucket lengths tried [s] (the first whole multiple of the report interval
/// that keeps the bucket count within [`MAX_BUCKETS`] wins).
const NICE_S: &[u64] = &[
    1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
    86_400, 172_800, 604_800,
];

/// Which functions a chart covers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// One function, by index.
    Function(usize),
    /// All functions summed (the capacity provider as a whole).
    All,
}

/// The time axis unit, picked from the horizon.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// Minutes up to 3 h, hours up to 3 days, days beyond.
    pub fn for_horizon(horizon_s: f64) -> Self {
        if horizon_s <= 3.0 * 3600.0 {
            TimeUnit::Minutes
        } else if horizon_s <= 3.0 * 86_400.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }
    pub fn secs(self) -> f64 {
        match self {
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86_400.0,
        }
    }
    pub fn axis_label(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "time since start [min]",
            TimeUnit::Hours => "time since start [h]",
            TimeUnit::Days => "time since start [days]",
        }
    }
}

/// "minute", "5 minutes", "10 s", "hour", "2 hours", "day".
pub fn period_name(secs: f64) -> String {
    let s = secs.round().max(0.0) as u64;
    let (n, unit) = if s >= 86_400 && s.is_multiple_of(86_400) {
        (s / 86_400, "day")
    } else if s >= 3600 && s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else if s >= 60 && s.is_multiple_of(60) {
        (s / 60, "minute")
    } else {
        return format!("{s} s");
    };
    if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    }
}

/// Series of one platform on LMI, one value per bucket.
#[derive(Clone, Debug, Default)]
pub struct LmiSeries {
    pub throttles: Vec<f64>,
    pub in_flight: Vec<f64>,
    pub slots: Vec<f64>,
    pub ees_ready: Vec<f64>,
    pub ees_initializing: Vec<f64>,
    pub instances_running: Vec<f64>,
    pub instances_launching: Vec<f64>,
    /// The provider's vCPUs (launching instances included), most at once in
    /// each bucket.
    pub vcpus: Vec<f64>,
    /// `MaxVCpuCount`.
    pub max_vcpu: f64,
    /// Launches `MaxVCpuCount` refused over the run (provider-wide).
    pub launches_refused: u64,
    /// EE-level CPU utilization [%].
    pub cpu_ee: Vec<f64>,
    /// Provider (instance-level) CPU utilization [%].
    pub cpu_provider: Vec<f64>,
    pub p50_ms: Vec<Option<f64>>,
    pub p99_ms: Vec<Option<f64>>,
    /// Cumulative costs [USD] at each bucket's end.
    pub cum_ec2: Vec<f64>,
    pub cum_fee: Vec<f64>,
    pub cum_requests: Vec<f64>,
    /// Fault occurrences (docs/model.md, "Faults"), in the time unit:
    /// (fault, end of its recovery or the horizon, recovered); empty
    /// without faults.
    pub faults: Vec<(f64, f64, bool)>,
    /// AZ outages, in the time unit: (start, end — clamped to the horizon —,
    /// AZ); empty without one.
    pub outages: Vec<(f64, f64, u32)>,
}

/// Series of default Lambda, one value per bucket.
#[derive(Clone, Debug, Default)]
pub struct DefaultSeries {
    pub throttles: Vec<f64>,
    pub cold_starts: Vec<f64>,
    pub p50_ms: Vec<Option<f64>>,
    pub p99_ms: Vec<Option<f64>>,
    pub cum_duration: Vec<f64>,
    pub cum_init: Vec<f64>,
    pub cum_requests: Vec<f64>,
    pub cum_provisioned: Vec<f64>,
}

/// LMI's throttles that spilled to default Lambda, one value per bucket
/// (present only with `[functions.spill_over]`).
#[derive(Clone, Debug, Default)]
pub struct SpillSeries {
    /// By the interval of the LMI throttle.
    pub spilled: Vec<f64>,
    /// Spilled requests the fallback throttled in turn (by its own clock).
    pub fallback_throttled: Vec<f64>,
}

/// Everything the charts of one selection draw.
#[derive(Clone, Debug)]
pub struct ChartData {
    pub unit: TimeUnit,
    /// Horizon in `unit`s (the x-axis end).
    pub x_end: f64,
    /// Length of a bucket [s] (a whole number of report intervals).
    pub bucket_s: f64,
    /// Report intervals per bucket (1: no merging).
    pub bucket_intervals: usize,
    /// Bucket start and end, in `unit`s.
    pub t0: Vec<f64>,
    pub t1: Vec<f64>,
    pub offered: Vec<f64>,
    pub lmi: Option<LmiSeries>,
    pub default: Option<DefaultSeries>,
    pub spill: Option<SpillSeries>,
    /// Monthly projections [USD] for the selection.
    pub lmi_monthly_usd: Option<f64>,
    pub default_monthly_usd: Option<f64>,
    /// Costs over the horizon [USD].
    pub lmi_total_usd: Option<f64>,
    pub default_total_usd: Option<f64>,
}

impl ChartData {
    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.t0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.t0.is_empty()
    }
    /// "per minute", "per 10 minutes".
    pub fn per(&self) -> String {
        format!("per {}", period_name(self.bucket_s))
    }
}

/// Per-interval latency of a selection: served-weighted p50, worst p99.
#[derive(Default, Clone, Copy)]
struct Lat {
    p50_weighted: f64,
    weight: f64,
    p99: Option<f64>,
}

impl Lat {
    fn add(&mut self, served: u64, p50: Option<f64>, p99: Option<f64>) {
        if let Some(v) = p50.filter(|v| v.is_finite()) {
            let w = served.max(1) as f64;
            self.p50_weighted += v * w;
            self.weight += w;
        }
        if let Some(v) = p99.filter(|v| v.is_finite()) {
            self.p99 = Some(self.p99.map_or(v, |p: f64| p.max(v)));
        }
    }
    fn p50(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.p50_weighted / self.weight)
    }
}

/// Per-interval (unbucketed) values.
#[derive(Default)]
struct Raw {
    offered: Vec<f64>,
    l_thr: Vec<f64>,
    l_infl: Vec<f64>,
    l_slots: Vec<f64>,
    l_ready: Vec<f64>,
    l_init: Vec<f64>,
    l_run: Vec<f64>,
    l_launch: Vec<f64>,
    l_vcpus: Vec<f64>,
    l_cpu: Vec<f64>,
    l_cpu_w: Vec<f64>,
    l_pcpu: Vec<f64>,
    l_lat: Vec<Lat>,
    l_ec2: Vec<f64>,
    l_fee: Vec<f64>,
    l_req: Vec<f64>,
    d_thr: Vec<f64>,
    d_cold: Vec<f64>,
    d_lat: Vec<Lat>,
    d_dur: Vec<f64>,
    d_init: Vec<f64>,
    d_req: Vec<f64>,
    d_pc: Vec<f64>,
}

/// Report intervals per bucket, for `n` intervals of `every_us` µs each: the
/// smallest that keeps within [`MAX_BUCKETS`], rounded up to a nice length
/// (1 min, 10 min, 1 h…) when one is within a factor of 2.
fn bucket_size(n: usize, every_us: u64) -> usize {
    let g0 = n.div_ceil(MAX_BUCKETS).max(1);
    if g0 == 1 || every_us == 0 {
        return g0;
    }
    for &s in NICE_S {
        let us = s * 1_000_000;
        if us.is_multiple_of(every_us) {
            let g = (us / every_us) as usize;
            if g >= g0 && g <= 2 * g0 {
                return g;
            }
        }
    }
    g0
}

/// Builds the chart data of `sel`.
pub fn build(sc: &Scenario, run: &RunResult, summary: &Summary, sel: Selection) -> ChartData {
    let n = run.intervals.len();
    let nf = sc.functions.len();
    let fns: Vec<usize> = match sel {
        Selection::Function(i) => vec![i],
        Selection::All => (0..nf).collect(),
    };
    let horizon_s = sc.horizon.as_secs_f64();
    let unit = TimeUnit::for_horizon(horizon_s);
    let req_price = sc.pricing.request_usd_per_million / 1e6;

    let offered: Vec<f64> = (0..n)
        .map(|k| {
            fns.iter()
                .map(|&f| {
                    run.offered
                        .per_interval
                        .get(f)
                        .and_then(|v| v.get(k))
                        .copied()
                        .unwrap_or(0) as f64
                })
                .sum()
        })
        .collect();
    let mut raw = Raw {
        offered,
        ..Raw::default()
    };

    if let Some(r) = run.lmi() {
        for k in 0..n {
            let p = r.provider_rows.get(k).unwrap_or_default();
            // Share of provider-wide EC2 and fee: by EE vCPUs held in the interval.
            let weight = |f: usize| -> f64 {
                let row = r.rows.get(f).and_then(|v| v.get(k));
                let vcpus = sc
                    .functions
                    .get(f)
                    .map(|s| s.ee_vcpus())
                    .unwrap_or(1)
                    .max(1) as f64;
                row.map(|x| (x.ees_ready + x.ees_initializing + x.ees_draining) as f64 * vcpus)
                    .unwrap_or(0.0)
            };
            let share = match sel {
                Selection::All => 1.0,
                Selection::Function(fi) => {
                    let total: f64 = (0..nf).map(weight).sum();
                    if total > 0.0 {
                        weight(fi) / total
                    } else if nf > 0 {
                        1.0 / nf as f64
                    } else {
                        0.0
                    }
                }
            };
            let (mut thr, mut infl, mut slots, mut ready, mut init, mut req) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            let (mut cpu, mut cpu_w) = (0.0, 0.0);
            let mut lat = Lat::default();
            for &f in &fns {
                let Some(row) = r.rows.get(f).and_then(|v| v.get(k)) else {
                    continue;
                };
                let fig = &row.figures;
                thr += fig.throttles.total() as f64;
                infl += row.in_flight as f64;
                slots += row.slots as f64;
                ready += row.ees_ready as f64;
                init += row.ees_initializing as f64;
                req += fig.accepted as f64 * req_price;
                let vcpus = sc
                    .functions
                    .get(f)
                    .map(|s| s.ee_vcpus())
                    .unwrap_or(1)
                    .max(1) as f64;
                let w = (row.ees_ready as f64 * vcpus).max(1e-9);
                cpu += row.cpu_utilization * w;
                cpu_w += w;
                lat.add(fig.served, fig.latency_p50_ms, fig.latency_p99_ms);
            }
            raw.l_thr.push(thr);
            raw.l_infl.push(infl);
            raw.l_slots.push(slots);
            raw.l_ready.push(ready);
            raw.l_init.push(init);
            raw.l_run.push(p.instances_running as f64);
            raw.l_launch.push(p.instances_launching as f64);
            raw.l_vcpus.push(p.vcpus_peak as f64);
            raw.l_cpu.push(if cpu_w > 0.0 {
                100.0 * cpu / cpu_w
            } else {
                0.0
            });
            raw.l_cpu_w.push(cpu_w);
            raw.l_pcpu.push(100.0 * p.cpu_utilization);
            raw.l_lat.push(lat);
            raw.l_ec2.push(p.ec2_usd * share);
            raw.l_fee.push(p.fee_usd * share);
            raw.l_req.push(req);
        }
    }

    if let Some(r) = run.default() {
        // Same arithmetic as `report::timeseries_csv`.
        let eff = summary
            .default
            .as_ref()
            .map(|d| d.cost.effective_usd_per_gbs)
            .unwrap_or(0.0);
        let m = crate::cost::months(sc.horizon, &sc.pricing);
        let def_req_factor = summary
            .default
            .as_ref()
            .map(|d| {
                let inv = default_usage(r).invocations;
                if inv > 0 && m > 0.0 {
                    d.cost.requests_usd / inv as f64
                } else {
                    req_price
                }
            })
            .unwrap_or(req_price);
        for k in 0..n {
            let (mut thr, mut cold, mut dur, mut init, mut req, mut pc) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            let mut lat = Lat::default();
            for &f in &fns {
                let Some(row) = r.rows.get(f).and_then(|v| v.get(k)) else {
                    continue;
                };
                let fig = &row.figures;
                thr += fig.throttles.total() as f64;
                cold += row.cold_starts as f64;
                dur += row.gbs * eff;
                init += row.init_gbs * eff;
                req += fig.accepted as f64 * def_req_factor;
                pc += crate::cost::provisioned_usd(row.pc_alloc_gbs, row.pc_used_gbs, &sc.pricing);
                lat.add(fig.served, fig.latency_p50_ms, fig.latency_p99_ms);
            }
            raw.d_thr.push(thr);
            raw.d_cold.push(cold);
            raw.d_lat.push(lat);
            raw.d_dur.push(dur);
            raw.d_init.push(init);
            raw.d_req.push(req);
            raw.d_pc.push(pc);
        }
    }

    // Bucketing.
    let g = bucket_size(n, sc.report_interval.0);
    let ranges: Vec<(usize, usize)> = (0..n.div_ceil(g))
        .map(|b| (b * g, ((b + 1) * g).min(n)))
        .collect();
    let sum =
        |v: &[f64]| -> Vec<f64> { ranges.iter().map(|&(a, b)| v[a..b].iter().sum()).collect() };
    let max = |v: &[f64]| -> Vec<f64> {
        ranges
            .iter()
            .map(|&(a, b)| v[a..b].iter().copied().fold(0.0, f64::max))
            .collect()
    };
    let mean = |v: &[f64]| -> Vec<f64> {
        ranges
            .iter()
            .map(|&(a, b)| v[a..b].iter().sum::<f64>() / (b - a).max(1) as f64)
            .collect()
    };
    let cum = |v: &[f64]| -> Vec<f64> {
        let mut acc = 0.0;
        ranges
            .iter()
            .map(|&(a, b)| {
                acc += v[a..b].iter().sum::<f64>();
                acc
            })
            .collect()
    };
    let lat = |v: &[Lat]| -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        ranges
            .iter()
            .map(|&(a, b)| {
                let mut acc = Lat::default();
                for l in &v[a..b] {
                    if l.weight > 0.0 {
                        acc.p50_weighted += l.p50_weighted;
                        acc.weight += l.weight;
                    }
                    if let Some(p) = l.p99 {
                        acc.p99 = Some(acc.p99.map_or(p, |q: f64| q.max(p)));
                    }
                }
                (acc.p50(), acc.p99)
            })
            .unzip()
    };
    let weighted_mean = |v: &[f64], w: &[f64]| -> Vec<f64> {
        ranges
            .iter()
            .map(|&(a, b)| {
                let (s, ws) = (a..b).fold((0.0, 0.0), |(s, ws), i| (s + v[i] * w[i], ws + w[i]));
                if ws > 0.0 { s / ws } else { 0.0 }
            })
            .collect()
    };

    let us = unit.secs();
    let t0: Vec<f64> = ranges
        .iter()
        .map(|&(a, _)| run.intervals[a].0.as_secs_f64() / us)
        .collect();
    let t1: Vec<f64> = ranges
        .iter()
        .map(|&(_, b)| run.intervals[b - 1].1.as_secs_f64() / us)
        .collect();

    let lmi = run.lmi().map(|r| {
        let (p50, p99) = lat(&raw.l_lat);
        LmiSeries {
            throttles: sum(&raw.l_thr),
            in_flight: max(&raw.l_infl),
            slots: max(&raw.l_slots),
            ees_ready: max(&raw.l_ready),
            ees_initializing: max(&raw.l_init),
            instances_running: max(&raw.l_run),
            instances_launching: max(&raw.l_launch),
            vcpus: max(&raw.l_vcpus),
            max_vcpu: sc.provider.max_vcpu as f64,
            launches_refused: r.provider.launches_refused,
            cpu_ee: weighted_mean(&raw.l_cpu, &raw.l_cpu_w),
            cpu_provider: mean(&raw.l_pcpu),
            p50_ms: p50,
            p99_ms: p99,
            cum_ec2: cum(&raw.l_ec2),
            cum_fee: cum(&raw.l_fee),
            cum_requests: cum(&raw.l_req),
            faults: r
                .faults
                .iter()
                .flat_map(|f| &f.occurrences)
                .map(|o| {
                    let end = o.recovered_at.map_or(horizon_s, |t| t.as_secs_f64());
                    (o.at.as_secs_f64() / us, end / us, o.recovered_at.is_some())
                })
                .collect(),
            outages: r
                .faults
                .iter()
                .filter_map(|f| match f.spec.kind {
                    crate::scenario::FaultKind::AzOutage { az, duration } => {
                        Some(f.occurrences.iter().map(move |o| {
                            let a = o.at.as_secs_f64();
                            let b = (a + duration.as_secs_f64()).min(horizon_s);
                            (a / us, b / us, az)
                        }))
                    }
                    _ => None,
                })
                .flatten()
                .collect(),
        }
    });
    let default = run.default().map(|_| {
        let (p50, p99) = lat(&raw.d_lat);
        DefaultSeries {
            throttles: sum(&raw.d_thr),
            cold_starts: sum(&raw.d_cold),
            p50_ms: p50,
            p99_ms: p99,
            cum_duration: cum(&raw.d_dur),
            cum_init: cum(&raw.d_init),
            cum_requests: cum(&raw.d_req),
            cum_provisioned: cum(&raw.d_pc),
        }
    });

    let spill = run.spill.as_ref().map(|sp| {
        let per = |f: &dyn Fn(usize, usize) -> u64| -> Vec<f64> {
            (0..n)
                .map(|k| fns.iter().map(|&fi| f(fi, k)).sum::<u64>() as f64)
                .collect()
        };
        let spilled = per(&|fi, k| sp.spilled_rows[fi].get(k).copied().unwrap_or(0));
        let thr = per(&|fi, k| {
            sp.fallback.rows[fi]
                .get(k)
                .map_or(0, |r| r.figures.throttles.total())
        });
        SpillSeries {
            spilled: sum(&spilled),
            fallback_throttled: sum(&thr),
        }
    });

    let months = crate::cost::months(sc.horizon, &sc.pricing);
    let project = |total: f64| if months > 0.0 { total / months } else { 0.0 };
    let lmi_total = lmi.as_ref().map(|l| {
        l.cum_ec2.last().copied().unwrap_or(0.0)
            + l.cum_fee.last().copied().unwrap_or(0.0)
            + l.cum_requests.last().copied().unwrap_or(0.0)
    });
    let def_total = default.as_ref().map(|d| {
        d.cum_duration.last().copied().unwrap_or(0.0)
            + d.cum_init.last().copied().unwrap_or(0.0)
            + d.cum_requests.last().copied().unwrap_or(0.0)
            + d.cum_provisioned.last().copied().unwrap_or(0.0)
    });
    let (lmi_monthly, def_monthly) = match sel {
        Selection::All => (
            summary
                .lmi
                .as_ref()
                .map(|l| l.cost.monthly_usd)
                .or(lmi_total.map(project)),
            summary
                .default
                .as_ref()
                .map(|d| d.cost.monthly_usd)
                .or(def_total.map(project)),
        ),
        // The function's share of the month (a calendar's month included).
        Selection::Function(i) => (
            summary.functions[i]
                .lmi_cost
                .as_ref()
                .map(|c| c.monthly_usd)
                .or(lmi_total.map(project)),
            summary.functions[i]
                .default_cost
                .as_ref()
                .map(|c| c.monthly_usd)
                .or(def_total.map(project)),
        ),
    };

    ChartData {
        unit,
        x_end: (horizon_s / us).max(1e-9),
        bucket_s: g as f64 * sc.report_interval.as_secs_f64(),
        bucket_intervals: g,
        t0,
        t1,
        offered: sum(&raw.offered),
        lmi,
        default,
        spill,
        lmi_monthly_usd: lmi_monthly,
        default_monthly_usd: def_monthly,
        lmi_total_usd: lmi_total,
        default_total_usd: def_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_sizes() {
        let min = 60_000_000;
        assert_eq!(bucket_size(0, min), 1);
        assert_eq!(bucket_size(120, min), 1);
        assert_eq!(bucket_size(240, min), 1);
        assert_eq!(bucket_size(1440, min), 10);
        assert_eq!(bucket_size(20_160, min), 120);
        assert_eq!(bucket_size(1080, 10_000_000), 6);
        assert_eq!(bucket_size(1000, 7_000_000), 5);
        assert!(10_000_000usize.div_ceil(bucket_size(10_000_000, min)) <= MAX_BUCKETS);
    }

    #[test]
    fn period_names() {
        assert_eq!(period_name(60.0), "minute");
        assert_eq!(period_name(600.0), "10 minutes");
        assert_eq!(period_name(3600.0), "hour");
        assert_eq!(period_name(7200.0), "2 hours");
        assert_eq!(period_name(10.0), "10 s");
        assert_eq!(period_name(86_400.0), "day");
    }

    #[test]
    fn units() {
        assert_eq!(TimeUnit::for_horizon(60.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_horizon(3.0 * 3600.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_horizon(86_400.0), TimeUnit::Hours);
        assert_eq!(TimeUnit::for_horizon(14.0 * 86_400.0), TimeUnit::Days);
    }
}
