//! Streaming a file (or any reader) into a block blob with memory flat in the file size.

use std::path::Path;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::container::BlobContainer;
use crate::error::{Error, Result};

/// Default block size (and single-put limit): 4 MiB.
pub const DEFAULT_BLOCK_SIZE: usize = 4 * 1024 * 1024;

/// The largest block the client accepts (the service allows more; memory is the limit here).
const MAX_BLOCK_SIZE: usize = 100 * 1024 * 1024;

/// The most blocks one blob may have.
const MAX_BLOCKS: u64 = 50_000;

/// How [`BlobContainer::upload_file`] writes a blob.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadBlobOptions {
    /// Replace an existing blob. When false, requests carry `If-None-Match: *` and an
    /// existing blob fails the upload with HTTP 409 `BlobAlreadyExists`.
    pub overwrite: bool,
    /// Size of each block of a block upload (and of each read from the file).
    pub block_size: usize,
    /// Files up to this size go up in a single `Put Blob`.
    pub max_single_put: usize,
    /// Blocks of one blob in flight at once (at least 1). Memory use is at most this many
    /// blocks.
    pub parallel_blocks: usize,
}

impl Default for UploadBlobOptions {
    fn default() -> Self {
        Self {
            overwrite: false,
            block_size: DEFAULT_BLOCK_SIZE,
            max_single_put: DEFAULT_BLOCK_SIZE,
            parallel_blocks: 2,
        }
    }
}

impl UploadBlobOptions {
    /// Options with `overwrite` set.
    pub fn with_overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Options with `block_size` set.
    #[cfg(test)]
    pub fn with_block_size(mut self, block_size: usize) -> Self {
        self.block_size = block_size;
        self
    }

    /// Options with `max_single_put` set.
    #[cfg(test)]
    pub fn with_max_single_put(mut self, max_single_put: usize) -> Self {
        self.max_single_put = max_single_put;
        self
    }

    /// Options with `parallel_blocks` set.
    pub fn with_parallel_blocks(mut self, parallel_blocks: usize) -> Self {
        self.parallel_blocks = parallel_blocks;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.parallel_blocks == 0 || self.parallel_blocks > 64 {
            return Err(Error::validation(
                "parallel_blocks",
                "must be between 1 and 64",
            ));
        }
        if self.block_size == 0 || self.block_size > MAX_BLOCK_SIZE {
            return Err(Error::validation(
                "block_size",
                "must be between 1 byte and 100 MiB",
            ));
        }
        if self.max_single_put > MAX_BLOCK_SIZE {
            return Err(Error::validation(
                "max_single_put",
                "must be at most 100 MiB",
            ));
        }
        Ok(())
    }
}

impl BlobContainer {
    /// Uploads the file at `path` as block blob `name`, reading it in chunks.
    ///
    /// `on_progress` is called with the total bytes sent after each request that carried
    /// data. Returns the number of bytes uploaded.
    ///
    /// # Errors
    /// [`Error::Io`] when the file can't be read or changes size while it is read,
    /// [`Error::Validation`] for bad options or names, [`Error::Service`] when storage refuses.
    pub async fn upload_file(
        &self,
        name: &str,
        path: &Path,
        options: &UploadBlobOptions,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io(path, e))?;
        let length = file.metadata().await.map_err(|e| Error::io(path, e))?.len();
        self.upload_reader(name, file, length, options, on_progress)
            .await
            .map_err(|e| match e {
                Error::Io { path: None, source } => Error::io(path, source),
                other => other,
            })
    }

    /// Uploads exactly `length` bytes from `reader` as block blob `name` (see
    /// [`BlobContainer::upload_file`]). At most [`UploadBlobOptions::parallel_blocks`] blocks of
    /// data are held in memory; reads never ask for more than one block.
    ///
    /// # Errors
    /// As [`BlobContainer::upload_file`]; a reader that ends early or has more than `length`
    /// bytes is an [`Error::Io`].
    pub async fn upload_reader<R: AsyncRead + Unpin + Send>(
        &self,
        name: &str,
        mut reader: R,
        length: u64,
        options: &UploadBlobOptions,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        options.validate()?;
        self.blob_url(name)?;
        if length <= options.max_single_put as u64 {
            // `length` fits in usize here: it is at most max_single_put.
            let data = read_chunk(&mut reader, length as usize).await?;
            if data.len() as u64 != length {
                return Err(size_changed(length));
            }
            ensure_at_end(&mut reader, length).await?;
            self.put_blob(name, Bytes::from(data), options.overwrite)
                .await?;
            on_progress(length);
            tracing::debug!(target: "azure_ai_ml::storage", blob = name, bytes = length, "uploaded in one request");
            return Ok(length);
        }

        let blocks = length.div_ceil(options.block_size as u64);
        if blocks > MAX_BLOCKS {
            return Err(Error::validation(
                "block_size",
                format!("too small for {length} bytes (a blob has at most {MAX_BLOCKS} blocks)"),
            ));
        }
        let parallel = options.parallel_blocks.max(1);
        let mut md5 = Md5::new();
        let mut ids = Vec::with_capacity(blocks as usize);
        let mut in_flight = FuturesUnordered::new();
        let mut read: u64 = 0;
        let mut acked: u64 = 0;
        while read < length {
            // Wait for a free slot *before* reading, so at most `parallel` blocks are alive.
            if in_flight.len() >= parallel {
                if let Some(done) = in_flight.next().await {
                    acked += done?;
                    on_progress(acked);
                }
            }
            let want = (length - read).min(options.block_size as u64) as usize;
            let data = read_chunk(&mut reader, want).await?;
            if data.len() != want {
                return Err(size_changed(length));
            }
            md5.update(&data);
            // Same-length ids are required; the index keeps them unique and ordered.
            let id = azure_core::base64::encode(format!("block-{:010}", ids.len()));
            ids.push(id.clone());
            read += want as u64;
            in_flight.push(async move {
                self.put_block(name, &id, Bytes::from(data))
                    .await
                    .map(|()| want as u64)
            });
        }
        while let Some(done) = in_flight.next().await {
            acked += done?;
            on_progress(acked);
        }
        ensure_at_end(&mut reader, length).await?;
        let digest: [u8; 16] = md5.finalize().into();
        self.put_block_list(name, &ids, Some(digest), options.overwrite)
            .await?;
        tracing::debug!(target: "azure_ai_ml::storage", blob = name, bytes = length, blocks = ids.len(), "uploaded in blocks");
        Ok(length)
    }
}

/// Reads up to `want` bytes (fewer only at end of input).
async fn read_chunk<R: AsyncRead + Unpin>(reader: &mut R, want: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        let n = reader.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    Ok(buf)
}

async fn ensure_at_end<R: AsyncRead + Unpin>(reader: &mut R, length: u64) -> Result<()> {
    let mut probe = [0u8; 1];
    if reader.read(&mut probe).await? != 0 {
        return Err(size_changed(length));
    }
    Ok(())
}

fn size_changed(length: u64) -> Error {
    Error::Io {
        path: None,
        source: std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the file changed size while it was uploaded (expected {length} bytes)"),
        ),
    }
}
