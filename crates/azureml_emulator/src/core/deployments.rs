//! Online deployments: create/update (LRO), get, list, patch, delete (LRO), logs and SKUs.

use serde_json::{json, Value};

use super::arm::{
    arm_error, bad_request, body_object, check_online_name, not_found, ok_json, page,
    system_data_update, tags_of,
};
use super::lro::LroKind;
use super::routes::ArmRoute;
use super::runtime::{ContainerType, DeploymentSpec};
use super::state::{DeploymentRecord, EndpointRecord};
use super::{CoreRequest, CoreResponse, WorkspaceCore};

/// Probe defaults the service fills in (2023-10-01 swagger).
fn probe_with_defaults(probe: Option<&Value>) -> Value {
    let mut p = json!({
        "failureThreshold": 30,
        "successThreshold": 1,
        "timeout": "PT2S",
        "period": "PT10S",
        "initialDelay": "PT10S"
    });
    if let (Some(obj), Some(given)) = (p.as_object_mut(), probe.and_then(Value::as_object)) {
        for (k, v) in given {
            obj.insert(k.clone(), v.clone());
        }
    }
    p
}

fn canonical_compute_type(value: &str) -> Option<&'static str> {
    match value.to_ascii_lowercase().as_str() {
        "managed" => Some("Managed"),
        "kubernetes" => Some("Kubernetes"),
        "azuremlcompute" => Some("AzureMLCompute"),
        _ => None,
    }
}

fn deployment_not_found(endpoint: &str, name: &str) -> CoreResponse {
    not_found(format!(
        "Deployment '{name}' was not found under online endpoint '{endpoint}'."
    ))
}

fn endpoint_not_found(name: &str) -> CoreResponse {
    not_found(format!(
        "Online endpoint '{name}' was not found in the workspace."
    ))
}

/// Synthesized container logs for the fake runtime.
fn synthetic_log(endpoint: &str, deployment: &str, container: ContainerType) -> String {
    let lines: Vec<String> = match container {
        ContainerType::InferenceServer => vec![
            "Azure ML Inferencing HTTP server (fake workspace)".into(),
            format!("Endpoint: {endpoint}, deployment: {deployment}"),
            "Starting gunicorn 23.0.0".into(),
            "Listening at: http://0.0.0.0:31311".into(),
            "Booting worker with pid: 42".into(),
            "Initializing logger".into(),
            "Users's init has completed successfully".into(),
            "Scoring timeout is set to 60000".into(),
            "Worker with pid 42 ready for serving traffic".into(),
            "GET / 200".into(),
        ],
        ContainerType::StorageInitializer => vec![
            "Storage initializer (fake workspace)".into(),
            format!("Downloading model and code for {endpoint}/{deployment}"),
            "Download complete".into(),
        ],
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("2024-05-01T12:00:{i:02}Z | {l}\n"))
        .collect()
}

/// The last `tail` lines of `text`.
fn tail_lines(text: &str, tail: Option<usize>) -> String {
    match tail {
        None => text.to_owned(),
        Some(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(n);
            let mut out = lines[start..].join("\n");
            if n > 0 && !out.is_empty() && text.ends_with('\n') {
                out.push('\n');
            }
            out
        }
    }
}

impl WorkspaceCore {
    pub(crate) fn handle_deployments(
        &mut self,
        route: &ArmRoute,
        request: &CoreRequest,
    ) -> CoreResponse {
        match (route, request.method.as_str()) {
            (ArmRoute::Deployments(endpoint), "GET") => {
                let Some(record) = self.state.endpoints.get(endpoint) else {
                    return endpoint_not_found(endpoint);
                };
                let mut deps: Vec<&DeploymentRecord> = record.deployments.values().collect();
                deps.sort_by_key(|d| d.seq);
                let items = deps.iter().map(|d| d.resource.clone()).collect();
                page(&self.config, request, items)
            }
            (ArmRoute::Deployment(endpoint, name), "GET") => {
                let pending = self
                    .state
                    .endpoints
                    .get(endpoint)
                    .and_then(|r| r.deployments.get(name))
                    .and_then(|d| d.pending_op.clone());
                self.advance_if_resource_polled(pending);
                match self.deployment(endpoint, name) {
                    Some(resource) => ok_json(200, resource),
                    None => deployment_not_found(endpoint, name),
                }
            }
            (ArmRoute::Deployment(endpoint, name), "PUT") => {
                self.put_deployment(endpoint, name, request)
            }
            (ArmRoute::Deployment(endpoint, name), "PATCH") => {
                self.patch_deployment(endpoint, name, request)
            }
            (ArmRoute::Deployment(endpoint, name), "DELETE") => {
                self.delete_deployment(endpoint, name, request)
            }
            (ArmRoute::DeploymentAction(endpoint, name, action), method) => {
                match (action.to_ascii_lowercase().as_str(), method) {
                    ("getlogs", "POST") => self.get_logs(endpoint, name, request),
                    ("skus", "GET") => self.list_skus(endpoint, name, request),
                    _ => arm_error(
                        404,
                        "NotFound",
                        format!("The fake workspace has no deployment action {method} '{action}'."),
                    ),
                }
            }
            _ => super::arm::method_not_allowed(request),
        }
    }

    /// Checks that an ARM id pointing into this workspace names an existing asset version.
    fn check_reference(&self, field: &str, value: Option<&Value>) -> Result<(), CoreResponse> {
        let Some(id) = value.and_then(Value::as_str) else {
            return Ok(());
        };
        let prefix = self.config.workspace_id().to_ascii_lowercase();
        if !id.to_ascii_lowercase().starts_with(&prefix) {
            return Ok(());
        }
        if self.asset_by_id(id).is_some() {
            Ok(())
        } else {
            Err(arm_error(
                400,
                "UserError",
                format!("{field} '{id}' does not exist in the workspace."),
            ))
        }
    }

    fn put_deployment(
        &mut self,
        endpoint: &str,
        name: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        if !self.state.endpoints.contains_key(endpoint) {
            return endpoint_not_found(endpoint);
        }
        if let Err(e) = check_online_name("deployment", name) {
            return e;
        }
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        if body.get("location").and_then(Value::as_str).is_none() {
            return arm_error(
                400,
                "LocationRequired",
                "The 'location' property is required.",
            );
        }
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            return bad_request("The 'properties' object is required.");
        };
        let Some(compute) = props
            .get("endpointComputeType")
            .and_then(Value::as_str)
            .and_then(canonical_compute_type)
        else {
            return bad_request(
                "properties.endpointComputeType is required (Managed, Kubernetes or AzureMLCompute).",
            );
        };
        if let Some(capacity) = body.pointer("/sku/capacity") {
            if capacity.as_i64().is_none_or(|c| c < 1) {
                return bad_request(
                    "sku.capacity (instance count) must be an integer of at least 1.",
                );
            }
        }
        for (field, pointer) in [
            ("model", "/model"),
            ("environmentId", "/environmentId"),
            ("codeConfiguration.codeId", "/codeConfiguration/codeId"),
        ] {
            let value = Value::Object(props.clone());
            if let Err(e) = self.check_reference(field, value.pointer(pointer)) {
                return e;
            }
        }
        let tags = match tags_of(body.get("tags")) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let previous = self.deployment(endpoint, name).cloned();
        if let Some(prev) = &previous {
            let old = prev.pointer("/properties/instanceType");
            let new = props.get("instanceType");
            if new.is_some() && old.is_some() && old != new {
                return bad_request(
                    "instanceType cannot be changed after the deployment is created.",
                );
            }
        }
        let is_update = previous.is_some();
        let mut properties = props.clone();
        properties.insert("endpointComputeType".into(), json!(compute));
        properties.insert(
            "provisioningState".into(),
            json!(if is_update { "Updating" } else { "Creating" }),
        );
        for probe in ["livenessProbe", "readinessProbe"] {
            let filled = probe_with_defaults(properties.get(probe));
            properties.insert(probe.into(), filled);
        }
        properties
            .entry("scaleSettings")
            .or_insert_with(|| json!({"scaleType": "Default"}));
        let mut request_settings = json!({
            "requestTimeout": "PT5S",
            "maxConcurrentRequestsPerInstance": 1,
            "maxQueueWait": "PT0.5S"
        });
        if let (Some(rs), Some(given)) = (
            request_settings.as_object_mut(),
            properties.get("requestSettings").and_then(Value::as_object),
        ) {
            for (k, v) in given {
                rs.insert(k.clone(), v.clone());
            }
        }
        properties.insert("requestSettings".into(), request_settings);
        properties
            .entry("egressPublicNetworkAccess")
            .or_insert_with(|| json!("Enabled"));
        properties
            .entry("appInsightsEnabled")
            .or_insert_with(|| json!(false));
        let sku = body
            .get("sku")
            .cloned()
            .unwrap_or_else(|| json!({"name": "Default", "capacity": 1}));
        let resource = json!({
            "id": format!("{}/onlineEndpoints/{endpoint}/deployments/{name}", self.config.workspace_id()),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "location": body.get("location").cloned().unwrap_or(Value::Null),
            "tags": tags,
            "kind": body.get("kind").cloned().unwrap_or(json!("Managed")),
            "identity": body.get("identity").cloned().unwrap_or(json!({"type": "None"})),
            "sku": sku,
            "properties": Value::Object(properties),
            "systemData": system_data_update(previous.as_ref()),
        });
        let seq = self.state.next_seq();
        if let Some(record) = self.state.endpoints.get_mut(endpoint) {
            let dep = record
                .deployments
                .entry(name.to_owned())
                .or_insert_with(|| DeploymentRecord {
                    seq,
                    ..DeploymentRecord::default()
                });
            dep.resource = resource.clone();
        }
        let spec = self.deployment_spec(endpoint, name, &resource);
        self.runtime.deployment_put(spec);
        let api = request.query("api-version").unwrap_or_default();
        let id = self.start_operation(
            LroKind::DeploymentCreateOrUpdate,
            endpoint,
            Some(name),
            &api,
        );
        self.set_pending(endpoint, name, &id);
        self.operation_headers(&id, ok_json(if is_update { 200 } else { 201 }, &resource))
    }

    fn set_pending(&mut self, endpoint: &str, name: &str, id: &str) {
        if let Some(dep) = self
            .state
            .endpoints
            .get_mut(endpoint)
            .and_then(|r| r.deployments.get_mut(name))
        {
            dep.pending_op = Some(id.to_owned());
        }
    }

    /// Resolves what a runtime needs to run a deployment.
    pub(crate) fn deployment_spec(
        &self,
        endpoint: &str,
        name: &str,
        resource: &Value,
    ) -> DeploymentSpec {
        let props = resource.get("properties");
        let lookup = |pointer: &str| {
            props
                .and_then(|p| p.pointer(pointer))
                .and_then(Value::as_str)
                .and_then(|id| self.asset_by_id(id))
                .cloned()
        };
        let model = lookup("/model");
        let environment = lookup("/environmentId");
        let code = lookup("/codeConfiguration/codeId");
        let model_uri = model
            .as_ref()
            .and_then(|m| m.pointer("/properties/modelUri"))
            .and_then(Value::as_str);
        let code_uri = code
            .as_ref()
            .and_then(|c| c.pointer("/properties/codeUri"))
            .and_then(Value::as_str);
        DeploymentSpec {
            endpoint: endpoint.to_owned(),
            deployment: name.to_owned(),
            resource: resource.clone(),
            model_files: model_uri
                .map(|u| self.read_asset_files(u))
                .unwrap_or_default(),
            model_folder_name: model_uri.and_then(|u| {
                u.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .map(str::to_owned)
            }),
            model,
            environment,
            code_files: code_uri
                .map(|u| self.read_asset_files(u))
                .unwrap_or_default(),
            code,
            scoring_script: props
                .and_then(|p| p.pointer("/codeConfiguration/scoringScript"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }

    fn patch_deployment(
        &mut self,
        endpoint: &str,
        name: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let tags = match body.get("tags").map(|t| tags_of(Some(t))).transpose() {
            Ok(t) => t,
            Err(e) => return e,
        };
        if let Some(capacity) = body.pointer("/sku/capacity") {
            if capacity.as_i64().is_none_or(|c| c < 1) {
                return bad_request(
                    "sku.capacity (instance count) must be an integer of at least 1.",
                );
            }
        }
        let Some(dep) = self
            .state
            .endpoints
            .get_mut(endpoint)
            .and_then(|r| r.deployments.get_mut(name))
        else {
            return deployment_not_found(endpoint, name);
        };
        if let Some(tags) = tags {
            dep.resource["tags"] = tags;
        }
        if let Some(sku) = body.get("sku").and_then(Value::as_object) {
            if !dep.resource["sku"].is_object() {
                dep.resource["sku"] = json!({});
            }
            for (k, v) in sku {
                dep.resource["sku"][k] = v.clone();
            }
        }
        dep.resource["systemData"] = system_data_update(Some(&dep.resource));
        let resource = dep.resource.clone();
        let spec = self.deployment_spec(endpoint, name, &resource);
        self.runtime.deployment_put(spec);
        let api = request.query("api-version").unwrap_or_default();
        let id = self.start_operation(LroKind::DeploymentUpdate, endpoint, Some(name), &api);
        self.set_provisioning_state(endpoint, Some(name), "Updating");
        self.set_pending(endpoint, name, &id);
        self.operation_headers(&id, CoreResponse::new(202))
    }

    fn delete_deployment(
        &mut self,
        endpoint: &str,
        name: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let Some(record) = self.state.endpoints.get(endpoint) else {
            return endpoint_not_found(endpoint);
        };
        if !record.deployments.contains_key(name) {
            return CoreResponse::new(204);
        }
        for field in ["traffic", "mirrorTraffic"] {
            let weight = record
                .resource
                .pointer(&format!("/properties/{field}/{name}"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            if weight > 0 {
                return bad_request(format!(
                    "Deployment '{name}' cannot be deleted because it has {weight}% {field}. \
                     Set its {field} to 0 first."
                ));
            }
        }
        let api = request.query("api-version").unwrap_or_default();
        let id = self.start_operation(LroKind::DeploymentDelete, endpoint, Some(name), &api);
        self.set_provisioning_state(endpoint, Some(name), "Deleting");
        self.set_pending(endpoint, name, &id);
        self.operation_headers(&id, CoreResponse::new(202))
    }

    /// Removes a deployment (the end of a delete operation) and drops it from traffic maps.
    pub(crate) fn delete_deployment_now(&mut self, endpoint: &str, name: &str) {
        if let Some(record) = self.state.endpoints.get_mut(endpoint) {
            if record.deployments.remove(name).is_some() {
                for field in ["traffic", "mirrorTraffic"] {
                    if let Some(map) = record
                        .resource
                        .pointer_mut(&format!("/properties/{field}"))
                        .and_then(Value::as_object_mut)
                    {
                        map.remove(name);
                    }
                }
                record.swrr.remove(name);
                self.runtime.deployment_deleted(endpoint, name);
            }
        }
    }

    fn get_logs(&mut self, endpoint: &str, name: &str, request: &CoreRequest) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        if self.deployment(endpoint, name).is_none() {
            return deployment_not_found(endpoint, name);
        }
        let container = match body.get("containerType").and_then(Value::as_str) {
            None => ContainerType::InferenceServer,
            Some(c) if c.eq_ignore_ascii_case("InferenceServer") => ContainerType::InferenceServer,
            Some(c) if c.eq_ignore_ascii_case("StorageInitializer") => {
                ContainerType::StorageInitializer
            }
            Some(c) => {
                return bad_request(format!(
                    "containerType '{c}' is not one of InferenceServer, StorageInitializer."
                ))
            }
        };
        let tail = match body.get("tail") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().and_then(|t| usize::try_from(t).ok()) {
                Some(t) => Some(t),
                None => return bad_request("tail must be a non-negative integer."),
            },
        };
        let content = match self.runtime.logs(endpoint, name, container, tail) {
            Some(text) => text,
            None => tail_lines(&synthetic_log(endpoint, name, container), tail),
        };
        ok_json(200, &json!({ "content": content }))
    }

    fn list_skus(&mut self, endpoint: &str, name: &str, request: &CoreRequest) -> CoreResponse {
        if self.deployment(endpoint, name).is_none() {
            return deployment_not_found(endpoint, name);
        }
        let item = json!({
            "resourceType": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "sku": {"name": "Default", "tier": "Standard"},
            "capacity": {"minimum": 1, "maximum": 20, "default": 1, "scaleType": "Manual"}
        });
        page(&self.config, request, vec![item])
    }

    /// A deployment resource.
    pub fn deployment(&self, endpoint: &str, name: &str) -> Option<&Value> {
        self.state
            .endpoints
            .get(endpoint)
            .and_then(|r: &EndpointRecord| r.deployments.get(name))
            .map(|d| &d.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        let text = "a\nb\nc\n";
        assert_eq!(tail_lines(text, Some(2)), "b\nc\n");
        assert_eq!(tail_lines(text, Some(0)), "");
        assert_eq!(tail_lines(text, Some(10)), text);
        assert_eq!(tail_lines(text, None), text);
    }
}
