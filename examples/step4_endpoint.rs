//! Step 4: create the managed online endpoint (then delete it).
//!
//! `cargo run --features local --example step4_endpoint` (offline, or against Azure with
//! `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    steps::step4_create_endpoint(&session.ml_client).await?;
    steps::cleanup(&session.ml_client).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
