//! Azure Blob Storage, as much as uploading model and code files needs.
//!
//! A [`BlobContainer`] sends requests through the client's storage pipeline, which never
//! carries the ARM token: every request is authorized with the container's own
//! [`StorageAuth`] (a SAS, the account key via Shared Key, or an Entra token for
//! `https://storage.azure.com/.default`). Files are streamed: a file no larger than
//! [`UploadBlobOptions::max_single_put`] goes up in one `Put Blob`, a larger one block by block
//! ([`DEFAULT_BLOCK_SIZE`] each, [`DEFAULT_PARALLEL_BLOCKS`] on the wire at once), with at most
//! [`UploadBlobOptions::parallel_blocks`] blocks in memory whatever the file's size. Blocks are
//! read and hashed on tokio's blocking pool straight into the buffer that is sent, while the
//! blocks before them are on the wire.
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

pub(crate) use auth::StorageAuth;
#[cfg(test)]
pub(crate) use auth::STORAGE_SCOPE;
pub(crate) use container::BlobContainer;
pub(crate) use pipeline::StoragePipeline;
pub(crate) use stream::{UploadBlobOptions, DEFAULT_PARALLEL_BLOCKS};

#[cfg(test)]
mod tests;
