//! The offline workspace (feature `local`): Azure Machine Learning on your own machine.
//!
//! [`LocalWorkspace`] is an HTTPS server on 127.0.0.1 speaking the ARM surface the SDK uses,
//! backed by the shared sans-IO [`crate::workspace_core`]. Environments become cached Python
//! venvs (the conda file's `pip:` list plus `azureml-inference-server-http`), deployments
//! become real `azmlinfsrv` processes watched by their probes, and endpoints route real traffic
//! with Azure's status codes. No Docker, no subscription, no login.
//!
//! ```no_run
//! # async fn f() -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::MLClient;
//! let ml_client = MLClient::local().await?; // a workspace in ./.azureml/local
//! println!("workspace: {}", ml_client.workspace_name());
//! ml_client.shutdown().await;
//! # Ok(()) }
//! ```

mod credential;
mod fsutil;
mod https;
mod logbuf;
mod router;
mod runtime;
mod spec;
mod supervisor;
mod swrr;
mod sys;
mod tls;
mod venv;
mod workspace;

use std::ops::Deref;

pub use credential::LocalCredential;
pub use router::RequestStats;
pub use runtime::InstanceInfo;
pub use tls::CA_CERT_FILE;
pub use workspace::{LocalWorkspace, LocalWorkspaceOptions, STATE_FILE, VENV_CACHE_ENV};

use crate::client::MLClient;
use crate::error::Result;

/// An [`MLClient`] bound to the [`LocalWorkspace`] it talks to; dereferences to the client.
/// Dropping it stops the workspace's model processes; [`LocalClient::shutdown`] does so
/// gracefully.
#[derive(Debug)]
pub struct LocalClient {
    client: MLClient,
    workspace: LocalWorkspace,
}

impl LocalClient {
    /// The workspace behind the client.
    pub fn workspace(&self) -> &LocalWorkspace {
        &self.workspace
    }

    /// A clone of the client (it shares the connection pool; the workspace stays here).
    pub fn client(&self) -> MLClient {
        self.client.clone()
    }

    /// Splits into the client and the workspace (keep the workspace alive while using the
    /// client).
    pub fn into_parts(self) -> (MLClient, LocalWorkspace) {
        (self.client, self.workspace)
    }

    /// Stops the workspace's server and processes, waiting until they are gone.
    pub async fn shutdown(&self) {
        self.workspace.shutdown().await;
    }
}

impl Deref for LocalClient {
    type Target = MLClient;
    fn deref(&self) -> &MLClient {
        &self.client
    }
}

impl MLClient {
    /// Starts an offline workspace in `./.azureml/local` (state kept between runs) and returns
    /// a client for it: Python's tutorial, without a subscription.
    ///
    /// # Errors
    /// See [`LocalWorkspace::start`].
    pub async fn local() -> Result<LocalClient> {
        Self::local_with(LocalWorkspaceOptions::default()).await
    }

    /// Like [`MLClient::local`] with options (folder, port, venv cache, Python).
    ///
    /// # Errors
    /// See [`LocalWorkspace::start`].
    pub async fn local_with(options: LocalWorkspaceOptions) -> Result<LocalClient> {
        let workspace = LocalWorkspace::start(options).await?;
        let client = workspace.client()?;
        Ok(LocalClient { client, workspace })
    }
}
