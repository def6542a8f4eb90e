//! The workspace resource, versioned assets (models, environments, codes, data), datastores and
//! `startPendingUpload`.

use serde_json::{json, Map, Value};

use super::arm::{
    arm_error, bad_request, body_object, method_not_allowed, new_key, not_found, now_rfc3339,
    ok_json, page, system_data, system_data_update,
};
use super::routes::{ArmRoute, AssetKind};
use super::state::{AssetRecord, IssuedSas, Stored};
use super::{CoreRequest, CoreResponse, WorkspaceCore};

/// Fields that define an asset version: a PUT may not change them (assets are immutable
/// except for description, tags, stage and archiving).
fn defining_fields(kind: AssetKind) -> &'static [&'static str] {
    match kind {
        AssetKind::Models => &["modelUri", "modelType"],
        AssetKind::Environments => &["image", "condaFile", "build", "inferenceConfig", "osType"],
        AssetKind::Codes => &["codeUri"],
        AssetKind::Data => &["dataUri", "dataType"],
    }
}

fn check_asset_name(name: &str) -> Result<(), CoreResponse> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if first_ok && rest_ok && name.len() <= 255 {
        Ok(())
    } else {
        Err(bad_request(format!(
            "Invalid asset name '{name}': it must start with a letter or digit and contain only \
             letters, digits, '-', '_' and '.' (at most 255 characters)."
        )))
    }
}

fn is_archived(resource: &Value) -> bool {
    resource
        .pointer("/properties/isArchived")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `listViewType`: ActiveOnly (default), ArchivedOnly, All.
fn view_filter(request: &CoreRequest) -> impl Fn(&Value) -> bool {
    let view = request
        .query("listViewType")
        .unwrap_or_default()
        .to_ascii_lowercase();
    move |r: &Value| match view.as_str() {
        "all" => true,
        "archivedonly" => is_archived(r),
        _ => !is_archived(r),
    }
}

impl WorkspaceCore {
    pub(crate) fn workspace_resource(&self) -> Value {
        let c = &self.config;
        let rg_id = format!(
            "/subscriptions/{}/resourceGroups/{}",
            c.subscription_id, c.resource_group
        );
        json!({
            "id": c.workspace_id(),
            "name": c.workspace_name,
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": c.location,
            "tags": {},
            "kind": "Default",
            "sku": {"name": "Basic", "tier": "Basic"},
            "identity": {
                "type": "SystemAssigned",
                "principalId": "00000000-0000-0000-0000-0000000000a1",
                "tenantId": "00000000-0000-0000-0000-00000000fa4e"
            },
            "properties": {
                "friendlyName": c.workspace_name,
                "description": "",
                "storageAccount": format!("{rg_id}/providers/Microsoft.Storage/storageAccounts/{}", c.storage_account),
                "keyVault": format!("{rg_id}/providers/Microsoft.Keyvault/vaults/fakekeyvault"),
                "applicationInsights": format!("{rg_id}/providers/Microsoft.insights/components/fakeinsights"),
                "containerRegistry": format!("{rg_id}/providers/Microsoft.ContainerRegistry/registries/fakeacr"),
                "workspaceId": self.state.workspace_id,
                "discoveryUrl": format!("https://{}.api.azureml.ms/discovery", c.location),
                "mlFlowTrackingUri": format!("azureml://{}.api.azureml.ms/mlflow/v1.0{}", c.location, c.workspace_id()),
                "provisioningState": "Succeeded",
                "hbiWorkspace": false,
                "publicNetworkAccess": "Enabled",
                "v1LegacyMode": false,
                "storageHnsEnabled": false,
                "enableDataIsolation": false
            },
            "systemData": system_data(&self.state.created_at, &self.state.created_at)
        })
    }

    pub(crate) fn handle_assets(
        &mut self,
        route: &ArmRoute,
        request: &CoreRequest,
    ) -> CoreResponse {
        let method = request.method.as_str();
        match (route, method) {
            (ArmRoute::AssetContainers(kind), "GET") => {
                let prefix = format!("{}/", kind.segment());
                let keep = view_filter(request);
                let mut containers: Vec<&Stored> = self
                    .state
                    .assets
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, a)| &a.container)
                    .filter(|c| keep(&c.resource))
                    .collect();
                containers.sort_by_key(|c| c.seq);
                let items = containers.iter().map(|c| c.resource.clone()).collect();
                page(&self.config, request, items)
            }
            (ArmRoute::AssetContainer(kind, name), "GET") => {
                match self.state.assets.get(&asset_key(*kind, name)) {
                    Some(a) => ok_json(200, &a.container.resource),
                    None => self.asset_not_found(*kind, name, None),
                }
            }
            (ArmRoute::AssetContainer(kind, name), "PUT") => {
                self.put_container(*kind, name, request)
            }
            (ArmRoute::AssetContainer(kind, name), "DELETE") => {
                match self.state.assets.remove(&asset_key(*kind, name)) {
                    Some(_) => CoreResponse::new(200),
                    None => CoreResponse::new(204),
                }
            }
            (ArmRoute::AssetVersions(kind, name), "GET") => {
                self.list_versions(*kind, name, request)
            }
            (ArmRoute::AssetVersion(kind, name, version), "GET") => {
                match self
                    .state
                    .assets
                    .get(&asset_key(*kind, name))
                    .and_then(|a| a.versions.get(version))
                {
                    Some(v) => ok_json(200, &v.resource),
                    None => self.asset_not_found(*kind, name, Some(version)),
                }
            }
            (ArmRoute::AssetVersion(kind, name, version), "PUT") => {
                self.put_version(*kind, name, version, request)
            }
            (ArmRoute::AssetVersion(kind, name, version), "DELETE") => {
                let key = asset_key(*kind, name);
                let removed = self
                    .state
                    .assets
                    .get_mut(&key)
                    .and_then(|a| a.versions.remove(version));
                match removed {
                    Some(_) => {
                        self.refresh_container(&key);
                        CoreResponse::new(200)
                    }
                    None => CoreResponse::new(204),
                }
            }
            (ArmRoute::AssetVersionAction(AssetKind::Codes, name, version, action), "POST")
                if action.eq_ignore_ascii_case("startPendingUpload") =>
            {
                self.start_pending_upload(name, version, request)
            }
            (ArmRoute::AssetVersionAction(_, _, _, action), _) => arm_error(
                404,
                "NotFound",
                format!("The fake workspace has no asset action {method} '{action}' here."),
            ),
            _ => method_not_allowed(request),
        }
    }

    fn asset_not_found(&self, kind: AssetKind, name: &str, version: Option<&str>) -> CoreResponse {
        let mut id = format!("{}/{}/{name}", self.config.workspace_id(), kind.segment());
        if let Some(v) = version {
            id.push_str(&format!("/versions/{v}"));
        }
        arm_error(
            404,
            "UserError",
            format!("Could not find asset with ID: {id}"),
        )
    }

    fn container_resource(
        &self,
        kind: AssetKind,
        name: &str,
        properties: &Map<String, Value>,
        previous: Option<&Value>,
    ) -> Value {
        json!({
            "id": format!("{}/{}/{name}", self.config.workspace_id(), kind.segment()),
            "name": name,
            "type": format!("Microsoft.MachineLearningServices/workspaces/{}", kind.segment()),
            "properties": {
                "description": properties.get("description").cloned().unwrap_or(Value::Null),
                "tags": properties.get("tags").cloned().unwrap_or(json!({})),
                "properties": properties.get("properties").cloned().unwrap_or(json!({})),
                "isArchived": properties.get("isArchived").cloned().unwrap_or(json!(false)),
                "latestVersion": previous.and_then(|p| p.pointer("/properties/latestVersion")).cloned().unwrap_or(Value::Null),
                "nextVersion": previous.and_then(|p| p.pointer("/properties/nextVersion")).cloned().unwrap_or(json!("1")),
                "provisioningState": "Succeeded"
            },
            "systemData": system_data_update(previous)
        })
    }

    fn put_container(
        &mut self,
        kind: AssetKind,
        name: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        if let Err(e) = check_asset_name(name) {
            return e;
        }
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let props = body
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let key = asset_key(kind, name);
        let previous = self
            .state
            .assets
            .get(&key)
            .map(|a| a.container.resource.clone());
        let resource = self.container_resource(kind, name, &props, previous.as_ref());
        let seq = self.state.next_seq();
        let record = self
            .state
            .assets
            .entry(key.clone())
            .or_insert_with(|| AssetRecord {
                container: Stored {
                    seq,
                    resource: Value::Null,
                },
                ..AssetRecord::default()
            });
        record.container.resource = resource;
        self.refresh_container(&key);
        let resource = self
            .state
            .assets
            .get(&key)
            .map(|a| a.container.resource.clone())
            .unwrap_or(Value::Null);
        ok_json(if previous.is_some() { 200 } else { 201 }, &resource)
    }

    /// Recomputes a container's `latestVersion`/`nextVersion` from its versions.
    fn refresh_container(&mut self, key: &str) {
        let Some(record) = self.state.assets.get_mut(key) else {
            return;
        };
        let numeric_max = record
            .versions
            .keys()
            .filter_map(|v| v.parse::<u64>().ok())
            .max();
        let latest = match numeric_max {
            Some(n) => Some(n.to_string()),
            None => record
                .versions
                .iter()
                .max_by_key(|(_, s)| s.seq)
                .map(|(v, _)| v.clone()),
        };
        let next = numeric_max.map_or_else(|| "1".to_owned(), |n| (n + 1).to_string());
        if let Some(props) = record
            .container
            .resource
            .get_mut("properties")
            .and_then(Value::as_object_mut)
        {
            props.insert(
                "latestVersion".into(),
                latest.map_or(Value::Null, Value::String),
            );
            props.insert("nextVersion".into(), Value::String(next));
        }
    }

    fn put_version(
        &mut self,
        kind: AssetKind,
        name: &str,
        version: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        if let Err(e) = check_asset_name(name) {
            return e;
        }
        if version.is_empty() || version.len() > 255 {
            return bad_request("The asset version must be 1-255 characters.");
        }
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            return bad_request("The 'properties' object is required.");
        };
        let key = asset_key(kind, name);
        let previous = self
            .state
            .assets
            .get(&key)
            .and_then(|a| a.versions.get(version))
            .map(|s| s.resource.clone());
        if let Some(prev) = &previous {
            for field in defining_fields(kind) {
                let old = prev.pointer(&format!("/properties/{field}"));
                let new = props.get(*field);
                if old.is_some() && old != new {
                    return arm_error(
                        409,
                        "UserError",
                        format!(
                            "{} {name}:{version} already exists with a different {field}; asset \
                             versions are immutable (only description, tags, stage and \
                             isArchived can change).",
                            kind.segment()
                        ),
                    );
                }
            }
        }
        let mut properties = props.clone();
        properties.entry("isArchived").or_insert(json!(false));
        properties.entry("isAnonymous").or_insert(json!(false));
        properties.entry("tags").or_insert(json!({}));
        properties.entry("properties").or_insert(json!({}));
        if kind == AssetKind::Models {
            properties.entry("flavors").or_insert(json!({}));
        }
        properties.insert("provisioningState".into(), json!("Succeeded"));
        let resource = json!({
            "id": format!("{}/{}/{name}/versions/{version}", self.config.workspace_id(), kind.segment()),
            "name": version,
            "type": format!("Microsoft.MachineLearningServices/workspaces/{}/versions", kind.segment()),
            "properties": Value::Object(properties),
            "systemData": system_data_update(previous.as_ref()),
        });
        let seq = self.state.next_seq();
        if !self.state.assets.contains_key(&key) {
            let container = self.container_resource(kind, name, &Map::new(), None);
            self.state.assets.insert(
                key.clone(),
                AssetRecord {
                    container: Stored {
                        seq,
                        resource: container,
                    },
                    ..AssetRecord::default()
                },
            );
        }
        if let Some(record) = self.state.assets.get_mut(&key) {
            let stored = record
                .versions
                .entry(version.to_owned())
                .or_insert_with(|| Stored {
                    seq,
                    resource: Value::Null,
                });
            stored.resource = resource.clone();
        }
        self.refresh_container(&key);
        ok_json(if previous.is_some() { 200 } else { 201 }, &resource)
    }

    fn list_versions(
        &mut self,
        kind: AssetKind,
        name: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let keep = view_filter(request);
        let hash = request.query("hash");
        let hash_version = request.query("hashVersion");
        let mut versions: Vec<&Stored> = if kind == AssetKind::Codes && hash.is_some() {
            // As the service does: a code asset is found by its content hash whatever name it
            // was uploaded under (Python names anonymous code with a fresh GUID), so the same
            // folder is uploaded once.
            let prefix = asset_key(kind, "");
            self.state
                .assets
                .range(prefix.clone()..)
                .take_while(|(key, _)| key.starts_with(&prefix))
                .flat_map(|(_, asset)| asset.versions.values())
                .collect()
        } else {
            self.state
                .assets
                .get(&asset_key(kind, name))
                .map(|a| a.versions.values().collect())
                .unwrap_or_default()
        };
        versions.retain(|v| keep(&v.resource));
        if let Some(hash) = &hash {
            versions.retain(|v| {
                v.resource
                    .pointer("/properties/properties/hash_sha256")
                    .and_then(Value::as_str)
                    == Some(hash.as_str())
            });
        }
        if let Some(hv) = &hash_version {
            versions.retain(
                |v| match v.resource.pointer("/properties/properties/hash_version") {
                    Some(Value::String(s)) => s == hv,
                    Some(Value::Number(n)) => n.to_string() == *hv,
                    _ => false,
                },
            );
        }
        let order = request
            .query("$orderBy")
            .unwrap_or_default()
            .to_ascii_lowercase();
        versions.sort_by_key(|v| v.seq);
        if order.ends_with("desc") {
            versions.reverse();
        }
        if let Some(top) = request.query("$top").and_then(|t| t.parse::<usize>().ok()) {
            versions.truncate(top);
        }
        let items = versions.iter().map(|v| v.resource.clone()).collect();
        page(&self.config, request, items)
    }

    fn start_pending_upload(
        &mut self,
        name: &str,
        version: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let upload_type = body
            .get("pendingUploadType")
            .and_then(Value::as_str)
            .unwrap_or("None");
        if !upload_type.eq_ignore_ascii_case("TemporaryBlobReference")
            && !upload_type.eq_ignore_ascii_case("None")
        {
            return bad_request("pendingUploadType must be None or TemporaryBlobReference.");
        }
        let account = self.config.storage_account.clone();
        let container = uuid::Uuid::new_v4().to_string();
        let now = time::OffsetDateTime::now_utc();
        let fmt = |t: time::OffsetDateTime| {
            t.replace_nanosecond(0)
                .unwrap_or(t)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let params: Vec<(String, String)> = vec![
            ("sv".into(), "2021-10-04".into()),
            ("st".into(), fmt(now - time::Duration::minutes(10))),
            ("se".into(), fmt(now + time::Duration::hours(8))),
            ("sr".into(), "c".into()),
            ("sp".into(), "rcwl".into()),
            ("sig".into(), new_key()),
        ];
        let container_url = self.config.container_url(&account, &container);
        let mut sas_uri = match url::Url::parse(&container_url) {
            Ok(u) => u,
            Err(e) => return arm_error(500, "InternalServerError", format!("bad blob URL: {e}")),
        };
        {
            let mut pairs = sas_uri.query_pairs_mut();
            for (k, v) in &params {
                pairs.append_pair(k, v);
            }
        }
        if let Some((_, sig)) = params.iter().find(|(k, _)| k == "sig") {
            self.state.sas.insert(
                sig.clone(),
                IssuedSas {
                    account: account.clone(),
                    container: container.clone(),
                    params: params.clone(),
                },
            );
        }
        let c = &self.config;
        ok_json(
            200,
            &json!({
                "blobReferenceForConsumption": {
                    "blobUri": container_url,
                    "storageAccountArmId": format!(
                        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{account}",
                        c.subscription_id, c.resource_group
                    ),
                    "credential": {"credentialType": "SAS", "sasUri": sas_uri.to_string()}
                },
                "pendingUploadId": body.get("pendingUploadId").cloned().unwrap_or_else(|| json!(format!("{name}:{version}:{}", now_rfc3339()))),
                "pendingUploadType": "TemporaryBlobReference"
            }),
        )
    }

    pub(crate) fn handle_datastores(
        &mut self,
        route: &ArmRoute,
        request: &CoreRequest,
    ) -> CoreResponse {
        match (route, request.method.as_str()) {
            (ArmRoute::Datastores, "GET") => {
                let default_only = request
                    .query("isDefault")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                let mut stores: Vec<&Stored> = self
                    .state
                    .datastores
                    .values()
                    .filter(|s| {
                        !default_only
                            || s.resource.pointer("/properties/isDefault") == Some(&json!(true))
                    })
                    .collect();
                stores.sort_by_key(|s| s.seq);
                let items = stores.iter().map(|s| s.resource.clone()).collect();
                page(&self.config, request, items)
            }
            (ArmRoute::Datastore(name), "GET") => match self.state.datastores.get(name) {
                Some(s) => ok_json(200, &s.resource),
                None => not_found(format!("Datastore '{name}' was not found.")),
            },
            (ArmRoute::Datastore(name), "PUT") => self.put_datastore(name, request),
            (ArmRoute::Datastore(name), "DELETE") => {
                if name == "workspaceblobstore" {
                    return bad_request("The default datastore cannot be deleted.");
                }
                self.state.datastore_secrets.remove(name);
                match self.state.datastores.remove(name) {
                    Some(_) => CoreResponse::new(200),
                    None => CoreResponse::new(204),
                }
            }
            (ArmRoute::DatastoreAction(name, action), "POST")
                if action.eq_ignore_ascii_case("listSecrets") =>
            {
                self.list_secrets(name)
            }
            _ => method_not_allowed(request),
        }
    }

    fn put_datastore(&mut self, name: &str, request: &CoreRequest) -> CoreResponse {
        let body = match body_object(request) {
            Ok(b) => b,
            Err(e) => return e,
        };
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            return bad_request("The 'properties' object is required.");
        };
        if props.get("datastoreType").and_then(Value::as_str).is_none() {
            return bad_request("properties.datastoreType is required.");
        }
        let mut properties = props.clone();
        // Secrets are write-only: keep them apart, answer with the credentials type only.
        if let Some(creds) = properties
            .get_mut("credentials")
            .and_then(Value::as_object_mut)
        {
            if let Some(secrets) = creds.remove("secrets") {
                if let (Some(key), Some(account)) = (
                    secrets.get("key").and_then(Value::as_str),
                    props.get("accountName").and_then(Value::as_str),
                ) {
                    self.state
                        .storage_keys
                        .insert(account.to_owned(), key.to_owned());
                }
                let kind = secrets.get("secretsType").cloned().unwrap_or(Value::Null);
                creds.insert("secrets".into(), json!({"secretsType": kind}));
                self.state
                    .datastore_secrets
                    .insert(name.to_owned(), secrets);
            }
        }
        properties.insert("isDefault".into(), json!(name == "workspaceblobstore"));
        let previous = self.state.datastores.get(name).map(|s| s.resource.clone());
        let resource = json!({
            "id": format!("{}/datastores/{name}", self.config.workspace_id()),
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/datastores",
            "properties": Value::Object(properties),
            "systemData": system_data_update(previous.as_ref()),
        });
        let seq = self.state.next_seq();
        let stored = self
            .state
            .datastores
            .entry(name.to_owned())
            .or_insert_with(|| Stored {
                seq,
                resource: Value::Null,
            });
        stored.resource = resource.clone();
        ok_json(if previous.is_some() { 200 } else { 201 }, &resource)
    }

    fn list_secrets(&mut self, name: &str) -> CoreResponse {
        if !self.state.datastores.contains_key(name) {
            return not_found(format!("Datastore '{name}' was not found."));
        }
        if let Some(secrets) = self.state.datastore_secrets.get(name) {
            return ok_json(200, secrets);
        }
        let Some((account, _)) = self.state.datastore_location(name) else {
            return bad_request(format!("Datastore '{name}' has no secrets."));
        };
        match self.state.storage_key(&account) {
            Some(key) if name == "workspaceblobstore" => {
                ok_json(200, &json!({"secretsType": "AccountKey", "key": key}))
            }
            _ => bad_request(format!("Datastore '{name}' has no secrets.")),
        }
    }

    /// An asset version (or container) resource by ARM id, case-insensitively.
    pub(crate) fn asset_by_id(&self, id: &str) -> Option<&Value> {
        let prefix = self.config.workspace_id().to_ascii_lowercase();
        let lower = id.to_ascii_lowercase();
        let rest = lower.strip_prefix(&prefix)?;
        // Keep the original casing of names: cut at the same offset.
        let rest_original = &id[id.len() - rest.len()..];
        let segs: Vec<&str> = rest_original.split('/').filter(|s| !s.is_empty()).collect();
        match segs.as_slice() {
            [kind, name, versions, version] if versions.eq_ignore_ascii_case("versions") => {
                let kind = [
                    AssetKind::Models,
                    AssetKind::Environments,
                    AssetKind::Codes,
                    AssetKind::Data,
                ]
                .into_iter()
                .find(|k| k.segment().eq_ignore_ascii_case(kind))?;
                self.state
                    .assets
                    .get(&asset_key(kind, name))?
                    .versions
                    .get(*version)
                    .map(|s| &s.resource)
            }
            _ => None,
        }
    }
}

pub(crate) fn asset_key(kind: AssetKind, name: &str) -> String {
    format!("{}/{name}", kind.segment())
}
