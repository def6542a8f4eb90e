//! `Workspace` and `Datastore` (read-only views the operations need).

use std::collections::BTreeMap;

use super::common::{CreationContext, IdentityConfiguration};
use super::macros::string_enum;

/// An Azure Machine Learning workspace.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Workspace {
    /// Workspace name.
    pub name: String,
    /// Azure region.
    pub location: Option<String>,
    /// ARM id.
    pub id: Option<String>,
    /// Friendly name.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Discovery URL of the regional ML services.
    pub discovery_url: Option<String>,
    /// MLflow tracking URI.
    pub mlflow_tracking_uri: Option<String>,
    /// ARM id of the storage account.
    pub storage_account: Option<String>,
    /// ARM id of the key vault.
    pub key_vault: Option<String>,
    /// ARM id of the container registry.
    pub container_registry: Option<String>,
    /// ARM id of Application Insights.
    pub application_insights: Option<String>,
    /// Internal workspace GUID.
    pub workspace_id: Option<String>,
    /// ARM `kind` (`Default`, `Hub`, `Project`, ...).
    pub kind: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Managed identity.
    pub identity: Option<IdentityConfiguration>,
    /// Provisioning state as reported.
    pub provisioning_state: Option<String>,
    /// Creation / modification info.
    pub creation_context: Option<CreationContext>,
}

string_enum! {
    /// Kind of datastore (`datastoreType`).
    DatastoreType {
        /// Azure Blob container.
        AzureBlob = "AzureBlob",
        /// Data Lake Gen1.
        AzureDataLakeGen1 = "AzureDataLakeGen1",
        /// Data Lake Gen2.
        AzureDataLakeGen2 = "AzureDataLakeGen2",
        /// Azure Files share.
        AzureFile = "AzureFile",
        /// OneLake.
        OneLake = "OneLake",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from a macro that cannot mark `#[default]`
impl Default for DatastoreType {
    fn default() -> Self {
        DatastoreType::AzureBlob
    }
}

/// A workspace datastore (the Azure Blob fields are the ones this crate uses).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Datastore {
    /// Datastore name (e.g. `workspaceblobstore`).
    pub name: String,
    /// ARM id.
    pub id: Option<String>,
    /// Kind of store.
    pub datastore_type: DatastoreType,
    /// Storage account name (blob / file / gen2).
    pub account_name: Option<String>,
    /// Blob container name.
    pub container_name: Option<String>,
    /// Storage endpoint suffix (e.g. `core.windows.net`).
    pub endpoint: Option<String>,
    /// Protocol (e.g. `https`).
    pub protocol: Option<String>,
    /// Credential kind (`AccountKey`, `Sas`, `None`, ...); secrets are never returned here.
    pub credentials_type: Option<String>,
    /// True for the workspace default datastore.
    pub is_default: bool,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties.
    pub properties: BTreeMap<String, String>,
    /// Creation / modification info.
    pub creation_context: Option<CreationContext>,
}

impl Datastore {
    /// `https://{account}.blob.{endpoint}/{container}` for a blob datastore.
    pub fn container_url(&self) -> Option<String> {
        let account = self.account_name.as_deref()?;
        let container = self.container_name.as_deref()?;
        let protocol = self.protocol.as_deref().unwrap_or("https");
        let suffix = self.endpoint.as_deref().unwrap_or("core.windows.net");
        Some(format!("{protocol}://{account}.blob.{suffix}/{container}"))
    }
}
