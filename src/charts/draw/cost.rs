//! Chart 3, cost: the cumulative cost of each platform, stacked by component.
//! Draws only; the numbers come from `ChartData` (no pricing is computed
//! here), and no helper shared with other charts lives here.

use super::*;

pub(crate) fn cost(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let root = root(buf, &s.title("cumulative cost"))?;
    let n_panels = d.lmi.is_some() as usize + d.default.is_some() as usize;
    let weights = vec![1.0; n_panels.max(1)];
    let p = panels(&root, &weights);
    let x = 0.0..d.x_end;
    let most = d
        .lmi_total_usd
        .unwrap_or(0.0)
        .max(d.default_total_usd.unwrap_or(0.0));
    let ymax = if most > 0.0 && most.is_finite() {
        most * 1.12
    } else {
        0.01
    };
    let yfmt = |v: &f64| fmt_usd_tick(*v);
    let horizon = fmt_horizon(s.horizon_s);
    let shared = s.function.is_some();
    let mut k = 0;

    if let Some(l) = d.lmi.as_ref() {
        let (area, leg) = &p[k];
        k += 1;
        let bottom = k == p.len();
        let mut chart = builder(area, bottom, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        mesh!(chart, d, bottom, "LMI cost [USD]", &yfmt);
        let n = l.cum_ec2.len();
        let ec2 = l.cum_ec2.clone();
        let fee: Vec<f64> = (0..n).map(|i| ec2[i] + l.cum_fee[i]).collect();
        let all: Vec<f64> = (0..n).map(|i| fee[i] + l.cum_requests[i]).collect();
        for (v, col) in [
            (&all, colors::LMI_REQUESTS),
            (&fee, colors::LMI_FEE),
            (&ec2, colors::LMI_EC2),
        ] {
            chart
                .draw_series(AreaSeries::new(cumulative(d, v), 0.0, c(col).filled()))
                .de()?;
        }
        let mut notes = vec![
            (
                format!("≈ {} per month", fmt_usd(d.lmi_monthly_usd.unwrap_or(0.0))),
                true,
            ),
            (
                format!("{} over {horizon}", fmt_usd(d.lmi_total_usd.unwrap_or(0.0))),
                false,
            ),
        ];
        if shared {
            notes.push(("EC2 and fee: this function's".into(), false));
            notes.push(("share by EE vCPUs held".into(), false));
        }
        legend(
            leg,
            "LMI",
            &[
                item("requests", colors::LMI_REQUESTS, Swatch::Fill),
                item("management fee", colors::LMI_FEE, Swatch::Fill),
                item("EC2 instances", colors::LMI_EC2, Swatch::Fill),
            ],
            &notes,
        )?;
    }

    if let Some(df) = d.default.as_ref() {
        let (area, leg) = &p[k];
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        mesh!(chart, d, true, "default Lambda cost [USD]", &yfmt);
        let n = df.cum_duration.len();
        let with_pc = vmax(&df.cum_provisioned) > 0.0;
        let dur = df.cum_duration.clone();
        let init: Vec<f64> = (0..n).map(|i| dur[i] + df.cum_init[i]).collect();
        let req: Vec<f64> = (0..n).map(|i| init[i] + df.cum_requests[i]).collect();
        let pc: Vec<f64> = (0..n).map(|i| req[i] + df.cum_provisioned[i]).collect();
        let mut layers = vec![];
        if with_pc {
            layers.push((&pc, colors::DEFAULT_PROVISIONED));
        }
        layers.extend([
            (&req, colors::DEFAULT_REQUESTS),
            (&init, colors::DEFAULT_INIT),
            (&dur, colors::DEFAULT_DURATION),
        ]);
        for (v, col) in layers {
            chart
                .draw_series(AreaSeries::new(cumulative(d, v), 0.0, c(col).filled()))
                .de()?;
        }
        let mut items = vec![];
        if with_pc {
            items.push(item(
                "provisioned concurrency",
                colors::DEFAULT_PROVISIONED,
                Swatch::Fill,
            ));
        }
        items.extend([
            item("requests", colors::DEFAULT_REQUESTS, Swatch::Fill),
            item("INIT (GB-s)", colors::DEFAULT_INIT, Swatch::Fill),
            item("duration (GB-s)", colors::DEFAULT_DURATION, Swatch::Fill),
        ]);
        legend(
            leg,
            "default Lambda",
            &items,
            &[
                (
                    format!(
                        "≈ {} per month",
                        fmt_usd(d.default_monthly_usd.unwrap_or(0.0))
                    ),
                    true,
                ),
                (
                    format!(
                        "{} over {horizon}",
                        fmt_usd(d.default_total_usd.unwrap_or(0.0))
                    ),
                    false,
                ),
            ],
        )?;
    }
    root.present().de()
}
