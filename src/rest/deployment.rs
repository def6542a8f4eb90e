//! Online deployment ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{id_segment, lenient_string_map};
use super::deployment_settings::{
    DataCollectorWire, ProbeWire, RequestSettingsWire, ResourceRequirementsWire, ScaleSettingsWire,
};
use super::endpoint::python_network_access;
use super::resource::{ArmResource, SkuWire};
use crate::entities::{
    CodeConfiguration, EndpointComputeType, EnvironmentRef, KubernetesDeploymentCompute,
    KubernetesOnlineDeployment, ManagedCompute, ManagedOnlineDeployment, ModelRef,
    OnlineDeployment, OnlineDeploymentOf, ProvisioningState, PublicNetworkAccess, Reference,
};
use crate::{Error, Result};

/// ARM `OnlineDeployment` resource.
pub(crate) type OnlineDeploymentResource = ArmResource<OnlineDeploymentProperties>;

/// ARM `OnlineDeployment.properties`, in the order Python writes them.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct OnlineDeploymentProperties {
    code_configuration: Option<CodeConfigurationWire>,
    environment_id: Option<String>,
    model: Option<String>,
    scale_settings: Option<ScaleSettingsWire>,
    #[serde(deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    description: Option<String>,
    #[serde(deserialize_with = "lenient_string_map")]
    environment_variables: BTreeMap<String, String>,
    #[serde(deserialize_with = "crate::error::null_as_default")]
    app_insights_enabled: bool,
    request_settings: Option<RequestSettingsWire>,
    liveness_probe: Option<ProbeWire>,
    startup_probe: Option<ProbeWire>,
    container_resource_requirements: Option<ResourceRequirementsWire>,
    instance_type: Option<String>,
    readiness_probe: Option<ProbeWire>,
    model_mount_path: Option<String>,
    data_collector: Option<DataCollectorWire>,
    endpoint_compute_type: Option<EndpointComputeType>,
    #[serde(
        serialize_with = "python_network_access",
        skip_serializing_if = "Option::is_none"
    )]
    egress_public_network_access: Option<PublicNetworkAccess>,
    #[serde(skip_serializing)]
    provisioning_state: Option<ProvisioningState>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct CodeConfigurationWire {
    code_id: Option<String>,
    scoring_script: Option<String>,
}

/// The shared fields of either kind from the answer; `compute` is what only that kind has.
fn deployment<C>(w: OnlineDeploymentResource, compute: C) -> OnlineDeploymentOf<C> {
    let p = w.properties;
    OnlineDeploymentOf {
        endpoint_name: id_segment(w.id.as_deref(), "onlineEndpoints"),
        name: w.name.unwrap_or_default(),
        description: p.description,
        tags: w.tags.unwrap_or_default(),
        properties: p.properties,
        model: p.model.map(ModelRef::Id),
        environment: p.environment_id.map(EnvironmentRef::Id),
        code_configuration: p.code_configuration.map(|c| CodeConfiguration {
            code: c.code_id,
            scoring_script: c.scoring_script.unwrap_or_default(),
        }),
        environment_variables: p.environment_variables,
        app_insights_enabled: p.app_insights_enabled,
        scale_settings: p.scale_settings.and_then(ScaleSettingsWire::into_entity),
        request_settings: p.request_settings.map(Into::into),
        liveness_probe: p.liveness_probe.map(Into::into),
        readiness_probe: p.readiness_probe.map(Into::into),
        startup_probe: p.startup_probe.map(Into::into),
        instance_type: p.instance_type,
        instance_count: w
            .sku
            .and_then(|s| s.capacity)
            .and_then(|c| u32::try_from(c).ok()),
        egress_public_network_access: p.egress_public_network_access,
        data_collector: p.data_collector.map(Into::into),
        model_mount_path: p.model_mount_path,
        kind: w.kind,
        location: w.location,
        provisioning_state: p.provisioning_state,
        id: w.id,
        creation_context: w.system_data.map(Into::into),
        skip_script_validation: false,
        compute,
    }
}

impl From<OnlineDeploymentResource> for ManagedOnlineDeployment {
    fn from(w: OnlineDeploymentResource) -> Self {
        deployment(w, ManagedCompute::default())
    }
}

impl From<OnlineDeploymentResource> for KubernetesOnlineDeployment {
    fn from(mut w: OnlineDeploymentResource) -> Self {
        let resources = w
            .properties
            .container_resource_requirements
            .take()
            .map(Into::into);
        deployment(w, KubernetesDeploymentCompute { resources })
    }
}

impl From<OnlineDeploymentResource> for OnlineDeployment {
    /// `endpointComputeType: Kubernetes` ⇒ Kubernetes; anything else (incl. unknown) ⇒ managed.
    fn from(w: OnlineDeploymentResource) -> Self {
        if w.properties.endpoint_compute_type == Some(EndpointComputeType::Kubernetes) {
            OnlineDeployment::Kubernetes(w.into())
        } else {
            OnlineDeployment::Managed(w.into())
        }
    }
}

/// Requires a reference the service can use directly (ARM id or registry URI).
fn resolved(field: &str, id: &str) -> Result<String> {
    if crate::ids::is_resolved_id(id) {
        Ok(id.to_owned())
    } else {
        Err(Error::validation(
            field,
            format!("`{id}` must be resolved to an ARM id before the deployment is sent"),
        ))
    }
}

fn code_configuration(code: &CodeConfiguration) -> Result<CodeConfigurationWire> {
    let Some(code_id) = &code.code else {
        return Err(Error::validation(
            "code_configuration.code",
            "must be set to a code-version ARM id before the deployment is sent",
        ));
    };
    Ok(CodeConfigurationWire {
        code_id: Some(resolved("code_configuration.code", code_id)?),
        scoring_script: Some(code.scoring_script.clone()),
    })
}

/// The id of a model or environment (`field`), which must be registered and resolved by now.
fn reference_id<T>(field: &str, reference: &Reference<T>) -> Result<String> {
    match reference {
        Reference::Id(id) => resolved(field, id),
        Reference::Inline(_) => Err(Error::validation(
            field,
            format!(
                "an inline {field} must be registered (and replaced by its id) before the deployment is sent"
            ),
        )),
    }
}

/// The PUT body of a deployment, as Python's `_to_rest_object(location)` builds it.
///
/// The model, environment and code must already be ARM ids (the operation registers / resolves
/// them first); otherwise this returns a `Validation` error naming the field.
pub(crate) fn online_deployment_body(
    deployment: &OnlineDeployment,
    location: &str,
) -> Result<OnlineDeploymentResource> {
    let d = deployment.shared();
    let compute_type = if deployment.is_kubernetes() {
        EndpointComputeType::Kubernetes
    } else {
        EndpointComputeType::Managed
    };
    let properties = OnlineDeploymentProperties {
        code_configuration: d
            .code_configuration
            .as_ref()
            .map(code_configuration)
            .transpose()?,
        environment_id: d
            .environment
            .as_ref()
            .map(|e| reference_id("environment", e))
            .transpose()?,
        model: d
            .model
            .as_ref()
            .map(|m| reference_id("model", m))
            .transpose()?,
        scale_settings: d.scale_settings.as_ref().map(Into::into),
        properties: d.properties.clone(),
        description: d.description.clone(),
        environment_variables: d.environment_variables.clone(),
        app_insights_enabled: d.app_insights_enabled,
        request_settings: d.request_settings.as_ref().map(Into::into),
        liveness_probe: d.liveness_probe.as_ref().map(Into::into),
        startup_probe: d.startup_probe.as_ref().map(Into::into),
        container_resource_requirements: deployment
            .as_kubernetes()
            .and_then(|k| k.compute.resources.as_ref())
            .map(Into::into),
        instance_type: d.instance_type.clone(),
        readiness_probe: d.readiness_probe.as_ref().map(Into::into),
        model_mount_path: d.model_mount_path.clone(),
        data_collector: d.data_collector.as_ref().map(Into::into),
        endpoint_compute_type: Some(compute_type),
        egress_public_network_access: d.egress_public_network_access.clone(),
        provisioning_state: None,
    };
    let sku = SkuWire {
        // The service requires a SKU name; Python always sends "Default".
        name: Some("Default".into()),
        capacity: d.instance_count.map(i64::from),
    };
    Ok(ArmResource {
        tags: Some(d.tags.clone()),
        sku: Some(sku),
        ..ArmResource::body(Some(location), properties)
    })
}
