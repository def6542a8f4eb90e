//! CLI v2 YAML both ways: every oracle file → entity → YAML → entity is the identity, the
//! entity's dict is Python's `_to_dict()` (`X.loaded.json`), and `--set` overrides reach the
//! tree before the schema sees it.

use std::path::{Path, PathBuf};

use azure_ai_ml::yaml::{
    dump, load_online_deployment_with, load_online_endpoint_with, with_overrides, Overrides,
    ToDict, YamlEntity,
};
use azure_ai_ml::{
    load_environment, load_model, load_online_deployment, load_online_endpoint, Error,
    OnlineDeployment,
};
use serde_json::Value;

/// `shared/oracle/yaml` beside the repository or any folder above it (worktrees sit deeper).
fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/oracle/yaml"))
        .find(|p| p.is_dir())
        .expect("shared/oracle/yaml next to the repository")
}

fn yml(case: &str) -> PathBuf {
    oracle_dir().join(format!("{case}.yml"))
}

fn loaded_json(case: &str) -> Value {
    let path = oracle_dir().join(format!("{case}.loaded.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Dumps `entity` into a fresh folder and loads it back with `load`.
fn round_trip<T: YamlEntity>(entity: &T, load: impl Fn(&Path) -> azure_ai_ml::Result<T>) -> T {
    let text = dump(entity).unwrap();
    assert!(
        text.starts_with("$schema: https://azuremlschemas.azureedge.net/latest/"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dumped.yml");
    std::fs::write(&path, &text).unwrap();
    load(&path).unwrap_or_else(|e| panic!("reloading\n{text}\nfailed: {e}"))
}

const ENDPOINTS: [&str; 3] = ["endpoint", "endpoint_with_traffic", "kubernetes_endpoint"];
const DEPLOYMENTS: [&str; 3] = [
    "deployment_blue",
    "deployment_inline_assets",
    "kubernetes_deployment",
];

#[test]
fn every_oracle_file_round_trips_through_yaml() {
    for case in ENDPOINTS {
        let e = load_online_endpoint(yml(case)).unwrap();
        assert_eq!(round_trip(&e, |p| load_online_endpoint(p)), e, "{case}");
    }
    for case in DEPLOYMENTS {
        let d = load_online_deployment(yml(case)).unwrap();
        assert_eq!(round_trip(&d, |p| load_online_deployment(p)), d, "{case}");
    }
    let m = load_model(yml("model")).unwrap();
    assert_eq!(round_trip(&m, |p| load_model(p)), m);
    let e = load_environment(yml("environment")).unwrap();
    assert_eq!(round_trip(&e, |p| load_environment(p)), e);
}

/// Python keeps `code` relative to the file and writes `<yaml-dir>` where it made a path
/// absolute; ours are absolute throughout.
fn python_paths_made_absolute(mut loaded: Value) -> Value {
    let dir = oracle_dir().to_string_lossy().into_owned();
    if let Some(code) = loaded.pointer_mut("/code_configuration/code") {
        *code = Value::String(format!("{dir}/scoring"));
    }
    if let Some(Value::String(path)) = loaded.get_mut("path") {
        *path = path.replace("<yaml-dir>", &dir);
    }
    loaded
}

#[test]
fn dicts_are_pythons_loaded_shapes() {
    for case in ENDPOINTS {
        let e = load_online_endpoint(yml(case)).unwrap();
        assert_eq!(e.to_dict(), loaded_json(case), "{case}");
    }
    for case in ["deployment_blue", "kubernetes_deployment"] {
        let d = load_online_deployment(yml(case)).unwrap();
        assert_eq!(
            d.to_dict(),
            python_paths_made_absolute(loaded_json(case)),
            "{case}"
        );
    }
    let m = load_model(yml("model")).unwrap();
    assert_eq!(
        m.to_dict(),
        python_paths_made_absolute(loaded_json("model"))
    );
    // Python's environment dict has no `properties` (its schema has none); ours is empty.
    let mut env = load_environment(yml("environment")).unwrap().to_dict();
    assert_eq!(env["properties"], serde_json::json!({}));
    env.as_object_mut().unwrap().remove("properties");
    assert_eq!(env, loaded_json("environment"));
}

#[test]
fn inline_assets_dump_without_names() {
    let d = load_online_deployment(yml("deployment_inline_assets")).unwrap();
    let dict = d.to_dict();
    assert!(dict["model"].get("name").is_none());
    assert_eq!(dict["model"]["type"], "custom_model");
    assert_eq!(
        dict["environment"]["conda_file"],
        loaded_json("deployment_inline_assets")["environment"]["conda_file"]
    );
}

#[test]
fn overrides_apply_before_the_schema() {
    let overrides =
        Overrides::parse(["name=churn-staging", "traffic.blue=100", "tags.stage=ci"]).unwrap();
    let e = load_online_endpoint_with(yml("endpoint"), &overrides).unwrap();
    assert_eq!(e.name(), "churn-staging");
    assert_eq!(e.traffic().get("blue"), Some(&100));
    assert_eq!(e.tags().get("stage").map(String::as_str), Some("ci"));

    // Strings where the schema wants numbers are read as numbers, as marshmallow does.
    let overrides = Overrides::parse([
        "instance_count=3",
        "liveness_probe.period=20",
        "app_insights_enabled=true",
    ])
    .unwrap();
    let d = load_online_deployment_with(yml("deployment_blue"), &overrides).unwrap();
    let OnlineDeployment::Managed(m) = &d else {
        panic!("managed")
    };
    assert_eq!(m.instance_count, Some(3));
    assert_eq!(m.liveness_probe.as_ref().and_then(|p| p.period), Some(20));
    assert!(m.app_insights_enabled);
}

#[test]
fn bad_overrides_fail_at_load_naming_the_field() {
    let not_a_number = Overrides::new().set("instance_count", "many");
    match load_online_deployment_with(yml("deployment_blue"), &not_a_number) {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "instance_count"),
        other => panic!("{other:?}"),
    }
    let through_a_reference = Overrides::new().set("model.path", "./m");
    assert!(matches!(
        load_online_deployment_with(yml("deployment_blue"), &through_a_reference),
        Err(Error::Validation { .. })
    ));
    let unknown_field = Overrides::new().set("colour", "blue");
    assert!(matches!(
        load_online_endpoint_with(yml("endpoint"), &unknown_field),
        Err(Error::Validation { .. })
    ));
}

#[test]
fn with_overrides_changes_an_entity_through_its_dict() {
    let d = load_online_deployment(yml("deployment_blue")).unwrap();
    let changed = with_overrides(&d, &Overrides::new().set("instance_count", "2")).unwrap();
    let (OnlineDeployment::Managed(before), OnlineDeployment::Managed(after)) = (&d, &changed)
    else {
        panic!("managed")
    };
    assert_eq!(after.instance_count, Some(2));
    let mut same = after.clone();
    same.instance_count = before.instance_count;
    assert_eq!(&same, before);
}
