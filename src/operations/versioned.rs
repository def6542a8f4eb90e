//! `ml_client.models()` and `ml_client.environments()`: one operation group, generic over the
//! kind of versioned asset. What differs per kind (validation, what is uploaded, the request
//! body, the content an anonymous asset is named after) is in `models.rs` and
//! `environments.rs`; everything else is here, once.

use std::future::Future;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;

use azure_core::http::pager::PagerOptions;
use azure_core::http::Context;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::field::display;
use tracing::{info_span, Instrument, Span};

use super::assets::{self, anonymous_name, AssetKind, ENVIRONMENTS, MODELS};
use super::{
    upload, AssetsArchiveOptions, AssetsCreateOrUpdateOptions, AssetsGetLatestOptions,
    AssetsGetOptions, AssetsListContainersOptions, AssetsListOptions, AssetsListVersionsOptions,
    AssetsRestoreOptions,
};
use crate::arm::pager::ArmPager;
use crate::arm::ArmClient;
use crate::client::ClientCore;
use crate::entities::{AssetContainer, ListViewType, Reference};
use crate::error::{Error, Result};
use crate::upload::is_local_path;

/// A kind of asset registered in versions, with an operation group of its own:
/// [`Model`](crate::Model) (`ml_client.models()`) and
/// [`Environment`](crate::Environment) (`ml_client.environments()`).
///
/// Sealed: only this crate implements it.
pub trait VersionedAsset: sealed::Sealed {}

/// What the generic operations need of each kind. Public only so that it can bound the public
/// impl; it sits in a private module, so nothing outside the crate can name or implement it.
pub(super) mod sealed {
    use super::*;

    pub trait Sealed: Clone + DeserializeOwned + Send + Sync + 'static {
        /// The kind's operation group.
        const GROUP: Group;

        /// The asset's name.
        fn name(&self) -> &str;
        /// The asset's name, to set an anonymous one.
        fn name_mut(&mut self) -> &mut String;
        /// The asset's version, to fill in the next one.
        fn version_mut(&mut self) -> &mut Option<String>;
        /// The ARM id of a registered version.
        fn id(&self) -> Option<&str>;
        /// The client-side checks that run before any request.
        fn validate(&self) -> Result<()>;
        /// The path of the content uploaded before the registration (a model's file or
        /// folder, an environment's build context), when there is one.
        fn local_content(&mut self) -> Option<&mut String>;
        /// The version PUT body (`isAnonymous` set for an asset registered inline).
        fn version_body(&self, anonymous: bool) -> Result<Value>;
        /// What an unnamed inline asset is named after, so that the same content registered
        /// twice finds the first registration.
        fn anonymous_content(&self) -> impl Future<Output = Result<String>> + Send;
    }

    /// The operation groups, with what differs between them and is no field of the asset.
    #[derive(Clone, Copy)]
    pub enum Group {
        /// `ml_client.models()`.
        Models,
        /// `ml_client.environments()`.
        Environments,
    }
}

use sealed::Group;

/// The operations, for the span of each.
#[derive(Clone, Copy)]
enum Op {
    CreateOrUpdate,
    Get,
    GetLatest,
    List,
    Archive,
    Restore,
}

impl Group {
    fn kind(self) -> AssetKind {
        match self {
            Group::Models => MODELS,
            Group::Environments => ENVIRONMENTS,
        }
    }

    /// The deployment field that references an asset of the group (for error messages).
    fn field(self) -> &'static str {
        match self {
            Group::Models => "model",
            Group::Environments => "environment",
        }
    }

    /// Uploads local content to the default datastore; returns what the version body
    /// references it by: a model its `azureml://` datastore URI, an environment the https URL
    /// of its build context.
    async fn upload(
        self,
        core: &Arc<ClientCore>,
        local: &Path,
        metadata: std::collections::BTreeMap<String, String>,
        ctx: &Context<'_>,
    ) -> Result<String> {
        match self {
            Group::Models => upload::model_path(core, local, metadata, ctx).await,
            Group::Environments => upload::build_context(core, local, metadata, ctx).await,
        }
    }

    /// The span of operation `op`, named after the Python operation. `tracing` takes a span's
    /// name only as a literal at its own call site, so each (group, operation) pair has one.
    fn span(self, op: Op, name: Option<&str>, view: Option<ListViewType>) -> Span {
        use Group::{Environments, Models};
        use Op::*;
        let name = name.map(display);
        let view = view.map(|v| v.as_str());
        match (self, op) {
            (Models, CreateOrUpdate) => info_span!("Models.create_or_update", name),
            (Models, Get) => info_span!("Models.get", name),
            (Models, GetLatest) => info_span!("Models.get_latest", name),
            (Models, List) => info_span!("Models.list", name, list_view_type = view),
            (Models, Archive) => info_span!("Models.archive", name),
            (Models, Restore) => info_span!("Models.restore", name),
            (Environments, CreateOrUpdate) => info_span!("Environments.create_or_update", name),
            (Environments, Get) => info_span!("Environments.get", name),
            (Environments, GetLatest) => info_span!("Environments.get_latest", name),
            (Environments, List) => info_span!("Environments.list", name, list_view_type = view),
            (Environments, Archive) => info_span!("Environments.archive", name),
            (Environments, Restore) => info_span!("Environments.restore", name),
        }
    }
}

/// Operations on one kind of versioned asset, as Python's `ModelOperations` and
/// `EnvironmentOperations`: register, get, list, archive, restore. Use the aliases
/// [`ModelOperations`](super::ModelOperations) (`ml_client.models()`) and
/// [`EnvironmentOperations`](super::EnvironmentOperations) (`ml_client.environments()`).
#[derive(Clone, Debug)]
pub struct AssetOperations<A> {
    pub(super) core: Arc<ClientCore>,
    asset: PhantomData<fn() -> A>,
}

impl<A: VersionedAsset> AssetOperations<A> {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self {
            core,
            asset: PhantomData,
        }
    }

    fn arm(&self) -> &ArmClient {
        &self.core.arm
    }

    /// Registers a version, like Python's `create_or_update(model)` and
    /// `create_or_update(environment)`.
    ///
    /// Validates first (a model: name, path exists; an environment: exactly one of
    /// image/build, conda file readable), picks the next version when none is given (`1`,
    /// `2`, …), uploads local content to the default datastore (a model's file or folder, an
    /// environment's build context, under `LocalUpload/{content hash}/…`; an upload of
    /// identical content is skipped), then registers the version and returns it. Versions are
    /// immutable: a changed definition needs a new version.
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
    pub async fn create_or_update(
        &self,
        asset: &A,
        options: Option<AssetsCreateOrUpdateOptions<'_>>,
    ) -> Result<A> {
        let ctx = options.unwrap_or_default().method_options.context;
        let span = A::GROUP.span(Op::CreateOrUpdate, Some(asset.name()), None);
        register(&self.core, asset, false, &ctx)
            .instrument(span)
            .await
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
    /// missing version), [`Error::Transport`](crate::Error::Transport) when no answer arrives
    /// in time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(
        &self,
        name: &str,
        version: &str,
        options: Option<AssetsGetOptions<'_>>,
    ) -> Result<A> {
        let ctx = options.unwrap_or_default().method_options.context;
        let span = A::GROUP.span(Op::Get, Some(name), None);
        assets::get(self.arm(), A::GROUP.kind(), name, version, &ctx)
            .instrument(span)
            .await
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
    /// missing asset), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get_latest(
        &self,
        name: &str,
        options: Option<AssetsGetLatestOptions<'_>>,
    ) -> Result<A> {
        let ctx = options.unwrap_or_default().method_options.context;
        let span = A::GROUP.span(Op::GetLatest, Some(name), None);
        let (arm, kind) = (self.arm(), A::GROUP.kind());
        async {
            let version = assets::latest_version(arm, kind, name, &ctx).await?;
            assets::get(arm, kind, name, &version, &ctx).await
        }
        .instrument(span)
        .await
    }

    /// Lists the versions of an asset.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let versions: Vec<_> = ml_client.models().list("customer-churn-model", None)?.try_collect().await?;
    /// println!("{} versions", versions.len());
    /// # Ok(()) }
    /// ```
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
    pub fn list(&self, name: &str, options: Option<AssetsListOptions<'_>>) -> Result<ArmPager<A>> {
        let options = options.unwrap_or_default().method_options;
        let _span = A::GROUP.span(Op::List, Some(name), None).entered();
        assets::list(self.arm(), A::GROUP.kind(), name, options)
    }

    /// Lists the workspace's assets of this kind, one entry per name with its latest version
    /// (Python's `ml_client.models.list()` and `ml_client.environments.list()` without a
    /// name).
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
    pub fn list_containers(
        &self,
        list_view_type: ListViewType,
        options: Option<AssetsListContainersOptions<'_>>,
    ) -> Result<ArmPager<AssetContainer>> {
        let options = options.unwrap_or_default().method_options;
        let _span = A::GROUP
            .span(Op::List, None, Some(list_view_type))
            .entered();
        containers(self.arm(), A::GROUP.kind(), list_view_type, options)
    }

    /// Lists the versions of asset `name` that `list_view_type` selects (Python's
    /// `ml_client.models.list(name, list_view_type=…)`, likewise for environments).
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
    pub fn list_versions(
        &self,
        name: &str,
        list_view_type: ListViewType,
        options: Option<AssetsListVersionsOptions<'_>>,
    ) -> Result<ArmPager<A>> {
        let options = options.unwrap_or_default().method_options;
        let _span = A::GROUP
            .span(Op::List, Some(name), Some(list_view_type))
            .entered();
        assets::list_view(self.arm(), A::GROUP.kind(), name, list_view_type, options)
    }

    /// Archives a version (or every version when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.models().archive("customer-churn-model", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.environments().archive("churn-model-env", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    pub async fn archive(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<AssetsArchiveOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.set_archived(Op::Archive, name, version, &ctx).await
    }

    /// Restores an archived version (or the whole asset when `version` is `None`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.models().restore("customer-churn-model", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.environments().restore("churn-model-env", Some("1"), None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the read and the write-back.
    pub async fn restore(
        &self,
        name: &str,
        version: Option<&str>,
        options: Option<AssetsRestoreOptions<'_>>,
    ) -> Result<()> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.set_archived(Op::Restore, name, version, &ctx).await
    }

    /// [`archive`](Self::archive) (`op` [`Op::Archive`]) or [`restore`](Self::restore), in
    /// the operation's span.
    async fn set_archived(
        &self,
        op: Op,
        name: &str,
        version: Option<&str>,
        ctx: &Context<'_>,
    ) -> Result<()> {
        let archived = matches!(op, Op::Archive);
        let (arm, kind) = (self.arm(), A::GROUP.kind());
        assets::set_archived(arm, kind, name, version, archived, ctx)
            .instrument(A::GROUP.span(op, Some(name), None))
            .await
    }
}

/// The containers of `kind` that `view` selects.
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

/// Validates, numbers, uploads and registers a version (`anonymous` marks inline, unnamed
/// assets registered for a deployment, as Python does).
async fn register<A: VersionedAsset>(
    core: &Arc<ClientCore>,
    asset: &A,
    anonymous: bool,
    ctx: &Context<'_>,
) -> Result<A> {
    asset.validate()?;
    let kind = A::GROUP.kind();
    let mut asset = asset.clone();
    let name = asset.name().to_owned();
    let version = match asset.version_mut() {
        Some(v) => v.clone(),
        None => assets::next_version(&core.arm, kind, &name, ctx).await?,
    };
    *asset.version_mut() = Some(version.clone());
    if let Some(local) = asset.local_content().filter(|p| is_local_path(p)) {
        let metadata = crate::upload::upload_metadata(&name, &version);
        let path = Path::new(local.as_str()).to_owned();
        *local = A::GROUP.upload(core, &path, metadata, ctx).await?;
    }
    let body = asset.version_body(anonymous)?;
    assets::put(&core.arm, kind, &name, &version, &body, ctx).await
}

/// Registers an asset given inline in a deployment: an unnamed one becomes an anonymous asset
/// named after its content, registered once.
async fn register_inline<A: VersionedAsset>(
    core: &Arc<ClientCore>,
    asset: &A,
    ctx: &Context<'_>,
) -> Result<A> {
    if !asset.name().trim().is_empty() {
        return register(core, asset, false, ctx).await;
    }
    let kind = A::GROUP.kind();
    let content = asset.anonymous_content().await?;
    let mut anonymous = asset.clone();
    *anonymous.name_mut() = anonymous_name(kind.segment, &content);
    *anonymous.version_mut() = Some("1".into());
    if let Some(existing) =
        assets::get_opt::<A>(&core.arm, kind, anonymous.name(), "1", ctx).await?
    {
        return Ok(existing);
    }
    register(core, &anonymous, true, ctx).await
}

/// The ARM id of a deployment's model or environment: a reference resolved, an inline asset
/// registered (anonymously when unnamed).
pub(crate) async fn reference_id<A: VersionedAsset>(
    core: &Arc<ClientCore>,
    reference: &Reference<A>,
    ctx: &Context<'_>,
) -> Result<String> {
    let (kind, field) = (A::GROUP.kind(), A::GROUP.field());
    match reference {
        Reference::Id(text) => {
            super::references::reference_id(&core.arm, kind, field, text, ctx).await
        }
        Reference::Inline(asset) => {
            let registered = register_inline(core, &**asset, ctx).await?;
            registered.id().map(str::to_owned).ok_or_else(|| {
                Error::decode(kind.what, format!("the registered {field} has no id"))
            })
        }
    }
}
