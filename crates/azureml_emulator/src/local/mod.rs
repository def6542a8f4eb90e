//! The offline workspace (feature `local`): Azure Machine Learning on your own machine.
//!
//! [`LocalWorkspace`] is an HTTPS server on 127.0.0.1 speaking the ARM, blob and scoring
//! surface of Azure ML, backed by the shared sans-IO [`crate::core`]. Environments become cached Python
//! venvs (the conda file's `pip:` list plus `azureml-inference-server-http`), deployments
//! become real `azmlinfsrv` processes watched by their probes, and endpoints route real traffic
//! with Azure's status codes. No Docker, no subscription, no login.
//!
//! ```no_run
//! # async fn f() -> azureml_emulator::Result<()> {
//! use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
//! let workspace = LocalWorkspace::start(LocalWorkspaceOptions::default()).await?;
//! // ARM endpoint, blob host and scoring host; trust `ca_path()` to reach it over TLS.
//! println!("{} (CA: {})", workspace.base_url(), workspace.ca_path().display());
//! workspace.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! A deployment serves (and its operation is `Succeeded`) the moment its readiness check
//! passes, checked as soon as its server listens; [`LocalWorkspaceOptions::exact_probe_timing`]
//! keeps Azure's schedule instead. Updates and deletes drain the old processes, so no call is
//! dropped. [`LocalWorkspace::inject`] stages every [`Fault`](crate::core::Fault), faults of the
//! connection included, for tests of clients' resilience (no Python needed for ARM, blob and
//! scoring faults).
//!
//! Blob storage answers on the account host `{account}.blob.core.localhost:{port}` (the
//! default datastore's endpoint; the certificate carries `*.blob.core.localhost`) as well as
//! path-style on 127.0.0.1. Every request is logged, secrets left out, to
//! [`ACCESS_LOG_FILE`] in the workspace folder.
//!
//! [`LocalWorkspace::studio_url`] links to Studio on the same server (`/studio`): the endpoint
//! pages of Azure ML studio (endpoints, deployments, traffic, keys, a Test tab, metrics charts,
//! autoscale activity, logs), for loopback browsers, with changes guarded by a per-start token.
//!
//! The `azure_ai_ml` SDK opens one with `MLClient::local()` (its `local` feature).

mod access_log;
mod api;
mod collector;
mod credential;
mod faults;
mod front;
mod fsutil;
mod https;
mod logbuf;
mod monitor;
mod probes;
mod router;
mod runtime;
mod shared;
mod spawner;
mod spec;
mod stoppable;
mod studio;
mod supervisor;
mod swrr;
mod sys;
mod tls;
mod upstream;
mod venv;
mod workspace;

pub use access_log::ACCESS_LOG_FILE;
pub use credential::LocalCredential;
pub use router::RequestStats;
pub use runtime::InstanceInfo;
pub use tls::CA_CERT_FILE;
pub use workspace::{LocalWorkspace, LocalWorkspaceOptions, STATE_FILE, VENV_CACHE_ENV};
