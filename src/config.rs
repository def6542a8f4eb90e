//! `config.json`: the workspace file the Azure ML studio offers for download, and
//! [`MLClient::from_config`], which reads it the way Python's `MLClient.from_config` does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use azure_core::credentials::TokenCredential;

use crate::client::{MLClient, MLClientOptions};
use crate::error::{Error, Result};

/// The file name searched for.
pub const CONFIG_FILE: &str = "config.json";

/// The folder searched in each directory besides the directory itself.
pub const CONFIG_DIR: &str = ".azureml";

/// A workspace named by a `config.json` file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkspaceConfig {
    /// `subscription_id`.
    pub subscription_id: String,
    /// `resource_group`.
    pub resource_group: String,
    /// `workspace_name`.
    pub workspace_name: String,
    /// The file it was read from.
    pub path: PathBuf,
}

impl WorkspaceConfig {
    /// Finds and reads the config file, as Python does: `path` when it is a file; otherwise,
    /// from `path` (default: the current folder) upwards, the first `.azureml/config.json` or
    /// `config.json`.
    ///
    /// ```no_run
    /// let config = azure_ai_ml::WorkspaceConfig::find(None)?;
    /// println!("{} in {}", config.workspace_name, config.path.display());
    /// # Ok::<(), azure_ai_ml::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] on `config.json` when no file is found (naming the folder the search
    /// started from), when the file is not a JSON object, or when a key is missing or empty
    /// (naming the file and the key); [`Error::Io`] when a found file cannot be read.
    pub fn find(path: Option<&Path>) -> Result<Self> {
        let start = match path {
            Some(p) => p.to_path_buf(),
            None => std::env::current_dir().map_err(|e| Error::io(".", e))?,
        };
        let file = if start.is_file() {
            Some(start.clone())
        } else {
            start.ancestors().find_map(|dir| {
                [
                    dir.join(CONFIG_DIR).join(CONFIG_FILE),
                    dir.join(CONFIG_FILE),
                ]
                .into_iter()
                .find(|candidate| candidate.is_file())
            })
        };
        let Some(file) = file else {
            return Err(Error::validation(
                CONFIG_FILE,
                format!(
                    "no {CONFIG_FILE} in {} or any folder above it (nor in their {CONFIG_DIR}/ folders)",
                    start.display()
                ),
            ));
        };
        Self::read(&file)
    }

    /// Reads one config file.
    ///
    /// # Errors
    /// As [`WorkspaceConfig::find`].
    pub fn read(file: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            Error::validation(file.display().to_string(), format!("not valid JSON: {e}"))
        })?;
        let key = |name: &str| -> Result<String> {
            json.get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::validation(
                        format!("{}: {name}", file.display()),
                        "is missing or not a non-empty string",
                    )
                })
        };
        Ok(Self {
            subscription_id: key("subscription_id")?,
            resource_group: key("resource_group")?,
            workspace_name: key("workspace_name")?,
            path: file.to_path_buf(),
        })
    }
}

impl MLClient {
    /// A client for the workspace a `config.json` names (Python's `MLClient.from_config`);
    /// see [`WorkspaceConfig::find`] for where the file is looked for.
    ///
    /// ```no_run
    /// # fn f() -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::{default_credential, MLClient};
    /// let ml_client = MLClient::from_config(default_credential()?, None, None)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`WorkspaceConfig::find`] and [`MLClient::new`].
    #[tracing::instrument(name = "MLClient.from_config", skip_all)]
    pub fn from_config(
        credential: Arc<dyn TokenCredential>,
        path: Option<&Path>,
        options: Option<MLClientOptions>,
    ) -> Result<Self> {
        let config = WorkspaceConfig::find(path)?;
        Self::new(
            credential,
            config.subscription_id,
            config.resource_group,
            config.workspace_name,
            options,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"subscription_id": "sub", "resource_group": "rg", "workspace_name": "ws"}"#;

    #[test]
    fn finds_the_file_in_parents_and_their_azureml_folders() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(root.path().join("a/.azureml")).unwrap();
        std::fs::write(root.path().join("a/.azureml/config.json"), GOOD).unwrap();
        std::fs::write(
            root.path().join("config.json"),
            GOOD.replace("\"ws\"", "\"outer\""),
        )
        .unwrap();
        let found = WorkspaceConfig::find(Some(&deep)).unwrap();
        assert_eq!(found.workspace_name, "ws");
        assert_eq!(found.path, root.path().join("a/.azureml/config.json"));
        // A file given directly is read as is.
        let outer = WorkspaceConfig::find(Some(&root.path().join("config.json"))).unwrap();
        assert_eq!(outer.workspace_name, "outer");
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("config.json");
        std::fs::write(
            &file,
            r#"{"subscription_id": "sub", "resource_group": "rg"}"#,
        )
        .unwrap();
        match WorkspaceConfig::find(Some(root.path())) {
            Err(Error::Validation { field, .. }) => {
                assert!(field.contains("config.json"), "{field}");
                assert!(field.ends_with("workspace_name"), "{field}");
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&file, "not json").unwrap();
        assert!(matches!(
            WorkspaceConfig::find(Some(root.path())),
            Err(Error::Validation { .. })
        ));
    }
}
