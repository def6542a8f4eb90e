//! Model versions ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{id_segment, lenient_object_map, lenient_string_map};
use super::resource::ArmResource;
use crate::entities::{AssetType, Model, ProvisioningState};
use crate::{Error, Result};

/// ARM `ModelVersion` resource (its `name` is the version).
pub(crate) type ModelVersionResource = ArmResource<ModelVersionProperties>;

/// ARM `ModelVersion.properties`, in the order Python writes them.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ModelVersionProperties {
    description: Option<String>,
    #[serde(deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(
        deserialize_with = "lenient_object_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    flavors: BTreeMap<String, FlavorWire>,
    model_type: Option<AssetType>,
    model_uri: Option<String>,
    job_name: Option<String>,
    stage: Option<String>,
    is_anonymous: Option<bool>,
    is_archived: Option<bool>,
    #[serde(skip_serializing)]
    provisioning_state: Option<ProvisioningState>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct FlavorWire {
    #[serde(deserialize_with = "lenient_string_map")]
    data: BTreeMap<String, String>,
}

impl From<ModelVersionResource> for Model {
    /// The model name is the container segment of the id (`…/models/{name}/versions/{v}`);
    /// the ARM `name` of a version resource is its version.
    fn from(w: ModelVersionResource) -> Self {
        let p = w.properties;
        Model {
            name: id_segment(w.id.as_deref(), "models").unwrap_or_default(),
            version: w.name,
            path: p.model_uri,
            model_type: p.model_type.unwrap_or_default(),
            description: p.description,
            tags: p.tags,
            properties: p.properties,
            stage: p.stage,
            flavors: p.flavors.into_iter().map(|(k, f)| (k, f.data)).collect(),
            job_name: p.job_name,
            id: w.id,
            provisioning_state: p.provisioning_state,
            creation_context: w.system_data.map(Into::into),
        }
    }
}

/// Body of a model version PUT (`path` must already be a datastore / https URI).
#[cfg(test)]
pub(crate) fn model_version_body(model: &Model) -> Result<ModelVersionResource> {
    model_version_body_with(model, false)
}

/// Body of an anonymous model version PUT (a model defined inline in a deployment).
#[cfg(test)]
pub(crate) fn anonymous_model_version_body(model: &Model) -> Result<ModelVersionResource> {
    model_version_body_with(model, true)
}

/// Body of a model version PUT (`path` must already be a datastore / https URI); an anonymous
/// one for a model defined inline in a deployment.
pub(crate) fn model_version_body_with(
    model: &Model,
    anonymous: bool,
) -> Result<ModelVersionResource> {
    let uri = model
        .path
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::validation("path", "is required to register a model"))?;
    let properties = ModelVersionProperties {
        description: model.description.clone(),
        tags: model.tags.clone(),
        properties: model.properties.clone(),
        flavors: model
            .flavors
            .iter()
            .map(|(k, data)| (k.clone(), FlavorWire { data: data.clone() }))
            .collect(),
        model_type: Some(model.model_type.clone()),
        model_uri: Some(uri.to_owned()),
        job_name: model.job_name.clone(),
        stage: model.stage.clone(),
        is_anonymous: Some(anonymous),
        is_archived: Some(false),
        provisioning_state: None,
    };
    Ok(ArmResource::body(None, properties))
}
