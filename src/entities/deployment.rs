//! Online deployments (Python `ManagedOnlineDeployment`, `KubernetesOnlineDeployment`), one
//! generic type over the kind, and the [`OnlineDeployment`] enum over both.

use std::any::Any;
use std::collections::BTreeMap;

use super::common::CreationContext;
use super::compute::{KubernetesDeploymentCompute, ManagedCompute};
use super::data_collector::DataCollector;
use super::enums::{ProvisioningState, PublicNetworkAccess};
use super::macros::setters;
use super::references::{CodeConfiguration, EnvironmentRef, ModelRef};
use super::settings::{
    OnlineRequestSettings, ProbeSettings, ResourceRequirementsSettings, ScaleSettings,
};

/// An online deployment; `C` is what only its kind of compute has. Use the aliases
/// [`ManagedOnlineDeployment`] and [`KubernetesOnlineDeployment`].
///
/// `C` may be unsized only so that [`OnlineDeployment`] can look at either kind as one
/// `OnlineDeploymentOf<dyn Any>` when it reads a shared field, instead of matching per field.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct OnlineDeploymentOf<C: ?Sized> {
    /// Deployment name (3–32 chars, letters, digits, `-`).
    pub name: String,
    /// Name of the endpoint the deployment belongs to.
    pub endpoint_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Properties (add-only on the service).
    pub properties: BTreeMap<String, String>,
    /// The model served.
    pub model: Option<ModelRef>,
    /// The environment.
    pub environment: Option<EnvironmentRef>,
    /// Scoring code.
    pub code_configuration: Option<CodeConfiguration>,
    /// Environment variables of the scoring container.
    pub environment_variables: BTreeMap<String, String>,
    /// Send logs/metrics to Application Insights.
    pub app_insights_enabled: bool,
    /// Scaling.
    pub scale_settings: Option<ScaleSettings>,
    /// Request limits.
    pub request_settings: Option<OnlineRequestSettings>,
    /// Liveness probe.
    pub liveness_probe: Option<ProbeSettings>,
    /// Readiness probe.
    pub readiness_probe: Option<ProbeSettings>,
    /// Startup probe.
    pub startup_probe: Option<ProbeSettings>,
    /// VM / instance type (e.g. `Standard_DS3_v2`).
    pub instance_type: Option<String>,
    /// Number of instances (`sku.capacity`).
    pub instance_count: Option<u32>,
    /// Outbound public network access.
    pub egress_public_network_access: Option<PublicNetworkAccess>,
    /// Model data collection.
    pub data_collector: Option<DataCollector>,
    /// Where the model is mounted in the container.
    pub model_mount_path: Option<String>,
    /// ARM `kind` (read-only in practice).
    pub kind: Option<String>,
    /// Azure region (read-only; the endpoint's location is sent).
    pub location: Option<String>,
    /// Provisioning state (read-only).
    pub provisioning_state: Option<ProvisioningState>,
    /// ARM id (read-only).
    pub id: Option<String>,
    /// Creation / modification info (read-only).
    pub creation_context: Option<CreationContext>,
    /// Client-side only, never sent: skip the syntax check of a local scoring script before
    /// the upload (Python's `begin_create_or_update(deployment, skip_script_validation=True)`,
    /// the CLI's `--skip-script-validation`). Default `false`.
    pub skip_script_validation: bool,
    /// What only this kind of deployment has (last: the field an unsized view erases).
    pub compute: C,
}

/// A deployment on Azure-managed compute.
///
/// ```
/// use azure_ai_ml::{CodeConfiguration, ManagedOnlineDeployment, ProbeSettings};
/// let blue = ManagedOnlineDeployment::new("blue")
///     .endpoint_name("churn-prediction-v1")
///     .model("azureml:customer-churn-model:1")
///     .environment("azureml:churn-model-env:1")
///     .code_configuration(CodeConfiguration::new("./scoring", "score.py"))
///     .instance_type("Standard_DS3_v2")
///     .instance_count(1)
///     .liveness_probe(ProbeSettings::new().initial_delay(30).period(10).failure_threshold(3));
/// assert_eq!(blue.instance_count, Some(1));
/// ```
pub type ManagedOnlineDeployment = OnlineDeploymentOf<ManagedCompute>;

/// A deployment on an attached Kubernetes cluster.
///
/// ```
/// use azure_ai_ml::{KubernetesOnlineDeployment, ResourceRequirementsSettings, ResourceSettings};
/// let requests = ResourceSettings::new().cpu("500m").memory("1Gi");
/// let blue = KubernetesOnlineDeployment::new("blue")
///     .resources(ResourceRequirementsSettings::new().requests(requests));
/// assert!(blue.compute.resources.is_some());
/// ```
pub type KubernetesOnlineDeployment = OnlineDeploymentOf<KubernetesDeploymentCompute>;

impl<C: Default> OnlineDeploymentOf<C> {
    /// A deployment named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        OnlineDeploymentOf {
            name: name.into(),
            ..Default::default()
        }
    }
}

impl<C> OnlineDeploymentOf<C> {
    setters!(into: name: String, app_insights_enabled: bool, skip_script_validation: bool);
    setters!(some:
        endpoint_name: String,
        description: String,
        instance_type: String,
        model_mount_path: String,
        model: ModelRef,
        environment: EnvironmentRef,
        code_configuration: CodeConfiguration,
        scale_settings: ScaleSettings,
        request_settings: OnlineRequestSettings,
        liveness_probe: ProbeSettings,
        readiness_probe: ProbeSettings,
        startup_probe: ProbeSettings,
        egress_public_network_access: PublicNetworkAccess,
        data_collector: DataCollector,
    );
    setters!(exact: instance_count: u32);
    setters!(map: tags / tag, properties / property, environment_variables / environment_variable);
}

impl KubernetesOnlineDeployment {
    /// Sets the container resource requests and limits.
    pub fn resources(mut self, resources: impl Into<ResourceRequirementsSettings>) -> Self {
        self.compute.resources = Some(resources.into());
        self
    }
}

/// Either kind of online deployment.
#[derive(Clone, Debug, PartialEq)]
pub enum OnlineDeployment {
    /// Managed compute.
    Managed(ManagedOnlineDeployment),
    /// Kubernetes compute.
    Kubernetes(KubernetesOnlineDeployment),
}

impl From<ManagedOnlineDeployment> for OnlineDeployment {
    fn from(value: ManagedOnlineDeployment) -> Self {
        OnlineDeployment::Managed(value)
    }
}

impl From<KubernetesOnlineDeployment> for OnlineDeployment {
    fn from(value: KubernetesOnlineDeployment) -> Self {
        OnlineDeployment::Kubernetes(value)
    }
}

/// By reference (cloning), so operations can take `impl Into<OnlineDeployment>` of a borrowed
/// deployment of either kind.
impl<T: Clone + Into<OnlineDeployment>> From<&T> for OnlineDeployment {
    fn from(value: &T) -> Self {
        value.clone().into()
    }
}

impl OnlineDeployment {
    /// The fields both kinds share.
    pub(crate) fn shared(&self) -> &OnlineDeploymentOf<dyn Any> {
        match self {
            OnlineDeployment::Managed(d) => d,
            OnlineDeployment::Kubernetes(d) => d,
        }
    }

    /// The fields both kinds share, to change them (the operations resolve references).
    pub(crate) fn shared_mut(&mut self) -> &mut OnlineDeploymentOf<dyn Any> {
        match self {
            OnlineDeployment::Managed(d) => d,
            OnlineDeployment::Kubernetes(d) => d,
        }
    }

    /// Deployment name.
    pub fn name(&self) -> &str {
        &self.shared().name
    }

    /// Endpoint name.
    pub fn endpoint_name(&self) -> Option<&str> {
        self.shared().endpoint_name.as_deref()
    }

    /// Model reference.
    pub fn model(&self) -> Option<&ModelRef> {
        self.shared().model.as_ref()
    }

    /// Replaces the model reference (the operations resolve `azureml:` refs to ARM ids).
    pub fn set_model(&mut self, model: Option<ModelRef>) {
        self.shared_mut().model = model;
    }

    /// Environment reference.
    pub fn environment(&self) -> Option<&EnvironmentRef> {
        self.shared().environment.as_ref()
    }

    /// Replaces the environment reference.
    pub fn set_environment(&mut self, environment: Option<EnvironmentRef>) {
        self.shared_mut().environment = environment;
    }

    /// Scoring code.
    pub fn code_configuration(&self) -> Option<&CodeConfiguration> {
        self.shared().code_configuration.as_ref()
    }

    /// Replaces the scoring code (the operations swap a local folder for a code-version id).
    pub fn set_code_configuration(&mut self, code: Option<CodeConfiguration>) {
        self.shared_mut().code_configuration = code;
    }

    /// Data collector.
    pub fn data_collector(&self) -> Option<&DataCollector> {
        self.shared().data_collector.as_ref()
    }

    /// Mutable data collector (the operations fill in data-asset ids).
    pub fn data_collector_mut(&mut self) -> Option<&mut DataCollector> {
        self.shared_mut().data_collector.as_mut()
    }

    /// Instance count.
    pub fn instance_count(&self) -> Option<u32> {
        self.shared().instance_count
    }

    /// Instance type.
    pub fn instance_type(&self) -> Option<&str> {
        self.shared().instance_type.as_deref()
    }

    /// Tags.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.shared().tags
    }

    /// Whether the scoring script's syntax check is skipped (client-side only).
    pub fn skip_script_validation(&self) -> bool {
        self.shared().skip_script_validation
    }

    /// Skips (or not) the syntax check of a local scoring script before the upload, whichever
    /// the kind (`azml online-deployment create --skip-script-validation`).
    pub fn set_skip_script_validation(&mut self, skip: bool) {
        self.shared_mut().skip_script_validation = skip;
    }

    /// Provisioning state.
    pub fn provisioning_state(&self) -> Option<&ProvisioningState> {
        self.shared().provisioning_state.as_ref()
    }

    /// ARM id.
    pub fn id(&self) -> Option<&str> {
        self.shared().id.as_deref()
    }

    /// The managed deployment, if this is one.
    pub fn as_managed(&self) -> Option<&ManagedOnlineDeployment> {
        match self {
            OnlineDeployment::Managed(d) => Some(d),
            OnlineDeployment::Kubernetes(_) => None,
        }
    }

    /// The Kubernetes deployment, if this is one.
    pub fn as_kubernetes(&self) -> Option<&KubernetesOnlineDeployment> {
        match self {
            OnlineDeployment::Kubernetes(d) => Some(d),
            OnlineDeployment::Managed(_) => None,
        }
    }

    /// True for a Kubernetes deployment.
    pub fn is_kubernetes(&self) -> bool {
        matches!(self, OnlineDeployment::Kubernetes(_))
    }
}
