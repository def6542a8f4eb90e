//! One options struct per operation (the Azure SDK for Rust convention), each the operation's
//! last parameter as `Option<…>`.
//!
//! Their `method_options.context` reaches the ARM pipeline (cancellation, per-call policies).

use azure_core::fmt::SafeDebug;
use azure_core::http::ClientMethodOptions;

macro_rules! rg_options {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Default, SafeDebug)]
            pub struct $name<'a> {
                /// Resource group of the autoscale setting; the client's when `None`.
                pub resource_group: Option<String>,
                /// Context and other per-call settings.
                pub method_options: ClientMethodOptions<'a>,
            }
        )+
    };
}

rg_options! {
    /// Options of [`AutoscaleOperations::create_or_update`](super::AutoscaleOperations::create_or_update).
    AutoscaleCreateOrUpdateOptions,
    /// Options of [`AutoscaleOperations::get`](super::AutoscaleOperations::get).
    AutoscaleGetOptions,
    /// Options of [`AutoscaleOperations::list`](super::AutoscaleOperations::list).
    AutoscaleListOptions,
    /// Options of [`AutoscaleOperations::update`](super::AutoscaleOperations::update).
    AutoscaleUpdateOptions,
    /// Options of [`AutoscaleOperations::delete`](super::AutoscaleOperations::delete).
    AutoscaleDeleteOptions,
}

/// Options of [`AutoscaleOperations::list_by_subscription`](super::AutoscaleOperations::list_by_subscription).
#[derive(Clone, Default, SafeDebug)]
pub struct AutoscaleListBySubscriptionOptions<'a> {
    /// Context and other per-call settings.
    pub method_options: ClientMethodOptions<'a>,
}

/// Options of [`MetricsOperations::list`](super::MetricsOperations::list).
#[derive(Clone, Default, SafeDebug)]
pub struct MetricsListOptions<'a> {
    /// Context and other per-call settings.
    pub method_options: ClientMethodOptions<'a>,
}

/// Options of [`MetricsOperations::list_definitions`](super::MetricsOperations::list_definitions).
#[derive(Clone, Default, SafeDebug)]
pub struct MetricDefinitionsListOptions<'a> {
    /// Only definitions of this metric namespace (`metricnamespace`).
    pub metric_namespace: Option<String>,
    /// Context and other per-call settings.
    pub method_options: ClientMethodOptions<'a>,
}
