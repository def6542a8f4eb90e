//! The Test tab: a request editor that calls the endpoint's scoring URI (through the traffic
//! split, or pinned to one deployment with `azureml-model-deployment`) with the endpoint's own
//! credential, and shows the answer.

use std::fmt::Write as _;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use super::endpoint::{deployment_names_or_page, endpoint_resource};
use super::html::{esc, seg, Tab};
use super::{html, Cx, Form};

/// What one test call came back with.
struct Outcome {
    status: u16,
    deployment: Option<String>,
    millis: u128,
    content_type: Option<String>,
    body: String,
}

/// `GET /studio/endpoints/{name}/test`.
pub(crate) async fn page(cx: &Cx, name: &str) -> Response {
    let deployment = cx.param("deployment").unwrap_or("").to_owned();
    render(cx, name, &deployment, "", None, None).await
}

/// `POST /studio/endpoints/{name}/test`: one call, then the page with the answer.
pub(crate) async fn call(cx: &Cx, name: &str, form: &Form) -> Response {
    let deployment = form.get("deployment").unwrap_or("").trim().to_owned();
    let body = form.get("body").unwrap_or("").to_owned();
    let endpoint = match endpoint_resource(cx, name).await {
        Ok(e) => e,
        Err(response) => return response,
    };
    let auth_mode = endpoint
        .pointer("/properties/authMode")
        .and_then(Value::as_str)
        .unwrap_or("Key");
    let authorization = match credential(cx, name, auth_mode).await {
        Ok(a) => a,
        Err(message) => {
            return render(
                cx,
                name,
                &deployment,
                &body,
                None,
                Some(format!("No credential for the call: {message}")),
            )
            .await
        }
    };
    let started = Instant::now();
    let answer = cx
        .api
        .score(
            name,
            &authorization,
            Some(deployment.as_str()).filter(|d| !d.is_empty()),
            "application/json",
            Bytes::from(body.clone()),
        )
        .await;
    let outcome = Outcome {
        status: answer.status,
        deployment: answer
            .header(crate::core::MODEL_DEPLOYMENT_HEADER)
            .map(str::to_owned),
        millis: started.elapsed().as_millis(),
        content_type: answer.header("content-type").map(str::to_owned),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
    };
    render(cx, name, &deployment, &body, Some(outcome), None).await
}

/// The `Authorization` value a caller of this endpoint presents: a key or a token from the
/// endpoint's action for its auth mode, else an Entra ID token.
async fn credential(cx: &Cx, name: &str, auth_mode: &str) -> Result<String, String> {
    let (action, field, missing) = match auth_mode {
        "Key" => ("listKeys", "primaryKey", "listKeys returned no primary key"),
        "AMLToken" => ("token", "accessToken", "the token action returned no token"),
        _ => {
            return Ok(format!(
                "Bearer {}",
                crate::core::fake_access_token("https://ml.azure.com/.default")
            ))
        }
    };
    let path = format!("onlineEndpoints/{}/{action}", seg(name));
    let answer = cx.api.arm("POST", &path, None).await;
    if !answer.ok() {
        return Err(answer.error_message());
    }
    answer
        .json()
        .get(field)
        .and_then(Value::as_str)
        .map(|secret| format!("Bearer {secret}"))
        .ok_or_else(|| missing.to_owned())
}

async fn render(
    cx: &Cx,
    name: &str,
    deployment: &str,
    body: &str,
    outcome: Option<Outcome>,
    error: Option<String>,
) -> Response {
    let deployments = match deployment_names_or_page(cx, name).await {
        Ok(d) => d,
        Err(page) => return page,
    };
    let mut page = cx.page(format!("{name} · Test")).endpoint(name, Tab::Test);
    if let Some(e) = error {
        page.notice(false, e);
    }
    let out = &mut page.body;
    let _ = write!(
        out,
        "<div class=\"cols\"><section class=\"panel\" aria-labelledby=\"req-h\"><h2 id=\"req-h\">Request</h2>\
         <form method=\"post\" action=\"/studio/endpoints/{}/test\" id=\"test-form\">\
         <label for=\"deployment\">Deployment</label> <select id=\"deployment\" name=\"deployment\">\
         <option value=\"\"{}>Traffic split (no pin)</option>",
        seg(name),
        if deployment.is_empty() { " selected" } else { "" }
    );
    for d in &deployments {
        let _ = write!(
            out,
            "<option value=\"{n}\"{sel}>{n}</option>",
            n = esc(d),
            sel = if d == deployment { " selected" } else { "" }
        );
    }
    let _ = write!(
        out,
        "</select><label for=\"body\">Input data (request body, sent as <code>application/json</code>)</label>\
         <textarea id=\"body\" name=\"body\" rows=\"12\" spellcheck=\"false\" placeholder=\"{{&quot;data&quot;: [[…]]}}\">{}</textarea>\
         <button type=\"submit\">Test</button>",
        esc(body)
    );
    if !cx.signed_in {
        out.push_str(" <span class=\"muted\">Test calls use the endpoint's key and need this run's studio token (<a href=\"/studio/login\">enter it</a>).</span>");
    }
    out.push_str("</form></section><section class=\"panel\" aria-labelledby=\"res-h\" id=\"result\" aria-live=\"polite\"><h2 id=\"res-h\">Test result</h2>");
    match outcome {
        None => out.push_str("<p class=\"muted\">Send a request to see the answer here.</p>"),
        Some(o) => {
            let class = if (200..300).contains(&o.status) {
                "good"
            } else {
                "bad"
            };
            let _ = write!(
                out,
                "<p><span class=\"badge {class}\" id=\"result-status\">{}</span> in {} ms{}{}</p>",
                o.status,
                o.millis,
                o.deployment
                    .as_deref()
                    .map(|d| format!(
                        " · answered by <strong id=\"result-deployment\">{}</strong>",
                        esc(d)
                    ))
                    .unwrap_or_default(),
                o.content_type
                    .as_deref()
                    .map(|c| format!(" · <code>{}</code>", esc(c)))
                    .unwrap_or_default(),
            );
            let _ = write!(
                out,
                "<pre class=\"answer\" id=\"result-body\" tabindex=\"0\">{}</pre>",
                esc(&pretty(&o.body))
            );
            // Scoring scripts that `return json.dumps(…)` answer a JSON string holding JSON.
            if let Some(inner) = double_encoded(&o.body) {
                let _ = write!(
                    out,
                    "<p class=\"muted\">The model returned JSON inside a JSON string; decoded:</p>\
                     <pre class=\"answer\" id=\"result-decoded\" tabindex=\"0\">{}</pre>",
                    esc(&inner)
                );
            }
        }
    }
    out.push_str("</section></div>");
    html(StatusCode::OK, &page)
}

/// JSON pretty-printed; anything else as it came.
fn pretty(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// The pretty inner JSON of a JSON string that holds JSON.
fn double_encoded(body: &str) -> Option<String> {
    let Ok(Value::String(inner)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    let value: Value = serde_json::from_str(&inner).ok()?;
    serde_json::to_string_pretty(&value).ok()
}
