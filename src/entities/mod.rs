//! Public, Python-shaped entities (the names of `azure.ai.ml.entities`).
//!
//! Plain structs with `pub` fields and chainable setters. Every resource entity deserializes
//! directly from the ARM JSON the service returns (the wire layer implements `Deserialize` for
//! them through its own types), so `serde_json::from_slice::<ManagedOnlineEndpoint>(body)`
//! works.

pub(crate) mod macros;

mod common;
mod compute;
mod container;
mod data_collector;
mod deployment;
mod endpoint;
mod enums;
mod environment;
mod keys;
mod model;
mod references;
mod settings;
mod workspace;

pub use common::{CreationContext, IdentityConfiguration, UserIdentity};
pub use compute::{KubernetesDeploymentCompute, KubernetesEndpointCompute, ManagedCompute};
pub use container::{AssetContainer, ListViewType};
pub use data_collector::{DataCollector, DeploymentCollection, RequestLogging};
pub use deployment::{
    KubernetesOnlineDeployment, ManagedOnlineDeployment, OnlineDeployment, OnlineDeploymentOf,
};
pub use endpoint::{
    KubernetesOnlineEndpoint, ManagedOnlineEndpoint, OnlineEndpoint, OnlineEndpointOf,
};
pub use enums::{
    AssetType, AuthMode, ContainerType, EndpointComputeType, IdentityType, KeyType,
    OperatingSystemType, ProvisioningState, PublicNetworkAccess, RollingRate,
};
pub use environment::{BuildContext, CondaFile, Environment, InferenceConfig, Route};
pub use keys::{DeploymentLogs, EndpointAuthKeys, EndpointAuthToken};
pub use model::Model;
pub use references::{CodeConfiguration, EnvironmentRef, ModelRef, Reference};
pub use settings::{
    DefaultScaleSettings, OnlineRequestSettings, ProbeSettings, ResourceRequirementsSettings,
    ResourceSettings, ScaleSettings, TargetUtilizationScaleSettings,
};
pub use workspace::{Datastore, DatastoreType, Workspace};

#[cfg(test)]
mod tests;
