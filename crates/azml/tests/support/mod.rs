//! Running the built `azml` in a folder of the seed's YAML files, with an Azure CLI config
//! folder of its own (so the machine's `~/.azure` never leaks in).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

/// `examples/assets` of the repository: score.py, conda.yml, sample.json, train_model.py.
pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/assets")
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON (panics with both streams when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts exit code 0.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A folder with the seed's YAML files and a way to run azml in it.
pub struct Project {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    args: Vec<String>,
    timeout: Duration,
}

pub const ENDPOINT: &str = "churn-prediction-v1";

impl Project {
    /// The seed's files (model file given by `model_bytes` unless a path is written later).
    pub fn new(model_bytes: &[u8]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let assets = assets();
        std::fs::create_dir_all(root.join("model")).unwrap();
        std::fs::write(root.join("model/model.pkl"), model_bytes).unwrap();
        std::fs::create_dir_all(root.join(".azure")).unwrap();
        std::fs::write(
            root.join("model.yml"),
            "$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\n\
             name: customer-churn-model\nversion: 1\npath: ./model/model.pkl\ntype: custom_model\n\
             description: Gradient boosting classifier for customer churn prediction\n",
        )
        .unwrap();
        std::fs::write(
            root.join("environment.yml"),
            format!(
                "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\n\
                 name: churn-model-env\nversion: 1\n\
                 image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest\n\
                 conda_file: {}\n",
                assets.join("environment/conda.yml").display()
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("endpoint.yml"),
            format!(
                "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n\
                 name: {ENDPOINT}\ndescription: Real-time customer churn prediction endpoint\n\
                 auth_mode: key\ntags:\n  team: data-science\n  project: churn\n"
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("blue.yml"),
            format!(
                "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n\
                 name: blue\nendpoint_name: {ENDPOINT}\n\
                 model: azureml:customer-churn-model:1\nenvironment: azureml:churn-model-env:1\n\
                 code_configuration:\n  code: {}\n  scoring_script: score.py\n\
                 instance_type: Standard_DS3_v2\ninstance_count: 1\n\
                 liveness_probe:\n  initial_delay: 30\n  period: 10\n  failure_threshold: 3\n\
                 readiness_probe:\n  initial_delay: 30\n  period: 10\n  failure_threshold: 3\n",
                assets.join("scoring").display()
            ),
        )
        .unwrap();
        std::fs::copy(assets.join("sample.json"), root.join("sample.json")).unwrap();
        let home = root.display().to_string();
        let azure = root.join(".azure").display().to_string();
        Self {
            dir,
            env: vec![("HOME".into(), home), ("AZURE_CONFIG_DIR".into(), azure)],
            args: Vec::new(),
            timeout: Duration::from_secs(120),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Adds an environment variable to every run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds arguments to every run (after the command's own).
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// Bounds every run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs `azml args…` in the folder (stdin closed, so no prompt can wait).
    pub fn azml(&self, args: &[&str]) -> Run {
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_azml"));
        cmd.current_dir(self.path())
            .env_remove("AZURE_SUBSCRIPTION_ID")
            .env_remove("AZURE_RESOURCE_GROUP")
            .env_remove("AZUREML_WORKSPACE_NAME")
            .env_remove("AZURE_DEFAULTS_GROUP")
            .env_remove("AZURE_DEFAULTS_WORKSPACE")
            .args(args)
            .args(&self.args)
            .timeout(self.timeout)
            .write_stdin("");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("azml runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
