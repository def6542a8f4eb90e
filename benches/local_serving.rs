//! Offline-workspace bench: deployment → first prediction (cold and warm venv), router overhead
//! per request against calling `azmlinfsrv` directly (p50/p99), and the process RSS.
//!
//! ```text
//! cargo bench --features local --bench local_serving
//! ```
//! Needs python3 and PyPI (the cold run builds a venv from scratch in a temporary cache).

#[path = "../tests/local_support/mod.rs"]
mod local_support;

use std::time::{Duration, Instant};

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
use local_support::*;
use serde_json::json;

const REQUESTS: usize = 500;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Creates a deployment and returns the time until its first successful prediction.
async fn deploy_to_first_prediction(w: &Ws, tag: &str) -> Duration {
    let weights = serde_json::to_vec(&json!({"w": [1.0, 2.0]})).unwrap();
    let (code, model, env) = w
        .register_assets(tag, TINY_SCORE, ("weights.json", weights), TINY_CONDA)
        .await;
    w.create_endpoint(tag, "Key").await;
    let (primary, _) = w.keys(tag).await;
    let started = Instant::now();
    let (status, body, _) = w
        .arm(
            "PUT",
            &format!("onlineEndpoints/{tag}/deployments/blue"),
            Some(deployment_body(&code, &model, &env, 1, json!({}))),
        )
        .await;
    assert!(status < 300, "{body}");
    loop {
        let (status, _, _) = w
            .score(tag, &primary, Some("blue"), &json!({"data": [1, 1]}))
            .await;
        if status == 200 {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(600), "never served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cold_cache = tempfile::tempdir().unwrap();
    let ws = LocalWorkspace::start(
        LocalWorkspaceOptions::default()
            .with_dir(dir.path())
            .with_venv_cache(cold_cache.path()),
    )
    .await
    .unwrap();
    let w = Ws::wrap(ws);
    let cold = deploy_to_first_prediction(&w, "cold").await;
    let warm = deploy_to_first_prediction(&w, "warm").await;

    let (primary, _) = w.keys("warm").await;
    let port = w.ws.instances("warm", "blue")[0].port;
    let body = json!({"data": [1, 1]}).to_string();
    let direct_client = reqwest::Client::new();
    let mut direct = Vec::with_capacity(REQUESTS);
    let mut routed = Vec::with_capacity(REQUESTS);
    for _ in 0..20 {
        let _ = w
            .score("warm", &primary, Some("blue"), &json!({"data": [1, 1]}))
            .await;
    }
    for _ in 0..REQUESTS {
        let t = Instant::now();
        let r = direct_client
            .post(format!("http://127.0.0.1:{port}/score"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let _ = r.bytes().await;
        direct.push(t.elapsed().as_secs_f64() * 1000.0);

        let t = Instant::now();
        let (status, _, _) = w
            .score("warm", &primary, Some("blue"), &json!({"data": [1, 1]}))
            .await;
        assert_eq!(status, 200);
        routed.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (d50, d99) = (percentile(&mut direct, 50.0), percentile(&mut direct, 99.0));
    let (r50, r99) = (percentile(&mut routed, 50.0), percentile(&mut routed, 99.0));
    let rss = rss_mib();
    w.ws.shutdown().await;

    println!();
    println!("| measurement (tiny env: azureml-inference-server-http only, 1 instance) | value |");
    println!("|---|---|");
    println!(
        "| create deployment → first prediction, cold venv (build from PyPI) | {:.1} s |",
        cold.as_secs_f64()
    );
    println!(
        "| create deployment → first prediction, warm venv (cached) | {:.1} s |",
        warm.as_secs_f64()
    );
    println!("| azmlinfsrv direct, HTTP, p50 / p99 ({REQUESTS} sequential) | {d50:.2} ms / {d99:.2} ms |");
    println!("| through the router, HTTPS + key auth, p50 / p99 | {r50:.2} ms / {r99:.2} ms |");
    println!(
        "| router overhead p50 / p99 | {:.2} ms / {:.2} ms |",
        r50 - d50,
        r99 - d99
    );
    println!("| RSS of the workspace process (router + core + bench client) | {rss:.1} MiB |");
}
