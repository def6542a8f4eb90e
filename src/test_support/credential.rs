//! A token credential for tests and benchmarks: each token made by a function of the scopes
//! and the call's number, every scope asked for recorded. It needs only `azure_core` and
//! `async_trait`, so the crate's own tests, the integration tests and `examples/bench_invoke.rs`
//! include this one file (with `#[path]` from outside `src/`).
// Each includer uses its own part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};

/// Makes the token of call `n` (from 1) for these scopes.
type TokenFn = dyn Fn(&[&str], usize) -> String + Send + Sync;

/// Hands out the tokens its function makes, valid for an hour unless told otherwise.
pub struct TestCredential {
    token: Box<TokenFn>,
    valid_for: Duration,
    /// Calls so far.
    pub calls: AtomicUsize,
    /// Every scope asked for, in order.
    pub scopes: Mutex<Vec<String>>,
}

impl TestCredential {
    /// Tokens from `token(scopes, n)` for call number `n` (from 1).
    pub fn new(token: impl Fn(&[&str], usize) -> String + Send + Sync + 'static) -> Self {
        TestCredential {
            token: Box::new(token),
            valid_for: Duration::from_secs(3600),
            calls: AtomicUsize::new(0),
            scopes: Mutex::new(Vec::new()),
        }
    }

    /// The same `token` for every scope and call.
    pub fn fixed(token: &str) -> Self {
        let token = token.to_owned();
        Self::new(move |_, _| token.clone())
    }

    /// `token-for-{scopes}`: the scopes a request was made with are in its header.
    pub fn naming_scopes() -> Self {
        Self::new(|scopes, _| format!("token-for-{}", scopes.join(" ")))
    }

    /// Tokens valid for `valid_for` from the moment they are made.
    pub fn valid_for(mut self, valid_for: Duration) -> Self {
        self.valid_for = valid_for;
        self
    }

    /// Calls so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

// By hand: the token function has no `Debug`, and the tokens are not shown.
impl std::fmt::Debug for TestCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCredential")
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for TestCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut seen) = self.scopes.lock() {
            seen.extend(scopes.iter().map(|s| s.to_string()));
        }
        Ok(AccessToken::new(
            (self.token)(scopes, n),
            azure_core::time::OffsetDateTime::now_utc() + self.valid_for,
        ))
    }
}
