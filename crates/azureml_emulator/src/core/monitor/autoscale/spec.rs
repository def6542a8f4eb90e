//! An autoscale setting as the evaluator reads it: the stored ARM JSON, parsed once into types
//! (durations, enums, time zones resolved).

use std::time::Duration;

use strum::EnumString;
use time::{OffsetDateTime, Weekday};

use super::json::SchemaEnum;
use crate::core::monitor::timezone::Zone;

/// How the values of one time grain combine (`statistic`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString)]
#[strum(ascii_case_insensitive)]
pub(crate) enum Statistic {
    Average,
    Min,
    Max,
    Sum,
    Count,
}

impl SchemaEnum for Statistic {
    const KIND: &'static str = "MetricStatisticType";
}

/// How the time grains of the window combine (`timeAggregation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString)]
#[strum(ascii_case_insensitive)]
pub(crate) enum TimeAggregation {
    Average,
    Minimum,
    Maximum,
    Total,
    Count,
    Last,
}

impl SchemaEnum for TimeAggregation {
    const KIND: &'static str = "TimeAggregationType";
}

/// Comparison of the metric with the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString)]
#[strum(ascii_case_insensitive)]
pub(crate) enum Operator {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

impl SchemaEnum for Operator {
    const KIND: &'static str = "ComparisonOperationType";
}

impl Operator {
    pub(crate) fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Equals => value == threshold,
            Self::NotEquals => value != threshold,
            Self::GreaterThan => value > threshold,
            Self::GreaterThanOrEqual => value >= threshold,
            Self::LessThan => value < threshold,
            Self::LessThanOrEqual => value <= threshold,
        }
    }

    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Self::Equals => "==",
            Self::NotEquals => "!=",
            Self::GreaterThan => ">",
            Self::GreaterThanOrEqual => ">=",
            Self::LessThan => "<",
            Self::LessThanOrEqual => "<=",
        }
    }
}

/// `scaleAction.direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString)]
#[strum(ascii_case_insensitive)]
pub(crate) enum Direction {
    None,
    Increase,
    Decrease,
}

impl SchemaEnum for Direction {
    const KIND: &'static str = "ScaleDirection";
}

/// `scaleAction.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString)]
#[strum(ascii_case_insensitive)]
pub(crate) enum ScaleType {
    ChangeCount,
    PercentChangeCount,
    ExactCount,
    ServiceAllowedNextValue,
}

impl SchemaEnum for ScaleType {
    const KIND: &'static str = "ScaleType";
}

/// A dimension filter of a metric trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleDimension {
    pub(crate) name: String,
    pub(crate) equals: bool,
    pub(crate) values: Vec<String>,
}

/// A scale rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rule {
    pub(crate) metric_name: String,
    pub(crate) metric_resource_uri: String,
    pub(crate) time_grain: Duration,
    pub(crate) statistic: Statistic,
    pub(crate) time_window: Duration,
    pub(crate) time_aggregation: TimeAggregation,
    pub(crate) operator: Operator,
    pub(crate) threshold: f64,
    pub(crate) dimensions: Vec<RuleDimension>,
    pub(crate) divide_per_instance: bool,
    pub(crate) direction: Direction,
    pub(crate) scale_type: ScaleType,
    pub(crate) value: u32,
    pub(crate) cooldown: Duration,
}

/// When a profile applies.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Schedule {
    /// Neither fixed date nor recurrence: the default profile.
    Always,
    /// `fixedDate`: `[start, end)`.
    Fixed {
        start: OffsetDateTime,
        end: OffsetDateTime,
    },
    /// `recurrence` (weekly): starts at every day × hour × minute, local time in `zone`.
    Weekly {
        zone: Zone,
        days: Vec<Weekday>,
        hours: Vec<u8>,
        minutes: Vec<u8>,
    },
}

/// A profile.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    pub(crate) minimum: u32,
    pub(crate) maximum: u32,
    pub(crate) default: u32,
    pub(crate) rules: Vec<Rule>,
    pub(crate) schedule: Schedule,
}

/// An autoscale setting, parsed and checked the way Azure Monitor checks it (see
/// [`AutoscaleSettingSpec::from_resource`]); the input of [`evaluate`](super::evaluate).
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscaleSettingSpec {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) target: String,
    pub(crate) profiles: Vec<Profile>,
}

impl AutoscaleSettingSpec {
    /// ARM id (empty when the resource had none).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether autoscale is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// ARM id of the scaled resource.
    pub fn target_resource_uri(&self) -> &str {
        &self.target
    }
}
