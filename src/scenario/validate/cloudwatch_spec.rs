//! The keys of `source = "cloudwatch"` in `[functions.traffic]`: one file or
//! a list of files in `path`, `metric_id` / `label`, `interval`.

use super::*;
use crate::trace::cloudwatch::Selector;
use std::path::PathBuf;

impl Cx<'_> {
    /// `path = "file"` or `path = ["page1.json", "page2.json"]`, each
    /// resolved and opened (not read).
    pub(super) fn cloudwatch_paths(&self, key: &str, t: &Table) -> Result<Vec<PathBuf>> {
        let form = "a file path, or an array of them (the NextToken pages of one export), relative to the scenario file's directory";
        match t.get("path") {
            None => Err(self.missing(format!("{key}.path"), form)),
            Some(Value::Array(a)) if !a.is_empty() => {
                let mut out = Vec::with_capacity(a.len());
                for (i, v) in a.iter().enumerate() {
                    // One element as its own table, so it is checked (and
                    // named `path[i]`) like a single `path`.
                    let name = format!("path[{i}]");
                    let mut one = Table::new();
                    one.insert(name.clone(), v.clone());
                    if let Some(p) = self.trace_path(key, &one, &name)? {
                        out.push(p);
                    }
                }
                Ok(out)
            }
            Some(Value::String(_)) => Ok(self.trace_path(key, t, "path")?.into_iter().collect()),
            Some(o) => Err(self.bad(format!("{key}.path"), o, form)),
        }
    }

    pub(super) fn cloudwatch_format(
        &self,
        key: &str,
        t: &Table,
        paths: Vec<PathBuf>,
    ) -> Result<TraceFormat> {
        let name = |n: &str, what: &str| -> Result<Option<String>> {
            match t.get(n) {
                None => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
                Some(o) => Err(self.bad(format!("{key}.{n}"), o, what)),
            }
        };
        let metric_id = name(
            "metric_id",
            "the `Id` of a get-metric-data query (a non-empty string, e.g. \"invocations\")",
        )?;
        let label = name(
            "label",
            "the `Label` of a result, or a console CSV's column header (a non-empty string)",
        )?;
        if let (Some(_), Some(l)) = (&metric_id, &label) {
            return Err(self.bad(
                format!("{key}.label"),
                quoted(l),
                "either metric_id or label, not both",
            ));
        }
        let interval = match t.get("interval") {
            None => None,
            Some(v) => {
                let d = self.value_duration(&format!("{key}.interval"), v)?;
                if d.0 == 0 {
                    return Err(self.bad(
                        format!("{key}.interval"),
                        v,
                        "the export's period: a duration > 0 (e.g. \"1m\" for --period 60)",
                    ));
                }
                Some(d)
            }
        };
        Ok(TraceFormat::CloudWatch {
            paths,
            selector: Selector { metric_id, label },
            interval,
        })
    }
}
