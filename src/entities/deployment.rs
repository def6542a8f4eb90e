//! Online deployments (Python `ManagedOnlineDeployment`, `KubernetesOnlineDeployment`) and the
//! [`OnlineDeployment`] enum over both.

use std::collections::BTreeMap;

use super::common::CreationContext;
use super::data_collector::DataCollector;
use super::enums::{ProvisioningState, PublicNetworkAccess};
use super::environment::Environment;
use super::macros::{
    kind_conversions, map_setters, opt_setter, opt_str_setter, opt_value_setter, setter,
};
use super::model::Model;
use super::settings::{
    OnlineRequestSettings, ProbeSettings, ResourceRequirementsSettings, ScaleSettings,
};

/// The model a deployment serves: a reference to a registered version, or a model to register.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelRef {
    /// ARM id, `azureml:name:version`, `azureml:name@latest` or a registry URI.
    Id(String),
    /// A model registered (anonymously if unnamed) when the deployment is created.
    Inline(Box<Model>),
}

impl From<&str> for ModelRef {
    fn from(id: &str) -> Self {
        ModelRef::Id(id.to_owned())
    }
}

impl From<String> for ModelRef {
    fn from(id: String) -> Self {
        ModelRef::Id(id)
    }
}

impl From<&String> for ModelRef {
    fn from(id: &String) -> Self {
        ModelRef::Id(id.clone())
    }
}

impl From<Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: Model) -> Self {
        match model.id {
            Some(id) => ModelRef::Id(id),
            None => ModelRef::Inline(Box::new(model)),
        }
    }
}

impl From<&Model> for ModelRef {
    /// A registered model (one with an id) becomes a reference; otherwise it is inlined.
    fn from(model: &Model) -> Self {
        ModelRef::from(model.clone())
    }
}

impl ModelRef {
    /// The reference text, when this is a reference.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            ModelRef::Id(id) => Some(id),
            ModelRef::Inline(_) => None,
        }
    }
}

/// The environment a deployment runs in: a reference or an environment to register.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvironmentRef {
    /// ARM id, `azureml:name:version`, `azureml:name@latest` or a registry URI.
    Id(String),
    /// An environment registered (anonymously if unnamed) when the deployment is created.
    Inline(Box<Environment>),
}

impl From<&str> for EnvironmentRef {
    fn from(id: &str) -> Self {
        EnvironmentRef::Id(id.to_owned())
    }
}

impl From<String> for EnvironmentRef {
    fn from(id: String) -> Self {
        EnvironmentRef::Id(id)
    }
}

impl From<&String> for EnvironmentRef {
    fn from(id: &String) -> Self {
        EnvironmentRef::Id(id.clone())
    }
}

impl From<Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: Environment) -> Self {
        match env.id {
            Some(id) => EnvironmentRef::Id(id),
            None => EnvironmentRef::Inline(Box::new(env)),
        }
    }
}

impl From<&Environment> for EnvironmentRef {
    /// A registered environment (one with an id) becomes a reference; otherwise it is inlined.
    fn from(env: &Environment) -> Self {
        EnvironmentRef::from(env.clone())
    }
}

impl EnvironmentRef {
    /// The reference text, when this is a reference.
    pub fn as_id(&self) -> Option<&str> {
        match self {
            EnvironmentRef::Id(id) => Some(id),
            EnvironmentRef::Inline(_) => None,
        }
    }
}

/// Scoring code: a folder (local, or a registered code version) and the script inside it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeConfiguration {
    /// Local folder path, or the ARM id of a code version.
    pub code: Option<String>,
    /// Script path relative to `code` (e.g. `score.py`).
    pub scoring_script: String,
}

impl CodeConfiguration {
    /// Code in `code` with entry script `scoring_script`.
    pub fn new(code: impl Into<String>, scoring_script: impl Into<String>) -> Self {
        CodeConfiguration {
            code: Some(code.into()),
            scoring_script: scoring_script.into(),
        }
    }
}

/// One definition of the fields and setters both deployment kinds share.
macro_rules! deployment_struct {
    ($(#[$meta:meta])* $name:ident { $($(#[$extra_meta:meta])* $extra:ident : $extra_ty:ty),* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
        #[serde(from = "crate::rest::OnlineDeploymentWire")]
        #[non_exhaustive]
        pub struct $name {
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
            $( $(#[$extra_meta])* pub $extra: $extra_ty, )*
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
        }

        impl $name {
            /// A deployment named `name`.
            pub fn new(name: impl Into<String>) -> Self {
                $name {
                    name: name.into(),
                    ..Default::default()
                }
            }

            setter!(name: String, app_insights_enabled: bool);
            opt_str_setter!(endpoint_name, description, instance_type, model_mount_path);
            opt_setter!(
                model: ModelRef,
                environment: EnvironmentRef,
                code_configuration: CodeConfiguration,
                scale_settings: ScaleSettings,
                request_settings: OnlineRequestSettings,
                liveness_probe: ProbeSettings,
                readiness_probe: ProbeSettings,
                startup_probe: ProbeSettings,
                egress_public_network_access: PublicNetworkAccess,
                data_collector: DataCollector
            );
            opt_value_setter!(instance_count: u32);
            map_setters!(
                tags / tag,
                properties / property,
                environment_variables / environment_variable
            );
        }
    };
}

deployment_struct! {
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
    ManagedOnlineDeployment {}
}

deployment_struct! {
    /// A deployment on an attached Kubernetes cluster.
    KubernetesOnlineDeployment {
        /// Container resource requests and limits.
        resources: Option<ResourceRequirementsSettings>
    }
}

impl KubernetesOnlineDeployment {
    opt_setter!(resources: ResourceRequirementsSettings);
}

/// Either kind of online deployment.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(from = "crate::rest::OnlineDeploymentWire")]
pub enum OnlineDeployment {
    /// Managed compute.
    Managed(ManagedOnlineDeployment),
    /// Kubernetes compute.
    Kubernetes(KubernetesOnlineDeployment),
}

kind_conversions!(OnlineDeployment {
    Managed: ManagedOnlineDeployment,
    Kubernetes: KubernetesOnlineDeployment
});

/// Shared-field access without matching on the kind.
macro_rules! both {
    ($self:expr, $d:ident => $body:expr) => {
        match $self {
            OnlineDeployment::Managed($d) => $body,
            OnlineDeployment::Kubernetes($d) => $body,
        }
    };
}

impl OnlineDeployment {
    /// Deployment name.
    pub fn name(&self) -> &str {
        both!(self, d => &d.name)
    }

    /// Endpoint name.
    pub fn endpoint_name(&self) -> Option<&str> {
        both!(self, d => d.endpoint_name.as_deref())
    }

    /// Model reference.
    pub fn model(&self) -> Option<&ModelRef> {
        both!(self, d => d.model.as_ref())
    }

    /// Replaces the model reference (the operations resolve `azureml:` refs to ARM ids).
    pub fn set_model(&mut self, model: Option<ModelRef>) {
        both!(self, d => d.model = model)
    }

    /// Environment reference.
    pub fn environment(&self) -> Option<&EnvironmentRef> {
        both!(self, d => d.environment.as_ref())
    }

    /// Replaces the environment reference.
    pub fn set_environment(&mut self, environment: Option<EnvironmentRef>) {
        both!(self, d => d.environment = environment)
    }

    /// Scoring code.
    pub fn code_configuration(&self) -> Option<&CodeConfiguration> {
        both!(self, d => d.code_configuration.as_ref())
    }

    /// Replaces the scoring code (the operations swap a local folder for a code-version id).
    pub fn set_code_configuration(&mut self, code: Option<CodeConfiguration>) {
        both!(self, d => d.code_configuration = code)
    }

    /// Data collector.
    pub fn data_collector(&self) -> Option<&DataCollector> {
        both!(self, d => d.data_collector.as_ref())
    }

    /// Mutable data collector (the operations fill in data-asset ids).
    pub fn data_collector_mut(&mut self) -> Option<&mut DataCollector> {
        both!(self, d => d.data_collector.as_mut())
    }

    /// Instance count.
    pub fn instance_count(&self) -> Option<u32> {
        both!(self, d => d.instance_count)
    }

    /// Instance type.
    pub fn instance_type(&self) -> Option<&str> {
        both!(self, d => d.instance_type.as_deref())
    }

    /// Tags.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        both!(self, d => &d.tags)
    }

    /// Provisioning state.
    pub fn provisioning_state(&self) -> Option<&ProvisioningState> {
        both!(self, d => d.provisioning_state.as_ref())
    }

    /// ARM id.
    pub fn id(&self) -> Option<&str> {
        both!(self, d => d.id.as_deref())
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
