//! `ml_client.models()`.

use std::path::Path;
use std::sync::Arc;

use super::assets::anonymous_name;
use super::assets::{self, MODELS};
use super::upload;
use crate::arm::pager::ArmPager;
use crate::client::ClientCore;
use crate::entities::Model;
use crate::error::Result;
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
    /// let registered = ml_client.models().create_or_update(&model).await?;
    /// println!("{} version {:?}", registered.name, registered.version);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) before any request (see the rules above);
    /// [`Error::Io`](crate::Error::Io) when a local file can't be read; otherwise as
    /// [`get`](Self::get), for the upload and the registration.
    pub async fn create_or_update(&self, model: &Model) -> Result<Model> {
        register(&self.core, model, false).await
    }

    /// Gets one version.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing model version), [`Error::Transport`](crate::Error::Transport) when no answer arrives
    /// in time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(&self, name: &str, version: &str) -> Result<Model> {
        assets::get(&self.core.arm, MODELS, name, version).await
    }

    /// Gets the latest version.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing model), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get_latest(&self, name: &str) -> Result<Model> {
        let version = assets::latest_version(&self.core.arm, MODELS, name).await?;
        self.get(name, &version).await
    }

    /// Lists the versions of a model.
    pub fn list(&self, name: &str) -> ArmPager<Model> {
        assets::list(&self.core.arm, MODELS, name)
    }

    /// Archives a version (or every version when `version` is `None`).
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    pub async fn archive(&self, name: &str, version: Option<&str>) -> Result<()> {
        assets::set_archived(&self.core.arm, MODELS, name, version, true).await
    }

    /// Restores an archived version (or the whole model when `version` is `None`).
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    pub async fn restore(&self, name: &str, version: Option<&str>) -> Result<()> {
        assets::set_archived(&self.core.arm, MODELS, name, version, false).await
    }
}

/// Validates, numbers, uploads and registers a model version (`anonymous` marks inline,
/// unnamed models registered for a deployment, as Python does).
async fn register(core: &Arc<ClientCore>, model: &Model, anonymous: bool) -> Result<Model> {
    validate::model(model)?;
    let mut model = model.clone();
    let version = match &model.version {
        Some(v) => v.clone(),
        None => assets::next_version(&core.arm, MODELS, &model.name).await?,
    };
    model.version = Some(version.clone());
    if let Some(path) = model.path.clone().filter(|p| is_local_path(p)) {
        let metadata = crate::upload::upload_metadata(&model.name, &version);
        model.path = Some(upload::model_path(core, Path::new(&path), metadata).await?);
    }
    let body = if anonymous {
        rest::to_value(&rest::anonymous_model_version_body(&model)?)?
    } else {
        rest::to_value(&rest::model_version_body(&model)?)?
    };
    assets::put(&core.arm, MODELS, &model.name, &version, &body).await
}

/// Registers a model given inline in a deployment: an unnamed one becomes an anonymous asset
/// named after its content, registered once.
pub(crate) async fn register_inline(core: &Arc<ClientCore>, model: &Model) -> Result<Model> {
    let ops = ModelOperations::new(core.clone());
    if !model.name.trim().is_empty() {
        return ops.create_or_update(model).await;
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
        assets::get_opt::<Model>(&core.arm, MODELS, &anonymous.name, "1").await?
    {
        return Ok(existing);
    }
    register(core, &anonymous, true).await
}
