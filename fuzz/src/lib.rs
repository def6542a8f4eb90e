//! The bodies of the `cargo fuzz` targets (`fuzz_targets/*.rs`), kept here so that
//! `cargo test --no-default-features` runs them over the seeds on stable, without libFuzzer,
//! and they cannot rot.
//!
//! Each takes arbitrary bytes, drives nothing but azure_ai_ml's public API, and panics where
//! the API breaks a promise: a panic inside the SDK (every input must give a value or an
//! error), or a documented round trip that does not come back equal.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use azure_ai_ml::monitor::{
    AutoscaleSetting, MetricCondition, MetricDefinition, MetricsResponse, ScaleAction, ScaleRule,
    Timespan,
};
use azure_ai_ml::yaml::{dump, Overrides, YamlEntity};
use azure_ai_ml::{
    ArmId, ContainerType, DeploymentLogs, EndpointAuthKeys, EndpointAuthToken, Environment,
    ErrorDetail, KeyType, Model, OnlineDeployment, OnlineEndpoint, OperationStatus,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Every public type the SDK decodes from a service answer, from JSON bytes; and the YAML
/// entities from the dict those bytes hold. Returns how many of them accepted the input.
pub fn json_entities(data: &[u8]) -> usize {
    let mut accepted = [
        decode::<EndpointAuthKeys>(data).is_some(),
        decode::<EndpointAuthToken>(data).is_some(),
        decode::<DeploymentLogs>(data).is_some(),
        decode::<ErrorDetail>(data).is_some(),
        decode::<OperationStatus<Value>>(data).is_some(),
        decode::<MetricsResponse>(data).is_some(),
        decode::<MetricDefinition>(data).is_some(),
        decode::<Timespan>(data).is_some(),
    ]
    .into_iter()
    .filter(|ok| *ok)
    .count();
    if let Some(setting) = decode::<AutoscaleSetting>(data) {
        // It serializes to the ARM JSON it was read from (read-only fields left out).
        let written = serde_json::to_vec(&setting).expect("a decoded AutoscaleSetting serializes");
        decode::<AutoscaleSetting>(&written);
        accepted += 1;
    }
    let Ok(dict) = serde_json::from_slice::<Value>(data) else {
        return accepted;
    };
    if reads_only_safe_files(&dict) {
        let base = scratch_dir();
        accepted += [
            OnlineEndpoint::from_dict(&dict, &base).is_ok(),
            OnlineDeployment::from_dict(&dict, &base).is_ok(),
            Model::from_dict(&dict, &base).is_ok(),
            Environment::from_dict(&dict, &base).is_ok(),
        ]
        .into_iter()
        .filter(|ok| *ok)
        .count();
    }
    accepted
}

/// CLI v2 YAML files through the public loaders; what loads dumps, and the dump loads back
/// equal (the loaders make paths absolute so that a file loaded, dumped and loaded again
/// points at the same files). Returns how many loaders accepted the input.
pub fn yaml_entities(data: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(data) else {
        return 0;
    };
    let tree = yaml_serde::from_str::<Value>(text).unwrap_or(Value::Null);
    if !reads_only_safe_files(&tree) {
        return 0;
    }
    let input = scratch_dir().join("input.yml");
    std::fs::write(&input, data).expect("the scratch folder is writable");
    [
        round_trip(&input, |p| azure_ai_ml::load_online_endpoint(p)),
        round_trip(&input, |p| azure_ai_ml::load_online_deployment(p)),
        round_trip(&input, |p| azure_ai_ml::load_model(p)),
        round_trip(&input, |p| azure_ai_ml::load_environment(p)),
    ]
    .into_iter()
    .filter(|ok| *ok)
    .count()
}

/// The autoscale rule language (`CpuUtilizationPercentage > 70 avg 5m scale out 1`), whose
/// `Display` is documented to parse back to an equal value; and the other text the SDK parses:
/// ARM ids, metric timespans, key and container types, `--set` overrides. Returns how many
/// parsers accepted the input.
pub fn rule_text(data: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(data) else {
        return 0;
    };
    let mut accepted = [
        canonical(text, MetricCondition::parse),
        canonical(text, ScaleRule::parse),
        canonical(text, ScaleAction::parse),
    ]
    .into_iter()
    .filter(|ok| *ok)
    .count();
    if let Ok(id) = ArmId::parse(text) {
        let _ = (id.to_string(), id.kind(), id.name(), id.version());
        accepted += 1;
    }
    if let Some(span) = Timespan::parse(text) {
        let _ = span.to_string();
        accepted += 1;
    }
    if let Ok(key) = text.parse::<KeyType>() {
        assert_eq!(key.to_string().parse::<KeyType>().ok(), Some(key));
        accepted += 1;
    }
    if let Ok(container) = text.parse::<ContainerType>() {
        let shown = container.to_string();
        assert_eq!(shown.parse::<ContainerType>().ok(), Some(container));
        accepted += 1;
    }
    if let Ok(overrides) = Overrides::parse(text.lines()) {
        let mut tree = yaml_serde::Value::Mapping(Default::default());
        accepted += usize::from(overrides.apply(&mut tree).is_ok());
    }
    accepted
}

/// Decodes `data` as `T`; `None` when it is not one.
fn decode<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    serde_json::from_slice(data).ok()
}

/// `parse(text)`, and when it succeeds, `parse(display)` must give the same value. True when
/// `text` parsed.
fn canonical<T, E>(text: &str, parse: fn(&str) -> Result<T, E>) -> bool
where
    T: std::fmt::Display + std::fmt::Debug + PartialEq,
    E: std::fmt::Debug,
{
    let Ok(value) = parse(text) else {
        return false;
    };
    let shown = value.to_string();
    match parse(&shown) {
        Ok(again) => assert_eq!(again, value, "{text:?} shows as {shown:?}"),
        Err(e) => panic!("{text:?} shows as {shown:?}, which does not parse: {e:?}"),
    }
    true
}

/// Loads `input` with `load`; what loads must dump, and the dump must load back equal. True
/// when `input` loaded.
fn round_trip<T>(input: &Path, load: impl Fn(&Path) -> azure_ai_ml::Result<T>) -> bool
where
    T: YamlEntity + std::fmt::Debug + PartialEq,
{
    let Ok(entity) = load(input) else {
        return false;
    };
    let text = dump(&entity).expect("a loaded entity dumps");
    let dumped = input.with_file_name("dumped.yml");
    std::fs::write(&dumped, &text).expect("the scratch folder is writable");
    match load(&dumped) {
        Ok(again) => assert_eq!(again, entity, "dumped as:\n{text}"),
        Err(e) => panic!("the dump does not load: {e}\n{text}"),
    }
    true
}

/// False when a `conda_file` (the one file the loaders read) could name a file outside the
/// scratch folder: `/dev/zero` or a FIFO would hang the run, not find a bug.
fn reads_only_safe_files(tree: &Value) -> bool {
    let outside = |path: &str| path.starts_with('/') || path.split('/').any(|part| part == "..");
    match tree {
        Value::Object(map) => map.iter().all(|(key, value)| {
            let unsafe_conda = key == "conda_file" && value.as_str().is_some_and(outside);
            !unsafe_conda && reads_only_safe_files(value)
        }),
        Value::Array(items) => items.iter().all(reads_only_safe_files),
        _ => true,
    }
}

/// This process's scratch folder: inputs are written there for the file loaders, beside the
/// files the seeds name (`./model/model.pkl`, `./scoring/`, `./environment/conda.yml`), so
/// that they load in full.
fn scratch_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("azure_ai_ml-fuzz-{}", std::process::id()));
        let files = [
            ("model/model.pkl", "not a real pickle"),
            (
                "scoring/score.py",
                "def init():\n    pass\n\n\ndef run(raw):\n    return raw\n",
            ),
            (
                "environment/conda.yml",
                "name: env\ndependencies:\n  - python=3.11\n",
            ),
        ];
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir))
                .expect("the temp folder is writable");
            std::fs::write(path, text).expect("the temp folder is writable");
        }
        dir
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Cut points a seed is tried at, spread over its length (every one for short seeds).
    const CUTS: usize = 64;

    /// Runs `target` over every seed in `seeds/{name}`, which some API must accept whole, and
    /// over prefixes of each (a cut input is the commonest malformed one).
    fn over_seeds(name: &str, target: fn(&[u8]) -> usize) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(name);
        let mut seeds = 0;
        for entry in std::fs::read_dir(&dir).expect("the seeds folder exists") {
            let path = entry.expect("a seed").path();
            let bytes = std::fs::read(&path).expect("a seed reads");
            assert!(target(&bytes) > 0, "no API accepts {}", path.display());
            let step = bytes.len().div_ceil(CUTS).max(1);
            for end in (0..bytes.len()).step_by(step) {
                target(&bytes[..end]);
            }
            seeds += 1;
        }
        assert!(seeds > 0, "no seeds in {}", dir.display());
    }

    #[test]
    fn json_entities_over_the_seeds() {
        over_seeds("json_entities", super::json_entities);
    }

    #[test]
    fn yaml_entities_over_the_seeds() {
        over_seeds("yaml_entities", super::yaml_entities);
    }

    #[test]
    fn rule_text_over_the_seeds() {
        over_seeds("rule_text", super::rule_text);
    }
}
