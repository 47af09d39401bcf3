//! One `[[functions]]` table: name, runtime, memory, concurrency, EE bounds,
//! work, traffic and the default-Lambda settings, and the check that an EE fits
//! the provider's instance types. Validates only; must not build platforms.

use super::*;

impl Cx<'_> {
    /// `MinExecutionEnvironments`/`MaxExecutionEnvironments` under `key`.
    pub(super) fn ee_bounds(
        &self,
        key: &str,
        min: Option<i64>,
        max: Option<i64>,
    ) -> Result<(u32, u32)> {
        let max_key = format!("{key}.MaxExecutionEnvironments");
        let min_key = format!("{key}.MinExecutionEnvironments");
        let max_ees = match max {
            None => u32::MAX,
            Some(m) => self.int_in(
                &max_key,
                m,
                0,
                15_000,
                "an integer in 0..=15000 (omit for no limit)",
            )?,
        };
        let min_ees = match min {
            None => max_ees.min(3),
            Some(m) => self.int_in(&min_key, m, 0, 15_000, "an integer in 0..=15000")?,
        };
        if min_ees > max_ees {
            return Err(self.bad(
                min_key,
                min_ees,
                format!("must be <= MaxExecutionEnvironments ({max_ees})"),
            ));
        }
        if min_ees == 0 && max_ees != 0 {
            return Err(self.bad(
                min_key,
                0,
                "0 is only valid together with MaxExecutionEnvironments = 0 (0/0 deactivates the function); otherwise use 1..=15000",
            ));
        }
        Ok((min_ees, max_ees))
    }

    pub(super) fn function(
        &self,
        i: usize,
        f: &RawFunction,
        dl: &DefaultLambdaKnobs,
    ) -> Result<FunctionSpec> {
        let key = format!("functions[{i}]");
        let k = |s: &str| format!("{key}.{s}");
        let name = self.name(&k("name"), f.name.as_ref())?;
        let runtime = match &f.runtime {
            None => return Err(self.missing(k("Runtime"), RUNTIME_FORMS)),
            Some(r) => {
                parse_runtime(r).ok_or_else(|| self.bad(k("Runtime"), quoted(r), RUNTIME_FORMS))?
            }
        };
        let ratio = match f.gib_per_vcpu {
            None => 2,
            Some(r @ (2 | 4 | 8)) => r as u32,
            Some(r) => {
                return Err(self.bad(
                    k("ExecutionEnvironmentMemoryGiBPerVCpu"),
                    r,
                    "2 (default), 4 or 8",
                ));
            }
        };
        let step = 1024 * ratio;
        let mem_allowed = format!(
            "an integer number of MB in 2048..=32768 and a multiple of {step} (1024 × ExecutionEnvironmentMemoryGiBPerVCpu {ratio})"
        );
        let memory_mb = match f.memory_size {
            None => return Err(self.missing(k("MemorySize"), &mem_allowed)),
            Some(m) => {
                let v = self.int_in(&k("MemorySize"), m, 2048, 32_768, &mem_allowed)?;
                if v % step != 0 {
                    return Err(self.bad(k("MemorySize"), m, mem_allowed));
                }
                v
            }
        };
        let vcpus = memory_mb / 1024 / ratio;
        let cap = (64 * vcpus).min(1600);
        let max_concurrency = match f.max_concurrency {
            None => (runtime.default_concurrency_per_vcpu() * vcpus).min(cap),
            Some(c) => self.int_in(
                &k("PerExecutionEnvironmentMaxConcurrency"),
                c,
                1,
                cap,
                &format!(
                    "an integer in 1..=1600 and at most 64 × EE vCPUs ({vcpus} vCPU → 1..={cap})"
                ),
            )?,
        };
        let (min_ees, max_ees) = self.ee_bounds(&key, f.min_ees, f.max_ees)?;
        let function_init = self.opt_dist(
            &k("function_init"),
            f.function_init.as_ref(),
            Dist::Constant(SimDuration::from_secs(1)),
        )?;
        let work = match &f.work {
            // A trace that gives each request its duration makes the table optional.
            None => match f.traffic.as_ref().filter(|t| t.contains_key("source")) {
                Some(t) if self.trace(&k("traffic"), t)?.supplies_work() => {
                    self.trace_work(&k("traffic"), &self.trace(&k("traffic"), t)?)?
                }
                _ => return Err(self.missing(
                    k("work"),
                    "a [functions.work] table with `cpu` and/or `io` durations or distributions",
                )),
            },
            Some(w) if w.cpu.is_none() && w.io.is_none() => {
                return Err(self.bad(
                    k("work"),
                    "{}",
                    "at least one of `cpu` and `io` (a duration or distribution)",
                ));
            }
            Some(w) => {
                let zero = Dist::Constant(SimDuration::ZERO);
                Work {
                    cpu: self.opt_dist(&k("work.cpu"), w.cpu.as_ref(), zero.clone())?,
                    io: self.opt_dist(&k("work.io"), w.io.as_ref(), zero)?,
                }
            }
        };
        let memory = match &f.work {
            None => InvocationMemory::default(),
            Some(w) => {
                let allowed = format!("an integer number of MB in 0..={memory_mb} (MemorySize)");
                let per = match w.memory_mb {
                    None => 0,
                    Some(m) => self.int_in(&k("work.memory_mb"), m, 0, memory_mb, &allowed)?,
                };
                let process = match w.process_memory_mb {
                    None => 0,
                    Some(m) => {
                        self.int_in(&k("work.process_memory_mb"), m, 0, memory_mb, &allowed)?
                    }
                };
                let mem = InvocationMemory {
                    per_invocation_mib: per,
                    process_mib: process,
                };
                if per > 0 && mem.capacity(runtime, memory_mb) == 0 {
                    return Err(self.bad(
                        k("work.memory_mb"),
                        per,
                        format!(
                            "at most {} MB: one invocation{} must fit the EE's MemorySize {memory_mb} MB",
                            memory_mb.saturating_sub(process),
                            if process > 0 { " and the process_memory_mb" } else { "" }
                        ),
                    ));
                }
                mem
            }
        };
        let traffic = match &f.traffic {
            None => {
                return Err(self.missing(
                    k("traffic"),
                    format!(
                        "a [functions.traffic] table with shape = one of {SHAPE_NAMES}, or source = one of {TRACE_SOURCES}"
                    ),
                ));
            }
            Some(t) => self.traffic(&k("traffic"), t)?,
        };
        let rd = f.default_lambda.as_ref();
        let dkey = |s: &str| format!("{key}.default_lambda.{s}");
        let dl_mem = match rd.and_then(|d| d.memory_size) {
            None => memory_mb.min(10_240),
            Some(m) => self.int_in(
                &dkey("MemorySize"),
                m,
                128,
                10_240,
                "an integer number of MB in 128..=10240",
            )?,
        };
        let acc = dl.account_concurrency;
        let reserved = match rd.and_then(|d| d.reserved) {
            None => None,
            Some(0) => {
                return Err(self.bad(
                    dkey("ReservedConcurrentExecutions"),
                    0,
                    format!(
                        "0 would throttle every call; use 1..={acc} (account_concurrency), or omit"
                    ),
                ));
            }
            Some(r) => Some(self.int_in(
                &dkey("ReservedConcurrentExecutions"),
                r,
                1,
                acc,
                &format!("an integer in 1..={acc} (default_lambda.account_concurrency), or omit"),
            )?),
        };
        let pc_cap = reserved.unwrap_or(acc);
        let provisioned = match rd.and_then(|d| d.provisioned) {
            None => 0,
            Some(p) => self.int_in(
                &dkey("ProvisionedConcurrentExecutions"),
                p,
                0,
                pc_cap,
                &format!(
                    "an integer in 0..={pc_cap} ({})",
                    if reserved.is_some() {
                        "at most ReservedConcurrentExecutions"
                    } else {
                        "at most default_lambda.account_concurrency"
                    }
                ),
            )?,
        };
        let default_lambda = DefaultFunction {
            memory_mb: dl_mem,
            reserved_concurrency: reserved,
            provisioned_concurrency: provisioned,
        };
        let event_source = self.event_source(&format!("{key}.source"), f.source.as_ref())?;
        let spill_over = match &f.spill_over {
            None => None,
            Some(s) => self.spill_over(&key, s, &default_lambda, &event_source, dl)?,
        };
        Ok(FunctionSpec {
            name,
            runtime,
            memory_mb,
            gib_per_vcpu: ratio,
            max_concurrency,
            min_ees,
            max_ees,
            function_init,
            work,
            memory,
            traffic,
            default_lambda,
            event_source,
            spill_over,
        })
    }

    /// Every function must fit one EE on at least one of the provider's types.
    pub(super) fn check_fit(
        &self,
        i: usize,
        f: &FunctionSpec,
        p: &CapacityProvider,
        m: &ModelKnobs,
    ) -> Result<()> {
        let rv = m.reserved_vcpus_per_instance;
        let rm = m.reserved_memory_mib_per_instance;
        let fits = |t: &InstanceType| {
            f.ee_vcpus() <= t.vcpus.saturating_sub(rv)
                && f.ee_memory_mib() <= t.memory_mib.saturating_sub(rm)
        };
        if p.instance_types.iter().any(fits) {
            return Ok(());
        }
        let largest = p
            .instance_types
            .iter()
            .max_by_key(|t| (t.vcpus, t.memory_mib));
        let detail = match largest {
            Some(t) => format!(
                "the largest allowed instance type `{}` ({} vCPU, {} MiB) has {} vCPU and {} MiB usable after reserving {rv} vCPU and {rm} MiB",
                t.name,
                t.vcpus,
                t.memory_mib,
                t.vcpus.saturating_sub(rv),
                t.memory_mib.saturating_sub(rm)
            ),
            None => "no instance types are allowed".to_string(),
        };
        Err(self.bad(
            format!("functions[{i}].MemorySize"),
            f.memory_mb,
            format!(
                "function `{}` needs one EE of {} vCPU and {} MiB, but {detail}; lower MemorySize or allow larger instance types",
                f.name,
                f.ee_vcpus(),
                f.ee_memory_mib()
            ),
        ))
    }
}

impl Cx<'_> {
    /// `MaxVCpuCount` must leave room for the instances that function `i`'s
    /// `MinExecutionEnvironments` need, spread over the AZs as the model
    /// places them (round-robin, so at least one instance per AZ in use) on
    /// the allowed type that needs the fewest vCPUs for them. Below that the
    /// fleet can never reach its minimum, and below one instance it can
    /// launch nothing. A deactivated function (0/0) needs none.
    pub(super) fn check_min_fleet(
        &self,
        i: usize,
        f: &FunctionSpec,
        p: &CapacityProvider,
        m: &ModelKnobs,
    ) -> Result<()> {
        if f.max_ees == 0 {
            return Ok(());
        }
        let shape = crate::lmi::policy::EeShape {
            vcpus: f.ee_vcpus(),
            memory_mib: f.ee_memory_mib(),
        };
        let (rv, rm) = (
            m.reserved_vcpus_per_instance,
            m.reserved_memory_mib_per_instance,
        );
        let ees = f.min_ees.max(1);
        let azs = p.availability_zones.max(1);
        // (vCPUs needed, instances, type) for each type that holds one EE.
        let need = p
            .instance_types
            .iter()
            .filter_map(|t| {
                let per = crate::lmi::policy::ees_per_instance(t, shape, rv, rm);
                (per > 0).then(|| {
                    let instances: u64 = (0..azs)
                        .map(|az| {
                            let here = ees / azs + u32::from(az < ees % azs);
                            here.div_ceil(per) as u64
                        })
                        .sum();
                    (instances * t.vcpus as u64, instances, t)
                })
            })
            .min_by_key(|(v, _, t)| (*v, t.vcpus));
        let Some((vcpus, instances, t)) = need else {
            return Ok(()); // check_fit has already refused this
        };
        if vcpus <= p.max_vcpu as u64 {
            return Ok(());
        }
        let why = if instances == 1 {
            "so no instance could ever launch".to_string()
        } else {
            format!(
                "and its MinExecutionEnvironments = {ees} over {} AZ(s) need {instances} of them ({vcpus} vCPUs; Lambda spreads a function's EEs over the AZs, one instance per AZ at least), so the fleet could never reach its minimum",
                azs.min(ees)
            )
        };
        Err(self.bad(
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount",
            p.max_vcpu,
            format!(
                "at least {vcpus}: function `{}` (functions[{i}]) needs EEs of {} vCPU and {} MiB; the allowed instance type that needs the fewest vCPUs for them, `{}`, has {} vCPUs, {why}; raise MaxVCpuCount, lower MinExecutionEnvironments or availability_zones, or allow smaller instance types",
                f.name,
                f.ee_vcpus(),
                f.ee_memory_mib(),
                t.name,
                t.vcpus
            ),
        ))
    }
}

/// Maps an AWS runtime id (or a bare family name) to a [`Runtime`].
pub fn parse_runtime(id: &str) -> Option<Runtime> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match id {
        "python" => return Some(Runtime::Python),
        "nodejs" => return Some(Runtime::Nodejs),
        "java" => return Some(Runtime::Java),
        "dotnet" => return Some(Runtime::Dotnet),
        "rust" | "provided.al2023" | "provided.al2" => return Some(Runtime::Rust),
        _ => {}
    }
    if let Some(rest) = id.strip_prefix("python3.") {
        return digits(rest).then_some(Runtime::Python);
    }
    if let Some(rest) = id.strip_prefix("nodejs") {
        return rest
            .strip_suffix(".x")
            .filter(|d| digits(d))
            .map(|_| Runtime::Nodejs);
    }
    if let Some(rest) = id.strip_prefix("java") {
        let rest = rest.strip_suffix(".al2").unwrap_or(rest);
        return digits(rest).then_some(Runtime::Java);
    }
    if let Some(rest) = id.strip_prefix("dotnet") {
        return digits(rest).then_some(Runtime::Dotnet);
    }
    None
}

/// `bare_seconds_in_work` warnings for function `i`: each non-zero bare number
/// that `[functions.work]` reads as seconds (`cpu = 15`, `median = 15`, a
/// percentile's duration), with its key path. Zero needs no unit.
pub(super) fn bare_work_seconds(i: usize, f: &RawFunction) -> Vec<Warning> {
    let mut out = Vec::new();
    let Some(w) = &f.work else { return out };
    let mut note = |key: String, v: &Value| {
        if let Some(s) = num_value(v).filter(|s| s.is_finite() && *s > 0.0) {
            out.push(
                Warning::new(
                    crate::warning::BARE_SECONDS_IN_WORK,
                    format!(
                        "{key} = {v} is a bare number, read as {s} s; write a unit (\"{v}ms\" if milliseconds were meant, \"{v}s\" to keep seconds)"
                    ),
                )
                .key(key)
                .figure("seconds", s),
            );
        }
    };
    for (name, d) in [("cpu", &w.cpu), ("io", &w.io)] {
        let key = format!("functions[{i}].work.{name}");
        match d {
            Some(Value::Table(t)) => {
                for (k, v) in t {
                    match (k.as_str(), v) {
                        ("percentiles", Value::Array(points)) => {
                            for (j, p) in points.iter().enumerate() {
                                if let Value::Array(pair) = p
                                    && let Some(d) = pair.get(1)
                                {
                                    note(format!("{key}.percentiles[{j}][1]"), d);
                                }
                            }
                        }
                        ("value" | "mean" | "median" | "p99" | "min" | "max", v) => {
                            note(format!("{key}.{k}"), v)
                        }
                        _ => {}
                    }
                }
            }
            Some(v) => note(key, v),
            None => {}
        }
    }
    out
}
