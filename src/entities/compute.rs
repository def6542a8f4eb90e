//! What only one kind of endpoint or deployment has: the `compute` part of
//! [`OnlineEndpointOf`](super::OnlineEndpointOf) and
//! [`OnlineDeploymentOf`](super::OnlineDeploymentOf).

use super::settings::ResourceRequirementsSettings;

/// Azure-managed compute: nothing beyond the shared fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManagedCompute {}

/// The Kubernetes cluster an endpoint runs on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KubernetesEndpointCompute {
    /// The attached compute: its name, `azureml:name` or full ARM id.
    pub target: Option<String>,
}

/// What a deployment on Kubernetes asks of its cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KubernetesDeploymentCompute {
    /// Container resource requests and limits.
    pub resources: Option<ResourceRequirementsSettings>,
}
