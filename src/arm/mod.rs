//! The ARM layer: URLs, requests and responses for workspace child resources, written once.
//!
//! Operation groups describe *what* (a path under the workspace, an api-version, a body) and
//! this module does the *how*: building the URL with the api-version, sending through the ARM
//! pipeline, turning non-2xx answers into [`Error::Service`] with the ARM code and message, and
//! decoding bodies with the JSON path of any bad field. Long-running operations are in [`lro`],
//! lists in [`pager`].

pub(crate) mod lro;
pub(crate) mod pager;
pub(crate) mod resource;

use azure_core::http::{
    headers::{HeaderName, Headers},
    Method, RawResponse, Request, StatusCode, Url,
};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::client::ClientCore;
use crate::error::{decode_json, Error, Quote, Result};

/// `Azure-AsyncOperation`.
pub(crate) const AZURE_ASYNC_OPERATION: HeaderName =
    HeaderName::from_static("azure-asyncoperation");
/// `Location`.
pub(crate) const LOCATION: HeaderName = HeaderName::from_static("location");

/// A request-ready ARM URL (with `api-version`).
pub(crate) fn with_api_version(mut url: Url, api_version: &str) -> Url {
    // Replace any api-version already there (nextLinks carry the service's own).
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "api-version")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        q.append_pair("api-version", api_version);
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
    }
    url
}

impl ClientCore {
    /// `{arm}/subscriptions/…/workspaces/{ws}/{segments…}?api-version={v}&{query…}`.
    /// Each segment is percent-encoded on its own, so names can't inject path pieces.
    pub(crate) fn workspace_url(
        &self,
        segments: &[&str],
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Url {
        let mut url = self.endpoints.resource_manager.clone();
        {
            // A base URL with a host always has path segments; `cannot-be-a-base` URLs were
            // rejected when the cloud was configured.
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty();
                path.extend([
                    "subscriptions",
                    &self.scope.subscription_id,
                    "resourceGroups",
                    &self.scope.resource_group,
                    "providers",
                    "Microsoft.MachineLearningServices",
                    "workspaces",
                    &self.scope.workspace_name,
                ]);
                path.extend(segments.iter().copied().filter(|s| !s.is_empty()));
            }
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", api_version);
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// Sends one ARM request; any non-2xx answer becomes [`Error::Service`].
    pub(crate) async fn arm_send(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<RawResponse> {
        self.arm_send_on(&self.arm, method, url, body).await
    }

    /// Sends a request that must not be repeated once processed (retries only 429/503).
    pub(crate) async fn arm_send_non_idempotent(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<RawResponse> {
        self.arm_send_on(&self.arm_non_idempotent, method, url, body)
            .await
    }

    async fn arm_send_on(
        &self,
        pipeline: &azure_core::http::Pipeline,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<RawResponse> {
        let mut request = Request::new(url, method);
        request.insert_header("accept", "application/json");
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(body);
        }
        let response = pipeline
            .send(
                &azure_core::http::Context::new(),
                &mut request,
                Some(azure_core::http::PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await?;
        check(response)
    }

    /// GET and decode.
    pub(crate) async fn arm_get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T> {
        let response = self.arm_send(Method::Get, url, None).await?;
        decode_json(what, response.body().as_ref())
    }

    /// GET that maps 404 to `None`.
    pub(crate) async fn arm_get_opt<T: DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
    ) -> Result<Option<T>> {
        match self.arm_get(url, what).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends a JSON body (PUT/POST) and decodes the JSON answer.
    pub(crate) async fn arm_json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: &serde_json::Value,
        what: &str,
    ) -> Result<T> {
        let response = self.arm_send(method, url, Some(to_body(body)?)).await?;
        decode_json(what, response.body().as_ref())
    }
}

/// Serializes a JSON body once.
pub(crate) fn to_body(body: &serde_json::Value) -> Result<Bytes> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::other(format!("could not serialize request body: {e}")))
}

/// Passes 2xx answers through and turns the rest into [`Error::Service`].
pub(crate) fn check(response: RawResponse) -> Result<RawResponse> {
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else {
        Err(Error::service(
            u16::from(status),
            response.headers(),
            response.body().as_ref(),
            Quote::Text,
        ))
    }
}

/// Reads a header as a URL.
pub(crate) fn header_url(headers: &Headers, name: &HeaderName) -> Option<Url> {
    headers
        .get_optional_str(name)
        .and_then(|v| Url::parse(v).ok())
}

/// True for 200 and 201.
pub(crate) fn is_created_or_ok(status: StatusCode) -> bool {
    status == StatusCode::Ok || status == StatusCode::Created
}
#[cfg(all(test, feature = "testing"))]
mod fake_tests;
#[cfg(test)]
mod tests;
