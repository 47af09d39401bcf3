//! `lmi-sim init --from template.yaml`: a commented scenario from a SAM or
//! CloudFormation template's capacity provider and the functions on it
//! (docs/model.md, "Scenarios from templates").
//!
//! `node` parses YAML (short-form intrinsic tags) or JSON; `resolve` resolves
//! parameters' Defaults, `!Ref`, `!Sub`, `!FindInMap`, …; `template` reads
//! the resources; `emit` writes the TOML. This module picks the functions,
//! checks that the scenario validates, and writes it. Never runs a simulation.

mod emit;
mod node;
mod resolve;
mod template;

use std::path::Path;
use template::{CFN_FUNCTION, CFN_PROVIDER, SAM_FUNCTION, SAM_PROVIDER, Template};

/// A template that cannot become a scenario; the message names the template
/// and the resource/property path. Exit status 2.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InitError(pub String);

/// The scenario text for the template at `path` (as given, for messages),
/// with one function or all functions on its capacity provider.
pub fn scenario_from_template(path: &Path, function: Option<&str>) -> Result<String, InitError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InitError(format!("{file}: cannot read the template: {e}")))?;
    let root = node::parse(&text, &file).map_err(InitError)?;
    let null = node::Node::Null;
    let t = Template::new(&file, &root, &null)?;

    let providers = t.ids_of(&[SAM_PROVIDER, CFN_PROVIDER]);
    if providers.is_empty() {
        let mut types: Vec<&str> = t
            .resources
            .entries()
            .iter()
            .filter_map(|(_, r)| r.get("Type").and_then(node::Node::as_str))
            .collect();
        types.sort_unstable();
        types.dedup();
        return Err(InitError(format!(
            "{file}: Resources: no capacity provider: the template has no resource of Type {SAM_PROVIDER} or {CFN_PROVIDER} (its types: {}); lmi-sim init needs one: the instances, their limits and scaling that LMI runs the functions on",
            if types.is_empty() {
                "none".to_string()
            } else {
                types.join(", ")
            }
        )));
    }
    let all_functions = t.ids_of(&[SAM_FUNCTION, CFN_FUNCTION]);
    let lmi: Vec<&String> = all_functions
        .iter()
        .filter(|id| t.provider_arn(id).is_some())
        .collect();
    let lmi_names = || {
        if lmi.is_empty() {
            "none".to_string()
        } else {
            lmi.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let chosen: Vec<String> = match function {
        Some(name) => {
            let found = all_functions
                .iter()
                .find(|id| id.as_str() == name || t.function_name(id).as_deref() == Some(name));
            match found {
                None => {
                    return Err(InitError(format!(
                        "{file}: --function {name}: no function of that logical ID or FunctionName; functions on a capacity provider: {}",
                        lmi_names()
                    )));
                }
                Some(id) if t.provider_arn(id).is_none() => {
                    return Err(InitError(format!(
                        "{file}: --function {name}: Resources.{id} has no CapacityProviderConfig, so it runs on default Lambda, not on LMI; functions on a capacity provider: {}",
                        lmi_names()
                    )));
                }
                Some(id) => vec![id.clone()],
            }
        }
        None => lmi.iter().map(|s| s.to_string()).collect(),
    };
    if chosen.is_empty() {
        return Err(InitError(format!(
            "{file}: no function uses a capacity provider: none of the functions ({}) has a CapacityProviderConfig naming one of {}",
            if all_functions.is_empty() {
                "none".to_string()
            } else {
                all_functions.join(", ")
            },
            providers.join(", ")
        )));
    }
    // Each chosen function's provider; a scenario has one.
    let mut by_provider: Vec<(String, Vec<String>)> = Vec::new();
    for id in &chosen {
        let p = t.provider_of(id)?.unwrap_or_default();
        match by_provider.iter_mut().find(|(q, _)| *q == p) {
            Some((_, v)) => v.push(id.clone()),
            None => by_provider.push((p, vec![id.clone()])),
        }
    }
    if by_provider.len() > 1 {
        let groups: Vec<String> = by_provider
            .iter()
            .map(|(p, fs)| format!("{p}: {}", fs.join(", ")))
            .collect();
        return Err(InitError(format!(
            "{file}: the functions use {} capacity providers ({}); a scenario has one: pick a function with --function NAME",
            by_provider.len(),
            groups.join("; ")
        )));
    }
    let (provider_id, ids) = by_provider.remove(0);
    let provider = t.provider(&provider_id)?;
    let functions = ids
        .iter()
        .map(|id| t.function(id))
        .collect::<Result<Vec<_>, _>>()?;

    let mut notes = Vec::new();
    let others: Vec<&String> = providers.iter().filter(|p| **p != provider_id).collect();
    if !others.is_empty() {
        notes.push(format!(
            "Not included: capacity provider(s) {} (a scenario has one).",
            others
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let left: Vec<&String> = all_functions.iter().filter(|f| !ids.contains(f)).collect();
    if !left.is_empty() {
        notes.push(format!(
            "Not included: function(s) {} (not on this capacity provider, or not chosen with --function).",
            left.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let name = scenario_name(path);
    let out = emit::emit(&file, &name, &provider, &functions, &notes)?;
    check(&file, &out)?;
    Ok(out.text)
}

/// The scenario's name: the template's file stem, or its directory's name
/// for the conventional `template.yaml`; only `[A-Za-z0-9_.-]`.
fn scenario_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = if stem == "template" {
        path.canonicalize()
            .ok()
            .and_then(|p| {
                p.parent()
                    .and_then(|d| d.file_name())
                    .map(|d| d.to_string_lossy().into_owned())
            })
            .unwrap_or(stem)
    } else {
        stem
    };
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        "scenario".to_string()
    } else {
        clean
    }
}

/// The generated scenario must validate; an error names the template
/// property it came from.
fn check(file: &str, out: &emit::Emitted) -> Result<(), InitError> {
    let label = format!("the scenario generated from {file}");
    match crate::scenario::validate::from_toml_str(&out.text, &label, None) {
        Ok(_) => Ok(()),
        Err(e) => {
            let key = e.key();
            let origin = out
                .origins
                .iter()
                .filter(|(k, _)| {
                    !k.is_empty()
                        && (key == k
                            || key.starts_with(&format!("{k}."))
                            || key.starts_with(&format!("{k}[")))
                })
                .max_by_key(|(k, _)| k.len());
            Err(InitError(match (origin, &e) {
                (Some((k, from)), crate::scenario::ConfigError::Invalid { value, allowed, .. }) => {
                    format!(
                        "{file}: {from} = {value}: {allowed} (as {k} of the scenario lmi-sim init writes)"
                    )
                }
                _ => format!("{file}: the scenario lmi-sim init writes does not validate: {e}"),
            }))
        }
    }
}

/// `lmi-sim init`: prints the scenario, or writes it to `out` (refusing to
/// replace a file unless `force`).
pub fn command(
    from: &Path,
    function: Option<&str>,
    out: Option<&Path>,
    force: bool,
) -> Result<(), crate::cli::CliError> {
    use crate::cli::CliError;
    let text = scenario_from_template(from, function).map_err(|e| CliError::Source(e.0))?;
    match out {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(o) => {
            if o.exists() && !force {
                return Err(CliError::Source(format!(
                    "--out {}: the file exists; pass --force to replace it",
                    o.display()
                )));
            }
            std::fs::write(o, text.as_bytes()).map_err(|e| CliError::Output {
                path: o.display().to_string(),
                message: e.to_string(),
            })?;
            eprintln!(
                "wrote {} from {}: validate it with `lmi-sim validate {}`; its traffic and work are placeholders",
                o.display(),
                from.display(),
                o.display()
            );
            Ok(())
        }
    }
}
