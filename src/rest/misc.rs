//! Workspace, datastore, upload and endpoint-action wire types and bodies.

use std::collections::BTreeMap;
use std::fmt;

use azure_core::credentials::Secret;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::common::{lenient_string_map, IdentityWire, SystemDataWire};
use crate::entities::{ContainerType, Datastore, DatastoreType, KeyType, Workspace};

/// ARM `Workspace` resource.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    identity: Option<IdentityWire>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: WorkspacePropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WorkspacePropertiesWire {
    #[serde(default)]
    friendly_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    discovery_url: Option<String>,
    #[serde(default)]
    ml_flow_tracking_uri: Option<String>,
    #[serde(default)]
    storage_account: Option<String>,
    #[serde(default)]
    key_vault: Option<String>,
    #[serde(default)]
    container_registry: Option<String>,
    #[serde(default)]
    application_insights: Option<String>,
    #[serde(default)]
    workspace_id: Option<String>,
    #[serde(default)]
    provisioning_state: Option<String>,
}

impl From<WorkspaceWire> for Workspace {
    fn from(w: WorkspaceWire) -> Self {
        let p = w.properties;
        Workspace {
            name: w.name.unwrap_or_default(),
            location: w.location,
            id: w.id,
            display_name: p.friendly_name,
            description: p.description,
            discovery_url: p.discovery_url,
            mlflow_tracking_uri: p.ml_flow_tracking_uri,
            storage_account: p.storage_account,
            key_vault: p.key_vault,
            container_registry: p.container_registry,
            application_insights: p.application_insights,
            workspace_id: p.workspace_id,
            kind: w.kind,
            tags: w.tags,
            identity: w.identity.map(Into::into),
            provisioning_state: p.provisioning_state,
            creation_context: w.system_data.map(Into::into),
        }
    }
}

/// ARM `Datastore` resource.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatastoreWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: DatastorePropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatastorePropertiesWire {
    #[serde(default)]
    datastore_type: Option<DatastoreType>,
    #[serde(default)]
    account_name: Option<String>,
    #[serde(default)]
    container_name: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    credentials: Option<CredentialsWire>,
    #[serde(default)]
    is_default: Option<bool>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
}

/// Only the kind is kept: secrets are write-only and fetched through `listSecrets`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsWire {
    #[serde(default)]
    credentials_type: Option<String>,
}

impl From<DatastoreWire> for Datastore {
    fn from(w: DatastoreWire) -> Self {
        let p = w.properties;
        Datastore {
            name: w.name.unwrap_or_default(),
            id: w.id,
            datastore_type: p.datastore_type.unwrap_or_default(),
            account_name: p.account_name,
            container_name: p.container_name,
            endpoint: p.endpoint,
            protocol: p.protocol,
            credentials_type: p.credentials.and_then(|c| c.credentials_type),
            is_default: p.is_default.unwrap_or(false),
            description: p.description,
            tags: p.tags,
            properties: p.properties,
            creation_context: w.system_data.map(Into::into),
        }
    }
}

/// `listSecrets` answer (polymorphic on `secretsType`). Secret values are [`Secret`]s.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatastoreSecrets {
    /// `AccountKey`, `Sas`, `ServicePrincipal`, `Certificate`.
    #[serde(default)]
    pub secrets_type: Option<String>,
    /// Storage account key (`AccountKey`).
    #[serde(default)]
    pub key: Option<Secret>,
    /// SAS token (`Sas`).
    #[serde(default)]
    pub sas_token: Option<Secret>,
    /// Client secret (`ServicePrincipal`).
    #[serde(default)]
    pub client_secret: Option<Secret>,
}

impl fmt::Debug for DatastoreSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only say which secrets are present.
        f.debug_struct("DatastoreSecrets")
            .field("secrets_type", &self.secrets_type)
            .field("key", &self.key.as_ref().map(|_| "Secret"))
            .field("sas_token", &self.sas_token.as_ref().map(|_| "Secret"))
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "Secret"),
            )
            .finish()
    }
}

/// `startPendingUpload` answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUploadResponse {
    /// Where to upload.
    #[serde(default)]
    pub blob_reference_for_consumption: Option<BlobReference>,
    /// Upload id.
    #[serde(default)]
    pub pending_upload_id: Option<String>,
    /// Upload type (`TemporaryBlobReference`, `None`).
    #[serde(default)]
    pub pending_upload_type: Option<String>,
}

/// A blob container (or folder) to upload into.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobReference {
    /// Container / folder URI without credentials.
    #[serde(default)]
    pub blob_uri: Option<String>,
    /// ARM id of the storage account.
    #[serde(default)]
    pub storage_account_arm_id: Option<String>,
    /// Credential to write with.
    #[serde(default)]
    pub credential: Option<PendingUploadCredential>,
}

/// SAS credential of a pending upload; the URI carries the signature, so it is a [`Secret`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUploadCredential {
    /// `SAS`.
    #[serde(default)]
    pub credential_type: Option<String>,
    /// Container URI with the SAS query string.
    #[serde(default)]
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

/// Body of `startPendingUpload`.
pub(crate) fn start_pending_upload_body() -> Value {
    json!({ "pendingUploadType": "TemporaryBlobReference" })
}

/// Body of datastore `listSecrets` (what Python sends).
pub(crate) fn list_secrets_body() -> Value {
    json!({ "expirableSecret": true, "expireAfterHours": 1 })
}

/// Body of `regenerateKeys`: `{keyType, keyValue?}` (Python sends the current key value).
pub(crate) fn regenerate_keys_body(key_type: KeyType, key_value: Option<&Secret>) -> Value {
    let mut m = Map::new();
    m.insert("keyType".into(), key_type.as_str().into());
    if let Some(v) = key_value {
        m.insert("keyValue".into(), v.secret().into());
    }
    m.into()
}

/// Body of `getLogs`: `{"tail": N}`, plus `containerType` when given (like Python).
pub(crate) fn get_logs_body(container_type: Option<ContainerType>, tail: u32) -> Value {
    let mut m = Map::new();
    if let Some(c) = container_type {
        m.insert("containerType".into(), c.as_str().into());
    }
    m.insert("tail".into(), tail.into());
    m.into()
}

/// `SkuResource` of `listSkus`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuResource {
    /// Resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// SKU name/tier as JSON.
    #[serde(default)]
    pub sku: Option<Value>,
    /// Capacity bounds as JSON.
    #[serde(default)]
    pub capacity: Option<Value>,
}
