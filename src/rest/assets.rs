//! Asset containers, code versions and data versions ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::common::id_segment;
use super::resource::ArmResource;
use crate::entities::ProvisioningState;

/// ARM `ModelContainer` / `EnvironmentContainer` / `CodeContainer` (what the operations need).
pub type ModelContainer = ArmResource<ContainerProperties>;

/// Properties of an asset container (read-only: containers are created by their versions).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerProperties {
    /// Latest version.
    pub latest_version: Option<String>,
    /// Next version the service would assign.
    pub next_version: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Archived flag.
    pub is_archived: Option<bool>,
}

/// ARM `CodeVersion` resource (`id` is `…/codes/{name}/versions/{version}`).
pub type CodeVersionResource = ArmResource<CodeVersionProperties>;

/// Properties of a code version.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeVersionProperties {
    /// Blob folder URI of the code.
    pub code_uri: Option<String>,
    /// Anonymous (content-addressed) code asset.
    pub is_anonymous: Option<bool>,
    /// Properties (`hash_sha256`, `hash_version`, ...), as JSON: the hash version is a number
    /// on the wire, where ARM's schema says strings.
    #[serde(deserialize_with = "crate::error::null_as_default")]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Provisioning state (read-only).
    #[serde(skip_serializing)]
    pub provisioning_state: Option<ProvisioningState>,
}

impl CodeVersionResource {
    /// Code asset name from the id.
    pub fn code_name(&self) -> Option<String> {
        id_segment(self.id.as_deref(), "codes")
    }
}

/// The content-hash scheme of code assets (`hash_version`), shared with Python.
const HASH_VERSION: u32 = 202208;

/// Body of an anonymous code version PUT (flow.jsonl seq 22).
pub(crate) fn code_version_body(code_uri: &str, hash_sha256: &str) -> CodeVersionResource {
    let properties = CodeVersionProperties {
        code_uri: Some(code_uri.to_owned()),
        is_anonymous: Some(true),
        properties: BTreeMap::from([
            ("hash_sha256".to_owned(), hash_sha256.into()),
            ("hash_version".to_owned(), HASH_VERSION.into()),
        ]),
        provisioning_state: None,
    };
    ArmResource::body(None, properties)
}

/// ARM `DataVersion.properties` of a `uri_folder` (written only: the operations read back
/// nothing but the id).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DataVersionProperties {
    is_anonymous: bool,
    tags: BTreeMap<String, String>,
    is_archived: bool,
    properties: BTreeMap<String, String>,
    data_uri: String,
    data_type: &'static str,
}

/// Body of a `uri_folder` data version PUT (data-collector assets, flow.jsonl seq 41).
pub(crate) fn data_version_body(data_uri: &str) -> ArmResource<DataVersionProperties> {
    let properties = DataVersionProperties {
        is_anonymous: false,
        tags: BTreeMap::new(),
        is_archived: false,
        properties: BTreeMap::new(),
        data_uri: data_uri.to_owned(),
        data_type: "uri_folder",
    };
    ArmResource::body(None, properties)
}

/// An asset version or container read back to flip its archived flag and PUT again, as Python's
/// `archive`/`restore` do. The read-only fields (`_…`) are read and never written; what else the
/// service sent, fields this crate does not know included, goes back unchanged.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArchiveBody {
    #[serde(default, rename = "id", skip_serializing)]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "name", skip_serializing)]
    _name: Option<IgnoredAny>,
    #[serde(default, rename = "type", skip_serializing)]
    _type: Option<IgnoredAny>,
    #[serde(default, rename = "systemData", skip_serializing)]
    _system_data: Option<IgnoredAny>,
    #[serde(default)]
    properties: ArchiveProperties,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

/// The properties of an [`ArchiveBody`].
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArchiveProperties {
    #[serde(default, rename = "provisioningState", skip_serializing)]
    _provisioning_state: Option<IgnoredAny>,
    #[serde(default, rename = "latestVersion", skip_serializing)]
    _latest_version: Option<IgnoredAny>,
    #[serde(default, rename = "nextVersion", skip_serializing)]
    _next_version: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    is_archived: bool,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

impl ArchiveBody {
    /// The same asset with its archived flag set to `archived`.
    pub(crate) fn archived(mut self, archived: bool) -> Self {
        self.properties.is_archived = archived;
        self
    }
}
