#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub(crate) mod arm;
pub mod client;
pub(crate) mod config;
pub mod credential;
pub(crate) mod duration;
pub mod entities;
pub mod error;
pub(crate) mod http;
pub(crate) mod ids;
pub mod invoke;
#[cfg(feature = "local")]
#[cfg_attr(docsrs, doc(cfg(feature = "local")))]
pub mod local;
pub mod monitor;
pub mod operations;
pub(crate) mod redirect;
pub(crate) mod rest;
pub(crate) mod storage;
#[cfg(test)]
mod test_support;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub(crate) mod upload;
pub(crate) mod validate;
pub mod yaml;

pub use arm::lro::{LroPoller, OperationStatus};
pub use arm::pager::{ArmPage, ArmPager};
pub use client::{ApiVersions, Cloud, CloudEndpoints, MLClient, MLClientOptions};
pub use config::WorkspaceConfig;
pub use credential::{default_credential, DefaultAzureCredential};
pub use entities::*;
pub use error::{Error, ErrorDetail, Result};
pub use ids::{ArmId, WorkspaceScope};
pub use invoke::{InvokeRequest, InvokeResponse, ScoringClient};
pub use monitor::{
    AutoscaleOperations, AutoscaleSetting, MetricsOperations, MetricsQuery, ScaleRule,
};
pub use operations::*;
pub use redirect::ORIGINAL_HOST_HEADER;
pub use upload::{hash_code_folder, ProgressCallback, UploadProgress};
pub use yaml::{load_environment, load_model, load_online_deployment, load_online_endpoint};
