//! The HTTP plumbing shared by ARM, storage and scoring: one way to build the `reqwest` client
//! (connection pool, extra TLS roots), and what counts as the local machine.

pub(crate) mod direct;
pub(crate) mod headers;
pub(crate) mod policies;
pub(crate) mod resolve;

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};

/// Longest wait for a TCP + TLS connection, on every host.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Idle pooled connections are closed after this (below Azure's 4-minute load-balancer idle cut).
pub(crate) const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Builds the `reqwest` client for every pipeline of an `MLClient` and for scoring clients: no
/// redirects followed (a 3xx must not carry a token elsewhere), Nagle off (small scoring POSTs),
/// `root_certificates` trusted on top of the system roots, and names under `.localhost`
/// resolved to loopback (RFC 6761; see [`resolve`]).
///
/// `field` names the option the certificates came from, for the validation error.
///
/// # Errors
/// [`Error::Validation`] on `field` when an entry has no PEM certificate block or does not parse;
/// [`Error::Transport`] when the TLS backend can't be set up.
pub(crate) fn build_client(root_certificates: &[Vec<u8>], field: &str) -> Result<reqwest::Client> {
    client_with_tls(&*tls_config(root_certificates, field)?)
}

/// The TLS settings of every connection a client makes: the platform's roots plus
/// `root_certificates` (PEM, checked here: `field` names the option they came from), ALPN `h2`
/// then `http/1.1`. Shared by the `reqwest` client and the scoring client's direct connections,
/// so the system roots are loaded once per `MLClient`.
///
/// # Errors
/// As [`build_client`].
pub(crate) fn tls_config(
    root_certificates: &[Vec<u8>],
    field: &str,
) -> Result<Arc<rustls::ClientConfig>> {
    let roots = direct::parse_roots(root_certificates, field)?;
    direct::tls_config(&roots)
}

/// The `reqwest` client over `tls` (see [`build_client`]).
///
/// # Errors
/// [`Error::Transport`] when the client can't be built.
pub(crate) fn client_with_tls(tls: &rustls::ClientConfig) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_nodelay(true)
        .dns_resolver(resolve::LocalhostResolver)
        .tls_backend_preconfigured(tls.clone())
        .build()
        .map_err(|e| Error::Transport {
            message: format!("could not build the HTTP client: {e}"),
            source: None,
        })
}

/// An `azure_core` pipeline whose `User-Agent` names this crate and its version, with the
/// caller's policies: the one constructor of the ARM, storage and scoring pipelines.
pub(crate) fn pipeline(
    options: azure_core::http::ClientOptions,
    per_call: Vec<Arc<dyn azure_core::http::policies::Policy>>,
    per_try: Vec<Arc<dyn azure_core::http::policies::Policy>>,
    pipeline_options: Option<azure_core::http::PipelineOptions>,
) -> azure_core::http::Pipeline {
    azure_core::http::Pipeline::new(
        option_env!("CARGO_PKG_NAME"),
        option_env!("CARGO_PKG_VERSION"),
        options,
        per_call,
        per_try,
        pipeline_options,
    )
}

/// A client for one short probe of a link-local endpoint (the managed-identity IMDS address):
/// no proxy (a proxy can't reach it), every phase limited by `timeout`. Built here so that
/// every `reqwest` client of the crate comes from this module.
///
/// # Errors
/// [`Error::Transport`] when the client can't be built.
pub(crate) fn probe_client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .no_proxy()
        .build()
        .map_err(|e| Error::Transport {
            message: format!("could not build the HTTP client: {e}"),
            source: None,
        })
}

/// The instant `after` from now; a span too long for the clock counts as a year (so "huge"
/// never turns into "already passed").
pub(crate) fn deadline(after: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

/// True for `localhost` (and names under it) and loopback addresses, where plain http can't be
/// read off the network.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || resolve::is_below_localhost(d)
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_is_a_validation_error_on_the_named_field() {
        let bad = [
            &b"not a certificate"[..],
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n",
        ];
        crate::ids::assert_each_refused_on("extra_root_certificates", &bad, |pem| {
            build_client(&[pem.to_vec()], "extra_root_certificates")
        });
        assert!(build_client(&[], "root_certificates").is_ok());
    }

    #[test]
    fn loopback_hosts() {
        let local = |s: &str| is_loopback(&Url::parse(s).unwrap());
        assert!(local("http://127.0.0.1:8080/score"));
        assert!(local("http://localhost:5001/"));
        assert!(local("http://[::1]:5001/"));
        assert!(local("http://acct.blob.core.localhost:5001/"));
        assert!(!local("http://churn.eastus.inference.ml.azure.com/score"));
        assert!(!local("http://10.0.0.1/"));
    }
}
