//! The offline workspace's own certificate authority and the server certificate it signs.
//!
//! Clients whose bearer-token policies refuse plain HTTP (azure_core's, Python azure-core's)
//! must talk to the workspace over HTTPS, so the workspace generates a CA once, keeps it in its
//! folder (`ca.pem` to hand to clients, `ca-key.pem` readable by the owner only) and signs a fresh
//! leaf certificate on every start for the names the workspace answers to: `localhost`,
//! `127.0.0.1`, `::1` and the storage account hosts `*.blob.core.localhost` (RFC 6761 reserves
//! `.localhost` for loopback, so a client that resolves those names verifies TLS against them).
//! Keeping the CA across restarts means a Python client configured once with
//! `REQUESTS_CA_BUNDLE` keeps working.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, Result};
use crate::local::fsutil::write_atomic;

/// File name of the CA certificate (PEM) inside the workspace folder.
pub const CA_CERT_FILE: &str = "ca.pem";
/// File name of the CA private key (PEM) inside the workspace folder.
const CA_KEY_FILE: &str = "ca-key.pem";

/// The storage domain under `.localhost`: account hosts are `{account}.blob.core.localhost`.
pub(crate) const STORAGE_DOMAIN: &str = "core.localhost";

/// The DNS names of the leaf certificate (IP addresses are added apart).
fn leaf_dns_names() -> Vec<String> {
    vec!["localhost".to_owned(), format!("*.blob.{STORAGE_DOMAIN}")]
}

/// The workspace CA plus a server configuration whose leaf certificate it signed.
pub(crate) struct LocalTls {
    /// PEM of the CA certificate (what clients trust).
    pub(crate) ca_pem: String,
    /// Where the CA certificate was written.
    pub(crate) ca_path: PathBuf,
    /// rustls server configuration (HTTP/1.1 and HTTP/2 via ALPN).
    pub(crate) server_config: Arc<rustls::ServerConfig>,
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::other(format!("offline workspace TLS: {what}: {e}"))
}

/// The CA's parameters. Rebuilt identically on every start so a stored key plus these parameters
/// form the same issuer as the stored certificate.
fn ca_params() -> Result<CertificateParams> {
    let mut params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA parameters", e))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "azure_ai_ml offline workspace CA");
    dn.push(DnType::OrganizationName, "azure_ai_ml local");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    Ok(params)
}

/// Loads the CA from `dir`, or creates and stores one; then signs a leaf for the loopback names.
pub(crate) fn load_or_create(dir: &Path) -> Result<LocalTls> {
    let cert_path = dir.join(CA_CERT_FILE);
    let key_path = dir.join(CA_KEY_FILE);
    let params = ca_params()?;
    let (ca_pem, ca_key) = match (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        (Ok(cert), Ok(key)) => {
            let key = KeyPair::from_pem(&key).map_err(|e| tls_error("stored CA key", e))?;
            (cert, key)
        }
        _ => {
            let key = KeyPair::generate().map_err(|e| tls_error("CA key generation", e))?;
            let cert = params
                .self_signed(&key)
                .map_err(|e| tls_error("CA self-signing", e))?;
            write_private(&key_path, key.serialize_pem().as_bytes())?;
            write_atomic(&cert_path, cert.pem().as_bytes())?;
            (cert.pem(), key)
        }
    };
    let issuer = Issuer::new(params, ca_key);

    let leaf_key = KeyPair::generate().map_err(|e| tls_error("server key generation", e))?;
    let mut leaf = CertificateParams::new(leaf_dns_names())
        .map_err(|e| tls_error("server certificate parameters", e))?;
    leaf.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V4(
            std::net::Ipv4Addr::LOCALHOST,
        )));
    leaf.subject_alt_names
        .push(SanType::IpAddress(std::net::IpAddr::V6(
            std::net::Ipv6Addr::LOCALHOST,
        )));
    leaf.distinguished_name
        .push(DnType::CommonName, "azure_ai_ml offline workspace");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    leaf.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| tls_error("server certificate signing", e))?;

    let ca_der = rustls_pemfile::certs(&mut ca_pem.as_bytes())
        .next()
        .ok_or_else(|| tls_error("stored CA certificate", "no PEM certificate in ca.pem"))?
        .map_err(|e| tls_error("stored CA certificate", e))?;
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_der];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));

    // An explicit provider: with both ring (rcgen) and aws-lc-rs in the tree, rustls cannot pick
    // a process default on its own.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("server certificate", e))?;
    // rustls picks the first of ours the client offers: HTTP/1.1 unless the client speaks only
    // h2. A call over HTTP/1.1 runs in its connection's task; hyper's HTTP/2 server hands every
    // stream to a task of its own and back, which measured ~0.4 ms per call on 2 loaded cores.
    config.alpn_protocols = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    Ok(LocalTls {
        ca_pem,
        ca_path: cert_path,
        server_config: Arc::new(config),
    })
}

/// Writes a private key readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.ca_pem, second.ca_pem);
        assert!(first.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(first.ca_path, dir.path().join(CA_CERT_FILE));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "CA key must not be group/world readable");
        }
    }

    #[test]
    fn corrupt_key_is_reported_not_panicked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CA_CERT_FILE), "junk").unwrap();
        std::fs::write(dir.path().join(CA_KEY_FILE), "junk").unwrap();
        let err = load_or_create(dir.path()).err().unwrap();
        assert!(err.to_string().contains("stored CA key"), "{err}");
    }
}
