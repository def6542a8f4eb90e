//! Opening connections for [`DirectClient`](super::DirectClient): DNS, TCP (Nagle off), TLS
//! with the system roots plus the caller's extra roots, ALPN `h2` / `http/1.1`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::{Error, Result};

/// A connected socket, with or without TLS.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Parses PEM root certificates: every entry must hold at least one certificate block, and every
/// block must parse.
pub(crate) fn parse_roots(pems: &[Vec<u8>], field: &str) -> Result<Vec<CertificateDer<'static>>> {
    let mut roots = Vec::new();
    for pem in pems {
        let before = roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.push(
                cert.map_err(|e| Error::validation(field, format!("not a PEM certificate: {e}")))?,
            );
        }
        if roots.len() == before {
            return Err(Error::validation(
                field,
                "not a PEM certificate (no BEGIN CERTIFICATE block)",
            ));
        }
    }
    Ok(roots)
}

/// TLS settings: the platform's roots plus `extra` (what `reqwest` does with extra roots), ALPN
/// `h2` then `http/1.1`, the process-wide crypto provider if one is installed, else aws-lc-rs
/// (`reqwest`'s choice too).
pub(crate) fn tls_config(extra: &[CertificateDer<'static>]) -> Result<Arc<rustls::ClientConfig>> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let failed = |e: rustls::Error| Error::Transport {
        message: format!("could not set up TLS: {e}"),
        source: None,
    };
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra.iter().cloned(),
        provider.clone(),
    )
    .map_err(failed)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Where a pool connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// Why a connection could not be opened (nothing was sent: safe to try again).
#[derive(Debug)]
pub(crate) struct ConnectError(pub(crate) String);

/// Resolves, connects (each address in turn) and, for https, runs the TLS handshake. Returns the
/// stream and whether the server chose HTTP/2.
pub(crate) async fn dial(
    origin: &Origin,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> std::result::Result<(Stream, bool), ConnectError> {
    let host = origin.host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, origin.port)],
        // As the reqwest client resolves them (RFC 6761): loopback, without asking DNS.
        Err(_) if crate::http::resolve::is_below_localhost(host) => vec![
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, origin.port)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, origin.port)),
        ],
        Err(_) => tokio::net::lookup_host((host, origin.port))
            .await
            .map_err(|e| ConnectError(format!("dns error: {e}")))?
            .collect(),
    };
    let mut last = None;
    let mut tcp = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                tcp = Some(stream);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let tcp = match (tcp, last) {
        (Some(tcp), _) => tcp,
        (None, Some(e)) => return Err(ConnectError(format!("tcp connect error: {e}"))),
        (None, None) => return Err(ConnectError("dns error: no addresses".to_owned())),
    };
    tcp.set_nodelay(true)
        .map_err(|e| ConnectError(format!("tcp connect error: {e}")))?;
    if !origin.https {
        return Ok((Stream::Plain(tcp), false));
    }
    let config = tls.ok_or_else(|| ConnectError("TLS is not set up".to_owned()))?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| ConnectError(format!("invalid TLS server name `{host}`: {e}")))?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| ConnectError(format!("TLS handshake failed: {e}")))?;
    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    Ok((Stream::Tls(Box::new(stream)), h2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_entries_without_certificates_are_rejected_by_field() {
        let bad = [
            &b"not a certificate"[..],
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ];
        crate::ids::assert_each_refused_on("root_certificates", &bad, |pem| {
            parse_roots(&[pem.to_vec()], "root_certificates")
        });
        assert!(parse_roots(&[], "root_certificates").unwrap().is_empty());
    }
}
