//! Online deployment ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::common::{
    id_segment, lenient_string_map, string_map, IdentityWire, SkuWire, SystemDataWire,
};
use super::duration;
use super::endpoint::network_access;
use crate::entities::{
    CodeConfiguration, DataCollector, DefaultScaleSettings, DeploymentCollection,
    EndpointComputeType, EnvironmentRef, KubernetesOnlineDeployment, ManagedOnlineDeployment,
    ModelRef, OnlineDeployment, OnlineRequestSettings, ProbeSettings, ProvisioningState,
    PublicNetworkAccess, RequestLogging, ResourceRequirementsSettings, ResourceSettings,
    RollingRate, ScaleSettings, TargetUtilizationScaleSettings,
};
use crate::{Error, Result};

/// ARM `OnlineDeployment` resource (response side).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineDeploymentWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    #[allow(dead_code)]
    // accepted so that deployments with an identity decode; not surfaced (Python neither)
    identity: Option<IdentityWire>,
    #[serde(default)]
    sku: Option<SkuWire>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: OnlineDeploymentPropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnlineDeploymentPropertiesWire {
    #[serde(default)]
    endpoint_compute_type: Option<EndpointComputeType>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    code_configuration: Option<CodeConfigurationWire>,
    #[serde(default)]
    environment_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    environment_variables: BTreeMap<String, String>,
    #[serde(default)]
    app_insights_enabled: Option<bool>,
    #[serde(default)]
    data_collector: Option<DataCollectorWire>,
    #[serde(default)]
    egress_public_network_access: Option<PublicNetworkAccess>,
    #[serde(default)]
    instance_type: Option<String>,
    #[serde(default)]
    liveness_probe: Option<ProbeWire>,
    #[serde(default)]
    readiness_probe: Option<ProbeWire>,
    #[serde(default)]
    startup_probe: Option<ProbeWire>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    model_mount_path: Option<String>,
    #[serde(default)]
    request_settings: Option<RequestSettingsWire>,
    #[serde(default)]
    scale_settings: Option<ScaleSettingsWire>,
    #[serde(default)]
    provisioning_state: Option<ProvisioningState>,
    #[serde(default)]
    container_resource_requirements: Option<ResourceRequirementsWire>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeConfigurationWire {
    #[serde(default)]
    code_id: Option<String>,
    #[serde(default)]
    scoring_script: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProbeWire {
    #[serde(default, with = "duration::serde_seconds")]
    initial_delay: Option<i64>,
    #[serde(default, with = "duration::serde_seconds")]
    period: Option<i64>,
    #[serde(default, with = "duration::serde_seconds")]
    timeout: Option<i64>,
    #[serde(default)]
    success_threshold: Option<i64>,
    #[serde(default)]
    failure_threshold: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestSettingsWire {
    #[serde(default, with = "duration::serde_millis")]
    request_timeout: Option<i64>,
    #[serde(default)]
    max_concurrent_requests_per_instance: Option<i64>,
    #[serde(default, with = "duration::serde_millis")]
    max_queue_wait: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScaleSettingsWire {
    #[serde(default)]
    scale_type: Option<String>,
    #[serde(default)]
    min_instances: Option<i64>,
    #[serde(default)]
    max_instances: Option<i64>,
    #[serde(default, with = "duration::serde_seconds")]
    polling_interval: Option<i64>,
    #[serde(default)]
    target_utilization_percentage: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceRequirementsWire {
    #[serde(default)]
    container_resource_requests: Option<ResourceSettingsWire>,
    #[serde(default)]
    container_resource_limits: Option<ResourceSettingsWire>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSettingsWire {
    #[serde(default)]
    cpu: Option<String>,
    #[serde(default)]
    memory: Option<String>,
    #[serde(default)]
    gpu: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataCollectorWire {
    #[serde(default)]
    collections: Option<BTreeMap<String, Option<CollectionWire>>>,
    #[serde(default)]
    rolling_rate: Option<RollingRate>,
    #[serde(default)]
    request_logging: Option<RequestLoggingWire>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CollectionWire {
    #[serde(default)]
    data_collection_mode: Option<String>,
    #[serde(default)]
    data_id: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    sampling_rate: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestLoggingWire {
    #[serde(default)]
    capture_headers: Option<Vec<String>>,
}

impl From<ProbeWire> for ProbeSettings {
    fn from(w: ProbeWire) -> Self {
        let mut p = ProbeSettings::new();
        p.initial_delay = w.initial_delay;
        p.period = w.period;
        p.timeout = w.timeout;
        p.success_threshold = w.success_threshold;
        p.failure_threshold = w.failure_threshold;
        p
    }
}

impl From<RequestSettingsWire> for OnlineRequestSettings {
    fn from(w: RequestSettingsWire) -> Self {
        let mut r = OnlineRequestSettings::new();
        r.request_timeout_ms = w.request_timeout;
        r.max_concurrent_requests_per_instance = w.max_concurrent_requests_per_instance;
        r.max_queue_wait_ms = w.max_queue_wait;
        r
    }
}

/// Unknown `scaleType` values are dropped (`None`) rather than failing the whole deployment.
fn scale_settings(w: ScaleSettingsWire) -> Option<ScaleSettings> {
    match crate::entities::macros::normalize(w.scale_type.as_deref()?).as_str() {
        "default" => Some(ScaleSettings::Default(DefaultScaleSettings::new())),
        "targetutilization" => {
            let mut t = TargetUtilizationScaleSettings::new();
            t.min_instances = w.min_instances;
            t.max_instances = w.max_instances;
            t.polling_interval = w.polling_interval;
            t.target_utilization_percentage = w.target_utilization_percentage;
            Some(ScaleSettings::TargetUtilization(t))
        }
        _ => None,
    }
}

fn resource_settings(w: ResourceSettingsWire) -> ResourceSettings {
    let mut r = ResourceSettings::new();
    r.cpu = w.cpu;
    r.memory = w.memory;
    r.gpu = w.gpu;
    r
}

impl From<DataCollectorWire> for DataCollector {
    fn from(w: DataCollectorWire) -> Self {
        let mut c = DataCollector::new();
        c.rolling_rate = w.rolling_rate;
        c.request_logging = w
            .request_logging
            .map(|r| RequestLogging::new(r.capture_headers.unwrap_or_default()));
        c.collections = w
            .collections
            .unwrap_or_default()
            .into_iter()
            .map(|(name, col)| {
                let col = col.unwrap_or_default();
                let mut d = DeploymentCollection::new();
                d.enabled = col
                    .data_collection_mode
                    .as_deref()
                    .is_none_or(|m| !m.eq_ignore_ascii_case("disabled"));
                d.data = col.data_id;
                d.client_id = col.client_id;
                d.sampling_rate = col.sampling_rate;
                (name, d)
            })
            .collect();
        c
    }
}

/// Fills the fields both deployment kinds share.
macro_rules! fill_deployment {
    ($w:ident, $p:ident, $d:ident) => {{
        $d.endpoint_name = id_segment($w.id.as_deref(), "onlineEndpoints");
        $d.name = $w.name.unwrap_or_default();
        $d.description = $p.description;
        $d.tags = $w.tags;
        $d.properties = $p.properties;
        $d.model = $p.model.map(ModelRef::Id);
        $d.environment = $p.environment_id.map(EnvironmentRef::Id);
        $d.code_configuration = $p.code_configuration.map(|c| {
            let mut code = CodeConfiguration::default();
            code.code = c.code_id;
            code.scoring_script = c.scoring_script.unwrap_or_default();
            code
        });
        $d.environment_variables = $p.environment_variables;
        $d.app_insights_enabled = $p.app_insights_enabled.unwrap_or(false);
        $d.scale_settings = $p.scale_settings.and_then(scale_settings);
        $d.request_settings = $p.request_settings.map(Into::into);
        $d.liveness_probe = $p.liveness_probe.map(Into::into);
        $d.readiness_probe = $p.readiness_probe.map(Into::into);
        $d.startup_probe = $p.startup_probe.map(Into::into);
        $d.instance_type = $p.instance_type;
        $d.instance_count = $w
            .sku
            .and_then(|s| s.capacity)
            .and_then(|c| u32::try_from(c).ok());
        $d.egress_public_network_access = $p.egress_public_network_access;
        $d.data_collector = $p.data_collector.map(Into::into);
        $d.model_mount_path = $p.model_mount_path;
        $d.kind = $w.kind;
        $d.location = $w.location;
        $d.provisioning_state = $p.provisioning_state;
        $d.id = $w.id;
        $d.creation_context = $w.system_data.map(Into::into);
    }};
}

impl From<OnlineDeploymentWire> for ManagedOnlineDeployment {
    fn from(w: OnlineDeploymentWire) -> Self {
        let p = w.properties;
        let mut d = ManagedOnlineDeployment::default();
        fill_deployment!(w, p, d);
        d
    }
}

impl From<OnlineDeploymentWire> for KubernetesOnlineDeployment {
    fn from(w: OnlineDeploymentWire) -> Self {
        let mut p = w.properties;
        let mut d = KubernetesOnlineDeployment {
            resources: p.container_resource_requirements.take().map(|r| {
                ResourceRequirementsSettings {
                    requests: r.container_resource_requests.map(resource_settings),
                    limits: r.container_resource_limits.map(resource_settings),
                }
            }),
            ..Default::default()
        };
        fill_deployment!(w, p, d);
        d
    }
}

impl From<OnlineDeploymentWire> for OnlineDeployment {
    /// `endpointComputeType: Kubernetes` ⇒ Kubernetes; anything else (incl. unknown) ⇒ managed.
    fn from(w: OnlineDeploymentWire) -> Self {
        if w.properties.endpoint_compute_type == Some(EndpointComputeType::Kubernetes) {
            OnlineDeployment::Kubernetes(w.into())
        } else {
            OnlineDeployment::Managed(w.into())
        }
    }
}

fn probe_body(p: &ProbeSettings) -> Value {
    let mut m = Map::new();
    if let Some(v) = p.failure_threshold {
        m.insert("failureThreshold".into(), v.into());
    }
    if let Some(v) = p.success_threshold {
        m.insert("successThreshold".into(), v.into());
    }
    if let Some(v) = p.timeout.and_then(duration::from_whole_seconds) {
        m.insert("timeout".into(), v.into());
    }
    if let Some(v) = p.period.and_then(duration::from_whole_seconds) {
        m.insert("period".into(), v.into());
    }
    if let Some(v) = p.initial_delay.and_then(duration::from_whole_seconds) {
        m.insert("initialDelay".into(), v.into());
    }
    m.into()
}

fn request_settings_body(r: &OnlineRequestSettings) -> Value {
    let mut m = Map::new();
    if let Some(v) = r.max_queue_wait_ms.and_then(duration::from_millis) {
        m.insert("maxQueueWait".into(), v.into());
    }
    if let Some(v) = r.max_concurrent_requests_per_instance {
        m.insert("maxConcurrentRequestsPerInstance".into(), v.into());
    }
    if let Some(v) = r.request_timeout_ms.and_then(duration::from_millis) {
        m.insert("requestTimeout".into(), v.into());
    }
    m.into()
}

fn scale_settings_body(s: &ScaleSettings) -> Value {
    match s {
        ScaleSettings::Default(_) => json!({ "scaleType": "Default" }),
        ScaleSettings::TargetUtilization(t) => {
            let mut m = Map::new();
            if let Some(v) = t.min_instances {
                m.insert("minInstances".into(), v.into());
            }
            if let Some(v) = t.max_instances {
                m.insert("maxInstances".into(), v.into());
            }
            if let Some(v) = t.polling_interval.and_then(duration::from_whole_seconds) {
                m.insert("pollingInterval".into(), v.into());
            }
            if let Some(v) = t.target_utilization_percentage {
                m.insert("targetUtilizationPercentage".into(), v.into());
            }
            m.insert("scaleType".into(), "TargetUtilization".into());
            m.into()
        }
    }
}

fn resource_settings_body(r: &ResourceSettings) -> Value {
    let mut m = Map::new();
    for (key, value) in [("cpu", &r.cpu), ("memory", &r.memory), ("gpu", &r.gpu)] {
        if let Some(v) = value {
            m.insert(key.into(), v.as_str().into());
        }
    }
    m.into()
}

fn data_collector_body(c: &DataCollector) -> Value {
    let collections: Map<String, Value> = c
        .collections
        .iter()
        .map(|(name, col)| {
            let mut m = Map::new();
            let mode = if col.enabled { "enabled" } else { "disabled" };
            m.insert("dataCollectionMode".into(), mode.into());
            if let Some(id) = &col.data {
                m.insert("dataId".into(), id.as_str().into());
            }
            if let Some(id) = &col.client_id {
                m.insert("clientId".into(), id.as_str().into());
            }
            // Python copies the collector's rate into every collection.
            if let Some(rate) = c.sampling_rate.or(col.sampling_rate) {
                m.insert("samplingRate".into(), rate.into());
            }
            (name.clone(), m.into())
        })
        .collect();
    let mut m = Map::new();
    m.insert("collections".into(), collections.into());
    if let Some(rate) = &c.rolling_rate {
        m.insert("rollingRate".into(), rate.as_str().into());
    }
    if let Some(logging) = &c.request_logging {
        m.insert(
            "requestLogging".into(),
            json!({ "captureHeaders": logging.capture_headers }),
        );
    }
    m.into()
}

/// Requires a reference the service can use directly (ARM id or registry URI).
fn resolved<'a>(field: &str, id: &'a str) -> Result<&'a str> {
    if crate::ids::is_resolved_id(id) {
        Ok(id)
    } else {
        Err(Error::validation(
            field,
            format!("`{id}` must be resolved to an ARM id before the deployment is sent"),
        ))
    }
}

/// The PUT body of a deployment, as Python's `_to_rest_object(location)` builds it.
///
/// The model, environment and code must already be ARM ids (the operation registers / resolves
/// them first); otherwise this returns a `Validation` error naming the field.
pub(crate) fn online_deployment_body(
    deployment: &OnlineDeployment,
    location: &str,
) -> Result<Value> {
    macro_rules! body {
        ($d:ident, $compute_type:literal, $resources:expr) => {{
            let mut props = Map::new();
            if let Some(code) = &$d.code_configuration {
                let code_id = match &code.code {
                    Some(c) => resolved("code_configuration.code", c)?,
                    None => {
                        return Err(Error::validation(
                            "code_configuration.code",
                            "must be set to a code-version ARM id before the deployment is sent",
                        ))
                    }
                };
                props.insert(
                    "codeConfiguration".into(),
                    json!({ "codeId": code_id, "scoringScript": code.scoring_script }),
                );
            }
            match &$d.environment {
                Some(EnvironmentRef::Id(id)) => {
                    props.insert("environmentId".into(), resolved("environment", id)?.into());
                }
                Some(EnvironmentRef::Inline(_)) => {
                    return Err(Error::validation(
                        "environment",
                        "an inline environment must be registered (and replaced by its id) before the deployment is sent",
                    ))
                }
                None => {}
            }
            match &$d.model {
                Some(ModelRef::Id(id)) => {
                    props.insert("model".into(), resolved("model", id)?.into());
                }
                Some(ModelRef::Inline(_)) => {
                    return Err(Error::validation(
                        "model",
                        "an inline model must be registered (and replaced by its id) before the deployment is sent",
                    ))
                }
                None => {}
            }
            if let Some(s) = &$d.scale_settings {
                props.insert("scaleSettings".into(), scale_settings_body(s));
            }
            props.insert("properties".into(), string_map(&$d.properties));
            if let Some(d) = &$d.description {
                props.insert("description".into(), d.as_str().into());
            }
            props.insert("environmentVariables".into(), string_map(&$d.environment_variables));
            props.insert("appInsightsEnabled".into(), $d.app_insights_enabled.into());
            if let Some(r) = &$d.request_settings {
                props.insert("requestSettings".into(), request_settings_body(r));
            }
            if let Some(p) = &$d.liveness_probe {
                props.insert("livenessProbe".into(), probe_body(p));
            }
            if let Some(p) = &$d.startup_probe {
                props.insert("startupProbe".into(), probe_body(p));
            }
            let resources: Option<&ResourceRequirementsSettings> = $resources;
            if let Some(r) = resources {
                let mut m = Map::new();
                if let Some(req) = &r.requests {
                    m.insert("containerResourceRequests".into(), resource_settings_body(req));
                }
                if let Some(lim) = &r.limits {
                    m.insert("containerResourceLimits".into(), resource_settings_body(lim));
                }
                props.insert("containerResourceRequirements".into(), m.into());
            }
            if let Some(t) = &$d.instance_type {
                props.insert("instanceType".into(), t.as_str().into());
            }
            if let Some(p) = &$d.readiness_probe {
                props.insert("readinessProbe".into(), probe_body(p));
            }
            if let Some(path) = &$d.model_mount_path {
                props.insert("modelMountPath".into(), path.as_str().into());
            }
            if let Some(c) = &$d.data_collector {
                props.insert("dataCollector".into(), data_collector_body(c));
            }
            props.insert("endpointComputeType".into(), $compute_type.into());
            if let Some(e) = &$d.egress_public_network_access {
                props.insert("egressPublicNetworkAccess".into(), network_access(e).into());
            }
            let mut sku = Map::new();
            // The service requires a SKU name; Python always sends "Default".
            sku.insert("name".into(), "Default".into());
            if let Some(n) = $d.instance_count {
                sku.insert("capacity".into(), n.into());
            }
            json!({
                "location": location,
                "properties": props,
                "tags": string_map(&$d.tags),
                "sku": sku,
            })
        }};
    }
    Ok(match deployment {
        OnlineDeployment::Managed(d) => body!(d, "Managed", None),
        OnlineDeployment::Kubernetes(d) => body!(d, "Kubernetes", d.resources.as_ref()),
    })
}
