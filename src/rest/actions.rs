//! Bodies and answers of POST actions: `startPendingUpload`, `listSecrets`, `regenerateKeys`,
//! `getLogs`.

use azure_core::credentials::Secret;
use serde::{Deserialize, Serialize};

use crate::entities::{ContainerType, KeyType};

/// `startPendingUpload` answer, and (without the blob reference) its request.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PendingUploadResponse {
    /// Where to upload (answer only).
    #[serde(skip_serializing)]
    pub blob_reference_for_consumption: Option<BlobReference>,
    /// Upload id.
    pub pending_upload_id: Option<String>,
    /// Upload type (`TemporaryBlobReference`, `None`).
    pub pending_upload_type: Option<String>,
}

/// A blob container (or folder) to upload into.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlobReference {
    /// Container / folder URI without credentials.
    pub blob_uri: Option<String>,
    /// ARM id of the storage account.
    pub storage_account_arm_id: Option<String>,
    /// Credential to write with.
    pub credential: Option<PendingUploadCredential>,
}

/// SAS credential of a pending upload; the URI carries the signature, so it is a [`Secret`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PendingUploadCredential {
    /// `SAS`.
    pub credential_type: Option<String>,
    /// Container URI with the SAS query string.
    pub sas_uri: Option<Secret>,
}

impl PendingUploadResponse {
    /// The blob URI, if present.
    pub fn blob_uri(&self) -> Option<&str> {
        self.blob_reference_for_consumption
            .as_ref()?
            .blob_uri
            .as_deref()
    }

    /// The SAS URI, if present.
    pub fn sas_uri(&self) -> Option<&Secret> {
        self.blob_reference_for_consumption
            .as_ref()?
            .credential
            .as_ref()?
            .sas_uri
            .as_ref()
    }
}

/// Body of `startPendingUpload`: a temporary blob container, as Python asks.
pub(crate) fn start_pending_upload_body() -> PendingUploadResponse {
    PendingUploadResponse {
        pending_upload_type: Some("TemporaryBlobReference".into()),
        ..Default::default()
    }
}

/// Body of datastore `listSecrets`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListSecretsBody {
    expirable_secret: bool,
    expire_after_hours: u32,
}

/// What Python sends: a secret that expires after an hour.
pub(crate) fn list_secrets_body() -> ListSecretsBody {
    ListSecretsBody {
        expirable_secret: true,
        expire_after_hours: 1,
    }
}

/// Body of `regenerateKeys` (Python sends the current key value). `Debug` prints the key as
/// `Secret`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegenerateKeysBody<'a> {
    key_type: KeyType,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_value: Option<&'a Secret>,
}

/// `{keyType, keyValue?}`.
pub(crate) fn regenerate_keys_body(
    key_type: KeyType,
    key_value: Option<&Secret>,
) -> RegenerateKeysBody<'_> {
    RegenerateKeysBody {
        key_type,
        key_value,
    }
}

/// Body of `getLogs`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GetLogsBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    container_type: Option<ContainerType>,
    tail: u32,
}

/// `{"tail": N}`, plus `containerType` when given (like Python).
pub(crate) fn get_logs_body(container_type: Option<ContainerType>, tail: u32) -> GetLogsBody {
    GetLogsBody {
        container_type,
        tail,
    }
}
