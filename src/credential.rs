//! A default credential chain like Python's `DefaultAzureCredential`.
//!
//! `azure_identity` 1.x ships the credentials but no chain, so this module composes one:
//! environment service principal → workload identity → managed identity → Azure CLI. The first
//! credential that returns a token is kept for the life of the chain.
//!
//! Managed identity is only tried where it can exist: App Service / Functions / Arc advertise
//! it through environment variables, and on VMs the instance metadata service (IMDS) is probed
//! **once** with a short timeout. Without the probe, `ManagedIdentityCredential` retries IMDS for
//! about 72 s off Azure before giving up, which would stall every developer laptop and CI job.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, ManagedIdentityCredential,
    WorkloadIdentityCredential,
};
use tokio::sync::{Mutex, OnceCell};

use crate::error::{Error, Result};

/// A credential of the chain by name, or why it could not be built.
type Candidate = (
    &'static str,
    std::result::Result<Arc<dyn TokenCredential>, String>,
);

const IMDS_PROBE_URL: &str =
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01";
const IMDS_PROBE_TIMEOUT: Duration = Duration::from_millis(1000);

/// Creates the default credential chain (see [`DefaultAzureCredential`]).
///
/// # Errors
/// Never fails today; returns `Result` so a future check can be added without breaking callers.
pub fn default_credential() -> Result<Arc<dyn TokenCredential>> {
    Ok(Arc::new(DefaultAzureCredential::new()))
}

/// Tries, in order: the service principal in `AZURE_TENANT_ID`/`AZURE_CLIENT_ID`/`AZURE_CLIENT_SECRET`,
/// workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity (only where the environment or a
/// one-second IMDS probe says it exists), and the Azure CLI (`az login`). Sticks with the first one
/// that returns a token. Errors list what each credential said.
#[derive(Debug)]
pub struct DefaultAzureCredential {
    imds_probe_url: String,
    chosen: OnceCell<Arc<dyn TokenCredential>>,
    // Serializes the first selection so concurrent first calls don't all walk the chain.
    selecting: Mutex<()>,
}

impl Default for DefaultAzureCredential {
    fn default() -> Self {
        Self::new()
    }
}

impl DefaultAzureCredential {
    /// A new chain; nothing is contacted until the first token request.
    pub fn new() -> Self {
        Self {
            imds_probe_url: IMDS_PROBE_URL.to_owned(),
            chosen: OnceCell::new(),
            selecting: Mutex::new(()),
        }
    }

    #[cfg(test)]
    fn with_imds_probe_url(url: String) -> Self {
        Self {
            imds_probe_url: url,
            ..Self::new()
        }
    }

    /// The credentials that apply to this environment, in order, with their names.
    async fn candidates(
        &self,
    ) -> Vec<(
        &'static str,
        std::result::Result<Arc<dyn TokenCredential>, String>,
    )> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut out: Vec<Candidate> = Vec::new();
        if let (Some(tenant), Some(client), Some(secret)) = (
            env("AZURE_TENANT_ID"),
            env("AZURE_CLIENT_ID"),
            env("AZURE_CLIENT_SECRET"),
        ) {
            out.push((
                "EnvironmentCredential",
                ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string()),
            ));
        }
        if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            out.push((
                "WorkloadIdentityCredential",
                WorkloadIdentityCredential::new(None)
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string()),
            ));
        }
        let advertised = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"]
            .iter()
            .any(|k| env(k).is_some());
        if advertised || self.imds_reachable().await {
            out.push((
                "ManagedIdentityCredential",
                ManagedIdentityCredential::new(None)
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string()),
            ));
        }
        out.push((
            "AzureCliCredential",
            AzureCliCredential::new(None)
                .map(|c| c as Arc<dyn TokenCredential>)
                .map_err(|e| e.to_string()),
        ));
        out
    }

    /// One short probe: any HTTP answer means an IMDS endpoint is there.
    async fn imds_reachable(&self) -> bool {
        let Ok(client) = crate::http::probe_client(IMDS_PROBE_TIMEOUT) else {
            return false;
        };
        client
            .get(&self.imds_probe_url)
            .header("Metadata", "true")
            .send()
            .await
            .is_ok()
    }
}

#[async_trait::async_trait]
impl TokenCredential for DefaultAzureCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if let Some(chosen) = self.chosen.get() {
            return chosen.get_token(scopes, options).await;
        }
        let _guard = self.selecting.lock().await;
        if let Some(chosen) = self.chosen.get() {
            return chosen.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (name, candidate) in self.candidates().await {
            match candidate {
                Ok(credential) => match credential.get_token(scopes, options.clone()).await {
                    Ok(token) => {
                        tracing::debug!(credential = name, "default credential chain selected");
                        let _ = self.chosen.set(credential);
                        return Ok(token);
                    }
                    Err(e) => failures.push(format!("{name}: {e}")),
                },
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        Err(Error::Auth {
            message: format!(
                "no credential in the default chain could get a token. Set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, run `az login`, or run on Azure with a managed identity. Tried: {}",
                failures.join("; ")
            ),
            source: None,
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn imds_probe_is_short_and_negative_off_azure() {
        // A loopback port with nothing listening answers "connection refused" at once.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let chain = DefaultAzureCredential::with_imds_probe_url(format!(
            "http://127.0.0.1:{port}/metadata"
        ));
        assert!(!chain.imds_reachable().await);
        let names: Vec<_> = chain
            .candidates()
            .await
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert!(
            !names.contains(&"ManagedIdentityCredential")
                || std::env::var("IDENTITY_ENDPOINT").is_ok()
                || std::env::var("MSI_ENDPOINT").is_ok()
        );
        assert_eq!(names.last(), Some(&"AzureCliCredential"));
    }

    #[tokio::test]
    async fn imds_probe_sees_a_listening_endpoint() {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(400))
            .mount(&server)
            .await;
        let chain =
            DefaultAzureCredential::with_imds_probe_url(format!("{}/metadata", server.uri()));
        assert!(chain.imds_reachable().await);
    }
}
