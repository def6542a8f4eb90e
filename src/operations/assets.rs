//! Versioned assets (models, environments, codes, data), written once: container and version
//! paths, next/latest version, get, list, put, archive.

use azure_core::http::{pager::PagerOptions, Context};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::arm::pager::ArmPager;
use crate::arm::{ApiVersions, ArmClient, ArmPath};
use crate::entities::ListViewType;
use crate::error::{Error, Result};
use crate::rest::{ArchiveBody, ModelContainer};

/// A deterministic anonymous asset name (UUID-shaped) derived from content, so registering
/// the same content twice finds the first registration instead of creating another.
pub(crate) fn anonymous_name(kind: &str, content_hash: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{content_hash}").as_bytes());
    let hex = |from: usize, to: usize| -> String {
        digest
            .iter()
            .skip(from)
            .take(to - from)
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    format!(
        "{}-{}-{}-{}-{}",
        hex(0, 4),
        hex(4, 6),
        hex(6, 8),
        hex(8, 10),
        hex(10, 16)
    )
}

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
    pub(crate) fn collection(&self, api: &ApiVersions) -> ArmPath {
        ArmPath::workspace([self.segment], (self.api)(api))
    }

    pub(crate) fn container(&self, api: &ApiVersions, name: &str) -> ArmPath {
        ArmPath::workspace([self.segment, name], (self.api)(api))
    }

    pub(crate) fn versions(&self, api: &ApiVersions, name: &str) -> ArmPath {
        self.container(api, name).join("versions")
    }

    pub(crate) fn version(&self, api: &ApiVersions, name: &str, version: &str) -> ArmPath {
        self.versions(api, name).join(version)
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
pub(crate) async fn next_version(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    ctx: &Context<'_>,
) -> Result<String> {
    let container: Option<ModelContainer> = arm
        .get_opt(&kind.container(arm.api(), name), kind.what, ctx)
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
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    ctx: &Context<'_>,
) -> Result<String> {
    check_name(kind, name)?;
    let container: ModelContainer = arm
        .get(&kind.container(arm.api(), name), kind.what, ctx)
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
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    version: &str,
    ctx: &Context<'_>,
) -> Result<T> {
    check_name(kind, name)?;
    if version.trim().is_empty() {
        return Err(Error::validation("version", "must not be empty"));
    }
    arm.get(&kind.version(arm.api(), name, version), kind.what, ctx)
        .await
}

pub(crate) async fn get_opt<T: DeserializeOwned>(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    version: &str,
    ctx: &Context<'_>,
) -> Result<Option<T>> {
    arm.get_opt(&kind.version(arm.api(), name, version), kind.what, ctx)
        .await
}

pub(crate) fn list<T: DeserializeOwned + Send + 'static>(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    options: PagerOptions<'_>,
) -> Result<ArmPager<T>> {
    check_name(kind, name)?;
    arm.list(&kind.versions(arm.api(), name), options)
}

/// The versions of `name` that `view` selects (`listViewType`).
pub(crate) fn list_view<T: DeserializeOwned + Send + 'static>(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    view: ListViewType,
    options: PagerOptions<'_>,
) -> Result<ArmPager<T>> {
    check_name(kind, name)?;
    let path = kind
        .versions(arm.api(), name)
        .with_query("listViewType", view.as_str());
    arm.list(&path, options)
}

pub(crate) async fn put<B, T>(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    version: &str,
    body: &B,
    ctx: &Context<'_>,
) -> Result<T>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    arm.put(
        &kind.version(arm.api(), name, version),
        body,
        kind.what,
        ctx,
    )
    .await
}

/// Sets `isArchived` on a version (or the whole container when `version` is `None`), the way
/// Python does it: GET, flip the flag, PUT back.
pub(crate) async fn set_archived(
    arm: &ArmClient,
    kind: AssetKind,
    name: &str,
    version: Option<&str>,
    archived: bool,
    ctx: &Context<'_>,
) -> Result<()> {
    check_name(kind, name)?;
    let path = match version {
        Some(v) => kind.version(arm.api(), name, v),
        None => kind.container(arm.api(), name),
    };
    let current: ArchiveBody = arm.get(&path, kind.what, ctx).await?;
    let _: Value = arm
        .put(&path, &current.archived(archived), kind.what, ctx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{client, WS};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// Archive and restore PUT back what they read, minus the read-only fields, with the flag
    /// set: a property this crate does not know survives (Python's entity round trip would drop
    /// it).
    #[tokio::test]
    async fn archive_puts_back_what_it_read_with_the_flag_set() {
        let server = MockServer::start().await;
        let version_path = format!("{WS}/models/churn/versions/1");
        let container_path = format!("{WS}/environments/churn-env");
        let version = serde_json::json!({
            "id": version_path, "name": "1", "type": "Microsoft.MachineLearningServices/workspaces/models/versions",
            "systemData": {"createdBy": "someone"},
            "tags": {"kept": "top-level"},
            "properties": {
                "provisioningState": "Succeeded", "description": "d", "modelUri": "azureml://x",
                "isArchived": null, "aFieldOfTomorrow": {"nested": [1, 2]}
            }
        });
        let container = serde_json::json!({
            "id": container_path, "name": "churn-env",
            "properties": {"latestVersion": "3", "nextVersion": "4", "isArchived": true, "tags": {"a": "b"}}
        });
        for (p, body) in [(&version_path, &version), (&container_path, &container)] {
            Mock::given(method("GET"))
                .and(path(p.as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
            Mock::given(method("PUT"))
                .and(path(p.as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .mount(&server)
                .await;
        }
        let ml_client = client(&server.uri(), Default::default());
        ml_client
            .models()
            .archive("churn", Some("1"), None)
            .await
            .unwrap();
        ml_client
            .environments()
            .restore("churn-env", None, None)
            .await
            .unwrap();

        let puts: Vec<Value> = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.method.as_str() == "PUT")
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        assert_eq!(
            puts,
            [
                serde_json::json!({
                    "tags": {"kept": "top-level"},
                    "properties": {
                        "description": "d", "modelUri": "azureml://x", "isArchived": true,
                        "aFieldOfTomorrow": {"nested": [1, 2]}
                    }
                }),
                serde_json::json!({"properties": {"isArchived": false, "tags": {"a": "b"}}}),
            ]
        );
    }

    #[test]
    fn anonymous_names_are_stable_and_uuid_shaped() {
        let a = anonymous_name("codes", "abc");
        assert_eq!(a, anonymous_name("codes", "abc"));
        assert_ne!(a, anonymous_name("codes", "abd"));
        assert_ne!(a, anonymous_name("models", "abc"));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
