//! Upload orchestration with Python's protocol:
//!
//! 1. List the files (ignore rules applied). The *indicator* blob is the destination of the
//!    file whose local path sorts first; Python keeps its confirmation metadata there.
//! 2. `HEAD` the indicator. If it exists with `upload_status=completed`, the content is
//!    already there (the destination is content-addressed): upload nothing and report the
//!    name/version recorded in its metadata. If it exists without that mark, a previous upload
//!    was interrupted: overwrite. Otherwise write with `If-None-Match: *`.
//! 3. Upload every file (streamed, a few files at a time).
//! 4. Set the metadata (e.g. `upload_status`, `name`, `version`) on the indicator blob, last,
//!    so it only claims completion once everything is there.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use futures::stream::{self, TryStreamExt};

use super::hash::resolve;
use super::ignore::IgnoreFile;
use super::progress::{ProgressCallback, UploadProgress};
use super::walk::{file_name, list_files_off_thread, LocalFile};
use crate::error::{Error, Result};
use crate::storage::{BlobContainer, UploadBlobOptions};

/// Folder of the workspace datastore that Python uploads local artifacts to.
pub const ARTIFACT_ORIGIN: &str = "LocalUpload";
/// Metadata key that marks a finished upload.
pub const UPLOAD_STATUS_KEY: &str = "upload_status";
/// Its value.
pub const UPLOAD_STATUS_COMPLETED: &str = "completed";

/// How [`upload_path`], [`upload_folder`] and [`upload_file`] upload.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UploadOptions {
    /// Called after every request that carried data.
    pub progress: Option<ProgressCallback>,
    /// Block size and single-put limit (`overwrite` is decided per upload, see the module docs).
    pub blob: UploadBlobOptions,
    /// Requests carrying data at once: files at once for a folder, blocks at once for one
    /// large file. Memory use is at most this many blocks.
    pub concurrency: usize,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            progress: None,
            blob: UploadBlobOptions::default(),
            concurrency: crate::storage::DEFAULT_PARALLEL_BLOCKS,
        }
    }
}

impl UploadOptions {
    /// Options with a progress callback.
    pub fn with_progress(mut self, progress: ProgressCallback) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Options with `concurrency` set.
    #[cfg(test)]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }
}

/// What an upload did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSummary {
    /// Files uploaded (0 when skipped).
    pub files: usize,
    /// Bytes uploaded (0 when skipped).
    pub bytes: u64,
    /// True when the indicator blob already said `upload_status=completed`: nothing was sent.
    pub skipped: bool,
    /// Blob name of the uploaded file, or the blob prefix of the uploaded folder (no trailing
    /// `/`): `LocalUpload/{hash}/model.pkl`, `scoring`, …
    pub remote_path: String,
    /// The blob carrying the confirmation metadata.
    pub indicator_blob: String,
    /// Metadata found on the indicator when skipped (Python reuses its `name`/`version`).
    pub existing_metadata: BTreeMap<String, String>,
}

/// Python's confirmation metadata: `{upload_status: completed, name, version}`.
pub fn upload_metadata(name: &str, version: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            UPLOAD_STATUS_KEY.to_owned(),
            UPLOAD_STATUS_COMPLETED.to_owned(),
        ),
        ("name".to_owned(), name.to_owned()),
        ("version".to_owned(), version.to_owned()),
    ])
}

/// Uploads a file or a folder the way Python's `BlobStorageClient.upload` does: to
/// `{asset_prefix}/{file name}` or `{asset_prefix}/{folder name}/{relative path}`
/// (`asset_prefix` may be empty: code goes to the root of its pending-upload container).
///
/// For a model: `asset_prefix = format!("{ARTIFACT_ORIGIN}/{}", hash_model_path(path).await?)`.
/// For code: `asset_prefix = ""` in the container from `startPendingUpload`.
///
/// # Errors
/// [`Error::Validation`] on `path` when it does not exist or is an empty folder, or for a name
/// that can't be a blob name (all before any request); [`Error::Io`], [`Error::Service`],
/// [`Error::Transport`] while uploading.
pub async fn upload_path(
    storage: &BlobContainer,
    path: &Path,
    asset_prefix: &str,
    metadata: &BTreeMap<String, String>,
    options: &UploadOptions,
) -> Result<UploadSummary> {
    let resolved = resolve(path)?;
    let name = file_name(path)?;
    let dest = join_blob(asset_prefix, &name);
    if resolved.is_dir() {
        upload_folder(storage, path, &dest, metadata, options).await
    } else {
        upload_file(storage, path, &dest, metadata, options).await
    }
}

/// Uploads the files of folder `local` to `{dest_prefix}/{relative path}` (see the module
/// docs for the protocol), applying the folder's `.amlignore`/`.gitignore`.
///
/// # Errors
/// As [`upload_path`].
pub async fn upload_folder(
    storage: &BlobContainer,
    local: &Path,
    dest_prefix: &str,
    metadata: &BTreeMap<String, String>,
    options: &UploadOptions,
) -> Result<UploadSummary> {
    if !resolve(local)?.is_dir() {
        return Err(Error::validation("path", "must be a folder"));
    }
    let files = list_files_off_thread(local, IgnoreFile::for_folder(local)?).await?;
    if files.is_empty() {
        return Err(Error::validation(
            "path",
            format!(
                "{} is empty (after ignore rules); a folder upload needs at least one file",
                local.display()
            ),
        ));
    }
    let prefix = dest_prefix.trim_end_matches('/');
    let planned: Vec<(LocalFile, String)> = files
        .into_iter()
        .map(|f| {
            let blob = join_blob(prefix, &f.relative_path);
            (f, blob)
        })
        .collect();
    run(storage, planned, prefix.to_owned(), metadata, options).await
}

/// Uploads one file to blob `blob_name` (see the module docs for the protocol).
///
/// # Errors
/// As [`upload_path`].
pub async fn upload_file(
    storage: &BlobContainer,
    local: &Path,
    blob_name: &str,
    metadata: &BTreeMap<String, String>,
    options: &UploadOptions,
) -> Result<UploadSummary> {
    let source = resolve(local)?;
    if !source.is_file() {
        return Err(Error::validation("path", "must be a file"));
    }
    let file = LocalFile::single(source, local)?;
    run(
        storage,
        vec![(file, blob_name.to_owned())],
        blob_name.to_owned(),
        metadata,
        options,
    )
    .await
}

fn join_blob(prefix: &str, rest: &str) -> String {
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() {
        rest.to_owned()
    } else {
        format!("{prefix}/{rest}")
    }
}

async fn run(
    storage: &BlobContainer,
    mut planned: Vec<(LocalFile, String)>,
    remote_path: String,
    metadata: &BTreeMap<String, String>,
    options: &UploadOptions,
) -> Result<UploadSummary> {
    if options.concurrency == 0 {
        return Err(Error::validation("concurrency", "must be at least 1"));
    }
    // Every name is checked before the first request.
    for (_, blob) in &planned {
        storage.blob_url(blob)?;
    }
    // Python: `sorted(upload_paths)[0]`, i.e. by local path *string* (not by path
    // components: "a-b" < "a/b" as strings), then destination. Choosing the same indicator as
    // Python lets each SDK see the other's confirmation.
    sort_for_indicator(&mut planned);
    let indicator = planned
        .first()
        .map(|(_, blob)| blob.clone())
        .ok_or_else(|| Error::validation("path", "nothing to upload"))?;
    let files_total = planned.len();
    let total_bytes: u64 = planned.iter().map(|(f, _)| f.size).sum();

    let overwrite = match storage.head_blob(&indicator).await? {
        Some(props)
            if props.metadata.get(UPLOAD_STATUS_KEY).map(String::as_str)
                == Some(UPLOAD_STATUS_COMPLETED) =>
        {
            tracing::info!(target: "azure_ai_ml::upload", indicator = %indicator, "already uploaded; skipping");
            return Ok(UploadSummary {
                files: 0,
                bytes: 0,
                skipped: true,
                remote_path,
                indicator_blob: indicator,
                existing_metadata: props.metadata,
            });
        }
        Some(_) => {
            tracing::info!(target: "azure_ai_ml::upload", indicator = %indicator, "unconfirmed earlier upload; overwriting");
            true
        }
        None => false,
    };

    tracing::info!(target: "azure_ai_ml::upload", files = files_total, bytes = total_bytes, "uploading");
    // One memory budget of `concurrency` blocks: spent on parallel blocks of a lone file, or on
    // parallel files (one block each) for a folder.
    let file_concurrency = options.concurrency.min(files_total).max(1);
    let blob_options = options
        .blob
        .clone()
        .with_parallel_blocks((options.concurrency / file_concurrency).max(1));
    let sent = AtomicU64::new(0);
    let done = AtomicUsize::new(0);
    let report = |path: &str| {
        if let Some(cb) = &options.progress {
            cb.call(&UploadProgress {
                path: path.to_owned(),
                bytes_sent: sent.load(Ordering::SeqCst),
                total_bytes,
                files_done: done.load(Ordering::SeqCst),
                files_total,
            });
        }
    };
    stream::iter(planned.iter().map(Ok::<_, Error>))
        .try_for_each_concurrent(file_concurrency, |(file, blob)| {
            let sent = &sent;
            let done = &done;
            let report = &report;
            let blob_options = &blob_options;
            async move {
                upload_one(storage, file, blob, overwrite, blob_options, sent, report).await?;
                done.fetch_add(1, Ordering::SeqCst);
                report(&file.relative_path);
                tracing::debug!(target: "azure_ai_ml::upload", blob = %blob, bytes = file.size, "file uploaded");
                Ok(())
            }
        })
        .await?;

    if !metadata.is_empty() {
        storage.set_metadata(&indicator, metadata).await?;
    }
    Ok(UploadSummary {
        files: files_total,
        bytes: sent.load(Ordering::SeqCst),
        skipped: false,
        remote_path,
        indicator_blob: indicator,
        existing_metadata: BTreeMap::new(),
    })
}

fn sort_for_indicator(planned: &mut [(LocalFile, String)]) {
    planned.sort_by(|a, b| {
        let (x, y) = (
            a.0.source.as_os_str().as_encoded_bytes(),
            b.0.source.as_os_str().as_encoded_bytes(),
        );
        x.cmp(y).then_with(|| a.1.cmp(&b.1))
    });
}

async fn upload_one(
    storage: &BlobContainer,
    file: &LocalFile,
    blob: &str,
    overwrite: bool,
    options: &UploadBlobOptions,
    sent: &AtomicU64,
    report: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    let mut attempt_overwrite = overwrite;
    loop {
        let mut last = 0u64;
        let blob_options = options.clone().with_overwrite(attempt_overwrite);
        let mut on_progress = |file_sent: u64| {
            sent.fetch_add(file_sent.saturating_sub(last), Ordering::SeqCst);
            last = file_sent;
            report(&file.relative_path);
        };
        let result = storage
            .upload_file(blob, &file.source, &blob_options, &mut on_progress)
            .await;
        match result {
            Ok(_) => return Ok(()),
            // The indicator was missing but this blob exists: an interrupted earlier upload of
            // the same content-addressed destination. Python stops here; replacing the blob is
            // safe and lets the upload finish.
            Err(e) if !attempt_overwrite && e.code() == Some("BlobAlreadyExists") => {
                tracing::warn!(target: "azure_ai_ml::upload", blob = %blob, "blob left by an interrupted upload; overwriting");
                sent.fetch_sub(last, Ordering::SeqCst);
                attempt_overwrite = true;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// The lead spawns uploads on a multi-threaded runtime: the futures must be `Send`.
    #[test]
    fn upload_futures_are_send() {
        let pipeline = azure_core::http::Pipeline::new(
            None,
            None,
            Default::default(),
            Vec::new(),
            Vec::new(),
            None,
        );
        let container = BlobContainer::with_pipeline(
            pipeline,
            azure_core::http::Url::parse("https://a.blob.core.windows.net/c").unwrap(),
            crate::storage::StorageAuth::sas("sig=x").unwrap(),
            false,
        )
        .unwrap();
        let meta = BTreeMap::new();
        let options = UploadOptions::default();
        let fut = upload_path(&container, Path::new("x"), "", &meta, &options);
        assert_send(&fut);
    }

    #[test]
    fn indicator_order_is_string_order_like_python() {
        let file = |p: &str| LocalFile {
            source: std::path::PathBuf::from(p),
            relative_path: String::new(),
            size: 0,
        };
        let mut planned = vec![
            (file("/x/a/b.txt"), "a/b.txt".to_owned()),
            (file("/x/a-b.txt"), "a-b.txt".to_owned()),
        ];
        sort_for_indicator(&mut planned);
        assert_eq!(planned[0].1, "a-b.txt");
    }

    #[test]
    fn blob_names_join_without_double_slashes() {
        assert_eq!(join_blob("", "score.py"), "score.py");
        assert_eq!(
            join_blob("LocalUpload/abc/", "model.pkl"),
            "LocalUpload/abc/model.pkl"
        );
    }

    #[test]
    fn metadata_is_pythons() {
        let m = upload_metadata("churn", "1");
        assert_eq!(
            m.get("upload_status").map(String::as_str),
            Some("completed")
        );
        assert_eq!(m.get("name").map(String::as_str), Some("churn"));
        assert_eq!(m.get("version").map(String::as_str), Some("1"));
    }
}
