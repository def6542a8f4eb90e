//! `ml_client.datastores()`.

use std::sync::Arc;

use azure_core::http::Context;

use crate::arm::pager::{ArmPage, ArmPager};
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::Datastore;
use crate::error::{Error, Result};
use crate::rest::{self, DatastoreSecrets};

/// Datastore operations (read-only: what deployment needs).
#[derive(Clone, Debug)]
pub struct DatastoreOperations {
    core: Arc<ClientCore>,
}

impl DatastoreOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Gets a datastore by name.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing datastore), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(&self, name: &str) -> Result<Datastore> {
        super::require_name("name", name)?;
        let arm = &self.core.arm;
        arm.get(
            &resources::datastore(arm.api(), name),
            "Datastore",
            &Context::new(),
        )
        .await
    }

    /// Lists the workspace's datastores.
    pub fn list(&self) -> ArmPager<Datastore> {
        let arm = &self.core.arm;
        arm.list(&resources::datastores(arm.api()), &Context::new())
    }

    /// The default datastore (`isDefault`), where local models are uploaded: one list call
    /// filtered by `isDefault=true`.
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// default datastore (code `NoDefaultDatastore`)),
    /// [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get_default(&self) -> Result<Datastore> {
        let arm = &self.core.arm;
        let page: ArmPage<Datastore> = arm
            .get(
                &resources::datastores(arm.api()).with_query("isDefault", "true"),
                "Datastore list",
                &Context::new(),
            )
            .await?;
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
    pub(crate) async fn secrets(&self, name: &str) -> Result<DatastoreSecrets> {
        let arm = &self.core.arm;
        arm.post_secrets(
            &resources::datastore(arm.api(), name).join("listSecrets"),
            Some(&rest::list_secrets_body()),
            "DatastoreSecrets",
            &Context::new(),
        )
        .await
    }
}
