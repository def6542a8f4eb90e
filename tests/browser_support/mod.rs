//! Headless Chromium for browser tests: the test starts it (its own process group, a temporary
//! profile, loopback-only DevTools on a port it picks), drives one page over the DevTools
//! protocol, and stops it by its PID however the test ends.
//!
//! The DevTools client is deliberately small: a websocket ([`tokio_tungstenite`]) and JSON
//! messages, one command in flight at a time, events queued until asked for. The tests need
//! eight commands (create/attach a target, navigate, evaluate, wait for a load, set the
//! viewport, screenshot, close); a full CDP crate (chromiumoxide's generated bindings, or
//! headless_chrome's) would cost minutes of compile time on the CI's two cores and would
//! want to launch and own the browser process itself.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long one DevTools command or awaited event may take.
const STEP_LIMIT: Duration = Duration::from_secs(60);

/// The Chromium executable: `$CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// True when the browser tests can run. Without Chromium they are skipped loudly, except
/// under CI, where a missing Chromium is a failure (scripts/prereqs.sh installs it).
pub fn chromium_available() -> bool {
    if chromium().is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Chromium is required for the browser tests under CI (scripts/prereqs.sh installs the Debian package `chromium`)"
    );
    eprintln!("\n!!!!!!!! SKIPPED: no chromium on PATH (apt-get install chromium, or set CHROMIUM) !!!!!!!!\n");
    false
}

/// A running headless Chromium and a DevTools session on one page.
pub struct Browser {
    child: Child,
    pid: u32,
    socket: Socket,
    next_id: u64,
    session: String,
    events: VecDeque<Value>,
    /// Error entries of events already forgotten.
    seen_errors: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium (headless, 1280×800, a fresh profile) trusting certificates whose
    /// chain holds a key with the given SPKI SHA-256 (base64), and opens a page.
    pub async fn start(spki_pins: &[String]) -> Browser {
        let exe = chromium().expect("chromium");
        let profile = tempfile::tempdir().unwrap();
        let mut command = Command::new(exe);
        command
            .args([
                "--headless=new",
                // Containers (and root) have no user namespaces for the sandbox; the browser
                // only ever loads this test's loopback pages.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--metrics-recording-only",
                "--mute-audio",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!(
                "--ignore-certificate-errors-spki-list={}",
                spki_pins.join(",")
            ))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own process group: the renderer and GPU helpers go with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().expect("chromium starts");
        let pid = child.id();
        let stderr = child.stderr.take().expect("stderr");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID", read off-thread
        // with a deadline (stderr is drained to the end so Chromium never blocks on it).
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(at) = line.find("ws://") {
                        let _ = tx.send(line[at..].trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                stop_pid(&mut child, pid);
                panic!("chromium did not announce its DevTools endpoint within 60 s");
            }
        };
        assert!(url.starts_with("ws://127.0.0.1:"), "DevTools on {url}");
        let (socket, _) = tokio::time::timeout(STEP_LIMIT, tokio_tungstenite::connect_async(&url))
            .await
            .expect("DevTools connect in time")
            .expect("DevTools websocket");
        let mut browser = Browser {
            child,
            pid,
            socket,
            next_id: 0,
            session: String::new(),
            events: VecDeque::new(),
            seen_errors: Vec::new(),
            _profile: profile,
        };
        let target = browser
            .call_browser("Target.createTarget", json!({"url": "about:blank"}))
            .await;
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = browser
            .call_browser(
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_owned();
        browser.call("Page.enable", json!({})).await;
        browser.call("Log.enable", json!({})).await;
        browser.call("Runtime.enable", json!({})).await;
        browser
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
            )
            .await;
        browser
    }

    /// The browser's process id (also its process group's).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    async fn send(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = Value::String(s);
        }
        tokio::time::timeout(
            STEP_LIMIT,
            self.socket.send(Message::text(message.to_string())),
        )
        .await
        .unwrap_or_else(|_| panic!("{method}: send timed out"))
        .unwrap_or_else(|e| panic!("{method}: {e}"));
        let deadline = Instant::now() + STEP_LIMIT;
        loop {
            let value = self.next_message(deadline, method).await;
            if value.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method}: {error}");
                }
                return value.get("result").cloned().unwrap_or(Value::Null);
            }
            if value.get("method").is_some() {
                self.events.push_back(value);
            }
        }
    }

    async fn next_message(&mut self, deadline: Instant, what: &str) -> Value {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = tokio::time::timeout(left, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{what}: no answer from Chromium in {STEP_LIMIT:?}"))
                .unwrap_or_else(|| panic!("{what}: DevTools connection closed"))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
            }
        }
    }

    /// A command to the browser itself.
    pub async fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params).await
    }

    /// A command to the page.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(session), method, params).await
    }

    /// Waits for the page's next event `method` (events queued earlier count).
    pub async fn wait_event(&mut self, method: &str) -> Value {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(i).unwrap_or(Value::Null);
        }
        let deadline = Instant::now() + STEP_LIMIT;
        loop {
            let value = self.next_message(deadline, method).await;
            if value["method"] == method {
                return value;
            }
            if value.get("method").is_some() {
                self.events.push_back(value);
            }
        }
    }

    /// Forgets queued events (before an action whose own events are awaited next); their
    /// errors are kept for [`errors`](Self::errors).
    pub fn clear_events(&mut self) {
        let errors = error_entries(&self.events);
        self.seen_errors.extend(errors);
        self.events.clear();
    }

    /// Error-level console and log entries seen so far (CSP violations, failed loads,
    /// script errors).
    pub fn errors(&mut self) -> Vec<String> {
        let mut all = self.seen_errors.clone();
        all.extend(error_entries(&self.events));
        all
    }

    /// Opens `url` and waits for its load event.
    pub async fn goto(&mut self, url: &str) {
        self.clear_events();
        let answer = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(
            answer.get("errorText").is_none(),
            "navigating to {url}: {answer}"
        );
        self.wait_event("Page.loadEventFired").await;
    }

    /// Evaluates a JavaScript expression in the page (promises awaited); its JSON value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let answer = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(e) = answer.get("exceptionDetails") {
            panic!("`{expression}` threw: {e}");
        }
        answer["result"]["value"].clone()
    }

    /// Runs `expression` (a click, a form submission) and waits for the page it leads to.
    pub async fn submit(&mut self, expression: &str) {
        self.clear_events();
        self.eval(expression).await;
        self.wait_event("Page.loadEventFired").await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": false}),
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("png data"))
            .expect("base64 PNG")
    }

    /// Closes the browser (DevTools `Browser.close`), then makes sure by its PID.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            self.socket.send(Message::text(
                json!({"id": u64::MAX, "method": "Browser.close"}).to_string(),
            )),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stop_pid(&mut self.child, self.pid);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        stop_pid(&mut self.child, self.pid);
    }
}

/// Stops Chromium by its PID: SIGKILL to it and its process group, reaped, the group
/// checked gone (bounded).
fn stop_pid(child: &mut Child, pid: u32) {
    if !matches!(child.try_wait(), Ok(Some(_))) {
        let _ = child.kill();
    }
    let _ = child.wait();
    // Helpers (renderer, GPU, zygote) share the group; they exit with the browser, and
    // whatever lingers gets the same signal by group id.
    let deadline = Instant::now() + Duration::from_secs(10);
    while group_alive(pid) && Instant::now() < deadline {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stderr(Stdio::null())
            .status();
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Live (non-zombie) members of process group `pgid`.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        f.len() > 3 && f[0] != "Z" && f[0] != "X" && f[2].parse::<u32>().ok() == Some(pgid)
    })
}

/// The base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo (Chromium's
/// `--ignore-certificate-errors-spki-list` format).
pub fn spki_sha256(pem: &str) -> String {
    use sha2::Digest as _;
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).expect("PEM");
    let cert = pem.parse_x509().expect("X.509");
    let digest = sha2::Sha256::digest(cert.tbs_certificate.subject_pki.raw);
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// The error-level log entries and exceptions among `events`.
fn error_entries(events: &VecDeque<Value>) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e["method"].as_str() {
            Some("Log.entryAdded") if e["params"]["entry"]["level"] == "error" => Some(format!(
                "{} ({})",
                e["params"]["entry"]["text"].as_str().unwrap_or(""),
                e["params"]["entry"]["url"].as_str().unwrap_or("")
            )),
            Some("Runtime.exceptionThrown") => Some(e["params"]["exceptionDetails"].to_string()),
            _ => None,
        })
        .collect()
}

/// Width and height of a PNG (from its IHDR).
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}
