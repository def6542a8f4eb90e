//! A credential for the offline workspace: no Azure login, tokens made up locally.

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};

/// Hands out local tokens for any scope (the offline workspace accepts them; Azure would not).
#[derive(Clone, Debug, Default)]
pub struct LocalCredential {
    _private: (),
}

impl LocalCredential {
    /// A new local credential.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl TokenCredential for LocalCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes
            .first()
            .copied()
            .unwrap_or("https://127.0.0.1/.default");
        Ok(AccessToken::new(
            crate::core::fake_access_token(scope),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}
