//! The private wire layer: ARM JSON ⇄ entities for api-version 2025-12-01.
//!
//! Responses decode through the `*Wire` types (entities use them via `#[serde(from = …)]`);
//! request bodies are built by the functions below as `serde_json::Value`s that equal what
//! Python azure-ai-ml 1.35.2 sends (`oracle/bodies/*.json`).

mod assets;
mod common;
mod conda;
mod deployment;
pub(crate) mod duration;
mod endpoint;
mod misc;
pub mod private_api;

pub use assets::{
    CodeVersionProperties, CodeVersionResource, ContainerProperties, EnvironmentVersionWire,
    ModelContainer, ModelVersionWire,
};
pub use common::ArmList;
pub use deployment::OnlineDeploymentWire;
pub use endpoint::OnlineEndpointWire;
pub use misc::{
    BlobReference, DatastoreSecrets, DatastoreWire, PendingUploadCredential, PendingUploadResponse,
    SkuResource, WorkspaceWire,
};

pub(crate) use assets::{
    anonymous_environment_version_body, anonymous_model_version_body, code_version_body,
    conda_text, data_version_body, environment_version_body, model_version_body,
};
pub(crate) use deployment::online_deployment_body;
pub(crate) use endpoint::{
    online_endpoint_body, online_endpoint_traffic_update_body, strip_traffic,
};
pub(crate) use misc::{
    get_logs_body, list_secrets_body, regenerate_keys_body, start_pending_upload_body,
};
