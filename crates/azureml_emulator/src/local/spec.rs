//! What the runtime needs from a deployment's ARM JSON, read once with Azure's defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Error, Result};

/// Probe settings (`livenessProbe` / `readinessProbe`), Azure's defaults where absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) initial_delay: Duration,
    pub(crate) period: Duration,
    pub(crate) timeout: Duration,
    pub(crate) failure_threshold: u32,
    pub(crate) success_threshold: u32,
}

impl Default for Probe {
    /// Managed online deployments: 10 s delay, 10 s period, 2 s timeout, 30 failures, 1 success.
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_secs(10),
            period: Duration::from_secs(10),
            timeout: Duration::from_secs(2),
            failure_threshold: 30,
            success_threshold: 1,
        }
    }
}

impl Probe {
    /// Azure's whole window for the probe to pass: the initial delay, then `failure_threshold`
    /// periods, and one timeout.
    pub(crate) fn window(&self) -> Duration {
        self.initial_delay + self.period.saturating_mul(self.failure_threshold) + self.timeout
    }
}

/// What an instance's CPU and memory percentages are measured against (`None`: the sampler's
/// default, one core and the machine's memory).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ResourceLimits {
    /// Cores: a Kubernetes deployment's CPU limit (else request), else the instance type's
    /// vCPUs.
    pub(crate) cpus: Option<f64>,
    /// Bytes: a Kubernetes deployment's memory limit (else request), else the instance type's
    /// memory.
    pub(crate) memory_bytes: Option<u64>,
}

/// vCPUs and memory (GiB) of the instance types managed online endpoints offer (CPU SKUs).
const INSTANCE_TYPES: &[(&str, u32, f64)] = &[
    ("Standard_DS1_v2", 1, 3.5),
    ("Standard_DS2_v2", 2, 7.0),
    ("Standard_DS3_v2", 4, 14.0),
    ("Standard_DS4_v2", 8, 28.0),
    ("Standard_DS5_v2", 16, 56.0),
    ("Standard_F2s_v2", 2, 4.0),
    ("Standard_F4s_v2", 4, 8.0),
    ("Standard_F8s_v2", 8, 16.0),
    ("Standard_F16s_v2", 16, 32.0),
    ("Standard_F32s_v2", 32, 64.0),
    ("Standard_F48s_v2", 48, 96.0),
    ("Standard_F64s_v2", 64, 128.0),
    ("Standard_F72s_v2", 72, 144.0),
    ("Standard_E2s_v3", 2, 16.0),
    ("Standard_E4s_v3", 4, 32.0),
    ("Standard_E8s_v3", 8, 64.0),
    ("Standard_E16s_v3", 16, 128.0),
    ("Standard_E32s_v3", 32, 256.0),
    ("Standard_E48s_v3", 48, 384.0),
    ("Standard_E64s_v3", 64, 432.0),
];

/// A Kubernetes CPU quantity in cores: `2`, `0.5`, `500m`.
pub(crate) fn parse_cpu_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let cores = match text.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok()? / 1000.0,
        None => text.parse::<f64>().ok()?,
    };
    (cores.is_finite() && cores > 0.0).then_some(cores)
}

/// A Kubernetes memory quantity in bytes: `1Gi`, `512Mi`, `1G`, `500M`, `128974848`, `1e9`.
pub(crate) fn parse_memory_quantity(text: &str) -> Option<u64> {
    let text = text.trim();
    const UNITS: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("k", 1e3),
        ("K", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, factor) = UNITS
        .iter()
        .find_map(|(unit, factor)| text.strip_suffix(unit).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    let bytes = number.trim().parse::<f64>().ok()? * factor;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

impl ResourceLimits {
    /// From `properties.containerResourceRequirements` (limits, else requests), else the
    /// instance type.
    fn from_properties(props: &Value) -> Self {
        let quantity = |kind: &str, key: &str| {
            props
                .pointer(&format!("/containerResourceRequirements/{kind}/{key}"))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        };
        let either = |key: &str| {
            quantity("containerResourceLimits", key)
                .or_else(|| quantity("containerResourceRequests", key))
        };
        let instance_type = props
            .get("instanceType")
            .and_then(Value::as_str)
            .and_then(|t| {
                INSTANCE_TYPES
                    .iter()
                    .find(|(name, _, _)| name.eq_ignore_ascii_case(t.trim()))
            });
        Self {
            cpus: either("cpu")
                .and_then(|c| parse_cpu_quantity(&c))
                .or_else(|| instance_type.map(|(_, cpus, _)| f64::from(*cpus))),
            memory_bytes: either("memory")
                .and_then(|m| parse_memory_quantity(&m))
                .or_else(|| instance_type.map(|(_, _, gib)| (gib * 1_073_741_824.0) as u64)),
        }
    }
}

/// Request settings (`requestSettings`), Azure's defaults where absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestSettings {
    pub(crate) max_concurrent_requests_per_instance: u32,
    pub(crate) request_timeout: Duration,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            max_concurrent_requests_per_instance: 1,
            request_timeout: Duration::from_millis(5000),
        }
    }
}

/// The parts of an online deployment that decide how its processes run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServingSpec {
    pub(crate) instance_count: u32,
    pub(crate) model_id: Option<String>,
    pub(crate) environment_id: Option<String>,
    pub(crate) code_id: Option<String>,
    pub(crate) scoring_script: Option<String>,
    pub(crate) environment_variables: BTreeMap<String, String>,
    pub(crate) liveness: Probe,
    pub(crate) readiness: Probe,
    pub(crate) request: RequestSettings,
    pub(crate) limits: ResourceLimits,
}

impl ServingSpec {
    /// Reads an online deployment resource (`{sku, properties}`).
    pub(crate) fn from_arm(deployment: &Value) -> Result<Self> {
        let props = deployment.get("properties").unwrap_or(&Value::Null);
        let text = |key: &str| props.get(key).and_then(Value::as_str).map(str::to_owned);
        let instance_count = match deployment.pointer("/sku/capacity") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| Error::validation("instance_count", "must be a whole number"))?,
        };
        let environment_variables = props
            .get("environmentVariables")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let request = match props.get("requestSettings") {
            Some(rs) if rs.is_object() => {
                let defaults = RequestSettings::default();
                RequestSettings {
                    max_concurrent_requests_per_instance: rs
                        .get("maxConcurrentRequestsPerInstance")
                        .and_then(Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| *n > 0)
                        .unwrap_or(defaults.max_concurrent_requests_per_instance),
                    request_timeout: optional_duration(
                        rs,
                        "requestTimeout",
                        "request_settings.request_timeout_ms",
                    )?
                    .unwrap_or(defaults.request_timeout),
                }
            }
            _ => RequestSettings::default(),
        };
        Ok(Self {
            instance_count,
            model_id: text("model"),
            environment_id: text("environmentId"),
            code_id: props
                .pointer("/codeConfiguration/codeId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            scoring_script: props
                .pointer("/codeConfiguration/scoringScript")
                .and_then(Value::as_str)
                .map(str::to_owned),
            environment_variables,
            liveness: probe(props.get("livenessProbe"), "liveness_probe")?,
            readiness: probe(props.get("readinessProbe"), "readiness_probe")?,
            request,
            limits: ResourceLimits::from_properties(props),
        })
    }
}

fn optional_duration(obj: &Value, key: &str, field: &str) -> Result<Option<Duration>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_iso_duration(s)
            .map(Some)
            .ok_or_else(|| Error::validation(field, format!("`{s}` is not an ISO 8601 duration"))),
        Some(_) => Err(Error::validation(
            field,
            "must be an ISO 8601 duration string",
        )),
    }
}

fn probe(value: Option<&Value>, field: &str) -> Result<Probe> {
    let defaults = Probe::default();
    let Some(p) = value.filter(|v| v.is_object()) else {
        return Ok(defaults);
    };
    let count = |key: &str, default: u32| -> Result<u32> {
        match p.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::validation(format!("{field}.{key}"), "must be a positive whole number")
                }),
        }
    };
    Ok(Probe {
        initial_delay: optional_duration(p, "initialDelay", &format!("{field}.initial_delay"))?
            .unwrap_or(defaults.initial_delay),
        period: optional_duration(p, "period", &format!("{field}.period"))?
            .unwrap_or(defaults.period),
        timeout: optional_duration(p, "timeout", &format!("{field}.timeout"))?
            .unwrap_or(defaults.timeout),
        failure_threshold: count("failureThreshold", defaults.failure_threshold)?,
        success_threshold: count("successThreshold", defaults.success_threshold)?,
    })
}

/// Parses the ISO 8601 durations ARM uses (`PT30S`, `PT1M30.5S`, `P1DT2H`) with `speedate`
/// (pydantic's parser). Negative durations, and units out of order (which speedate sums but
/// Azure refuses), are refused.
pub(crate) fn parse_iso_duration(text: &str) -> Option<Duration> {
    let body = text.strip_prefix('P')?;
    let (date, time) = body.split_once('T').unwrap_or((body, ""));
    if !designators_in_order(date, "YMWD") || !designators_in_order(time, "HMS") {
        return None;
    }
    let parsed = speedate::Duration::parse_str(text).ok()?;
    if !parsed.positive {
        return None;
    }
    let seconds = u64::from(parsed.day) * 86_400 + u64::from(parsed.second);
    Some(Duration::from_secs(seconds) + Duration::from_micros(u64::from(parsed.microsecond)))
}

/// True when the unit letters of `part` appear in the order of `order`, each at most once.
fn designators_in_order(part: &str, order: &str) -> bool {
    let mut rest = order;
    part.chars()
        .filter(char::is_ascii_alphabetic)
        .all(|c| match rest.find(c) {
            Some(i) => {
                rest = &rest[i + 1..];
                true
            }
            None => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_durations_python_sends() {
        let cases = [
            ("PT1S", 1.0),
            ("PT1M", 60.0),
            ("PT1M1S", 61.0),
            ("PT1H1M1S", 3661.0),
            ("P1D", 86400.0),
            ("P1DT1H1M1S", 90061.0),
            ("PT0.5S", 0.5),
            ("PT0.001S", 0.001),
            ("PT1M30.001S", 90.001),
        ];
        let bad = ["", "P", "PT", "-PT5S", "PT5", "PTS", "PT1S1M", "5S", "PT1X"];
        crate::core::monitor::duration::assert_parses(parse_iso_duration, &cases, &bad);
    }

    #[test]
    fn tutorial_deployment_reads_with_defaults() {
        let d = json!({
            "sku": {"name": "Default", "capacity": 2},
            "properties": {
                "codeConfiguration": {"codeId": "/codes/c/versions/1", "scoringScript": "score.py"},
                "environmentId": "/environments/e/versions/1",
                "model": "/models/m/versions/1",
                "environmentVariables": {"A": "1"},
                "livenessProbe": {"failureThreshold": 3, "period": "PT10S", "initialDelay": "PT30S"},
                "requestSettings": {"maxConcurrentRequestsPerInstance": 4, "requestTimeout": "PT0.5S"}
            }
        });
        let spec = ServingSpec::from_arm(&d).unwrap();
        assert_eq!(spec.instance_count, 2);
        assert_eq!(spec.scoring_script.as_deref(), Some("score.py"));
        assert_eq!(spec.liveness.failure_threshold, 3);
        assert_eq!(spec.liveness.initial_delay, Duration::from_secs(30));
        assert_eq!(spec.liveness.timeout, Duration::from_secs(2));
        assert_eq!(spec.readiness, Probe::default());
        assert_eq!(spec.request.max_concurrent_requests_per_instance, 4);
        assert_eq!(spec.request.request_timeout, Duration::from_millis(500));
        assert_eq!(
            spec.environment_variables.get("A").map(String::as_str),
            Some("1")
        );
    }

    #[test]
    fn resource_limits_come_from_kubernetes_requirements_or_the_instance_type() {
        assert_eq!(parse_cpu_quantity("500m"), Some(0.5));
        assert_eq!(parse_cpu_quantity(" 2 "), Some(2.0));
        for bad in ["", "m", "-1", "0", "two"] {
            assert_eq!(parse_cpu_quantity(bad), None, "{bad}");
        }
        assert_eq!(parse_memory_quantity("1Gi"), Some(1 << 30));
        assert_eq!(parse_memory_quantity("512Mi"), Some(512 << 20));
        assert_eq!(parse_memory_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_memory_quantity("128974848"), Some(128_974_848));
        assert_eq!(parse_memory_quantity("1e3"), Some(1000));
        for bad in ["", "Gi", "-1Gi", "lots"] {
            assert_eq!(parse_memory_quantity(bad), None, "{bad}");
        }
        let k8s = json!({"properties": {"instanceType": "defaultinstancetype",
            "containerResourceRequirements": {
                "containerResourceRequests": {"cpu": "250m", "memory": "1Gi"},
                "containerResourceLimits": {"cpu": "0.5"}}}});
        let limits = ServingSpec::from_arm(&k8s).unwrap().limits;
        assert_eq!(limits.cpus, Some(0.5), "the limit wins over the request");
        assert_eq!(
            limits.memory_bytes,
            Some(1 << 30),
            "the request when there is no limit"
        );
        let managed = json!({"properties": {"instanceType": "standard_ds3_v2"}});
        let limits = ServingSpec::from_arm(&managed).unwrap().limits;
        assert_eq!(
            (limits.cpus, limits.memory_bytes),
            (Some(4.0), Some(14 << 30))
        );
        let unknown = json!({"properties": {"instanceType": "Standard_Unknown"}});
        assert_eq!(
            ServingSpec::from_arm(&unknown).unwrap().limits,
            ResourceLimits::default()
        );
        assert_eq!(Probe::default().window(), Duration::from_secs(10 + 300 + 2));
    }

    #[test]
    fn bad_probe_values_name_the_field() {
        let d = json!({"properties": {"readinessProbe": {"period": "ten seconds"}}});
        match ServingSpec::from_arm(&d).unwrap_err() {
            Error::Validation { field, .. } => assert_eq!(field, "readiness_probe.period"),
            other => panic!("{other}"),
        }
        let d = json!({"properties": {"livenessProbe": {"failureThreshold": 0}}});
        match ServingSpec::from_arm(&d).unwrap_err() {
            Error::Validation { field, .. } => assert_eq!(field, "liveness_probe.failureThreshold"),
            other => panic!("{other}"),
        }
    }
}
