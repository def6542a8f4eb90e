//! Studio's pages over HTTPS without a browser or Python: what each page shows, escaping of
//! hostile strings, the token and same-origin rules on changes, loopback-only `Host`, the
//! headers (no-store, CSP), and a traffic change going through the core like the SDK's PUT.
//! Deployments here never run (their model cannot be fetched), which is all the traffic
//! rules need; tests/studio_browser.rs drives the real thing in Chromium.
#![cfg(feature = "local")]

use std::time::{Duration, Instant};

use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";
const HOSTILE: &str = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";

struct Fixture {
    ws: LocalWorkspace,
    http: reqwest::Client,
    base: String,
    origin: String,
    cookie: String,
    _dir: tempfile::TempDir,
}

struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Fixture {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // No Python is used: deployments fail at their model, before any venv is built.
        let options = LocalWorkspaceOptions::default()
            .with_dir(dir.path())
            .with_python("/nonexistent/python3")
            .with_uv("off");
        let ws = LocalWorkspace::start(options).await.unwrap();
        let ca = reqwest::Certificate::from_pem(ws.ca_pem().as_bytes()).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let base = ws.base_url().as_str().trim_end_matches('/').to_owned();
        let port = ws.base_url().port().unwrap();
        let cookie = format!("azml-studio-{port}={}", ws.studio_token());
        Self {
            origin: base.clone(),
            base,
            http,
            cookie,
            ws,
            _dir: dir,
        }
    }

    async fn arm(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, body, _) = self.arm_with_headers(method, path, body).await;
        (status, body)
    }

    /// A PUT and its operation, to the end.
    async fn put(&self, path: &str, body: Value) {
        let (status, answer, headers) = self.arm_with_headers("PUT", path, Some(body)).await;
        assert!(status < 300, "{path}: {answer}");
        let op = headers
            .get("azure-asyncoperation")
            .and_then(|v| v.to_str().ok())
            .expect("an operation")
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status: Value = serde_json::from_slice(
                &self
                    .http
                    .get(&op)
                    .bearer_auth("local-token")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap(),
            )
            .unwrap();
            if matches!(
                status["status"].as_str(),
                Some("Succeeded" | "Failed" | "Canceled")
            ) {
                return;
            }
            assert!(Instant::now() < deadline, "{path}: {status}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn arm_with_headers(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, HeaderMap) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut request = self
            .http
            .request(
                method.parse().unwrap(),
                format!("{}{WORKSPACE}/{path}{sep}api-version=2025-12-01", self.base),
            )
            .bearer_auth("local-token");
        if let Some(b) = body {
            request = request
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    async fn wait_endpoint(&self, name: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, endpoint) = self
                .arm("GET", &format!("onlineEndpoints/{name}"), None)
                .await;
            assert_eq!(status, 200, "{endpoint}");
            let state = endpoint["properties"]["provisioningState"]
                .as_str()
                .unwrap_or("");
            if matches!(state, "Succeeded" | "Failed" | "Canceled") {
                return endpoint;
            }
            assert!(Instant::now() < deadline, "{name} stuck in {state}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn get(&self, path: &str, signed_in: bool) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if signed_in {
            request = request.header("cookie", &self.cookie);
        }
        read(request.send().await.unwrap()).await
    }

    /// A signed-in form post from the page's own origin (what the browser sends).
    async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post(path, form, true, Some(&self.origin)).await
    }

    /// `/studio` by `method`, with `host` as the `Host` header when given.
    async fn studio_root(&self, method: reqwest::Method, host: Option<&str>) -> Page {
        let mut request = self.http.request(method, format!("{}/studio", self.base));
        if let Some(h) = host {
            request = request.header("host", h);
        }
        read(request.send().await.unwrap()).await
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: bool,
        origin: Option<&str>,
    ) -> Page {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded(form));
        if cookie {
            request = request.header("cookie", &self.cookie);
        }
        if let Some(o) = origin {
            request = request.header("origin", o);
        }
        read(request.send().await.unwrap()).await
    }

    /// An endpoint with two deployments that exist (and fail: their model is nowhere).
    async fn seed(&self) {
        self.put(
            "onlineEndpoints/churn-prediction-v1",
            json!({
                "location": "eastus",
                "identity": {"type": "SystemAssigned"},
                "tags": {"team": HOSTILE},
                "properties": {"authMode": "Key", "description": HOSTILE}
            }),
        )
        .await;
        for name in ["blue", "green"] {
            self.put(
                    &format!("onlineEndpoints/churn-prediction-v1/deployments/{name}"),
                    json!({
                        "location": "eastus",
                        "sku": {"name": "Default", "capacity": 1},
                        "properties": {
                            "endpointComputeType": "Managed",
                            "model": "azureml://registries/nowhere/models/customer-churn-model/versions/1",
                            "environmentId": "azureml://registries/nowhere/environments/churn-model-env/versions/1",
                            "instanceType": "Standard_DS3_v2",
                            "environmentVariables": {"SECRET_SETTING": "hunter2"}
                        }
                    }),
                )
                .await;
        }
        self.put(
            "onlineEndpoints/churn-prediction-v1",
            json!({
                "location": "eastus",
                "identity": {"type": "SystemAssigned"},
                "tags": {"team": HOSTILE},
                "properties": {"authMode": "Key", "description": HOSTILE, "traffic": {"blue": 100}}
            }),
        )
        .await;
    }
}

fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn read(response: reqwest::Response) -> Page {
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

fn header<'a>(page: &'a Page, name: &str) -> &'a str {
    page.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_the_workspace_and_escape_what_they_show() {
    let f = Fixture::start().await;
    let empty = f.get("/studio", false).await;
    assert_eq!(empty.status, 200);
    assert!(
        empty.body.contains("No online endpoints yet"),
        "{}",
        empty.body
    );
    assert_eq!(header(&empty, "cache-control"), "no-store");
    assert!(header(&empty, "content-security-policy").contains("script-src 'self'"));
    assert_eq!(header(&empty, "x-frame-options"), "DENY");
    assert!(header(&empty, "content-type").starts_with("text/html"));

    f.seed().await;
    let list = f.get("/studio", false).await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("data-endpoint=\"churn-prediction-v1\""),
        "{}",
        list.body
    );
    assert!(list.body.contains("blue 100 %"), "{}", list.body);
    assert!(list
        .body
        .contains(&format!("{}/endpoints/churn-prediction-v1/score", f.base)));

    let details = f.get("/studio/endpoints/churn-prediction-v1", false).await;
    assert_eq!(details.status, 200);
    for d in ["blue", "green"] {
        assert!(
            details.body.contains(&format!("data-deployment=\"{d}\"")),
            "{d}"
        );
    }
    assert!(details.body.contains("customer-churn-model"), "model shown");
    // The hostile description and tag are text, never markup.
    assert!(!details.body.contains("<script>alert"), "unescaped script");
    assert!(!details.body.contains("<img src=x"), "unescaped img");
    assert!(details
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Environment variable values are not shown; keys are hidden.
    assert!(details.body.contains("SECRET_SETTING"));
    assert!(!details.body.contains("hunter2"));
    let (_, keys) = f
        .arm("POST", "onlineEndpoints/churn-prediction-v1/listKeys", None)
        .await;
    let primary = keys["primaryKey"].as_str().unwrap();
    assert!(!details.body.contains(primary), "keys must stay hidden");

    for tab in ["test", "monitoring", "logs"] {
        let page = f
            .get(
                &format!("/studio/endpoints/churn-prediction-v1/{tab}"),
                false,
            )
            .await;
        assert_eq!(page.status, 200, "{tab}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "{tab}");
    }
    let monitoring = f
        .get(
            "/studio/endpoints/churn-prediction-v1/monitoring?view=10s",
            false,
        )
        .await;
    for chart in [
        "chart-requests",
        "chart-status",
        "chart-latency",
        "chart-cpu",
        "chart-memory",
        "chart-instances",
    ] {
        assert!(
            monitoring.body.contains(&format!("id=\"{chart}\"")),
            "{chart}"
        );
    }
    let fragment = f
        .get(
            "/studio/endpoints/churn-prediction-v1/monitoring?fragment=charts",
            false,
        )
        .await;
    assert!(fragment.body.starts_with("<div id=\"charts\""));

    for tab in ["", "/test", "/monitoring", "/logs", "/logs.txt"] {
        let missing = f
            .get(&format!("/studio/endpoints/nope-nope{tab}"), false)
            .await;
        assert_eq!(missing.status, 404, "{tab}: {}", missing.body);
    }
    let unknown = f.get("/studio/what", false).await;
    assert_eq!(unknown.status, 404);

    let css = f.get("/studio/static/studio.css", false).await;
    assert_eq!(css.status, 200);
    assert!(header(&css, "cache-control").contains("max-age"));
    assert!(header(&css, "content-type").starts_with("text/css"));
    f.ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_need_the_token_and_the_same_origin() {
    let f = Fixture::start().await;
    f.seed().await;
    let path = "/studio/endpoints/churn-prediction-v1/traffic";
    let split = [("traffic.blue", "90"), ("traffic.green", "10")];
    let origin = f.origin.clone();

    // The banner's link: the token becomes a cookie and leaves the URL.
    let url = f.ws.studio_url();
    assert!(url
        .as_str()
        .contains(&format!("token={}", f.ws.studio_token())));
    let login = f
        .get(&format!("/studio?{}", url.query().unwrap()), false)
        .await;
    assert_eq!(login.status, 303);
    assert_eq!(header(&login, "location"), "/studio");
    let set_cookie = header(&login, "set-cookie");
    assert!(set_cookie.starts_with(&f.cookie), "{set_cookie}");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/studio"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let wrong = f.get("/studio?token=not-the-token", false).await;
    assert_eq!(wrong.status, 403);

    // Without the token; without an Origin; from another origin: refused, nothing changes.
    let no_token = f.post(path, &split, false, Some(&origin)).await;
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    assert!(
        no_token.body.contains("needs this run&#39;s studio token"),
        "{}",
        no_token.body
    );
    let no_origin = f.post(path, &split, true, None).await;
    assert_eq!(no_origin.status, 403);
    let cross = f
        .post(path, &split, true, Some("https://127.0.0.1:1"))
        .await;
    assert_eq!(cross.status, 403);
    let evil = f
        .post(path, &split, true, Some("https://evil.example"))
        .await;
    assert_eq!(evil.status, 403);
    let wrong_field = f
        .post(
            path,
            &[
                ("traffic.blue", "90"),
                ("traffic.green", "10"),
                ("token", "guess"),
            ],
            false,
            Some(&origin),
        )
        .await;
    assert_eq!(wrong_field.status, 403);
    let endpoint = f.wait_endpoint("churn-prediction-v1").await;
    assert_eq!(endpoint["properties"]["traffic"], json!({"blue": 100}));

    // The SDK's rules, before any PUT.
    let bad_sum = f
        .submit(path, &[("traffic.blue", "90"), ("traffic.green", "5")])
        .await;
    assert_eq!(bad_sum.status, 400);
    assert!(
        bad_sum.body.contains("values must add up to 100 (got 95)"),
        "{}",
        bad_sum.body
    );
    assert!(
        bad_sum.body.contains("value=\"5\""),
        "the form keeps what was typed"
    );
    let both = f
        .submit(path, &[("traffic.blue", "100"), ("mirror.blue", "10")])
        .await;
    assert_eq!(both.status, 400);
    assert!(both
        .body
        .contains("cannot receive both live and mirror traffic"));
    let too_much_mirror = f
        .submit(path, &[("traffic.blue", "100"), ("mirror.green", "60")])
        .await;
    assert_eq!(too_much_mirror.status, 400);
    let not_number = f.submit(path, &[("traffic.blue", "ninety")]).await;
    assert_eq!(not_number.status, 400);
    // The service's rule: a deployment that does not exist.
    let ghost = f
        .submit(path, &[("traffic.blue", "50"), ("traffic.ghost", "50")])
        .await;
    assert_eq!(ghost.status, 400, "{}", ghost.body);
    assert!(
        ghost.body.contains("does not exist under this endpoint"),
        "{}",
        ghost.body
    );

    // With the cookie and the right origin: the PUT, its operation, the page again.
    let ok = f.submit(path, &split).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(
        header(&ok, "location").starts_with("/studio/endpoints/churn-prediction-v1?done=traffic")
    );
    let endpoint = f.wait_endpoint("churn-prediction-v1").await;
    assert_eq!(
        endpoint["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );
    assert_eq!(endpoint["properties"]["provisioningState"], "Succeeded");
    // Kept across a restart like any PUT.
    let state = std::fs::read_to_string(f.ws.dir().join("state.json")).unwrap();
    assert!(state.contains("\"green\":10"), "persisted");
    // The token in a form field works too (for clients without the cookie), with the origin.
    let mirror = f
        .post(
            path,
            &[
                ("traffic.blue", "100"),
                ("traffic.green", "0"),
                ("mirror.green", "20"),
                ("token", f.ws.studio_token()),
            ],
            false,
            Some(&origin),
        )
        .await;
    assert_eq!(mirror.status, 303, "{}", mirror.body);
    let endpoint = f.wait_endpoint("churn-prediction-v1").await;
    assert_eq!(endpoint["properties"]["traffic"], json!({"blue": 100}));
    assert_eq!(
        endpoint["properties"]["mirrorTraffic"],
        json!({"green": 20})
    );

    // Keys: refused without the token, shown (never cached) with it, regenerated.
    let keys_path = "/studio/endpoints/churn-prediction-v1/keys";
    let refused = f
        .post(keys_path, &[("action", "show")], false, Some(&origin))
        .await;
    assert_eq!(refused.status, 403);
    let (_, keys) = f
        .arm("POST", "onlineEndpoints/churn-prediction-v1/listKeys", None)
        .await;
    let primary = keys["primaryKey"].as_str().unwrap().to_owned();
    assert!(!refused.body.contains(&primary));
    let shown = f.submit(keys_path, &[("action", "show")]).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains(&primary));
    assert_eq!(header(&shown, "cache-control"), "no-store");
    let regenerated = f
        .submit(keys_path, &[("action", "regenerate-primary")])
        .await;
    assert_eq!(regenerated.status, 303, "{}", regenerated.body);
    let (_, keys) = f
        .arm("POST", "onlineEndpoints/churn-prediction-v1/listKeys", None)
        .await;
    assert_ne!(keys["primaryKey"].as_str().unwrap(), primary);

    // Test calls use the endpoint's key: they need the token too.
    let test = f
        .post(
            "/studio/endpoints/churn-prediction-v1/test",
            &[("body", "{}")],
            false,
            Some(&origin),
        )
        .await;
    assert_eq!(test.status, 403);
    let test = f
        .submit(
            "/studio/endpoints/churn-prediction-v1/test",
            &[("body", "{\"data\": [[1]]}"), ("deployment", "blue")],
        )
        .await;
    assert_eq!(test.status, 200, "{}", test.body);
    assert!(test.body.contains("id=\"result-status\""), "{}", test.body);

    // Signing out clears the cookie.
    let out = f.submit("/studio/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert!(header(&out, "set-cookie").contains("Max-Age=0"));

    // The access log has the Studio requests, never the token.
    let log = std::fs::read_to_string(f.ws.access_log_path()).unwrap();
    assert!(log.contains("\"service\":\"studio\""), "{log}");
    assert!(
        !log.contains(f.ws.studio_token()),
        "the token reached the access log"
    );

    // The token is never in a page.
    for page in [&shown, &ok, &test, &bad_sum] {
        assert!(!page.body.contains(f.ws.studio_token()));
    }
    f.ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn studio_answers_only_to_loopback_names_of_this_server() {
    let f = Fixture::start().await;
    let port = f.ws.base_url().port().unwrap();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let page = f.studio_root(reqwest::Method::GET, Some(&host)).await;
        assert_eq!(page.status, 200, "{host}");
    }
    // DNS rebinding: a page of another name resolving to 127.0.0.1 is refused.
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        "127.0.0.1:1".to_owned(),
    ] {
        let page = f.studio_root(reqwest::Method::GET, Some(&host)).await;
        assert_eq!(page.status, 421, "{host}");
    }
    // Only GET/HEAD and POST.
    let put = f.studio_root(reqwest::Method::PUT, None).await;
    assert_eq!(put.status, 405);
    f.ws.shutdown().await;
}
