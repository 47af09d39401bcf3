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
            default_lambda: DefaultFunction {
                memory_mb: dl_mem,
                reserved_concurrency: reserved,
                provisioned_concurrency: provisioned,
            },
            event_source: self.event_source(&format!("{key}.source"), f.source.as_ref())?,
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
