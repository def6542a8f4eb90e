//! Monitoring: a deployment with model input/output data collection; some predictions, then
//! the records collected (offline: JSON Lines under the workspace folder, laid out as Azure's
//! blobs).
//!
//! `cargo run --features local --example data_collection` (offline, or against Azure with
//! `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    let registered = steps::register_assets(session).await?;
    let mut endpoint = steps::step4_create_endpoint(&session.ml_client).await?;
    steps::step5_create_deployment(&session.ml_client, &registered, &mut endpoint).await?;
    steps::data_collection(&session.ml_client, &registered, "blue").await?;
    steps::traffic(&session.ml_client, "blue", 10).await?;
    steps::show_collected_data(session, "blue").await?;
    steps::cleanup(&session.ml_client).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
