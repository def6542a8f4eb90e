//! Shared helpers of the storage tests: an Azurite child process, a fake credential, SAS
//! generation with the account key, and a plain GET to read blobs back.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use azure_ai_ml::storage::{BlobContainer, StorageAuth};
use azure_ai_ml::{MLClient, MLClientOptions};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::Url;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Azurite's published development account.
pub const ACCOUNT: &str = "devstoreaccount1";
/// Azurite's published development account key.
pub const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A running `azurite-blob`, killed and reaped on drop.
pub struct Azurite {
    child: Child,
    pub port: u16,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn azurite_bin() -> PathBuf {
    std::env::var_os("AZURITE_BLOB_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("build/azurite/node_modules/.bin/azurite-blob"))
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Installs Azurite once per test binary when npm is there (`scripts/azurite.sh install`).
fn ensure_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        if azurite_bin().exists() {
            return true;
        }
        if !node_available() {
            return false;
        }
        let status = Command::new("bash")
            .arg(manifest_dir().join("scripts/azurite.sh"))
            .arg("install")
            .stdin(Stdio::null())
            .status();
        matches!(status, Ok(s) if s.success()) && azurite_bin().exists()
    })
}

impl Azurite {
    /// Starts Azurite on a free loopback port. `None` (after a loud message) when Node or
    /// Azurite is missing and `CI` is unset; panics when `CI` is set, so CI can't skip it.
    pub fn start() -> Option<Self> {
        if !ensure_installed() {
            let message = "Azurite is not available (needs node + `scripts/azurite.sh install`)";
            if std::env::var_os("CI").is_some() {
                panic!("{message}; CI must run the Azurite tests");
            }
            eprintln!("\n!!!!! SKIPPED: {message} !!!!!\n");
            return None;
        }
        let mut child = Command::new(azurite_bin())
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--loose",
                "--disableTelemetry",
                "--silent",
                "--extentMemoryLimit",
                "256",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn azurite-blob");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Drains stdout for the life of the process so Azurite never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.split("listens on http://127.0.0.1:").nth(1) {
                        if let Ok(port) = rest.trim().parse::<u16>() {
                            let _ = tx.send(port);
                            sent = true;
                        }
                    }
                }
            }
        });
        let mut azurite = Azurite { child, port: 0 };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(port) => {
                azurite.port = port;
                Some(azurite)
            }
            Err(_) => panic!("Azurite did not report a port within 60 s"),
        }
    }

    /// `http://127.0.0.1:{port}/devstoreaccount1/{container}`.
    pub fn container_url(&self, container: &str) -> Url {
        Url::parse(&format!(
            "http://127.0.0.1:{}/{ACCOUNT}/{container}",
            self.port
        ))
        .unwrap()
    }

    /// A container client signed with the dev account key.
    pub fn shared_key_container(&self, client: &MLClient, container: &str) -> BlobContainer {
        let auth = StorageAuth::shared_key(ACCOUNT, Secret::new(ACCOUNT_KEY)).unwrap();
        BlobContainer::new(client, self.container_url(container), auth).unwrap()
    }
}

/// A credential that hands out a fixed token and records the scopes asked for.
#[derive(Debug, Default)]
pub struct FakeCredential {
    pub scopes: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.scopes
            .lock()
            .unwrap()
            .extend(scopes.iter().map(|s| s.to_string()));
        Ok(AccessToken::new(
            format!("token-for-{}", scopes.join(" ")),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// An MLClient with a fake credential and default options.
pub fn client() -> MLClient {
    client_with(
        Arc::new(FakeCredential::default()),
        MLClientOptions::default(),
    )
}

pub fn client_with(credential: Arc<dyn TokenCredential>, options: MLClientOptions) -> MLClient {
    MLClient::new(credential, "sub", "rg", "ws", Some(options)).unwrap()
}

/// A service SAS for a whole container (`sr=c`), signed with the account key, version
/// 2020-12-06 string-to-sign.
pub fn container_sas(container: &str, permissions: &str) -> String {
    let start = "2020-01-01T00:00:00Z";
    let expiry = "2099-01-01T00:00:00Z";
    let version = "2020-12-06";
    let resource = format!("/blob/{ACCOUNT}/{container}");
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
    let key = azure_core::base64::decode(ACCOUNT_KEY).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(to_sign.as_bytes());
    let sig = azure_core::base64::encode(mac.finalize().into_bytes());
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("sv", version)
        .append_pair("st", start)
        .append_pair("se", expiry)
        .append_pair("sr", "c")
        .append_pair("sp", permissions)
        .append_pair("spr", "https,http")
        .append_pair("sig", &sig);
    query.finish()
}

/// GETs a blob with a SAS and returns its bytes (or the status on failure).
pub async fn get_blob(azurite: &Azurite, container: &str, blob_path: &str) -> Result<Vec<u8>, u16> {
    let sas = container_sas(container, "r");
    let mut url = azurite.container_url(container);
    url.path_segments_mut()
        .unwrap()
        .extend(blob_path.split('/'));
    url.set_query(Some(&sas));
    let rsp = reqwest::get(url).await.map_err(|_| 0u16)?;
    if !rsp.status().is_success() {
        return Err(rsp.status().as_u16());
    }
    Ok(rsp.bytes().await.map_err(|_| 0u16)?.to_vec())
}

/// A unique, valid container name.
pub fn container_name(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}
