//! Model data collection of a deployment (Python `DataCollector`, `DeploymentCollection`).

use std::collections::BTreeMap;

use super::enums::RollingRate;
use super::macros::setters;

/// One named collection (`model_inputs`, `model_outputs`, or `request`/`response` payloads).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DeploymentCollection {
    /// Whether this collection is on (sent as `enabled` / `disabled`).
    pub enabled: bool,
    /// ARM id of the data asset receiving the data (registered by the operation when unset).
    pub data: Option<String>,
    /// Client id of the identity writing the data.
    pub client_id: Option<String>,
    /// Fraction of requests collected (1.0 = all); the collector's rate overrides it.
    pub sampling_rate: Option<f64>,
}

impl Default for DeploymentCollection {
    fn default() -> Self {
        DeploymentCollection {
            enabled: true,
            data: None,
            client_id: None,
            sampling_rate: None,
        }
    }
}

impl DeploymentCollection {
    /// An enabled collection.
    pub fn new() -> Self {
        Self::default()
    }

    setters!(into: enabled: bool);
    setters!(some: data: String, client_id: String);
    setters!(exact: sampling_rate: f64);
}

/// Which request headers payload logging captures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestLogging {
    /// Header names.
    pub capture_headers: Vec<String>,
}

impl RequestLogging {
    /// Captures the given headers.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        RequestLogging {
            capture_headers: headers.into_iter().map(Into::into).collect(),
        }
    }
}

/// Data collection settings of a deployment.
///
/// ```
/// use azure_ai_ml::{DataCollector, DeploymentCollection, RollingRate};
/// let collector = DataCollector::new()
///     .collection("model_inputs", DeploymentCollection::new())
///     .collection("model_outputs", DeploymentCollection::new().enabled(false))
///     .rolling_rate(RollingRate::Hour)
///     .sampling_rate(0.5);
/// assert_eq!(collector.collections.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DataCollector {
    /// Collections by name.
    pub collections: BTreeMap<String, DeploymentCollection>,
    /// File roll-over rate.
    pub rolling_rate: Option<RollingRate>,
    /// Sampling rate copied into every collection (as Python does).
    pub sampling_rate: Option<f64>,
    /// Payload logging options.
    pub request_logging: Option<RequestLogging>,
}

impl DataCollector {
    /// No collections.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a collection.
    pub fn collection(mut self, name: impl Into<String>, collection: DeploymentCollection) -> Self {
        self.collections.insert(name.into(), collection);
        self
    }

    setters!(some: rolling_rate: RollingRate, request_logging: RequestLogging);
    setters!(exact: sampling_rate: f64);
}
