//! `ml_client.online_deployments()`.

use std::any::Any;
use std::sync::Arc;

use azure_core::http::Context;

use crate::arm::lro::LroPoller;
use crate::arm::pager::ArmPager;
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::{DeploymentLogs, OnlineDeployment, OnlineDeploymentOf, Reference};
use crate::error::{Error, Result};
use crate::{rest, validate};
use tracing::Instrument;

use super::references;
use super::require_name;
use super::versioned::reference_id;
use super::{
    OnlineDeploymentsBeginCreateOrUpdateOptions, OnlineDeploymentsBeginDeleteOptions,
    OnlineDeploymentsGetLogsOptions, OnlineDeploymentsGetOptions, OnlineDeploymentsListOptions,
};

/// Online deployment operations: create/update, get, list, delete, logs.
#[derive(Clone, Debug)]
pub struct OnlineDeploymentOperations {
    core: Arc<ClientCore>,
}

impl OnlineDeploymentOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Creates or updates a deployment, like Python's `begin_create_or_update(deployment)`.
    ///
    /// In order: validation (names, probes, instance count, scale settings, local paths) with
    /// no request sent; the endpoint must exist; the model and environment references are
    /// resolved to ARM ids (inline ones are registered); a local code folder is uploaded once
    /// per content hash; data-collector data assets are registered; then the PUT is sent and a
    /// poller following the provisioning is returned.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient, model_id: String, env_id: String) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::{CodeConfiguration, ManagedOnlineDeployment, ProbeSettings};
    /// let blue = ManagedOnlineDeployment::new("blue")
    ///     .endpoint_name("churn-prediction-v1")
    ///     .model(model_id)
    ///     .environment(env_id)
    ///     .code_configuration(CodeConfiguration::new("./scoring/", "score.py"))
    ///     .instance_type("Standard_DS3_v2")
    ///     .instance_count(1)
    ///     .liveness_probe(ProbeSettings::new().initial_delay(30).period(10).failure_threshold(3));
    /// ml_client.online_deployments().begin_create_or_update(&blue, None).await?.await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before any request; [`Error::Service`] if the endpoint does not
    /// exist or a request is refused; the poller ends with [`Error::OperationFailed`] if the
    /// deployment fails to provision.
    pub async fn begin_create_or_update(
        &self,
        deployment: impl Into<OnlineDeployment>,
        options: Option<OnlineDeploymentsBeginCreateOrUpdateOptions<'_>>,
    ) -> Result<LroPoller<OnlineDeployment>> {
        let deployment = deployment.into();
        let span = tracing::info_span!(
            "OnlineDeployments.begin_create_or_update",
            name = %deployment.name(),
            endpoint_name = %deployment.endpoint_name().unwrap_or_default()
        );
        let ctx = options.unwrap_or_default().method_options.context;
        self.create_or_update_in(deployment, &ctx)
            .instrument(span)
            .await
    }

    /// [`begin_create_or_update`](Self::begin_create_or_update) within its span.
    async fn create_or_update_in(
        &self,
        mut deployment: OnlineDeployment,
        ctx: &Context<'_>,
    ) -> Result<LroPoller<OnlineDeployment>> {
        validate::deployment(&deployment)?;
        validate::scoring_script(&deployment).await?;
        let endpoint_name = deployment
            .endpoint_name()
            .map(str::to_owned)
            .ok_or_else(|| Error::validation("endpoint_name", "must be set"))?;
        let name = deployment.name().to_owned();

        let arm = &self.core.arm;
        // The endpoint must exist (Python checks too); a clear 404 beats a PUT error.
        let _: serde_json::Value = arm
            .get(
                &resources::online_endpoint(arm.api(), &endpoint_name),
                "OnlineEndpoint",
                ctx,
            )
            .await?;

        // Boxed: resolving references may register and upload every local asset, a large
        // future that would otherwise be carried inline by every caller's future.
        Box::pin(self.resolve(&endpoint_name, &name, deployment.shared_mut(), ctx)).await?;

        let location = arm.workspace_location(ctx).await?;
        let body = rest::online_deployment_body(&deployment, &location)?;
        arm.begin_put(
            &resources::online_deployment(arm.api(), &endpoint_name, &name),
            &body,
            format!("online_deployments.begin_create_or_update({endpoint_name}/{name})"),
            ctx,
        )
        .await
    }

    /// Replaces model/environment/code references by ARM ids (registering and uploading what
    /// is local) and registers the data assets of enabled data collections.
    async fn resolve(
        &self,
        endpoint_name: &str,
        name: &str,
        deployment: &mut OnlineDeploymentOf<dyn Any>,
        ctx: &Context<'_>,
    ) -> Result<()> {
        let OnlineDeploymentOf {
            model,
            environment,
            code_configuration,
            data_collector,
            ..
        } = deployment;
        if let Some(m) = model.take() {
            *model = Some(Reference::Id(reference_id(&self.core, &m, ctx).await?));
        }
        if let Some(e) = environment.take() {
            *environment = Some(Reference::Id(reference_id(&self.core, &e, ctx).await?));
        }
        if let Some(code) = code_configuration.as_mut() {
            if let Some(local_or_id) = code.code.take() {
                code.code = Some(references::code_id(&self.core, &local_or_id, ctx).await?);
            }
        }
        if let Some(collector) = data_collector.as_mut() {
            references::register_collection_data(&self.core, endpoint_name, name, collector, ctx)
                .await?;
        }
        Ok(())
    }

    /// Gets a deployment.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let blue = ml_client.online_deployments().get("blue", "churn-prediction-v1", None).await?;
    /// println!("{:?}", blue.provisioning_state());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name, before any request;
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// deployment), [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(
        name = "OnlineDeployments.get",
        skip_all,
        fields(name = %name, endpoint_name = %endpoint_name)
    )]
    pub async fn get(
        &self,
        name: &str,
        endpoint_name: &str,
        options: Option<OnlineDeploymentsGetOptions<'_>>,
    ) -> Result<OnlineDeployment> {
        let ctx = options.unwrap_or_default().method_options.context;
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        let arm = &self.core.arm;
        arm.get(
            &resources::online_deployment(arm.api(), endpoint_name, name),
            "OnlineDeployment",
            &ctx,
        )
        .await
    }

    /// Lists the deployments of an endpoint.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let deployments: Vec<_> = ml_client
    ///     .online_deployments()
    ///     .list("churn-prediction-v1", None)?
    ///     .try_collect()
    ///     .await?;
    /// println!("{} deployments", deployments.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty endpoint name or a
    /// continuation that is not a link on the ARM endpoint, before any request; pages fail as
    /// [`get`](Self::get) does, as `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    #[tracing::instrument(
        name = "OnlineDeployments.list",
        skip_all,
        fields(endpoint_name = %endpoint_name)
    )]
    pub fn list(
        &self,
        endpoint_name: &str,
        options: Option<OnlineDeploymentsListOptions<'_>>,
    ) -> Result<ArmPager<OnlineDeployment>> {
        let options = options.unwrap_or_default().method_options;
        require_name("endpoint_name", endpoint_name)?;
        let arm = &self.core.arm;
        arm.list(
            &resources::online_deployments(arm.api(), endpoint_name),
            options,
        )
    }

    /// Deletes a deployment. Azure refuses while the endpoint still routes traffic to it.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client
    ///     .online_deployments()
    ///     .begin_delete("blue", "churn-prediction-v1", None)
    ///     .await?
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the DELETE. The poller ends with the service's error if the
    /// deletion fails.
    #[tracing::instrument(
        name = "OnlineDeployments.begin_delete",
        skip_all,
        fields(name = %name, endpoint_name = %endpoint_name)
    )]
    pub async fn begin_delete(
        &self,
        name: &str,
        endpoint_name: &str,
        options: Option<OnlineDeploymentsBeginDeleteOptions<'_>>,
    ) -> Result<LroPoller<()>> {
        let ctx = options.unwrap_or_default().method_options.context;
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        let arm = &self.core.arm;
        arm.begin_delete(
            &resources::online_deployment(arm.api(), endpoint_name, name),
            format!("online_deployments.begin_delete({endpoint_name}/{name})"),
            &ctx,
        )
        .await
    }

    /// The last `lines` lines of a deployment's log (Python's
    /// `get_logs(name, endpoint_name, lines, container_type=…)`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::{ContainerType, OnlineDeploymentsGetLogsOptions};
    /// let deployments = ml_client.online_deployments();
    /// let server_log = deployments.get_logs("blue", "churn-prediction-v1", 50, None).await?;
    /// let options = OnlineDeploymentsGetLogsOptions {
    ///     container_type: Some(ContainerType::StorageInitializer),
    ///     ..Default::default()
    /// };
    /// let init_log = deployments
    ///     .get_logs("blue", "churn-prediction-v1", 50, Some(options))
    ///     .await?;
    /// # let _ = (server_log, init_log);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or `lines` of 0, before
    /// any request; as [`get`](Self::get) otherwise.
    #[tracing::instrument(
        name = "OnlineDeployments.get_logs",
        skip_all,
        fields(name = %name, endpoint_name = %endpoint_name)
    )]
    pub async fn get_logs(
        &self,
        name: &str,
        endpoint_name: &str,
        lines: u32,
        options: Option<OnlineDeploymentsGetLogsOptions<'_>>,
    ) -> Result<String> {
        let options = options.unwrap_or_default();
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        if lines == 0 {
            return Err(Error::validation("lines", "must be at least 1"));
        }
        let body = rest::get_logs_body(options.container_type, lines);
        let arm = &self.core.arm;
        let logs: DeploymentLogs = arm
            .post(
                &resources::online_deployment(arm.api(), endpoint_name, name).join("getLogs"),
                Some(&body),
                "DeploymentLogs",
                &options.method_options.context,
            )
            .await?;
        Ok(logs.content)
    }
}
