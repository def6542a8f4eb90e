//! `ml_client.models()`: what the generic [`AssetOperations`] needs of a [`Model`].

use std::path::Path;

use serde_json::Value;

use super::versioned::sealed::{Group, Sealed};
use super::versioned::{AssetOperations, VersionedAsset};
use crate::entities::Model;
use crate::error::Result;
use crate::rest;
use crate::upload::is_local_path;

/// Model operations (`ml_client.models()`): register (uploading local files), get, list,
/// archive, restore; [`download`](AssetOperations::download) too. The methods are
/// [`AssetOperations`]'s.
pub type ModelOperations = AssetOperations<Model>;

impl VersionedAsset for Model {}

impl Sealed for Model {
    const GROUP: Group = Group::Models;

    fn name(&self) -> &str {
        &self.name
    }

    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }

    fn version_mut(&mut self) -> &mut Option<String> {
        &mut self.version
    }

    /// A model's file or folder.
    fn local_content(&mut self) -> Option<&mut String> {
        self.path.as_mut()
    }

    fn id(&self) -> Option<&str> {
        Model::id(self)
    }

    fn validate(&self) -> Result<()> {
        Model::validate(self)
    }

    fn version_body(&self, anonymous: bool) -> Result<Value> {
        rest::to_value(&rest::model_version_body_with(self, anonymous)?)
    }

    /// The content hash of a local file or folder, else the path (a URI) itself.
    async fn anonymous_content(&self) -> Result<String> {
        let path = self.path.clone().unwrap_or_default();
        if is_local_path(&path) {
            crate::upload::hash_model_path(Path::new(&path)).await
        } else {
            Ok(path)
        }
    }
}
