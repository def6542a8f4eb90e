//! The settings inside a deployment ⇄ ARM JSON: probes, request settings, scale settings,
//! container resources, data collection.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{iso_millis, iso_seconds, lenient_object_map};
use crate::entities::{
    DataCollector, DefaultScaleSettings, DeploymentCollection, OnlineRequestSettings,
    ProbeSettings, RequestLogging, ResourceRequirementsSettings, ResourceSettings, RollingRate,
    ScaleSettings, TargetUtilizationScaleSettings,
};

/// ARM `ProbeSettings`, in the order Python writes them.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ProbeWire {
    failure_threshold: Option<i64>,
    success_threshold: Option<i64>,
    #[serde(with = "iso_seconds", skip_serializing_if = "iso_seconds::unset")]
    timeout: Option<i64>,
    #[serde(with = "iso_seconds", skip_serializing_if = "iso_seconds::unset")]
    period: Option<i64>,
    #[serde(with = "iso_seconds", skip_serializing_if = "iso_seconds::unset")]
    initial_delay: Option<i64>,
}

impl From<ProbeWire> for ProbeSettings {
    fn from(w: ProbeWire) -> Self {
        ProbeSettings {
            initial_delay: w.initial_delay,
            period: w.period,
            timeout: w.timeout,
            success_threshold: w.success_threshold,
            failure_threshold: w.failure_threshold,
        }
    }
}

impl From<&ProbeSettings> for ProbeWire {
    fn from(p: &ProbeSettings) -> Self {
        ProbeWire {
            failure_threshold: p.failure_threshold,
            success_threshold: p.success_threshold,
            timeout: p.timeout,
            period: p.period,
            initial_delay: p.initial_delay,
        }
    }
}

/// ARM `OnlineRequestSettings` (durations on the wire, milliseconds in the entity).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct RequestSettingsWire {
    #[serde(with = "iso_millis", skip_serializing_if = "iso_millis::unset")]
    max_queue_wait: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrent_requests_per_instance: Option<i64>,
    #[serde(with = "iso_millis", skip_serializing_if = "iso_millis::unset")]
    request_timeout: Option<i64>,
}

impl From<RequestSettingsWire> for OnlineRequestSettings {
    fn from(w: RequestSettingsWire) -> Self {
        OnlineRequestSettings {
            request_timeout_ms: w.request_timeout,
            max_concurrent_requests_per_instance: w.max_concurrent_requests_per_instance,
            max_queue_wait_ms: w.max_queue_wait,
        }
    }
}

impl From<&OnlineRequestSettings> for RequestSettingsWire {
    fn from(r: &OnlineRequestSettings) -> Self {
        RequestSettingsWire {
            max_queue_wait: r.max_queue_wait_ms,
            max_concurrent_requests_per_instance: r.max_concurrent_requests_per_instance,
            request_timeout: r.request_timeout_ms,
        }
    }
}

const DEFAULT_SCALE: &str = "Default";
const TARGET_UTILIZATION_SCALE: &str = "TargetUtilization";

/// ARM `OnlineScaleSettings` (polymorphic on `scaleType`, which Python writes last).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ScaleSettingsWire {
    min_instances: Option<i64>,
    max_instances: Option<i64>,
    #[serde(with = "iso_seconds", skip_serializing_if = "iso_seconds::unset")]
    polling_interval: Option<i64>,
    target_utilization_percentage: Option<i64>,
    scale_type: Option<String>,
}

impl ScaleSettingsWire {
    /// Unknown `scaleType` values are dropped (`None`) rather than failing the whole deployment.
    pub(crate) fn into_entity(self) -> Option<ScaleSettings> {
        let scale_type = crate::entities::macros::normalize(self.scale_type.as_deref()?);
        if scale_type == crate::entities::macros::normalize(DEFAULT_SCALE) {
            Some(ScaleSettings::Default(DefaultScaleSettings::new()))
        } else if scale_type == crate::entities::macros::normalize(TARGET_UTILIZATION_SCALE) {
            Some(ScaleSettings::TargetUtilization(
                TargetUtilizationScaleSettings {
                    min_instances: self.min_instances,
                    max_instances: self.max_instances,
                    polling_interval: self.polling_interval,
                    target_utilization_percentage: self.target_utilization_percentage,
                },
            ))
        } else {
            None
        }
    }
}

impl From<&ScaleSettings> for ScaleSettingsWire {
    fn from(s: &ScaleSettings) -> Self {
        match s {
            ScaleSettings::Default(_) => ScaleSettingsWire {
                scale_type: Some(DEFAULT_SCALE.into()),
                ..Default::default()
            },
            ScaleSettings::TargetUtilization(t) => ScaleSettingsWire {
                min_instances: t.min_instances,
                max_instances: t.max_instances,
                polling_interval: t.polling_interval,
                target_utilization_percentage: t.target_utilization_percentage,
                scale_type: Some(TARGET_UTILIZATION_SCALE.into()),
            },
        }
    }
}

/// ARM `ContainerResourceRequirements` (Kubernetes deployments).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ResourceRequirementsWire {
    container_resource_requests: Option<ResourceSettingsWire>,
    container_resource_limits: Option<ResourceSettingsWire>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct ResourceSettingsWire {
    cpu: Option<String>,
    memory: Option<String>,
    gpu: Option<String>,
}

impl From<ResourceRequirementsWire> for ResourceRequirementsSettings {
    fn from(w: ResourceRequirementsWire) -> Self {
        let settings = |r: ResourceSettingsWire| ResourceSettings {
            cpu: r.cpu,
            memory: r.memory,
            gpu: r.gpu,
        };
        ResourceRequirementsSettings {
            requests: w.container_resource_requests.map(settings),
            limits: w.container_resource_limits.map(settings),
        }
    }
}

impl From<&ResourceRequirementsSettings> for ResourceRequirementsWire {
    fn from(r: &ResourceRequirementsSettings) -> Self {
        let wire = |s: &ResourceSettings| ResourceSettingsWire {
            cpu: s.cpu.clone(),
            memory: s.memory.clone(),
            gpu: s.gpu.clone(),
        };
        ResourceRequirementsWire {
            container_resource_requests: r.requests.as_ref().map(wire),
            container_resource_limits: r.limits.as_ref().map(wire),
        }
    }
}

/// ARM `DataCollector`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct DataCollectorWire {
    #[serde(deserialize_with = "lenient_object_map")]
    collections: BTreeMap<String, CollectionWire>,
    rolling_rate: Option<RollingRate>,
    request_logging: Option<RequestLoggingWire>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct CollectionWire {
    data_collection_mode: Option<String>,
    data_id: Option<String>,
    client_id: Option<String>,
    sampling_rate: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct RequestLoggingWire {
    #[serde(deserialize_with = "crate::error::null_as_default")]
    capture_headers: Vec<String>,
}

impl From<DataCollectorWire> for DataCollector {
    fn from(w: DataCollectorWire) -> Self {
        let collection = |c: CollectionWire| DeploymentCollection {
            enabled: c
                .data_collection_mode
                .as_deref()
                .is_none_or(|m| !m.eq_ignore_ascii_case("disabled")),
            data: c.data_id,
            client_id: c.client_id,
            sampling_rate: c.sampling_rate,
        };
        DataCollector {
            collections: w
                .collections
                .into_iter()
                .map(|(name, c)| (name, collection(c)))
                .collect(),
            rolling_rate: w.rolling_rate,
            sampling_rate: None,
            request_logging: w
                .request_logging
                .map(|r| RequestLogging::new(r.capture_headers)),
        }
    }
}

impl From<&DataCollector> for DataCollectorWire {
    fn from(c: &DataCollector) -> Self {
        let collection = |col: &DeploymentCollection| CollectionWire {
            data_collection_mode: Some(if col.enabled { "enabled" } else { "disabled" }.into()),
            data_id: col.data.clone(),
            client_id: col.client_id.clone(),
            // Python copies the collector's rate into every collection.
            sampling_rate: c.sampling_rate.or(col.sampling_rate),
        };
        DataCollectorWire {
            collections: c
                .collections
                .iter()
                .map(|(name, col)| (name.clone(), collection(col)))
                .collect(),
            rolling_rate: c.rolling_rate.clone(),
            request_logging: c.request_logging.as_ref().map(|r| RequestLoggingWire {
                capture_headers: r.capture_headers.clone(),
            }),
        }
    }
}
