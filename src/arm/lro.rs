//! ARM long-running operations on `azure_core`'s [`Poller`].
//!
//! `begin_*` methods send the initial request themselves (so validation, upload and the
//! service's first answer surface as errors right there, as in Python) and hand the
//! answer's polling instructions to [`poller`]. The returned `Poller` only polls:
//!
//! * PUT answered with `Azure-AsyncOperation`: GET that URL until `status` is terminal, then GET
//!   the resource (`final-state-via: original-uri`).
//! * PUT answered without it: GET the resource until `properties.provisioningState` is terminal.
//! * DELETE and POST actions answered 202 + `Location`: GET it while it answers 202; any other
//!   2xx ends it; anything else is an ARM error.
//!
//! `Failed`/`Canceled` end the poller with [`Error::OperationFailed`] carrying the ARM code and
//! message (returning `PollerResult::Done` would surface as an opaque azure_core error).
//! The wait between polls is the client's `polling_interval` override, else the service's
//! `Retry-After`, else 5 s (Python's interval). Polling stops with an error once the service's
//! `x-ms-async-operation-timeout` (default 2 h) has passed.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use azure_core::http::{
    headers::{HeaderName, Headers, RETRY_AFTER},
    poller::{Poller, PollerContinuation, PollerResult, PollerState, PollerStatus, StatusMonitor},
    Context, JsonFormat, Method, RawResponse, Response, StatusCode, Url,
};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize};

use super::ArmClient;
#[cfg(test)]
use crate::error::Result;
use crate::error::{decode_json, Error, ErrorDetail};

/// The poller every `begin_*` method returns. `.await` it for the final result (the resource,
/// or `()` for deletes and actions): `poller.await?.into_model()?`. Or use it as a `Stream` to
/// watch each status; in azure_core 1.1 a poller whose stream has ended must not be awaited
/// afterwards (it panics), so pick one of the two per poller.
pub type LroPoller<T> = Poller<OperationStatus<T>>;

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

/// How to follow an operation, decided from the initial answer.
#[derive(Debug, Clone)]
pub(crate) enum PollPlan {
    /// Poll an `Azure-AsyncOperation` URL, then GET the resource.
    AsyncOperation { status_url: Url, resource: Url },
    /// Poll the resource until its provisioning state is terminal.
    ProvisioningState { resource: Url },
    /// Poll a `Location` URL while it answers 202.
    Location { url: Url },
    /// The initial answer was final (200/204 to a DELETE or action).
    Done,
}

impl PollPlan {
    /// The plan for a PUT's initial answer.
    pub(crate) fn for_put(headers: &Headers, resource: Url) -> Self {
        match header_url(headers, &AZURE_ASYNC_OPERATION) {
            Some(status_url) => PollPlan::AsyncOperation {
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
            if let Some(url) = header_url(headers, &LOCATION)
                .or_else(|| header_url(headers, &AZURE_ASYNC_OPERATION))
            {
                return PollPlan::Location { url };
            }
        }
        PollPlan::Done
    }

    fn first_url(&self) -> Option<&Url> {
        match self {
            PollPlan::AsyncOperation { status_url, .. } => Some(status_url),
            PollPlan::ProvisioningState { resource } => Some(resource),
            PollPlan::Location { url } => Some(url),
            PollPlan::Done => None,
        }
    }
}

/// `Azure-AsyncOperation`.
const AZURE_ASYNC_OPERATION: HeaderName = HeaderName::from_static("azure-asyncoperation");
/// `Location`.
const LOCATION: HeaderName = HeaderName::from_static("location");

/// Reads a header as a URL.
fn header_url(headers: &Headers, name: &HeaderName) -> Option<Url> {
    headers
        .get_optional_str(name)
        .and_then(|v| Url::parse(v).ok())
}

const DEFAULT_POLL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
const OPERATION_TIMEOUT: HeaderName = HeaderName::from_static("x-ms-async-operation-timeout");

/// The deadline the service gave (`x-ms-async-operation-timeout`, ISO-8601), or 2 h.
pub(crate) fn operation_timeout(headers: &Headers) -> Duration {
    headers
        .get_optional_str(&OPERATION_TIMEOUT)
        .and_then(crate::duration::parse_std)
        .unwrap_or(DEFAULT_TIMEOUT)
}

fn retry_after(arm: &ArmClient, headers: &Headers) -> azure_core::time::Duration {
    let wait = arm.polling_interval().unwrap_or_else(|| {
        headers
            .get_optional_str(&RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_POLL)
    });
    azure_core::time::Duration::try_from(wait).unwrap_or(azure_core::time::Duration::seconds(5))
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

fn failed(operation: &str, status: &str, error: Option<ErrorDetail>) -> azure_core::Error {
    let error = error.unwrap_or_default();
    Error::OperationFailed {
        operation: operation.to_owned(),
        status: status.to_owned(),
        code: error.code.unwrap_or_else(|| "Unknown".into()),
        message: error.message.unwrap_or_default(),
        details: error.details.into(),
    }
    .into()
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
    let started = Instant::now();
    Poller::new(
        move |state: PollerState, _options| {
            let arm = arm.clone();
            let ctx = ctx.clone();
            let operation = operation.clone();
            let plan = plan.clone();
            Box::pin(async move {
                if started.elapsed() > timeout {
                    return Err(Error::OperationFailed {
                        operation,
                        status: "TimedOut".into(),
                        code: "OperationTimeout".into(),
                        message: format!("still running after {} s", timeout.as_secs()),
                        details: Box::default(),
                    }
                    .into());
                }
                let url = match state {
                    PollerState::More(PollerContinuation::Links { next_link, .. }) => {
                        Some(next_link)
                    }
                    PollerState::More(_) => plan.first_url().cloned(),
                    PollerState::Initial => plan.first_url().cloned(),
                };
                let Some(url) = url else {
                    // Nothing to poll: the initial answer was final.
                    return Ok(PollerResult::Succeeded {
                        response: synthetic_status(StatusCode::Ok, Headers::new(), "Succeeded"),
                        target: final_target::<T>(arm, ctx, None, output),
                    });
                };
                let raw = arm
                    .send(Method::Get, url.clone(), None, &ctx)
                    .await
                    .map_err(azure_core::Error::from)?;
                let (status_code, headers, body) = raw.deconstruct();
                let body: Bytes = body.into();
                let wait = retry_after(&arm, &headers);
                let continuation = PollerContinuation::Links {
                    next_link: url.clone(),
                    final_link: None,
                };
                match &plan {
                    PollPlan::AsyncOperation { resource, .. } => {
                        let status: OperationStatus<T> = decode_json("operation status", &body)?;
                        match classify(&status.status) {
                            PollerStatus::Succeeded => Ok(PollerResult::Succeeded {
                                response: status_response(status_code, headers, body),
                                target: final_target::<T>(arm, ctx, Some(resource.clone()), output),
                            }),
                            PollerStatus::InProgress => Ok(PollerResult::InProgress {
                                response: status_response(status_code, headers, body),
                                retry_after: wait,
                                continuation,
                            }),
                            _ => Err(failed(&operation, &status.status, status.error)),
                        }
                    }
                    PollPlan::ProvisioningState { .. } => {
                        let probe: ProvisioningProbe = decode_json("resource", &body)?;
                        let state = probe
                            .properties
                            .and_then(|p| p.provisioning_state)
                            .unwrap_or_else(|| "Succeeded".into());
                        match classify(&state) {
                            PollerStatus::Succeeded => Ok(PollerResult::Succeeded {
                                response: synthetic_status(status_code, headers, &state),
                                target: resource_target::<T>(body, output),
                            }),
                            PollerStatus::InProgress => Ok(PollerResult::InProgress {
                                response: synthetic_status(status_code, headers, &state),
                                retry_after: wait,
                                continuation,
                            }),
                            _ => Err(failed(
                                &operation,
                                &state,
                                Some(ErrorDetail {
                                    code: Some("ProvisioningFailed".into()),
                                    message: Some(format!("provisioningState is {state}")),
                                    ..Default::default()
                                }),
                            )),
                        }
                    }
                    PollPlan::Location { .. } | PollPlan::Done => {
                        if status_code == StatusCode::Accepted {
                            Ok(PollerResult::InProgress {
                                response: synthetic_status(
                                    StatusCode::Accepted,
                                    headers,
                                    "InProgress",
                                ),
                                retry_after: wait,
                                continuation,
                            })
                        } else {
                            Ok(PollerResult::Succeeded {
                                response: synthetic_status(StatusCode::Ok, headers, "Succeeded"),
                                target: final_target::<T>(arm, ctx, None, output),
                            })
                        }
                    }
                }
            })
        },
        None,
    )
}

type Target<T> = Box<
    dyn FnOnce() -> std::pin::Pin<
            Box<dyn std::future::Future<Output = azure_core::Result<Response<T>>> + Send>,
        > + Send,
>;

/// The final value: GET the resource, or `null` for `()`.
fn final_target<T: Send + 'static>(
    arm: ArmClient,
    ctx: Context<'static>,
    resource: Option<Url>,
    output: Output,
) -> Target<T> {
    Box::new(move || {
        Box::pin(async move {
            match (resource, output) {
                (Some(url), Output::Resource) => {
                    let raw = arm
                        .send(Method::Get, url, None, &ctx)
                        .await
                        .map_err(azure_core::Error::from)?;
                    Ok(raw.into())
                }
                _ => Ok(RawResponse::from_bytes(
                    StatusCode::Ok,
                    Headers::new(),
                    Bytes::from_static(b"null"),
                )
                .into()),
            }
        })
    })
}

/// The final value from a resource body already in hand.
fn resource_target<T: Send + 'static>(body: Bytes, output: Output) -> Target<T> {
    Box::new(move || {
        Box::pin(async move {
            let body = match output {
                Output::Resource => body,
                Output::Unit => Bytes::from_static(b"null"),
            };
            Ok(RawResponse::from_bytes(StatusCode::Ok, Headers::new(), body).into())
        })
    })
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
}
