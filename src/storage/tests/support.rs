//! Shared helpers of the storage tests: an Azurite child process, a fake credential, SAS
//! generation with the account key, and a plain GET to read blobs back.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::storage::{BlobContainer, StorageAuth};
pub(crate) use crate::test_support::TestCredential;
use crate::{MLClient, MLClientOptions};
use azure_core::credentials::{Secret, TokenCredential};
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
    child: Arc<Mutex<Child>>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
    pub port: u16,
    scheme: &'static str,
    /// PEM of the CA that signed Azurite's certificate (https instances only).
    pub ca_pem: Option<Vec<u8>>,
    _tls_dir: Option<tempfile::TempDir>,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The longest one Azurite instance may live: a hung request then fails instead of hanging
/// the test run.
const AZURITE_LIFETIME: Duration = Duration::from_secs(300);

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
        Self::launch(false)
    }

    /// Starts Azurite over https with Entra ("OAuth basic") token checks: a bearer token must
    /// be a JWT for the storage audience from an Entra issuer, within its lifetime (the
    /// signature is not checked). The certificate is signed by a throwaway CA made with
    /// `openssl`, trusted through [`Azurite::ca_pem`].
    pub fn start_https_oauth() -> Option<Self> {
        Self::launch(true)
    }

    fn launch(https_oauth: bool) -> Option<Self> {
        if !ensure_installed() {
            let message = "Azurite is not available (needs node + `scripts/azurite.sh install`)";
            if std::env::var_os("CI").is_some() {
                panic!("{message}; CI must run the Azurite tests");
            }
            eprintln!("\n!!!!! SKIPPED: {message} !!!!!\n");
            return None;
        }
        let mut args: Vec<String> = Vec::new();
        let mut tls = None;
        if https_oauth {
            let (dir, ca) = make_tls_files();
            args.extend([
                "--oauth".into(),
                "basic".into(),
                "--cert".into(),
                dir.path().join("leaf.pem").display().to_string(),
                "--key".into(),
                dir.path().join("leaf.key").display().to_string(),
            ]);
            tls = Some((dir, ca));
        }
        let mut child = Command::new(azurite_bin())
            .args(&args)
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
                    let rest = line
                        .split("listens on http://127.0.0.1:")
                        .nth(1)
                        .or_else(|| line.split("listens on https://127.0.0.1:").nth(1));
                    if let Some(rest) = rest {
                        if let Ok(port) = rest.trim().parse::<u16>() {
                            let _ = tx.send(port);
                            sent = true;
                        }
                    }
                }
            }
        });
        let (tls_dir, ca_pem) = match tls {
            Some((dir, ca)) => (Some(dir), Some(ca)),
            None => (None, None),
        };
        let child = Arc::new(Mutex::new(child));
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let (child, stopped) = (child.clone(), stopped.clone());
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    if started.elapsed() > AZURITE_LIFETIME {
                        eprintln!("Azurite outlived {AZURITE_LIFETIME:?}; killing it");
                        if let Ok(mut child) = child.lock() {
                            let _ = child.kill();
                            let _ = child.wait();
                        }
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        let mut azurite = Azurite {
            child,
            stopped,
            port: 0,
            scheme: if https_oauth { "https" } else { "http" },
            ca_pem,
            _tls_dir: tls_dir,
        };
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
            "{}://127.0.0.1:{}/{ACCOUNT}/{container}",
            self.scheme, self.port
        ))
        .unwrap()
    }

    /// A container client signed with the dev account key.
    pub fn shared_key_container(&self, client: &MLClient, container: &str) -> BlobContainer {
        let auth = StorageAuth::shared_key(ACCOUNT, Secret::new(ACCOUNT_KEY)).unwrap();
        BlobContainer::new(client, self.container_url(container), auth).unwrap()
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with the `openssl` command.
fn make_tls_files() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl is needed for the https Azurite test");
        assert!(status.success(), "openssl {args:?} failed");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=azure_ai_ml test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.path().join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    let ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
    (dir, ca)
}

/// A credential that hands out a JWT-shaped Entra token for the requested scope, as Azurite's
/// basic OAuth check wants it (storage audience, Entra issuer, valid lifetime; unsigned).
pub fn jwt_credential() -> TestCredential {
    TestCredential::new(|scopes, _| {
        let now = azure_core::time::OffsetDateTime::now_utc().unix_timestamp();
        let audience = scopes
            .first()
            .map(|s| s.trim_end_matches("/.default").to_owned())
            .unwrap_or_default();
        let header = azure_core::base64::encode_url_safe(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = azure_core::base64::encode_url_safe(
            format!(
                r#"{{"aud":"{audience}","iss":"https://sts.windows.net/00000000-0000-0000-0000-000000000000/","iat":{},"nbf":{},"exp":{}}}"#,
                now - 60,
                now - 60,
                now + 3600
            )
            .as_bytes(),
        );
        format!(
            "{}.{}.c2lnbmF0dXJl",
            header.trim_end_matches('='),
            payload.trim_end_matches('=')
        )
    })
}

/// An MLClient with a fake credential and default options.
pub fn client() -> MLClient {
    client_with(
        Arc::new(TestCredential::naming_scopes()),
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

/// A fresh Azurite (`None` when skipped, see [`Azurite::start`]), a client, and a new
/// container named after `tag` with a Shared Key client of it.
pub async fn azurite_container(tag: &str) -> Option<(Azurite, MLClient, String, BlobContainer)> {
    let azurite = Azurite::start()?;
    let client = client();
    let name = container_name(tag);
    let container = azurite.shared_key_container(&client, &name);
    container.create_container().await.unwrap();
    Some((azurite, client, name, container))
}

/// A unique, valid container name.
pub fn container_name(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}
