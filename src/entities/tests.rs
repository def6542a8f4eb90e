//! Unit tests of the entities: lenient enums, secrets never printed, conversions.

use super::*;

#[test]
fn unknown_enum_values_are_kept_not_rejected() {
    let mode: AuthMode = serde_json::from_str("\"SomethingNew\"").unwrap();
    assert_eq!(mode, AuthMode::Unknown("SomethingNew".into()));
    assert_eq!(mode.as_str(), "SomethingNew");
    let state: ProvisioningState = serde_json::from_str("\"Migrating\"").unwrap();
    assert!(state.is_unknown() && !state.is_terminal());
    let compute: EndpointComputeType = serde_json::from_str("\"Serverless\"").unwrap();
    assert!(compute.is_unknown());
    let rate: RollingRate = serde_json::from_str("\"Second\"").unwrap();
    assert!(rate.is_unknown());
    let identity: IdentityType = serde_json::from_str("\"Federated\"").unwrap();
    assert!(identity.is_unknown());
    let access: PublicNetworkAccess = serde_json::from_str("\"Partial\"").unwrap();
    assert!(access.is_unknown());
}

#[test]
fn python_spellings_parse_case_insensitively() {
    assert_eq!(AuthMode::parse("key"), AuthMode::Key);
    assert_eq!(AuthMode::parse("aml_token"), AuthMode::AmlToken);
    assert_eq!(AuthMode::parse("AAD_TOKEN"), AuthMode::AadToken);
    assert_eq!(AuthMode::parse("AMLToken").as_str(), "AMLToken");
    assert_eq!(AssetType::parse("CustomModel"), AssetType::CustomModel);
    assert_eq!(AssetType::parse("mlflow_model").as_str(), "mlflow_model");
    assert_eq!(AssetType::parse("MLFlowModel"), AssetType::MlflowModel);
    assert_eq!(
        IdentityType::parse("system_assigned,user_assigned"),
        IdentityType::SystemAndUserAssigned
    );
    assert_eq!(
        PublicNetworkAccess::parse("disabled"),
        PublicNetworkAccess::Disabled
    );
    assert_eq!("primary".parse::<KeyType>().unwrap(), KeyType::Primary);
    assert!("tertiary".parse::<KeyType>().unwrap_err().is_validation());
    assert_eq!(
        "inference_server".parse::<ContainerType>().unwrap(),
        ContainerType::InferenceServer
    );
    assert!("sidecar".parse::<ContainerType>().is_err());
}

#[test]
fn terminal_states() {
    for s in ["Succeeded", "failed", "CANCELED"] {
        assert!(ProvisioningState::parse(s).is_terminal(), "{s}");
    }
    for s in ["Creating", "Updating", "Deleting", "Scaling"] {
        assert!(!ProvisioningState::parse(s).is_terminal(), "{s}");
    }
}

#[test]
fn keys_and_tokens_never_print_their_secret() {
    let keys: EndpointAuthKeys =
        serde_json::from_str(r#"{"primaryKey":"pRiMaRy-123","secondaryKey":"sEcOnDaRy-456"}"#)
            .unwrap();
    let debug = format!("{keys:?}");
    assert!(
        !debug.contains("pRiMaRy-123") && !debug.contains("sEcOnDaRy-456"),
        "{debug}"
    );
    assert_eq!(
        keys.primary_key.as_ref().map(|k| k.secret()),
        Some("pRiMaRy-123")
    );

    let token: EndpointAuthToken = serde_json::from_str(
        r#"{"accessToken":"eyJ-secret-token","tokenType":"Bearer","expiryTimeUtc":1700000000,"refreshAfterTimeUtc":1699990000}"#,
    )
    .unwrap();
    let debug = format!("{token:?}");
    assert!(!debug.contains("eyJ-secret-token"), "{debug}");
    assert!(debug.contains("Bearer"));
}

#[test]
fn references_from_entities() {
    let registered: Model = serde_json::from_str(
        r#"{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models/m/versions/2","name":"2","properties":{"modelUri":"azureml://x"}}"#,
    )
    .unwrap();
    assert_eq!(registered.name, "m");
    assert_eq!(registered.version.as_deref(), Some("2"));
    assert_eq!(ModelRef::from(&registered).as_id(), registered.id());
    let local = Model::new("m").path("./m.pkl");
    assert!(matches!(ModelRef::from(local), ModelRef::Inline(_)));
    let env = Environment::new("e").image("img");
    assert!(matches!(
        EnvironmentRef::from(&env),
        EnvironmentRef::Inline(_)
    ));
    assert_eq!(
        EnvironmentRef::from("azureml:e:1").as_id(),
        Some("azureml:e:1")
    );
}

#[test]
fn enum_wrappers_expose_shared_fields() {
    let e = OnlineEndpoint::from(
        ManagedOnlineEndpoint::new("ep1").traffic([("Blue", 0), ("green", 100)]),
    );
    assert_eq!(e.name(), "ep1");
    assert_eq!(e.auth_mode(), &AuthMode::Key);
    assert_eq!(e.traffic().len(), 2);

    let mut d =
        OnlineDeployment::from(KubernetesOnlineDeployment::new("blue").endpoint_name("ep1"));
    assert!(d.is_kubernetes());
    assert_eq!(d.endpoint_name(), Some("ep1"));
    d.set_model(Some("x".into()));
    assert_eq!(d.model().and_then(ModelRef::as_id), Some("x"));
}

#[test]
fn decoding_tolerates_nulls_and_odd_values() {
    let d: OnlineDeployment =
        serde_json::from_str(r#"{"name":"d","properties":null,"tags":null,"sku":{"capacity":-1}}"#)
            .unwrap();
    assert_eq!(d.name(), "d");
    assert_eq!(d.instance_count(), None);
    let e: OnlineEndpoint = serde_json::from_str(
        r#"{"name":"e","properties":{"traffic":{"a":null,"b":-3,"c":40},"properties":{"n":1,"s":"x","z":null}}}"#,
    )
    .unwrap();
    assert_eq!(e.traffic().len(), 1);
    let m = e.as_managed().unwrap();
    assert_eq!(m.properties.get("n").map(String::as_str), Some("1"));
    assert!(!m.properties.contains_key("z"));
    // A broken duration is a decode error (with a path), never a panic.
    let err = serde_json::from_str::<OnlineDeployment>(
        r#"{"properties":{"livenessProbe":{"period":"ten seconds"}}}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("ISO-8601"), "{err}");
}

#[test]
fn key_and_container_types_serialize_as_their_wire_spelling() {
    for key in [KeyType::Primary, KeyType::Secondary] {
        assert_eq!(serde_json::to_value(key).unwrap(), key.as_str());
    }
    for container in [
        ContainerType::StorageInitializer,
        ContainerType::InferenceServer,
    ] {
        assert_eq!(serde_json::to_value(container).unwrap(), container.as_str());
    }
}
