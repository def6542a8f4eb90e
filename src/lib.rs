#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod arm;
pub mod client;
pub mod credential;
pub mod error;
pub mod invoke;
pub(crate) mod redirect;
#[cfg(feature = "local")]
pub mod local;

pub use client::{ApiVersions, Cloud, CloudEndpoints, MLClient, MLClientOptions, WorkspaceScope};
pub use credential::{default_credential, DefaultAzureCredential};
pub use error::{Error, ErrorDetail, Result};
pub use invoke::{InvokeRequest, InvokeResponse, ScoringClient};
pub use redirect::ORIGINAL_HOST_HEADER;
