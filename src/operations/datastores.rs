//! `ml_client.datastores()`.

use std::sync::Arc;

use azure_core::http::Context;

use crate::arm::pager::{ArmPage, ArmPager};
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::Datastore;
use crate::error::{Error, Result};
use crate::rest::{self, DatastoreSecrets};

use super::{DatastoresGetDefaultOptions, DatastoresGetOptions, DatastoresListOptions};

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
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let store = ml_client.datastores().get("workspaceblobstore", None).await?;
    /// println!("{:?}", store.container_name);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name, before any request;
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// datastore), [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Datastores.get", skip_all, fields(name = %name))]
    pub async fn get(
        &self,
        name: &str,
        options: Option<DatastoresGetOptions<'_>>,
    ) -> Result<Datastore> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.get_in(name, &ctx).await
    }

    /// [`get`](Self::get) within the caller's span (model downloads).
    pub(crate) async fn get_in(&self, name: &str, ctx: &Context<'_>) -> Result<Datastore> {
        super::require_name("name", name)?;
        let arm = &self.core.arm;
        arm.get(&resources::datastore(arm.api(), name), "Datastore", ctx)
            .await
    }

    /// Lists the workspace's datastores.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let stores: Vec<_> = ml_client.datastores().list(None)?.try_collect().await?;
    /// println!("{} datastores", stores.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a continuation that is not a link on
    /// the ARM endpoint; pages fail as [`get`](Self::get) does, as `azure_core::Error` (convert
    /// with `azure_ai_ml::Error::from`).
    #[tracing::instrument(name = "Datastores.list", skip_all)]
    pub fn list(&self, options: Option<DatastoresListOptions<'_>>) -> Result<ArmPager<Datastore>> {
        let options = options.unwrap_or_default().method_options;
        let arm = &self.core.arm;
        arm.list(&resources::datastores(arm.api()), options)
    }

    /// The default datastore (`isDefault`), where local models are uploaded: one list call
    /// filtered by `isDefault=true`.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let store = ml_client.datastores().get_default(None).await?;
    /// println!("{}", store.name);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) when the service refuses, or with 404 and code
    /// `NoDefaultDatastore` when the workspace has none;
    /// [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Datastores.get_default", skip_all)]
    pub async fn get_default(
        &self,
        options: Option<DatastoresGetDefaultOptions<'_>>,
    ) -> Result<Datastore> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.get_default_in(&ctx).await
    }

    /// [`get_default`](Self::get_default) within the caller's span (uploads).
    pub(crate) async fn get_default_in(&self, ctx: &Context<'_>) -> Result<Datastore> {
        let arm = &self.core.arm;
        let page: ArmPage<Datastore> = arm
            .get(
                &resources::datastores(arm.api()).with_query("isDefault", "true"),
                "Datastore list",
                ctx,
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
    pub(crate) async fn secrets(&self, name: &str, ctx: &Context<'_>) -> Result<DatastoreSecrets> {
        let arm = &self.core.arm;
        arm.post_secrets(
            &resources::datastore(arm.api(), name).join("listSecrets"),
            Some(&rest::list_secrets_body()),
            "DatastoreSecrets",
            ctx,
        )
        .await
    }
}
