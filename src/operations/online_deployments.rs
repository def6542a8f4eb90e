//! `ml_client.online_deployments()`.

use std::sync::Arc;

use azure_core::http::Context;

use crate::arm::lro::LroPoller;
use crate::arm::pager::ArmPager;
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::{
    CodeConfiguration, ContainerType, DataCollector, DeploymentLogs, EnvironmentRef, ModelRef,
    OnlineDeployment,
};
use crate::error::{Error, Result};
use crate::{rest, validate};

use super::references;
use super::require_name;

/// Online deployment operations: create/update, get, list, delete, logs.
#[derive(Clone, Debug)]
pub struct OnlineDeploymentOperations {
    core: Arc<ClientCore>,
}

/// Options of [`OnlineDeploymentOperations::get_logs`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GetLogsOptions {
    /// Which container's log: the inference server (default) or the storage initializer
    /// (model/code download; the environment build in the offline workspace).
    pub container_type: Option<ContainerType>,
}

impl GetLogsOptions {
    /// Options reading the given container's log.
    pub fn container_type(mut self, container_type: ContainerType) -> Self {
        self.container_type = Some(container_type);
        self
    }
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
    /// ml_client.online_deployments().begin_create_or_update(&blue).await?.await?;
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
    ) -> Result<LroPoller<OnlineDeployment>> {
        let mut deployment = deployment.into();
        validate::deployment(&deployment)?;
        validate::scoring_script(&deployment).await?;
        let endpoint_name = deployment
            .endpoint_name()
            .map(str::to_owned)
            .ok_or_else(|| Error::validation("endpoint_name", "must be set"))?;
        let name = deployment.name().to_owned();

        let ctx = Context::new();
        let arm = &self.core.arm;
        // The endpoint must exist (Python checks too); a clear 404 beats a PUT error.
        let _: serde_json::Value = arm
            .get(
                &resources::online_endpoint(arm.api(), &endpoint_name),
                "OnlineEndpoint",
                &ctx,
            )
            .await?;

        let d = deployment.shared_mut();
        self.resolve(
            &endpoint_name,
            &name,
            &mut d.model,
            &mut d.environment,
            &mut d.code_configuration,
            &mut d.data_collector,
        )
        .await?;

        let location = arm.workspace_location(&ctx).await?;
        let body = rest::online_deployment_body(&deployment, &location)?;
        arm.begin_put(
            &resources::online_deployment(arm.api(), &endpoint_name, &name),
            &body,
            format!("online_deployments.begin_create_or_update({endpoint_name}/{name})"),
            &ctx,
        )
        .await
    }

    /// Replaces model/environment/code references by ARM ids (registering and uploading what
    /// is local) and registers the data assets of enabled data collections.
    async fn resolve(
        &self,
        endpoint_name: &str,
        name: &str,
        model: &mut Option<ModelRef>,
        environment: &mut Option<EnvironmentRef>,
        code_configuration: &mut Option<CodeConfiguration>,
        data_collector: &mut Option<DataCollector>,
    ) -> Result<()> {
        if let Some(m) = model.take() {
            *model = Some(ModelRef::Id(references::model_id(&self.core, &m).await?));
        }
        if let Some(e) = environment.take() {
            *environment = Some(EnvironmentRef::Id(
                references::environment_id(&self.core, &e).await?,
            ));
        }
        if let Some(code) = code_configuration.as_mut() {
            if let Some(local_or_id) = code.code.take() {
                code.code = Some(references::code_id(&self.core, &local_or_id).await?);
            }
        }
        if let Some(collector) = data_collector.as_mut() {
            references::register_collection_data(&self.core, endpoint_name, name, collector)
                .await?;
        }
        Ok(())
    }

    /// Gets a deployment.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing deployment), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(&self, name: &str, endpoint_name: &str) -> Result<OnlineDeployment> {
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        let arm = &self.core.arm;
        arm.get(
            &resources::online_deployment(arm.api(), endpoint_name, name),
            "OnlineDeployment",
            &Context::new(),
        )
        .await
    }

    /// Lists the deployments of an endpoint.
    pub fn list(&self, endpoint_name: &str) -> ArmPager<OnlineDeployment> {
        let arm = &self.core.arm;
        arm.list(
            &resources::online_deployments(arm.api(), endpoint_name),
            &Context::new(),
        )
    }

    /// Deletes a deployment. Azure refuses while the endpoint still routes traffic to it.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing deployment), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn begin_delete(&self, name: &str, endpoint_name: &str) -> Result<LroPoller<()>> {
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        let arm = &self.core.arm;
        arm.begin_delete(
            &resources::online_deployment(arm.api(), endpoint_name, name),
            format!("online_deployments.begin_delete({endpoint_name}/{name})"),
            &Context::new(),
        )
        .await
    }

    /// The last `lines` lines of a deployment's log (Python's `get_logs(name, endpoint_name, lines)`).
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or `lines` of 0, before
    /// any request; as [`get`](Self::get) otherwise.
    pub async fn get_logs(
        &self,
        name: &str,
        endpoint_name: &str,
        lines: u32,
        options: Option<GetLogsOptions>,
    ) -> Result<String> {
        require_name("name", name)?;
        require_name("endpoint_name", endpoint_name)?;
        if lines == 0 {
            return Err(Error::validation("lines", "must be at least 1"));
        }
        let options = options.unwrap_or_default();
        let body = rest::get_logs_body(options.container_type, lines);
        let arm = &self.core.arm;
        let logs: DeploymentLogs = arm
            .post(
                &resources::online_deployment(arm.api(), endpoint_name, name).join("getLogs"),
                Some(&body),
                "DeploymentLogs",
                &Context::new(),
            )
            .await?;
        Ok(logs.content)
    }
}
