//! Blue-green: blue at 100 %, green next to it, 90/10, 0/100, delete blue.
//!
//! `cargo run --features local --example blue_green` (offline, or against Azure with
//! `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set).

mod common;

use azure_ai_ml::Result;
use common::{steps, Session};

async fn example(session: &Session) -> Result<()> {
    let registered = steps::register_assets(session).await?;
    let mut endpoint = steps::step4_create_endpoint(&session.ml_client).await?;
    steps::step5_create_deployment(&session.ml_client, &registered, &mut endpoint).await?;
    steps::blue_green(&session.ml_client, &registered, &mut endpoint).await?;
    steps::cleanup(&session.ml_client).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::run(example).await
}
