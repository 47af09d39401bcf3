//! Key paths into a scenario's TOML: `functions[0].traffic.rate`,
//! `capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue`.
//!
//! A path is a list of segments separated by `.`; each segment is a key
//! (letters, digits, `_`, `-`) followed by any number of `[…]` selectors into
//! an array: `[n]`, an index, or `[name]`, the one element (a table) whose
//! `name` key is that string (`functions[checkout-api]`). A selector of digits
//! only is an index; quote it to select by name (`functions["007"]`,
//! `functions['007']`); quotes also allow any character but the quote.
//! [`set`] writes a value at a path in a `toml::Value`, creating the leaf key
//! (and missing tables on the way) but never arrays or array elements.

use std::fmt;
use toml::{Table, Value};

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// The element of an array of tables whose `name` is this string.
    Name(String),
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
            Step::Name(n) => s.push_str(&name_selector(n)),
        }
    }
    s
}

/// `[name]`, quoted when the bare form would read as an index or not parse.
fn name_selector(n: &str) -> String {
    if !n.is_empty() && !n.bytes().all(|b| b.is_ascii_digit()) && n.chars().all(bare_name_char) {
        format!("[{n}]")
    } else if n.contains('"') {
        format!("['{n}']")
    } else {
        format!("[\"{n}\"]")
    }
}

/// Characters of an unquoted `[name]` selector: those of a function name.
fn bare_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// Renders one step alone (`traffic` or `functions[3]` for an index step).
fn step_text(steps: &[Step], at: usize) -> String {
    match &steps[at] {
        Step::Key(k) => k.clone(),
        Step::Index(_) | Step::Name(_) => {
            // Name the array the selector is into: `functions[3]`.
            let key = steps[..at]
                .iter()
                .rev()
                .find_map(|s| match s {
                    Step::Key(k) => Some(k.as_str()),
                    Step::Index(_) | Step::Name(_) => None,
                })
                .unwrap_or("");
            let sel = match &steps[at] {
                Step::Index(i) => format!("[{i}]"),
                Step::Name(n) => name_selector(n),
                Step::Key(_) => unreachable!("matched above"),
            };
            format!("{key}{sel}")
        }
    }
}

impl KeyPath {
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        let bad = |why: &str| {
            Err(format!(
                "malformed key path `{text}`: {why} (expected keys separated by `.`, each with optional `[n]` indices or `[name]` selectors, e.g. `functions[0].traffic.rate` or `functions[checkout-api].MemorySize`)"
            ))
        };
        if text.trim().is_empty() {
            return bad("empty");
        }
        let mut steps = Vec::new();
        let mut rest = text;
        loop {
            // A key, up to `.`, `[` or the end.
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = &rest[..end];
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
            rest = &rest[end..];
            // Its selectors.
            while let Some(inner) = rest.strip_prefix('[') {
                let (step, after) = match inner.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let Some(close) = inner[1..].find(q) else {
                            return bad(&format!("unclosed {q}"));
                        };
                        let name = &inner[1..1 + close];
                        let after = &inner[1 + close + 1..];
                        let Some(after) = after.strip_prefix(']') else {
                            return bad("expected `]` after the quoted name");
                        };
                        if name.is_empty() {
                            return bad("empty name in `[]`");
                        }
                        (Step::Name(name.to_string()), after)
                    }
                    _ => {
                        let Some(close) = inner.find(']') else {
                            return bad("unclosed `[`");
                        };
                        let sel = &inner[..close];
                        let step = if sel.is_empty() {
                            return bad("empty `[]`");
                        } else if sel.bytes().all(|b| b.is_ascii_digit()) {
                            match sel.parse() {
                                Ok(n) => Step::Index(n),
                                Err(_) => return bad(&format!("index `{sel}` is too large")),
                            }
                        } else if sel.chars().all(bare_name_char) {
                            Step::Name(sel.to_string())
                        } else {
                            return bad(&format!(
                                "`{sel}` is neither an index nor a name (a name of letters, digits, `_`, `.` and `-`, or quoted: [\"…\"])"
                            ));
                        };
                        (step, &inner[close + 1..])
                    }
                };
                steps.push(step);
                rest = after;
            }
            if rest.is_empty() {
                break;
            }
            match rest.strip_prefix('.') {
                Some(r) => rest = r,
                None => return bad("text after `]`"),
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
    /// The segment is a `[name]` that more than one element has (it exists, twice).
    pub ambiguous: bool,
}

impl PathError {
    /// "`functions[3]` does not exist (why)" or "`functions[api]` is ambiguous (why)".
    pub fn describe(&self) -> String {
        if self.ambiguous {
            format!("`{}` is ambiguous ({})", self.missing, self.why)
        } else {
            format!("`{}` does not exist ({})", self.missing, self.why)
        }
    }
}

/// What [`set`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetOutcome {
    /// Index of the first step that did not exist before (a created table or
    /// leaf), if any.
    pub created_from: Option<usize>,
    /// The path's steps with every `[name]` replaced by its element's index.
    pub resolved: Vec<Step>,
}

impl SetOutcome {
    /// The path with indices for names: `functions[0].MemorySize`.
    pub fn resolved_text(&self) -> String {
        if self.resolved.is_empty() {
            String::new()
        } else {
            prefix_text(&self.resolved, self.resolved.len() - 1)
        }
    }
}

/// The index of the one element of `a` (an array of tables) whose `name` is
/// `name`; otherwise why not (and whether because more than one is).
fn find_named(a: &[Value], name: &str, array: &str) -> Result<usize, (String, bool)> {
    let named = |v: &Value| match v {
        Value::Table(t) => match t.get("name") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let hits: Vec<usize> = (0..a.len())
        .filter(|&i| named(&a[i]).as_deref() == Some(name))
        .collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => {
            let names: Vec<String> = a
                .iter()
                .filter_map(named)
                .map(|n| format!("{n:?}"))
                .collect();
            Err((
                if names.is_empty() {
                    format!(
                        "no element of `{array}` has name = {name:?}: its {} element(s) have no `name`; select by index, `{array}[0]`",
                        a.len()
                    )
                } else {
                    format!(
                        "no element of `{array}` has name = {name:?}; the names are {}",
                        names.join(", ")
                    )
                },
                false,
            ))
        }
        many => {
            let at: Vec<String> = many.iter().map(|i| format!("`{array}[{i}]`")).collect();
            Err((
                format!(
                    "{} all have name = {name:?}; select one by index",
                    at.join(", ")
                ),
                true,
            ))
        }
    }
}

/// Writes `new` at `path` in `root`. Missing keys in tables are created (as
/// tables on the way, as the value at the end); array elements must exist
/// (an index in range, a name exactly one element has).
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
            ambiguous: false,
        };
        match st {
            Step::Key(k) => {
                out.resolved.push(st.clone());
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
                    if matches!(steps.get(i + 1), Some(Step::Index(_) | Step::Name(_))) {
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
            Step::Index(_) | Step::Name(_) => {
                let Value::Array(a) = cur else {
                    return Err(err(format!(
                        "`{}` is {}, not an array",
                        prefix_text(steps, i - 1),
                        kind(cur)
                    )));
                };
                let len = a.len();
                let n = match st {
                    Step::Index(n) if *n < len => *n,
                    Step::Index(_) => {
                        return Err(err(format!(
                            "`{}` has {len} element(s), indices 0..{len}",
                            prefix_text(steps, i - 1)
                        )));
                    }
                    Step::Name(name) => find_named(a, name, &prefix_text(steps, i - 1)).map_err(
                        |(why, ambiguous)| PathError {
                            ambiguous,
                            ..err(why)
                        },
                    )?,
                    Step::Key(_) => unreachable!("matched above"),
                };
                out.resolved.push(Step::Index(n));
                let next = &mut a[n];
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
                ambiguous: false,
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
            (Step::Name(name), Value::Array(a)) => a.get(find_named(a, name, "").ok()?)?,
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
        assert!(KeyPath::parse("a[x y]").is_err());
        assert!(KeyPath::parse("a[]").is_err());
        assert!(KeyPath::parse("a[0]b").is_err());
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
    fn names_select_elements() {
        let p = KeyPath::parse("functions[checkout-api].traffic.rate").unwrap();
        assert_eq!(p.steps[1], Step::Name("checkout-api".into()));
        // Digits are an index; quoted digits a name; quotes allow dots.
        let p = KeyPath::parse("functions[007]").unwrap();
        assert_eq!(p.steps[1], Step::Index(7));
        let p = KeyPath::parse("functions[\"007\"].MemorySize").unwrap();
        assert_eq!(p.steps[1], Step::Name("007".into()));
        let p = KeyPath::parse("functions['api.v2'].MemorySize").unwrap();
        assert_eq!(p.steps[1], Step::Name("api.v2".into()));
        assert_eq!(p.steps[2], Step::Key("MemorySize".into()));
        let p = KeyPath::parse("functions[api.v2].MemorySize").unwrap();
        assert_eq!(p.steps[1], Step::Name("api.v2".into()));
        assert!(KeyPath::parse("functions[\"007].x").is_err());

        let mut d = toml::from_str::<Value>(
            "[[functions]]\nname = \"a\"\n[[functions]]\nname = \"007\"\n[[functions]]\nname = \"b\"\n[[functions]]\nname = \"b\"\n",
        )
        .unwrap();
        let p = KeyPath::parse("functions[\"007\"].MemorySize").unwrap();
        let o = set(&mut d, &p, Value::Integer(4096)).unwrap();
        assert_eq!(o.resolved_text(), "functions[1].MemorySize");
        assert_eq!(
            get(&d, &KeyPath::parse("functions[1].MemorySize").unwrap()),
            Some(&Value::Integer(4096))
        );
        let e = set(
            &mut d,
            &KeyPath::parse("functions[c].MemorySize").unwrap(),
            Value::Integer(1),
        )
        .unwrap_err();
        assert_eq!(e.missing, "functions[c]");
        assert!(!e.ambiguous);
        assert!(e.why.contains(r#""a", "007", "b", "b""#), "{}", e.why);
        let e = set(
            &mut d,
            &KeyPath::parse("functions[b].MemorySize").unwrap(),
            Value::Integer(1),
        )
        .unwrap_err();
        assert!(e.ambiguous);
        assert!(
            e.describe()
                .contains("`functions[2]`, `functions[3]` all have name = \"b\""),
            "{}",
            e.describe()
        );
        // Rendering quotes a name that would read as an index.
        let p = KeyPath::parse("functions[\"007\"].x").unwrap();
        assert_eq!(prefix_text(&p.steps, 1), "functions[\"007\"]");
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
