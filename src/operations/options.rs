//! The options structs of every operation (see [`crate::operations`] for how they work), written
//! once through one macro: each is `Clone + Default + SafeDebug`, its own knobs as public fields
//! plus `method_options`.

use azure_core::credentials::Secret;
use azure_core::fmt::SafeDebug;
use azure_core::http::{pager::PagerOptions, ClientMethodOptions};

use crate::entities::ContainerType;

/// Declares options structs: the operation's own fields, then `method_options` of the given
/// kind (`ClientMethodOptions` or `PagerOptions`).
macro_rules! method_options {
    ($(
        $(#[$meta:meta])*
        $name:ident: $kind:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)? }
    )+) => {$(
        $(#[$meta])*
        #[derive(Clone, Default, SafeDebug)]
        pub struct $name<'a> {
            $($(#[$field_meta])* pub $field: $ty,)*
            /// The call's `context`, which reaches every request the call makes (polls and pages
            /// included); for lists also the `continuation` to resume from.
            pub method_options: $kind<'a>,
        }
    )+};
}

method_options! {
    /// Options of [`OnlineEndpointOperations::begin_create_or_update`](super::OnlineEndpointOperations::begin_create_or_update).
    OnlineEndpointsBeginCreateOrUpdateOptions: ClientMethodOptions {}
    /// Options of [`OnlineEndpointOperations::get`](super::OnlineEndpointOperations::get).
    OnlineEndpointsGetOptions: ClientMethodOptions {}
    /// Options of [`OnlineEndpointOperations::list`](super::OnlineEndpointOperations::list).
    OnlineEndpointsListOptions: PagerOptions {}
    /// Options of [`OnlineEndpointOperations::begin_delete`](super::OnlineEndpointOperations::begin_delete).
    OnlineEndpointsBeginDeleteOptions: ClientMethodOptions {}
    /// Options of [`OnlineEndpointOperations::get_keys`](super::OnlineEndpointOperations::get_keys).
    OnlineEndpointsGetKeysOptions: ClientMethodOptions {}
    /// Options of [`OnlineEndpointOperations::invoke`](super::OnlineEndpointOperations::invoke).
    ///
    /// The scoring request goes out on the endpoint's scoring client, not on an ARM pipeline:
    /// of the context it takes the `ClientRequestId`, sent as `x-ms-client-request-id`.
    OnlineEndpointsInvokeOptions: ClientMethodOptions {}
    /// Options of [`OnlineEndpointOperations::begin_regenerate_keys`](super::OnlineEndpointOperations::begin_regenerate_keys).
    OnlineEndpointsBeginRegenerateKeysOptions: ClientMethodOptions {
        /// The new key's value; `None` (the default) lets the service generate one.
        key_value: Option<Secret>,
    }

    /// Options of [`OnlineDeploymentOperations::begin_create_or_update`](super::OnlineDeploymentOperations::begin_create_or_update).
    OnlineDeploymentsBeginCreateOrUpdateOptions: ClientMethodOptions {}
    /// Options of [`OnlineDeploymentOperations::get`](super::OnlineDeploymentOperations::get).
    OnlineDeploymentsGetOptions: ClientMethodOptions {}
    /// Options of [`OnlineDeploymentOperations::list`](super::OnlineDeploymentOperations::list).
    OnlineDeploymentsListOptions: PagerOptions {}
    /// Options of [`OnlineDeploymentOperations::begin_delete`](super::OnlineDeploymentOperations::begin_delete).
    OnlineDeploymentsBeginDeleteOptions: ClientMethodOptions {}
    /// Options of [`OnlineDeploymentOperations::get_logs`](super::OnlineDeploymentOperations::get_logs).
    OnlineDeploymentsGetLogsOptions: ClientMethodOptions {
        /// Which container's log: the inference server (default) or the storage initializer
        /// (model/code download; the environment build in the offline workspace).
        container_type: Option<ContainerType>,
    }

    /// Options of [`AssetOperations::create_or_update`](super::AssetOperations::create_or_update)
    /// (models and environments).
    AssetsCreateOrUpdateOptions: ClientMethodOptions {}
    /// Options of [`AssetOperations::get`](super::AssetOperations::get).
    AssetsGetOptions: ClientMethodOptions {}
    /// Options of [`AssetOperations::get_latest`](super::AssetOperations::get_latest).
    AssetsGetLatestOptions: ClientMethodOptions {}
    /// Options of [`AssetOperations::list`](super::AssetOperations::list).
    AssetsListOptions: PagerOptions {}
    /// Options of [`AssetOperations::list_containers`](super::AssetOperations::list_containers).
    AssetsListContainersOptions: PagerOptions {}
    /// Options of [`AssetOperations::list_versions`](super::AssetOperations::list_versions).
    AssetsListVersionsOptions: PagerOptions {}
    /// Options of [`AssetOperations::archive`](super::AssetOperations::archive).
    AssetsArchiveOptions: ClientMethodOptions {}
    /// Options of [`AssetOperations::restore`](super::AssetOperations::restore).
    AssetsRestoreOptions: ClientMethodOptions {}
    /// Options of [`ModelOperations::download`](super::ModelOperations::download).
    ///
    /// The context reaches the ARM requests (the model, its datastore, the datastore's
    /// secrets); the blob downloads go out on the storage pipeline, which signs each request
    /// itself.
    ModelsDownloadOptions: ClientMethodOptions {}

    /// Options of [`WorkspaceOperations::get`](super::WorkspaceOperations::get).
    WorkspacesGetOptions: ClientMethodOptions {}

    /// Options of [`DatastoreOperations::get`](super::DatastoreOperations::get).
    DatastoresGetOptions: ClientMethodOptions {}
    /// Options of [`DatastoreOperations::list`](super::DatastoreOperations::list).
    DatastoresListOptions: PagerOptions {}
    /// Options of [`DatastoreOperations::get_default`](super::DatastoreOperations::get_default).
    DatastoresGetDefaultOptions: ClientMethodOptions {}

    /// Options of [`AutoscaleOperations::create_or_update`](crate::monitor::AutoscaleOperations::create_or_update).
    AutoscaleCreateOrUpdateOptions: ClientMethodOptions {
        /// Resource group of the autoscale setting; the client's when `None`.
        resource_group: Option<String>,
        /// Send profiles that have no rules yet, as `az monitor autoscale create` does before
        /// `az monitor autoscale rule create` adds them. The service accepts such a profile and
        /// keeps its default count, but it never scales, so by default it is refused.
        allow_profiles_without_rules: bool,
    }
    /// Options of [`AutoscaleOperations::get`](crate::monitor::AutoscaleOperations::get).
    AutoscaleGetOptions: ClientMethodOptions {
        /// Resource group of the autoscale setting; the client's when `None`.
        resource_group: Option<String>,
    }
    /// Options of [`AutoscaleOperations::list`](crate::monitor::AutoscaleOperations::list).
    AutoscaleListOptions: PagerOptions {
        /// Resource group whose settings to list; the client's when `None`.
        resource_group: Option<String>,
    }
    /// Options of [`AutoscaleOperations::update`](crate::monitor::AutoscaleOperations::update).
    AutoscaleUpdateOptions: ClientMethodOptions {
        /// Resource group of the autoscale setting; the client's when `None`.
        resource_group: Option<String>,
    }
    /// Options of [`AutoscaleOperations::delete`](crate::monitor::AutoscaleOperations::delete).
    AutoscaleDeleteOptions: ClientMethodOptions {
        /// Resource group of the autoscale setting; the client's when `None`.
        resource_group: Option<String>,
    }
    /// Options of [`AutoscaleOperations::list_by_subscription`](crate::monitor::AutoscaleOperations::list_by_subscription).
    AutoscaleListBySubscriptionOptions: PagerOptions {}

    /// Options of [`MetricsOperations::list`](crate::monitor::MetricsOperations::list).
    MetricsListOptions: ClientMethodOptions {}
    /// Options of [`MetricsOperations::list_request`](crate::monitor::MetricsOperations::list_request).
    MetricsListRequestOptions: ClientMethodOptions {}
    /// Options of [`MetricsOperations::list_definitions`](crate::monitor::MetricsOperations::list_definitions).
    MetricsListDefinitionsOptions: ClientMethodOptions {
        /// Only definitions of this metric namespace (`metricnamespace`).
        metric_namespace: Option<String>,
    }
}

// Models and environments share one generic operation group, so their options are the group's;
// the names below keep the `{Group}{Method}Options` spelling of each alias.

/// Options of [`ModelOperations::create_or_update`](super::ModelOperations::create_or_update).
pub type ModelsCreateOrUpdateOptions<'a> = AssetsCreateOrUpdateOptions<'a>;
/// Options of [`ModelOperations::get`](super::ModelOperations::get).
pub type ModelsGetOptions<'a> = AssetsGetOptions<'a>;
/// Options of [`ModelOperations::get_latest`](super::ModelOperations::get_latest).
pub type ModelsGetLatestOptions<'a> = AssetsGetLatestOptions<'a>;
/// Options of [`ModelOperations::list`](super::ModelOperations::list).
pub type ModelsListOptions<'a> = AssetsListOptions<'a>;
/// Options of [`ModelOperations::list_containers`](super::ModelOperations::list_containers).
pub type ModelsListContainersOptions<'a> = AssetsListContainersOptions<'a>;
/// Options of [`ModelOperations::list_versions`](super::ModelOperations::list_versions).
pub type ModelsListVersionsOptions<'a> = AssetsListVersionsOptions<'a>;
/// Options of [`ModelOperations::archive`](super::ModelOperations::archive).
pub type ModelsArchiveOptions<'a> = AssetsArchiveOptions<'a>;
/// Options of [`ModelOperations::restore`](super::ModelOperations::restore).
pub type ModelsRestoreOptions<'a> = AssetsRestoreOptions<'a>;

/// Options of [`EnvironmentOperations::create_or_update`](super::EnvironmentOperations::create_or_update).
pub type EnvironmentsCreateOrUpdateOptions<'a> = AssetsCreateOrUpdateOptions<'a>;
/// Options of [`EnvironmentOperations::get`](super::EnvironmentOperations::get).
pub type EnvironmentsGetOptions<'a> = AssetsGetOptions<'a>;
/// Options of [`EnvironmentOperations::get_latest`](super::EnvironmentOperations::get_latest).
pub type EnvironmentsGetLatestOptions<'a> = AssetsGetLatestOptions<'a>;
/// Options of [`EnvironmentOperations::list`](super::EnvironmentOperations::list).
pub type EnvironmentsListOptions<'a> = AssetsListOptions<'a>;
/// Options of [`EnvironmentOperations::list_containers`](super::EnvironmentOperations::list_containers).
pub type EnvironmentsListContainersOptions<'a> = AssetsListContainersOptions<'a>;
/// Options of [`EnvironmentOperations::list_versions`](super::EnvironmentOperations::list_versions).
pub type EnvironmentsListVersionsOptions<'a> = AssetsListVersionsOptions<'a>;
/// Options of [`EnvironmentOperations::archive`](super::EnvironmentOperations::archive).
pub type EnvironmentsArchiveOptions<'a> = AssetsArchiveOptions<'a>;
/// Options of [`EnvironmentOperations::restore`](super::EnvironmentOperations::restore).
pub type EnvironmentsRestoreOptions<'a> = AssetsRestoreOptions<'a>;
