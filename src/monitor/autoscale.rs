//! Autoscale settings (`Microsoft.Insights/autoscalesettings`), shaped like
//! `az monitor autoscale create` + `az monitor autoscale rule create`. The types only: their
//! text forms (`parse`, `Display`) are in `condition`, their ARM JSON in `wire`; neither is
//! imported here.
//!
//! ```
//! # fn f() -> azure_ai_ml::Result<()> {
//! use std::time::Duration;
//! use azure_ai_ml::monitor::{AutoscaleSetting, ScaleRule};
//!
//! let deployment_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/churn-prediction-v1/deployments/blue";
//! let setting = AutoscaleSetting::new("churn-autoscale")
//!     .target(deployment_id)
//!     .capacity(1..=5) // --min-count 1 --max-count 5 (--count defaults to the minimum)
//!     .rule(ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")?.scale_out(1))
//!     .rule(ScaleRule::when("CpuUtilizationPercentage < 25 avg 5m")?.scale_in(1).cooldown(Duration::from_secs(600)));
//! assert_eq!(setting.profiles[0].rules.len(), 2);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use time::OffsetDateTime;

use super::enums::{
    ComparisonOperator, DimensionOperator, MetricStatistic, PredictiveScaleMode,
    RecurrenceFrequency, ScaleDirection, ScaleType, TimeAggregation,
};

/// The profile name the CLI gives the profile `az monitor autoscale create` makes.
pub const DEFAULT_PROFILE_NAME: &str = "default";

/// The CLI's default cooldown (`--cooldown 5`, minutes).
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(5 * 60);

/// The CLI's default time grain (`--timegrain "avg 1m"`).
pub const DEFAULT_TIME_GRAIN: Duration = Duration::from_secs(60);

/// An autoscale setting: which resource scales, between which counts, on which rules.
///
/// Serializes to (and deserializes from) the ARM JSON of api-version 2022-10-01. Read-only
/// fields (`id`, top-level `name`, `type`, `systemData`) are read but never written.
///
/// (Its `Serialize`/`Deserialize` impls are in `wire.rs`, beside the ARM shape they go through.)
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscaleSetting {
    /// The setting's name (the last segment of its ARM id).
    pub name: String,
    /// ARM id (read-only; set on settings the service returned).
    pub id: Option<String>,
    /// Region; the workspace's region when `None` at create time.
    pub location: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// ARM id of the scaled resource (for Azure ML: the deployment, see
    /// [`AutoscaleOperations::deployment_target`](super::AutoscaleOperations::deployment_target)).
    pub target_resource_uri: String,
    /// Region of the scaled resource.
    pub target_resource_location: Option<String>,
    /// Whether autoscale is on. `true` for new settings (as the CLI sends); the service
    /// defaults to `false` when the field is missing.
    pub enabled: bool,
    /// Up to 20 profiles. The builder methods [`Self::capacity`] and [`Self::rule`] act on the
    /// default profile (the first one with neither a fixed date nor a recurrence).
    pub profiles: Vec<AutoscaleProfile>,
    /// Who hears about scale events.
    pub notifications: Vec<AutoscaleNotification>,
    /// Predictive autoscale.
    pub predictive_autoscale_policy: Option<PredictiveAutoscalePolicy>,
}

impl Default for AutoscaleSetting {
    fn default() -> Self {
        Self {
            name: String::new(),
            id: None,
            location: None,
            tags: BTreeMap::new(),
            target_resource_uri: String::new(),
            target_resource_location: None,
            enabled: true,
            profiles: Vec::new(),
            notifications: Vec::new(),
            predictive_autoscale_policy: None,
        }
    }
}

impl AutoscaleSetting {
    /// A new, enabled setting named `name` (no target, no profiles yet).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Sets the scaled resource's ARM id (`--resource`).
    pub fn target(mut self, resource_id: impl Into<String>) -> Self {
        self.target_resource_uri = resource_id.into();
        self
    }

    /// Sets the region (`--location`); otherwise the workspace's region is used.
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Turns autoscale on or off (`--disabled`).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Sets the default profile's capacity (`--min-count/--max-count/--count`): `1..=5`,
    /// `ScaleCapacity::range(1..=5).with_default(2)`, or `ScaleCapacity::fixed(3)`.
    pub fn capacity(mut self, capacity: impl Into<ScaleCapacity>) -> Self {
        self.default_profile_mut().capacity = capacity.into();
        self
    }

    /// Adds a rule to the default profile (`az monitor autoscale rule create`).
    pub fn rule(mut self, rule: ScaleRule) -> Self {
        self.default_profile_mut().rules.push(rule);
        self
    }

    /// Adds a profile (a fixed-date or recurring one, or a replacement default).
    pub fn profile(mut self, profile: AutoscaleProfile) -> Self {
        self.profiles.push(profile);
        self
    }

    /// Adds a notification.
    pub fn notification(mut self, notification: AutoscaleNotification) -> Self {
        self.notifications.push(notification);
        self
    }

    /// Sets the predictive autoscale policy.
    pub fn predictive_autoscale_policy(mut self, policy: PredictiveAutoscalePolicy) -> Self {
        self.predictive_autoscale_policy = Some(policy);
        self
    }

    /// The default profile (the first without fixed date or recurrence), if any.
    pub fn default_profile(&self) -> Option<&AutoscaleProfile> {
        self.profiles.iter().find(|p| p.is_default())
    }

    fn default_profile_mut(&mut self) -> &mut AutoscaleProfile {
        let index = match self.profiles.iter().position(AutoscaleProfile::is_default) {
            Some(i) => i,
            None => {
                self.profiles.insert(
                    0,
                    AutoscaleProfile::new(DEFAULT_PROFILE_NAME, ScaleCapacity::fixed(1)),
                );
                0
            }
        };
        &mut self.profiles[index]
    }
}

/// One scaling profile: capacity bounds, rules, and when it applies.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscaleProfile {
    /// Profile name.
    pub name: String,
    /// Instance count bounds.
    pub capacity: ScaleCapacity,
    /// Up to 10 rules.
    pub rules: Vec<ScaleRule>,
    /// A fixed period in which the profile applies (exclusive with `recurrence`).
    pub fixed_date: Option<TimeWindow>,
    /// A weekly schedule at which the profile starts (exclusive with `fixed_date`).
    pub recurrence: Option<Recurrence>,
}

impl AutoscaleProfile {
    /// A profile with no rules and no schedule.
    pub fn new(name: impl Into<String>, capacity: impl Into<ScaleCapacity>) -> Self {
        Self {
            name: name.into(),
            capacity: capacity.into(),
            rules: Vec::new(),
            fixed_date: None,
            recurrence: None,
        }
    }

    /// Adds a rule.
    pub fn rule(mut self, rule: ScaleRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Applies the profile during `window` only.
    pub fn fixed_date(mut self, window: TimeWindow) -> Self {
        self.fixed_date = Some(window);
        self
    }

    /// Starts the profile on a weekly schedule.
    pub fn recurrence(mut self, recurrence: Recurrence) -> Self {
        self.recurrence = Some(recurrence);
        self
    }

    /// True when the profile has neither a fixed date nor a recurrence.
    pub fn is_default(&self) -> bool {
        self.fixed_date.is_none() && self.recurrence.is_none()
    }
}

/// Instance count bounds of a profile (strings on the wire: `"1"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScaleCapacity {
    /// Fewest instances.
    pub minimum: u32,
    /// Most instances.
    pub maximum: u32,
    /// Count used when metrics are unavailable (must lie in `minimum..=maximum`).
    pub default: u32,
}

impl ScaleCapacity {
    /// `minimum..=maximum`, starting at the minimum (the CLI's `--count` defaults likewise).
    pub fn range(range: RangeInclusive<u32>) -> Self {
        let (minimum, maximum) = range.into_inner();
        Self {
            minimum,
            maximum,
            default: minimum,
        }
    }

    /// Exactly `count` instances (`--count N` alone).
    pub fn fixed(count: u32) -> Self {
        Self {
            minimum: count,
            maximum: count,
            default: count,
        }
    }

    /// Sets the default count.
    pub fn with_default(mut self, default: u32) -> Self {
        self.default = default;
        self
    }
}

impl From<RangeInclusive<u32>> for ScaleCapacity {
    fn from(range: RangeInclusive<u32>) -> Self {
        Self::range(range)
    }
}

impl From<u32> for ScaleCapacity {
    fn from(count: u32) -> Self {
        Self::fixed(count)
    }
}

/// A fixed period (`fixedDate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// Time zone name (Windows names, e.g. `UTC`, `Pacific Standard Time`).
    pub time_zone: Option<String>,
    /// Start.
    pub start: OffsetDateTime,
    /// End (after `start`).
    pub end: OffsetDateTime,
}

impl TimeWindow {
    /// `start` to `end`, no time zone.
    pub fn new(start: OffsetDateTime, end: OffsetDateTime) -> Self {
        Self {
            time_zone: None,
            start,
            end,
        }
    }

    /// Sets the time zone.
    pub fn time_zone(mut self, time_zone: impl Into<String>) -> Self {
        self.time_zone = Some(time_zone.into());
        self
    }
}

/// When a recurring profile starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recurrence {
    /// How often (the service requires `Week`).
    pub frequency: RecurrenceFrequency,
    /// The start times.
    pub schedule: RecurrentSchedule,
}

impl Recurrence {
    /// Every week on `days` (`Monday`…`Sunday`) at each of `hours` × `minutes`, in `time_zone`.
    pub fn weekly<D: Into<String>>(
        time_zone: impl Into<String>,
        days: impl IntoIterator<Item = D>,
        hours: impl IntoIterator<Item = i32>,
        minutes: impl IntoIterator<Item = i32>,
    ) -> Self {
        Self {
            frequency: RecurrenceFrequency::Week,
            schedule: RecurrentSchedule {
                time_zone: time_zone.into(),
                days: days.into_iter().map(Into::into).collect(),
                hours: hours.into_iter().collect(),
                minutes: minutes.into_iter().collect(),
            },
        }
    }
}

/// The start times of a recurring profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecurrentSchedule {
    /// Time zone of `hours` (Windows names, e.g. `UTC`).
    pub time_zone: String,
    /// Week days (`Monday`…`Sunday`; the service also accepts `0`…`6`).
    pub days: Vec<String>,
    /// Hours, 0–23.
    pub hours: Vec<i32>,
    /// Minutes, 0–59.
    pub minutes: Vec<i32>,
}

/// A scale rule: a metric trigger and what to do when it fires.
///
/// Text form (`Display` / [`ScaleRule::parse`]):
/// `<condition> scale {out|in|to} N[%] [cooldown PERIOD] [timegrain {avg|min|max|sum|count} PERIOD]`,
/// where `<condition>` is the `az monitor autoscale rule create --condition` language (see
/// [`MetricCondition`]) and the defaults (`cooldown 5m`, `timegrain avg 1m`) are omitted.
/// The rule's metric resource (`source`) is not part of the text.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleRule {
    /// When to scale.
    pub metric_trigger: MetricTrigger,
    /// How to scale.
    pub scale_action: ScaleAction,
}

impl ScaleRule {
    /// A rule from a parsed condition and an action (time grain: `avg 1m`).
    pub fn new(condition: MetricCondition, action: ScaleAction) -> Self {
        Self {
            metric_trigger: MetricTrigger::from(condition),
            scale_action: action,
        }
    }

    /// Sets the cooldown (at least one minute).
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.scale_action.cooldown = cooldown;
        self
    }

    /// Sets the time grain and how instances combine (`--timegrain "avg 1m"`).
    pub fn time_grain(mut self, statistic: MetricStatistic, grain: Duration) -> Self {
        self.metric_trigger.statistic = statistic;
        self.metric_trigger.time_grain = grain;
        self
    }

    /// Reads the metric from another resource (`--source`), e.g. the endpoint for
    /// `RequestLatency`. Defaults to the setting's target.
    pub fn source(mut self, resource_id: impl Into<String>) -> Self {
        self.metric_trigger.metric_resource_uri = Some(resource_id.into());
        self
    }

    /// Divides the metric by the instance count.
    pub fn divide_per_instance(mut self, divide: bool) -> Self {
        self.metric_trigger.divide_per_instance = Some(divide);
        self
    }

    /// The condition part of the trigger.
    pub fn condition(&self) -> MetricCondition {
        let t = &self.metric_trigger;
        MetricCondition {
            metric_namespace: t.metric_namespace.clone(),
            metric_name: t.metric_name.clone(),
            operator: t.operator.clone(),
            threshold: t.threshold,
            time_aggregation: t.time_aggregation.clone(),
            time_window: t.time_window,
            dimensions: t.dimensions.clone(),
        }
    }
}

/// A parsed `--condition`: the trigger of a rule without time grain, statistic and source.
///
/// ```
/// use azure_ai_ml::monitor::{MetricCondition, ScaleRule};
/// let condition = MetricCondition::parse("CpuUtilizationPercentage > 70 avg 5m")?;
/// assert_eq!(condition.to_string(), "CpuUtilizationPercentage > 70 avg 5m");
/// let rule: ScaleRule = condition.scale_out(1);
/// assert_eq!(rule.to_string(), "CpuUtilizationPercentage > 70 avg 5m scale out 1");
/// # Ok::<(), azure_ai_ml::monitor::RuleParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MetricCondition {
    /// Metric namespace (`"…"` prefix), if given.
    pub metric_namespace: Option<String>,
    /// Metric name.
    pub metric_name: String,
    /// Comparison.
    pub operator: ComparisonOperator,
    /// Threshold.
    pub threshold: f64,
    /// How the window's values combine.
    pub time_aggregation: TimeAggregation,
    /// The window.
    pub time_window: Duration,
    /// `where` filters.
    pub dimensions: Vec<ScaleRuleDimension>,
}

impl MetricCondition {
    /// The rule "scale out by `count` instances when this holds".
    pub fn scale_out(self, count: u32) -> ScaleRule {
        ScaleRule::new(self, ScaleAction::scale_out(count))
    }

    /// The rule "scale in by `count` instances when this holds".
    pub fn scale_in(self, count: u32) -> ScaleRule {
        ScaleRule::new(self, ScaleAction::scale_in(count))
    }

    /// The rule "set the count to `count` when this holds".
    pub fn scale_to(self, count: u32) -> ScaleRule {
        ScaleRule::new(self, ScaleAction::scale_to(count))
    }

    /// The rule "scale out by `percent` % when this holds".
    pub fn scale_out_percent(self, percent: u32) -> ScaleRule {
        ScaleRule::new(self, ScaleAction::scale_out_percent(percent))
    }

    /// The rule "scale in by `percent` % when this holds".
    pub fn scale_in_percent(self, percent: u32) -> ScaleRule {
        ScaleRule::new(self, ScaleAction::scale_in_percent(percent))
    }

    /// The rule with any action.
    pub fn then(self, action: ScaleAction) -> ScaleRule {
        ScaleRule::new(self, action)
    }
}

/// The metric trigger of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricTrigger {
    /// Metric name (`CpuUtilizationPercentage`).
    pub metric_name: String,
    /// Metric namespace; the resource's default namespace when `None`.
    pub metric_namespace: Option<String>,
    /// ARM id of the resource whose metric is read; the setting's target when `None` (filled
    /// in before the request, as the CLI does).
    pub metric_resource_uri: Option<String>,
    /// Region of that resource.
    pub metric_resource_location: Option<String>,
    /// Metric granularity, 1 minute to 12 hours.
    pub time_grain: Duration,
    /// How instances combine.
    pub statistic: MetricStatistic,
    /// Window looked at, 5 minutes to 12 hours.
    pub time_window: Duration,
    /// How the window's values combine.
    pub time_aggregation: TimeAggregation,
    /// Comparison with the threshold.
    pub operator: ComparisonOperator,
    /// Threshold.
    pub threshold: f64,
    /// Dimension filters.
    pub dimensions: Vec<ScaleRuleDimension>,
    /// Divide the metric by the instance count.
    pub divide_per_instance: Option<bool>,
}

impl From<MetricCondition> for MetricTrigger {
    fn from(c: MetricCondition) -> Self {
        Self {
            metric_name: c.metric_name,
            metric_namespace: c.metric_namespace,
            metric_resource_uri: None,
            metric_resource_location: None,
            time_grain: DEFAULT_TIME_GRAIN,
            statistic: MetricStatistic::Average,
            time_window: c.time_window,
            time_aggregation: c.time_aggregation,
            operator: c.operator,
            threshold: c.threshold,
            dimensions: c.dimensions,
            divide_per_instance: None,
        }
    }
}

/// A dimension filter of a metric trigger (`where instanceId == a or b`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleRuleDimension {
    /// Dimension name.
    pub dimension_name: String,
    /// `Equals` (any of the values) or `NotEquals` (none of them).
    pub operator: DimensionOperator,
    /// Values (`*` = all).
    pub values: Vec<String>,
}

impl ScaleRuleDimension {
    /// `name == values…`.
    pub fn equals<S: Into<String>>(
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            dimension_name: name.into(),
            operator: DimensionOperator::Equals,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `name != values…`.
    pub fn not_equals<S: Into<String>>(
        name: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            operator: DimensionOperator::NotEquals,
            ..Self::equals(name, values)
        }
    }
}

/// What a rule does (`--scale out 1`, `--cooldown 5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleAction {
    /// Out, in, or none (`scale to`).
    pub direction: ScaleDirection,
    /// Count change, percent change, or exact count.
    pub scale_type: ScaleType,
    /// The count, percent, or exact count (a string on the wire).
    pub value: Option<u32>,
    /// Wait after a scale event before this rule may fire again, 1 minute to 1 week.
    pub cooldown: Duration,
}

impl ScaleAction {
    fn of(direction: ScaleDirection, scale_type: ScaleType, value: u32) -> Self {
        Self {
            direction,
            scale_type,
            value: Some(value),
            cooldown: DEFAULT_COOLDOWN,
        }
    }

    /// Add `count` instances (`scale out 1`).
    pub fn scale_out(count: u32) -> Self {
        Self::of(ScaleDirection::Increase, ScaleType::ChangeCount, count)
    }

    /// Remove `count` instances (`scale in 1`).
    pub fn scale_in(count: u32) -> Self {
        Self::of(ScaleDirection::Decrease, ScaleType::ChangeCount, count)
    }

    /// Set the count to `count` (`scale to 3`).
    pub fn scale_to(count: u32) -> Self {
        Self::of(ScaleDirection::None, ScaleType::ExactCount, count)
    }

    /// Add `percent` % instances (`scale out 20%`).
    pub fn scale_out_percent(percent: u32) -> Self {
        Self::of(
            ScaleDirection::Increase,
            ScaleType::PercentChangeCount,
            percent,
        )
    }

    /// Remove `percent` % instances (`scale in 20%`).
    pub fn scale_in_percent(percent: u32) -> Self {
        Self::of(
            ScaleDirection::Decrease,
            ScaleType::PercentChangeCount,
            percent,
        )
    }

    /// Sets the cooldown.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }
}

/// Who hears about scale events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoscaleNotification {
    /// Always `Scale`.
    pub operation: String,
    /// E-mail recipients.
    pub email: Option<EmailNotification>,
    /// Webhooks.
    pub webhooks: Vec<WebhookNotification>,
}

impl Default for AutoscaleNotification {
    fn default() -> Self {
        Self {
            operation: "Scale".to_owned(),
            email: None,
            webhooks: Vec::new(),
        }
    }
}

impl AutoscaleNotification {
    /// A `Scale` notification with no recipients yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the e-mail recipients.
    pub fn email(mut self, email: EmailNotification) -> Self {
        self.email = Some(email);
        self
    }

    /// Adds a webhook.
    pub fn webhook(mut self, webhook: WebhookNotification) -> Self {
        self.webhooks.push(webhook);
        self
    }
}

/// E-mail recipients of scale events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailNotification {
    /// Mail the subscription administrator.
    pub send_to_subscription_administrator: Option<bool>,
    /// Mail the subscription co-administrators.
    pub send_to_subscription_co_administrators: Option<bool>,
    /// Other addresses.
    pub custom_emails: Vec<String>,
}

impl EmailNotification {
    /// These addresses.
    pub fn to<S: Into<String>>(emails: impl IntoIterator<Item = S>) -> Self {
        Self {
            custom_emails: emails.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }
}

/// A webhook called on scale events. `Debug` hides the URI's query and the property values
/// (webhook URIs commonly carry keys: `?apiKey=…`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebhookNotification {
    /// The URI called.
    pub service_uri: String,
    /// Extra settings sent along.
    pub properties: BTreeMap<String, String>,
}

impl WebhookNotification {
    /// A webhook to `service_uri`.
    pub fn new(service_uri: impl Into<String>) -> Self {
        Self {
            service_uri: service_uri.into(),
            properties: BTreeMap::new(),
        }
    }

    /// Adds a property.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }
}

impl fmt::Debug for WebhookNotification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Scheme, host and path only: no user info, query or fragment.
        let uri = match url::Url::parse(&self.service_uri) {
            Ok(mut u) => {
                let hidden = u.query().is_some()
                    || u.fragment().is_some()
                    || !u.username().is_empty()
                    || u.password().is_some();
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.set_query(None);
                u.set_fragment(None);
                if hidden {
                    format!("{u}?<redacted>")
                } else {
                    u.to_string()
                }
            }
            Err(_) => "<not a URL>".to_owned(),
        };
        f.debug_struct("WebhookNotification")
            .field("service_uri", &uri)
            .field("properties", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Predictive autoscale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PredictiveAutoscalePolicy {
    /// Mode.
    pub scale_mode: PredictiveScaleMode,
    /// How far ahead instances are started (1 to 60 minutes).
    pub scale_look_ahead_time: Option<Duration>,
}

impl PredictiveAutoscalePolicy {
    /// A policy in `mode`.
    pub fn new(mode: PredictiveScaleMode) -> Self {
        Self {
            scale_mode: mode,
            scale_look_ahead_time: None,
        }
    }

    /// Sets the look-ahead time.
    pub fn scale_look_ahead_time(mut self, time: Duration) -> Self {
        self.scale_look_ahead_time = Some(time);
        self
    }
}

/// The body of [`AutoscaleOperations::update`](super::AutoscaleOperations::update) (PATCH):
/// only what is set is sent.
///
/// The service's patch schema requires `profiles` whenever any property (anything but `tags`)
/// is sent; the client refuses such a patch without profiles before any request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AutoscaleSettingPatch {
    /// Replaces the tags.
    pub tags: Option<BTreeMap<String, String>>,
    /// Replaces the profiles.
    pub profiles: Option<Vec<AutoscaleProfile>>,
    /// Replaces the notifications.
    pub notifications: Option<Vec<AutoscaleNotification>>,
    /// Turns autoscale on or off.
    pub enabled: Option<bool>,
    /// Replaces the predictive policy.
    pub predictive_autoscale_policy: Option<PredictiveAutoscalePolicy>,
    /// Changes the target.
    pub target_resource_uri: Option<String>,
    /// Changes the target's region.
    pub target_resource_location: Option<String>,
}

impl AutoscaleSettingPatch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the tags.
    pub fn tags<K: Into<String>, V: Into<String>>(
        mut self,
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.tags = Some(
            tags.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Replaces the profiles.
    pub fn profiles(mut self, profiles: impl IntoIterator<Item = AutoscaleProfile>) -> Self {
        self.profiles = Some(profiles.into_iter().collect());
        self
    }

    /// Replaces the notifications.
    pub fn notifications(
        mut self,
        notifications: impl IntoIterator<Item = AutoscaleNotification>,
    ) -> Self {
        self.notifications = Some(notifications.into_iter().collect());
        self
    }

    /// Turns autoscale on or off.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Changes the target.
    pub fn target(mut self, resource_id: impl Into<String>) -> Self {
        self.target_resource_uri = Some(resource_id.into());
        self
    }

    /// True when a property (not just tags) is set.
    pub(crate) fn touches_properties(&self) -> bool {
        self.profiles.is_some()
            || self.notifications.is_some()
            || self.enabled.is_some()
            || self.predictive_autoscale_policy.is_some()
            || self.target_resource_uri.is_some()
            || self.target_resource_location.is_some()
    }
}
