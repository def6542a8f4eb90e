//! `ml_client.autoscale()`: autoscale settings CRUD (`Microsoft.Insights/autoscalesettings`,
//! api-version 2022-10-01; all operations are synchronous).

use azure_core::http::{Method, Url};
use bytes::Bytes;

use super::autoscale::{AutoscaleSetting, AutoscaleSettingPatch};
use super::client::{decode_json, ArmPager, MonitorCore};
use super::{validate, wire};
use crate::{
    AutoscaleCreateOrUpdateOptions, AutoscaleDeleteOptions, AutoscaleGetOptions,
    AutoscaleListBySubscriptionOptions, AutoscaleListOptions, AutoscaleUpdateOptions, Error,
    Result,
};

/// The autoscale api-version.
pub const AUTOSCALE_API_VERSION: &str = "2022-10-01";

/// Autoscale settings of Azure Monitor, for scaling online deployments on metrics
/// (`az monitor autoscale …`).
///
/// Settings live in a resource group (the client's unless an operation's options name
/// another), not in the workspace.
#[derive(Clone, Debug)]
pub struct AutoscaleOperations {
    core: MonitorCore,
}

fn to_body<T: serde::Serialize>(value: &T) -> Result<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::other(format!("could not serialize the request body: {e}")))
}

impl AutoscaleOperations {
    pub(crate) fn new(core: MonitorCore) -> Self {
        Self { core }
    }

    fn resource_group<'o>(&'o self, option: Option<&'o str>) -> Result<&'o str> {
        let rg = option.unwrap_or_else(|| self.core.resource_group());
        validate::arm_name("resource_group", rg)?;
        Ok(rg)
    }

    /// `…/resourcegroups/{rg}/providers/Microsoft.Insights/autoscalesettings[/{name}]` (the
    /// lowercase `resourcegroups` is the spec's spelling).
    fn url(&self, resource_group: &str, name: Option<&str>) -> Url {
        let mut segments = vec![
            "subscriptions",
            self.core.subscription_id(),
            "resourcegroups",
            resource_group,
            "providers",
            "Microsoft.Insights",
            "autoscalesettings",
        ];
        segments.extend(name);
        self.core.arm_url(&segments, AUTOSCALE_API_VERSION, &[])
    }

    /// The ARM id of a deployment of this workspace: the target of a deployment's autoscale
    /// setting (`…/workspaces/{ws}/onlineEndpoints/{endpoint}/deployments/{deployment}`).
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let target = ml_client.autoscale().deployment_target("churn-prediction-v1", "blue")?;
    /// assert!(target.ends_with("/onlineEndpoints/churn-prediction-v1/deployments/blue"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when a name breaks the endpoint/deployment name rule.
    pub fn deployment_target(&self, endpoint: &str, deployment: &str) -> Result<String> {
        crate::validate::resource_name("endpoint_name", endpoint)?;
        crate::validate::resource_name("deployment_name", deployment)?;
        Ok(format!(
            "{}/onlineEndpoints/{endpoint}/deployments/{deployment}",
            self.core.workspace_id()
        ))
    }

    /// The ARM id of an endpoint of this workspace (the metric source of endpoint-level rules
    /// such as `RequestLatency`; see [`ScaleRule::source`](super::ScaleRule::source)).
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::monitor::ScaleRule;
    /// let endpoint = ml_client.autoscale().endpoint_target("churn-prediction-v1")?;
    /// let rule = ScaleRule::when("RequestLatency > 300 avg 5m")?.scale_out(1).source(endpoint);
    /// # let _ = rule;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when a name breaks the endpoint/deployment name rule.
    pub fn endpoint_target(&self, endpoint: &str) -> Result<String> {
        crate::validate::resource_name("endpoint_name", endpoint)?;
        Ok(format!(
            "{}/onlineEndpoints/{endpoint}",
            self.core.workspace_id()
        ))
    }

    /// Creates or replaces a setting (PUT), like `az monitor autoscale create` followed by
    /// `az monitor autoscale rule create` for each rule.
    ///
    /// Validates first (capacities, rule limits, cooldown ≥ 1 minute, windows, schedules; see
    /// [`crate::monitor`]), takes the workspace's region when `location` is unset, points rules
    /// without a metric source at the target (as the CLI does), then PUTs the setting and returns
    /// what the service stored.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::monitor::{AutoscaleSetting, ScaleRule};
    /// let autoscale = ml_client.autoscale();
    /// let setting = AutoscaleSetting::new("churn-autoscale")
    ///     .target(autoscale.deployment_target("churn-prediction-v1", "blue")?)
    ///     .capacity(1..=5)
    ///     .rule(ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")?.scale_out(1));
    /// let stored = autoscale.create_or_update(&setting, None).await?;
    /// println!("{:?}", stored.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before any request; [`Error::Service`] if the service refuses
    /// the setting (or the workspace GET for the region fails); [`Error::Decode`] for an
    /// unreadable answer.
    #[tracing::instrument(name = "Autoscale.create_or_update", skip_all, fields(name = %setting.name))]
    pub async fn create_or_update(
        &self,
        setting: &AutoscaleSetting,
        options: Option<AutoscaleCreateOrUpdateOptions<'_>>,
    ) -> Result<AutoscaleSetting> {
        let options = options.unwrap_or_default();
        let rg = self.resource_group(options.resource_group.as_deref())?;
        validate::setting(setting, options.allow_profiles_without_rules)?;
        let mut setting = setting.clone();
        setting.id = None;
        if setting.location.is_none() {
            setting.location = Some(
                self.core
                    .workspace_location(&options.method_options.context)
                    .await?,
            );
        }
        for rule in setting.profiles.iter_mut().flat_map(|p| p.rules.iter_mut()) {
            if rule.metric_trigger.metric_resource_uri.is_none() {
                rule.metric_trigger.metric_resource_uri = Some(setting.target_resource_uri.clone());
            }
        }
        let body = to_body(&setting)?;
        let answer = self
            .core
            .send(
                Method::Put,
                self.url(rg, Some(&setting.name)),
                Some(body),
                &options.method_options.context,
            )
            .await?;
        tracing::debug!(status = answer.status, "autoscale setting stored");
        decode_json("AutoscaleSetting", &answer.body)
    }

    /// Gets a setting.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let setting = ml_client.autoscale().get("churn-autoscale", None).await?;
    /// println!("{} profiles", setting.profiles.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name; [`Error::Service`] (404: see
    /// [`Error::is_not_found`]) if the service refuses; [`Error::Decode`] for an unreadable
    /// answer.
    #[tracing::instrument(name = "Autoscale.get", skip_all, fields(name = %name))]
    pub async fn get(
        &self,
        name: &str,
        options: Option<AutoscaleGetOptions<'_>>,
    ) -> Result<AutoscaleSetting> {
        let options = options.unwrap_or_default();
        let rg = self.resource_group(options.resource_group.as_deref())?;
        validate::arm_name("name", name)?;
        let answer = self
            .core
            .send(
                Method::Get,
                self.url(rg, Some(name)),
                None,
                &options.method_options.context,
            )
            .await?;
        decode_json("AutoscaleSetting", &answer.body)
    }

    /// Lists the settings of a resource group (the client's by default), following `nextLink`.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let mut settings = ml_client.autoscale().list(None)?;
    /// while let Some(setting) = settings.try_next().await? {
    ///     println!("{} → {}", setting.name, setting.target_resource_uri);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad resource group, before any request; page errors come
    /// out of the pager as `azure_core::Error` (convert with `azure_ai_ml::Error::from`).
    pub fn list(
        &self,
        options: Option<AutoscaleListOptions<'_>>,
    ) -> Result<ArmPager<AutoscaleSetting>> {
        let options = options.unwrap_or_default();
        let rg = options.resource_group.as_deref();
        let _span = tracing::info_span!(
            "Autoscale.list",
            resource_group = %rg.unwrap_or_else(|| self.core.resource_group())
        )
        .entered();
        let rg = self.resource_group(rg)?;
        self.core.pager(
            self.url(rg, None),
            AUTOSCALE_API_VERSION,
            options.method_options,
        )
    }

    /// Lists every setting of the subscription, following `nextLink`.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use futures::TryStreamExt;
    /// let all: Vec<_> = ml_client.autoscale().list_by_subscription(None)?.try_collect().await?;
    /// println!("{} settings", all.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// None before the first page today (the `Result` keeps room for option checks); page
    /// errors come out of the pager.
    #[tracing::instrument(
        name = "Autoscale.list_by_subscription",
        skip_all,
        fields(subscription = %self.core.subscription_id())
    )]
    pub fn list_by_subscription(
        &self,
        options: Option<AutoscaleListBySubscriptionOptions<'_>>,
    ) -> Result<ArmPager<AutoscaleSetting>> {
        let options = options.unwrap_or_default();
        let url = self.core.arm_url(
            &[
                "subscriptions",
                self.core.subscription_id(),
                "providers",
                "Microsoft.Insights",
                "autoscalesettings",
            ],
            AUTOSCALE_API_VERSION,
            &[],
        );
        self.core
            .pager(url, AUTOSCALE_API_VERSION, options.method_options)
    }

    /// Updates a setting in place (PATCH): tags and/or properties. A patch that changes any
    /// property must carry the profiles (the service's patch schema requires them).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::monitor::AutoscaleSettingPatch;
    /// let autoscale = ml_client.autoscale();
    /// let current = autoscale.get("churn-autoscale", None).await?;
    /// let patch = AutoscaleSettingPatch::new().enabled(false).profiles(current.profiles);
    /// autoscale.update("churn-autoscale", &patch, None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] before any request (empty patch, properties without profiles, the
    /// rules of [`Self::create_or_update`]); [`Error::Service`] / [`Error::Decode`] as for `get`.
    #[tracing::instrument(name = "Autoscale.update", skip_all, fields(name = %name))]
    pub async fn update(
        &self,
        name: &str,
        patch: &AutoscaleSettingPatch,
        options: Option<AutoscaleUpdateOptions<'_>>,
    ) -> Result<AutoscaleSetting> {
        let options = options.unwrap_or_default();
        let rg = self.resource_group(options.resource_group.as_deref())?;
        validate::arm_name("name", name)?;
        validate::patch(patch)?;
        let mut patch = patch.clone();
        if let (Some(target), Some(profiles)) =
            (patch.target_resource_uri.clone(), patch.profiles.as_mut())
        {
            for rule in profiles.iter_mut().flat_map(|p| p.rules.iter_mut()) {
                if rule.metric_trigger.metric_resource_uri.is_none() {
                    rule.metric_trigger.metric_resource_uri = Some(target.clone());
                }
            }
        }
        let body = to_body(&wire::patch_to_wire(&patch))?;
        let answer = self
            .core
            .send(
                Method::Patch,
                self.url(rg, Some(name)),
                Some(body),
                &options.method_options.context,
            )
            .await?;
        decode_json("AutoscaleSetting", &answer.body)
    }

    /// Deletes a setting (200 or 204; deleting a missing setting succeeds with 204).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// ml_client.autoscale().delete("churn-autoscale", None).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name; [`Error::Service`] if the service refuses.
    #[tracing::instrument(name = "Autoscale.delete", skip_all, fields(name = %name))]
    pub async fn delete(
        &self,
        name: &str,
        options: Option<AutoscaleDeleteOptions<'_>>,
    ) -> Result<()> {
        let options = options.unwrap_or_default();
        let rg = self.resource_group(options.resource_group.as_deref())?;
        validate::arm_name("name", name)?;
        self.core
            .send(
                Method::Delete,
                self.url(rg, Some(name)),
                None,
                &options.method_options.context,
            )
            .await?;
        Ok(())
    }
}
