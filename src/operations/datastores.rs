//! `ml_client.datastores()`.

use std::sync::Arc;

use crate::arm::pager::ArmPager;
use crate::arm::resource::{self, ResourcePath};
use crate::client::ClientCore;
use crate::entities::Datastore;
use crate::error::{Error, Result};
use crate::rest::DatastoreSecrets;

/// Datastore operations (read-only: what deployment needs).
#[derive(Clone, Debug)]
pub struct DatastoreOperations {
    core: Arc<ClientCore>,
}

fn datastore_path(core: &ClientCore, name: &str) -> ResourcePath {
    ResourcePath::new(["datastores", name], &core.api.datastores)
}

impl DatastoreOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Gets a datastore by name.
    pub async fn get(&self, name: &str) -> Result<Datastore> {
        super::require_name("name", name)?;
        self.core
            .get_resource(&datastore_path(&self.core, name), "Datastore")
            .await
    }

    /// Lists the workspace's datastores.
    pub fn list(&self) -> ArmPager<Datastore> {
        resource::list(
            &self.core,
            &ResourcePath::new(["datastores"], &self.core.api.datastores),
            &[],
        )
    }

    /// The default datastore (`isDefault`), where local models are uploaded.
    pub async fn get_default(&self) -> Result<Datastore> {
        self.core.default_datastore().await
    }
}

impl ClientCore {
    /// The default datastore: one list call filtered by `isDefault=true`.
    pub(crate) async fn default_datastore(&self) -> Result<Datastore> {
        let url = ResourcePath::new(["datastores"], &self.api.datastores)
            .url(self, &[("isDefault", "true")]);
        let page: crate::arm::pager::ArmPage<Datastore> =
            self.arm_get(url, "Datastore list").await?;
        page.value
            .into_iter()
            .find(|d| d.is_default)
            .ok_or_else(|| Error::Service {
                status: 404,
                code: Some("NoDefaultDatastore".into()),
                message: "the workspace has no default datastore".into(),
                target: None,
                details: Box::default(),
                request_id: None,
            })
    }

    /// The datastore's secrets (account key or SAS); asks for a short-lived secret like Python.
    pub(crate) async fn datastore_secrets(&self, name: &str) -> Result<DatastoreSecrets> {
        let body = serde_json::json!({"expirableSecret": true, "expireAfterHours": 1});
        self.post_action(
            &datastore_path(self, name).join("listSecrets"),
            Some(&body),
            "DatastoreSecrets",
        )
        .await
    }
}
