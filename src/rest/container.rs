//! Asset containers (`models/{name}`, `environments/{name}`) ⇄ [`AssetContainer`].

use std::collections::BTreeMap;

use serde::Deserialize;

use super::common::lenient_string_map;
use super::resource::ArmResource;
use crate::entities::AssetContainer;

/// ARM `ModelContainer` / `EnvironmentContainer` as a list returns it.
pub(crate) type AssetContainerResource = ArmResource<AssetContainerProperties>;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct AssetContainerProperties {
    latest_version: Option<String>,
    next_version: Option<String>,
    description: Option<String>,
    #[serde(deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    is_archived: Option<bool>,
}

impl From<AssetContainerResource> for AssetContainer {
    fn from(w: AssetContainerResource) -> Self {
        let p = w.properties;
        AssetContainer {
            name: w.name.unwrap_or_default(),
            latest_version: p.latest_version,
            next_version: p.next_version,
            description: p.description,
            tags: p.tags,
            properties: p.properties,
            is_archived: p.is_archived.unwrap_or(false),
            id: w.id,
            creation_context: w.system_data.map(Into::into),
        }
    }
}
