//! `[functions.spill_over]`: a client-side fallback of LMI throttles to a
//! default-Lambda function (docs/model.md, "Spill-over to default Lambda").
//! Validates only; must not build platforms.

use super::*;
use crate::invocation::ThrottleReason;
use crate::scenario::raw::RawSpillOver;
use crate::scenario::{EventSourceSpec, SpillOver};

/// Client-side wait between an LMI throttle and the call to the fallback
/// **[our choice]**: the 429's way back and the second call's dispatch.
pub const DEFAULT_SPILL_DELAY: SimDuration = SimDuration::from_millis(20);

/// What `reasons` may name.
fn reason_names() -> String {
    ThrottleReason::LMI
        .iter()
        .map(|r| format!("\"{}\"", r.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Cx<'_> {
    /// The spill-over of function `key` (`functions[i]`); `None` when
    /// `enabled = false`.
    pub(super) fn spill_over(
        &self,
        key: &str,
        s: &RawSpillOver,
        dl: &DefaultFunction,
        source: &EventSourceSpec,
        knobs: &DefaultLambdaKnobs,
    ) -> Result<Option<SpillOver>> {
        let k = |s: &str| format!("{key}.spill_over.{s}");
        if s.enabled == Some(false) {
            return Ok(None);
        }
        if !matches!(source, EventSourceSpec::Sync) {
            return Err(self.bad(
                format!("{key}.spill_over"),
                "(a table)",
                "only for synchronous functions: remove [functions.source] (or set its type = \"sync\"), or set spill_over.enabled = false; queues and retries spilling to default Lambda are not modelled",
            ));
        }
        let memory_mb = match s.memory_size {
            None => dl.memory_mb,
            Some(m) => self.int_in(
                &k("MemorySize"),
                m,
                128,
                10_240,
                "an integer number of MB in 128..=10240 (default: functions.default_lambda.MemorySize)",
            )?,
        };
        let acc = knobs.account_concurrency;
        let reserved = match s.reserved {
            None => None,
            Some(r) => Some(self.int_in(
                &k("ReservedConcurrentExecutions"),
                r,
                1,
                acc,
                &format!("an integer in 1..={acc} (default_lambda.account_concurrency), or omit"),
            )?),
        };
        let pc_cap = reserved.unwrap_or(acc);
        let provisioned = match s.provisioned {
            None => 0,
            Some(p) => self.int_in(
                &k("ProvisionedConcurrentExecutions"),
                p,
                0,
                pc_cap,
                &format!(
                    "an integer in 0..={pc_cap} (at most the reserved or account concurrency)"
                ),
            )?,
        };
        let mut reasons = [false; ThrottleReason::COUNT];
        match &s.reasons {
            None => ThrottleReason::LMI
                .iter()
                .for_each(|r| reasons[*r as usize] = true),
            Some(names) => {
                if names.is_empty() {
                    return Err(self.bad(
                        k("reasons"),
                        "[]",
                        format!(
                            "at least one of {}; omit for all, or set enabled = false",
                            reason_names()
                        ),
                    ));
                }
                for (j, n) in names.iter().enumerate() {
                    let r = ThrottleReason::LMI.iter().find(|r| r.name() == n);
                    match r {
                        Some(r) => reasons[*r as usize] = true,
                        None => {
                            return Err(self.bad(
                                format!("{}[{j}]", k("reasons")),
                                quoted(n),
                                format!("an LMI throttle reason: one of {}", reason_names()),
                            ));
                        }
                    }
                }
            }
        }
        let delay = self.opt_duration(&k("delay"), s.delay.as_ref(), DEFAULT_SPILL_DELAY)?;
        Ok(Some(SpillOver {
            fallback: DefaultFunction {
                memory_mb,
                reserved_concurrency: reserved,
                provisioned_concurrency: provisioned,
            },
            reasons,
            delay,
        }))
    }
}
