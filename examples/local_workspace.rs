//! Runs the offline workspace as a standalone server until Ctrl-C.
//!
//! ```text
//! cargo run --features local --example local_workspace -- [--port N] [--dir PATH]
//! ```
//!
//! It prints the base URL and the CA certificate path. Point any client at it as a custom
//! cloud: the Rust `MLClient` with `Cloud::Custom(CloudEndpoints::new(base_url))` and the CA in
//! `MLClientOptions::extra_root_certificates`, or Python's azure-ai-ml with
//! `REQUESTS_CA_BUNDLE=<ca.pem>` and a custom cloud whose resource manager is the base URL and
//! whose `storage_endpoint` is `core.localhost:{port}` (model uploads go to the account host
//! `{account}.blob.core.localhost:{port}`; map names under `.localhost` to 127.0.0.1 where the
//! system's resolver does not).

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceExt, LocalWorkspaceOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut options = LocalWorkspaceOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let port = args.next().ok_or("--port needs a value")?;
                options = options.with_port(port.parse()?);
            }
            "--dir" => {
                options = options.with_dir(args.next().ok_or("--dir needs a value")?);
            }
            "-h" | "--help" => {
                println!("usage: local_workspace [--port N] [--dir PATH]");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    let workspace = LocalWorkspace::start(options).await?;
    let base = workspace
        .base_url()
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let client = workspace.client()?;
    println!("offline Azure ML workspace listening");
    println!("  base URL (ARM, blob, scoring): {base}");
    println!(
        "  CA certificate:                {}",
        workspace.ca_path().display()
    );
    println!(
        "  folder:                        {}",
        workspace.dir().display()
    );
    println!(
        "  workspace:                     subscriptions/{}/resourceGroups/{}/workspaces/{}",
        client.subscription_id(),
        client.resource_group_name(),
        client.workspace_name()
    );
    println!("  scoring URIs:                  {base}/endpoints/<endpoint>/score");
    println!(
        "  blob storage:                  https://{}.blob.{} (names under .localhost are loopback)",
        workspace.storage_account(),
        workspace.storage_suffix()
    );
    println!();
    println!(
        "Python azure-ai-ml: export REQUESTS_CA_BUNDLE={}",
        workspace.ca_path().display()
    );
    println!(
        "  and register a custom cloud whose resource manager endpoint is {base}/ and storage_endpoint {} (any bearer token is accepted; `azml local start` prints the whole snippet).",
        workspace.storage_suffix()
    );
    println!("Press Ctrl-C to stop (deployment processes are stopped too; the state stays in the folder).");
    tokio::signal::ctrl_c().await?;
    println!("stopping…");
    workspace.shutdown().await;
    Ok(())
}
