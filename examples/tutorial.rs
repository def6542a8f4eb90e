//! The seed tutorial ("How to Deploy a Machine Learning Model as a Real-Time Endpoint in Azure
//! Machine Learning"), every step, in Rust.
//!
//! ```sh
//! cargo run --features local --example tutorial
//! ```
//!
//! With no Azure settings it runs against a fresh offline workspace: the environment becomes a
//! real venv, the deployments real `azmlinfsrv` processes serving a real scikit-learn model.
//! With `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set it runs
//! against that Azure ML workspace (and creates billable compute: `Standard_DS3_v2`).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn tutorial(session: &Session) -> Result<()> {
    let ml_client = &session.ml_client;
    let registered = steps::register_assets(session).await?;
    let mut endpoint = steps::step4_create_endpoint(ml_client).await?;
    steps::step5_create_deployment(ml_client, &registered, &mut endpoint).await?;
    steps::step6_test_endpoint(session).await?;
    steps::step7_autoscale(ml_client).await?;
    steps::blue_green(ml_client, &registered, &mut endpoint).await?;
    steps::data_collection(ml_client, &registered, "green").await?;
    steps::monitoring(session, "green").await?;
    steps::delete_autoscale(ml_client).await?;
    steps::cleanup(ml_client).await?;
    println!("Done.");
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(tutorial).await
}
