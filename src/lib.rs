#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod client;
pub mod error;
pub(crate) mod redirect;
#[cfg(feature = "local")]
pub mod local;

pub use client::{ApiVersions, Cloud, CloudEndpoints, MLClient, MLClientOptions, WorkspaceScope};
pub use error::{Error, ErrorDetail, Result};
pub use redirect::ORIGINAL_HOST_HEADER;
