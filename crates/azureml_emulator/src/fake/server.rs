//! The wiremock mount: one catch-all responder that turns each HTTP request back into the
//! logical request (host from `x-azml-original-host`) and lets the core answer it.

use std::sync::{Arc, Mutex, MutexGuard};

use wiremock::{Respond, ResponseTemplate};

use crate::core::{
    CoreRequest, CoreResponse, Delivery, Served, WorkspaceCore, ORIGINAL_HOST_HEADER,
};

/// The logical host when a request arrives without `x-azml-original-host` (a raw test
/// request that didn't bother): ARM.
const DEFAULT_HOST: &str = "management.azure.com";

pub(crate) fn lock(core: &Mutex<WorkspaceCore>) -> MutexGuard<'_, WorkspaceCore> {
    // A panicking score handler must not wedge every later request.
    core.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) struct CoreResponder {
    pub(crate) core: Arc<Mutex<WorkspaceCore>>,
}

/// The logical request of a redirected HTTP request; `None` when its URL can't be rebuilt.
pub(crate) fn logical_request(request: &wiremock::Request) -> Option<CoreRequest> {
    let host = request
        .headers
        .get(ORIGINAL_HOST_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(DEFAULT_HOST);
    let mut text = format!("https://{host}{}", request.url.path());
    if let Some(query) = request.url.query() {
        text.push('?');
        text.push_str(query);
    }
    let url = url::Url::parse(&text).ok()?;
    let headers = request
        .headers
        .iter()
        .filter(|(name, _)| name.as_str() != ORIGINAL_HOST_HEADER)
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    Some(CoreRequest {
        method: request.method.as_str().to_ascii_uppercase(),
        url,
        headers,
        body: bytes::Bytes::from(request.body.clone()),
    })
}

pub(crate) fn template(response: CoreResponse) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(response.status);
    for (name, value) in response.headers {
        template = template.append_header(name.as_str(), value.as_str());
    }
    if response.body.is_empty() {
        template
    } else {
        template.set_body_bytes(response.body.to_vec())
    }
}

/// The template of a served answer: wiremock can delay an answer, not reset, truncate or
/// withhold it (those faults are refused when injected through `FakeWorkspace::inject`; one
/// armed through the core directly is answered 501 instead of being ignored).
fn deliver(served: Served) -> ResponseTemplate {
    match served.delivery {
        Delivery::Normal => template(served.response),
        Delivery::Delay(delay) => template(served.response).set_delay(delay),
        other => ResponseTemplate::new(501).set_body_string(format!(
            "the wiremock fake cannot stage {other:?}: use the offline workspace (local::LocalWorkspace) for faults of the connection"
        )),
    }
}

impl Respond for CoreResponder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        match logical_request(request) {
            Some(logical) => deliver(lock(&self.core).serve(&logical)),
            None => ResponseTemplate::new(400).set_body_string(format!(
                "the fake workspace could not rebuild the logical URL (check the {ORIGINAL_HOST_HEADER} header)"
            )),
        }
    }
}
