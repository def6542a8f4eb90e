//! Any client, Python's included: Python azure-ai-ml, a second process, pointed at
//! `azml local start --detach` as a custom cloud, registers a model and uploads its file through
//! the account blob host `{account}.blob.core.localhost:{port}` (TLS verified against the
//! certificate's name), not the 127.0.0.1 path form; `azml` then downloads the same bytes, and
//! `azml local stop` leaves no process behind.
//!
//! Needs azure-ai-ml in the Python of `$AZUREML_PYCLIENT_PYTHON` (scripts/prereqs.sh installs
//! it into build/pyclient and exports the variable in build/env.sh); skipped loudly without it,
//! failed under CI.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::Project;

/// The Python that has azure-ai-ml, or `None` (skipped) outside CI.
fn python_with_azure_ai_ml() -> Option<PathBuf> {
    let python = std::env::var_os("AZUREML_PYCLIENT_PYTHON").map(PathBuf::from);
    let usable = python.as_ref().is_some_and(|p| {
        std::process::Command::new(p)
            .args(["-c", "import azure.ai.ml"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if usable {
        return python;
    }
    let why = match &python {
        Some(p) => format!("{} cannot import azure.ai.ml", p.display()),
        None => "AZUREML_PYCLIENT_PYTHON is not set".to_owned(),
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: under CI this test must run (scripts/prereqs.sh installs azure-ai-ml into \
         build/pyclient and exports AZUREML_PYCLIENT_PYTHON in build/env.sh)"
    );
    eprintln!(
        "\n!!!!!!!! SKIPPED: {why}; run scripts/prereqs.sh and `source build/env.sh` !!!!!!!!\n"
    );
    None
}

/// Stops the detached workspace however the test ends.
struct StopOnDrop<'a>(&'a Project);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.azml(&["local", "stop"]);
    }
}

/// Gone, or a zombie nobody has reaped yet (its parent, the `--detach` call, has exited).
fn gone(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => true,
    }
}

fn access_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn python_azure_ai_ml_uploads_a_model_through_the_account_blob_host() {
    let Some(python) = python_with_azure_ai_ml() else {
        return;
    };
    let model: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let p = Project::new(&model).timeout(Duration::from_secs(120));
    let _stop = StopOnDrop(&p);

    let started = p.azml(&["local", "start", "--detach"]).ok();
    let status = p.azml(&["local", "status"]).ok().json();
    assert_eq!(status["running"], true, "{status}");
    let pid = status["pid"].as_u64().unwrap();
    let base = status["base_url"].as_str().unwrap().to_owned();
    let storage = status["storage_endpoint"].as_str().unwrap().to_owned();
    let port = url::Url::parse(&base).unwrap().port().unwrap();
    assert_eq!(storage, format!("core.localhost:{port}"));
    // The banner's Python lines carry the same storage endpoint.
    assert!(
        started
            .stdout
            .contains(&format!("\"storage_endpoint\": \"{storage}\"")),
        "{}",
        started.stdout
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/python_client.py");
    let output = assert_cmd::Command::new(&python)
        .current_dir(p.path())
        .arg(&script)
        .arg(&base)
        .arg(&storage)
        .arg("model/model.pkl")
        .env("HOME", p.path())
        .env("REQUESTS_CA_BUNDLE", status["ca_path"].as_str().unwrap())
        .env_remove("SSL_CERT_FILE")
        .env_remove("CURL_CA_BUNDLE")
        .timeout(Duration::from_secs(300))
        .write_stdin("")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Python azure-ai-ml failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let registered: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("not JSON ({e}):\n{stdout}\n{stderr}");
    });
    assert_eq!(registered["name"], "py-model");
    let path = registered["path"].as_str().unwrap();
    assert!(
        path.contains("/datastores/workspaceblobstore/paths/LocalUpload/")
            && path.ends_with("/model.pkl"),
        "{path}"
    );

    // Every blob request of the upload went to the account host, none to 127.0.0.1.
    let lines = access_log(Path::new(status["access_log"].as_str().unwrap()));
    let blob: Vec<&Value> = lines.iter().filter(|l| l["service"] == "blob").collect();
    let account_host = format!("mlworkspace0000local.blob.core.localhost:{port}");
    assert!(
        blob.iter().any(|l| l["method"] == "PUT"
            && l["status"] == 201
            && l["host"] == account_host.as_str()),
        "{blob:#?}"
    );
    assert!(
        blob.iter().all(|l| l["host"] == account_host.as_str()),
        "{blob:#?}"
    );

    // The bytes landed: azml reads them back.
    p.azml(&[
        "model",
        "download",
        "-n",
        "py-model",
        "-v",
        registered["version"].as_str().unwrap(),
        "-p",
        "downloaded",
        "--local",
    ])
    .ok();
    let back = std::fs::read(p.path().join("downloaded/py-model/model.pkl")).unwrap();
    assert!(
        back == model,
        "the downloaded model differs from the upload"
    );

    p.azml(&["local", "stop"]).ok();
    assert_eq!(p.azml(&["local", "status"]).ok().json()["running"], false);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !gone(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        gone(pid),
        "the offline workspace (pid {pid}) is still running"
    );
}
