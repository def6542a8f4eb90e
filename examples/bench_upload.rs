//! The Rust side of `benches/upload.sh`: streaming block uploads of one large file through
//! `BlobContainer::upload_file`, to the offline workspace or to Azurite, with the numbers the
//! script compares against `curl -T` of the same file to the same server.
//!
//! ```text
//! bench_upload serve-local --dir D                   # an offline workspace until stdin closes
//! bench_upload target-local --base URL --ca PEM      # a SAS container from startPendingUpload
//! bench_upload target-azurite --port P --container C # a container on Azurite, and a SAS for curl
//! bench_upload upload --container-url URL (--sas Q | --shared-key ACCOUNT:KEY) [--ca PEM]
//!              [--redirect BASE] --file F --blob NAME [--block-size MIB] [--parallel N]
//!              [--block-md5 true|false] [--runtime current|multi]
//! ```
//! Every subcommand prints one JSON line. `upload` reports seconds, MiB/s and this process's
//! peak RSS (VmHWM), which must stay flat whatever the file size.

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
use azure_ai_ml::storage::{BlobContainer, StorageAuth, UploadBlobOptions};
use azure_ai_ml::{MLClient, MLClientOptions};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Azurite's published development account and key.
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const ORIGINAL_HOST: &str = "x-azml-original-host";

/// Any token: the offline workspace accepts every bearer token.
#[derive(Debug)]
struct StaticToken;

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            "bench-token".to_owned(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

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

/// Peak resident set size of this process, in MiB (VmHWM).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
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

/// A service SAS for a whole container (`sr=c`), signed with Azurite's account key.
fn azurite_container_sas(container: &str, permissions: &str) -> Result<String, AnyError> {
    let (start, expiry, version) = ("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "2020-12-06");
    let resource = format!("/blob/{AZURITE_ACCOUNT}/{container}");
    let to_sign = [
        permissions,
        start,
        expiry,
        &resource,
        "",
        "",
        "https,http",
        version,
        "c",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    .join("\n");
    let key = azure_core::base64::decode(AZURITE_KEY)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)?;
    mac.update(to_sign.as_bytes());
    let sig = azure_core::base64::encode(mac.finalize().into_bytes());
    Ok(url::form_urlencoded::Serializer::new(String::new())
        .append_pair("sv", version)
        .append_pair("st", start)
        .append_pair("se", expiry)
        .append_pair("sr", "c")
        .append_pair("sp", permissions)
        .append_pair("spr", "https,http")
        .append_pair("sig", &sig)
        .finish())
}

async fn target_azurite(flags: &Flags) -> Result<(), AnyError> {
    let port = flags.need("port")?;
    let name = flags.need("container")?;
    let url = Url::parse(&format!("http://127.0.0.1:{port}/{AZURITE_ACCOUNT}/{name}"))?;
    let client = MLClient::new(Arc::new(StaticToken), "sub", "rg", "ws", None)?;
    let container = BlobContainer::new(
        &client,
        url.clone(),
        StorageAuth::shared_key(AZURITE_ACCOUNT, Secret::new(AZURITE_KEY))?,
    )?;
    container.create_container().await?;
    println!(
        "{}",
        serde_json::json!({
            "container_url": url.as_str(),
            "shared_key": format!("{AZURITE_ACCOUNT}:{AZURITE_KEY}"),
            "curl_container_url": url.as_str(),
            "curl_sas": azurite_container_sas(name, "rcwd")?,
            "curl_headers": [],
        })
    );
    Ok(())
}

async fn upload(flags: &Flags) -> Result<(), AnyError> {
    let container_url = Url::parse(flags.need("container-url")?)?;
    let file = std::path::PathBuf::from(flags.need("file")?);
    let blob = flags.need("blob")?;
    let mut options = MLClientOptions::default();
    if let Some(ca) = flags.get("ca") {
        options = options.with_root_certificate_pem(std::fs::read(ca)?);
    }
    if let Some(base) = flags.get("redirect") {
        options = options.with_redirect(Url::parse(base)?);
    }
    let client = MLClient::new(Arc::new(StaticToken), "sub", "rg", "ws", Some(options))?;
    let auth = match (flags.get("sas"), flags.get("shared-key")) {
        (Some(sas), _) => StorageAuth::sas(sas)?,
        (None, Some(pair)) => {
            let (account, key) = pair.split_once(':').ok_or("--shared-key ACCOUNT:KEY")?;
            StorageAuth::shared_key(account, Secret::new(key.to_owned()))?
        }
        (None, None) => return Err("--sas or --shared-key is required".into()),
    };
    let container = BlobContainer::new(&client, container_url, auth)?;
    let mut blob_options = UploadBlobOptions::default().with_overwrite(true);
    if let Some(mib) = flags.get("block-size") {
        blob_options = blob_options.with_block_size(mib.parse::<usize>()? * 1024 * 1024);
    }
    if let Some(n) = flags.get("parallel") {
        blob_options = blob_options.with_parallel_blocks(n.parse()?);
    }
    if let Some(on) = flags.get("block-md5") {
        blob_options = blob_options.with_block_md5(on.parse()?);
    }
    let started = Instant::now();
    let sent = container
        .upload_file(blob, &file, &blob_options, &mut |_| {})
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "bytes": sent,
            "seconds": seconds,
            "mib_per_s": sent as f64 / (1024.0 * 1024.0) / seconds,
            "peak_rss_mib": peak_rss_mib(),
            "block_size": blob_options.block_size,
            "parallel_blocks": blob_options.parallel_blocks,
            "block_md5": blob_options.block_md5,
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
    let mut builder = if flags.get("runtime") == Some("current") {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench_upload: no runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async {
        match command.as_str() {
            "serve-local" => serve_local(&flags).await,
            "target-local" => target_local(&flags).await,
            "target-azurite" => target_azurite(&flags).await,
            "upload" => upload(&flags).await,
            other => Err(format!("unknown subcommand `{other}`").into()),
        }
    });
    if let Err(e) = result {
        eprintln!("bench_upload: {e}");
        std::process::exit(1);
    }
}
