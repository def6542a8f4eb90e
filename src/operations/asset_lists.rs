//! Lists of models and environments by name or across names, with Python's
//! `list_view_type` (active, archived, all).

use super::assets::{AssetKind, ENVIRONMENTS, MODELS};
use super::{EnvironmentOperations, ModelOperations};
use crate::arm::pager::ArmPager;
use crate::client::ClientCore;
use crate::entities::{AssetContainer, Environment, ListViewType, Model};
use azure_core::http::Context;

fn containers(
    core: &std::sync::Arc<ClientCore>,
    kind: AssetKind,
    view: ListViewType,
) -> ArmPager<AssetContainer> {
    let path = kind
        .collection(core.arm.api())
        .with_query("listViewType", view.as_str());
    core.arm.list(&path, &Context::new())
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
        let path = MODELS
            .versions(self.core.arm.api(), name)
            .with_query("listViewType", list_view_type.as_str());
        self.core.arm.list(&path, &Context::new())
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
        let path = ENVIRONMENTS
            .versions(self.core.arm.api(), name)
            .with_query("listViewType", list_view_type.as_str());
        self.core.arm.list(&path, &Context::new())
    }
}
