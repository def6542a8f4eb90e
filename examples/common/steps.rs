//! The seed tutorial's steps, one function each, shared by `examples/tutorial.rs` and the
//! per-step examples.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use azure_ai_ml::monitor::{
    AggregationType, AutoscaleSetting, MetricsResponse, ScaleCapacity, ScaleRule, Timespan,
};
use azure_ai_ml::{
    DataCollector, DeploymentCollection, EndpointCredentials, InvokeRequest, MLClient,
    ManagedOnlineDeployment, ManagedOnlineEndpoint, Result, ScoringClient,
};
use serde::Deserialize;

use super::jsonl::jsonl_files;
use super::spec;
use super::{assets, wait, Session};

pub use super::spec::{endpoint, ENDPOINT};

/// The seed's autoscale setting (`az monitor autoscale create --name churn-autoscale`).
pub const AUTOSCALE: &str = "churn-autoscale";

/// What the tutorial's `score.py` returns (as a JSON string inside JSON, like on Azure).
#[derive(Debug, Deserialize)]
pub struct Prediction {
    #[serde(default)]
    pub predictions: Vec<i64>,
    #[serde(default)]
    pub probabilities: Vec<Vec<f64>>,
    #[serde(default)]
    pub error: Option<String>,
}

pub async fn invoke(
    ml_client: &MLClient,
    deployment: Option<&str>,
) -> Result<(Prediction, Option<String>)> {
    let mut request = InvokeRequest::file(assets().join("sample.json"));
    if let Some(d) = deployment {
        request = request.deployment(d);
    }
    let out = ml_client
        .online_endpoints()
        .invoke(ENDPOINT, request, None)
        .await?;
    let served_by = out
        .headers
        .get("azureml-model-deployment")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((out.json()?, served_by))
}

pub fn show(prediction: &Prediction) -> String {
    if let Some(e) = &prediction.error {
        return format!("model error: {e}");
    }
    let churn: Vec<String> = prediction
        .probabilities
        .iter()
        .map(|p| format!("{:.3}", p.get(1).copied().unwrap_or_default()))
        .collect();
    format!(
        "predictions {:?}, churn probability [{}]",
        prediction.predictions,
        churn.join(", ")
    )
}

/// What the first steps registered.
pub struct Registered {
    pub model_id: String,
    pub env_id: String,
}

impl Registered {
    /// Deployment `name` of the registered model and environment, scored by the tutorial's
    /// `examples/assets/scoring/score.py`.
    pub fn deployment(&self, name: &str) -> ManagedOnlineDeployment {
        spec::deployment(
            name,
            &self.model_id,
            &self.env_id,
            &assets().join("scoring").to_string_lossy(),
        )
    }
}

/// Step 1: train and register the model.
pub async fn step1_register_model(session: &Session) -> Result<String> {
    let ml_client = &session.ml_client;
    println!("Step 1: register the model");
    println!(
        "    training the churn model (scikit-learn, fixed seed) in the environment's Python…"
    );
    let model_path = session.train_model().await?;
    let model = spec::model(&model_path.to_string_lossy());
    let registered = ml_client.models().create_or_update(&model, None).await?;
    println!(
        "    Registered model: {} version {}",
        registered.name,
        registered.version.as_deref().unwrap_or("?")
    );
    Ok(registered.id().unwrap_or_default().to_owned())
}

/// Step 2: the scoring script (a file; nothing to call).
pub fn step2_scoring_script() {
    println!(
        "Step 2: the scoring script is {}",
        assets().join("scoring/score.py").display()
    );
}

/// Step 3: register the environment.
pub async fn step3_register_environment(ml_client: &MLClient) -> Result<String> {
    println!("Step 3: define the environment");
    let env = spec::environment(&assets().join("environment/conda.yml").to_string_lossy());
    let registered = ml_client
        .environments()
        .create_or_update(&env, None)
        .await?;
    println!(
        "    Environment registered: {} version {}",
        registered.name,
        registered.version.as_deref().unwrap_or("?")
    );
    Ok(registered.id().unwrap_or_default().to_owned())
}

/// Steps 1–3 together.
pub async fn register_assets(session: &Session) -> Result<Registered> {
    let model_id = step1_register_model(session).await?;
    step2_scoring_script();
    let env_id = step3_register_environment(&session.ml_client).await?;
    Ok(Registered { model_id, env_id })
}

/// Step 4: create the endpoint.
pub async fn step4_create_endpoint(ml_client: &MLClient) -> Result<ManagedOnlineEndpoint> {
    println!("Step 4: create the endpoint");
    let endpoint = endpoint();
    wait(
        "endpoint",
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint, None)
            .await?,
        None,
    )
    .await?;
    println!("    Endpoint created: {ENDPOINT}");
    Ok(endpoint)
}

/// Sets the endpoint's traffic split and waits for it.
pub async fn route(
    ml_client: &MLClient,
    endpoint: &mut ManagedOnlineEndpoint,
    split: &[(&str, u32)],
) -> Result<()> {
    endpoint.traffic = split.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    let label = split
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    wait(
        &format!("traffic {label}"),
        ml_client
            .online_endpoints()
            .begin_create_or_update(&*endpoint, None)
            .await?,
        None,
    )
    .await
}

/// Creates (or updates) a deployment, printing its progress and build log.
pub async fn create_deployment(ml_client: &MLClient, d: &ManagedOnlineDeployment) -> Result<()> {
    wait(
        &d.name,
        ml_client
            .online_deployments()
            .begin_create_or_update(d, None)
            .await?,
        Some((ml_client, &d.name, ENDPOINT)),
    )
    .await
}

/// Step 5: the blue deployment, then all traffic to it.
pub async fn step5_create_deployment(
    ml_client: &MLClient,
    registered: &Registered,
    endpoint: &mut ManagedOnlineEndpoint,
) -> Result<()> {
    println!("Step 5: create the blue deployment");
    create_deployment(ml_client, &registered.deployment("blue")).await?;
    route(ml_client, endpoint, &[("blue", 100)]).await?;
    println!("    Deployment complete. All traffic routed to 'blue' deployment.");
    Ok(())
}

/// Step 6: invoke through the SDK, then the curl way (scoring URI + key, no ARM rights).
pub async fn step6_test_endpoint(session: &Session) -> Result<()> {
    let ml_client = &session.ml_client;
    println!("Step 6: test the endpoint");
    let (prediction, _) = invoke(ml_client, Some("blue")).await?;
    println!("    Response: {}", show(&prediction));
    let scoring_uri = ml_client
        .online_endpoints()
        .get(ENDPOINT, None)
        .await?
        .scoring_uri()
        .map(str::to_owned);
    let keys = ml_client
        .online_endpoints()
        .get_keys(ENDPOINT, None)
        .await?;
    if let (Some(uri), EndpointCredentials::Keys(keys)) = (scoring_uri, keys) {
        println!("    ENDPOINT_URL={uri}");
        if let Some(key) = keys.primary_key {
            let uri = uri
                .parse()
                .map_err(|e| azure_ai_ml::Error::other(format!("scoring URI: {e}")))?;
            let mut builder = ScoringClient::builder().with_key(uri, key);
            if let Some(ws) = session.local() {
                builder = builder.with_root_certificate_pem(ws.ca_pem().as_bytes().to_vec());
            }
            let out = builder
                .build()?
                .invoke(InvokeRequest::text(
                    r#"{"data": [[12, 29.85, 358.20, 1, 0]]}"#,
                ))
                .await?;
            println!(
                "    curl-style call with the primary key: {}",
                show(&out.json()?)
            );
        }
    }
    Ok(())
}

/// Step 7: the seed's autoscale setting, `az monitor autoscale create --min-count 1
/// --max-count 5 --count 1` on the blue deployment plus `az monitor autoscale rule create
/// --condition "CpuUtilizationPercentage > 70 avg 5m" --scale out 1`.
pub async fn step7_autoscale(ml_client: &MLClient) -> Result<AutoscaleSetting> {
    println!("Step 7: set up autoscaling");
    let autoscale = ml_client.autoscale();
    let setting = AutoscaleSetting::new(AUTOSCALE)
        .target(autoscale.deployment_target(ENDPOINT, "blue")?)
        .capacity(ScaleCapacity::range(1..=5).with_default(1))
        .rule(ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")?.scale_out(1));
    let stored = autoscale.create_or_update(&setting, None).await?;
    show_autoscale(&stored);
    Ok(stored)
}

/// Prints a setting the way `az monitor autoscale show` reads.
pub fn show_autoscale(setting: &AutoscaleSetting) {
    println!(
        "    Autoscale setting {} ({}), location {}",
        setting.name,
        if setting.enabled {
            "enabled"
        } else {
            "disabled"
        },
        setting.location.as_deref().unwrap_or("?")
    );
    println!("      target: {}", setting.target_resource_uri);
    for profile in &setting.profiles {
        let c = &profile.capacity;
        println!(
            "      profile '{}': min {}, max {}, default {}",
            profile.name, c.minimum, c.maximum, c.default
        );
        for rule in &profile.rules {
            println!("        rule: {rule}");
        }
    }
}

/// Blue-green: green next to blue, 90/10, 0/100, delete blue.
pub async fn blue_green(
    ml_client: &MLClient,
    registered: &Registered,
    endpoint: &mut ManagedOnlineEndpoint,
) -> Result<()> {
    println!("Blue-green deployment");
    create_deployment(ml_client, &registered.deployment("green")).await?;
    let (prediction, _) = invoke(ml_client, Some("green")).await?;
    println!("    green answers: {}", show(&prediction));

    route(ml_client, endpoint, &[("blue", 90), ("green", 10)]).await?;
    let mut served: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..50 {
        let (_, by) = invoke(ml_client, None).await?;
        *served
            .entry(by.unwrap_or_else(|| "(not reported)".into()))
            .or_default() += 1;
    }
    println!("    50 calls at 90/10 were served by: {served:?}");

    route(ml_client, endpoint, &[("blue", 0), ("green", 100)]).await?;
    let (prediction, by) = invoke(ml_client, None).await?;
    println!(
        "    after 0/100, served by {}: {}",
        by.as_deref().unwrap_or("?"),
        show(&prediction)
    );

    wait(
        "delete blue",
        ml_client
            .online_deployments()
            .begin_delete("blue", ENDPOINT, None)
            .await?,
        None,
    )
    .await?;
    println!("    Deleted the blue deployment.");
    Ok(())
}

/// Monitoring: turn on data collection for a deployment, then read its log.
pub async fn data_collection(
    ml_client: &MLClient,
    registered: &Registered,
    name: &str,
) -> Result<()> {
    println!("Monitoring: data collection on {name}");
    let mut d = registered.deployment(name);
    d.data_collector = Some(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new())
            .collection("model_outputs", DeploymentCollection::new()),
    );
    create_deployment(ml_client, &d).await?;
    let logs = ml_client
        .online_deployments()
        .get_logs(name, ENDPOINT, 5, None)
        .await?;
    println!("    last lines of {name}'s log:");
    for line in logs.lines() {
        println!("      | {line}");
    }
    Ok(())
}

/// Sends `calls` predictions to `deployment` (the tutorial's sample), so the metrics have
/// something to show.
pub async fn traffic(ml_client: &MLClient, deployment: &str, calls: usize) -> Result<()> {
    for _ in 0..calls {
        invoke(ml_client, Some(deployment)).await?;
    }
    println!("    sent {calls} predictions to {deployment}");
    Ok(())
}

/// Every value of one aggregation of metric `name` in an answer, oldest first.
fn values(
    answer: &MetricsResponse,
    name: &str,
    pick: fn(&azure_ai_ml::monitor::MetricValue) -> Option<f64>,
) -> Vec<f64> {
    answer
        .metric(name)
        .map(|m| {
            m.timeseries
                .iter()
                .flat_map(|t| t.data.iter())
                .filter_map(pick)
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (at most 5 s) until the metrics API has a CPU sample of `deployment`: the offline
/// workspace samples each ready instance every 2 s, so a deployment that just started may have
/// none yet. Asking is cheaper than a fixed pause.
async fn first_cpu_sample(ml_client: &MLClient, deployment: &str) -> Result<()> {
    let metrics = ml_client.metrics();
    for _ in 0..20 {
        let span = Timespan::last(Duration::from_secs(3600));
        let request = metrics
            .cpu_utilization(ENDPOINT, deployment)?
            .with_timespan(span.start, span.end)
            .with_interval(Duration::from_secs(3600));
        let answer = metrics.list_request(&request, None).await?;
        let name = &request.query.metric_names[0];
        if !values(&answer, name, |v| v.average).is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

/// The seed's "Monitoring Your Endpoint": request count, latency P50/P90/P99, CPU and
/// memory per instance and 4xx/5xx counts of a deployment over the last hour, from the
/// metrics API (Azure Monitor's, or the offline workspace's own measurements).
pub async fn show_metrics(ml_client: &MLClient, deployment: &str) -> Result<()> {
    let metrics = ml_client.metrics();
    let span = Timespan::last(Duration::from_secs(3600));
    let minute = Duration::from_secs(60);
    let mut count = metrics
        .request_count(ENDPOINT, Some(deployment))?
        .with_timespan(span.start, span.end)
        .with_interval(minute);
    count.query = count.query.aggregation([AggregationType::Total]);
    let answer = metrics.list_request(&count, None).await?;
    let total: f64 = values(&answer, "RequestsPerMinute", |v| v.total)
        .iter()
        .sum();
    println!("    requests to {deployment} in the last hour: {total}");
    let latency = metrics
        .request_latency(ENDPOINT, Some(deployment))?
        .with_timespan(span.start, span.end)
        .with_interval(Duration::from_secs(3600));
    let answer = metrics.list_request(&latency, None).await?;
    let shown: Vec<String> = ["P50", "P90", "P99"]
        .iter()
        .map(|p| {
            let v = values(&answer, &format!("RequestLatency_{p}"), |v| v.average);
            v.last()
                .map_or_else(|| format!("{p} n/a"), |ms| format!("{p} {ms:.1} ms"))
        })
        .collect();
    println!("    request latency: {}", shown.join(", "));
    for (label, request) in [
        ("CPU", metrics.cpu_utilization(ENDPOINT, deployment)?),
        ("memory", metrics.memory_utilization(ENDPOINT, deployment)?),
    ] {
        let request = request
            .with_timespan(span.start, span.end)
            .with_interval(Duration::from_secs(3600));
        let answer = metrics.list_request(&request, None).await?;
        let name = &request.query.metric_names[0];
        let average = values(&answer, name, |v| v.average);
        let maximum = values(&answer, name, |v| v.maximum);
        match (average.last(), maximum.iter().copied().reduce(f64::max)) {
            (Some(avg), Some(max)) => {
                println!(
                    "    {label} utilization per instance: average {avg:.1} %, peak {max:.1} %"
                )
            }
            _ => println!("    {label} utilization: no samples yet"),
        }
    }
    let mut errors = metrics
        .error_counts(ENDPOINT, Some(deployment))?
        .with_timespan(span.start, span.end)
        .with_interval(Duration::from_secs(3600));
    errors.query = errors.query.aggregation([AggregationType::Total]);
    let answer = metrics.list_request(&errors, None).await?;
    let by_class: Vec<String> = answer
        .metric("RequestsPerMinute")
        .map(|m| {
            m.timeseries
                .iter()
                .map(|t| {
                    let class = t
                        .metadata_values
                        .iter()
                        .find(|v| {
                            v.name
                                .as_ref()
                                .is_some_and(|n| n.value.eq_ignore_ascii_case("statusCodeClass"))
                        })
                        .and_then(|v| v.value.as_deref())
                        .unwrap_or("?");
                    let n: f64 = t.data.iter().filter_map(|v| v.total).sum();
                    format!("{class} {n}")
                })
                .collect()
        })
        .unwrap_or_default();
    println!(
        "    4xx/5xx answers: {}",
        if by_class.is_empty() {
            "none".to_owned()
        } else {
            by_class.join(", ")
        }
    );
    Ok(())
}

/// The data a deployment collected: offline, the JSON Lines files under the workspace folder
/// (Azure's blob layout); on Azure, where the blobs are.
pub async fn show_collected_data(session: &Session, deployment: &str) -> Result<()> {
    let Some(ws) = session.local() else {
        println!(
            "    collected data: the workspace's default datastore, modelDataCollector/{ENDPOINT}/{deployment}/{{model_inputs,model_outputs}}/yyyy/MM/dd/HH/*.jsonl"
        );
        return Ok(());
    };
    ws.flush_data_collection().await;
    let folder = ws.data_collection_dir().join(ENDPOINT).join(deployment);
    for collection in ["model_inputs", "model_outputs"] {
        let files = jsonl_files(&folder.join(collection));
        let mut lines = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).map_err(|e| azure_ai_ml::Error::Io {
                path: Some(file.clone()),
                source: e,
            })?;
            lines.extend(text.lines().map(str::to_owned));
        }
        println!(
            "    {collection}: {} record(s) in {} file(s), e.g. {}",
            lines.len(),
            files.len(),
            files
                .first()
                .and_then(|f| f.strip_prefix(ws.dir()).ok())
                .map_or_else(|| "(none)".to_owned(), |p| p.display().to_string())
        );
        if let Some(first) = lines.first() {
            let record: serde_json::Value = serde_json::from_str(first)
                .map_err(|e| azure_ai_ml::Error::other(format!("collected record: {e}")))?;
            println!(
                "      correlation id {}, data {}",
                record["correlationid"].as_str().unwrap_or("?"),
                shorten(&record["data"].to_string(), 100)
            );
        }
    }
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The seed's monitoring section for one deployment: some traffic, its metrics, the data it
/// collected.
pub async fn monitoring(session: &Session, deployment: &str) -> Result<()> {
    println!("Monitoring your endpoint: {deployment}");
    traffic(&session.ml_client, deployment, 20).await?;
    if session.local().is_some() {
        first_cpu_sample(&session.ml_client, deployment).await?;
    }
    show_metrics(&session.ml_client, deployment).await?;
    show_collected_data(session, deployment).await
}

/// Deletes the tutorial's autoscale setting (when there is one).
pub async fn delete_autoscale(ml_client: &MLClient) -> Result<()> {
    ml_client.autoscale().delete(AUTOSCALE, None).await?;
    println!("    Deleted the autoscale setting {AUTOSCALE}.");
    Ok(())
}

/// Deletes the endpoint (and its deployments).
pub async fn cleanup(ml_client: &MLClient) -> Result<()> {
    println!("Cleaning up: delete the endpoint");
    wait(
        "delete endpoint",
        ml_client
            .online_endpoints()
            .begin_delete(ENDPOINT, None)
            .await?,
        None,
    )
    .await
}
