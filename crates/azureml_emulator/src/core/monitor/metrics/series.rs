//! From recorded buckets to a metric's values: each bucket's cells are labelled with their
//! dimension values, filtered, grouped by the split dimensions, and reduced to one aggregate
//! per group and bucket. Shared by the metrics API and the autoscale evaluator.

use std::collections::BTreeMap;

use super::catalog::{Kind, MetricInfo};
use super::filter::Filter;
use crate::core::monitor::recorder::{Agg, Bucket, Histogram};

/// Split-dimension values → bucket start (Unix seconds) → the bucket's aggregate.
pub(crate) type Groups = BTreeMap<Vec<String>, BTreeMap<i64, Agg>>;

/// The values of `split` in `cell`, in order (empty for a dimension the cell lacks).
fn key_of(split: &[String], cell: &[(&str, &str)]) -> Vec<String> {
    split
        .iter()
        .map(|d| {
            cell.iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(d))
                .map_or_else(String::new, |(_, v)| (*v).to_owned())
        })
        .collect()
}

/// Accumulates one metric's cells.
struct Collector<'a> {
    filter: &'a Filter,
    split: &'a [String],
    counts: BTreeMap<Vec<String>, BTreeMap<i64, f64>>,
    aggs: Groups,
    histograms: BTreeMap<Vec<String>, BTreeMap<i64, Histogram>>,
}

impl Collector<'_> {
    fn key(&self, cell: &[(&str, &str)]) -> Option<Vec<String>> {
        self.filter.matches(cell).then(|| key_of(self.split, cell))
    }

    fn count(&mut self, cell: &[(&str, &str)], start: i64, n: u64) {
        if let Some(key) = self.key(cell) {
            *self
                .counts
                .entry(key)
                .or_default()
                .entry(start)
                .or_default() += n as f64;
        }
    }

    fn agg(&mut self, cell: &[(&str, &str)], start: i64, agg: &Agg) {
        if agg.is_empty() {
            return;
        }
        if let Some(key) = self.key(cell) {
            self.aggs
                .entry(key)
                .or_default()
                .entry(start)
                .or_default()
                .merge(agg);
        }
    }

    fn histogram(&mut self, cell: &[(&str, &str)], start: i64, h: &Histogram) {
        if h.count() == 0 {
            return;
        }
        if let Some(key) = self.key(cell) {
            self.histograms
                .entry(key)
                .or_default()
                .entry(start)
                .or_default()
                .merge(h);
        }
    }

    fn add(&mut self, kind: Kind, deployment: &str, b: &Bucket) {
        let by_deployment = [("deployment", deployment)];
        match kind {
            Kind::Requests => {
                for c in &b.requests {
                    let status = c.status.to_string();
                    let class = format!("{}xx", c.status / 100);
                    let model = if c.from_model { status.as_str() } else { "" };
                    let cell = [
                        ("deployment", deployment),
                        ("statusCode", status.as_str()),
                        ("statusCodeClass", class.as_str()),
                        ("modelStatusCode", model),
                        ("envoy_response_code", status.as_str()),
                    ];
                    self.count(&cell, b.start, c.count);
                }
            }
            Kind::Latency => self.agg(&by_deployment, b.start, &b.latency),
            Kind::Percentile(_) => self.histogram(&by_deployment, b.start, &b.percentiles),
            Kind::Cpu | Kind::Memory => {
                for i in &b.instances {
                    let agg = if kind == Kind::Cpu { &i.cpu } else { &i.memory };
                    let cell = [
                        ("instanceId", i.instance.as_str()),
                        ("deployment", deployment),
                    ];
                    self.agg(&cell, b.start, agg);
                }
            }
            Kind::Capacity => self.agg(&by_deployment, b.start, &b.capacity),
            Kind::DataCollectionEvents if b.dc_events > 0 => {
                self.count(&by_deployment, b.start, b.dc_events);
            }
            Kind::DataCollectionErrors if b.dc_errors > 0 => {
                self.count(&by_deployment, b.start, b.dc_errors);
            }
            Kind::DataCollectionEvents | Kind::DataCollectionErrors | Kind::NotRecorded => {}
        }
    }
}

/// The metric `info` over `buckets` (deployment name, bucket), keeping the cells `filter`
/// accepts, one group per combination of the `split` dimensions' values.
///
/// Count metrics give one sample per bucket (the bucket's count); latency, CPU, memory and
/// capacity keep every raw sample; percentiles give one sample per bucket (the percentile of
/// the bucket's latencies).
pub(crate) fn collect(
    buckets: &[(String, Bucket)],
    info: &MetricInfo,
    filter: &Filter,
    split: &[String],
) -> Groups {
    let mut c = Collector {
        filter,
        split,
        counts: BTreeMap::new(),
        aggs: BTreeMap::new(),
        histograms: BTreeMap::new(),
    };
    for (deployment, bucket) in buckets {
        c.add(info.kind, deployment, bucket);
    }
    let mut groups = c.aggs;
    for (key, by_start) in c.counts {
        let entry = groups.entry(key).or_default();
        for (start, n) in by_start {
            entry.insert(start, Agg::single(n));
        }
    }
    if let Kind::Percentile(q) = info.kind {
        for (key, by_start) in c.histograms {
            let entry = groups.entry(key).or_default();
            for (start, h) in by_start {
                if let Some(v) = h.quantile(q) {
                    entry.insert(start, Agg::single(v));
                }
            }
        }
    }
    groups
}

/// The aggregate of one group over the buckets of `grain` seconds starting in `[from, to)`;
/// count metrics read zero in buckets without a sample.
pub(crate) fn window(
    values: Option<&BTreeMap<i64, Agg>>,
    kind: Kind,
    grain: i64,
    from: i64,
    to: i64,
) -> Agg {
    let mut agg = Agg::default();
    if let Some(values) = values {
        for (_, a) in values.range(from..to) {
            agg.merge(a);
        }
    }
    if kind.zero_filled() && grain > 0 && to > from {
        let first = from.div_euclid(grain) * grain
            + if from.rem_euclid(grain) == 0 {
                0
            } else {
                grain
            };
        let buckets = u64::try_from((to - first + grain - 1).div_euclid(grain)).unwrap_or(0);
        let missing = buckets.saturating_sub(agg.count);
        if missing > 0 {
            agg.merge(&Agg {
                sum: 0.0,
                count: missing,
                min: 0.0,
                max: 0.0,
            });
        }
    }
    agg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::monitor::metrics::catalog::{find, Scope};

    fn bucket(start: i64) -> Bucket {
        Bucket {
            start,
            ..Bucket::default()
        }
    }

    fn sample() -> Vec<(String, Bucket)> {
        let mut a = bucket(0);
        a.add_requests(200, true, 5);
        a.add_requests(503, false, 2);
        a.latency.add(10.0);
        a.percentiles.add(10.0);
        a.percentiles.add(30.0);
        let mut b = bucket(60);
        b.add_requests(500, true, 1);
        if let Some(cell) = b.instance_mut("i0") {
            cell.cpu.add(80.0);
        }
        let mut green = bucket(0);
        green.add_requests(200, true, 3);
        green.percentiles.add(50.0);
        vec![
            ("blue".into(), a),
            ("blue".into(), b),
            ("green".into(), green),
        ]
    }

    #[test]
    fn requests_split_by_class_and_filtered_by_deployment() {
        let info = find(Scope::Endpoint, "RequestsPerMinute").unwrap();
        let filter = Filter::parse("deployment eq 'blue' and statusCodeClass eq '*'").unwrap();
        let split = filter.split_dimensions();
        let groups = collect(&sample(), info, &filter, &split);
        let get = |d: &str, c: &str, t: i64| {
            groups
                .get(&vec![d.to_owned(), c.to_owned()])
                .and_then(|m| m.get(&t))
                .map(|a| a.sum)
        };
        assert_eq!(get("blue", "2xx", 0), Some(5.0));
        assert_eq!(get("blue", "5xx", 0), Some(2.0));
        assert_eq!(get("blue", "5xx", 60), Some(1.0));
        assert_eq!(groups.len(), 2);
        let all = collect(&sample(), info, &Filter::default(), &[]);
        assert_eq!(all[&Vec::<String>::new()][&0], Agg::single(10.0));
    }

    #[test]
    fn model_status_is_empty_for_rejections() {
        let info = find(Scope::Endpoint, "RequestsPerMinute").unwrap();
        let filter = Filter::parse("modelStatusCode eq ''").unwrap();
        let groups = collect(&sample(), info, &filter, &[]);
        assert_eq!(groups[&Vec::<String>::new()][&0].sum, 2.0);
    }

    #[test]
    fn percentiles_merge_deployments_before_ranking() {
        let info = find(Scope::Endpoint, "RequestLatency_P99").unwrap();
        let groups = collect(&sample(), info, &Filter::default(), &[]);
        assert_eq!(groups[&Vec::<String>::new()][&0], Agg::single(50.0));
        let p50 = find(Scope::Endpoint, "RequestLatency_P50").unwrap();
        let split = vec!["deployment".to_owned()];
        let by = collect(&sample(), p50, &Filter::default(), &split);
        assert_eq!(by[&vec!["blue".to_owned()]][&0], Agg::single(10.0));
    }

    #[test]
    fn windows_zero_fill_count_metrics_only() {
        let mut values = BTreeMap::new();
        values.insert(60, Agg::single(6.0));
        let rpm = window(Some(&values), Kind::Requests, 60, 0, 180);
        assert_eq!((rpm.sum, rpm.count, rpm.min, rpm.max), (6.0, 3, 0.0, 6.0));
        let cpu = window(Some(&values), Kind::Cpu, 60, 0, 180);
        assert_eq!(cpu, Agg::single(6.0));
        assert!(window(None, Kind::Cpu, 60, 0, 180).is_empty());
        assert_eq!(window(None, Kind::Requests, 60, 30, 90).count, 1);
        assert!(window(None, Kind::Requests, 60, 30, 50).is_empty());
    }
}
