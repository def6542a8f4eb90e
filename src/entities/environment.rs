//! `Environment`: a Docker image (+ optional conda file) or a Docker build context.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::common::CreationContext;
use super::enums::{OperatingSystemType, ProvisioningState};
use super::macros::setters;

/// A conda specification: a file to read at send time, or YAML already in memory.
#[derive(Clone, Debug, PartialEq)]
pub enum CondaFile {
    /// A local file; read and parsed by validation / when the request body is built, not here.
    Path(PathBuf),
    /// Parsed YAML (from a YAML file that inlined it, or from the service's `condaFile`).
    Inline(yaml_serde::Value),
}

impl From<&str> for CondaFile {
    fn from(path: &str) -> Self {
        CondaFile::Path(PathBuf::from(path))
    }
}

impl From<String> for CondaFile {
    fn from(path: String) -> Self {
        CondaFile::Path(PathBuf::from(path))
    }
}

impl From<PathBuf> for CondaFile {
    fn from(path: PathBuf) -> Self {
        CondaFile::Path(path)
    }
}

impl From<&std::path::Path> for CondaFile {
    fn from(path: &std::path::Path) -> Self {
        CondaFile::Path(path.to_path_buf())
    }
}

impl From<yaml_serde::Value> for CondaFile {
    fn from(value: yaml_serde::Value) -> Self {
        CondaFile::Inline(value)
    }
}

/// A Docker build context (Python `BuildContext`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BuildContext {
    /// Local folder, or the uploaded context's URI (`contextUri`).
    pub path: String,
    /// Dockerfile path inside the context (service default `Dockerfile`).
    pub dockerfile_path: Option<String>,
}

impl BuildContext {
    /// A build context at `path`.
    pub fn new(path: impl Into<String>) -> Self {
        BuildContext {
            path: path.into(),
            dockerfile_path: None,
        }
    }

    setters!(some: dockerfile_path: String);
}

/// One route of a custom inference server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route {
    /// URL path.
    pub path: String,
    /// Port.
    pub port: i32,
}

impl Route {
    /// A route.
    pub fn new(path: impl Into<String>, port: i32) -> Self {
        Route {
            path: path.into(),
            port,
        }
    }
}

/// Routes of a custom inference server image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InferenceConfig {
    /// Liveness route.
    pub liveness_route: Option<Route>,
    /// Readiness route.
    pub readiness_route: Option<Route>,
    /// Scoring route.
    pub scoring_route: Option<Route>,
    /// Startup route.
    pub startup_route: Option<Route>,
}

impl InferenceConfig {
    /// No routes.
    pub fn new() -> Self {
        Self::default()
    }

    setters!(some:
        liveness_route: Route,
        readiness_route: Route,
        scoring_route: Route,
        startup_route: Route,
    );
}

/// An environment version (Python `azure.ai.ml.entities.Environment`).
///
/// ```
/// use azure_ai_ml::Environment;
/// let env = Environment::new("churn-model-env")
///     .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest")
///     .conda_file("./environment/conda.yml");
/// assert!(env.conda_file.is_some());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Environment {
    /// Environment (container) name.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// Base Docker image.
    pub image: Option<String>,
    /// Conda specification (only together with `image`).
    pub conda_file: Option<CondaFile>,
    /// Docker build context (instead of `image`).
    pub build: Option<BuildContext>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties.
    pub properties: BTreeMap<String, String>,
    /// OS of the image.
    pub os_type: Option<OperatingSystemType>,
    /// Routes of a custom inference server.
    pub inference_config: Option<InferenceConfig>,
    /// ARM id of the version (read-only).
    pub id: Option<String>,
    /// Provisioning state (read-only).
    pub provisioning_state: Option<ProvisioningState>,
    /// Creation / modification info (read-only).
    pub creation_context: Option<CreationContext>,
}

impl Environment {
    /// An environment named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Environment {
            name: name.into(),
            ..Default::default()
        }
    }

    setters!(into: name: String);
    setters!(some:
        version: String,
        image: String,
        description: String,
        conda_file: CondaFile,
        build: BuildContext,
        os_type: OperatingSystemType,
        inference_config: InferenceConfig,
    );
    setters!(map: tags / tag, properties / property);

    /// The ARM id, once registered.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
