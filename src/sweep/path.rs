//! Key paths into a scenario's TOML: `functions[0].traffic.rate`,
//! `capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue`.
//!
//! A path is a list of segments separated by `.`; each segment is a key
//! (letters, digits, `_`, `-`) followed by any number of `[n]` array indices.
//! [`set`] writes a value at a path in a `toml::Value`, creating the leaf key
//! (and missing tables on the way) but never arrays or array elements.

use std::fmt;
use toml::{Table, Value};

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A parsed key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPath {
    pub text: String,
    pub steps: Vec<Step>,
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Renders the steps `0..=upto` as path text (`functions[0].traffic`).
pub fn prefix_text(steps: &[Step], upto: usize) -> String {
    let mut s = String::new();
    for st in &steps[..=upto.min(steps.len().saturating_sub(1))] {
        match st {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Renders one step alone (`traffic` or `functions[3]` for an index step).
fn step_text(steps: &[Step], at: usize) -> String {
    match &steps[at] {
        Step::Key(k) => k.clone(),
        Step::Index(i) => {
            // Name the array the index is into: `functions[3]`.
            let key = steps[..at]
                .iter()
                .rev()
                .find_map(|s| match s {
                    Step::Key(k) => Some(k.as_str()),
                    Step::Index(_) => None,
                })
                .unwrap_or("");
            format!("{key}[{i}]")
        }
    }
}

impl KeyPath {
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        let bad = |why: &str| {
            Err(format!(
                "malformed key path `{text}`: {why} (expected keys separated by `.`, each with optional `[n]` indices, e.g. `functions[0].traffic.rate`)"
            ))
        };
        if text.trim().is_empty() {
            return bad("empty");
        }
        let mut steps = Vec::new();
        for seg in text.split('.') {
            let (key, mut rest) = match seg.find('[') {
                Some(i) => (&seg[..i], &seg[i..]),
                None => (seg, ""),
            };
            if key.is_empty() {
                return bad("empty key");
            }
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return bad(&format!("`{key}` is not a bare key"));
            }
            steps.push(Step::Key(key.to_string()));
            while !rest.is_empty() {
                let Some(close) = rest.find(']') else {
                    return bad("unclosed `[`");
                };
                if !rest.starts_with('[') {
                    return bad("text after `]`");
                }
                let n: usize = match rest[1..close].parse() {
                    Ok(n) => n,
                    Err(_) => return bad(&format!("`{}` is not an index", &rest[1..close])),
                };
                steps.push(Step::Index(n));
                rest = &rest[close + 1..];
            }
        }
        Ok(KeyPath {
            text: text.to_string(),
            steps,
        })
    }
}

/// Why a value could not be set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    /// The first segment that does not exist (`traffic`, `functions[3]`).
    pub missing: String,
    /// The path up to and including that segment.
    pub at: String,
    pub why: String,
}

/// What [`set`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetOutcome {
    /// Index of the first step that did not exist before (a created table or
    /// leaf), if any.
    pub created_from: Option<usize>,
}

/// Writes `new` at `path` in `root`. Missing keys in tables are created (as
/// tables on the way, as the value at the end); array indices must exist.
pub fn set(root: &mut Value, path: &KeyPath, new: Value) -> Result<SetOutcome, PathError> {
    let steps = &path.steps;
    let mut cur = root;
    let mut out = SetOutcome::default();
    for (i, st) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let err = |why: String| PathError {
            missing: step_text(steps, i),
            at: prefix_text(steps, i),
            why,
        };
        match st {
            Step::Key(k) => {
                let Value::Table(t) = cur else {
                    return Err(err(format!(
                        "`{}` is {}, not a table",
                        if i == 0 {
                            "the scenario".to_string()
                        } else {
                            prefix_text(steps, i - 1)
                        },
                        kind(cur)
                    )));
                };
                if !t.contains_key(k) {
                    if matches!(steps.get(i + 1), Some(Step::Index(_))) {
                        return Err(err(format!(
                            "`{}` does not exist (arrays are not created; add it to the base or [overrides])",
                            prefix_text(steps, i)
                        )));
                    }
                    out.created_from.get_or_insert(i);
                    t.insert(
                        k.clone(),
                        if last {
                            new.clone()
                        } else {
                            Value::Table(Table::new())
                        },
                    );
                }
                let next = t.get_mut(k).expect("inserted above");
                if last {
                    *next = new;
                    return Ok(out);
                }
                cur = next;
            }
            Step::Index(n) => {
                let Value::Array(a) = cur else {
                    return Err(err(format!(
                        "`{}` is {}, not an array",
                        prefix_text(steps, i - 1),
                        kind(cur)
                    )));
                };
                let len = a.len();
                let Some(next) = a.get_mut(*n) else {
                    return Err(err(format!(
                        "`{}` has {len} element(s), indices 0..{len}",
                        prefix_text(steps, i - 1)
                    )));
                };
                if last {
                    *next = new;
                    return Ok(out);
                }
                cur = next;
            }
        }
    }
    Ok(out)
}

/// Deep-merges `over` into `root` at `path`: tables merge key by key (each key
/// a path relative to the table), anything else replaces.
pub fn merge(root: &mut Value, path: &KeyPath, over: &Value) -> Result<(), PathError> {
    if let Value::Table(ot) = over
        && let Some(Value::Table(_)) = get(root, path)
    {
        for (k, v) in ot {
            let sub = KeyPath::parse(&format!("{}.{k}", path.text)).map_err(|why| PathError {
                missing: k.clone(),
                at: format!("{}.{k}", path.text),
                why,
            })?;
            merge(root, &sub, v)?;
        }
        return Ok(());
    }
    set(root, path, over.clone()).map(|_| ())
}

/// The value at `path`, if it exists.
pub fn get<'a>(root: &'a Value, path: &KeyPath) -> Option<&'a Value> {
    let mut cur = root;
    for st in &path.steps {
        cur = match (st, cur) {
            (Step::Key(k), Value::Table(t)) => t.get(k)?,
            (Step::Index(n), Value::Array(a)) => a.get(*n)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// A value as written in a CSV cell and in messages: strings bare, numbers in
/// their shortest exact form, lists and tables as inline TOML.
pub fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => {
            let s = format!("{f}");
            if s.contains(['.', 'e', 'E', 'i', 'N']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(_) => inline(v),
    }
}

/// Inline TOML for a value (strings quoted).
fn inline(v: &Value) -> String {
    match v {
        // TOML literal strings when possible: no CSV quote doubling.
        Value::String(s) if !s.contains(['\'', '\n', '\r']) => format!("'{s}'"),
        Value::String(s) => format!("{s:?}"),
        Value::Table(t) => {
            let items: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => label(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        toml::from_str::<Value>(
            r#"
            name = "x"
            [[functions]]
            name = "a"
            [functions.traffic]
            rate = 1.0
            [capacity_provider.InstanceRequirements]
            AllowedInstanceTypes = ["c7i.large"]
            "#,
        )
        .unwrap()
    }

    #[test]
    fn parses() {
        let p = KeyPath::parse("functions[0].traffic.rate").unwrap();
        assert_eq!(
            p.steps,
            vec![
                Step::Key("functions".into()),
                Step::Index(0),
                Step::Key("traffic".into()),
                Step::Key("rate".into())
            ]
        );
        assert!(KeyPath::parse("a..b").is_err());
        assert!(KeyPath::parse("a[x]").is_err());
        assert!(KeyPath::parse("a[0").is_err());
        assert!(KeyPath::parse("").is_err());
    }

    #[test]
    fn sets_and_creates() {
        let mut d = doc();
        let p = KeyPath::parse("functions[0].traffic.rate").unwrap();
        let o = set(&mut d, &p, Value::Float(5.0)).unwrap();
        assert_eq!(o.created_from, None);
        assert_eq!(get(&d, &p), Some(&Value::Float(5.0)));
        let p = KeyPath::parse("model.auto_cpu_target_percent").unwrap();
        let o = set(&mut d, &p, Value::Integer(60)).unwrap();
        assert_eq!(o.created_from, Some(0));
        let p = KeyPath::parse("functions[0].MemorySize").unwrap();
        assert_eq!(
            set(&mut d, &p, Value::Integer(4096)).unwrap().created_from,
            Some(2)
        );
    }

    #[test]
    fn missing_index_names_segment() {
        let mut d = doc();
        let p = KeyPath::parse("functions[3].traffic.rate").unwrap();
        let e = set(&mut d, &p, Value::Float(5.0)).unwrap_err();
        assert_eq!(e.missing, "functions[3]");
        let p = KeyPath::parse(
            "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue",
        )
        .unwrap();
        let e = set(&mut d, &p, Value::Float(5.0)).unwrap_err();
        assert_eq!(e.missing, "ScalingPolicies");
        let p = KeyPath::parse("name.x").unwrap();
        let e = set(&mut d, &p, Value::Float(5.0)).unwrap_err();
        assert_eq!(e.missing, "x");
    }

    #[test]
    fn labels() {
        assert_eq!(label(&Value::Float(1e6)), "1000000.0");
        assert_eq!(label(&Value::Float(0.5)), "0.5");
        assert_eq!(label(&Value::Integer(8)), "8");
        assert_eq!(
            label(&Value::Array(vec![
                Value::String("c7i.large".into()),
                Value::String("m7i.large".into())
            ])),
            "['c7i.large', 'm7i.large']"
        );
    }
}
