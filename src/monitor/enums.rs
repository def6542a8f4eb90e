//! Azure Monitor enums. All are extensible: a value a newer service sends deserializes as
//! `Unknown(..)` instead of failing the response (the request validators refuse `Unknown` values,
//! which the service would reject anyway).

use super::client::string_enum;

/// The words the condition language spells an enum's known values with (`>=`, `avg`, …): one
/// table per enum, read both ways, to print a rule and to parse one. `string_enum!` makes it
/// from the variants declared as `Variant = "Wire" / "word"` (with `(word = accessor)`).
pub(crate) trait ConditionWords: PartialEq + Clone + 'static {
    /// Each known value with its word.
    const WORDS: &'static [(Self, &'static str)];

    /// The word of a known value; `None` for an unknown one.
    fn word(&self) -> Option<&'static str> {
        Self::WORDS
            .iter()
            .find(|(value, _)| value == self)
            .map(|(_, word)| *word)
    }

    /// The value `word` names (ASCII case-insensitive).
    fn from_word(word: &str) -> Option<Self> {
        Self::WORDS
            .iter()
            .find(|(_, w)| w.eq_ignore_ascii_case(word))
            .map(|(value, _)| value.clone())
    }
}

string_enum! {
    /// How a metric value is compared with the threshold (`operator` of a metric trigger).
    ComparisonOperator (word = symbol) {
        Equals = "Equals" / "==",
        NotEquals = "NotEquals" / "!=",
        GreaterThan = "GreaterThan" / ">",
        GreaterThanOrEqual = "GreaterThanOrEqual" / ">=",
        LessThan = "LessThan" / "<",
        LessThanOrEqual = "LessThanOrEqual" / "<=",
    }
}

string_enum! {
    /// How the metric values of several instances are combined (`statistic`; the `avg` of the
    /// CLI's `--timegrain "avg 1m"`).
    ///
    /// Default: `Average` (the CLI's default, `--timegrain "avg 1m"`).
    MetricStatistic (default = Average) (word = keyword) {
        Average = "Average" / "avg",
        Min = "Min" / "min",
        Max = "Max" / "max",
        Sum = "Sum" / "sum",
        Count = "Count" / "count",
    }
}

string_enum! {
    /// How the values inside the time window are combined (`timeAggregation`; the `avg` of
    /// `"CpuUtilizationPercentage > 70 avg 5m"`).
    ///
    /// Default: `Average` (the service's documented default).
    TimeAggregation (default = Average) (word = keyword) {
        Average = "Average" / "avg",
        Minimum = "Minimum" / "min",
        Maximum = "Maximum" / "max",
        Total = "Total" / "total",
        Count = "Count" / "count",
        Last = "Last" / "last",
    }
}

string_enum! {
    /// Which way a scale action moves the instance count.
    ScaleDirection {
        /// No direction (`scale to N`).
        None = "None",
        /// Scale out (add instances).
        Increase = "Increase",
        /// Scale in (remove instances).
        Decrease = "Decrease",
    }
}

string_enum! {
    /// What a scale action's value means.
    ScaleType {
        /// Add/remove `value` instances (`scale out 1`).
        ChangeCount = "ChangeCount",
        /// Add/remove `value` percent of the current count (`scale out 20%`).
        PercentChangeCount = "PercentChangeCount",
        /// Set the count to `value` (`scale to 3`).
        ExactCount = "ExactCount",
        /// Let the service pick the next allowed value.
        ServiceAllowedNextValue = "ServiceAllowedNextValue",
    }
}

string_enum! {
    /// How often a recurring profile repeats. The service documents that this must be `Week`.
    RecurrenceFrequency {
        /// None.
        None = "None",
        /// Every second.
        Second = "Second",
        /// Every minute.
        Minute = "Minute",
        /// Every hour.
        Hour = "Hour",
        /// Every day.
        Day = "Day",
        /// Every week (the only value the service accepts for autoscale profiles).
        Week = "Week",
        /// Every month.
        Month = "Month",
        /// Every year.
        Year = "Year",
    }
}

string_enum! {
    /// How a metric dimension filter compares (`Operator` of a rule dimension).
    DimensionOperator {
        /// Equal to any of the values (`==`).
        Equals = "Equals",
        /// Equal to none of the values (`!=`).
        NotEquals = "NotEquals",
    }
}

string_enum! {
    /// Predictive autoscale mode.
    PredictiveScaleMode {
        /// Off.
        Disabled = "Disabled",
        /// Forecast only, no scaling.
        ForecastOnly = "ForecastOnly",
        /// Forecast and scale.
        Enabled = "Enabled",
    }
}

string_enum! {
    /// Unit of a metric.
    MetricUnit {
        /// Count.
        Count = "Count",
        /// Bytes.
        Bytes = "Bytes",
        /// Seconds.
        Seconds = "Seconds",
        /// Count per second.
        CountPerSecond = "CountPerSecond",
        /// Bytes per second.
        BytesPerSecond = "BytesPerSecond",
        /// Percent.
        Percent = "Percent",
        /// Milliseconds.
        MilliSeconds = "MilliSeconds",
        /// Byte-seconds.
        ByteSeconds = "ByteSeconds",
        /// Unspecified.
        Unspecified = "Unspecified",
        /// Cores.
        Cores = "Cores",
        /// Millicores.
        MilliCores = "MilliCores",
        /// Nanocores.
        NanoCores = "NanoCores",
        /// Bits per second.
        BitsPerSecond = "BitsPerSecond",
    }
}

string_enum! {
    /// A metrics aggregation (`aggregation` query parameter, `primaryAggregationType`).
    AggregationType {
        /// None.
        None = "None",
        /// Average.
        Average = "Average",
        /// Count.
        Count = "Count",
        /// Minimum.
        Minimum = "Minimum",
        /// Maximum.
        Maximum = "Maximum",
        /// Total.
        Total = "Total",
    }
}

string_enum! {
    /// What a metrics query returns (`resultType`).
    MetricResultType {
        /// Data points.
        Data = "Data",
        /// Metadata only.
        Metadata = "Metadata",
    }
}

string_enum! {
    /// The class of a metric (metric definitions).
    MetricClass {
        /// Availability.
        Availability = "Availability",
        /// Transactions.
        Transactions = "Transactions",
        /// Errors.
        Errors = "Errors",
        /// Latency.
        Latency = "Latency",
        /// Saturation.
        Saturation = "Saturation",
    }
}
