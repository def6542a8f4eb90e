//! Environments become real Python virtual environments.
//!
//! An Azure ML environment is a Docker image plus a conda file. Offline there is no Docker, so the
//! conda file's `pip:` list (plus `azureml-inference-server-http`, the server Azure runs) is
//! installed into a venv with the machine's `python3`. Conda-only entries cannot be honoured and
//! are skipped with a warning. Venvs are cached by a hash of what goes into them, so a second
//! deployment of the same environment starts in seconds.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::error::{Error, Result};
use crate::local::logbuf::LogBuffer;

/// The inference server package every venv gets.
pub(crate) const INFERENCE_SERVER: &str = "azureml-inference-server-http";

/// What goes into one venv, derived from an environment's conda file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VenvSpec {
    /// pip requirement strings, in the conda file's order, inference server last.
    pub(crate) requirements: Vec<String>,
    /// Why entries were skipped or replaced (logged into the build log).
    pub(crate) warnings: Vec<String>,
}

/// Normalised distribution name of a requirement (`Scikit_Learn>=1.0` → `scikit-learn`).
fn requirement_name(req: &str) -> String {
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(req.len());
    req[..end].to_ascii_lowercase().replace(['_', '.'], "-")
}

impl VenvSpec {
    /// Reads a conda file (YAML). `keep_azureml_defaults` installs `azureml-defaults` verbatim
    /// instead of satisfying it with the inference server.
    pub(crate) fn from_conda_yaml(yaml: &str, keep_azureml_defaults: bool) -> Result<Self> {
        let doc: yaml_serde::Value = yaml_serde::from_str(yaml).map_err(|e| {
            Error::validation("environment.conda_file", format!("not valid YAML: {e}"))
        })?;
        let mut requirements = Vec::new();
        let mut warnings = Vec::new();
        let deps = doc
            .get("dependencies")
            .and_then(|d| d.as_sequence())
            .cloned()
            .unwrap_or_default();
        for dep in deps {
            if let Some(conda) = dep.as_str() {
                warnings.push(format!(
                    "conda dependency `{conda}` skipped: the offline workspace installs pip packages into a venv built with the local python3"
                ));
                continue;
            }
            let Some(pip) = dep.get("pip").and_then(|p| p.as_sequence()) else {
                warnings.push("unrecognised conda dependency entry skipped".to_owned());
                continue;
            };
            for entry in pip {
                let Some(req) = entry.as_str().map(str::trim).filter(|r| !r.is_empty()) else {
                    continue;
                };
                if !keep_azureml_defaults && requirement_name(req) == "azureml-defaults" {
                    warnings.push(format!(
                        "`{req}` (the v1 meta-package that pulls in azureml-core) is satisfied by `{INFERENCE_SERVER}`; ask for it verbatim to install it"
                    ));
                    continue;
                }
                requirements.push(req.to_owned());
            }
        }
        if !requirements
            .iter()
            .any(|r| requirement_name(r) == INFERENCE_SERVER)
        {
            requirements.push(INFERENCE_SERVER.to_owned());
        }
        Ok(Self {
            requirements,
            warnings,
        })
    }

    /// Stable cache key: the set of requirements plus the interpreter that builds the venv.
    pub(crate) fn cache_key(&self, python_version: &str) -> String {
        let set: BTreeSet<&str> = self.requirements.iter().map(String::as_str).collect();
        let mut hasher = Sha256::new();
        hasher.update(b"azure_ai_ml local venv v1\n");
        hasher.update(python_version.trim().as_bytes());
        for req in set {
            hasher.update(b"\n");
            hasher.update(req.as_bytes());
        }
        let digest = hasher.finalize();
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// Builds and caches venvs under one folder. One build per key at a time within the process;
/// builds happen in a temporary folder renamed into place, so concurrent processes sharing the
/// cache never see a half-built venv.
#[derive(Clone)]
pub(crate) struct VenvCache {
    root: PathBuf,
    python: PathBuf,
    building: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Marker written last into a finished venv.
const COMPLETE_MARKER: &str = ".azureml-local-complete";

impl VenvCache {
    pub(crate) fn new(root: PathBuf, python: PathBuf) -> Self {
        Self {
            root,
            python,
            building: Arc::default(),
        }
    }

    /// `python3 --version`, or an error saying what to install.
    pub(crate) async fn python_version(&self) -> Result<String> {
        let out = tokio::process::Command::new(&self.python)
            .arg("--version")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| missing_python(&self.python, e.to_string()))?;
        if !out.status.success() {
            return Err(missing_python(
                &self.python,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        let mut version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if version.is_empty() {
            version = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        }
        Ok(version)
    }

    /// Returns the python of a venv satisfying `spec`, building it if needed; the build's
    /// output goes to `log`.
    pub(crate) async fn ensure(&self, spec: &VenvSpec, log: &LogBuffer) -> Result<PathBuf> {
        for warning in &spec.warnings {
            tracing::warn!("{warning}");
            log.push(format!("WARNING: {warning}"));
        }
        let version = self.python_version().await?;
        let key = spec.cache_key(&version);
        let venv = self.root.join(&key);
        let python = venv.join("bin").join("python");
        let gate = {
            let mut map = self.building.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let _guard = gate.lock().await;
        if venv.join(COMPLETE_MARKER).exists() {
            log.push(format!(
                "Using cached environment {key} ({version}) at {}",
                venv.display()
            ));
            return Ok(python);
        }
        log.push(format!(
            "Building environment {key} with {version}: {}",
            spec.requirements.join(" ")
        ));
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let staging = self
            .root
            .join(format!(".build-{key}-{}", uuid::Uuid::new_v4().simple()));
        let result = self.build(&staging, spec, log).await;
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        std::fs::write(staging.join(COMPLETE_MARKER), spec.requirements.join("\n"))
            .map_err(|e| Error::io(&staging, e))?;
        // Someone else may have finished the same venv meanwhile: theirs wins, ours goes.
        if std::fs::rename(&staging, &venv).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
            if !venv.join(COMPLETE_MARKER).exists() {
                return Err(Error::other(format!(
                    "could not move the built environment into {}",
                    venv.display()
                )));
            }
        }
        // pip's output can run to hundreds of lines: repeat what the user should know at the end,
        // where `get_logs(lines=N)` looks.
        let notes = if spec.warnings.is_empty() {
            String::new()
        } else {
            format!(" (notes: {})", spec.warnings.join("; "))
        };
        log.push(format!("Built environment {key}: ready{notes}"));
        Ok(python)
    }

    async fn build(&self, staging: &Path, spec: &VenvSpec, log: &LogBuffer) -> Result<()> {
        let mut venv = tokio::process::Command::new(&self.python);
        venv.arg("-m").arg("venv").arg(staging);
        run_logged(venv, log, "python3 -m venv").await.map_err(|e| match e {
            Error::Other { message, .. } => Error::other(format!(
                "{message} (on Debian/Ubuntu the venv module comes with `apt-get install python3-venv`)"
            )),
            other => other,
        })?;
        // The venv's own python runs pip: a renamed venv keeps working through bin/python,
        // while pip's console-script shebangs would point at the staging path.
        let mut pip = tokio::process::Command::new(staging.join("bin").join("python"));
        pip.args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
        ])
        .args(&spec.requirements);
        run_logged(pip, log, "pip install").await
    }
}

fn missing_python(python: &Path, why: String) -> Error {
    Error::other(format!(
        "`{}` is needed to run deployments offline but could not be run ({}): install Python 3.9-3.12 with the venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`), or point LocalWorkspaceOptions::python at an interpreter",
        python.display(),
        why.trim()
    ))
}

/// Runs a command to completion, copying stdout and stderr line by line into `log`.
async fn run_logged(mut cmd: tokio::process::Command, log: &LogBuffer, what: &str) -> Result<()> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::other(format!("{what} could not start: {e}")))?;
    let out = child.stdout.take().map(|s| pump(s, log.clone()));
    let err = child.stderr.take().map(|s| pump(s, log.clone()));
    let status = child
        .wait()
        .await
        .map_err(|e| Error::other(format!("{what} did not finish: {e}")))?;
    if let Some(t) = out {
        let _ = t.await;
    }
    if let Some(t) = err {
        let _ = t.await;
    }
    if status.success() {
        Ok(())
    } else {
        Err(Error::other(format!(
            "{what} failed ({status}); last output:\n{}",
            log.tail(Some(20))
        )))
    }
}

/// Copies lines from a pipe into a log until end of file.
pub(crate) fn pump(
    stream: impl AsyncRead + Unpin + Send + 'static,
    log: LogBuffer,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log.push(line);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUTORIAL_CONDA: &str = "name: model-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n  - pip\n  - pip:\n      - numpy>=1.21\n      - scikit-learn>=1.0\n      - joblib>=1.1\n      - azureml-defaults>=1.0\n";

    #[test]
    fn tutorial_conda_file_becomes_pip_requirements() {
        let spec = VenvSpec::from_conda_yaml(TUTORIAL_CONDA, false).unwrap();
        assert_eq!(
            spec.requirements,
            [
                "numpy>=1.21",
                "scikit-learn>=1.0",
                "joblib>=1.1",
                INFERENCE_SERVER
            ]
        );
        assert_eq!(spec.warnings.len(), 3, "{:?}", spec.warnings);
        assert!(spec.warnings[0].contains("python=3.9"));
        assert!(spec.warnings[1].contains("`pip`"));
        assert!(spec.warnings[2].contains("azureml-defaults"));
    }

    #[test]
    fn azureml_defaults_kept_when_asked_verbatim() {
        let spec = VenvSpec::from_conda_yaml(TUTORIAL_CONDA, true).unwrap();
        assert!(spec
            .requirements
            .contains(&"azureml-defaults>=1.0".to_owned()));
        assert_eq!(spec.requirements.last().unwrap(), INFERENCE_SERVER);
    }

    #[test]
    fn inference_server_not_added_twice() {
        let yaml = "dependencies:\n  - pip:\n    - azureml_inference_server_http==1.5.1\n";
        let spec = VenvSpec::from_conda_yaml(yaml, false).unwrap();
        assert_eq!(spec.requirements, ["azureml_inference_server_http==1.5.1"]);
    }

    #[test]
    fn cache_key_ignores_order_but_not_content_or_python() {
        let a = VenvSpec::from_conda_yaml("dependencies:\n  - pip:\n    - a\n    - b\n", false)
            .unwrap();
        let b = VenvSpec::from_conda_yaml("dependencies:\n  - pip:\n    - b\n    - a\n", false)
            .unwrap();
        let c = VenvSpec::from_conda_yaml("dependencies:\n  - pip:\n    - a\n    - c\n", false)
            .unwrap();
        assert_eq!(a.cache_key("Python 3.11.7"), b.cache_key("Python 3.11.7"));
        assert_ne!(a.cache_key("Python 3.11.7"), c.cache_key("Python 3.11.7"));
        assert_ne!(a.cache_key("Python 3.11.7"), a.cache_key("Python 3.12.1"));
    }

    #[test]
    fn bad_yaml_is_a_validation_error() {
        let err = VenvSpec::from_conda_yaml("dependencies: [unclosed", false).unwrap_err();
        assert!(matches!(err, crate::Error::Validation { .. }), "{err}");
    }

    #[tokio::test]
    async fn missing_python_names_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VenvCache::new(dir.path().into(), "/nonexistent/python3".into());
        let spec = VenvSpec::from_conda_yaml("dependencies: []", false).unwrap();
        let err = cache.ensure(&spec, &LogBuffer::new()).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("apt-get install python3 python3-venv"),
            "{text}"
        );
        assert!(text.contains("/nonexistent/python3"), "{text}");
    }
}
