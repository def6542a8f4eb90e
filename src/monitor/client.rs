//! The seam: the ONLY file under `src/monitor/` that reaches into crate internals outside
//! `src/monitor/` (the ARM pipeline, the client's scope, the pager, the duration helpers, the
//! error decoder and the entity enum macro).
//!
//! When `src/arm`, `src/client.rs`, `src/rest` or `src/entities` move, re-point the handful of
//! items below; nothing else in `src/monitor/` needs to change.
//!
//! Seam calls used:
//! * `MLClient::core` (`Arc<ClientCore>`), `ClientCore::endpoints.resource_manager`,
//! * `ArmClient::{scope, send, pager, workspace_location}` (`src/arm/client.rs`),
//! * `crate::arm::pager::ArmPager`,
//! * `crate::duration::{from_micros, parse_std}`,
//! * `crate::error::decode_json`, `crate::entities::macros::string_enum`.

use std::sync::Arc;
use std::time::Duration;

use azure_core::http::{pager::PagerOptions, Context, Method, Url};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::client::{ClientCore, MLClient};
use crate::error::Result;

pub(crate) use crate::arm::pager::ArmPager;
pub(crate) use crate::entities::macros::string_enum;
pub(crate) use crate::error::decode_json;

/// What the monitor operations need from the client: scope, ARM URLs, one send, one pager.
#[derive(Clone)]
pub(crate) struct MonitorCore {
    core: Arc<ClientCore>,
}

impl std::fmt::Debug for MonitorCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorCore")
            .field("subscription_id", &self.subscription_id())
            .field("resource_group", &self.resource_group())
            .finish_non_exhaustive()
    }
}

/// A successful (2xx) ARM answer: status and body.
pub(crate) struct ArmAnswer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

impl MonitorCore {
    /// The client's shared core.
    pub(crate) fn of(client: &MLClient) -> Self {
        Self {
            core: client.core.clone(),
        }
    }

    /// The client's subscription id.
    pub(crate) fn subscription_id(&self) -> &str {
        &self.core.arm.scope().subscription_id
    }

    /// The client's resource group.
    pub(crate) fn resource_group(&self) -> &str {
        &self.core.arm.scope().resource_group
    }

    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`.
    pub(crate) fn workspace_id(&self) -> String {
        self.core.arm.scope().arm_id()
    }

    /// The workspace region (one GET per client, cached by the client).
    pub(crate) async fn workspace_location(&self, ctx: &Context<'_>) -> Result<String> {
        self.core.arm.workspace_location(ctx).await
    }

    /// `{arm}/{segments…}?api-version={v}&{query…}`; each segment is percent-encoded on its own,
    /// so a name can't inject path pieces.
    pub(crate) fn arm_url(
        &self,
        segments: &[&str],
        api_version: &str,
        query: &[(&str, &str)],
    ) -> Url {
        let mut url = self.core.endpoints.resource_manager.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments.iter().copied());
        }
        append_query(&mut url, api_version, query);
        url
    }

    /// `{arm}{raw_path}?{raw_query}` with `raw_path` (which starts with `/`) kept as is: slashes
    /// stay path separators. Callers validate `raw_path` and encode `raw_query` first.
    pub(crate) fn arm_url_raw(&self, raw_path: &str, raw_query: &str) -> Url {
        let mut url = self.core.endpoints.resource_manager.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{raw_path}"));
        url.set_query(Some(raw_query));
        url
    }

    /// Sends one ARM request with the caller's context; non-2xx answers become `Error::Service`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        ctx: &Context<'_>,
    ) -> Result<ArmAnswer> {
        let response = self.core.arm.send(method, url, body, ctx).await?;
        Ok(ArmAnswer {
            status: u16::from(response.status()),
            body: Bytes::copy_from_slice(response.body().as_ref()),
        })
    }

    /// A `{value, nextLink}` list as a pager, following `nextLink` with `api_version`, with the
    /// caller's context and continuation.
    pub(crate) fn pager<T>(
        &self,
        first: Url,
        api_version: &str,
        options: PagerOptions<'_>,
    ) -> Result<ArmPager<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.core.arm.pager(first, api_version, options)
    }
}

fn append_query(url: &mut Url, api_version: &str, query: &[(&str, &str)]) {
    let mut q = url.query_pairs_mut();
    q.append_pair("api-version", api_version);
    for (k, v) in query {
        q.append_pair(k, v);
    }
}

/// A duration as ISO 8601 (`PT5M`, `PT1H30M`, `P1D`, `PT0.5S`); zero is `PT0S`.
pub(crate) fn iso_duration(duration: Duration) -> String {
    crate::duration::from_micros(i128::try_from(duration.as_micros()).unwrap_or(i128::MAX))
        .unwrap_or_else(|| "PT0S".to_owned())
}

/// Parses an ISO 8601 duration; `None` for garbage and for negative values.
pub(crate) fn parse_iso_duration(text: &str) -> Option<Duration> {
    crate::duration::parse_std(text)
}
