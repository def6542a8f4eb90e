//! Every operation's options carry the caller's `Context` to the pipeline: a `ClientRequestId`
//! in it reaches every ARM request of the call (the polls and the final GET of a poller, the
//! pages of a list), the scoring request of an invoke, and a list resumes from its
//! `continuation`. The ARM requests inside an operation (the deployment check of a pinned
//! invoke, the model and datastore reads of a download) carry it too.

#![cfg(feature = "testing")]

mod support;

use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt, HostKind, LoggedRequest};
use azure_ai_ml::{
    AuthMode, EnvironmentsListVersionsOptions, Error, InvokeRequest, InvokeResponse, ListViewType,
    MLClient, ManagedOnlineEndpoint, Model, ModelsCreateOrUpdateOptions, ModelsDownloadOptions,
    ModelsListContainersOptions, OnlineEndpointsBeginCreateOrUpdateOptions,
    OnlineEndpointsInvokeOptions, OnlineEndpointsListOptions,
};
use azure_core::http::pager::{PagerContinuation, PagerOptions};
use azure_core::http::request::options::ClientRequestId;
use azure_core::http::{ClientMethodOptions, Context, Url};
use futures::TryStreamExt;
use support::TutorialFiles;

const REQUEST_ID: &str = "x-ms-client-request-id";

fn method_options(id: &str) -> ClientMethodOptions<'static> {
    ClientMethodOptions {
        context: Context::new().with_value(ClientRequestId::new(id.to_owned())),
    }
}

/// The requests the fake logged since `before`, on ARM only.
fn arm_requests_since(fake: &FakeWorkspace, before: usize) -> Vec<LoggedRequest> {
    fake.requests()
        .into_iter()
        .skip(before)
        .filter(|r| matches!(r.host_kind, HostKind::Arm))
        .collect()
}

fn assert_all_carry(requests: &[LoggedRequest], id: &str) {
    for r in requests {
        assert_eq!(
            r.header(REQUEST_ID),
            Some(id),
            "{} {} lacks the caller's request id",
            r.method,
            r.path
        );
    }
}

/// A fake workspace with the tutorial's endpoint (key auth) created, and a client on it.
async fn fake_with_endpoint() -> (FakeWorkspace, MLClient) {
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    support::create_endpoint(&ml_client, AuthMode::Key).await;
    (fake, ml_client)
}

/// Invokes the tutorial endpoint with `request`, the caller's request id `id` in the options.
async fn invoke_with_id(
    ml_client: &MLClient,
    request: InvokeRequest,
    id: &str,
) -> azure_ai_ml::Result<InvokeResponse> {
    let options = OnlineEndpointsInvokeOptions {
        method_options: method_options(id),
    };
    ml_client
        .online_endpoints()
        .invoke("churn-prediction-v1", request, Some(options))
        .await
}

#[tokio::test]
async fn the_context_reaches_the_put_every_poll_and_the_final_get() {
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1").auth_mode(AuthMode::Key);
    let options = OnlineEndpointsBeginCreateOrUpdateOptions {
        method_options: method_options("create-endpoint"),
    };
    let before = fake.count();
    ml_client
        .online_endpoints()
        .begin_create_or_update(&endpoint, Some(options))
        .await
        .unwrap()
        .await
        .unwrap();

    let requests = arm_requests_since(&fake, before);
    let put = requests.iter().position(|r| r.method == "PUT").unwrap();
    assert!(
        requests[put + 1..].iter().any(|r| r.method == "GET"),
        "the poller read the operation after the PUT: {:?}",
        requests.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    assert_all_carry(&requests, "create-endpoint");

    // Without options, azure_core makes up a fresh id per request.
    let before = fake.count();
    ml_client
        .online_endpoints()
        .get("churn-prediction-v1", None)
        .await
        .unwrap();
    let get = &arm_requests_since(&fake, before)[0];
    assert_ne!(get.header(REQUEST_ID), Some("create-endpoint"));
    assert!(get.header(REQUEST_ID).is_some());
}

#[tokio::test]
async fn the_context_reaches_every_arm_request_of_a_model_registration() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let model = Model::new("customer-churn-model").path(files.p("model/model.pkl"));
    let options = ModelsCreateOrUpdateOptions {
        method_options: method_options("register-model"),
    };
    let before = fake.count();
    ml_client
        .models()
        .create_or_update(&model, Some(options))
        .await
        .unwrap();

    let requests = arm_requests_since(&fake, before);
    // Next version, default datastore, its secrets, the version PUT.
    assert!(requests.len() >= 4, "{requests:?}");
    assert!(requests.iter().any(|r| r.path.ends_with("/listSecrets")));
    assert_all_carry(&requests, "register-model");
}

#[tokio::test]
async fn lists_carry_the_context_and_resume_from_a_continuation() {
    let (fake, ml_client) = fake_with_endpoint().await;

    // Resume from a link (with another api-version, as a service's nextLink may carry): the
    // pager starts there, with the client's api-version and the caller's context.
    let link = Url::parse(&format!(
        "https://management.azure.com/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}/onlineEndpoints?api-version=1999-01-01&resumed=yes",
        fake.subscription_id(),
        fake.resource_group(),
        fake.workspace_name()
    ))
    .unwrap();
    let options = OnlineEndpointsListOptions {
        method_options: PagerOptions {
            context: method_options("list-endpoints").context,
            continuation: Some(PagerContinuation::Link(link)),
        },
    };
    let before = fake.count();
    let listed: Vec<_> = ml_client
        .online_endpoints()
        .list(Some(options))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let requests = arm_requests_since(&fake, before);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query("resumed"), Some("yes"));
    assert_ne!(requests[0].query("api-version"), Some("1999-01-01"));
    assert_all_carry(&requests, "list-endpoints");

    // A continuation elsewhere would get the ARM token: refused before any request.
    let options = OnlineEndpointsListOptions {
        method_options: PagerOptions {
            continuation: Some(PagerContinuation::Link(
                Url::parse("https://evil.example/onlineEndpoints").unwrap(),
            )),
            ..Default::default()
        },
    };
    let before = fake.count();
    let err = ml_client
        .online_endpoints()
        .list(Some(options))
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "continuation"),
        "{err:?}"
    );
    assert_eq!(fake.count(), before);
}

#[tokio::test]
async fn an_invoke_sends_the_callers_request_id_to_the_scoring_uri() {
    let (fake, ml_client) = fake_with_endpoint().await;

    // No deployment takes traffic: the fake logs the request, then answers 404.
    let request = InvokeRequest::text(r#"{"data": [[1, 2]]}"#);
    let answer = invoke_with_id(&ml_client, request, "score-42").await;
    assert!(
        matches!(answer, Err(Error::Service { status: 404, .. })),
        "{answer:?}"
    );
    let scoring = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| matches!(r.host_kind, HostKind::Scoring { .. }))
        .unwrap();
    assert_eq!(scoring.header(REQUEST_ID), Some("score-42"));
}

#[tokio::test]
async fn asset_lists_and_downloads_carry_the_context_to_every_arm_request() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let model = Model::new("customer-churn-model").path(files.p("model/model.pkl"));
    ml_client
        .models()
        .create_or_update(&model, None)
        .await
        .unwrap();

    let before = fake.count();
    let options = ModelsListContainersOptions {
        method_options: PagerOptions {
            context: method_options("list-models").context,
            ..Default::default()
        },
    };
    let containers: Vec<_> = ml_client
        .models()
        .list_containers(ListViewType::All, Some(options))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(containers.len(), 1);
    let requests = arm_requests_since(&fake, before);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query("listViewType"), Some("All"));
    assert_all_carry(&requests, "list-models");

    let before = fake.count();
    let options = EnvironmentsListVersionsOptions {
        method_options: PagerOptions {
            context: method_options("list-envs").context,
            ..Default::default()
        },
    };
    let versions: Vec<_> = ml_client
        .environments()
        .list_versions("churn-model-env", ListViewType::ArchivedOnly, Some(options))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(versions.is_empty());
    let requests = arm_requests_since(&fake, before);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query("listViewType"), Some("ArchivedOnly"));
    assert_all_carry(&requests, "list-envs");

    // An empty name is refused before any request.
    let before = fake.count();
    let err = ml_client
        .models()
        .list_versions(" ", ListViewType::All, None)
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "name"),
        "{err:?}"
    );
    assert_eq!(fake.count(), before);

    let downloads = tempfile::tempdir().unwrap();
    let options = ModelsDownloadOptions {
        method_options: method_options("download-model"),
    };
    let before = fake.count();
    let folder = ml_client
        .models()
        .download("customer-churn-model", "1", downloads.path(), Some(options))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(folder.join("model.pkl")).unwrap(),
        std::fs::read(files.p("model/model.pkl")).unwrap()
    );
    let requests = arm_requests_since(&fake, before);
    // The model, its datastore, the datastore's secrets.
    assert!(requests.len() >= 3, "{requests:?}");
    assert!(requests.iter().any(|r| r.path.ends_with("/listSecrets")));
    assert_all_carry(&requests, "download-model");
}

#[tokio::test]
async fn the_deployment_check_of_a_pinned_invoke_carries_the_context() {
    let (fake, ml_client) = fake_with_endpoint().await;

    let before = fake.count();
    let request = InvokeRequest::text(r#"{"data": [[1, 2]]}"#).deployment("green");
    let answer = invoke_with_id(&ml_client, request, "pinned-42").await;
    assert!(
        matches!(&answer, Err(Error::Validation { field, .. }) if field == "deployment"),
        "{answer:?}"
    );
    let list = arm_requests_since(&fake, before)
        .into_iter()
        .find(|r| r.method == "GET" && r.path.ends_with("/deployments"))
        .expect("the deployments were listed");
    assert_eq!(list.header(REQUEST_ID), Some("pinned-42"));
    // Nothing reached the scoring URI.
    assert!(!fake
        .requests()
        .into_iter()
        .skip(before)
        .any(|r| matches!(r.host_kind, HostKind::Scoring { .. })));
}
