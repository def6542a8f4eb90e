//! The seed's rollout from YAML with `azml --local`: a detached offline workspace started on
//! demand, the real `score.py` serving a real model, then `azml local stop`.
//!
//! Needs Python 3 (the venv cache of `$AZUREML_LOCAL_VENV_CACHE` makes it quick after the
//! first run); skipped loudly without it, failed under CI.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
use support::{assets, Project, ENDPOINT};

fn python_available() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is required under CI"
        );
        eprintln!("\n!!!!!!!! SKIPPED: python3 not found; `azml --local` needs it !!!!!!!!\n");
    }
    ok
}

/// Trains the tutorial's model with the environment's own Python (so the pickle matches the
/// scikit-learn that loads it), borrowing an offline workspace's venv builder.
async fn train_model(dir: &std::path::Path) -> PathBuf {
    let conda = std::fs::read_to_string(assets().join("environment/conda.yml")).unwrap();
    let mut options = LocalWorkspaceOptions::default().with_dir(dir.join("trainer"));
    if let Some(cache) = std::env::var_os("AZUREML_LOCAL_VENV_CACHE") {
        options = options.with_venv_cache(PathBuf::from(cache));
    }
    let builder = LocalWorkspace::start(options).await.unwrap();
    let python = builder.environment_python(&conda).await;
    builder.shutdown().await;
    let python = python.unwrap();
    let output = dir.join("model/model.pkl");
    let status = tokio::process::Command::new(&python)
        .arg(assets().join("train_model.py"))
        .arg(&output)
        .status()
        .await
        .unwrap();
    assert!(status.success(), "train_model.py failed");
    output
}

/// Stops the detached workspace however the test ends.
struct StopOnDrop<'a>(&'a Project);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.azml(&["local", "stop"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_rollout_offline() {
    if !python_available() {
        return;
    }
    let mut p = Project::new(b"").timeout(Duration::from_secs(900));
    for key in ["AZUREML_LOCAL_VENV_CACHE", "AZUREML_LOCAL_UV", "PATH"] {
        if let Ok(v) = std::env::var(key) {
            p = p.env(key, &v);
        }
    }
    train_model(p.path()).await;
    let _stop = StopOnDrop(&p);

    // Started explicitly here; a `--local` command would start it too.
    let started = p.azml(&["local", "start", "--detach"]).ok();
    assert!(
        started.stdout.contains("base URL:   https://127.0.0.1:"),
        "{}",
        started.stdout
    );
    assert!(
        started.stdout.contains("REQUESTS_CA_BUNDLE="),
        "{}",
        started.stdout
    );
    let status = p.azml(&["local", "status"]).ok().json();
    assert_eq!(status["running"], true);
    let pid = status["pid"].as_u64().unwrap();

    let local = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("--local");
        p.azml(&all)
    };
    let model = local(&["model", "create", "-f", "model.yml"]).ok().json();
    assert_eq!(model["version"], "1");
    local(&["environment", "create", "-f", "environment.yml"]).ok();
    let endpoint = local(&["online-endpoint", "create", "-f", "endpoint.yml"])
        .ok()
        .json();
    assert_eq!(endpoint["provisioning_state"], "Succeeded");
    let blue = local(&[
        "online-deployment",
        "create",
        "-f",
        "blue.yml",
        "--all-traffic",
    ])
    .ok()
    .json();
    assert_eq!(blue["provisioning_state"], "Succeeded");
    let updated = local(&[
        "online-endpoint",
        "update",
        "-n",
        ENDPOINT,
        "--traffic",
        "blue=100",
    ])
    .ok()
    .json();
    assert_eq!(updated["traffic"]["blue"], 100);

    // The real score.py returns json.dumps(result), which the server sends as a JSON string;
    // az prints the answer's text as a JSON string in turn: two decodes reach the object.
    let answer = local(&[
        "online-endpoint",
        "invoke",
        "-n",
        ENDPOINT,
        "-r",
        "sample.json",
    ])
    .ok()
    .json();
    let text: serde_json::Value = serde_json::from_str(answer.as_str().unwrap()).unwrap();
    let result: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(
        result["predictions"].as_array().map(Vec::len),
        Some(2),
        "{result}"
    );

    let logs = local(&[
        "online-deployment",
        "get-logs",
        "-n",
        "blue",
        "-e",
        ENDPOINT,
    ])
    .ok();
    assert!(!logs.stdout.trim().is_empty());

    local(&["online-endpoint", "delete", "-n", ENDPOINT, "--yes"]).ok();
    assert_eq!(local(&["online-endpoint", "show", "-n", ENDPOINT]).code, 3);

    // The same server served every command.
    assert_eq!(p.azml(&["local", "status"]).ok().json()["pid"], pid);
    p.azml(&["local", "stop"]).ok();
    assert_eq!(p.azml(&["local", "status"]).ok().json()["running"], false);
}
