//! No secret ever shows: the seed tutorial's whole flow (and its error paths) against the fake
//! workspace, with every `tracing` event and `log` record captured at TRACE, and every value
//! and error the SDK hands back formatted with `{:?}`, `{:#?}` and `{}`. None of it may contain
//! an endpoint key, a token, a SAS signature or the storage account key.
//!
//! The secrets are read from the fake's own state (what it issued), so every key, AML token and
//! SAS signature handed out during the run is looked for; Entra tokens from the fake credential
//! are found by their prefix.

#![cfg(feature = "testing")]

mod support;
// The tutorial's values as the examples send them (only `deployment` and `ENDPOINT` are used).
#[allow(dead_code)]
#[path = "../examples/common/spec.rs"]
mod spec;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use azure_ai_ml::invoke::ScoringClient;
use azure_ai_ml::testing::{
    FakeWorkspace, FakeWorkspaceExt, LroKind, RequestFailure, ScoreResponse,
};
use azure_ai_ml::{
    AuthMode, CodeConfiguration, ContainerType, DataCollector, DeploymentCollection, Environment,
    InvokeRequest, KeyType, MLClient, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
    OnlineDeploymentsGetLogsOptions,
};
use futures::TryStreamExt;
use serde_json::{json, Value};
use spec::ENDPOINT;
use support::{TutorialFiles, SAMPLE};

// ---- capture -------------------------------------------------------------------------------

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged by any thread of this test binary, from the first call on.
fn captured() -> Buffer {
    static LOGS: OnceLock<Buffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Buffer(Arc::default());
        let writer = buffer.clone();
        tracing_log::LogTracer::builder()
            .with_max_level(tracing_log::log::LevelFilter::Trace)
            .init()
            .expect("the only `log` logger");
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buffer
    })
    .clone()
}

fn logs_text() -> String {
    let bytes = captured()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Everything the SDK handed back, formatted every way it can be.
#[derive(Default)]
struct Shown(Vec<String>);

impl Shown {
    fn debug<T: Debug + ?Sized>(&mut self, value: &T) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }

    fn error<E: std::error::Error>(&mut self, error: &E) {
        self.debug(error);
        self.0.push(format!("{error}"));
        let mut source = error.source();
        while let Some(s) = source {
            self.0.push(format!("{s} / {s:?}"));
            source = s.source();
        }
    }

    fn result<T: Debug, E: std::error::Error>(&mut self, result: &Result<T, E>) {
        match result {
            Ok(v) => self.debug(v),
            Err(e) => self.error(e),
        }
    }
}

// ---- secrets -------------------------------------------------------------------------------

/// Every secret the fake has issued so far: storage keys, endpoint keys (also those of pending
/// regenerations), AML tokens, SAS signatures, datastore secrets.
fn harvest(fake: &FakeWorkspace, secrets: &mut BTreeSet<String>) {
    fn strings(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::String(s) => {
                out.insert(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    if let Some(key) = fake.storage_account_key() {
        secrets.insert(key.secret().to_owned());
    }
    let state = serde_json::to_value(fake.state()).expect("state serializes");
    let mut found = BTreeSet::new();
    strings(&state["storage_keys"], &mut found);
    strings(&state["datastore_secrets"], &mut found);
    if let Some(sas) = state["sas"].as_object() {
        found.extend(sas.keys().cloned());
    }
    if let Some(endpoints) = state["endpoints"].as_object() {
        for (name, record) in endpoints {
            strings(&record["keys"], &mut found);
            for token in record["tokens"].as_array().into_iter().flatten() {
                strings(&token["token"], &mut found);
            }
            if let Some((primary, secondary)) = fake.endpoint_keys(name) {
                found.insert(primary.secret().to_owned());
                found.insert(secondary.secret().to_owned());
            }
        }
    }
    for op in state["operations"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        if let Some(new_key) = op["new_key"].as_array() {
            if let Some(v) = new_key.get(1).and_then(Value::as_str) {
                found.insert(v.to_owned());
            }
        }
    }
    // Short strings ("Primary", account names) are not secrets; the fake's are long.
    secrets.extend(found.into_iter().filter(|s| s.len() >= 16));
}

/// Every place a secret shows in `text`, by kind (empty when none does).
fn leaks(text: &str, secrets: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            found.push(format!("issued secret {}…", &secret[..6]));
        }
    }
    for prefix in ["fake-token|", "amltoken."] {
        if let Some(at) = text.find(prefix) {
            let end = (at + 40).min(text.len());
            found.push(format!(
                "token prefix `{prefix}` at …{}",
                text.get(at..end).unwrap_or("")
            ));
        }
    }
    let sig = regex::Regex::new(r#"(?i)\bsig=([^&\s"'<>)\]]*)"#).unwrap();
    for value in sig.captures_iter(text).filter_map(|c| c.get(1)) {
        let v = value.as_str();
        let redacted = v.is_empty()
            || v.eq_ignore_ascii_case("redacted")
            || v.starts_with("REDACTED")
            || v.chars().all(|c| c == '*');
        if !redacted {
            found.push(format!("SAS signature `sig={}…`", &v[..v.len().min(6)]));
        }
    }
    let shared_key = regex::Regex::new(r"SharedKey [A-Za-z0-9]+:[A-Za-z0-9+/=]{16,}").unwrap();
    if shared_key.is_match(text) {
        found.push("a SharedKey signature".to_owned());
    }
    found
}

#[track_caller]
fn assert_no_leak(shown: &Shown, secrets: &BTreeSet<String>) {
    let logs = logs_text();
    assert!(
        logs.len() > 10_000,
        "the subscriber captured the run ({} bytes)",
        logs.len()
    );
    assert!(secrets.len() >= 5, "secrets were issued: {}", secrets.len());
    let in_logs = leaks(&logs, secrets);
    assert!(in_logs.is_empty(), "secrets in the logs: {in_logs:?}");
    let shown_text = shown.0.join("\n");
    let in_values = leaks(&shown_text, secrets);
    assert!(
        in_values.is_empty(),
        "secrets in formatted values or errors: {in_values:?}"
    );
}

#[test]
fn the_leak_finder_finds_leaks() {
    let secrets: BTreeSet<String> = ["0123456789abcdefKEY".to_owned()].into();
    assert!(leaks("nothing here, sig=REDACTED", &secrets).is_empty());
    assert_eq!(leaks("key 0123456789abcdefKEY", &secrets).len(), 1);
    assert_eq!(leaks("Bearer fake-token|https://x|abc", &secrets).len(), 1);
    assert_eq!(leaks("https://a/b?sv=1&sig=abcdef123", &secrets).len(), 1);
    assert_eq!(
        leaks("SharedKey acct:c2lnbmF0dXJlc2lnbmF0dXJl", &secrets).len(),
        1
    );
}

// ---- the flow ------------------------------------------------------------------------------

/// The tutorial's deployment `name` (the examples' own, `examples/common/spec.rs`) on `endpoint`.
fn deployment(
    files: &TutorialFiles,
    endpoint: &str,
    name: &str,
    model: &str,
    env: &str,
) -> ManagedOnlineDeployment {
    spec::deployment(name, model, env, &files.p("scoring")).endpoint_name(endpoint)
}

async fn create_endpoint(
    ml_client: &MLClient,
    shown: &mut Shown,
    endpoint: &ManagedOnlineEndpoint,
) {
    let poller = ml_client
        .online_endpoints()
        .begin_create_or_update(endpoint, None)
        .await
        .unwrap();
    shown.debug(&poller);
    let done = poller.await;
    shown.result(&done);
    shown.result(&done.unwrap().into_model());
}

async fn create_deployment(ml_client: &MLClient, shown: &mut Shown, d: &ManagedOnlineDeployment) {
    let poller = ml_client
        .online_deployments()
        .begin_create_or_update(d, None)
        .await
        .unwrap();
    shown.debug(&poller);
    let done = poller.await;
    shown.result(&done);
    shown.result(&done.unwrap().into_model());
}

async fn invoke(ml_client: &MLClient, shown: &mut Shown, endpoint: &str, request: InvokeRequest) {
    shown.debug(&request);
    let out = ml_client
        .online_endpoints()
        .invoke(endpoint, &request, None)
        .await;
    shown.result(&out);
    let out = out.unwrap();
    shown.0.push(out.text().unwrap().to_owned());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tutorial_shows_no_secret() {
    captured();
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| ScoreResponse::json(&json!({"deployment": req.deployment})));
    let ml_client = fake.client().unwrap();
    let mut shown = Shown::default();
    let mut secrets = BTreeSet::new();
    shown.debug(&ml_client);

    // Step 1 and 3: model (SharedKey upload) and environment.
    let model = Model::new("customer-churn-model").path(files.p("model/model.pkl"));
    let registered = ml_client.models().create_or_update(&model, None).await;
    shown.result(&registered);
    let registered = registered.unwrap();
    shown.result(&ml_client.models().create_or_update(&model, None).await);
    let env = Environment::new("churn-model-env")
        .conda_file(files.p("environment/conda.yml"))
        .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest");
    let env = ml_client.environments().create_or_update(&env, None).await;
    shown.result(&env);
    let env = env.unwrap();
    let (model_id, env_id) = (
        registered.id().unwrap().to_owned(),
        env.id().unwrap().to_owned(),
    );
    harvest(&fake, &mut secrets);

    // Step 4 and 5: key-auth endpoint, blue (code through a SAS container), traffic.
    let mut endpoint = ManagedOnlineEndpoint::new(ENDPOINT)
        .auth_mode(AuthMode::Key)
        .tag("team", "data-science");
    create_endpoint(&ml_client, &mut shown, &endpoint).await;
    create_deployment(
        &ml_client,
        &mut shown,
        &deployment(&files, ENDPOINT, "blue", &model_id, &env_id),
    )
    .await;
    endpoint.traffic = [("blue".to_owned(), 100)].into();
    create_endpoint(&ml_client, &mut shown, &endpoint).await;
    harvest(&fake, &mut secrets);

    // Step 6: invoke, keys, logs, regenerate, invoke again (stale key: 401, refresh, retry).
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::file(files.path("sample.json")).deployment("blue"),
    )
    .await;
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::text(SAMPLE),
    )
    .await;
    shown.debug(&ml_client.online_endpoints().scoring_client(ENDPOINT));
    let keys = ml_client.online_endpoints().get_keys(ENDPOINT, None).await;
    shown.result(&keys);
    shown.result(
        &ml_client
            .online_deployments()
            .get_logs(
                "blue",
                ENDPOINT,
                10,
                Some(OnlineDeploymentsGetLogsOptions {
                    container_type: Some(ContainerType::StorageInitializer),
                    ..Default::default()
                }),
            )
            .await,
    );
    harvest(&fake, &mut secrets);
    let poller = ml_client
        .online_endpoints()
        .begin_regenerate_keys(ENDPOINT, KeyType::Primary, None)
        .await
        .unwrap();
    shown.debug(&poller);
    shown.result(&poller.await);
    harvest(&fake, &mut secrets);
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::text(SAMPLE),
    )
    .await;

    // Blue/green, data collection, listing, deletion.
    let mut green = deployment(&files, ENDPOINT, "green", &model_id, &env_id);
    create_deployment(&ml_client, &mut shown, &green).await;
    endpoint.traffic = [("blue".to_owned(), 90), ("green".to_owned(), 10)].into();
    create_endpoint(&ml_client, &mut shown, &endpoint).await;
    for _ in 0..10 {
        invoke(
            &ml_client,
            &mut shown,
            ENDPOINT,
            InvokeRequest::text(SAMPLE),
        )
        .await;
    }
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::text(SAMPLE).deployment("green"),
    )
    .await;
    endpoint.traffic = [("blue".to_owned(), 0), ("green".to_owned(), 100)].into();
    create_endpoint(&ml_client, &mut shown, &endpoint).await;
    let poller = ml_client
        .online_deployments()
        .begin_delete("blue", ENDPOINT, None)
        .await
        .unwrap();
    shown.debug(&poller);
    shown.result(&poller.await);
    green.data_collector = Some(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new())
            .collection("model_outputs", DeploymentCollection::new()),
    );
    create_deployment(&ml_client, &mut shown, &green).await;
    let listed: Result<Vec<_>, _> = ml_client
        .online_deployments()
        .list(ENDPOINT, None)
        .unwrap()
        .try_collect()
        .await;
    shown.result(&listed);
    let listed: Result<Vec<_>, _> = ml_client
        .online_endpoints()
        .list(None)
        .unwrap()
        .try_collect()
        .await;
    shown.result(&listed);
    shown.result(&ml_client.online_endpoints().get(ENDPOINT, None).await);
    shown.result(
        &ml_client
            .online_deployments()
            .get("green", ENDPOINT, None)
            .await,
    );
    shown.result(
        &ml_client
            .models()
            .get_latest("customer-churn-model", None)
            .await,
    );
    harvest(&fake, &mut secrets);

    // The other two auth modes: AML tokens (`token` action) and Entra tokens (the credential).
    for (name, mode) in [
        ("churn-aml", AuthMode::AmlToken),
        ("churn-aad", AuthMode::AadToken),
    ] {
        let e = ManagedOnlineEndpoint::new(name)
            .auth_mode(mode)
            .traffic([("blue", 100)]);
        create_endpoint(
            &ml_client,
            &mut shown,
            &ManagedOnlineEndpoint::new(name).auth_mode(e.auth_mode.clone()),
        )
        .await;
        create_deployment(
            &ml_client,
            &mut shown,
            &deployment(&files, name, "blue", &model_id, &env_id),
        )
        .await;
        create_endpoint(&ml_client, &mut shown, &e).await;
        invoke(&ml_client, &mut shown, name, InvokeRequest::text(SAMPLE)).await;
        let keys = ml_client.online_endpoints().get_keys(name, None).await;
        shown.result(&keys);
        harvest(&fake, &mut secrets);
    }

    let poller = ml_client
        .online_endpoints()
        .begin_delete(ENDPOINT, None)
        .await
        .unwrap();
    shown.result(&poller.await);
    shown.result(&ml_client.online_endpoints().get(ENDPOINT, None).await);
    shown.debug(&fake.requests());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    assert_no_leak(&shown, &secrets);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_paths_show_no_secret() {
    captured();
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| ScoreResponse::json(&json!({"deployment": req.deployment})));
    let ml_client = fake.client().unwrap();
    let mut shown = Shown::default();
    let mut secrets = BTreeSet::new();

    let registered = ml_client
        .models()
        .create_or_update(
            &Model::new("customer-churn-model").path(files.p("model/model.pkl")),
            None,
        )
        .await
        .unwrap();
    let env = ml_client
        .environments()
        .create_or_update(
            &Environment::new("churn-model-env")
                .conda_file(files.p("environment/conda.yml"))
                .image("python:3.11"),
            None,
        )
        .await
        .unwrap();
    let (model_id, env_id) = (
        registered.id().unwrap().to_owned(),
        env.id().unwrap().to_owned(),
    );
    let endpoint = ManagedOnlineEndpoint::new(ENDPOINT).traffic([("blue", 100)]);
    create_endpoint(
        &ml_client,
        &mut shown,
        &ManagedOnlineEndpoint::new(ENDPOINT),
    )
    .await;
    create_deployment(
        &ml_client,
        &mut shown,
        &deployment(&files, ENDPOINT, "blue", &model_id, &env_id),
    )
    .await;
    create_endpoint(&ml_client, &mut shown, &endpoint).await;
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::text(SAMPLE),
    )
    .await;
    harvest(&fake, &mut secrets);

    // listKeys fails (every retry too): get_keys and a fresh client's first invoke.
    fake.fail_next_matching(
        RequestFailure::new(500, "InternalServerError", "listKeys is down")
            .path_contains("/listKeys")
            .times(20),
    );
    let err = ml_client.online_endpoints().get_keys(ENDPOINT, None).await;
    assert!(err.is_err());
    shown.result(&err);
    let fresh = fake.client().unwrap();
    let err = fresh
        .online_endpoints()
        .invoke(ENDPOINT, InvokeRequest::text(SAMPLE), None)
        .await;
    assert!(err.is_err());
    shown.result(&err);
    // Use up the remaining failures (each call retries a few times).
    let mut recovered = false;
    for _ in 0..20 {
        let attempt = ml_client.online_endpoints().get_keys(ENDPOINT, None).await;
        shown.result(&attempt);
        if attempt.is_ok() {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "listKeys answers again");

    // A 401 on invoke: a scoring client holding a key that was regenerated since.
    let old_key = match ml_client
        .online_endpoints()
        .get_keys(ENDPOINT, None)
        .await
        .unwrap()
    {
        azure_ai_ml::EndpointCredentials::Keys(k) => k.primary_key.unwrap(),
        other => panic!("{other:?}"),
    };
    secrets.insert(old_key.secret().to_owned());
    let uri = ml_client
        .online_endpoints()
        .get(ENDPOINT, None)
        .await
        .unwrap()
        .scoring_uri()
        .unwrap()
        .to_owned();
    ml_client
        .online_endpoints()
        .begin_regenerate_keys(ENDPOINT, KeyType::Primary, None)
        .await
        .unwrap()
        .await
        .unwrap();
    harvest(&fake, &mut secrets);
    let stale = ScoringClient::builder()
        .with_key(url::Url::parse(&uri).unwrap(), old_key)
        .with_redirect(fake.uri())
        .build()
        .unwrap();
    shown.debug(&stale);
    let err = stale.invoke(InvokeRequest::text(SAMPLE)).await;
    assert_eq!(
        err.as_ref().err().and_then(|e| e.status()),
        Some(401),
        "{err:?}"
    );
    shown.result(&err);
    // The MLClient's cached key is stale too: 401, refresh, and the retry succeeds.
    invoke(
        &ml_client,
        &mut shown,
        ENDPOINT,
        InvokeRequest::text(SAMPLE),
    )
    .await;

    // A failed LRO (deployment) and a failed key regeneration.
    fake.fail_next_lro(
        Some(LroKind::DeploymentCreateOrUpdate),
        "DeploymentFailed",
        "the image build failed",
    );
    let poller = ml_client
        .online_deployments()
        .begin_create_or_update(
            &deployment(&files, ENDPOINT, "green", &model_id, &env_id),
            None,
        )
        .await
        .unwrap();
    let err = poller.await;
    assert!(err.is_err());
    shown.result(&err);
    fake.fail_next_lro(
        Some(LroKind::RegenerateKeys),
        "KeyRegenerationFailed",
        "try later",
    );
    let err = ml_client
        .online_endpoints()
        .begin_regenerate_keys(ENDPOINT, KeyType::Secondary, None)
        .await
        .unwrap()
        .await;
    assert!(err.is_err());
    shown.result(&err);
    harvest(&fake, &mut secrets);

    // A blob PUT refused while uploading new code through its SAS container.
    let code = files.path("code2");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("score.py"),
        "def init():\n    pass\n\n\ndef run(raw):\n    return raw\n",
    )
    .unwrap();
    fake.fail_next_matching(
        RequestFailure::new(
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request.",
        )
        .method("PUT")
        .path_contains("score.py")
        .times(20),
    );
    let d = deployment(&files, ENDPOINT, "green", &model_id, &env_id).code_configuration(
        CodeConfiguration::new(code.to_string_lossy().into_owned(), "score.py"),
    );
    let err = ml_client
        .online_deployments()
        .begin_create_or_update(&d, None)
        .await;
    assert!(err.is_err(), "the upload was refused");
    shown.result(&err.map(drop));
    harvest(&fake, &mut secrets);

    // A pinned deployment that does not exist (refused before the payload is sent).
    let err = ml_client
        .online_endpoints()
        .invoke(
            ENDPOINT,
            InvokeRequest::text(SAMPLE).deployment("purple"),
            None,
        )
        .await;
    assert!(err.is_err());
    shown.result(&err);

    // A scoring error body.
    fake.on_score(|_| ScoreResponse::text(500, "model crashed"));
    let err = ml_client
        .online_endpoints()
        .invoke(ENDPOINT, InvokeRequest::text(SAMPLE), None)
        .await;
    assert!(err.is_err());
    shown.result(&err);

    harvest(&fake, &mut secrets);
    assert_no_leak(&shown, &secrets);
}
