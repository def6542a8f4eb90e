//! Streaming a file (or any reader) into a block blob with memory flat in the file size.

use std::path::Path;

use bytes::{Bytes, BytesMut};
use futures::future::Either;
use futures::stream::{FuturesUnordered, StreamExt};
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::container::BlobContainer;
use crate::error::{Error, Result};

/// Default block size (and single-put limit): 8 MiB. Fewer, larger requests; measured
/// against 4 MiB with `benches/upload.sh` (per-request cost on the server side dominates).
pub const DEFAULT_BLOCK_SIZE: usize = 8 * 1024 * 1024;

/// Default number of blocks of one blob in flight.
pub const DEFAULT_PARALLEL_BLOCKS: usize = 4;

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
    /// Send each block's `Content-MD5`, for the service to check (Python's
    /// `validate_content=True`). Off by default, as in Python: it costs a second MD5 pass over
    /// the data, TLS already protects the bytes in transit, and the whole blob's MD5 is set on
    /// the committed blob either way.
    pub block_md5: bool,
}

impl Default for UploadBlobOptions {
    fn default() -> Self {
        Self {
            overwrite: false,
            block_size: DEFAULT_BLOCK_SIZE,
            max_single_put: DEFAULT_BLOCK_SIZE,
            parallel_blocks: DEFAULT_PARALLEL_BLOCKS,
            block_md5: false,
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

    /// Options with `block_md5` set.
    #[cfg(test)]
    pub fn with_block_md5(mut self, block_md5: bool) -> Self {
        self.block_md5 = block_md5;
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
            Source::<tokio::io::Empty>::File(file),
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
    #[cfg(test)]
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
        source: Source<R>,
        length: u64,
        options: &UploadBlobOptions,
        on_progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64> {
        options.validate()?;
        self.blob_url(name)?;
        if length <= options.max_single_put as u64 {
            // `length` fits in usize here: it is at most max_single_put.
            let (source, data) = source.read(length as usize).await?;
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
        // One read at a time, in order (the whole blob's MD5 needs it), started whenever fewer
        // than `parallel` blocks are alive: reading and hashing the next block overlaps with
        // sending the others, and at most `parallel` blocks are in memory. A read owns the
        // source while it runs and hands it back with the block.
        let parallel = options.parallel_blocks.max(1);
        let mut ids: Vec<String> = Vec::with_capacity(blocks as usize);
        let mut idle = Some((source, Md5::new()));
        let mut reading = None;
        let mut in_flight = FuturesUnordered::new();
        let mut requested: u64 = 0;
        let mut acked: u64 = 0;
        loop {
            if reading.is_none() && requested < length && in_flight.len() < parallel {
                if let Some((source, whole)) = idle.take() {
                    let want = (length - requested).min(block_size);
                    requested += want;
                    // `want` fits in usize: it is at most block_size.
                    let read = source.read_block(want as usize, whole, options.block_md5);
                    reading = Some((want, Box::pin(read)));
                }
            }
            let event = match (reading.as_mut(), in_flight.is_empty()) {
                (None, true) => break,
                (None, false) => Event::Sent(in_flight.next().await),
                (Some((_, pending)), true) => Event::Read(pending.await),
                (Some((_, pending)), false) => {
                    match futures::future::select(pending, in_flight.next()).await {
                        Either::Left((block, _)) => Event::Read(block),
                        Either::Right((sent, _)) => Event::Sent(sent),
                    }
                }
            };
            match event {
                Event::Sent(Some(sent)) => {
                    acked += sent?;
                    on_progress(acked);
                }
                Event::Sent(None) => {}
                Event::Read(block) => {
                    let want = reading.take().map_or(0, |(want, _)| want);
                    let (source, whole, Block { data, md5 }) = block?;
                    idle = Some((source, whole));
                    if data.len() as u64 != want {
                        return Err(size_changed(length));
                    }
                    // Same-length ids are required; the index keeps them unique and ordered.
                    let id = azure_core::base64::encode(format!("block-{:010}", ids.len()));
                    ids.push(id.clone());
                    in_flight.push(async move {
                        self.put_block(name, &id, data, md5).await.map(|()| want)
                    });
                }
            }
        }
        let (source, whole) = idle.ok_or_else(|| Error::other("block upload lost its source"))?;
        source.ensure_at_end(length).await?;
        let digest: [u8; 16] = whole.finalize().into();
        self.put_block_list(name, &ids, Some(digest), options.overwrite)
            .await?;
        tracing::debug!(target: "azure_ai_ml::storage", blob = name, bytes = length, blocks = ids.len(), "uploaded in blocks");
        Ok(length)
    }
}

/// What the block-upload loop waits for: a block read, or a block sent.
enum Event<B, S> {
    Read(B),
    Sent(Option<S>),
}

/// One block of a block upload: its bytes and, when asked for, their MD5 (base64, its
/// `Content-MD5`).
struct Block {
    data: Bytes,
    md5: Option<String>,
}

/// Where the bytes come from: a file (read on the blocking pool, straight into the buffer that
/// is sent) or any async reader. A read takes the source and hands it back, so a read in
/// progress owns it and holds no borrow across the upload loop.
enum Source<R> {
    File(std::fs::File),
    /// Built by `upload_reader` (used by tests only since the uploader became crate-internal).
    #[cfg_attr(not(test), allow(dead_code))]
    Reader(R),
}

impl<R: AsyncRead + Unpin + Send> Source<R> {
    /// Up to `want` bytes (fewer only at end of input).
    async fn read(self, want: usize) -> Result<(Self, Bytes)> {
        match self {
            Source::File(mut file) => {
                let (file, data) = blocking(move || {
                    let data = read_file(&mut file, want)?;
                    Ok((file, data))
                })
                .await?;
                Ok((Source::File(file), data))
            }
            Source::Reader(mut reader) => {
                let data = read_chunk(&mut reader, want).await?;
                Ok((Source::Reader(reader), data))
            }
        }
    }

    /// Up to `want` bytes (with their MD5 when `block_md5`), and `whole` (the blob's MD5 so
    /// far) updated with them. Reading a file and all hashing run on the blocking pool, off the
    /// runtime's threads.
    async fn read_block(
        self,
        want: usize,
        whole: Md5,
        block_md5: bool,
    ) -> Result<(Self, Md5, Block)> {
        let hash = move |data: Bytes, mut whole: Md5| {
            whole.update(&data);
            let md5 = block_md5.then(|| azure_core::base64::encode(Md5::digest(&data)));
            (whole, Block { data, md5 })
        };
        match self {
            Source::File(mut file) => {
                let (file, whole, block) = blocking(move || {
                    let data = read_file(&mut file, want)?;
                    let (whole, block) = hash(data, whole);
                    Ok((file, whole, block))
                })
                .await?;
                Ok((Source::File(file), whole, block))
            }
            Source::Reader(mut reader) => {
                let data = read_chunk(&mut reader, want).await?;
                let (whole, block) = blocking(move || Ok(hash(data, whole))).await?;
                Ok((Source::Reader(reader), whole, block))
            }
        }
    }

    /// An error unless the input has ended.
    async fn ensure_at_end(self, length: u64) -> Result<()> {
        let (_, more) = self.read(1).await?;
        if more.is_empty() {
            Ok(())
        } else {
            Err(size_changed(length))
        }
    }
}

/// Runs `f` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::other(format!("upload read task failed: {e}")))?
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
