//! The Monitoring tab: charts of the endpoint's requests, status classes, latency percentiles,
//! and its instances' CPU, memory and count, over the last hour at Azure's one-minute grain or
//! over the last ten minutes at ten seconds; then the autoscale settings of its deployments
//! and their scale actions.
//!
//! The numbers are the metrics API's: each chart is one `GET {resource}/providers/
//! Microsoft.Insights/metrics` answer, the same a client (or the SDK's metrics operations)
//! gets for the same timespan and interval.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::endpoint::{deployment_names_or_page, duration};
use super::endpoints::short_time;
use super::html::{esc, or_dash, seg, Tab};
use super::svg::{Chart, Series, Style};
use super::{html, Cx};

/// Buckets per chart.
const BUCKETS: usize = 60;

/// A time window: `BUCKETS` buckets of `step` seconds ending with the current one.
#[derive(Clone, Copy, Debug)]
struct Window {
    start: OffsetDateTime,
    end: OffsetDateTime,
    step: i64,
}

impl Window {
    fn ending(now: OffsetDateTime, step: i64) -> Self {
        let t = now.unix_timestamp();
        let end = (t.div_euclid(step) + 1) * step;
        let start = end - step * BUCKETS as i64;
        let at = |s: i64| OffsetDateTime::from_unix_timestamp(s).unwrap_or(now);
        Self {
            start: at(start),
            end: at(end),
            step,
        }
    }

    fn interval(&self) -> String {
        if self.step % 60 == 0 {
            format!("PT{}M", self.step / 60)
        } else {
            format!("PT{}S", self.step)
        }
    }

    fn timespan(&self) -> String {
        let f = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        format!("{}/{}", f(self.start), f(self.end))
    }

    /// The bucket a data point's `timeStamp` falls in.
    fn index(&self, stamp: &str) -> Option<usize> {
        let at = OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
        let offset = at.unix_timestamp() - self.start.unix_timestamp();
        if offset < 0 {
            return None;
        }
        usize::try_from(offset / self.step)
            .ok()
            .filter(|i| *i < BUCKETS)
    }
}

/// The series of one chart's query, by name.
type Named = Vec<(String, Vec<Option<f64>>)>;

/// One chart's query.
struct Query<'a> {
    resource: String,
    metrics: &'a [&'a str],
    aggregation: &'a str,
    filter: Option<String>,
}

/// Series read from a metrics answer: one per metric and split value.
async fn series(cx: &Cx, window: &Window, q: &Query<'_>) -> Result<Named, String> {
    let query = {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("timespan", &window.timespan())
            .append_pair("interval", &window.interval())
            .append_pair("metricnames", &q.metrics.join(","))
            .append_pair("aggregation", q.aggregation);
        if let Some(f) = &q.filter {
            query.append_pair("$filter", f);
        }
        query.finish()
    };
    let answer = cx.api.metrics(&q.resource, &query).await;
    if !answer.ok() {
        return Err(answer.error_message());
    }
    let field = q.aggregation.to_ascii_lowercase();
    let body = answer.json();
    let mut out = Vec::new();
    for metric in body
        .get("value")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let metric_name = metric
            .pointer("/name/value")
            .and_then(Value::as_str)
            .unwrap_or("");
        for ts in metric
            .get("timeseries")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let split: Vec<String> = ts
                .get("metadatavalues")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect();
            let name = if split.is_empty() {
                metric_name.to_owned()
            } else if q.metrics.len() > 1 {
                format!("{metric_name} {}", split.join(" "))
            } else {
                split.join(" ")
            };
            let mut values = vec![None; BUCKETS];
            for point in ts
                .get("data")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(i) = point
                    .get("timeStamp")
                    .and_then(Value::as_str)
                    .and_then(|s| window.index(s))
                else {
                    continue;
                };
                values[i] = point.get(&field).and_then(Value::as_f64);
            }
            out.push((name, values));
        }
    }
    Ok(out)
}

fn chart(id: &str, title: &str, unit: &str, window: &Window, style: Style) -> Chart {
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        unit: unit.to_owned(),
        start: window.start,
        step: window.step,
        count: BUCKETS,
        style,
        max: None,
        series: Vec::new(),
    }
}

/// `deployment eq 'x'` (quotes doubled, as OData escapes them).
fn eq(dimension: &str, value: &str) -> String {
    format!("{dimension} eq '{}'", value.replace('\'', "''"))
}

/// Runs the queries of one selection's charts, keeping what fails for the notice above them.
struct Queries<'a> {
    cx: &'a Cx,
    window: &'a Window,
    errors: Vec<String>,
}

impl Queries<'_> {
    /// The series of `aggregation` of `metrics` of `resource`; `None` when the query fails
    /// (the error kept), so a chart shows no series rather than empty ones.
    async fn run(
        &mut self,
        resource: &str,
        metrics: &[&str],
        aggregation: &str,
        filter: Option<String>,
    ) -> Option<Named> {
        let query = Query {
            resource: resource.to_owned(),
            metrics,
            aggregation,
            filter,
        };
        match series(self.cx, self.window, &query).await {
            Ok(found) => Some(found),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }
}

/// A series without a colour class.
fn plain(name: String, values: Vec<Option<f64>>) -> Series {
    Series {
        name,
        class: None,
        values,
    }
}

/// The charts of the selection, rendered.
async fn charts(
    cx: &Cx,
    name: &str,
    window: &Window,
    deployments: &[String],
    only: Option<&str>,
) -> String {
    let endpoint_id = cx.api.endpoint_id(name);
    let per = if window.step == 60 {
        "minute"
    } else {
        "10 seconds"
    };
    let mut rendered = Vec::new();
    let mut queries = Queries {
        cx,
        window,
        errors: Vec::new(),
    };

    // Requests, stacked by deployment.
    let mut requests = chart(
        "chart-requests",
        &format!("Requests per {per}"),
        "requests",
        window,
        Style::StackedBars,
    );
    let filter = match only {
        Some(d) => eq("deployment", d),
        None => "deployment eq '*'".to_owned(),
    };
    let found = queries
        .run(&endpoint_id, &["RequestsPerMinute"], "Total", Some(filter))
        .await;
    if let Some(s) = found {
        requests.series = s.into_iter().map(|(n, v)| plain(n, v)).collect();
    }
    rendered.push(requests.render());

    // Status classes.
    let mut status = chart(
        "chart-status",
        &format!("Responses by status class per {per}"),
        "requests",
        window,
        Style::StackedBars,
    );
    let filter = match only {
        Some(d) => format!("statusCodeClass eq '*' and {}", eq("deployment", d)),
        None => "statusCodeClass eq '*'".to_owned(),
    };
    let found = queries
        .run(&endpoint_id, &["RequestsPerMinute"], "Total", Some(filter))
        .await;
    if let Some(s) = found {
        let mut by_class: BTreeMap<String, Vec<Option<f64>>> = s.into_iter().collect();
        for class in ["2xx", "4xx", "5xx"] {
            by_class
                .entry(class.to_owned())
                .or_insert_with(|| vec![None; BUCKETS]);
        }
        status.series = by_class
            .into_iter()
            .map(|(name, values)| Series {
                class: Some(match name.as_str() {
                    "2xx" => "c-ok",
                    "4xx" => "c-warn",
                    "5xx" => "c-err",
                    _ => "s4",
                }),
                name,
                values,
            })
            .collect();
    }
    rendered.push(status.render());

    // Latency percentiles.
    let mut latency = chart(
        "chart-latency",
        "Request latency P50 / P90 / P99",
        "ms",
        window,
        Style::Lines,
    );
    let metrics = [
        "RequestLatency_P50",
        "RequestLatency_P90",
        "RequestLatency_P99",
    ];
    let filter = only.map(|d| eq("deployment", d));
    if let Some(s) = queries.run(&endpoint_id, &metrics, "Average", filter).await {
        latency.series = s
            .into_iter()
            .map(|(name, values)| plain(name.replace("RequestLatency_", ""), values))
            .collect();
    }
    rendered.push(latency.render());

    // Per instance: CPU and memory; per deployment: instances.
    let mut cpu = chart(
        "chart-cpu",
        "CPU utilization per instance",
        "%",
        window,
        Style::Lines,
    );
    let mut memory = chart(
        "chart-memory",
        "Memory utilization per instance",
        "%",
        window,
        Style::Lines,
    );
    let mut capacity = chart(
        "chart-instances",
        "Instances per deployment",
        "instances",
        window,
        Style::Lines,
    );
    cpu.max = Some(100.0);
    memory.max = Some(100.0);
    for d in deployments
        .iter()
        .filter(|d| only.is_none_or(|o| o == d.as_str()))
    {
        let resource = format!("{endpoint_id}/deployments/{}", seg(d));
        for (target, metric) in [
            (&mut cpu, "CpuUtilizationPercentage"),
            (&mut memory, "CpuMemoryUtilizationPercentage"),
        ] {
            let per_instance = Some("instanceId eq '*'".into());
            let found = queries
                .run(&resource, &[metric], "Average", per_instance)
                .await;
            // Instance ids start with their deployment's name offline; Azure's don't.
            target
                .series
                .extend(found.into_iter().flatten().map(|(instance, values)| {
                    let name = if instance.starts_with(d.as_str()) {
                        instance
                    } else {
                        format!("{d} {instance}")
                    };
                    plain(name, values)
                }));
        }
        let found = queries
            .run(&resource, &["DeploymentCapacity"], "Average", None)
            .await;
        capacity.series.extend(
            found
                .into_iter()
                .flatten()
                .map(|(_, values)| plain(d.clone(), values)),
        );
    }
    rendered.push(cpu.render());
    rendered.push(memory.render());
    rendered.push(capacity.render());

    let mut out = String::from("<div id=\"charts\" class=\"charts\">");
    let mut errors = queries.errors;
    errors.dedup();
    for e in errors {
        let _ = write!(
            out,
            "<p class=\"notice err\" role=\"alert\">A metrics query failed: {}</p>",
            esc(&e)
        );
    }
    for r in rendered {
        out.push_str(&r);
    }
    out.push_str("</div>");
    out
}

/// `GET /studio/endpoints/{name}/monitoring`.
pub(crate) async fn page(cx: &Cx, name: &str) -> Response {
    let deployments = match deployment_names_or_page(cx, name).await {
        Ok(d) => d,
        Err(page) => return page,
    };
    let fine = cx.param("view") == Some("10s");
    let only = cx
        .param("deployment")
        .filter(|d| deployments.iter().any(|n| n == d));
    let now = cx.shared.now();
    let window = Window::ending(now, if fine { 10 } else { 60 });
    let charts = charts(cx, name, &window, &deployments, only).await;
    if cx.param("fragment") == Some("charts") {
        return super::html_fragment(charts);
    }

    let mut page = cx
        .page(format!("{name} · Monitoring"))
        .endpoint(name, Tab::Monitoring);
    page.refresh = Some(if fine { 10 } else { 60 });
    let out = &mut page.body;
    let here = format!("/studio/endpoints/{}/monitoring", seg(name));
    let dep_q = only
        .map(|d| format!("&amp;deployment={}", seg(d)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<nav class=\"subtabs\" aria-label=\"Time range\"><ul>\
         <li><a href=\"{here}?view=hour{dep_q}\"{h}>Last hour · 1 minute</a></li>\
         <li><a href=\"{here}?view=10s{dep_q}\"{t}>Last 10 minutes · 10 seconds</a></li></ul></nav>",
        h = if fine { "" } else { " aria-current=\"page\"" },
        t = if fine { " aria-current=\"page\"" } else { "" },
    );
    let view = if fine { "10s" } else { "hour" };
    let _ = write!(
        out,
        "<nav class=\"subtabs\" aria-label=\"Deployment\"><ul><li><a href=\"{here}?view={view}\"{all}>All deployments</a></li>",
        all = if only.is_none() { " aria-current=\"page\"" } else { "" },
    );
    for d in &deployments {
        let _ = write!(
            out,
            "<li><a href=\"{here}?view={view}&amp;deployment={dl}\"{cur}>{dn}</a></li>",
            dl = seg(d),
            dn = esc(d),
            cur = if only == Some(d.as_str()) {
                " aria-current=\"page\""
            } else {
                ""
            },
        );
    }
    let _ = write!(
        out,
        "</ul></nav><p class=\"muted\">{} to {} UTC, from the metrics API (<code>…/providers/Microsoft.Insights/metrics</code>, interval {}). \
         <span data-live-charts=\"{here}?view={view}{dep_q}&amp;fragment=charts\" data-every=\"{every}\"></span></p>",
        window.start.format(&Rfc3339).map(|t| short_time(&t)).unwrap_or_default(),
        window.end.format(&Rfc3339).map(|t| short_time(&t)).unwrap_or_default(),
        window.interval(),
        every = if fine { 10 } else { 30 },
    );
    out.push_str(&charts);
    autoscale(out, cx, name).await;
    html(StatusCode::OK, &page)
}

/// The autoscale settings whose target is a deployment of this endpoint, and their activity.
async fn autoscale(out: &mut String, cx: &Cx, name: &str) {
    out.push_str("<section class=\"panel\" id=\"autoscale\" aria-labelledby=\"as-h\"><h2 id=\"as-h\">Autoscale</h2>");
    let prefix = format!("{}/deployments/", cx.api.endpoint_id(name)).to_ascii_lowercase();
    let settings = match cx.api.autoscale_settings().await {
        Ok(s) => s,
        Err(e) => {
            let _ = write!(out, "<p class=\"notice err\" role=\"alert\">The autoscale settings could not be read: {}</p></section>", esc(&e.message));
            return;
        }
    };
    let ours: Vec<&Value> = settings
        .iter()
        .filter(|s| {
            s.pointer("/properties/targetResourceUri")
                .and_then(Value::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().starts_with(&prefix))
        })
        .collect();
    if ours.is_empty() {
        out.push_str(
            "<p>No autoscale setting targets a deployment of this endpoint: instance counts are manual. \
             Create one with the SDK's autoscale operations or <code>PUT …/providers/Microsoft.Insights/autoscalesettings/{name}</code>.</p></section>",
        );
        return;
    }
    let mut activity = Vec::new();
    for setting in &ours {
        let setting_name = setting.get("name").and_then(Value::as_str).unwrap_or("");
        let p = setting.get("properties").cloned().unwrap_or(Value::Null);
        let target = p
            .get("targetResourceUri")
            .and_then(Value::as_str)
            .unwrap_or("");
        let deployment = target.rsplit('/').next().unwrap_or("");
        let enabled = p.get("enabled").and_then(Value::as_bool).unwrap_or(true);
        let _ = write!(
            out,
            "<article class=\"setting\" data-setting=\"{n}\"><h3>{n} <span class=\"muted\">→ {d}</span> {badge}</h3>",
            n = esc(setting_name),
            d = esc(deployment),
            badge = if enabled { "<span class=\"badge good\">enabled</span>" } else { "<span class=\"badge busy\">disabled</span>" },
        );
        for profile in p
            .get("profiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let c = |k: &str| {
                profile
                    .pointer(&format!("/capacity/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            let _ = write!(
                out,
                "<p>Profile <strong>{}</strong>: instances {} to {}, default {}</p>",
                esc(profile.get("name").and_then(Value::as_str).unwrap_or("")),
                esc(&c("minimum")),
                esc(&c("maximum")),
                esc(&c("default")),
            );
            let rules: Vec<&Value> = profile
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            if rules.is_empty() {
                continue;
            }
            out.push_str("<div class=\"scroll\"><table class=\"list\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Over</th><th scope=\"col\">Then</th><th scope=\"col\">Cool-down</th></tr></thead><tbody>");
            for rule in rules {
                let t = |k: &str| {
                    rule.pointer(&format!("/metricTrigger/{k}"))
                        .map(|v| {
                            v.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v.to_string())
                        })
                        .unwrap_or_default()
                };
                let a = |k: &str| {
                    rule.pointer(&format!("/scaleAction/{k}"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                };
                let _ = write!(
                    out,
                    "<tr><td>{} of {} {} {}</td><td>{} per {}</td><td>{} by {} ({})</td><td>{}</td></tr>",
                    esc(&t("timeAggregation")),
                    esc(&t("metricName")),
                    esc(&operator(&t("operator"))),
                    esc(&t("threshold")),
                    esc(&duration(&t("timeWindow"))),
                    esc(&duration(&t("timeGrain"))),
                    esc(&a("direction")),
                    esc(&a("value")),
                    esc(&a("type")),
                    esc(&duration(&a("cooldown"))),
                );
            }
            out.push_str("</tbody></table></div>");
        }
        out.push_str("</article>");
        match cx.api.autoscale_activity(setting_name).await {
            Ok(entries) => activity.extend(entries),
            Err(e) => {
                let _ = write!(out, "<p class=\"notice err\" role=\"alert\">The activity of {} could not be read: {}</p>", esc(setting_name), esc(&e.message));
            }
        }
    }
    activity.sort_by(|a, b| {
        let t = |v: &Value| {
            v.get("eventTimestamp")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        t(b).cmp(&t(a))
    });
    out.push_str("<h3 id=\"activity-h\">Scale activity</h3>");
    if activity.is_empty() {
        out.push_str("<p class=\"muted\">No scale actions yet.</p>");
    } else {
        out.push_str("<div class=\"scroll\"><table class=\"list\" id=\"activity\" aria-labelledby=\"activity-h\"><thead><tr><th scope=\"col\">Time (UTC)</th><th scope=\"col\">Setting</th><th scope=\"col\">Deployment</th><th scope=\"col\">Instances</th><th scope=\"col\">Why</th></tr></thead><tbody>");
        for entry in activity.iter().take(200) {
            let s = |k: &str| entry.get(k).and_then(Value::as_str);
            let n = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_u64)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "?".into())
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
                or_dash(s("eventTimestamp").map(short_time).as_deref()),
                or_dash(s("settingName")),
                or_dash(s("targetResourceUri").and_then(|t| t.rsplit('/').next())),
                n("oldInstancesCount"),
                n("newInstancesCount"),
                or_dash(s("reason")),
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
}

fn operator(op: &str) -> String {
    match op {
        "GreaterThan" => ">".into(),
        "GreaterThanOrEqual" => "≥".into(),
        "LessThan" => "<".into(),
        "LessThanOrEqual" => "≤".into(),
        "Equals" => "=".into(),
        "NotEquals" => "≠".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_end_with_the_current_bucket_and_place_points() {
        let w = Window::ending(datetime!(2024-05-01 10:00:35 UTC), 10);
        assert_eq!(w.end, datetime!(2024-05-01 10:00:40 UTC));
        assert_eq!(w.start, datetime!(2024-05-01 09:50:40 UTC));
        assert_eq!(w.interval(), "PT10S");
        assert_eq!(w.timespan(), "2024-05-01T09:50:40Z/2024-05-01T10:00:40Z");
        assert_eq!(w.index("2024-05-01T10:00:30Z"), Some(BUCKETS - 1));
        assert_eq!(w.index("2024-05-01T09:50:40Z"), Some(0));
        assert_eq!(w.index("2024-05-01T09:50:39Z"), None);
        assert_eq!(w.index("2024-05-01T10:00:40Z"), None);
        assert_eq!(w.index("not a time"), None);
        let hour = Window::ending(datetime!(2024-05-01 10:00:00 UTC), 60);
        assert_eq!(hour.interval(), "PT1M");
        assert_eq!(hour.end, datetime!(2024-05-01 10:01:00 UTC));
    }

    #[test]
    fn filters_quote_values_as_odata_does() {
        assert_eq!(eq("deployment", "blue"), "deployment eq 'blue'");
        assert_eq!(eq("deployment", "o'brien"), "deployment eq 'o''brien'");
        assert_eq!(operator("GreaterThan"), ">");
        assert_eq!(operator("Odd"), "Odd");
    }
}
