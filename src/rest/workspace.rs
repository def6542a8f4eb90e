//! Workspace and datastore ⇄ ARM JSON (read-only views), datastore secrets, SKUs.

use std::collections::BTreeMap;
use std::fmt;

use azure_core::credentials::Secret;
use serde::Deserialize;

use super::common::lenient_string_map;
use super::resource::ArmResource;
use crate::entities::{Datastore, DatastoreType, Workspace};

/// ARM `Workspace` resource.
pub(crate) type WorkspaceResource = ArmResource<WorkspaceProperties>;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct WorkspaceProperties {
    friendly_name: Option<String>,
    description: Option<String>,
    discovery_url: Option<String>,
    ml_flow_tracking_uri: Option<String>,
    storage_account: Option<String>,
    key_vault: Option<String>,
    container_registry: Option<String>,
    application_insights: Option<String>,
    workspace_id: Option<String>,
    provisioning_state: Option<String>,
}

impl From<WorkspaceResource> for Workspace {
    fn from(w: WorkspaceResource) -> Self {
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
            tags: w.tags.unwrap_or_default(),
            identity: w.identity.map(Into::into),
            provisioning_state: p.provisioning_state,
            creation_context: w.system_data.map(Into::into),
        }
    }
}

/// ARM `Datastore` resource (tags live in its properties).
pub(crate) type DatastoreResource = ArmResource<DatastoreProperties>;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct DatastoreProperties {
    datastore_type: Option<DatastoreType>,
    account_name: Option<String>,
    container_name: Option<String>,
    endpoint: Option<String>,
    protocol: Option<String>,
    credentials: Option<CredentialsWire>,
    is_default: Option<bool>,
    description: Option<String>,
    #[serde(deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
}

/// Only the kind is kept: secrets are write-only and fetched through `listSecrets`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct CredentialsWire {
    credentials_type: Option<String>,
}

impl From<DatastoreResource> for Datastore {
    fn from(w: DatastoreResource) -> Self {
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

/// `SkuResource` of `listSkus`. No operation lists SKUs; the REST-example tests decode it (and
/// read none of its fields).
#[cfg(test)]
#[allow(dead_code)]
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuResource {
    /// Resource type.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// SKU name/tier as JSON.
    #[serde(default)]
    pub sku: Option<serde_json::Value>,
    /// Capacity bounds as JSON.
    #[serde(default)]
    pub capacity: Option<serde_json::Value>,
}
