//! [`StoragePipeline`]: the pipeline blob requests of a client go through.

use azure_core::http::{ClientOptions, Pipeline};

/// The pipeline an [`MLClient`](crate::MLClient)'s blob requests go through: its transport,
/// retries and extra policies, but never the ARM token (each request is authorized with its
/// container's own [`StorageAuth`](super::StorageAuth)). An `MLClient` hands it out through
/// `AsRef`, which is what [`BlobContainer::new`](super::BlobContainer::new) takes.
#[derive(Clone, Debug)]
pub struct StoragePipeline {
    pub(crate) pipeline: Pipeline,
    /// The client sends every request to a local fake (plain http is fine then).
    pub(crate) redirected: bool,
}

impl StoragePipeline {
    /// A storage pipeline over `options`, with no authorization policy of its own.
    pub(crate) fn new(options: ClientOptions, redirected: bool) -> Self {
        Self {
            pipeline: crate::http::pipeline(options, Vec::new(), Vec::new(), None),
            redirected,
        }
    }
}

impl AsRef<StoragePipeline> for StoragePipeline {
    fn as_ref(&self) -> &StoragePipeline {
        self
    }
}
