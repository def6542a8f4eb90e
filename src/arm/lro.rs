//! ARM long-running operations: how to follow one (the statuses an [`LroPoller`] yields are in
//! `status`).
//!
//! `begin_*` methods send the initial request themselves (so validation, upload and the
//! service's first answer surface as errors right there, as in Python) and hand the
//! answer's polling instructions to [`poller`]. The returned poller only polls:
//!
//! * PUT answered with `Azure-AsyncOperation`: GET that URL until `status` is terminal, then GET
//!   the resource (`final-state-via: original-uri`).
//! * PUT answered without it: GET the resource until `properties.provisioningState` is terminal.
//! * DELETE and POST actions answered 202 + `Location`: GET it while it answers 202; any other
//!   2xx ends it; an error answer (after the pipeline's retries) is how the service reports the
//!   operation's failure there, so it ends the poller as a failed operation too.
//!
//! `Failed`/`Canceled` end the poller with [`Error::OperationFailed`] carrying the ARM code,
//! message and request id, whichever way the service said it. The wait between polls is the
//! client's `polling_interval` override, else the service's `Retry-After` (capped by the client's
//! `max_retry_after`), else 5 s (Python's interval), and never runs past the operation's deadline
//! (`x-ms-async-operation-timeout`, default 2 h), after which the poller ends with `TimedOut`.
//! Follow-up URLs must be on the ARM endpoint's host: they get the ARM token.

use std::time::Duration;

use azure_core::http::{
    headers::{HeaderName, Headers},
    poller::PollerStatus,
    Context, Method, RawResponse, Response, StatusCode, Url,
};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize};
use tokio::time::Instant;
use tracing::Instrument;

pub use super::poller::LroPoller;
use super::poller::{Outcome, TargetFn};
use super::status::classify;
pub use super::status::OperationStatus;
use super::ArmClient;
#[cfg(test)]
use crate::error::Result;
use crate::error::{decode_json, Error, ErrorDetail};
use crate::http::headers::{request_id, retry_after};

/// `Azure-AsyncOperation`.
const AZURE_ASYNC_OPERATION: HeaderName = HeaderName::from_static("azure-asyncoperation");
/// `Location`.
const LOCATION: HeaderName = HeaderName::from_static("location");

/// A follow-up URL from a header (`None` when absent or not a URL).
fn header_url(headers: &Headers, name: &HeaderName) -> Option<(&'static str, Url)> {
    let what = if *name == LOCATION {
        "Location"
    } else {
        "Azure-AsyncOperation"
    };
    headers
        .get_optional_str(name)
        .and_then(|v| Url::parse(v.trim()).ok())
        .map(|url| (what, url))
}

/// How to follow an operation, decided from the initial answer.
#[derive(Debug, Clone)]
pub(crate) enum PollPlan {
    /// Poll an `Azure-AsyncOperation` URL, then GET the resource.
    AsyncOperation { status_url: Url, resource: Url },
    /// Poll the resource until its provisioning state is terminal.
    ProvisioningState { resource: Url },
    /// Poll a `Location` (or `Azure-AsyncOperation`) URL while it answers 202.
    Location { url: Url, header: &'static str },
    /// The initial answer was final (200/204 to a DELETE or action).
    Done,
}

impl PollPlan {
    /// The plan for a PUT's initial answer.
    pub(crate) fn for_put(headers: &Headers, resource: Url) -> Self {
        match header_url(headers, &AZURE_ASYNC_OPERATION) {
            Some((_, status_url)) => PollPlan::AsyncOperation {
                status_url,
                resource,
            },
            None => PollPlan::ProvisioningState { resource },
        }
    }

    /// The plan for a DELETE's or POST action's initial answer.
    pub(crate) fn for_location(status: StatusCode, headers: &Headers) -> Self {
        if status == StatusCode::Accepted {
            // Some answers (regenerateKeys) carry both headers; Location is the declared one.
            if let Some((header, url)) = header_url(headers, &LOCATION)
                .or_else(|| header_url(headers, &AZURE_ASYNC_OPERATION))
            {
                return PollPlan::Location { url, header };
            }
        }
        PollPlan::Done
    }

    /// The first URL to poll, and the header it came from.
    fn first_url(&self) -> Option<(Url, &'static str)> {
        match self {
            PollPlan::AsyncOperation { status_url, .. } => {
                Some((status_url.clone(), "Azure-AsyncOperation"))
            }
            PollPlan::ProvisioningState { resource } => Some((resource.clone(), "resource")),
            PollPlan::Location { url, header } => Some((url.clone(), header)),
            PollPlan::Done => None,
        }
    }
}

const DEFAULT_POLL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
const OPERATION_TIMEOUT: HeaderName = HeaderName::from_static("x-ms-async-operation-timeout");

/// The deadline the service gave (`x-ms-async-operation-timeout`, ISO-8601), or 2 h; values
/// that are unreadable or too large for a clock fall back to the 2 h.
pub(crate) fn operation_timeout(headers: &Headers) -> Duration {
    headers
        .get_optional_str(&OPERATION_TIMEOUT)
        .and_then(crate::duration::parse_std)
        .filter(|d| Instant::now().checked_add(*d).is_some())
        .unwrap_or(DEFAULT_TIMEOUT)
}

fn status_response<T>(
    status: StatusCode,
    headers: Headers,
    body: Bytes,
) -> Response<OperationStatus<T>> {
    RawResponse::from_bytes(status, headers, body).into()
}

fn synthetic_status<T>(
    status: StatusCode,
    headers: Headers,
    value: &str,
) -> Response<OperationStatus<T>> {
    let body = serde_json::json!({ "status": value }).to_string();
    status_response(status, headers, Bytes::from(body))
}

/// What the final `.await` resolves to.
#[derive(Clone, Copy)]
pub(crate) enum Output {
    /// The resource's JSON, decoded into `T`.
    Resource,
    /// Nothing (`T = ()`).
    Unit,
}

#[derive(Deserialize)]
struct ProvisioningProbe {
    #[serde(default)]
    properties: Option<ProvisioningProperties>,
}

#[derive(Deserialize)]
struct ProvisioningProperties {
    #[serde(default, rename = "provisioningState")]
    provisioning_state: Option<String>,
}

/// One operation being followed: what the status stream steps through.
struct Follow<T> {
    arm: ArmClient,
    ctx: Context<'static>,
    operation: String,
    plan: PollPlan,
    output: Output,
    deadline: Instant,
    timeout: Duration,
    /// The next URL to GET and the header it came from; `None` before the first poll.
    next: Option<(Url, &'static str)>,
    /// How long to wait before the next poll.
    wait: Duration,
    started: bool,
    ended: bool,
    outcome: Outcome<T>,
}

/// What one poll found.
enum Step<T> {
    Running(Response<OperationStatus<T>>),
    Succeeded(Response<OperationStatus<T>>, TargetFn<T>),
}

impl<T: DeserializeOwned + Send + 'static> Follow<T> {
    fn failed(&self, status: &str, error: ErrorDetail, request_id: Option<&str>) -> Error {
        Error::OperationFailed {
            operation: self.operation.clone(),
            status: status.to_owned(),
            code: error.code.unwrap_or_else(|| "Unknown".into()),
            message: error.message.unwrap_or_default(),
            details: Box::new(error.details),
            request_id: request_id.map(|id| Box::new(id.to_owned())),
        }
    }

    fn timed_out(&self) -> Error {
        Error::OperationFailed {
            operation: self.operation.clone(),
            status: "TimedOut".into(),
            code: "OperationTimeout".into(),
            message: format!("still running after {} s", self.timeout.as_secs()),
            details: Box::default(),
            request_id: None,
        }
    }

    /// The service's wait (capped) or the override, never past the deadline.
    fn next_wait(&self, headers: &Headers) -> Duration {
        let wait = self.arm.polling_interval().unwrap_or_else(|| {
            retry_after(headers)
                .unwrap_or(DEFAULT_POLL)
                .min(self.arm.max_retry_after())
        });
        wait.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// Waits, polls once, and says where the operation stands.
    async fn poll(&mut self) -> Result<Step<T>, Error> {
        if self.started {
            tokio::time::sleep(self.wait).await;
        }
        self.started = true;
        if Instant::now() >= self.deadline {
            return Err(self.timed_out());
        }
        let next = self.next.clone().or_else(|| self.plan.first_url());
        let Some((url, header)) = next else {
            // Nothing to poll: the initial answer was final.
            return Ok(Step::Succeeded(
                synthetic_status(StatusCode::Ok, Headers::new(), "Succeeded"),
                self.final_target(None),
            ));
        };
        self.arm.check_follow_up(&url, header)?;
        let raw = match self
            .arm
            .send(Method::Get, url.clone(), None, &self.ctx)
            .await
        {
            Ok(raw) => raw,
            // A `Location` answers a failed operation with the ARM error itself: one variant for
            // a failed operation, whichever way the service said it.
            Err(Error::Service {
                code,
                message,
                target,
                details,
                request_id,
                ..
            }) if matches!(self.plan, PollPlan::Location { .. }) => {
                let error = ErrorDetail {
                    code,
                    message: Some(message),
                    target,
                    details: details.into_vec(),
                };
                return Err(self.failed("Failed", error, request_id.as_deref()));
            }
            Err(other) => return Err(other),
        };
        let (status_code, headers, body) = raw.deconstruct();
        let body: Bytes = body.into();
        self.wait = self.next_wait(&headers);
        self.next = Some((url, header));
        let request_id = request_id(&headers).map(str::to_owned);
        match &self.plan {
            PollPlan::AsyncOperation { resource, .. } => {
                let status: OperationStatus<T> = decode_json("operation status", &body)?;
                match classify(&status.status) {
                    PollerStatus::Succeeded => Ok(Step::Succeeded(
                        status_response(status_code, headers, body),
                        self.final_target(Some(resource.clone())),
                    )),
                    PollerStatus::InProgress => {
                        Ok(Step::Running(status_response(status_code, headers, body)))
                    }
                    _ => Err(self.failed(
                        &status.status,
                        status.error.unwrap_or_default(),
                        request_id.as_deref(),
                    )),
                }
            }
            PollPlan::ProvisioningState { .. } => {
                let probe: ProvisioningProbe = decode_json("resource", &body)?;
                let state = probe
                    .properties
                    .and_then(|p| p.provisioning_state)
                    .unwrap_or_else(|| "Succeeded".into());
                match classify(&state) {
                    PollerStatus::Succeeded => {
                        let target = self.resource_target(body)?;
                        Ok(Step::Succeeded(
                            synthetic_status(status_code, headers, &state),
                            target,
                        ))
                    }
                    PollerStatus::InProgress => Ok(Step::Running(synthetic_status(
                        status_code,
                        headers,
                        &state,
                    ))),
                    _ => Err(self.failed(
                        &state,
                        ErrorDetail {
                            code: Some("ProvisioningFailed".into()),
                            message: Some(format!("provisioningState is {state}")),
                            ..Default::default()
                        },
                        request_id.as_deref(),
                    )),
                }
            }
            PollPlan::Location { .. } | PollPlan::Done => {
                if status_code == StatusCode::Accepted {
                    Ok(Step::Running(synthetic_status(
                        StatusCode::Accepted,
                        headers,
                        "InProgress",
                    )))
                } else {
                    Ok(Step::Succeeded(
                        synthetic_status(StatusCode::Ok, headers, "Succeeded"),
                        self.final_target(None),
                    ))
                }
            }
        }
    }

    /// The final value: GET the resource, or `null` for `()`. A body that doesn't decode as
    /// `T` is an error naming its JSON path here, not later in `into_model`.
    fn final_target(&self, resource: Option<Url>) -> TargetFn<T> {
        let arm = self.arm.clone();
        let ctx = self.ctx.clone();
        let output = self.output;
        let what = format!("result of {}", self.operation);
        Box::new(move || {
            Box::pin(async move {
                let raw = match (resource, output) {
                    (Some(url), Output::Resource) => arm.send(Method::Get, url, None, &ctx).await?,
                    _ => null_response(),
                };
                decode_json::<T>(&what, raw.body().as_ref())?;
                Ok(raw.into())
            })
        })
    }

    /// The final value from a resource body already in hand (checked now).
    fn resource_target(&self, body: Bytes) -> Result<TargetFn<T>, Error> {
        let raw = match self.output {
            Output::Resource => RawResponse::from_bytes(StatusCode::Ok, Headers::new(), body),
            Output::Unit => null_response(),
        };
        decode_json::<T>(
            &format!("result of {}", self.operation),
            raw.body().as_ref(),
        )?;
        Ok(Box::new(move || Box::pin(async move { Ok(raw.into()) })))
    }
}

fn null_response() -> RawResponse {
    RawResponse::from_bytes(StatusCode::Ok, Headers::new(), Bytes::from_static(b"null"))
}

/// Builds the poller for an operation whose initial request has already been answered.
pub(crate) fn poller<T>(
    arm: ArmClient,
    ctx: Context<'static>,
    operation: String,
    plan: PollPlan,
    output: Output,
    timeout: Duration,
) -> LroPoller<T>
where
    T: DeserializeOwned + Send + 'static,
{
    let outcome = Outcome::new();
    let follow = Follow {
        arm,
        ctx,
        operation,
        plan,
        output,
        deadline: crate::http::deadline(timeout),
        timeout,
        next: None,
        wait: Duration::ZERO,
        started: false,
        ended: false,
        outcome: outcome.clone(),
    };
    // Polls run after `begin_*` returned: they are traced under the operation's span.
    let span = tracing::Span::current();
    let statuses = futures::stream::unfold(follow, move |mut follow| {
        async move {
            if follow.ended {
                return None;
            }
            let item = match follow.poll().await {
                Ok(Step::Running(status)) => Ok(status),
                Ok(Step::Succeeded(status, target)) => {
                    follow.ended = true;
                    follow.outcome.succeed(target);
                    Ok(status)
                }
                Err(error) => {
                    follow.ended = true;
                    follow.outcome.fail(&error);
                    Err(error.into())
                }
            };
            Some((item, follow))
        }
        .instrument(span.clone())
    });
    LroPoller::new(Box::pin(statuses), outcome)
}

/// Waits for a poller and decodes its final value into `T`, mapping errors to ours.
#[cfg(test)]
pub(crate) async fn wait<T: DeserializeOwned + Send + 'static>(poller: LroPoller<T>) -> Result<T> {
    let response = poller.await?;
    Ok(response.into_model()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_arm_states() {
        assert_eq!(classify("Succeeded"), PollerStatus::Succeeded);
        assert_eq!(classify("failed"), PollerStatus::Failed);
        assert_eq!(classify("Cancelled"), PollerStatus::Canceled);
        for s in [
            "Creating",
            "Updating",
            "Deleting",
            "Scaling",
            "InProgress",
            "Whatever",
        ] {
            assert_eq!(classify(s), PollerStatus::InProgress, "{s}");
        }
    }

    #[test]
    fn parses_operation_timeouts() {
        let timeout = |value: &str| {
            let mut headers = Headers::new();
            headers.insert(OPERATION_TIMEOUT, value.to_owned());
            operation_timeout(&headers)
        };
        assert_eq!(timeout("PT2H"), Duration::from_secs(7200));
        assert_eq!(timeout("PT1H30M"), Duration::from_secs(5400));
        assert_eq!(timeout("P1D"), Duration::from_secs(86_400));
        assert_eq!(timeout("PT0.5S"), Duration::from_millis(500));
        assert_eq!(timeout("garbage"), DEFAULT_TIMEOUT);
        assert_eq!(timeout("PTxS"), DEFAULT_TIMEOUT);
    }

    #[test]
    fn huge_operation_timeouts_do_not_panic() {
        let timeout = |value: &str| {
            let mut headers = Headers::new();
            headers.insert(OPERATION_TIMEOUT, value.to_owned());
            operation_timeout(&headers)
        };
        for huge in [
            "PT99999999999999999999999S",
            "PT1e300S",
            "P999999999999999D",
            "P99999999999999999999999999999999999999D",
            "-PT5S",
        ] {
            assert_eq!(timeout(huge), DEFAULT_TIMEOUT, "{huge}");
        }
    }
}
