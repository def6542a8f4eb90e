//! The Logs tab: a deployment's inference-server or storage-initializer log (the `getLogs`
//! action), its last lines, and "follow": the script re-reads `logs.txt` every two seconds; a
//! browser without script reloads the page instead.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::endpoint::{deployment_names, deployment_names_or_page};
use super::html::{esc, seg, Tab};
use super::{html, plain, Cx};

/// Lines shown unless asked otherwise, and the most that can be asked for.
const DEFAULT_TAIL: u64 = 200;
const MAX_TAIL: u64 = 10_000;

/// What the page shows.
struct Selection {
    deployment: String,
    container: &'static str,
    tail: u64,
    follow: bool,
}

fn selection(cx: &Cx, deployments: &[String]) -> Selection {
    let deployment = cx
        .param("deployment")
        .filter(|d| deployments.iter().any(|n| n == d))
        .map(str::to_owned)
        .or_else(|| deployments.first().cloned())
        .unwrap_or_default();
    let container = match cx.param("container") {
        Some(c) if c.eq_ignore_ascii_case("StorageInitializer") => "StorageInitializer",
        _ => "InferenceServer",
    };
    let tail = cx
        .param("tail")
        .and_then(|t| t.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_TAIL)
        .clamp(1, MAX_TAIL);
    Selection {
        deployment,
        container,
        tail,
        follow: cx.param("follow").is_some_and(|f| f == "1" || f == "on"),
    }
}

async fn read(cx: &Cx, endpoint: &str, s: &Selection) -> Result<String, String> {
    let answer = cx
        .api
        .arm(
            "POST",
            &format!(
                "onlineEndpoints/{}/deployments/{}/getLogs",
                seg(endpoint),
                seg(&s.deployment)
            ),
            Some(&json!({"containerType": s.container, "tail": s.tail})),
        )
        .await;
    if !answer.ok() {
        return Err(answer.error_message());
    }
    Ok(answer
        .json()
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned())
}

/// `GET /studio/endpoints/{name}/logs`.
pub(crate) async fn page(cx: &Cx, name: &str) -> Response {
    let deployments = match deployment_names_or_page(cx, name).await {
        Ok(d) => d,
        Err(page) => return page,
    };
    let s = selection(cx, &deployments);
    let mut page = cx.page(format!("{name} · Logs")).endpoint(name, Tab::Logs);
    if deployments.is_empty() {
        page.body
            .push_str("<section class=\"panel\"><p>This endpoint has no deployments, so there are no logs.</p></section>");
        return html(StatusCode::OK, &page);
    }
    let content = read(cx, name, &s).await;
    if s.follow {
        page.refresh = Some(3);
    }
    let out = &mut page.body;
    out.push_str("<nav class=\"subtabs\" aria-label=\"Deployment\"><ul>");
    for d in &deployments {
        let _ = write!(
            out,
            "<li><a href=\"/studio/endpoints/{e}/logs?deployment={dl}&amp;container={c}&amp;tail={t}\"{cur}>{dn}</a></li>",
            e = seg(name),
            dl = seg(d),
            c = s.container,
            t = s.tail,
            cur = if *d == s.deployment { " aria-current=\"page\"" } else { "" },
            dn = esc(d),
        );
    }
    out.push_str("</ul></nav>");
    let _ = write!(
        out,
        "<form method=\"get\" action=\"/studio/endpoints/{e}/logs\" class=\"controls\" id=\"log-form\">\
         <input type=\"hidden\" name=\"deployment\" value=\"{d}\">\
         <fieldset><legend>Container</legend>\
         <label><input type=\"radio\" name=\"container\" value=\"InferenceServer\"{is}> Inference server</label>\
         <label><input type=\"radio\" name=\"container\" value=\"StorageInitializer\"{si}> Storage initializer</label></fieldset>\
         <label for=\"tail\">Lines</label> <input id=\"tail\" name=\"tail\" type=\"number\" min=\"1\" max=\"{MAX_TAIL}\" value=\"{t}\">\
         <label><input type=\"checkbox\" name=\"follow\" value=\"1\" id=\"follow\"{f}> Follow</label>\
         <button type=\"submit\">Show</button></form>",
        e = seg(name),
        d = esc(&s.deployment),
        is = if s.container == "InferenceServer" { " checked" } else { "" },
        si = if s.container == "StorageInitializer" { " checked" } else { "" },
        t = s.tail,
        f = if s.follow { " checked" } else { "" },
    );
    match content {
        Ok(text) => {
            let _ = write!(
                out,
                "<pre class=\"log\" id=\"log\" tabindex=\"0\" aria-label=\"{c} log of {d}\" data-src=\"/studio/endpoints/{e}/logs.txt?deployment={dl}&amp;container={c}&amp;tail={t}\">{body}</pre>",
                c = s.container,
                d = esc(&s.deployment),
                e = seg(name),
                dl = seg(&s.deployment),
                t = s.tail,
                body = if text.is_empty() {
                    "(empty)".to_owned()
                } else {
                    esc(&text).to_string()
                },
            );
        }
        Err(message) => {
            let _ = write!(
                out,
                "<p class=\"notice err\" role=\"alert\">The log could not be read: {}</p>",
                esc(&message)
            );
        }
    }
    html(StatusCode::OK, &page)
}

/// `GET /studio/endpoints/{name}/logs.txt`: the same text, for following.
pub(crate) async fn text(cx: &Cx, name: &str) -> Response {
    let deployments = match deployment_names(cx, name).await {
        Ok(d) => d,
        Err(failure) => return plain(failure.page_status(), failure.message),
    };
    if deployments.is_empty() {
        return plain(StatusCode::NOT_FOUND, "no deployments");
    }
    let s = selection(cx, &deployments);
    match read(cx, name, &s).await {
        Ok(text) => plain(StatusCode::OK, text),
        Err(message) => plain(StatusCode::BAD_GATEWAY, message),
    }
}
