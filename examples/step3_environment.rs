//! Step 3: register the environment from the tutorial's conda file and base image.
//!
//! `cargo run --features local --example step3_environment` (offline, or against Azure with
//! `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    steps::step3_register_environment(&session.ml_client).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
