//! The seed tutorial's assets, endpoint and deployment as values, built from `azure_ai_ml`'s
//! entities alone: the examples deploy them, and `tests/tutorial_fake.rs` includes this same
//! file so the fake workspace checks exactly what the examples send.

use azure_ai_ml::{
    AuthMode, CodeConfiguration, Environment, ManagedOnlineDeployment, ManagedOnlineEndpoint,
    Model, ProbeSettings,
};

pub const ENDPOINT: &str = "churn-prediction-v1";

/// The churn model, uploaded from `path`.
pub fn model(path: &str) -> Model {
    Model::new("customer-churn-model")
        .path(path)
        .description("Gradient boosting classifier for customer churn prediction")
}

/// The scoring environment: `conda_file` on the Azure ML base image.
pub fn environment(conda_file: &str) -> Environment {
    Environment::new("churn-model-env")
        .description("Environment for the customer churn prediction model")
        .conda_file(conda_file)
        .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest")
}

/// The tutorial's endpoint (key auth, tags).
pub fn endpoint() -> ManagedOnlineEndpoint {
    ManagedOnlineEndpoint::new(ENDPOINT)
        .description("Real-time customer churn prediction endpoint")
        .auth_mode(AuthMode::Key)
        .tags([("team", "data-science"), ("project", "churn")])
}

/// Deployment `name` of the tutorial's endpoint: `model_id` in `env_id`, scored by `score.py`
/// of `code_folder`, one Standard_DS3_v2 instance probed every 10 s after 30 s.
pub fn deployment(
    name: &str,
    model_id: &str,
    env_id: &str,
    code_folder: &str,
) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new(name)
        .endpoint_name(ENDPOINT)
        .model(model_id)
        .environment(env_id)
        .code_configuration(CodeConfiguration::new(code_folder, "score.py"))
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
