//! Resolving a template value without deploying it: parameters with a
//! `Default`, `!Ref` to them, `!Sub` over them, `!FindInMap` in `Mappings`,
//! `!Join` and `!Select` of known values. What only a deployment knows
//! (pseudo parameters, a resource's physical ID, conditions) stays
//! [`Res::Unknown`] with the expression as written, for a comment.

use super::node::Node;

/// A resolved value, or why not.
#[derive(Clone, Debug, PartialEq)]
pub enum Res {
    /// The value, and how it was found when not literal (for a comment).
    Known(Node, Option<String>),
    /// The expression as written and why it cannot be known, e.g.
    /// `!Ref MemParam (no Default)`.
    Unknown(String),
}

/// The template's `Parameters`, `Mappings` and resource names.
pub struct Resolver<'a> {
    pub parameters: &'a Node,
    pub mappings: &'a Node,
    pub resources: &'a Node,
}

impl Resolver<'_> {
    /// The value of parameter `name`'s `Default` (a list for
    /// `CommaDelimitedList` and `List<…>` types).
    fn parameter(&self, name: &str) -> Option<Res> {
        let p = self.parameters.get(name)?;
        let Some(d) = p.get("Default") else {
            return Some(Res::Unknown(format!("!Ref {name} (no Default)")));
        };
        let ty = p.get("Type").and_then(Node::as_str).unwrap_or("String");
        let note = Some(format!("the Default of parameter {name}"));
        let listy = ty == "CommaDelimitedList" || ty.starts_with("List<");
        Some(match d {
            Node::Str(s) if listy => Res::Known(
                Node::Seq(
                    s.split(',')
                        .map(|x| Node::Str(x.trim().to_string()))
                        .collect(),
                ),
                note,
            ),
            Node::Fn(..) => Res::Unknown(format!("!Ref {name} (its Default is not a literal)")),
            d => Res::Known(d.clone(), note),
        })
    }

    /// Resolves `n` as far as a template alone allows.
    pub fn resolve(&self, n: &Node) -> Res {
        match n {
            Node::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut notes = Vec::new();
                for it in items {
                    match self.resolve(it) {
                        Res::Known(v, note) => {
                            out.push(v);
                            notes.extend(note);
                        }
                        Res::Unknown(why) => return Res::Unknown(why),
                    }
                }
                notes.dedup();
                Res::Known(
                    Node::Seq(out),
                    (!notes.is_empty()).then(|| notes.join("; ")),
                )
            }
            Node::Map(m) => {
                let mut out = Vec::with_capacity(m.len());
                for (k, v) in m {
                    match self.resolve(v) {
                        Res::Known(v, _) => out.push((k.clone(), v)),
                        Res::Unknown(why) => return Res::Unknown(why),
                    }
                }
                Res::Known(Node::Map(out), None)
            }
            Node::Fn(name, arg) => self.function(name, arg, n),
            other => Res::Known(other.clone(), None),
        }
    }

    /// Resolves to a string (numbers as written), or why not.
    fn string(&self, n: &Node) -> Result<(String, Option<String>), String> {
        match self.resolve(n) {
            Res::Known(Node::Str(s), note) => Ok((s, note)),
            Res::Known(Node::Int(i), note) => Ok((i.to_string(), note)),
            Res::Known(Node::Float(x), note) => Ok((x.to_string(), note)),
            Res::Known(other, _) => Err(format!("{n} ({} where a string is needed)", other.kind())),
            Res::Unknown(why) => Err(why),
        }
    }

    fn function(&self, name: &str, arg: &Node, whole: &Node) -> Res {
        match (name, arg) {
            ("Ref", Node::Str(r)) => {
                if let Some(p) = self.parameter(r) {
                    return p;
                }
                if r.starts_with("AWS::") {
                    return Res::Unknown(format!(
                        "!Ref {r} (a pseudo parameter, known at deploy time)"
                    ));
                }
                if self.resources.get(r).is_some() {
                    return Res::Unknown(format!(
                        "!Ref {r} (a resource's physical ID, known at deploy time)"
                    ));
                }
                Res::Unknown(format!("!Ref {r} (no such parameter or resource)"))
            }
            ("Sub", Node::Str(s)) => self.sub(s, None, whole),
            ("Sub", Node::Seq(v)) if v.len() == 2 => match &v[0] {
                Node::Str(s) => self.sub(s, Some(&v[1]), whole),
                _ => Res::Unknown(format!("{whole} (not resolved)")),
            },
            ("FindInMap", Node::Seq(v)) if v.len() >= 3 => {
                let mut keys = Vec::with_capacity(3);
                for k in &v[..3] {
                    match self.string(k) {
                        Ok((s, _)) => keys.push(s),
                        Err(why) => return Res::Unknown(format!("{whole} ({why})")),
                    }
                }
                match self
                    .mappings
                    .get(&keys[0])
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                {
                    Some(found) => match self.resolve(found) {
                        Res::Known(x, _) => Res::Known(
                            x,
                            Some(format!("Mappings.{}.{}.{}", keys[0], keys[1], keys[2])),
                        ),
                        u => u,
                    },
                    None => Res::Unknown(format!("{whole} (no such entry in Mappings)")),
                }
            }
            ("Join", Node::Seq(v)) if v.len() == 2 => {
                let sep = match self.string(&v[0]) {
                    Ok((s, _)) => s,
                    Err(why) => return Res::Unknown(why),
                };
                match self.resolve(&v[1]) {
                    Res::Known(Node::Seq(items), note) => {
                        let mut parts = Vec::with_capacity(items.len());
                        for it in &items {
                            match self.string(it) {
                                Ok((s, _)) => parts.push(s),
                                Err(why) => return Res::Unknown(why),
                            }
                        }
                        Res::Known(Node::Str(parts.join(&sep)), note)
                    }
                    Res::Known(..) => Res::Unknown(format!("{whole} (not a list)")),
                    Res::Unknown(why) => Res::Unknown(why),
                }
            }
            ("Select", Node::Seq(v)) if v.len() == 2 => {
                let idx = match self.string(&v[0]).map(|(s, _)| s.parse::<usize>()) {
                    Ok(Ok(i)) => i,
                    Ok(Err(_)) => return Res::Unknown(format!("{whole} (bad index)")),
                    Err(why) => return Res::Unknown(why),
                };
                match self.resolve(&v[1]) {
                    Res::Known(Node::Seq(items), note) => match items.get(idx) {
                        Some(x) => Res::Known(x.clone(), note),
                        None => Res::Unknown(format!("{whole} (index out of range)")),
                    },
                    Res::Known(..) => Res::Unknown(format!("{whole} (not a list)")),
                    Res::Unknown(why) => Res::Unknown(why),
                }
            }
            ("If", _) => Res::Unknown(format!("{whole} (a condition, decided at deploy time)")),
            ("GetAtt", _) => Res::Unknown(format!("{whole} (an attribute, known at deploy time)")),
            _ => Res::Unknown(format!("{whole} (not resolved by lmi-sim init)")),
        }
    }

    /// `!Sub`: `${Name}` from the variables map, then the parameters;
    /// `${!Literal}` is `${Literal}`.
    fn sub(&self, s: &str, vars: Option<&Node>, whole: &Node) -> Res {
        let mut out = String::with_capacity(s.len());
        let mut notes: Vec<String> = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let var = &after[..j];
            rest = &after[j + 1..];
            if let Some(lit) = var.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let value = match vars.and_then(|m| m.get(var)) {
                Some(v) => self.string(v),
                None => match self.parameter(var) {
                    Some(Res::Known(v, note)) => self.string(&v).map(|(s, _)| (s, note)),
                    Some(Res::Unknown(why)) => Err(why),
                    None if var.starts_with("AWS::") => {
                        Err(format!("${{{var}}} is known at deploy time"))
                    }
                    None => Err(format!("${{{var}}} is known at deploy time")),
                },
            };
            match value {
                Ok((v, note)) => {
                    out.push_str(&v);
                    notes.extend(note);
                }
                Err(why) => return Res::Unknown(format!("{whole} ({why})")),
            }
        }
        out.push_str(rest);
        notes.dedup();
        Res::Known(
            Node::Str(out),
            (!notes.is_empty()).then(|| notes.join("; ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::node::parse;
    use super::*;

    fn with(template: &str, expr: &str) -> Res {
        let t = parse(template, "t.yaml").unwrap();
        let e = parse(&format!("x: {expr}\n"), "e.yaml").unwrap();
        let null = Node::Null;
        let r = Resolver {
            parameters: t.get("Parameters").unwrap_or(&null),
            mappings: t.get("Mappings").unwrap_or(&null),
            resources: t.get("Resources").unwrap_or(&null),
        };
        r.resolve(e.get("x").unwrap())
    }

    const T: &str = "Parameters:\n  Mem:\n    Type: Number\n    Default: 4096\n  NoDef:\n    Type: Number\n  Env:\n    Type: String\n    Default: prod\n  Types:\n    Type: CommaDelimitedList\n    Default: 'm7g.large, m7g.xlarge'\nMappings:\n  Sizes:\n    prod:\n      Mem: 8192\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n";

    #[test]
    fn parameters_sub_findinmap_join_select() {
        assert_eq!(
            with(T, "!Ref Mem"),
            Res::Known(Node::Int(4096), Some("the Default of parameter Mem".into()))
        );
        assert_eq!(
            with(T, "!Ref NoDef"),
            Res::Unknown("!Ref NoDef (no Default)".into())
        );
        assert!(matches!(with(T, "!Ref Q"), Res::Unknown(w) if w.contains("physical ID")));
        assert!(matches!(with(T, "!Ref AWS::Region"), Res::Unknown(w) if w.contains("pseudo")));
        assert_eq!(
            with(T, "!Sub 'fn-${Env}-${!Literal}'"),
            Res::Known(
                Node::Str("fn-prod-${Literal}".into()),
                Some("the Default of parameter Env".into())
            )
        );
        assert!(
            matches!(with(T, "!Sub '${AWS::StackName}-cp'"), Res::Unknown(w) if w.contains("AWS::StackName"))
        );
        assert!(matches!(
            with(T, "!FindInMap [Sizes, !Ref Env, Mem]"),
            Res::Known(Node::Int(8192), _)
        ));
        assert_eq!(
            with(T, "!Select [1, !Ref Types]"),
            Res::Known(
                Node::Str("m7g.xlarge".into()),
                Some("the Default of parameter Types".into())
            )
        );
        assert!(
            matches!(with(T, "!Join ['-', [a, !Ref Env]]"), Res::Known(Node::Str(s), _) if s == "a-prod")
        );
        assert!(
            matches!(with(T, "!If [IsProd, 1, 2]"), Res::Unknown(w) if w.contains("condition"))
        );
    }
}
