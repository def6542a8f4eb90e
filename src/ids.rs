//! ARM ids of workspace children and `azureml:` asset references.
//!
//! Accepted forms:
//! - ARM ids: `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}[/{kind}/{name}[/{sub}/{name}]]`
//!   (`resourceGroups` in any case, as ARM itself returns `resourcegroups` sometimes);
//! - `azureml:/subscriptions/…` (an ARM id behind the `azureml:` prefix);
//! - `azureml:name:version`, `azureml:name@label` (and the same without the prefix);
//! - registry URIs `azureml://registries/{registry}/{kind}/{name}/versions/{version}`.
//!
//! Bad input is an [`Error::Validation`].

use std::fmt;

use crate::{Error, Result};

const PROVIDER: &str = "Microsoft.MachineLearningServices";

/// The workspace a client talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceScope {
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Workspace name.
    pub workspace_name: String,
}

impl WorkspaceScope {
    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`.
    pub fn arm_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            self.subscription_id, self.resource_group, self.workspace_name
        )
    }
}

/// A parsed ARM id of a workspace or one of its children.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArmId {
    /// The workspace.
    pub scope: WorkspaceScope,
    /// `(collection, name)` pairs below the workspace, e.g. `[("models", "m"), ("versions", "1")]`.
    pub children: Vec<(String, String)>,
}

impl ArmId {
    /// The workspace itself.
    pub fn workspace(scope: &WorkspaceScope) -> Self {
        ArmId {
            scope: scope.clone(),
            children: Vec::new(),
        }
    }

    /// Appends a `/{collection}/{name}` pair.
    pub fn child(mut self, collection: impl Into<String>, name: impl Into<String>) -> Self {
        self.children.push((collection.into(), name.into()));
        self
    }

    /// Parses an ARM id (field name `id` in errors).
    ///
    /// # Errors
    /// [`Error::Validation`] on `id` when it is not a workspace (child)
    /// ARM id.
    pub fn parse(id: &str) -> Result<Self> {
        Self::parse_field(id, "id")
    }

    /// Parses an ARM id, naming `field` in errors.
    ///
    /// # Errors
    /// [`Error::Validation`] on `field` when `id` is not a workspace
    /// (child) ARM id.
    pub fn parse_field(id: &str, field: &str) -> Result<Self> {
        let bad = |rule: &str| {
            Error::validation(field, format!("`{id}` is not a workspace ARM id: {rule}"))
        };
        let trimmed = id.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix('/')
            .ok_or_else(|| bad("must start with `/subscriptions/`"))?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(bad("empty path segment"));
        }
        let expect = |i: usize, name: &str| -> Result<&str> {
            match (segments.get(i), segments.get(i + 1)) {
                (Some(key), Some(value)) if key.eq_ignore_ascii_case(name) => Ok(value),
                _ => Err(bad(&format!("expected `{name}/{{value}}`"))),
            }
        };
        let subscription_id = expect(0, "subscriptions")?;
        let resource_group = expect(2, "resourceGroups")?;
        let provider = expect(4, "providers")?;
        if !provider.eq_ignore_ascii_case(PROVIDER) {
            return Err(bad(&format!("provider must be `{PROVIDER}`")));
        }
        let workspace_name = expect(6, "workspaces")?;
        let tail = &segments[8..];
        if !tail.len().is_multiple_of(2) {
            return Err(bad("a collection has no name"));
        }
        Ok(ArmId {
            scope: WorkspaceScope {
                subscription_id: subscription_id.to_owned(),
                resource_group: resource_group.to_owned(),
                workspace_name: workspace_name.to_owned(),
            },
            children: tail
                .chunks(2)
                .map(|pair| (pair[0].to_owned(), pair[1].to_owned()))
                .collect(),
        })
    }

    /// Name under `collection` (case-insensitive), e.g. `name_of("models")`.
    pub fn name_of(&self, collection: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(collection))
            .map(|(_, n)| n.as_str())
    }

    /// The first child collection (`models`, `environments`, `codes`, `data`, `onlineEndpoints`).
    pub fn kind(&self) -> Option<&str> {
        self.children.first().map(|(c, _)| c.as_str())
    }

    /// The first child's name (asset or endpoint name).
    pub fn name(&self) -> Option<&str> {
        self.children.first().map(|(_, n)| n.as_str())
    }

    /// The version, for `…/{kind}/{name}/versions/{version}`.
    pub fn version(&self) -> Option<&str> {
        self.name_of("versions")
    }
}

impl fmt::Display for ArmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scope.arm_id())?;
        for (collection, name) in &self.children {
            write!(f, "/{collection}/{name}")?;
        }
        Ok(())
    }
}

/// `{workspace id}/{kind}/{name}/versions/{version}` (`kind`: `models`, `environments`, `codes`, `data`).
pub fn asset_version_id(scope: &WorkspaceScope, kind: &str, name: &str, version: &str) -> String {
    format!("{}/{kind}/{name}/versions/{version}", scope.arm_id())
}

/// A reference to an asset version, as users write it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssetRef {
    /// A full ARM id (with or without the `azureml:` prefix).
    Arm(ArmId),
    /// `azureml:name:version`.
    Version {
        /// Asset name.
        name: String,
        /// Version.
        version: String,
    },
    /// `azureml:name@label` (`latest` is the label the service knows).
    Label {
        /// Asset name.
        name: String,
        /// Label.
        label: String,
    },
    /// A registry asset URI (`azureml://registries/…`), passed through as is.
    Registry(String),
}

impl AssetRef {
    /// Parses a reference (field name `model`/`environment`/… goes in errors via [`AssetRef::parse_field`]).
    ///
    /// # Errors
    /// [`Error::Validation`] on `asset` for anything but the forms above.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_field(text, "asset")
    }

    /// Parses a reference, naming `field` in errors.
    ///
    /// # Errors
    /// [`Error::Validation`] on `field` for anything but the forms above.
    pub fn parse_field(text: &str, field: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::validation(field, "asset reference is empty"));
        }
        if text
            .to_ascii_lowercase()
            .starts_with("azureml://registries/")
        {
            return Ok(AssetRef::Registry(text.to_owned()));
        }
        let body = match text.get(..8) {
            Some(prefix) if prefix.eq_ignore_ascii_case("azureml:") => &text[8..],
            _ => text,
        };
        if body.starts_with('/') {
            return Ok(AssetRef::Arm(ArmId::parse_field(body, field)?));
        }
        let check = |part: &str, what: &str| -> Result<String> {
            if part.is_empty() || part.contains('/') || part.contains(':') {
                Err(Error::validation(
                    field,
                    format!("`{text}`: {what} must be non-empty and contain no `/` or `:`"),
                ))
            } else {
                Ok(part.to_owned())
            }
        };
        if let Some((name, label)) = body.split_once('@') {
            return Ok(AssetRef::Label {
                name: check(name, "name")?,
                label: check(label, "label")?,
            });
        }
        match body.split_once(':') {
            Some((name, version)) => Ok(AssetRef::Version {
                name: check(name, "name")?,
                version: check(version, "version")?,
            }),
            None => Err(Error::validation(
                field,
                format!("`{text}` needs a version or label: `azureml:name:version` or `azureml:name@latest`"),
            )),
        }
    }

    /// The ARM id for `kind` in `scope`, when the reference pins a version (ARM id or name:version).
    /// (The operations resolve labels too, in `operations::references`.)
    #[cfg(test)]
    pub fn version_id(&self, scope: &WorkspaceScope, kind: &str) -> Option<String> {
        match self {
            AssetRef::Arm(id) => Some(id.to_string()),
            AssetRef::Version { name, version } => {
                Some(asset_version_id(scope, kind, name, version))
            }
            AssetRef::Label { .. } | AssetRef::Registry(_) => None,
        }
    }
}

/// True when `text` is already an id the service accepts as a deployment's model/environment/code:
/// an ARM id or a registry URI.
pub(crate) fn is_resolved_id(text: &str) -> bool {
    matches!(
        AssetRef::parse(text),
        Ok(AssetRef::Arm(_)) | Ok(AssetRef::Registry(_))
    ) && !text.trim().to_ascii_lowercase().starts_with("azureml:/")
}

/// Asserts that `check` refuses each of `inputs` with [`Error::Validation`] on `field`: the
/// bad-input tables of ids, resource paths and certificates.
#[cfg(test)]
pub(crate) fn assert_each_refused_on<I, T>(
    field: &str,
    inputs: &[I],
    check: impl Fn(&I) -> Result<T>,
) where
    I: fmt::Debug,
    T: fmt::Debug,
{
    for input in inputs {
        let err = check(input).unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field: f, .. } if f == field),
            "{input:?}: {err}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> WorkspaceScope {
        WorkspaceScope {
            subscription_id: "sub".into(),
            resource_group: "rg".into(),
            workspace_name: "ws".into(),
        }
    }

    #[test]
    fn parses_model_version_id_any_case() {
        let id = ArmId::parse(
            "/subscriptions/sub/resourcegroups/rg/providers/microsoft.machinelearningservices/workspaces/ws/models/m/versions/3",
        )
        .unwrap();
        assert_eq!(id.scope, scope());
        assert_eq!(id.kind(), Some("models"));
        assert_eq!(id.name(), Some("m"));
        assert_eq!(id.version(), Some("3"));
    }

    #[test]
    fn formats_canonically() {
        let id = ArmId::workspace(&scope())
            .child("onlineEndpoints", "e")
            .child("deployments", "d");
        assert_eq!(
            id.to_string(),
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/e/deployments/d"
        );
        assert_eq!(ArmId::parse(&id.to_string()).unwrap(), id);
        assert_eq!(
            asset_version_id(&scope(), "codes", "c", "1"),
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/codes/c/versions/1"
        );
    }

    #[test]
    fn rejects_bad_ids_with_validation() {
        for bad in [
            "",
            "string",
            "subscriptions/s/resourceGroups/r",
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/workspaces/w",
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models",
            "/subscriptions//resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w",
        ] {
            let err = ArmId::parse(bad).unwrap_err();
            assert!(err.is_validation(), "{bad}: {err}");
        }
    }

    #[test]
    fn asset_refs() {
        assert_eq!(
            AssetRef::parse("azureml:m:1").unwrap(),
            AssetRef::Version {
                name: "m".into(),
                version: "1".into()
            }
        );
        assert_eq!(
            AssetRef::parse("azureml:m@latest").unwrap(),
            AssetRef::Label {
                name: "m".into(),
                label: "latest".into()
            }
        );
        assert_eq!(
            AssetRef::parse("m:2").unwrap(),
            AssetRef::Version {
                name: "m".into(),
                version: "2".into()
            }
        );
        let arm = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/environments/e/versions/1";
        assert!(matches!(AssetRef::parse(arm).unwrap(), AssetRef::Arm(_)));
        assert!(matches!(
            AssetRef::parse(&format!("azureml:{arm}")).unwrap(),
            AssetRef::Arm(_)
        ));
        assert!(matches!(
            AssetRef::parse("azureml://registries/azureml/models/m/versions/1").unwrap(),
            AssetRef::Registry(_)
        ));
        assert_eq!(
            AssetRef::parse("azureml:m:1")
                .unwrap()
                .version_id(&scope(), "models")
                .unwrap(),
            asset_version_id(&scope(), "models", "m", "1")
        );
        let bad = [
            "",
            "azureml:",
            "azureml:m",
            "azureml::1",
            "azureml:m:",
            "azureml:m@",
            "a/b:1",
        ];
        assert_each_refused_on("model", &bad, |b| AssetRef::parse_field(b, "model"));
        assert!(is_resolved_id(arm));
        assert!(!is_resolved_id("azureml:m:1"));
        assert!(!is_resolved_id(&format!("azureml:{arm}")));
    }
}
