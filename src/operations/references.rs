//! Turning what users write for a deployment's model, environment and code into the ARM ids
//! the service wants: `azureml:name:version`, `azureml:name@latest`, ARM ids (with or without
//! `azureml:`), registry URIs (inline models and environments are registered by `versioned`,
//! anonymously when unnamed) and local code folders (uploaded once per content hash).

use std::sync::Arc;

use azure_core::http::Context;

use super::assets::{self, CODES, DATA};
use super::upload;
use crate::arm::ArmClient;
use crate::client::ClientCore;
use crate::entities::DataCollector;
use crate::error::{Error, Result};
use crate::ids::{asset_version_id, AssetRef};
use crate::rest;

/// Resolves a reference (not inline) of asset `kind` to an ARM id.
pub(super) async fn reference_id(
    arm: &ArmClient,
    kind: assets::AssetKind,
    field: &str,
    text: &str,
    ctx: &Context<'_>,
) -> Result<String> {
    match AssetRef::parse_field(text, field)? {
        AssetRef::Arm(id) => Ok(id.to_string()),
        AssetRef::Registry(uri) => Ok(uri),
        AssetRef::Version { name, version } => {
            Ok(asset_version_id(arm.scope(), kind.segment, &name, &version))
        }
        AssetRef::Label { name, label } => {
            if !label.eq_ignore_ascii_case("latest") {
                return Err(Error::validation(
                    field,
                    format!("unknown label `{label}`: only `@latest` is supported"),
                ));
            }
            let version = assets::latest_version(arm, kind, &name, ctx).await?;
            Ok(asset_version_id(arm.scope(), kind.segment, &name, &version))
        }
    }
}

/// The ARM id of a deployment's code: a reference as is, a local folder uploaded as an
/// anonymous code asset (deduplicated by content hash, like Python).
pub(crate) async fn code_id(
    core: &Arc<ClientCore>,
    code: &str,
    ctx: &Context<'_>,
) -> Result<String> {
    let looks_like_reference = code.trim().to_ascii_lowercase().starts_with("azureml:")
        || code.starts_with("/subscriptions/");
    if looks_like_reference {
        return reference_id(&core.arm, CODES, "code_configuration.code", code, ctx).await;
    }
    upload::code_folder(core, std::path::Path::new(code), ctx).await
}

/// Registers the data asset of every enabled collection that has none (Python names them
/// `{endpoint}-{deployment}-{collection}`, version 1) and fills in its id.
pub(crate) async fn register_collection_data(
    core: &Arc<ClientCore>,
    endpoint: &str,
    deployment: &str,
    collector: &mut DataCollector,
    ctx: &Context<'_>,
) -> Result<()> {
    for (collection_name, collection) in collector.collections.iter_mut() {
        if !collection.enabled || collection.data.is_some() {
            continue;
        }
        let name = format!("{endpoint}-{deployment}-{collection_name}");
        let uri = format!("azureml://datastores/workspaceblobstore/paths/modelDataCollector/{endpoint}/{deployment}/{collection_name}");
        let body = rest::data_version_body(&uri);
        let created: serde_json::Value =
            assets::put(&core.arm, DATA, &name, "1", &body, ctx).await?;
        let id = created
            .get("id")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| asset_version_id(core.arm.scope(), DATA.segment, &name, "1"));
        collection.data = Some(id);
    }
    Ok(())
}
