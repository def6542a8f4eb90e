//! The tools that turn requirements into a venv: `uv` when there is one (several times faster
//! than pip, with one package cache shared by every environment), else the interpreter's own
//! `venv` module and pip. Also where a conda file's `python=X.Y` finds its interpreter.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use super::run_logged;
use crate::error::{Error, Result};
use crate::local::logbuf::LogBuffer;

/// Environment variable naming the `uv` executable; `off` builds with pip.
pub(crate) const UV_ENV: &str = "AZUREML_LOCAL_UV";

/// Bound on quick questions (`--version`, `uv python find`).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on creating an empty venv, in seconds (pip's path also bootstraps pip into it).
const VENV_SECS: u64 = 300;
const VENV_TIMEOUT: Duration = Duration::from_secs(VENV_SECS);
/// Bound on installing an environment's packages, in seconds: generous, as large environments
/// (torch) download gigabytes, but a wedged index connection must not hold a deployment forever.
const INSTALL_SECS: u64 = 30 * 60;
const INSTALL_TIMEOUT: Duration = Duration::from_secs(INSTALL_SECS);
/// Bound on a whole build.
pub(crate) const BUILD_TIMEOUT: Duration = Duration::from_secs(VENV_SECS + INSTALL_SECS);

/// Which `uv` the workspace was told to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UvChoice {
    /// `uv` on `PATH` when there is one, else pip.
    Auto,
    /// This executable; pip, with a warning, when it cannot run.
    Path(PathBuf),
    /// Always pip.
    Off,
}

impl UvChoice {
    /// The option wins over the environment variable; an empty variable counts as unset.
    pub(crate) fn new(option: Option<PathBuf>, env: Option<OsString>) -> Self {
        if let Some(path) = option {
            return Self::Path(path);
        }
        match env {
            Some(v) if v.eq_ignore_ascii_case("off") => Self::Off,
            Some(v) if !v.is_empty() => Self::Path(PathBuf::from(v)),
            _ => Self::Auto,
        }
    }
}

/// The tool that builds venvs in this process.
#[derive(Clone, Debug)]
pub(crate) enum Installer {
    /// `uv venv` + `uv pip install`.
    Uv {
        /// The executable.
        exe: PathBuf,
        /// `uv --version`.
        version: String,
    },
    /// `python -m venv` + `python -m pip install`.
    Pip {
        /// A warning when uv was asked for by name and could not run.
        warning: Option<String>,
        /// uv was not asked for and is not on `PATH` (worth a hint: it is much faster).
        uv_missing: bool,
    },
}

impl Installer {
    /// Finds out whether the chosen uv runs.
    pub(crate) async fn detect(choice: &UvChoice) -> Self {
        let exe = match choice {
            UvChoice::Off => {
                return Self::Pip {
                    warning: None,
                    uv_missing: false,
                }
            }
            UvChoice::Auto => PathBuf::from("uv"),
            UvChoice::Path(p) => p.clone(),
        };
        let mut cmd = Command::new(&exe);
        cmd.arg("--version");
        match probe(cmd).await {
            Ok(out) if out.success => Self::Uv {
                exe,
                version: out.stdout.trim().to_owned(),
            },
            outcome => {
                let why = match outcome {
                    Ok(out) => out.stderr.trim().to_owned(),
                    Err(e) => e,
                };
                match choice {
                    UvChoice::Path(_) => Self::Pip {
                        warning: Some(format!(
                            "uv at `{}` could not run ({why}): building environments with pip instead",
                            exe.display()
                        )),
                        uv_missing: false,
                    },
                    _ => Self::Pip {
                        warning: None,
                        uv_missing: true,
                    },
                }
            }
        }
    }

    /// Short name for log lines.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Uv { version, .. } => version.clone(),
            Self::Pip { .. } => "pip".to_owned(),
        }
    }

    /// The warning to repeat in every build's log, if any.
    pub(crate) fn warning(&self) -> Option<&str> {
        match self {
            Self::Pip {
                warning: Some(w), ..
            } => Some(w),
            _ => None,
        }
    }

    /// A candidate interpreter for `python=<pin>`, never downloaded: uv's discovery (`PATH`,
    /// pyenv-style installs, uv-managed pythons; no virtual environments), else `pythonX.Y` on
    /// `PATH`. `Err` says why none was found. The caller checks the candidate's version.
    pub(crate) async fn find_python(&self, pin: &str, cache_dir: &Path) -> Result<PathBuf, String> {
        match self {
            Self::Uv { exe, .. } => {
                let mut cmd = uv_command(exe, cache_dir);
                cmd.args(["python", "find", "--system", "--no-project", pin]);
                let out = probe(cmd).await?;
                let path = out.stdout.trim();
                if out.success && !path.is_empty() {
                    Ok(PathBuf::from(path))
                } else {
                    Err(first_line(&out.stderr))
                }
            }
            Self::Pip { .. } => {
                let minor: Vec<&str> = pin.split('.').take(2).collect();
                Ok(PathBuf::from(format!("python{}", minor.join("."))))
            }
        }
    }

    /// Creates a venv at `staging` with `python` and installs `requirements` into it.
    pub(crate) async fn build(
        &self,
        python: &Path,
        staging: &Path,
        cache_dir: &Path,
        requirements: &[String],
        log: &LogBuffer,
    ) -> Result<()> {
        let venv_python = staging.join("bin").join("python");
        match self {
            Self::Uv { exe, .. } => {
                // Relocatable: the venv is built under a temporary name and renamed into place,
                // and its console scripts (`azmlinfsrv`) must keep working after the rename.
                let mut venv = uv_command(exe, cache_dir);
                venv.args(["venv", "--no-project", "--relocatable", "--python"])
                    .arg(python)
                    .arg(staging);
                run_logged(venv, log, "uv venv", VENV_TIMEOUT).await?;
                let mut install = uv_command(exe, cache_dir);
                install
                    .args(["pip", "install", "--no-progress", "--python"])
                    .arg(&venv_python)
                    .args(requirements);
                run_logged(install, log, "uv pip install", INSTALL_TIMEOUT).await
            }
            Self::Pip { .. } => {
                let mut venv = Command::new(python);
                venv.arg("-m").arg("venv").arg(staging);
                run_logged(venv, log, "python3 -m venv", VENV_TIMEOUT)
                    .await
                    .map_err(|e| match e {
                        Error::Other { message, .. } => Error::other(format!(
                            "{message} (on Debian/Ubuntu the venv module comes with `apt-get install python3-venv`)"
                        )),
                        other => other,
                    })?;
                // The venv's own python runs pip: a renamed venv keeps working through
                // bin/python, while pip's console-script shebangs would point at the staging path.
                let mut pip = Command::new(&venv_python);
                pip.args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--progress-bar",
                    "off",
                ])
                .args(requirements)
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
                run_logged(pip, log, "pip install", INSTALL_TIMEOUT).await
            }
        }
    }
}

/// A uv command with the shared package cache, without interpreter downloads, and with the
/// package index pip would have used when only pip's variables name one (switching installers
/// must not switch where packages come from).
fn uv_command(exe: &Path, cache_dir: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env("UV_CACHE_DIR", cache_dir)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_PROGRESS", "1");
    for (pip, uv) in [
        ("PIP_INDEX_URL", "UV_INDEX_URL"),
        ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"),
    ] {
        if std::env::var_os(uv).is_none() {
            if let Some(value) = std::env::var_os(pip) {
                cmd.env(uv, value);
            }
        }
    }
    // Project discovery and `.python-version` files start from the working directory: the
    // cache's folder is the same wherever the workspace was started.
    if let Some(dir) = cache_dir.parent() {
        cmd.current_dir(dir);
    }
    cmd
}

/// What a quick command printed.
pub(crate) struct Probe {
    pub(crate) success: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs a quick command within [`PROBE_TIMEOUT`]; `Err` when it cannot start or hangs.
pub(crate) async fn probe(cmd: Command) -> Result<Probe, String> {
    let out = LogBuffer::new();
    let err = LogBuffer::new();
    let status = super::run_bounded(cmd, &out, &err, PROBE_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Probe {
        success: status.success(),
        stdout: out.tail(None),
        stderr: err.tail(None),
    })
}

/// `python --version` (`Python 3.11.7`), or an error saying what to install.
pub(crate) async fn python_version(python: &Path) -> Result<String> {
    let mut cmd = Command::new(python);
    cmd.arg("--version");
    let out = probe(cmd).await.map_err(|e| missing_python(python, e))?;
    if !out.success {
        return Err(missing_python(python, out.stderr));
    }
    let mut version = out.stdout.trim().to_owned();
    if version.is_empty() {
        // Python 2 printed its version on stderr.
        version = out.stderr.trim().to_owned();
    }
    Ok(version)
}

/// True when `version` (`Python 3.9.18`) satisfies the conda pin `3.9` (or `3.9.18`).
pub(crate) fn version_matches(version: &str, pin: &str) -> bool {
    let Some(number) = version.trim().strip_prefix("Python ") else {
        return false;
    };
    number == pin
        || number
            .strip_prefix(pin)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().trim_start_matches("error:").trim().to_owned()
}

fn missing_python(python: &Path, why: String) -> Error {
    Error::other(format!(
        "`{}` is needed to run deployments offline but could not be run ({}): install Python 3.9-3.12 with the venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`), or point LocalWorkspaceOptions::python at an interpreter",
        python.display(),
        why.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_choice_option_then_variable() {
        let env = |s: &str| Some(OsString::from(s));
        assert_eq!(
            UvChoice::new(Some("/opt/uv".into()), env("off")),
            UvChoice::Path("/opt/uv".into())
        );
        assert_eq!(UvChoice::new(None, env("OFF")), UvChoice::Off);
        assert_eq!(
            UvChoice::new(None, env("/x/uv")),
            UvChoice::Path("/x/uv".into())
        );
        assert_eq!(UvChoice::new(None, env("")), UvChoice::Auto);
        assert_eq!(UvChoice::new(None, None), UvChoice::Auto);
    }

    #[test]
    fn version_matching_respects_component_boundaries() {
        assert!(version_matches("Python 3.9.18", "3.9"));
        assert!(version_matches("Python 3.9.18", "3.9.18"));
        assert!(version_matches("Python 3.9", "3.9"));
        assert!(!version_matches("Python 3.10.1", "3.1"));
        assert!(!version_matches("Python 3.11.7", "3.9"));
        assert!(!version_matches("3.9.18", "3.9"));
    }

    #[tokio::test]
    async fn a_uv_that_cannot_run_falls_back_to_pip_with_a_warning() {
        let named = Installer::detect(&UvChoice::Path("/nonexistent/uv".into())).await;
        let warning = named.warning().unwrap_or_default().to_owned();
        assert!(matches!(named, Installer::Pip { .. }), "{named:?}");
        assert!(warning.contains("/nonexistent/uv"), "{warning}");
        assert!(warning.contains("pip"), "{warning}");
        let off = Installer::detect(&UvChoice::Off).await;
        assert!(
            matches!(
                off,
                Installer::Pip {
                    warning: None,
                    uv_missing: false
                }
            ),
            "{off:?}"
        );
    }
}
