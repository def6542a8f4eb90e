//! The JSON Lines records Azure ML's data collector writes, and where it writes them.
//!
//! Layout (Azure's): `modelDataCollector/{endpoint}/{deployment}/{collection}/{yyyy}/{MM}/{dd}/{HH}/{instance_id}.jsonl`
//! in the workspace's default blob container, the date folders cut at the rolling rate.
//!
//! Records (CloudEvents-shaped, one JSON object a line):
//! * payload logging (`request` / `response` collections): `specversion`, `id`, `source` (the
//!   deployment's ARM id), `type` (`azureml.inference.request` / `.response`), `datacontenttype`,
//!   `time`, `data`, `path` and `method` (request only), `contentrange`, `correlationid`,
//!   `xrequestid`;
//! * `model_inputs` / `model_outputs`: the same envelope with `type`
//!   `azureml.inference.model_inputs` / `.model_outputs`, `modelversion`, `collectdatatype`,
//!   `agent`. A scoring script would log these itself with `azureml-ai-monitoring`; the emulator
//!   logs what the tutorial's script would: the request's `data` (or `input_data`) field, or the
//!   whole request, as inputs, and the answer as outputs (JSON payloads only).
//!
//! Custom collections are the scoring script's business and are not written by the emulator.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::config::{is_sampled, DataCollectionConfig, RollingRate};
use crate::core::monitor::metrics::query::rfc3339;

/// The folder of collected data in the workspace's default datastore.
pub const DATA_COLLECTOR_FOLDER: &str = "modelDataCollector";
/// The `agent` of emulated `model_inputs` / `model_outputs` records.
const AGENT: &str = "azureml-emulator";

/// One scored request, as the data collector sees it.
#[derive(Clone, Copy, Debug)]
pub struct ScoringExchange<'a> {
    /// Endpoint name.
    pub endpoint: &'a str,
    /// Deployment name.
    pub deployment: &'a str,
    /// The deployment's ARM id (the records' `source`).
    pub source: &'a str,
    /// Shared by the request's records (`correlationid`, `xrequestid`): the answer's
    /// `x-request-id`.
    pub correlation_id: &'a str,
    /// `POST`.
    pub method: &'a str,
    /// `/score` (with the query, if any).
    pub path: &'a str,
    /// The request body.
    pub request_body: &'a [u8],
    /// The request's `Content-Type`.
    pub request_content_type: Option<&'a str>,
    /// The answer body.
    pub response_body: &'a [u8],
    /// The answer's `Content-Type`.
    pub response_content_type: Option<&'a str>,
    /// When the request arrived.
    pub time: OffsetDateTime,
    /// The serving instance (the file name of its records).
    pub instance_id: &'a str,
}

/// One collected record and where it goes.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CollectedRecord {
    /// The collection (`model_inputs`, …).
    pub collection: String,
    /// Path inside the workspace's default blob container.
    pub blob_path: String,
    /// The record.
    pub record: Value,
}

impl CollectedRecord {
    /// The record as one JSON Lines line (no trailing newline).
    pub fn line(&self) -> String {
        self.record.to_string()
    }
}

/// `modelDataCollector/{endpoint}/{deployment}/{collection}/{yyyy}/{MM}/{dd}/{HH}/{instance_id}.jsonl`,
/// the date folders cut at `rolling`.
pub fn blob_path(
    endpoint: &str,
    deployment: &str,
    collection: &str,
    rolling: RollingRate,
    time: OffsetDateTime,
    instance_id: &str,
) -> String {
    let t = time.checked_to_offset(time::UtcOffset::UTC).unwrap_or(time);
    let mut folders = vec![format!("{:04}", t.year())];
    let parts = [
        (RollingRate::Month, u8::from(t.month())),
        (RollingRate::Day, t.day()),
        (RollingRate::Hour, t.hour()),
        (RollingRate::Minute, t.minute()),
    ];
    let depth = match rolling {
        RollingRate::Year => 0,
        RollingRate::Month => 1,
        RollingRate::Day => 2,
        RollingRate::Hour => 3,
        RollingRate::Minute => 4,
    };
    folders.extend(parts.iter().take(depth).map(|(_, n)| format!("{n:02}")));
    format!(
        "{DATA_COLLECTOR_FOLDER}/{endpoint}/{deployment}/{collection}/{}/{instance_id}.jsonl",
        folders.join("/")
    )
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|t| t.to_ascii_lowercase().contains("json"))
}

/// The payload as the record's `data`: parsed JSON for JSON bodies, text otherwise.
fn payload(body: &[u8], content_type: Option<&str>) -> (Value, String) {
    let kind = content_type.unwrap_or("application/json").to_owned();
    if is_json(content_type) {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            return (v, kind);
        }
    }
    (
        Value::String(String::from_utf8_lossy(body).into_owned()),
        kind,
    )
}

fn content_range(len: usize, total_known: bool) -> String {
    match (len, total_known) {
        (0, _) => "bytes */0".into(),
        (n, true) => format!("bytes 0-{}/{n}", n - 1),
        (n, false) => format!("bytes 0-{}/*", n - 1),
    }
}

/// What a scoring script logging the parsed request would log as model inputs.
fn model_inputs(request: &Value) -> Value {
    ["data", "input_data"]
        .iter()
        .find_map(|k| request.get(*k).cloned())
        .unwrap_or_else(|| request.clone())
}

impl DataCollectionConfig {
    /// The records of one exchange: for each enabled `request`, `response`, `model_inputs` and
    /// `model_outputs` collection that samples the `request_index`-th request of the
    /// deployment under `seed`.
    pub fn records(
        &self,
        exchange: &ScoringExchange<'_>,
        seed: u64,
        request_index: u64,
    ) -> Vec<CollectedRecord> {
        let e = exchange;
        let time = rfc3339(e.time);
        let (request, request_type) = payload(e.request_body, e.request_content_type);
        let (response, response_type) = payload(e.response_body, e.response_content_type);
        // A `run()` returning `json.dumps(x)` is answered as a JSON string holding JSON: the
        // model's output is `x`.
        let output = match &response {
            Value::String(inner) if is_json(e.response_content_type) => {
                serde_json::from_str::<Value>(inner)
                    .ok()
                    .filter(|v| v.is_object() || v.is_array())
                    .unwrap_or_else(|| response.clone())
            }
            _ => response.clone(),
        };
        let json_exchange = is_json(e.request_content_type)
            && request.is_object()
            && is_json(e.response_content_type)
            && !output.is_string();
        let mut out = Vec::new();
        for c in self
            .collections
            .iter()
            .filter(|c| is_sampled(c.sampling_rate, seed, request_index))
        {
            let envelope = |kind: &str, content_type: &str, data: Value| {
                let mut r = Map::new();
                r.insert("specversion".into(), json!("1.0"));
                r.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
                r.insert("source".into(), json!(e.source));
                r.insert("type".into(), json!(format!("azureml.inference.{kind}")));
                r.insert("datacontenttype".into(), json!(content_type));
                r.insert("time".into(), json!(time));
                r.insert("data".into(), data);
                r
            };
            let mut record = match c.name.as_str() {
                "request" => {
                    let mut r = envelope("request", &request_type, request.clone());
                    r.insert("path".into(), json!(e.path));
                    r.insert("method".into(), json!(e.method));
                    r.insert(
                        "contentrange".into(),
                        json!(content_range(e.request_body.len(), false)),
                    );
                    r
                }
                "response" => {
                    let mut r = envelope("response", &response_type, response.clone());
                    r.insert(
                        "contentrange".into(),
                        json!(content_range(e.response_body.len(), true)),
                    );
                    r
                }
                "model_inputs" | "model_outputs" if json_exchange => {
                    let data = if c.name == "model_inputs" {
                        model_inputs(&request)
                    } else {
                        output.clone()
                    };
                    let len = data.to_string().len();
                    let mut r = envelope(&c.name, "application/json", data);
                    r.insert("modelversion".into(), json!("default"));
                    r.insert(
                        "collectdatatype".into(),
                        json!("pandas.core.frame.DataFrame"),
                    );
                    r.insert("agent".into(), json!(AGENT));
                    r.insert("contentrange".into(), json!(content_range(len, true)));
                    r
                }
                _ => continue,
            };
            record.insert("correlationid".into(), json!(e.correlation_id));
            record.insert("xrequestid".into(), json!(e.correlation_id));
            let record = Value::Object(record);
            out.push(CollectedRecord {
                collection: c.name.clone(),
                blob_path: blob_path(
                    e.endpoint,
                    e.deployment,
                    &c.name,
                    self.rolling_rate,
                    e.time,
                    e.instance_id,
                ),
                record,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const SOURCE: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/churn/deployments/blue";

    fn exchange<'a>(request: &'a [u8], response: &'a [u8]) -> ScoringExchange<'a> {
        ScoringExchange {
            endpoint: "churn",
            deployment: "blue",
            source: SOURCE,
            correlation_id: "corr-1",
            method: "POST",
            path: "/score",
            request_body: request,
            request_content_type: Some("application/json"),
            response_body: response,
            response_content_type: Some("application/json"),
            time: datetime!(2024-05-01 09:05:07.250 UTC),
            instance_id: "instance-0",
        }
    }

    fn config(names: &[&str], rate: f64, rolling: RollingRate) -> DataCollectionConfig {
        DataCollectionConfig {
            collections: names
                .iter()
                .map(|n| super::super::config::CollectionConfig {
                    name: (*n).into(),
                    sampling_rate: rate,
                })
                .collect(),
            rolling_rate: rolling,
        }
    }

    #[test]
    fn paths_follow_the_rolling_rate() {
        let t = datetime!(2024-05-01 09:05:07 UTC);
        let folders = [
            (RollingRate::Hour, "2024/05/01/09"),
            (RollingRate::Minute, "2024/05/01/09/05"),
            (RollingRate::Day, "2024/05/01"),
            (RollingRate::Month, "2024/05"),
            (RollingRate::Year, "2024"),
        ];
        for (rate, folder) in folders {
            assert_eq!(
                blob_path("churn", "blue", "model_inputs", rate, t, "i0"),
                format!("modelDataCollector/churn/blue/model_inputs/{folder}/i0.jsonl")
            );
        }
    }

    #[test]
    fn inputs_and_outputs_share_the_correlation_id() {
        let request = br#"{"data": [[1, 2], [3, 4]]}"#;
        let response = br#"[0, 1]"#;
        let c = config(
            &["model_inputs", "model_outputs", "custom"],
            1.0,
            RollingRate::Hour,
        );
        let records = c.records(&exchange(request, response), 0, 0);
        assert_eq!(records.len(), 2, "custom collections are the script's");
        let (inputs, outputs) = (&records[0].record, &records[1].record);
        assert_eq!(inputs["type"], "azureml.inference.model_inputs");
        assert_eq!(inputs["data"], json!([[1, 2], [3, 4]]));
        assert_eq!(inputs["time"], "2024-05-01T09:05:07Z");
        assert_eq!(inputs["source"], SOURCE);
        assert_eq!(inputs["contentrange"], "bytes 0-12/13");
        assert_eq!(outputs["type"], "azureml.inference.model_outputs");
        assert_eq!(outputs["data"], json!([0, 1]));
        for r in [inputs, outputs] {
            assert_eq!(r["correlationid"], "corr-1");
            assert_eq!(r["xrequestid"], "corr-1");
            assert_eq!(r["specversion"], "1.0");
        }
        assert_ne!(inputs["id"], outputs["id"]);
        assert!(!records[0].line().contains('\n'));
        assert_eq!(
            records[1].blob_path,
            "modelDataCollector/churn/blue/model_outputs/2024/05/01/09/instance-0.jsonl"
        );
    }

    #[test]
    fn payload_logging_keeps_path_method_and_ranges() {
        let c = config(&["request", "response"], 1.0, RollingRate::Hour);
        let records = c.records(&exchange(br#"{"a":1}"#, b"plain"), 0, 0);
        let (req, rsp) = (&records[0].record, &records[1].record);
        assert_eq!(
            (req["path"].as_str(), req["method"].as_str()),
            (Some("/score"), Some("POST"))
        );
        assert_eq!(req["contentrange"], "bytes 0-6/*");
        assert_eq!(req["data"], json!({"a": 1}));
        assert_eq!(rsp["data"], "plain");
        assert_eq!(rsp["contentrange"], "bytes 0-4/5");
        // A JSON string holding JSON (`return json.dumps(x)` in `run()`) is the model's `x`.
        let dumped = config(&["model_outputs"], 1.0, RollingRate::Hour).records(
            &exchange(br#"{"a":1}"#, br#""{\"predictions\": [1]}""#),
            0,
            0,
        );
        assert_eq!(dumped[0].record["data"], json!({"predictions": [1]}));
        // A text answer is no DataFrame: nothing for model_outputs.
        let model = config(&["model_outputs"], 1.0, RollingRate::Hour);
        assert!(model
            .records(&exchange(br#"{"a":1}"#, b"plain"), 0, 0)
            .is_empty());
    }

    #[test]
    fn sampling_decides_per_request_for_all_collections_alike() {
        let c = config(&["model_inputs", "model_outputs"], 0.5, RollingRate::Hour);
        let counts: Vec<usize> = (0..10)
            .map(|k| c.records(&exchange(br#"{"data":[1]}"#, b"[1]"), 3, k).len())
            .collect();
        assert!(counts.iter().all(|n| *n == 0 || *n == 2), "{counts:?}");
        assert_eq!(counts.iter().sum::<usize>(), 10);
    }
}
