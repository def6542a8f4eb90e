//! Which workspace a command talks to, and the client for it.
//!
//! Precedence, as `az ml`: flags, then environment variables, then the Azure CLI's own
//! settings (`az configure --defaults group=… workspace=…` in `~/.azure/config`, the default
//! subscription of `az login` in `~/.azure/azureProfile.json`; `$AZURE_CONFIG_DIR` moves the
//! folder), then a `config.json` found from the current folder upwards.

use std::path::PathBuf;
use std::sync::Arc;

use azure_ai_ml::ProgressCallback;
use azure_ai_ml::{MLClient, MLClientOptions, WorkspaceConfig};
use azure_core::credentials::TokenCredential;

use crate::cli::Global;
use crate::error::{CliError, CliResult};

/// The workspace a command talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group.
    pub resource_group: String,
    /// Workspace name.
    pub workspace_name: String,
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The Azure CLI's configuration folder.
fn az_config_dir() -> Option<PathBuf> {
    if let Some(dir) = env(&["AZURE_CONFIG_DIR"]) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".azure"))
}

/// `[defaults] key = …` of `~/.azure/config` (what `az configure --defaults` writes).
fn az_default(key: &str) -> Option<String> {
    let file = az_config_dir()?.join("config");
    let ini = ini::Ini::load_from_file(file).ok()?;
    ini.get_from(Some("defaults"), key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The default subscription of `az login` (`isDefault` in `azureProfile.json`).
fn az_default_subscription() -> Option<String> {
    let file = az_config_dir()?.join("azureProfile.json");
    let bytes = std::fs::read(file).ok()?;
    // The Azure CLI writes this file with a UTF-8 byte order mark.
    let text = String::from_utf8_lossy(&bytes);
    let json: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    json.get("subscriptions")?
        .as_array()?
        .iter()
        .find(|s| s.get("isDefault").and_then(serde_json::Value::as_bool) == Some(true))?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

/// Resolves the workspace from flags, environment, the Azure CLI's settings and config.json.
///
/// # Errors
/// A usage error naming what is missing and where it may come from.
pub fn resolve(global: &Global) -> CliResult<Scope> {
    let mut subscription = global
        .subscription
        .clone()
        .or_else(|| env(&["AZURE_SUBSCRIPTION_ID"]))
        .or_else(az_default_subscription);
    let mut group = global
        .resource_group
        .clone()
        .or_else(|| env(&["AZURE_RESOURCE_GROUP", "AZURE_DEFAULTS_GROUP"]))
        .or_else(|| az_default("group"));
    let mut workspace = global
        .workspace_name
        .clone()
        .or_else(|| env(&["AZUREML_WORKSPACE_NAME", "AZURE_DEFAULTS_WORKSPACE"]))
        .or_else(|| az_default("workspace"));
    if subscription.is_none() || group.is_none() || workspace.is_none() {
        match WorkspaceConfig::find(None) {
            Ok(config) => {
                subscription.get_or_insert(config.subscription_id);
                group.get_or_insert(config.resource_group);
                workspace.get_or_insert(config.workspace_name);
            }
            // A config.json that exists but is broken is worth saying; none at all is not.
            Err(azure_ai_ml::Error::Validation { field, rule }) if field != "config.json" => {
                return Err(CliError::usage(format!("{field}: {rule}")));
            }
            Err(_) => {}
        }
    }
    let mut missing = Vec::new();
    if subscription.is_none() {
        missing.push("--subscription (or $AZURE_SUBSCRIPTION_ID, `az login`)");
    }
    if group.is_none() {
        missing.push("--resource-group/-g (or `az configure --defaults group=<name>`)");
    }
    if workspace.is_none() {
        missing.push("--workspace-name/-w (or `az configure --defaults workspace=<name>`)");
    }
    match (subscription, group, workspace) {
        (Some(subscription_id), Some(resource_group), Some(workspace_name)) => Ok(Scope {
            subscription_id,
            resource_group,
            workspace_name,
        }),
        _ => Err(CliError::usage(format!(
            "the following arguments are required: {} (a config.json in this folder or above also names the workspace)",
            missing.join(", ")
        ))),
    }
}

/// The client for the command's workspace: the offline one with `--local`, else Azure with
/// the default credential chain. `progress` reports uploads.
///
/// # Errors
/// Usage errors for a missing workspace; failures when the offline workspace cannot start or
/// the client cannot be built.
pub async fn client(global: &Global, progress: Option<ProgressCallback>) -> CliResult<MLClient> {
    if global.local {
        return crate::local::client(progress).await;
    }
    let scope = resolve(global)?;
    let mut options = MLClientOptions::default();
    if let Some(progress) = progress {
        options = options.with_upload_progress(progress);
    }
    let credential = match test_hooks(&mut options)? {
        Some(credential) => credential,
        None => azure_ai_ml::default_credential()?,
    };
    Ok(MLClient::new(
        credential,
        scope.subscription_id,
        scope.resource_group,
        scope.workspace_name,
        Some(options),
    )?)
}

/// Tests only (feature `test-hooks`): `AZML_TEST_REDIRECT=<base URL>` sends every request to
/// a fake, `AZML_TEST_FAKE_CREDENTIAL=1` uses made-up tokens.
#[cfg(feature = "test-hooks")]
fn test_hooks(options: &mut MLClientOptions) -> CliResult<Option<Arc<dyn TokenCredential>>> {
    if let Some(target) = env(&["AZML_TEST_REDIRECT"]) {
        let url = url::Url::parse(&target)
            .map_err(|e| CliError::usage(format!("AZML_TEST_REDIRECT: {e}")))?;
        options.redirect = Some(url);
        options.polling_interval = Some(std::time::Duration::ZERO);
    }
    Ok(
        (env(&["AZML_TEST_FAKE_CREDENTIAL"]).as_deref() == Some("1")).then(|| {
            Arc::new(azure_ai_ml::testing::FakeCredential::new()) as Arc<dyn TokenCredential>
        }),
    )
}

#[cfg(not(feature = "test-hooks"))]
fn test_hooks(_options: &mut MLClientOptions) -> CliResult<Option<Arc<dyn TokenCredential>>> {
    Ok(None)
}
