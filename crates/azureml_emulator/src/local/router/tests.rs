//! Router tests against stand-in model servers (plain HTTP on loopback); no Python needed.

use super::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Mutex;

use azure_core::credentials::Secret;

use crate::local::supervisor::InstanceState;

/// A stand-in for azmlinfsrv: `/score` echoes, `slow` sleeps, `fail` answers 500.
struct Upstream {
    port: u16,
    hits: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn upstream(tag: &'static str) -> Upstream {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/score",
        axum::routing::post(move |body: Bytes| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                use axum::response::IntoResponse;
                match &body[..] {
                    b"slow" => {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        (axum::http::StatusCode::OK, "late".to_owned()).into_response()
                    }
                    b"fail" => (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "{\"message\": \"An unexpected error occurred in scoring script.\"}"
                            .to_owned(),
                    )
                        .into_response(),
                    b"server-timeout" => (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        "{\"message\": \"Scoring timeout after 300 ms\"}".to_owned(),
                    )
                        .into_response(),
                    json if json.starts_with(b"{") => (
                        axum::http::StatusCode::OK,
                        [(http::header::CONTENT_TYPE, "application/json")],
                        format!("[\"{tag}\", {}]", String::from_utf8_lossy(json)),
                    )
                        .into_response(),
                    _ => (
                        axum::http::StatusCode::OK,
                        format!("{tag}:{}", String::from_utf8_lossy(&body)),
                    )
                        .into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Upstream { port, hits, task }
}

fn ready_instance(port: u16) -> Arc<InstanceState> {
    let s = InstanceState::default();
    s.port.store(port, Ordering::SeqCst);
    s.ready.store(true, Ordering::SeqCst);
    Arc::new(s)
}

/// The endpoint `churn` and its deployments, published into routing tables on `sync`.
struct TestBackends {
    config: Mutex<EndpointConfig>,
    targets: Mutex<HashMap<String, Arc<DeploymentTarget>>>,
    exists: AtomicBool,
    tables: Arc<RoutingTables>,
}

impl TestBackends {
    fn target(&self, _endpoint: &str, deployment: &str) -> Option<Arc<DeploymentTarget>> {
        self.targets.lock().unwrap().get(deployment).cloned()
    }

    /// Publishes the endpoint (when it exists) and the targets, as the workspace does.
    fn sync(&self) {
        let mut config = self.config.lock().unwrap().clone();
        config.deployments = config.traffic.keys().cloned().collect();
        let endpoints = if self.exists.load(Ordering::SeqCst) {
            BTreeMap::from([("churn".to_owned(), config)])
        } else {
            BTreeMap::new()
        };
        self.tables.publish_endpoints(endpoints);
        let serving = self
            .targets
            .lock()
            .unwrap()
            .iter()
            .map(|(name, t)| (name.clone(), Serving::Ready(t.clone())))
            .collect();
        self.tables
            .publish_serving(HashMap::from([("churn".to_owned(), serving)]));
    }
}

fn backends(traffic: &[(&str, u32)]) -> Arc<TestBackends> {
    let b = Arc::new(TestBackends {
        config: Mutex::new(EndpointConfig {
            auth_mode: AuthMode::Key,
            keys: vec![Secret::new("primary-key"), Secret::new("secondary-key")],
            tokens: Vec::new(),
            traffic: traffic.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            mirror: BTreeMap::new(),
            deployments: Default::default(),
            collect: BTreeMap::new(),
            seed: 0,
        }),
        targets: Mutex::new(HashMap::new()),
        exists: AtomicBool::new(true),
        tables: Arc::new(RoutingTables::default()),
    });
    b.sync();
    b
}

/// An observer with its own recorder, on the system clock.
fn observer() -> Observer {
    Observer {
        recorder: Arc::new(MetricsRecorder::new()),
        clock: Arc::new(crate::core::monitor::SystemClock),
    }
}

/// A router over the backends' tables.
fn router_over(b: &TestBackends) -> Router {
    b.sync();
    Router::new(b.tables.clone(), observer(), None)
}

fn add_target(b: &TestBackends, name: &str, port: u16, max_concurrent: u32, timeout_ms: u64) {
    b.targets.lock().unwrap().insert(
        name.to_owned(),
        Arc::new(DeploymentTarget::new(
            vec![ready_instance(port)],
            max_concurrent,
            Duration::from_millis(timeout_ms),
        )),
    );
    b.sync();
}

fn auth(key: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {key}")).unwrap(),
    );
    h
}

/// One call to `churn` with the primary key, to whichever deployment the traffic picks.
async fn call(router: &Router, body: &'static str) -> ScoreResponse {
    router
        .score("churn", &auth("primary-key"), None, Bytes::from(body))
        .await
}

/// A `slow` call (the stand-in answers it after 2 s), running in the background.
fn call_slow(router: &Arc<Router>) -> tokio::task::JoinHandle<ScoreResponse> {
    let router = router.clone();
    tokio::spawn(async move { call(&router, "slow").await })
}

/// Waits until `reached` holds, checking `tries` times `every` apart; a wait in vain shows
/// in what the test asserts next.
async fn wait_until(tries: u32, every: Duration, reached: impl Fn() -> bool) {
    for _ in 0..tries {
        if reached() {
            break;
        }
        tokio::time::sleep(every).await;
    }
}

#[tokio::test]
async fn key_auth_accepts_both_keys_and_rejects_others() {
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 1, 5000);
    let router = router_over(&b);
    for (headers, want) in [
        (HeaderMap::new(), 401),
        (auth("wrong"), 401),
        (auth(""), 401),
        (auth("primary-key"), 200),
        (auth("secondary-key"), 200),
    ] {
        let r = router
            .score("churn", &headers, None, Bytes::from("x"))
            .await;
        assert_eq!(r.status, want, "{headers:?}");
    }
    let ok = call(&router, "x").await;
    assert_eq!(ok.body, Bytes::from("blue:x"));
    assert_eq!(header(&ok, DEPLOYMENT_HEADER), Some("blue"));
    // A regenerated key replaces the old one: the old one now fails.
    b.config.lock().unwrap().keys[0] = Secret::new("new-primary");
    b.sync();
    let old = call(&router, "x").await;
    assert_eq!(old.status, 401);
    let new = router
        .score("churn", &auth("new-primary"), None, Bytes::from("x"))
        .await;
    assert_eq!(new.status, 200);
    b.exists.store(false, Ordering::SeqCst);
    b.sync();
    let gone = router
        .score("churn", &auth("new-primary"), None, Bytes::from("x"))
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn aml_tokens_work_until_they_expire() {
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 1, 5000);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    {
        let mut c = b.config.lock().unwrap();
        c.auth_mode = AuthMode::AmlToken;
        c.tokens = vec![
            (Secret::new("fresh"), now + 3600),
            (Secret::new("stale"), now - 1),
        ];
    }
    let router = router_over(&b);
    let fresh = router
        .score("churn", &auth("fresh"), None, Bytes::new())
        .await;
    assert_eq!(fresh.status, 200);
    let stale = router
        .score("churn", &auth("stale"), None, Bytes::new())
        .await;
    assert_eq!(stale.status, 401);
    let key = router
        .score("churn", &auth("primary-key"), None, Bytes::new())
        .await;
    assert_eq!(key.status, 401, "keys are not accepted in aml_token mode");
}

#[tokio::test]
async fn traffic_split_pins_and_zero_traffic() {
    let blue = upstream("blue").await;
    let green = upstream("green").await;
    let b = backends(&[("blue", 90), ("green", 10)]);
    add_target(&b, "blue", blue.port, 10, 5000);
    add_target(&b, "green", green.port, 10, 5000);
    let router = router_over(&b);
    for _ in 0..1000 {
        let r = router
            .score("churn", &auth("primary-key"), None, Bytes::new())
            .await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(blue.hits.load(Ordering::SeqCst), 900);
    assert_eq!(green.hits.load(Ordering::SeqCst), 100);
    let blue_stats = b.target("churn", "blue").unwrap().stats();
    assert_eq!(blue_stats.requests, 900);
    assert_eq!(blue_stats.status_counts.get(&200), Some(&900));
    assert!(blue_stats.latency_percentile_ms(50.0).is_some());

    b.config.lock().unwrap().traffic = [("blue".to_owned(), 0), ("green".to_owned(), 0)].into();
    b.sync();
    let none = router
        .score("churn", &auth("primary-key"), None, Bytes::new())
        .await;
    assert_eq!(none.status, 404);
    assert!(String::from_utf8_lossy(&none.body).contains("No valid deployments to route to"));

    let mut pinned = auth("primary-key");
    pinned.insert(DEPLOYMENT_HEADER, HeaderValue::from_static("green"));
    let r = router.score("churn", &pinned, None, Bytes::from("p")).await;
    assert_eq!((r.status, r.body), (200, Bytes::from("green:p")));
    pinned.insert(DEPLOYMENT_HEADER, HeaderValue::from_static("purple"));
    let r = router.score("churn", &pinned, None, Bytes::new()).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn mirror_traffic_copies_without_changing_the_answer() {
    let blue = upstream("blue").await;
    let green = upstream("green").await;
    let b = backends(&[("blue", 100), ("green", 0)]);
    b.config.lock().unwrap().mirror = [("green".to_owned(), 20)].into();
    add_target(&b, "blue", blue.port, 10, 5000);
    add_target(&b, "green", green.port, 10, 5000);
    let router = router_over(&b);
    for _ in 0..50 {
        let r = call(&router, "m").await;
        assert_eq!((r.status, r.body), (200, Bytes::from("blue:m")));
    }
    assert_eq!(
        b.target("churn", "green")
            .unwrap()
            .stats()
            .mirrored_requests,
        10
    );
    // The copies are fire-and-forget; wait (bounded) for them to land.
    wait_until(200, Duration::from_millis(10), || {
        green.hits.load(Ordering::SeqCst) == 10
    })
    .await;
    assert_eq!(green.hits.load(Ordering::SeqCst), 10);
    assert_eq!(blue.hits.load(Ordering::SeqCst), 50);
}

#[tokio::test]
async fn limits_timeouts_and_model_errors() {
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 1, 300);
    let router = Arc::new(router_over(&b));
    // 2 × 1 × 1 = 2 requests may be in flight; the third gets 429.
    let slow = [call_slow(&router), call_slow(&router)];
    wait_until(500, Duration::from_millis(2), || {
        up.hits.load(Ordering::SeqCst) == 2
    })
    .await;
    let third = call(&router, "x").await;
    assert_eq!(third.status, 429);
    for task in slow {
        let r = task.await.unwrap();
        assert_eq!(r.status, 408, "{:?}", r.body);
    }
    let failed = call(&router, "fail").await;
    assert_eq!(failed.status, 424);
    assert!(String::from_utf8_lossy(&failed.body)
        .contains("unexpected error occurred in scoring script"));
    let stats = b.target("churn", "blue").unwrap().stats();
    assert_eq!(stats.status_counts.get(&408), Some(&2));
    assert_eq!(stats.status_counts.get(&429), Some(&1));
    assert_eq!(stats.status_counts.get(&424), Some(&1));
    // The 429 was turned away before reaching the model: three latencies, not four.
    assert_eq!(stats.latencies_ms.len(), 3);
    assert_eq!(stats.requests, 4);
}

#[tokio::test]
async fn no_ready_instance_is_503() {
    let b = backends(&[("blue", 100)]);
    let state = Arc::new(InstanceState::default());
    b.targets.lock().unwrap().insert(
        "blue".into(),
        Arc::new(DeploymentTarget::new(
            vec![state],
            1,
            Duration::from_secs(1),
        )),
    );
    let router = router_over(&b);
    let r = router
        .score("churn", &auth("primary-key"), None, Bytes::new())
        .await;
    assert_eq!(r.status, 503);
    assert_eq!(header(&r, "retry-after"), Some("1"), "{:?}", r.headers);
}

fn header<'a>(r: &'a ScoreResponse, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// A loopback port nothing listens on (bound, then closed).
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_call_that_cannot_connect_goes_to_another_ready_instance() {
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    b.targets.lock().unwrap().insert(
        "blue".into(),
        Arc::new(DeploymentTarget::new(
            vec![ready_instance(dead_port()), ready_instance(up.port)],
            10,
            Duration::from_secs(5),
        )),
    );
    let router = router_over(&b);
    for _ in 0..20 {
        let r = call(&router, "x").await;
        assert_eq!((r.status, r.body), (200, Bytes::from("blue:x")));
    }
    assert_eq!(up.hits.load(Ordering::SeqCst), 20);

    // With no other instance, the caller is told when to come back instead of a bare 502.
    let lone = backends(&[("blue", 100)]);
    add_target(&lone, "blue", dead_port(), 1, 5000);
    let r = router_over(&lone)
        .score("churn", &auth("primary-key"), None, Bytes::from("x"))
        .await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    let wait: u64 = header(&r, "retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(header(&r, "retry-after-ms").is_some());
    let stats = lone.target("churn", "blue").unwrap().stats();
    assert_eq!(stats.status_counts.get(&503), Some(&1));
    assert!(
        stats.latencies_ms.is_empty(),
        "a refused call is no latency sample"
    );
}

#[tokio::test]
async fn retired_processes_finish_their_calls_and_new_calls_go_to_the_new_ones() {
    let old = upstream("old").await;
    let new = upstream("new").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", old.port, 10, 5000);
    let router = Arc::new(router_over(&b));
    let slow = call_slow(&router);
    wait_until(500, Duration::from_millis(2), || {
        old.hits.load(Ordering::SeqCst) == 1
    })
    .await;
    let retired = b.target("churn", "blue").unwrap();
    add_target(&b, "blue", new.port, 10, 5000);
    retired.retire();
    let fresh = call(&router, "x").await;
    assert_eq!((fresh.status, fresh.body), (200, Bytes::from("new:x")));
    assert_eq!(
        retired.stats().in_flight,
        1,
        "the old call is still running"
    );
    let drained = {
        let retired = retired.clone();
        tokio::spawn(async move { retired.drained(Duration::from_secs(30)).await })
    };
    let answered = slow.await.unwrap();
    assert_eq!((answered.status, answered.body), (200, Bytes::from("late")));
    drained.await.unwrap();
    assert_eq!(retired.stats().in_flight, 0);

    // A call that found the retired processes before the switch follows to the new ones.
    let held = b.target("churn", "blue").unwrap();
    held.retire();
    add_target(&b, "blue", old.port, 10, 5000);
    let r = call(&router, "y").await;
    assert_eq!((r.status, r.body), (200, Bytes::from("old:y")));
}

#[tokio::test]
async fn starting_and_failed_deployments_say_which_they_are() {
    let fixed = |serving: Serving| {
        let tables = Arc::new(RoutingTables::default());
        tables.publish_endpoints(BTreeMap::from([(
            "churn".to_owned(),
            EndpointConfig {
                auth_mode: AuthMode::Key,
                keys: vec![Secret::new("k")],
                tokens: Vec::new(),
                traffic: [("blue".to_owned(), 100)].into(),
                mirror: BTreeMap::new(),
                deployments: ["blue".to_owned()].into(),
                collect: BTreeMap::new(),
                seed: 0,
            },
        )]));
        tables.publish_serving(HashMap::from([(
            "churn".to_owned(),
            HashMap::from([("blue".to_owned(), serving)]),
        )]));
        Router::new(tables, observer(), None)
    };
    let starting = fixed(Serving::Starting)
        .score("churn", &auth("k"), None, Bytes::new())
        .await;
    assert_eq!(starting.status, 503);
    assert_eq!(header(&starting, "retry-after"), Some("1"));
    assert!(String::from_utf8_lossy(&starting.body).contains("no running instances yet"));
    let failed = fixed(Serving::Failed("ResourceNotReady: init exploded".into()))
        .score("churn", &auth("k"), None, Bytes::new())
        .await;
    assert_eq!(failed.status, 424, "not a status clients retry");
    assert!(header(&failed, "retry-after").is_none());
    let text = String::from_utf8_lossy(&failed.body);
    assert!(
        text.contains("failed") && text.contains("init exploded"),
        "{text}"
    );
    assert!(!text.contains("yet"), "{text}");
}

#[tokio::test]
async fn the_servers_own_scoring_timeout_is_a_408_and_rejections_add_no_latency() {
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 1, 5000);
    let router = router_over(&b);
    let r = router
        .score(
            "churn",
            &auth("primary-key"),
            None,
            Bytes::from("server-timeout"),
        )
        .await;
    assert_eq!(r.status, 408, "{:?}", r.body);
    let ok = call(&router, "x").await;
    assert_eq!(ok.status, 200);
    let stats = b.target("churn", "blue").unwrap().stats();
    assert_eq!(stats.latencies_ms.len(), 2, "the model answered both");
}

#[tokio::test]
async fn every_live_call_lands_in_the_metrics_and_refusals_carry_no_latency() {
    use crate::core::monitor::ManualClock;
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 1, 300);
    b.sync();
    let at = time::macros::datetime!(2024-05-01 10:00:30 UTC);
    let recorder = Arc::new(MetricsRecorder::new());
    let router = Arc::new(Router::new(
        b.tables.clone(),
        Observer {
            recorder: recorder.clone(),
            clock: Arc::new(ManualClock::new(at)),
        },
        None,
    ));
    // Two slow calls fill the in-flight limit (2 × 1 × 1); the third is refused with 429.
    let slow = [call_slow(&router), call_slow(&router)];
    wait_until(500, Duration::from_millis(2), || {
        up.hits.load(Ordering::SeqCst) == 2
    })
    .await;
    let refused = call(&router, "x").await;
    assert_eq!(refused.status, 429);
    for task in slow {
        assert_eq!(task.await.unwrap().status, 408);
    }
    for body in ["a", "b", "fail"] {
        call(&router, body).await;
    }
    // Calls that reach no deployment (bad key, unknown pin) are not a deployment's requests.
    assert_eq!(
        router
            .score("churn", &auth("nope"), None, Bytes::new())
            .await
            .status,
        401
    );
    let minute = at + Duration::from_secs(60);
    assert_eq!(recorder.request_count("churn", Some("blue"), at, minute), 6);
    let unix = at.unix_timestamp();
    let buckets = recorder.buckets(
        "churn",
        Some("blue"),
        crate::core::monitor::Grain::Minute,
        unix - 60,
        unix + 60,
    );
    assert_eq!(buckets.len(), 1);
    let bucket = &buckets[0].1;
    let count = |status: u16, from_model: bool| {
        bucket
            .requests
            .iter()
            .filter(|c| c.status == status && c.from_model == from_model)
            .map(|c| c.count)
            .sum::<u64>()
    };
    assert_eq!(
        (
            count(200, true),
            count(408, true),
            count(424, true),
            count(429, false)
        ),
        (2, 2, 1, 1)
    );
    assert_eq!(bucket.latency.count, 5, "the 429 has no latency");
}

#[tokio::test]
async fn a_removed_instance_takes_no_new_call_and_drains_its_own() {
    let first = upstream("first").await;
    let second = upstream("second").await;
    let b = backends(&[("blue", 100)]);
    let (one, two) = (ready_instance(first.port), ready_instance(second.port));
    let target = Arc::new(DeploymentTarget::new(
        vec![one.clone(), two.clone()],
        10,
        Duration::from_secs(5),
    ));
    b.targets
        .lock()
        .unwrap()
        .insert("blue".into(), target.clone());
    let router = Arc::new(router_over(&b));
    // Round-robin: the slow call lands on one instance; find which.
    let slow = call_slow(&router);
    wait_until(500, Duration::from_millis(2), || {
        first.hits.load(Ordering::SeqCst) + second.hits.load(Ordering::SeqCst) == 1
    })
    .await;
    let (busy, busy_hits, other_hits) = if first.hits.load(Ordering::SeqCst) == 1 {
        (one.clone(), first.hits.clone(), second.hits.clone())
    } else {
        (two.clone(), second.hits.clone(), first.hits.clone())
    };
    assert_eq!(busy.in_flight.load(Ordering::SeqCst), 1);
    target.remove_instance(&busy);
    assert_eq!(target.instances().len(), 1);
    assert_eq!(
        target.max_in_flight(),
        2 * 10,
        "the limit follows the instances"
    );
    for _ in 0..10 {
        let r = call(&router, "x").await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(
        busy_hits.load(Ordering::SeqCst),
        1,
        "no new call on the drained one"
    );
    assert_eq!(other_hits.load(Ordering::SeqCst), 10);
    let drained = {
        let busy = busy.clone();
        tokio::spawn(async move { busy.drained(Duration::from_secs(30)).await })
    };
    let late = slow.await.unwrap();
    assert_eq!((late.status, late.body), (200, Bytes::from("late")));
    assert!(
        drained.await.unwrap(),
        "the in-flight call finished: drained"
    );
    // A drained instance that comes back (scale out) takes calls again once in rotation.
    let fresh = ready_instance(first.port);
    target.add_instance(fresh.clone());
    target.add_instance(fresh);
    assert_eq!(target.instances().len(), 2, "added once");
    // And an instance that never drains reports it when the limit passes.
    let stuck = ready_instance(first.port);
    stuck.draining.store(true, Ordering::SeqCst);
    let call = stuck.enter();
    assert!(call.is_none(), "a draining instance refuses new calls");
    stuck.in_flight.fetch_add(1, Ordering::SeqCst);
    assert!(!stuck.drained(Duration::from_millis(20)).await);
}

#[tokio::test]
async fn sampled_calls_are_collected_with_one_correlation_id() {
    use crate::core::monitor::{CollectionConfig, DataCollectionConfig, RollingRate};
    let up = upstream("blue").await;
    let b = backends(&[("blue", 100)]);
    add_target(&b, "blue", up.port, 10, 5000);
    let config = DataCollectionConfig {
        collections: ["model_inputs", "model_outputs"]
            .into_iter()
            .map(|name| CollectionConfig {
                name: name.into(),
                sampling_rate: 0.5,
            })
            .collect(),
        rolling_rate: RollingRate::Hour,
    };
    b.config
        .lock()
        .unwrap()
        .collect
        .insert("blue".into(), Arc::new(config));
    b.sync();
    let dir = tempfile::tempdir().unwrap();
    let recorder = Arc::new(MetricsRecorder::new());
    let at = time::macros::datetime!(2024-05-01 09:05:07 UTC);
    let collector = Arc::new(crate::local::collector::DataCollector::start(
        dir.path().to_path_buf(),
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws".into(),
        recorder.clone(),
    ));
    let router = Router::new(
        b.tables.clone(),
        Observer {
            recorder: recorder.clone(),
            clock: Arc::new(crate::core::monitor::ManualClock::new(at)),
        },
        Some(collector.clone()),
    );
    let mut ids = Vec::new();
    for i in 0..20 {
        let body = format!("{{\"data\": [[{i}, 1]]}}");
        let r = router
            .score("churn", &auth("primary-key"), None, Bytes::from(body))
            .await;
        assert_eq!(r.status, 200);
        ids.extend(header(&r, "x-request-id").map(str::to_owned));
    }
    // A text answer is no model output; a failed call is not collected.
    call(&router, "fail").await;
    collector.flush(Duration::from_secs(10)).await;
    assert_eq!(ids.len(), 10, "half of 20 calls are sampled");
    let folder = dir.path().join("modelDataCollector/churn/blue");
    let read = |collection: &str| -> Vec<serde_json::Value> {
        let path = folder.join(collection).join("2024/05/01/09");
        let files: Vec<_> = std::fs::read_dir(&path).unwrap().flatten().collect();
        assert_eq!(files.len(), 1, "one file per instance");
        std::fs::read_to_string(files[0].path())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (inputs, outputs) = (read("model_inputs"), read("model_outputs"));
    assert_eq!((inputs.len(), outputs.len()), (10, 10));
    for (i, (input, output)) in inputs.iter().zip(&outputs).enumerate() {
        assert_eq!(input["correlationid"], output["correlationid"]);
        assert_eq!(input["correlationid"].as_str(), Some(ids[i].as_str()));
        assert_eq!(input["type"], "azureml.inference.model_inputs");
        assert_eq!(output["data"][0], "blue");
        assert_eq!(input["data"], output["data"][1]["data"]);
    }
    let minute = at + Duration::from_secs(60);
    let events: u64 = recorder
        .buckets(
            "churn",
            Some("blue"),
            crate::core::monitor::Grain::Minute,
            at.unix_timestamp() - 60,
            minute.unix_timestamp(),
        )
        .iter()
        .map(|(_, b)| b.dc_events)
        .sum();
    assert_eq!(events, 20);
    collector.stop(Duration::from_secs(5)).await;
}
