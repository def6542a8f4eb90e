//! The Rust side of `benches/compare.sh`: scoring through [`ScoringClient`] against the
//! benchmark's loopback TLS server, resolving the endpoint through ARM-shaped calls first.
//!
//! ```text
//! bench_invoke --base https://127.0.0.1:8443 --ca ca.pem --mode run  --seq 5000 --conc 20000 --tasks 8
//! bench_invoke --base https://127.0.0.1:8443 --ca ca.pem --mode cold [--runtime current|multi]
//! ```
//! `run` prints one JSON object (latencies, calls/s, peak RSS); `cold` prints the first
//! prediction and exits (the caller times process start → that line).

#[path = "common/bench.rs"]
mod bench;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_ai_ml::invoke::InvokeRequest;
use azure_ai_ml::{Cloud, CloudEndpoints, Error, MLClient, MLClientOptions, Result};
use url::Url;

/// The benchmark server's static ARM answers (from the oracle flow).
const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const RESOURCE_GROUP: &str = "ml-project-rg";
const WORKSPACE: &str = "ml-workspace-production";
const ENDPOINT: &str = "churn-prediction-v1";

// The benchmark server checks only that an ARM token is there.
#[path = "../src/test_support/credential.rs"]
mod credential;
use credential::TestCredential;

struct Args {
    base: Url,
    ca: String,
    mode: String,
    seq: usize,
    conc: usize,
    tasks: usize,
    request: String,
    runtime: String,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut base = None;
    let mut ca = None;
    let mut mode = "run".to_owned();
    let (mut seq, mut conc, mut tasks) = (5000, 20000, 8);
    let mut request = "benches/support/sample-request.json".to_owned();
    let mut runtime = "multi".to_owned();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--base" => base = Some(Url::parse(&value()?).map_err(|e| e.to_string())?),
            "--ca" => ca = Some(value()?),
            "--mode" => mode = value()?,
            "--seq" => seq = value()?.parse().map_err(|e| format!("--seq: {e}"))?,
            "--conc" => conc = value()?.parse().map_err(|e| format!("--conc: {e}"))?,
            "--tasks" => tasks = value()?.parse().map_err(|e| format!("--tasks: {e}"))?,
            "--request" => request = value()?,
            "--runtime" => runtime = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        base: base.ok_or("--base is required")?,
        ca: ca.ok_or("--ca is required")?,
        mode,
        seq,
        conc,
        tasks: tasks.max(1),
        request,
        runtime,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

async fn run(args: Args) -> Result<()> {
    let ca = std::fs::read(&args.ca).map_err(|e| Error::Io {
        path: Some(args.ca.clone().into()),
        source: e,
    })?;
    // The product path: an MLClient pointed at the server as a custom cloud, and the endpoint's
    // cached scoring client (ARM resolution once, then one request per invoke).
    let options = MLClientOptions::default()
        .with_cloud(Cloud::Custom(CloudEndpoints::new(args.base.clone())))
        .with_root_certificate_pem(ca);
    let ml_client = MLClient::new(
        Arc::new(TestCredential::fixed("bench-arm-token")),
        SUBSCRIPTION,
        RESOURCE_GROUP,
        WORKSPACE,
        Some(options),
    )?;
    let client = ml_client.online_endpoints().scoring_client(ENDPOINT);
    let body = bytes::Bytes::from(std::fs::read(&args.request).map_err(|e| Error::Io {
        path: Some(args.request.clone().into()),
        source: e,
    })?);
    let request = InvokeRequest::bytes(body).deployment("blue");

    let first = client.invoke(&request).await?;
    if args.mode == "cold" {
        println!("{}", first.text()?);
        return Ok(());
    }

    // Warm-up, then sequential latency.
    for _ in 0..200 {
        client.invoke(&request).await?;
    }
    let mut latencies = Vec::with_capacity(args.seq);
    let started = Instant::now();
    for _ in 0..args.seq {
        let t = Instant::now();
        client.invoke(&request).await?;
        latencies.push(t.elapsed());
    }
    let seq_secs = started.elapsed().as_secs_f64();
    latencies.sort_unstable();

    // `tasks` concurrent tasks sharing the client.
    let per_task = args.conc / args.tasks;
    let started = Instant::now();
    let handles: Vec<_> = (0..args.tasks)
        .map(|_| {
            let client = client.clone();
            let request = request.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    client.invoke(&request).await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for handle in handles {
        handle.await.map_err(|e| Error::Other {
            message: e.to_string(),
            source: None,
        })??;
    }
    let conc_secs = started.elapsed().as_secs_f64();

    let report = serde_json::json!({
        "impl": "rust",
        "runtime": args.runtime,
        "invokes": 1 + 200 + args.seq + per_task * args.tasks,
        "seq_calls": args.seq,
        "p50_ms": percentile(&latencies, 50.0),
        "p90_ms": percentile(&latencies, 90.0),
        "p99_ms": percentile(&latencies, 99.0),
        "calls_per_s_1": args.seq as f64 / seq_secs,
        "conc_calls": per_task * args.tasks,
        "concurrency": args.tasks,
        "calls_per_s_conc": (per_task * args.tasks) as f64 / conc_secs,
        "peak_rss_mib": bench::peak_rss_mib(),
    });
    println!("{report}");
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("bench_invoke: {e}");
            std::process::exit(2);
        }
    };
    let runtime = bench::runtime(&args.runtime, "bench_invoke");
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("bench_invoke: {e}");
        std::process::exit(1);
    }
}
