//! Step 1 of the seed tutorial: register the model (trained here, uploaded to the default datastore).
//!
//! `cargo run --features local --example step1_register_model` (offline, or against Azure with
//! `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    steps::step1_register_model(session).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
