//! Which credential a request carries, and which host may see which credential.
//!
//! Fake Entra tokens name their audience (`fake-token|{audience}|{random}`), so the workspace
//! can tell an ARM token from a storage or ML token the way Azure does by reading the JWT's
//! `aud` claim.

use serde::{Deserialize, Serialize};

use super::arm::arm_error;
use super::{CoreRequest, CoreResponse, WorkspaceCore};

const FAKE_TOKEN_PREFIX: &str = "fake-token|";

/// A fake Entra access token for `scope` (`https://management.azure.com/.default` →
/// audience `https://management.azure.com`). Every call returns a different token.
pub fn fake_access_token(scope: &str) -> String {
    let audience = scope
        .strip_suffix("/.default")
        .unwrap_or(scope)
        .trim_end_matches('/');
    format!(
        "{FAKE_TOKEN_PREFIX}{audience}|{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// The audience of a token made by [`fake_access_token`].
fn fake_token_audience(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(FAKE_TOKEN_PREFIX)?;
    rest.split('|').next()
}

/// What kind of credential a request presented.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CredentialKind {
    /// No credential.
    None,
    /// An Entra token for Azure Resource Manager.
    ArmToken,
    /// An Entra token for Azure Storage (`https://storage.azure.com`).
    StorageToken,
    /// An Entra token for Azure ML scoring (`https://ml.azure.com`, `aad_token` endpoints).
    MlToken,
    /// A fake Entra token for another audience (named).
    OtherAudienceToken(String),
    /// An endpoint key (primary or secondary) of some endpoint.
    ScoringKey,
    /// An AML token issued by `POST …/onlineEndpoints/{name}/token`.
    AmlToken,
    /// A bearer token the workspace didn't issue and can't classify.
    UnknownBearer,
    /// A blob SAS (the `sig` query parameter).
    StorageSas,
    /// `Authorization: SharedKey {account}:{signature}`.
    SharedKey,
    /// Another `Authorization` scheme (named).
    OtherScheme(String),
}

/// Classifies a bearer token by the audience a fake token names (no lookup of keys).
pub fn classify_bearer_token(token: &str) -> CredentialKind {
    match fake_token_audience(token) {
        Some(aud) if is_arm_audience(aud) => CredentialKind::ArmToken,
        Some(aud) if aud.eq_ignore_ascii_case("https://storage.azure.com") => {
            CredentialKind::StorageToken
        }
        Some(aud) if is_ml_audience(aud) => CredentialKind::MlToken,
        Some(aud) => CredentialKind::OtherAudienceToken(aud.to_owned()),
        None => CredentialKind::UnknownBearer,
    }
}

fn is_arm_audience(aud: &str) -> bool {
    let aud = aud.to_ascii_lowercase();
    aud.starts_with("https://management.")
        || aud.starts_with("https://127.0.0.1")
        || aud.starts_with("https://localhost")
}

fn is_ml_audience(aud: &str) -> bool {
    let aud = aud.to_ascii_lowercase();
    aud == "https://ml.azure.com" || aud == "https://ml.azure.us" || aud == "https://ml.azure.cn"
}

impl WorkspaceCore {
    /// Classifies the credential of a request, looking up endpoint keys and AML tokens.
    pub(crate) fn classify_credential(&self, request: &CoreRequest) -> CredentialKind {
        let Some(auth) = request.header("authorization") else {
            return if request.query("sig").is_some() {
                CredentialKind::StorageSas
            } else {
                CredentialKind::None
            };
        };
        let (scheme, value) = auth.split_once(' ').unwrap_or((auth, ""));
        if scheme.eq_ignore_ascii_case("SharedKey") {
            return CredentialKind::SharedKey;
        }
        if !scheme.eq_ignore_ascii_case("Bearer") {
            return CredentialKind::OtherScheme(scheme.to_owned());
        }
        let token = value.trim();
        match classify_bearer_token(token) {
            CredentialKind::UnknownBearer => {}
            known => return known,
        }
        for record in self.state.endpoints.values() {
            if record.keys.primary == token || record.keys.secondary == token {
                return CredentialKind::ScoringKey;
            }
            if record.tokens.iter().any(|t| t.token == token) {
                return CredentialKind::AmlToken;
            }
        }
        CredentialKind::UnknownBearer
    }

    /// ARM accepts Entra tokens for its own audience (and, for emulators driven by real
    /// credentials, tokens it can't read). Anything else is refused; data-plane secrets sent to
    /// ARM are recorded as violations.
    pub(crate) fn check_arm_credential(
        &mut self,
        credential: &CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> Result<(), CoreResponse> {
        match credential {
            CredentialKind::ArmToken | CredentialKind::UnknownBearer => Ok(()),
            CredentialKind::None => Err(arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )),
            other => {
                self.log.violation(
                    entry,
                    request,
                    other.clone(),
                    "a data-plane credential was sent to Azure Resource Manager",
                );
                Err(arm_error(
                    401,
                    "InvalidAuthenticationTokenAudience",
                    "The access token has been obtained for the wrong audience or resource.",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_tokens_carry_their_audience() {
        let arm = fake_access_token("https://management.azure.com/.default");
        assert_eq!(classify_bearer_token(&arm), CredentialKind::ArmToken);
        let st = fake_access_token("https://storage.azure.com/.default");
        assert_eq!(classify_bearer_token(&st), CredentialKind::StorageToken);
        let ml = fake_access_token("https://ml.azure.com/.default");
        assert_eq!(classify_bearer_token(&ml), CredentialKind::MlToken);
        assert_eq!(
            classify_bearer_token("eyJabc"),
            CredentialKind::UnknownBearer
        );
        assert_ne!(
            arm,
            fake_access_token("https://management.azure.com/.default")
        );
    }
}
