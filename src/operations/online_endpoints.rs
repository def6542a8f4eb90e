//! `ml_client.online_endpoints()`.

use std::sync::Arc;

use azure_core::http::headers::Header as _;
use azure_core::http::{request::options::ClientRequestId, Context};

use crate::arm::lro::LroPoller;
use crate::arm::pager::ArmPager;
use crate::arm::resources;
use crate::client::ClientCore;
use crate::entities::{AuthMode, KeyType, OnlineEndpoint};
use crate::error::{Error, Result};
use crate::invoke::{EndpointCredentials, InvokeRequest, InvokeResponse, ScoringClient};
use crate::{rest, validate};
use tracing::Instrument;

use super::{
    OnlineEndpointsBeginCreateOrUpdateOptions, OnlineEndpointsBeginDeleteOptions,
    OnlineEndpointsBeginRegenerateKeysOptions, OnlineEndpointsGetKeysOptions,
    OnlineEndpointsGetOptions, OnlineEndpointsInvokeOptions, OnlineEndpointsListOptions,
};

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
    /// let poller = ml_client.online_endpoints().begin_create_or_update(&endpoint, None).await?;
    /// let created = poller.await?.into_model()?;
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
        options: Option<OnlineEndpointsBeginCreateOrUpdateOptions<'_>>,
    ) -> Result<LroPoller<OnlineEndpoint>> {
        let endpoint = endpoint.into();
        let span = tracing::info_span!(
            "OnlineEndpoints.begin_create_or_update",
            name = %endpoint.name()
        );
        let ctx = options.unwrap_or_default().method_options.context;
        self.create_or_update_in(endpoint, &ctx)
            .instrument(span)
            .await
    }

    /// [`begin_create_or_update`](Self::begin_create_or_update) within its span.
    async fn create_or_update_in(
        &self,
        mut endpoint: OnlineEndpoint,
        ctx: &Context<'_>,
    ) -> Result<LroPoller<OnlineEndpoint>> {
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
        let arm = &self.core.arm;
        let location = arm.workspace_location(ctx).await?;
        let body = rest::online_endpoint_body(&endpoint, &location);
        let name = endpoint.name().to_owned();
        // The cached scoring client stays: a traffic change doesn't touch the scoring URI or the
        // keys, and an auth-mode change shows up as a 401, which makes it resolve again.
        arm.begin_put(
            &resources::online_endpoint(arm.api(), &name),
            &body,
            format!("online_endpoints.begin_create_or_update({name})"),
            ctx,
        )
        .await
    }

    /// Gets an endpoint.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let endpoint = ml_client.online_endpoints().get("churn-prediction-v1", None).await?;
    /// println!("{:?} {:?}", endpoint.scoring_uri(), endpoint.traffic());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name, before any request;
    /// [`Error::Service`](crate::Error::Service) when the service refuses (404 for a missing
    /// endpoint), [`Error::Transport`](crate::Error::Transport) when no answer arrives in time,
    /// [`Error::Decode`](crate::Error::Decode) for an answer that doesn't decode.
    #[tracing::instrument(name = "OnlineEndpoints.get", skip_all, fields(name = %name))]
    pub async fn get(
        &self,
        name: &str,
        options: Option<OnlineEndpointsGetOptions<'_>>,
    ) -> Result<OnlineEndpoint> {
        let ctx = options.unwrap_or_default().method_options.context;
        self.get_in(name, &ctx).await
    }

    /// [`get`](Self::get) within the caller's span.
    async fn get_in(&self, name: &str, ctx: &Context<'_>) -> Result<OnlineEndpoint> {
        require_name("name", name)?;
        let arm = &self.core.arm;
        arm.get(
            &resources::online_endpoint(arm.api(), name),
            "OnlineEndpoint",
            ctx,
        )
        .await
    }

    /// Lists the workspace's endpoints.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let mut endpoints = ml_client.online_endpoints().list(None)?;
    /// while let Some(endpoint) = endpoints.try_next().await? {
    ///     println!("{}", endpoint.name());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a continuation that is not a link on
    /// the ARM endpoint; pages fail as [`get`](Self::get) does, as `azure_core::Error` (convert
    /// with `azure_ai_ml::Error::from`).
    #[tracing::instrument(name = "OnlineEndpoints.list", skip_all)]
    pub fn list(
        &self,
        options: Option<OnlineEndpointsListOptions<'_>>,
    ) -> Result<ArmPager<OnlineEndpoint>> {
        let options = options.unwrap_or_default().method_options;
        let arm = &self.core.arm;
        arm.list(&resources::online_endpoints(arm.api()), options)
    }

    /// Deletes an endpoint and its deployments.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.online_endpoints().begin_delete("churn-prediction-v1", None).await?.await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the DELETE. The poller ends with the service's error if the
    /// deletion fails.
    #[tracing::instrument(name = "OnlineEndpoints.begin_delete", skip_all, fields(name = %name))]
    pub async fn begin_delete(
        &self,
        name: &str,
        options: Option<OnlineEndpointsBeginDeleteOptions<'_>>,
    ) -> Result<LroPoller<()>> {
        let ctx = options.unwrap_or_default().method_options.context;
        require_name("name", name)?;
        let arm = &self.core.arm;
        let poller = arm
            .begin_delete(
                &resources::online_endpoint(arm.api(), name),
                format!("online_endpoints.begin_delete({name})"),
                &ctx,
            )
            .await?;
        self.core.scoring.forget(name);
        Ok(poller)
    }

    /// The endpoint's scoring credentials, by auth mode (Python's `get_keys`).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::EndpointCredentials;
    /// let credentials = ml_client.online_endpoints().get_keys("churn-prediction-v1", None).await?;
    /// if let EndpointCredentials::Keys(keys) = credentials {
    ///     let primary = keys.primary_key; // a `Secret`: its Debug never shows the key
    ///     # let _ = primary;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get`](Self::get), for the endpoint and its `listKeys` / `token` call (no error repeats
    /// a key or token); [`Error::Auth`](crate::Error::Auth) when an Entra token can't be had.
    #[tracing::instrument(name = "OnlineEndpoints.get_keys", skip_all, fields(name = %name))]
    pub async fn get_keys(
        &self,
        name: &str,
        options: Option<OnlineEndpointsGetKeysOptions<'_>>,
    ) -> Result<EndpointCredentials> {
        let ctx = options.unwrap_or_default().method_options.context;
        let endpoint = self.get_in(name, &ctx).await?;
        self.core
            .scoring
            .arm()
            .credentials(name, endpoint.auth_mode(), &ctx)
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
    /// let request = InvokeRequest::file("sample.json").deployment("blue");
    /// let out = ml_client.online_endpoints().invoke("churn-prediction-v1", request, None).await?;
    /// println!("{}", out.text()?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty endpoint name or a request
    /// option; as [`get_keys`](Self::get_keys) while resolving the scoring target;
    /// [`Error::Service`](crate::Error::Service) for a non-2xx scoring answer,
    /// [`Error::Transport`](crate::Error::Transport) when none arrives within the scoring timeout.
    #[tracing::instrument(name = "OnlineEndpoints.invoke", skip_all, fields(name = %endpoint_name))]
    pub async fn invoke(
        &self,
        endpoint_name: &str,
        request: impl AsRef<InvokeRequest>,
        options: Option<OnlineEndpointsInvokeOptions<'_>>,
    ) -> Result<InvokeResponse> {
        require_name("endpoint_name", endpoint_name)?;
        let ctx = options.unwrap_or_default().method_options.context;
        let request = request.as_ref();
        match ctx.value::<ClientRequestId>() {
            // The scoring client is no azure_core pipeline: the request id goes on as a header.
            Some(id) => {
                let request = request
                    .clone()
                    .header(id.name().as_str(), id.value().as_str());
                self.core
                    .scoring
                    .invoke(endpoint_name, &request, &ctx)
                    .await
            }
            None => self.core.scoring.invoke(endpoint_name, request, &ctx).await,
        }
    }

    /// The cached scoring client of an endpoint, for services that score often (cheap to clone,
    /// `Send + Sync`; one connection pool per `MLClient`). No request is sent here.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::InvokeRequest;
    /// let scoring = ml_client.online_endpoints().scoring_client("churn-prediction-v1");
    /// let out = scoring.invoke(InvokeRequest::text(r#"{"data": [[1, 2, 3, 4, 5]]}"#)).await?;
    /// # let _ = out;
    /// # Ok(()) }
    /// ```
    pub fn scoring_client(&self, endpoint_name: &str) -> ScoringClient {
        self.core.scoring.get(endpoint_name)
    }

    /// Regenerates a key of a `key`-auth endpoint (Python's `begin_regenerate_keys`).
    ///
    /// Sends `keyType` alone so the service generates the new key; set
    /// [`key_value`](OnlineEndpointsBeginRegenerateKeysOptions::key_value) for a value of your
    /// own. (Python sends the *current* key as `keyValue`, although the REST API defines it as
    /// the value to set.)
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::KeyType;
    /// ml_client
    ///     .online_endpoints()
    ///     .begin_regenerate_keys("churn-prediction-v1", KeyType::Secondary, None)
    ///     .await?
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for an empty name or key, or an endpoint
    /// that doesn't use `key` auth; as [`get`](Self::get) otherwise. The POST is not sent again
    /// after a transport error (the service may have regenerated the key).
    #[tracing::instrument(
        name = "OnlineEndpoints.begin_regenerate_keys",
        skip_all,
        fields(name = %name)
    )]
    pub async fn begin_regenerate_keys(
        &self,
        name: &str,
        key_type: KeyType,
        options: Option<OnlineEndpointsBeginRegenerateKeysOptions<'_>>,
    ) -> Result<LroPoller<()>> {
        let options = options.unwrap_or_default();
        let ctx = options.method_options.context;
        require_name("name", name)?;
        if let Some(v) = &options.key_value {
            if v.secret().trim().is_empty() {
                return Err(Error::validation(
                    "key_value",
                    "must not be empty when given",
                ));
            }
        }
        let endpoint = self.get_in(name, &ctx).await?;
        if endpoint.auth_mode() != &AuthMode::Key {
            return Err(Error::validation(
                "auth_mode",
                format!(
                    "keys can only be regenerated for `key` auth endpoints; `{name}` uses {}",
                    endpoint.auth_mode().as_str()
                ),
            ));
        }
        let body = rest::regenerate_keys_body(key_type, options.key_value.as_ref());
        let arm = &self.core.arm;
        let poller = arm
            .begin_action(
                &resources::online_endpoint(arm.api(), name).join("regenerateKeys"),
                &body,
                format!("online_endpoints.begin_regenerate_keys({name})"),
                &ctx,
            )
            .await?;
        self.core.scoring.forget(name);
        Ok(poller)
    }
}
