//! Soak: 8 clients call an endpoint for over a minute while its traffic shifts 100/0 → 50/50 →
//! 0/100, a deployment is updated twice and an instance is killed. Every call is answered
//! except those sent while the killed instance restarts, which get 503 with `Retry-After`;
//! the split holds within ±3 %; shutdown leaves no process. Then the workspace runs in a child
//! process, is killed with SIGKILL and restarted: every resource and status is intact and
//! serving again.
//!
//! The child is this test binary run again with [`CHILD_ENV`] set: the test then serves the
//! workspace until its stdin closes instead of soaking.
#![cfg(feature = "local")]

mod local_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_ai_ml::local::LocalWorkspace;
use local_support::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// Set in the child process: the folder of the workspace it serves.
const CHILD_ENV: &str = "AZUREML_SOAK_CHILD_DIR";
/// The line the child prints when it listens.
const READY_LINE: &str = "SOAK-WORKSPACE-READY";
const CLIENTS: usize = 8;
/// Traffic phases: blue's and green's weights; each runs this long.
const PHASES: [(u32, u32); 3] = [(100, 0), (50, 50), (0, 100)];
const PHASE_TIME: Duration = Duration::from_secs(21);
/// Phase index while the traffic itself changes (calls not counted in any split).
const SWITCHING: u8 = u8::MAX;
/// A client's pause between calls: enough load to matter, little enough CPU for 2 cores.
const THINK: Duration = Duration::from_millis(10);
/// The longest `Retry-After` a client honours (it asks for an instance's whole start time).
const MAX_BACKOFF: Duration = Duration::from_secs(2);

struct Call {
    sent: Instant,
    phase: u8,
    status: u16,
    deployment: String,
    /// The wait `Retry-After` asked for, if any.
    retry_after: Option<Duration>,
}

fn body(code: &str, model: &str, env: &str, tag: &str) -> Value {
    deployment_body(
        code,
        model,
        env,
        1,
        json!({
            "environmentVariables": {"TAG": tag},
            // 8 clients never hit the in-flight limit (2 × 8 × 1).
            "requestSettings": {"maxConcurrentRequestsPerInstance": 8}
        }),
    )
}

fn clients(
    api: &Api,
    key: &str,
    phase: &Arc<AtomicU8>,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Call>>> {
    (0..CLIENTS)
        .map(|_| {
            let (http, url, key, phase, stop) = (
                api.http.clone(),
                format!("{}/endpoints/soak/score", api.base),
                key.to_owned(),
                phase.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut calls = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (sent, phase) = (Instant::now(), phase.load(Ordering::SeqCst));
                    let answer = http
                        .post(&url)
                        .bearer_auth(&key)
                        .header("content-type", "application/json")
                        .body(r#"{"data": [1, 2]}"#)
                        .timeout(Duration::from_secs(30))
                        .send()
                        .await;
                    let call = match answer {
                        Ok(r) => Call {
                            sent,
                            phase,
                            status: r.status().as_u16(),
                            deployment: r
                                .headers()
                                .get("azureml-model-deployment")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned(),
                            retry_after: r
                                .headers()
                                .get("retry-after")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.parse::<u64>().ok())
                                .map(Duration::from_secs),
                        },
                        Err(_) => Call {
                            sent,
                            phase,
                            status: 0,
                            deployment: String::new(),
                            retry_after: None,
                        },
                    };
                    // Like a client that honours Retry-After (bounded).
                    let pause = call.retry_after.map_or(THINK, |wait| wait.min(MAX_BACKOFF));
                    calls.push(call);
                    tokio::time::sleep(pause).await;
                }
                calls
            })
        })
        .collect()
}

async fn set_traffic(api: &Api, blue: u32, green: u32) {
    api.put_and_wait(
        "onlineEndpoints/soak",
        json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": {"blue": blue, "green": green}}}),
    )
    .await;
}

/// What must survive restarts: the endpoint, both deployments, their assets, the keys.
async fn snapshot(api: &Api) -> Value {
    let mut out = serde_json::Map::new();
    for path in [
        "onlineEndpoints/soak",
        "onlineEndpoints/soak/deployments/blue",
        "onlineEndpoints/soak/deployments/green",
        "models/model-soak/versions/1",
        "environments/env-soak/versions/1",
        "codes/code-soak/versions/1",
    ] {
        let (status, resource, _) = api.arm("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {resource}");
        out.insert(path.to_owned(), resource["properties"].clone());
    }
    let (status, keys, _) = api.arm("POST", "onlineEndpoints/soak/listKeys", None).await;
    assert_eq!(status, 200);
    out.insert("keys".into(), keys);
    Value::Object(out)
}

/// Calls both deployments until both answer; returns how long that took.
async fn until_serving(api: &Api, key: &str, since: Instant) -> Duration {
    for deployment in ["blue", "green"] {
        loop {
            let (status, _, _) = api
                .score("soak", key, Some(deployment), &json!({"data": [1]}))
                .await;
            if status == 200 {
                break;
            }
            assert!(
                since.elapsed() < Duration::from_secs(120),
                "{deployment} never served again: {status}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    since.elapsed()
}

/// The workspace in a child process (this binary, in child mode).
struct Child {
    process: tokio::process::Child,
    base: String,
}

async fn start_child(dir: &Path) -> Child {
    let test = "soak_shifts_updates_kills_and_restarts";
    let mut process = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the test binary runs again");
    let stdout = process.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = tokio::time::timeout(Duration::from_secs(120), async {
        while let Ok(Some(line)) = lines.next_line().await {
            // libtest prints the test's name on the same line first.
            if let Some((_, base)) = line.split_once(READY_LINE) {
                return base.trim().to_owned();
            }
        }
        panic!("the child workspace ended before listening");
    })
    .await
    .expect("the child workspace listens");
    Child { process, base }
}

/// Child mode: serves the workspace in `dir` until stdin closes (the parent gone or done).
async fn serve_as_child(dir: &std::ffi::OsStr) {
    let ws = LocalWorkspace::start(options(dir))
        .await
        .expect("child workspace starts");
    println!("{READY_LINE} {}", ws.base_url());
    let mut byte = [0u8; 1];
    let _ =
        tokio::time::timeout(Duration::from_secs(600), tokio::io::stdin().read(&mut byte)).await;
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_shifts_updates_kills_and_restarts() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        return serve_as_child(&dir).await;
    }
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = Ws::start(dir.path()).await;
    let (code, model, env) = w.register_tiny("soak", &[1.0, 2.0]).await;
    w.create_endpoint("soak", "Key").await;
    for (name, tag) in [("blue", "blue-1"), ("green", "green-1")] {
        let d = w
            .put_and_wait(
                &format!("onlineEndpoints/soak/deployments/{name}"),
                body(&code, &model, &env, tag),
            )
            .await;
        assert_eq!(d["properties"]["provisioningState"], "Succeeded", "{d}");
    }
    set_traffic(&w, 100, 0).await;
    let (key, _) = w.keys("soak").await;

    // ---- traffic: three phases, two updates of blue, green's instance killed
    let phase = Arc::new(AtomicU8::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let running = clients(&w, &key, &phase, &stop);
    let mut kill_window = None;
    for (index, (blue, green)) in PHASES.into_iter().enumerate() {
        let phase_start = Instant::now();
        if index > 0 {
            phase.store(SWITCHING, Ordering::SeqCst);
            set_traffic(&w, blue, green).await;
        }
        phase.store(index as u8, Ordering::SeqCst);
        tokio::time::sleep(PHASE_TIME / 3).await;
        match index {
            0 | 1 => {
                let tag = format!("blue-{}", index + 2);
                let d = w
                    .put_and_wait(
                        "onlineEndpoints/soak/deployments/blue",
                        body(&code, &model, &env, &tag),
                    )
                    .await;
                assert_eq!(d["properties"]["provisioningState"], "Succeeded", "{d}");
            }
            _ => {
                let before = w.ws.instances("soak", "green");
                let pgid = before[0].pid;
                let killed_at = Instant::now();
                let killed = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{pgid}")])
                    .status()
                    .unwrap();
                assert!(killed.success());
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    let now = w.ws.instances("soak", "green");
                    if now
                        .first()
                        .is_some_and(|i| i.restarts >= 1 && i.ready && i.pid != pgid)
                    {
                        break;
                    }
                    assert!(Instant::now() < deadline, "green never restarted: {now:?}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                kill_window = Some((killed_at, Instant::now()));
            }
        }
        let left = PHASE_TIME.saturating_sub(phase_start.elapsed());
        tokio::time::sleep(left).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut calls = Vec::new();
    for client in running {
        calls.extend(client.await.unwrap());
    }
    let soaked = started.elapsed();

    // ---- what the clients saw
    let (killed_at, back_at) = kill_window.expect("an instance was killed");
    let restart_window = |c: &Call| {
        c.sent + Duration::from_millis(500) >= killed_at
            && c.sent <= back_at + Duration::from_secs(1)
    };
    let mut failed_by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut split: BTreeMap<u8, BTreeMap<String, usize>> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for c in &calls {
        if c.status == 200 {
            if c.phase != SWITCHING {
                *split
                    .entry(c.phase)
                    .or_default()
                    .entry(c.deployment.clone())
                    .or_default() += 1;
            }
            continue;
        }
        *failed_by_status.entry(c.status).or_default() += 1;
        if !(c.status == 503 && c.retry_after.is_some() && restart_window(c)) {
            unexpected.push((c.status, c.retry_after, c.sent.duration_since(started)));
        }
    }
    let answered = calls.iter().filter(|c| c.status == 200).count();
    println!(
        "soak: {:.1} s, {} clients, sent {}, answered {answered}, failed by status {failed_by_status:?}",
        soaked.as_secs_f64(),
        CLIENTS,
        calls.len()
    );
    for (index, shares) in &split {
        println!(
            "soak: phase {:?}: answered by {shares:?}",
            PHASES.get(*index as usize)
        );
    }
    println!(
        "soak: green killed at {:.1} s, serving again {:.2} s later",
        killed_at.duration_since(started).as_secs_f64(),
        back_at.duration_since(killed_at).as_secs_f64()
    );
    assert!(soaked >= Duration::from_secs(60), "{soaked:?}");
    assert!(
        unexpected.is_empty(),
        "calls failed outside the restart (status, Retry-After, sent at): {unexpected:?}"
    );
    for (index, (blue, green)) in PHASES.into_iter().enumerate() {
        let shares = split.get(&(index as u8)).cloned().unwrap_or_default();
        let total: usize = shares.values().sum();
        assert!(total > 100, "phase {index}: only {total} calls");
        for (name, weight) in [("blue", blue), ("green", green)] {
            let share = 100.0 * *shares.get(name).unwrap_or(&0) as f64 / total as f64;
            assert!(
                (share - f64::from(weight)).abs() <= 3.0,
                "phase {index}: {name} answered {share:.1} % (weight {weight})"
            );
        }
    }

    // ---- a clean shutdown leaves nothing running
    let before_shutdown = snapshot(&w).await;
    w.ws.shutdown().await;
    eventually("no process of the workspace after shutdown", 10, || {
        workspace_processes(dir.path()).is_empty()
    })
    .await;
    drop(w);
    let ca = std::fs::read_to_string(dir.path().join("ca.pem")).unwrap();

    // ---- the workspace in a child process: restart, change, kill -9
    let since = Instant::now();
    let mut child = start_child(dir.path()).await;
    let api = Api::new(&child.base, &ca);
    let first_restart = until_serving(&api, &key, since).await;
    assert_eq!(
        snapshot(&api).await,
        before_shutdown,
        "a restart changed the workspace"
    );
    let updated = api
        .put_and_wait(
            "onlineEndpoints/soak/deployments/blue",
            body(&code, &model, &env, "blue-4"),
        )
        .await;
    assert_eq!(updated["properties"]["provisioningState"], "Succeeded");
    let before_kill = snapshot(&api).await;
    assert!(!workspace_processes(dir.path()).is_empty());
    child.process.start_kill().unwrap();
    child.process.wait().await.unwrap();
    // Its model servers die with it (their parent-death signal), before anything restarts.
    eventually("the killed workspace's model servers to exit", 30, || {
        workspace_processes(dir.path()).is_empty()
    })
    .await;

    // ---- restarted after the kill: the same workspace, serving again
    let since = Instant::now();
    let w = Ws::start(dir.path()).await;
    let second_restart = until_serving(&w, &key, since).await;
    assert_eq!(
        snapshot(&w).await,
        before_kill,
        "kill -9 lost or changed something"
    );
    let (status, answer, by) = w
        .score("soak", &key, Some("blue"), &json!({"data": [1]}))
        .await;
    assert_eq!((status, by.as_str()), (200, "blue"), "{answer}");
    assert!(answer.contains("blue-4"), "{answer}");
    println!(
        "soak: restart → both deployments serving: {:.2} s after a shutdown, {:.2} s after kill -9",
        first_restart.as_secs_f64(),
        second_restart.as_secs_f64()
    );
    w.ws.shutdown().await;
    eventually(
        "no process of the workspace after the last shutdown",
        10,
        || workspace_processes(dir.path()).is_empty(),
    )
    .await;
}
