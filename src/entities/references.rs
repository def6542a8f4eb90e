//! What a deployment serves and runs: model and environment references (registered or inline)
//! and the scoring code.

use super::environment::Environment;
use super::model::Model;

/// The model a deployment serves: a reference to a registered version, or a model to register.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelRef {
    /// ARM id, `azureml:name:version`, `azureml:name@latest` or a registry URI.
    Id(String),
    /// A model registered (anonymously if unnamed) when the deployment is created.
    Inline(Box<Model>),
}

impl From<&str> for ModelRef {
    fn from(id: &str) -> Self {
        ModelRef::Id(id.to_owned())
    }
}

impl From<String> for ModelRef {
    fn from(id: String) -> Self {
        ModelRef::Id(id)
    }
}

impl From<&String> for ModelRef {
    fn from(id: &String) -> Self {
        ModelRef::Id(id.clone())
    }
}

impl From<Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: Model) -> Self {
        match model.id {
            Some(id) => ModelRef::Id(id),
            None => ModelRef::Inline(Box::new(model)),
        }
    }
}

impl From<&Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: &Model) -> Self {
        ModelRef::from(model.clone())
    }
}

impl ModelRef {
    /// The reference text, when this is a reference.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            ModelRef::Id(id) => Some(id),
            ModelRef::Inline(_) => None,
        }
    }
}

/// The environment a deployment runs in: a reference or an environment to register.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvironmentRef {
    /// ARM id, `azureml:name:version`, `azureml:name@latest` or a registry URI.
    Id(String),
    /// An environment registered (anonymously if unnamed) when the deployment is created.
    Inline(Box<Environment>),
}

impl From<&str> for EnvironmentRef {
    fn from(id: &str) -> Self {
        EnvironmentRef::Id(id.to_owned())
    }
}

impl From<String> for EnvironmentRef {
    fn from(id: String) -> Self {
        EnvironmentRef::Id(id)
    }
}

impl From<&String> for EnvironmentRef {
    fn from(id: &String) -> Self {
        EnvironmentRef::Id(id.clone())
    }
}

impl From<Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: Environment) -> Self {
        match env.id {
            Some(id) => EnvironmentRef::Id(id),
            None => EnvironmentRef::Inline(Box::new(env)),
        }
    }
}

impl From<&Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: &Environment) -> Self {
        EnvironmentRef::from(env.clone())
    }
}

impl EnvironmentRef {
    /// The reference text, when this is a reference.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            EnvironmentRef::Id(id) => Some(id),
            EnvironmentRef::Inline(_) => None,
        }
    }
}

/// Scoring code: a folder (local, or a registered code version) and the script inside it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeConfiguration {
    /// Local folder path, or the ARM id of a code version.
    pub code: Option<String>,
    /// Script path relative to `code` (e.g. `score.py`).
    pub scoring_script: String,
}

impl CodeConfiguration {
    /// Code in `code` with entry script `scoring_script`.
    pub fn new(code: impl Into<String>, scoring_script: impl Into<String>) -> Self {
        CodeConfiguration {
            code: Some(code.into()),
            scoring_script: scoring_script.into(),
        }
    }
}
