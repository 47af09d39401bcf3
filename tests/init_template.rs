//! `lmi-sim init --from TEMPLATE` on the real binary: the bundled SAM sample
//! and CloudFormation/SAM templates written here become scenarios that
//! validate and run, with the template's values (each compared by parsing
//! both files); bad templates exit 2 with a message naming the template and
//! the resource/property path.

use serde_json::Value as J;
use std::path::Path;
use std::process::{Command, Output};

const SAMPLE: &str = "data/samples/sam-webhook/template.yaml";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("start lmi-sim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

/// `init --from template` to stdout: the scenario text (asserts exit 0).
fn init(template: &str, extra: &[&str]) -> String {
    let mut args = vec!["init", "--from", template];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "init failed: {}", text(&o.stderr));
    text(&o.stdout)
}

/// `init` that must fail with exit 2: its stderr.
fn init_err(template: &str, extra: &[&str]) -> String {
    let mut args = vec!["init", "--from", template];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "nothing on stdout on error");
    text(&o.stderr)
}

/// Writes the scenario, validates and runs it through the binary; returns
/// the run's summary.json.
fn validate_and_run(dir: &Path, scenario: &str) -> J {
    let file = write(dir, "scenario.toml", scenario);
    let o = run(&["validate", &file]);
    assert!(o.status.success(), "validate: {}", text(&o.stderr));
    let out = dir.join("out");
    let o = run(&[
        "run",
        &file,
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
        "--quiet",
    ]);
    assert!(o.status.success(), "run: {}", text(&o.stderr));
    let name = toml_value(scenario)["name"].as_str().unwrap().to_string();
    let s = std::fs::read_to_string(out.join(name).join("summary.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn toml_value(s: &str) -> toml::Value {
    toml::from_str(s).expect("the generated scenario is TOML")
}

/// A value at a dotted path (`a.b[0].c`) of a JSON tree.
fn at<'a>(v: &'a J, path: &str) -> Option<&'a J> {
    let mut cur = v;
    for part in path.split('.') {
        let (key, idx) = match part.split_once('[') {
            Some((k, i)) => (k, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (part, None),
        };
        cur = cur.get(key)?;
        if let Some(i) = idx {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// The scenario as JSON, to address both files the same way.
fn scenario_json(s: &str) -> J {
    serde_json::to_value(toml_value(s)).unwrap()
}

fn template_json(path: &str) -> J {
    let body = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|_| std::fs::read_to_string(path).unwrap());
    if body.trim_start().starts_with('{') {
        serde_json::from_str(&body).unwrap()
    } else {
        let y: serde_norway::Value = serde_norway::from_str(&body).unwrap();
        serde_json::to_value(y).unwrap()
    }
}

/// Numbers compare as numbers (the template's `2.0` is the scenario's `2`).
fn same(a: &J, b: &J) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// For each (template path, scenario path): when the template has a literal
/// value there, the scenario has the same; when it has none, neither does
/// the scenario (lmi-sim's default, the same as AWS's, applies). Returns how
/// many values were compared.
fn compare(template: &J, scenario: &J, pairs: &[(&str, &str)]) -> usize {
    let mut n = 0;
    for (tp, sp) in pairs {
        match (at(template, tp), at(scenario, sp)) {
            (Some(t), Some(s)) => {
                assert!(
                    same(t, s),
                    "{tp} = {t} in the template but {sp} = {s} in the scenario"
                );
                n += 1;
            }
            (None, None) => {}
            (t, s) => panic!("{tp} = {t:?} in the template but {sp} = {s:?} in the scenario"),
        }
    }
    n
}

#[test]
fn sam_webhook_sample_becomes_a_scenario_that_validates_and_runs() {
    let s = init(SAMPLE, &[]);
    let t = template_json(SAMPLE);
    let j = scenario_json(&s);
    let f = "Resources.WebhookProcessorFunction.Properties";
    let p = "Resources.WebhookCapacityProvider.Properties";
    let compared = compare(
        &t,
        &j,
        &[
            (&format!("{f}.MemorySize"), "functions[0].MemorySize"),
            (
                &format!("{f}.CapacityProviderConfig.ExecutionEnvironmentMemoryGiBPerVCpu"),
                "functions[0].ExecutionEnvironmentMemoryGiBPerVCpu",
            ),
            (
                &format!("{f}.CapacityProviderConfig.PerExecutionEnvironmentMaxConcurrency"),
                "functions[0].PerExecutionEnvironmentMaxConcurrency",
            ),
            (
                &format!("{f}.FunctionScalingConfig.MinExecutionEnvironments"),
                "functions[0].MinExecutionEnvironments",
            ),
            (
                &format!("{f}.FunctionScalingConfig.MaxExecutionEnvironments"),
                "functions[0].MaxExecutionEnvironments",
            ),
            (
                &format!("{p}.ScalingConfig.MaxVCpuCount"),
                "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount",
            ),
            (
                &format!("{p}.InstanceRequirements.AllowedTypes"),
                "capacity_provider.InstanceRequirements.AllowedInstanceTypes",
            ),
            (
                &format!("{p}.InstanceRequirements.ExcludedTypes"),
                "capacity_provider.InstanceRequirements.ExcludedInstanceTypes",
            ),
        ],
    );
    // MemorySize 4096, ratio 2.0, concurrency 16, MaxVCpuCount 30.
    assert_eq!(compared, 4);
    assert_eq!(at(&j, "functions[0].MemorySize"), Some(&J::from(4096)));
    assert_eq!(
        at(
            &j,
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount"
        ),
        Some(&J::from(30))
    );
    assert_eq!(
        at(&j, "functions[0].name"),
        Some(&J::from("WebhookProcessorFunction"))
    );
    // The template has no Runtime: a placeholder, said so.
    assert!(at(&t, &format!("{f}.Runtime")).is_none());
    assert!(
        s.contains("Runtime = \"python3.13\"  # PLACEHOLDER: the template gives no Runtime"),
        "{s}"
    );
    // No Architectures anywhere: x86_64, AWS's default.
    assert_eq!(
        at(&j, "capacity_provider.InstanceRequirements.Architectures"),
        Some(&serde_json::json!(["x86_64"]))
    );
    // Three subnets (each a !Ref): three AZs.
    assert_eq!(
        at(&j, "capacity_provider.availability_zones"),
        Some(&J::from(3))
    );
    // No SQS event: synchronous, the default; the Api event is noted.
    assert!(at(&j, "functions[0].source").is_none());
    assert!(
        s.contains("PostWebhook (Type Api): a synchronous invocation"),
        "{s}"
    );
    // Unmodelled properties are listed with their values as written.
    for line in [
        "#   CapacityProviderName = !Sub ${AWS::StackName}-cp",
        "#   VpcConfig.SecurityGroupIds = [!Ref SecurityGroupId]",
        "#   Handler = app.lambda_handler",
        "#   Timeout = 30",
        "#   AutoPublishAlias = live",
        "#   Environment = {Variables: {TABLE_NAME: !Ref WebhookEventsTable}}",
    ] {
        assert!(s.contains(line), "missing `{line}` in\n{s}");
    }
    // Placeholders are marked as such.
    assert!(s.contains("horizon = \"1h\"  # PLACEHOLDER"));
    assert!(s.contains("# PLACEHOLDER traffic"));
    assert!(s.contains("# PLACEHOLDER work per request"));

    let dir = tempfile::tempdir().unwrap();
    let sum = validate_and_run(dir.path(), &s);
    // 10 requests/s over 1 h, Poisson (seed 1): served on both platforms.
    let arrivals = sum["arrivals"].as_u64().unwrap();
    assert!((35_000..=37_000).contains(&arrivals), "arrivals {arrivals}");
    assert_eq!(sum["functions"][0]["lmi"]["throttled"], J::from(0));
}

#[test]
fn stdout_and_out_file_are_the_same_and_out_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.toml");
    let o = run(&["init", "--from", SAMPLE, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), init(SAMPLE, &[]));
    std::fs::write(&out, "keep me").unwrap();
    let e = init_err(SAMPLE, &["--out", out.to_str().unwrap()]);
    assert!(
        e.contains("the file exists; pass --force to replace it"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let o = run(&[
        "init",
        "--from",
        SAMPLE,
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("# Generated by `lmi-sim init")
    );
}

/// A CloudFormation (AWS::Lambda::*) JSON template with every modelled
/// property, a parameter, a queue and its event source mapping.
const CFN: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {
    "Mem": { "Type": "Number", "Default": "4096" },
    "Target": { "Type": "Number", "Default": 55 }
  },
  "Resources": {
    "Fleet": {
      "Type": "AWS::Lambda::CapacityProvider",
      "Properties": {
        "CapacityProviderName": "telemetry-fleet",
        "VpcConfig": { "SubnetIds": ["subnet-a", "subnet-b"], "SecurityGroupIds": ["sg-1"] },
        "PermissionsConfig": { "CapacityProviderOperatorRoleArn": { "Fn::GetAtt": ["OperatorRole", "Arn"] } },
        "InstanceRequirements": {
          "Architectures": ["arm64"],
          "AllowedInstanceTypes": ["m7g.xlarge", "m7g.2xlarge"]
        },
        "CapacityProviderScalingConfig": {
          "MaxVCpuCount": 200,
          "ScalingMode": "Manual",
          "ScalingPolicies": [
            { "PredefinedMetricType": "LambdaCapacityProviderAverageCPUUtilization", "TargetValue": { "Ref": "Target" } }
          ]
        }
      }
    },
    "OperatorRole": { "Type": "AWS::IAM::Role", "Properties": {} },
    "Queue": {
      "Type": "AWS::SQS::Queue",
      "Properties": {
        "VisibilityTimeout": 60,
        "RedrivePolicy": { "deadLetterTargetArn": { "Fn::GetAtt": ["Dlq", "Arn"] }, "maxReceiveCount": 10 }
      }
    },
    "Dlq": { "Type": "AWS::SQS::Queue" },
    "Processor": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "FunctionName": "telemetry-processor",
        "Runtime": "nodejs22.x",
        "Handler": "index.handler",
        "Role": { "Fn::GetAtt": ["OperatorRole", "Arn"] },
        "MemorySize": { "Ref": "Mem" },
        "Architectures": ["arm64"],
        "CapacityProviderConfig": {
          "LambdaManagedInstancesCapacityProviderConfig": {
            "CapacityProviderArn": { "Fn::GetAtt": ["Fleet", "Arn"] },
            "ExecutionEnvironmentMemoryGiBPerVCpu": 4,
            "PerExecutionEnvironmentMaxConcurrency": 5
          }
        },
        "FunctionScalingConfig": { "MinExecutionEnvironments": 3, "MaxExecutionEnvironments": 40 }
      }
    },
    "Mapping": {
      "Type": "AWS::Lambda::EventSourceMapping",
      "Properties": {
        "FunctionName": { "Ref": "Processor" },
        "EventSourceArn": { "Fn::GetAtt": ["Queue", "Arn"] },
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 1,
        "ScalingConfig": { "MaximumConcurrency": 100 },
        "FunctionResponseTypes": ["ReportBatchItemFailures"]
      }
    }
  }
}"#;

#[test]
fn cloudformation_json_template_maps_every_modelled_property() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "telemetry.json", CFN);
    let s = init(&path, &[]);
    let t: J = serde_json::from_str(CFN).unwrap();
    let j = scenario_json(&s);
    let f = "Resources.Processor.Properties";
    let c = "Resources.Processor.Properties.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig";
    let p = "Resources.Fleet.Properties";
    let m = "Resources.Mapping.Properties";
    let q = "Resources.Queue.Properties";
    let compared = compare(
        &t,
        &j,
        &[
            (&format!("{f}.Runtime"), "functions[0].Runtime"),
            (
                &format!("{c}.ExecutionEnvironmentMemoryGiBPerVCpu"),
                "functions[0].ExecutionEnvironmentMemoryGiBPerVCpu",
            ),
            (
                &format!("{c}.PerExecutionEnvironmentMaxConcurrency"),
                "functions[0].PerExecutionEnvironmentMaxConcurrency",
            ),
            (
                &format!("{f}.FunctionScalingConfig.MinExecutionEnvironments"),
                "functions[0].MinExecutionEnvironments",
            ),
            (
                &format!("{f}.FunctionScalingConfig.MaxExecutionEnvironments"),
                "functions[0].MaxExecutionEnvironments",
            ),
            (
                &format!("{p}.InstanceRequirements.Architectures"),
                "capacity_provider.InstanceRequirements.Architectures",
            ),
            (
                &format!("{p}.InstanceRequirements.AllowedInstanceTypes"),
                "capacity_provider.InstanceRequirements.AllowedInstanceTypes",
            ),
            (
                &format!("{p}.CapacityProviderScalingConfig.MaxVCpuCount"),
                "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount",
            ),
            (
                &format!("{p}.CapacityProviderScalingConfig.ScalingMode"),
                "capacity_provider.CapacityProviderScalingConfig.ScalingMode",
            ),
            (
                &format!(
                    "{p}.CapacityProviderScalingConfig.ScalingPolicies[0].PredefinedMetricType"
                ),
                "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].PredefinedMetricType",
            ),
            (&format!("{m}.BatchSize"), "functions[0].source.BatchSize"),
            (
                &format!("{m}.MaximumBatchingWindowInSeconds"),
                "functions[0].source.MaximumBatchingWindowInSeconds",
            ),
            (
                &format!("{m}.ScalingConfig.MaximumConcurrency"),
                "functions[0].source.MaximumConcurrency",
            ),
            (
                &format!("{q}.VisibilityTimeout"),
                "functions[0].source.VisibilityTimeout",
            ),
            (
                &format!("{q}.RedrivePolicy.maxReceiveCount"),
                "functions[0].source.maxReceiveCount",
            ),
        ],
    );
    assert_eq!(compared, 15);
    // Through parameters: MemorySize `{"Ref": "Mem"}` (Default "4096") and
    // the policy's TargetValue `{"Ref": "Target"}` (Default 55).
    assert_eq!(
        at(
            &t,
            &format!("{p}.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue.Ref")
        ),
        Some(&J::from("Target"))
    );
    assert_eq!(at(&j, "functions[0].MemorySize"), Some(&J::from(4096)));
    assert!(
        s.contains("MemorySize = 4096  # Properties.MemorySize (the Default of parameter Mem)"),
        "{s}"
    );
    assert_eq!(
        at(
            &j,
            "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue"
        ),
        Some(&J::from(55.0))
    );
    assert_eq!(at(&j, "functions[0].source.type"), Some(&J::from("sqs")));
    assert_eq!(
        at(&j, "capacity_provider.availability_zones"),
        Some(&J::from(2))
    );
    assert!(
        s.contains(
            "Architectures = [\"arm64\"] at Properties.Architectures: the capacity provider's"
        ),
        "{s}"
    );
    for line in [
        "#   PermissionsConfig = {CapacityProviderOperatorRoleArn: !GetAtt [OperatorRole, Arn]}",
        "#   Handler = index.handler",
        "#   Resources.Mapping.Properties.FunctionResponseTypes = [ReportBatchItemFailures]",
    ] {
        assert!(s.contains(line), "missing `{line}` in\n{s}");
    }
    // `--function` by FunctionName gives the same scenario.
    assert_eq!(init(&path, &["--function", "telemetry-processor"]), s);

    let sum = validate_and_run(dir.path(), &s);
    assert!(sum["arrivals"].as_u64().unwrap() > 30_000);
}

/// SAM with Globals, an unresolvable parameter, an SQS event and two
/// functions on one provider.
const SAM: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  MemParam:
    Type: Number
  Stage:
    Type: String
    Default: prod
Mappings:
  Concurrency:
    prod: { PerEE: 8 }
Globals:
  Function:
    Runtime: java21
    Timeout: 60
    CapacityProviderConfig:
      Arn: !GetAtt Fleet.Arn
      ExecutionEnvironmentMemoryGiBPerVCpu: 2.0
Resources:
  Fleet:
    Type: AWS::Serverless::CapacityProvider
    Properties:
      InstanceRequirements:
        ExcludedTypes: [c6i.xlarge]
      ScalingConfig:
        MaxVCpuCount: 64
        AverageCPUUtilization: 60.0
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 120
      RedrivePolicy: '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 5}'
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: worker.Handler::handle
      MemorySize: !Ref MemParam
      CapacityProviderConfig:
        PerExecutionEnvironmentMaxConcurrency: !FindInMap [Concurrency, !Ref Stage, PerEE]
      FunctionScalingConfig:
        MinExecutionEnvironments: 2
      Events:
        FromQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
            BatchSize: 5
            ScalingConfig:
              MaximumConcurrency: 20
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: api.Handler::handle
      MemorySize: 4096
      Runtime: python3.12
  Legacy:
    Type: AWS::Lambda::Function
    Properties:
      Handler: legacy.handler
      Runtime: python3.12
"#;

#[test]
fn sam_globals_parameters_mappings_sqs_and_several_functions() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "orders.yaml", SAM);
    // Globals give CapacityProviderConfig to both SAM functions (not to
    // Legacy, a CloudFormation function without one); both are on Fleet:
    // both are generated.
    let s = init(&path, &[]);
    let j = scenario_json(&s);
    assert_eq!(at(&j, "name"), Some(&J::from("orders")));
    assert_eq!(at(&j, "functions[0].name"), Some(&J::from("Worker")));
    assert_eq!(at(&j, "functions[1].name"), Some(&J::from("Api")));
    assert!(at(&j, "functions[2]").is_none());
    // Globals.Function.Runtime, overridden by Api's own.
    assert_eq!(at(&j, "functions[0].Runtime"), Some(&J::from("java21")));
    assert!(
        s.contains("Runtime = \"java21\"  # Globals.Function.Runtime"),
        "{s}"
    );
    assert_eq!(at(&j, "functions[1].Runtime"), Some(&J::from("python3.12")));
    // !Ref to a parameter without Default: a comment, and LMI's minimum.
    assert!(
        s.contains("# MemorySize: !Ref MemParam (no Default), at Properties.MemorySize: using 2048\nMemorySize = 2048\n"),
        "{s}"
    );
    // !FindInMap through !Ref Stage (Default prod).
    assert_eq!(
        at(&j, "functions[0].PerExecutionEnvironmentMaxConcurrency"),
        Some(&J::from(8))
    );
    assert_eq!(
        at(&j, "functions[0].ExecutionEnvironmentMemoryGiBPerVCpu"),
        Some(&J::from(2))
    );
    assert_eq!(
        at(&j, "functions[0].MinExecutionEnvironments"),
        Some(&J::from(2))
    );
    // SAM's AverageCPUUtilization is a Manual policy.
    let sc = "capacity_provider.CapacityProviderScalingConfig";
    assert_eq!(
        at(&j, &format!("{sc}.ScalingMode")),
        Some(&J::from("Manual"))
    );
    assert_eq!(
        at(&j, &format!("{sc}.ScalingPolicies[0].PredefinedMetricType")),
        Some(&J::from("LambdaCapacityProviderAverageCPUUtilization"))
    );
    assert_eq!(
        at(&j, &format!("{sc}.ScalingPolicies[0].TargetValue")),
        Some(&J::from(60.0))
    );
    assert_eq!(at(&j, &format!("{sc}.MaxVCpuCount")), Some(&J::from(64)));
    assert_eq!(
        at(
            &j,
            "capacity_provider.InstanceRequirements.ExcludedInstanceTypes"
        ),
        Some(&serde_json::json!(["c6i.xlarge"]))
    );
    // The SQS event, with the queue's VisibilityTimeout and RedrivePolicy (JSON text).
    let src = "functions[0].source";
    assert_eq!(at(&j, &format!("{src}.type")), Some(&J::from("sqs")));
    assert_eq!(at(&j, &format!("{src}.BatchSize")), Some(&J::from(5)));
    assert_eq!(
        at(&j, &format!("{src}.MaximumConcurrency")),
        Some(&J::from(20))
    );
    assert_eq!(
        at(&j, &format!("{src}.VisibilityTimeout")),
        Some(&J::from(120))
    );
    assert_eq!(at(&j, &format!("{src}.maxReceiveCount")), Some(&J::from(5)));
    assert!(at(&j, "functions[1].source").is_none());
    assert!(s.contains("Not included: function(s) Legacy"), "{s}");
    // Timeout from Globals is listed as not modelled.
    assert!(s.contains("#   Timeout = 60"), "{s}");
    validate_and_run(dir.path(), &s);

    // --function picks one; an unknown name lists the LMI functions; a
    // function without a capacity provider is refused.
    let one = scenario_json(&init(&path, &["--function", "Api"]));
    assert_eq!(at(&one, "functions[0].name"), Some(&J::from("Api")));
    assert!(at(&one, "functions[1]").is_none());
    let e = init_err(&path, &["--function", "Nope"]);
    assert!(e.contains(&format!("{path}: --function Nope: no function of that logical ID or FunctionName; functions on a capacity provider: Worker, Api")), "{e}");
    let e = init_err(&path, &["--function", "Legacy"]);
    assert!(
        e.contains("Resources.Legacy has no CapacityProviderConfig"),
        "{e}"
    );
}

const TWO_PROVIDERS: &str = r#"
Resources:
  A:
    Type: AWS::Serverless::CapacityProvider
  B:
    Type: AWS::Serverless::CapacityProvider
  F:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.13, MemorySize: 2048, CapacityProviderConfig: { Arn: !GetAtt A.Arn } }
  G:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.13, MemorySize: 2048, CapacityProviderConfig: { Arn: !GetAtt B.Arn } }
"#;

#[test]
fn functions_on_two_providers_need_function() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "two.yaml", TWO_PROVIDERS);
    let e = init_err(&path, &[]);
    assert!(
        e.contains(&format!("{path}: the functions use 2 capacity providers (A: F; B: G); a scenario has one: pick a function with --function NAME")),
        "{e}"
    );
    let s = init(&path, &["--function", "G"]);
    assert!(s.contains("Capacity provider `B`"), "{s}");
    assert!(s.contains("Not included: capacity provider(s) A"), "{s}");
}

#[test]
fn bad_templates_exit_2_naming_the_template_and_the_property() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // No capacity provider (the issue's required case).
    let p = write(
        d,
        "plain.yaml",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n  T:\n    Type: AWS::DynamoDB::Table\n",
    );
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!("{p}: Resources: no capacity provider: the template has no resource of Type AWS::Serverless::CapacityProvider or AWS::Lambda::CapacityProvider (its types: AWS::DynamoDB::Table, AWS::Serverless::Function)")),
        "{e}"
    );

    // A CapacityProviderArn that refers to nothing.
    let p = write(
        d,
        "dangling.yaml",
        "Resources:\n  Cp:\n    Type: AWS::Lambda::CapacityProvider\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.13\n      MemorySize: 2048\n      CapacityProviderConfig:\n        LambdaManagedInstancesCapacityProviderConfig:\n          CapacityProviderArn: !GetAtt Missing.Arn\n",
    );
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!("{p}: Resources.F.Properties.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig.CapacityProviderArn = !GetAtt Missing.Arn: refers to `Missing`, which is no resource of this template; the template's capacity providers: Cp")),
        "{e}"
    );
    // … or to a resource that is no capacity provider, or a literal ARN of another.
    let p = write(
        d,
        "wrong.yaml",
        "Resources:\n  Cp:\n    Type: AWS::Serverless::CapacityProvider\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      CapacityProviderConfig:\n        Arn: !GetAtt Q.Arn\n  G:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      CapacityProviderConfig:\n        Arn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:elsewhere\n",
    );
    let e = init_err(&p, &["--function", "F"]);
    assert!(e.contains("Resources.F.Properties.CapacityProviderConfig.Arn = !GetAtt Q.Arn: refers to `Q`, a AWS::SQS::Queue, not a capacity provider"), "{e}");
    let e = init_err(&p, &["--function", "G"]);
    assert!(
        e.contains("names capacity provider `elsewhere`, which is not defined in this template"),
        "{e}"
    );

    // Unparsable YAML: path:line:column.
    let p = write(
        d,
        "broken.yaml",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n",
    );
    let e = init_err(&p, &[]);
    assert!(e.contains(&format!("{p}:5:1: not valid YAML")), "{e}");
    // Truncated JSON: path:line:column.
    let p = write(d, "broken.json", "{\n  \"Resources\": {\n    \"F\": {\n");
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!("{p}:4:0: not valid JSON: EOF while parsing")),
        "{e}"
    );

    // An unsupported Runtime.
    let p = write(
        d,
        "go.yaml",
        "Resources:\n  Cp:\n    Type: AWS::Serverless::CapacityProvider\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: go1.x\n      MemorySize: 2048\n      CapacityProviderConfig:\n        Arn: !GetAtt Cp.Arn\n",
    );
    let e = init_err(&p, &[]);
    assert!(e.contains(&format!("{p}: Resources.F.Properties.Runtime = \"go1.x\": unsupported Runtime: lmi-sim models LMI's runtimes")), "{e}");

    // A MemorySize LMI does not allow: the validation error names the template's property.
    let p = write(
        d,
        "small.yaml",
        "Resources:\n  Cp:\n    Type: AWS::Serverless::CapacityProvider\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      MemorySize: 1024\n      CapacityProviderConfig:\n        Arn: !GetAtt Cp.Arn\n",
    );
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!(
            "{p}: Resources.F.Properties.MemorySize = 1024: an integer number of MB in 2048..=32768"
        )),
        "{e}"
    );
    assert!(
        e.contains("(as functions[0].MemorySize of the scenario lmi-sim init writes)"),
        "{e}"
    );

    // A value of the wrong type.
    let p = write(
        d,
        "type.yaml",
        "Resources:\n  Cp:\n    Type: AWS::Serverless::CapacityProvider\n    Properties:\n      ScalingConfig:\n        MaxVCpuCount: lots\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n      CapacityProviderConfig:\n        Arn: !GetAtt Cp.Arn\n",
    );
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!(
            "{p}: Resources.Cp.Properties.ScalingConfig.MaxVCpuCount = lots: expected an integer"
        )),
        "{e}"
    );

    // Not a template at all, and a missing file.
    let p = write(d, "x.yaml", "just: text\n");
    let e = init_err(&p, &[]);
    assert!(
        e.contains(&format!(
            "{p}: not a CloudFormation or SAM template: it has no `Resources` map"
        )),
        "{e}"
    );
    let missing = d.join("nope.yaml");
    let e = init_err(missing.to_str().unwrap(), &[]);
    assert!(e.contains("nope.yaml: cannot read the template"), "{e}");
}

#[test]
fn unresolved_values_and_an_architecture_mismatch_are_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "arch.yaml",
        "Conditions:\n  IsProd: !Equals [!Ref AWS::AccountId, '1']\nResources:\n  Cp:\n    Type: AWS::Serverless::CapacityProvider\n    Properties:\n      ScalingConfig:\n        MaxVCpuCount: !If [IsProd, 400, 40]\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      MemorySize: 8192\n      Architectures: [arm64]\n      CapacityProviderConfig:\n        Arn: !GetAtt Cp.Arn\n        ExecutionEnvironmentMemoryGiBPerVCpu: 4\n        PerExecutionEnvironmentMaxConcurrency: !Sub '${AWS::Region}'\n",
    );
    let s = init(&path, &[]);
    let j = scenario_json(&s);
    // An !If: a comment; lmi-sim's default MaxVCpuCount applies.
    assert!(
        s.contains("# MaxVCpuCount: !If [IsProd, 400, 40] (a condition, decided at deploy time), at Properties.ScalingConfig.MaxVCpuCount: not resolved; lmi-sim's default applies (set it here)"),
        "{s}"
    );
    assert!(
        at(
            &j,
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount"
        )
        .is_none()
    );
    // A pseudo parameter in !Sub: a comment, the runtime's default concurrency.
    assert!(s.contains("# PerExecutionEnvironmentMaxConcurrency: !Sub ${AWS::Region} (${AWS::Region} is known at deploy time)"), "{s}");
    assert!(at(&j, "functions[0].PerExecutionEnvironmentMaxConcurrency").is_none());
    // arm64 function, x86_64 provider (AWS's default): a warning comment.
    assert!(s.contains("# WARNING: Architectures = [\"arm64\"] at Properties.Architectures, but the capacity provider's are [\"x86_64\"]"), "{s}");
    assert_eq!(at(&j, "functions[0].MemorySize"), Some(&J::from(8192)));
    assert_eq!(
        at(&j, "functions[0].ExecutionEnvironmentMemoryGiBPerVCpu"),
        Some(&J::from(4))
    );
    let o = run(&["validate", &write(dir.path(), "arch.toml", &s)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}
