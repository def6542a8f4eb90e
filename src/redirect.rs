//! Sending every request to one base URL (a test fake or an emulator) while the client keeps
//! using the real, logical `https://…` URLs.
//!
//! azure_core's bearer policy refuses plain-http URLs, and the logical host decides which token a
//! request gets, so the rewrite must happen *after* authentication: this is a per-try policy that
//! runs last before the transport. It forwards the logical host in [`ORIGINAL_HOST_HEADER`] so the
//! receiver can tell ARM, blob storage and scoring requests apart. It rewrites a copy of the
//! request, because the retry policy re-sends the same `Request` and the bearer policy would
//! reject a left-over `http://` URL, also after a try cut short by a time limit.

use std::sync::Arc;

use azure_core::http::{
    headers::HeaderName,
    policies::{Policy, PolicyResult},
    Context, Request, Url,
};

/// Header carrying the logical host (and port, if any) of a redirected request.
pub const ORIGINAL_HOST_HEADER: &str = "x-azml-original-host";

/// Rewrites scheme, host and port of `url` to those of `target`; returns the logical host.
pub(crate) fn redirect_url(target: &Url, url: &mut Url) -> String {
    let original = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    // Setting the scheme between http and https always succeeds; host and port come from a
    // parsed URL, so they are valid too. Failures would leave the URL unchanged, which the
    // receiver reports as an unknown host rather than a panic here.
    let _ = url.set_scheme(target.scheme());
    let _ = url.set_host(target.host_str());
    let _ = url.set_port(target.port_or_known_default());
    original
}

/// The per-try redirect policy.
#[derive(Debug, Clone)]
pub(crate) struct RedirectPolicy {
    target: Url,
}

impl RedirectPolicy {
    pub(crate) fn policy(target: Url) -> Arc<dyn Policy> {
        Arc::new(Self { target })
    }
}

#[async_trait::async_trait]
impl Policy for RedirectPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        // A copy goes out, so the caller's request keeps its logical URL even when this try is
        // cancelled (a time limit) before the transport returns.
        let mut redirected = request.clone();
        let original_host = redirect_url(&self.target, redirected.url_mut());
        redirected.insert_header(HeaderName::from_static(ORIGINAL_HOST_HEADER), original_host);
        let (policy, rest) = crate::http::policies::next_policy(next, "redirect")?;
        policy.send(ctx, &mut redirected, rest).await
    }
}
