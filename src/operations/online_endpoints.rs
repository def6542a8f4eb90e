//! `ml_client.online_endpoints()`.

use std::sync::Arc;

use azure_core::credentials::Secret;
use azure_core::http::Context;

use crate::arm::lro::LroPoller;
use crate::arm::pager::ArmPager;
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::{AuthMode, KeyType, OnlineEndpoint};
use crate::error::{Error, Result};
use crate::invoke::{EndpointCredentials, InvokeRequest, InvokeResponse, ScoringClient};
use crate::{rest, validate};

use super::require_name;

/// Online endpoint operations: create/update, get, list, delete, keys, invoke.
#[derive(Clone, Debug)]
pub struct OnlineEndpointOperations {
    core: Arc<ClientCore>,
}

impl OnlineEndpointOperations {
    pub(crate) fn new(core: Arc<ClientCore>) -> Self {
        Self { core }
    }

    /// Creates or updates an endpoint, like Python's `begin_create_or_update(endpoint)`.
    ///
    /// Validates first (name, traffic, mirror traffic), strips zero-traffic entries and
    /// lower-cases deployment names as Python does, reads the workspace location (once per
    /// client), sends the PUT, and returns a poller that follows the provisioning.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::{AuthMode, ManagedOnlineEndpoint};
    /// let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1").auth_mode(AuthMode::Key);
    /// let created = ml_client.online_endpoints().begin_create_or_update(&endpoint).await?.await?.into_model()?;
    /// println!("{:?}", created.scoring_uri());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before any request; [`Error::Service`] if the PUT is refused; the
    /// poller ends with [`Error::OperationFailed`] if provisioning fails.
    pub async fn begin_create_or_update(
        &self,
        endpoint: impl Into<OnlineEndpoint>,
    ) -> Result<LroPoller<OnlineEndpoint>> {
        let mut endpoint = endpoint.into();
        validate::endpoint(&endpoint)?;
        rest::strip_traffic(&mut endpoint);
        if let OnlineEndpoint::Kubernetes(k8s) = &mut endpoint {
            // Python turns a bare compute name into the compute's ARM id before the PUT.
            if let Some(compute) = k8s.compute.target.as_mut() {
                if !compute.starts_with('/') {
                    *compute = format!("{}/computes/{compute}", self.core.arm.scope().arm_id());
                }
            }
        }
        let ctx = Context::new();
        let arm = &self.core.arm;
        let location = arm.workspace_location(&ctx).await?;
        let body = rest::online_endpoint_body(&endpoint, &location);
        let name = endpoint.name().to_owned();
        // The cached scoring client stays: a traffic change doesn't touch the scoring URI or the
        // keys, and an auth-mode change shows up as a 401, which makes it resolve again.
        arm.begin_put(
            &resources::online_endpoint(arm.api(), &name),
            &body,
            format!("online_endpoints.begin_create_or_update({name})"),
            &ctx,
        )
        .await
    }

    /// Gets an endpoint.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing endpoint), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    pub async fn get(&self, name: &str) -> Result<OnlineEndpoint> {
        require_name("name", name)?;
        let arm = &self.core.arm;
        arm.get(
            &resources::online_endpoint(arm.api(), name),
            "OnlineEndpoint",
            &Context::new(),
        )
        .await
    }

    /// Lists the workspace's endpoints.
    pub fn list(&self) -> ArmPager<OnlineEndpoint> {
        let arm = &self.core.arm;
        arm.list(&resources::online_endpoints(arm.api()), &Context::new())
    }

    /// Deletes an endpoint and its deployments.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or version, before any
    /// request; [`Error::Service`](crate::Error::Service) when the service refuses (404 for a
    /// missing endpoint), [`Error::Transport`](crate::Error::Transport) when no answer arrives in
    /// time, [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode. The poller
    /// ends with the service's error if the deletion fails.
    pub async fn begin_delete(&self, name: &str) -> Result<LroPoller<()>> {
        require_name("name", name)?;
        let arm = &self.core.arm;
        let poller = arm
            .begin_delete(
                &resources::online_endpoint(arm.api(), name),
                format!("online_endpoints.begin_delete({name})"),
                &Context::new(),
            )
            .await?;
        self.core.scoring.forget(name);
        Ok(poller)
    }

    /// The endpoint's scoring credentials, by auth mode (Python's `get_keys`).
    ///
    /// # Errors
    /// As [`get`](Self::get), for the endpoint and its `listKeys` / `token` call (no error repeats
    /// a key or token); [`Error::Auth`](crate::Error::Auth) when an Entra token can't be had.
    pub async fn get_keys(&self, name: &str) -> Result<EndpointCredentials> {
        let endpoint = self.get(name).await?;
        self.core
            .scoring
            .arm()
            .credentials(name, endpoint.auth_mode(), &Context::new())
            .await
    }

    /// Calls the endpoint's scoring URI (Python's `invoke`).
    ///
    /// The first call resolves the scoring URI and credentials (endpoint GET plus `listKeys` or
    /// `token`) and caches them; after that every invoke is exactly one HTTP request. A 401/403
    /// refreshes the credentials once and retries once. The body is sent byte for byte; the
    /// deployment header is sent only when this request pins one.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::InvokeRequest;
    /// let out = ml_client
    ///     .online_endpoints()
    ///     .invoke("churn-prediction-v1", InvokeRequest::file("sample.json").deployment("blue"))
    ///     .await?;
    /// println!("{}", out.text()?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty endpoint name or a request
    /// option; as [`get_keys`](Self::get_keys) while resolving the scoring target;
    /// [`Error::Service`](crate::Error::Service) for a non-2xx scoring answer,
    /// [`Error::Transport`](crate::Error::Transport) when none arrives within the scoring timeout.
    pub async fn invoke(
        &self,
        endpoint_name: &str,
        request: impl AsRef<InvokeRequest>,
    ) -> Result<InvokeResponse> {
        require_name("endpoint_name", endpoint_name)?;
        self.core
            .scoring
            .invoke(endpoint_name, request.as_ref())
            .await
    }

    /// The cached scoring client of an endpoint, for services that score often (cheap to clone,
    /// `Send + Sync`; one connection pool per `MLClient`).
    pub fn scoring_client(&self, endpoint_name: &str) -> ScoringClient {
        self.core.scoring.get(endpoint_name)
    }

    /// Regenerates a key of a `key`-auth endpoint.
    ///
    /// Sends `keyType` alone so the service generates the new key; pass `key_value` to set a
    /// value of your own. (Python sends the *current* key as `keyValue`, although the REST API
    /// defines it as the value to set.)
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or key, or an endpoint
    /// that doesn't use `key` auth; as [`get`](Self::get) otherwise. The POST is not sent again
    /// after a transport error (the service may have regenerated the key).
    pub async fn begin_regenerate_keys(
        &self,
        name: &str,
        key_type: KeyType,
        key_value: Option<Secret>,
    ) -> Result<LroPoller<()>> {
        require_name("name", name)?;
        if let Some(v) = &key_value {
            if v.secret().trim().is_empty() {
                return Err(Error::validation(
                    "key_value",
                    "must not be empty when given",
                ));
            }
        }
        let endpoint = self.get(name).await?;
        if endpoint.auth_mode() != &AuthMode::Key {
            return Err(Error::validation(
                "auth_mode",
                format!(
                    "keys can only be regenerated for `key` auth endpoints; `{name}` uses {}",
                    endpoint.auth_mode().as_str()
                ),
            ));
        }
        let body = rest::regenerate_keys_body(key_type, key_value.as_ref());
        let arm = &self.core.arm;
        let poller = arm
            .begin_action(
                &resources::online_endpoint(arm.api(), name).join("regenerateKeys"),
                &body,
                format!("online_endpoints.begin_regenerate_keys({name})"),
                &Context::new(),
            )
            .await?;
        self.core.scoring.forget(name);
        Ok(poller)
    }
}
