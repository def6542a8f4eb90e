//! `azml --verbose local start` in the foreground: the access log's JSON lines on stderr as
//! well as in `.azureml/local/access.jsonl`, and `azml local stop` ends it. No Python: no
//! deployment runs.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::Project;

/// Kills and reaps the server if the test ends early.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn verbose_foreground_start_prints_the_access_log_on_stderr() {
    let p = Project::new(b"").timeout(Duration::from_secs(60));
    let child = Command::new(env!("CARGO_BIN_EXE_azml"))
        .args(["--verbose", "local", "start"])
        .current_dir(p.path())
        .env("HOME", p.path())
        .env("AZURE_CONFIG_DIR", p.path().join(".azure"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Reap(child);
    let stderr = server.0.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });

    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let status = p.azml(&["local", "status"]).ok().json();
        if status["running"] == true {
            break status;
        }
        assert!(Instant::now() < deadline, "the server never answered");
        assert!(
            matches!(server.0.try_wait(), Ok(None)),
            "the server exited while starting"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let list = p.azml(&["online-endpoint", "list", "--local"]).ok().json();
    assert_eq!(list, serde_json::json!([]));

    p.azml(&["local", "stop"]).ok();
    let deadline = Instant::now() + Duration::from_secs(30);
    while matches!(server.0.try_wait(), Ok(None)) {
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let lines = reader.join().unwrap();
    let logged: Vec<Value> = lines
        .iter()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let list_line = logged
        .iter()
        .find(|l| {
            l["method"] == "GET"
                && l["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("/onlineEndpoints?api-version="))
        })
        .unwrap_or_else(|| panic!("no access-log line for the list on stderr:\n{lines:#?}"));
    assert_eq!(list_line["status"], 200);
    assert_eq!(list_line["service"], "arm");

    // The same lines are in the workspace folder's log.
    let file = std::fs::read_to_string(status["access_log"].as_str().unwrap()).unwrap();
    assert!(
        file.contains(list_line["request_id"].as_str().unwrap()),
        "{file}"
    );
}
