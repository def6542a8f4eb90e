//! A `TokenCredential` for tests: no login, recognisable tokens, recorded scopes.

use std::sync::Mutex;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::{Duration, OffsetDateTime};

use crate::core::fake_access_token;

/// Hands out fake Entra tokens that name their audience
/// (`fake-token|https://management.azure.com|…`), so the fake workspace can tell an ARM token
/// from a storage or ML token, and records every scope asked for.
#[derive(Debug, Default)]
pub struct FakeCredential {
    scopes: Mutex<Vec<String>>,
}

impl FakeCredential {
    /// A new credential.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every scope requested so far, in order.
    pub fn scopes_requested(&self) -> Vec<String> {
        self.scopes
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }
}

#[async_trait::async_trait]
impl TokenCredential for FakeCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes.first().copied().unwrap_or_default();
        match self.scopes.lock() {
            Ok(mut s) => s.extend(scopes.iter().map(|s| (*s).to_owned())),
            Err(poisoned) => poisoned
                .into_inner()
                .extend(scopes.iter().map(|s| (*s).to_owned())),
        }
        Ok(AccessToken::new(
            fake_access_token(scope),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}
