//! Model, environment, code and data versions ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::common::{id_segment, lenient_string_map, string_map, SystemDataWire};
use crate::entities::{
    AssetType, BuildContext, CondaFile, Environment, InferenceConfig, Model, OperatingSystemType,
    ProvisioningState, Route,
};
use crate::{Error, Result};

/// ARM `ModelVersion` resource.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelVersionWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: ModelVersionPropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelVersionPropertiesWire {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    model_type: Option<AssetType>,
    #[serde(default)]
    model_uri: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    job_name: Option<String>,
    #[serde(default)]
    flavors: Option<BTreeMap<String, Option<FlavorWire>>>,
    #[serde(default)]
    provisioning_state: Option<ProvisioningState>,
}

#[derive(Debug, Default, Deserialize)]
struct FlavorWire {
    #[serde(default, deserialize_with = "lenient_string_map")]
    data: BTreeMap<String, String>,
}

impl From<ModelVersionWire> for Model {
    /// The model name is the container segment of the id (`…/models/{name}/versions/{v}`);
    /// the ARM `name` of a version resource is its version.
    fn from(w: ModelVersionWire) -> Self {
        let p = w.properties;
        let mut m = Model::new(id_segment(w.id.as_deref(), "models").unwrap_or_default());
        m.version = w.name;
        m.path = p.model_uri;
        m.model_type = p.model_type.unwrap_or_default();
        m.description = p.description;
        m.tags = p.tags;
        m.properties = p.properties;
        m.stage = p.stage;
        m.job_name = p.job_name;
        m.flavors = p
            .flavors
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.map(|f| f.data).unwrap_or_default()))
            .collect();
        m.provisioning_state = p.provisioning_state;
        m.id = w.id;
        m.creation_context = w.system_data.map(Into::into);
        m
    }
}

/// ARM `EnvironmentVersion` resource.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentVersionWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: EnvironmentVersionPropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvironmentVersionPropertiesWire {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    conda_file: Option<String>,
    #[serde(default)]
    build: Option<BuildWire>,
    #[serde(default)]
    os_type: Option<OperatingSystemType>,
    #[serde(default)]
    inference_config: Option<InferenceConfigWire>,
    #[serde(default)]
    provisioning_state: Option<ProvisioningState>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuildWire {
    #[serde(default)]
    context_uri: Option<String>,
    #[serde(default)]
    dockerfile_path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InferenceConfigWire {
    #[serde(default)]
    liveness_route: Option<RouteWire>,
    #[serde(default)]
    readiness_route: Option<RouteWire>,
    #[serde(default)]
    scoring_route: Option<RouteWire>,
    #[serde(default)]
    startup_route: Option<RouteWire>,
}

#[derive(Debug, Default, Deserialize)]
struct RouteWire {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    port: Option<i32>,
}

impl From<RouteWire> for Route {
    fn from(w: RouteWire) -> Self {
        Route::new(w.path.unwrap_or_default(), w.port.unwrap_or_default())
    }
}

impl From<EnvironmentVersionWire> for Environment {
    fn from(w: EnvironmentVersionWire) -> Self {
        let p = w.properties;
        let mut e =
            Environment::new(id_segment(w.id.as_deref(), "environments").unwrap_or_default());
        e.version = w.name;
        e.image = p.image;
        // The service returns the YAML text; keep it parsed (text that isn't YAML stays a string).
        e.conda_file = p.conda_file.map(|text| {
            CondaFile::Inline(
                yaml_serde::from_str(&text).unwrap_or(yaml_serde::Value::String(text)),
            )
        });
        e.build = p.build.map(|b| {
            let mut ctx = BuildContext::new(b.context_uri.unwrap_or_default());
            ctx.dockerfile_path = b.dockerfile_path;
            ctx
        });
        e.description = p.description;
        e.tags = p.tags;
        e.properties = p.properties;
        e.os_type = p.os_type;
        e.inference_config = p.inference_config.map(|c| {
            let mut ic = InferenceConfig::new();
            ic.liveness_route = c.liveness_route.map(Into::into);
            ic.readiness_route = c.readiness_route.map(Into::into);
            ic.scoring_route = c.scoring_route.map(Into::into);
            ic.startup_route = c.startup_route.map(Into::into);
            ic
        });
        e.provisioning_state = p.provisioning_state;
        e.id = w.id;
        e.creation_context = w.system_data.map(Into::into);
        e
    }
}

/// ARM `ModelContainer` / `EnvironmentContainer` / `CodeContainer` (what the operations need).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelContainer {
    /// ARM id.
    #[serde(default)]
    pub id: Option<String>,
    /// Container name.
    #[serde(default)]
    pub name: Option<String>,
    /// Container properties.
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    pub properties: ContainerProperties,
}

/// Properties of an asset container.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerProperties {
    /// Latest version (read-only).
    #[serde(default)]
    pub latest_version: Option<String>,
    /// Next version the service would assign (read-only).
    #[serde(default)]
    pub next_version: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Archived flag.
    #[serde(default)]
    pub is_archived: Option<bool>,
}

/// ARM `CodeVersion` resource.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeVersionResource {
    /// ARM id (`…/codes/{name}/versions/{version}`).
    #[serde(default)]
    pub id: Option<String>,
    /// The version.
    #[serde(default)]
    pub name: Option<String>,
    /// Properties.
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    pub properties: CodeVersionProperties,
}

/// Properties of a code version.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeVersionProperties {
    /// Blob folder URI of the code.
    #[serde(default)]
    pub code_uri: Option<String>,
    /// Anonymous (content-addressed) code asset.
    #[serde(default)]
    pub is_anonymous: Option<bool>,
    /// Properties (`hash_sha256`, `hash_version`, ...).
    #[serde(default, deserialize_with = "lenient_string_map")]
    pub properties: BTreeMap<String, String>,
    /// Provisioning state.
    #[serde(default)]
    pub provisioning_state: Option<ProvisioningState>,
}

impl CodeVersionResource {
    /// Code asset name from the id.
    pub fn code_name(&self) -> Option<String> {
        id_segment(self.id.as_deref(), "codes")
    }
}

/// Body of a model version PUT (`path` must already be a datastore / https URI).
pub(crate) fn model_version_body(model: &Model) -> Result<Value> {
    model_version_body_with(model, false)
}

/// Body of an anonymous model version PUT (a model defined inline in a deployment).
pub(crate) fn anonymous_model_version_body(model: &Model) -> Result<Value> {
    model_version_body_with(model, true)
}

fn model_version_body_with(model: &Model, anonymous: bool) -> Result<Value> {
    let uri = model
        .path
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::validation("path", "is required to register a model"))?;
    let mut props = Map::new();
    if let Some(d) = &model.description {
        props.insert("description".into(), d.as_str().into());
    }
    props.insert("tags".into(), string_map(&model.tags));
    props.insert("properties".into(), string_map(&model.properties));
    if !model.flavors.is_empty() {
        let flavors: Map<String, Value> = model
            .flavors
            .iter()
            .map(|(k, data)| (k.clone(), json!({ "data": string_map(data) })))
            .collect();
        props.insert("flavors".into(), flavors.into());
    }
    props.insert("modelType".into(), model.model_type.as_str().into());
    props.insert("modelUri".into(), uri.into());
    if let Some(job) = &model.job_name {
        props.insert("jobName".into(), job.as_str().into());
    }
    if let Some(stage) = &model.stage {
        props.insert("stage".into(), stage.as_str().into());
    }
    props.insert("isAnonymous".into(), anonymous.into());
    props.insert("isArchived".into(), false.into());
    Ok(json!({ "properties": props }))
}

/// The conda file as Python sends it: YAML re-dumped with sorted keys (read from disk if needed).
pub(crate) fn conda_text(conda: &CondaFile) -> Result<String> {
    let value = match conda {
        CondaFile::Inline(value) => value.clone(),
        CondaFile::Path(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.clone(), e))?;
            yaml_serde::from_str::<yaml_serde::Value>(&text).map_err(|e| {
                Error::validation(
                    "conda_file",
                    format!("`{}` is not valid YAML: {e}", path.display()),
                )
            })?
        }
    };
    Ok(super::conda::dump(&value))
}

/// Body of an environment version PUT (build context `path` must already be the uploaded URI).
pub(crate) fn environment_version_body(env: &Environment) -> Result<Value> {
    environment_version_body_with(env, false)
}

/// Body of an anonymous environment version PUT (an environment defined inline in a deployment).
pub(crate) fn anonymous_environment_version_body(env: &Environment) -> Result<Value> {
    environment_version_body_with(env, true)
}

fn environment_version_body_with(env: &Environment, anonymous: bool) -> Result<Value> {
    let mut props = Map::new();
    if let Some(conda) = &env.conda_file {
        props.insert("condaFile".into(), conda_text(conda)?.into());
    }
    if let Some(image) = &env.image {
        props.insert("image".into(), image.as_str().into());
    }
    if let Some(build) = &env.build {
        let mut b = Map::new();
        b.insert("contextUri".into(), build.path.as_str().into());
        if let Some(df) = &build.dockerfile_path {
            b.insert("dockerfilePath".into(), df.as_str().into());
        }
        props.insert("build".into(), b.into());
    }
    if let Some(os) = &env.os_type {
        props.insert("osType".into(), os.as_str().into());
    }
    if let Some(ic) = &env.inference_config {
        let mut m = Map::new();
        for (key, route) in [
            ("livenessRoute", &ic.liveness_route),
            ("readinessRoute", &ic.readiness_route),
            ("scoringRoute", &ic.scoring_route),
            ("startupRoute", &ic.startup_route),
        ] {
            if let Some(r) = route {
                m.insert(key.into(), json!({ "path": r.path, "port": r.port }));
            }
        }
        props.insert("inferenceConfig".into(), m.into());
    }
    props.insert("isAnonymous".into(), anonymous.into());
    props.insert("isArchived".into(), false.into());
    if let Some(d) = &env.description {
        props.insert("description".into(), d.as_str().into());
    }
    // Python leaves empty tags/properties out of environment bodies.
    if !env.tags.is_empty() {
        props.insert("tags".into(), string_map(&env.tags));
    }
    if !env.properties.is_empty() {
        props.insert("properties".into(), string_map(&env.properties));
    }
    Ok(json!({ "properties": props }))
}

/// Body of an anonymous code version PUT (flow.jsonl seq 22).
pub(crate) fn code_version_body(code_uri: &str, hash_sha256: &str) -> Value {
    json!({
        "properties": {
            "codeUri": code_uri,
            "isAnonymous": true,
            "properties": { "hash_sha256": hash_sha256, "hash_version": 202208 }
        }
    })
}

/// Body of a `uri_folder` data version PUT (data-collector assets, flow.jsonl seq 41).
pub(crate) fn data_version_body(data_uri: &str) -> Value {
    json!({
        "properties": {
            "isAnonymous": false,
            "tags": {},
            "isArchived": false,
            "properties": {},
            "dataUri": data_uri,
            "dataType": "uri_folder"
        }
    })
}
