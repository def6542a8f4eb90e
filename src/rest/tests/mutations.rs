//! Response mutation: real answers (the official REST examples and the fake workspace's own)
//! mutated 10 000+ ways (fields deleted, types swapped, huge numbers and strings, odd durations,
//! bad UTF-8, truncation, flipped bytes, odd headers) and fed to every decoder and, through a
//! loopback wiremock server, to the operations. No panic, no hang, and every error says
//! something: its Display is non-empty and names the status (service errors) or what failed to
//! decode and where. Seeded, so a failure replays.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::rest::{
    ArmList, CodeVersionResource, DatastoreSecrets, ModelContainer, PendingUploadResponse,
    SkuResource,
};
use crate::test_support::{client, WS};
use crate::testing::emulator::core::CoreRequest;
use crate::testing::{fake_access_token, FakeWorkspace, FakeWorkspaceExt};
use crate::{
    Datastore, DeploymentLogs, EndpointAuthKeys, EndpointAuthToken, Environment, Error,
    MLClientOptions, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model, OnlineDeployment,
    OnlineEndpoint, Workspace,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SEED: u64 = 0x5eed_a2e1_c0de_0001;
/// Mutated bodies fed to every decoder.
const DECODER_CASES: usize = 10_000;
/// Mutated answers sent through the operations (each a few HTTP round trips).
const OPERATION_CASES: usize = 1_200;

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ODD_DURATIONS: &[&str] = &[
    "PT99999999999999999999999S",
    "PT1e300S",
    "P999999999999999D",
    "9999999999999999999999999999999.00:00:00",
    "99999999999999999999:99:99",
    "-PT5S",
    "PT",
    "P",
    "",
    "PT0.0000000000000000001S",
    "P1Y2M3W4DT5H6M7.89S",
];

const ODD_HEADERS: &[&str] = &[
    "0",
    "-1",
    "3600",
    "18446744073709551616",
    "99999999999999999999",
    "1e300",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "soon",
    "",
    "PT2H",
    "PT99999999999999999999999S",
    "PT1e300S",
    "P999999999999999D",
    "garbage",
];

fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(f64::MAX),
        5 => json!(u64::MAX),
        6 => json!(i64::MIN),
        7 => json!(""),
        8 => json!("x".repeat(20_000)),
        9 => json!(*rng.pick(ODD_DURATIONS)),
        10 => json!([]),
        11 => json!({}),
        12 => json!("\u{0}\u{202e}日本\u{fffd}\"\\"),
        13 => json!([[[[[[[[[[1]]]]]]]]]]),
        14 => json!({"unexpected": {"nested": [1, "two", null]}}),
        _ => json!(-0.0),
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Object(map) => map.values().map(count_nodes).sum(),
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The `n`th node in pre-order (`n` counts down as nodes are passed).
fn nth_node<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    if *n == 0 {
        return Some(v);
    }
    *n -= 1;
    match v {
        Value::Object(map) => map.values_mut().find_map(|child| nth_node(child, n)),
        Value::Array(items) => items.iter_mut().find_map(|child| nth_node(child, n)),
        _ => None,
    }
}

fn mutate_value(rng: &mut Rng, doc: &Value) -> Value {
    let mut doc = doc.clone();
    for _ in 0..1 + rng.below(3) {
        let mut n = rng.below(count_nodes(&doc));
        let Some(node) = nth_node(&mut doc, &mut n) else {
            continue;
        };
        match (rng.below(3), node) {
            // Delete a field or an item of the chosen node.
            (0, Value::Object(map)) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            (0, Value::Array(items)) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            (_, node) => {
                *node = if node.is_string() && rng.below(2) == 0 {
                    json!(*rng.pick(ODD_DURATIONS))
                } else {
                    odd_value(rng)
                };
            }
        }
    }
    doc
}

/// One mutated body: a value-level change, or damage to the bytes.
fn mutate(rng: &mut Rng, doc: &Value) -> Vec<u8> {
    let branch = rng.below(12);
    if branch <= 6 {
        return serde_json::to_vec(&mutate_value(rng, doc)).expect("serializes");
    }
    let mut bytes = serde_json::to_vec(doc).expect("serializes");
    match branch {
        7 => {
            bytes.truncate(rng.below(bytes.len() + 1));
            bytes
        }
        8 => {
            let at = rng.below(bytes.len() + 1);
            bytes.splice(at..at, [0xff, 0xfe, 0xc3, 0x28]);
            bytes
        }
        9 => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            bytes
        }
        10 => {
            // A number literal past every numeric type.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let huge = *rng.pick(&[
                "1e400",
                "-1e400",
                "99999999999999999999999999999999",
                "1e-400",
            ]);
            match text.find(|c: char| c.is_ascii_digit()) {
                Some(at) => format!("{}{huge}{}", &text[..at], &text[at + 1..]).into_bytes(),
                None => bytes,
            }
        }
        _ => {
            if rng.below(200) == 0 {
                // Rarely (it is slow to parse in a debug build): a 2 MB string.
                let mut doc = doc.clone();
                if let Value::Object(map) = &mut doc {
                    map.insert("name".into(), json!("z".repeat(2 << 20)));
                }
                serde_json::to_vec(&doc).expect("serializes")
            } else {
                Vec::new()
            }
        }
    }
}

/// `shared/azureml-rest/examples`, next to the checkout.
fn examples_dir() -> PathBuf {
    crate::test_support::shared_path("azureml-rest/examples")
}

/// Every response body of the official examples.
fn example_bodies() -> Vec<Value> {
    let mut bodies = Vec::new();
    let mut stack = vec![examples_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let doc: Value = serde_json::from_str(&text).expect("example is JSON");
                if let Some(responses) = doc.get("responses").and_then(Value::as_object) {
                    bodies.extend(responses.values().filter_map(|r| r.get("body").cloned()));
                }
            }
        }
    }
    bodies
}

/// The fake workspace's own answers for an endpoint, a deployment and the workspace's lists.
async fn fake_bodies() -> Vec<Value> {
    let fake = FakeWorkspace::builder().lro_polls(1).start().await;
    let ml_client = fake.client().expect("client");
    ml_client
        .online_endpoints()
        .begin_create_or_update(&ManagedOnlineEndpoint::new("churn"), None)
        .await
        .expect("PUT")
        .await
        .expect("LRO");
    let deployment = ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn")
        .model("azureml:m:1")
        .environment("azureml:e:1")
        .instance_type("Standard_DS3_v2")
        .instance_count(1);
    if let Ok(poller) = ml_client
        .online_deployments()
        .begin_create_or_update(&deployment, None)
        .await
    {
        let _ = poller.await;
    }
    let token = fake_access_token("https://management.azure.com/.default");
    let ws = fake.workspace_id();
    let calls = [
        ("GET", String::new()),
        ("GET", "/onlineEndpoints".into()),
        ("GET", "/onlineEndpoints/churn".into()),
        ("POST", "/onlineEndpoints/churn/listKeys".into()),
        ("GET", "/onlineEndpoints/churn/deployments".into()),
        ("GET", "/onlineEndpoints/churn/deployments/blue".into()),
        ("GET", "/datastores".into()),
        ("GET", "/models".into()),
    ];
    let mut bodies = Vec::new();
    for (method, suffix) in calls {
        let url = format!("https://management.azure.com{ws}{suffix}?api-version=2025-12-01")
            .parse()
            .expect("URL");
        let request =
            CoreRequest::new(method, url).with_header("Authorization", format!("Bearer {token}"));
        let response = fake.with_core(|core| core.handle(&request));
        if (200..300).contains(&response.status) && !response.body.is_empty() {
            bodies.push(response.json_body());
        }
    }
    bodies
}

fn seeds() -> Vec<Value> {
    vec![
        json!({"error": {"code": "BadArgument", "message": "no", "target": "x",
                         "details": [{"code": "Inner", "message": "deeper", "details": []}]}}),
        json!({"status": "Succeeded"}),
        json!({"status": "Failed", "error": {"code": "ResourceNotReady", "message": "crashed"}}),
        json!({"primaryKey": "k1", "secondaryKey": "k2"}),
        json!({"accessToken": "t", "expiryTimeUtc": 1_900_000_000, "refreshAfterTimeUtc": 1_800_000_000, "tokenType": "Bearer"}),
    ]
}

/// A mutated answer, and the JSON it parses to when it still does.
struct Case {
    bytes: Vec<u8>,
    json: Option<Value>,
}

type Decoder = (&'static str, fn(&Case) -> Option<String>);

/// Decodes `T` the way the crate does (serde), from the parsed document when there is one (the
/// same visitors, without re-reading the text) and from the bytes when they are not JSON.
fn serde_decoder<T: DeserializeOwned>(case: &Case) -> Option<String> {
    match &case.json {
        Some(value) => T::deserialize(value).err().map(|e| e.to_string()),
        None => serde_json::from_slice::<T>(&case.bytes)
            .err()
            .map(|e| e.to_string()),
    }
}

fn scoring_decoder(case: &Case) -> Option<String> {
    crate::invoke::decode_scoring_json::<Value>(&case.bytes)
        .err()
        .map(|e| e.to_string())
}

fn durations_decoder(case: &Case) -> Option<String> {
    // Every string in the document through the duration reader.
    fn walk(v: &Value) {
        match v {
            Value::String(s) => {
                let _ = crate::duration::parse_micros(s);
            }
            Value::Array(items) => items.iter().for_each(walk),
            Value::Object(map) => map.values().for_each(walk),
            _ => {}
        }
    }
    if let Some(v) = &case.json {
        walk(v);
    }
    None
}

const DECODERS: &[Decoder] = &[
    ("OnlineEndpoint", serde_decoder::<OnlineEndpoint>),
    ("OnlineDeployment", serde_decoder::<OnlineDeployment>),
    ("Model", serde_decoder::<Model>),
    ("Environment", serde_decoder::<Environment>),
    ("Workspace", serde_decoder::<Workspace>),
    ("Datastore", serde_decoder::<Datastore>),
    ("EndpointAuthKeys", serde_decoder::<EndpointAuthKeys>),
    ("EndpointAuthToken", serde_decoder::<EndpointAuthToken>),
    ("DeploymentLogs", serde_decoder::<DeploymentLogs>),
    (
        "ArmList<OnlineEndpoint>",
        serde_decoder::<ArmList<OnlineEndpoint>>,
    ),
    (
        "ArmList<OnlineDeployment>",
        serde_decoder::<ArmList<OnlineDeployment>>,
    ),
    ("ArmList<Model>", serde_decoder::<ArmList<Model>>),
    ("ArmList<Datastore>", serde_decoder::<ArmList<Datastore>>),
    ("ModelContainer", serde_decoder::<ModelContainer>),
    ("CodeVersionResource", serde_decoder::<CodeVersionResource>),
    (
        "PendingUploadResponse",
        serde_decoder::<PendingUploadResponse>,
    ),
    ("DatastoreSecrets", serde_decoder::<DatastoreSecrets>),
    ("SkuResource", serde_decoder::<SkuResource>),
    (
        "OperationStatus",
        serde_decoder::<crate::OperationStatus<Value>>,
    ),
    ("scoring answer", scoring_decoder),
    ("durations", durations_decoder),
];

/// Runs `cases` mutations of `corpus` (from `seed`) through every decoder; returns the panics
/// and the number of decode errors.
fn decode_cases(corpus: &[Value], seed: u64, cases: usize) -> (Vec<String>, usize) {
    let mut rng = Rng(seed);
    let mut panics = Vec::new();
    let mut errors = 0usize;
    for case in 0..cases {
        let doc = rng.pick(corpus);
        let bytes = mutate(&mut rng, doc);
        let json = serde_json::from_slice(&bytes).ok();
        let input = Case { bytes, json };
        for (name, decoder) in DECODERS {
            match catch_unwind(AssertUnwindSafe(|| decoder(&input))) {
                Ok(Some(message)) => {
                    errors += 1;
                    assert!(
                        !message.trim().is_empty(),
                        "seed {seed:#x} case {case}: {name}: empty error"
                    );
                }
                Ok(None) => {}
                Err(_) => panics.push(format!("seed {seed:#x} case {case}: {name}")),
            }
        }
    }
    (panics, errors)
}

#[test]
fn every_decoder_survives_ten_thousand_mutated_answers() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut corpus = example_bodies();
    corpus.extend(runtime.block_on(fake_bodies()));
    corpus.extend(seeds());
    assert!(corpus.len() >= 60, "corpus of {} bodies", corpus.len());

    // Two seeded halves on two threads (the machine has two cores; debug serde is slow).
    let half = DECODER_CASES / 2;
    let (mut panics, mut errors) = (Vec::new(), 0);
    let corpus = &corpus;
    std::thread::scope(|scope| {
        let workers: Vec<_> = [SEED, SEED.rotate_left(17)]
            .into_iter()
            .map(|seed| scope.spawn(move || decode_cases(corpus, seed, half)))
            .collect();
        for worker in workers {
            let (p, e) = worker.join().expect("worker");
            panics.extend(p);
            errors += e;
        }
    });
    assert!(
        panics.is_empty(),
        "{} panics: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
    // The mutations bite: most of them break most decoders.
    assert!(errors > DECODER_CASES, "only {errors} decode errors");
}

/// What the wiremock server answers for the current case.
#[derive(Clone, Default)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<&'static str>,
    operation_timeout: Option<&'static str>,
}

#[derive(Clone, Default)]
struct Scripted(Arc<Mutex<(Answer, usize)>>);

impl Respond for Scripted {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut guard = self.0.lock().unwrap();
        let (answer, polls) = &mut *guard;
        let path = request.url.path();
        // The workspace (for its location) and every poll after the first answer plainly, so
        // that each case exercises one mutated answer and then ends.
        if path == WS && request.method.as_str() == "GET" {
            return ResponseTemplate::new(200).set_body_json(json!({"location": "eastus"}));
        }
        if path.starts_with("/operations/") {
            *polls += 1;
            if *polls > 1 {
                return ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"}));
            }
        }
        let mut template = ResponseTemplate::new(answer.status).set_body_bytes(answer.body.clone());
        if request.method.as_str() == "PUT" {
            template = ResponseTemplate::new(201)
                .insert_header(
                    "Azure-AsyncOperation",
                    "https://management.azure.com/operations/op",
                )
                .set_body_bytes(answer.body.clone());
        }
        if let Some(v) = answer.retry_after {
            template = template.insert_header("Retry-After", v);
        }
        if let Some(v) = answer.operation_timeout {
            template = template.insert_header("x-ms-async-operation-timeout", v);
        }
        template
    }
}

/// What an error must say: something, and the status or what failed to decode.
fn check_error(err: &Error) -> Result<(), String> {
    let text = err.to_string();
    if text.trim().is_empty() {
        return Err(format!("empty Display: {err:?}"));
    }
    let ok = match err {
        Error::Service { status, .. } => text.contains(&format!("HTTP {status}")),
        Error::Decode { what, path, .. } => {
            !what.is_empty()
                && (path.is_some() || text.len() > "could not decode ".len() + what.len() + 2)
        }
        Error::OperationFailed { code, status, .. } => {
            !code.is_empty() && text.contains(status.as_str())
        }
        Error::Validation { field, .. } => !field.is_empty(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("says too little: {text} ({err:?})"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_survive_mutated_answers() {
    let mut corpus = example_bodies();
    corpus.extend(fake_bodies().await);
    corpus.extend(seeds());
    let server = MockServer::start().await;
    let scripted = Scripted::default();
    Mock::given(wiremock::matchers::any())
        .respond_with(scripted.clone())
        .mount(&server)
        .await;
    let mut options = MLClientOptions::default()
        .with_request_timeout(Some(Duration::from_secs(5)))
        .with_retry_budget(Duration::from_millis(500))
        .with_max_retry_after(Duration::from_millis(5))
        .with_scoring_timeout(Some(Duration::from_millis(300)));
    // Retries are the bounds tests' subject; here each mutated answer is read once (azure_core
    // adds up to 255 ms of jitter to every retry).
    options.client_options.retry = azure_core::http::RetryOptions::none();
    let ml_client = client(&server.uri(), options);

    let mut rng = Rng(SEED ^ 0xa11);
    let mut failures = Vec::new();
    let (mut succeeded, mut failed) = (0usize, 0usize);
    let statuses = [
        200, 200, 200, 200, 201, 202, 204, 400, 404, 409, 429, 500, 503,
    ];
    for case in 0..OPERATION_CASES {
        let doc = rng.pick(&corpus).clone();
        let answer = Answer {
            status: *rng.pick(&statuses),
            body: mutate(&mut rng, &doc),
            retry_after: (rng.below(3) == 0).then(|| *rng.pick(ODD_HEADERS)),
            operation_timeout: (rng.below(3) == 0).then(|| *rng.pick(ODD_HEADERS)),
        };
        *scripted.0.lock().unwrap() = (answer, 0);
        let op = rng.below(10);
        let client = ml_client.clone();
        let task = tokio::spawn(async move {
            let ops = client.online_endpoints();
            let result: Result<(), Error> = match op {
                0 => ops.get("churn", None).await.map(drop),
                1 => client
                    .online_deployments()
                    .get("blue", "churn", None)
                    .await
                    .map(drop),
                2 => {
                    use futures::TryStreamExt;
                    ops.list(None)
                        .unwrap()
                        .try_collect::<Vec<_>>()
                        .await
                        .map(drop)
                        .map_err(Error::from)
                }
                3 => ops.get_keys("churn", None).await.map(drop),
                4 => client
                    .online_deployments()
                    .get_logs("blue", "churn", 10, None)
                    .await
                    .map(drop),
                5 => client.models().get("m", "1", None).await.map(drop),
                6 => client.workspaces().get(None).await.map(drop),
                7 => client.datastores().get_default(None).await.map(drop),
                8 => match ops
                    .begin_create_or_update(&ManagedOnlineEndpoint::new("churn"), None)
                    .await
                {
                    Ok(poller) => poller.await.map(drop).map_err(Error::from),
                    Err(e) => Err(e),
                },
                _ => match ops.begin_delete("churn", None).await {
                    Ok(poller) => poller.await.map(drop).map_err(Error::from),
                    Err(e) => Err(e),
                },
            };
            result
        });
        match tokio::time::timeout(Duration::from_secs(20), task).await {
            Err(_) => failures.push(format!("case {case} (op {op}): hang")),
            Ok(Err(join)) if join.is_panic() => {
                failures.push(format!("case {case} (op {op}): panic"))
            }
            Ok(Err(join)) => failures.push(format!("case {case} (op {op}): {join}")),
            Ok(Ok(Ok(()))) => succeeded += 1,
            Ok(Ok(Err(err))) => {
                failed += 1;
                if let Err(why) = check_error(&err) {
                    failures.push(format!("case {case} (op {op}): {why}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {OPERATION_CASES} cases failed: {:#?}",
        failures.len(),
        &failures[..failures.len().min(15)]
    );
    // The mutations bite, and not every answer is broken beyond use.
    assert!(failed > OPERATION_CASES / 4, "only {failed} errors");
    assert!(
        succeeded > OPERATION_CASES / 20,
        "only {succeeded} successes"
    );
}
