//! Lists of models and environments by name or across names, with Python's
//! `list_view_type` (active, archived, all).

use super::assets::{self, AssetKind, ENVIRONMENTS, MODELS};
use super::{EnvironmentOperations, ModelOperations};
use crate::arm::pager::ArmPager;
use crate::arm::resource;
use crate::client::ClientCore;
use crate::entities::{AssetContainer, Environment, ListViewType, Model};

fn containers(
    core: &std::sync::Arc<ClientCore>,
    kind: AssetKind,
    view: ListViewType,
) -> ArmPager<AssetContainer> {
    resource::list(
        core,
        &kind.collection(core),
        &[("listViewType", view.as_str())],
    )
}

impl ModelOperations {
    /// Lists the workspace's models, one entry per name with its latest version (Python's
    /// `ml_client.models.list()` without a name).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::ListViewType;
    /// use futures::TryStreamExt;
    /// let models: Vec<_> = ml_client.models().list_containers(ListViewType::All).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list_containers(&self, list_view_type: ListViewType) -> ArmPager<AssetContainer> {
        containers(&self.core, MODELS, list_view_type)
    }

    /// Lists the versions of model `name` that `list_view_type` selects (Python's
    /// `ml_client.models.list(name, list_view_type=…)`).
    pub fn list_versions(&self, name: &str, list_view_type: ListViewType) -> ArmPager<Model> {
        assets::list(
            &self.core,
            MODELS,
            name,
            &[("listViewType", list_view_type.as_str())],
        )
    }
}

impl EnvironmentOperations {
    /// Lists the workspace's environments, one entry per name with its latest version
    /// (Python's `ml_client.environments.list()` without a name).
    pub fn list_containers(&self, list_view_type: ListViewType) -> ArmPager<AssetContainer> {
        containers(&self.core, ENVIRONMENTS, list_view_type)
    }

    /// Lists the versions of environment `name` that `list_view_type` selects.
    pub fn list_versions(&self, name: &str, list_view_type: ListViewType) -> ArmPager<Environment> {
        assets::list(
            &self.core,
            ENVIRONMENTS,
            name,
            &[("listViewType", list_view_type.as_str())],
        )
    }
}
