//! Helpers for the offline-workspace tests: the raw ARM/blob/scoring client, load and process
//! checks of the emulator crate's `tests/local_support/shared.rs` (one file serves both crates'
//! tests), this crate's scoring script, a workspace wrapper and socket/process-group checks.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use azure_ai_ml::local::LocalWorkspace;

#[path = "../../crates/azureml_emulator/tests/local_support/shared.rs"]
mod shared;
pub use shared::*;

/// A scoring script with a real model file and behaviours chosen by the request.
pub const TINY_SCORE: &str = r#"
import json, os, time

def init():
    global weights
    if os.environ.get("FAIL_INIT") == "1":
        raise RuntimeError("init exploded on purpose: model file is corrupt")
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.json")) as f:
        weights = json.load(f)
    print("tiny model loaded with", len(weights["w"]), "weights")

def run(raw_data):
    data = json.loads(raw_data)
    if "sleep" in data:
        time.sleep(float(data["sleep"]))
    if data.get("raise"):
        raise ValueError("scoring failed on purpose")
    score = sum(w * x for w, x in zip(weights["w"], data["data"]))
    return json.dumps({"score": score, "tag": os.environ.get("TAG", "")})
"#;

/// A workspace started in this process, with [`Api`] calls on it.
pub struct Ws {
    pub ws: LocalWorkspace,
    pub api: Api,
}

impl std::ops::Deref for Ws {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Ws {
    pub async fn start(dir: &std::path::Path) -> Ws {
        let ws = LocalWorkspace::start(options(dir))
            .await
            .expect("workspace starts");
        Self::wrap(ws)
    }

    pub fn wrap(ws: LocalWorkspace) -> Ws {
        let api = Api::new(ws.base_url().as_str(), ws.ca_pem());
        Ws { ws, api }
    }
}

impl Api {
    /// Registers [`TINY_SCORE`], a model of these weights and the tiny environment (named
    /// after `tag`); returns the code, model and environment ids.
    pub async fn register_tiny(&self, tag: &str, weights: &[f64]) -> (String, String, String) {
        self.register_weights(tag, TINY_SCORE, weights).await
    }
}

/// Loopback-only check: every LISTEN socket on `port` is bound to 127.0.0.1 (or ::1).
pub fn listen_addresses(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 4 || cols[3] != "0A" {
                continue;
            }
            let Some((addr, p)) = cols[1].split_once(':') else {
                continue;
            };
            if u16::from_str_radix(p, 16).ok() == Some(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

/// 127.0.0.1 in /proc/net/tcp's little-endian hex, and ::1 in tcp6's.
pub const LOOPBACK_V4: &str = "0100007F";
pub const LOOPBACK_V6: &str = "00000000000000000000000001000000";

/// Live (non-zombie) members of a process group.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
            .is_none()
        {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 3 && f[0] != "Z" && f[0] != "X" && f[2].parse::<u32>().ok() == Some(pgid) {
            return true;
        }
    }
    false
}

/// Waits (bounded) for a condition checked every 100 ms.
pub async fn eventually(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
