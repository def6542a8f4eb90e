//! HTML escaping and the page layout every Studio page shares.
//!
//! Every string that comes from a request, the workspace state or a model server goes through
//! [`esc`] (text and quoted attribute values) or [`seg`] (a URL path segment, percent-encoded
//! and then escaped). Pages are built with `write!` into a `String`: no template engine, no
//! framework, nothing to load from the internet.

use std::fmt::{self, Display, Write as _};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Escapes text for HTML element content and for attribute values in double or single quotes.
pub(crate) fn esc(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// Text that writes itself HTML-escaped.
pub(crate) struct Escaped<'a>(&'a str);

impl Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A URL path segment or query value: percent-encoded, then HTML-escaped (for `href`).
pub(crate) fn seg(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// The tabs of an endpoint's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tab {
    Details,
    Test,
    Monitoring,
    Logs,
}

impl Tab {
    const ALL: [Self; 4] = [Self::Details, Self::Test, Self::Monitoring, Self::Logs];

    fn label(self) -> &'static str {
        match self {
            Self::Details => "Details",
            Self::Test => "Test",
            Self::Monitoring => "Monitoring",
            Self::Logs => "Logs",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Details => "",
            Self::Test => "/test",
            Self::Monitoring => "/monitoring",
            Self::Logs => "/logs",
        }
    }
}

/// A message shown above a page's content.
#[derive(Clone, Debug)]
pub(crate) struct Notice {
    pub(crate) ok: bool,
    pub(crate) text: String,
}

/// One page: its title, where it sits, and its body (already escaped HTML).
pub(crate) struct Page<'a> {
    pub(crate) title: String,
    /// The endpoint the page is about (breadcrumb and tabs), if any.
    pub(crate) endpoint: Option<&'a str>,
    pub(crate) tab: Option<Tab>,
    pub(crate) workspace: &'a str,
    /// True when the browser holds this run's token (changes allowed).
    pub(crate) signed_in: bool,
    /// Seconds after which a browser without JavaScript reloads the page.
    pub(crate) refresh: Option<u32>,
    pub(crate) notices: Vec<Notice>,
    pub(crate) body: String,
}

impl<'a> Page<'a> {
    pub(crate) fn new(workspace: &'a str, signed_in: bool, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            endpoint: None,
            tab: None,
            workspace,
            signed_in,
            refresh: None,
            notices: Vec::new(),
            body: String::new(),
        }
    }

    pub(crate) fn endpoint(mut self, name: &'a str, tab: Tab) -> Self {
        self.endpoint = Some(name);
        self.tab = Some(tab);
        self
    }

    pub(crate) fn notice(&mut self, ok: bool, text: impl Into<String>) {
        self.notices.push(Notice {
            ok,
            text: text.into(),
        });
    }

    /// The whole document.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 2048);
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"same-origin\"><link rel=\"icon\" href=\"data:,\">"
        );
        if let Some(secs) = self.refresh {
            let _ = write!(
                out,
                "<noscript><meta http-equiv=\"refresh\" content=\"{secs}\"></noscript>"
            );
        }
        let _ = write!(
            out,
            "<title>{} · Studio (offline)</title>\
             <link rel=\"stylesheet\" href=\"/studio/static/studio.css?v={v}\">\
             <script src=\"/studio/static/studio.js?v={v}\" defer></script></head><body>\
             <a class=\"skip\" href=\"#main\">Skip to content</a>\
             <header class=\"top\"><a class=\"brand\" href=\"/studio\">Azure Machine Learning studio \
             <span class=\"tag\">offline</span></a><span class=\"ws\">{}</span>",
            esc(&self.title),
            esc(self.workspace),
            v = super::ASSET_VERSION,
        );
        if self.signed_in {
            out.push_str("<span class=\"auth ok\" title=\"This browser holds this run's studio token: changes are allowed\">Changes allowed</span>\
                <form method=\"post\" action=\"/studio/logout\" class=\"signout\"><button type=\"submit\">Sign out</button></form>");
        } else {
            out.push_str("<a class=\"auth\" href=\"/studio/login\">Read-only · enter token</a>");
        }
        out.push_str("</header><nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/studio\">Endpoints</a></li>");
        if let Some(name) = self.endpoint {
            let _ = write!(
                out,
                "<li><a href=\"/studio/endpoints/{}\" aria-current=\"page\">{}</a></li>",
                seg(name),
                esc(name)
            );
        }
        out.push_str("</ol></nav><main id=\"main\">");
        if let Some(name) = self.endpoint {
            let _ = write!(out, "<h1>{}</h1>", esc(name));
            out.push_str("<nav class=\"tabs\" aria-label=\"Endpoint\"><ul>");
            for tab in Tab::ALL {
                let current = if Some(tab) == self.tab {
                    " aria-current=\"page\""
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<li><a href=\"/studio/endpoints/{}{}\"{current}>{}</a></li>",
                    seg(name),
                    tab.path(),
                    tab.label()
                );
            }
            out.push_str("</ul></nav>");
        } else {
            let _ = write!(out, "<h1>{}</h1>", esc(&self.title));
        }
        for notice in &self.notices {
            let (class, role) = if notice.ok {
                ("notice ok", "status")
            } else {
                ("notice err", "alert")
            };
            let _ = write!(
                out,
                "<p class=\"{class}\" role=\"{role}\">{}</p>",
                esc(&notice.text)
            );
        }
        out.push_str(&self.body);
        out.push_str("</main></body></html>\n");
        out
    }
}

/// Writes a definition list of label/value pairs (values already escaped HTML).
pub(crate) fn facts(out: &mut String, rows: &[(&str, String)]) {
    out.push_str("<dl class=\"facts\">");
    for (label, value) in rows {
        let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", esc(label));
    }
    out.push_str("</dl>");
}

/// A provisioning or serving state as a badge (escaped).
pub(crate) fn state_badge(state: &str) -> String {
    let class = match state {
        "Succeeded" | "Ready" | "Running" => "good",
        "Failed" | "Canceled" | "Unhealthy" => "bad",
        _ => "busy",
    };
    format!("<span class=\"badge {class}\">{}</span>", esc(state))
}

/// `value` escaped, or a dash for nothing.
pub(crate) fn or_dash(value: Option<&str>) -> String {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => esc(v).to_string(),
        None => "<span class=\"muted\">–</span>".to_owned(),
    }
}

/// A traffic map as text: `blue 90 % · green 10 %` (zero shares left out; a dash for none).
pub(crate) fn traffic_text(map: &std::collections::BTreeMap<String, u32>) -> String {
    let parts: Vec<String> = map
        .iter()
        .filter(|(_, w)| **w > 0)
        .map(|(d, w)| format!("{} {w} %", esc(d)))
        .collect();
    if parts.is_empty() {
        "<span class=\"muted\">–</span>".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// A traffic split as a small horizontal bar (SVG, one colour per deployment in name order).
pub(crate) fn split_bar(map: &std::collections::BTreeMap<String, u32>) -> String {
    let total: u32 = map.values().sum();
    if total == 0 {
        return String::new();
    }
    let mut out = String::from(
        "<svg class=\"split\" viewBox=\"0 0 100 6\" preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\">",
    );
    let mut x = 0.0;
    for (n, (_, w)) in map.iter().enumerate() {
        let width = f64::from(*w) * 100.0 / f64::from(total);
        if width > 0.0 {
            let _ = write!(
                out,
                "<rect class=\"s{}\" x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"6\"/>",
                n % 8
            );
        }
        x += width;
    }
    out.push_str("</svg>");
    out
}
