//! [`LroPoller`]: a long-running operation as a `Stream` of statuses and a future of its
//! result, safe to use both ways.
//!
//! azure_core 1.1's `Poller` panics when awaited after its stream has ended; this one remembers
//! how the operation ended, so `.await` after streaming to the end gives that outcome again (the
//! final resource, or the same error).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll};

use azure_core::http::Response;
use futures::stream::{FusedStream, Stream, StreamExt};

use super::status::OperationStatus;
use crate::error::Error;

/// The future of an operation's result.
pub(crate) type Target<T> = Pin<Box<dyn Future<Output = azure_core::Result<Response<T>>> + Send>>;
/// Makes the [`Target`] once the operation succeeded (a GET of the resource, or a body in hand).
pub(crate) type TargetFn<T> = Box<dyn FnOnce() -> Target<T> + Send>;
/// The statuses of an operation, ending after its terminal one (or an error).
pub(crate) type StatusStream<T> =
    Pin<Box<dyn Stream<Item = azure_core::Result<Response<OperationStatus<T>>>> + Send>>;

/// How an operation ended, as far as the poller knows.
enum Ending<T> {
    Running,
    Succeeded(TargetFn<T>),
    Failed(Error),
    /// The result was handed out already.
    Delivered,
}

/// Where the stream records the end for a later `.await`.
pub(crate) struct Outcome<T>(Arc<Mutex<Ending<T>>>);

impl<T> Clone for Outcome<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> Outcome<T> {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Mutex::new(Ending::Running)))
    }

    fn lock(&self) -> MutexGuard<'_, Ending<T>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The operation succeeded; `target` makes its result.
    pub(crate) fn succeed(&self, target: TargetFn<T>) {
        *self.lock() = Ending::Succeeded(target);
    }

    /// The operation (or following it) failed with `error`.
    pub(crate) fn fail(&self, error: &Error) {
        *self.lock() = Ending::Failed(error.replay());
    }

    fn take(&self) -> Ending<T> {
        std::mem::replace(&mut *self.lock(), Ending::Delivered)
    }
}

/// The poller every `begin_*` method returns.
///
/// `.await` it for the final result (the resource, or `()` for deletes and actions):
/// `poller.await?.into_model()?`. Or use it as a `Stream` to watch each status
/// (`while let Some(status) = poller.try_next().await? { … }`); awaiting it after that gives
/// the same final result, or the same error, without polling again.
#[must_use = "an operation's poller does nothing unless awaited or streamed"]
pub struct LroPoller<T> {
    statuses: futures::stream::Fuse<StatusStream<T>>,
    outcome: Outcome<T>,
}

impl<T> LroPoller<T> {
    pub(crate) fn new(statuses: StatusStream<T>, outcome: Outcome<T>) -> Self {
        Self {
            statuses: statuses.fuse(),
            outcome,
        }
    }
}

impl<T> fmt::Debug for LroPoller<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LroPoller")
            .field("ended", &self.statuses.is_terminated())
            .finish_non_exhaustive()
    }
}

impl<T> Stream for LroPoller<T> {
    type Item = azure_core::Result<Response<OperationStatus<T>>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.statuses.poll_next_unpin(cx)
    }
}

impl<T> FusedStream for LroPoller<T> {
    fn is_terminated(&self) -> bool {
        self.statuses.is_terminated()
    }
}

impl<T: Send + 'static> IntoFuture for LroPoller<T> {
    type Output = azure_core::Result<Response<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move {
            // Bounded by the operation's own deadline: the stream ends once it has passed.
            while let Some(status) = self.statuses.next().await {
                status?;
            }
            match self.outcome.take() {
                Ending::Succeeded(target) => target().await,
                Ending::Failed(error) => Err(error.into()),
                Ending::Running | Ending::Delivered => Err(Error::other(
                    "the operation's poller ended without an outcome (its result was taken already)",
                )
                .into()),
            }
        })
    }
}
