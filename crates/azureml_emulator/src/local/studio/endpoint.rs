//! An endpoint's Details tab: its attributes, the live traffic split with the form that
//! changes it (and mirror traffic), the keys (hidden until asked for), and each deployment
//! (state, instances, instance type and count, model, environment, code, probes, request
//! settings).

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::api::{Answer, Failure};
use super::endpoints::short_time;
use super::html::{esc, facts, or_dash, seg, split_bar, state_badge, traffic_text, Tab};
use super::traffic::{self, TrafficForm};
use super::{code, html, redirect, Cx, Form};
use crate::core::traffic_weights;

/// What a details page shows beyond the endpoint itself.
#[derive(Default)]
struct Extra {
    notices: Vec<(bool, String)>,
    /// Revealed credentials: (label, value) pairs.
    secrets: Vec<(&'static str, String)>,
    /// The values a refused form carried (shown again so they can be fixed).
    form: Option<TrafficForm>,
    status: Option<StatusCode>,
}

/// The endpoint and its deployments, read through ARM.
struct Loaded {
    endpoint: Value,
    deployments: Vec<Value>,
}

async fn load(cx: &Cx, name: &str) -> Result<Loaded, Response> {
    let answer = cx
        .api
        .arm("GET", &format!("onlineEndpoints/{}", seg(name)), None)
        .await;
    if !answer.ok() {
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
        return Err(super::failed(
            cx,
            name,
            status,
            &format!("Endpoint '{name}': {}", answer.error_message()),
        ));
    }
    let deployments = cx
        .api
        .list(&format!("onlineEndpoints/{}/deployments", seg(name)))
        .await
        .map_err(|m| {
            super::failed(
                cx,
                name,
                m.page_status(),
                &format!("The deployments of '{name}' could not be read: {m}"),
            )
        })?;
    Ok(Loaded {
        endpoint: answer.json(),
        deployments,
    })
}

/// `GET /studio/endpoints/{name}`.
pub(crate) async fn details(cx: &Cx, name: &str) -> Response {
    let mut extra = Extra::default();
    match cx.param("done") {
        Some("traffic") => extra.notices.push((true, "Traffic updated.".into())),
        Some("keys") => extra.notices.push((
            true,
            "Key regenerated. Callers using the old key now get 401.".into(),
        )),
        _ => {}
    }
    if cx.param("pending").is_some() {
        extra.notices.push((
            true,
            "The change was accepted; its operation is still running (the state below shows it)."
                .into(),
        ));
    }
    render(cx, name, extra).await
}

async fn render(cx: &Cx, name: &str, extra: Extra) -> Response {
    let loaded = match load(cx, name).await {
        Ok(l) => l,
        Err(response) => return response,
    };
    let mut page = cx.page(name.to_owned()).endpoint(name, Tab::Details);
    for (ok, text) in &extra.notices {
        page.notice(*ok, text.clone());
    }
    let e = &loaded.endpoint;
    let props = e.get("properties").cloned().unwrap_or(Value::Null);
    let s = |k: &str| props.get(k).and_then(Value::as_str);
    let out = &mut page.body;

    out.push_str("<div class=\"cols\"><section class=\"panel\" aria-labelledby=\"attrs\"><h2 id=\"attrs\">Attributes</h2>");
    let tags = e
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "<span class=\"chip\">{}: {}</span>",
                        esc(k),
                        esc(v.as_str().unwrap_or(&v.to_string()))
                    )
                })
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| or_dash(None));
    facts(
        out,
        &[
            ("Name", esc(name).to_string()),
            ("Description", or_dash(s("description"))),
            (
                "Provisioning state",
                state_badge(s("provisioningState").unwrap_or("Unknown")),
            ),
            ("Authentication type", or_dash(s("authMode"))),
            (
                "Compute type",
                or_dash(e.get("kind").and_then(Value::as_str)),
            ),
            ("Scoring URI", s("scoringUri").map(code).unwrap_or_default()),
            ("Swagger URI", s("swaggerUri").map(code).unwrap_or_default()),
            ("Public network access", or_dash(s("publicNetworkAccess"))),
            (
                "Identity",
                or_dash(e.pointer("/identity/type").and_then(Value::as_str)),
            ),
            (
                "Created on",
                or_dash(
                    e.pointer("/systemData/createdAt")
                        .and_then(Value::as_str)
                        .map(short_time)
                        .as_deref(),
                ),
            ),
            (
                "Last updated",
                or_dash(
                    e.pointer("/systemData/lastModifiedAt")
                        .and_then(Value::as_str)
                        .map(short_time)
                        .as_deref(),
                ),
            ),
            ("Tags", tags),
        ],
    );
    out.push_str("</section>");
    keys_panel(out, cx, name, s("authMode").unwrap_or(""), &extra.secrets);
    out.push_str("</div>");

    traffic_panel(out, cx, name, &loaded, extra.form.as_ref());
    deployments_panel(out, cx, name, &loaded);
    html(extra.status.unwrap_or(StatusCode::OK), &page)
}

fn keys_panel(
    out: &mut String,
    cx: &Cx,
    name: &str,
    auth_mode: &str,
    secrets: &[(&'static str, String)],
) {
    out.push_str(
        "<section class=\"panel\" id=\"consume\" aria-labelledby=\"consume-h\"><h2 id=\"consume-h\">Consume</h2>",
    );
    let action = format!("/studio/endpoints/{}/keys", seg(name));
    if !secrets.is_empty() {
        out.push_str("<dl class=\"facts secrets\" id=\"keys\">");
        for (label, value) in secrets {
            let _ = write!(
                out,
                "<dt>{}</dt><dd><code class=\"secret\">{}</code></dd>",
                esc(label),
                esc(value)
            );
        }
        out.push_str("</dl><p class=\"muted\">Shown once, for this page only (never cached). Reload to hide.</p>");
    }
    match auth_mode {
        "Key" => {
            if secrets.is_empty() {
                out.push_str("<p>The endpoint's keys are hidden.</p>");
            }
            let _ = write!(
                out,
                "<form method=\"post\" action=\"{action}\" class=\"inline\">\
                 <button type=\"submit\" name=\"action\" value=\"show\">Show keys</button>\
                 <button type=\"submit\" name=\"action\" value=\"regenerate-primary\" class=\"secondary\">Regenerate primary key</button>\
                 <button type=\"submit\" name=\"action\" value=\"regenerate-secondary\" class=\"secondary\">Regenerate secondary key</button></form>",
            );
        }
        "AMLToken" => {
            if secrets.is_empty() {
                out.push_str("<p>The endpoint takes AML tokens (valid one hour).</p>");
            }
            let _ = write!(
                out,
                "<form method=\"post\" action=\"{action}\" class=\"inline\"><button type=\"submit\" name=\"action\" value=\"token\">Get a token</button></form>"
            );
        }
        other => {
            let _ = write!(
                out,
                "<p>Authentication type {}: callers present a Microsoft Entra token for <code>https://ml.azure.com</code>; offline any bearer token is taken.</p>",
                esc(other)
            );
        }
    }
    if !cx.signed_in {
        out.push_str("<p class=\"muted\">Showing or regenerating keys needs this run's studio token (<a href=\"/studio/login\">enter it</a>).</p>");
    }
    out.push_str("</section>");
}

fn traffic_panel(
    out: &mut String,
    cx: &Cx,
    name: &str,
    loaded: &Loaded,
    form: Option<&TrafficForm>,
) {
    let traffic = traffic_weights(&loaded.endpoint, "traffic");
    let mirror = traffic_weights(&loaded.endpoint, "mirrorTraffic");
    let _ = write!(
        out,
        "<section class=\"panel\" id=\"traffic\" aria-labelledby=\"traffic-h\"><h2 id=\"traffic-h\">Traffic allocation</h2>\
         <p class=\"split-now\">{bar}<span id=\"live-traffic\">Live: {t}</span> · <span id=\"mirror-traffic\">Mirror: {m}</span></p>",
        bar = split_bar(&traffic),
        t = traffic_text(&traffic),
        m = traffic_text(&mirror),
    );
    if loaded.deployments.is_empty() {
        out.push_str("<p>No deployments yet: traffic goes nowhere (calls get 404 unless pinned).</p></section>");
        return;
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/studio/endpoints/{}/traffic\" id=\"traffic-form\" data-traffic-form>\
         <table class=\"list\"><caption class=\"sr\">Traffic per deployment</caption><thead><tr><th scope=\"col\">Deployment</th><th scope=\"col\">State</th>\
         <th scope=\"col\">Live traffic (%)</th><th scope=\"col\">Mirror traffic (%)</th></tr></thead><tbody>",
        seg(name)
    );
    for d in &loaded.deployments {
        let dn = d.get("name").and_then(Value::as_str).unwrap_or("");
        let state = d
            .pointer("/properties/provisioningState")
            .and_then(Value::as_str)
            .unwrap_or("Unknown");
        let live = form
            .and_then(|f| f.traffic.get(dn).copied())
            .or_else(|| traffic.get(dn).copied())
            .unwrap_or(0);
        let mirrored = form
            .and_then(|f| f.mirror.get(dn).copied())
            .or_else(|| mirror.get(dn).copied())
            .unwrap_or(0);
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{n}</th><td>{badge}</td>\
             <td><input type=\"number\" min=\"0\" max=\"100\" step=\"1\" inputmode=\"numeric\" name=\"traffic.{n}\" id=\"traffic-{n}\" value=\"{live}\" aria-label=\"Live traffic to {n} (percent)\" data-live></td>\
             <td><input type=\"number\" min=\"0\" max=\"50\" step=\"1\" inputmode=\"numeric\" name=\"mirror.{n}\" id=\"mirror-{n}\" value=\"{mirrored}\" aria-label=\"Mirror traffic to {n} (percent)\"></td></tr>",
            n = esc(dn),
            badge = state_badge(state),
        );
    }
    out.push_str(
        "</tbody></table><p class=\"hint\">Whole percentages: live traffic adds up to 100 (or is all 0); \
         mirror traffic copies at most 50 % of live calls to one deployment that gets no live traffic. \
         <output id=\"traffic-sum\" aria-live=\"polite\"></output></p>\
         <button type=\"submit\">Update traffic</button>",
    );
    if !cx.signed_in {
        out.push_str(" <span class=\"muted\">Changes need this run's studio token (<a href=\"/studio/login\">enter it</a>).</span>");
    }
    out.push_str("</form></section>");
}

fn deployments_panel(out: &mut String, cx: &Cx, name: &str, loaded: &Loaded) {
    let traffic = traffic_weights(&loaded.endpoint, "traffic");
    let mirror = traffic_weights(&loaded.endpoint, "mirrorTraffic");
    let _ = write!(
        out,
        "<section id=\"deployments\" aria-labelledby=\"deployments-h\"><h2 id=\"deployments-h\">Deployments ({})</h2>",
        loaded.deployments.len()
    );
    for d in &loaded.deployments {
        let dn = d.get("name").and_then(Value::as_str).unwrap_or("");
        let p = d.get("properties").cloned().unwrap_or(Value::Null);
        let s = |k: &str| p.get(k).and_then(Value::as_str);
        let instances = cx.shared.registry.instances(name, dn);
        let ready = instances.iter().filter(|i| i.ready).count();
        let serving = if instances.is_empty() {
            "<span class=\"muted\">no processes</span>".to_owned()
        } else {
            let list: Vec<String> = instances
                .iter()
                .map(|i| {
                    format!(
                        "pid {} on :{} ({}{})",
                        i.pid,
                        i.port,
                        if i.ready { "ready" } else { "not ready" },
                        if i.restarts > 0 {
                            format!(", {} restarts", i.restarts)
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            format!(
                "{ready} of {} ready <span class=\"muted\">({})</span>",
                instances.len(),
                esc(&list.join("; "))
            )
        };
        let env_vars = p
            .get("environmentVariables")
            .and_then(Value::as_object)
            .map(|m| {
                m.keys()
                    .map(|k| esc(k).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|t| !t.is_empty());
        let _ = write!(
            out,
            "<article class=\"panel deployment\" id=\"deployment-{n}\" data-deployment=\"{n}\" aria-labelledby=\"dh-{n}\">\
             <h3 id=\"dh-{n}\">{n} {badge}</h3>",
            n = esc(dn),
            badge = state_badge(s("provisioningState").unwrap_or("Unknown")),
        );
        facts(
            out,
            &[
                (
                    "Live traffic",
                    format!("{} %", traffic.get(dn).copied().unwrap_or(0)),
                ),
                (
                    "Mirror traffic",
                    format!("{} %", mirror.get(dn).copied().unwrap_or(0)),
                ),
                ("Instances", serving),
                ("Instance type", or_dash(s("instanceType"))),
                (
                    "Instance count",
                    d.pointer("/sku/capacity")
                        .and_then(Value::as_u64)
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| or_dash(None)),
                ),
                (
                    "Scale type",
                    or_dash(
                        p.pointer("/scaleSettings/scaleType")
                            .and_then(Value::as_str),
                    ),
                ),
                ("Model", asset_ref(s("model"))),
                ("Environment", asset_ref(s("environmentId"))),
                (
                    "Code",
                    match (
                        p.pointer("/codeConfiguration/codeId")
                            .and_then(Value::as_str),
                        p.pointer("/codeConfiguration/scoringScript")
                            .and_then(Value::as_str),
                    ) {
                        (Some(code_id), Some(script)) => {
                            format!("{} · {}", asset_ref(Some(code_id)), code(script))
                        }
                        (None, Some(script)) => code(script),
                        (Some(code_id), None) => asset_ref(Some(code_id)),
                        (None, None) => or_dash(None),
                    },
                ),
                ("Readiness probe", probe(p.get("readinessProbe"))),
                ("Liveness probe", probe(p.get("livenessProbe"))),
                (
                    "Request settings",
                    request_settings(p.get("requestSettings")),
                ),
                (
                    "Data collection",
                    if p.get("dataCollector").is_some_and(|v| !v.is_null()) {
                        "enabled".to_owned()
                    } else {
                        or_dash(None)
                    },
                ),
                (
                    "Environment variables",
                    env_vars
                        .map(|names| {
                            format!("{names} <span class=\"muted\">(values hidden)</span>")
                        })
                        .unwrap_or_else(|| or_dash(None)),
                ),
                (
                    "Created on",
                    or_dash(
                        d.pointer("/systemData/createdAt")
                            .and_then(Value::as_str)
                            .map(short_time)
                            .as_deref(),
                    ),
                ),
            ],
        );
        let _ = write!(
            out,
            "<p class=\"links\"><a href=\"/studio/endpoints/{e}/logs?deployment={d}\">Logs</a> · \
             <a href=\"/studio/endpoints/{e}/monitoring?deployment={d}\">Metrics</a> · \
             <a href=\"/studio/endpoints/{e}/test?deployment={d}\">Test</a></p></article>",
            e = seg(name),
            d = seg(dn),
        );
    }
    out.push_str("</section>");
}

/// An asset's ARM id (`…/models/{name}/versions/{version}`) or `azureml:` reference as
/// `name:version`, the full reference in a tooltip.
fn asset_ref(reference: Option<&str>) -> String {
    let Some(r) = reference.filter(|r| !r.is_empty()) else {
        return or_dash(None);
    };
    let parts: Vec<&str> = r.split('/').collect();
    let short = match parts.as_slice() {
        [.., kind, name, "versions", version]
            if matches!(*kind, "models" | "environments" | "codes") =>
        {
            format!("{name}:{version}")
        }
        _ => r.strip_prefix("azureml:").unwrap_or(r).to_owned(),
    };
    format!("<span title=\"{}\">{}</span>", esc(r), esc(&short))
}

/// `PT1M30S` as `1 min 30 s` (other text as it is).
pub(crate) fn duration(text: &str) -> String {
    let Some(rest) = text.strip_prefix("PT") else {
        return text.to_owned();
    };
    let mut out = Vec::new();
    let mut number = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'H' => out.push(format!("{number} h")),
            'M' => out.push(format!("{number} min")),
            'S' => out.push(format!("{number} s")),
            _ => return text.to_owned(),
        }
        if !c.is_ascii_digit() && c != '.' {
            number.clear();
        }
    }
    if out.is_empty() {
        text.to_owned()
    } else {
        out.join(" ")
    }
}

fn probe(value: Option<&Value>) -> String {
    let Some(p) = value.filter(|v| v.is_object()) else {
        return or_dash(None);
    };
    let t = |k: &str| p.get(k).and_then(Value::as_str).map(duration);
    let n = |k: &str| p.get(k).and_then(Value::as_u64);
    let mut parts = Vec::new();
    if let Some(v) = t("initialDelay") {
        parts.push(format!("initial delay {v}"));
    }
    if let Some(v) = t("period") {
        parts.push(format!("every {v}"));
    }
    if let Some(v) = t("timeout") {
        parts.push(format!("timeout {v}"));
    }
    if let Some(v) = n("failureThreshold") {
        parts.push(format!("failure threshold {v}"));
    }
    if let Some(v) = n("successThreshold") {
        parts.push(format!("success threshold {v}"));
    }
    esc(&parts.join(", ")).to_string()
}

fn request_settings(value: Option<&Value>) -> String {
    let Some(r) = value.filter(|v| v.is_object()) else {
        return or_dash(None);
    };
    let mut parts = Vec::new();
    if let Some(v) = r.get("requestTimeout").and_then(Value::as_str) {
        parts.push(format!("timeout {}", duration(v)));
    }
    if let Some(v) = r
        .get("maxConcurrentRequestsPerInstance")
        .and_then(Value::as_u64)
    {
        parts.push(format!("{v} concurrent per instance"));
    }
    if let Some(v) = r.get("maxQueueWait").and_then(Value::as_str) {
        parts.push(format!("max queue wait {}", duration(v)));
    }
    if parts.is_empty() {
        return or_dash(None);
    }
    esc(&parts.join(", ")).to_string()
}

/// `POST /studio/endpoints/{name}/traffic`: the SDK's checks, then the endpoint PUT and its
/// operation, then back to the page.
pub(crate) async fn change_traffic(cx: &Cx, name: &str, form: &Form) -> Response {
    let refused = |form: Option<TrafficForm>, message: String| Extra {
        notices: vec![(false, message)],
        form,
        status: Some(StatusCode::BAD_REQUEST),
        ..Extra::default()
    };
    let parsed = match traffic::parse(form) {
        Ok(p) => p,
        Err(e) => {
            return render(cx, name, refused(None, format!("Traffic not changed: {e}"))).await
        }
    };
    let checked = match traffic::validate(&parsed) {
        Ok(c) => c,
        Err(e) => {
            return render(
                cx,
                name,
                refused(Some(parsed), format!("Traffic not changed: {e}")),
            )
            .await
        }
    };
    let current = cx
        .api
        .arm("GET", &format!("onlineEndpoints/{}", seg(name)), None)
        .await;
    if !current.ok() {
        return render(
            cx,
            name,
            refused(
                Some(parsed),
                format!("Traffic not changed: {}", current.error_message()),
            ),
        )
        .await;
    }
    let body = traffic::put_body(&current.json(), &checked);
    let answer = cx
        .api
        .arm(
            "PUT",
            &format!("onlineEndpoints/{}", seg(name)),
            Some(&body),
        )
        .await;
    finish(cx, name, answer, "traffic", Some(parsed)).await
}

/// After a change was sent: follows its operation, then redirects to the page (or shows why
/// it failed).
async fn finish(
    cx: &Cx,
    name: &str,
    answer: Answer,
    what: &str,
    form: Option<TrafficForm>,
) -> Response {
    let page = format!("/studio/endpoints/{}", seg(name));
    if !answer.ok() {
        let status = StatusCode::from_u16(answer.status)
            .ok()
            .filter(|s| s.is_client_error())
            .unwrap_or(StatusCode::BAD_GATEWAY);
        let extra = Extra {
            notices: vec![(
                false,
                format!(
                    "The workspace refused the change: {}",
                    answer.error_message()
                ),
            )],
            form,
            status: Some(status),
            ..Extra::default()
        };
        return render(cx, name, extra).await;
    }
    match cx.api.follow(&answer).await {
        Ok(true) => redirect(&format!("{page}?done={what}#{}", anchor(what))),
        Ok(false) => redirect(&format!("{page}?pending=1")),
        Err(message) => {
            let extra = Extra {
                notices: vec![(false, format!("The change's operation failed: {message}"))],
                form,
                status: Some(StatusCode::CONFLICT),
                ..Extra::default()
            };
            render(cx, name, extra).await
        }
    }
}

fn anchor(what: &str) -> &'static str {
    if what == "traffic" {
        "traffic"
    } else {
        "consume"
    }
}

/// `POST /studio/endpoints/{name}/keys`: show the keys (or a token), or regenerate one key.
pub(crate) async fn keys(cx: &Cx, name: &str, form: &Form) -> Response {
    let base = format!("onlineEndpoints/{}", seg(name));
    match form.get("action").unwrap_or("") {
        "show" => {
            let answer = cx.api.arm("POST", &format!("{base}/listKeys"), None).await;
            if !answer.ok() {
                return failed_render(cx, name, &answer).await;
            }
            let body = answer.json();
            let key = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let extra = Extra {
                secrets: vec![
                    ("Primary key", key("primaryKey")),
                    ("Secondary key", key("secondaryKey")),
                ],
                ..Extra::default()
            };
            render(cx, name, extra).await
        }
        "token" => {
            let answer = cx.api.arm("POST", &format!("{base}/token"), None).await;
            if !answer.ok() {
                return failed_render(cx, name, &answer).await;
            }
            let body = answer.json();
            let expiry = body
                .get("expiryTimeUtc")
                .and_then(Value::as_i64)
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(|t| format!("{t}"))
                .unwrap_or_default();
            let extra = Extra {
                secrets: vec![
                    (
                        "Access token",
                        body.get("accessToken")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                    ),
                    ("Expires", expiry),
                ],
                ..Extra::default()
            };
            render(cx, name, extra).await
        }
        action @ ("regenerate-primary" | "regenerate-secondary") => {
            let key_type = if action.ends_with("primary") {
                "Primary"
            } else {
                "Secondary"
            };
            let answer = cx
                .api
                .arm(
                    "POST",
                    &format!("{base}/regenerateKeys"),
                    Some(&json!({ "keyType": key_type })),
                )
                .await;
            finish(cx, name, answer, "keys", None).await
        }
        other => {
            let extra = Extra {
                notices: vec![(false, format!("Unknown key action '{other}'."))],
                status: Some(StatusCode::BAD_REQUEST),
                ..Extra::default()
            };
            render(cx, name, extra).await
        }
    }
}

async fn failed_render(cx: &Cx, name: &str, answer: &Answer) -> Response {
    let extra = Extra {
        notices: vec![(false, answer.error_message())],
        status: Some(
            StatusCode::from_u16(answer.status)
                .ok()
                .filter(|s| s.is_client_error())
                .unwrap_or(StatusCode::BAD_GATEWAY),
        ),
        ..Extra::default()
    };
    render(cx, name, extra).await
}

/// Deployment names of an endpoint's page in name order (used by the other tabs).
pub(crate) async fn deployment_names(cx: &Cx, name: &str) -> Result<Vec<String>, Failure> {
    let list = cx
        .api
        .list(&format!("onlineEndpoints/{}/deployments", seg(name)))
        .await?;
    let mut names: Vec<String> = list
        .iter()
        .filter_map(|d| d.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// [`deployment_names`] for a page, or the page saying why not.
pub(crate) async fn deployment_names_or_page(cx: &Cx, name: &str) -> Result<Vec<String>, Response> {
    deployment_names(cx, name).await.map_err(|failure| {
        super::failed(
            cx,
            name,
            failure.page_status(),
            &format!("Endpoint '{name}': {failure}"),
        )
    })
}

/// The endpoint resource (for the other tabs), or the page saying why not.
pub(crate) async fn endpoint_resource(cx: &Cx, name: &str) -> Result<Value, Response> {
    let answer = cx
        .api
        .arm("GET", &format!("onlineEndpoints/{}", seg(name)), None)
        .await;
    if answer.ok() {
        Ok(answer.json())
    } else {
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
        Err(super::failed(
            cx,
            name,
            status,
            &format!("Endpoint '{name}': {}", answer.error_message()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_durations_read_like_studio() {
        assert_eq!(
            asset_ref(Some("/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/models/churn/versions/3")),
            "<span title=\"/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/models/churn/versions/3\">churn:3</span>"
        );
        assert!(asset_ref(Some("azureml:env:1")).contains(">env:1<"));
        assert!(asset_ref(Some("<x>")).contains("&lt;x&gt;"));
        assert!(asset_ref(None).contains("–"));
        assert_eq!(duration("PT30S"), "30 s");
        assert_eq!(duration("PT1M30S"), "1 min 30 s");
        assert_eq!(duration("PT0.5S"), "0.5 s");
        assert_eq!(duration("PT1H"), "1 h");
        assert_eq!(duration("P1D"), "P1D");
        assert_eq!(duration("PTxS"), "PTxS");
    }
}
