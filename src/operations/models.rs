//! `ml_client.models()`.

use std::path::Path;
use std::sync::Arc;

use super::assets::anonymous_name;
use super::assets::{self, MODELS};
use super::upload;
use azure_core::http::Context;

use crate::arm::pager::ArmPager;
use crate::client::ClientCore;
use crate::entities::Model;
use crate::error::Result;
use crate::operations::{
    ModelsArchiveOptions, ModelsCreateOrUpdateOptions, ModelsGetLatestOptions, ModelsGetOptions,
    ModelsListOptions, ModelsRestoreOptions,
};
use crate::upload::is_local_path;
use crate::{rest, validate};

/// Model operations: register (uploading local files), get, list, archive.
#[derive(Clone, Debug)]
pub struct ModelOperations {
    pub(super) core: Arc<ClientCore>,
}

impl ModelOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Registers a model version, like Python's `create_or_update(model)`.
    ///
    /// Validates first (name, path exists), picks the next version when none is given
    /// (`1`, `2`, …), uploads a local file or folder to the default datastore
    /// (`LocalUpload/{content hash}/…`; an upload of identical content is skipped), then
    /// registers the version and returns it.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::{AssetType, Model};
    /// let model = Model::new("customer-churn-model").path("./model/model.pkl").model_type(AssetType::CustomModel);
    /// let registered = ml_client.models().create_or_update(&model, None).await?;
    /// println!("{} version {:?}", registered.name, registered.version);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) before any request (see the rules above);
    /// [`Error::Io`](crate::Error::Io) when a local file can't be read; otherwise as
    /// [`get`](Self::get), for the upload and the registration.
    #[tracing::instrument(name = "Models.create_or_update", skip_all, fields(name = %model.name))]
    pub async fn create_or_update(
        &self,
        model: &Model,
        options: Option<ModelsCreateOrUpdateOptions<'_>>,
    ) -> Result<Model> {
        let ctx = options.unwrap_or_default().method_options.context;
        register(&self.core, model, false, &ctx).await
    }

    /// Gets one version.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let model = ml_client.models().get("customer-churn-model", "1", None).await?;
    /// println!("{:?}", model.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing model version), [`Error::Transport`](crate::Error::Transport) when no answer arrives
    /// in time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Models.get", skip_all, fields(name = %name))]
    pub async fn get(
        &self,
        name: &str,
        version: &str,
        options: Option<ModelsGetOptions<'_>>,
    ) -> Result<Model> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::get(&self.core.arm, MODELS, name, version, &ctx).await
    }

    /// Gets the latest version (Python's `get(name, label="latest")`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let latest = ml_client.models().get_latest("customer-churn-model", None).await?;
    /// println!("{:?}", latest.version);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing model), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "Models.get_latest", skip_all, fields(name = %name))]
    pub async fn get_latest(
        &self,
        name: &str,
        options: Option<ModelsGetLatestOptions<'_>>,
    ) -> Result<Model> {
        let ctx = options.unwrap_or_default().method_options.context;
        let arm = &self.core.arm;
        let version = assets::latest_version(arm, MODELS, name, &ctx).await?;
        assets::get(arm, MODELS, name, &version, &ctx).await
    }

    /// Lists the versions of a model.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let versions: Vec<_> = ml_client.models().list("customer-churn-model", None)?.try_collect().await?;
    /// println!("{} versions", versions.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name, before any request;
    /// pages fail as [`get`](Self::get) does, as `azure_core::Error` (convert with
    /// `azure_ai_ml::Error::from`).
    #[tracing::instrument(name = "Models.list", skip_all, fields(name = %name))]
    pub fn list(
        &self,
        name: &str,
        options: Option<ModelsListOptions<'_>>,
    ) -> Result<ArmPager<Model>> {
        let options = options.unwrap_or_default().method_options;
        assets::list(&self.core.arm, MODELS, name, options)
    }

    /// Archives a version (or every version when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.models().archive("customer-churn-model", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    #[tracing::instrument(name = "Models.archive", skip_all, fields(name = %name))]
    pub async fn archive(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<ModelsArchiveOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::set_archived(&self.core.arm, MODELS, name, version, true, &ctx).await
    }

    /// Restores an archived version (or the whole model when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.models().restore("customer-churn-model", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    #[tracing::instrument(name = "Models.restore", skip_all, fields(name = %name))]
    pub async fn restore(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<ModelsRestoreOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        assets::set_archived(&self.core.arm, MODELS, name, version, false, &ctx).await
    }
}

/// Validates, numbers, uploads and registers a model version (`anonymous` marks inline,
/// unnamed models registered for a deployment, as Python does).
async fn register(
    core: &Arc<ClientCore>,
    model: &Model,
    anonymous: bool,
    ctx: &Context<'_>,
) -> Result<Model> {
    validate::model(model)?;
    let mut model = model.clone();
    let version = match &model.version {
        Some(v) => v.clone(),
        None => assets::next_version(&core.arm, MODELS, &model.name, ctx).await?,
    };
    model.version = Some(version.clone());
    if let Some(path) = model.path.clone().filter(|p| is_local_path(p)) {
        let metadata = crate::upload::upload_metadata(&model.name, &version);
        model.path = Some(upload::model_path(core, Path::new(&path), metadata, ctx).await?);
    }
    let body = if anonymous {
        rest::to_value(&rest::anonymous_model_version_body(&model)?)?
    } else {
        rest::to_value(&rest::model_version_body(&model)?)?
    };
    assets::put(&core.arm, MODELS, &model.name, &version, &body, ctx).await
}

/// Registers a model given inline in a deployment: an unnamed one becomes an anonymous asset
/// named after its content, registered once.
pub(crate) async fn register_inline(
    core: &Arc<ClientCore>,
    model: &Model,
    ctx: &Context<'_>,
) -> Result<Model> {
    if !model.name.trim().is_empty() {
        return register(core, model, false, ctx).await;
    }
    let path = model.path.clone().unwrap_or_default();
    let content = if is_local_path(&path) {
        crate::upload::hash_model_path(Path::new(&path)).await?
    } else {
        path.clone()
    };
    let mut anonymous = model.clone();
    anonymous.name = anonymous_name("models", &content);
    anonymous.version = Some("1".into());
    if let Some(existing) =
        assets::get_opt::<Model>(&core.arm, MODELS, &anonymous.name, "1", ctx).await?
    {
        return Ok(existing);
    }
    register(core, &anonymous, true, ctx).await
}
