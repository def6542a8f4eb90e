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
