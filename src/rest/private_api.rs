//! Test-only doorway to the crate-private body builders (re-exported as `azure_ai_ml::__private`).
//!
//! Not part of the public API: no stability promise, hidden from docs. Integration tests use it
//! to compare our request bodies with what Python sends.

use azure_core::credentials::Secret;
use serde::Serialize;
use serde_json::Value;

use crate::entities::{
    CondaFile, ContainerType, Environment, KeyType, Model, OnlineDeployment, OnlineEndpoint,
};
use crate::Result;

/// These bodies have string keys and no fallible fields, so serializing cannot fail; were it to,
/// the `Null` would fail the caller's comparison rather than panic here.
fn json(body: &impl Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// See `rest::model_version_body`.
pub fn model_version_body(model: &Model) -> Result<Value> {
    super::to_value(&super::model_version_body(model)?)
}

/// See `rest::anonymous_model_version_body`.
pub fn anonymous_model_version_body(model: &Model) -> Result<Value> {
    super::to_value(&super::anonymous_model_version_body(model)?)
}

/// See `rest::anonymous_environment_version_body`.
pub fn anonymous_environment_version_body(env: &Environment) -> Result<Value> {
    super::to_value(&super::anonymous_environment_version_body(env)?)
}

/// See `rest::environment_version_body`.
pub fn environment_version_body(env: &Environment) -> Result<Value> {
    super::to_value(&super::environment_version_body(env)?)
}

/// See `rest::online_endpoint_body`.
pub fn online_endpoint_body(endpoint: &OnlineEndpoint, location: &str) -> Result<Value> {
    super::to_value(&super::online_endpoint_body(endpoint, location))
}

/// See `rest::online_endpoint_traffic_update_body`.
pub fn online_endpoint_traffic_update_body(endpoint: &OnlineEndpoint, location: &str) -> Value {
    json(&super::online_endpoint_traffic_update_body(
        endpoint, location,
    ))
}

/// See `rest::strip_traffic`.
pub fn strip_traffic(endpoint: &mut OnlineEndpoint) {
    super::strip_traffic(endpoint)
}

/// See `rest::online_deployment_body`.
pub fn online_deployment_body(deployment: &OnlineDeployment, location: &str) -> Result<Value> {
    super::to_value(&super::online_deployment_body(deployment, location)?)
}

/// See `rest::code_version_body`.
pub fn code_version_body(code_uri: &str, hash_sha256: &str) -> Value {
    json(&super::code_version_body(code_uri, hash_sha256))
}

/// See `rest::data_version_body`.
pub fn data_version_body(data_uri: &str) -> Value {
    json(&super::data_version_body(data_uri))
}

/// See `rest::regenerate_keys_body`.
pub fn regenerate_keys_body(key_type: KeyType, key_value: Option<&Secret>) -> Value {
    json(&super::regenerate_keys_body(key_type, key_value))
}

/// See `rest::get_logs_body`.
pub fn get_logs_body(container_type: Option<ContainerType>, tail: u32) -> Value {
    json(&super::get_logs_body(container_type, tail))
}

/// ISO-8601 from seconds (as probes are sent).
pub fn iso_from_seconds(seconds: f64) -> Option<String> {
    super::duration::from_seconds(seconds)
}

/// ISO-8601 from milliseconds (as request settings are sent).
pub fn iso_from_millis(millis: i64) -> Option<String> {
    super::duration::from_millis(millis)
}

/// Parses an ISO-8601 duration to microseconds.
pub fn iso_parse_micros(text: &str) -> Option<i128> {
    super::duration::parse_micros(text)
}

/// See `rest::conda_text` (the conda file as Python inlines it).
pub fn conda_text(conda: &CondaFile) -> Result<String> {
    super::conda_text(conda)
}

/// See `rest::start_pending_upload_body`.
pub fn start_pending_upload_body() -> Value {
    json(&super::start_pending_upload_body())
}

/// See `rest::list_secrets_body`.
pub fn list_secrets_body() -> Value {
    json(&super::list_secrets_body())
}

pub use super::{
    ArmList, BlobReference, CodeVersionProperties, CodeVersionResource, ContainerProperties,
    DatastoreSecrets, ModelContainer, PendingUploadCredential, PendingUploadResponse, SkuResource,
};
