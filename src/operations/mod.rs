//! Operation groups, named as in Python's `MLClient`: `ml_client.models()`,
//! `ml_client.online_endpoints()`, …
//!
//! Each group is a cheap handle (an `Arc` to the client's shared core); the HTTP work is done
//! by the one ARM client, scoring by [`crate::invoke`].
//!
//! # Options
//!
//! Every operation takes, last, `Option<{Group}{Method}Options<'_>>` (the Azure SDK for Rust
//! convention; `None` for the defaults): [`OnlineEndpointsGetOptions`] for
//! `online_endpoints().get`, [`ModelsCreateOrUpdateOptions`] for `models().create_or_update`, …
//! Each has `method_options`, whose `context` reaches the pipeline of every ARM request the call
//! makes, the polls of a `begin_*` poller and the pages of a list included: a
//! [`ClientRequestId`](azure_core::http::request::options::ClientRequestId) in it becomes the
//! `x-ms-client-request-id` header, and policies of your own can read what you put in it. Lists
//! take [`PagerOptions`](azure_core::http::pager::PagerOptions), whose `continuation` resumes a
//! list where another pager left off. An operation's own knobs are the other fields (e.g.
//! [`OnlineDeploymentsGetLogsOptions::container_type`]).
//!
//! ```no_run
//! # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::OnlineEndpointsGetOptions;
//! use azure_core::http::{request::options::ClientRequestId, ClientMethodOptions, Context};
//!
//! let options = OnlineEndpointsGetOptions {
//!     method_options: ClientMethodOptions {
//!         context: Context::new().with_value(ClientRequestId::new("churn-check-42".to_owned())),
//!     },
//! };
//! let endpoint = ml_client.online_endpoints().get("churn-prediction-v1", Some(options)).await?;
//! # let _ = endpoint;
//! # Ok(()) }
//! ```
//!
//! # Tracing
//!
//! Every operation opens a `tracing` span named after the Python operation
//! (`OnlineEndpoints.begin_create_or_update`, `Models.create_or_update`, `Autoscale.get`, …)
//! with the resource's name as a field (`name`; `endpoint_name` too for deployments); the polls
//! of its poller and the pages of its pager run in that span.

mod assets;
mod datastores;
mod download;
mod environments;
mod models;
mod online_deployments;
mod online_endpoints;
mod options;
mod references;
mod upload;
mod versioned;
mod workspaces;

pub use crate::invoke::EndpointCredentials;
pub use datastores::DatastoreOperations;
pub use environments::EnvironmentOperations;
pub use models::ModelOperations;
pub use online_deployments::OnlineDeploymentOperations;
pub use online_endpoints::OnlineEndpointOperations;
pub use options::*;
pub use versioned::{AssetOperations, VersionedAsset};
pub use workspaces::WorkspaceOperations;

use crate::client::MLClient;
use crate::error::{Error, Result};

impl MLClient {
    /// Model registration (`ml_client.models`).
    pub fn models(&self) -> ModelOperations {
        ModelOperations::new(self.core.clone())
    }

    /// Environments (`ml_client.environments`).
    pub fn environments(&self) -> EnvironmentOperations {
        EnvironmentOperations::new(self.core.clone())
    }

    /// Managed and Kubernetes online endpoints (`ml_client.online_endpoints`).
    pub fn online_endpoints(&self) -> OnlineEndpointOperations {
        OnlineEndpointOperations::new(self.core.clone())
    }

    /// Deployments behind online endpoints (`ml_client.online_deployments`).
    pub fn online_deployments(&self) -> OnlineDeploymentOperations {
        OnlineDeploymentOperations::new(self.core.clone())
    }

    /// The workspace itself (`ml_client.workspaces`).
    pub fn workspaces(&self) -> WorkspaceOperations {
        WorkspaceOperations::new(self.core.clone())
    }

    /// Datastores (`ml_client.datastores`).
    pub fn datastores(&self) -> DatastoreOperations {
        DatastoreOperations::new(self.core.clone())
    }
}

/// Rejects an empty or blank name argument before any request.
pub(crate) fn require_name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(())
    }
}
