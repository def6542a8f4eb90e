//! Every client-side rule as one table row: an input, the field the error must name and a piece
//! of the rule it must state. Each row runs through the public operation against a fresh fake
//! workspace, and no request (so no upload either) may reach it.

#![cfg(all(feature = "testing", unix))]

mod support;

use std::future::Future;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt, HostKind, ScoreResponse};
use azure_ai_ml::{
    AuthMode, BuildContext, CodeConfiguration, DataCollector, DeploymentCollection, Environment,
    Error, IdentityConfiguration, IdentityType, InvokeRequest, KeyType, KubernetesOnlineDeployment,
    KubernetesOnlineEndpoint, MLClient, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
    OnlineDeployment, OnlineDeploymentsGetLogsOptions, OnlineEndpoint,
    OnlineEndpointsBeginRegenerateKeysOptions, OnlineRequestSettings, OperatingSystemType,
    ProbeSettings, PublicNetworkAccess, RollingRate, ScaleSettings, TargetUtilizationScaleSettings,
};
use support::TutorialFiles;

type Call = Box<dyn FnOnce(MLClient) -> Pin<Box<dyn Future<Output = azure_ai_ml::Result<()>>>>>;

/// What a row sends, through which public operation.
enum Op {
    Endpoint(Box<OnlineEndpoint>),
    Deployment(Box<OnlineDeployment>),
    Model(Model),
    Environment(Environment),
    Other(Call),
}

struct Row {
    /// What is wrong, for the failure report.
    what: &'static str,
    field: String,
    rule: &'static str,
    op: Op,
}

fn row(what: &'static str, field: impl Into<String>, rule: &'static str, op: Op) -> Row {
    Row {
        what,
        field: field.into(),
        rule,
        op,
    }
}

fn other<F, Fut>(f: F) -> Op
where
    F: FnOnce(MLClient) -> Fut + 'static,
    Fut: Future<Output = azure_ai_ml::Result<()>> + 'static,
{
    Op::Other(Box::new(move |c| Box::pin(f(c))))
}

/// Runs one row; `None` when it behaved, else what went wrong. Every row fails before its
/// first request, so rows share one fake and each must leave its request log as it found it.
async fn run(fake: &FakeWorkspace, ml_client: &MLClient, row: Row) -> Option<String> {
    let blobs =
        |fake: &FakeWorkspace| fake.count_where(|r| matches!(r.host_kind, HostKind::Blob { .. }));
    let (requests_before, blobs_before) = (fake.count(), blobs(fake));
    let ml_client = ml_client.clone();
    let result = match row.op {
        Op::Endpoint(e) => ml_client
            .online_endpoints()
            .begin_create_or_update(*e, None)
            .await
            .map(drop),
        Op::Deployment(d) => ml_client
            .online_deployments()
            .begin_create_or_update(*d, None)
            .await
            .map(drop),
        Op::Model(m) => ml_client
            .models()
            .create_or_update(&m, None)
            .await
            .map(drop),
        Op::Environment(e) => ml_client
            .environments()
            .create_or_update(&e, None)
            .await
            .map(drop),
        Op::Other(call) => call(ml_client).await,
    };
    let mut problems = Vec::new();
    match &result {
        Err(Error::Validation { field, rule }) => {
            if *field != row.field {
                problems.push(format!("field `{field}`, expected `{}`", row.field));
            }
            if !rule.contains(row.rule) {
                problems.push(format!("rule `{rule}` does not say `{}`", row.rule));
            }
        }
        other => problems.push(format!("expected a validation error, got {other:?}")),
    }
    let uploads = blobs(fake) - blobs_before;
    if uploads != 0 {
        problems.push(format!("{uploads} blob requests"));
    }
    let sent = fake.count() - requests_before;
    if sent != 0 {
        let log = fake.requests();
        problems.push(format!(
            "{sent} requests reached the fake: {:?}",
            &log[requests_before..]
        ));
    }
    (!problems.is_empty()).then(|| format!("{}: {}", row.what, problems.join("; ")))
}

async fn run_all(rows: Vec<Row>) {
    assert!(!rows.is_empty());
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().expect("client");
    let count = rows.len();
    let mut failures = Vec::new();
    for r in rows {
        if let Some(failure) = run(&fake, &ml_client, r).await {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(fake.count(), 0, "{:?}", fake.requests());
}

// ---- inputs --------------------------------------------------------------------------------

const ENDPOINT: &str = "churn-prediction-v1";
const IDENTITY_ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/churn-id";

fn endpoint() -> ManagedOnlineEndpoint {
    ManagedOnlineEndpoint::new(ENDPOINT).auth_mode(AuthMode::Key)
}

fn ep(e: impl Into<OnlineEndpoint>) -> Op {
    Op::Endpoint(Box::new(e.into()))
}

fn dep(d: impl Into<OnlineDeployment>) -> Op {
    Op::Deployment(Box::new(d.into()))
}

fn blue(files: &TutorialFiles) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new("blue")
        .endpoint_name(ENDPOINT)
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
}

fn k8s_blue(files: &TutorialFiles) -> KubernetesOnlineDeployment {
    KubernetesOnlineDeployment::new("blue")
        .endpoint_name(ENDPOINT)
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_count(1)
}

fn with_code(files: &TutorialFiles, folder: &Path) -> ManagedOnlineDeployment {
    blue(files).code_configuration(CodeConfiguration::new(
        folder.to_string_lossy().into_owned(),
        "score.py",
    ))
}

/// A new folder under the tutorial files, with `score.py` (valid) unless `script` says otherwise.
fn folder(files: &TutorialFiles, name: &str, script: Option<&str>) -> PathBuf {
    let dir = files.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(text) = script {
        std::fs::write(dir.join("score.py"), text).unwrap();
    }
    dir
}

fn tags(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| (format!("t{i}"), "v".to_owned()))
        .collect()
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The kinds of folder an upload can't read, each with the field prefix and folder to use.
struct BadFolders {
    empty: PathBuf,
    all_ignored: PathBuf,
    non_utf8: PathBuf,
    dangling: PathBuf,
    looping: PathBuf,
    socket: PathBuf,
    bad_ignore: PathBuf,
    /// A socket file itself (not a folder).
    socket_file: PathBuf,
}

fn bad_folders(files: &TutorialFiles, prefix: &str) -> BadFolders {
    let mk = |name: &str| {
        let dir = files.path(&format!("{prefix}-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("score.py"), "def run(x):\n    return x\n").unwrap();
        dir
    };
    let empty = files.path(&format!("{prefix}-empty"));
    std::fs::create_dir_all(empty.join("nested/deeper")).unwrap();
    let all_ignored = files.path(&format!("{prefix}-all-ignored"));
    std::fs::create_dir_all(&all_ignored).unwrap();
    std::fs::write(all_ignored.join("model.pkl"), b"x").unwrap();
    std::fs::write(all_ignored.join(".amlignore"), "*\n").unwrap();
    let non_utf8 = mk("non-utf8");
    std::fs::write(
        non_utf8.join(std::ffi::OsStr::from_bytes(b"bad-\xff-name.py")),
        b"x",
    )
    .unwrap();
    let dangling = mk("dangling");
    std::os::unix::fs::symlink(dangling.join("nowhere"), dangling.join("broken-link")).unwrap();
    let looping = mk("loop");
    std::fs::create_dir_all(looping.join("sub")).unwrap();
    std::os::unix::fs::symlink(&looping, looping.join("sub/back-up")).unwrap();
    let socket = mk("socket");
    let _listener = std::os::unix::net::UnixListener::bind(socket.join("agent.sock")).unwrap();
    let bad_ignore = mk("bad-ignore");
    std::fs::write(bad_ignore.join(".amlignore"), "!\n").unwrap();
    let socket_file = files.path(&format!("{prefix}-model.sock"));
    let _listener = std::os::unix::net::UnixListener::bind(&socket_file).unwrap();
    BadFolders {
        empty,
        all_ignored,
        non_utf8,
        dangling,
        looping,
        socket,
        bad_ignore,
        socket_file,
    }
}

/// The folder rows for one field, built by `op` from a path.
fn folder_rows(field: &'static str, bad: &BadFolders, op: impl Fn(&Path) -> Op) -> Vec<Row> {
    vec![
        row("empty folder", field, "is empty", op(&bad.empty)),
        row(
            "every file ignored",
            field,
            "after ignore rules",
            op(&bad.all_ignored),
        ),
        row("non-UTF-8 file name", field, "not UTF-8", op(&bad.non_utf8)),
        row(
            "dangling symbolic link",
            field,
            "cannot read",
            op(&bad.dangling),
        ),
        row(
            "symbolic link loop",
            field,
            "symbolic link loop",
            op(&bad.looping),
        ),
        row(
            "socket in the folder",
            field,
            "not a regular file",
            op(&bad.socket),
        ),
        row(
            "invalid ignore pattern",
            field,
            "invalid pattern",
            op(&bad.bad_ignore),
        ),
    ]
}

/// Registers the tutorial's model and environment and creates the endpoint, so that
/// deployments of [`blue`] can be created.
async fn workspace_with_endpoint(fake: &FakeWorkspace, files: &TutorialFiles) -> MLClient {
    let ml_client = fake.client().unwrap();
    files
        .register_with_endpoint(&ml_client, "python:3.11")
        .await;
    ml_client
}

// ---- rows ----------------------------------------------------------------------------------

#[tokio::test]
async fn endpoint_rows() {
    let k8s_blank_compute = KubernetesOnlineEndpoint::new(ENDPOINT).compute(" ");
    let mut rows = Vec::new();
    for (what, rule, name) in [
        ("name too short", "3 to 32", "ab"),
        ("name with `_`", "must start with a letter", "churn_v1"),
        (
            "name starting with a digit",
            "must start with a letter",
            "1churn",
        ),
    ] {
        rows.push(row(
            what,
            "name",
            rule,
            ep(ManagedOnlineEndpoint::new(name)),
        ));
    }
    // One tag each, too long or with a character ARM refuses.
    for (what, field, rule, name, value) in [
        (
            "tag name of 513 characters",
            "tags",
            "at most 512",
            "n".repeat(513),
            "v".to_owned(),
        ),
        (
            "tag value of 257 characters",
            "tags.team",
            "at most 256",
            "team".to_owned(),
            "v".repeat(257),
        ),
        (
            "tag name with `/`",
            "tags.a/b",
            "must not contain `/`",
            "a/b".to_owned(),
            "v".to_owned(),
        ),
        (
            "tag name with `%`",
            "tags.100%",
            "must not contain `%`",
            "100%".to_owned(),
            "v".to_owned(),
        ),
        (
            "empty tag name",
            "tags",
            "must not be empty",
            String::new(),
            "v".to_owned(),
        ),
    ] {
        rows.push(row(what, field, rule, ep(endpoint().tag(name, value))));
    }
    // A live traffic split each.
    let splits: [(_, _, _, &[(&str, u32)]); 4] = [
        (
            "traffic sums to 95",
            "traffic",
            "add up to 100",
            &[("blue", 90), ("green", 5)],
        ),
        (
            "traffic over 100",
            "traffic.blue",
            "between 0 and 100",
            &[("blue", 101)],
        ),
        (
            "traffic names differ in case only",
            "traffic.blue",
            "differ only in case",
            &[("Blue", 50), ("blue", 50)],
        ),
        (
            "traffic key not a deployment name",
            "traffic.b_1",
            "must start with a letter",
            &[("b_1", 100)],
        ),
    ];
    for (what, field, rule, split) in splits {
        rows.push(row(
            what,
            field,
            rule,
            ep(endpoint().traffic(split.iter().copied())),
        ));
    }
    rows.extend([
        row(
            "mirror traffic over 50",
            "mirror_traffic",
            "at most 50",
            ep(endpoint()
                .traffic([("blue", 100)])
                .mirror_traffic([("green", 60)])),
        ),
        row(
            "live and mirror traffic",
            "mirror_traffic.blue",
            "both live and mirror",
            ep(endpoint()
                .traffic([("blue", 100)])
                .mirror_traffic([("blue", 10)])),
        ),
        row(
            "unknown auth mode",
            "auth_mode",
            "`password` is not one of Key, AMLToken, AADToken",
            ep(endpoint().auth_mode(AuthMode::Unknown("password".into()))),
        ),
        row(
            "unknown identity type",
            "identity.type",
            "is not one of",
            ep(
                endpoint().identity(IdentityConfiguration::new(IdentityType::Unknown(
                    "Everyone".into(),
                ))),
            ),
        ),
        row(
            "user-assigned identity without identities",
            "identity.user_assigned_identities",
            "at least one",
            ep(endpoint().identity(IdentityConfiguration::new(IdentityType::UserAssigned))),
        ),
        row(
            "system-assigned identity with user identities",
            "identity.user_assigned_identities",
            "need type UserAssigned",
            ep(endpoint().identity(
                IdentityConfiguration::system_assigned().user_assigned_identity(IDENTITY_ID),
            )),
        ),
        row(
            "user identity not an ARM id",
            "identity.user_assigned_identities.churn-id",
            "ARM id",
            ep(endpoint().identity(
                IdentityConfiguration::new(IdentityType::UserAssigned)
                    .user_assigned_identity("churn-id"),
            )),
        ),
        row(
            "unknown public network access",
            "public_network_access",
            "`Sometimes` is not one of Enabled, Disabled",
            ep(endpoint().public_network_access(PublicNetworkAccess::Unknown("Sometimes".into()))),
        ),
        row(
            "51 tags",
            "tags",
            "at most 50",
            ep(endpoint().tags(tags(51))),
        ),
        row(
            "tag names differ in case only",
            "tags.team",
            "case-insensitive",
            ep(endpoint().tag("Team", "a").tag("team", "b")),
        ),
        row(
            "blank Kubernetes compute",
            "compute",
            "must not be empty",
            ep(k8s_blank_compute),
        ),
    ]);
    // Valid at the edge: exactly 50 tags, 512/256 characters (these go through, so not rows).
    let edge = endpoint()
        .tags(tags(49))
        .tag("n".repeat(512), "v".repeat(256));
    assert_eq!(edge.tags.len(), 50);
    let fake = FakeWorkspace::start().await;
    fake.client()
        .unwrap()
        .online_endpoints()
        .begin_create_or_update(&edge, None)
        .await
        .expect("50 tags at the length limits are accepted")
        .await
        .unwrap();
    rows.shrink_to_fit();
    run_all(rows).await;
}

#[tokio::test]
async fn deployment_rows() {
    let files = TutorialFiles::new();
    let k8s_scale = |s: TargetUtilizationScaleSettings| {
        dep(k8s_blue(&files).scale_settings(ScaleSettings::TargetUtilization(s)))
    };
    let mut no_endpoint = blue(&files);
    no_endpoint.endpoint_name = None;
    let mut rows = vec![
        row(
            "name too short",
            "name",
            "3 to 32",
            dep(ManagedOnlineDeployment::new("bl").endpoint_name(ENDPOINT)),
        ),
        row(
            "no endpoint name",
            "endpoint_name",
            "is required",
            dep(no_endpoint),
        ),
        row(
            "bad endpoint name",
            "endpoint_name",
            "3 to 32",
            dep(blue(&files).endpoint_name("e")),
        ),
        row(
            "zero instances",
            "instance_count",
            "at least 1",
            dep(blue(&files).instance_count(0)),
        ),
        row(
            "instance count over int32",
            "instance_count",
            "at most 2147483647",
            dep(blue(&files).instance_count(u32::MAX)),
        ),
        row(
            "empty instance type",
            "instance_type",
            "must not be empty",
            dep(blue(&files).instance_type("")),
        ),
        row(
            "blank instance type",
            "instance_type",
            "must not be empty",
            dep(blue(&files).instance_type("   ")),
        ),
        row(
            "empty environment variable name",
            "environment_variables",
            "must not be empty",
            dep(blue(&files).environment_variable("", "1")),
        ),
        row(
            "environment variable name with `=`",
            "environment_variables.A=B",
            "must not contain `=`",
            dep(blue(&files).environment_variable("A=B", "1")),
        ),
        row(
            "environment variable value with NUL",
            "environment_variables.A",
            "NUL",
            dep(blue(&files).environment_variable("A", "x\0y")),
        ),
        row(
            "51 deployment tags",
            "tags",
            "at most 50",
            dep(blue(&files).tags(tags(51))),
        ),
        row(
            "deployment tag value too long",
            "tags.owner",
            "at most 256",
            dep(blue(&files).tag("owner", "o".repeat(300))),
        ),
        row(
            "unknown egress access",
            "egress_public_network_access",
            "is not one of Enabled, Disabled",
            dep(blue(&files)
                .egress_public_network_access(PublicNetworkAccess::Unknown("Outbound".into()))),
        ),
        row(
            "negative probe period",
            "liveness_probe.period",
            "at least 1",
            dep(blue(&files).liveness_probe(ProbeSettings::new().period(-5))),
        ),
        row(
            "zero readiness delay",
            "readiness_probe.initial_delay",
            "at least 1",
            dep(blue(&files).readiness_probe(ProbeSettings::new().initial_delay(0))),
        ),
        row(
            "zero startup timeout",
            "startup_probe.timeout",
            "at least 1",
            dep(blue(&files).startup_probe(ProbeSettings::new().timeout(0))),
        ),
        row(
            "liveness success threshold 2",
            "liveness_probe.success_threshold",
            "must be 1",
            dep(blue(&files).liveness_probe(ProbeSettings::new().success_threshold(2))),
        ),
        row(
            "probe timeout of i64::MAX seconds",
            "liveness_probe.timeout",
            "longest duration",
            dep(blue(&files).liveness_probe(ProbeSettings::new().timeout(i64::MAX))),
        ),
        row(
            "probe delay past a TimeSpan",
            "readiness_probe.initial_delay",
            "922337203685 seconds",
            dep(blue(&files).readiness_probe(ProbeSettings::new().initial_delay(922_337_203_686))),
        ),
        row(
            "probe threshold over int32",
            "liveness_probe.failure_threshold",
            "32-bit",
            dep(blue(&files).liveness_probe(ProbeSettings::new().failure_threshold(i64::MAX))),
        ),
        row(
            "request timeout of i64::MAX ms",
            "request_settings.request_timeout_ms",
            "longest duration",
            dep(blue(&files)
                .request_settings(OnlineRequestSettings::new().request_timeout_ms(i64::MAX))),
        ),
        row(
            "queue wait of i64::MAX ms",
            "request_settings.max_queue_wait_ms",
            "longest duration",
            dep(blue(&files)
                .request_settings(OnlineRequestSettings::new().max_queue_wait_ms(i64::MAX))),
        ),
        row(
            "concurrency over int32",
            "request_settings.max_concurrent_requests_per_instance",
            "32-bit",
            dep(blue(&files).request_settings(
                OnlineRequestSettings::new()
                    .max_concurrent_requests_per_instance(i64::from(i32::MAX) + 1),
            )),
        ),
        row(
            "zero request timeout",
            "request_settings.request_timeout_ms",
            "at least 1",
            dep(blue(&files).request_settings(OnlineRequestSettings::new().request_timeout_ms(0))),
        ),
        row(
            "target utilization on managed",
            "scale_settings",
            "DefaultScaleSettings only",
            dep(
                blue(&files).scale_settings(ScaleSettings::TargetUtilization(
                    TargetUtilizationScaleSettings::new(),
                )),
            ),
        ),
        row(
            "min over max instances",
            "scale_settings.max_instances",
            "at least min_instances",
            k8s_scale(
                TargetUtilizationScaleSettings::new()
                    .min_instances(3)
                    .max_instances(2),
            ),
        ),
        row(
            "max instances over int32",
            "scale_settings.max_instances",
            "32-bit",
            k8s_scale(TargetUtilizationScaleSettings::new().max_instances(i64::MAX)),
        ),
        row(
            "polling interval of i64::MAX seconds",
            "scale_settings.polling_interval",
            "longest duration",
            k8s_scale(TargetUtilizationScaleSettings::new().polling_interval(i64::MAX)),
        ),
        row(
            "utilization over 100",
            "scale_settings.target_utilization_percentage",
            "between 1 and 100",
            k8s_scale(TargetUtilizationScaleSettings::new().target_utilization_percentage(101)),
        ),
        row(
            "sampling rate 1.5",
            "data_collector.sampling_rate",
            "(0, 1]",
            dep(blue(&files).data_collector(
                DataCollector::new()
                    .collection("model_inputs", DeploymentCollection::new())
                    .sampling_rate(1.5),
            )),
        ),
        row(
            "unknown rolling rate",
            "data_collector.rolling_rate",
            "is not one of",
            dep(blue(&files).data_collector(
                DataCollector::new()
                    .collection("model_inputs", DeploymentCollection::new())
                    .rolling_rate(RollingRate::Unknown("Fortnight".into())),
            )),
        ),
        row(
            "collection name with a space",
            "data_collector.collections.model inputs",
            "only use letters",
            dep(blue(&files).data_collector(
                DataCollector::new().collection("model inputs", DeploymentCollection::new()),
            )),
        ),
        row(
            "collection rate 0",
            "data_collector.collections.model_inputs.sampling_rate",
            "(0, 1]",
            dep(blue(&files).data_collector(DataCollector::new().collection(
                "model_inputs",
                DeploymentCollection::new().sampling_rate(0.0),
            ))),
        ),
        row(
            "bad model reference",
            "model",
            "",
            dep(blue(&files).model("azureml:customer-churn-model")),
        ),
        row(
            "bad environment reference",
            "environment",
            "",
            dep(blue(&files).environment("azureml:churn-model-env")),
        ),
        row(
            "inline model without a path",
            "model.path",
            "is required",
            dep(blue(&files).model(Model::new("churn"))),
        ),
        row(
            "inline environment with neither image nor build",
            "environment.image",
            "set either",
            dep(blue(&files).environment(Environment::new("env"))),
        ),
        row(
            "inline environment with an unknown OS",
            "environment.os_type",
            "is not one of Linux, Windows",
            dep(blue(&files).environment(
                Environment::new("env")
                    .image("python:3.11")
                    .os_type(OperatingSystemType::Unknown("Plan9".into())),
            )),
        ),
    ];
    rows.shrink_to_fit();
    run_all(rows).await;
}

#[tokio::test]
async fn scoring_code_rows() {
    let files = TutorialFiles::new();
    let syntax_error = folder(
        &files,
        "broken",
        Some("import json\n\ndef run(raw:\n    return raw\n"),
    );
    let bad_indent = folder(&files, "indent", Some("def init():\nreturn 1\n"));
    let ignored = folder(&files, "ignored", Some("def run(x):\n    return x\n"));
    std::fs::write(ignored.join(".amlignore"), "score.py\n").unwrap();
    let bad = bad_folders(&files, "code");
    let mut rows = vec![
        row(
            "missing code folder",
            "code_configuration.code",
            "does not exist",
            dep(blue(&files)
                .code_configuration(CodeConfiguration::new(files.p("nope"), "score.py"))),
        ),
        row(
            "missing scoring script",
            "code_configuration.scoring_script",
            "does not exist",
            dep(blue(&files)
                .code_configuration(CodeConfiguration::new(files.p("scoring"), "main.py"))),
        ),
        row(
            "empty scoring script name",
            "code_configuration.scoring_script",
            "must not be empty",
            dep(blue(&files).code_configuration(CodeConfiguration::new(files.p("scoring"), " "))),
        ),
        row(
            "scoring script with a syntax error",
            "code_configuration.scoring_script",
            "is not valid Python (SyntaxError on line 3",
            dep(with_code(&files, &syntax_error)),
        ),
        row(
            "scoring script with bad indentation",
            "code_configuration.scoring_script",
            "IndentationError on line 2",
            dep(with_code(&files, &bad_indent)),
        ),
        row(
            "scoring script left out by .amlignore",
            "code_configuration.scoring_script",
            "excluded by `.amlignore`",
            dep(with_code(&files, &ignored)),
        ),
    ];
    rows.extend(
        folder_rows("code_configuration.code", &bad, |p| {
            dep(with_code(&files, p))
        })
        .into_iter()
        // An empty or all-ignored code folder has no `score.py`: that is reported first.
        .filter(|r| !matches!(r.what, "empty folder" | "every file ignored")),
    );
    run_all(rows).await;
}

#[tokio::test]
async fn model_rows() {
    let files = TutorialFiles::new();
    let bad = bad_folders(&files, "model");
    let model = |p: &Path| Op::Model(Model::new("customer-churn-model").path(path_str(p)));
    let inline = |p: &Path| dep(blue(&files).model(Model::new("").path(path_str(p))));
    let mut rows = vec![
        row(
            "empty name",
            "name",
            "must not be empty",
            Op::Model(Model::new("").path(files.p("model/model.pkl"))),
        ),
        row(
            "name with `/`",
            "name",
            "must not contain `/`",
            Op::Model(Model::new("a/b").path(files.p("model/model.pkl"))),
        ),
        row(
            "version with a space",
            "version",
            "must not contain",
            Op::Model(
                Model::new("m")
                    .version("1 2")
                    .path(files.p("model/model.pkl")),
            ),
        ),
        row("no path", "path", "is required", Op::Model(Model::new("m"))),
        row(
            "missing path",
            "path",
            "does not exist",
            Op::Model(Model::new("m").path(files.p("model/missing.pkl"))),
        ),
        row(
            "a socket as the model",
            "path",
            "neither a regular file nor a folder",
            model(&bad.socket_file),
        ),
    ];
    rows.extend(folder_rows("path", &bad, model));
    rows.extend(folder_rows("model.path", &bad, inline));
    run_all(rows).await;
}

#[tokio::test]
async fn environment_rows() {
    let files = TutorialFiles::new();
    let bad = bad_folders(&files, "context");
    let not_yaml = files.path("environment/broken.yml");
    std::fs::write(&not_yaml, "dependencies: [unclosed\n").unwrap();
    let context = folder(&files, "context-ok", None);
    std::fs::write(context.join("Dockerfile"), "FROM python:3.11\n").unwrap();
    let image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest";
    let build = |p: &Path| {
        Op::Environment(Environment::new("churn-env").build(BuildContext::new(path_str(p))))
    };
    let inline_build = |p: &Path| {
        dep(blue(&files).environment(Environment::new("").build(BuildContext::new(path_str(p)))))
    };
    let mut rows = vec![
        row(
            "empty name",
            "name",
            "must not be empty",
            Op::Environment(Environment::new("").image(image)),
        ),
        row(
            "neither image nor build",
            "image",
            "set either",
            Op::Environment(Environment::new("churn-env")),
        ),
        row(
            "image and build",
            "build",
            "not both",
            Op::Environment(
                Environment::new("churn-env")
                    .image(image)
                    .build(BuildContext::new(path_str(&context))),
            ),
        ),
        row(
            "missing conda file",
            "conda_file",
            "cannot read",
            Op::Environment(
                Environment::new("churn-env")
                    .image(image)
                    .conda_file(files.path("environment/none.yml")),
            ),
        ),
        row(
            "conda file not YAML",
            "conda_file",
            "not valid YAML",
            Op::Environment(
                Environment::new("churn-env")
                    .image(image)
                    .conda_file(not_yaml),
            ),
        ),
        row(
            "conda file with a build",
            "conda_file",
            "only allowed together with `image`",
            Op::Environment(
                Environment::new("churn-env")
                    .build(BuildContext::new(path_str(&context)))
                    .conda_file(files.path("environment/conda.yml")),
            ),
        ),
        row(
            "unknown OS type",
            "os_type",
            "`Plan9` is not one of Linux, Windows",
            Op::Environment(
                Environment::new("churn-env")
                    .image(image)
                    .os_type(OperatingSystemType::Unknown("Plan9".into())),
            ),
        ),
        row(
            "missing build context",
            "build.path",
            "does not exist",
            build(&files.path("no-context")),
        ),
    ];
    rows.extend(folder_rows("build.path", &bad, build));
    rows.extend(folder_rows("environment.build.path", &bad, inline_build));
    run_all(rows).await;
}

#[tokio::test]
async fn other_operation_rows() {
    let rows = vec![
        row(
            "empty key value",
            "key_value",
            "must not be empty",
            other(|c: MLClient| async move {
                c.online_endpoints()
                    .begin_regenerate_keys(
                        ENDPOINT,
                        KeyType::Primary,
                        Some(OnlineEndpointsBeginRegenerateKeysOptions {
                            key_value: Some(String::new().into()),
                            ..Default::default()
                        }),
                    )
                    .await
                    .map(drop)
            }),
        ),
        row(
            "zero log lines",
            "lines",
            "at least 1",
            other(|c: MLClient| async move {
                c.online_deployments()
                    .get_logs("blue", ENDPOINT, 0, None)
                    .await
                    .map(drop)
            }),
        ),
        row(
            "empty endpoint name to get",
            "name",
            "must not be empty",
            other(|c: MLClient| async move { c.online_endpoints().get("", None).await.map(drop) }),
        ),
        row(
            "empty endpoint name to invoke",
            "endpoint_name",
            "must not be empty",
            other(|c: MLClient| async move {
                c.online_endpoints()
                    .invoke("", InvokeRequest::text("{}"), None)
                    .await
                    .map(drop)
            }),
        ),
        row(
            "empty pinned deployment",
            "deployment",
            "non-empty deployment name",
            other(|c: MLClient| async move {
                c.online_endpoints()
                    .invoke(ENDPOINT, InvokeRequest::text("{}").deployment(""), None)
                    .await
                    .map(drop)
            }),
        ),
        row(
            "header injection in the pinned deployment",
            "deployment",
            "non-empty deployment name",
            other(|c: MLClient| async move {
                c.online_endpoints()
                    .invoke(
                        ENDPOINT,
                        InvokeRequest::text("{}").deployment("blue\r\nx: y"),
                        None,
                    )
                    .await
                    .map(drop)
            }),
        ),
        row(
            "reserved header on a pinned request",
            "headers.Authorization",
            "",
            other(|c: MLClient| async move {
                c.online_endpoints()
                    .invoke(
                        ENDPOINT,
                        InvokeRequest::text("{}")
                            .deployment("blue")
                            .header("Authorization", "Bearer other"),
                        None,
                    )
                    .await
                    .map(drop)
            }),
        ),
        row(
            "unknown key type",
            "key_type",
            "must be `primary` or `secondary`",
            other(|c: MLClient| async move {
                let key_type: KeyType = "tertiary".parse()?;
                c.online_endpoints()
                    .begin_regenerate_keys(ENDPOINT, key_type, None)
                    .await
                    .map(drop)
            }),
        ),
        row(
            "unknown container type",
            "container_type",
            "storage_initializer",
            other(|c: MLClient| async move {
                let container: azure_ai_ml::ContainerType = "sidecar".parse()?;
                c.online_deployments()
                    .get_logs(
                        "blue",
                        ENDPOINT,
                        10,
                        Some(OnlineDeploymentsGetLogsOptions {
                            container_type: Some(container),
                            ..Default::default()
                        }),
                    )
                    .await
                    .map(drop)
            }),
        ),
    ];
    run_all(rows).await;
}

/// A file the process can't open (only when not running as root, which reads anything).
#[tokio::test]
async fn unreadable_files_are_refused_before_any_request() {
    use std::os::unix::fs::PermissionsExt;
    let files = TutorialFiles::new();
    let dir = folder(&files, "locked", Some("def run(x):\n    return x\n"));
    let secret = dir.join("weights.bin");
    std::fs::write(&secret, b"w").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&secret).is_ok() {
        eprintln!("running as root: permissions are not enforced, nothing to check");
        return;
    }
    run_all(vec![
        row(
            "unreadable model file",
            "path",
            "cannot read",
            Op::Model(Model::new("m").path(path_str(&dir))),
        ),
        row(
            "unreadable code file",
            "code_configuration.code",
            "cannot read",
            dep(with_code(&files, &dir)),
        ),
    ])
    .await;
}

/// The opt-out: with `skip_script_validation` the broken script is uploaded and deployed (as
/// Python's `skip_script_validation=True` does), and without it nothing is sent.
#[tokio::test]
async fn skip_script_validation_lets_a_broken_script_through() {
    let files = TutorialFiles::new();
    let broken = folder(&files, "broken", Some("def run(:\n"));
    let fake = FakeWorkspace::start().await;
    let ml_client = workspace_with_endpoint(&fake, &files).await;
    let before = fake.count();
    let err = ml_client
        .online_deployments()
        .begin_create_or_update(&with_code(&files, &broken), None)
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "code_configuration.scoring_script"),
        "{err}"
    );
    assert_eq!(fake.count(), before, "nothing sent for a broken script");
    ml_client
        .online_deployments()
        .begin_create_or_update(
            &with_code(&files, &broken).skip_script_validation(true),
            None,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        fake.count_where(|r| matches!(r.host_kind, HostKind::Blob { .. }) && r.method == "PUT") > 0,
        "the code was uploaded"
    );
    let put = fake
        .deployment(ENDPOINT, "blue")
        .expect("the deployment exists");
    assert_eq!(
        put["properties"]["codeConfiguration"]["scoringScript"],
        "score.py"
    );
}

/// A request pinned to a deployment the endpoint does not have fails naming `deployment`, and
/// its payload never reaches the scoring URI; a deployment deleted after it was seen is found
/// out from the scoring 404 by listing again.
#[tokio::test]
async fn invoking_a_missing_deployment_sends_no_payload() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| {
        if req.json()["route"] == "missing" {
            return ScoreResponse::text(404, "no such route");
        }
        ScoreResponse::json(&serde_json::json!({"deployment": req.deployment}))
    });
    let ml_client = workspace_with_endpoint(&fake, &files).await;
    let mut e = endpoint();
    for name in ["blue", "green"] {
        let mut d = blue(&files);
        d.name = name.to_owned();
        ml_client
            .online_deployments()
            .begin_create_or_update(&d, None)
            .await
            .unwrap()
            .await
            .unwrap();
    }
    e.traffic = [("blue".to_owned(), 100)].into();
    ml_client
        .online_endpoints()
        .begin_create_or_update(&e, None)
        .await
        .unwrap()
        .await
        .unwrap();
    let scoring = |fake: &FakeWorkspace| {
        fake.count_where(|r| matches!(r.host_kind, HostKind::Scoring { .. }))
    };

    // Zero traffic but present: found by one list (after the endpoint GET and listKeys that
    // any first invoke costs), then scored.
    let before = fake.count();
    let out = ml_client
        .online_endpoints()
        .invoke(
            ENDPOINT,
            InvokeRequest::text("{}").deployment("green"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        out.json::<serde_json::Value>().unwrap()["deployment"],
        "green"
    );
    assert_eq!(fake.count() - before, 4, "{:?}", fake.requests());

    // Unknown deployment: one list, then refused; the payload never reaches the scoring URI.
    let (before, scored) = (fake.count(), scoring(&fake));
    let err = ml_client
        .online_endpoints()
        .invoke(
            ENDPOINT,
            InvokeRequest::text("{\"secret\": 1}").deployment("purple"),
            None,
        )
        .await
        .unwrap_err();
    match &err {
        Error::Validation { field, rule } => {
            assert_eq!(field, "deployment");
            assert!(
                rule.contains("`purple`") && rule.contains("blue, green"),
                "{rule}"
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(scoring(&fake), scored, "the payload was not sent");
    assert_eq!(fake.count() - before, 1, "{:?}", fake.requests());

    // Known (from the traffic and the list): one request each.
    for name in ["blue", "green"] {
        let before = fake.count();
        ml_client
            .online_endpoints()
            .invoke(ENDPOINT, InvokeRequest::text("{}").deployment(name), None)
            .await
            .unwrap();
        assert_eq!(fake.count() - before, 1, "{name}");
    }

    // Deleted since it was seen: the scoring 404 makes it list again and name the deployment.
    ml_client
        .online_deployments()
        .begin_delete("green", ENDPOINT, None)
        .await
        .unwrap()
        .await
        .unwrap();
    let err = ml_client
        .online_endpoints()
        .invoke(
            ENDPOINT,
            InvokeRequest::text("{}").deployment("green"),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, rule } if field == "deployment" && rule.contains("it has blue")),
        "{err:?}"
    );

    // A 404 the model itself answers, on a deployment that exists, stays the service's error
    // (after one list that finds the deployment).
    let before = fake.count();
    let err = ml_client
        .online_endpoints()
        .invoke(
            ENDPOINT,
            InvokeRequest::text("{\"route\": \"missing\"}").deployment("blue"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert!(err.to_string().contains("no such route"), "{err}");
    assert_eq!(fake.count() - before, 2, "one score, one list");
}
