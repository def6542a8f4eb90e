//! Data collection on the fake workspace: a deployment's `dataCollector` turns scored requests
//! into the JSON Lines records Azure ML writes, at the sampling rate, under Azure's blob layout.
#![cfg(feature = "fake")]

mod monitor_support;

use std::collections::BTreeMap;

use azureml_emulator::fake::ScoreResponse;
use monitor_support::{Ws, ENDPOINT};
use serde_json::{json, Value};

fn collector(collections: &[&str], rate: Option<f64>, rolling: &str) -> Value {
    let mut map = serde_json::Map::new();
    for c in collections {
        let mut config = json!({"dataCollectionMode": "Enabled"});
        if let Some(r) = rate {
            config["samplingRate"] = json!(r);
        }
        map.insert((*c).to_owned(), config);
    }
    json!({"dataCollector": {"collections": map, "rollingRate": rolling}})
}

#[tokio::test]
async fn inputs_and_outputs_are_paired_by_the_request_id() {
    let ws = Ws::start().await;
    ws.fake
        .on_score(|req| ScoreResponse::json(&json!({"predictions": [req.json()["data"][0][0]]})));
    ws.deploy(&[(
        "blue",
        collector(&["model_inputs", "model_outputs"], None, "Hour"),
    )])
    .await;
    let mut request_ids = Vec::new();
    for i in 0..3 {
        let r = ws
            .score("blue", &json!({"data": [[i, 1.5]]}).to_string())
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        request_ids.push(r.header("x-request-id").expect("request id"));
    }
    let records = ws.fake.collected_data();
    assert_eq!(records.len(), 6);
    let mut by_request: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in &records {
        assert_eq!(
            r.blob_path,
            format!(
                "modelDataCollector/{ENDPOINT}/blue/{}/2024/07/01/10/fake-instance-0.jsonl",
                r.collection
            )
        );
        assert!(!r.line().contains('\n'));
        by_request
            .entry(r.record["correlationid"].as_str().unwrap().to_owned())
            .or_default()
            .push(r.record.clone());
    }
    assert_eq!(by_request.keys().cloned().collect::<Vec<_>>(), {
        let mut ids = request_ids.clone();
        ids.sort();
        ids
    });
    let first = &by_request[&request_ids[0]];
    let (inputs, outputs) = (&first[0], &first[1]);
    assert_eq!(inputs["type"], "azureml.inference.model_inputs");
    assert_eq!(inputs["data"], json!([[0, 1.5]]));
    assert_eq!(inputs["source"], ws.deployment_id("blue"));
    assert_eq!(inputs["time"], "2024-07-01T10:00:05Z");
    assert_eq!(inputs["specversion"], "1.0");
    assert_eq!(inputs["xrequestid"], inputs["correlationid"]);
    assert_eq!(outputs["type"], "azureml.inference.model_outputs");
    assert_eq!(outputs["data"], json!({"predictions": [0]}));
    // Each record counts as a data collection event.
    let metric = ws
        .metrics(&ws.endpoint_id(), "timespan=2024-07-01T10:00:00Z/2024-07-01T10:10:00Z&interval=FULL&metricnames=DataCollectionEventsPerMinute&aggregation=Total")
        .await
        .json();
    assert_eq!(metric["value"][0]["timeseries"][0]["data"][0]["total"], 6.0);
}

#[tokio::test]
async fn the_sampling_rate_is_honoured_exactly_and_replays_with_the_seed() {
    let ws = Ws::start().await;
    ws.fake.on_score(|_| ScoreResponse::json(&json!([1])));
    ws.deploy(&[(
        "green",
        collector(&["model_inputs", "model_outputs"], Some(0.3), "Day"),
    )])
    .await;
    let sampled = |ws: &Ws| {
        let mut ids: Vec<String> = ws
            .fake
            .collected_data()
            .iter()
            .filter(|r| r.collection == "model_inputs")
            .map(|r| r.record["data"].to_string())
            .collect();
        ids.dedup();
        ids
    };
    ws.fake.set_data_collection_seed(7);
    for i in 0..20 {
        ws.score("green", &json!({"data": [[i]]}).to_string()).await;
    }
    let first = sampled(&ws);
    assert_eq!(first.len(), 6, "30 % of 20");
    let records = ws.fake.collected_data();
    assert_eq!(records.len(), 12, "inputs and outputs of the same requests");
    assert!(
        records[0]
            .blob_path
            .ends_with("/green/model_inputs/2024/07/01/fake-instance-0.jsonl"),
        "{}",
        records[0].blob_path
    );
    ws.fake.set_data_collection_seed(7);
    for i in 0..20 {
        ws.score("green", &json!({"data": [[i]]}).to_string()).await;
    }
    let both = sampled(&ws);
    assert_eq!(both.len(), 12);
    assert_eq!(
        both[6..],
        first[..],
        "the same seed samples the same requests"
    );
}

#[tokio::test]
async fn payload_logging_records_requests_and_responses() {
    let ws = Ws::start().await;
    ws.fake
        .on_score(|_| ScoreResponse::text(200, "plain answer"));
    ws.deploy(&[(
        "red",
        collector(&["request", "response", "my_custom_log"], None, "Minute"),
    )])
    .await;
    let r = ws.score("red", r#"{"input_data": {"x": 1}}"#).await;
    let id = r.header("x-request-id").unwrap();
    let records = ws.fake.collected_data();
    assert_eq!(
        records.len(),
        2,
        "custom collections are written by the scoring script"
    );
    let (request, response) = (&records[0], &records[1]);
    assert_eq!(
        request.blob_path,
        format!("modelDataCollector/{ENDPOINT}/red/request/2024/07/01/10/00/fake-instance-0.jsonl")
    );
    assert_eq!(request.record["type"], "azureml.inference.request");
    assert_eq!(request.record["path"], "/score");
    assert_eq!(request.record["method"], "POST");
    assert_eq!(request.record["data"], json!({"input_data": {"x": 1}}));
    assert_eq!(request.record["contentrange"], "bytes 0-23/*");
    assert_eq!(response.record["type"], "azureml.inference.response");
    assert_eq!(response.record["data"], "plain answer");
    assert_eq!(
        response.record["datacontenttype"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.record["contentrange"], "bytes 0-11/12");
    assert_eq!(
        (
            request.record["correlationid"].as_str(),
            response.record["correlationid"].as_str()
        ),
        (Some(id.as_str()), Some(id.as_str()))
    );
}
