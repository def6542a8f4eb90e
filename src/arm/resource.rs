//! CRUD for workspace child resources, written once.
//!
//! A [`ResourcePath`] names a resource (or a collection) under the workspace and the api-version
//! of its group; every operation group goes through these few functions, so paging, LRO handling
//! and error mapping behave the same for endpoints, deployments and assets.

use std::sync::Arc;

use azure_core::http::{Method, Url};
use serde::de::DeserializeOwned;

use super::lro::{self, LroPoller, Output, PollPlan};
use super::pager::{self, ArmPager};
use super::{is_created_or_ok, to_body};
use crate::client::ClientCore;
use crate::error::{decode_json, Result};

/// A path under the workspace plus the api-version of its operation group.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePath {
    segments: Vec<String>,
    api_version: String,
}

impl ResourcePath {
    pub(crate) fn new<I, S>(segments: I, api_version: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            segments: segments.into_iter().map(Into::into).collect(),
            api_version: api_version.to_owned(),
        }
    }

    /// This path with more segments (a child, or an action such as `listKeys`).
    pub(crate) fn join(&self, segment: &str) -> Self {
        let mut next = self.clone();
        next.segments.push(segment.to_owned());
        next
    }

    pub(crate) fn url(&self, core: &ClientCore, query: &[(&str, &str)]) -> Url {
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        core.workspace_url(&segments, &self.api_version, query)
    }
}

impl ClientCore {
    /// GET one resource.
    pub(crate) async fn get_resource<T: DeserializeOwned>(
        &self,
        path: &ResourcePath,
        what: &str,
    ) -> Result<T> {
        self.arm_get(path.url(self, &[]), what).await
    }

    /// GET one resource, `None` on 404.
    pub(crate) async fn get_resource_opt<T: DeserializeOwned>(
        &self,
        path: &ResourcePath,
        what: &str,
    ) -> Result<Option<T>> {
        self.arm_get_opt(path.url(self, &[]), what).await
    }

    /// PUT a resource whose PUT is synchronous (assets).
    pub(crate) async fn put_resource<T: DeserializeOwned>(
        &self,
        path: &ResourcePath,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<T> {
        self.arm_json(Method::Put, path.url(self, &[]), body, what)
            .await
    }

    /// POST an action and decode its answer (`listKeys`, `token`, `getLogs`, `listSecrets`, …).
    pub(crate) async fn post_action<T: DeserializeOwned>(
        &self,
        path: &ResourcePath,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<T> {
        let body = body.map(to_body).transpose()?;
        let response = self
            .arm_send(Method::Post, path.url(self, &[]), body)
            .await?;
        let bytes = response.body().as_ref();
        decode_json(what, if bytes.is_empty() { b"null" } else { bytes })
    }
}

/// List a collection.
pub(crate) fn list<T>(
    core: &Arc<ClientCore>,
    path: &ResourcePath,
    query: &[(&str, &str)],
) -> ArmPager<T>
where
    T: DeserializeOwned + Send + 'static,
{
    pager::pager(
        core.clone(),
        path.url(core, query),
        path.api_version.clone(),
    )
}

/// PUT a tracked resource (endpoint, deployment) and return the poller for its provisioning.
pub(crate) async fn begin_put<T>(
    core: &Arc<ClientCore>,
    path: &ResourcePath,
    body: &serde_json::Value,
    operation: String,
) -> Result<LroPoller<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    let url = path.url(core, &[]);
    let response = core
        .arm_send(Method::Put, url.clone(), Some(to_body(body)?))
        .await?;
    tracing::debug!(operation = %operation, status = %u16::from(response.status()), "initial PUT answered");
    let plan = if is_created_or_ok(response.status()) {
        PollPlan::for_put(response.headers(), url)
    } else {
        // 202 to a PUT is not in the spec; follow Location if there is one.
        PollPlan::for_location(response.status(), response.headers())
    };
    let timeout = lro::operation_timeout(response.headers());
    Ok(lro::poller(
        core.clone(),
        operation,
        plan,
        Output::Resource,
        timeout,
    ))
}

/// DELETE a resource (200/204 at once, or 202 + Location).
pub(crate) async fn begin_delete(
    core: &Arc<ClientCore>,
    path: &ResourcePath,
    operation: String,
) -> Result<LroPoller<()>> {
    let response = core
        .arm_send(Method::Delete, path.url(core, &[]), None)
        .await?;
    let plan = PollPlan::for_location(response.status(), response.headers());
    let timeout = lro::operation_timeout(response.headers());
    Ok(lro::poller(
        core.clone(),
        operation,
        plan,
        Output::Unit,
        timeout,
    ))
}

/// POST a long-running action (regenerateKeys) with a JSON body.
pub(crate) async fn begin_action(
    core: &Arc<ClientCore>,
    path: &ResourcePath,
    body: &serde_json::Value,
    operation: String,
) -> Result<LroPoller<()>> {
    let response = core
        .arm_send_non_idempotent(Method::Post, path.url(core, &[]), Some(to_body(body)?))
        .await?;
    let plan = PollPlan::for_location(response.status(), response.headers());
    let timeout = lro::operation_timeout(response.headers());
    Ok(lro::poller(
        core.clone(),
        operation,
        plan,
        Output::Unit,
        timeout,
    ))
}
