//! What a deployment serves and runs: model and environment references (registered or inline)
//! and the scoring code.

use super::environment::Environment;
use super::model::Model;

/// A model or environment a deployment uses: a registered version, or one to register. Use the
/// aliases [`ModelRef`] and [`EnvironmentRef`].
#[derive(Clone, Debug, PartialEq)]
pub enum Reference<T> {
    /// ARM id, `azureml:name:version`, `azureml:name@latest` or a registry URI.
    Id(String),
    /// An asset registered (anonymously if unnamed) when the deployment is created.
    Inline(Box<T>),
}

/// The model a deployment serves.
pub type ModelRef = Reference<Model>;

/// The environment a deployment runs in.
pub type EnvironmentRef = Reference<Environment>;

impl<T> Reference<T> {
    /// The reference text, when this is a reference.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            Reference::Id(id) => Some(id),
            Reference::Inline(_) => None,
        }
    }

    /// A registered asset (one with an id) becomes a reference; otherwise it is inlined.
    fn registered_or_inline(id: Option<String>, asset: T) -> Self {
        match id {
            Some(id) => Reference::Id(id),
            None => Reference::Inline(Box::new(asset)),
        }
    }
}

impl<T> From<&str> for Reference<T> {
    fn from(id: &str) -> Self {
        Reference::Id(id.to_owned())
    }
}

impl<T> From<String> for Reference<T> {
    fn from(id: String) -> Self {
        Reference::Id(id)
    }
}

impl<T> From<&String> for Reference<T> {
    fn from(id: &String) -> Self {
        Reference::Id(id.clone())
    }
}

impl From<Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: Model) -> Self {
        Reference::registered_or_inline(model.id.clone(), model)
    }
}

impl From<&Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: &Model) -> Self {
        ModelRef::from(model.clone())
    }
}

impl From<Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: Environment) -> Self {
        Reference::registered_or_inline(env.id.clone(), env)
    }
}

impl From<&Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: &Environment) -> Self {
        EnvironmentRef::from(env.clone())
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
