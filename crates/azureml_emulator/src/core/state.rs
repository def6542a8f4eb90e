//! The persistent state of the emulated workspace: plain serde data, resources kept as the JSON
//! the REST API returns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::arm::{new_key, new_storage_key, now_rfc3339};
use super::blob::BlobStore;
use super::lro::Operation;
use super::CoreConfig;

/// Everything the workspace remembers. Serialize it (serde JSON) to persist the workspace;
/// [`WorkspaceCore::with_state`](super::WorkspaceCore::with_state) takes it back.
///
/// It holds secrets (endpoint keys, storage account keys, SAS signatures): store it where only
/// the workspace's owner can read it. `Debug` shows counts only.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct WorkspaceState {
    /// The workspace's GUID (`properties.workspaceId`).
    pub(crate) workspace_id: String,
    /// When the workspace was created (RFC 3339).
    pub(crate) created_at: String,
    /// Storage account name → base64 account key.
    pub(crate) storage_keys: BTreeMap<String, String>,
    /// Asset containers keyed `"{kind}/{name}"` (`models/churn`).
    pub(crate) assets: BTreeMap<String, AssetRecord>,
    /// Datastores by name (secrets kept apart in `datastore_secrets`).
    pub(crate) datastores: BTreeMap<String, Stored>,
    /// Datastore name → its `credentials.secrets` object as sent.
    pub(crate) datastore_secrets: BTreeMap<String, Value>,
    /// Online endpoints by name.
    pub(crate) endpoints: BTreeMap<String, EndpointRecord>,
    /// Long-running operations by id.
    pub(crate) operations: BTreeMap<String, Operation>,
    /// SAS signatures handed out by `startPendingUpload`, by signature.
    pub(crate) sas: BTreeMap<String, IssuedSas>,
    /// Blob contents.
    pub(crate) blobs: BlobStore,
    /// Monotonic counter ordering creations (for `createdtime` ordering).
    pub(crate) seq: u64,
    /// Azure Monitor: autoscale settings and their activity log.
    #[serde(default)]
    pub(crate) monitor: super::monitor::state::MonitorState,
}

#[cfg(feature = "local")]
impl WorkspaceState {
    /// Names of the online endpoints.
    pub(crate) fn endpoint_names(&self) -> impl Iterator<Item = &str> {
        self.endpoints.keys().map(String::as_str)
    }

    /// Names of an endpoint's deployments.
    pub(crate) fn deployment_names(&self, endpoint: &str) -> impl Iterator<Item = &str> {
        self.endpoints
            .get(endpoint)
            .into_iter()
            .flat_map(|r| r.deployments.keys().map(String::as_str))
    }
}

impl std::fmt::Debug for WorkspaceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceState")
            .field("workspace_id", &self.workspace_id)
            .field("assets", &self.assets.len())
            .field("datastores", &self.datastores.len())
            .field("endpoints", &self.endpoints.len())
            .field("operations", &self.operations.len())
            .field("blobs", &self.blobs.len())
            .finish_non_exhaustive()
    }
}

/// A resource and its creation order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) seq: u64,
    pub(crate) resource: Value,
}

/// An asset container (`models/{name}`) and its versions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct AssetRecord {
    pub(crate) container: Stored,
    pub(crate) versions: BTreeMap<String, Stored>,
}

/// The two keys of an endpoint.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct EndpointKeys {
    pub(crate) primary: String,
    pub(crate) secondary: String,
}

impl EndpointKeys {
    pub(crate) fn random() -> Self {
        Self {
            primary: new_key(),
            secondary: new_key(),
        }
    }
}

/// An AML token issued by `POST …/token`.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct IssuedToken {
    pub(crate) token: String,
    /// Unix seconds.
    pub(crate) expires: i64,
}

/// An online endpoint, its credentials and its deployments.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct EndpointRecord {
    pub(crate) seq: u64,
    pub(crate) resource: Value,
    pub(crate) keys: EndpointKeys,
    pub(crate) tokens: Vec<IssuedToken>,
    pub(crate) deployments: BTreeMap<String, DeploymentRecord>,
    /// The operation currently changing this endpoint.
    pub(crate) pending_op: Option<String>,
    /// Smooth weighted round-robin counters (routing state; not worth persisting).
    #[serde(skip)]
    pub(crate) swrr: BTreeMap<String, i64>,
    /// Mirror-traffic accumulators per deployment.
    #[serde(skip)]
    pub(crate) mirror_acc: BTreeMap<String, i64>,
}

/// An online deployment.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct DeploymentRecord {
    pub(crate) seq: u64,
    pub(crate) resource: Value,
    pub(crate) pending_op: Option<String>,
}

/// A container SAS handed out by `startPendingUpload`.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct IssuedSas {
    pub(crate) account: String,
    pub(crate) container: String,
    /// The query parameters of the SAS, `sig` included.
    pub(crate) params: Vec<(String, String)>,
}

impl WorkspaceState {
    /// A new workspace: fresh ids and storage key, the default datastore.
    pub(crate) fn fresh(config: &CoreConfig) -> Self {
        let mut state = Self {
            workspace_id: uuid::Uuid::new_v4().to_string(),
            created_at: now_rfc3339(),
            ..Self::default()
        };
        state.ensure_defaults(config);
        state
    }

    /// Fills in what a workspace always has (ids, storage key, `workspaceblobstore`), and
    /// points the default datastore at the storage suffix of this run (an emulator's suffix
    /// carries its port, which may change between runs).
    pub(crate) fn ensure_defaults(&mut self, config: &CoreConfig) {
        if self.workspace_id.is_empty() {
            self.workspace_id = uuid::Uuid::new_v4().to_string();
        }
        if self.created_at.is_empty() {
            self.created_at = now_rfc3339();
        }
        self.storage_keys
            .entry(config.storage_account.clone())
            .or_insert_with(new_storage_key);
        if !self.datastores.contains_key("workspaceblobstore") {
            let container = format!("azureml-blobstore-{}", self.workspace_id);
            let resource = json!({
                "id": format!("{}/datastores/workspaceblobstore", config.workspace_id()),
                "name": "workspaceblobstore",
                "type": "Microsoft.MachineLearningServices/workspaces/datastores",
                "properties": {
                    "datastoreType": "AzureBlob",
                    "accountName": config.storage_account,
                    "containerName": container,
                    "endpoint": config.storage_suffix,
                    "protocol": "https",
                    "serviceDataAccessAuthIdentity": "WorkspaceSystemAssignedIdentity",
                    "credentials": {"credentialsType": "AccountKey"},
                    "isDefault": true,
                    "description": null,
                    "properties": {},
                    "tags": {}
                },
                "systemData": super::arm::system_data(&self.created_at, &self.created_at),
            });
            let seq = self.next_seq();
            self.datastores
                .insert("workspaceblobstore".into(), Stored { seq, resource });
        }
        if let Some(props) = self
            .datastores
            .get_mut("workspaceblobstore")
            .and_then(|d| d.resource.get_mut("properties"))
            .and_then(Value::as_object_mut)
        {
            let ours = props.get("accountName").and_then(Value::as_str)
                == Some(config.storage_account.as_str());
            if ours {
                props.insert("endpoint".into(), json!(config.storage_suffix));
            }
        }
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The storage account key of `account`, base64.
    pub(crate) fn storage_key(&self, account: &str) -> Option<&str> {
        self.storage_keys.get(account).map(String::as_str)
    }

    /// The default datastore's account and container.
    pub(crate) fn datastore_location(&self, name: &str) -> Option<(String, String)> {
        let props = self.datastores.get(name)?.resource.get("properties")?;
        Some((
            props.get("accountName")?.as_str()?.to_owned(),
            props.get("containerName")?.as_str()?.to_owned(),
        ))
    }

    /// Number of stored blobs.
    pub fn blob_count(&self) -> usize {
        self.blobs.len()
    }
}
