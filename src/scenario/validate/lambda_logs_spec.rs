//! `source = "lambda-logs"`: the log files (`path`, one or an array of
//! pages), and what one read of them gives the function when the scenario is
//! loaded: the init distribution (unless `function_init` is set), the memory
//! model (unless `[functions.work]` sets `memory_mb` or `process_memory_mb`),
//! the reordering window the file needs (unless `reorder_window` is set), and
//! a warning when the logs' Memory Size is not the function's `MemorySize`.
//! Malformed REPORT lines are skipped in that read; the replay refuses or
//! skips them (`--skip-bad-rows`) as for every trace.

use super::*;
use crate::trace::lambda_logs::{stats, summary};

impl Cx<'_> {
    /// `path` of a `lambda-logs` source: a file or a non-empty array of files.
    pub(super) fn log_paths(&self, key: &str, t: &Table) -> Result<Vec<std::path::PathBuf>> {
        let k = format!("{key}.path");
        let form = "a log file, or an array of log files read in order (the pages of filter-log-events), relative to the scenario file's directory";
        match t.get("path") {
            None => Err(self.missing(k, form)),
            Some(Value::String(_)) => Ok(vec![
                self.trace_path(key, t, "path")?
                    .ok_or_else(|| self.missing(k, form))?,
            ]),
            Some(Value::Array(a)) if !a.is_empty() => {
                let mut out = Vec::with_capacity(a.len());
                for (i, v) in a.iter().enumerate() {
                    let mut one = Table::new();
                    one.insert(format!("path[{i}]"), v.clone());
                    match self.trace_path(key, &one, &format!("path[{i}]"))? {
                        Some(p) => out.push(p),
                        None => return Err(self.missing(format!("{k}[{i}]"), form)),
                    }
                }
                Ok(out)
            }
            Some(o) => Err(self.bad(k, o, form)),
        }
    }

    /// Reads function `i`'s logs once and applies what they give to `f`.
    pub(super) fn apply_lambda_logs(
        &self,
        i: usize,
        rf: &RawFunction,
        f: &mut FunctionSpec,
        model: &ModelKnobs,
    ) -> Result<Vec<Warning>> {
        let crate::traffic::Traffic::Trace(spec) = &mut f.traffic else {
            return Ok(Vec::new());
        };
        let TraceFormat::LambdaLogs { paths } = &spec.format else {
            return Ok(Vec::new());
        };
        let key = format!("functions[{i}]");
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let st = stats::scan(paths, true).map_err(|e| {
            self.bad(
                format!("{key}.traffic.path"),
                quoted(&shown.join(", ")),
                e.0,
            )
        })?;
        let raw_traffic = rf.traffic.as_ref();
        if !raw_traffic.is_some_and(|t| t.contains_key("reorder_window")) {
            // The most a record arrives before one above it, to the next ms.
            spec.reorder_window = SimDuration(st.max_late_us.div_ceil(1000) * 1000);
        }
        if rf.function_init.is_none()
            && let Some(d) = summary::init_dist(&st, model.runtime_init[f.runtime.index()].0)
        {
            f.function_init = d;
        }
        let user_memory = rf
            .work
            .as_ref()
            .is_some_and(|w| w.memory_mb.is_some() || w.process_memory_mb.is_some());
        if !user_memory && let Some((m, p99)) = summary::memory(&st) {
            if m.capacity(f.runtime, f.memory_mb) == 0 {
                return Err(self.bad(
                    format!("{key}.MemorySize"),
                    f.memory_mb,
                    format!(
                        "at least {p99} MB: the logs' p99 Max Memory Used is {p99} MB (runtime process {} MB + {} MB per invocation), which does not fit one EE; raise MemorySize or set [functions.work] memory_mb and process_memory_mb",
                        m.process_mib, m.per_invocation_mib
                    ),
                ));
            }
            f.memory = m;
        }
        let mut warnings = Vec::new();
        if let Some(size) = st.memory_size()
            && size != f.memory_mb
        {
            warnings.push(
                Warning::new(
                    crate::warning::LOG_MEMORY_SIZE_MISMATCH,
                    format!(
                        "{key}.MemorySize = {} but the logs were written at Memory Size {size} MB ({} of {} REPORT lines): their durations replay as measured, though CPU scales with memory on default Lambda (set default_lambda.MemorySize = {size} to compare with the function that ran)",
                        f.memory_mb,
                        st.memory_sizes.get(&size).copied().unwrap_or(0),
                        st.reports
                    ),
                )
                .key(format!("{key}.MemorySize"))
                .figure("log_memory_size_mb", size as f64)
                .figure("memory_size_mb", f.memory_mb as f64),
            );
        }
        Ok(warnings)
    }
}
