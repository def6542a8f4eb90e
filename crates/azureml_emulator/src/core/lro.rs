//! Long-running operations the ARM way (`Azure-AsyncOperation` status URLs and `Location`
//! result URLs), plus failure injection.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::arm::{arm_error, now_rfc3339, ok_json, operation_url};
use super::faults::{Fault, InjectedEnd};
use super::{CoreResponse, RuntimeState, WorkspaceCore};

/// What a long-running operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LroKind {
    /// PUT of an online endpoint.
    EndpointCreateOrUpdate,
    /// PATCH of an online endpoint.
    EndpointUpdate,
    /// DELETE of an online endpoint.
    EndpointDelete,
    /// `regenerateKeys` of an online endpoint.
    RegenerateKeys,
    /// PUT of an online deployment.
    DeploymentCreateOrUpdate,
    /// PATCH of an online deployment.
    DeploymentUpdate,
    /// DELETE of an online deployment.
    DeploymentDelete,
}

impl LroKind {
    fn is_delete(self) -> bool {
        matches!(self, Self::EndpointDelete | Self::DeploymentDelete)
    }
}

/// A failure to inject into the next matching long-running operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LroFailure {
    /// Only operations of this kind (any when `None`).
    pub kind: Option<LroKind>,
    /// Only operations on this endpoint or deployment name (any when `None`).
    pub resource: Option<String>,
    /// ARM error code of the failed operation.
    pub code: String,
    /// Its message.
    pub message: String,
}

impl LroFailure {
    /// Fails the next operation of `kind` (any kind when `None`).
    pub fn new(kind: Option<LroKind>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            resource: None,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Restricts the failure to operations on the endpoint or deployment named `name`.
    pub fn on_resource(mut self, name: impl Into<String>) -> Self {
        self.resource = Some(name.into());
        self
    }

    fn matches(&self, kind: LroKind, endpoint: &str, deployment: Option<&str>) -> bool {
        self.kind.is_none_or(|k| k == kind)
            && self.resource.as_deref().is_none_or(|r| match deployment {
                Some(d) => r == d,
                None => r == endpoint,
            })
    }
}

/// Where an operation stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum OpStatus {
    Running,
    Succeeded,
    Failed { code: String, message: String },
    Canceled,
}

/// A long-running operation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) kind: LroKind,
    pub(crate) endpoint: String,
    pub(crate) deployment: Option<String>,
    pub(crate) polls_left: u32,
    pub(crate) status: OpStatus,
    pub(crate) api_version: String,
    pub(crate) started: String,
    pub(crate) ended: Option<String>,
    /// A failure injected for this operation (applied when it would otherwise succeed).
    pub(crate) failure: Option<(String, String)>,
    /// An injected end other than a failure: canceled, or never.
    #[serde(default)]
    pub(crate) injected_end: Option<InjectedEnd>,
    /// For `regenerateKeys`: which key (`Primary`/`Secondary`) becomes what value.
    #[serde(default)]
    pub(crate) new_key: Option<(String, String)>,
    /// `true` when clients poll the resource itself (no `Azure-AsyncOperation` was sent), so
    /// a GET of the resource advances the operation.
    #[serde(default)]
    pub(crate) resource_polled: bool,
}

impl WorkspaceCore {
    /// Starts an operation; returns its id.
    pub(crate) fn start_operation(
        &mut self,
        kind: LroKind,
        endpoint: &str,
        deployment: Option<&str>,
        api_version: &str,
    ) -> String {
        let mut failure = self
            .lro_failures
            .iter()
            .position(|f| f.matches(kind, endpoint, deployment))
            .map(|i| {
                let f = self.lro_failures.remove(i);
                (f.code, f.message)
            });
        let injected_end = match self.take_operation_fault() {
            Some(Fault::LroFailed { code, message }) => {
                failure = Some((code, message));
                None
            }
            Some(Fault::LroCanceled) => Some(InjectedEnd::Canceled),
            Some(Fault::LroNeverEnds) => Some(InjectedEnd::Never),
            _ => None,
        };
        let id = format!("oe:{}:{}", uuid::Uuid::new_v4(), self.state.seq + 1);
        self.state.seq += 1;
        let resource_polled = !self.config.async_operation_header
            && matches!(
                kind,
                LroKind::EndpointCreateOrUpdate | LroKind::DeploymentCreateOrUpdate
            );
        self.state.operations.insert(
            id.clone(),
            Operation {
                id: id.clone(),
                kind,
                endpoint: endpoint.to_owned(),
                deployment: deployment.map(str::to_owned),
                polls_left: self.config.lro_polls,
                status: OpStatus::Running,
                api_version: api_version.to_owned(),
                started: now_rfc3339(),
                ended: None,
                failure,
                injected_end,
                new_key: None,
                resource_polled,
            },
        );
        id
    }

    /// Headers announcing an operation: `Azure-AsyncOperation` for PUTs (unless the
    /// resource-polling mode is on), `Location` for the rest; always `Retry-After`.
    pub(crate) fn operation_headers(&self, id: &str, response: CoreResponse) -> CoreResponse {
        let Some(op) = self.state.operations.get(id) else {
            return response;
        };
        let retry = self.config.retry_after_secs.to_string();
        let response = response
            .with_header("Retry-After", retry)
            .with_header("x-ms-async-operation-timeout", "PT2H");
        match op.kind {
            LroKind::EndpointCreateOrUpdate | LroKind::DeploymentCreateOrUpdate => {
                if self.config.async_operation_header {
                    response.with_header(
                        "Azure-AsyncOperation",
                        operation_url(&self.config, "mfeOperationsStatus", id, &op.api_version),
                    )
                } else {
                    response
                }
            }
            _ => response.with_header(
                "Location",
                operation_url(&self.config, "mfeOperationResults", id, &op.api_version),
            ),
        }
    }

    /// One poll of an operation: counts down, then asks the runtime (deployments), then
    /// completes it. Returns the status after the poll.
    pub(crate) fn advance_operation(&mut self, id: &str) -> Option<OpStatus> {
        let op = self.state.operations.get_mut(id)?;
        if op.status != OpStatus::Running || op.injected_end == Some(InjectedEnd::Never) {
            return Some(op.status.clone());
        }
        if op.polls_left > 0 {
            op.polls_left -= 1;
            return Some(OpStatus::Running);
        }
        let (kind, endpoint, deployment) = (op.kind, op.endpoint.clone(), op.deployment.clone());
        let injected = op.failure.clone();
        let canceled = op.injected_end == Some(InjectedEnd::Canceled);
        let outcome = match (kind, injected, deployment.as_deref()) {
            _ if canceled => OpStatus::Canceled,
            (_, Some((code, message)), _) => OpStatus::Failed { code, message },
            (LroKind::DeploymentCreateOrUpdate | LroKind::DeploymentUpdate, None, Some(d)) => {
                match self.runtime.deployment_state(&endpoint, d) {
                    Some(RuntimeState::Creating) => return Some(OpStatus::Running),
                    Some(RuntimeState::Failed { code, message }) => {
                        OpStatus::Failed { code, message }
                    }
                    Some(RuntimeState::Succeeded) | None => OpStatus::Succeeded,
                }
            }
            _ => OpStatus::Succeeded,
        };
        self.complete_operation(id, outcome.clone());
        Some(outcome)
    }

    /// Applies an operation's effect and records its end.
    fn complete_operation(&mut self, id: &str, outcome: OpStatus) {
        let Some(op) = self.state.operations.get_mut(id) else {
            return;
        };
        op.status = outcome.clone();
        op.ended = Some(now_rfc3339());
        let op = op.clone();
        self.revision += 1;
        let succeeded = outcome == OpStatus::Succeeded;
        match (op.kind, succeeded) {
            (LroKind::EndpointDelete, true) => self.delete_endpoint_now(&op.endpoint),
            (LroKind::DeploymentDelete, true) => {
                if let Some(d) = &op.deployment {
                    self.delete_deployment_now(&op.endpoint, d);
                }
            }
            (LroKind::RegenerateKeys, true) => {
                if let (Some((which, value)), Some(record)) =
                    (&op.new_key, self.state.endpoints.get_mut(&op.endpoint))
                {
                    if which == "Secondary" {
                        record.keys.secondary = value.clone();
                    } else {
                        record.keys.primary = value.clone();
                    }
                }
            }
            (LroKind::RegenerateKeys, false) => {}
            _ => {
                let state = match outcome {
                    OpStatus::Succeeded => "Succeeded",
                    OpStatus::Canceled => "Canceled",
                    _ => "Failed",
                };
                self.set_provisioning_state(&op.endpoint, op.deployment.as_deref(), state);
            }
        }
        self.clear_pending(&op.endpoint, op.deployment.as_deref(), id);
    }

    fn clear_pending(&mut self, endpoint: &str, deployment: Option<&str>, id: &str) {
        let Some(record) = self.state.endpoints.get_mut(endpoint) else {
            return;
        };
        match deployment {
            Some(d) => {
                if let Some(dep) = record.deployments.get_mut(d) {
                    if dep.pending_op.as_deref() == Some(id) {
                        dep.pending_op = None;
                    }
                }
            }
            None => {
                if record.pending_op.as_deref() == Some(id) {
                    record.pending_op = None;
                }
            }
        }
    }

    pub(crate) fn set_provisioning_state(
        &mut self,
        endpoint: &str,
        deployment: Option<&str>,
        state: &str,
    ) {
        let Some(record) = self.state.endpoints.get_mut(endpoint) else {
            return;
        };
        let resource = match deployment {
            Some(d) => match record.deployments.get_mut(d) {
                Some(dep) => &mut dep.resource,
                None => return,
            },
            None => &mut record.resource,
        };
        if let Some(props) = resource
            .get_mut("properties")
            .and_then(Value::as_object_mut)
        {
            props.insert("provisioningState".into(), Value::String(state.into()));
            self.revision += 1;
        }
    }

    /// A runtime's word that a deployment's processes settled (ready or failed). Its pending
    /// create or update completes now, when no client-visible poll is left to count down; a
    /// deployment with nothing pending takes the runtime's outcome as its `provisioningState`,
    /// which is how a workspace restarted from saved state repairs its statuses.
    pub fn settle_deployment(&mut self, endpoint: &str, deployment: &str) {
        let Some(record) = self
            .state
            .endpoints
            .get(endpoint)
            .and_then(|r| r.deployments.get(deployment))
        else {
            return;
        };
        if let Some(id) = record.pending_op.clone() {
            let waits_on_runtime = self.state.operations.get(&id).is_some_and(|op| {
                op.polls_left == 0
                    && op.status == OpStatus::Running
                    && matches!(
                        op.kind,
                        LroKind::DeploymentCreateOrUpdate | LroKind::DeploymentUpdate
                    )
            });
            if waits_on_runtime {
                self.advance_operation(&id);
            }
            return;
        }
        let settled = match self.runtime.deployment_state(endpoint, deployment) {
            Some(RuntimeState::Succeeded) => "Succeeded",
            Some(RuntimeState::Failed { .. }) => "Failed",
            _ => return,
        };
        let current = record
            .resource
            .pointer("/properties/provisioningState")
            .and_then(Value::as_str);
        if current != Some(settled) {
            self.set_provisioning_state(endpoint, Some(deployment), settled);
        }
    }

    /// Moves on the operations a saved state left in progress that wait for no runtime
    /// (endpoint changes, deletes, key regeneration): each completes as its remaining polls
    /// would have completed it. Deployment creates and updates complete when the runtime
    /// settles them ([`settle_deployment`](Self::settle_deployment)).
    pub fn resume_operations(&mut self) {
        let waiting: Vec<(String, u32)> = self
            .state
            .operations
            .values()
            .filter(|op| {
                op.status == OpStatus::Running
                    && !matches!(
                        op.kind,
                        LroKind::DeploymentCreateOrUpdate | LroKind::DeploymentUpdate
                    )
            })
            .map(|op| (op.id.clone(), op.polls_left))
            .collect();
        for (id, polls_left) in waiting {
            for _ in 0..=polls_left {
                if self.advance_operation(&id) != Some(OpStatus::Running) {
                    break;
                }
            }
        }
    }

    /// When clients poll the resource itself, a GET of it is a poll of its pending operation.
    pub(crate) fn advance_if_resource_polled(&mut self, pending: Option<String>) {
        if let Some(id) = pending {
            let polled = self
                .state
                .operations
                .get(&id)
                .is_some_and(|op| op.resource_polled);
            if polled {
                self.advance_operation(&id);
            }
        }
    }

    /// `GET …/mfeOperationsStatus/{id}`: the ARM operation-status body.
    pub(crate) fn operation_status(&mut self, id: &str) -> CoreResponse {
        let Some(status) = self.advance_operation(id) else {
            return arm_error(404, "NotFound", format!("Operation '{id}' was not found."));
        };
        let Some(op) = self.state.operations.get(id) else {
            return arm_error(404, "NotFound", format!("Operation '{id}' was not found."));
        };
        let mut body = json!({
            "id": op.id,
            "name": op.id,
            "startTime": op.started,
        });
        match &status {
            OpStatus::Running => body["status"] = json!("InProgress"),
            OpStatus::Succeeded => body["status"] = json!("Succeeded"),
            OpStatus::Failed { code, message } => {
                body["status"] = json!("Failed");
                body["error"] = json!({"code": code, "message": message});
            }
            OpStatus::Canceled => {
                body["status"] = json!("Canceled");
                body["error"] =
                    json!({"code": "Canceled", "message": "The operation was canceled."});
            }
        }
        if let Some(end) = &op.ended {
            body["endTime"] = json!(end);
        }
        let response = ok_json(200, &body);
        if status == OpStatus::Running {
            response.with_header("Retry-After", self.config.retry_after_secs.to_string())
        } else {
            response
        }
    }

    /// `GET …/mfeOperationResults/{id}`: 202 while running, then 200 (with the resource for
    /// PATCH), or the operation's error.
    pub(crate) fn operation_result(&mut self, id: &str) -> CoreResponse {
        let Some(status) = self.advance_operation(id) else {
            return arm_error(404, "NotFound", format!("Operation '{id}' was not found."));
        };
        let Some(op) = self.state.operations.get(id).cloned() else {
            return arm_error(404, "NotFound", format!("Operation '{id}' was not found."));
        };
        match status {
            OpStatus::Running => CoreResponse::new(202)
                .with_header("Retry-After", self.config.retry_after_secs.to_string())
                .with_header(
                    "Location",
                    operation_url(&self.config, "mfeOperationResults", id, &op.api_version),
                ),
            OpStatus::Succeeded => {
                let resource = match op.kind {
                    LroKind::EndpointUpdate => self
                        .state
                        .endpoints
                        .get(&op.endpoint)
                        .map(|r| r.resource.clone()),
                    LroKind::DeploymentUpdate => op.deployment.as_ref().and_then(|d| {
                        self.state
                            .endpoints
                            .get(&op.endpoint)?
                            .deployments
                            .get(d)
                            .map(|r| r.resource.clone())
                    }),
                    _ => None,
                };
                match resource {
                    Some(r) if !op.kind.is_delete() => ok_json(200, &r),
                    _ => CoreResponse::new(200),
                }
            }
            OpStatus::Failed { code, message } => arm_error(400, &code, message),
            OpStatus::Canceled => arm_error(400, "Canceled", "The operation was canceled."),
        }
    }
}
