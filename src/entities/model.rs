//! `Model`: a registered model version (Python `azure.ai.ml.entities.Model`).

use std::collections::BTreeMap;

use super::common::CreationContext;
use super::enums::{AssetType, ProvisioningState};
use super::macros::setters;

/// A model version: a file or folder (local before registration, a datastore URI after).
///
/// ```
/// use azure_ai_ml::Model;
/// let model = Model::new("customer-churn-model")
///     .path("./model/model.pkl")
///     .description("Gradient boosting classifier")
///     .tag("framework", "sklearn");
/// assert_eq!(model.name, "customer-churn-model");
/// ```
///
/// Deserializes directly from an ARM `ModelVersion` resource (name taken from the id).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Model {
    /// Model (container) name.
    pub name: String,
    /// Version; `None` lets `create_or_update` pick latest + 1.
    pub version: Option<String>,
    /// Local file/folder path, or an `azureml://` / `https://` URI of already-stored content.
    pub path: Option<String>,
    /// Model type (`custom_model` by default, like Python).
    pub model_type: AssetType,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties (add-only on the service).
    pub properties: BTreeMap<String, String>,
    /// Stage (e.g. `Production`).
    pub stage: Option<String>,
    /// MLflow flavors: flavor name → its data.
    pub flavors: BTreeMap<String, BTreeMap<String, String>>,
    /// Job that produced the model.
    pub job_name: Option<String>,
    /// ARM id of the version (read-only).
    pub id: Option<String>,
    /// Provisioning state (read-only).
    pub provisioning_state: Option<ProvisioningState>,
    /// Creation / modification info (read-only).
    pub creation_context: Option<CreationContext>,
}

impl Model {
    /// A model named `name` (type `custom_model`).
    pub fn new(name: impl Into<String>) -> Self {
        Model {
            name: name.into(),
            ..Default::default()
        }
    }

    setters!(into: name: String, model_type: AssetType);
    setters!(some:
        version: String,
        path: String,
        description: String,
        stage: String,
        job_name: String,
    );
    setters!(map: tags / tag, properties / property);

    /// Adds an MLflow flavor with its data.
    pub fn flavor<K: Into<String>, V: Into<String>>(
        mut self,
        name: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.flavors.insert(
            name.into(),
            data.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// The ARM id, once registered.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
