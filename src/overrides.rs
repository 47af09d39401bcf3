//! `--set KEY=VALUE`: edits of a scenario's TOML, by the key paths sweeps use
//! ([`crate::sweep::path`]: `functions[0].traffic.rate`,
//! `functions[checkout-api].MemorySize`), applied in order before the scenario
//! is validated, with errors that name the `--set` argument.
//!
//! VALUE is read as a TOML value: `4096`, `0.5`, `true`, `"c7i.2xlarge"`,
//! `["c7i.large", "m7i.large"]`, `{ dist = "exponential", mean = "10ms" }`.
//! A VALUE that is not TOML and does not start with `"`, `'`, `[` or `{` is
//! taken as a string as typed (`2h`, `c7i.2xlarge`, `python3.13`); one that
//! starts with them must be valid TOML. Does no I/O except [`load`], which
//! reads the scenario file.

use crate::scenario::{self, ConfigError, Scenario};
use crate::sweep::path::{self, KeyPath};
use std::path::Path;
use toml::Value;

/// One `--set KEY=VALUE`, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// The argument as typed, for messages.
    pub arg: String,
    pub path: KeyPath,
    pub value: Value,
}

const FORM: &str = "--set KEY=VALUE, KEY a scenario key path as in sweep axes (`functions[0].traffic.rate`, `functions[checkout-api].MemorySize`), VALUE a TOML value (4096, 0.5, true, \"text\", [\"a\", \"b\"], { k = 1 }) or a bare word taken as a string (2h, c7i.2xlarge)";

impl Set {
    /// Parses `KEY=VALUE` (split at the first `=`; spaces around either
    /// side are ignored).
    pub fn parse(arg: &str) -> Result<Set, String> {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(format!("--set {arg}: missing `=`; expected {FORM}"));
        };
        let (key, value) = (key.trim(), value.trim());
        let path = KeyPath::parse(key).map_err(|m| format!("--set {arg}: {m}"))?;
        let value = parse_value(value).map_err(|m| format!("--set {arg}: {m}"))?;
        Ok(Set {
            arg: arg.to_string(),
            path,
            value,
        })
    }

    /// `KEY=VALUE` with the value as TOML (strings quoted): what
    /// `summary.json` records, and itself a valid `--set` argument.
    pub fn record(&self) -> String {
        format!("{}={}", self.path.text, self.value)
    }
}

/// Parses the VALUE of a `--set` (see the module docs for the rule).
pub fn parse_value(text: &str) -> Result<Value, String> {
    if text.is_empty() {
        return Err(
            "the value is empty; write KEY=VALUE (an empty string is KEY='\"\"')".to_string(),
        );
    }
    match text.parse::<Value>() {
        Ok(v) => Ok(v),
        Err(e) if text.starts_with(['"', '\'', '[', '{']) => Err(format!(
            "VALUE `{text}` is not a TOML value ({}); a value starting with a quote, `[` or `{{` must be a TOML string, array or inline table, e.g. \"c7i.large\", [\"c7i.large\", \"m7i.large\"], {{ dist = \"exponential\", mean = \"10ms\" }}",
            e.message().trim()
        )),
        Err(_) => Ok(Value::String(text.to_string())),
    }
}

/// Applies `sets` to `doc` in order. Returns each set's path with indices for
/// names (`functions[0].MemorySize`). Errors name the argument and `file`.
pub fn apply(doc: &mut Value, sets: &[Set], file: &str) -> Result<Vec<String>, String> {
    let mut resolved = Vec::with_capacity(sets.len());
    for s in sets {
        let out = path::set(doc, &s.path, s.value.clone()).map_err(|pe| {
            format!(
                "--set {}: {file}: unknown key path `{}`: {}",
                s.arg,
                s.path,
                pe.describe()
            )
        })?;
        resolved.push(out.resolved_text());
    }
    Ok(resolved)
}

/// Whether an error at `key` is about the value at `set` (the key itself,
/// something inside it, or a table it is in that the error names).
fn related(set: &str, key: &str) -> bool {
    let under = |a: &str, b: &str| {
        a.strip_prefix(b)
            .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
    };
    !key.is_empty() && (under(key, set) || under(set, key))
}

/// A scenario error without the TOML snippet of the text lmi-sim serialised
/// (its line numbers are not the file's).
pub fn without_snippet(e: &ConfigError) -> String {
    match e {
        ConfigError::Toml { file, key, message } => {
            let kept: Vec<&str> = message
                .lines()
                .filter(|l| {
                    let t = l.trim_start();
                    !(t.starts_with("TOML parse error at line")
                        || t.trim_start_matches(|c: char| c.is_ascii_digit())
                            .trim_start()
                            .starts_with('|'))
                })
                .collect();
            ConfigError::Toml {
                file: file.clone(),
                key: key.clone(),
                message: kept.join("\n"),
            }
            .to_string()
        }
        other => other.to_string(),
    }
}

fn validate(doc: &Value, file: &str, dir: Option<&Path>) -> Result<Scenario, ConfigError> {
    let text = toml::to_string(doc).map_err(|e| ConfigError::Toml {
        file: file.to_string(),
        key: String::new(),
        message: format!("cannot serialise the scenario: {e}"),
    })?;
    scenario::validate::from_toml_str(&text, file, dir)
}

/// When `after` (the scenario `before` with `sets` applied, `resolved` their
/// paths) is not a valid scenario because of the sets, the error naming them;
/// `None` when `after` is valid or its error is `before`'s own.
pub fn blame(
    before: &Value,
    after: &Value,
    sets: &[Set],
    resolved: &[String],
    file: &str,
    dir: Option<&Path>,
) -> Option<String> {
    let err = validate(after, file, dir).err()?;
    let key = err.key().to_string();
    let msg = without_snippet(&err);
    let culprits: Vec<&Set> = sets
        .iter()
        .zip(resolved)
        .filter(|(_, r)| related(r, &key))
        .map(|(s, _)| s)
        .collect();
    if culprits.is_empty()
        && let Err(own) = validate(before, file, dir)
        && without_snippet(&own) == msg
    {
        return None;
    }
    let named: Vec<String> = if culprits.is_empty() {
        sets.iter().map(|s| format!("--set {}", s.arg)).collect()
    } else {
        culprits
            .iter()
            .map(|s| format!("--set {}", s.arg))
            .collect()
    };
    Some(if culprits.is_empty() {
        format!("with {}: {msg}", named.join(" "))
    } else {
        format!("{}: {msg}", named.join(" "))
    })
}

/// Reads a scenario file, applies `sets` and validates the result. Errors
/// from a set name it; the file's own errors are reported as without sets.
pub fn load(file: &Path, sets: &[Set]) -> Result<Scenario, String> {
    if sets.is_empty() {
        return scenario::load(file).map_err(|e| e.to_string());
    }
    let label = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| {
        ConfigError::Io {
            path: label.clone(),
            message: e.to_string(),
        }
        .to_string()
    })?;
    let dir = file.parent();
    let Ok(before) = text.parse::<toml::Table>().map(Value::Table) else {
        // A syntax error: the file's own, with its line numbers.
        return Err(scenario::validate::from_toml_str(&text, &label, dir)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| format!("{label}: not a TOML table")));
    };
    let mut after = before.clone();
    let resolved = apply(&mut after, sets, &label)?;
    match validate(&after, &label, dir) {
        Ok(sc) => Ok(sc),
        Err(err) => Err(blame(&before, &after, sets, &resolved, &label, dir)
            // The file's own error, as it reads without the sets.
            .or_else(|| {
                scenario::validate::from_toml_str(&text, &label, dir)
                    .err()
                    .map(|e| e.to_string())
            })
            .unwrap_or_else(|| without_snippet(&err))),
    }
}

/// The sets as `summary.json` records them.
pub fn records(sets: &[Set]) -> Vec<String> {
    sets.iter().map(Set::record).collect()
}

/// Parses every `--set` argument.
pub fn parse_all(args: &[String]) -> Result<Vec<Set>, String> {
    args.iter().map(|a| Set::parse(a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse_value("4096").unwrap(), Value::Integer(4096));
        assert_eq!(parse_value("0.5").unwrap(), Value::Float(0.5));
        assert_eq!(parse_value("true").unwrap(), Value::Boolean(true));
        assert_eq!(parse_value("2h").unwrap(), Value::String("2h".into()));
        assert_eq!(
            parse_value("c7i.2xlarge").unwrap(),
            Value::String("c7i.2xlarge".into())
        );
        assert_eq!(parse_value("\"2h\"").unwrap(), Value::String("2h".into()));
        assert_eq!(
            parse_value("[\"a\", \"b\"]").unwrap(),
            Value::Array(vec![Value::String("a".into()), Value::String("b".into())])
        );
        let t = parse_value("{ dist = \"constant\", value = 1 }").unwrap();
        assert_eq!(t.get("value"), Some(&Value::Integer(1)));
        assert!(parse_value("[1, 2").is_err());
        assert!(parse_value("\"open").is_err());
        assert!(parse_value("").is_err());
    }

    #[test]
    fn sets_parse_and_record() {
        let s = Set::parse("functions[api].MemorySize = 4096").unwrap();
        assert_eq!(s.record(), "functions[api].MemorySize=4096");
        let s = Set::parse("horizon=2h").unwrap();
        assert_eq!(s.record(), "horizon=\"2h\"");
        assert!(Set::parse("horizon").unwrap_err().contains("missing `=`"));
        assert!(Set::parse("=3").unwrap_err().contains("malformed key path"));
    }

    #[test]
    fn relation() {
        assert!(related(
            "functions[0].MemorySize",
            "functions[0].MemorySize"
        ));
        assert!(related("functions[0].work", "functions[0].work.cpu"));
        assert!(related("functions[0].work.cpux", "functions[0].work"));
        assert!(!related(
            "functions[0].MemorySize",
            "functions[0].MemorySizes"
        ));
        assert!(!related(
            "functions[1].MemorySize",
            "functions[0].MemorySize"
        ));
        assert!(!related("horizon", ""));
    }
}
