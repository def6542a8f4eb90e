//! Unit tests of Studio's pure parts: escaping, the SDK's traffic rules, the PUT body, the
//! security checks, charts.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, Request};
use serde_json::json;
use time::macros::datetime;

use super::html::{esc, seg};
use super::svg::{fmt_number, nice_ceiling, Chart, Series, Style};
use super::traffic::{self, TrafficForm};
use super::{cookie, loopback_host, same_origin, Form};

#[test]
fn escaping_covers_text_and_both_attribute_quotes() {
    assert_eq!(
        esc("<a href=\"x\" title='y'>&amp;</a>").to_string(),
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
    );
    assert_eq!(esc("plain-text_1").to_string(), "plain-text_1");
    assert_eq!(esc("").to_string(), "");
    assert_eq!(esc("é ✓").to_string(), "é ✓");
    assert_eq!(seg("a b/c?d&e\"<"), "a%20b%2Fc%3Fd%26e%22%3C");
    assert_eq!(seg("churn-prediction-v1"), "churn-prediction-v1");
}

fn form(fields: &[(&str, &str)]) -> Form {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    Form::parse(s.finish().as_bytes())
}

fn map(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[test]
fn the_traffic_form_follows_the_sdk_rules() {
    let parsed = traffic::parse(&form(&[
        ("traffic.blue", "90"),
        ("traffic.green", " 10 "),
        ("mirror.blue", ""),
        ("token", "x"),
    ]))
    .unwrap();
    assert_eq!(parsed.traffic, map(&[("blue", 90), ("green", 10)]));
    assert_eq!(parsed.mirror, map(&[("blue", 0)]));
    let sent = traffic::validate(&parsed).unwrap();
    assert_eq!(sent.traffic, map(&[("blue", 90), ("green", 10)]));
    assert!(sent.mirror.is_empty(), "zero entries are dropped");

    let err = traffic::parse(&form(&[("traffic.blue", "9.5")])).unwrap_err();
    assert_eq!(err.field, "traffic.blue");
    let err = traffic::parse(&form(&[("traffic.blue", "-1")])).unwrap_err();
    assert!(err.message.contains("whole number"), "{err}");

    let check = |traffic: &[(&str, u32)], mirror: &[(&str, u32)]| {
        traffic::validate(&TrafficForm {
            traffic: map(traffic),
            mirror: map(mirror),
        })
    };
    assert!(
        check(&[("blue", 0), ("green", 0)], &[]).is_ok(),
        "all zero is allowed"
    );
    assert_eq!(
        check(&[("blue", 90), ("green", 5)], &[])
            .unwrap_err()
            .message,
        "values must add up to 100 (got 95)"
    );
    assert!(check(&[("blue", 101)], &[])
        .unwrap_err()
        .message
        .contains("between 0 and 100"));
    assert!(check(&[("Blue", 50), ("blue", 50)], &[])
        .unwrap_err()
        .message
        .contains("differ only in case"));
    assert!(check(&[("b!x", 100)], &[])
        .unwrap_err()
        .message
        .contains("must start with a letter"));
    assert!(check(&[("ab", 100)], &[])
        .unwrap_err()
        .message
        .contains("3 to 32"));
    assert_eq!(
        check(&[("blue", 100)], &[("green", 51)])
            .unwrap_err()
            .message,
        "values must add up to at most 50 (got 51)"
    );
    let both = check(&[("blue", 100)], &[("blue", 10)]).unwrap_err();
    assert_eq!(both.field, "mirror_traffic.blue");
    // Names go lower-case into the PUT, as the SDK sends them.
    let sent = check(&[("Blue", 100)], &[("Green", 10)]).unwrap();
    assert_eq!(sent.traffic, map(&[("blue", 100)]));
    assert_eq!(sent.mirror, map(&[("green", 10)]));
}

#[test]
fn the_put_body_is_the_sdks_endpoint_body() {
    let resource = json!({
        "id": "/subscriptions/s/…/onlineEndpoints/e",
        "name": "e",
        "location": "eastus",
        "kind": "Managed",
        "tags": {"team": "ds"},
        "identity": {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"},
        "properties": {
            "authMode": "Key",
            "description": "churn",
            "properties": {"azureml.onlineendpointid": "x"},
            "traffic": {"blue": 100},
            "mirrorTraffic": {},
            "publicNetworkAccess": "Enabled",
            "scoringUri": "https://127.0.0.1/endpoints/e/score",
            "provisioningState": "Succeeded"
        },
        "systemData": {"createdAt": "2024-01-01T00:00:00Z"}
    });
    let body = traffic::put_body(
        &resource,
        &TrafficForm {
            traffic: map(&[("blue", 90), ("green", 10)]),
            mirror: BTreeMap::new(),
        },
    );
    assert_eq!(
        body,
        json!({
            "location": "eastus",
            "kind": "Managed",
            "identity": {"type": "SystemAssigned"},
            "tags": {"team": "ds"},
            "properties": {
                "authMode": "Key",
                "description": "churn",
                "properties": {"azureml.onlineendpointid": "x"},
                "traffic": {"blue": 90, "green": 10},
                "mirrorTraffic": {},
                "publicNetworkAccess": "Enabled"
            }
        })
    );
}

fn parts(uri: &str, host: Option<&str>) -> axum::http::request::Parts {
    let mut builder = Request::builder().uri(uri);
    if let Some(h) = host {
        builder = builder.header("host", h);
    }
    builder.body(()).unwrap().into_parts().0
}

#[test]
fn only_loopback_names_of_this_port_are_served() {
    for host in [
        "127.0.0.1:8443",
        "localhost:8443",
        "LOCALHOST:8443",
        "[::1]:8443",
    ] {
        assert!(
            loopback_host(&parts("/studio", Some(host)), 8443).is_some(),
            "{host}"
        );
    }
    for host in [
        "127.0.0.1:9999",
        "evil.example:8443",
        "127.0.0.1",
        "localhost.evil:8443",
        "127.0.0.2:8443",
    ] {
        assert!(
            loopback_host(&parts("/studio", Some(host)), 8443).is_none(),
            "{host}"
        );
    }
    assert!(loopback_host(&parts("/studio", None), 8443).is_none());
    // HTTP/2 carries the authority in the URI.
    assert!(loopback_host(&parts("https://127.0.0.1:8443/studio", None), 8443).is_some());
}

#[test]
fn changes_must_come_from_this_origin() {
    let headers = |pairs: &[(&'static str, &'static str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    let host = "127.0.0.1:8443";
    assert!(same_origin(
        &headers(&[("origin", "https://127.0.0.1:8443")]),
        host
    ));
    assert!(!same_origin(
        &headers(&[("origin", "http://127.0.0.1:8443")]),
        host
    ));
    assert!(!same_origin(
        &headers(&[("origin", "https://localhost:8443")]),
        host
    ));
    assert!(!same_origin(&headers(&[("origin", "null")]), host));
    assert!(
        !same_origin(&headers(&[]), host),
        "no header at all is refused"
    );
    assert!(same_origin(
        &headers(&[("sec-fetch-site", "same-origin")]),
        host
    ));
    assert!(!same_origin(
        &headers(&[("sec-fetch-site", "same-site")]),
        host
    ));
    // Origin wins over Sec-Fetch-Site.
    assert!(!same_origin(
        &headers(&[
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "same-origin")
        ]),
        host
    ));
}

#[test]
fn the_cookie_is_found_among_others() {
    let mut h = HeaderMap::new();
    h.insert(
        "cookie",
        HeaderValue::from_static("a=1; azml-studio-8443=tok; b=2"),
    );
    assert_eq!(cookie(&h, "azml-studio-8443"), Some("tok"));
    assert_eq!(cookie(&h, "azml-studio-9999"), None);
}

#[test]
fn charts_scale_label_and_tabulate() {
    assert_eq!(nice_ceiling(0.0), 1.0);
    assert_eq!(nice_ceiling(7.0), 10.0);
    assert_eq!(nice_ceiling(100.0), 100.0);
    assert_eq!(nice_ceiling(101.0), 200.0);
    assert_eq!(nice_ceiling(0.3), 0.5);
    assert_eq!(nice_ceiling(2.2), 2.5);
    assert_eq!(fmt_number(90.0), "90");
    assert_eq!(fmt_number(12.345), "12.35");
    assert_eq!(fmt_number(0.5), "0.5");
    let chart = Chart {
        id: "chart-requests".into(),
        title: "Requests <per> minute".into(),
        unit: "requests".into(),
        start: datetime!(2024-05-01 10:00 UTC),
        step: 60,
        count: 3,
        style: Style::StackedBars,
        max: None,
        series: vec![
            Series {
                name: "blue".into(),
                class: None,
                values: vec![Some(90.0), None, Some(1.0)],
            },
            Series {
                name: "<green>".into(),
                class: Some("c-ok"),
                values: vec![Some(10.0), None, None],
            },
        ],
    };
    let svg = chart.render();
    assert!(svg.contains("data-total=\"101\""), "{svg}");
    assert!(svg.contains("total 101 requests"));
    assert!(svg.contains("Requests &lt;per&gt; minute"));
    assert!(svg.contains("&lt;green&gt;"));
    assert!(!svg.contains("<green>"));
    assert_eq!(svg.matches("<rect").count(), 3);
    assert!(
        svg.contains("<th scope=\"row\">10:00</th><td>90</td><td>10</td>"),
        "{svg}"
    );
    assert!(
        !svg.contains("10:01</th>"),
        "buckets without data are not tabulated"
    );
    let empty = Chart {
        series: Vec::new(),
        ..chart
    };
    assert!(empty.render().contains("No data in this period"));
}
