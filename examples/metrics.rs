//! Monitoring: the seed's metrics of a deployment (request count, latency P50/P90/P99, CPU and
//! memory per instance, 4xx/5xx counts) and the metric names the deployment has.
//!
//! `cargo run --features local --example metrics` (offline, where the workspace measures its
//! own router and processes, or against Azure with `AZURE_SUBSCRIPTION_ID`,
//! `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set; Azure Monitor takes a few minutes to
//! show new data).

mod common;

use azure_ai_ml::{InvokeRequest, Result};
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    let ml_client = &session.ml_client;
    let registered = steps::register_assets(session).await?;
    let mut endpoint = steps::step4_create_endpoint(ml_client).await?;
    steps::step5_create_deployment(ml_client, &registered, &mut endpoint).await?;
    println!("Metrics of blue");
    steps::traffic(ml_client, "blue", 30).await?;
    // A body that is not UTF-8: the inference server refuses it (400) and Azure answers 424,
    // the model's failure, which the metrics count among the 4xx.
    let refused = ml_client
        .online_endpoints()
        .invoke(
            steps::ENDPOINT,
            InvokeRequest::bytes(vec![0xff, 0xfe, 0xfd]).deployment("blue"),
            None,
        )
        .await;
    println!(
        "    one unreadable request: {}",
        match &refused {
            Ok(out) => format!("answered ({})", out.status),
            Err(e) => format!("refused ({e})"),
        }
    );
    if session.local().is_some() {
        // The offline workspace samples each ready instance's CPU and memory every 2 s.
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
    steps::show_metrics(ml_client, "blue").await?;
    let definitions = ml_client
        .metrics()
        .list_definitions(
            &ml_client
                .metrics()
                .deployment_resource_id(steps::ENDPOINT, "blue")?,
            None,
        )
        .await?;
    let names: Vec<&str> = definitions
        .iter()
        .filter_map(|d| d.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    println!("    metrics of a deployment: {}", names.join(", "));
    steps::cleanup(ml_client).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
