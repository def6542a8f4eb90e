//! Bounds on every ARM call, as two pipeline policies around azure_core's retry policy:
//!
//! * [`RetryBudgetPolicy`] (per call, outside the retries): once the call's retry budget is
//!   spent, no further try starts and no retry wait runs on; the call returns the last answer
//!   or error as it stands. A try in flight when the budget runs out is let finish.
//! * [`TryPolicy`] (per try, inside the retries): a time limit on each try (answer head and
//!   body), `Retry-After` capped by the configured maximum and by what is left of the budget,
//!   and, for requests that must not run twice, no re-send once the request may have reached the
//!   service (a transport error after connecting).
//!
//! Errors leave [`TryPolicy`] already converted to the crate's [`Error`], so they display the
//! real cause whatever azure_core wraps around them on the way out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::error::ErrorKind;
use azure_core::http::headers::Headers;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{AsyncRawResponse, Context, Request, StatusCode};
use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use super::headers::{retry_after, RETRY_HEADERS};
use crate::error::Error;

/// What one try ended with, kept so the call can return it when the budget runs out.
enum Outcome {
    Answer {
        status: StatusCode,
        headers: Headers,
        body: Bytes,
    },
    Failed {
        kind: ErrorKind,
        error: Error,
    },
}

impl Outcome {
    fn replay(&self) -> Outcome {
        match self {
            Outcome::Answer {
                status,
                headers,
                body,
            } => Outcome::Answer {
                status: *status,
                headers: headers.clone(),
                body: body.clone(),
            },
            Outcome::Failed { kind, error } => Outcome::Failed {
                kind: kind.clone(),
                error: error.replay(),
            },
        }
    }

    fn into_result(self) -> PolicyResult {
        match self {
            Outcome::Answer {
                status,
                headers,
                body,
            } => Ok(AsyncRawResponse::from_bytes(status, headers, body)),
            Outcome::Failed { kind, error } => Err(azure_core::Error::new(kind, error)),
        }
    }
}

/// The tries of one call, shared by the two policies through the request's [`Context`].
struct CallState {
    deadline: Instant,
    inner: Mutex<Tries>,
    /// Bumped when a try ends, so a call past its budget can stop waiting.
    ended: watch::Sender<u64>,
}

#[derive(Default)]
struct Tries {
    in_flight: bool,
    last: Option<Outcome>,
}

impl CallState {
    fn tries(&self) -> std::sync::MutexGuard<'_, Tries> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn begin_try(&self) {
        self.tries().in_flight = true;
    }

    fn end_try(&self, outcome: Outcome) {
        {
            let mut tries = self.tries();
            tries.in_flight = false;
            tries.last = Some(outcome);
        }
        self.ended.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The last outcome, once no try is running.
    fn settled(&self) -> Option<Outcome> {
        let mut tries = self.tries();
        if tries.in_flight {
            None
        } else {
            tries.last.take()
        }
    }
}

/// The policies after one: the next, and the rest.
type Next<'a> = (&'a Arc<dyn Policy>, &'a [Arc<dyn Policy>]);

/// The policy after this one, and the rest; an error (not a panic) when there is none.
pub(crate) fn next_policy<'a>(
    next: &'a [Arc<dyn Policy>],
    name: &str,
) -> azure_core::Result<Next<'a>> {
    next.split_first().ok_or_else(|| {
        azure_core::Error::with_message(
            ErrorKind::Other,
            format!("the {name} policy must not be the last policy"),
        )
    })
}

/// The two policies of a pipeline, made together as they work together (the per-try one reads
/// the call's state the per-call one keeps): the per-call [`RetryBudgetPolicy`] spending
/// `retry_budget`, to go before the retry policy, and the per-try [`TryPolicy`] with `timeout`
/// and `max_retry_after`, to go after it; `idempotent: false` for requests that must not reach
/// the service twice.
pub(crate) fn call_limit_policies(
    retry_budget: Duration,
    timeout: Option<Duration>,
    max_retry_after: Duration,
    idempotent: bool,
) -> (Arc<dyn Policy>, Arc<dyn Policy>) {
    let per_call = RetryBudgetPolicy {
        budget: retry_budget,
    };
    let per_try = TryPolicy {
        timeout,
        max_retry_after,
        idempotent,
    };
    (Arc::new(per_call), Arc::new(per_try))
}

/// Per call: stops retrying once the call's budget is spent (see the module docs).
#[derive(Debug)]
pub(crate) struct RetryBudgetPolicy {
    budget: Duration,
}

#[async_trait::async_trait]
impl Policy for RetryBudgetPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let (first, rest) = next_policy(next, "retry budget")?;
        let deadline = super::deadline(self.budget);
        let (ended, mut ended_rx) = watch::channel(0u64);
        let state = Arc::new(CallState {
            deadline,
            inner: Mutex::default(),
            ended,
        });
        let ctx = ctx.clone().with_value(state.clone());
        let send = first.send(&ctx, request, rest);
        tokio::pin!(send);
        let budget_spent = tokio::time::sleep_until(deadline);
        tokio::pin!(budget_spent);
        let mut spent = false;
        loop {
            tokio::select! {
                biased;
                result = &mut send => return result,
                () = &mut budget_spent, if !spent => spent = true,
                changed = ended_rx.changed(), if spent => {
                    if changed.is_err() {
                        // The sender lives in `state`, which lives here: not reachable.
                        return send.await;
                    }
                }
            }
            if spent {
                if let Some(outcome) = state.settled() {
                    return outcome.into_result();
                }
            }
        }
    }
}

/// Per try: time limit, capped `Retry-After`, no re-send of what must not run twice.
#[derive(Debug)]
pub(crate) struct TryPolicy {
    timeout: Option<Duration>,
    max_retry_after: Duration,
    idempotent: bool,
}

/// `Retry-After` no longer than `cap` (one header, in milliseconds, replacing the others).
fn cap_retry_after(headers: &mut Headers, cap: Duration) {
    let Some(asked) = retry_after(headers) else {
        return;
    };
    if asked <= cap {
        return;
    }
    for name in RETRY_HEADERS {
        headers.remove(name);
    }
    headers.insert("retry-after-ms", cap.as_millis().to_string());
}

#[async_trait::async_trait]
impl Policy for TryPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let (first, rest) = next_policy(next, "try")?;
        let state = ctx.value::<Arc<CallState>>().cloned();
        if let Some(state) = &state {
            state.begin_try();
        }
        let what = format!(
            "{} {}{}",
            request.method(),
            request.url().host_str().unwrap_or_default(),
            request.url().path()
        );
        let attempt = async {
            let response = first.send(ctx, request, rest).await?;
            let (status, headers, body) = response.deconstruct();
            let body = body.collect().await?;
            Ok::<_, azure_core::Error>((status, headers, body))
        };
        let result = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, attempt).await {
                Ok(result) => result,
                Err(_) => Err(azure_core::Error::new(
                    ErrorKind::Io,
                    Error::Transport {
                        message: format!("timed out: no answer to {what} within {limit:?}"),
                        source: None,
                    },
                )),
            },
            None => attempt.await,
        };
        let outcome = match result {
            Ok((status, mut headers, body)) => {
                if matches!(
                    status,
                    StatusCode::TooManyRequests | StatusCode::ServiceUnavailable
                ) {
                    let left = state.as_ref().map_or(self.max_retry_after, |s| {
                        s.deadline.saturating_duration_since(Instant::now())
                    });
                    cap_retry_after(&mut headers, self.max_retry_after.min(left));
                }
                Outcome::Answer {
                    status,
                    headers,
                    body,
                }
            }
            Err(err) => {
                let kind = err.kind().clone();
                let mut error = Error::from(err);
                // A connection that failed before the request went out is safe to try again;
                // after that the service may have acted on it.
                let kind = match kind {
                    ErrorKind::Io if !self.idempotent => {
                        if let Error::Transport { message, .. } = &mut error {
                            message.push_str(
                                " (not sent again: the service may have processed the request)",
                            );
                        }
                        ErrorKind::Other
                    }
                    other => other,
                };
                Outcome::Failed { kind, error }
            }
        };
        if let Some(state) = &state {
            state.end_try(outcome.replay());
        }
        outcome.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_capped_into_one_header() {
        let mut headers = Headers::new();
        headers.insert("retry-after", "3600");
        cap_retry_after(&mut headers, Duration::from_secs(60));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(60)));
        assert_eq!(headers.get_optional_str(&"retry-after".into()), None);

        let mut headers = Headers::new();
        headers.insert("retry-after", "2");
        cap_retry_after(&mut headers, Duration::from_secs(60));
        assert_eq!(headers.get_optional_str(&"retry-after".into()), Some("2"));
    }
}
