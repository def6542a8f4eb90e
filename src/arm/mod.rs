//! The ARM layer, written once: `ArmClient` and the `ArmPath`s it sends to.
//!
//! Operation groups describe *what* (a path, an api-version, a body) and the ARM client does the
//! *how*: URLs, the pipeline with the ARM token, one error mapping, decoding with JSON paths.
//! Long-running operations are in `lro` and `poller`, lists in `pager`, the workspace's resource
//! paths in `resources`. Public here: [`ApiVersions`].

mod api_versions;
mod client;
pub(crate) mod lro;
pub(crate) mod pager;
mod path;
mod poller;
pub(crate) mod resources;
pub(crate) mod status;

pub use api_versions::{ApiVersions, DEFAULT_API_VERSION};
pub(crate) use client::{ArmClient, ArmLimits, ArmSettings};
pub(crate) use path::ArmPath;

#[cfg(all(test, feature = "testing"))]
mod fake_tests;
#[cfg(test)]
mod tests;
