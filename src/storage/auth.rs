//! How a blob request is authorized. Chosen per container: the ARM token is never sent to
//! storage.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};

use crate::error::{Error, Result};

/// Entra scope of Azure Storage (the same in every cloud).
pub const STORAGE_SCOPE: &str = "https://storage.azure.com/.default";

/// Authorization for blob requests.
///
/// Build it with [`StorageAuth::sas`], [`StorageAuth::shared_key`] or [`StorageAuth::bearer`];
/// each validates its input. `Debug` shows the kind (and the account name) only, never a key,
/// token or signature.
#[derive(Clone)]
#[non_exhaustive]
pub enum StorageAuth {
    /// A shared access signature: its query string (without `?`) is appended to every request.
    Sas(Secret),
    /// The storage account key: every request is signed (`Authorization: SharedKey …`).
    SharedKey {
        /// Storage account name.
        account: String,
        /// Base64 account key.
        key: Secret,
    },
    /// An Entra token for [`STORAGE_SCOPE`] from this credential (identity-based datastores).
    Bearer(Arc<dyn TokenCredential>),
}

impl StorageAuth {
    /// A SAS from its query string (a leading `?` is dropped).
    ///
    /// # Errors
    /// [`Error::Validation`] on `sas` when it is empty or has no `sig=` parameter.
    pub fn sas(query: impl Into<String>) -> Result<Self> {
        let query: String = query.into();
        let query = query.trim().trim_start_matches('?').to_owned();
        if query.is_empty() {
            return Err(Error::validation("sas", "must not be empty"));
        }
        if !query.split('&').any(|p| p.starts_with("sig=")) {
            return Err(Error::validation("sas", "must contain a `sig` parameter"));
        }
        Ok(StorageAuth::Sas(Secret::new(query)))
    }

    /// The account key of `account`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `account` when it is not 3–24 lower-case letters and digits,
    /// on `account_key` when it is empty or not base64.
    pub fn shared_key(account: impl Into<String>, key: Secret) -> Result<Self> {
        let account: String = account.into();
        let valid_name = (3..=24).contains(&account.len())
            && account
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid_name {
            return Err(Error::validation(
                "account",
                "must be 3-24 lower-case letters and digits",
            ));
        }
        match azure_core::base64::decode(key.secret()) {
            Ok(bytes) if !bytes.is_empty() => {}
            Ok(_) => return Err(Error::validation("account_key", "must not be empty")),
            Err(_) => return Err(Error::validation("account_key", "must be base64")),
        }
        Ok(StorageAuth::SharedKey { account, key })
    }

    /// Entra tokens for [`STORAGE_SCOPE`] from `credential`.
    pub fn bearer(credential: Arc<dyn TokenCredential>) -> Self {
        StorageAuth::Bearer(credential)
    }

    /// A short name of the kind, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            StorageAuth::Sas(_) => "sas",
            StorageAuth::SharedKey { .. } => "shared-key",
            StorageAuth::Bearer(_) => "bearer",
        }
    }
}

impl fmt::Debug for StorageAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageAuth::Sas(_) => f.write_str("StorageAuth::Sas(<redacted>)"),
            StorageAuth::SharedKey { account, .. } => f
                .debug_struct("StorageAuth::SharedKey")
                .field("account", account)
                .finish_non_exhaustive(),
            StorageAuth::Bearer(_) => f.write_str("StorageAuth::Bearer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let sas = StorageAuth::sas("?sv=2021&sig=SECRETSIG%3D").unwrap();
        let key = StorageAuth::shared_key("acct1", Secret::new("c2VjcmV0a2V5")).unwrap();
        let text = format!("{sas:?} {key:?}");
        assert!(!text.contains("SECRETSIG"), "{text}");
        assert!(!text.contains("c2VjcmV0a2V5"), "{text}");
        assert!(text.contains("acct1"));
    }

    #[test]
    fn constructors_validate() {
        assert!(StorageAuth::sas("").unwrap_err().is_validation());
        assert!(StorageAuth::sas("sv=1&se=2").unwrap_err().is_validation());
        assert!(StorageAuth::shared_key("UPPER", Secret::new("c2VjcmV0"))
            .unwrap_err()
            .is_validation());
        assert!(StorageAuth::shared_key("acct", Secret::new("%%%"))
            .unwrap_err()
            .is_validation());
        assert!(StorageAuth::shared_key("acct", Secret::new(""))
            .unwrap_err()
            .is_validation());
    }
}
