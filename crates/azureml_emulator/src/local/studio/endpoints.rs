//! The Endpoints page: every online endpoint of the workspace with its state, auth mode,
//! scoring URI and traffic split.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::html::{esc, or_dash, seg, split_bar, state_badge, traffic_text};
use super::{html, Cx};
use crate::core::traffic_weights;

/// `GET /studio`.
pub(crate) async fn list(cx: &Cx) -> Response {
    let endpoints = match cx.api.list("onlineEndpoints").await {
        Ok(e) => e,
        Err(failure) => {
            return super::failed(
                cx,
                "Endpoints",
                StatusCode::BAD_GATEWAY,
                &format!("The endpoints could not be read: {failure}"),
            )
        }
    };
    let mut page = cx.page("Endpoints");
    let out = &mut page.body;
    if endpoints.is_empty() {
        out.push_str(
            "<section class=\"panel\"><p>No online endpoints yet.</p><p>Create one with \
             <code>azml --local online-endpoint create -f endpoint.yml</code>, the SDK's \
             <code>MLClient::local()</code>, or Python azure-ai-ml pointed at this workspace.</p></section>",
        );
        return html(StatusCode::OK, &page);
    }
    let _ = write!(
        out,
        "<p class=\"muted\">{} endpoint{} in workspace {}.</p>",
        endpoints.len(),
        if endpoints.len() == 1 { "" } else { "s" },
        esc(&cx.workspace)
    );
    out.push_str(
        "<div class=\"scroll\"><table class=\"list\" id=\"endpoints\"><caption class=\"sr\">Online endpoints</caption><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">State</th><th scope=\"col\">Auth mode</th>\
         <th scope=\"col\">Compute</th><th scope=\"col\">Scoring URI</th><th scope=\"col\">Traffic</th>\
         <th scope=\"col\">Mirror</th><th scope=\"col\">Created</th></tr></thead><tbody>",
    );
    for endpoint in &endpoints {
        let name = endpoint.get("name").and_then(Value::as_str).unwrap_or("");
        let props = endpoint.get("properties").cloned().unwrap_or(Value::Null);
        let s = |k: &str| props.get(k).and_then(Value::as_str);
        let traffic = traffic_weights(endpoint, "traffic");
        let mirror = traffic_weights(endpoint, "mirrorTraffic");
        let _ = write!(
            out,
            "<tr data-endpoint=\"{attr}\"><th scope=\"row\"><a href=\"/studio/endpoints/{link}\">{name}</a></th>\
             <td>{state}</td><td>{auth}</td><td>{kind}</td><td><code class=\"uri\">{uri}</code></td>\
             <td class=\"traffic\">{bar}{traffic}</td><td>{mirror}</td><td class=\"when\">{created}</td></tr>",
            attr = esc(name),
            link = seg(name),
            name = esc(name),
            state = state_badge(s("provisioningState").unwrap_or("Unknown")),
            auth = or_dash(s("authMode")),
            kind = or_dash(endpoint.get("kind").and_then(Value::as_str)),
            uri = or_dash(s("scoringUri")),
            bar = split_bar(&traffic),
            traffic = traffic_text(&traffic),
            mirror = traffic_text(&mirror),
            created = or_dash(
                endpoint
                    .pointer("/systemData/createdAt")
                    .and_then(Value::as_str)
                    .map(short_time)
                    .as_deref()
            ),
        );
    }
    out.push_str("</tbody></table></div>");
    html(StatusCode::OK, &page)
}

/// `2024-05-01T10:00:00.123Z` as `2024-05-01 10:00:00` (UTC, to the second).
pub(crate) fn short_time(text: &str) -> String {
    text.get(..19).unwrap_or(text).replacen('T', " ", 1)
}
