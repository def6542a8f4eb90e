//! Every fault the emulator can stage, against the SDK call a user would make (issue 11).
//!
//! The wiremock fake (feature `testing`) stages what an answer can carry: error statuses with
//! and without `Retry-After`, slow answers, long-running operations that end `Failed`,
//! `Canceled` or never, a `nextLink` to its own page. The offline workspace (feature `local`)
//! owns its connections and stages the rest: resets before and in the middle of an answer,
//! truncated bodies, silence. One runner per front runs a table of cases; each case names the
//! call, the fault and what a user relies on:
//!
//! * transient faults are retried and the call succeeds within the retry budget (the requests
//!   the workspace saw are counted);
//! * permanent ones end as the right typed error (status, ARM code, message, request id), and
//!   no error repeats an endpoint key;
//! * a POST that must not run twice (`regenerateKeys`, scoring) is not sent again after its
//!   connection broke;
//! * silence and operations that never end stop within the configured bounds, and a `nextLink`
//!   to its own page stops the list.
//!
//! Limits are small (300 ms a try, 1 s of retries) and every case runs under a time limit, so a
//! regression fails its case, by name, instead of hanging the suite. Loopback only.
#![cfg(feature = "testing")]

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_ai_ml::testing::emulator::core::{Fault, FaultRule, Service};
use azure_ai_ml::testing::{
    fake_access_token, CoreRequest, FakeWorkspace, FakeWorkspaceExt, ScoreResponse,
};
use azure_ai_ml::{
    Error, InvokeRequest, KeyType, MLClient, MLClientOptions, ManagedOnlineEndpoint, Model,
};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, Context, Request};
use futures::TryStreamExt;
use serde_json::json;

/// The endpoint every case calls (created before the fault is armed).
const ENDPOINT: &str = "ep-faulty";
/// Time limit of one try (ARM and scoring).
const TRY_LIMIT: Duration = Duration::from_millis(300);
/// How long a call keeps retrying.
const BUDGET: Duration = Duration::from_secs(1);
/// What a throttled answer asks to wait.
const THROTTLE: Duration = Duration::from_millis(100);
/// The operation deadline the service is made to announce (see [`ShortOperationDeadline`]).
const OPERATION_DEADLINE: &str = "PT0.5S";
/// Retries of the retry policy (fixed, no delay): at most this many more tries of a call.
const RETRIES: usize = 3;
/// No case may run longer: past it, it has hung.
const CASE_LIMIT: Duration = Duration::from_secs(15);

/// The SDK call a case drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    /// `online_endpoints().get`.
    Get,
    /// `online_endpoints().begin_create_or_update` and its poller's result.
    Create,
    /// `online_endpoints().list`, to the end.
    List,
    /// `online_endpoints().get_keys` (a POST to `listKeys`, which only reads).
    GetKeys,
    /// `online_endpoints().invoke` (a scoring POST).
    Invoke,
    /// `online_endpoints().begin_regenerate_keys` and its poller: a POST that must not run twice.
    Regenerate,
    /// `models().create_or_update` of a local file: blob upload, then the registration.
    Upload,
}

impl Call {
    /// The requests the fault hits and the case counts: service, method, path fragment.
    fn route(self) -> (Service, &'static str, &'static str) {
        match self {
            Call::Get => (Service::Arm, "GET", "/onlineEndpoints/ep-faulty"),
            Call::Create => (Service::Arm, "PUT", "/onlineEndpoints/ep-created"),
            Call::List => (Service::Arm, "GET", "/onlineEndpoints"),
            Call::GetKeys => (Service::Arm, "POST", "/listKeys"),
            Call::Invoke => (Service::Scoring, "POST", "/score"),
            Call::Regenerate => (Service::Arm, "POST", "/regenerateKeys"),
            Call::Upload => (Service::Blob, "PUT", "/model.pkl"),
        }
    }

    /// Requests on the route when nothing fails: the blob, then its metadata, for an upload;
    /// one for the rest.
    fn clean_requests(self) -> usize {
        if self == Call::Upload {
            2
        } else {
            1
        }
    }

    /// The fault rule hitting this call's route `times` times (`None`: every time).
    fn rule(self, fault: Fault, times: Option<u32>) -> FaultRule {
        let (service, method, path) = self.route();
        let rule = FaultRule::new(fault)
            .service(service)
            .method(method)
            .path_contains(path);
        match times {
            Some(n) => rule.times(n),
            None => rule.always(),
        }
    }

    /// Makes the call as a user would, to its end (a poller awaited, a list collected).
    async fn run(self, client: &MLClient, model_file: &Path) -> Result<(), Error> {
        let endpoints = client.online_endpoints();
        match self {
            Call::Get => endpoints.get(ENDPOINT, None).await.map(drop),
            Call::Create => {
                let new = ManagedOnlineEndpoint::new("ep-created");
                let poller = endpoints.begin_create_or_update(&new, None).await?;
                poller.await.map(drop).map_err(Error::from)
            }
            Call::List => {
                let pages = endpoints.list(None)?.try_collect::<Vec<_>>().await;
                pages.map(drop).map_err(Error::from)
            }
            Call::GetKeys => endpoints.get_keys(ENDPOINT, None).await.map(drop),
            Call::Invoke => {
                let request = InvokeRequest::json(&json!({"data": [1]}))?;
                endpoints.invoke(ENDPOINT, request, None).await.map(drop)
            }
            Call::Regenerate => {
                let poller = endpoints
                    .begin_regenerate_keys(ENDPOINT, KeyType::Secondary, None)
                    .await?;
                poller.await.map(drop).map_err(Error::from)
            }
            Call::Upload => {
                let model = Model::new("faulty-model").path(model_file.to_string_lossy());
                client
                    .models()
                    .create_or_update(&model, None)
                    .await
                    .map(drop)
            }
        }
    }
}

/// What a user relies on after a case's fault.
#[derive(Clone, Debug)]
enum Expect {
    /// The call succeeds after this many faulted tries (its route saw them on top of the
    /// requests of a clean run), and at least the given wait (the `Retry-After`s honoured).
    Succeeds(usize, Duration),
    /// [`Error::Service`] with this status and code (message and request id kept).
    Service(u16, Option<&'static str>, RangeInclusive<usize>),
    /// [`Error::OperationFailed`] with this status and code.
    Operation(&'static str, &'static str),
    /// [`Error::Transport`] whose text says this; the route saw these many requests.
    Transport(&'static str, RangeInclusive<usize>),
    /// An error (of the list) whose text says this; the route saw exactly so many requests.
    Stops(&'static str, usize),
}

/// Every try of a call that never stops failing: the first and its retries, or fewer when the
/// budget ends them first.
const ALL: RangeInclusive<usize> = 1..=RETRIES + 1;
/// One request: not sent again.
const ONE: RangeInclusive<usize> = 1..=1;

/// Succeeds after `n` faulted tries, with no wait asked.
fn ok(n: usize) -> Expect {
    Expect::Succeeds(n, Duration::ZERO)
}

/// Succeeds after `n` throttled tries, each waited out.
fn waits(n: u32) -> Expect {
    Expect::Succeeds(n as usize, THROTTLE * n)
}

/// Refused with `status` and ARM code `code` after `tries` requests.
fn refused(status: u16, code: &'static str, tries: RangeInclusive<usize>) -> Expect {
    Expect::Service(status, Some(code), tries)
}

/// A scoring refusal: the emulator's scoring errors carry a message and no code.
fn refused_scoring(status: u16, tries: RangeInclusive<usize>) -> Expect {
    Expect::Service(status, None, tries)
}

/// The operation ended with `status` and `code`.
fn ended(status: &'static str, code: &'static str) -> Expect {
    Expect::Operation(status, code)
}

/// The call gave up after `tries` requests: no answer within the time limit.
fn timed_out(tries: RangeInclusive<usize>) -> Expect {
    Expect::Transport("timed out", tries)
}

/// One row of a table.
struct Case {
    call: Call,
    fault: Fault,
    times: Option<u32>,
    expect: Expect,
}

impl Case {
    fn name(&self) -> String {
        let times = self.times.map_or("always".into(), |n| format!("×{n}"));
        format!("{:?} with {:?} {times}", self.call, self.fault)
    }
}

fn case(call: Call, fault: Fault, times: Option<u32>, expect: Expect) -> Case {
    Case {
        call,
        fault,
        times,
        expect,
    }
}

/// The faults the wiremock fake stages: statuses, delays, operations, list pages.
#[rustfmt::skip] // A table: one case a line.
fn fake_cases() -> Vec<Case> {
    use Call::*;
    let t429 = || Fault::throttled(THROTTLE);
    let e503 = Fault::unavailable;
    let e500 = Fault::internal_error;
    let failed = || Fault::lro_failed("ResourceNotReady", "the container crashed on purpose");
    let conflict = || Fault::status(409, "Conflict", "another operation is in progress");
    let slow = || Fault::Delay(Duration::from_secs(1));
    let (once, twice, always) = (Some(1), Some(2), None);
    vec![
        // Transient: retried until the call succeeds, the `Retry-After` waited out.
        case(Get, t429(), twice, waits(2)),
        case(Get, e500(), twice, ok(2)),
        case(Get, Fault::Delay(Duration::from_millis(50)), once, ok(0)),
        case(Get, slow(), once, ok(1)),
        case(Create, e503(None), twice, ok(2)),
        case(Create, e500(), once, ok(1)),
        case(List, e503(Some(THROTTLE)), once, waits(1)),
        case(GetKeys, t429(), once, waits(1)),
        case(Invoke, t429(), twice, waits(2)),
        case(Invoke, e503(None), once, ok(1)),
        // 429 and 503 say the service did not take the request: safe to send again.
        case(Regenerate, e503(Some(THROTTLE)), once, waits(1)),
        case(Regenerate, t429(), once, waits(1)),
        case(Upload, e500(), twice, ok(2)),
        case(Upload, e503(None), once, ok(1)),
        // Permanent: the last answer, typed, within the budget.
        case(Get, e500(), always, refused(500, "InternalServerError", ALL)),
        case(Get, t429(), always, refused(429, "TooManyRequests", ALL)),
        case(Get, slow(), always, timed_out(ALL)),
        case(Create, conflict(), once, refused(409, "Conflict", ONE)),
        case(GetKeys, conflict(), once, refused(409, "Conflict", ONE)),
        case(List, e503(None), always, refused(503, "ServiceUnavailable", ALL)),
        case(Invoke, e500(), once, refused_scoring(500, ONE)),
        case(Invoke, e503(None), always, refused_scoring(503, ALL)),
        // A 500 to a POST that must not run twice: the service may have acted on it.
        case(Regenerate, e500(), once, refused(500, "InternalServerError", ONE)),
        case(Upload, e503(None), always, refused(503, "ServiceUnavailable", ALL)),
        // Operations followed through Azure-AsyncOperation: one variant, however they end.
        case(Create, failed(), once, ended("Failed", "ResourceNotReady")),
        case(Create, Fault::LroCanceled, once, ended("Canceled", "Canceled")),
        case(Create, Fault::LroNeverEnds, once, ended("TimedOut", "OperationTimeout")),
        // Through a `Location`, which answers a failure with the ARM error itself: the same
        // failed-operation variant, code and message kept.
        case(Regenerate, failed(), once, ended("Failed", "ResourceNotReady")),
        case(Regenerate, Fault::LroNeverEnds, once, ended("TimedOut", "OperationTimeout")),
        // A page that names itself as the next one: the list stops after reading it once.
        case(List, Fault::SelfReferencingNextLink, always, Expect::Stops("repeats a page", 1)),
    ]
}

/// The client limits of every case: small, so that a case ends in well under a second or two.
fn small_limits(options: MLClientOptions) -> MLClientOptions {
    let mut options = options
        .with_polling_interval(Duration::from_millis(10))
        .with_request_timeout(Some(TRY_LIMIT))
        .with_scoring_timeout(Some(TRY_LIMIT))
        .with_retry_budget(BUDGET)
        .with_max_retry_after(THROTTLE * 2);
    options.client_options.retry =
        azure_core::http::RetryOptions::fixed(azure_core::http::FixedRetryOptions {
            delay: azure_core::time::Duration::ZERO,
            max_retries: RETRIES as u32,
            ..Default::default()
        });
    options
        .client_options
        .per_try_policies
        .push(Arc::new(ShortOperationDeadline));
    options
}

/// Makes every answer announce a short operation deadline (`x-ms-async-operation-timeout`):
/// the emulator always announces Azure's two hours, and that deadline is the bound the SDK
/// keeps on an operation that never ends.
#[derive(Debug)]
struct ShortOperationDeadline;

#[async_trait::async_trait]
impl Policy for ShortOperationDeadline {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Some((first, rest)) = next.split_first() else {
            panic!("the transport follows this policy");
        };
        let response = first.send(ctx, request, rest).await?;
        if response
            .headers()
            .get_optional_str(&"x-ms-async-operation-timeout".into())
            .is_none()
        {
            return Ok(response);
        }
        let (status, mut headers, body) = response.deconstruct();
        let body = body.collect().await?;
        headers.insert("x-ms-async-operation-timeout", OPERATION_DEADLINE);
        Ok(AsyncRawResponse::from_bytes(status, headers, body))
    }
}

/// A 50 kB model file in a temp folder.
fn model_file(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("model.pkl");
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The message a fault has the service send.
fn sent_message(fault: &Fault) -> Option<&str> {
    match fault {
        Fault::Status { message, .. } | Fault::LroFailed { message, .. } => Some(message),
        _ => None,
    }
}

/// Checks what a case's call gave against its expectation; `seen` is what the route saw,
/// `keys` the endpoint's keys (never in an error).
fn check(case: &Case, result: Result<(), Error>, took: Duration, seen: usize, keys: &[String]) {
    let name = case.name();
    // Every call ends within its bounds: the budget, one try in flight when it ran out, the
    // operation deadline, and scheduling slack.
    assert!(
        took < BUDGET + TRY_LIMIT + Duration::from_secs(1),
        "{name}: took {took:?}"
    );
    let err = match (&case.expect, result) {
        (Expect::Succeeds(n, wait), Ok(())) => {
            let clean = case.call.clean_requests();
            assert_eq!(seen, clean + n, "{name}: requests on the route");
            assert!(
                took >= *wait,
                "{name}: {took:?}, the service asked for {wait:?}"
            );
            return;
        }
        (expect, Ok(())) => panic!("{name}: succeeded, expected {expect:?}"),
        (_, Err(err)) => err,
    };
    let text = format!("{err} {err:?}");
    for key in keys {
        assert!(
            !text.contains(key.as_str()),
            "{name}: an endpoint key in {text}"
        );
    }
    match (&case.expect, &err) {
        (Expect::Service(status, code, tries), Error::Service { message, .. }) => {
            assert_eq!(err.status(), Some(*status), "{name}: {err}");
            assert_eq!(err.code(), *code, "{name}: {err}");
            assert!(
                tries.contains(&seen),
                "{name}: {seen} requests, expected {tries:?}"
            );
            // The answers of `listKeys` hold keys: their error bodies are never quoted.
            let quoted = case.call != Call::GetKeys;
            if let (Some(sent), true) = (sent_message(&case.fault), quoted) {
                assert!(message.contains(sent), "{name}: message {message:?}");
            }
            if case.call.route().0 != Service::Scoring {
                // The emulator's scoring errors carry no request id; ARM and blob ones do.
                let id = err.request_id().unwrap_or_default();
                assert!(
                    !id.is_empty() && err.to_string().contains(id),
                    "{name}: {err}"
                );
            }
        }
        (Expect::Operation(status, code), Error::OperationFailed { status: s, .. }) => {
            assert_eq!(
                (s.as_str(), err.code()),
                (*status, Some(*code)),
                "{name}: {err}"
            );
            if let Some(sent) = sent_message(&case.fault) {
                assert!(err.to_string().contains(sent), "{name}: {err}");
            }
            // An operation that ended says which answer said so; one that timed out had none.
            let id = err.request_id().unwrap_or_default();
            assert_eq!(id.is_empty(), *status == "TimedOut", "{name}: {err}");
        }
        (Expect::Transport(says, tries), Error::Transport { message, .. }) => {
            assert!(message.contains(says), "{name}: {message}");
            assert!(
                tries.contains(&seen),
                "{name}: {seen} requests, expected {tries:?}"
            );
        }
        (Expect::Stops(says, n), _) => {
            assert!(err.to_string().contains(says), "{name}: {err}");
            assert_eq!(seen, *n, "{name}: requests on the route");
        }
        (expect, _) => panic!("{name}: expected {expect:?}, got {err:?}"),
    }
}

/// Runs `call` under the case limit, timing it.
async fn timed(
    case: &Case,
    call: impl std::future::Future<Output = Result<(), Error>>,
) -> (Result<(), Error>, Duration) {
    let started = Instant::now();
    match tokio::time::timeout(CASE_LIMIT, call).await {
        Ok(result) => (result, started.elapsed()),
        Err(_) => panic!("{}: no result within {CASE_LIMIT:?} (hang)", case.name()),
    }
}

/// A fake with the endpoint (key auth) and its `blue` deployment, a model that scores, and a
/// client with [`small_limits`].
async fn fake_workspace() -> (FakeWorkspace, MLClient) {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!({"scored": true})));
    let client = fake
        .client_with(small_limits(fake.client_options()))
        .unwrap();
    create_endpoint(&client, ManagedOnlineEndpoint::new(ENDPOINT)).await;
    // The deployment straight into the workspace: invoke only needs it to exist.
    let url = format!(
        "https://management.azure.com{}/onlineEndpoints/{ENDPOINT}/deployments/blue?api-version=2025-12-01",
        fake.workspace_id()
    );
    let token = fake_access_token("https://management.azure.com/.default");
    let put = CoreRequest::new("PUT", url.parse().unwrap())
        .with_header("Authorization", format!("Bearer {token}"))
        .with_header("Content-Type", "application/json")
        .with_body(
            json!({"location": "eastus", "properties": {"endpointComputeType": "Managed"}})
                .to_string(),
        );
    let answer = fake.with_core(|core| core.handle(&put));
    assert!(answer.status < 300, "deployment: {}", answer.status);
    let routed = ManagedOnlineEndpoint::new(ENDPOINT).traffic([("blue", 100)]);
    create_endpoint(&client, routed).await;
    (fake, client)
}

/// Creates or updates `endpoint`, to the end of its operation.
async fn create_endpoint(client: &MLClient, endpoint: ManagedOnlineEndpoint) {
    let endpoints = client.online_endpoints();
    let poller = endpoints.begin_create_or_update(&endpoint, None);
    poller.await.unwrap().await.unwrap();
}

/// Requests the fake saw on `call`'s route.
fn fake_seen(fake: &FakeWorkspace, call: Call) -> usize {
    let (service, method, path) = call.route();
    fake.count_where(|r| {
        Service::of(&r.host_kind) == service && r.method == method && r.path.contains(path)
    })
}

#[tokio::test]
async fn without_faults_every_call_makes_its_clean_requests() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_file(&dir);
    use Call::*;
    for call in [Get, Create, List, GetKeys, Invoke, Regenerate, Upload] {
        let (fake, client) = fake_workspace().await;
        fake.clear_log();
        // Nothing armed: the case only names the call and checks the clean run's count.
        let case = case(call, Fault::Delay(Duration::ZERO), Some(0), ok(0));
        let (result, took) = timed(&case, call.run(&client, &model)).await;
        check(&case, result, took, fake_seen(&fake, call), &[]);
    }
}

#[tokio::test]
async fn the_fake_s_faults_end_as_a_user_relies_on() {
    let dir = tempfile::tempdir().unwrap();
    let model = model_file(&dir);
    for case in fake_cases() {
        // A fresh workspace a case: no state or cached client left over from the one before.
        let (fake, client) = fake_workspace().await;
        let (primary, secondary) = fake.endpoint_keys(ENDPOINT).unwrap();
        let keys = [primary.secret().to_owned(), secondary.secret().to_owned()];
        fake.clear_log();
        fake.inject(case.call.rule(case.fault.clone(), case.times))
            .unwrap();
        let (result, took) = timed(&case, case.call.run(&client, &model)).await;
        check(&case, result, took, fake_seen(&fake, case.call), &keys);
    }
}

/// Faults of the connection, which only the offline workspace's own front can stage.
#[cfg(feature = "local")]
mod connection {
    use super::*;
    use azure_ai_ml::local::{
        LocalCredential, LocalWorkspace, LocalWorkspaceExt, LocalWorkspaceOptions,
    };
    use azure_ai_ml::EndpointCredentials;

    /// A silent try never reaches the access log, which writes a request's line once it is
    /// answered: the silent tries are not counted.
    const NONE: RangeInclusive<usize> = 0..=0;

    /// A transport error after `tries` requests.
    fn broken(tries: RangeInclusive<usize>) -> Expect {
        Expect::Transport("", tries)
    }

    /// A transport error that says the request was not sent again.
    fn not_sent_again(tries: RangeInclusive<usize>) -> Expect {
        Expect::Transport("not sent again", tries)
    }

    /// Resets, cut answers and silence, against the same calls.
    #[rustfmt::skip] // A table: one case a line.
    fn cases() -> Vec<Case> {
        use Call::*;
        use Fault::{ResetBeforeResponse as Reset, ResetMidBody as Cut, Silence, TruncatedBody as Short};
        let (once, always) = (Some(1), None);
        vec![
            // Calls that may run twice: tried again, and they succeed.
            case(Get, Reset, once, ok(1)),
            case(Get, Cut, once, ok(1)),
            case(Get, Short, once, ok(1)),
            // The silent try is not counted; its time limit passed before the retry.
            case(Get, Silence, once, Expect::Succeeds(0, TRY_LIMIT)),
            case(Create, Reset, once, ok(1)),
            case(List, Short, once, ok(1)),
            case(GetKeys, Cut, once, ok(1)),
            // The reset PUT was stored: its retry meets the blob (409) and overwrites it.
            case(Upload, Reset, once, ok(2)),
            // Never answered in full: every try, then the last error, with no key in it.
            case(Get, Silence, always, timed_out(NONE)),
            case(List, Cut, always, broken(ALL)),
            case(GetKeys, Short, always, broken(ALL)),
            // POSTs that must not run twice: the service may have acted on the first.
            case(Regenerate, Reset, once, not_sent_again(ONE)),
            // Its answer (202) has no body, so half of it is all of it: one POST, and done.
            case(Regenerate, Cut, once, ok(0)),
            case(Regenerate, Silence, once, not_sent_again(NONE)),
            case(Invoke, Reset, once, broken(ONE)),
            case(Invoke, Short, once, broken(ONE)),
            case(Invoke, Silence, once, timed_out(NONE)),
        ]
    }

    /// Lines of the access log from `from` on that are on `call`'s route.
    fn seen(log: &Path, from: usize, call: Call) -> usize {
        let (service, method, path) = call.route();
        let service = match service {
            Service::Arm => "arm",
            Service::Blob => "blob",
            _ => "scoring",
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        text.lines()
            .skip(from)
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|l| l["service"] == service && l["method"] == method)
            .filter(|l| l["path"].as_str().is_some_and(|p| p.contains(path)))
            .count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_workspace_s_connection_faults_end_as_a_user_relies_on() {
        let dir = tempfile::tempdir().unwrap();
        let model = model_file(&dir);
        let options = LocalWorkspaceOptions::default().with_dir(dir.path().join("ws"));
        let ws = LocalWorkspace::start(options).await.unwrap();
        let scope = ws.options();
        let client = MLClient::new(
            Arc::new(LocalCredential::new()),
            scope.subscription_id.clone(),
            scope.resource_group.clone(),
            scope.workspace_name.clone(),
            Some(small_limits(ws.client_options())),
        )
        .unwrap();
        create_endpoint(&client, ManagedOnlineEndpoint::new(ENDPOINT)).await;
        let endpoints = client.online_endpoints();
        let EndpointCredentials::Keys(keys) = endpoints.get_keys(ENDPOINT, None).await.unwrap()
        else {
            panic!("a key-auth endpoint has keys");
        };
        let keys: Vec<String> = [keys.primary_key, keys.secondary_key]
            .into_iter()
            .flatten()
            .map(|key| key.secret().to_owned())
            .collect();
        let log = ws.access_log_path();
        for case in cases() {
            ws.clear_faults();
            let from = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .count();
            ws.inject(case.call.rule(case.fault.clone(), case.times));
            let (result, took) = timed(&case, case.call.run(&client, &model)).await;
            check(&case, result, took, seen(&log, from, case.call), &keys);
        }
        ws.shutdown().await;
    }
}
