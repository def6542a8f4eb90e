//! `ml_client.workspaces()`.

use std::sync::Arc;

use azure_core::http::Context;

use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::Workspace;
use crate::error::Result;

/// Workspace operations.
#[derive(Clone, Debug)]
pub struct WorkspaceOperations {
    core: Arc<ClientCore>,
}

impl WorkspaceOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Gets the client's workspace (Python's `ml_client.workspaces.get()` with no name).
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// workspace), [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(&self) -> Result<Workspace> {
        let arm = &self.core.arm;
        arm.get(
            &resources::workspace(arm.api()),
            "Workspace",
            &Context::new(),
        )
        .await
    }
}
