//! What `lmi-sim init` reads from a template: the capacity provider, the
//! functions on it and their SQS event sources, each value with the template
//! path it came from, and the properties lmi-sim does not model. Reads
//! only; the scenario text is written by `emit`.

use super::InitError;
use super::node::Node;
use super::resolve::{Res, Resolver};

mod sqs;

pub const SAM_PROVIDER: &str = "AWS::Serverless::CapacityProvider";
pub const CFN_PROVIDER: &str = "AWS::Lambda::CapacityProvider";
pub const SAM_FUNCTION: &str = "AWS::Serverless::Function";
pub const CFN_FUNCTION: &str = "AWS::Lambda::Function";
const ESM: &str = "AWS::Lambda::EventSourceMapping";
const QUEUE: &str = "AWS::SQS::Queue";
/// The one metric a scaling policy may track.
pub const METRIC: &str = "LambdaCapacityProviderAverageCPUUtilization";

/// A template value for one scenario key.
#[derive(Clone, Debug, PartialEq)]
pub enum Field<T> {
    Absent,
    /// The value, the template path it came from and, when it was not a
    /// literal, how it was resolved.
    Value {
        v: T,
        from: String,
        note: Option<String>,
    },
    /// The template path and the expression that cannot be resolved.
    Unresolved {
        from: String,
        expr: String,
    },
}

impl<T> Field<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value { v, .. } => Some(v),
            _ => None,
        }
    }
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Value { v, from, note } => Field::Value {
                v: f(v),
                from,
                note,
            },
            Field::Unresolved { from, expr } => Field::Unresolved { from, expr },
        }
    }
}

/// `[capacity_provider]` as the template gives it.
#[derive(Debug)]
pub struct ProviderPlan {
    pub id: String,
    pub ty: String,
    pub architectures: Field<Vec<String>>,
    pub allowed: Field<Vec<String>>,
    pub excluded: Field<Vec<String>>,
    pub max_vcpu: Field<i64>,
    pub scaling_mode: Field<String>,
    /// (PredefinedMetricType, TargetValue) of each policy.
    pub policies: Field<Vec<(String, f64)>>,
    /// How many subnets `VpcConfig.SubnetIds` lists.
    pub subnets: Field<usize>,
    /// Properties lmi-sim does not model: (path below the resource, value).
    pub ignored: Vec<(String, String)>,
}

/// An SQS event source of a function.
#[derive(Debug)]
pub struct SqsPlan {
    /// Where it is declared (`Properties.Events.Q` or `Resources.M`).
    pub from: String,
    pub queue: String,
    pub batch_size: Field<i64>,
    pub window_s: Field<f64>,
    pub max_concurrency: Field<i64>,
    pub visibility_s: Field<i64>,
    pub max_receive: Field<i64>,
    pub ignored: Vec<(String, String)>,
}

/// One `[[functions]]` entry as the template gives it.
#[derive(Debug)]
pub struct FunctionPlan {
    pub id: String,
    pub ty: String,
    pub runtime: Field<String>,
    pub memory_mb: Field<i64>,
    pub gib_per_vcpu: Field<f64>,
    pub max_concurrency: Field<i64>,
    pub min_ees: Field<i64>,
    pub max_ees: Field<i64>,
    pub architectures: Field<Vec<String>>,
    pub sqs: Option<SqsPlan>,
    /// Notes on event sources not modelled (or not used).
    pub events: Vec<String>,
    pub ignored: Vec<(String, String)>,
}

/// The template, ready to be read.
pub struct Template<'a> {
    pub file: &'a str,
    pub root: &'a Node,
    pub resources: &'a Node,
    pub resolver: Resolver<'a>,
    null: &'a Node,
}

/// Where a property is looked up: the resource's `Properties`, then (SAM
/// functions) `Globals.Function`; a function's own value wins, maps merge.
struct Layers<'a> {
    layers: Vec<(String, &'a Node)>,
}

impl<'a> Layers<'a> {
    fn find(&self, path: &[&str]) -> Option<(&'a Node, String)> {
        for (prefix, node) in &self.layers {
            let mut n: &'a Node = node;
            let mut ok = true;
            for p in path {
                match n.get(p) {
                    Some(x) => n = x,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                return Some((n, format!("{prefix}.{}", path.join("."))));
            }
        }
        None
    }

    /// Every key under `path` in any layer, first layer first, no repeats.
    fn keys(&self, path: &[&str]) -> Vec<(String, &'a Node, String)> {
        let mut out: Vec<(String, &'a Node, String)> = Vec::new();
        for (prefix, node) in &self.layers {
            let mut n: &'a Node = node;
            let mut ok = true;
            for p in path {
                match n.get(p) {
                    Some(x) => n = x,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            for (k, v) in n.entries() {
                if !out.iter().any(|(o, _, _)| o == k) {
                    let mut full = path.to_vec();
                    full.push(k);
                    out.push((k.clone(), v, format!("{prefix}.{}", full.join("."))));
                }
            }
        }
        out
    }
}

/// `!GetAtt A.B` or `{"Fn::GetAtt": ["A", "B"]}` as (A, B).
pub fn getatt(n: &Node) -> Option<(String, String)> {
    match n {
        Node::Fn(f, arg) if f == "GetAtt" => match arg.as_ref() {
            Node::Str(s) => s
                .split_once('.')
                .map(|(a, b)| (a.to_string(), b.to_string())),
            Node::Seq(v) if v.len() == 2 => Some((v[0].as_str()?.into(), v[1].as_str()?.into())),
            _ => None,
        },
        _ => None,
    }
}

/// A one-line, bounded rendering of a value for a comment.
pub fn shown(n: &Node) -> String {
    let s = n.to_string().replace(['\n', '\r'], " ");
    if s.chars().count() > 90 {
        let cut: String = s.chars().take(87).collect();
        format!("{cut}…")
    } else {
        s
    }
}

impl<'a> Template<'a> {
    pub fn new(file: &'a str, root: &'a Node, null: &'a Node) -> Result<Self, InitError> {
        let resources = match root.get("Resources") {
            Some(r @ Node::Map(_)) => r,
            _ => {
                return Err(InitError(format!(
                    "{file}: not a CloudFormation or SAM template: it has no `Resources` map"
                )));
            }
        };
        Ok(Template {
            file,
            root,
            resources,
            resolver: Resolver {
                parameters: root.get("Parameters").unwrap_or(null),
                mappings: root.get("Mappings").unwrap_or(null),
                resources,
            },
            null,
        })
    }

    pub fn type_of(&self, id: &str) -> Option<&'a str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }

    /// Logical IDs of the resources of these types, in template order.
    pub fn ids_of(&self, types: &[&str]) -> Vec<String> {
        self.resources
            .entries()
            .iter()
            .filter(|(_, r)| {
                r.get("Type")
                    .and_then(Node::as_str)
                    .is_some_and(|t| types.contains(&t))
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn props(&self, id: &str) -> &'a Node {
        self.resources
            .get(id)
            .and_then(|r| r.get("Properties"))
            .unwrap_or(self.null)
    }

    fn layers(&self, id: &str) -> Layers<'a> {
        let mut layers = vec![(format!("Resources.{id}.Properties"), self.props(id))];
        if self.type_of(id) == Some(SAM_FUNCTION)
            && let Some(g) = self.root.get("Globals").and_then(|g| g.get("Function"))
        {
            layers.push(("Globals.Function".to_string(), g));
        }
        Layers { layers }
    }

    fn bad(&self, from: &str, n: &Node, allowed: &str) -> InitError {
        InitError(format!("{}: {from} = {}: {allowed}", self.file, shown(n)))
    }

    /// Resolves the value at `path`.
    fn field(&self, l: &Layers<'a>, path: &[&str]) -> Field<(Node, &'a Node)> {
        let Some((n, from)) = l.find(path) else {
            return Field::Absent;
        };
        match self.resolver.resolve(n) {
            Res::Known(v, note) => Field::Value {
                v: (v, n),
                from,
                note,
            },
            Res::Unknown(expr) => Field::Unresolved { from, expr },
        }
    }

    fn int(&self, l: &Layers<'a>, path: &[&str]) -> Result<Field<i64>, InitError> {
        let f = self.field(l, path);
        if let Field::Value {
            v: (v, raw), from, ..
        } = &f
        {
            let ok = match v {
                Node::Int(_) => true,
                Node::Float(x) => x.fract() == 0.0 && x.abs() < 1e15,
                Node::Str(s) => s.trim().parse::<i64>().is_ok(),
                _ => false,
            };
            if !ok {
                return Err(self.bad(from, raw, "expected an integer"));
            }
        }
        Ok(f.map(|(v, _)| match v {
            Node::Int(i) => i,
            Node::Float(x) => x as i64,
            Node::Str(s) => s.trim().parse().unwrap_or(0),
            _ => 0,
        }))
    }

    fn num(&self, l: &Layers<'a>, path: &[&str]) -> Result<Field<f64>, InitError> {
        let f = self.field(l, path);
        if let Field::Value {
            v: (v, raw), from, ..
        } = &f
        {
            let ok = match v {
                Node::Int(_) => true,
                Node::Float(x) => x.is_finite(),
                Node::Str(s) => s.trim().parse::<f64>().is_ok_and(f64::is_finite),
                _ => false,
            };
            if !ok {
                return Err(self.bad(from, raw, "expected a number"));
            }
        }
        Ok(f.map(|(v, _)| match v {
            Node::Int(i) => i as f64,
            Node::Float(x) => x,
            Node::Str(s) => s.trim().parse().unwrap_or(0.0),
            _ => 0.0,
        }))
    }

    fn string(&self, l: &Layers<'a>, path: &[&str]) -> Result<Field<String>, InitError> {
        let f = self.field(l, path);
        if let Field::Value {
            v: (v, raw), from, ..
        } = &f
            && !matches!(v, Node::Str(_))
        {
            return Err(self.bad(from, raw, "expected a string"));
        }
        Ok(f.map(|(v, _)| match v {
            Node::Str(s) => s,
            _ => String::new(),
        }))
    }

    fn strings(&self, l: &Layers<'a>, path: &[&str]) -> Result<Field<Vec<String>>, InitError> {
        let f = self.field(l, path);
        if let Field::Value {
            v: (v, raw), from, ..
        } = &f
        {
            let ok =
                matches!(v, Node::Seq(items) if items.iter().all(|i| matches!(i, Node::Str(_))));
            if !ok {
                return Err(self.bad(from, raw, "expected a list of strings"));
            }
        }
        Ok(f.map(|(v, _)| match v {
            Node::Seq(items) => items
                .into_iter()
                .filter_map(|i| match i {
                    Node::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }))
    }

    /// The properties under `path` that are not in `modelled`.
    fn ignored(&self, l: &Layers<'a>, path: &[&str], modelled: &[&str]) -> Vec<(String, String)> {
        l.keys(path)
            .into_iter()
            .filter(|(k, _, _)| !modelled.contains(&k.as_str()))
            .map(|(k, v, _)| {
                let mut p: Vec<&str> = path.to_vec();
                p.push(&k);
                (p.join("."), shown(v))
            })
            .collect()
    }

    // ------------------------------------------------------------ provider

    pub fn provider(&self, id: &str) -> Result<ProviderPlan, InitError> {
        let ty = self.type_of(id).unwrap_or_default().to_string();
        let l = self.layers(id);
        let sam = ty == SAM_PROVIDER;
        let (allowed_key, excluded_key) = if sam {
            ("AllowedTypes", "ExcludedTypes")
        } else {
            ("AllowedInstanceTypes", "ExcludedInstanceTypes")
        };
        let ir = "InstanceRequirements";
        let mut ignored = self.ignored(
            &l,
            &[],
            &[
                "InstanceRequirements",
                "VpcConfig",
                if sam {
                    "ScalingConfig"
                } else {
                    "CapacityProviderScalingConfig"
                },
            ],
        );
        ignored.extend(self.ignored(&l, &[ir], &["Architectures", allowed_key, excluded_key]));
        ignored.extend(self.ignored(&l, &["VpcConfig"], &["SubnetIds"]));
        let (max_vcpu, scaling_mode, policies) = if sam {
            let sc = "ScalingConfig";
            ignored.extend(self.ignored(&l, &[sc], &["MaxVCpuCount", "AverageCPUUtilization"]));
            let target = self.num(&l, &[sc, "AverageCPUUtilization"])?;
            let (mode, policies) = match &target {
                Field::Absent => (Field::Absent, Field::Absent),
                Field::Value { v, from, note } => (
                    Field::Value {
                        v: "Manual".to_string(),
                        from: from.clone(),
                        note: Some("SAM sets it with AverageCPUUtilization".into()),
                    },
                    Field::Value {
                        v: vec![(METRIC.to_string(), *v)],
                        from: from.clone(),
                        note: note.clone(),
                    },
                ),
                Field::Unresolved { from, expr } => (
                    Field::Absent,
                    Field::Unresolved {
                        from: from.clone(),
                        expr: expr.clone(),
                    },
                ),
            };
            (self.int(&l, &[sc, "MaxVCpuCount"])?, mode, policies)
        } else {
            let sc = "CapacityProviderScalingConfig";
            ignored.extend(self.ignored(
                &l,
                &[sc],
                &["MaxVCpuCount", "ScalingMode", "ScalingPolicies"],
            ));
            let policies = match self.field(&l, &[sc, "ScalingPolicies"]) {
                Field::Absent => Field::Absent,
                Field::Unresolved { from, expr } => Field::Unresolved { from, expr },
                Field::Value {
                    v: (v, raw),
                    from,
                    note,
                } => {
                    let Node::Seq(items) = &v else {
                        return Err(self.bad(
                            &from,
                            raw,
                            "expected a list of { PredefinedMetricType, TargetValue }",
                        ));
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for (i, p) in items.iter().enumerate() {
                        let pk = format!("{from}[{i}]");
                        let metric = match p.get("PredefinedMetricType") {
                            Some(Node::Str(s)) => s.clone(),
                            Some(o) => {
                                return Err(self.bad(
                                    &format!("{pk}.PredefinedMetricType"),
                                    o,
                                    "expected a string",
                                ));
                            }
                            None => {
                                return Err(InitError(format!(
                                    "{}: {pk}.PredefinedMetricType: missing",
                                    self.file
                                )));
                            }
                        };
                        let target = match p.get("TargetValue") {
                            Some(Node::Int(i)) => *i as f64,
                            Some(Node::Float(x)) => *x,
                            Some(Node::Str(s)) if s.trim().parse::<f64>().is_ok() => {
                                s.trim().parse().unwrap_or(0.0)
                            }
                            Some(o) => {
                                return Err(self.bad(
                                    &format!("{pk}.TargetValue"),
                                    o,
                                    "expected a number",
                                ));
                            }
                            None => {
                                return Err(InitError(format!(
                                    "{}: {pk}.TargetValue: missing",
                                    self.file
                                )));
                            }
                        };
                        out.push((metric, target));
                    }
                    Field::Value { v: out, from, note }
                }
            };
            (
                self.int(&l, &[sc, "MaxVCpuCount"])?,
                self.string(&l, &[sc, "ScalingMode"])?,
                policies,
            )
        };
        // A literal list counts even when its entries are `!Ref Subnet1`, ….
        let subnets = match l.find(&["VpcConfig", "SubnetIds"]) {
            None => Field::Absent,
            Some((Node::Seq(items), from)) => Field::Value {
                v: items.len(),
                from,
                note: None,
            },
            Some((raw, from)) => match self.resolver.resolve(raw) {
                Res::Known(Node::Seq(items), note) => Field::Value {
                    v: items.len(),
                    from,
                    note,
                },
                Res::Known(..) => {
                    return Err(self.bad(&from, raw, "expected a list of subnet IDs"));
                }
                Res::Unknown(expr) => Field::Unresolved { from, expr },
            },
        };
        Ok(ProviderPlan {
            id: id.to_string(),
            ty,
            architectures: self.strings(&l, &[ir, "Architectures"])?,
            allowed: self.strings(&l, &[ir, allowed_key])?,
            excluded: self.strings(&l, &[ir, excluded_key])?,
            max_vcpu,
            scaling_mode,
            policies,
            subnets,
            ignored,
        })
    }

    /// The capacity provider's name, when the template fixes it.
    fn provider_name(&self, id: &str) -> Option<String> {
        let n = self.props(id).get("CapacityProviderName")?;
        match self.resolver.resolve(n) {
            Res::Known(Node::Str(s), _) => Some(s),
            _ => None,
        }
    }

    // ------------------------------------------------------------ function

    /// The path and value of a function's capacity provider ARN, if it has one.
    pub fn provider_arn(&self, id: &str) -> Option<(&'a Node, String)> {
        let l = self.layers(id);
        if self.type_of(id) == Some(SAM_FUNCTION) {
            l.find(&["CapacityProviderConfig", "Arn"])
        } else {
            l.find(&[
                "CapacityProviderConfig",
                "LambdaManagedInstancesCapacityProviderConfig",
                "CapacityProviderArn",
            ])
        }
    }

    /// Which capacity provider of the template a function's ARN names.
    pub fn provider_of(&self, id: &str) -> Result<Option<String>, InitError> {
        let Some((n, from)) = self.provider_arn(id) else {
            return Ok(None);
        };
        let providers = self.ids_of(&[SAM_PROVIDER, CFN_PROVIDER]);
        let listed = if providers.is_empty() {
            "none".to_string()
        } else {
            providers.join(", ")
        };
        let nothing = |what: String| {
            InitError(format!(
                "{}: {from} = {}: {what}; the template's capacity providers: {listed} (write `!GetAtt <provider>.Arn`)",
                self.file,
                shown(n)
            ))
        };
        let target = |rid: &str| -> Result<String, InitError> {
            match self.type_of(rid) {
                Some(SAM_PROVIDER | CFN_PROVIDER) => Ok(rid.to_string()),
                Some(t) => Err(nothing(format!(
                    "refers to `{rid}`, a {t}, not a capacity provider"
                ))),
                None => Err(nothing(format!(
                    "refers to `{rid}`, which is no resource of this template"
                ))),
            }
        };
        if let Some((rid, _)) = getatt(n) {
            return target(&rid).map(Some);
        }
        if let Node::Fn(f, arg) = n
            && f == "Ref"
            && let Node::Str(r) = arg.as_ref()
            && self.resources.get(r).is_some()
        {
            return target(r).map(Some);
        }
        if let Node::Fn(f, arg) = n
            && f == "Sub"
            && let Node::Str(s) = arg.as_ref()
            && let Some(inner) = s.strip_prefix("${").and_then(|x| x.strip_suffix('}'))
            && let Some((rid, _)) = inner.split_once('.')
        {
            return target(rid).map(Some);
        }
        // A literal ARN (or a parameter's Default): by the provider's name.
        match self.resolver.resolve(n) {
            Res::Known(Node::Str(arn), _) => {
                let name = arn.rsplit([':', '/']).next().unwrap_or(&arn);
                providers
                    .iter()
                    .find(|p| self.provider_name(p).as_deref() == Some(name) || p.as_str() == name)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| {
                        nothing(format!(
                            "names capacity provider `{name}`, which is not defined in this template"
                        ))
                    })
            }
            Res::Known(v, _) => Err(nothing(format!("{} is no capacity provider ARN", v.kind()))),
            Res::Unknown(why) => Err(nothing(format!(
                "cannot tell which capacity provider: {why}"
            ))),
        }
    }

    /// The function's name for `--function`: its `FunctionName` when literal.
    pub fn function_name(&self, id: &str) -> Option<String> {
        match self.resolver.resolve(self.props(id).get("FunctionName")?) {
            Res::Known(Node::Str(s), _) => Some(s),
            _ => None,
        }
    }

    pub fn function(&self, id: &str) -> Result<FunctionPlan, InitError> {
        let ty = self.type_of(id).unwrap_or_default().to_string();
        let sam = ty == SAM_FUNCTION;
        let l = self.layers(id);
        let cpc: &[&str] = if sam {
            &["CapacityProviderConfig"]
        } else {
            &[
                "CapacityProviderConfig",
                "LambdaManagedInstancesCapacityProviderConfig",
            ]
        };
        let sub = |k: &'static str| -> Vec<&str> {
            let mut v = cpc.to_vec();
            v.push(k);
            v
        };
        let arn_key = if sam { "Arn" } else { "CapacityProviderArn" };
        let mut modelled = vec![
            "MemorySize",
            "Runtime",
            "Architectures",
            "CapacityProviderConfig",
            "FunctionScalingConfig",
        ];
        if sam {
            modelled.push("Events");
        }
        let mut ignored = self.ignored(&l, &[], &modelled);
        if !sam {
            ignored.extend(self.ignored(
                &l,
                &["CapacityProviderConfig"],
                &["LambdaManagedInstancesCapacityProviderConfig"],
            ));
        }
        ignored.extend(self.ignored(
            &l,
            cpc,
            &[
                arn_key,
                "ExecutionEnvironmentMemoryGiBPerVCpu",
                "PerExecutionEnvironmentMaxConcurrency",
            ],
        ));
        ignored.extend(self.ignored(
            &l,
            &["FunctionScalingConfig"],
            &["MinExecutionEnvironments", "MaxExecutionEnvironments"],
        ));

        let mut events = Vec::new();
        let mut sqs: Vec<SqsPlan> = Vec::new();
        if sam {
            for (name, ev, from) in l.keys(&["Events"]) {
                let t = ev.get("Type").and_then(Node::as_str).unwrap_or("(no Type)");
                let short = from
                    .trim_start_matches(&format!("Resources.{id}."))
                    .to_string();
                if t == "SQS" {
                    let p = ev.get("Properties").unwrap_or(self.null);
                    let el = Layers {
                        layers: vec![(format!("{from}.Properties"), p)],
                    };
                    sqs.push(self.sqs(
                        &el,
                        &short,
                        p.get("Queue"),
                        &format!("{short}.Properties"),
                        &["Queue"],
                    )?);
                } else {
                    let how = match t {
                        "Api" | "HttpApi" => {
                            "a synchronous invocation, as lmi-sim's default event source (no [functions.source])"
                        }
                        "S3" | "SNS" | "EventBridgeRule" | "CloudWatchEvent" | "Schedule"
                        | "ScheduleV2" | "CloudWatchLogs" | "IoTRule" | "Cognito" => {
                            "an asynchronous invocation: set [functions.source] type = \"async\" to model it"
                        }
                        _ => "not modelled by lmi-sim init",
                    };
                    events.push(format!("{short} (Type {t}): {how}"));
                    let _ = name;
                }
            }
        }
        // AWS::Lambda::EventSourceMapping resources whose FunctionName is this function.
        let fname = self.function_name(id);
        for esm in self.ids_of(&[ESM]) {
            let p = self.props(&esm);
            let Some(target) = p.get("FunctionName") else {
                continue;
            };
            let mine = match (getatt(target), target) {
                (Some((rid, _)), _) => rid == id,
                (None, Node::Fn(f, a)) if f == "Ref" => a.as_str() == Some(id),
                _ => match self.resolver.resolve(target) {
                    Res::Known(Node::Str(s), _) => {
                        let last = s.rsplit(':').next().unwrap_or(&s).to_string();
                        fname.as_deref().is_some_and(|n| n == s || n == last)
                    }
                    _ => false,
                },
            };
            if !mine {
                continue;
            }
            let src = p.get("EventSourceArn");
            if src.is_some_and(|s| self.is_sqs(s)) {
                let el = Layers {
                    layers: vec![(format!("Resources.{esm}.Properties"), p)],
                };
                sqs.push(self.sqs(
                    &el,
                    &format!("Resources.{esm}"),
                    src,
                    &format!("Resources.{esm}.Properties"),
                    &["EventSourceArn", "FunctionName"],
                )?);
            } else {
                events.push(format!(
                    "Resources.{esm} ({ESM}, EventSourceArn {}): not an SQS queue lmi-sim can tell; not modelled",
                    src.map_or("(none)".to_string(), shown)
                ));
            }
        }
        let mut sqs_iter = sqs.into_iter();
        let first = sqs_iter.next();
        for other in sqs_iter {
            events.push(format!(
                "{} (SQS queue {}): a second SQS source; a scenario function has one, so only {} is used",
                other.from,
                other.queue,
                first.as_ref().map_or("", |f| f.from.as_str())
            ));
        }
        Ok(FunctionPlan {
            id: id.to_string(),
            ty,
            runtime: self.string(&l, &["Runtime"])?,
            memory_mb: self.int(&l, &["MemorySize"])?,
            gib_per_vcpu: self.num(&l, &sub("ExecutionEnvironmentMemoryGiBPerVCpu"))?,
            max_concurrency: self.int(&l, &sub("PerExecutionEnvironmentMaxConcurrency"))?,
            min_ees: self.int(&l, &["FunctionScalingConfig", "MinExecutionEnvironments"])?,
            max_ees: self.int(&l, &["FunctionScalingConfig", "MaxExecutionEnvironments"])?,
            architectures: self.strings(&l, &["Architectures"])?,
            sqs: first,
            events,
            ignored,
        })
    }
}
