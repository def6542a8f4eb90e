//! Entities → Python's `_to_dict()` shape (what `az ml … show` prints) and back, and CLI v2
//! YAML files written from entities.
//!
//! The dict is the CLI v2 YAML schema's dump: snake_case keys, enum values in the YAML
//! spellings (`auth_mode: aml_token`, `type: managed`), `None` left out, empty maps kept
//! (`tags: {}`, `traffic: {}`), read-only fields the service filled in (`id`, `scoring_uri`,
//! `provisioning_state`, `creation_context`) included. Loading accepts every key a dump
//! writes, so `show -o yaml > x.yml` then `update -f x.yml` works as in Python.

use std::any::Any;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{decode, DeploymentYaml, EndpointYaml, EnvironmentYaml, ModelYaml, Overrides};
use crate::entities::{
    CodeConfiguration, CondaFile, CreationContext, DataCollector, Environment,
    IdentityConfiguration, InferenceConfig, KubernetesDeploymentCompute, Model, OnlineDeployment,
    OnlineDeploymentOf, OnlineEndpoint, OnlineEndpointOf, OnlineRequestSettings, ProbeSettings,
    Reference, ResourceSettings, ScaleSettings,
};
use crate::{Error, Result};

/// `$schema` of a managed online endpoint file.
pub const MANAGED_ENDPOINT_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json";
/// `$schema` of a Kubernetes online endpoint file.
pub const KUBERNETES_ENDPOINT_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json";
/// `$schema` of a managed online deployment file.
pub const MANAGED_DEPLOYMENT_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json";
/// `$schema` of a Kubernetes online deployment file.
pub const KUBERNETES_DEPLOYMENT_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json";
/// `$schema` of a model file.
pub const MODEL_SCHEMA: &str = "https://azuremlschemas.azureedge.net/latest/model.schema.json";
/// `$schema` of an environment file.
pub const ENVIRONMENT_SCHEMA: &str =
    "https://azuremlschemas.azureedge.net/latest/environment.schema.json";

/// An entity in Python's `_to_dict()` shape: what `az ml … show` prints.
///
/// ```
/// use azure_ai_ml::yaml::ToDict;
/// use azure_ai_ml::{AuthMode, ManagedOnlineEndpoint, OnlineEndpoint};
/// let endpoint = OnlineEndpoint::from(ManagedOnlineEndpoint::new("churn").auth_mode(AuthMode::AmlToken));
/// let dict = endpoint.to_dict();
/// assert_eq!(dict["auth_mode"], "aml_token");
/// assert_eq!(dict["traffic"], serde_json::json!({}));
/// ```
pub trait ToDict {
    /// The dict (a JSON object).
    fn to_dict(&self) -> Value;
}

/// An entity with a CLI v2 YAML file format: dumped with [`dump`], read back from a dict.
pub trait YamlEntity: ToDict + Sized {
    /// The `$schema` URL its files carry.
    fn schema_url(&self) -> &'static str;

    /// The entity a dict (as [`ToDict::to_dict`] makes, or a YAML file holds) describes;
    /// relative paths resolve against `base`.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the field, as when loading a file.
    fn from_dict(dict: &Value, base: &Path) -> Result<Self>;
}

/// The entity as a CLI v2 YAML file, `$schema` first (Python's `entity.dump(path)`).
///
/// Local paths are written as the entity holds them; the loaders make them absolute, so a
/// file loaded, dumped elsewhere and loaded again points at the same files.
///
/// ```
/// use azure_ai_ml::yaml::dump;
/// use azure_ai_ml::{ManagedOnlineEndpoint, OnlineEndpoint};
/// let text = dump(&OnlineEndpoint::from(ManagedOnlineEndpoint::new("churn")))?;
/// assert!(text.starts_with("$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"));
/// # Ok::<(), azure_ai_ml::Error>(())
/// ```
///
/// # Errors
/// [`Error::Other`] if the YAML writer refuses the tree (it holds only strings, numbers,
/// booleans, lists and maps, so this is not expected).
pub fn dump<T: YamlEntity>(entity: &T) -> Result<String> {
    let mut file = Map::new();
    file.insert("$schema".into(), entity.schema_url().into());
    if let Value::Object(dict) = entity.to_dict() {
        file.extend(dict);
    }
    yaml_serde::to_string(&Value::Object(file))
        .map_err(|e| Error::other(format!("cannot write YAML: {e}")))
}

/// Writes [`dump`] of the entity to `path`.
///
/// # Errors
/// As [`dump`]; [`Error::Io`] when the file cannot be written.
pub fn dump_to_file<T: YamlEntity>(entity: &T, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, dump(entity)?).map_err(|e| Error::io(path, e))
}

/// The entity with `overrides` applied to its dict (the CLI's `update --set` without a file:
/// the current resource, changed the way a YAML file would be).
///
/// # Errors
/// As [`Overrides::apply`] and [`YamlEntity::from_dict`].
pub fn with_overrides<T: YamlEntity>(entity: &T, overrides: &Overrides) -> Result<T> {
    let mut tree = yaml_serde::to_value(entity.to_dict())
        .map_err(|e| Error::other(format!("cannot convert to YAML: {e}")))?;
    overrides.apply(&mut tree)?;
    let dict = serde_json::to_value(&tree)
        .map_err(|e| Error::other(format!("cannot convert from YAML: {e}")))?;
    let base = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    T::from_dict(&dict, &base)
}

/// Loads an entity of type `T` from a CLI v2 YAML file, or from nothing but `overrides` when
/// there is no file (`az ml online-endpoint create -n churn --auth-mode key`): the generic
/// form of `load_online_endpoint_with` and its siblings.
///
/// ```no_run
/// use azure_ai_ml::yaml::{load, Overrides};
/// use azure_ai_ml::OnlineEndpoint;
/// let from_flags: OnlineEndpoint = load(None, &Overrides::new().set("name", "churn"))?;
/// # Ok::<(), azure_ai_ml::Error>(())
/// ```
///
/// # Errors
/// As [`super::load_online_endpoint_with`].
pub fn load<T: YamlEntity>(path: Option<&Path>, overrides: &Overrides) -> Result<T> {
    let (mut tree, base) = match path {
        Some(p) => super::read_tree(p)?,
        None => (
            yaml_serde::Value::Mapping(Default::default()),
            std::env::current_dir().map_err(|e| Error::io(".", e))?,
        ),
    };
    overrides.apply(&mut tree)?;
    let what = path.map_or_else(|| "arguments".to_owned(), |p| p.display().to_string());
    let dict = serde_json::to_value(&tree)
        .map_err(|e| Error::validation(what, format!("not a CLI v2 YAML mapping: {e}")))?;
    T::from_dict(&dict, &base)
}

fn tree_of(dict: &Value) -> Result<yaml_serde::Value> {
    yaml_serde::to_value(dict).map_err(|e| Error::other(format!("cannot convert to YAML: {e}")))
}

/// Python's `camel_to_snake` (`AMLToken` → `aml_token`, `SystemAssigned` → `system_assigned`).
pub(crate) fn camel_to_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Builds a dict: `None` is left out, everything else kept in insertion order.
#[derive(Default)]
struct Dict(Map<String, Value>);

impl Dict {
    fn put(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    fn opt<V: Into<Value>>(self, key: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    fn done(self) -> Value {
        Value::Object(self.0)
    }

    /// Done, with the resource's read-only `creation_context` last, as every resource dict
    /// ends.
    fn done_with_creation_context(self, context: Option<&CreationContext>) -> Value {
        self.opt("creation_context", context.map(creation_context))
            .done()
    }
}

fn map<V: Clone + Into<Value>>(m: &std::collections::BTreeMap<String, V>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect(),
    )
}

fn time(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
}

fn creation_context(c: &CreationContext) -> Value {
    Dict::default()
        .opt("created_at", time(c.created_at))
        .opt("created_by", c.created_by.clone())
        .opt("created_by_type", c.created_by_type.clone())
        .opt("last_modified_at", time(c.last_modified_at))
        .opt("last_modified_by", c.last_modified_by.clone())
        .opt("last_modified_by_type", c.last_modified_by_type.clone())
        .done()
}

fn identity(i: &IdentityConfiguration) -> Value {
    let users: Vec<Value> = i
        .user_assigned_identities
        .iter()
        .map(|(id, u)| {
            Dict::default()
                .put("resource_id", id.clone())
                .opt("principal_id", u.principal_id.clone())
                .opt("client_id", u.client_id.clone())
                .done()
        })
        .collect();
    let d = Dict::default()
        .put("type", camel_to_snake(i.type_.as_str()))
        .opt("principal_id", i.principal_id.clone())
        .opt("tenant_id", i.tenant_id.clone());
    if users.is_empty() {
        d.done()
    } else {
        d.put("user_assigned_identities", users).done()
    }
}

// ---- endpoints -----------------------------------------------------------------------------

fn endpoint_dict(e: &OnlineEndpointOf<dyn Any>, compute: Option<&str>) -> Value {
    Dict::default()
        .put("name", e.name.clone())
        .opt("description", e.description.clone())
        .put("tags", map(&e.tags))
        .put("properties", map(&e.properties))
        .put("auth_mode", camel_to_snake(e.auth_mode.as_str()))
        .put("traffic", map(&e.traffic))
        .put("mirror_traffic", map(&e.mirror_traffic))
        .opt(
            "public_network_access",
            e.public_network_access
                .as_ref()
                .map(|p| p.as_str().to_ascii_lowercase()),
        )
        .opt("compute", compute.map(str::to_owned))
        .opt("identity", e.identity.as_ref().map(identity))
        .opt("kind", e.kind.clone())
        .opt("location", e.location.clone())
        .opt("id", e.id.clone())
        .opt("scoring_uri", e.scoring_uri.clone())
        .opt(
            "openapi_uri",
            e.openapi_uri.clone().or(e.swagger_uri.clone()),
        )
        .opt(
            "provisioning_state",
            e.provisioning_state.as_ref().map(|p| p.as_str().to_owned()),
        )
        .done_with_creation_context(e.creation_context.as_ref())
}

impl ToDict for OnlineEndpoint {
    fn to_dict(&self) -> Value {
        let compute = match self {
            OnlineEndpoint::Kubernetes(k) => k.compute.target.as_deref(),
            OnlineEndpoint::Managed(_) => None,
        };
        endpoint_dict(self.shared(), compute)
    }
}

impl YamlEntity for OnlineEndpoint {
    fn schema_url(&self) -> &'static str {
        if self.is_kubernetes() {
            KUBERNETES_ENDPOINT_SCHEMA
        } else {
            MANAGED_ENDPOINT_SCHEMA
        }
    }

    fn from_dict(dict: &Value, _base: &Path) -> Result<Self> {
        file_of::<EndpointYaml>(dict, "online endpoint")?.into_entity()
    }
}

/// The YAML file struct a dict describes (`what` names it in errors). A dict from `show`
/// carries the read-only `creation_context`, which endpoint and deployment file schemas don't
/// take and the model and environment ones ignore: it is dropped first.
fn file_of<F: DeserializeOwned>(dict: &Value, what: &str) -> Result<F> {
    let mut tree = tree_of(dict)?;
    if let yaml_serde::Value::Mapping(m) = &mut tree {
        m.remove("creation_context");
    }
    decode(tree, what)
}

// ---- models and environments ---------------------------------------------------------------

impl ToDict for Model {
    fn to_dict(&self) -> Value {
        let flavors: Map<String, Value> = self
            .flavors
            .iter()
            .map(|(k, v)| (k.clone(), map(v)))
            .collect();
        Dict::default()
            .opt("name", Some(self.name.clone()).filter(|n| !n.is_empty()))
            .opt("id", self.id.clone())
            .put("type", self.model_type.as_str())
            .opt("path", self.path.clone())
            .opt("version", self.version.clone())
            .opt("description", self.description.clone())
            .put("properties", map(&self.properties))
            .put("tags", map(&self.tags))
            .opt("stage", self.stage.clone())
            .opt("job_name", self.job_name.clone())
            .opt(
                "flavors",
                Some(Value::Object(flavors)).filter(|_| !self.flavors.is_empty()),
            )
            .done_with_creation_context(self.creation_context.as_ref())
    }
}

/// Python's `Model` / `Environment` built from a container (a list without a name).
impl ToDict for crate::entities::AssetContainer {
    fn to_dict(&self) -> Value {
        Dict::default()
            .put("name", self.name.clone())
            .opt("id", self.id.clone())
            .opt("latest_version", self.latest_version.clone())
            .opt("description", self.description.clone())
            .put("tags", map(&self.tags))
            .put("properties", map(&self.properties))
            .done_with_creation_context(self.creation_context.as_ref())
    }
}

impl YamlEntity for Model {
    fn schema_url(&self) -> &'static str {
        MODEL_SCHEMA
    }

    fn from_dict(dict: &Value, base: &Path) -> Result<Self> {
        file_of::<ModelYaml>(dict, "model")?.into_entity(base, "")
    }
}

fn inference_config(c: &InferenceConfig) -> Value {
    let route = |r: &crate::entities::Route| {
        Dict::default()
            .put("path", r.path.clone())
            .put("port", r.port)
            .done()
    };
    Dict::default()
        .opt("liveness_route", c.liveness_route.as_ref().map(route))
        .opt("readiness_route", c.readiness_route.as_ref().map(route))
        .opt("scoring_route", c.scoring_route.as_ref().map(route))
        .opt("startup_route", c.startup_route.as_ref().map(route))
        .done()
}

impl ToDict for Environment {
    fn to_dict(&self) -> Value {
        let conda = self.conda_file.as_ref().map(|c| match c {
            CondaFile::Path(p) => Value::String(p.to_string_lossy().into_owned()),
            CondaFile::Inline(v) => serde_json::to_value(v).unwrap_or(Value::Null),
        });
        let build = self.build.as_ref().map(|b| {
            Dict::default()
                .put("path", b.path.clone())
                .opt("dockerfile_path", b.dockerfile_path.clone())
                .done()
        });
        Dict::default()
            .opt("name", Some(self.name.clone()).filter(|n| !n.is_empty()))
            .opt("id", self.id.clone())
            .opt("description", self.description.clone())
            .put("tags", map(&self.tags))
            .put("properties", map(&self.properties))
            .opt("version", self.version.clone())
            .opt("image", self.image.clone())
            .opt("conda_file", conda)
            .opt("build", build)
            .opt(
                "os_type",
                self.os_type
                    .as_ref()
                    .map(|o| o.as_str().to_ascii_lowercase()),
            )
            .opt(
                "inference_config",
                self.inference_config.as_ref().map(inference_config),
            )
            .done_with_creation_context(self.creation_context.as_ref())
    }
}

impl YamlEntity for Environment {
    fn schema_url(&self) -> &'static str {
        ENVIRONMENT_SCHEMA
    }

    fn from_dict(dict: &Value, base: &Path) -> Result<Self> {
        file_of::<EnvironmentYaml>(dict, "environment")?.into_entity(base, "")
    }
}

// ---- deployments ---------------------------------------------------------------------------

fn reference<T: ToDict>(r: &Reference<T>) -> Value {
    match r {
        Reference::Id(id) => Value::String(id.clone()),
        Reference::Inline(asset) => {
            let mut dict = asset.to_dict();
            if let Value::Object(m) = &mut dict {
                // An inline asset's placeholder properties are not part of what was written.
                if m.get("properties")
                    .is_some_and(|p| p == &Value::Object(Map::new()))
                {
                    m.remove("properties");
                }
            }
            dict
        }
    }
}

fn probe(p: &ProbeSettings) -> Value {
    Dict::default()
        .opt("initial_delay", p.initial_delay)
        .opt("period", p.period)
        .opt("timeout", p.timeout)
        .opt("success_threshold", p.success_threshold)
        .opt("failure_threshold", p.failure_threshold)
        .done()
}

fn request_settings(r: &OnlineRequestSettings) -> Value {
    Dict::default()
        .opt("request_timeout_ms", r.request_timeout_ms)
        .opt(
            "max_concurrent_requests_per_instance",
            r.max_concurrent_requests_per_instance,
        )
        .opt("max_queue_wait_ms", r.max_queue_wait_ms)
        .done()
}

fn scale_settings(s: &ScaleSettings) -> Value {
    match s {
        ScaleSettings::Default(_) => Dict::default().put("type", "default").done(),
        ScaleSettings::TargetUtilization(t) => Dict::default()
            .put("type", "target_utilization")
            .opt("min_instances", t.min_instances)
            .opt("max_instances", t.max_instances)
            .opt("polling_interval", t.polling_interval)
            .opt(
                "target_utilization_percentage",
                t.target_utilization_percentage,
            )
            .done(),
    }
}

fn code_configuration(c: &CodeConfiguration) -> Value {
    Dict::default()
        .opt("code", c.code.clone())
        .put("scoring_script", c.scoring_script.clone())
        .done()
}

fn data_collector(d: &DataCollector) -> Value {
    let collections: Map<String, Value> = d
        .collections
        .iter()
        .map(|(name, c)| {
            let dict = Dict::default()
                // Python's schema writes the flag as the string 'true' / 'false'.
                .put("enabled", if c.enabled { "true" } else { "false" })
                .opt("data", c.data.clone())
                .opt("client_id", c.client_id.clone())
                .opt("sampling_rate", c.sampling_rate)
                .done();
            (name.clone(), dict)
        })
        .collect();
    Dict::default()
        .put("collections", Value::Object(collections))
        .opt(
            "rolling_rate",
            d.rolling_rate
                .as_ref()
                .map(|r| r.as_str().to_ascii_lowercase()),
        )
        .opt("sampling_rate", d.sampling_rate)
        .opt(
            "request_logging",
            d.request_logging.as_ref().map(|r| {
                Dict::default()
                    .put("capture_headers", r.capture_headers.clone())
                    .done()
            }),
        )
        .done()
}

fn resources(r: &crate::entities::ResourceRequirementsSettings) -> Value {
    let one = |s: &ResourceSettings| {
        Dict::default()
            .opt("cpu", s.cpu.clone())
            .opt("memory", s.memory.clone())
            .opt("gpu", s.gpu.clone())
            .done()
    };
    Dict::default()
        .opt("requests", r.requests.as_ref().map(one))
        .opt("limits", r.limits.as_ref().map(one))
        .done()
}

fn deployment_dict(
    d: &OnlineDeploymentOf<dyn Any>,
    kind: &str,
    k8s: Option<&KubernetesDeploymentCompute>,
) -> Value {
    Dict::default()
        .put("name", d.name.clone())
        .opt("endpoint_name", d.endpoint_name.clone())
        .opt("description", d.description.clone())
        .put("tags", map(&d.tags))
        .put("properties", map(&d.properties))
        .opt("model", d.model.as_ref().map(reference))
        .opt(
            "code_configuration",
            d.code_configuration.as_ref().map(code_configuration),
        )
        .opt("environment", d.environment.as_ref().map(reference))
        .put("environment_variables", map(&d.environment_variables))
        .put("app_insights_enabled", d.app_insights_enabled)
        .opt(
            "scale_settings",
            d.scale_settings.as_ref().map(scale_settings),
        )
        .opt(
            "request_settings",
            d.request_settings.as_ref().map(request_settings),
        )
        .opt("liveness_probe", d.liveness_probe.as_ref().map(probe))
        .opt("readiness_probe", d.readiness_probe.as_ref().map(probe))
        .opt("startup_probe", d.startup_probe.as_ref().map(probe))
        .opt("instance_count", d.instance_count)
        .put("type", kind)
        .opt("instance_type", d.instance_type.clone())
        .opt(
            "egress_public_network_access",
            d.egress_public_network_access
                .as_ref()
                .map(|p| p.as_str().to_ascii_lowercase()),
        )
        .opt(
            "data_collector",
            d.data_collector.as_ref().map(data_collector),
        )
        .opt("model_mount_path", d.model_mount_path.clone())
        .opt(
            "resources",
            k8s.and_then(|k| k.resources.as_ref()).map(resources),
        )
        .opt("id", d.id.clone())
        .opt(
            "provisioning_state",
            d.provisioning_state.as_ref().map(|p| p.as_str().to_owned()),
        )
        .done()
}

impl ToDict for OnlineDeployment {
    fn to_dict(&self) -> Value {
        match self {
            OnlineDeployment::Managed(d) => deployment_dict(d, "managed", None),
            OnlineDeployment::Kubernetes(d) => deployment_dict(d, "kubernetes", Some(&d.compute)),
        }
    }
}

impl YamlEntity for OnlineDeployment {
    fn schema_url(&self) -> &'static str {
        if matches!(self, OnlineDeployment::Kubernetes(_)) {
            KUBERNETES_DEPLOYMENT_SCHEMA
        } else {
            MANAGED_DEPLOYMENT_SCHEMA
        }
    }

    fn from_dict(dict: &Value, base: &Path) -> Result<Self> {
        file_of::<DeploymentYaml>(dict, "online deployment")?.into_entity(base)
    }
}

#[cfg(test)]
mod tests {
    use super::camel_to_snake;

    #[test]
    fn camel_to_snake_matches_python() {
        for (camel, snake) in [
            ("AMLToken", "aml_token"),
            ("Key", "key"),
            ("AADToken", "aad_token"),
            ("SystemAssigned", "system_assigned"),
            ("None", "none"),
            ("already_snake", "already_snake"),
        ] {
            assert_eq!(camel_to_snake(camel), snake);
        }
    }
}
