//! Every response body of the official REST examples (`shared/azureml-rest/examples`, all
//! api-versions, `monitor/` excepted) decodes into its entity or wire type, one test per file.
//!
//! Responses are walked (`responses.{200,201,202,…}.body` when present); body-less responses
//! (202 / 204, deletes) are asserted to carry no body. Where the example request body has the
//! resource shape (createOrUpdate / update of a resource), it must decode too.

use std::collections::BTreeSet;

use crate::rest::{
    ArmList, CodeVersionResource, DatastoreSecrets, ModelContainer, PendingUploadResponse,
    SkuResource,
};
use crate::{
    Datastore, DeploymentLogs, EndpointAuthKeys, EndpointAuthToken, Environment,
    KubernetesOnlineDeployment, KubernetesOnlineEndpoint, ManagedOnlineDeployment,
    ManagedOnlineEndpoint, Model, OnlineDeployment, OnlineEndpoint, Workspace,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The official REST examples.
fn root() -> std::path::PathBuf {
    crate::test_support::shared_path("azureml-rest/examples")
}

fn load(rel: &str) -> Value {
    crate::test_support::shared_json(&format!("azureml-rest/examples/{rel}"))
}

/// Decodes with the JSON path of the failing field in the message.
fn decode<T: DeserializeOwned>(rel: &str, what: &str, body: &Value) -> T {
    let text = body.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).unwrap_or_else(|e| {
        panic!(
            "{rel}: {what} does not decode as {}: at `{}`: {}",
            std::any::type_name::<T>(),
            e.path(),
            e.inner()
        )
    })
}

/// What a file's response bodies are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Endpoint,
    EndpointList,
    Deployment {
        kubernetes: bool,
    },
    DeploymentList,
    Keys,
    Token,
    Logs,
    Skus,
    ModelVersion,
    ModelVersionList,
    EnvironmentVersion,
    EnvironmentVersionList,
    Container,
    ContainerList,
    CodeVersion,
    CodeVersionList,
    PendingUpload,
    Datastore,
    DatastoreList,
    DatastoreSecrets,
    Workspace,
    /// Only body-less responses (delete, regenerateKeys, publish).
    NoBody,
}

fn kind_of(rel: &str) -> Kind {
    let parts: Vec<&str> = rel.trim_end_matches(".json").split('/').collect();
    let file = *parts.last().expect("file name");
    let has = |s: &str| parts.contains(&s);
    match file {
        "delete" | "regenerateKeys" | "publish" => Kind::NoBody,
        "getToken" => Kind::Token,
        "listKeys" => Kind::Keys,
        "getLogs" => Kind::Logs,
        "listSkus" => Kind::Skus,
        "listSecrets" => Kind::DatastoreSecrets,
        "createOrGetStartPendingUpload" => Kind::PendingUpload,
        _ if has("OnlineEndpoint") => {
            if file == "list" {
                Kind::EndpointList
            } else {
                Kind::Endpoint
            }
        }
        _ if has("OnlineDeployment") => match file {
            "list" => Kind::DeploymentList,
            _ => Kind::Deployment {
                kubernetes: has("KubernetesOnlineDeployment"),
            },
        },
        _ if has("ModelVersion") => {
            if file == "list" {
                Kind::ModelVersionList
            } else {
                Kind::ModelVersion
            }
        }
        _ if has("EnvironmentVersion") => {
            if file == "list" {
                Kind::EnvironmentVersionList
            } else {
                Kind::EnvironmentVersion
            }
        }
        _ if has("CodeVersion") => {
            if file == "list" {
                Kind::CodeVersionList
            } else {
                Kind::CodeVersion
            }
        }
        _ if has("ModelContainer") || has("EnvironmentContainer") || has("CodeContainer") => {
            if file == "list" {
                Kind::ContainerList
            } else {
                Kind::Container
            }
        }
        _ if has("Datastore") => {
            if file == "list" {
                Kind::DatastoreList
            } else {
                Kind::Datastore
            }
        }
        "get" if parts.len() == 3 && parts[1] == "Workspace" => Kind::Workspace,
        _ => panic!("{rel}: no kind known for this example"),
    }
}

fn check_endpoint(rel: &str, body: &Value) {
    let e: OnlineEndpoint = decode(rel, "endpoint", body);
    let has_compute = body["properties"]["compute"].as_str().is_some();
    assert_eq!(e.is_kubernetes(), has_compute, "{rel}: endpoint kind");
    assert!(
        !e.auth_mode().is_unknown(),
        "{rel}: auth mode {:?}",
        e.auth_mode()
    );
    if let Some(name) = body["name"].as_str() {
        assert_eq!(e.name(), name, "{rel}");
    }
    let traffic = body["properties"]["traffic"]
        .as_object()
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(e.traffic().len(), traffic, "{rel}: traffic entries");
    // The concrete types decode the same body too.
    let managed: ManagedOnlineEndpoint = decode(rel, "endpoint", body);
    let k8s: KubernetesOnlineEndpoint = decode(rel, "endpoint", body);
    assert_eq!(managed.scoring_uri.as_deref(), e.scoring_uri());
    assert_eq!(
        k8s.compute.target.as_deref(),
        body["properties"]["compute"].as_str()
    );
}

fn check_deployment(rel: &str, body: &Value, kubernetes: bool) {
    let d: OnlineDeployment = decode(rel, "deployment", body);
    assert_eq!(d.is_kubernetes(), kubernetes, "{rel}: deployment kind");
    let props = &body["properties"];
    match (props["livenessProbe"]["period"].as_str(), d.clone()) {
        (Some(_), OnlineDeployment::Managed(m)) => {
            assert!(m.liveness_probe.and_then(|p| p.period).is_some(), "{rel}")
        }
        (Some(_), OnlineDeployment::Kubernetes(k)) => {
            assert!(k.liveness_probe.and_then(|p| p.period).is_some(), "{rel}")
        }
        _ => {}
    }
    if let Some(model) = props["model"].as_str() {
        assert_eq!(d.model().and_then(|m| m.as_id()), Some(model), "{rel}");
    }
    if let Some(capacity) = body["sku"]["capacity"].as_u64() {
        assert_eq!(d.instance_count().map(u64::from), Some(capacity), "{rel}");
    }
    if kubernetes {
        let k: KubernetesOnlineDeployment = decode(rel, "deployment", body);
        let has_resources = props["containerResourceRequirements"].is_object();
        assert_eq!(k.compute.resources.is_some(), has_resources, "{rel}");
    } else {
        let _: ManagedOnlineDeployment = decode(rel, "deployment", body);
    }
}

fn check_body(rel: &str, kind: Kind, body: &Value) {
    match kind {
        Kind::Endpoint => check_endpoint(rel, body),
        Kind::EndpointList => {
            let list: ArmList<Value> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
            let _: ArmList<OnlineEndpoint> = decode(rel, "list", body);
            list.value.iter().for_each(|v| check_endpoint(rel, v));
        }
        Kind::Deployment { kubernetes } => check_deployment(rel, body, kubernetes),
        Kind::DeploymentList => {
            let list: ArmList<OnlineDeployment> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::Keys => {
            let keys: EndpointAuthKeys = decode(rel, "keys", body);
            assert!(
                keys.primary_key.is_some() && keys.secondary_key.is_some(),
                "{rel}"
            );
        }
        Kind::Token => {
            let token: EndpointAuthToken = decode(rel, "token", body);
            assert_eq!(
                Some(token.access_token.secret()),
                body["accessToken"].as_str(),
                "{rel}"
            );
            assert_eq!(
                Some(token.expiry_time_utc),
                body["expiryTimeUtc"].as_i64(),
                "{rel}"
            );
        }
        Kind::Logs => {
            let logs: DeploymentLogs = decode(rel, "logs", body);
            assert_eq!(
                Some(logs.content.as_str()),
                body["content"].as_str(),
                "{rel}"
            );
        }
        Kind::Skus => {
            let skus: ArmList<SkuResource> = decode(rel, "skus", body);
            assert!(!skus.value.is_empty(), "{rel}");
        }
        Kind::ModelVersion => {
            let m: Model = decode(rel, "model version", body);
            assert_eq!(m.version.as_deref(), body["name"].as_str(), "{rel}");
            assert_eq!(
                m.path.as_deref(),
                body["properties"]["modelUri"].as_str(),
                "{rel}"
            );
            assert!(!m.model_type.is_unknown(), "{rel}: {:?}", m.model_type);
        }
        Kind::ModelVersionList => {
            let list: ArmList<Model> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::EnvironmentVersion => {
            let e: Environment = decode(rel, "environment version", body);
            assert_eq!(
                e.image.as_deref(),
                body["properties"]["image"].as_str(),
                "{rel}"
            );
            assert_eq!(
                e.conda_file.is_some(),
                body["properties"]["condaFile"].is_string(),
                "{rel}"
            );
        }
        Kind::EnvironmentVersionList => {
            let list: ArmList<Environment> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::Container => {
            let c: ModelContainer = decode(rel, "container", body);
            assert_eq!(c.name.as_deref(), body["name"].as_str(), "{rel}");
        }
        Kind::ContainerList => {
            let list: ArmList<ModelContainer> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::CodeVersion => {
            let c: CodeVersionResource = decode(rel, "code version", body);
            assert_eq!(
                c.properties.code_uri.as_deref(),
                body["properties"]["codeUri"].as_str(),
                "{rel}"
            );
        }
        Kind::CodeVersionList => {
            let list: ArmList<CodeVersionResource> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::PendingUpload => {
            let p: PendingUploadResponse = decode(rel, "pending upload", body);
            assert!(p.blob_uri().is_some() && p.sas_uri().is_some(), "{rel}");
        }
        Kind::Datastore => {
            let d: Datastore = decode(rel, "datastore", body);
            assert_eq!(
                d.account_name.as_deref(),
                body["properties"]["accountName"].as_str(),
                "{rel}"
            );
            assert!(!d.datastore_type.is_unknown(), "{rel}");
        }
        Kind::DatastoreList => {
            let list: ArmList<Datastore> = decode(rel, "list", body);
            assert!(!list.value.is_empty(), "{rel}");
        }
        Kind::DatastoreSecrets => {
            let s: DatastoreSecrets = decode(rel, "secrets", body);
            assert!(s.key.is_some(), "{rel}");
        }
        Kind::Workspace => {
            let w: Workspace = decode(rel, "workspace", body);
            assert_eq!(Some(w.name.as_str()), body["name"].as_str(), "{rel}");
            assert!(w.discovery_url.is_some() && w.location.is_some(), "{rel}");
        }
        Kind::NoBody => panic!("{rel}: unexpected body"),
    }
}

fn check(rel: &str) {
    let example = load(rel);
    let kind = kind_of(rel);
    let responses = example["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{rel}: no responses"));
    let mut decoded = 0;
    for (status, response) in responses {
        match response.get("body").filter(|b| !b.is_null()) {
            Some(body) => {
                assert!(kind != Kind::NoBody, "{rel}: {status} has a body");
                check_body(rel, kind, body);
                decoded += 1;
            }
            None => assert!(
                matches!(status.as_str(), "202" | "204") || kind == Kind::NoBody,
                "{rel}: {status} has no body"
            ),
        }
    }
    if kind != Kind::NoBody {
        assert!(decoded > 0, "{rel}: nothing decoded");
    }
    // Resource-shaped request bodies decode as the entity as well.
    let request = &example["parameters"]["body"];
    let file = rel.rsplit('/').next().unwrap_or_default();
    if request.is_object() && file == "createOrUpdate.json" {
        match kind {
            Kind::Endpoint => {
                let _: OnlineEndpoint = decode(rel, "request", request);
            }
            Kind::Deployment { .. } => {
                let _: OnlineDeployment = decode(rel, "request", request);
            }
            Kind::ModelVersion => {
                let _: Model = decode(rel, "request", request);
            }
            Kind::EnvironmentVersion => {
                let _: Environment = decode(rel, "request", request);
            }
            Kind::Datastore => {
                let _: Datastore = decode(rel, "request", request);
            }
            _ => {}
        }
    }
}

macro_rules! examples {
    ($($name:ident => $rel:literal,)+) => {
        $(
            #[test]
            fn $name() {
                check($rel);
            }
        )+

        const ALL: &[&str] = &[$($rel),+];
    };
}

examples! {
    v2024_04_01_onlinedeployment_kubernetesonlinedeployment_createorupdate => "2024-04-01/OnlineDeployment/KubernetesOnlineDeployment/createOrUpdate.json",
    v2024_04_01_onlinedeployment_kubernetesonlinedeployment_get => "2024-04-01/OnlineDeployment/KubernetesOnlineDeployment/get.json",
    v2024_04_01_onlinedeployment_kubernetesonlinedeployment_update => "2024-04-01/OnlineDeployment/KubernetesOnlineDeployment/update.json",
    v2024_04_01_onlinedeployment_managedonlinedeployment_createorupdate => "2024-04-01/OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json",
    v2024_04_01_onlinedeployment_managedonlinedeployment_get => "2024-04-01/OnlineDeployment/ManagedOnlineDeployment/get.json",
    v2024_04_01_onlinedeployment_managedonlinedeployment_listskus => "2024-04-01/OnlineDeployment/ManagedOnlineDeployment/listSkus.json",
    v2024_04_01_onlinedeployment_managedonlinedeployment_update => "2024-04-01/OnlineDeployment/ManagedOnlineDeployment/update.json",
    v2024_04_01_onlinedeployment_getlogs => "2024-04-01/OnlineDeployment/getLogs.json",
    v2024_04_01_onlinedeployment_list => "2024-04-01/OnlineDeployment/list.json",
    v2024_04_01_workspace_environmentversion_createorupdate => "2024-04-01/Workspace/EnvironmentVersion/createOrUpdate.json",
    v2024_04_01_workspace_environmentversion_get => "2024-04-01/Workspace/EnvironmentVersion/get.json",
    v2024_04_01_workspace_environmentversion_list => "2024-04-01/Workspace/EnvironmentVersion/list.json",
    v2024_04_01_workspace_modelversion_createorupdate => "2024-04-01/Workspace/ModelVersion/createOrUpdate.json",
    v2024_04_01_workspace_modelversion_get => "2024-04-01/Workspace/ModelVersion/get.json",
    v2024_04_01_workspace_modelversion_list => "2024-04-01/Workspace/ModelVersion/list.json",
    v2024_04_01_workspace_onlinedeployment_delete => "2024-04-01/Workspace/OnlineDeployment/delete.json",
    v2024_04_01_workspace_onlineendpoint_createorupdate => "2024-04-01/Workspace/OnlineEndpoint/createOrUpdate.json",
    v2024_04_01_workspace_onlineendpoint_delete => "2024-04-01/Workspace/OnlineEndpoint/delete.json",
    v2024_04_01_workspace_onlineendpoint_get => "2024-04-01/Workspace/OnlineEndpoint/get.json",
    v2024_04_01_workspace_onlineendpoint_gettoken => "2024-04-01/Workspace/OnlineEndpoint/getToken.json",
    v2024_04_01_workspace_onlineendpoint_list => "2024-04-01/Workspace/OnlineEndpoint/list.json",
    v2024_04_01_workspace_onlineendpoint_regeneratekeys => "2024-04-01/Workspace/OnlineEndpoint/regenerateKeys.json",
    v2024_04_01_workspace_onlineendpoint_update => "2024-04-01/Workspace/OnlineEndpoint/update.json",
    v2025_04_01_workspace_onlineendpoint_listkeys => "2025-04-01/Workspace/OnlineEndpoint/listKeys.json",
    v2025_12_01_datastore_azureblobwaccountkey_createorupdate => "2025-12-01/Datastore/AzureBlobWAccountKey/createOrUpdate.json",
    v2025_12_01_datastore_get => "2025-12-01/Datastore/get.json",
    v2025_12_01_datastore_list => "2025-12-01/Datastore/list.json",
    v2025_12_01_datastore_listsecrets => "2025-12-01/Datastore/listSecrets.json",
    v2025_12_01_onlinedeployment_kubernetesonlinedeployment_createorupdate => "2025-12-01/OnlineDeployment/KubernetesOnlineDeployment/createOrUpdate.json",
    v2025_12_01_onlinedeployment_kubernetesonlinedeployment_get => "2025-12-01/OnlineDeployment/KubernetesOnlineDeployment/get.json",
    v2025_12_01_onlinedeployment_kubernetesonlinedeployment_update => "2025-12-01/OnlineDeployment/KubernetesOnlineDeployment/update.json",
    v2025_12_01_onlinedeployment_managedonlinedeployment_createorupdate => "2025-12-01/OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json",
    v2025_12_01_onlinedeployment_managedonlinedeployment_get => "2025-12-01/OnlineDeployment/ManagedOnlineDeployment/get.json",
    v2025_12_01_onlinedeployment_managedonlinedeployment_listskus => "2025-12-01/OnlineDeployment/ManagedOnlineDeployment/listSkus.json",
    v2025_12_01_onlinedeployment_managedonlinedeployment_update => "2025-12-01/OnlineDeployment/ManagedOnlineDeployment/update.json",
    v2025_12_01_onlinedeployment_getlogs => "2025-12-01/OnlineDeployment/getLogs.json",
    v2025_12_01_onlinedeployment_list => "2025-12-01/OnlineDeployment/list.json",
    v2025_12_01_workspace_codecontainer_createorupdate => "2025-12-01/Workspace/CodeContainer/createOrUpdate.json",
    v2025_12_01_workspace_codecontainer_delete => "2025-12-01/Workspace/CodeContainer/delete.json",
    v2025_12_01_workspace_codecontainer_get => "2025-12-01/Workspace/CodeContainer/get.json",
    v2025_12_01_workspace_codecontainer_list => "2025-12-01/Workspace/CodeContainer/list.json",
    v2025_12_01_workspace_codeversion_createorgetstartpendingupload => "2025-12-01/Workspace/CodeVersion/createOrGetStartPendingUpload.json",
    v2025_12_01_workspace_codeversion_createorupdate => "2025-12-01/Workspace/CodeVersion/createOrUpdate.json",
    v2025_12_01_workspace_codeversion_delete => "2025-12-01/Workspace/CodeVersion/delete.json",
    v2025_12_01_workspace_codeversion_get => "2025-12-01/Workspace/CodeVersion/get.json",
    v2025_12_01_workspace_codeversion_list => "2025-12-01/Workspace/CodeVersion/list.json",
    v2025_12_01_workspace_environmentcontainer_createorupdate => "2025-12-01/Workspace/EnvironmentContainer/createOrUpdate.json",
    v2025_12_01_workspace_environmentcontainer_delete => "2025-12-01/Workspace/EnvironmentContainer/delete.json",
    v2025_12_01_workspace_environmentcontainer_get => "2025-12-01/Workspace/EnvironmentContainer/get.json",
    v2025_12_01_workspace_environmentcontainer_list => "2025-12-01/Workspace/EnvironmentContainer/list.json",
    v2025_12_01_workspace_environmentversion_createorupdate => "2025-12-01/Workspace/EnvironmentVersion/createOrUpdate.json",
    v2025_12_01_workspace_environmentversion_delete => "2025-12-01/Workspace/EnvironmentVersion/delete.json",
    v2025_12_01_workspace_environmentversion_get => "2025-12-01/Workspace/EnvironmentVersion/get.json",
    v2025_12_01_workspace_environmentversion_list => "2025-12-01/Workspace/EnvironmentVersion/list.json",
    v2025_12_01_workspace_modelcontainer_createorupdate => "2025-12-01/Workspace/ModelContainer/createOrUpdate.json",
    v2025_12_01_workspace_modelcontainer_delete => "2025-12-01/Workspace/ModelContainer/delete.json",
    v2025_12_01_workspace_modelcontainer_get => "2025-12-01/Workspace/ModelContainer/get.json",
    v2025_12_01_workspace_modelcontainer_list => "2025-12-01/Workspace/ModelContainer/list.json",
    v2025_12_01_workspace_modelversion_createorupdate => "2025-12-01/Workspace/ModelVersion/createOrUpdate.json",
    v2025_12_01_workspace_modelversion_delete => "2025-12-01/Workspace/ModelVersion/delete.json",
    v2025_12_01_workspace_modelversion_get => "2025-12-01/Workspace/ModelVersion/get.json",
    v2025_12_01_workspace_modelversion_list => "2025-12-01/Workspace/ModelVersion/list.json",
    v2025_12_01_workspace_modelversion_publish => "2025-12-01/Workspace/ModelVersion/publish.json",
    v2025_12_01_workspace_onlinedeployment_delete => "2025-12-01/Workspace/OnlineDeployment/delete.json",
    v2025_12_01_workspace_onlineendpoint_createorupdate => "2025-12-01/Workspace/OnlineEndpoint/createOrUpdate.json",
    v2025_12_01_workspace_onlineendpoint_delete => "2025-12-01/Workspace/OnlineEndpoint/delete.json",
    v2025_12_01_workspace_onlineendpoint_get => "2025-12-01/Workspace/OnlineEndpoint/get.json",
    v2025_12_01_workspace_onlineendpoint_gettoken => "2025-12-01/Workspace/OnlineEndpoint/getToken.json",
    v2025_12_01_workspace_onlineendpoint_list => "2025-12-01/Workspace/OnlineEndpoint/list.json",
    v2025_12_01_workspace_onlineendpoint_regeneratekeys => "2025-12-01/Workspace/OnlineEndpoint/regenerateKeys.json",
    v2025_12_01_workspace_onlineendpoint_update => "2025-12-01/Workspace/OnlineEndpoint/update.json",
    v2025_12_01_workspace_get => "2025-12-01/Workspace/get.json",
    v2026_07_01_onlinedeployment_kubernetesonlinedeployment_createorupdate => "2026-07-01/OnlineDeployment/KubernetesOnlineDeployment/createOrUpdate.json",
    v2026_07_01_onlinedeployment_kubernetesonlinedeployment_get => "2026-07-01/OnlineDeployment/KubernetesOnlineDeployment/get.json",
    v2026_07_01_onlinedeployment_managedonlinedeployment_listskus => "2026-07-01/OnlineDeployment/ManagedOnlineDeployment/listSkus.json",
    v2026_07_01_onlinedeployment_getlogs => "2026-07-01/OnlineDeployment/getLogs.json",
    v2026_07_01_onlinedeployment_list => "2026-07-01/OnlineDeployment/list.json",
    v2026_07_01_workspace_environmentversion_get => "2026-07-01/Workspace/EnvironmentVersion/get.json",
    v2026_07_01_workspace_modelversion_get => "2026-07-01/Workspace/ModelVersion/get.json",
    v2026_07_01_workspace_onlineendpoint_createorupdate => "2026-07-01/Workspace/OnlineEndpoint/createOrUpdate.json",
    v2026_07_01_workspace_onlineendpoint_delete => "2026-07-01/Workspace/OnlineEndpoint/delete.json",
    v2026_07_01_workspace_onlineendpoint_get => "2026-07-01/Workspace/OnlineEndpoint/get.json",
    v2026_07_01_workspace_onlineendpoint_gettoken => "2026-07-01/Workspace/OnlineEndpoint/getToken.json",
    v2026_07_01_workspace_onlineendpoint_list => "2026-07-01/Workspace/OnlineEndpoint/list.json",
    v2026_07_01_workspace_onlineendpoint_regeneratekeys => "2026-07-01/Workspace/OnlineEndpoint/regenerateKeys.json",
    v2026_07_01_workspace_onlineendpoint_update => "2026-07-01/Workspace/OnlineEndpoint/update.json",
}

#[test]
fn every_example_file_has_a_test() {
    let mut on_disk = BTreeSet::new();
    let root = root();
    for entry in walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let rel = path
                .strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            if !rel.starts_with("monitor/") {
                on_disk.insert(rel);
            }
        }
    }
    let listed: BTreeSet<String> = ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn example_values_map_to_entity_fields() {
    let get = load("2025-12-01/OnlineDeployment/ManagedOnlineDeployment/get.json");
    let d: ManagedOnlineDeployment = decode("get", "deployment", &get["responses"]["200"]["body"]);
    let liveness = d.liveness_probe.expect("liveness");
    assert_eq!(liveness.period, Some(300));
    assert_eq!(liveness.initial_delay, Some(300));
    let readiness = d.readiness_probe.expect("readiness");
    assert_eq!(
        (readiness.timeout, readiness.period, readiness.initial_delay),
        (Some(2), Some(10), Some(1))
    );
    assert_eq!(readiness.failure_threshold, Some(30));
    let request = d.request_settings.expect("request settings");
    assert_eq!(request.request_timeout_ms, Some(300_000));
    assert_eq!(request.max_queue_wait_ms, Some(300_000));
    assert!(matches!(
        d.scale_settings,
        Some(crate::ScaleSettings::Default(_))
    ));
    assert_eq!(
        d.provisioning_state,
        Some(crate::ProvisioningState::Creating)
    );
    assert_eq!(
        d.environment_variables.get("string").map(String::as_str),
        Some("string")
    );
    let created = d
        .creation_context
        .and_then(|c| c.created_at)
        .expect("createdAt parsed");
    assert_eq!(created.year(), 2020);

    let ep = load("2025-12-01/Workspace/OnlineEndpoint/get.json");
    let e: OnlineEndpoint = decode("get", "endpoint", &ep["responses"]["200"]["body"]);
    assert_eq!(e.auth_mode(), &crate::AuthMode::AmlToken);
    let identity = e.identity().expect("identity");
    assert_eq!(identity.type_, crate::IdentityType::SystemAssigned);
    assert_eq!(identity.user_assigned_identities.len(), 1);

    let ws = load("2025-12-01/Workspace/get.json");
    let w: Workspace = decode("get", "workspace", &ws["responses"]["200"]["body"]);
    assert_eq!(
        w.identity.map(|i| i.type_),
        Some(crate::IdentityType::SystemAndUserAssigned)
    );
    assert_eq!(w.display_name.as_deref(), Some("HelloName"));

    let mv = load("2025-12-01/Workspace/ModelVersion/get.json");
    let m: Model = decode("get", "model", &mv["responses"]["200"]["body"]);
    assert_eq!(m.model_type, crate::AssetType::CustomModel);
    assert_eq!(
        m.flavors
            .get("string")
            .and_then(|f| f.get("string"))
            .map(String::as_str),
        Some("string")
    );
}
