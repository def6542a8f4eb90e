//! Studio, offline: the endpoint pages of Azure Machine Learning studio, served by the offline
//! workspace's own HTTPS server under `/studio`.
//!
//! | page | path |
//! |---|---|
//! | Endpoints (state, auth mode, scoring URI, traffic) | `GET /studio` |
//! | Endpoint details (deployments, traffic form, mirror traffic, keys) | `GET /studio/endpoints/{name}` |
//! | Test (request editor, optionally pinned to a deployment) | `GET/POST /studio/endpoints/{name}/test` |
//! | Monitoring (charts, autoscale settings, scale activity) | `GET /studio/endpoints/{name}/monitoring` |
//! | Logs (inference server, storage initializer; tail and follow) | `GET /studio/endpoints/{name}/logs` |
//!
//! Every page reads the workspace through the same ARM, metrics and scoring requests a client
//! sends (handed to the server's request handler in process, see [`api`]), and every change
//! is such a request too: a traffic change is the endpoint PUT the SDK sends, followed by its
//! operation, so state, operations and persistence are what they are for any client.
//!
//! # Safety
//!
//! * The server listens on loopback only, and Studio answers only connections from loopback
//!   whose `Host` names this server on loopback (`127.0.0.1`, `localhost`, `[::1]` with its
//!   port), which defeats DNS rebinding.
//! * A change (traffic, key regeneration, showing keys, a test call made with the endpoint's
//!   key) needs this run's token (printed in `azml local start`'s banner, from
//!   [`LocalWorkspace::studio_url`](crate::local::LocalWorkspace::studio_url)) in a cookie or
//!   a `token` form field, and a same-origin request (`Origin`, else `Sec-Fetch-Site`).
//! * Pages are `Cache-Control: no-store`, framed by nobody, and run only the server's own
//!   script and stylesheet (`Content-Security-Policy`). Nothing secret is logged.

mod api;
mod endpoint;
mod endpoints;
pub(crate) mod gate;
mod html;
mod logs;
mod monitoring;
mod svg;
mod test_tab;
#[cfg(test)]
mod tests;
mod traffic;

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use bytes::Bytes;

use crate::local::https::PeerAddr;
use crate::local::shared::Shared;
use api::Api;
use html::{esc, Page};

/// The largest form Studio reads (a test request body included).
pub(crate) const MAX_FORM: usize = 1024 * 1024;

const CSS: &str = include_str!("studio.css");
const JS: &str = include_str!("studio.js");

/// `?v=` of the stylesheet and script: changes with their content, so they can be cached.
fn asset_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a: a content tag, not a security measure.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in CSS.bytes().chain(JS.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{:08x}", h >> 32)
    })
}

/// The content version of the assets (see [`asset_version`]).
pub(crate) struct AssetVersion;

impl std::fmt::Display for AssetVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(asset_version())
    }
}

/// `?v=` of the stylesheet and script links.
pub(crate) const ASSET_VERSION: AssetVersion = AssetVersion;

/// What a page handler gets: the workspace (through [`Api`]), the request and who asks.
pub(crate) struct Cx {
    pub(crate) api: Api,
    pub(crate) shared: Arc<Shared>,
    /// The browser holds this run's token (cookie).
    pub(crate) signed_in: bool,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) workspace: String,
}

impl Cx {
    /// The first query parameter named `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn page<'a>(&'a self, title: impl Into<String>) -> Page<'a> {
        Page::new(&self.workspace, self.signed_in, title)
    }
}

/// A parsed form.
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first field named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every field.
    pub(crate) fn fields(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Answers a request under `/studio`.
pub(crate) async fn serve(shared: Arc<Shared>, parts: Parts, body: Bytes) -> Response {
    if let Some(PeerAddr(peer)) = parts.extensions.get::<PeerAddr>() {
        if !peer.ip().is_loopback() {
            return plain(StatusCode::FORBIDDEN, "Studio answers on loopback only.");
        }
    }
    let port = shared.port();
    let Some(host) = loopback_host(&parts, port) else {
        return plain(
            StatusCode::MISDIRECTED_REQUEST,
            "Studio answers only to https://127.0.0.1, https://localhost or https://[::1] on this server's port.",
        );
    };
    let cookie_name = cookie_name(port);
    let signed_in =
        cookie(&parts.headers, &cookie_name).is_some_and(|t| shared.studio().accepts(t));
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let path = parts.uri.path().trim_end_matches('/').to_owned();
    let segments: Vec<String> = path
        .split('/')
        .skip(2)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();

    // Static assets: not secret, cached by content version.
    if parts.method == Method::GET {
        match segments.as_slice() {
            ["static", "studio.css"] => return asset(CSS, "text/css; charset=utf-8"),
            ["static", "studio.js"] => return asset(JS, "text/javascript; charset=utf-8"),
            _ => {}
        }
    }

    let workspace = shared.workspace_name().to_owned();
    let cx = Cx {
        api: Api::new(shared.clone()),
        shared: shared.clone(),
        signed_in,
        query,
        workspace,
    };

    // The link from the banner: `?token=…` becomes a cookie, and the token leaves the URL.
    if parts.method == Method::GET && segments.is_empty() {
        if let Some(token) = cx.param("token") {
            return if shared.studio().accepts(token) {
                signed_in_redirect(&cookie_name, shared.studio().token(), "/studio")
            } else {
                login_page(&cx, Some("That link's token is not this run's: copy the link from the banner of the running `azml local start`."), StatusCode::FORBIDDEN)
            };
        }
    }

    if parts.method == Method::POST {
        let form = Form::parse(&body);
        if !same_origin(&parts.headers, &host) {
            return refused(
                &cx,
                "The change was refused: it did not come from a Studio page of this server (its Origin is missing or another site's).",
            );
        }
        if segments.as_slice() == ["login"] {
            return match form.get("token") {
                Some(t) if shared.studio().accepts(t.trim()) => {
                    signed_in_redirect(&cookie_name, shared.studio().token(), "/studio")
                }
                _ => login_page(
                    &cx,
                    Some("That is not this run's token."),
                    StatusCode::FORBIDDEN,
                ),
            };
        }
        if segments.as_slice() == ["logout"] {
            return redirect_with_cookie(
                "/studio",
                &format!(
                    "{cookie_name}=; Path=/studio; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
                ),
            );
        }
        let presented = form
            .get("token")
            .or_else(|| header_str(&parts.headers, "x-studio-token"));
        let authorized = signed_in || presented.is_some_and(|t| shared.studio().accepts(t));
        if !authorized {
            return refused(
                &cx,
                "The change was refused: it needs this run's studio token. Open the Studio link printed by `azml local start` (it carries the token), or enter the token.",
            );
        }
        return match segments.as_slice() {
            ["endpoints", name, "traffic"] => endpoint::change_traffic(&cx, name, &form).await,
            ["endpoints", name, "keys"] => endpoint::keys(&cx, name, &form).await,
            ["endpoints", name, "test"] => test_tab::call(&cx, name, &form).await,
            _ => not_found(&cx),
        };
    }
    if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "Studio pages take GET and POST.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        return response;
    }
    match segments.as_slice() {
        [] => endpoints::list(&cx).await,
        ["login"] => login_page(&cx, None, StatusCode::OK),
        ["endpoints", name] => endpoint::details(&cx, name).await,
        ["endpoints", name, "test"] => test_tab::page(&cx, name).await,
        ["endpoints", name, "monitoring"] => monitoring::page(&cx, name).await,
        ["endpoints", name, "logs"] => logs::page(&cx, name).await,
        ["endpoints", name, "logs.txt"] => logs::text(&cx, name).await,
        _ => not_found(&cx),
    }
}

/// The request's host when it names this server on loopback (`Host`, or the HTTP/2 authority).
fn loopback_host(parts: &Parts, port: u16) -> Option<String> {
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| header_str(&parts.headers, "host").map(str::to_owned))?;
    let host = host.to_ascii_lowercase();
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"))
        .then_some(host)
}

/// A POST from a page of this origin: `Origin` is `https://{host}`; without `Origin`,
/// `Sec-Fetch-Site: same-origin`. Anything else (no header at all included) is refused.
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    match header_str(headers, "origin") {
        Some(origin) => origin.eq_ignore_ascii_case(&format!("https://{host}")),
        None => header_str(headers, "sec-fetch-site") == Some("same-origin"),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The cookie holding the token: per port (cookies are shared by every port of a host).
fn cookie_name(port: u16) -> String {
    format!("azml-studio-{port}")
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Headers every Studio answer carries.
fn harden(headers: &mut HeaderMap, cacheable: bool) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CACHE_CONTROL,
        if cacheable {
            "public, max-age=86400, immutable"
        } else {
            "no-store"
        },
    );
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `no-referrer` would make browsers send `Origin: null` with our own forms.
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    harden(response.headers_mut(), false);
    response
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, page: &Page<'_>) -> Response {
    respond(status, "text/html; charset=utf-8", page.render())
}

/// A piece of a page (for the script's live updates).
pub(crate) fn html_fragment(body: String) -> Response {
    respond(StatusCode::OK, "text/html; charset=utf-8", body)
}

/// Plain text (never cached).
pub(crate) fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    respond(status, "text/plain; charset=utf-8", text.into())
}

fn asset(content: &'static str, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(content));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    harden(response.headers_mut(), true);
    response
}

/// 303 to `location` (a path of this server).
pub(crate) fn redirect(location: &str) -> Response {
    let mut response = respond(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn redirect_with_cookie(location: &str, cookie: &str) -> Response {
    let mut response = redirect(location);
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn signed_in_redirect(cookie_name: &str, token: &str, location: &str) -> Response {
    redirect_with_cookie(
        location,
        &format!("{cookie_name}={token}; Path=/studio; Secure; HttpOnly; SameSite=Strict"),
    )
}

fn login_page(cx: &Cx, error: Option<&str>, status: StatusCode) -> Response {
    let mut page = cx.page("Studio token");
    if let Some(e) = error {
        page.notice(false, e);
    }
    page.body.push_str(
        "<section class=\"panel narrow\"><p>Changes (traffic, keys, test calls) need the token of this run of the \
         offline workspace. <code>azml local start</code> prints a Studio link that carries it; \
         opening that link once is enough. Or paste the token here:</p>\
         <form method=\"post\" action=\"/studio/login\"><label for=\"token\">Studio token</label> \
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required> \
         <button type=\"submit\">Sign in</button></form></section>",
    );
    html(status, &page)
}

/// 403 for a change without the token or from another origin.
fn refused(cx: &Cx, why: &str) -> Response {
    let mut page = cx.page("Change refused");
    page.notice(false, why);
    page.body.push_str(
        "<p><a href=\"/studio/login\">Enter the studio token</a> · <a href=\"/studio\">Back to the endpoints</a></p>",
    );
    html(StatusCode::FORBIDDEN, &page)
}

pub(crate) fn not_found(cx: &Cx) -> Response {
    let mut page = cx.page("Not found");
    page.body
        .push_str("<p>Studio has no such page. <a href=\"/studio\">Endpoints</a></p>");
    html(StatusCode::NOT_FOUND, &page)
}

/// A page saying an endpoint (or what a page needs) could not be read.
pub(crate) fn failed(cx: &Cx, title: &str, status: StatusCode, message: &str) -> Response {
    let mut page = cx.page(title.to_owned());
    page.notice(false, message);
    page.body
        .push_str("<p><a href=\"/studio\">Back to the endpoints</a></p>");
    html(status, &page)
}

/// `text` as an inline code span (escaped).
pub(crate) fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text))
}
