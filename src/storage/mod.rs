//! Azure Blob Storage, as much as uploading model and code files needs.
//!
//! A [`BlobContainer`] sends requests through the client's storage pipeline, which never
//! carries the ARM token: every request is authorized with the container's own
//! [`StorageAuth`] (a SAS, the account key via Shared Key, or an Entra token for
//! `https://storage.azure.com/.default`). Files are streamed: a file no larger than
//! [`UploadBlobOptions::max_single_put`] goes up in one `Put Blob`, a larger one block by block,
//! with one block in memory at a time.
//!
//! Keys, tokens, SAS query strings and signatures never appear in `Debug` output, errors or
//! `tracing` events (which carry the container path, blob name, sizes and the auth kind).

mod auth;
mod container;
mod download;
mod errors;
mod pipeline;
mod shared_key;
mod stream;

pub use auth::{StorageAuth, STORAGE_SCOPE};
pub use container::{BlobContainer, BlobProperties, DEFAULT_REQUEST_TIMEOUT, STORAGE_API_VERSION};
pub use download::BlobItem;
pub use pipeline::StoragePipeline;
pub use stream::{UploadBlobOptions, DEFAULT_BLOCK_SIZE};
