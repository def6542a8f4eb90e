//! The offline workspace (feature `local`): Azure Machine Learning on your own machine.
//!
//! An HTTPS server on 127.0.0.1 speaking the ARM surface the SDK uses, backed by the shared
//! sans-IO [`crate::workspace_core`], whose environments become Python venvs, whose deployments
//! become real `azmlinfsrv` processes and whose endpoints route real traffic.

mod fsutil;
mod https;
mod logbuf;
mod router;
mod spec;
mod supervisor;
mod swrr;
mod sys;
mod tls;
mod venv;

pub use router::RequestStats;
