//! A sweep's `summary.json`: its types, how a sweep fills them, and the
//! analyses over the rows (goal pick, crossover, Pareto front). Deterministic
//! (no wall times); must not run points or write files.

use super::{
    Combine, Crossover, Goal, PointResult, SCHEMA, Sweep, crossover, goal_pick, pareto, spec,
};
use crate::report;
use crate::sim;
use serde::{Deserialize, Serialize};

fn platforms_name(p: sim::Platforms) -> &'static str {
    match p {
        sim::Platforms::Both => "both",
        sim::Platforms::Lmi => "lmi",
        sim::Platforms::Default => "default",
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AxisSummary {
    pub key: String,
    /// The values as written in `results.csv`.
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    pub point: usize,
    pub values: Vec<KeyValue>,
    pub monthly_usd: Option<f64>,
    pub throttle_rate: Option<f64>,
    pub p99_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoalSummary {
    #[serde(flatten)]
    pub spec: Goal,
    pub feasible_points: usize,
    /// The cheapest feasible point; `null` when none meets the goal.
    pub pick: Option<Pick>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardSummary {
    pub index: u32,
    pub count: u32,
    /// Points this shard ran.
    pub points: usize,
}

/// Everything a sweep's `summary.json` holds. Deterministic: no wall times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    pub schema: String,
    pub lmi_sim_version: String,
    pub sweep: String,
    pub description: String,
    /// Hash of the sweep file, its base scenario file and the lmi-sim version.
    pub fingerprint: String,
    /// The `--set KEY=VALUE` overrides of the base, in order; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    /// "both", "lmi" or "default".
    pub platforms: String,
    pub combine: Combine,
    /// Points in the whole sweep.
    pub points: usize,
    pub axes: Vec<AxisSummary>,
    /// Functions with columns of their own in `results.csv` (two or more;
    /// absent with one function).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
    /// Whether `results.csv` has the `blend_*` columns (LMI + spill-over;
    /// absent when no point spills over).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blend: bool,
    /// Set in a shard's summary; `null` for a whole (or merged) sweep.
    pub shard: Option<ShardSummary>,
    pub goal: Option<GoalSummary>,
    /// Where LMI and default Lambda cost the same (needs both platforms).
    pub crossover: Option<Crossover>,
    /// Platform of the Pareto front.
    pub pareto_platform: String,
    /// Points on the cost/throttle-rate Pareto front, by cost.
    pub pareto_front: Vec<usize>,
}

impl SweepSummary {
    pub(super) fn of(sw: &Sweep, shard: Option<ShardSummary>) -> SweepSummary {
        SweepSummary {
            schema: SCHEMA.into(),
            lmi_sim_version: report::VERSION.into(),
            sweep: sw.name.clone(),
            description: sw.description.clone(),
            fingerprint: sw.fingerprint.clone(),
            overrides: sw.overrides.clone(),
            seed: sw.seed,
            replications: sw.replications,
            platforms: platforms_name(sw.platforms).into(),
            combine: sw.combine,
            points: sw.points.len(),
            axes: sw
                .axes
                .iter()
                .map(|a| AxisSummary {
                    key: a.path.text.clone(),
                    values: a.labels.clone(),
                })
                .collect(),
            functions: sw.function_columns(),
            blend: sw.blend_columns(),
            shard,
            goal: sw.goal.clone().map(|spec| GoalSummary {
                spec,
                feasible_points: 0,
                pick: None,
            }),
            crossover: None,
            pareto_platform: String::new(),
            pareto_front: vec![],
        }
    }

    pub fn axis_keys(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.key.clone()).collect()
    }

    /// Point coordinates (value index per axis), in point order.
    pub fn coords(&self) -> Result<Vec<Vec<usize>>, String> {
        let lens: Vec<usize> = self.axes.iter().map(|a| a.values.len()).collect();
        spec::expand_lens(&lens, self.combine)
    }

    /// The axis value cells of `point`.
    pub fn labels(&self, coords: &[Vec<usize>], point: usize) -> Vec<String> {
        coords
            .get(point)
            .map(|c| {
                self.axes
                    .iter()
                    .zip(c)
                    .map(|(a, &i)| a.values[i].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fills the goal pick, the crossover and the Pareto front from `rows`.
    pub(super) fn analyse(&mut self, rows: &[PointResult], coords: &[Vec<usize>]) {
        if let Some(mut g) = self.goal.take() {
            let (pick, n) = goal_pick(rows, &g.spec);
            g.feasible_points = n;
            g.pick = pick.map(|r| {
                let p = r.platform(&g.spec.platform);
                let limited = super::results::goal_figures(r, &g.spec);
                Pick {
                    point: r.point,
                    values: self
                        .axes
                        .iter()
                        .zip(self.labels(coords, r.point))
                        .map(|(a, v)| KeyValue {
                            key: a.key.clone(),
                            value: v,
                        })
                        .collect(),
                    monthly_usd: p.and_then(|p| p.monthly_usd.mean),
                    throttle_rate: limited.and_then(|l| l.0.mean),
                    p99_ms: limited.and_then(|l| l.1.mean),
                }
            });
            self.goal = Some(g);
        }
        let pts: Vec<(usize, f64, f64, f64)> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.point,
                    r.monthly_invocations()?,
                    r.lmi.as_ref()?.monthly_usd.mean?,
                    r.default.as_ref()?.monthly_usd.mean?,
                ))
            })
            .collect();
        self.crossover = crossover(&pts);
        self.pareto_platform = self.front_platform().to_string();
        let refs: Vec<&PointResult> = rows.iter().collect();
        self.pareto_front = pareto(&refs, &self.pareto_platform)
            .iter()
            .map(|r| r.point)
            .collect();
    }

    /// The goal's platform, else LMI if simulated, else default Lambda.
    pub fn front_platform(&self) -> &str {
        match &self.goal {
            Some(g) => &g.spec.platform,
            None if self.platforms != "default" => "lmi",
            None => "default",
        }
    }

    pub fn json(&self) -> String {
        let mut s =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }
}
