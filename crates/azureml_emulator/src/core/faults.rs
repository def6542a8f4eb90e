//! Fault injection: rules that make matching requests fail the ways Azure (and networks) do.
//!
//! A [`FaultRule`] pairs a [`Fault`] with a matcher (method, path fragment, [`Service`]) and a
//! count. The core applies what a response can carry: error statuses (with `Retry-After`),
//! long-running operations that end `Failed` or `Canceled` or never end, list pages whose
//! `nextLink` points at themselves. Faults of the connection itself (a reset, a truncated
//! body, a slow or silent answer) are handed to the front as a [`Delivery`], since only the
//! front owns the connection; see [`WorkspaceCore::serve`](super::WorkspaceCore::serve).

use std::time::Duration;

use serde_json::Value;

use super::arm::arm_error;
use super::{CoreRequest, CoreResponse, HostKind, WorkspaceCore};

/// Which service a request is for, without the account or endpoint name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// Azure Resource Manager (the control plane).
    Arm,
    /// Blob storage.
    Blob,
    /// A scoring URI.
    Scoring,
}

impl Service {
    /// The service of a host kind.
    pub fn of(kind: &HostKind) -> Self {
        match kind {
            HostKind::Arm => Self::Arm,
            HostKind::Blob { .. } => Self::Blob,
            HostKind::Scoring { .. } => Self::Scoring,
        }
    }
}

/// What goes wrong with a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answered with `status` and an error body in the service's shape (ARM JSON, storage
    /// XML, scoring JSON); the request is not handled. `retry_after` adds `Retry-After`
    /// (whole seconds, rounded up) and `retry-after-ms`.
    Status {
        /// HTTP status.
        status: u16,
        /// Error code (ARM `error.code`, storage `Code`).
        code: String,
        /// Error message.
        message: String,
        /// The wait the answer asks for.
        retry_after: Option<Duration>,
    },
    /// Handled, answered after `delay`.
    Delay(Duration),
    /// Handled, never answered: the connection stays open until the client gives up or the
    /// server stops. Needs a front that owns the connection.
    Silence,
    /// Handled, then the connection is reset (TCP RST) before any byte of the answer. Needs a
    /// front that owns the connection.
    ResetBeforeResponse,
    /// Handled; the status, headers and first half of the body are sent, then the connection
    /// is reset. Needs a front that owns the connection.
    ResetMidBody,
    /// Handled; the answer announces its full `Content-Length`, sends half of the body and
    /// closes the connection cleanly. Needs a front that owns the connection.
    TruncatedBody,
    /// The long-running operation the request starts ends `Failed` with this ARM error.
    LroFailed {
        /// ARM error code.
        code: String,
        /// Error message.
        message: String,
    },
    /// The long-running operation the request starts ends `Canceled`.
    LroCanceled,
    /// The long-running operation the request starts stays in progress for ever.
    LroNeverEnds,
    /// The list page answered carries a `nextLink` to itself: a client that does not bound its
    /// paging loops.
    SelfReferencingNextLink,
}

impl Fault {
    /// An error status with an error body.
    pub fn status(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 `TooManyRequests` asking to come back after `retry_after`.
    pub fn throttled(retry_after: Duration) -> Self {
        Self::Status {
            status: 429,
            code: "TooManyRequests".into(),
            message: "Too many requests; retry after the interval in Retry-After.".into(),
            retry_after: Some(retry_after),
        }
    }

    /// 503 `ServiceUnavailable`, with `Retry-After` when given.
    pub fn unavailable(retry_after: Option<Duration>) -> Self {
        Self::Status {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: "The service is temporarily unavailable.".into(),
            retry_after,
        }
    }

    /// 500 `InternalServerError`.
    pub fn internal_error() -> Self {
        Self::status(
            500,
            "InternalServerError",
            "An internal server error occurred.",
        )
    }

    /// The long-running operation started by the request ends `Failed`.
    pub fn lro_failed(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::LroFailed {
            code: code.into(),
            message: message.into(),
        }
    }

    /// True for faults of the connection itself, which only a front owning the connection can
    /// stage (the wiremock front cannot).
    pub fn needs_connection(&self) -> bool {
        matches!(
            self,
            Self::Silence | Self::ResetBeforeResponse | Self::ResetMidBody | Self::TruncatedBody
        )
    }

    /// The fault's class: decided before the request is handled, when an operation starts, or
    /// on the answer.
    fn stage(&self) -> Stage {
        match self {
            Self::LroFailed { .. } | Self::LroCanceled | Self::LroNeverEnds => Stage::Operation,
            Self::SelfReferencingNextLink => Stage::ListPage,
            _ => Stage::Request,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Request,
    Operation,
    ListPage,
}

/// A [`Fault`] and the requests it hits.
///
/// ```
/// use std::time::Duration;
/// use azureml_emulator::core::{Fault, FaultRule, Service};
/// // The next three scoring calls are throttled; then the endpoint answers again.
/// let rule = FaultRule::new(Fault::throttled(Duration::from_secs(1)))
///     .service(Service::Scoring)
///     .times(3);
/// # let _ = rule;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    method: Option<String>,
    path_contains: Option<String>,
    service: Option<Service>,
    /// Matching requests left to hit; `None` for every one.
    remaining: Option<u32>,
}

impl FaultRule {
    /// A rule hitting the next request (of any method, path and service) once.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            method: None,
            path_contains: None,
            service: None,
            remaining: Some(1),
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// Only requests whose URL path contains `fragment`.
    pub fn path_contains(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// Only requests for this service.
    pub fn service(mut self, service: Service) -> Self {
        self.service = Some(service);
        self
    }

    /// Hits this many matching requests, then retires (`0` retires it at once).
    pub fn times(mut self, times: u32) -> Self {
        self.remaining = Some(times);
        self
    }

    /// Hits every matching request until [`WorkspaceCore::clear_faults`].
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// Matching requests it will still hit (`None`: all).
    pub fn remaining(&self) -> Option<u32> {
        self.remaining
    }

    fn matches(&self, service: Service, request: &CoreRequest) -> bool {
        self.remaining != Some(0)
            && self.service.is_none_or(|s| s == service)
            && self.method.as_deref().is_none_or(|m| m == request.method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| request.url.path().contains(p))
    }
}

/// A failure to answer to the next matching request(s), whatever they are: the
/// [`Fault::Status`] rule of earlier versions, kept for its callers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestFailure {
    /// Only this method (any when `None`).
    pub method: Option<String>,
    /// Only paths containing this (any when `None`).
    pub path_contains: Option<String>,
    /// HTTP status to answer.
    pub status: u16,
    /// ARM error code.
    pub code: String,
    /// Message.
    pub message: String,
    /// How many matching requests fail.
    pub times: u32,
}

impl RequestFailure {
    /// The very next request fails with `status`, `code` and `message`.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            method: None,
            path_contains: None,
            status,
            code: code.into(),
            message: message.into(),
            times: 1,
        }
    }

    /// Only requests with this method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// Only requests whose path contains `fragment`.
    pub fn path_contains(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// Fail this many matching requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

impl From<RequestFailure> for FaultRule {
    fn from(failure: RequestFailure) -> Self {
        Self {
            fault: Fault::status(failure.status, failure.code, failure.message),
            method: failure.method,
            path_contains: failure.path_contains,
            service: None,
            remaining: Some(failure.times),
        }
    }
}

/// How a front delivers an answer: normally, or with a fault of the connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// As is.
    #[default]
    Normal,
    /// After this delay.
    Delay(Duration),
    /// Never; hold the connection open.
    Silence,
    /// Reset the connection before the answer.
    ResetBeforeResponse,
    /// Send the head and half of the body, then reset.
    ResetMidBody,
    /// Announce the whole body, send half, close cleanly.
    TruncatedBody,
}

/// An answer and how to deliver it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Served {
    /// The answer.
    pub response: CoreResponse,
    /// How the front delivers it.
    pub delivery: Delivery,
}

/// What a request-stage fault does to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultAction {
    /// Answer this instead of handling the request.
    Answer(CoreResponse),
    /// Handle the request, then deliver its answer this way.
    Deliver(Delivery),
}

/// How an injected fault ends a long-running operation (kept in the operation).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum InjectedEnd {
    Canceled,
    Never,
}

/// The error answer of a [`Fault::Status`] in the shape of the request's service.
fn status_answer(
    kind: &HostKind,
    status: u16,
    code: &str,
    message: &str,
    retry_after: Option<Duration>,
) -> CoreResponse {
    let response = match kind {
        HostKind::Blob { .. } => super::blob::storage_error(status, code, message),
        HostKind::Scoring { .. } => {
            CoreResponse::json(status, &serde_json::json!({ "message": message }))
        }
        HostKind::Arm => arm_error(status, code, message),
    };
    match retry_after {
        Some(wait) => {
            let millis = wait.as_millis();
            response
                .with_header("Retry-After", millis.div_ceil(1000).to_string())
                .with_header("retry-after-ms", millis.to_string())
        }
        None => response,
    }
}

impl WorkspaceCore {
    /// Arms a fault rule (after the ones already armed; the first matching rule wins).
    pub fn inject(&mut self, rule: FaultRule) {
        if rule.remaining != Some(0) {
            self.faults.push(rule);
        }
    }

    /// Disarms every fault rule, [`fail_next`](Self::fail_next) ones included.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The rules still armed.
    pub fn faults(&self) -> &[FaultRule] {
        &self.faults
    }

    /// Index of the first armed rule of `stage` matching the request.
    fn matching_rule(&self, kind: &HostKind, request: &CoreRequest, stage: Stage) -> Option<usize> {
        let service = Service::of(kind);
        self.faults
            .iter()
            .position(|r| r.fault.stage() == stage && r.matches(service, request))
    }

    /// Counts one hit of rule `index` and returns its fault; spent rules are dropped.
    fn hit(&mut self, index: usize) -> Option<Fault> {
        let rule = self.faults.get_mut(index)?;
        let fault = rule.fault.clone();
        if let Some(left) = rule.remaining.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.faults.remove(index);
            }
        }
        Some(fault)
    }

    /// Takes the request-stage fault (status or connection fault) hitting this request, if
    /// any: a front that routes some requests itself (scoring to real model servers) asks
    /// here before routing. `only_answers` leaves connection faults armed, for callers that
    /// cannot stage them.
    pub fn take_fault(
        &mut self,
        kind: &HostKind,
        request: &CoreRequest,
        only_answers: bool,
    ) -> Option<FaultAction> {
        let service = Service::of(kind);
        let index = self.faults.iter().position(|r| {
            r.fault.stage() == Stage::Request
                && (!only_answers || matches!(r.fault, Fault::Status { .. }))
                && r.matches(service, request)
        })?;
        Some(match self.hit(index)? {
            Fault::Status {
                status,
                code,
                message,
                retry_after,
            } => FaultAction::Answer(status_answer(kind, status, &code, &message, retry_after)),
            Fault::Delay(delay) => FaultAction::Deliver(Delivery::Delay(delay)),
            Fault::Silence => FaultAction::Deliver(Delivery::Silence),
            Fault::ResetBeforeResponse => FaultAction::Deliver(Delivery::ResetBeforeResponse),
            Fault::ResetMidBody => FaultAction::Deliver(Delivery::ResetMidBody),
            Fault::TruncatedBody => FaultAction::Deliver(Delivery::TruncatedBody),
            // Not request-stage: filtered out above.
            _ => FaultAction::Deliver(Delivery::Normal),
        })
    }

    /// Remembers the operation-stage rule hitting this request; the operation it starts (if
    /// any) takes it in [`take_operation_fault`](Self::take_operation_fault).
    pub(crate) fn arm_operation_fault(&mut self, kind: &HostKind, request: &CoreRequest) {
        self.operation_fault = self.matching_rule(kind, request, Stage::Operation);
    }

    /// The injected end of an operation being started by the current request: counted as a
    /// hit only now, so a request that starts no operation leaves the rule armed.
    pub(crate) fn take_operation_fault(&mut self) -> Option<Fault> {
        let index = self.operation_fault.take()?;
        self.hit(index)
    }

    /// Points a list page's `nextLink` at the page itself when a rule says so.
    pub(crate) fn apply_list_fault(
        &mut self,
        kind: &HostKind,
        request: &CoreRequest,
        response: CoreResponse,
    ) -> CoreResponse {
        if response.status != 200 {
            return response;
        }
        let Some(index) = self.matching_rule(kind, request, Stage::ListPage) else {
            return response;
        };
        let mut body = response.json_body();
        if !body.get("value").is_some_and(Value::is_array) {
            return response;
        }
        let mut own = self.config.arm_base.clone();
        own.set_path(request.url.path());
        own.set_query(request.url.query());
        body["nextLink"] = Value::String(own.to_string());
        self.hit(index);
        let mut answer = CoreResponse::json(200, &body);
        answer
            .headers
            .extend(response.headers.into_iter().filter(|(n, _)| {
                !n.eq_ignore_ascii_case("content-type") && !n.eq_ignore_ascii_case("content-length")
            }));
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CoreConfig;

    fn request(method: &str, url: &str) -> CoreRequest {
        CoreRequest::new(method, url::Url::parse(url).unwrap())
    }

    #[test]
    fn rules_match_by_method_path_and_service_and_count_down() {
        let mut core = WorkspaceCore::new(CoreConfig::default());
        core.inject(
            FaultRule::new(Fault::unavailable(Some(Duration::from_millis(1500))))
                .method("get")
                .path_contains("/onlineEndpoints")
                .service(Service::Arm)
                .times(2),
        );
        let arm = HostKind::Arm;
        let get = request("GET", "https://management.azure.com/x/onlineEndpoints/e");
        let put = request("PUT", "https://management.azure.com/x/onlineEndpoints/e");
        let other = request("GET", "https://management.azure.com/x/models");
        assert_eq!(core.take_fault(&arm, &put, false), None);
        assert_eq!(core.take_fault(&arm, &other, false), None);
        let scoring = HostKind::Scoring {
            endpoint: "e".into(),
        };
        assert_eq!(core.take_fault(&scoring, &get, false), None);
        for _ in 0..2 {
            let Some(FaultAction::Answer(r)) = core.take_fault(&arm, &get, false) else {
                panic!("no answer");
            };
            assert_eq!(r.status, 503);
            assert_eq!(r.header("retry-after"), Some("2"));
            assert_eq!(r.header("retry-after-ms"), Some("1500"));
            assert_eq!(r.json_body()["error"]["code"], "ServiceUnavailable");
        }
        assert_eq!(core.take_fault(&arm, &get, false), None);
        assert!(core.faults().is_empty());
    }

    #[test]
    fn connection_faults_are_left_for_fronts_that_can_stage_them() {
        let mut core = WorkspaceCore::new(CoreConfig::default());
        core.inject(FaultRule::new(Fault::ResetMidBody).always());
        let get = request("GET", "https://management.azure.com/x");
        assert_eq!(core.take_fault(&HostKind::Arm, &get, true), None);
        for _ in 0..3 {
            assert_eq!(
                core.take_fault(&HostKind::Arm, &get, false),
                Some(FaultAction::Deliver(Delivery::ResetMidBody))
            );
        }
        assert_eq!(core.faults()[0].remaining(), None);
        core.clear_faults();
        assert_eq!(core.take_fault(&HostKind::Arm, &get, false), None);
    }

    #[test]
    fn status_answers_take_the_shape_of_the_service() {
        let blob = status_answer(
            &HostKind::Blob {
                account: "a".into(),
            },
            500,
            "InternalError",
            "boom",
            None,
        );
        assert!(String::from_utf8_lossy(&blob.body).contains("<Code>InternalError</Code>"));
        let scoring = status_answer(
            &HostKind::Scoring {
                endpoint: "e".into(),
            },
            429,
            "TooManyRequests",
            "slow down",
            Some(Duration::from_secs(2)),
        );
        assert_eq!(scoring.json_body()["message"], "slow down");
        assert_eq!(scoring.header("retry-after"), Some("2"));
    }
}
