//! Uploading local model files and code folders, the way Python's azure-ai-ml does.
//!
//! * Hashes equal to Python's: [`hash_code_folder`] (code assets, `hashVersion` 202208) and
//!   [`hash_model_path`] (the `LocalUpload/{hash}` folder of a model).
//! * Ignore rules: [`IgnoreFile`] (`.amlignore`, else `.gitignore`, at the folder root).
//! * Orchestration: [`upload_path`], [`upload_folder`], [`upload_file`] stream files into a
//!   [`BlobContainer`](crate::storage::BlobContainer), skip an upload Python (or we) already
//!   completed, and mark the upload complete with blob metadata.

mod hash;
mod ignore;
mod progress;
mod transfer;
mod uris;
mod walk;

pub use hash::{
    content_hash, hash_code_folder, hash_model_path, object_hash, CONTENT_HASH_VERSION,
};
pub use ignore::{IgnoreFile, AML_IGNORE_FILE_NAME, GIT_IGNORE_FILE_NAME};
pub use progress::{ProgressCallback, UploadProgress};
pub use transfer::{
    upload_file, upload_folder, upload_metadata, upload_path, UploadOptions, UploadSummary,
    ARTIFACT_ORIGIN, UPLOAD_STATUS_COMPLETED, UPLOAD_STATUS_KEY,
};
pub use uris::datastore_uri;
pub(crate) use uris::is_local_path;
pub use walk::{check_upload_source, list_files, LocalFile};
