//! The seed's rollout from YAML files with the built `azml`, against the SDK's fake workspace:
//! JSON shapes, `--query`, `-o table|tsv|yaml`, exit codes, secrets kept out of `--debug`, and
//! no request at all for bad input.

mod support;

use azure_ai_ml::testing::{FakeWorkspace, ScoreResponse};
use serde_json::json;
use support::{Project, ENDPOINT};

fn project(fake: &FakeWorkspace) -> Project {
    Project::new(b"not really a pickle")
        .env("AZML_TEST_REDIRECT", fake.uri().as_str())
        .env("AZML_TEST_FAKE_CREDENTIAL", "1")
        .args(&[
            "--subscription",
            &fake.subscription_id(),
            "-g",
            &fake.resource_group(),
            "-w",
            &fake.workspace_name(),
        ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_rollout_from_yaml() {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!({"predictions": [0, 1]})));
    let p = project(&fake);

    let model = p.azml(&["model", "create", "-f", "model.yml"]).ok().json();
    assert_eq!(model["name"], "customer-churn-model");
    assert_eq!(model["version"], "1");
    assert_eq!(model["type"], "custom_model");
    assert_eq!(model["resourceGroup"], fake.resource_group());
    assert!(
        model["path"].as_str().unwrap().starts_with("azureml://"),
        "{model}"
    );

    let env = p
        .azml(&["environment", "create", "-f", "environment.yml"])
        .ok()
        .json();
    assert_eq!(env["name"], "churn-model-env");
    assert_eq!(env["conda_file"]["name"], "model-env");

    let endpoint = p
        .azml(&["online-endpoint", "create", "-f", "endpoint.yml"])
        .ok()
        .json();
    assert_eq!(endpoint["name"], ENDPOINT);
    assert_eq!(endpoint["auth_mode"], "key");
    assert_eq!(endpoint["provisioning_state"], "Succeeded");
    assert_eq!(
        endpoint["tags"],
        json!({"team": "data-science", "project": "churn"})
    );
    assert_eq!(endpoint["traffic"], json!({}));
    for key in [
        "id",
        "scoring_uri",
        "openapi_uri",
        "location",
        "kind",
        "identity",
        "resourceGroup",
    ] {
        assert!(endpoint.get(key).is_some(), "{key} missing from {endpoint}");
    }
    // Creating it again is refused (after one GET), as az does.
    let again = p.azml(&["online-endpoint", "create", "-f", "endpoint.yml"]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    let blue = p
        .azml(&[
            "online-deployment",
            "create",
            "-f",
            "blue.yml",
            "--all-traffic",
        ])
        .ok();
    assert_eq!(blue.json()["name"], "blue");
    assert_eq!(blue.json()["type"], "managed");
    assert!(
        blue.stderr
            .contains("All traffic will be set to deployment blue"),
        "{}",
        blue.stderr
    );
    let traffic = p
        .azml(&[
            "online-endpoint",
            "show",
            "-n",
            ENDPOINT,
            "--query",
            "traffic",
        ])
        .ok()
        .json();
    assert_eq!(traffic, json!({"blue": 100}));

    // Green from the same file, then the blue/green split.
    p.azml(&[
        "online-deployment",
        "create",
        "-f",
        "blue.yml",
        "-n",
        "green",
        "--set",
        "instance_count=2",
    ])
    .ok();
    let green = p
        .azml(&["online-deployment", "show", "-n", "green", "-e", ENDPOINT])
        .ok()
        .json();
    assert_eq!(green["instance_count"], 2);
    let updated = p
        .azml(&[
            "online-endpoint",
            "update",
            "-n",
            ENDPOINT,
            "--traffic",
            "blue=90 green=10",
        ])
        .ok()
        .json();
    assert_eq!(updated["traffic"], json!({"blue": 90, "green": 10}));
    let listed = p
        .azml(&[
            "online-deployment",
            "list",
            "-e",
            ENDPOINT,
            "--query",
            "[].name",
        ])
        .ok()
        .json();
    assert_eq!(listed, json!(["blue", "green"]));

    // Scoring: az prints the answer as a JSON string.
    let answer = p
        .azml(&[
            "online-endpoint",
            "invoke",
            "-n",
            ENDPOINT,
            "-r",
            "sample.json",
        ])
        .ok()
        .json();
    let text = answer.as_str().expect("a JSON string");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(text).unwrap(),
        json!({"predictions": [0, 1]})
    );

    let logs = p
        .azml(&[
            "online-deployment",
            "get-logs",
            "-n",
            "blue",
            "-e",
            ENDPOINT,
            "--lines",
            "10",
        ])
        .ok();
    assert!(
        serde_json::from_str::<serde_json::Value>(&logs.stdout).is_err(),
        "logs are text"
    );

    // The tutorial's curl lines: scoring URI and key as bare lines.
    let uri = p
        .azml(&[
            "online-endpoint",
            "show",
            "-n",
            ENDPOINT,
            "--query",
            "scoring_uri",
            "-o",
            "tsv",
        ])
        .ok();
    assert!(
        uri.stdout.starts_with("https://") && uri.stdout.ends_with("/score\n"),
        "{}",
        uri.stdout
    );
    let key = p
        .azml(&[
            "online-endpoint",
            "get-credentials",
            "-n",
            ENDPOINT,
            "--query",
            "primaryKey",
            "-o",
            "tsv",
        ])
        .ok();
    let key = key.stdout.trim().to_owned();
    assert!(key.len() > 10, "{key}");

    // --debug shows the HTTP exchange on stderr, never the key.
    let debug = p
        .azml(&[
            "online-endpoint",
            "get-credentials",
            "-n",
            ENDPOINT,
            "--debug",
        ])
        .ok();
    assert!(debug.stdout.contains(&key));
    assert!(debug.stderr.contains("listKeys"), "{}", debug.stderr);
    assert!(
        !debug.stderr.contains(&key),
        "the key leaked into --debug output"
    );

    // Other output formats.
    let table = p.azml(&["online-endpoint", "list", "-o", "table"]).ok();
    let mut lines = table.stdout.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with("Kind") && header.contains("Name"),
        "{}",
        table.stdout
    );
    assert!(lines.next().unwrap_or_default().starts_with("----"));
    assert!(lines.next().unwrap_or_default().contains(ENDPOINT));
    let yaml = p
        .azml(&["online-endpoint", "show", "-n", ENDPOINT, "-o", "yaml"])
        .ok();
    assert!(
        yaml.stdout.contains(&format!("name: {ENDPOINT}\n")),
        "{}",
        yaml.stdout
    );
    let none = p
        .azml(&["online-endpoint", "show", "-n", ENDPOINT, "-o", "none"])
        .ok();
    assert!(none.stdout.is_empty());
    // knack's tsv: a list is one row per item, a row that is a list is tab-separated.
    let tsv = p
        .azml(&[
            "online-endpoint",
            "show",
            "-n",
            ENDPOINT,
            "--query",
            "[name, auth_mode]",
            "-o",
            "tsv",
        ])
        .ok();
    assert_eq!(tsv.stdout, format!("{ENDPOINT}\nkey\n"));
    let tsv = p
        .azml(&[
            "online-endpoint",
            "show",
            "-n",
            ENDPOINT,
            "--query",
            "[[name, auth_mode]]",
            "-o",
            "tsv",
        ])
        .ok();
    assert_eq!(tsv.stdout, format!("{ENDPOINT}\tkey\n"));

    // Models: list (containers), download.
    let models = p.azml(&["model", "list"]).ok().json();
    assert_eq!(models[0]["name"], "customer-churn-model");
    assert_eq!(models[0]["latest version"], "1");
    p.azml(&[
        "model",
        "download",
        "-n",
        "customer-churn-model",
        "-v",
        "1",
        "-p",
        "downloads",
    ])
    .ok();
    let downloaded =
        std::fs::read(p.path().join("downloads/customer-churn-model/model.pkl")).unwrap();
    assert_eq!(downloaded, b"not really a pickle");
    // Archived models leave the default list (listViewType), and come back.
    p.azml(&["model", "archive", "-n", "customer-churn-model"])
        .ok();
    assert_eq!(p.azml(&["model", "list"]).ok().json(), json!([]));
    let all = p
        .azml(&["model", "list", "--include-archived", "--query", "[].name"])
        .ok()
        .json();
    assert_eq!(all, json!(["customer-churn-model"]));
    p.azml(&["model", "restore", "-n", "customer-churn-model"])
        .ok();
    let versions = p
        .azml(&[
            "model",
            "list",
            "-n",
            "customer-churn-model",
            "--query",
            "[].version",
        ])
        .ok()
        .json();
    assert_eq!(versions, json!(["1"]));
    let envs = p.azml(&["environment", "list"]).ok().json();
    assert_eq!(
        envs,
        json!([{"name": "churn-model-env", "latest version": "1"}])
    );
    let shown = p
        .azml(&[
            "environment",
            "show",
            "-n",
            "churn-model-env",
            "-l",
            "latest",
            "--query",
            "version",
        ])
        .ok()
        .json();
    assert_eq!(shown, "1");

    // Clean up: green's traffic away, green deleted, then the endpoint.
    p.azml(&[
        "online-endpoint",
        "update",
        "-n",
        ENDPOINT,
        "--traffic",
        "blue=100",
    ])
    .ok();
    p.azml(&[
        "online-deployment",
        "delete",
        "-n",
        "green",
        "-e",
        ENDPOINT,
        "--yes",
    ])
    .ok();
    p.azml(&["online-endpoint", "delete", "-n", ENDPOINT, "--yes"])
        .ok();
    let gone = p.azml(&["online-endpoint", "show", "-n", ENDPOINT]);
    assert_eq!(gone.code, 3, "{gone:?}");
    assert!(gone.stderr.starts_with("ERROR:"), "{}", gone.stderr);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_sends_nothing_and_exits_2() {
    let fake = FakeWorkspace::start().await;
    let p = project(&fake);
    std::fs::write(
        p.path().join("bad.yml"),
        "name: churn\nauth_mode: key\ncolour: blue\n",
    )
    .unwrap();
    std::fs::write(p.path().join("broken.yml"), "name: [unclosed\n").unwrap();
    let cases: &[&[&str]] = &[
        &["online-endpoint", "create", "-f", "bad.yml"],
        &["online-endpoint", "create", "-f", "broken.yml"],
        &["online-endpoint", "create", "-f", "missing.yml"],
        &[
            "online-endpoint",
            "create",
            "-f",
            "endpoint.yml",
            "--set",
            "traffic.blue=lots",
        ],
        &[
            "online-endpoint",
            "create",
            "-f",
            "endpoint.yml",
            "--set",
            "no-equals-sign",
        ],
        &[
            "online-endpoint",
            "create",
            "-f",
            "endpoint.yml",
            "--auth-mode",
            "password",
        ],
        &[
            "online-endpoint",
            "update",
            "-n",
            ENDPOINT,
            "--traffic",
            "blue=90,green=10",
        ],
        &[
            "online-endpoint",
            "show",
            "-n",
            ENDPOINT,
            "--query",
            "[unclosed",
        ],
        &["online-endpoint", "delete", "-n", ENDPOINT],
        &[
            "online-deployment",
            "create",
            "-f",
            "blue.yml",
            "--set",
            "model.path=./elsewhere",
        ],
        &[
            "online-deployment",
            "create",
            "-f",
            "blue.yml",
            "--set",
            "code_configuration.code=./nowhere",
        ],
        &[
            "online-deployment",
            "create",
            "-f",
            "blue.yml",
            "--set",
            "instance_count=0",
        ],
        &["model", "create", "-n", "m"],
        &["model", "list", "--include-archived", "--archived-only"],
        &["online-endpoint", "show"],
        &["online-endpoint", "frobnicate"],
    ];
    for args in cases {
        let run = p.azml(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(
        fake.count(),
        0,
        "requests were sent: {:#?}",
        fake.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_comes_from_flags_then_environment_then_az_defaults_then_config_json() {
    let fake = FakeWorkspace::start().await;
    let base = Project::new(b"m")
        .env("AZML_TEST_REDIRECT", fake.uri().as_str())
        .env("AZML_TEST_FAKE_CREDENTIAL", "1");
    // Nothing names the workspace: usage error, nothing sent.
    let run = base.azml(&["online-endpoint", "list"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--resource-group"), "{}", run.stderr);

    // config.json in the folder.
    std::fs::write(
        base.path().join("config.json"),
        json!({"subscription_id": fake.subscription_id(), "resource_group": "wrong-rg", "workspace_name": "wrong-ws"}).to_string(),
    )
    .unwrap();
    // `az configure --defaults` beats config.json…
    std::fs::write(
        base.path().join(".azure/config"),
        format!(
            "[defaults]\ngroup = {}\nworkspace = {}\n",
            fake.resource_group(),
            fake.workspace_name()
        ),
    )
    .unwrap();
    base.azml(&["online-endpoint", "list"]).ok();
    // …and a flag beats both (a workspace the fake does not know: the service answers 404).
    let run = base.azml(&["online-endpoint", "list", "-w", "other-ws"]);
    assert_ne!(run.code, 0, "{run:?}");
    let sent_to_other = fake.count_where(|r| r.path.contains("/workspaces/other-ws/"));
    assert!(sent_to_other > 0);
    assert_eq!(fake.count_where(|r| r.path.contains("/wrong-ws/")), 0);
}

/// The seed's model, environment and endpoint, created with azml.
fn with_model_environment_and_endpoint(p: &Project) {
    p.azml(&["model", "create", "-f", "model.yml"]).ok();
    p.azml(&["environment", "create", "-f", "environment.yml"])
        .ok();
    p.azml(&["online-endpoint", "create", "-f", "endpoint.yml"])
        .ok();
}

/// A scoring script that is not valid Python is refused before anything is uploaded (exit 2,
/// the hint names the flag); `--skip-script-validation` deploys it anyway, as az does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_scoring_script_deploys_only_with_skip_script_validation() {
    let fake = FakeWorkspace::start().await;
    let p = project(&fake);
    with_model_environment_and_endpoint(&p);
    let code = p.path().join("broken-scoring");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("score.py"),
        "def init():\n    pass\n\ndef run(:\n",
    )
    .unwrap();
    let blue = std::fs::read_to_string(p.path().join("blue.yml")).unwrap();
    let scoring = support::assets().join("scoring").display().to_string();
    assert!(blue.contains(&scoring), "{blue}");
    std::fs::write(
        p.path().join("broken.yml"),
        blue.replace(&scoring, &code.display().to_string()),
    )
    .unwrap();

    let refused = p.azml(&["online-deployment", "create", "-f", "broken.yml"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("not valid Python")
            && refused.stderr.contains("--skip-script-validation"),
        "{}",
        refused.stderr
    );
    let uploaded = |fake: &FakeWorkspace| {
        fake.count_where(|r| r.method == "PUT" && r.path.ends_with("/score.py")) > 0
    };
    assert!(!uploaded(&fake), "the broken script was uploaded");

    let created = p
        .azml(&[
            "online-deployment",
            "create",
            "-f",
            "broken.yml",
            "--skip-script-validation",
        ])
        .ok();
    assert_eq!(created.json()["name"], "blue");
    assert!(uploaded(&fake), "the script was not uploaded");
}

/// `monitor autoscale update` changes the default profile's counts, `enabled` and the tags of
/// an existing setting and keeps its rules; a count outside the bounds is refused before any
/// PUT (exit 2), and an update with nothing to change is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscale_update_changes_counts_enabled_and_tags_and_keeps_the_rules() {
    let fake = FakeWorkspace::start().await;
    let p = project(&fake);
    with_model_environment_and_endpoint(&p);
    p.azml(&["online-deployment", "create", "-f", "blue.yml"])
        .ok();
    let blue = format!(
        "{}/onlineEndpoints/{ENDPOINT}/deployments/blue",
        fake.workspace_id()
    );
    let name = "churn-autoscale";
    p.azml(&[
        "monitor",
        "autoscale",
        "create",
        "--resource",
        &blue,
        "-n",
        name,
        "--min-count",
        "1",
        "--max-count",
        "5",
        "--count",
        "1",
    ])
    .ok();
    p.azml(&[
        "monitor",
        "autoscale",
        "rule",
        "create",
        "--autoscale-name",
        name,
        "--condition",
        "CpuUtilizationPercentage > 70 avg 5m",
        "--scale",
        "out",
        "1",
    ])
    .ok();

    let updated = p
        .azml(&[
            "monitor",
            "autoscale",
            "update",
            "-n",
            name,
            "--max-count",
            "3",
            "--count",
            "2",
            "--enabled",
            "false",
            "--tags",
            "team=ml",
        ])
        .ok()
        .json();
    let profile = &updated["profiles"][0];
    assert_eq!(
        profile["capacity"],
        json!({"minimum": "1", "maximum": "3", "default": "2"}),
        "{updated}"
    );
    assert_eq!(
        profile["rules"].as_array().map(Vec::len),
        Some(1),
        "{updated}"
    );
    assert_eq!(updated["enabled"], false, "{updated}");
    assert_eq!(updated["tags"], json!({"team": "ml"}), "{updated}");
    let shown = p
        .azml(&["monitor", "autoscale", "show", "-n", name])
        .ok()
        .json();
    assert_eq!(shown["profiles"][0]["capacity"], profile["capacity"]);

    let puts = |fake: &FakeWorkspace| {
        fake.count_where(|r| r.method == "PUT" && r.path.contains("autoscalesettings"))
    };
    let before = puts(&fake);
    let out_of_bounds = p.azml(&["monitor", "autoscale", "update", "-n", name, "--count", "9"]);
    assert_eq!(out_of_bounds.code, 2, "{out_of_bounds:?}");
    assert_eq!(puts(&fake), before, "an invalid setting was sent");
    let nothing = p.azml(&["monitor", "autoscale", "update", "-n", name]);
    assert_eq!(nothing.code, 2, "{nothing:?}");
    assert!(
        nothing.stderr.contains("nothing to update"),
        "{}",
        nothing.stderr
    );
}

/// `model update` / `environment update` change a version's description and tags in place (az's
/// GET, `--set`, PUT): the version and its files stay, `show` reads the change back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_and_environment_update_change_description_and_tags_in_place() {
    let fake = FakeWorkspace::start().await;
    let p = project(&fake);
    with_model_environment_and_endpoint(&p);
    let before = p
        .azml(&["model", "show", "-n", "customer-churn-model", "-v", "1"])
        .ok()
        .json();
    let updated = p
        .azml(&[
            "model",
            "update",
            "-n",
            "customer-churn-model",
            "-v",
            "1",
            "--set",
            "description=Retrained monthly",
            "tags.team=ml",
        ])
        .ok()
        .json();
    assert_eq!(updated["description"], "Retrained monthly", "{updated}");
    assert_eq!(updated["tags"], json!({"team": "ml"}), "{updated}");
    assert_eq!(updated["version"], "1");
    assert_eq!(updated["path"], before["path"]);
    let shown = p
        .azml(&["model", "show", "-n", "customer-churn-model", "-v", "1"])
        .ok()
        .json();
    assert_eq!(shown["description"], "Retrained monthly");

    let env = p
        .azml(&[
            "environment",
            "update",
            "-n",
            "churn-model-env",
            "-v",
            "1",
            "--set",
            "tags.team=ml",
        ])
        .ok()
        .json();
    assert_eq!(env["tags"], json!({"team": "ml"}), "{env}");
    assert_eq!(env["version"], "1");

    let nothing = p.azml(&["model", "update", "-n", "customer-churn-model", "-v", "1"]);
    assert_eq!(nothing.code, 2, "{nothing:?}");
}
