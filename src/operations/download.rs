//! `ml_client.models().download(…)`: a model version's files from its datastore, with the
//! credential uploads use (account key or SAS from `listSecrets`, else an Entra token).

use std::path::{Component, Path, PathBuf};

use azure_core::http::Context;

use super::assets::{self, MODELS};
use super::upload::datastore_container;
use super::{DatastoreOperations, ModelOperations, ModelsDownloadOptions};
use crate::error::{Error, Result};

/// Where a model's files are: a datastore and a path in its container.
fn datastore_path(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("azureml://")?;
    let (_, after) = rest.split_once("datastores/")?;
    let (datastore, path) = after.split_once("/paths/")?;
    Some((datastore, path.trim_matches('/')))
}

/// `relative` under `root`, refusing anything that would leave it.
fn inside(root: &Path, relative: &str) -> Result<PathBuf> {
    let rel = Path::new(relative);
    if relative.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Error::validation(
            "blob_name",
            format!("`{relative}` is not a plain relative path"),
        ));
    }
    Ok(root.join(rel))
}

impl ModelOperations {
    /// Downloads the files of model `name` version `version` into `download_path/{name}/`
    /// (Python's `ml_client.models.download`): a single-file model becomes
    /// `{name}/{file}`, a folder model its files under `{name}/`. Existing files are
    /// overwritten. Returns the folder written.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let folder = ml_client
    ///     .models()
    ///     .download("customer-churn-model", "1", ".".as_ref(), None)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when the model's path is not on a workspace datastore
    /// (`azureml://…/datastores/{name}/paths/…`); [`Error::Service`] when the model, the
    /// datastore or a blob is missing (404) or refused; [`Error::Io`] when a file cannot be
    /// written.
    #[tracing::instrument(name = "Models.download", skip_all, fields(name = %name))]
    pub async fn download(
        &self,
        name: &str,
        version: &str,
        download_path: &Path,
        options: Option<ModelsDownloadOptions<'_>>,
    ) -> Result<PathBuf> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.download_in(name, version, download_path, &ctx).await
    }

    /// [`download`](Self::download) with the caller's context.
    async fn download_in(
        &self,
        name: &str,
        version: &str,
        download_path: &Path,
        ctx: &Context<'_>,
    ) -> Result<PathBuf> {
        let model: crate::entities::Model =
            assets::get(&self.core.arm, MODELS, name, version, ctx).await?;
        let uri = model.path.clone().unwrap_or_default();
        let (datastore, prefix) = datastore_path(&uri).ok_or_else(|| {
            Error::validation(
                "path",
                format!(
                    "model `{name}:{version}` is not stored on a workspace datastore (`{uri}`)"
                ),
            )
        })?;
        let datastore = DatastoreOperations::new(self.core.clone())
            .get_in(datastore, ctx)
            .await?;
        let (_, container) = datastore_container(&self.core, datastore, ctx).await?;
        let blobs: Vec<_> = container
            .list_blobs(prefix)
            .await?
            .into_iter()
            // `prefix` names a file or a folder; `model.pkl` must not match `model.pkl2`.
            .filter(|b| b.name == prefix || b.name.starts_with(&format!("{prefix}/")))
            .collect();
        if blobs.is_empty() {
            return Err(Error::Service {
                status: 404,
                code: Some("BlobNotFound".into()),
                message: format!("no files under `{prefix}` for model `{name}:{version}`"),
                target: None,
                details: Box::default(),
                request_id: None,
            });
        }
        let root = download_path.join(name);
        for blob in blobs {
            let relative = blob.name[prefix.len()..].trim_start_matches('/');
            let relative = if relative.is_empty() {
                prefix.rsplit('/').next().unwrap_or(prefix)
            } else {
                relative
            };
            let dest = inside(&root, relative)?;
            container.download_to_file(&blob.name, &dest).await?;
        }
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_datastore_and_path_of_both_uri_forms() {
        assert_eq!(
            datastore_path("azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/workspaceblobstore/paths/LocalUpload/ab/model.pkl"),
            Some(("workspaceblobstore", "LocalUpload/ab/model.pkl"))
        );
        assert_eq!(
            datastore_path("azureml://datastores/ds/paths/m/"),
            Some(("ds", "m"))
        );
        assert_eq!(datastore_path("https://a.blob.core.windows.net/c/m"), None);
    }

    #[test]
    fn refuses_paths_leaving_the_folder() {
        let root = Path::new("/tmp/x");
        assert!(inside(root, "a/b.pkl").is_ok());
        assert!(inside(root, "../b").is_err());
        assert!(inside(root, "/etc/passwd").is_err());
        assert!(inside(root, "").is_err());
    }
}
