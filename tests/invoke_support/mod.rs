//! Helpers shared by the `invoke_*` integration tests: a scoring source that counts its calls.

#![allow(dead_code)]
// The crate error is large by design (ARM details inline); boxing it here would only hide that.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use azure_ai_ml::invoke::{ScoringAuth, ScoringTarget, ScoringTargetSource};
use azure_core::credentials::Secret;
use time::OffsetDateTime;
use url::Url;

type Make = dyn Fn(usize) -> azure_ai_ml::Result<ScoringTarget> + Send + Sync;

/// A `ScoringTargetSource` that answers with `make(n)` on its n-th call (1-based) and counts calls.
pub struct CountingSource {
    calls: AtomicUsize,
    make: Box<Make>,
}

impl CountingSource {
    pub fn new(
        make: impl Fn(usize) -> azure_ai_ml::Result<ScoringTarget> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            calls: AtomicUsize::new(0),
            make: Box::new(make),
        })
    }

    /// A source whose n-th call returns key `keys[min(n, len) - 1]`.
    pub fn keys(uri: Url, keys: &[&'static str]) -> Arc<Self> {
        let keys: Vec<&'static str> = keys.to_vec();
        Self::new(move |n| {
            let key = keys[(n.min(keys.len())) - 1];
            Ok(ScoringTarget::new(
                uri.clone(),
                ScoringAuth::Key(Secret::from(key)),
            ))
        })
    }

    /// A source handing out AML token `first` on its first call and `then` on every later
    /// one; each is (token, seconds from now to its refresh time, seconds from now to its
    /// expiry), negative for the past.
    pub fn aml_tokens(
        uri: Url,
        first: (&'static str, i64, i64),
        then: (&'static str, i64, i64),
    ) -> Arc<Self> {
        let now = OffsetDateTime::now_utc();
        Self::new(move |n| {
            let (token, refresh_in, expires_in) = if n == 1 { first } else { then };
            Ok(aml_token(
                &uri,
                token,
                now + time::Duration::seconds(refresh_in),
                now + time::Duration::seconds(expires_in),
            ))
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl fmt::Debug for CountingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountingSource")
            .field("calls", &self.calls())
            .finish()
    }
}

#[async_trait::async_trait]
impl ScoringTargetSource for CountingSource {
    async fn resolve(&self) -> azure_ai_ml::Result<ScoringTarget> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        // Yield so that concurrent callers really overlap with a refresh in progress.
        tokio::task::yield_now().await;
        (self.make)(n)
    }
}

/// An AML token target.
pub fn aml_token(
    uri: &Url,
    token: &'static str,
    refresh_after: OffsetDateTime,
    expires_on: OffsetDateTime,
) -> ScoringTarget {
    ScoringTarget::new(
        uri.clone(),
        ScoringAuth::AmlToken {
            token: Secret::from(token),
            refresh_after: Some(refresh_after),
            expires_on: Some(expires_on),
        },
    )
}

/// `{server}/score` as a URL.
pub fn score_url(server: &wiremock::MockServer) -> Url {
    Url::parse(&format!("{}/score", server.uri())).expect("mock server URI parses")
}

/// The value of `name` in a received request, if any.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}
