//! Uploading local model files and code folders, the way Python's azure-ai-ml does.
//!
//! * Hashes equal to Python's (`hash`): `hash_code_folder` (code assets, `hashVersion` 202208)
//!   and `hash_model_path` (the `LocalUpload/{hash}` folder of a model).
//! * Ignore rules (`ignore`): `.amlignore`, else `.gitignore`, at the folder root.
//! * Orchestration (`transfer`): `upload_path`, `upload_folder`, `upload_file` stream files into
//!   a `BlobContainer`, skip an upload Python (or we) already completed, and mark the upload
//!   complete with blob metadata. Progress (`progress`) is public: [`ProgressCallback`].

mod hash;
mod ignore;
mod progress;
mod transfer;
mod uris;
mod walk;

pub use hash::hash_code_folder;
pub(crate) use hash::{hash_model_path, CONTENT_HASH_VERSION};
pub(crate) use ignore::IgnoreFile;
pub use progress::{ProgressCallback, UploadProgress};
pub(crate) use transfer::{upload_metadata, upload_path, UploadOptions, ARTIFACT_ORIGIN};
pub(crate) use uris::datastore_uri;
pub(crate) use uris::is_local_path;
pub(crate) use walk::check_upload_source;
#[cfg(test)]
pub(crate) use {hash::content_hash, transfer::upload_folder, walk::list_files};

#[cfg(test)]
mod tests;
