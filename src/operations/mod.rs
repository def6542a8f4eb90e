//! Operation groups, named as in Python's `MLClient`: `ml_client.models()`,
//! `ml_client.online_endpoints()`, …
//!
//! Each group is a cheap handle (an `Arc` to the client's shared core); the HTTP work is done
//! by the generic ARM layer in [`crate::arm`].

mod asset_lists;
mod assets;
mod datastores;
mod download;
mod environments;
mod models;
mod online_deployments;
mod online_endpoints;
mod references;
mod scoring;
mod upload;
mod workspaces;

pub use datastores::DatastoreOperations;
pub use environments::EnvironmentOperations;
pub use models::ModelOperations;
pub use online_deployments::{GetLogsOptions, OnlineDeploymentOperations};
pub use online_endpoints::{EndpointCredentials, OnlineEndpointOperations};
pub use workspaces::WorkspaceOperations;

pub(crate) use scoring::ScoringClients;

use crate::client::{ClientCore, MLClient};
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

impl ClientCore {
    /// The workspace's region, read once (Python GETs the workspace before every endpoint or
    /// deployment PUT; one GET per client is enough: a workspace never moves).
    pub(crate) async fn location(&self) -> Result<String> {
        self.location
            .get_or_try_init(|| async {
                let workspace: crate::entities::Workspace = self
                    .arm_get(
                        self.workspace_url(&[], &self.api.workspaces, &[]),
                        "Workspace",
                    )
                    .await?;
                workspace
                    .location
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| Error::decode("Workspace", "the workspace has no `location`"))
            })
            .await
            .cloned()
    }
}
