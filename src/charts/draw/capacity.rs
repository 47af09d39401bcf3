//! Chart 2, LMI capacity: in-flight invocations against slots and the
//! fleet's vCPUs against `MaxVCpuCount`, EEs and instances, CPU utilization
//! against the scaler target. Draws only; the
//! numbers come from `ChartData`, and no helper shared with other charts
//! lives here.

use super::*;

pub(crate) fn capacity(buf: &mut [u8], s: &Subject<'_>, d: &ChartData) -> Result<(), String> {
    let Some(l) = d.lmi.as_ref() else {
        return Err("no LMI results".into());
    };
    let root = root(buf, &s.title("LMI capacity against demand"))?;
    let p = panels(&root, &[1.0, 1.0, 1.0]);
    let x = 0.0..d.x_end;
    let yfmt = |v: &f64| fmt_num(*v);
    let level_note = if d.bucket_intervals > 1 {
        format!("peak {}", d.per())
    } else {
        "at each interval's end".to_string()
    };
    let starting_note = format!("initializing, launching: most {}", d.per());

    // (a) in flight vs slots (left axis); the fleet's vCPUs against
    // MaxVCpuCount (right axis, in vCPUs: the cap's own unit).
    {
        let (area, leg) = &p[0];
        let ymax = vmax(&l.in_flight).max(vmax(&l.slots));
        let y2max = vmax(&l.vcpus).max(l.max_vcpu);
        let mut chart = builder(area, false, true)
            .build_cartesian_2d(x.clone(), 0.0..top(ymax))
            .de()?
            .set_secondary_coord(x.clone(), 0.0..top(y2max * 1.05));
        mesh!(chart, d, false, "invocations · slots", &yfmt);
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .label_style(font(TICK_PX))
            .axis_desc_style(font(LABEL_PX))
            .y_label_formatter(&yfmt)
            .y_desc("vCPUs")
            .axis_style(AXIS)
            .draw()
            .de()?;
        chart
            .draw_series(
                AreaSeries::new(steps(d, &l.slots), 0.0, c(colors::SLOTS_FILL).filled())
                    .border_style(line(colors::SLOTS, 2)),
            )
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.in_flight),
                line(colors::IN_FLIGHT, 3),
            ))
            .de()?;
        chart
            .draw_secondary_series(LineSeries::new(steps(d, &l.vcpus), line(colors::VCPUS, 2)))
            .de()?;
        chart
            .draw_secondary_series(DashedLineSeries::new(
                [(0.0, l.max_vcpu), (d.x_end, l.max_vcpu)],
                12,
                8,
                line(colors::MAX_VCPU, 2),
            ))
            .de()?;
        let mut notes = vec![(level_note.clone(), false)];
        if l.launches_refused > 0 {
            notes.push((
                format!(
                    "{} launch{} refused at the cap",
                    fmt_num(l.launches_refused as f64),
                    if l.launches_refused == 1 { "" } else { "es" }
                ),
                true,
            ));
        }
        let fleet = if s.function.is_some() {
            "provider vCPUs (right, most)"
        } else {
            "instance vCPUs (right, most)"
        };
        legend(
            leg,
            "demand vs capacity",
            &[
                item("available slots", colors::SLOTS, Swatch::Fill),
                item("invocations in flight", colors::IN_FLIGHT, Swatch::Line),
                item(fleet, colors::VCPUS, Swatch::Line),
                item(
                    format!("MaxVCpuCount {} (right)", fmt_num(l.max_vcpu)),
                    colors::MAX_VCPU,
                    Swatch::Dashed,
                ),
            ],
            &notes,
        )?;
    }

    // (b) EEs (left axis) and instances (right axis).
    {
        let (area, leg) = &p[1];
        let ymax = vmax(&l.ees_ready).max(vmax(&l.ees_initializing));
        let y2max = vmax(&l.instances_running).max(vmax(&l.instances_launching));
        let mut chart = builder(area, false, true)
            .build_cartesian_2d(x.clone(), 0.0..top(ymax))
            .de()?
            // Extra headroom on the instance axis keeps its lines off the EE
            // lines when the two happen to scale alike.
            .set_secondary_coord(x.clone(), 0.0..top(y2max) * 1.5);
        mesh!(chart, d, false, "execution environments", &yfmt);
        // Faults: the recovery shaded, the fault instant a line.
        let top_ees = top(ymax);
        chart
            .draw_series(l.faults.iter().map(|&(a, b, _)| {
                Rectangle::new([(a, 0.0), (b.max(a), top_ees)], c(colors::FAULT).filled())
            }))
            .de()?;
        for &(a, _, _) in &l.faults {
            chart
                .draw_series(LineSeries::new(
                    [(a, 0.0), (a, top_ees)],
                    line(colors::FAULT_LINE, 2),
                ))
                .de()?;
        }
        // AZ outages: a band along the top (in the headroom above the
        // lines), from the outage to the AZ's return, labelled inside.
        for &(a, b, az) in &l.outages {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, top_ees * 0.92), (b.max(a), top_ees)],
                    c(colors::FAULT_LINE).filled(),
                )))
                .de()?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!(" AZ {} out", crate::scenario::faults::az_name(az)),
                    (a, top_ees * 0.96),
                    bold(15)
                        .color(&WHITE)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )))
                .de()?;
        }
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .label_style(font(TICK_PX))
            .axis_desc_style(font(LABEL_PX))
            .y_label_formatter(&yfmt)
            .y_desc("instances")
            .axis_style(AXIS)
            .draw()
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.ees_ready),
                line(colors::EES_READY, 3),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.ees_initializing),
                line(colors::EES_INITIALIZING, 3),
            ))
            .de()?;
        chart
            .draw_secondary_series(LineSeries::new(
                steps(d, &l.instances_running),
                line(colors::INSTANCES_RUNNING, 2),
            ))
            .de()?;
        chart
            .draw_secondary_series(DashedLineSeries::new(
                steps(d, &l.instances_launching),
                9,
                6,
                line(colors::INSTANCES_LAUNCHING, 3),
            ))
            .de()?;
        let heading = if s.function.is_some() {
            "EEs · provider instances"
        } else {
            "EEs · instances"
        };
        // Two notes fit under the entries: with faults, the levels' note
        // (the same as the panel above's) gives way to the faults'.
        let mut notes = vec![(starting_note, false)];
        if l.faults.is_empty() {
            notes.insert(0, (level_note.clone(), false));
        } else {
            let never = l.faults.iter().filter(|f| !f.2).count();
            notes.push((
                format!(
                    "shaded: {} fault(s), to recovery{}",
                    l.faults.len(),
                    if never > 0 {
                        format!(" ({never} not by the end)")
                    } else {
                        String::new()
                    }
                ),
                true,
            ));
        }
        legend(
            leg,
            heading,
            &[
                item("EEs ready (left)", colors::EES_READY, Swatch::Line),
                item(
                    "EEs initializing (left)",
                    colors::EES_INITIALIZING,
                    Swatch::Line,
                ),
                item(
                    "instances running (right)",
                    colors::INSTANCES_RUNNING,
                    Swatch::Line,
                ),
                item(
                    "instances launching (right)",
                    colors::INSTANCES_LAUNCHING,
                    Swatch::Dashed,
                ),
            ],
            &notes,
        )?;
    }

    // (c) CPU utilization against the target.
    {
        let (area, leg) = &p[2];
        let target = 100.0 * s.cpu_target;
        let ymax = vmax(&l.cpu_ee)
            .max(vmax(&l.cpu_provider))
            .max(target)
            .max(100.0);
        let mut chart = builder(area, true, false)
            .build_cartesian_2d(x.clone(), 0.0..ymax)
            .de()?;
        let pct = |v: &f64| format!("{v:.0}");
        mesh!(chart, d, true, "CPU utilization [%]", &pct);
        let cpu_note = if d.bucket_intervals > 1 {
            format!("mean {}", d.per())
        } else {
            "interval means".into()
        };
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, target), (d.x_end, target)],
                12,
                8,
                line(colors::CPU_TARGET, 2),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.cpu_provider),
                line(colors::CPU_PROVIDER, 2),
            ))
            .de()?;
        chart
            .draw_series(LineSeries::new(
                steps(d, &l.cpu_ee),
                line(colors::CPU_EE, 3),
            ))
            .de()?;
        legend(
            leg,
            "CPU utilization",
            &[
                item("EE-level (scaler signal)", colors::CPU_EE, Swatch::Line),
                item("provider instances", colors::CPU_PROVIDER, Swatch::Line),
                item(
                    format!("scaler target {target:.0} %"),
                    colors::CPU_TARGET,
                    Swatch::Dashed,
                ),
            ],
            &[(cpu_note, false)],
        )?;
    }
    root.present().de()
}
