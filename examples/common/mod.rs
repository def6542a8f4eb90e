//! What every tutorial example shares: where the workspace is (Azure or offline), the tutorial's
//! files, and printing long-running operations as they progress.

#![allow(dead_code)]

pub mod jsonl;
pub mod spec;
pub mod steps;

use std::path::{Path, PathBuf};
use std::time::Instant;

use azure_ai_ml::local::{LocalClient, LocalWorkspace, LocalWorkspaceOptions};
use azure_ai_ml::{
    default_credential, ContainerType, Error, LroPoller, MLClient, OnlineDeploymentsGetLogsOptions,
    Result,
};
use futures::TryStreamExt;

/// The workspace the examples run against.
pub struct Session {
    /// The client every step uses.
    pub ml_client: MLClient,
    /// The offline workspace, when there are no Azure settings.
    local: Option<LocalClient>,
    /// Where generated files go (the trained model).
    pub work_dir: PathBuf,
}

/// `examples/assets`: score.py, conda.yml, sample.json, train_model.py.
pub fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/assets")
}

fn azure_settings() -> Option<(String, String, String)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some((
        var("AZURE_SUBSCRIPTION_ID")?,
        var("AZURE_RESOURCE_GROUP")?,
        var("AZUREML_WORKSPACE_NAME")?,
    ))
}

impl Session {
    /// Azure ML when `AZURE_SUBSCRIPTION_ID`, `AZURE_RESOURCE_GROUP` and
    /// `AZUREML_WORKSPACE_NAME` are set (credentials from the default chain); otherwise a fresh
    /// offline workspace in `target/tutorial/workspace` (its venv cache is kept between runs).
    pub async fn connect() -> Result<Session> {
        let work_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tutorial");
        std::fs::create_dir_all(&work_dir).map_err(|e| Error::Io {
            path: Some(work_dir.clone()),
            source: e,
        })?;
        if let Some((subscription, group, workspace)) = azure_settings() {
            println!("Workspace: Azure ML {workspace} (resource group {group})");
            let ml_client =
                MLClient::new(default_credential()?, subscription, group, workspace, None)?;
            return Ok(Session {
                ml_client,
                local: None,
                work_dir,
            });
        }
        Self::offline_with(|options| options).await
    }

    /// A fresh offline workspace in `target/tutorial/workspace` (venv cache kept between
    /// runs), its options adjusted by `tune` (examples that only run offline).
    pub async fn offline_with(
        tune: impl FnOnce(LocalWorkspaceOptions) -> LocalWorkspaceOptions,
    ) -> Result<Session> {
        let work_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tutorial");
        std::fs::create_dir_all(&work_dir).map_err(|e| Error::Io {
            path: Some(work_dir.clone()),
            source: e,
        })?;
        let dir = work_dir.join("workspace");
        // A fresh workspace each run: forget the previous run's state, keep the venv cache.
        let _ = std::fs::remove_dir_all(&dir);
        let mut options = LocalWorkspaceOptions::default().with_dir(&dir);
        if std::env::var_os(azure_ai_ml::local::VENV_CACHE_ENV).is_none() {
            options = options.with_venv_cache(work_dir.join("venv-cache"));
        }
        let local = MLClient::local_with(tune(options)).await?;
        println!(
            "Workspace: offline, at {} (CA certificate {})",
            local.workspace().base_url(),
            local.workspace().ca_path().display()
        );
        Ok(Session {
            ml_client: local.client(),
            local: Some(local),
            work_dir,
        })
    }

    /// The offline workspace, if that is where we are.
    pub fn local(&self) -> Option<&LocalWorkspace> {
        self.local.as_ref().map(|l| l.workspace())
    }

    /// Trains the tutorial's churn model with the environment's own Python (so the pickle
    /// matches the scikit-learn that loads it) and returns the pickle's path.
    pub async fn train_model(&self) -> Result<PathBuf> {
        let conda =
            std::fs::read_to_string(assets().join("environment/conda.yml")).map_err(|e| {
                Error::Io {
                    path: Some(assets().join("environment/conda.yml")),
                    source: e,
                }
            })?;
        let output = self.work_dir.join("model/model.pkl");
        let python = match self.local() {
            Some(ws) => ws.environment_python(&conda).await?,
            None => {
                // Against Azure the model is still trained here: borrow an offline workspace's
                // venv builder for the environment's Python.
                let builder = LocalWorkspace::start(
                    LocalWorkspaceOptions::default()
                        .with_dir(self.work_dir.join("trainer"))
                        .with_venv_cache(self.work_dir.join("venv-cache")),
                )
                .await?;
                let python = builder.environment_python(&conda).await;
                builder.shutdown().await;
                python?
            }
        };
        // Training is deterministic (fixed seed): a pickle made by the same script with the same
        // environment's Python is reused, as the venv itself is.
        let script = assets().join("train_model.py");
        let stamp = output.with_extension("pkl.trained-by");
        let recipe = trainer_recipe(&script, &python)?;
        if output.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == recipe) {
            println!(
                "    reusing the model an earlier run trained (same train_model.py and environment): {}",
                output.display()
            );
            return Ok(output);
        }
        let _ = std::fs::remove_file(&stamp);
        let status = tokio::process::Command::new(&python)
            .arg(&script)
            // The environment's venv is the workspace's cache: bytecode written there makes the
            // next run (and the deployments' servers) start faster.
            .env_remove("PYTHONDONTWRITEBYTECODE")
            .arg(&output)
            .status()
            .await
            .map_err(|e| Error::Io {
                path: Some(python.clone()),
                source: e,
            })?;
        if !status.success() {
            return Err(Error::other(format!("train_model.py failed ({status})")));
        }
        // Only a finished training is stamped; a failed write just means training next time.
        let _ = std::fs::write(&stamp, recipe);
        Ok(output)
    }

    /// Stops the offline workspace's processes.
    pub async fn shutdown(self) {
        if let Some(local) = self.local {
            local.shutdown().await;
        }
    }
}

/// Waits for a long-running operation, printing each status change with the elapsed time.
/// For a deployment, also prints new lines of its environment build / model download log.
pub async fn wait<T>(
    label: &str,
    mut poller: LroPoller<T>,
    deployment: Option<(&MLClient, &str, &str)>,
) -> Result<()> {
    let started = Instant::now();
    let mut last_status = String::new();
    let mut last_log = String::new();
    while let Some(status) = poller.try_next().await? {
        let status = status.into_model()?.status;
        if status != last_status {
            println!(
                "    {label}: {status} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
            last_status = status;
        }
        if let Some((ml_client, name, endpoint)) = deployment {
            let options = OnlineDeploymentsGetLogsOptions {
                container_type: Some(ContainerType::StorageInitializer),
                ..Default::default()
            };
            if let Ok(log) = ml_client
                .online_deployments()
                .get_logs(name, endpoint, 1, Some(options))
                .await
            {
                let line = log.trim().to_owned();
                if !line.is_empty() && line != last_log {
                    println!("      | {line}");
                    last_log = line;
                }
            }
        }
    }
    println!(
        "    {label}: done in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Opens the workspace, runs `body`, stops the offline workspace, and turns the outcome into
/// an exit code.
pub async fn run<F>(body: F) -> std::process::ExitCode
where
    F: for<'a> AsyncFnOnce(&'a Session) -> Result<()>,
{
    finish(Session::connect().await, body).await
}

/// Like [`run`], always offline, the workspace's options adjusted by `tune`.
pub async fn run_offline<F>(
    tune: impl FnOnce(LocalWorkspaceOptions) -> LocalWorkspaceOptions,
    body: F,
) -> std::process::ExitCode
where
    F: for<'a> AsyncFnOnce(&'a Session) -> Result<()>,
{
    finish(Session::offline_with(tune).await, body).await
}

async fn finish<F>(session: Result<Session>, body: F) -> std::process::ExitCode
where
    F: for<'a> AsyncFnOnce(&'a Session) -> Result<()>,
{
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            eprintln!("could not open a workspace: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = body(&session).await;
    session.shutdown().await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What a trained pickle depends on: the training script's bytes and the interpreter (the
/// environment's venv, whose path is its content hash) that ran it, as a SHA-256 hex string.
fn trainer_recipe(script: &Path, python: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let code = std::fs::read(script).map_err(|e| Error::Io {
        path: Some(script.to_path_buf()),
        source: e,
    })?;
    let mut hasher = Sha256::new();
    hasher.update(&code);
    hasher.update(b"\n");
    hasher.update(python.as_os_str().as_encoded_bytes());
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
