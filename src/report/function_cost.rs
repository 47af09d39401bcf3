//! Per-function cost: a platform's bill split between its functions so that
//! the parts add up to the platform's figures to the cent (docs/model.md,
//! "Cost per function").
//!
//! LMI: the EC2 bill and the management fee are split by the EE vCPU-time each
//! function held (vCPUs × time of its EEs from creation to stop); requests by
//! the invocations each function ran. Default Lambda: each function's own
//! usage (requests, GB-s, INIT GB-s, provisioned concurrency) at the rates the
//! platform's whole usage earned (tiers and the free tier apply to the total).
//!
//! Every figure is whole cents: the platform's figure rounded to the cent is
//! apportioned by largest remainder (ties: the lower function index), each
//! figure on its own, so a column always sums to the platform's figure; a
//! function's parts can then differ from its own total by a cent. Arithmetic
//! only; must not run anything or format text.

use crate::cost::{self, DefaultCost, LmiCost};
use crate::default_lambda::DefaultResult;
use crate::lmi::LmiResult;
use crate::scenario::Scenario;
use serde::Serialize;

/// One function's share of the LMI bill [USD, whole cents].
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LmiFunctionCost {
    /// EE vCPU-time it held over the horizon [vCPU-h].
    pub ee_vcpu_hours: f64,
    /// Its fraction of all functions' EE vCPU-time (splits EC2 and the fee).
    pub ee_vcpu_share: f64,
    pub requests_usd: f64,
    pub ec2_usd: f64,
    pub management_fee_usd: f64,
    pub total_usd: f64,
    pub monthly_usd: f64,
}

/// One function's default-Lambda bill [USD, whole cents].
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DefaultFunctionCost {
    pub requests_usd: f64,
    pub duration_usd: f64,
    pub init_usd: f64,
    pub provisioned_usd: f64,
    pub total_usd: f64,
    pub monthly_usd: f64,
}

/// Splits `total` [USD], rounded to the cent, in proportion to `weights`
/// (all zero: equally), in whole cents that sum to it exactly. The cents left
/// after flooring each share go to the largest fractional parts; ties to the
/// lower index.
pub fn apportion_cents(total: f64, weights: &[f64]) -> Vec<f64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let cents = if total.is_finite() {
        (total * 100.0).round() as i64
    } else {
        0
    };
    let w: Vec<f64> = weights
        .iter()
        .map(|&x| if x.is_finite() && x > 0.0 { x } else { 0.0 })
        .collect();
    let sum: f64 = w.iter().sum();
    let w = if sum > 0.0 { w } else { vec![1.0; n] };
    let sum: f64 = w.iter().sum();
    let exact: Vec<f64> = w.iter().map(|x| cents as f64 * x / sum).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let left = cents - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    // `left` is in 0..n when the shares are exact; the modulo keeps a float
    // residue from ever indexing past the end.
    if left >= 0 {
        for k in 0..left as usize {
            parts[order[k % n]] += 1;
        }
    } else {
        for k in 0..(-left) as usize {
            parts[order[n - 1 - k % n]] -= 1;
        }
    }
    parts.into_iter().map(|c| c as f64 / 100.0).collect()
}

/// The LMI bill `c` split between the functions of `r`.
pub fn lmi_function_costs(r: &LmiResult, c: &LmiCost) -> Vec<LmiFunctionCost> {
    let area: Vec<f64> = r.functions.iter().map(|f| f.ee_vcpu_area).collect();
    let all: f64 = area.iter().sum();
    let share: Vec<f64> = area
        .iter()
        .map(|a| {
            if all > 0.0 {
                a / all
            } else {
                1.0 / area.len() as f64
            }
        })
        .collect();
    let ran: Vec<f64> = r
        .functions
        .iter()
        .map(|f| (f.ledger.arrivals - f.ledger.throttles.total()) as f64)
        .collect();
    let ran_all: f64 = ran.iter().sum();
    let req_share: Vec<f64> = ran
        .iter()
        .map(|x| if ran_all > 0.0 { x / ran_all } else { 0.0 })
        .collect();
    // Each function's exact (unrounded) bill weighs the totals.
    let exact: Vec<f64> = (0..area.len())
        .map(|i| share[i] * (c.ec2_usd + c.management_fee_usd) + req_share[i] * c.requests_usd)
        .collect();
    let ec2 = apportion_cents(c.ec2_usd, &area);
    let fee = apportion_cents(c.management_fee_usd, &area);
    let req = apportion_cents(c.requests_usd, &ran);
    let total = apportion_cents(c.total_usd, &exact);
    let monthly = apportion_cents(c.monthly_usd, &exact);
    (0..area.len())
        .map(|i| LmiFunctionCost {
            ee_vcpu_hours: area[i] / 3.6e9,
            ee_vcpu_share: share[i],
            requests_usd: req[i],
            ec2_usd: ec2[i],
            management_fee_usd: fee[i],
            total_usd: total[i],
            monthly_usd: monthly[i],
        })
        .collect()
}

/// The default-Lambda bill `c` split between the functions of `r`, each by
/// its own usage.
pub fn default_function_costs(
    sc: &Scenario,
    r: &DefaultResult,
    c: &DefaultCost,
) -> Vec<DefaultFunctionCost> {
    let fs = &r.functions;
    let req: Vec<f64> = fs.iter().map(|f| f.ledger.accepted as f64).collect();
    let gbs: Vec<f64> = fs.iter().map(|f| f.gbs).collect();
    let init: Vec<f64> = fs.iter().map(|f| f.init_gbs).collect();
    let pc: Vec<f64> = fs
        .iter()
        .map(|f| cost::provisioned_usd(f.pc_alloc_gbs, f.pc_used_gbs, &sc.pricing))
        .collect();
    let frac = |v: &[f64], i: usize| {
        let s: f64 = v.iter().sum();
        if s > 0.0 { v[i] / s } else { 0.0 }
    };
    let exact: Vec<f64> = (0..fs.len())
        .map(|i| {
            frac(&req, i) * c.requests_usd
                + frac(&gbs, i) * c.duration_usd
                + frac(&init, i) * c.init_usd
                + frac(&pc, i) * c.provisioned_usd
        })
        .collect();
    let (rq, du, it, pr) = (
        apportion_cents(c.requests_usd, &req),
        apportion_cents(c.duration_usd, &gbs),
        apportion_cents(c.init_usd, &init),
        apportion_cents(c.provisioned_usd, &pc),
    );
    let total = apportion_cents(c.total_usd, &exact);
    let monthly = apportion_cents(c.monthly_usd, &exact);
    (0..fs.len())
        .map(|i| DefaultFunctionCost {
            requests_usd: rq[i],
            duration_usd: du[i],
            init_usd: it[i],
            provisioned_usd: pr[i],
            total_usd: total[i],
            monthly_usd: monthly[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(v: &[f64]) -> Vec<i64> {
        v.iter().map(|x| (x * 100.0).round() as i64).collect()
    }

    #[test]
    fn shares_sum_to_the_cent_and_ties_go_to_the_lower_index() {
        // $1.00 in three equal parts: 34 + 33 + 33 cents.
        assert_eq!(
            cents(&apportion_cents(1.0, &[1.0, 1.0, 1.0])),
            vec![34, 33, 33]
        );
        // 2:1 of $3.00 exactly.
        assert_eq!(cents(&apportion_cents(3.0, &[2.0, 1.0])), vec![200, 100]);
        // Largest remainder: $0.10 by 0.55/0.45 → 5.5 and 4.5 cents → 6 + 4.
        assert_eq!(cents(&apportion_cents(0.1, &[0.55, 0.45])), vec![6, 4]);
        // No weight at all: equal parts.
        assert_eq!(cents(&apportion_cents(0.05, &[0.0, 0.0])), vec![3, 2]);
        // Rounded total: $12.3456 → 1235 cents.
        let v = apportion_cents(12.3456, &[0.3, 0.7, 1e-9]);
        assert_eq!(cents(&v).iter().sum::<i64>(), 1235);
        assert!(apportion_cents(1.0, &[]).is_empty());
    }
}
