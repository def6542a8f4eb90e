//! Online endpoints: managed and Kubernetes (Python `ManagedOnlineEndpoint`,
//! `KubernetesOnlineEndpoint`), one generic type over the kind, and the [`OnlineEndpoint`] enum
//! over both.

use std::any::Any;
use std::collections::BTreeMap;

use super::common::{CreationContext, IdentityConfiguration};
use super::compute::{KubernetesEndpointCompute, ManagedCompute};
use super::enums::{AuthMode, ProvisioningState, PublicNetworkAccess};
use super::macros::setters;

/// An online endpoint; `C` is what only its kind of compute has. Use the aliases
/// [`ManagedOnlineEndpoint`] and [`KubernetesOnlineEndpoint`].
///
/// `C` may be unsized only so that [`OnlineEndpoint`] can look at either kind as one
/// `OnlineEndpointOf<dyn Any>` when it reads a shared field, instead of matching per field.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct OnlineEndpointOf<C: ?Sized> {
    /// Endpoint name (unique in the region; 3–32 chars, letters, digits, `-`).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties (add-only on the service).
    pub properties: BTreeMap<String, String>,
    /// How scoring callers authenticate (default `Key`).
    pub auth_mode: AuthMode,
    /// Deployment name → percentage of live traffic.
    pub traffic: BTreeMap<String, u32>,
    /// Deployment name → percentage of traffic copied (shadowed) to it.
    pub mirror_traffic: BTreeMap<String, u32>,
    /// Managed identity (`SystemAssigned` is sent when `None`, like Python).
    pub identity: Option<IdentityConfiguration>,
    /// Inbound public network access.
    pub public_network_access: Option<PublicNetworkAccess>,
    /// ARM `kind` (read-only in practice).
    pub kind: Option<String>,
    /// Azure region; the workspace's when `None`.
    pub location: Option<String>,
    /// Scoring URL (read-only).
    pub scoring_uri: Option<String>,
    /// Swagger URL (read-only).
    pub swagger_uri: Option<String>,
    /// OpenAPI URL (read-only; Python's `openapi_uri`, same as `swagger_uri`).
    pub openapi_uri: Option<String>,
    /// Provisioning state (read-only).
    pub provisioning_state: Option<ProvisioningState>,
    /// ARM id (read-only).
    pub id: Option<String>,
    /// Creation / modification info (read-only).
    pub creation_context: Option<CreationContext>,
    /// What only this kind of endpoint has (last: the field an unsized view erases).
    pub compute: C,
}

/// An endpoint on Azure-managed compute.
///
/// ```
/// use azure_ai_ml::{AuthMode, ManagedOnlineEndpoint};
/// let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1")
///     .description("Real-time churn prediction")
///     .auth_mode(AuthMode::Key)
///     .tag("team", "data-science");
/// assert_eq!(endpoint.auth_mode, AuthMode::Key);
/// ```
pub type ManagedOnlineEndpoint = OnlineEndpointOf<ManagedCompute>;

/// An endpoint on an attached Kubernetes cluster.
///
/// ```
/// use azure_ai_ml::KubernetesOnlineEndpoint;
/// let endpoint = KubernetesOnlineEndpoint::new("churn-k8s").compute("k8s-compute");
/// assert_eq!(endpoint.compute.target.as_deref(), Some("k8s-compute"));
/// ```
pub type KubernetesOnlineEndpoint = OnlineEndpointOf<KubernetesEndpointCompute>;

impl<C: Default> OnlineEndpointOf<C> {
    /// An endpoint named `name` with Python's defaults (key auth, no traffic).
    pub fn new(name: impl Into<String>) -> Self {
        OnlineEndpointOf {
            name: name.into(),
            ..Default::default()
        }
    }
}

impl<C> OnlineEndpointOf<C> {
    setters!(into: name: String, auth_mode: AuthMode);
    setters!(some:
        description: String,
        kind: String,
        location: String,
        identity: IdentityConfiguration,
        public_network_access: PublicNetworkAccess,
    );
    setters!(map: tags / tag, properties / property);

    /// Replaces the traffic split.
    pub fn traffic<K: Into<String>>(mut self, split: impl IntoIterator<Item = (K, u32)>) -> Self {
        self.traffic = split.into_iter().map(|(k, v)| (k.into(), v)).collect();
        self
    }

    /// Replaces the mirror-traffic split.
    pub fn mirror_traffic<K: Into<String>>(
        mut self,
        split: impl IntoIterator<Item = (K, u32)>,
    ) -> Self {
        self.mirror_traffic = split.into_iter().map(|(k, v)| (k.into(), v)).collect();
        self
    }
}

impl KubernetesOnlineEndpoint {
    /// Sets the attached compute: its name, `azureml:name` or full ARM id.
    pub fn compute(mut self, target: impl Into<String>) -> Self {
        self.compute.target = Some(target.into());
        self
    }
}

/// Either kind of online endpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum OnlineEndpoint {
    /// Managed compute.
    Managed(ManagedOnlineEndpoint),
    /// Kubernetes compute.
    Kubernetes(KubernetesOnlineEndpoint),
}

impl From<ManagedOnlineEndpoint> for OnlineEndpoint {
    fn from(value: ManagedOnlineEndpoint) -> Self {
        OnlineEndpoint::Managed(value)
    }
}

impl From<KubernetesOnlineEndpoint> for OnlineEndpoint {
    fn from(value: KubernetesOnlineEndpoint) -> Self {
        OnlineEndpoint::Kubernetes(value)
    }
}

/// By reference (cloning), so operations can take `impl Into<OnlineEndpoint>` of a borrowed
/// endpoint of either kind.
impl<T: Clone + Into<OnlineEndpoint>> From<&T> for OnlineEndpoint {
    fn from(value: &T) -> Self {
        value.clone().into()
    }
}

impl OnlineEndpoint {
    /// The fields both kinds share.
    pub(crate) fn shared(&self) -> &OnlineEndpointOf<dyn Any> {
        match self {
            OnlineEndpoint::Managed(e) => e,
            OnlineEndpoint::Kubernetes(e) => e,
        }
    }

    fn shared_mut(&mut self) -> &mut OnlineEndpointOf<dyn Any> {
        match self {
            OnlineEndpoint::Managed(e) => e,
            OnlineEndpoint::Kubernetes(e) => e,
        }
    }

    /// Endpoint name.
    pub fn name(&self) -> &str {
        &self.shared().name
    }

    /// Traffic split.
    pub fn traffic(&self) -> &BTreeMap<String, u32> {
        &self.shared().traffic
    }

    /// Mutable traffic split.
    pub fn traffic_mut(&mut self) -> &mut BTreeMap<String, u32> {
        &mut self.shared_mut().traffic
    }

    /// Mirror-traffic split.
    pub fn mirror_traffic(&self) -> &BTreeMap<String, u32> {
        &self.shared().mirror_traffic
    }

    /// Mutable mirror-traffic split.
    pub fn mirror_traffic_mut(&mut self) -> &mut BTreeMap<String, u32> {
        &mut self.shared_mut().mirror_traffic
    }

    /// Scoring URL, once provisioned.
    pub fn scoring_uri(&self) -> Option<&str> {
        self.shared().scoring_uri.as_deref()
    }

    /// Auth mode.
    pub fn auth_mode(&self) -> &AuthMode {
        &self.shared().auth_mode
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.shared().description.as_deref()
    }

    /// Tags.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.shared().tags
    }

    /// Identity.
    pub fn identity(&self) -> Option<&IdentityConfiguration> {
        self.shared().identity.as_ref()
    }

    /// Location, if set.
    pub fn location(&self) -> Option<&str> {
        self.shared().location.as_deref()
    }

    /// Provisioning state.
    pub fn provisioning_state(&self) -> Option<&ProvisioningState> {
        self.shared().provisioning_state.as_ref()
    }

    /// The swagger (OpenAPI) URI, once provisioned.
    pub fn swagger_uri(&self) -> Option<&str> {
        self.shared().swagger_uri.as_deref()
    }

    /// ARM id.
    pub fn id(&self) -> Option<&str> {
        self.shared().id.as_deref()
    }

    /// The managed endpoint, if this is one.
    pub fn as_managed(&self) -> Option<&ManagedOnlineEndpoint> {
        match self {
            OnlineEndpoint::Managed(e) => Some(e),
            OnlineEndpoint::Kubernetes(_) => None,
        }
    }

    /// The Kubernetes endpoint, if this is one.
    pub fn as_kubernetes(&self) -> Option<&KubernetesOnlineEndpoint> {
        match self {
            OnlineEndpoint::Kubernetes(e) => Some(e),
            OnlineEndpoint::Managed(_) => None,
        }
    }

    /// True for a Kubernetes endpoint.
    pub fn is_kubernetes(&self) -> bool {
        matches!(self, OnlineEndpoint::Kubernetes(_))
    }
}
