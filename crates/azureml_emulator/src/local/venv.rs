//! Environments become real Python virtual environments.
//!
//! An Azure ML environment is a Docker image plus a conda file. Offline there is no Docker, so the
//! conda file's `pip:` list (plus `azureml-inference-server-http`, the server Azure runs) is
//! installed into a venv, with `uv` when there is one (see [`builder`]) and pip otherwise. The
//! conda file's `python=X.Y` picks the interpreter when one of that version is on the machine;
//! other conda-only entries cannot be honoured and are skipped with a warning. Venvs are cached by
//! a hash of what goes into them, built once per hash even when several deployments (or several
//! workspace processes sharing the cache) ask at the same time, so a second deployment of the
//! same environment starts in seconds.

mod builder;
mod lock;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use self::builder::{python_version, version_matches, Installer, UvChoice, UV_ENV};
use self::lock::{BuildLock, LockError};
use crate::error::{Error, Result};
use crate::local::logbuf::LogBuffer;
use crate::local::sys;

/// The inference server package every venv gets.
pub(crate) const INFERENCE_SERVER: &str = "azureml-inference-server-http";

/// The interpreter used when neither the options nor the conda file choose one.
const DEFAULT_PYTHON: &str = "python3";

/// uv's package cache, inside the venv cache: shared by every environment, and on the same file
/// system as the venvs so uv can hard-link packages instead of copying them.
const UV_CACHE_DIR: &str = ".uv-cache";

/// Lock files of environments being built (one per cache key).
const LOCKS_DIR: &str = ".locks";

/// How long a deployment waits for another process building the same environment before it
/// builds the environment itself: longer than any build may take.
const LOCK_PATIENCE: Duration = builder::BUILD_TIMEOUT;

/// How long output still arriving after a step ended is read.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// What goes into one venv, derived from an environment's conda file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VenvSpec {
    /// pip requirement strings, in the conda file's order, inference server last.
    pub(crate) requirements: Vec<String>,
    /// The conda file's `python=X.Y` (or `X.Y.Z`): the interpreter version asked for.
    pub(crate) python: Option<String>,
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

/// A conda `python` entry: `None` when the entry is another package, `Some(None)` for a
/// `python` entry that names no exact version (`python`, `python>=3.8`), else the version
/// (`python=3.9`, `python==3.9.18`, `python=3.9.*`, `python 3.9`, `python=3.9=build`).
fn python_pin(dep: &str) -> Option<Option<String>> {
    let rest = dep.trim().strip_prefix("python")?;
    if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return None;
    }
    let version = rest
        .trim_start()
        .trim_start_matches('=')
        .split(['=', ' '])
        .next()
        .unwrap_or("")
        .trim_end_matches('*')
        .trim_end_matches('.');
    let parts: Vec<&str> = version.split('.').collect();
    let exact = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    Some(exact.then(|| version.to_owned()))
}

impl VenvSpec {
    /// Reads a conda file (YAML). `keep_azureml_defaults` installs `azureml-defaults` verbatim
    /// instead of satisfying it with the inference server.
    pub(crate) fn from_conda_yaml(yaml: &str, keep_azureml_defaults: bool) -> Result<Self> {
        let doc: yaml_serde::Value = yaml_serde::from_str(yaml).map_err(|e| {
            Error::validation("environment.conda_file", format!("not valid YAML: {e}"))
        })?;
        let mut requirements = Vec::new();
        let mut python = None;
        let mut warnings = Vec::new();
        let deps = doc
            .get("dependencies")
            .and_then(|d| d.as_sequence())
            .cloned()
            .unwrap_or_default();
        for dep in deps {
            if let Some(conda) = dep.as_str() {
                if let Some(Some(version)) = python_pin(conda) {
                    python = Some(version);
                    continue;
                }
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
            python,
            warnings,
        })
    }

    /// Stable cache key: the set of requirements plus the interpreter that builds the venv.
    /// The tool that installs them is not part of it: a venv pip built stays valid under uv.
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

/// The interpreter a venv is built with.
#[derive(Clone, Debug)]
struct Interpreter {
    path: PathBuf,
    /// `python --version` (`Python 3.11.7`), part of the cache key.
    version: String,
    /// How the conda file's pin was honoured, for the build log.
    note: Option<String>,
    /// Why the conda file's pin was not honoured.
    warning: Option<String>,
}

/// Builds and caches venvs under one folder. One build per key at a time: within the process
/// through a per-key async lock, across processes sharing the folder through a lock file.
/// Builds happen in a temporary folder renamed into place, so nobody ever sees a half-built venv.
#[derive(Clone)]
pub(crate) struct VenvCache {
    root: PathBuf,
    /// The interpreter the options named; it then builds every venv.
    python: Option<PathBuf>,
    uv: UvChoice,
    installer: Arc<tokio::sync::OnceCell<Installer>>,
    /// Interpreters found, by conda pin.
    interpreters: Arc<Mutex<HashMap<Option<String>, Interpreter>>>,
    building: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Marker written last into a finished venv.
const COMPLETE_MARKER: &str = ".azureml-local-complete";

impl VenvCache {
    /// A cache at `root`. `python` is the configured interpreter (else the conda file's pin or
    /// `python3`); `uv` the configured uv (else `$AZUREML_LOCAL_UV`, else `uv` on `PATH`).
    pub(crate) fn new(root: PathBuf, python: Option<PathBuf>, uv: Option<PathBuf>) -> Self {
        Self::with_uv(root, python, UvChoice::new(uv, std::env::var_os(UV_ENV)))
    }

    fn with_uv(root: PathBuf, python: Option<PathBuf>, uv: UvChoice) -> Self {
        Self {
            root,
            python,
            uv,
            installer: Arc::default(),
            interpreters: Arc::default(),
            building: Arc::default(),
        }
    }

    /// uv or pip, decided on first use.
    async fn installer(&self) -> &Installer {
        self.installer
            .get_or_init(|| Installer::detect(&self.uv))
            .await
    }

    /// The configured interpreter, else the one the conda file pins when this machine has it,
    /// else `python3`. Found once per pin and process: looking (pyenv shims, `uv python find`)
    /// costs up to a second, which every deployment of a cached environment would pay again.
    async fn interpreter(&self, spec: &VenvSpec, installer: &Installer) -> Result<Interpreter> {
        let known = {
            let map = self.interpreters.lock().unwrap_or_else(|p| p.into_inner());
            map.get(&spec.python).cloned()
        };
        if let Some(known) = known {
            return Ok(known);
        }
        let found = self
            .find_interpreter(spec.python.as_deref(), installer)
            .await?;
        let mut map = self.interpreters.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(spec.python.clone(), found.clone());
        Ok(found)
    }

    async fn find_interpreter(
        &self,
        pin: Option<&str>,
        installer: &Installer,
    ) -> Result<Interpreter> {
        let default = self
            .python
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_PYTHON));
        let chosen = |path: PathBuf, version: String, pin: &str| Interpreter {
            note: Some(format!(
                "python={pin} from the conda file: building with {version} at {}",
                path.display()
            )),
            path,
            version,
            warning: None,
        };
        let Some(pin) = pin else {
            let version = python_version(&default).await?;
            return Ok(Interpreter {
                path: default,
                version,
                note: None,
                warning: None,
            });
        };
        if self.python.is_none() {
            // uv's commands start in the cache folder, which a first deployment has yet to make.
            std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
            let found = installer
                .find_python(pin, &self.root.join(UV_CACHE_DIR))
                .await;
            if let Ok(candidate) = found {
                if let Ok(version) = python_version(&candidate).await {
                    if version_matches(&version, pin) {
                        return Ok(chosen(candidate, version, pin));
                    }
                }
            }
        }
        let version = python_version(&default).await?;
        if version_matches(&version, pin) {
            return Ok(chosen(default, version, pin));
        }
        let warning = if self.python.is_some() {
            format!(
                "python={pin} from the conda file: the configured interpreter `{}` is {version} and builds the venv",
                default.display()
            )
        } else {
            format!(
                "python={pin} from the conda file: no Python {pin} interpreter on this machine (interpreters are never downloaded), so {version} (`{}`) builds the venv",
                default.display()
            )
        };
        Ok(Interpreter {
            path: default,
            version,
            note: None,
            warning: Some(warning),
        })
    }

    /// Returns the python of a venv satisfying `spec`, building it if needed; the build's
    /// output goes to `log`.
    pub(crate) async fn ensure(&self, spec: &VenvSpec, log: &LogBuffer) -> Result<PathBuf> {
        let installer = self.installer().await;
        let interpreter = self.interpreter(spec, installer).await?;
        if let Some(note) = &interpreter.note {
            log.push(note.clone());
        }
        let warnings: Vec<String> = spec
            .warnings
            .iter()
            .cloned()
            .chain(interpreter.warning.clone())
            .chain(installer.warning().map(str::to_owned))
            .collect();
        for warning in &warnings {
            tracing::warn!("{warning}");
            log.push(format!("WARNING: {warning}"));
        }
        let version = &interpreter.version;
        let key = spec.cache_key(version);
        let venv = self.root.join(&key);
        let python = venv.join("bin").join("python");
        let gate = {
            let mut map = self.building.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let _guard = gate.lock().await;
        let cached = || {
            log.push(format!(
                "Using cached environment {key} ({version}) at {}",
                venv.display()
            ));
        };
        if venv.join(COMPLETE_MARKER).exists() {
            cached();
            return Ok(python);
        }
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let lock_path = self.root.join(LOCKS_DIR).join(format!("{key}.lock"));
        let _lock = match BuildLock::acquire(&lock_path, LOCK_PATIENCE, || {
            log.push(format!(
                "Waiting for another process to finish building environment {key}"
            ));
        })
        .await
        {
            Ok(lock) => Some(lock),
            Err(LockError::Busy) => {
                log.push(format!(
                    "WARNING: another process has been building environment {key} for too long; building it here too"
                ));
                None
            }
            Err(LockError::Unavailable(e)) => {
                // Still correct without the lock (staging + rename), only possibly twice the work.
                log.push(format!(
                    "Could not lock {} ({e}); building without it",
                    lock_path.display()
                ));
                None
            }
        };
        if venv.join(COMPLETE_MARKER).exists() {
            cached();
            return Ok(python);
        }
        if matches!(
            installer,
            Installer::Pip {
                uv_missing: true,
                ..
            }
        ) {
            log.push(format!(
                "uv not found: building with pip (install uv, or set {UV_ENV}, for builds several times faster)"
            ));
        }
        let tool = installer.describe();
        log.push(format!(
            "Building environment {key} with {version} and {tool}: {}",
            spec.requirements.join(" ")
        ));
        let started = Instant::now();
        let staging = self
            .root
            .join(format!(".build-{key}-{}", uuid::Uuid::new_v4().simple()));
        let result = installer
            .build(
                &interpreter.path,
                &staging,
                &self.root.join(UV_CACHE_DIR),
                &spec.requirements,
                log,
            )
            .await;
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        std::fs::write(staging.join(COMPLETE_MARKER), spec.requirements.join("\n"))
            .map_err(|e| Error::io(&staging, e))?;
        // A process that gave up waiting may have finished the same venv meanwhile: theirs
        // wins, ours goes.
        if std::fs::rename(&staging, &venv).is_err() {
            let _ = std::fs::remove_dir_all(&staging);
            if !venv.join(COMPLETE_MARKER).exists() {
                return Err(Error::other(format!(
                    "could not move the built environment into {}",
                    venv.display()
                )));
            }
        }
        // The installer's output can run to hundreds of lines: repeat what the user should know
        // at the end, where `get_logs(lines=N)` looks.
        let notes = if warnings.is_empty() {
            String::new()
        } else {
            format!(" (notes: {})", warnings.join("; "))
        };
        log.push(format!(
            "Built environment {key} with {tool} in {:.1} s: ready{notes}",
            started.elapsed().as_secs_f64()
        ));
        Ok(python)
    }
}

/// Runs a build step, copying its output into `log`; on failure the error carries the last
/// lines.
async fn run_logged(
    cmd: tokio::process::Command,
    log: &LogBuffer,
    what: &str,
    timeout: Duration,
) -> Result<()> {
    let status = run_bounded(cmd, log, log, timeout)
        .await
        .map_err(|e| Error::other(format!("{what} {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::other(format!(
            "{what} failed ({status}); last output:\n{}",
            log.tail(Some(20))
        )))
    }
}

/// Runs a command to completion in its own process group, copying stdout and stderr line by
/// line into `out` and `err`. When `timeout` passes, or the caller stops waiting, the whole group
/// (pip's build subprocesses included) is killed and the command reaped.
async fn run_bounded(
    mut cmd: tokio::process::Command,
    out: &LogBuffer,
    err: &LogBuffer,
    timeout: Duration,
) -> std::result::Result<ExitStatus, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    sys::terminate_with_parent(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| format!("could not start: {e}"))?;
    let mut group = GroupKiller(child.id());
    let pumps = [
        child.stdout.take().map(|s| pump(s, out.clone())),
        child.stderr.take().map(|s| pump(s, err.clone())),
    ];
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.map_err(|e| format!("did not finish: {e}")),
        Err(_) => {
            group.kill();
            let _ = child.wait().await;
            Err(format!(
                "did not finish within {} s and was stopped",
                timeout.as_secs_f64()
            ))
        }
    };
    // Reaped: the group id may be reused from here on, so it must not be signalled any more.
    group.0 = None;
    for mut pump in pumps.into_iter().flatten() {
        // A process that left the group could hold a pipe open forever.
        if tokio::time::timeout(DRAIN_TIMEOUT, &mut pump)
            .await
            .is_err()
        {
            pump.abort();
        }
    }
    status
}

/// Kills a process group when dropped, unless its leader was reaped first.
struct GroupKiller(Option<u32>);

impl GroupKiller {
    fn kill(&self) {
        if let Some(pgid) = self.0 {
            sys::signal_group(pgid, sys::SIGKILL);
        }
    }
}

impl Drop for GroupKiller {
    fn drop(&mut self) {
        self.kill();
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
    use std::path::Path;

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
        // `python=3.9` is no longer skipped: it chooses the interpreter (and is warned about at
        // build time when this machine has no Python 3.9).
        assert_eq!(spec.python.as_deref(), Some("3.9"));
        assert_eq!(spec.warnings.len(), 2, "{:?}", spec.warnings);
        assert!(spec.warnings[0].contains("`pip`"));
        assert!(spec.warnings[1].contains("azureml-defaults"));
    }

    #[test]
    fn python_pins_choose_the_interpreter_and_other_python_entries_are_skipped() {
        for (entry, pin) in [
            ("python=3.9", "3.9"),
            ("python==3.10.4", "3.10.4"),
            ("python=3.11.*", "3.11"),
            ("python 3.12", "3.12"),
            ("python=3.9.18=h123_0", "3.9.18"),
        ] {
            let yaml = format!("dependencies:\n  - {entry}\n");
            let spec = VenvSpec::from_conda_yaml(&yaml, false).unwrap();
            assert_eq!(spec.python.as_deref(), Some(pin), "{entry}");
            assert!(spec.warnings.is_empty(), "{entry}: {:?}", spec.warnings);
        }
        for entry in ["python", "python>=3.8", "python=3", "python-dateutil=2.8"] {
            let yaml = format!("dependencies:\n  - {entry}\n");
            let spec = VenvSpec::from_conda_yaml(&yaml, false).unwrap();
            assert_eq!(spec.python, None, "{entry}");
            assert_eq!(spec.warnings.len(), 1, "{entry}: {:?}", spec.warnings);
            assert!(spec.warnings[0].contains(entry), "{:?}", spec.warnings);
        }
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
        let cache = VenvCache::new(dir.path().into(), Some("/nonexistent/python3".into()), None);
        let spec = VenvSpec::from_conda_yaml("dependencies: []", false).unwrap();
        let err = cache.ensure(&spec, &LogBuffer::new()).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("apt-get install python3 python3-venv"),
            "{text}"
        );
        assert!(text.contains("/nonexistent/python3"), "{text}");
    }

    #[tokio::test]
    async fn build_steps_are_stopped_with_their_children_when_they_overrun() {
        let log = LogBuffer::new();
        let mut cmd = tokio::process::Command::new("sh");
        cmd.args(["-c", "echo group=$$; sleep 60 & sleep 60; wait"]);
        let err = run_logged(cmd, &log, "slow step", Duration::from_millis(300))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("slow step did not finish within"), "{err}");
        let pgid: u32 = log
            .tail(None)
            .lines()
            .find_map(|l| l.strip_prefix("group="))
            .and_then(|p| p.trim().parse().ok())
            .expect("the shell printed its group");
        // Both sleeps were in the step's group; SIGKILL reaches them, their reaping is init's.
        for _ in 0..200 {
            if sys::live_group_members(pgid).is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(sys::live_group_members(pgid).is_empty());
    }

    /// `python3` when the machine has it (skipped loudly otherwise, a failure under CI).
    fn python_or_skip() -> bool {
        let ok = std::process::Command::new(DEFAULT_PYTHON)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 is required under CI"
            );
            eprintln!("SKIPPED: no python3");
        }
        ok
    }

    /// The uv the tests use: `$AZUREML_LOCAL_UV` (scripts/prereqs.sh sets it), else `uv` on
    /// `PATH`. Skipped loudly without one, a failure under CI.
    fn uv_or_skip() -> Option<PathBuf> {
        let exe = std::env::var_os(UV_ENV)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("off"))
            .map_or_else(|| PathBuf::from("uv"), PathBuf::from);
        let ok = std::process::Command::new(&exe)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            assert!(
                std::env::var_os("CI").is_none(),
                "uv is required under CI (scripts/local-prereqs.sh installs it)"
            );
            eprintln!("SKIPPED: no uv (run scripts/prereqs.sh and source build/env.sh)");
        }
        ok.then_some(exe)
    }

    /// A wheel with one module and one console script, written locally so builds need no index.
    fn tiny_wheel(dir: &Path) -> String {
        let wheel = dir.join("tiny_pkg-1.0-py3-none-any.whl");
        let script = r#"
import base64, hashlib, sys, zipfile
files = {
    "tiny_pkg/__init__.py": "def main():\n    print('tiny says hi')\n",
    "tiny_pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny-pkg\nVersion: 1.0\n",
    "tiny_pkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "tiny_pkg-1.0.dist-info/entry_points.txt": "[console_scripts]\ntiny-hello = tiny_pkg:main\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("tiny_pkg-1.0.dist-info/RECORD,,")
    z.writestr("tiny_pkg-1.0.dist-info/RECORD", "\n".join(record) + "\n")
"#;
        let status = std::process::Command::new(DEFAULT_PYTHON)
            .arg("-c")
            .arg(script)
            .arg(&wheel)
            .status()
            .unwrap();
        assert!(status.success());
        wheel.to_string_lossy().into_owned()
    }

    fn tiny_spec(dir: &Path, python: Option<&str>) -> VenvSpec {
        VenvSpec {
            requirements: vec![tiny_wheel(dir)],
            python: python.map(str::to_owned),
            warnings: Vec::new(),
        }
    }

    fn count(log: &LogBuffer, needle: &str) -> usize {
        log.tail(None).matches(needle).count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn uv_builds_an_environment_once_for_concurrent_requests_and_processes() {
        let Some(uv) = uv_or_skip() else { return };
        if !python_or_skip() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("venvs");
        // No interpreter is Python 2.1: the pin is warned about and python3 builds the venv.
        let spec = tiny_spec(dir.path(), Some("2.1"));
        let here = VenvCache::with_uv(root.clone(), None, UvChoice::Path(uv.clone()));
        // Another workspace process on the same cache: its own in-process gates, same lock files.
        let other = VenvCache::with_uv(root.clone(), None, UvChoice::Path(uv));
        let logs = [LogBuffer::new(), LogBuffer::new(), LogBuffer::new()];
        let here2 = here.clone();
        let (a, b, c) = tokio::join!(
            here.ensure(&spec, &logs[0]),
            here2.ensure(&spec, &logs[1]),
            other.ensure(&spec, &logs[2]),
        );
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        assert!(a == b && b == c, "{a:?} {b:?} {c:?}");
        let builds: usize = logs.iter().map(|l| count(l, "Building environment")).sum();
        let reuses: usize = logs
            .iter()
            .map(|l| count(l, "Using cached environment"))
            .sum();
        let all: Vec<String> = logs.iter().map(|l| l.tail(None)).collect();
        assert_eq!((builds, reuses), (1, 2), "{all:#?}");
        let built = all
            .iter()
            .find(|l| l.contains("Building environment"))
            .unwrap();
        assert!(built.contains("and uv "), "{built}");
        let summary = built
            .lines()
            .find(|l| l.starts_with("Built environment"))
            .unwrap_or_default();
        assert!(
            summary.contains("python=2.1") && summary.contains("never downloaded"),
            "{summary}"
        );
        for log in &all {
            assert!(log.contains("WARNING: python=2.1"), "{log}");
        }
        // Renamed into place, the venv still works, console scripts included (relocatable).
        let venv = a.parent().unwrap().parent().unwrap();
        let hello = std::process::Command::new(venv.join("bin/tiny-hello"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&hello.stdout), "tiny says hi\n");
        // One package cache for every environment, inside the venv cache; no staging left over.
        assert!(root.join(UV_CACHE_DIR).is_dir());
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".build-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[tokio::test]
    async fn pip_builds_when_uv_cannot_run_and_uv_reuses_what_pip_built() {
        if !python_or_skip() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("venvs");
        let spec = tiny_spec(dir.path(), None);
        let pip = VenvCache::with_uv(root.clone(), None, UvChoice::Path("/nonexistent/uv".into()));
        let log = LogBuffer::new();
        let python = pip.ensure(&spec, &log).await.unwrap();
        let text = log.tail(None);
        assert!(
            text.contains("WARNING: uv at `/nonexistent/uv` could not run"),
            "{text}"
        );
        assert!(text.contains("and pip: "), "{text}");
        let import = std::process::Command::new(&python)
            .args(["-c", "import tiny_pkg; tiny_pkg.main()"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&import.stdout), "tiny says hi\n");

        // A cache pip filled (every cache before uv) stays valid once uv builds environments.
        let Some(uv) = uv_or_skip() else { return };
        let with_uv = VenvCache::with_uv(root, None, UvChoice::Path(uv));
        let log = LogBuffer::new();
        assert_eq!(with_uv.ensure(&spec, &log).await.unwrap(), python);
        let text = log.tail(None);
        assert!(text.contains("Using cached environment"), "{text}");
        assert!(!text.contains("Building environment"), "{text}");
    }

    #[tokio::test]
    async fn a_pinned_python_on_this_machine_builds_the_venv() {
        let Some(uv) = uv_or_skip() else { return };
        if !python_or_skip() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let default = python_version(Path::new(DEFAULT_PYTHON)).await.unwrap();
        let pin: String = default
            .trim_start_matches("Python ")
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        let spec = VenvSpec {
            requirements: Vec::new(),
            python: Some(pin.clone()),
            warnings: Vec::new(),
        };
        for choice in [UvChoice::Path(uv), UvChoice::Off] {
            // The cache folder does not exist yet, as on a workspace's first deployment.
            let cache = VenvCache::with_uv(dir.path().join("venvs"), None, choice.clone());
            let installer = cache.installer().await;
            let found = cache.interpreter(&spec, installer).await.unwrap();
            assert_eq!(found.warning, None, "{choice:?}");
            assert!(version_matches(&found.version, &pin), "{choice:?}");
            // Found by looking for the pin, not by luck of `python3` being that version.
            assert_ne!(found.path, Path::new(DEFAULT_PYTHON), "{choice:?}");
            let note = found.note.unwrap_or_default();
            assert!(
                note.contains(&format!("python={pin} from the conda file")),
                "{choice:?}: {note}"
            );
        }
    }

    /// Cold and warm builds of the tutorial's environment with uv and with pip, printed.
    /// `source build/env.sh && cargo test -p azureml_emulator --all-features --lib -- --ignored
    /// --nocapture measure_tutorial_environment_builds`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "downloads the tutorial's packages several times; run by hand"]
    async fn measure_tutorial_environment_builds() {
        let conda = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/assets/environment/conda.yml"
        ))
        .unwrap();
        let spec = VenvSpec::from_conda_yaml(&conda, false).unwrap();
        let uv = uv_or_skip().expect("uv");
        for (name, choice) in [("uv", UvChoice::Path(uv)), ("pip", UvChoice::Off)] {
            let dir = tempfile::tempdir().unwrap();
            // pip's package cache is per user: point it into the temporary folder for a cold
            // start like uv's, whose cache lives in the venv cache.
            std::env::set_var("PIP_CACHE_DIR", dir.path().join("pip-cache"));
            let cache = VenvCache::with_uv(dir.path().join("venvs"), None, choice);
            let mut figures = Vec::new();
            for round in ["cold", "warm packages, new venv", "cached venv"] {
                let started = Instant::now();
                let python = cache.ensure(&spec, &LogBuffer::new()).await.unwrap();
                figures.push(format!("{round} {:.1} s", started.elapsed().as_secs_f64()));
                if round == "cold" {
                    let venv = python.parent().unwrap().parent().unwrap();
                    std::fs::remove_dir_all(venv).unwrap();
                }
            }
            println!("{name}: {}", figures.join(", "));
        }
        std::env::remove_var("PIP_CACHE_DIR");
    }
}
