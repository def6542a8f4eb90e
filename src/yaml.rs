//! CLI v2 YAML files ⇄ entities, like Python's `load_online_endpoint`, `load_online_deployment`,
//! `load_model` and `load_environment` (with `params_override`: [`Overrides`]), and
//! `entity.dump()` / `_to_dict()` ([`dump`], [`ToDict`]).
//!
//! The schema is strict the way Python's is: unknown fields, unknown enum values
//! (`auth_mode: password`, `type: pickle_model`), names that break the endpoint pattern and
//! data-collector `enabled` values other than the strings `'true'`/`'false'` are rejected at
//! load time with an [`Error::Validation`] naming the field. Everything else (file existence,
//! traffic sums, probe values, …) is left to the entities' `validate()` methods
//! ([`OnlineEndpoint::validate`](crate::OnlineEndpoint::validate), …), which the operations run.
//!
//! Relative paths (`path`, `conda_file`, `build.path`, `code_configuration.code`) are resolved
//! against the YAML file's folder. A conda file is read and parsed at load time, as in Python.
//! Models / environments defined inline in a deployment keep an empty name: the operation
//! registers them anonymously.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::entities::macros::LenientEnum;
use crate::entities::{
    AuthMode, BuildContext, CodeConfiguration, CondaFile, DataCollector, DefaultScaleSettings,
    DeploymentCollection, Environment, EnvironmentRef, IdentityConfiguration, IdentityType,
    InferenceConfig, KubernetesDeploymentCompute, KubernetesEndpointCompute, ManagedCompute, Model,
    ModelRef, OnlineDeployment, OnlineDeploymentOf, OnlineEndpoint, OnlineEndpointOf,
    OnlineRequestSettings, ProbeSettings, ProvisioningState, PublicNetworkAccess, RequestLogging,
    ResourceRequirementsSettings, ResourceSettings, Route, ScaleSettings,
    TargetUtilizationScaleSettings, UserIdentity,
};
use crate::{Error, Result};

mod dump;
mod overrides;

pub use dump::{
    dump, dump_to_file, load, with_overrides, ToDict, YamlEntity, ENVIRONMENT_SCHEMA,
    KUBERNETES_DEPLOYMENT_SCHEMA, KUBERNETES_ENDPOINT_SCHEMA, MANAGED_DEPLOYMENT_SCHEMA,
    MANAGED_ENDPOINT_SCHEMA, MODEL_SCHEMA,
};
pub use overrides::Overrides;

/// Loads an online endpoint (`compute` set ⇒ Kubernetes, otherwise managed).
///
/// ```no_run
/// let endpoint = azure_ai_ml::load_online_endpoint("endpoint.yml")?;
/// println!("{}", endpoint.name());
/// # Ok::<(), azure_ai_ml::Error>(())
/// ```
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Validation`] naming the field for YAML
/// the CLI v2 schema rejects.
pub fn load_online_endpoint(path: impl AsRef<Path>) -> Result<OnlineEndpoint> {
    load_online_endpoint_with(path, &Overrides::new())
}

/// Loads an online endpoint with `overrides` applied to the YAML tree first (Python's
/// `load_online_endpoint(path, params_override=[…])`, the CLI's `--set a.b=c`).
///
/// ```no_run
/// use azure_ai_ml::yaml::{load_online_endpoint_with, Overrides};
/// let overrides = Overrides::new().set("name", "churn-staging").set("tags.stage", "staging");
/// let endpoint = load_online_endpoint_with("endpoint.yml", &overrides)?;
/// # Ok::<(), azure_ai_ml::Error>(())
/// ```
///
/// # Errors
/// As [`load_online_endpoint`]; [`Error::Validation`] on `--set` when a path runs through a
/// reference string.
pub fn load_online_endpoint_with(
    path: impl AsRef<Path>,
    overrides: &Overrides,
) -> Result<OnlineEndpoint> {
    let (file, _base): (EndpointYaml, _) = read(path.as_ref(), overrides)?;
    file.into_entity()
}

/// Loads an online deployment (`type: kubernetes` ⇒ Kubernetes, otherwise managed).
///
/// # Errors
/// As [`load_online_endpoint`].
pub fn load_online_deployment(path: impl AsRef<Path>) -> Result<OnlineDeployment> {
    load_online_deployment_with(path, &Overrides::new())
}

/// Loads an online deployment with `overrides` applied to the YAML tree first.
///
/// # Errors
/// As [`load_online_endpoint_with`].
pub fn load_online_deployment_with(
    path: impl AsRef<Path>,
    overrides: &Overrides,
) -> Result<OnlineDeployment> {
    let (file, base): (DeploymentYaml, _) = read(path.as_ref(), overrides)?;
    file.into_entity(&base)
}

/// Loads a model.
///
/// # Errors
/// As [`load_online_endpoint`].
pub fn load_model(path: impl AsRef<Path>) -> Result<Model> {
    load_model_with(path, &Overrides::new())
}

/// Loads a model with `overrides` applied to the YAML tree first.
///
/// # Errors
/// As [`load_online_endpoint_with`].
pub fn load_model_with(path: impl AsRef<Path>, overrides: &Overrides) -> Result<Model> {
    let (file, base): (ModelYaml, _) = read(path.as_ref(), overrides)?;
    file.into_entity(&base, "")
}

/// Loads an environment.
///
/// # Errors
/// As [`load_online_endpoint`].
pub fn load_environment(path: impl AsRef<Path>) -> Result<Environment> {
    load_environment_with(path, &Overrides::new())
}

/// Loads an environment with `overrides` applied to the YAML tree first.
///
/// # Errors
/// As [`load_online_endpoint_with`].
pub fn load_environment_with(path: impl AsRef<Path>, overrides: &Overrides) -> Result<Environment> {
    let (file, base): (EnvironmentYaml, _) = read(path.as_ref(), overrides)?;
    file.into_entity(&base, "")
}

/// Reads a YAML file into a tree and the (absolute) folder its relative paths resolve against.
fn read_tree(path: &Path) -> Result<(yaml_serde::Value, PathBuf)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let value: yaml_serde::Value = yaml_serde::from_str(&text).map_err(|e| {
        Error::validation(path.display().to_string(), format!("not valid YAML: {e}"))
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    // Absolute, so an entity dumped to a file elsewhere still points at the same files.
    let base = if base.is_absolute() {
        base
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(base)
    };
    Ok((value, base))
}

/// Decodes a YAML tree into one of the file shapes below; `what` names the source in errors.
fn decode<T: DeserializeOwned>(value: yaml_serde::Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { what.to_owned() } else { field };
        Error::validation(field, e.inner().to_string())
    })
}

/// Reads a YAML file, applies `overrides` to its tree, then decodes it; returns it with the
/// folder relative paths resolve against.
fn read<T: DeserializeOwned>(path: &Path, overrides: &Overrides) -> Result<(T, PathBuf)> {
    let (mut value, base) = read_tree(path)?;
    overrides.apply(&mut value)?;
    Ok((decode(value, &path.display().to_string())?, base))
}

/// `base/rel` without `.` components; absolute paths and URIs are left alone.
fn resolve(base: &Path, path: &str) -> String {
    if !crate::validate::is_local_path(path) || Path::new(path).is_absolute() {
        return path.to_owned();
    }
    let joined: PathBuf = base
        .join(path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    joined.to_string_lossy().into_owned()
}

/// A scalar written as string, number or bool (YAML `version: 1`, `WORKERS: 2`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

fn scalar_opt<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(Scalar::text))
}

fn scalar_map<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, Scalar>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.text()))
        .collect())
}

/// A number or boolean written as itself or as a string (`--set instance_count=2` arrives as
/// the string `"2"`; marshmallow's Int/Bool fields take both, so the schema here does too).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Lenient<T> {
    Value(T),
    Text(String),
}

impl<T: std::str::FromStr> Lenient<T> {
    fn get<E: serde::de::Error>(self) -> std::result::Result<T, E> {
        match self {
            Lenient::Value(v) => Ok(v),
            Lenient::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| E::custom(format!("`{t}` is not a valid {}", kind_of::<T>()))),
        }
    }
}

fn kind_of<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    if name == "bool" {
        "boolean"
    } else if name.starts_with('f') {
        "number"
    } else {
        "integer"
    }
}

fn lenient<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + std::str::FromStr,
{
    Option::<Lenient<T>>::deserialize(d)?
        .map(Lenient::get)
        .transpose()
}

fn lenient_map<'de, D>(d: D) -> std::result::Result<Option<BTreeMap<String, u32>>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<BTreeMap<String, Lenient<u32>>>::deserialize(d)?
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| Ok((k, v.get()?)))
                .collect::<std::result::Result<_, D::Error>>()
        })
        .transpose()
}

/// Parses one of a closed set of spellings through a lenient enum, rejecting unknown values.
fn known<T: LenientEnum>(field: &str, value: &str, allowed: &str) -> Result<T> {
    let parsed = T::parse_lenient(value);
    if parsed.is_unknown() {
        Err(Error::validation(
            field,
            format!("value `{value}` is not one of {allowed}"),
        ))
    } else {
        Ok(parsed)
    }
}

fn network_access(field: &str, value: Option<String>) -> Result<Option<PublicNetworkAccess>> {
    value
        .map(|v| known(field, &v, "[enabled, disabled]"))
        .transpose()
}

// ---- endpoint ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointYaml {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "scalar_map")]
    tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "scalar_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    auth_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient_map")]
    traffic: Option<BTreeMap<String, u32>>,
    #[serde(default, deserialize_with = "lenient_map")]
    mirror_traffic: Option<BTreeMap<String, u32>>,
    #[serde(default)]
    identity: Option<IdentityYaml>,
    #[serde(default)]
    public_network_access: Option<String>,
    #[serde(default)]
    compute: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    location: Option<String>,
    // Read-only fields `show` prints (`show -o yaml > e.yml` then `update -f e.yml` works, as
    // in Python); kept on the entity, never sent.
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    scoring_uri: Option<String>,
    #[serde(default)]
    openapi_uri: Option<String>,
    #[serde(default)]
    provisioning_state: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityYaml {
    #[serde(rename = "type")]
    type_: String,
    #[serde(default)]
    user_assigned_identities: Vec<UserIdentityYaml>,
    #[serde(default)]
    principal_id: Option<String>,
    #[serde(default)]
    tenant_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserIdentityYaml {
    resource_id: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    principal_id: Option<String>,
}

impl EndpointYaml {
    fn into_entity(mut self) -> Result<OnlineEndpoint> {
        crate::validate::resource_name("name", &self.name)?;
        Ok(match self.compute.take() {
            Some(target) => {
                let compute = KubernetesEndpointCompute {
                    target: Some(target),
                };
                OnlineEndpoint::Kubernetes(self.endpoint(compute)?)
            }
            None => OnlineEndpoint::Managed(self.endpoint(ManagedCompute::default())?),
        })
    }

    /// The fields both kinds share; `compute` is what only this kind has.
    fn endpoint<C: Default>(self, compute: C) -> Result<OnlineEndpointOf<C>> {
        let auth_mode = match &self.auth_mode {
            Some(v) => known("auth_mode", v, "[aml_token, key, aad_token]")?,
            None => AuthMode::Key,
        };
        let identity = match self.identity {
            Some(i) => {
                let t: IdentityType = known(
                    "identity.type",
                    &i.type_,
                    "[system_assigned, user_assigned, none]",
                )?;
                let mut id = IdentityConfiguration::new(t);
                id.principal_id = i.principal_id;
                id.tenant_id = i.tenant_id;
                for uai in i.user_assigned_identities {
                    id.user_assigned_identities.insert(
                        uai.resource_id,
                        UserIdentity {
                            principal_id: uai.principal_id,
                            client_id: uai.client_id,
                        },
                    );
                }
                Some(id)
            }
            None => None,
        };
        Ok(OnlineEndpointOf {
            name: self.name,
            description: self.description,
            tags: self.tags,
            properties: self.properties,
            auth_mode,
            traffic: self.traffic.unwrap_or_default(),
            mirror_traffic: self.mirror_traffic.unwrap_or_default(),
            identity,
            public_network_access: network_access(
                "public_network_access",
                self.public_network_access,
            )?,
            kind: self.kind,
            location: self.location,
            id: self.id,
            scoring_uri: self.scoring_uri.clone(),
            swagger_uri: self.openapi_uri.clone(),
            openapi_uri: self.openapi_uri,
            provisioning_state: self
                .provisioning_state
                .map(|s| ProvisioningState::parse(&s)),
            compute,
            ..Default::default()
        })
    }
}

// ---- model and environment -----------------------------------------------------------------

// Every key is optional (`default` for all): a missing one is `None` or empty.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ModelYaml {
    #[serde(rename = "$schema")]
    _schema: Option<String>,
    name: Option<String>,
    #[serde(deserialize_with = "scalar_opt")]
    version: Option<String>,
    path: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    description: Option<String>,
    #[serde(deserialize_with = "scalar_map")]
    tags: BTreeMap<String, String>,
    #[serde(deserialize_with = "scalar_map")]
    properties: BTreeMap<String, String>,
    stage: Option<String>,
    job_name: Option<String>,
    flavors: Option<BTreeMap<String, BTreeMap<String, Scalar>>>,
    // What `show` prints for a registered asset and the schema tolerates: Python drops
    // `creation_context` and `latest_version` at load; the id is kept on the entity.
    id: Option<String>,
    #[serde(rename = "creation_context")]
    _creation_context: Option<yaml_serde::Value>,
    #[serde(rename = "latest_version")]
    _latest_version: Option<yaml_serde::Value>,
}

impl ModelYaml {
    fn into_entity(self, base: &Path, prefix: &str) -> Result<Model> {
        let mut m = Model::new(self.name.unwrap_or_default());
        if let Some(t) = &self.type_ {
            m.model_type = known(
                &format!("{prefix}type"),
                t,
                "[custom_model, mlflow_model, triton_model]",
            )?;
        }
        m.version = self.version;
        m.path = self.path.map(|p| resolve(base, &p));
        m.description = self.description;
        m.tags = self.tags;
        m.properties = self.properties;
        m.stage = self.stage;
        m.job_name = self.job_name;
        m.id = self.id;
        m.flavors = self
            .flavors
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(dk, dv)| (dk, dv.text())).collect()))
            .collect();
        Ok(m)
    }
}

// Every key is optional (`default` for all): a missing one is `None` or empty.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct EnvironmentYaml {
    #[serde(rename = "$schema")]
    _schema: Option<String>,
    name: Option<String>,
    #[serde(deserialize_with = "scalar_opt")]
    version: Option<String>,
    image: Option<String>,
    conda_file: Option<yaml_serde::Value>,
    build: Option<BuildYaml>,
    description: Option<String>,
    #[serde(deserialize_with = "scalar_map")]
    tags: BTreeMap<String, String>,
    #[serde(deserialize_with = "scalar_map")]
    properties: BTreeMap<String, String>,
    os_type: Option<String>,
    inference_config: Option<InferenceConfigYaml>,
    id: Option<String>,
    #[serde(rename = "creation_context")]
    _creation_context: Option<yaml_serde::Value>,
    #[serde(rename = "latest_version")]
    _latest_version: Option<yaml_serde::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildYaml {
    path: String,
    #[serde(default)]
    dockerfile_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InferenceConfigYaml {
    #[serde(default)]
    liveness_route: Option<RouteYaml>,
    #[serde(default)]
    readiness_route: Option<RouteYaml>,
    #[serde(default)]
    scoring_route: Option<RouteYaml>,
    #[serde(default)]
    startup_route: Option<RouteYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteYaml {
    path: String,
    #[serde(deserialize_with = "lenient_port")]
    port: i32,
}

fn lenient_port<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i32, D::Error> {
    Lenient::<i32>::deserialize(d)?.get()
}

impl EnvironmentYaml {
    fn into_entity(self, base: &Path, prefix: &str) -> Result<Environment> {
        let mut e = Environment::new(self.name.unwrap_or_default());
        e.version = self.version;
        e.image = self.image;
        e.conda_file = match self.conda_file {
            None => None,
            // A path: read and parse now, as Python's loader does.
            Some(yaml_serde::Value::String(p)) => {
                let path = PathBuf::from(resolve(base, &p));
                let text = std::fs::read_to_string(&path).map_err(|err| {
                    Error::validation(
                        format!("{prefix}conda_file"),
                        format!("cannot read `{}`: {err}", path.display()),
                    )
                })?;
                let value = yaml_serde::from_str(&text).map_err(|err| {
                    Error::validation(
                        format!("{prefix}conda_file"),
                        format!("`{}` is not valid YAML: {err}", path.display()),
                    )
                })?;
                Some(CondaFile::Inline(value))
            }
            Some(inline @ yaml_serde::Value::Mapping(_)) => Some(CondaFile::Inline(inline)),
            Some(_) => {
                return Err(Error::validation(
                    format!("{prefix}conda_file"),
                    "must be a file path or an inline mapping",
                ))
            }
        };
        e.build = self.build.map(|b| {
            let mut ctx = BuildContext::new(resolve(base, &b.path));
            ctx.dockerfile_path = b.dockerfile_path;
            ctx
        });
        e.description = self.description;
        e.tags = self.tags;
        e.properties = self.properties;
        e.id = self.id;
        e.os_type = self
            .os_type
            .map(|v| known(&format!("{prefix}os_type"), &v, "[linux, windows]"))
            .transpose()?;
        e.inference_config = self.inference_config.map(|c| {
            let route = |r: Option<RouteYaml>| r.map(|r| Route::new(r.path, r.port));
            InferenceConfig {
                liveness_route: route(c.liveness_route),
                readiness_route: route(c.readiness_route),
                scoring_route: route(c.scoring_route),
                startup_route: route(c.startup_route),
            }
        });
        Ok(e)
    }
}

// ---- deployment ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentYaml {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    name: String,
    #[serde(default, rename = "type")]
    type_: Option<String>,
    #[serde(default)]
    endpoint_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "scalar_map")]
    tags: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "scalar_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    model: Option<AssetYaml<ModelYaml>>,
    #[serde(default)]
    environment: Option<AssetYaml<EnvironmentYaml>>,
    #[serde(default)]
    code_configuration: Option<CodeYaml>,
    #[serde(default, deserialize_with = "scalar_map")]
    environment_variables: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient")]
    app_insights_enabled: Option<bool>,
    #[serde(default)]
    scale_settings: Option<ScaleYaml>,
    #[serde(default)]
    request_settings: Option<RequestSettingsYaml>,
    #[serde(default)]
    liveness_probe: Option<ProbeYaml>,
    #[serde(default)]
    readiness_probe: Option<ProbeYaml>,
    #[serde(default)]
    startup_probe: Option<ProbeYaml>,
    #[serde(default)]
    instance_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    instance_count: Option<u32>,
    #[serde(default)]
    egress_public_network_access: Option<String>,
    #[serde(default)]
    data_collector: Option<DataCollectorYaml>,
    #[serde(default)]
    model_mount_path: Option<String>,
    #[serde(default)]
    resources: Option<ResourcesYaml>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    provisioning_state: Option<String>,
}

/// `model: azureml:name:1` or an inline definition.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AssetYaml<T> {
    Reference(String),
    Inline(T),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeYaml {
    #[serde(default)]
    code: Option<String>,
    scoring_script: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleYaml {
    #[serde(rename = "type")]
    type_: String,
    #[serde(default, deserialize_with = "lenient")]
    min_instances: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    max_instances: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    polling_interval: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    target_utilization_percentage: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSettingsYaml {
    #[serde(default, deserialize_with = "lenient")]
    request_timeout_ms: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    max_concurrent_requests_per_instance: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    max_queue_wait_ms: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeYaml {
    #[serde(default, deserialize_with = "lenient")]
    initial_delay: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    period: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    timeout: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    success_threshold: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    failure_threshold: Option<i64>,
}

impl From<ProbeYaml> for ProbeSettings {
    fn from(p: ProbeYaml) -> Self {
        ProbeSettings {
            initial_delay: p.initial_delay,
            period: p.period,
            timeout: p.timeout,
            success_threshold: p.success_threshold,
            failure_threshold: p.failure_threshold,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataCollectorYaml {
    collections: BTreeMap<String, CollectionYaml>,
    #[serde(default)]
    rolling_rate: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    sampling_rate: Option<f64>,
    #[serde(default)]
    request_logging: Option<RequestLoggingYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionYaml {
    #[serde(default)]
    enabled: Option<yaml_serde::Value>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    sampling_rate: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestLoggingYaml {
    #[serde(default)]
    capture_headers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourcesYaml {
    #[serde(default)]
    requests: Option<ResourceYaml>,
    #[serde(default)]
    limits: Option<ResourceYaml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceYaml {
    #[serde(default, deserialize_with = "scalar_opt")]
    cpu: Option<String>,
    #[serde(default, deserialize_with = "scalar_opt")]
    memory: Option<String>,
    #[serde(default, deserialize_with = "scalar_opt")]
    gpu: Option<String>,
}

impl From<ResourceYaml> for ResourceSettings {
    fn from(r: ResourceYaml) -> Self {
        ResourceSettings {
            cpu: r.cpu,
            memory: r.memory,
            gpu: r.gpu,
        }
    }
}

fn collection(name: &str, c: CollectionYaml) -> Result<DeploymentCollection> {
    let field = format!("data_collector.collections.{name}.enabled");
    // Python's schema takes the strings 'true' / 'false' only (any case), not YAML booleans.
    let enabled = match &c.enabled {
        None => true,
        Some(yaml_serde::Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(yaml_serde::Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(other) => {
            let shown = yaml_serde::to_string(other).unwrap_or_default();
            return Err(Error::validation(
                field,
                format!(
                    "value `{}` is not one of ['true', 'false'] (quote it)",
                    shown.trim()
                ),
            ));
        }
    };
    Ok(DeploymentCollection {
        enabled,
        data: c.data,
        client_id: c.client_id,
        sampling_rate: c.sampling_rate,
    })
}

impl DeploymentYaml {
    fn into_entity(mut self, base: &Path) -> Result<OnlineDeployment> {
        crate::validate::resource_name("name", &self.name)?;
        if let Some(e) = &self.endpoint_name {
            crate::validate::resource_name("endpoint_name", e)?;
        }
        let kubernetes = match self
            .type_
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("managed") => false,
            Some("kubernetes") => true,
            Some(other) => {
                return Err(Error::validation(
                    "type",
                    format!("value `{other}` is not one of [managed, kubernetes]"),
                ))
            }
        };
        if self.resources.is_some() && !kubernetes {
            return Err(Error::validation(
                "resources",
                "only allowed with `type: kubernetes`",
            ));
        }
        Ok(if kubernetes {
            let resources = self.resources.take().map(|r| ResourceRequirementsSettings {
                requests: r.requests.map(Into::into),
                limits: r.limits.map(Into::into),
            });
            let compute = KubernetesDeploymentCompute { resources };
            OnlineDeployment::Kubernetes(self.deployment(base, compute)?)
        } else {
            OnlineDeployment::Managed(self.deployment(base, ManagedCompute::default())?)
        })
    }

    /// The fields both kinds share; `compute` is what only this kind has.
    fn deployment<C: Default>(self, base: &Path, compute: C) -> Result<OnlineDeploymentOf<C>> {
        let model = match self.model {
            None => None,
            Some(AssetYaml::Reference(r)) => Some(ModelRef::Id(r)),
            Some(AssetYaml::Inline(m)) => {
                Some(ModelRef::Inline(Box::new(m.into_entity(base, "model.")?)))
            }
        };
        let environment = match self.environment {
            None => None,
            Some(AssetYaml::Reference(r)) => Some(EnvironmentRef::Id(r)),
            Some(AssetYaml::Inline(e)) => Some(EnvironmentRef::Inline(Box::new(
                e.into_entity(base, "environment.")?,
            ))),
        };
        let code_configuration = self.code_configuration.map(|c| CodeConfiguration {
            code: c.code.map(|p| resolve(base, &p)),
            scoring_script: c.scoring_script,
        });
        let scale_settings = match self.scale_settings {
            None => None,
            Some(s) => Some(
                match crate::entities::macros::normalize(&s.type_).as_str() {
                    "default" => ScaleSettings::Default(DefaultScaleSettings::new()),
                    "targetutilization" => {
                        ScaleSettings::TargetUtilization(TargetUtilizationScaleSettings {
                            min_instances: s.min_instances,
                            max_instances: s.max_instances,
                            polling_interval: s.polling_interval,
                            target_utilization_percentage: s.target_utilization_percentage,
                        })
                    }
                    _ => {
                        return Err(Error::validation(
                            "scale_settings.type",
                            format!(
                                "value `{}` is not one of [default, target_utilization]",
                                s.type_
                            ),
                        ))
                    }
                },
            ),
        };
        let data_collector = match self.data_collector {
            None => None,
            Some(dc) => {
                let mut collector = DataCollector::new();
                for (name, c) in dc.collections {
                    let col = collection(&name, c)?;
                    collector.collections.insert(name, col);
                }
                collector.rolling_rate = dc
                    .rolling_rate
                    .map(|r| {
                        known(
                            "data_collector.rolling_rate",
                            &r,
                            "[year, month, day, hour, minute]",
                        )
                    })
                    .transpose()?;
                collector.sampling_rate = dc.sampling_rate;
                collector.request_logging = dc
                    .request_logging
                    .map(|r| RequestLogging::new(r.capture_headers));
                Some(collector)
            }
        };
        let egress = network_access(
            "egress_public_network_access",
            self.egress_public_network_access,
        )?;
        Ok(OnlineDeploymentOf {
            name: self.name,
            endpoint_name: self.endpoint_name,
            description: self.description,
            tags: self.tags,
            properties: self.properties,
            model,
            environment,
            code_configuration,
            environment_variables: self.environment_variables,
            app_insights_enabled: self.app_insights_enabled.unwrap_or(false),
            scale_settings,
            request_settings: self.request_settings.map(|r| OnlineRequestSettings {
                request_timeout_ms: r.request_timeout_ms,
                max_concurrent_requests_per_instance: r.max_concurrent_requests_per_instance,
                max_queue_wait_ms: r.max_queue_wait_ms,
            }),
            liveness_probe: self.liveness_probe.map(Into::into),
            readiness_probe: self.readiness_probe.map(Into::into),
            startup_probe: self.startup_probe.map(Into::into),
            instance_type: self.instance_type,
            instance_count: self.instance_count,
            egress_public_network_access: egress,
            data_collector,
            model_mount_path: self.model_mount_path,
            id: self.id,
            provisioning_state: self
                .provisioning_state
                .map(|s| ProvisioningState::parse(&s)),
            compute,
            ..Default::default()
        })
    }
}
