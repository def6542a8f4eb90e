//! Offline-workspace bench: deployment → first prediction (cold and warm venv, the seed
//! tutorial's probes), router overhead per request against calling `azmlinfsrv` directly
//! (p50/p99), and the process RSS. Prints one table and writes it to
//! `benches/results/local_serving.md`.
//!
//! ```text
//! cargo bench --features local --bench local_serving
//! ```
//! Needs python3 and PyPI (the cold run builds a venv from scratch in a temporary cache).
//!
//! "Direct" calls the deployment's own `azmlinfsrv` instance on its port, alternating with
//! calls through the router, so both see the same process and the same machine load.

#[path = "../tests/local_support/mod.rs"]
mod local_support;

use std::path::Path;
use std::time::{Duration, Instant};

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
use local_support::*;
use serde_json::json;

const REQUESTS: usize = 2000;

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

/// The seed tutorial's probes: 30 s initial delay, 10 s period, 3 failures.
fn seed_probes() -> serde_json::Value {
    let probe = json!({"initialDelay": "PT30S", "period": "PT10S", "failureThreshold": 3});
    json!({"readinessProbe": probe, "livenessProbe": probe})
}

/// Creates a deployment and returns the time until its first successful prediction.
async fn deploy_to_first_prediction(w: &Ws, tag: &str) -> Duration {
    let weights = serde_json::to_vec(&json!({"w": [1.0, 2.0]})).unwrap();
    let (code, model, env) = w
        .register_assets(tag, TINY_SCORE, ("weights.json", weights), TINY_CONDA)
        .await;
    w.create_endpoint(tag, "Key").await;
    let (primary, _) = w.keys(tag).await;
    let mut body = deployment_body(&code, &model, &env, 1, seed_probes());
    body["properties"]["requestSettings"] = json!({"maxConcurrentRequestsPerInstance": 4});
    let started = Instant::now();
    let (status, body, _) = w
        .arm(
            "PUT",
            &format!("onlineEndpoints/{tag}/deployments/blue"),
            Some(body),
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

/// The README's main command, `cargo run --features local --example tutorial`, timed after an
/// untimed build of the same example (so: already compiled, warm environment cache).
fn tutorial_seconds() -> Option<f64> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let root = env!("CARGO_MANIFEST_DIR");
    let command = |verb: &str| {
        let mut c = std::process::Command::new(&cargo);
        c.args([
            verb,
            "--quiet",
            "--features",
            "local",
            "--example",
            "tutorial",
        ])
        .current_dir(root)
        // Offline: the tutorial goes to Azure when these are set.
        .env_remove("AZURE_SUBSCRIPTION_ID")
        .env_remove("AZURE_RESOURCE_GROUP")
        .env_remove("AZUREML_WORKSPACE_NAME")
        .stdout(std::process::Stdio::null());
        c
    };
    let built = command("build").status().ok()?;
    if !built.success() {
        eprintln!("tutorial: build failed");
        return None;
    }
    let started = Instant::now();
    let ran = command("run").status().ok()?;
    let elapsed = started.elapsed().as_secs_f64();
    if !ran.success() {
        eprintln!("tutorial: run failed ({ran})");
        return None;
    }
    Some(elapsed)
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
    let direct_url = format!("http://127.0.0.1:{port}/score");
    let mut direct = Vec::with_capacity(REQUESTS);
    let mut routed = Vec::with_capacity(REQUESTS);
    for _ in 0..50 {
        let _ = w
            .score("warm", &primary, Some("blue"), &json!({"data": [1, 1]}))
            .await;
    }
    // Alternating, so both see the same machine load.
    for _ in 0..REQUESTS {
        let t = Instant::now();
        let r = direct_client
            .post(&direct_url)
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
    // Each routed call against the direct call just before it: robust to load that drifts.
    let mut paired: Vec<f64> = routed.iter().zip(&direct).map(|(r, d)| r - d).collect();
    let (p50, p99) = (percentile(&mut paired, 50.0), percentile(&mut paired, 99.0));
    let (d50, d99) = (percentile(&mut direct, 50.0), percentile(&mut direct, 99.0));
    let (r50, r99) = (percentile(&mut routed, 50.0), percentile(&mut routed, 99.0));
    let rss = rss_mib();
    w.ws.shutdown().await;

    let tutorial = if std::env::var_os("LOCAL_SERVING_NO_TUTORIAL").is_some() {
        None
    } else {
        tutorial_seconds()
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let table = format!(
        "| measurement (tiny env: azureml-inference-server-http only, 1 instance) | value |\n\
         |---|---|\n\
         | create deployment → first prediction, cold venv (build from PyPI), seed probes | {:.1} s |\n\
         | create deployment → first prediction, warm venv (cached), seed probes | {:.1} s |\n\
         | azmlinfsrv direct, HTTP, p50 / p99 ({REQUESTS} sequential) | {d50:.2} ms / {d99:.2} ms |\n\
         | through the router, HTTPS + key auth, p50 / p99 | {r50:.2} ms / {r99:.2} ms |\n\
         | router overhead p50 / p99 | {:.2} ms / {:.2} ms |\n\
         | router overhead per call pair (routed − the direct call before it), p50 / p99 | {p50:.2} ms / {p99:.2} ms |\n\
         | RSS of the workspace process (router + core + bench client) | {rss:.1} MiB |\n\
         | README main command (`cargo run --features local --example tutorial`), compiled, warm cache | {} |\n\
         \n\
         Seed probes: readiness and liveness `initial_delay=30, period=10, failure_threshold=3`. \
         Direct: the deployment's azmlinfsrv on its own port, called alternately with the router. \
         Load average at the end (1/5/15 min, 2 cores shared with other jobs): {}.\n",
        cold.as_secs_f64(),
        warm.as_secs_f64(),
        r50 - d50,
        r99 - d99,
        tutorial.map_or_else(|| "not measured".to_owned(), |t| format!("{t:.1} s")),
        load.join(" / "),
    );
    println!("\n{table}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results/local_serving.md");
    if let Err(e) = std::fs::write(&out, &table) {
        eprintln!("could not write {}: {e}", out.display());
    }
    // The rows of the speed table, for benches/support/speed_table.py.
    let when = std::process::Command::new("date")
        .arg("+%Y%m%dT%H%M%S")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let rows = json!({
        "when": when,
        "load": load.join(" / "),
        "router_overhead_p50_ms": p50,
        "router_overhead_p99_ms": p99,
        "direct_p50_ms": d50,
        "routed_p50_ms": r50,
        "warm_deploy_s": warm.as_secs_f64(),
        "cold_deploy_s": cold.as_secs_f64(),
        "tutorial_s": tutorial,
        "rss_mib": rss,
    });
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results");
    let _ = std::fs::write(
        results.join("local_serving.json"),
        serde_json::to_string_pretty(&rows).unwrap_or_default(),
    );
    let _ = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/support/speed_table.py"))
        .arg(&results)
        .status();
}
