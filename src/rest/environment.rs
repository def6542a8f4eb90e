//! Environment versions ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{id_segment, lenient_string_map};
use super::resource::ArmResource;
use crate::entities::{
    BuildContext, CondaFile, Environment, InferenceConfig, OperatingSystemType, ProvisioningState,
    Route,
};
use crate::{Error, Result};

/// ARM `EnvironmentVersion` resource (its `name` is the version).
pub(crate) type EnvironmentVersionResource = ArmResource<EnvironmentVersionProperties>;

/// ARM `EnvironmentVersion.properties`, in the order Python writes them. The serialized text
/// also names anonymous environments (see `operations::environments`), so the order is part of
/// what keeps those names stable.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct EnvironmentVersionProperties {
    conda_file: Option<String>,
    image: Option<String>,
    build: Option<BuildWire>,
    os_type: Option<OperatingSystemType>,
    inference_config: Option<InferenceConfigWire>,
    is_anonymous: Option<bool>,
    is_archived: Option<bool>,
    description: Option<String>,
    /// Python leaves empty tags/properties out of environment bodies.
    #[serde(
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    tags: BTreeMap<String, String>,
    #[serde(
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    properties: BTreeMap<String, String>,
    #[serde(skip_serializing)]
    provisioning_state: Option<ProvisioningState>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct BuildWire {
    #[serde(deserialize_with = "crate::error::null_as_default")]
    context_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile_path: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct InferenceConfigWire {
    liveness_route: Option<RouteWire>,
    readiness_route: Option<RouteWire>,
    scoring_route: Option<RouteWire>,
    startup_route: Option<RouteWire>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct RouteWire {
    #[serde(deserialize_with = "crate::error::null_as_default")]
    path: String,
    #[serde(deserialize_with = "crate::error::null_as_default")]
    port: i32,
}

impl From<RouteWire> for Route {
    fn from(w: RouteWire) -> Self {
        Route::new(w.path, w.port)
    }
}

impl From<&Route> for RouteWire {
    fn from(r: &Route) -> Self {
        RouteWire {
            path: r.path.clone(),
            port: r.port,
        }
    }
}

impl From<EnvironmentVersionResource> for Environment {
    fn from(w: EnvironmentVersionResource) -> Self {
        let p = w.properties;
        Environment {
            name: id_segment(w.id.as_deref(), "environments").unwrap_or_default(),
            version: w.name,
            image: p.image,
            // The service returns the YAML text; keep it parsed (text that isn't YAML stays a
            // string).
            conda_file: p.conda_file.map(|text| {
                CondaFile::Inline(
                    yaml_serde::from_str(&text).unwrap_or(yaml_serde::Value::String(text)),
                )
            }),
            build: p.build.map(|b| BuildContext {
                path: b.context_uri,
                dockerfile_path: b.dockerfile_path,
            }),
            description: p.description,
            tags: p.tags,
            properties: p.properties,
            os_type: p.os_type,
            inference_config: p.inference_config.map(|c| InferenceConfig {
                liveness_route: c.liveness_route.map(Into::into),
                readiness_route: c.readiness_route.map(Into::into),
                scoring_route: c.scoring_route.map(Into::into),
                startup_route: c.startup_route.map(Into::into),
            }),
            id: w.id,
            provisioning_state: p.provisioning_state,
            creation_context: w.system_data.map(Into::into),
        }
    }
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
#[cfg(test)]
pub(crate) fn environment_version_body(env: &Environment) -> Result<EnvironmentVersionResource> {
    environment_version_body_with(env, false)
}

/// Body of an anonymous environment version PUT (an environment defined inline in a deployment).
#[cfg(test)]
pub(crate) fn anonymous_environment_version_body(
    env: &Environment,
) -> Result<EnvironmentVersionResource> {
    environment_version_body_with(env, true)
}

/// Body of an environment version PUT (build context `path` must already be the uploaded URI);
/// an anonymous one for an environment defined inline in a deployment.
pub(crate) fn environment_version_body_with(
    env: &Environment,
    anonymous: bool,
) -> Result<EnvironmentVersionResource> {
    let route = |r: &Option<Route>| r.as_ref().map(RouteWire::from);
    let properties = EnvironmentVersionProperties {
        conda_file: env.conda_file.as_ref().map(conda_text).transpose()?,
        image: env.image.clone(),
        build: env.build.as_ref().map(|b| BuildWire {
            context_uri: b.path.clone(),
            dockerfile_path: b.dockerfile_path.clone(),
        }),
        os_type: env.os_type.clone(),
        inference_config: env.inference_config.as_ref().map(|c| InferenceConfigWire {
            liveness_route: route(&c.liveness_route),
            readiness_route: route(&c.readiness_route),
            scoring_route: route(&c.scoring_route),
            startup_route: route(&c.startup_route),
        }),
        is_anonymous: Some(anonymous),
        is_archived: Some(false),
        description: env.description.clone(),
        tags: env.tags.clone(),
        properties: env.properties.clone(),
        provisioning_state: None,
    };
    Ok(ArmResource::body(None, properties))
}
