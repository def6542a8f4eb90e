//! Client-side validation: the functions the operations call before any request or upload.
//!
//! Each broken rule is an [`Error::Validation`] naming the field the way Python does
//! (`liveness_probe.period`, `traffic.blue`) and the rule in words. Some rules are stricter
//! than Python, which sends these values unchecked and lets the service fail later:
//! `instance_count: 0`, negative or zero probe timings, request settings below 1, enum values
//! the service does not know, ARM's tag limits, 32-bit and duration overflows, empty
//! environment-variable names, and local folders an upload could not read.
//!
//! The only I/O is on local files: that they exist, that a conda file parses, and a walk of
//! every folder an operation would upload (names, readability, at least one file) — so that a
//! bad folder fails before the first request instead of after a half-finished upload.
//! [`scoring_script`] (async) checks the scoring script's Python syntax.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::entities::{
    CodeConfiguration, CondaFile, DataCollector, Environment, EnvironmentRef, Model, ModelRef,
    OnlineDeployment, OnlineEndpoint, OnlineRequestSettings, ProbeSettings, RollingRate,
    ScaleSettings,
};
use crate::{Error, Result};

mod files;
mod limits;
mod script;

pub use script::scoring_script;

fn fail<T>(field: impl Into<String>, rule: impl Into<String>) -> Result<T> {
    Err(Error::validation(field, rule))
}

/// Endpoint / deployment name rule: `^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`, 3–32 characters.
pub fn resource_name(field: &str, name: &str) -> Result<()> {
    let len = name.chars().count();
    if !(3..=32).contains(&len) {
        return fail(
            field,
            format!("must be 3 to 32 characters long (got {len}: `{name}`)"),
        );
    }
    let bytes = name.as_bytes();
    let starts_with_letter = bytes.first().is_some_and(u8::is_ascii_alphabetic);
    let ends_alnum = bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    let all_allowed = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if !(starts_with_letter && ends_alnum && all_allowed) {
        return fail(
            field,
            format!(
                "`{name}` must start with a letter, contain only letters, digits and `-`, and end with a letter or digit"
            ),
        );
    }
    Ok(())
}

/// Asset (model / environment) names and versions: non-empty, no path or reference separators.
fn asset_part(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return fail(field, "must not be empty");
    }
    if value.len() > 255 {
        return fail(field, "must be at most 255 characters");
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '/' | '\\' | ':' | '@' | '?' | '#' | '%') || c.is_whitespace())
    {
        return fail(field, format!("`{value}` must not contain `{c}`"));
    }
    Ok(())
}

/// True for paths that point at local disk (not `azureml:`, not a URL, not an ARM id).
pub(crate) fn is_local_path(path: &str) -> bool {
    let lower = path.trim().to_ascii_lowercase();
    !(lower.starts_with("azureml:")
        || lower.contains("://")
        || lower.starts_with("/subscriptions/"))
}

/// The traffic map as it will be sent: zero entries dropped, names lower-cased.
fn effective(map: &BTreeMap<String, u32>) -> BTreeMap<String, u32> {
    map.iter()
        .filter(|(_, v)| **v != 0)
        .map(|(k, v)| (k.to_lowercase(), *v))
        .collect()
}

/// Rules on a traffic map as the caller wrote it; zero entries are dropped before the PUT (as
/// Python does), so only the others must name a deployment.
fn traffic_rules(field: &str, map: &BTreeMap<String, u32>) -> Result<()> {
    let mut seen = BTreeSet::new();
    for name in map.iter().filter(|(_, v)| **v != 0).map(|(k, _)| k) {
        // Every key is a deployment name (the service would refuse the PUT otherwise).
        resource_name(&format!("{field}.{name}"), name)?;
        if !seen.insert(name.to_lowercase()) {
            return fail(
                format!("{field}.{name}"),
                "names differ only in case; deployment names are case-insensitive",
            );
        }
    }
    for (name, value) in map {
        if *value > 100 {
            return fail(
                format!("{field}.{name}"),
                format!("must be between 0 and 100 (got {value})"),
            );
        }
    }
    Ok(())
}

/// Validates an endpoint: name, auth mode, identity, public network access and tags the
/// service accepts, traffic (deployment names, 0–100 each, sum 0 or 100), mirror traffic
/// (0–100 each, total ≤ 50), and no deployment in both.
pub fn endpoint(endpoint: &OnlineEndpoint) -> Result<()> {
    resource_name("name", endpoint.name())?;
    let e = endpoint.shared();
    limits::known("auth_mode", &e.auth_mode)?;
    if let Some(identity) = &e.identity {
        limits::identity(identity)?;
    }
    if let Some(access) = &e.public_network_access {
        limits::known("public_network_access", access)?;
    }
    limits::tags(&e.tags)?;
    traffic_rules("traffic", endpoint.traffic())?;
    traffic_rules("mirror_traffic", endpoint.mirror_traffic())?;
    let traffic = effective(endpoint.traffic());
    let mirror = effective(endpoint.mirror_traffic());
    let sum: u64 = traffic.values().map(|v| u64::from(*v)).sum();
    if sum != 0 && sum != 100 {
        return fail("traffic", format!("values must add up to 100 (got {sum})"));
    }
    let mirror_sum: u64 = mirror.values().map(|v| u64::from(*v)).sum();
    if mirror_sum > 50 {
        return fail(
            "mirror_traffic",
            format!("values must add up to at most 50 (got {mirror_sum})"),
        );
    }
    if let Some(both) = mirror.keys().find(|k| traffic.contains_key(*k)) {
        return fail(
            format!("mirror_traffic.{both}"),
            "a deployment cannot receive both live and mirror traffic",
        );
    }
    if let OnlineEndpoint::Kubernetes(k) = endpoint {
        if k.compute
            .target
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return fail("compute", "must not be empty");
        }
    }
    Ok(())
}

fn probe(field: &str, probe: &ProbeSettings, liveness: bool) -> Result<()> {
    for (name, value) in [
        ("initial_delay", probe.initial_delay),
        ("period", probe.period),
        ("timeout", probe.timeout),
        ("success_threshold", probe.success_threshold),
        ("failure_threshold", probe.failure_threshold),
    ] {
        if let Some(v) = value {
            if v < 1 {
                return fail(
                    format!("{field}.{name}"),
                    format!("must be at least 1 (got {v})"),
                );
            }
            // Timings are seconds (sent as durations), thresholds 32-bit integers.
            if name.ends_with("threshold") {
                limits::int32(&format!("{field}.{name}"), v)?;
            } else {
                limits::duration_seconds(&format!("{field}.{name}"), v)?;
            }
        }
    }
    if liveness {
        if let Some(v) = probe.success_threshold {
            if v != 1 {
                return fail(
                    format!("{field}.success_threshold"),
                    format!("must be 1 for a liveness probe (got {v})"),
                );
            }
        }
    }
    Ok(())
}

fn request_settings(settings: &OnlineRequestSettings) -> Result<()> {
    for (name, value) in [
        ("request_timeout_ms", settings.request_timeout_ms),
        (
            "max_concurrent_requests_per_instance",
            settings.max_concurrent_requests_per_instance,
        ),
        ("max_queue_wait_ms", settings.max_queue_wait_ms),
    ] {
        if let Some(v) = value {
            let field = format!("request_settings.{name}");
            if v < 1 {
                return fail(field, format!("must be at least 1 (got {v})"));
            }
            // `*_ms` are sent as durations, the concurrency as a 32-bit integer.
            if name.ends_with("_ms") {
                limits::duration_millis(&field, v)?;
            } else {
                limits::int32(&field, v)?;
            }
        }
    }
    Ok(())
}

fn scale_settings(settings: &ScaleSettings, managed: bool) -> Result<()> {
    let ScaleSettings::TargetUtilization(t) = settings else {
        return Ok(());
    };
    if managed {
        return fail(
            "scale_settings",
            "ManagedOnlineEndpoint supports DefaultScaleSettings only",
        );
    }
    for (name, value) in [
        ("min_instances", t.min_instances),
        ("max_instances", t.max_instances),
        ("polling_interval", t.polling_interval),
    ] {
        if let Some(v) = value {
            let field = format!("scale_settings.{name}");
            if v < 1 {
                return fail(field, format!("must be at least 1 (got {v})"));
            }
            if name == "polling_interval" {
                limits::duration_seconds(&field, v)?;
            } else {
                limits::int32(&field, v)?;
            }
        }
    }
    if let (Some(min), Some(max)) = (t.min_instances, t.max_instances) {
        if min > max {
            return fail(
                "scale_settings.max_instances",
                format!("must be at least min_instances ({min}), got {max}"),
            );
        }
    }
    if let Some(p) = t.target_utilization_percentage {
        if !(1..=100).contains(&p) {
            return fail(
                "scale_settings.target_utilization_percentage",
                format!("must be between 1 and 100 (got {p})"),
            );
        }
    }
    Ok(())
}

fn data_collector(collector: &DataCollector) -> Result<()> {
    let rate_ok = |r: f64| r > 0.0 && r <= 1.0;
    if let Some(r) = collector.sampling_rate {
        if !rate_ok(r) {
            return fail(
                "data_collector.sampling_rate",
                format!("must be in (0, 1] (got {r})"),
            );
        }
    }
    if let Some(RollingRate::Unknown(r)) = &collector.rolling_rate {
        return fail(
            "data_collector.rolling_rate",
            format!("`{r}` is not one of Year, Month, Day, Hour, Minute"),
        );
    }
    for (name, c) in &collector.collections {
        if name.trim().is_empty() {
            return fail(
                "data_collector.collections",
                "collection names must not be empty",
            );
        }
        // The name becomes part of a data asset name, `{endpoint}-{deployment}-{name}`
        // (letters, digits, `-`, `_`; at most 255 characters with 32-character endpoint and
        // deployment names), and of a blob path.
        let name_ok = name.len() <= 189
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return fail(
                format!("data_collector.collections.{name}"),
                "collection names may only use letters, digits, `_` and `-` (at most 189 characters)",
            );
        }
        if let Some(r) = c.sampling_rate {
            if !rate_ok(r) {
                return fail(
                    format!("data_collector.collections.{name}.sampling_rate"),
                    format!("must be in (0, 1] (got {r})"),
                );
            }
        }
    }
    Ok(())
}

fn local_path_exists(field: &str, path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return fail(field, "must not be empty");
    }
    if is_local_path(path) && !Path::new(path).exists() {
        return fail(field, format!("local path `{path}` does not exist"));
    }
    Ok(())
}

/// A path an operation uploads when it is local: it exists, and everything the upload would
/// read can be read (see [`files::upload_source`]).
fn local_source(field: &str, path: &str) -> Result<()> {
    local_path_exists(field, path)?;
    if is_local_path(path) {
        files::upload_source(field, Path::new(path))?;
    }
    Ok(())
}

/// Validates a deployment: names, endpoint name, tags, environment variables, instance type
/// and count, egress access, probes, scale settings, request settings, code (folder and script
/// exist when local, and the folder can be uploaded), inline model / environment.
///
/// The scoring script's syntax is checked by [`scoring_script`] (async: it may run Python).
pub fn deployment(deployment: &OnlineDeployment) -> Result<()> {
    let d = deployment.shared();
    resource_name("name", &d.name)?;
    match d.endpoint_name.as_deref() {
        None => return fail("endpoint_name", "is required"),
        Some(e) => resource_name("endpoint_name", e)?,
    }
    limits::tags(&d.tags)?;
    limits::environment_variables(&d.environment_variables)?;
    if let Some(t) = &d.instance_type {
        if t.trim().is_empty() {
            return fail("instance_type", "must not be empty when set");
        }
    }
    if let Some(n) = d.instance_count {
        if n < 1 {
            return fail("instance_count", "must be at least 1 (got 0)");
        }
        limits::int32("instance_count", i64::from(n))?;
    }
    if let Some(access) = &d.egress_public_network_access {
        limits::known("egress_public_network_access", access)?;
    }
    if let Some(p) = &d.liveness_probe {
        probe("liveness_probe", p, true)?;
    }
    if let Some(p) = &d.readiness_probe {
        probe("readiness_probe", p, false)?;
    }
    if let Some(p) = &d.startup_probe {
        probe("startup_probe", p, false)?;
    }
    if let Some(s) = &d.scale_settings {
        scale_settings(s, !deployment.is_kubernetes())?;
    }
    if let Some(r) = &d.request_settings {
        request_settings(r)?;
    }
    if let Some(c) = &d.data_collector {
        data_collector(c)?;
    }
    if let Some(code) = &d.code_configuration {
        code_configuration(code)?;
    }
    match &d.model {
        Some(ModelRef::Id(id)) => {
            crate::ids::AssetRef::parse_field(id, "model")?;
        }
        Some(ModelRef::Inline(m)) => inline_model(m)?,
        None => {}
    }
    match &d.environment {
        Some(EnvironmentRef::Id(id)) => {
            crate::ids::AssetRef::parse_field(id, "environment")?;
        }
        Some(EnvironmentRef::Inline(e)) => environment_definition("environment.", e)?,
        None => {}
    }
    Ok(())
}

/// The scoring script is named and, when the code folder is local, exists in it, is not
/// left out by the folder's ignore file, and the folder can be uploaded.
fn code_configuration(code: &CodeConfiguration) -> Result<()> {
    if code.scoring_script.trim().is_empty() {
        return fail("code_configuration.scoring_script", "must not be empty");
    }
    if let Some(folder) = &code.code {
        local_path_exists("code_configuration.code", folder)?;
        if is_local_path(folder) {
            let script = Path::new(folder).join(&code.scoring_script);
            if !script.is_file() {
                return fail(
                    "code_configuration.scoring_script",
                    format!("`{}` does not exist in `{folder}`", code.scoring_script),
                );
            }
            files::script_not_ignored(Path::new(folder), &code.scoring_script)?;
            files::upload_source("code_configuration.code", Path::new(folder))?;
        }
    }
    Ok(())
}

/// A model defined inside a deployment: may be unnamed (registered anonymously), needs a path.
fn inline_model(model: &Model) -> Result<()> {
    if !model.name.is_empty() {
        asset_part("model.name", &model.name)?;
    }
    match model.path.as_deref() {
        None => fail(
            "model.path",
            "is required for a model defined in a deployment",
        ),
        Some(p) => local_source("model.path", p),
    }
}

/// Validates a model before registration: name, version, `path` present and, when local,
/// existing and uploadable (every name UTF-8, every file readable, a folder not empty).
pub fn model(model: &Model) -> Result<()> {
    asset_part("name", &model.name)?;
    if let Some(v) = &model.version {
        asset_part("version", v)?;
    }
    match model.path.as_deref() {
        None => fail("path", "is required to register a model"),
        Some(p) => local_source("path", p),
    }
}

fn environment_definition(prefix: &str, env: &Environment) -> Result<()> {
    let has_image = env.image.as_deref().is_some_and(|i| !i.trim().is_empty());
    match (has_image, &env.build) {
        (true, Some(_)) => {
            return fail(
                format!("{prefix}build"),
                "set either `image` or `build`, not both",
            )
        }
        (false, None) => return fail(format!("{prefix}image"), "set either `image` or `build`"),
        (false, Some(build)) => {
            local_source(&format!("{prefix}build.path"), &build.path)?;
            if env.conda_file.is_some() {
                return fail(
                    format!("{prefix}conda_file"),
                    "only allowed together with `image` (put it in the build context instead)",
                );
            }
        }
        (true, None) => {}
    }
    if let Some(os) = &env.os_type {
        limits::known(&format!("{prefix}os_type"), os)?;
    }
    if let Some(CondaFile::Path(path)) = &env.conda_file {
        let field = format!("{prefix}conda_file");
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::validation(&field, format!("cannot read `{}`: {e}", path.display()))
        })?;
        if let Err(e) = yaml_serde::from_str::<yaml_serde::Value>(&text) {
            return fail(
                field,
                format!("`{}` is not valid YAML: {e}", path.display()),
            );
        }
    }
    Ok(())
}

/// Validates an environment: name, exactly one of image / build (a local build context
/// uploadable), conda file only with an image, conda file readable and valid YAML, a known OS
/// type.
pub fn environment(env: &Environment) -> Result<()> {
    asset_part("name", &env.name)?;
    if let Some(v) = &env.version {
        asset_part("version", v)?;
    }
    environment_definition("", env)
}

// The rules as methods of the entities, for callers that check before they connect (a CLI
// refusing a bad YAML file before it asks for a token). Written here so that `entities` does
// not depend on `validate`.

impl Model {
    /// Checks the model by the rules [`ModelOperations::create_or_update`] applies before any
    /// request or upload: name and version, `path` present and, when local, existing and
    /// uploadable (every name UTF-8, every file readable, a folder not empty). Reads local
    /// files only; sends nothing.
    ///
    /// [`ModelOperations::create_or_update`]: crate::ModelOperations::create_or_update
    ///
    /// ```no_run
    /// use azure_ai_ml::Model;
    /// let model = Model::new("customer-churn-model").path("./model/model.pkl");
    /// model.validate()?;
    /// # Ok::<(), azure_ai_ml::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first field that breaks a rule, and the rule.
    pub fn validate(&self) -> Result<()> {
        model(self)
    }
}

impl Environment {
    /// Checks the environment by the rules [`EnvironmentOperations::create_or_update`] applies
    /// before any request or upload: name and version, exactly one of `image` and `build` (a
    /// local build context uploadable), a conda file only with an image, readable and valid
    /// YAML, a known OS type. Reads local files only; sends nothing.
    ///
    /// [`EnvironmentOperations::create_or_update`]: crate::EnvironmentOperations::create_or_update
    ///
    /// ```no_run
    /// use azure_ai_ml::Environment;
    /// let env = Environment::new("churn-model-env")
    ///     .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest")
    ///     .conda_file("./environment/conda.yml");
    /// env.validate()?;
    /// # Ok::<(), azure_ai_ml::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first field that breaks a rule, and the rule.
    pub fn validate(&self) -> Result<()> {
        environment(self)
    }
}

impl OnlineEndpoint {
    /// Checks the endpoint by the rules [`OnlineEndpointOperations::begin_create_or_update`]
    /// applies before any request: name, auth mode, identity, public network access and tags
    /// the service accepts, traffic (deployment names, 0–100 each, summing to 0 or 100), mirror
    /// traffic (0–100 each, at most 50 in all), no deployment in both. Sends nothing.
    ///
    /// [`OnlineEndpointOperations::begin_create_or_update`]: crate::OnlineEndpointOperations::begin_create_or_update
    ///
    /// ```no_run
    /// use azure_ai_ml::{AuthMode, ManagedOnlineEndpoint, OnlineEndpoint};
    /// let endpoint: OnlineEndpoint = ManagedOnlineEndpoint::new("churn-prediction-v1")
    ///     .auth_mode(AuthMode::Key)
    ///     .into();
    /// endpoint.validate()?;
    /// # Ok::<(), azure_ai_ml::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first field that breaks a rule, and the rule.
    pub fn validate(&self) -> Result<()> {
        endpoint(self)
    }
}

impl OnlineDeployment {
    /// Checks the deployment by the rules [`OnlineDeploymentOperations::begin_create_or_update`]
    /// applies before any request or upload: names, endpoint name, tags, environment variables,
    /// instance type and count, egress access, probes, scale and request settings, the code
    /// (folder and scoring script exist when local, the script is not ignored, the folder can be
    /// uploaded), an inline model or environment. Reads local files only; sends nothing.
    ///
    /// The scoring script's Python syntax is not checked here: `begin_create_or_update` does
    /// that with the machine's interpreter (unless `skip_script_validation` is set).
    ///
    /// [`OnlineDeploymentOperations::begin_create_or_update`]: crate::OnlineDeploymentOperations::begin_create_or_update
    ///
    /// ```no_run
    /// use azure_ai_ml::{ManagedOnlineDeployment, OnlineDeployment};
    /// let blue: OnlineDeployment = ManagedOnlineDeployment::new("blue")
    ///     .endpoint_name("churn-prediction-v1")
    ///     .instance_type("Standard_DS3_v2")
    ///     .instance_count(1)
    ///     .into();
    /// blue.validate()?;
    /// # Ok::<(), azure_ai_ml::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first field that breaks a rule, and the rule.
    pub fn validate(&self) -> Result<()> {
        deployment(self)
    }
}

#[cfg(test)]
mod tests;
