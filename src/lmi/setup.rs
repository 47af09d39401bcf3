//! Building a model from a scenario: `Lmi::new` and the start states.

use super::*;

impl Lmi {
    /// A model of the scenario's provider; `initial_rates` [1/s per function]
    /// size a warm start's fleet.
    pub fn new(sc: &Scenario, initial_rates: &[f64]) -> Self {
        let types = sc.provider.instance_types.clone();
        let rv = sc.model.reserved_vcpus_per_instance;
        let rm = sc.model.reserved_memory_mib_per_instance;
        let mut funcs = Vec::with_capacity(sc.functions.len());
        let mut type_choice = Vec::new();
        for f in &sc.functions {
            let shape = EeShape {
                vcpus: f.ee_vcpus(),
                memory_mib: f.ee_memory_mib(),
            };
            type_choice.push(policy::InstanceChooser::choose(
                &sc.model.instance_selection,
                &types,
                shape,
                rv,
                rm,
            ));
            let totals = LmiFunctionTotals {
                arrivals: 0,
                served: 0,
                throttles: [0; 5],
                latency: Sketch::new(),
                peak_in_flight: 0,
                peak_ees: 0,
                ee_area: 0.0,
                busy_vcpu_area: 0.0,
                ready_vcpu_area: 0.0,
            };
            let deactivated = f.max_ees == 0;
            funcs.push(Func {
                shape,
                slots: f.max_concurrency,
                init: f.function_init.clone(),
                init_base: sc.model.runtime_init[f.runtime.index()],
                min: f.min_ees,
                max: f.max_ees,
                deactivated,
                route: Router::default(),
                ees: Vec::new(),
                pending: 0,
                initializing: 0,
                initializing_peak: 0,
                az_count: vec![0; sc.provider.availability_zones as usize],
                busy: Count::default(),
                ready_vcpus: Gauge::default(),
                inflight: Count::default(),
                ready_slots: Gauge::default(),
                ready_ees: Gauge::default(),
                sw_busy: Window::default(),
                sw_rvcpu: Window::default(),
                sw_infl: Window::default(),
                sw_slots: Window::default(),
                rw_busy: Window::default(),
                rw_rvcpu: Window::default(),
                rw_infl: Window::default(),
                rw_slots: Window::default(),
                cur: LmiInterval::default(),
                cur_latency: Sketch::new(),
                totals,
                // Exact sizes: no doubling slack in long runs.
                rows: RowLog::new(),
            });
        }
        let eff_price = types
            .iter()
            .map(|t| {
                effective_rate(
                    t.ondemand_usd_per_hour,
                    sc.pricing.ec2_discount,
                    sc.pricing.discounted_rate_precision_usd,
                )
            })
            .collect();
        let mut m = Lmi {
            q: EvQueue::default(),
            timers: timers::Timers::default(),
            cpu_fired: 0,
            ees: Vec::new(),
            free_ees: Vec::new(),
            links: Links::default(),
            insts: Vec::new(),
            free_insts: Vec::new(),
            funcs,
            names: sc.functions.iter().map(|f| f.name.clone()).collect(),
            provider: ProviderTotals {
                instance_seconds: vec![0.0; types.len()],
                ..Default::default()
            },
            types,
            type_choice,
            eff_price,
            fee_rate: sc.pricing.management_fee,
            max_vcpu: sc.provider.max_vcpu,
            vcpus_total: 0,
            azs: sc.provider.availability_zones,
            reserve_vcpus: rv,
            reserve_mib: rm,
            reject_threshold: sc.model.cpu_reject_threshold_percent / 100.0,
            lifetime: sc.model.max_instance_lifetime,
            launch_delay: sc.model.instance_launch_delay.clone(),
            scaler_interval: sc.model.scaler_interval,
            target: sc.cpu_target(),
            policy: Box::new(TargetTracking::new(
                sc.functions.len(),
                sc.model.scale_in_cooldown,
                sc.model.scale_in_step,
            )),
            schedule: sc.schedule.clone(),
            rng_init: stream(sc.seed, "lmi_ee_init", 0),
            rng_launch: stream(sc.seed, "lmi_instance_launch", 0),
            g_usable: Gauge::default(),
            g_instances: Gauge::default(),
            g_od_rate: Gauge::default(),
            g_eff_rate: Gauge::default(),
            rw_busy: Window::default(),
            rw_usable: Window::default(),
            rw_od: Window::default(),
            rw_eff: Window::default(),
            provider_rows: RowLog::new(),
            decisions: RowLog::new(),
            report_interval: sc.report_interval,
            next_report: SimTime::ZERO + sc.report_interval,
            now: SimTime::ZERO,
            launching: 0,
            launching_peak: 0,
            notify: vec![false; sc.functions.len()],
            done: Vec::with_capacity(64),
        };
        for (i, _) in sc.schedule.iter().enumerate() {
            m.q.push(sc.schedule[i].at, Ev::Schedule { idx: i as u32 });
        }
        m.q.push(SimTime::ZERO + m.scaler_interval, Ev::ScalerTick);
        match sc.start_state {
            StartState::Warm => m.warm_start(sc, initial_rates),
            StartState::Publish => {
                for f in 0..m.funcs.len() {
                    if !m.funcs[f].deactivated {
                        let n = m.funcs[f].min;
                        m.place(FunctionId::of(f), n);
                    }
                }
            }
        }
        m
    }
}
