//! Raw REST helpers for the offline-workspace tests of the emulator crate (no SDK): the shared
//! client, load and process checks of `shared.rs` (the SDK's tests include the same file), with
//! this crate's scoring script. Every wait is bounded.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use azureml_emulator::local::LocalWorkspace;
use serde_json::Value;

mod shared;
pub use shared::*;

// The examples' own search for collected files (std only), so both look in the same places.
#[path = "../../../../examples/common/jsonl.rs"]
mod jsonl;
pub use jsonl::jsonl_files;

/// A linear model of `weights.json`; `sleep` delays the answer, `busy` burns CPU that long.
pub const TINY_SCORE: &str = r#"
import json, os, time

def init():
    global weights
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.json")) as f:
        weights = json.load(f)

def run(raw_data):
    data = json.loads(raw_data)
    if "sleep" in data:
        time.sleep(float(data["sleep"]))
    if "busy" in data:
        end, spins = time.time() + float(data["busy"]), 0
        while time.time() < end:
            spins += 1
    score = sum(w * x for w, x in zip(weights["w"], data.get("data", [])))
    return {"score": score}
"#;

/// REST calls to `ws` over HTTP/1.1 with every call bounded to a minute, as this crate's
/// monitor tests have always made them.
pub fn api(ws: &LocalWorkspace) -> Api {
    let http = Api::client_builder(ws.ca_pem())
        .http1_only()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    Api::with_client(ws.base_url().as_str(), http)
}

impl Api {
    /// Registers [`TINY_SCORE`], a model of `weights` and the tiny environment; returns the
    /// code, model and environment ids.
    pub async fn register_tiny(&self, tag: &str, weights: &[f64]) -> (String, String, String) {
        self.register_weights(tag, TINY_SCORE, weights).await
    }
}

/// Every JSON Lines record under `folder` (recursively), with the file it came from.
pub fn jsonl_records(folder: &Path) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for path in jsonl_files(folder) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines() {
            out.push((
                path.clone(),
                serde_json::from_str(line).expect("one JSON record a line"),
            ));
        }
    }
    out
}
