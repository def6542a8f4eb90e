//! `GET {resource}/providers/Microsoft.Insights/metricDefinitions`: the catalog of a resource
//! type, with the grains and retention the emulator really keeps.

use serde_json::{json, Value};

use super::catalog::{self, Scope};
use super::query::Aggregation;
use crate::core::monitor::duration;
use crate::core::monitor::recorder::{FINE_GRAIN, FINE_RETENTION, MINUTE_GRAIN, MINUTE_RETENTION};

/// `{value: [MetricDefinition]}` for `resource_id`.
pub(crate) fn definitions(scope: Scope, resource_id: &str) -> Value {
    let availabilities = json!([
        {"timeGrain": duration::format(MINUTE_GRAIN), "retention": duration::format(MINUTE_RETENTION)},
        {"timeGrain": duration::format(FINE_GRAIN), "retention": duration::format(FINE_RETENTION)}
    ]);
    let supported: Vec<&str> = Aggregation::ALL.iter().map(|a| a.name()).collect();
    let value: Vec<Value> = catalog::metrics(scope)
        .iter()
        .map(|m| {
            json!({
                "isDimensionRequired": false,
                "resourceId": resource_id,
                "namespace": scope.namespace(),
                "name": {"value": m.name, "localizedValue": m.display},
                "displayDescription": m.description,
                "category": m.category,
                "metricClass": m.class,
                "unit": m.unit,
                "primaryAggregationType": "Average",
                "supportedAggregationTypes": supported,
                "metricAvailabilities": availabilities,
                "id": format!("{resource_id}/providers/microsoft.insights/metricdefinitions/{}", m.name),
                "dimensions": m.dimensions.iter().map(|d| json!({"value": d, "localizedValue": d})).collect::<Vec<_>>()
            })
        })
        .collect();
    json!({ "value": value })
}
