//! Entities decode from the ARM JSON the service answers through their wire types: the
//! conversion lives here, on the wire side, so `entities` names nothing of `rest`.

use serde::{Deserialize, Deserializer};

use super::{
    AssetContainerResource, DatastoreResource, EnvironmentVersionResource, ModelVersionResource,
    OnlineDeploymentResource, OnlineEndpointResource, WorkspaceResource,
};
use crate::entities::{
    AssetContainer, Datastore, Environment, KubernetesOnlineDeployment, KubernetesOnlineEndpoint,
    ManagedOnlineDeployment, ManagedOnlineEndpoint, Model, OnlineDeployment, OnlineEndpoint,
    Workspace,
};

/// `impl Deserialize for Entity`: decode the wire type, then convert (`From<Wire>`).
macro_rules! deserialize_via {
    ($($entity:ty => $wire:ty),+ $(,)?) => {$(
        impl<'de> Deserialize<'de> for $entity {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$wire>::deserialize(d).map(Self::from)
            }
        }
    )+};
}

deserialize_via! {
    Model => ModelVersionResource,
    Environment => EnvironmentVersionResource,
    Workspace => WorkspaceResource,
    AssetContainer => AssetContainerResource,
    Datastore => DatastoreResource,
    OnlineEndpoint => OnlineEndpointResource,
    ManagedOnlineEndpoint => OnlineEndpointResource,
    KubernetesOnlineEndpoint => OnlineEndpointResource,
    OnlineDeployment => OnlineDeploymentResource,
    ManagedOnlineDeployment => OnlineDeploymentResource,
    KubernetesOnlineDeployment => OnlineDeploymentResource,
}
