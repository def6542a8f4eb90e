//! The private wire layer: ARM JSON ⇄ entities for api-version 2025-12-01.
//!
//! One typed struct per ARM body, used both ways: answers decode through them (the entities'
//! `Deserialize` impls in `decode.rs` go through the `From` impls here; `entities` names no wire
//! type), and request bodies are the same structs,
//! serialized to what Python azure-ai-ml 1.35.2 sends (`oracle/bodies/*.json`). Every resource
//! shares one envelope, [`resource::ArmResource`].

mod actions;
mod assets;
mod common;
mod conda;
mod container;
mod decode;
mod deployment;
mod deployment_settings;
pub(crate) mod duration;
mod endpoint;
mod environment;
mod model;
mod resource;
mod workspace;

use serde::Serialize;

use crate::{Error, Result};

pub(crate) use actions::PendingUploadResponse;
pub(crate) use assets::{ArchiveBody, CodeVersionResource, ModelContainer};
pub(crate) use common::ArmList;
pub(crate) use workspace::DatastoreSecrets;
// The tests' names for the anonymous and named version bodies.
#[cfg(test)]
pub(crate) use {
    endpoint::online_endpoint_traffic_update_body,
    environment::{anonymous_environment_version_body, environment_version_body},
    model::{anonymous_model_version_body, model_version_body},
    workspace::SkuResource,
};

pub(crate) use actions::{
    get_logs_body, list_secrets_body, regenerate_keys_body, start_pending_upload_body,
};
pub(crate) use assets::{code_version_body, data_version_body};
pub(crate) use container::AssetContainerResource;
pub(crate) use deployment::{online_deployment_body, OnlineDeploymentResource};
pub(crate) use endpoint::{online_endpoint_body, strip_traffic, OnlineEndpointResource};
pub(crate) use environment::{environment_version_body_with, EnvironmentVersionResource};
pub(crate) use model::{model_version_body_with, ModelVersionResource};
pub(crate) use workspace::{DatastoreResource, WorkspaceResource};

/// A typed body as JSON, for the ARM layer (which takes `serde_json::Value` bodies).
pub(crate) fn to_value(body: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(body)
        .map_err(|e| Error::other(format!("could not serialize request body: {e}")))
}

#[cfg(test)]
mod tests;
