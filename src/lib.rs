#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod client;
pub mod entities;
pub mod error;
pub mod ids;
pub(crate) mod redirect;
pub(crate) mod rest;
pub mod validate;
pub mod yaml;

#[doc(hidden)]
pub use rest::private_api as __private;

pub use client::{ApiVersions, Cloud, CloudEndpoints, MLClient, MLClientOptions, WorkspaceScope};
pub use entities::*;
pub use error::{Error, ErrorDetail, Result};
pub use ids::{ArmId, AssetRef};
pub use redirect::ORIGINAL_HOST_HEADER;
pub use yaml::{load_environment, load_model, load_online_deployment, load_online_endpoint};
