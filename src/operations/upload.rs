//! The ARM half of uploads: which container, with which credential, under which name. The
//! blob transfer itself (streaming, SharedKey signing, progress) is in [`crate::storage`] and
//! [`crate::upload`].
//!
//! * Model files and environment build contexts go to the workspace's default datastore under
//!   `LocalUpload/{content hash}/…`, signed with the account key from `listSecrets`
//!   (SharedKey), or with a storage-audience Entra token when the datastore has no key.
//! * Code folders become anonymous code assets: deduplicated by content hash
//!   (`codes/{name}/versions?hash=…`), uploaded to the SAS container `startPendingUpload` hands out.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use azure_core::http::{Context, Url};

use super::assets::{self, anonymous_name, CODES};
use super::DatastoreOperations;
use crate::client::ClientCore;
use crate::error::{Error, Result};
use crate::rest::{self, ArmList, CodeVersionResource, DatastoreSecrets, PendingUploadResponse};
use crate::storage::{BlobContainer, StorageAuth};
use crate::upload::{self, UploadOptions, ARTIFACT_ORIGIN, CONTENT_HASH_VERSION};

fn upload_options(core: &ClientCore) -> UploadOptions {
    match &core.upload_progress {
        Some(progress) => UploadOptions::default().with_progress(progress.clone()),
        None => UploadOptions::default(),
    }
}

/// The default datastore's container and credential.
async fn default_datastore_container(
    core: &Arc<ClientCore>,
    ctx: &Context<'_>,
) -> Result<(String, BlobContainer)> {
    let datastores = DatastoreOperations::new(core.clone());
    datastore_container(core, datastores.get_default_in(ctx).await?, ctx).await
}

/// A datastore's container and credential.
pub(super) async fn datastore_container(
    core: &Arc<ClientCore>,
    datastore: crate::entities::Datastore,
    ctx: &Context<'_>,
) -> Result<(String, BlobContainer)> {
    let account = datastore
        .account_name
        .clone()
        .ok_or_else(|| Error::decode("Datastore", "the datastore has no accountName"))?;
    let container = datastore
        .container_name
        .clone()
        .ok_or_else(|| Error::decode("Datastore", "the datastore has no containerName"))?;
    let suffix = datastore
        .endpoint
        .clone()
        .unwrap_or_else(|| core.endpoints.storage_suffix.clone());
    let url = BlobContainer::container_url(&account, &container, &suffix)?;
    // Key-based datastores: sign with the account key (SharedKey) or the SAS from listSecrets.
    // Identity-based ones (credentials `None`): an Entra token for the storage audience.
    let key_based = datastore
        .credentials_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("AccountKey") || t.eq_ignore_ascii_case("Sas"));
    let auth = if key_based {
        let datastores = DatastoreOperations::new(core.clone());
        let secrets: DatastoreSecrets = datastores.secrets(&datastore.name, ctx).await?;
        match (secrets.key, secrets.sas_token) {
            (Some(key), _) => StorageAuth::shared_key(account, key)?,
            (None, Some(sas)) => StorageAuth::sas(sas.secret())?,
            (None, None) => StorageAuth::bearer(core.credential.clone()),
        }
    } else {
        StorageAuth::bearer(core.credential.clone())
    };
    Ok((
        datastore.name,
        BlobContainer::new(&core.storage, url, auth)?,
    ))
}

/// Uploads a local model file or folder to the default datastore; returns the long-form
/// `azureml://subscriptions/…/datastores/{name}/paths/LocalUpload/{hash}/{file}` URI Python sends.
pub(crate) async fn model_path(
    core: &Arc<ClientCore>,
    local: &Path,
    metadata: BTreeMap<String, String>,
    ctx: &Context<'_>,
) -> Result<String> {
    let (datastore, _, remote_path) = to_default_datastore(core, local, metadata, ctx).await?;
    Ok(upload::datastore_uri(
        core.arm.scope(),
        &datastore,
        &remote_path,
    ))
}

/// Uploads an environment build context folder; returns its https blob URL.
pub(crate) async fn build_context(
    core: &Arc<ClientCore>,
    local: &Path,
    metadata: BTreeMap<String, String>,
    ctx: &Context<'_>,
) -> Result<String> {
    let (_, container, remote_path) = to_default_datastore(core, local, metadata, ctx).await?;
    Ok(format!(
        "{}/{}",
        container.url().as_str().trim_end_matches('/'),
        remote_path
    ))
}

/// Uploads a local file or folder to the default datastore under
/// `LocalUpload/{content hash}/…`: the datastore's name, its container and where the content
/// went in it (each asset kind names the result its own way).
async fn to_default_datastore(
    core: &Arc<ClientCore>,
    local: &Path,
    metadata: BTreeMap<String, String>,
    ctx: &Context<'_>,
) -> Result<(String, BlobContainer, String)> {
    let hash = upload::hash_model_path(local).await?;
    let (datastore, container) = default_datastore_container(core, ctx).await?;
    let prefix = format!("{ARTIFACT_ORIGIN}/{hash}");
    let summary =
        upload::upload_path(&container, local, &prefix, &metadata, &upload_options(core)).await?;
    Ok((datastore, container, summary.remote_path))
}

/// Uploads a code folder as an anonymous code asset (once per content hash); returns the
/// code version's ARM id.
pub(crate) async fn code_folder(
    core: &Arc<ClientCore>,
    local: &Path,
    ctx: &Context<'_>,
) -> Result<String> {
    let hash = upload::hash_code_folder(local).await?;
    let name = anonymous_name("codes", &hash);

    let arm = &core.arm;
    // Deduplicate: the same content was uploaded before (by us or by Python).
    let existing = CODES
        .versions(arm.api(), &name)
        .with_query("hash", &hash)
        .with_query("hashVersion", &CONTENT_HASH_VERSION.to_string());
    let existing: ArmList<CodeVersionResource> = arm.get(&existing, "Code list", ctx).await?;
    if let Some(id) = existing.value.into_iter().find_map(|v| v.id) {
        tracing::debug!(code = %name, "code folder already uploaded");
        return Ok(id);
    }

    let pending: PendingUploadResponse = arm
        .post(
            &CODES
                .version(arm.api(), &name, "1")
                .join("startPendingUpload"),
            Some(&rest::start_pending_upload_body()),
            "PendingUploadResponse",
            ctx,
        )
        .await?;
    let sas_uri = pending.sas_uri().ok_or_else(|| {
        Error::decode(
            "PendingUploadResponse",
            "no SAS credential in the pending upload",
        )
    })?;
    let container = BlobContainer::from_sas_url(&core.storage, sas_uri)?;
    let metadata = upload::upload_metadata(&name, "1");
    let summary =
        upload::upload_path(&container, local, "", &metadata, &upload_options(core)).await?;

    let blob_uri = pending
        .blob_uri()
        .map(str::to_owned)
        .unwrap_or_else(|| container.url().to_string());
    let code_uri = format!("{}/{}", blob_uri.trim_end_matches('/'), summary.remote_path);
    Url::parse(&code_uri)
        .map_err(|e| Error::decode("PendingUploadResponse", format!("bad blobUri: {e}")))?;
    let body = rest::code_version_body(&code_uri, &hash);
    let created: CodeVersionResource = assets::put(arm, CODES, &name, "1", &body, ctx).await?;
    created
        .id
        .ok_or_else(|| Error::decode("CodeVersion", "the created code version has no id"))
}
