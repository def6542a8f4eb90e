//! Streaming a file (or any reader) into a block blob with memory flat in the file size.

use std::path::Path;

use bytes::{Bytes, BytesMut};
use futures::stream::{StreamExt, TryStreamExt};
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
    pub fn with_block_size(mut self, block_size: usize) -> Self {
        self.block_size = block_size;
        self
    }

    /// Options with `max_single_put` set.
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
    /// Blocks are read and hashed (their `Content-MD5` and the whole blob's MD5) on tokio's
    /// blocking pool, straight from the file into the buffer that is sent, while earlier blocks
    /// are on the wire.
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
        let file = file.into_std().await;
        self.upload_blocks(
            name,
            Source::<tokio::io::Empty>::File(Some(file)),
            length,
            options,
            on_progress,
        )
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
        reader: R,
        length: u64,
        options: &UploadBlobOptions,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        self.upload_blocks(name, Source::Reader(reader), length, options, on_progress)
            .await
    }

    async fn upload_blocks<R: AsyncRead + Unpin + Send>(
        &self,
        name: &str,
        mut source: Source<R>,
        length: u64,
        options: &UploadBlobOptions,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        options.validate()?;
        self.blob_url(name)?;
        if length <= options.max_single_put as u64 {
            // `length` fits in usize here: it is at most max_single_put.
            let data = source.read(length as usize).await?;
            if data.len() as u64 != length {
                return Err(size_changed(length));
            }
            source.ensure_at_end(length).await?;
            self.put_blob(name, data, options.overwrite).await?;
            on_progress(length);
            tracing::debug!(target: "azure_ai_ml::storage", blob = name, bytes = length, "uploaded in one request");
            return Ok(length);
        }

        let block_size = options.block_size as u64;
        let blocks = length.div_ceil(block_size);
        if blocks > MAX_BLOCKS {
            return Err(Error::validation(
                "block_size",
                format!("too small for {length} bytes (a blob has at most {MAX_BLOCKS} blocks)"),
            ));
        }
        // The producer reads block after block (in order: the whole blob's MD5 needs it) and
        // `try_buffer_unordered` keeps up to `parallel` of them on the wire. It asks for the
        // next block only when fewer than `parallel` are in flight, so at most `parallel`
        // blocks are alive, and reading the next one overlaps with sending the others.
        let parallel = options.parallel_blocks.max(1);
        let mut whole = Some(Md5::new());
        let mut ids: Vec<String> = Vec::with_capacity(blocks as usize);
        {
            let producer = Producer {
                source: &mut source,
                whole: &mut whole,
                ids: &mut ids,
                read: 0,
                length,
                block_size,
            };
            let puts = futures::stream::try_unfold(producer, |mut producer| async move {
                Ok(producer.next().await?.map(|block| (block, producer)))
            })
            .map_ok(|(id, data, md5): (String, Bytes, String)| {
                let len = data.len() as u64;
                async move {
                    self.put_block_with_md5(name, &id, data, md5)
                        .await
                        .map(|()| len)
                }
            })
            .try_buffer_unordered(parallel);
            futures::pin_mut!(puts);
            let mut acked: u64 = 0;
            while let Some(done) = puts.next().await {
                acked += done?;
                on_progress(acked);
            }
        }
        source.ensure_at_end(length).await?;
        let digest: Option<[u8; 16]> = whole.map(|h| h.finalize().into());
        self.put_block_list(name, &ids, digest, options.overwrite)
            .await?;
        tracing::debug!(target: "azure_ai_ml::storage", blob = name, bytes = length, blocks = ids.len(), "uploaded in blocks");
        Ok(length)
    }
}

/// Where the bytes come from: a file (read on the blocking pool, straight into the buffer that
/// is sent) or any async reader.
enum Source<R> {
    /// `None` only while a blocking read has it.
    File(Option<std::fs::File>),
    Reader(R),
}

impl<R: AsyncRead + Unpin + Send> Source<R> {
    /// Up to `want` bytes (fewer only at end of input).
    async fn read(&mut self, want: usize) -> Result<Bytes> {
        match self {
            Source::File(slot) => {
                let file = slot.take().ok_or_else(file_busy)?;
                let (file, data) = blocking(move || {
                    let mut file = file;
                    let data = read_file(&mut file, want);
                    (file, data)
                })
                .await?;
                *slot = Some(file);
                data
            }
            Source::Reader(reader) => read_chunk(reader, want).await,
        }
    }

    /// Up to `want` bytes with their MD5 (base64), and `whole` updated with them; the hashing
    /// runs on the blocking pool, off the runtime's threads.
    async fn read_hashed(&mut self, want: usize, whole: Md5) -> Result<(Bytes, String, Md5)> {
        let hash = |data: Bytes, mut whole: Md5| {
            whole.update(&data);
            let md5 = azure_core::base64::encode(Md5::digest(&data));
            (data, md5, whole)
        };
        match self {
            Source::File(slot) => {
                let file = slot.take().ok_or_else(file_busy)?;
                let (file, block) = blocking(move || {
                    let mut file = file;
                    let block = read_file(&mut file, want).map(|data| hash(data, whole));
                    (file, block)
                })
                .await?;
                *slot = Some(file);
                block
            }
            Source::Reader(reader) => {
                let data = read_chunk(reader, want).await?;
                blocking(move || hash(data, whole)).await
            }
        }
    }

    /// An error unless the input has ended.
    async fn ensure_at_end(&mut self, length: u64) -> Result<()> {
        if self.read(1).await?.is_empty() {
            Ok(())
        } else {
            Err(size_changed(length))
        }
    }
}

/// Reads the blocks of one upload in order, hashing each and the whole.
struct Producer<'a, R> {
    source: &'a mut Source<R>,
    whole: &'a mut Option<Md5>,
    ids: &'a mut Vec<String>,
    read: u64,
    length: u64,
    block_size: u64,
}

impl<R: AsyncRead + Unpin + Send> Producer<'_, R> {
    /// The next block: `(id, data, Content-MD5)`, or `None` after the last.
    async fn next(&mut self) -> Result<Option<(String, Bytes, String)>> {
        if self.read >= self.length {
            return Ok(None);
        }
        let want = (self.length - self.read).min(self.block_size) as usize;
        let hasher = self.whole.take().unwrap_or_default();
        let (data, md5, hasher) = self.source.read_hashed(want, hasher).await?;
        *self.whole = Some(hasher);
        if data.len() != want {
            return Err(size_changed(self.length));
        }
        self.read += want as u64;
        // Same-length ids are required; the index keeps them unique and ordered.
        let id = azure_core::base64::encode(format!("block-{:010}", self.ids.len()));
        self.ids.push(id.clone());
        Ok(Some((id, data, md5)))
    }
}

fn file_busy() -> Error {
    Error::other("the upload's file handle is in use")
}

/// Runs `f` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::other(format!("upload read task failed: {e}")))
}

/// Up to `want` bytes from the file's current position, into a buffer of exactly that
/// capacity (no zero-filling: the file writes into it directly).
fn read_file(file: &mut std::fs::File, want: usize) -> Result<Bytes> {
    let mut buf = Vec::with_capacity(want);
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut *file, want as u64), &mut buf)?;
    Ok(Bytes::from(buf))
}

/// Reads up to `want` bytes (fewer only at end of input), into spare capacity (no
/// zero-filling); no read asks for more than what is left of `want`.
async fn read_chunk<R: AsyncRead + Unpin>(reader: &mut R, want: usize) -> Result<Bytes> {
    let mut buf = BytesMut::with_capacity(want);
    while buf.len() < want {
        let mut limited = (&mut *reader).take((want - buf.len()) as u64);
        if limited.read_buf(&mut buf).await? == 0 {
            break;
        }
    }
    Ok(buf.freeze())
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
