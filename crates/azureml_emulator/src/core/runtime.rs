//! The hook through which an emulator runs deployments for real.
//!
//! The core owns the ARM view (resources, provisioning states, operations); a
//! [`DeploymentRuntime`] owns whatever actually serves a deployment. When a deployment's
//! operation is polled past its minimum poll count, the core asks the runtime for the
//! deployment's state, so a runtime can hold `Creating` until its readiness probe passes.

use bytes::Bytes;
use serde_json::Value;

/// A file of an asset: path relative to the asset's folder (or the file name for a
/// single-file asset) and its content.
#[derive(Clone, PartialEq, Eq)]
pub struct AssetFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// Content.
    pub content: Bytes,
}

impl std::fmt::Debug for AssetFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetFile")
            .field("path", &self.path)
            .field("len", &self.content.len())
            .finish()
    }
}

/// Everything a runtime needs to start a deployment, resolved by the core from the
/// deployment's references.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DeploymentSpec {
    /// Endpoint name.
    pub endpoint: String,
    /// Deployment name.
    pub deployment: String,
    /// The deployment resource as stored (REST shape).
    pub resource: Value,
    /// The model version resource, when `properties.model` names one in this workspace.
    pub model: Option<Value>,
    /// The model's files (from its `modelUri`); empty when unresolved.
    pub model_files: Vec<AssetFile>,
    /// The last path segment of the model's URI (a folder model's folder name, or the file name).
    pub model_folder_name: Option<String>,
    /// The environment version resource, when `properties.environmentId` names one here.
    pub environment: Option<Value>,
    /// The code version resource, when `properties.codeConfiguration.codeId` names one here.
    pub code: Option<Value>,
    /// The code folder's files (from its `codeUri`).
    pub code_files: Vec<AssetFile>,
    /// `properties.codeConfiguration.scoringScript`.
    pub scoring_script: Option<String>,
}

/// What a runtime says about a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeState {
    /// Still starting: the operation stays in progress.
    Creating,
    /// Ready to serve.
    Succeeded,
    /// Could not start; the operation fails with this ARM error code and message.
    Failed {
        /// ARM error code (e.g. `ResourceNotReady`).
        code: String,
        /// Message (typically with the tail of the log).
        message: String,
    },
}

/// Which container's log `getLogs` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerType {
    /// The inference server (the default).
    InferenceServer,
    /// The storage initializer (model/code download; the environment build locally).
    StorageInitializer,
}

/// Runs deployments. The core calls it with its lock held: keep every hook quick (start work
/// in the background, answer from cached state).
pub trait DeploymentRuntime: Send {
    /// A deployment was created or updated (start or restart it).
    fn deployment_put(&mut self, spec: DeploymentSpec);

    /// The deployment's state, or `None` when this runtime doesn't know it (the core then
    /// treats it as ready).
    fn deployment_state(&mut self, endpoint: &str, deployment: &str) -> Option<RuntimeState>;

    /// The deployment was deleted (stop it, free its resources).
    fn deployment_deleted(&mut self, endpoint: &str, deployment: &str);

    /// The last `tail` lines (all when `None`) of a container's log, or `None` to let the core
    /// synthesize one.
    fn logs(
        &mut self,
        endpoint: &str,
        deployment: &str,
        container_type: ContainerType,
        tail: Option<usize>,
    ) -> Option<String>;
}

/// The runtime of the fake workspace: nothing runs; every deployment is ready as soon as its
/// operation has been polled [`CoreConfig::lro_polls`](super::CoreConfig::lro_polls) times,
/// and logs are synthesized.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultRuntime;

impl DeploymentRuntime for DefaultRuntime {
    fn deployment_put(&mut self, _spec: DeploymentSpec) {}

    fn deployment_state(&mut self, _endpoint: &str, _deployment: &str) -> Option<RuntimeState> {
        Some(RuntimeState::Succeeded)
    }

    fn deployment_deleted(&mut self, _endpoint: &str, _deployment: &str) {}

    fn logs(
        &mut self,
        _endpoint: &str,
        _deployment: &str,
        _container_type: ContainerType,
        _tail: Option<usize>,
    ) -> Option<String> {
        None
    }
}
