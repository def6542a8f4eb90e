//! `ml_client.environments()`.

use std::path::Path;
use std::sync::Arc;

use super::assets::anonymous_name;
use super::assets::{self, ENVIRONMENTS};
use super::upload;
use azure_core::http::Context;

use crate::arm::pager::ArmPager;
use crate::client::ClientCore;
use crate::entities::Environment;
use crate::error::Result;
use crate::operations::{
    EnvironmentsArchiveOptions, EnvironmentsCreateOrUpdateOptions, EnvironmentsGetLatestOptions,
    EnvironmentsGetOptions, EnvironmentsListOptions, EnvironmentsRestoreOptions,
};
use crate::upload::is_local_path;
use crate::{rest, validate};

/// Environment operations: register, get, list, archive.
#[derive(Clone, Debug)]
pub struct EnvironmentOperations {
    pub(super) core: Arc<ClientCore>,
}

impl EnvironmentOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Registers an environment version, like Python's `create_or_update(environment)`.
    ///
    /// Validates first (exactly one of image/build, conda file readable), picks the next
    /// version when none is given, uploads a local build context, then registers the version.
    /// Environment versions are immutable: a changed definition needs a new version.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::Environment;
    /// let env = Environment::new("churn-model-env")
    ///     .conda_file("./environment/conda.yml")
    ///     .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest");
    /// let registered = ml_client.environments().create_or_update(&env, None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) before any request (see the rules above);
    /// [`Error::Io`](crate::Error::Io) when a local file can't be read; otherwise as
    /// [`get`](Self::get), for the upload and the registration.
    #[tracing::instrument(name = "Environments.create_or_update", skip_all, fields(name = %environment.name))]
    pub async fn create_or_update(
        &self,
        environment: &Environment,
        options: Option<EnvironmentsCreateOrUpdateOptions<'_>>,
    ) -> Result<Environment> {
        let ctx = options.unwrap_or_default().method_options.context;
        register(&self.core, environment, false, &ctx).await
    }

    /// Gets one version.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let environment = ml_client.environments().get("churn-model-env", "1", None).await?;
    /// println!("{:?}", environment.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing environment version), [`Error::Transport`](crate::Error::Transport) when no answer
    /// arrives in time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Environments.get", skip_all, fields(name = %name))]
    pub async fn get(
        &self,
        name: &str,
        version: &str,
        options: Option<EnvironmentsGetOptions<'_>>,
    ) -> Result<Environment> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::get(&self.core.arm, ENVIRONMENTS, name, version, &ctx).await
    }

    /// Gets the latest version (Python's `get(name, label="latest")`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let latest = ml_client.environments().get_latest("churn-model-env", None).await?;
    /// println!("{:?}", latest.version);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing environment), [`Error::Transport`](crate::Error::Transport) when no answer arrives
    /// in time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Environments.get_latest", skip_all, fields(name = %name))]
    pub async fn get_latest(
        &self,
        name: &str,
        options: Option<EnvironmentsGetLatestOptions<'_>>,
    ) -> Result<Environment> {
        let ctx = options.unwrap_or_default().method_options.context;
        let arm = &self.core.arm;
        let version = assets::latest_version(arm, ENVIRONMENTS, name, &ctx).await?;
        assets::get(arm, ENVIRONMENTS, name, &version, &ctx).await
    }

    /// Lists the versions of an environment.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let versions: Vec<_> = ml_client.environments().list("churn-model-env", None)?.try_collect().await?;
    /// println!("{} versions", versions.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name, before any request;
    /// pages fail as [`get`](Self::get) does, as `azure_core::Error` (convert with
    /// `azure_ai_ml::Error::from`).
    #[tracing::instrument(name = "Environments.list", skip_all, fields(name = %name))]
    pub fn list(
        &self,
        name: &str,
        options: Option<EnvironmentsListOptions<'_>>,
    ) -> Result<ArmPager<Environment>> {
        let options = options.unwrap_or_default().method_options;
        assets::list(&self.core.arm, ENVIRONMENTS, name, options)
    }

    /// Archives a version (or every version when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.environments().archive("churn-model-env", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    #[tracing::instrument(name = "Environments.archive", skip_all, fields(name = %name))]
    pub async fn archive(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<EnvironmentsArchiveOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::set_archived(&self.core.arm, ENVIRONMENTS, name, version, true, &ctx).await
    }

    /// Restores an archived version (or the whole environment when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.environments().restore("churn-model-env", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    #[tracing::instrument(name = "Environments.restore", skip_all, fields(name = %name))]
    pub async fn restore(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<EnvironmentsRestoreOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::set_archived(&self.core.arm, ENVIRONMENTS, name, version, false, &ctx).await
    }
}

/// Validates, numbers and registers an environment version (uploading a local build context).
async fn register(
    core: &Arc<ClientCore>,
    environment: &Environment,
    anonymous: bool,
    ctx: &Context<'_>,
) -> Result<Environment> {
    validate::environment(environment)?;
    let mut environment = environment.clone();
    let version = match &environment.version {
        Some(v) => v.clone(),
        None => assets::next_version(&core.arm, ENVIRONMENTS, &environment.name, ctx).await?,
    };
    environment.version = Some(version.clone());
    if let Some(build) = environment.build.as_mut() {
        if is_local_path(&build.path) {
            let metadata = crate::upload::upload_metadata(&environment.name, &version);
            build.path = upload::build_context(core, Path::new(&build.path), metadata, ctx).await?;
        }
    }
    let body = if anonymous {
        rest::to_value(&rest::anonymous_environment_version_body(&environment)?)?
    } else {
        rest::to_value(&rest::environment_version_body(&environment)?)?
    };
    assets::put(
        &core.arm,
        ENVIRONMENTS,
        &environment.name,
        &version,
        &body,
        ctx,
    )
    .await
}

/// Registers an environment given inline in a deployment: an unnamed one becomes an anonymous
/// asset named after its definition, registered once.
pub(crate) async fn register_inline(
    core: &Arc<ClientCore>,
    environment: &Environment,
    ctx: &Context<'_>,
) -> Result<Environment> {
    if !environment.name.trim().is_empty() {
        return register(core, environment, false, ctx).await;
    }
    // Validate under a placeholder name: an inline environment has none of its own.
    let mut anonymous = environment.clone();
    anonymous.name = "anonymous".into();
    validate::environment(&anonymous)?;
    let definition = rest::to_value(&rest::environment_version_body(&anonymous)?)?;
    anonymous.name = anonymous_name("environments", &definition.to_string());
    anonymous.version = Some("1".into());
    if let Some(existing) =
        assets::get_opt::<Environment>(&core.arm, ENVIRONMENTS, &anonymous.name, "1", ctx).await?
    {
        return Ok(existing);
    }
    register(core, &anonymous, true, ctx).await
}
