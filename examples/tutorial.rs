//! The seed tutorial ("How to Deploy a Machine Learning Model as a Real-Time Endpoint in Azure
//! Machine Learning"), every step, in Rust.
//!
//! ```sh
//! cargo run --features local --example tutorial
//! ```
//!
//! With no Azure settings it runs against a fresh offline workspace: the environment becomes a
//! real venv, the deployments real `azmlinfsrv` processes serving a real scikit-learn model.
//! With `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and `AZUREML_WORKSPACE_NAME` set it runs
//! against that Azure ML workspace (and creates billable compute: `Standard_DS3_v2`).

mod common;

use std::collections::BTreeMap;
use std::process::ExitCode;

use azure_ai_ml::{
    AuthMode, CodeConfiguration, DataCollector, DeploymentCollection, EndpointCredentials,
    Environment, InvokeRequest, MLClient, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
    ProbeSettings, Result, ScoringClient,
};
use common::{assets, wait, Session};
use serde::Deserialize;

const ENDPOINT: &str = "churn-prediction-v1";

/// What the tutorial's `score.py` returns (as a JSON string inside JSON, like on Azure).
#[derive(Debug, Deserialize)]
struct Prediction {
    #[serde(default)]
    predictions: Vec<i64>,
    #[serde(default)]
    probabilities: Vec<Vec<f64>>,
    #[serde(default)]
    error: Option<String>,
}

fn deployment(name: &str, model_id: &str, env_id: &str) -> ManagedOnlineDeployment {
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

async fn invoke(
    ml_client: &MLClient,
    deployment: Option<&str>,
) -> Result<(Prediction, Option<String>)> {
    let mut request = InvokeRequest::file(assets().join("sample.json"));
    if let Some(d) = deployment {
        request = request.deployment(d);
    }
    let out = ml_client
        .online_endpoints()
        .invoke(ENDPOINT, request)
        .await?;
    let served_by = out
        .headers
        .get("azureml-model-deployment")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((out.json()?, served_by))
}

fn show(prediction: &Prediction) -> String {
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

async fn tutorial(session: &Session) -> Result<()> {
    let ml_client = &session.ml_client;

    println!("Step 1: register the model");
    println!(
        "    training the churn model (scikit-learn, fixed seed) in the environment's Python…"
    );
    let model_path = session.train_model().await?;
    let model = Model::new("customer-churn-model")
        .path(model_path.to_string_lossy())
        .description("Gradient boosting classifier for customer churn prediction");
    let registered_model = ml_client.models().create_or_update(&model).await?;
    println!(
        "    Registered model: {} version {}",
        registered_model.name,
        registered_model.version.as_deref().unwrap_or("?")
    );

    println!(
        "Step 2: the scoring script is {}",
        assets().join("scoring/score.py").display()
    );

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
    let registered_env = ml_client.environments().create_or_update(&env).await?;
    println!(
        "    Environment registered: {} version {}",
        registered_env.name,
        registered_env.version.as_deref().unwrap_or("?")
    );

    println!("Step 4: create the endpoint");
    let mut endpoint = ManagedOnlineEndpoint::new(ENDPOINT)
        .description("Real-time customer churn prediction endpoint")
        .auth_mode(AuthMode::Key)
        .tags([("team", "data-science"), ("project", "churn")]);
    wait(
        "endpoint",
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint)
            .await?,
        None,
    )
    .await?;
    println!("    Endpoint created: {ENDPOINT}");

    println!("Step 5: create the blue deployment");
    let model_id = registered_model.id().unwrap_or_default().to_owned();
    let env_id = registered_env.id().unwrap_or_default().to_owned();
    let blue = deployment("blue", &model_id, &env_id);
    wait(
        "blue",
        ml_client
            .online_deployments()
            .begin_create_or_update(&blue)
            .await?,
        Some((ml_client, "blue", ENDPOINT)),
    )
    .await?;
    endpoint.traffic = [("blue".to_owned(), 100)].into();
    wait(
        "traffic",
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint)
            .await?,
        None,
    )
    .await?;
    println!("    Deployment complete. All traffic routed to 'blue' deployment.");

    println!("Step 6: test the endpoint");
    let (prediction, _) = invoke(ml_client, Some("blue")).await?;
    println!("    Response: {}", show(&prediction));
    // The tutorial's curl variant: scoring URI + key, then a plain client with no ARM rights.
    let scoring_uri = ml_client
        .online_endpoints()
        .get(ENDPOINT)
        .await?
        .scoring_uri()
        .map(str::to_owned);
    let keys = ml_client.online_endpoints().get_keys(ENDPOINT).await?;
    if let (Some(uri), EndpointCredentials::Keys(keys)) = (scoring_uri, keys) {
        println!("    ENDPOINT_URL={uri}");
        if let Some(key) = keys.primary_key {
            let mut builder = ScoringClient::builder().with_key(
                uri.parse()
                    .map_err(|e| azure_ai_ml::Error::other(format!("{e}")))?,
                key,
            );
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

    println!("Step 7: autoscaling uses Azure Monitor autoscale settings; not part of this crate yet (skipped)");

    println!("Blue-green deployment");
    let green = deployment("green", &model_id, &env_id);
    wait(
        "green",
        ml_client
            .online_deployments()
            .begin_create_or_update(&green)
            .await?,
        Some((ml_client, "green", ENDPOINT)),
    )
    .await?;
    let (prediction, _) = invoke(ml_client, Some("green")).await?;
    println!("    green answers: {}", show(&prediction));

    endpoint.traffic = [("blue".to_owned(), 90), ("green".to_owned(), 10)].into();
    wait(
        "90/10",
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint)
            .await?,
        None,
    )
    .await?;
    let mut served: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..50 {
        let (_, by) = invoke(ml_client, None).await?;
        *served
            .entry(by.unwrap_or_else(|| "(not reported)".into()))
            .or_default() += 1;
    }
    println!("    50 calls at 90/10 were served by: {served:?}");

    endpoint.traffic = [("blue".to_owned(), 0), ("green".to_owned(), 100)].into();
    wait(
        "0/100",
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint)
            .await?,
        None,
    )
    .await?;
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
            .begin_delete("blue", ENDPOINT)
            .await?,
        None,
    )
    .await?;
    println!("    Deleted the blue deployment.");

    println!("Monitoring: data collection on green");
    let mut green = green;
    green.data_collector = Some(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new())
            .collection("model_outputs", DeploymentCollection::new()),
    );
    wait(
        "green + data collector",
        ml_client
            .online_deployments()
            .begin_create_or_update(&green)
            .await?,
        Some((ml_client, "green", ENDPOINT)),
    )
    .await?;

    let logs = ml_client
        .online_deployments()
        .get_logs("green", ENDPOINT, 5, None)
        .await?;
    println!("    last lines of green's log:");
    for line in logs.lines() {
        println!("      | {line}");
    }

    println!("Cleaning up: delete the endpoint");
    wait(
        "delete endpoint",
        ml_client.online_endpoints().begin_delete(ENDPOINT).await?,
        None,
    )
    .await?;
    println!("Done.");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let session = match Session::connect().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("could not open a workspace: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = tutorial(&session).await;
    session.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tutorial failed: {e}");
            ExitCode::FAILURE
        }
    }
}
