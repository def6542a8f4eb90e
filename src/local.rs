//! The offline workspace (feature `local`): Azure Machine Learning on your own machine.
//!
//! The workspace is the `azureml_emulator` crate's HTTPS front: ARM, blob and scoring on
//! 127.0.0.1 with its own certificate authority, environments as cached Python venvs,
//! deployments as real `azmlinfsrv` processes watched by their probes, endpoints routing real
//! traffic with Azure's status codes. No Docker, no subscription, no login. This module is the
//! SDK's door to it: [`MLClient::local`] and [`LocalWorkspaceExt::client`].
//!
//! ```no_run
//! # async fn f() -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::MLClient;
//! let ml_client = MLClient::local().await?; // a workspace in ./.azureml/local
//! println!("workspace: {}", ml_client.workspace_name());
//! ml_client.shutdown().await;
//! # Ok(()) }
//! ```

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::client::{Cloud, CloudEndpoints, MLClient, MLClientOptions};
use crate::error::Result;

pub use azureml_emulator::local::{
    InstanceInfo, LocalCredential, LocalWorkspace, LocalWorkspaceOptions, RequestStats,
    ACCESS_LOG_FILE, CA_CERT_FILE, STATE_FILE, VENV_CACHE_ENV,
};

/// The SDK side of a [`LocalWorkspace`]: the cloud, options and client that reach it.
pub trait LocalWorkspaceExt {
    /// The cloud description clients use to reach this workspace.
    fn cloud(&self) -> Cloud;

    /// Client options that reach this workspace: its cloud, its CA trusted, every request
    /// (including SharedKey blob requests to `{account}.blob.{suffix}`) sent to its port.
    fn client_options(&self) -> MLClientOptions;

    /// An [`MLClient`] for this workspace, with a credential that needs no Azure login.
    ///
    /// # Errors
    /// Only if the client cannot be built (see [`MLClient::new`]).
    fn client(&self) -> Result<MLClient>;
}

impl LocalWorkspaceExt for LocalWorkspace {
    fn cloud(&self) -> Cloud {
        local_cloud(self.base_url())
    }

    fn client_options(&self) -> MLClientOptions {
        client_options_for(self.base_url(), self.ca_pem().as_bytes())
    }

    fn client(&self) -> Result<MLClient> {
        let scope = self.options();
        MLClient::new(
            Arc::new(LocalCredential::new()),
            scope.subscription_id.clone(),
            scope.resource_group.clone(),
            scope.workspace_name.clone(),
            Some(self.client_options()),
        )
    }
}

/// The cloud of an offline workspace served at `base_url`: ARM there, storage accounts at
/// `{account}.blob.core.localhost:{port}` (names under `.localhost` are loopback, RFC 6761;
/// the SDK's HTTP client resolves them so itself).
pub fn local_cloud(base_url: &url::Url) -> Cloud {
    let port = base_url.port_or_known_default().unwrap_or(443);
    Cloud::Custom(
        CloudEndpoints::new(base_url.clone()).with_storage_suffix(format!("core.localhost:{port}")),
    )
}

/// Client options that reach an offline workspace served at `base_url` with the CA
/// certificate `ca_pem` (one started by another process, e.g. `azml local start --detach`):
/// its cloud, its CA trusted, every request sent to its port, quick polls. Use them with a
/// [`LocalCredential`].
pub fn client_options_for(base_url: &url::Url, ca_pem: &[u8]) -> MLClientOptions {
    MLClientOptions::default()
        .with_cloud(local_cloud(base_url))
        .with_root_certificate_pem(ca_pem.to_vec())
        .with_redirect(base_url.clone())
        .with_polling_interval(Duration::from_millis(200))
}

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
