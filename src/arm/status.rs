//! The status of a long-running operation: what an [`LroPoller`](super::LroPoller)'s stream
//! yields, and how an ARM status word reads as terminal or not. Both the following logic
//! (`lro`) and the poller (`poller`) use it; it uses neither.

use std::marker::PhantomData;

use azure_core::http::{
    poller::{PollerStatus, StatusMonitor},
    JsonFormat,
};
use serde::Deserialize;

use crate::error::ErrorDetail;

/// One status of a long-running operation, as yielded by [`LroPoller`]'s stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "")]
#[non_exhaustive]
pub struct OperationStatus<T> {
    /// `InProgress`, `Creating`, `Succeeded`, … as the service reported it.
    #[serde(default)]
    pub status: String,
    /// The ARM error of a failed operation.
    #[serde(default)]
    pub error: Option<ErrorDetail>,
    #[serde(skip)]
    _output: PhantomData<fn() -> T>,
}

impl<T> StatusMonitor for OperationStatus<T> {
    type Output = T;
    type Format = JsonFormat;

    fn status(&self) -> PollerStatus {
        classify(&self.status)
    }
}

/// ARM statuses: three terminal ones, everything else (`Creating`, `Updating`, `Deleting`,
/// `Scaling`, `InProgress`, unknown values) means "keep polling".
pub(crate) fn classify(status: &str) -> PollerStatus {
    match status.to_ascii_lowercase().as_str() {
        "succeeded" => PollerStatus::Succeeded,
        "failed" => PollerStatus::Failed,
        "canceled" | "cancelled" => PollerStatus::Canceled,
        _ => PollerStatus::InProgress,
    }
}
