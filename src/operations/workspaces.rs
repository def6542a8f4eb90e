//! `ml_client.workspaces()`.

use std::sync::Arc;

use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::Workspace;
use crate::error::Result;

use super::WorkspacesGetOptions;

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
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let workspace = ml_client.workspaces().get(None).await?;
    /// println!("{} in {:?}", workspace.name, workspace.location);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// workspace), [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(
        name = "Workspaces.get",
        skip_all,
        fields(name = %self.core.arm.scope().workspace_name)
    )]
    pub async fn get(&self, options: Option<WorkspacesGetOptions<'_>>) -> Result<Workspace> {
        let ctx = options.unwrap_or_default().method_options.context;
        let arm = &self.core.arm;
        arm.get(&resources::workspace(arm.api()), "Workspace", &ctx)
            .await
    }
}
