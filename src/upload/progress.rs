//! Upload progress reporting.

use std::fmt;
use std::sync::Arc;

/// Where an upload stands; passed to a [`ProgressCallback`] after every request that carried
/// data (a whole small file, or one block of a large one).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// The file being sent, relative to the uploaded folder (the file name for one file).
    pub path: String,
    /// Bytes sent so far, all files together.
    pub bytes_sent: u64,
    /// Bytes to send in total.
    pub total_bytes: u64,
    /// Files completely sent.
    pub files_done: usize,
    /// Files to send in total.
    pub files_total: usize,
}

/// A progress callback. It may be called from several tasks at once (files go up
/// concurrently), so it must be `Send + Sync`; keep it quick, it runs on the upload task.
///
/// ```
/// use azure_ai_ml::ProgressCallback;
/// let progress = ProgressCallback::new(|p| {
///     eprintln!("{}: {}/{} bytes", p.path, p.bytes_sent, p.total_bytes);
/// });
/// ```
#[derive(Clone)]
pub struct ProgressCallback(Arc<dyn Fn(&UploadProgress) + Send + Sync>);

impl ProgressCallback {
    /// Wraps a closure.
    pub fn new(f: impl Fn(&UploadProgress) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Calls the closure.
    pub fn call(&self, progress: &UploadProgress) {
        (self.0)(progress)
    }
}

impl fmt::Debug for ProgressCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressCallback(..)")
    }
}
