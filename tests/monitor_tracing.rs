//! Every autoscale and metrics operation opens a `tracing` span named after it, carrying the
//! resource name. Alone in its test binary: `tracing` caches per-callsite interest
//! process-wide, so spans hit concurrently by other tests' threads (with no subscriber) could
//! race the registration of this test's subscriber.

mod monitor_support;

use std::sync::{Arc, Mutex};

use azure_ai_ml::monitor::{AutoscaleSetting, MetricsQuery};
use monitor_support::*;
use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

/// Records the names (and `name`/`resource` fields) of the spans opened while it is the default.
#[derive(Clone, Default)]
struct SpanNames(Arc<Mutex<Vec<String>>>);

struct NameField<'a>(&'a mut String);

impl tracing::field::Visit for NameField<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "name" | "resource") {
            *self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for SpanNames {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut name = String::new();
        span.record(&mut NameField(&mut name));
        let mut names = self.0.lock().unwrap();
        names.push(format!("{}({name})", span.metadata().name()));
        tracing::span::Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn every_operation_opens_a_named_span() {
    let names = SpanNames::default();
    let _guard = tracing::subscriber::set_default(names.clone());
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("autoscalesettings/MySetting$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(autoscale_example()["responses"]["200"]["body"].clone()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/metrics$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "timespan": "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
            "value": []
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/metricDefinitions$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;

    let autoscale = client.autoscale();
    autoscale.get("MySetting", None).await.unwrap();
    autoscale.delete("gone", None).await.unwrap();
    // Refused by validation, still traced.
    let _ = autoscale
        .create_or_update(&AutoscaleSetting::new("bad"), None)
        .await;
    drop(autoscale.list(None).unwrap());
    let metrics = client.metrics();
    let deployment = metrics
        .deployment_resource_id("churn-prediction-v1", "blue")
        .unwrap();
    metrics
        .list(&deployment, &MetricsQuery::new(), None)
        .await
        .unwrap();
    metrics.list_definitions(&deployment, None).await.unwrap();

    let seen: Vec<String> = names
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|n| n.starts_with("Autoscale.") || n.starts_with("Metrics."))
        .cloned()
        .collect();
    assert_eq!(
        seen,
        [
            "Autoscale.get(MySetting)".to_owned(),
            "Autoscale.delete(gone)".to_owned(),
            "Autoscale.create_or_update(bad)".to_owned(),
            "Autoscale.list()".to_owned(),
            format!("Metrics.list({deployment})"),
            format!("Metrics.list_definitions({deployment})"),
        ]
    );
}
