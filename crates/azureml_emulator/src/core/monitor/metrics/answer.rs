//! The metrics answer: `{cost, timespan, interval, value: [metric], namespace, resourceregion}`
//! with one time series per split-dimension combination, data points per interval.

use serde_json::{json, Map, Value};

use super::catalog::{self, MetricInfo, Scope};
use super::query::{rfc3339, Aggregation, Interval, Query};
use super::series::{self, Groups};
use crate::core::monitor::duration;
use crate::core::monitor::recorder::{Agg, Grain, MetricsRecorder};

/// Whose metrics are read.
pub(crate) struct Target<'a> {
    pub(crate) scope: Scope,
    pub(crate) endpoint: &'a str,
    pub(crate) deployment: Option<&'a str>,
    /// The id as the request named it (metric ids are built on it).
    pub(crate) resource_id: &'a str,
    pub(crate) location: &'a str,
}

/// The points of a query: base grain, first point, step, end (Unix seconds).
struct Points {
    grain: Grain,
    first: i64,
    step: i64,
    end: i64,
}

impl Points {
    fn of(query: &Query) -> Self {
        let start = query.start.unix_timestamp();
        let end = query.end.unix_timestamp() + i64::from(query.end.nanosecond() > 0);
        match query.interval {
            Interval::Every(step) => {
                let grain = if step % 60 == 0 {
                    Grain::Minute
                } else {
                    Grain::Fine
                };
                Self {
                    grain,
                    first: start.div_euclid(step) * step,
                    step,
                    end,
                }
            }
            Interval::Full => {
                let first = start.div_euclid(60) * 60;
                Self {
                    grain: Grain::Minute,
                    first,
                    step: (end - first).max(1),
                    end,
                }
            }
        }
    }

    fn starts(&self) -> impl Iterator<Item = i64> + '_ {
        // Bounded by `Query::parse` (at most MAX_POINTS steps).
        (0..)
            .map(move |k| self.first + k * self.step)
            .take_while(move |p| *p < self.end)
    }
}

fn value_of(agg: &Agg, aggregation: Aggregation) -> Option<f64> {
    if agg.is_empty() {
        return None;
    }
    Some(match aggregation {
        Aggregation::Average => agg.average()?,
        Aggregation::Count => agg.count as f64,
        Aggregation::Minimum => agg.min,
        Aggregation::Maximum => agg.max,
        Aggregation::Total => agg.sum,
    })
}

fn data_point(start: i64, agg: &Agg, aggregations: &[Aggregation]) -> Value {
    let mut point = Map::new();
    let stamp = time::OffsetDateTime::from_unix_timestamp(start)
        .map(rfc3339)
        .unwrap_or_default();
    point.insert("timeStamp".into(), stamp.into());
    for a in aggregations {
        if let Some(v) = value_of(agg, *a) {
            point.insert(a.field().into(), json!(v));
        }
    }
    Value::Object(point)
}

/// Series keys in answer order: by `orderby` over the whole span when asked, then `top`.
fn ordered_keys(
    groups: &Groups,
    info: &MetricInfo,
    points: &Points,
    query: &Query,
) -> Vec<Vec<String>> {
    let mut keys: Vec<Vec<String>> = groups.keys().cloned().collect();
    if let Some((aggregation, descending)) = query.order_by {
        let total = |k: &Vec<String>| {
            let agg = series::window(
                groups.get(k),
                info.kind,
                points.grain.secs(),
                points.first,
                points.end,
            );
            value_of(&agg, aggregation).unwrap_or(f64::NEG_INFINITY)
        };
        keys.sort_by(|a, b| {
            let order = total(a).total_cmp(&total(b));
            if descending {
                order.reverse()
            } else {
                order
            }
        });
    }
    keys.truncate(query.top);
    keys
}

fn metric(
    info: &MetricInfo,
    query: &Query,
    target: &Target<'_>,
    recorder: &MetricsRecorder,
    cost: &mut u64,
) -> Result<Value, String> {
    let filter = query.filter.resolve(info.name, info.dimensions)?;
    let split = filter.split_dimensions();
    let points = Points::of(query);
    let buckets = recorder.buckets(
        target.endpoint,
        target.deployment,
        points.grain,
        points.first,
        points.end,
    );
    let mut groups = series::collect(&buckets, info, &filter, &split);
    if split.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), Default::default());
    }
    let aggregations: Vec<Aggregation> = if query.aggregations.is_empty() {
        vec![Aggregation::Average]
    } else {
        query.aggregations.clone()
    };
    let mut timeseries = Vec::new();
    for key in ordered_keys(&groups, info, &points, query) {
        let metadata: Vec<Value> = split
            .iter()
            .zip(&key)
            .map(|(name, value)| json!({"name": {"value": name, "localizedValue": name}, "value": value}))
            .collect();
        let mut entry = json!({ "metadatavalues": metadata });
        if !query.metadata_only {
            let values = groups.get(&key);
            let data: Vec<Value> = points
                .starts()
                .map(|p| {
                    let to = (p + points.step).min(points.end);
                    data_point(
                        p,
                        &series::window(values, info.kind, points.grain.secs(), p, to),
                        &aggregations,
                    )
                })
                .collect();
            *cost += data.len() as u64;
            entry["data"] = Value::Array(data);
        }
        timeseries.push(entry);
    }
    Ok(json!({
        "id": format!("{}/providers/Microsoft.Insights/metrics/{}", target.resource_id, info.name),
        "type": "Microsoft.Insights/metrics",
        "name": {"value": info.name, "localizedValue": info.display},
        "displayDescription": info.description,
        "unit": info.unit,
        "timeseries": timeseries,
        "errorCode": "Success"
    }))
}

/// The answer to `query` for `target`, or a message for a 400 `BadRequest`.
pub(crate) fn answer(
    query: &Query,
    target: &Target<'_>,
    recorder: &MetricsRecorder,
) -> Result<Value, String> {
    let namespace = target.scope.namespace();
    if let Some(asked) = &query.namespace {
        if !asked.eq_ignore_ascii_case(namespace) {
            return Err(format!("Metric namespace '{asked}' is not valid for this resource; its namespace is '{namespace}'."));
        }
    }
    let names: Vec<String> = if query.names.is_empty() {
        catalog::metrics(target.scope)
            .iter()
            .take(1)
            .map(|m| m.name.to_owned())
            .collect()
    } else {
        query.names.clone()
    };
    let mut cost = 0u64;
    let mut value = Vec::with_capacity(names.len());
    for name in &names {
        let info = catalog::find(target.scope, name)
            .ok_or_else(|| catalog::unknown_metric_message(target.scope, name))?;
        value.push(metric(info, query, target, recorder, &mut cost)?);
    }
    let interval = match query.interval {
        Interval::Every(step) => {
            duration::format(std::time::Duration::from_secs(step.unsigned_abs()))
        }
        Interval::Full => "FULL".to_owned(),
    };
    Ok(json!({
        "cost": cost,
        "timespan": query.timespan_text(),
        "interval": interval,
        "value": value,
        "namespace": namespace.to_ascii_lowercase(),
        "resourceregion": target.location
    }))
}
