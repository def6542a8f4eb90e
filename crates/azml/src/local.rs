//! `azml local start|stop|status` and `--local`: the offline workspace in `./.azureml/local`,
//! run in the foreground or detached (a background `azml local start` with a pid file and a
//! log file), found again by later commands through `azml.json` in that folder.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use azure_ai_ml::MLClient;
use azure_ai_ml::ProgressCallback;
use serde_json::{json, Value};

use crate::error::{CliError, CliResult};

/// What a running server writes so other commands find it.
const SERVER_FILE: &str = "azml.json";
/// Log of a detached server.
const LOG_FILE: &str = "azml.log";
/// Pid of a detached server (also in `azml.json`; kept for `kill $(cat …)`).
const PID_FILE: &str = "azml.pid";
/// How long a detached start may take before it is reported as failed.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// How long `stop` waits after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// The workspace folder: `./.azureml/local`.
fn workspace_dir() -> CliResult<PathBuf> {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::failure(format!("cannot read the current folder: {e}")))?;
    Ok(cwd.join(".azureml").join("local"))
}

/// A running server, as its `azml.json` describes it.
#[derive(Clone, Debug)]
struct Server {
    pid: u32,
    base_url: url::Url,
    ca_path: PathBuf,
    subscription_id: String,
    resource_group: String,
    workspace_name: String,
}

impl Server {
    /// The storage suffix clients build account URLs from: `core.localhost:{port}`.
    fn storage_endpoint(&self) -> String {
        format!(
            "core.localhost:{}",
            self.base_url.port_or_known_default().unwrap_or(443)
        )
    }

    fn to_json(&self) -> Value {
        let dir = self.ca_path.parent().unwrap_or(Path::new("."));
        json!({
            "pid": self.pid,
            "base_url": self.base_url.as_str(),
            "storage_endpoint": self.storage_endpoint(),
            "ca_path": self.ca_path.display().to_string(),
            "access_log": dir.join(azure_ai_ml::local::ACCESS_LOG_FILE).display().to_string(),
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "workspace_name": self.workspace_name,
        })
    }

    fn read(dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join(SERVER_FILE)).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            pid: u32::try_from(v.get("pid")?.as_u64()?).ok()?,
            base_url: url::Url::parse(&s("base_url")?).ok()?,
            ca_path: PathBuf::from(s("ca_path")?),
            subscription_id: s("subscription_id")?,
            resource_group: s("resource_group")?,
            workspace_name: s("workspace_name")?,
        })
    }

    /// Alive and accepting connections.
    fn answers(&self) -> bool {
        let Some(port) = self.base_url.port() else {
            return false;
        };
        alive(self.pid)
            && std::net::TcpStream::connect_timeout(
                &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
                Duration::from_secs(2),
            )
            .is_ok()
    }
}

/// True while process `pid` exists and is not a zombie waiting to be reaped.
fn alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    if rustix::process::test_kill_process(pid).is_err() {
        return false;
    }
    // A detached server's parent has exited; if nothing reaps it, it lingers as a zombie.
    match std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_nonzero())) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_none_or(|state| state != 'Z'),
        Err(_) => true,
    }
}

fn signal(pid: u32, sig: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        // The process may have exited meanwhile; nothing else to do then.
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Waits (bounded) until `pid` is gone.
async fn wait_gone(pid: u32, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    !alive(pid)
}

/// The lines that point Python azure-ai-ml and azml at the server.
fn banner(server: &Server) -> String {
    let base = server.base_url.as_str().trim_end_matches('/');
    let ca = server.ca_path.display();
    let storage = server.storage_endpoint();
    let dir = server.ca_path.parent().unwrap_or(Path::new("."));
    let access_log = dir.join(azure_ai_ml::local::ACCESS_LOG_FILE);
    format!(
        "Offline Azure ML workspace (pid {pid})\n\
         \x20 base URL:   {base}\n\
         \x20 storage:    https://<account>.blob.{storage} (names under .localhost are loopback)\n\
         \x20 CA:         {ca}\n\
         \x20 access log: {access_log}\n\
         \x20 workspace:  {sub} / {rg} / {ws}\n\n\
         azml (any command, from this folder):\n\
         \x20 azml --local online-endpoint list\n\n\
         Python azure-ai-ml:\n\
         \x20 export REQUESTS_CA_BUNDLE={ca}\n\
         \x20 # then, in Python:\n\
         \x20 import socket, time\n\
         \x20 from azure.core.credentials import AccessToken\n\
         \x20 from azure.ai.ml import MLClient\n\
         \x20 # Models upload to https://<account>.blob.{storage}: names under .localhost are\n\
         \x20 # loopback (RFC 6761; curl and browsers know), Python's resolver may not.\n\
         \x20 _resolve = socket.getaddrinfo\n\
         \x20 def _loopback(host, *args, **kwargs):\n\
         \x20     if isinstance(host, str) and host.endswith(\".localhost\"):\n\
         \x20         host = \"127.0.0.1\"\n\
         \x20     return _resolve(host, *args, **kwargs)\n\
         \x20 socket.getaddrinfo = _loopback\n\
         \x20 class LocalToken:  # the offline workspace takes any token\n\
         \x20     def get_token(self, *scopes, **kwargs):\n\
         \x20         return AccessToken(\"local\", int(time.time()) + 3600)\n\
         \x20 cloud = {{\"azure_portal\": \"{base}/\", \"resource_manager\": \"{base}/\",\n\
         \x20          \"active_directory\": \"https://login.microsoftonline.com/\", \"aml_resource_id\": \"{base}/\",\n\
         \x20          \"storage_endpoint\": \"{storage}\", \"registry_discovery_endpoint\": \"{base}/\"}}\n\
         \x20 ml_client = MLClient(LocalToken(), \"{sub}\", \"{rg}\", \"{ws}\",\n\
         \x20                      cloud=\"AzureMLLocal\", cloud_metadata=cloud)\n",
        pid = server.pid,
        sub = server.subscription_id,
        rg = server.resource_group,
        ws = server.workspace_name,
        access_log = access_log.display(),
    )
}

/// `azml local start` in the foreground: serves until SIGINT or SIGTERM, then stops every
/// deployment process and removes `azml.json`. With `verbose`, the access log (one JSON line
/// per request, secrets left out) is also printed on stderr.
///
/// # Errors
/// A failure when another server runs from this folder or the workspace cannot start.
pub async fn start_foreground(port: Option<u16>, verbose: bool) -> CliResult<()> {
    use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
    let dir = workspace_dir()?;
    if let Some(running) =
        Server::read(&dir).filter(|s| s.pid != std::process::id() && alive(s.pid))
    {
        return Err(CliError::failure(format!(
            "an offline workspace already runs from {} (pid {}); `azml local stop` first",
            dir.display(),
            running.pid
        )));
    }
    let mut options = LocalWorkspaceOptions::default()
        .with_dir(&dir)
        .with_access_log_stderr(verbose);
    if let Some(port) = port {
        options = options.with_port(port);
    }
    let workspace = LocalWorkspace::start(options)
        .await
        .map_err(azure_ai_ml::Error::from)?;
    let scope = workspace.options();
    let server = Server {
        pid: std::process::id(),
        base_url: workspace.base_url().clone(),
        ca_path: workspace.ca_path().to_path_buf(),
        subscription_id: scope.subscription_id.clone(),
        resource_group: scope.resource_group.clone(),
        workspace_name: scope.workspace_name.clone(),
    };
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).map_err(|e| {
            CliError::failure(format!("cannot write {}: {e}", dir.join(name).display()))
        })
    };
    write(PID_FILE, server.pid.to_string())?;
    // Written last: its presence means "serving".
    write(SERVER_FILE, server.to_json().to_string())?;
    crate::output::write_stdout(&banner(&server))?;
    wait_for_stop_signal().await;
    eprintln!("Stopping the offline workspace…");
    workspace.shutdown().await;
    for name in [SERVER_FILE, PID_FILE] {
        if Server::read(&dir).is_none_or(|s| s.pid == server.pid) || name == PID_FILE {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
    Ok(())
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Starts a detached server (or finds the running one) and returns it once it answers; a
/// `verbose` one also writes its access log to its log file.
async fn ensure_detached(port: Option<u16>, verbose: bool) -> CliResult<(Server, bool)> {
    let dir = workspace_dir()?;
    if let Some(server) = Server::read(&dir).filter(Server::answers) {
        return Ok((server, false));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
    let log_path = dir.join(LOG_FILE);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| CliError::failure(format!("cannot open {}: {e}", log_path.display())))?;
    let log_err = log
        .try_clone()
        .map_err(|e| CliError::failure(format!("cannot open {}: {e}", log_path.display())))?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::failure(format!("cannot find the azml executable: {e}")))?;
    let mut command = std::process::Command::new(exe);
    command.args(["local", "start"]);
    if verbose {
        command.arg("--verbose");
    }
    if let Some(port) = port {
        command.args(["--port", &port.to_string()]);
    }
    // Its own process group: a Ctrl-C in the shell that started it does not stop it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| CliError::failure(format!("cannot start the offline workspace: {e}")))?;
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(CliError::failure(format!(
                "the offline workspace exited ({status}) while starting; see {}:\n{}",
                log_path.display(),
                tail(&log_path, 20)
            )));
        }
        if let Some(server) = Server::read(&dir).filter(|s| s.pid == child.id() && s.answers()) {
            return Ok((server, true));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(child.id(), rustix::process::Signal::TERM);
    let _ = child.wait();
    Err(CliError::failure(format!(
        "the offline workspace did not answer within {START_TIMEOUT:?}; see {}",
        log_path.display()
    )))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `azml local start --detach`.
///
/// # Errors
/// As [`ensure_detached`].
pub async fn start_detached(port: Option<u16>, verbose: bool) -> CliResult<()> {
    let (server, _) = ensure_detached(port, verbose).await?;
    crate::output::write_stdout(&banner(&server))
}

/// `azml local stop`: SIGTERM, a bounded wait, SIGKILL if needed.
///
/// # Errors
/// A failure when the process is still there after SIGKILL.
pub async fn stop() -> CliResult<()> {
    let dir = workspace_dir()?;
    let Some(server) = Server::read(&dir).filter(|s| alive(s.pid)) else {
        eprintln!("No offline workspace is running from {}.", dir.display());
        let _ = std::fs::remove_file(dir.join(SERVER_FILE));
        return Ok(());
    };
    signal(server.pid, rustix::process::Signal::TERM);
    if !wait_gone(server.pid, STOP_GRACE).await {
        signal(server.pid, rustix::process::Signal::KILL);
        if !wait_gone(server.pid, Duration::from_secs(5)).await {
            return Err(CliError::failure(format!(
                "the offline workspace (pid {}) did not stop",
                server.pid
            )));
        }
    }
    for name in [SERVER_FILE, PID_FILE] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    eprintln!("Stopped the offline workspace (pid {}).", server.pid);
    Ok(())
}

/// `azml local status`: where the server runs, or `running: false`.
///
/// # Errors
/// Only when the current folder cannot be read.
pub fn status() -> CliResult<Value> {
    let dir = workspace_dir()?;
    Ok(match Server::read(&dir).filter(Server::answers) {
        Some(server) => {
            let mut v = server.to_json();
            v["running"] = Value::Bool(true);
            v["dir"] = Value::String(dir.display().to_string());
            v
        }
        None => json!({"running": false, "dir": dir.display().to_string()}),
    })
}

/// The client of a `--local` command: the running server's, or a freshly detached one's.
///
/// # Errors
/// Failures starting the server or reading its CA.
pub async fn client(progress: Option<ProgressCallback>) -> CliResult<MLClient> {
    let (server, started) = ensure_detached(None, false).await?;
    if started {
        eprintln!(
            "Started the offline workspace at {} (pid {}); `azml local stop` stops it.",
            server.base_url, server.pid
        );
    }
    let ca = std::fs::read(&server.ca_path)
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", server.ca_path.display())))?;
    let mut options = azure_ai_ml::local::client_options_for(&server.base_url, &ca);
    if let Some(progress) = progress {
        options = options.with_upload_progress(progress);
    }
    Ok(MLClient::new(
        std::sync::Arc::new(azure_ai_ml::local::LocalCredential::new()),
        server.subscription_id,
        server.resource_group,
        server.workspace_name,
        Some(options),
    )?)
}
