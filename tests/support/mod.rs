//! Shared fixtures for the integration tests: the seed tutorial's files in a temp folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use azure_ai_ml::{
    AuthMode, Environment, MLClient, ManagedOnlineEndpoint, Model, OnlineDeployment, OnlineEndpoint,
};

/// The tutorial's local files: `model/model.pkl`, `scoring/score.py`, `environment/conda.yml`,
/// `sample.json`.
pub struct TutorialFiles {
    pub dir: tempfile::TempDir,
}

pub const CONDA: &str = "name: model-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n  - pip\n  - pip:\n      - numpy>=1.21\n      - scikit-learn>=1.0\n      - joblib>=1.1\n      - azureml-defaults>=1.0\n";

pub const SCORE_PY: &str = "import json\nimport os\n\nimport joblib\nimport numpy as np\n\n\ndef init():\n    global model\n    model = joblib.load(os.path.join(os.environ[\"AZUREML_MODEL_DIR\"], \"model.pkl\"))\n\n\ndef run(raw_data):\n    data = np.array(json.loads(raw_data)[\"data\"])\n    return json.dumps({\"predictions\": model.predict(data).tolist()})\n";

/// The tutorial environment's base image.
pub const BASE_IMAGE: &str = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest";

/// The seed's sample request, byte for byte (note `358.20`).
pub const SAMPLE: &str = r#"{"data": [[12, 29.85, 358.20, 1, 0], [45, 89.10, 4011.50, 2, 1]]}"#;

impl TutorialFiles {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for sub in ["model", "scoring", "environment"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        // Not a real pickle: the fake never loads it; the offline-workspace tests use real ones.
        let model: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.join("model/model.pkl"), model).expect("write model");
        std::fs::write(root.join("scoring/score.py"), SCORE_PY).expect("write score.py");
        std::fs::write(root.join("environment/conda.yml"), CONDA).expect("write conda");
        std::fs::write(root.join("sample.json"), SAMPLE).expect("write sample");
        Self { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn p(&self, relative: &str) -> String {
        self.path(relative).to_string_lossy().into_owned()
    }

    /// Registers the tutorial's model and environment (on `image`) and creates its key-auth
    /// endpoint, so that deployments of `azureml:customer-churn-model:1` in
    /// `azureml:churn-model-env:1` can be created.
    pub async fn register_with_endpoint(&self, ml_client: &MLClient, image: &str) {
        ml_client
            .models()
            .create_or_update(
                &Model::new("customer-churn-model").path(self.p("model/model.pkl")),
                None,
            )
            .await
            .unwrap();
        ml_client
            .environments()
            .create_or_update(
                &Environment::new("churn-model-env")
                    .image(image)
                    .conda_file(self.p("environment/conda.yml")),
                None,
            )
            .await
            .unwrap();
        create_endpoint(ml_client, AuthMode::Key).await;
    }
}

/// Creates the tutorial's endpoint `churn-prediction-v1` with `auth` and waits for it.
pub async fn create_endpoint(ml_client: &MLClient, auth: AuthMode) {
    let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1").auth_mode(auth);
    put_endpoint(ml_client, &endpoint).await;
}

/// Creates or updates `endpoint` and waits for the operation to succeed.
pub async fn put_endpoint(ml_client: &MLClient, endpoint: impl Into<OnlineEndpoint>) {
    ml_client
        .online_endpoints()
        .begin_create_or_update(endpoint, None)
        .await
        .unwrap()
        .await
        .unwrap();
}

/// Creates or updates `deployment` and waits for the operation to succeed.
pub async fn put_deployment(ml_client: &MLClient, deployment: impl Into<OnlineDeployment>) {
    ml_client
        .online_deployments()
        .begin_create_or_update(deployment, None)
        .await
        .unwrap()
        .await
        .unwrap();
}
