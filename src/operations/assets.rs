//! Versioned assets (models, environments, codes, data), written once: container and version
//! paths, next/latest version, get, list, put, archive.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::arm::pager::ArmPager;
use crate::arm::resource::{self, ResourcePath};
use crate::client::{ApiVersions, ClientCore};
use crate::error::{Error, Result};
use crate::rest::ModelContainer;

/// One kind of versioned asset.
#[derive(Clone, Copy)]
pub(crate) struct AssetKind {
    /// Path segment under the workspace (`models`, `environments`, `codes`, `data`).
    pub(crate) segment: &'static str,
    /// The api-version of its group.
    api: fn(&ApiVersions) -> &str,
    /// Name used in errors and decode messages.
    pub(crate) what: &'static str,
}

pub(crate) const MODELS: AssetKind = AssetKind {
    segment: "models",
    api: |a| &a.models,
    what: "Model",
};
pub(crate) const ENVIRONMENTS: AssetKind = AssetKind {
    segment: "environments",
    api: |a| &a.environments,
    what: "Environment",
};
pub(crate) const CODES: AssetKind = AssetKind {
    segment: "codes",
    api: |a| &a.codes,
    what: "Code",
};
pub(crate) const DATA: AssetKind = AssetKind {
    segment: "data",
    api: |a| &a.data,
    what: "Data",
};

impl AssetKind {
    /// Every container of this kind (`models`, `environments`).
    pub(crate) fn collection(&self, core: &ClientCore) -> ResourcePath {
        ResourcePath::new([self.segment], (self.api)(&core.api))
    }

    pub(crate) fn container(&self, core: &ClientCore, name: &str) -> ResourcePath {
        ResourcePath::new([self.segment, name], (self.api)(&core.api))
    }

    pub(crate) fn versions(&self, core: &ClientCore, name: &str) -> ResourcePath {
        self.container(core, name).join("versions")
    }

    pub(crate) fn version(&self, core: &ClientCore, name: &str, version: &str) -> ResourcePath {
        self.versions(core, name).join(version)
    }
}

fn check_name(kind: AssetKind, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::validation(
            "name",
            format!("{} name must not be empty", kind.what),
        ));
    }
    Ok(())
}

/// The version a new registration gets: the container's `nextVersion`, else `latestVersion + 1`,
/// else `1` for a new asset (Python: latest + 1).
pub(crate) async fn next_version(core: &ClientCore, kind: AssetKind, name: &str) -> Result<String> {
    let container: Option<ModelContainer> = core
        .get_resource_opt(&kind.container(core, name), kind.what)
        .await?;
    let Some(container) = container else {
        return Ok("1".into());
    };
    if let Some(next) = container.properties.next_version.filter(|v| !v.is_empty()) {
        return Ok(next);
    }
    match container.properties.latest_version {
        Some(latest) => match latest.parse::<u64>() {
            Ok(n) => Ok((n + 1).to_string()),
            Err(_) => Err(Error::validation(
                "version",
                format!("{} `{name}` has non-numeric latest version `{latest}`: give an explicit version", kind.what),
            )),
        },
        None => Ok("1".into()),
    }
}

/// The latest version of an asset (for `azureml:name@latest`).
pub(crate) async fn latest_version(
    core: &ClientCore,
    kind: AssetKind,
    name: &str,
) -> Result<String> {
    check_name(kind, name)?;
    let container: ModelContainer = core
        .get_resource(&kind.container(core, name), kind.what)
        .await?;
    container
        .properties
        .latest_version
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Service {
            status: 404,
            code: Some("NoLatestVersion".into()),
            message: format!("{} `{name}` has no versions", kind.what),
            target: None,
            details: Box::default(),
            request_id: None,
        })
}

pub(crate) async fn get<T: DeserializeOwned>(
    core: &ClientCore,
    kind: AssetKind,
    name: &str,
    version: &str,
) -> Result<T> {
    check_name(kind, name)?;
    if version.trim().is_empty() {
        return Err(Error::validation("version", "must not be empty"));
    }
    core.get_resource(&kind.version(core, name, version), kind.what)
        .await
}

pub(crate) async fn get_opt<T: DeserializeOwned>(
    core: &ClientCore,
    kind: AssetKind,
    name: &str,
    version: &str,
) -> Result<Option<T>> {
    core.get_resource_opt(&kind.version(core, name, version), kind.what)
        .await
}

pub(crate) fn list<T: DeserializeOwned + Send + 'static>(
    core: &Arc<ClientCore>,
    kind: AssetKind,
    name: &str,
    query: &[(&str, &str)],
) -> ArmPager<T> {
    resource::list(core, &kind.versions(core, name), query)
}

pub(crate) async fn put<T: DeserializeOwned>(
    core: &ClientCore,
    kind: AssetKind,
    name: &str,
    version: &str,
    body: &Value,
) -> Result<T> {
    core.put_resource(&kind.version(core, name, version), body, kind.what)
        .await
}

/// Sets `isArchived` on a version (or the whole container when `version` is `None`), the way
/// Python does it: GET, flip the flag, PUT back.
pub(crate) async fn set_archived(
    core: &ClientCore,
    kind: AssetKind,
    name: &str,
    version: Option<&str>,
    archived: bool,
) -> Result<()> {
    check_name(kind, name)?;
    let path = match version {
        Some(v) => kind.version(core, name, v),
        None => kind.container(core, name),
    };
    let mut current: Value = core.get_resource(&path, kind.what).await?;
    let Some(object) = current.as_object_mut() else {
        return Err(Error::decode(kind.what, "expected a JSON object"));
    };
    for read_only in ["id", "name", "type", "systemData"] {
        object.remove(read_only);
    }
    let properties = object
        .entry("properties")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(p) = properties.as_object_mut() {
        p.remove("provisioningState");
        p.remove("latestVersion");
        p.remove("nextVersion");
        p.insert("isArchived".into(), Value::Bool(archived));
    }
    let _: Value = core.put_resource(&path, &current, kind.what).await?;
    Ok(())
}
