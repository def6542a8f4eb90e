//! The seed tutorial's steps, one function each, shared by `examples/tutorial.rs` and the
//! per-step examples.

#![allow(dead_code)]

use std::collections::BTreeMap;

use azure_ai_ml::{
    AuthMode, CodeConfiguration, DataCollector, DeploymentCollection, EndpointCredentials,
    Environment, InvokeRequest, MLClient, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
    ProbeSettings, Result, ScoringClient,
};
use serde::Deserialize;

use super::{assets, wait, Session};

pub const ENDPOINT: &str = "churn-prediction-v1";

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

pub fn deployment(name: &str, model_id: &str, env_id: &str) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new(name)
        .endpoint_name(ENDPOINT)
        .model(model_id)
        .environment(env_id)
        .code_configuration(CodeConfiguration::new(
            assets().join("scoring").to_string_lossy(),
            "score.py",
        ))
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
        .liveness_probe(
            ProbeSettings::new()
                .initial_delay(30)
                .period(10)
                .failure_threshold(3),
        )
        .readiness_probe(
            ProbeSettings::new()
                .initial_delay(30)
                .period(10)
                .failure_threshold(3),
        )
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

/// Step 1: train and register the model.
pub async fn step1_register_model(session: &Session) -> Result<String> {
    let ml_client = &session.ml_client;
    println!("Step 1: register the model");
    println!(
        "    training the churn model (scikit-learn, fixed seed) in the environment's Python…"
    );
    let model_path = session.train_model().await?;
    let model = Model::new("customer-churn-model")
        .path(model_path.to_string_lossy())
        .description("Gradient boosting classifier for customer churn prediction");
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
    let env = Environment::new("churn-model-env")
        .description("Environment for the customer churn prediction model")
        .conda_file(
            assets()
                .join("environment/conda.yml")
                .to_string_lossy()
                .into_owned(),
        )
        .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest");
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

/// The tutorial's endpoint (key auth, tags).
pub fn endpoint() -> ManagedOnlineEndpoint {
    ManagedOnlineEndpoint::new(ENDPOINT)
        .description("Real-time customer churn prediction endpoint")
        .auth_mode(AuthMode::Key)
        .tags([("team", "data-science"), ("project", "churn")])
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
    create_deployment(
        ml_client,
        &deployment("blue", &registered.model_id, &registered.env_id),
    )
    .await?;
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

/// Step 7 of the seed configures Azure Monitor autoscale through the Azure CLI.
pub fn step7_autoscale() {
    println!("Step 7: autoscaling uses Azure Monitor autoscale settings; not part of this crate yet (skipped)");
}

/// Blue-green: green next to blue, 90/10, 0/100, delete blue.
pub async fn blue_green(
    ml_client: &MLClient,
    registered: &Registered,
    endpoint: &mut ManagedOnlineEndpoint,
) -> Result<()> {
    println!("Blue-green deployment");
    create_deployment(
        ml_client,
        &deployment("green", &registered.model_id, &registered.env_id),
    )
    .await?;
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
    let mut d = deployment(name, &registered.model_id, &registered.env_id);
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
