//! The platform-wide tables: `[model]`, `[default_lambda]`, `[pricing]` and
//! `[capacity_provider]` (instance types, architecture, scaling).

use super::*;

impl Cx<'_> {
    pub(super) fn model(&self, m: &RawModel) -> Result<ModelKnobs> {
        let k = |s: &str| format!("model.{s}");
        let scaler_interval = self.opt_duration(
            &k("scaler_interval"),
            m.scaler_interval.as_ref(),
            SCALER_INTERVAL,
        )?;
        if scaler_interval.0 == 0 {
            return Err(self.bad(k("scaler_interval"), scaler_interval, "a duration > 0"));
        }
        // Lifetimes: at least an hour (a shorter one would replace EEs and
        // instances about as fast as they start), at most a year.
        let lifetime = |key: &str, raw: Option<&RawDuration>, default_h: u64| {
            let d = self.opt_duration(&k(key), raw, SimDuration::from_secs(default_h * 3600))?;
            if d < SimDuration::from_secs(3600) || d > SimDuration::from_secs(365 * 86_400) {
                // The value as written (a default is never out of range).
                let shown = raw.map_or(d.to_string(), |r| r.to_string());
                return Err(self.bad(k(key), shown, "a duration >= 1h and <= 365d"));
            }
            Ok(d)
        };
        let max_instance_lifetime = lifetime(
            "max_instance_lifetime",
            m.max_instance_lifetime.as_ref(),
            12,
        )?;
        let max_ee_lifetime = lifetime("max_ee_lifetime", m.max_ee_lifetime.as_ref(), 4)?;
        let pct = |x: f64| x > 0.0 && x <= 100.0;
        let gib = self.num(
            &k("reserved_memory_gib_per_instance"),
            m.reserved_memory_gib_per_instance,
            1.0,
            |x| (0.0..=8.0).contains(&x),
            "a number of GiB in [0, 8]",
        )?;
        let defaults = crate::scenario::RUNTIME_INIT_DEFAULT_MS;
        let ri = &m.runtime_init;
        let given = [&ri.python, &ri.nodejs, &ri.java, &ri.dotnet, &ri.rust];
        let mut runtime_init = [SimDuration::ZERO; 5];
        let names = ["python", "nodejs", "java", "dotnet", "rust"];
        for rt in Runtime::ALL {
            let idx = rt.index();
            let name = names[idx];
            runtime_init[idx] = self.opt_duration(
                &k(&format!("runtime_init.{name}")),
                given[idx].as_ref(),
                SimDuration::from_millis(defaults[idx]),
            )?;
        }
        Ok(ModelKnobs {
            instance_launch_delay: self.opt_dist(
                &k("instance_launch_delay"),
                m.instance_launch_delay.as_ref(),
                Dist::Constant(INSTANCE_LAUNCH_DELAY),
            )?,
            scaler_interval,
            auto_cpu_target_percent: self.num(
                &k("auto_cpu_target_percent"),
                m.auto_cpu_target_percent,
                AUTO_CPU_TARGET_PERCENT,
                pct,
                "a number in (0, 100]",
            )?,
            scale_in_cooldown: self.opt_duration(
                &k("scale_in_cooldown"),
                m.scale_in_cooldown.as_ref(),
                SimDuration::from_secs(600),
            )?,
            scale_in_step: self.num(
                &k("scale_in_step"),
                m.scale_in_step,
                0.10,
                |x| x > 0.0 && x <= 1.0,
                "a fraction in (0, 1]",
            )?,
            max_instance_lifetime,
            max_ee_lifetime,
            cpu_reject_threshold_percent: self.num(
                &k("cpu_reject_threshold_percent"),
                m.cpu_reject_threshold_percent,
                95.0,
                pct,
                "a number in (0, 100]",
            )?,
            instance_cpu_protection: m.instance_cpu_protection.unwrap_or(false),
            reserved_vcpus_per_instance: self.int(
                &k("reserved_vcpus_per_instance"),
                m.reserved_vcpus_per_instance,
                1,
                0,
                4,
            )?,
            reserved_memory_mib_per_instance: (gib * 1024.0).round() as u32,
            runtime_init,
            instance_selection: match m.instance_selection.as_deref() {
                None | Some("cheapest_for_fleet") => InstanceSelection::CheapestForFleet,
                Some("cheapest_per_usable_vcpu") => InstanceSelection::CheapestPerUsableVcpu,
                Some("cheapest_fitting") => InstanceSelection::CheapestFitting,
                Some(o) => {
                    return Err(self.bad(
                        k("instance_selection"),
                        quoted(o),
                        "\"cheapest_for_fleet\" (default), \"cheapest_per_usable_vcpu\" or \"cheapest_fitting\"",
                    ));
                }
            },
            warm_fleet_ages: match m.warm_fleet_ages.as_deref() {
                None | Some("same") => WarmFleetAges::Same,
                Some("spread") => WarmFleetAges::Spread,
                Some(o) => {
                    return Err(self.bad(
                        k("warm_fleet_ages"),
                        quoted(o),
                        "\"same\" (default) or \"spread\"",
                    ));
                }
            },
            ee_overload: if m.ee_cpu_protection.unwrap_or(true) {
                Some(
                    self.num(
                        &k("ee_overload_percent"),
                        m.ee_overload_percent,
                        EE_OVERLOAD_PERCENT,
                        |x| (10.0..=1000.0).contains(&x),
                        "a number in [10, 1000]",
                    )? / 100.0,
                )
            } else {
                None
            },
            ee_busy: self.num(
                &k("ee_busy_percent"),
                m.ee_busy_percent,
                EE_BUSY_PERCENT,
                |x| (0.0..=100.0).contains(&x),
                "a number in [0, 100]",
            )? / 100.0,
            ee_limit_window: {
                let w = self.opt_duration(
                    &k("ee_limit_window"),
                    m.ee_limit_window.as_ref(),
                    EE_LIMIT_WINDOW,
                )?;
                if w < SimDuration::from_millis(10) || w > SimDuration::from_secs(3600) {
                    return Err(self.bad(k("ee_limit_window"), w, "a duration in 10ms..=1h"));
                }
                w
            },
            cpu_speed: Vec::new(),
        })
    }

    /// `model.cpu_speed`: factors in (0, 10] keyed by an instance family or
    /// type that `catalog` knows.
    pub(super) fn cpu_speed(
        &self,
        m: &RawModel,
        catalog: &[InstanceType],
    ) -> Result<Vec<(String, f64)>> {
        let Some(table) = &m.cpu_speed else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(table.len());
        for (name, &x) in table {
            let key = format!("model.cpu_speed.{name:?}");
            let family_of = |t: &InstanceType| t.name.split('.').next() == Some(name.as_str());
            if !catalog.iter().any(|t| &t.name == name || family_of(t)) {
                let mut families: Vec<&str> = catalog
                    .iter()
                    .filter_map(|t| t.name.split('.').next())
                    .collect();
                families.dedup();
                let shown = families.len().min(24);
                return Err(self.bad(
                    key,
                    x,
                    format!(
                        "unknown instance family or type `{name}`: a key is a family (e.g. \"c7i\") or a type (\"c7i.2xlarge\") of the catalog or of [[pricing.instance_types]]; families: {}{}",
                        families[..shown].join(", "),
                        if families.len() > shown { ", …" } else { "" }
                    ),
                ));
            }
            let x = self.num(
                &key,
                Some(x),
                1.0,
                |x| x > 0.0 && x <= 10.0,
                "a speed factor in (0, 10] relative to default Lambda's CPU (1.0: as fast; 1.25: 100 ms of CPU takes 80 ms)",
            )?;
            out.push((name.clone(), x));
        }
        Ok(out)
    }

    pub(super) fn default_lambda(&self, d: &RawDefaultLambda) -> Result<DefaultLambdaKnobs> {
        let scale_window = self.opt_duration(
            "default_lambda.scale_window",
            d.scale_window.as_ref(),
            SimDuration::from_secs(10),
        )?;
        if scale_window.0 == 0 {
            return Err(self.bad(
                "default_lambda.scale_window",
                scale_window,
                "a duration > 0",
            ));
        }
        let qkey = "default_lambda.cpu_quota_period";
        let cpu_quota_period = self.opt_duration(
            qkey,
            d.cpu_quota_period.as_ref(),
            SimDuration::from_millis(20),
        )?;
        if cpu_quota_period.0 != 0
            && !(SimDuration::from_millis(1)..=SimDuration::from_secs(1))
                .contains(&cpu_quota_period)
        {
            return Err(self.bad(
                qkey,
                cpu_quota_period,
                "0 (a steady memory / 1769 share of a vCPU) or a duration in [1ms, 1s] (the CFS quota period; default 20ms)",
            ));
        }
        Ok(DefaultLambdaKnobs {
            cpu_quota_period,
            account_concurrency: self.int(
                "default_lambda.account_concurrency",
                d.account_concurrency,
                1000,
                1,
                1_000_000,
            )?,
            scale_burst: self.int(
                "default_lambda.scale_burst",
                d.scale_burst,
                1000,
                1,
                1_000_000,
            )?,
            scale_window,
            keep_alive: self.opt_dist(
                "default_lambda.keep_alive",
                d.keep_alive.as_ref(),
                Dist::Constant(SimDuration::from_secs(600)),
            )?,
        })
    }

    pub(super) fn architecture(&self, key: &str, v: &str) -> Result<Architecture> {
        match v {
            "x86_64" => Ok(Architecture::X86_64),
            "arm64" => Ok(Architecture::Arm64),
            o => Err(self.bad(key, quoted(o), "\"x86_64\" or \"arm64\"")),
        }
    }

    /// Pricing, and the catalog with the scenario's overrides and additions.
    pub(super) fn pricing(&self, p: &RawPricing) -> Result<(Pricing, Vec<InstanceType>)> {
        let discount_allowed = "\"on_demand\" (0), \"compute_sp_1yr\" (0.32), \"compute_sp_3yr\" (0.65), or a number in [0, 1)";
        // The third figure is the preset's discount on default Lambda's duration
        // and provisioned concurrency (docs/model.md, "Discounts"): AWS's LMI
        // pricing calculator uses 12% for both Compute Savings Plans. A fraction
        // given as `discount` is EC2 only.
        let (ec2_discount, discount_name, lambda_preset) = match &p.discount {
            None => (0.0, "on_demand".to_string(), 0.0),
            Some(Value::String(s)) => match s.as_str() {
                "on_demand" => (0.0, s.clone(), 0.0),
                "compute_sp_1yr" => (0.32, s.clone(), COMPUTE_SP_LAMBDA_DISCOUNT),
                "compute_sp_3yr" => (0.65, s.clone(), COMPUTE_SP_LAMBDA_DISCOUNT),
                _ => return Err(self.bad("pricing.discount", quoted(s), discount_allowed)),
            },
            Some(v) => match num_value(v) {
                Some(x) if x.is_finite() && (0.0..1.0).contains(&x) => {
                    (x, "custom".to_string(), 0.0)
                }
                _ => return Err(self.bad("pricing.discount", v, discount_allowed)),
            },
        };
        let lambda_discount = self.num(
            "pricing.lambda_discount",
            p.lambda_discount,
            lambda_preset,
            |x| (0.0..1.0).contains(&x),
            "a fraction in [0, 1) (default: 0.12 with \"compute_sp_1yr\" or \"compute_sp_3yr\", else 0)",
        )?;
        let nonneg = |x: f64| x >= 0.0;
        let tier = |up_to_gbs: f64, usd_per_gbs: f64| PriceTier {
            up_to_gbs,
            usd_per_gbs,
        };
        let pricing = Pricing {
            ec2_discount,
            discount_name,
            lambda_discount,
            management_fee: self.num(
                "pricing.management_fee",
                p.management_fee,
                0.15,
                |x| (0.0..=1.0).contains(&x),
                "a fraction in [0, 1]",
            )?,
            discounted_rate_precision_usd: self.num(
                "pricing.discounted_rate_precision_usd",
                p.discounted_rate_precision_usd,
                0.0001,
                nonneg,
                "a number of USD >= 0 (0 = no rounding)",
            )?,
            request_usd_per_million: self.num(
                "pricing.request_usd_per_million",
                p.request_usd_per_million,
                0.20,
                nonneg,
                "a number of USD >= 0",
            )?,
            x86_tiers: vec![
                tier(6e9, 0.0000166667),
                tier(15e9, 0.000015),
                tier(f64::INFINITY, 0.0000133334),
            ],
            arm_tiers: vec![
                tier(7.5e9, 0.0000133334),
                tier(18.75e9, 0.0000120001),
                tier(f64::INFINITY, 0.0000106667),
            ],
            pc_usd_per_gbs: 0.0000041667,
            pc_duration_usd_per_gbs: 0.0000097222,
            free_tier: p.free_tier.unwrap_or(false),
            free_requests: 1e6,
            free_gbs: 400_000.0,
            month_hours: 730.0,
        };

        let mut types = catalog::builtin();
        for (i, it) in p.instance_types.iter().enumerate() {
            let key = format!("pricing.instance_types[{i}]");
            let name = match &it.name {
                Some(n) if !n.trim().is_empty() => n.clone(),
                Some(n) => {
                    return Err(self.bad(
                        format!("{key}.name"),
                        quoted(n),
                        "a non-empty instance type name",
                    ));
                }
                None => {
                    return Err(self.missing(
                        format!("{key}.name"),
                        "an instance type name, e.g. \"m7g.xlarge\"",
                    ));
                }
            };
            let price = match it.ondemand_usd_per_hour {
                None => None,
                Some(x) => Some(self.num(
                    &format!("{key}.ondemand_usd_per_hour"),
                    Some(x),
                    0.0,
                    nonneg,
                    "a price in USD per hour >= 0",
                )?),
            };
            let vcpus = match it.vcpus {
                None => None,
                Some(v) => Some(self.int_in(
                    &format!("{key}.vcpus"),
                    v,
                    1,
                    4096,
                    "an integer in 1..=4096",
                )?),
            };
            let memory_mib = match it.memory_gib {
                None => None,
                Some(g) => {
                    let g = self.num(
                        &format!("{key}.memory_gib"),
                        Some(g),
                        0.0,
                        |x| x > 0.0 && x <= 65_536.0,
                        "a number of GiB in (0, 65536]",
                    )?;
                    Some((g * 1024.0).round() as u32)
                }
            };
            let arch = match &it.architecture {
                None => None,
                Some(a) => Some(self.architecture(&format!("{key}.architecture"), a)?),
            };
            if let Some(t) = types.iter_mut().find(|t| t.name == name) {
                if let Some(p) = price {
                    t.ondemand_usd_per_hour = p;
                }
                if let Some(v) = vcpus {
                    t.vcpus = v;
                }
                if let Some(m) = memory_mib {
                    t.memory_mib = m;
                }
                if let Some(a) = arch {
                    t.architecture = a;
                }
            } else {
                let need = |k: &str| {
                    self.missing(
                        format!("{key}.{k}"),
                        format!(
                            "`{name}` is not in the built-in catalog, so a new type needs all of vcpus, memory_gib, architecture, ondemand_usd_per_hour"
                        ),
                    )
                };
                types.push(InstanceType {
                    name: name.clone(),
                    vcpus: vcpus.ok_or_else(|| need("vcpus"))?,
                    memory_mib: memory_mib.ok_or_else(|| need("memory_gib"))?,
                    architecture: arch.ok_or_else(|| need("architecture"))?,
                    ondemand_usd_per_hour: price.ok_or_else(|| need("ondemand_usd_per_hour"))?,
                });
            }
        }
        Ok((pricing, types))
    }

    pub(super) fn provider(
        &self,
        cp: &RawCapacityProvider,
        catalog: Vec<InstanceType>,
    ) -> Result<CapacityProvider> {
        let ir = &cp.instance_requirements;
        let ikey = "capacity_provider.InstanceRequirements";
        let akey = format!("{ikey}.Architectures");
        let architecture = match &ir.architectures {
            None => Architecture::X86_64,
            Some(v) if v.len() == 1 => self.architecture(&format!("{akey}[0]"), &v[0])?,
            Some(v) => {
                return Err(self.bad(
                    akey,
                    format!("{v:?}"),
                    "a list of exactly one of \"x86_64\", \"arm64\"",
                ));
            }
        };
        let arch_name = match architecture {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        };
        let unknown = |key: String, n: &str| {
            let family = n.split('.').next().unwrap_or(n);
            let similar: Vec<&str> = catalog
                .iter()
                .filter(|t| t.name.split('.').next() == Some(family))
                .map(|t| t.name.as_str())
                .take(10)
                .collect();
            let hint = if similar.is_empty() {
                String::new()
            } else {
                format!("; types of that family: {}", similar.join(", "))
            };
            self.bad(
                key,
                quoted(n),
                format!(
                    "unknown instance type `{n}`: use a type of the built-in catalog or add it under [[pricing.instance_types]]{hint}"
                ),
            )
        };
        // Without AllowedInstanceTypes: C from .xlarge, M and R from .large
        // (docs/model.md, "Instance families").
        let mut types: Vec<InstanceType> = catalog
            .iter()
            .filter(|t| t.architecture == architecture)
            .filter(|t| ir.allowed_instance_types.is_some() || catalog::default_candidate(t))
            .cloned()
            .collect();
        let lkey_a = format!("{ikey}.AllowedInstanceTypes");
        let lkey_e = format!("{ikey}.ExcludedInstanceTypes");
        match (&ir.allowed_instance_types, &ir.excluded_instance_types) {
            (Some(_), Some(e)) => {
                return Err(self.bad(
                    lkey_e,
                    format!("{e:?}"),
                    "only one of AllowedInstanceTypes and ExcludedInstanceTypes may be given",
                ));
            }
            (Some(a), None) => {
                if a.is_empty() || a.len() > 400 {
                    return Err(self.bad(
                        lkey_a,
                        format!("{a:?}"),
                        "a list of 1 to 400 instance type names",
                    ));
                }
                for (i, n) in a.iter().enumerate() {
                    let key = format!("{lkey_a}[{i}]");
                    match catalog.iter().find(|t| &t.name == n) {
                        None => return Err(unknown(key, n)),
                        Some(t) if t.architecture != architecture => {
                            let other = match t.architecture {
                                Architecture::X86_64 => "x86_64",
                                Architecture::Arm64 => "arm64",
                            };
                            return Err(self.bad(
                                key,
                                quoted(n),
                                format!(
                                    "`{n}` is an {other} type but Architectures is [\"{arch_name}\"]; allowed: {arch_name} types only"
                                ),
                            ));
                        }
                        Some(_) => {}
                    }
                }
                types.retain(|t| a.contains(&t.name));
            }
            (None, Some(e)) => {
                if e.len() > 400 {
                    return Err(self.bad(
                        lkey_e,
                        format!("{e:?}"),
                        "a list of at most 400 instance type names",
                    ));
                }
                for (i, n) in e.iter().enumerate() {
                    if !catalog.iter().any(|t| &t.name == n) {
                        return Err(unknown(format!("{lkey_e}[{i}]"), n));
                    }
                }
                types.retain(|t| !e.contains(&t.name));
            }
            (None, None) => {}
        }
        if types.is_empty() {
            return Err(self.bad(
                ikey,
                "(no instance types left)",
                format!("at least one {arch_name} instance type must remain after AllowedInstanceTypes/ExcludedInstanceTypes (without AllowedInstanceTypes: C from .xlarge, M and R from .large)"),
            ));
        }

        let sc = &cp.scaling_config;
        let skey = "capacity_provider.CapacityProviderScalingConfig";
        let max_vcpu = self.int(
            &format!("{skey}.MaxVCpuCount"),
            sc.max_vcpu_count,
            400,
            2,
            15_000,
        )?;
        let pkey = format!("{skey}.ScalingPolicies");
        let policy_form = format!(
            "exactly one policy {{ PredefinedMetricType = \"{METRIC}\", TargetValue = a number in (0, 100] }}"
        );
        let scaling = match sc.scaling_mode.as_deref() {
            None | Some("Auto") => {
                if let Some(p) = &sc.scaling_policies {
                    return Err(self.bad(
                        pkey,
                        format!("({} policies)", p.len()),
                        "ScalingPolicies are only allowed with ScalingMode = \"Manual\"; remove them or set ScalingMode = \"Manual\"",
                    ));
                }
                ScalingMode::Auto
            }
            Some("Manual") => {
                let ps = match &sc.scaling_policies {
                    None => {
                        return Err(self.missing(
                            pkey,
                            format!("with ScalingMode = \"Manual\": {policy_form}"),
                        ));
                    }
                    Some(ps) if ps.len() == 1 => ps,
                    Some(ps) => {
                        return Err(self.bad(
                            pkey,
                            format!("({} policies)", ps.len()),
                            policy_form,
                        ));
                    }
                };
                let p = &ps[0];
                let mkey = format!("{pkey}[0].PredefinedMetricType");
                match p.predefined_metric_type.as_deref() {
                    Some(METRIC) => {}
                    None => return Err(self.missing(mkey, quoted(METRIC))),
                    Some(o) => return Err(self.bad(mkey, quoted(o), quoted(METRIC))),
                }
                let tkey = format!("{pkey}[0].TargetValue");
                let target_percent = match p.target_value {
                    None => return Err(self.missing(tkey, "a number in (0, 100]")),
                    Some(x) => self.num(
                        &tkey,
                        Some(x),
                        0.0,
                        |x| x > 0.0 && x <= 100.0,
                        "a number in (0, 100]",
                    )?,
                };
                ScalingMode::Manual { target_percent }
            }
            Some(o) => {
                return Err(self.bad(
                    format!("{skey}.ScalingMode"),
                    quoted(o),
                    "\"Auto\" (default) or \"Manual\"",
                ));
            }
        };
        Ok(CapacityProvider {
            architecture,
            instance_types: types,
            max_vcpu,
            scaling,
            availability_zones: self.int(
                "capacity_provider.availability_zones",
                cp.availability_zones,
                3,
                1,
                16,
            )?,
        })
    }
}
