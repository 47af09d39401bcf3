//! A CloudFormation or SAM template as a tree of [`Node`]s, read from YAML
//! (with CloudFormation's short-form intrinsic tags: `!Ref`, `!Sub`,
//! `!GetAtt`, `!If`, `!Join`, `!Select`, …) or from JSON. Long-form
//! intrinsics (`{"Ref": …}`, `{"Fn::GetAtt": …}`) and short-form tags become
//! the same node, [`Node::Fn`]. Parsing only: must not interpret resources.

use std::fmt;

/// One value of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in the file's order (JSON: sorted).
    Map(Vec<(String, Node)>),
    /// An intrinsic function by its short name (`Ref`, `GetAtt`, `Sub`, `If`,
    /// `Join`, …) and its argument as written.
    Fn(String, Box<Node>),
}

impl Node {
    /// The value under `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(m) => m,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a map",
            Node::Fn(..) => "an intrinsic function",
        }
    }
}

/// A plain string needs no quotes in the one-line form when it is simple.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:${}@+*".contains(c))
}

/// One line, in YAML's flow style with short-form tags: `!Ref MemParam`,
/// `!GetAtt Provider.Arn`, `[a, b]`, `{Variables: {TABLE: !Ref T}}`.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Null => f.write_str("null"),
            Node::Bool(b) => write!(f, "{b}"),
            Node::Int(i) => write!(f, "{i}"),
            Node::Float(x) => write!(f, "{x:?}"),
            Node::Str(s) if plain(s) => f.write_str(s),
            Node::Str(s) => write!(f, "{s:?}"),
            Node::Seq(v) => {
                f.write_str("[")?;
                for (i, n) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str("]")
            }
            Node::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Node::Fn(name, arg) => write!(f, "!{name} {arg}"),
        }
    }
}

/// A `{"Ref": x}` or `{"Fn::Name": x}` map as an intrinsic function.
fn intrinsic(m: Vec<(String, Node)>) -> Node {
    if m.len() == 1 {
        let k = &m[0].0;
        let name = if k == "Ref" {
            Some("Ref")
        } else {
            k.strip_prefix("Fn::")
        };
        if let Some(name) = name {
            let name = name.to_string();
            let (_, v) = m.into_iter().next().expect("one entry");
            return Node::Fn(name, Box::new(v));
        }
    }
    Node::Map(m)
}

/// Parses a template: JSON when its first character is `{`, else YAML. The
/// error carries `path:line:column`.
pub fn parse(text: &str, path: &str) -> Result<Node, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            format!(
                "{path}:{}:{}: not valid JSON: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            )
        })?;
        return Ok(from_json(v));
    }
    let v: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        let msg = strip_position(&e.to_string());
        match e.location() {
            Some(l) => format!("{path}:{}:{}: not valid YAML: {msg}", l.line(), l.column()),
            None => format!("{path}: not valid YAML: {msg}"),
        }
    })?;
    from_yaml(v, path)
}

/// Drops the ` at line N column M` the parsers append (the position is
/// already in front, as `path:line:column`).
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn from_json(v: serde_json::Value) -> Node {
    use serde_json::Value as J;
    match v {
        J::Null => Node::Null,
        J::Bool(b) => Node::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Node::Int(i),
            None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Node::Str(s),
        J::Array(a) => Node::Seq(a.into_iter().map(from_json).collect()),
        J::Object(o) => intrinsic(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

fn from_yaml(v: serde_norway::Value, path: &str) -> Result<Node, String> {
    use serde_norway::Value as Y;
    Ok(match v {
        Y::Null => Node::Null,
        Y::Bool(b) => Node::Bool(b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => Node::Int(i),
            None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Y::String(s) => Node::Str(s),
        Y::Sequence(s) => Node::Seq(
            s.into_iter()
                .map(|v| from_yaml(v, path))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => {
                        return Err(format!(
                            "{path}: a mapping key must be a string, not {other:?}"
                        ));
                    }
                };
                out.push((key, from_yaml(v, path)?));
            }
            intrinsic(out)
        }
        Y::Tagged(t) => {
            let name = t.tag.to_string();
            let name = name.trim_start_matches('!').to_string();
            Node::Fn(name, Box::new(from_yaml(t.value, path)?))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_forms_are_the_same_node() {
        let y = parse(
            "a: !GetAtt P.Arn\nb: !Ref X\nc: !Sub '${AWS::StackName}-cp'\n",
            "t.yaml",
        )
        .unwrap();
        let j = parse(
            r#"{"a": {"Fn::GetAtt": "P.Arn"}, "b": {"Ref": "X"}, "c": {"Fn::Sub": "${AWS::StackName}-cp"}}"#,
            "t.json",
        )
        .unwrap();
        assert_eq!(y, j);
        assert_eq!(y.get("a").unwrap().to_string(), "!GetAtt P.Arn");
        assert_eq!(y.get("c").unwrap().to_string(), "!Sub ${AWS::StackName}-cp");
    }

    #[test]
    fn yaml_error_has_line_and_column() {
        let e = parse("Resources:\n  A:\n    Type: [x\n", "t.yaml").unwrap_err();
        assert!(e.starts_with("t.yaml:4:1: not valid YAML"), "{e}");
        let e = parse("{\"a\": 1,\n \"b\": }", "t.json").unwrap_err();
        assert!(e.starts_with("t.json:2:7: not valid JSON"), "{e}");
    }
}
