//! Lists of models and environments by name or across names, with Python's
//! `list_view_type` (active, archived, all).

use azure_core::http::pager::PagerOptions;

use super::assets::{self, AssetKind, ENVIRONMENTS, MODELS};
use super::{
    EnvironmentOperations, EnvironmentsListContainersOptions, EnvironmentsListVersionsOptions,
    ModelOperations, ModelsListContainersOptions, ModelsListVersionsOptions,
};
use crate::arm::pager::ArmPager;
use crate::arm::ArmClient;
use crate::entities::{AssetContainer, Environment, ListViewType, Model};
use crate::error::Result;

fn containers(
    arm: &ArmClient,
    kind: AssetKind,
    view: ListViewType,
    options: PagerOptions<'_>,
) -> Result<ArmPager<AssetContainer>> {
    let path = kind
        .collection(arm.api())
        .with_query("listViewType", view.as_str());
    arm.list(&path, options)
}

impl ModelOperations {
    /// Lists the workspace's models, one entry per name with its latest version (Python's
    /// `ml_client.models.list()` without a name).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::ListViewType;
    /// use futures::TryStreamExt;
    /// let models: Vec<_> = ml_client
    ///     .models()
    ///     .list_containers(ListViewType::All, None)?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a continuation that is not a link on
    /// the ARM endpoint, before any request; pages fail as
    /// [`get`](Self::get) does, as `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    #[tracing::instrument(
        name = "Models.list",
        skip_all,
        fields(list_view_type = list_view_type.as_str())
    )]
    pub fn list_containers(
        &self,
        list_view_type: ListViewType,
        options: Option<ModelsListContainersOptions<'_>>,
    ) -> Result<ArmPager<AssetContainer>> {
        let options = options.unwrap_or_default().method_options;
        containers(&self.core.arm, MODELS, list_view_type, options)
    }

    /// Lists the versions of model `name` that `list_view_type` selects (Python's
    /// `ml_client.models.list(name, list_view_type=…)`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::ListViewType;
    /// use futures::TryStreamExt;
    /// let archived: Vec<_> = ml_client
    ///     .models()
    ///     .list_versions("customer-churn-model", ListViewType::ArchivedOnly, None)?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or a foreign
    /// continuation, before any request; pages fail as [`get`](Self::get) does, as
    /// `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    #[tracing::instrument(
        name = "Models.list",
        skip_all,
        fields(name = %name, list_view_type = list_view_type.as_str())
    )]
    pub fn list_versions(
        &self,
        name: &str,
        list_view_type: ListViewType,
        options: Option<ModelsListVersionsOptions<'_>>,
    ) -> Result<ArmPager<Model>> {
        let options = options.unwrap_or_default().method_options;
        assets::list_view(&self.core.arm, MODELS, name, list_view_type, options)
    }
}

impl EnvironmentOperations {
    /// Lists the workspace's environments, one entry per name with its latest version
    /// (Python's `ml_client.environments.list()` without a name).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::ListViewType;
    /// use futures::TryStreamExt;
    /// let environments: Vec<_> = ml_client
    ///     .environments()
    ///     .list_containers(ListViewType::ActiveOnly, None)?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a continuation that is not a link on
    /// the ARM endpoint, before any request; pages fail as [`get`](Self::get) does, as
    /// `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    #[tracing::instrument(
        name = "Environments.list",
        skip_all,
        fields(list_view_type = list_view_type.as_str())
    )]
    pub fn list_containers(
        &self,
        list_view_type: ListViewType,
        options: Option<EnvironmentsListContainersOptions<'_>>,
    ) -> Result<ArmPager<AssetContainer>> {
        let options = options.unwrap_or_default().method_options;
        containers(&self.core.arm, ENVIRONMENTS, list_view_type, options)
    }

    /// Lists the versions of environment `name` that `list_view_type` selects (Python's
    /// `ml_client.environments.list(name, list_view_type=…)`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::ListViewType;
    /// use futures::TryStreamExt;
    /// let versions: Vec<_> = ml_client
    ///     .environments()
    ///     .list_versions("churn-model-env", ListViewType::All, None)?
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or a foreign
    /// continuation, before any request; pages fail as [`get`](Self::get) does, as
    /// `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    #[tracing::instrument(
        name = "Environments.list",
        skip_all,
        fields(name = %name, list_view_type = list_view_type.as_str())
    )]
    pub fn list_versions(
        &self,
        name: &str,
        list_view_type: ListViewType,
        options: Option<EnvironmentsListVersionsOptions<'_>>,
    ) -> Result<ArmPager<Environment>> {
        let options = options.unwrap_or_default().method_options;
        assets::list_view(&self.core.arm, ENVIRONMENTS, name, list_view_type, options)
    }
}
