//! A hostile or broken server on 127.0.0.1 for the client-bounds tests, and clients pointed at
//! it with small limits. Every server task ends when its `Server` is dropped.

#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_ai_ml::{MLClient, MLClientOptions};
use azure_core::http::{ClientOptions, FixedRetryOptions, RetryOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "../../src/test_support/credential.rs"]
mod credential;
pub use credential::TestCredential;

/// The ARM token every client here sends.
pub const ARM_TOKEN: &str = "arm-token-SECRET";

/// The workspace part of every ARM path.
pub const WS: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

/// Options pointed at `base` with small limits: 300 ms per try, 500 ms of retries, three
/// retries 10 ms apart, no wait between polls unless a test says otherwise.
pub fn small_limits(base: &str) -> MLClientOptions {
    let mut options = MLClientOptions::default()
        .with_redirect(base.parse().unwrap())
        .with_request_timeout(Some(Duration::from_millis(300)))
        .with_retry_budget(Duration::from_millis(500))
        .with_max_retry_after(Duration::from_millis(50))
        .with_scoring_timeout(Some(Duration::from_millis(300)));
    options.client_options = ClientOptions {
        retry: RetryOptions::fixed(FixedRetryOptions {
            delay: azure_core::time::Duration::milliseconds(10),
            max_retries: 3,
            ..Default::default()
        }),
        ..Default::default()
    };
    options
}

/// A scoring client builder for `{base}/score` with a key.
pub fn scoring_builder(base: &str) -> azure_ai_ml::invoke::ScoringClientBuilder {
    azure_ai_ml::invoke::ScoringClient::builder()
        .with_key(format!("{base}/score").parse().unwrap(), "k".to_owned())
}

/// A client for workspace `ws` with `options`.
pub fn client_with(options: MLClientOptions) -> (MLClient, Arc<TestCredential>) {
    // ARM_TOKEN for ARM, a numbered token for any other audience.
    let credential = Arc::new(TestCredential::new(|scopes, n| {
        if scopes.iter().any(|s| s.contains("management")) {
            ARM_TOKEN.to_owned()
        } else {
            format!("other-token-{n}")
        }
    }));
    let client = MLClient::new(credential.clone(), "sub", "rg", "ws", Some(options)).unwrap();
    (client, credential)
}

/// Runs `f` with a time limit, so that a regression fails the test instead of hanging it.
pub async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(20), f).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: no result within 20 s (hang)"),
    }
}

/// An online endpoint's ARM answer (`key` auth, with a scoring URI).
pub fn endpoint_json(name: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("{WS}/onlineEndpoints/{name}"),
        "name": name,
        "location": "eastus",
        "properties": {"authMode": "Key", "provisioningState": state,
                       "scoringUri": "https://ep.eastus.inference.ml.azure.com/score"}
    })
}

/// The workspace GET (for its location) on `server`.
pub async fn mount_workspace(server: &wiremock::MockServer) {
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(WS))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"location": "eastus"})),
        )
        .mount(server)
        .await;
}

/// What the raw server does with a request it has read.
#[derive(Clone)]
pub enum Action {
    /// Send these bytes (a whole HTTP/1.1 answer) and close.
    Answer(Vec<u8>),
    /// Send this head, then hold the connection without a body.
    HeadThenStall(Vec<u8>),
    /// Close with a TCP reset.
    Reset,
    /// Keep the connection open and never answer.
    Hang,
}

/// `HTTP/1.1 {status}` with a JSON body.
pub fn json_answer(status: u16, body: &str) -> Action {
    Action::Answer(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// One request as the raw server read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub head: String,
}

/// A raw TCP server speaking just enough HTTP/1.1; `respond` decides per request.
pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start<F>(respond: F) -> Self
    where
        F: Fn(&Seen) -> Action + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let respond = Arc::new(respond);
        let (seen2, connections2) = (seen.clone(), connections.clone());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            /// Ends a connection's task with the server's.
            struct AbortOnDrop(tokio::task::JoinHandle<()>);
            impl Drop for AbortOnDrop {
                fn drop(&mut self) {
                    self.0.abort();
                }
            }
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                connections2.fetch_add(1, Ordering::SeqCst);
                let respond = respond.clone();
                let seen = seen2.clone();
                held.push(AbortOnDrop(tokio::spawn(serve(stream, respond, seen))));
            }
        });
        Self {
            base,
            seen,
            connections,
            task,
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .count()
    }
}

async fn serve(
    mut stream: TcpStream,
    respond: Arc<dyn Fn(&Seen) -> Action + Send + Sync>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        seen.lock().unwrap().push(request.clone());
        match respond(&request) {
            Action::Answer(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Action::HeadThenStall(head) => {
                let _ = stream.write_all(&head).await;
                std::future::pending::<()>().await;
            }
            Action::Reset => {
                // A zero linger turns the close into a reset (and a zero wait cannot block).
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                return;
            }
            Action::Hang => std::future::pending::<()>().await,
        }
    }
}

/// Reads one request head and its `content-length` body (at most 1 MiB).
async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
        .min(1 << 20);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    Some(Seen {
        method: first.next().unwrap_or_default().to_owned(),
        path: first.next().unwrap_or_default().to_owned(),
        head,
    })
}
