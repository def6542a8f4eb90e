//! An Azure Machine Learning workspace emulator.
//!
//! Three layers, each usable alone:
//!
//! - [`core`]: a sans-IO state machine, `(state, request) → response`, for the ARM control
//!   plane, the workspace's blob storage and the scoring data plane (LROs, SharedKey and SAS
//!   checks, a request log that redacts secrets and records credential leaks), and Azure Monitor
//!   ([`core::monitor`]: autoscale settings, metrics, autoscale evaluation, data collection).
//! - [`fake`] (feature `fake`): the core mounted on a wiremock server, a stateful fake for
//!   client tests ([`fake::FakeWorkspace`]).
//! - [`local`] (feature `local`): the core served over HTTPS on 127.0.0.1 with its own CA,
//!   persisted state, a Python venv per environment, `azmlinfsrv` processes per deployment
//!   instance and a scoring router ([`local::LocalWorkspace`]).
//!
//! Clients reach the emulator with their *logical* URLs (`https://management.azure.com/…`,
//! `https://{account}.blob.core.windows.net/…`, the scoring URI) and the logical host in the
//! [`core::ORIGINAL_HOST_HEADER`] header, so the authentication decisions they make are the
//! ones they would make against Azure. It does not depend on any client SDK: the Rust SDK
//! `azure_ai_ml`, Python's `azure-ai-ml` and plain HTTP clients all drive it the same way.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod core;
pub mod error;
#[cfg(feature = "fake")]
#[cfg_attr(docsrs, doc(cfg(feature = "fake")))]
pub mod fake;
#[cfg(feature = "local")]
#[cfg_attr(docsrs, doc(cfg(feature = "local")))]
pub mod local;

pub use error::{Error, Result};
