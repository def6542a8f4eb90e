//! Online endpoints: create/update (LRO), get, list, patch, delete (LRO), keys and tokens.

use serde_json::{json, Map, Value};

use super::arm::{
    arm_error, bad_request, body_object, check_online_name, new_key, not_found, now_unix, ok_json,
    page, system_data_update, tags_of,
};
use super::lro::LroKind;
use super::routes::ArmRoute;
use super::state::{EndpointKeys, EndpointRecord, IssuedToken};
use super::{CoreRequest, CoreResponse, WorkspaceCore};

/// How long an AML token is valid, and when clients should refresh it.
const TOKEN_LIFETIME_SECS: i64 = 3600;
const TOKEN_REFRESH_SECS: i64 = 1800;

/// The canonical `authMode` for a value (exact REST casing only, like the service's enum).
pub(crate) fn canonical_auth_mode(value: &str) -> Option<&'static str> {
    match value.to_ascii_lowercase().as_str() {
        "key" => Some("Key"),
        "amltoken" => Some("AMLToken"),
        "aadtoken" => Some("AADToken"),
        _ => None,
    }
}

fn endpoint_not_found(name: &str) -> CoreResponse {
    not_found(format!(
        "Online endpoint '{name}' was not found in the workspace."
    ))
}

/// Validates a `traffic` or `mirrorTraffic` map against the endpoint's deployments.
fn check_traffic(
    field: &str,
    value: Option<&Value>,
    deployments: &[&str],
) -> Result<Map<String, Value>, CoreResponse> {
    let map = match value {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(bad_request(format!("'{field}' must be an object."))),
    };
    let mut total = 0i64;
    for (name, weight) in &map {
        let Some(w) = weight.as_i64().filter(|w| (0..=100).contains(w)) else {
            return Err(bad_request(format!(
                "{field} of deployment '{name}' must be an integer between 0 and 100."
            )));
        };
        if !deployments.contains(&name.as_str()) {
            return Err(bad_request(format!(
                "{field} references deployment '{name}', which does not exist under this endpoint."
            )));
        }
        total += w;
    }
    if field == "traffic" && total != 0 && total != 100 {
        return Err(bad_request(format!(
            "The sum of traffic values must be 0 or 100, got {total}."
        )));
    }
    if field == "mirrorTraffic" {
        let mirrored = map.values().filter(|w| w.as_i64() > Some(0)).count();
        if total > 50 || mirrored > 1 {
            return Err(bad_request(
                "Mirror traffic can go to one deployment only and must be at most 50 percent.",
            ));
        }
    }
    Ok(map)
}

impl WorkspaceCore {
    pub(crate) fn handle_endpoints(
        &mut self,
        route: &ArmRoute,
        request: &CoreRequest,
    ) -> CoreResponse {
        let method = request.method.as_str();
        match (route, method) {
            (ArmRoute::Endpoints, "GET") => {
                let mut records: Vec<&EndpointRecord> = self.state.endpoints.values().collect();
                records.sort_by_key(|r| r.seq);
                let items = records.iter().map(|r| r.resource.clone()).collect();
                page(&self.config, request, items)
            }
            (ArmRoute::Endpoint(name), "GET") => {
                let pending = self
                    .state
                    .endpoints
                    .get(name)
                    .and_then(|r| r.pending_op.clone());
                self.advance_if_resource_polled(pending);
                match self.state.endpoints.get(name) {
                    Some(record) => ok_json(200, &record.resource),
                    None => endpoint_not_found(name),
                }
            }
            (ArmRoute::Endpoint(name), "PUT") => self.put_endpoint(name, request),
            (ArmRoute::Endpoint(name), "PATCH") => self.patch_endpoint(name, request),
            (ArmRoute::Endpoint(name), "DELETE") => self.delete_endpoint(name, request),
            (ArmRoute::EndpointAction(name, action), "POST") => {
                match action.to_ascii_lowercase().as_str() {
                    "listkeys" => self.list_keys(name),
                    "regeneratekeys" => self.regenerate_keys(name, request),
                    "token" => self.issue_token(name),
                    _ => arm_error(
                        404,
                        "NotFound",
                        format!("The fake workspace has no endpoint action '{action}'."),
                    ),
                }
            }
            _ => super::arm::method_not_allowed(request),
        }
    }

    fn api_version(request: &CoreRequest) -> String {
        request.query("api-version").unwrap_or_default()
    }

    fn put_endpoint(&mut self, name: &str, request: &CoreRequest) -> CoreResponse {
        if let Err(e) = check_online_name("endpoint", name) {
            return e;
        }
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let existing = self.state.endpoints.get(name);
        let Some(location) = body.get("location").and_then(Value::as_str) else {
            return arm_error(
                400,
                "LocationRequired",
                "The 'location' property is required.",
            );
        };
        if let Some(prev) = existing.and_then(|r| r.resource.get("location")?.as_str()) {
            if !prev.eq_ignore_ascii_case(location) {
                return bad_request(format!(
                    "The location of an endpoint cannot change (it is '{prev}')."
                ));
            }
        }
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            return bad_request("The 'properties' object is required.");
        };
        let Some(auth_mode) = props
            .get("authMode")
            .and_then(Value::as_str)
            .and_then(canonical_auth_mode)
        else {
            return bad_request(
                "properties.authMode is required and must be one of Key, AMLToken, AADToken.",
            );
        };
        let deployments: Vec<&str> = existing
            .map(|r| r.deployments.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let traffic = match check_traffic("traffic", props.get("traffic"), &deployments) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let mirror = match check_traffic("mirrorTraffic", props.get("mirrorTraffic"), &deployments)
        {
            Ok(t) => t,
            Err(e) => return e,
        };
        if let Some(both) = mirror
            .iter()
            .filter(|(_, w)| w.as_i64() > Some(0))
            .find(|(d, _)| traffic.get(*d).and_then(Value::as_i64) > Some(0))
        {
            return bad_request(format!(
                "Deployment '{}' cannot receive both live and mirror traffic.",
                both.0
            ));
        }
        let tags = match tags_of(body.get("tags")) {
            Ok(t) => t,
            Err(e) => return e,
        };
        let prev_resource = existing.map(|r| &r.resource);
        let identity = identity_of(
            body.get("identity"),
            prev_resource.and_then(|r| r.get("identity")),
        );
        let mut extra = props
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        extra.insert(
            "azureml.onlineendpointid".into(),
            json!(format!("{}/onlineEndpoints/{name}", self.config.workspace_id()).to_lowercase()),
        );
        let is_update = existing.is_some();
        let mut properties = json!({
            "description": props.get("description").cloned().unwrap_or(Value::Null),
            "authMode": auth_mode,
            "properties": extra,
            "traffic": traffic,
            "mirrorTraffic": mirror,
            "publicNetworkAccess": props.get("publicNetworkAccess").cloned().unwrap_or(json!("Enabled")),
            "scoringUri": self.config.scoring_uri(name),
            "swaggerUri": self.config.swagger_uri(name),
            "provisioningState": if is_update { "Updating" } else { "Creating" },
        });
        if let Some(compute) = props.get("compute") {
            properties["compute"] = compute.clone();
        }
        let mut resource = json!({
            "id": format!("{}/onlineEndpoints/{name}", self.config.workspace_id()),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "location": location,
            "tags": tags,
            "kind": body.get("kind").cloned().unwrap_or(json!("Managed")),
            "identity": identity,
            "properties": properties,
            "systemData": system_data_update(prev_resource),
        });
        if let Some(sku) = body.get("sku") {
            resource["sku"] = sku.clone();
        }
        let seeded_keys = props.get("keys").and_then(|k| {
            Some(EndpointKeys {
                primary: k.get("primaryKey")?.as_str()?.to_owned(),
                secondary: k.get("secondaryKey")?.as_str()?.to_owned(),
            })
        });
        let seq = self.state.next_seq();
        let record = self
            .state
            .endpoints
            .entry(name.to_owned())
            .or_insert_with(|| EndpointRecord {
                seq,
                keys: EndpointKeys::random(),
                ..EndpointRecord::default()
            });
        if let Some(keys) = seeded_keys.filter(|_| !is_update) {
            record.keys = keys;
        }
        record.resource = resource.clone();
        let id = self.start_operation(
            LroKind::EndpointCreateOrUpdate,
            name,
            None,
            &Self::api_version(request),
        );
        if let Some(record) = self.state.endpoints.get_mut(name) {
            record.pending_op = Some(id.clone());
        }
        self.operation_headers(&id, ok_json(if is_update { 200 } else { 201 }, &resource))
    }

    fn patch_endpoint(&mut self, name: &str, request: &CoreRequest) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let tags = match body.get("tags").map(|t| tags_of(Some(t))).transpose() {
            Ok(t) => t,
            Err(e) => return e,
        };
        let Some(record) = self.state.endpoints.get_mut(name) else {
            return endpoint_not_found(name);
        };
        if let Some(tags) = tags {
            record.resource["tags"] = tags;
        }
        if let Some(identity) = body.get("identity") {
            record.resource["identity"] =
                identity_of(Some(identity), record.resource.get("identity"));
        }
        record.resource["systemData"] = system_data_update(Some(&record.resource));
        let id = self.start_operation(
            LroKind::EndpointUpdate,
            name,
            None,
            &Self::api_version(request),
        );
        self.set_provisioning_state(name, None, "Updating");
        if let Some(record) = self.state.endpoints.get_mut(name) {
            record.pending_op = Some(id.clone());
        }
        self.operation_headers(&id, CoreResponse::new(202))
    }

    fn delete_endpoint(&mut self, name: &str, request: &CoreRequest) -> CoreResponse {
        if !self.state.endpoints.contains_key(name) {
            return CoreResponse::new(204);
        }
        let id = self.start_operation(
            LroKind::EndpointDelete,
            name,
            None,
            &Self::api_version(request),
        );
        self.set_provisioning_state(name, None, "Deleting");
        if let Some(record) = self.state.endpoints.get_mut(name) {
            record.pending_op = Some(id.clone());
        }
        self.operation_headers(&id, CoreResponse::new(202))
    }

    /// Removes an endpoint and its deployments (the end of a delete operation).
    pub(crate) fn delete_endpoint_now(&mut self, name: &str) {
        if let Some(record) = self.state.endpoints.remove(name) {
            for deployment in record.deployments.keys() {
                self.runtime.deployment_deleted(name, deployment);
            }
        }
    }

    fn list_keys(&mut self, name: &str) -> CoreResponse {
        let Some(record) = self.state.endpoints.get(name) else {
            return endpoint_not_found(name);
        };
        let mode = record
            .resource
            .pointer("/properties/authMode")
            .and_then(Value::as_str);
        if mode != Some("Key") {
            return bad_request(format!(
                "Endpoint '{name}' uses authMode {}; keys exist only for authMode Key.",
                mode.unwrap_or("?")
            ));
        }
        ok_json(
            200,
            &json!({"primaryKey": record.keys.primary, "secondaryKey": record.keys.secondary}),
        )
    }

    fn regenerate_keys(&mut self, name: &str, request: &CoreRequest) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let Some(record) = self.state.endpoints.get(name) else {
            return endpoint_not_found(name);
        };
        let which = match body.get("keyType").and_then(Value::as_str) {
            Some(k) if k.eq_ignore_ascii_case("primary") => "Primary",
            Some(k) if k.eq_ignore_ascii_case("secondary") => "Secondary",
            _ => return bad_request("keyType is required and must be Primary or Secondary."),
        };
        if record
            .resource
            .pointer("/properties/authMode")
            .and_then(Value::as_str)
            != Some("Key")
        {
            return bad_request(format!(
                "Endpoint '{name}' does not use key authentication."
            ));
        }
        let current = if which == "Primary" {
            &record.keys.primary
        } else {
            &record.keys.secondary
        };
        // Python sends the *current* key as keyValue; that (or no value) means "make a new one".
        let new_value = match body.get("keyValue").and_then(Value::as_str) {
            Some(v) if !v.is_empty() && v != current => v.to_owned(),
            _ => new_key(),
        };
        let id = self.start_operation(
            LroKind::RegenerateKeys,
            name,
            None,
            &Self::api_version(request),
        );
        if let Some(op) = self.state.operations.get_mut(&id) {
            op.new_key = Some((which.to_owned(), new_value));
        }
        self.operation_headers(&id, CoreResponse::new(202))
    }

    fn issue_token(&mut self, name: &str) -> CoreResponse {
        let Some(record) = self.state.endpoints.get_mut(name) else {
            return endpoint_not_found(name);
        };
        if record
            .resource
            .pointer("/properties/authMode")
            .and_then(Value::as_str)
            != Some("AMLToken")
        {
            return bad_request(format!(
                "Endpoint '{name}' does not use authMode AMLToken; tokens are not available."
            ));
        }
        let now = now_unix();
        let token = format!("amltoken.{}", new_key().replace(['+', '/', '='], ""));
        record.tokens.retain(|t| t.expires > now);
        record.tokens.push(IssuedToken {
            token: token.clone(),
            expires: now + TOKEN_LIFETIME_SECS,
        });
        ok_json(
            200,
            &json!({
                "accessToken": token,
                "tokenType": "Bearer",
                "expiryTimeUtc": now + TOKEN_LIFETIME_SECS,
                "refreshAfterTimeUtc": now + TOKEN_REFRESH_SECS,
            }),
        )
    }
}

/// The identity block of a resource: the requested type, with the principal ids Azure adds
/// (kept stable across updates).
fn identity_of(requested: Option<&Value>, previous: Option<&Value>) -> Value {
    let kind = requested
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("SystemAssigned");
    let mut identity = json!({ "type": kind });
    if kind.contains("SystemAssigned") {
        let principal = previous
            .and_then(|p| p.get("principalId"))
            .cloned()
            .unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
        identity["principalId"] = principal;
        identity["tenantId"] = json!("00000000-0000-0000-0000-00000000fa4e");
    }
    if let Some(users) = requested
        .and_then(|i| i.get("userAssignedIdentities"))
        .and_then(Value::as_object)
    {
        let filled: Map<String, Value> = users
            .keys()
            .map(|id| {
                (
                    id.clone(),
                    json!({
                        "principalId": uuid::Uuid::new_v4().to_string(),
                        "clientId": uuid::Uuid::new_v4().to_string()
                    }),
                )
            })
            .collect();
        identity["userAssignedIdentities"] = Value::Object(filled);
    }
    identity
}
