//! Operation groups, named as in Python's `MLClient`: `ml_client.models()`,
//! `ml_client.online_endpoints()`, …
//!
//! Each group is a cheap handle (an `Arc` to the client's shared core); the HTTP work is done
//! by the one ARM client in [`crate::arm`], scoring by [`crate::invoke`].

mod asset_lists;
mod assets;
mod datastores;
mod download;
mod environments;
mod models;
mod online_deployments;
mod online_endpoints;
mod references;
mod upload;
mod workspaces;

pub use crate::invoke::EndpointCredentials;
pub use datastores::DatastoreOperations;
pub use environments::EnvironmentOperations;
pub use models::ModelOperations;
pub use online_deployments::{GetLogsOptions, OnlineDeploymentOperations};
pub use online_endpoints::OnlineEndpointOperations;
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
