//! A deployment's `dataCollector` as the data collector reads it, and the sampling decision.
//!
//! Sampling is deterministic: the `k`-th request of a deployment is sampled for a collection of
//! rate `r` when `⌊(k+1)·r + φ⌋ > ⌊k·r + φ⌋`, with the phase `φ ∈ [0, 1)` drawn from a seed. So
//! exactly `⌊n·r⌋` or `⌈n·r⌉` of any `n` consecutive requests are sampled, collections with
//! the same rate sample the same requests (inputs and outputs stay paired), and a seed replays
//! the same choice.

use serde_json::Value;

/// How often collected data rolls over to a new folder (`rollingRate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RollingRate {
    /// `{yyyy}`.
    Year,
    /// `{yyyy}/{MM}`.
    Month,
    /// `{yyyy}/{MM}/{dd}`.
    Day,
    /// `{yyyy}/{MM}/{dd}/{HH}` (Azure's default).
    #[default]
    Hour,
    /// `{yyyy}/{MM}/{dd}/{HH}/{mm}`.
    Minute,
}

impl RollingRate {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "year" => Some(Self::Year),
            "month" => Some(Self::Month),
            "day" => Some(Self::Day),
            "hour" => Some(Self::Hour),
            "minute" => Some(Self::Minute),
            _ => None,
        }
    }
}

/// One enabled collection.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CollectionConfig {
    /// `model_inputs`, `model_outputs`, `request`, `response`, or a custom name.
    pub name: String,
    /// Fraction of requests collected, in (0, 1] (1 when the deployment doesn't say).
    pub sampling_rate: f64,
}

/// A deployment's data collection settings (enabled collections only).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DataCollectionConfig {
    /// Enabled collections, by name.
    pub collections: Vec<CollectionConfig>,
    /// Folder roll-over.
    pub rolling_rate: RollingRate,
}

impl DataCollectionConfig {
    /// Reads `properties.dataCollector` of a deployment resource (REST JSON); `None` when it has
    /// none or no collection is enabled.
    ///
    /// ```
    /// use azureml_emulator::core::monitor::DataCollectionConfig;
    /// let deployment = serde_json::json!({"properties": {"dataCollector": {
    ///     "collections": {"model_inputs": {"dataCollectionMode": "Enabled", "samplingRate": 0.5},
    ///                     "model_outputs": {"dataCollectionMode": "Disabled"}},
    ///     "rollingRate": "Hour"}}});
    /// let config = DataCollectionConfig::from_deployment(&deployment).unwrap();
    /// assert_eq!(config.collections.len(), 1);
    /// assert_eq!(config.collections[0].sampling_rate, 0.5);
    /// ```
    pub fn from_deployment(resource: &Value) -> Option<Self> {
        let collector = resource.pointer("/properties/dataCollector")?;
        let collections: Vec<CollectionConfig> = collector
            .get("collections")?
            .as_object()?
            .iter()
            .filter(|(_, c)| {
                c.get("dataCollectionMode")
                    .and_then(Value::as_str)
                    .is_none_or(|m| !m.eq_ignore_ascii_case("disabled"))
            })
            .map(|(name, c)| CollectionConfig {
                name: name.clone(),
                sampling_rate: c
                    .get("samplingRate")
                    .and_then(Value::as_f64)
                    .filter(|r| r.is_finite() && *r > 0.0)
                    .map_or(1.0, |r| r.min(1.0)),
            })
            .collect();
        if collections.is_empty() {
            return None;
        }
        let rolling_rate = collector
            .get("rollingRate")
            .and_then(Value::as_str)
            .and_then(RollingRate::parse)
            .unwrap_or_default();
        Some(Self {
            collections,
            rolling_rate,
        })
    }

    /// The enabled collection named `name`.
    pub fn collection(&self, name: &str) -> Option<&CollectionConfig> {
        self.collections.iter().find(|c| c.name == name)
    }
}

/// SplitMix64: a well-mixed 64-bit value from a seed.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether the `request_index`-th request (0-based, per deployment) is sampled at `rate`
/// under `seed` (see the module documentation).
pub fn is_sampled(rate: f64, seed: u64, request_index: u64) -> bool {
    if rate.is_nan() || rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    let phase = (mix(seed) >> 11) as f64 / (1u64 << 53) as f64;
    let k = request_index as f64;
    ((k + 1.0) * rate + phase).floor() > (k * rate + phase).floor()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rates_are_honoured_exactly_over_any_run() {
        for (rate, seed) in [(0.5, 0), (0.1, 7), (0.33, 42), (0.01, 3)] {
            let picked: Vec<bool> = (0..1_000).map(|k| is_sampled(rate, seed, k)).collect();
            for window in [100usize, 1_000] {
                let n = picked.iter().take(window).filter(|s| **s).count() as f64;
                let expected = window as f64 * rate;
                assert!(
                    (n - expected).abs() <= 1.0,
                    "rate {rate} seed {seed}: {n} of {window}"
                );
            }
        }
        assert!((0..100).all(|k| is_sampled(1.0, 9, k)));
        assert!((0..100).all(|k| !is_sampled(0.0, 9, k) && !is_sampled(f64::NAN, 9, k)));
    }

    #[test]
    fn seeds_change_which_requests_and_replay_the_same() {
        let run = |seed| {
            (0..64)
                .map(|k| is_sampled(0.25, seed, k))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        let patterns: std::collections::BTreeSet<Vec<bool>> = (0..32).map(run).collect();
        assert!(patterns.len() > 1, "the seed moves the phase");
    }

    #[test]
    fn reads_the_wire_shape() {
        let d = json!({"properties": {"dataCollector": {"collections": {
            "request": {"dataCollectionMode": "enabled"},
            "custom": {"samplingRate": 7.0},
            "off": {"dataCollectionMode": "Disabled"}
        }, "rollingRate": "minute"}}});
        let c = DataCollectionConfig::from_deployment(&d).unwrap();
        assert_eq!(c.rolling_rate, RollingRate::Minute);
        assert_eq!(c.collection("request").map(|c| c.sampling_rate), Some(1.0));
        assert_eq!(c.collection("custom").map(|c| c.sampling_rate), Some(1.0));
        assert!(c.collection("off").is_none());
        assert!(DataCollectionConfig::from_deployment(&json!({"properties": {}})).is_none());
        let all_off = json!({"properties": {"dataCollector": {"collections": {"a": {"dataCollectionMode": "Disabled"}}}}});
        assert!(DataCollectionConfig::from_deployment(&all_off).is_none());
    }
}
