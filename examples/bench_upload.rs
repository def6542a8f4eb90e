//! The Rust side of `benches/upload.sh`: a model registered from one large local file
//! (`models().create_or_update`: content hash, streaming block upload to the workspace's
//! datastore, model version PUT) on an offline workspace, with the numbers the script compares
//! against `curl -T` of the same file to the same server.
//!
//! ```text
//! bench_upload serve-local --dir D                   # an offline workspace until stdin closes
//! bench_upload target-local --base URL --ca PEM      # a SAS container from startPendingUpload
//! bench_upload upload --base URL --ca PEM --subscription S --resource-group G --workspace W
//!              --file F --name MODEL [--runtime current|multi]
//! ```
//! Every subcommand prints one JSON line. `upload` reports seconds, MiB/s and this process's
//! peak RSS (VmHWM), which must stay flat whatever the file size. The block uploader itself is
//! crate-internal, and Azurite has no workspace in front of it, so Azurite is not a target here.

#[path = "common/bench.rs"]
mod bench;

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use azure_ai_ml::local::{
    client_options_for, LocalCredential, LocalWorkspace, LocalWorkspaceOptions,
};
use azure_ai_ml::{MLClient, Model};
use url::Url;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

const ORIGINAL_HOST: &str = "x-azml-original-host";

/// `--name value` pairs after the subcommand.
struct Flags(Vec<(String, String)>);

impl Flags {
    fn parse(args: impl Iterator<Item = String>) -> Result<Self, AnyError> {
        let mut pairs = Vec::new();
        let mut args = args.peekable();
        while let Some(flag) = args.next() {
            let name = flag
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {flag}"))?
                .to_owned();
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            pairs.push((name, value));
        }
        Ok(Self(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn need(&self, name: &str) -> Result<&str, AnyError> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required").into())
    }
}

async fn serve_local(flags: &Flags) -> Result<(), AnyError> {
    let options = LocalWorkspaceOptions::default().with_dir(flags.need("dir")?);
    let workspace = LocalWorkspace::start(options).await?;
    let scope = workspace.options().clone();
    println!(
        "{}",
        serde_json::json!({
            "base": workspace.base_url().as_str().trim_end_matches('/'),
            "ca": workspace.ca_path(),
            "subscription": scope.subscription_id,
            "resource_group": scope.resource_group,
            "workspace": scope.workspace_name,
        })
    );
    // Serve until the parent closes our stdin (or goes away).
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    workspace.shutdown().await;
    Ok(())
}

/// A SAS container from the offline workspace's `startPendingUpload` (what code uploads get).
async fn target_local(flags: &Flags) -> Result<(), AnyError> {
    let base = Url::parse(flags.need("base")?)?;
    let ca = std::fs::read(flags.need("ca")?)?;
    let http = reqwest::Client::builder()
        .tls_certs_merge([reqwest::Certificate::from_pem(&ca)?])
        .build()?;
    let path = format!(
        "subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}/codes/bench-upload/versions/1/startPendingUpload?api-version=2023-04-01",
        flags.need("subscription")?,
        flags.need("resource-group")?,
        flags.need("workspace")?
    );
    let body = http
        .post(base.join(&path)?)
        .bearer_auth("bench-token")
        .header("content-type", "application/json")
        .body(r#"{"pendingUploadType": "TemporaryBlobReference"}"#)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let answer: serde_json::Value = serde_json::from_slice(&body)?;
    let sas_url = answer["blobReferenceForConsumption"]["credential"]["sasUri"]
        .as_str()
        .ok_or("startPendingUpload gave no sasUri")?;
    let sas_url = Url::parse(sas_url)?;
    let mut container = sas_url.clone();
    container.set_query(None);
    // curl sends to the workspace's port with the logical host in a header, as the SDK does.
    let original_host = match sas_url.port() {
        Some(p) => format!("{}:{p}", sas_url.host_str().unwrap_or_default()),
        None => sas_url.host_str().unwrap_or_default().to_owned(),
    };
    let mut physical = sas_url.clone();
    physical.set_scheme(base.scheme()).ok();
    physical.set_host(base.host_str()).ok();
    physical.set_port(base.port()).ok();
    println!(
        "{}",
        serde_json::json!({
            "container_url": container.as_str(),
            "sas": sas_url.query().unwrap_or_default(),
            "curl_container_url": physical.as_str().split('?').next().unwrap_or_default(),
            "curl_headers": [format!("{ORIGINAL_HOST}: {original_host}")],
        })
    );
    Ok(())
}

async fn upload(flags: &Flags) -> Result<(), AnyError> {
    let base = Url::parse(flags.need("base")?)?;
    let ca = std::fs::read(flags.need("ca")?)?;
    let file = flags.need("file")?;
    let client = MLClient::new(
        Arc::new(LocalCredential::new()),
        flags.need("subscription")?,
        flags.need("resource-group")?,
        flags.need("workspace")?,
        Some(client_options_for(&base, &ca)),
    )?;
    let bytes = std::fs::metadata(file)?.len();
    let model = Model::new(flags.need("name")?).path(file);
    let started = Instant::now();
    client.models().create_or_update(&model, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "bytes": bytes,
            "seconds": seconds,
            "mib_per_s": bytes as f64 / (1024.0 * 1024.0) / seconds,
            "peak_rss_mib": bench::peak_rss_mib(),
        })
    );
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let flags = match Flags::parse(args) {
        Ok(flags) => flags,
        Err(e) => {
            eprintln!("bench_upload: {e}");
            std::process::exit(2);
        }
    };
    let runtime = bench::runtime(flags.get("runtime").unwrap_or("multi"), "bench_upload");
    let result = runtime.block_on(async {
        match command.as_str() {
            "serve-local" => serve_local(&flags).await,
            "target-local" => target_local(&flags).await,
            "upload" => upload(&flags).await,
            other => Err(format!("unknown subcommand `{other}`").into()),
        }
    });
    if let Err(e) = result {
        eprintln!("bench_upload: {e}");
        std::process::exit(1);
    }
}
