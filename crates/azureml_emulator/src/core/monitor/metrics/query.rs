//! The query parameters of `GET {resource}/providers/Microsoft.Insights/metrics`, read the way
//! Azure reads them (names as the REST API spells them; values case-insensitive).

use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::filter::Filter;
use crate::core::monitor::duration;
use crate::core::CoreRequest;

/// Most data points per series (one week of minutes).
pub(crate) const MAX_POINTS: i64 = 7 * 24 * 60;
/// Longest interval other than `FULL`.
const MAX_INTERVAL_SECS: i64 = 86_400;
/// Every interval is a whole number of the fine grain.
const FINE_SECS: i64 = 10;
/// The default timespan: the last hour.
const DEFAULT_SPAN: Duration = Duration::from_secs(3600);

/// An aggregation of the `aggregation` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Aggregation {
    Average,
    Count,
    Minimum,
    Maximum,
    Total,
}

impl Aggregation {
    pub(crate) const ALL: [Self; 5] = [
        Self::Average,
        Self::Count,
        Self::Minimum,
        Self::Maximum,
        Self::Total,
    ];

    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "average" | "avg" => Some(Self::Average),
            "count" => Some(Self::Count),
            "minimum" | "min" => Some(Self::Minimum),
            "maximum" | "max" => Some(Self::Maximum),
            "total" | "sum" => Some(Self::Total),
            _ => None,
        }
    }

    /// The data point field (`average`, …).
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::Average => "average",
            Self::Count => "count",
            Self::Minimum => "minimum",
            Self::Maximum => "maximum",
            Self::Total => "total",
        }
    }

    /// The name in metric definitions (`Average`, …).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Average => "Average",
            Self::Count => "Count",
            Self::Minimum => "Minimum",
            Self::Maximum => "Maximum",
            Self::Total => "Total",
        }
    }
}

/// The `interval` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interval {
    /// Points every this many seconds.
    Every(i64),
    /// One point for the whole timespan.
    Full,
}

/// A parsed metrics query.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    pub(crate) interval: Interval,
    /// As asked (empty: the resource's first metric).
    pub(crate) names: Vec<String>,
    /// As asked (empty: each metric's primary aggregation).
    pub(crate) aggregations: Vec<Aggregation>,
    pub(crate) filter: Filter,
    pub(crate) top: usize,
    /// Aggregation and descending?
    pub(crate) order_by: Option<(Aggregation, bool)>,
    pub(crate) metadata_only: bool,
    pub(crate) namespace: Option<String>,
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

fn span_duration(text: &str) -> Option<time::Duration> {
    time::Duration::try_from(duration::parse(text)?).ok()
}

/// `start/end`, `start/duration`, `duration/end` or `duration` (ending now).
fn parse_timespan(text: &str, now: OffsetDateTime) -> Option<(OffsetDateTime, OffsetDateTime)> {
    match text.split_once('/') {
        Some((a, b)) => match (parse_time(a), parse_time(b)) {
            (Some(s), Some(e)) => Some((s, e)),
            (Some(s), None) => Some((s, s.checked_add(span_duration(b)?)?)),
            (None, Some(e)) => Some((e.checked_sub(span_duration(a)?)?, e)),
            (None, None) => None,
        },
        None => Some((now.checked_sub(span_duration(text)?)?, now)),
    }
}

fn parse_interval(text: &str) -> Result<Interval, String> {
    if text.trim().eq_ignore_ascii_case("FULL") {
        return Ok(Interval::Full);
    }
    let secs = duration::parse(text)
        .filter(|d| d.subsec_nanos() == 0)
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    match secs {
        Some(s) if (FINE_SECS..=MAX_INTERVAL_SECS).contains(&s) && s % FINE_SECS == 0 => {
            Ok(Interval::Every(s))
        }
        _ => Err(format!(
            "Invalid interval '{text}': the emulator supports FULL and whole multiples of PT10S up \
             to P1D (Azure's grains PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H and P1D among them)."
        )),
    }
}

fn parse_order_by(text: &str) -> Option<(Aggregation, bool)> {
    let mut words = text.split_whitespace();
    let aggregation = Aggregation::parse(words.next()?)?;
    let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return None,
    };
    words.next().is_none().then_some((aggregation, descending))
}

impl Query {
    /// Reads the query of `request`; `now` ends the default timespan. A message for a 400
    /// `BadRequest` otherwise.
    pub(crate) fn parse(request: &CoreRequest, now: OffsetDateTime) -> Result<Self, String> {
        let (start, end) = match request.query("timespan") {
            Some(text) => parse_timespan(&text, now).ok_or_else(|| {
                format!("Invalid timespan '{text}': expected start/end, start/duration, duration/end or duration (ISO 8601).")
            })?,
            None => (now.checked_sub(time::Duration::try_from(DEFAULT_SPAN).unwrap_or_default()).unwrap_or(now), now),
        };
        if end <= start {
            return Err("Invalid timespan: the end must be after the start.".into());
        }
        let interval = match request.query("interval") {
            Some(text) => parse_interval(&text)?,
            None => Interval::Every(60),
        };
        if let Interval::Every(step) = interval {
            let points = (end.unix_timestamp() - start.unix_timestamp()) / step;
            if points > MAX_POINTS {
                return Err(format!(
                    "The timespan and interval ask for {points} data points per series; at most {MAX_POINTS} are allowed. Use a larger interval."
                ));
            }
        }
        let names: Vec<String> = request
            .query("metricnames")
            .map(|list| {
                list.split(',')
                    .map(|n| n.trim().replace("%2", ","))
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut aggregations = Vec::new();
        if let Some(list) = request.query("aggregation") {
            for item in list.split(',').filter(|s| !s.trim().is_empty()) {
                let a = Aggregation::parse(item).ok_or_else(|| {
                    format!("Invalid aggregation '{item}': use Average, Count, Minimum, Maximum or Total.")
                })?;
                if !aggregations.contains(&a) {
                    aggregations.push(a);
                }
            }
        }
        let filter = match request.query("$filter") {
            Some(text) => Filter::parse(&text)?,
            None => Filter::default(),
        };
        let top = match request.query("top") {
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(format!(
                        "Invalid top '{text}': it must be a positive integer."
                    ))
                }
            },
            None => 10,
        };
        let order_by = match request.query("orderby") {
            Some(text) => Some(parse_order_by(&text).ok_or_else(|| {
                format!("Invalid orderby '{text}': expected an aggregation and asc or desc (e.g. 'average asc').")
            })?),
            None => None,
        };
        let metadata_only = match request.query("resultType").as_deref().map(str::trim) {
            None => false,
            Some(t) if t.eq_ignore_ascii_case("Data") => false,
            Some(t) if t.eq_ignore_ascii_case("Metadata") => true,
            Some(t) => return Err(format!("Invalid resultType '{t}': use Data or Metadata.")),
        };
        Ok(Self {
            start,
            end,
            interval,
            names,
            aggregations,
            filter,
            top,
            order_by,
            metadata_only,
            namespace: request.query("metricnamespace"),
        })
    }

    /// The timespan as Azure echoes it (`start/end`, whole seconds, `Z`).
    pub(crate) fn timespan_text(&self) -> String {
        format!("{}/{}", rfc3339(self.start), rfc3339(self.end))
    }
}

/// `2024-05-01T10:00:00Z` (fractions of a second dropped, as Azure writes time stamps).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use url::Url;

    const NOW: OffsetDateTime = datetime!(2024-05-01 12:00 UTC);

    fn query(q: &str) -> Result<Query, String> {
        let url = Url::parse(&format!(
            "https://management.azure.com/x?api-version=2024-02-01&{q}"
        ))
        .unwrap();
        Query::parse(&CoreRequest::new("GET", url), NOW)
    }

    #[test]
    fn defaults_are_the_last_hour_per_minute() {
        let q = query("").unwrap();
        assert_eq!((q.start, q.end), (datetime!(2024-05-01 11:00 UTC), NOW));
        assert_eq!(q.interval, Interval::Every(60));
        assert_eq!(q.top, 10);
        assert!(q.names.is_empty() && q.aggregations.is_empty() && !q.metadata_only);
        assert_eq!(
            q.timespan_text(),
            "2024-05-01T11:00:00Z/2024-05-01T12:00:00Z"
        );
    }

    #[test]
    fn reads_the_example_query() {
        let q = query("timespan=2021-04-20T09:00:00.000Z/2021-04-20T14:00:00.000Z&interval=PT6H&metricnames=BlobCount,BlobCapacity&aggregation=average,minimum,maximum&top=5&orderby=average%20asc&%24filter=Tier%20eq%20%27*%27&resultType=Data&metricnamespace=Microsoft.Storage").unwrap();
        assert_eq!(
            q.timespan_text(),
            "2021-04-20T09:00:00Z/2021-04-20T14:00:00Z"
        );
        assert_eq!(q.interval, Interval::Every(6 * 3600));
        assert_eq!(q.names, ["BlobCount", "BlobCapacity"]);
        assert_eq!(
            q.aggregations,
            [
                Aggregation::Average,
                Aggregation::Minimum,
                Aggregation::Maximum
            ]
        );
        assert_eq!(
            (q.top, q.order_by),
            (5, Some((Aggregation::Average, false)))
        );
        assert_eq!(q.filter.split_dimensions(), ["Tier"]);
        assert_eq!(q.namespace.as_deref(), Some("Microsoft.Storage"));
    }

    #[test]
    fn timespan_forms_and_full() {
        let q = query("timespan=PT10M&interval=FULL").unwrap();
        assert_eq!(
            (q.start, q.end, q.interval),
            (datetime!(2024-05-01 11:50 UTC), NOW, Interval::Full)
        );
        let q = query("timespan=2024-05-01T10:00:00Z/PT30M&interval=PT10S").unwrap();
        assert_eq!(
            (q.end, q.interval),
            (datetime!(2024-05-01 10:30 UTC), Interval::Every(10))
        );
        let q = query("timespan=PT30M/2024-05-01T10:00:00Z&metricnames=a%252b").unwrap();
        assert_eq!(q.start, datetime!(2024-05-01 09:30 UTC));
        assert_eq!(q.names, ["a,b"]);
    }

    #[test]
    fn refuses_what_azure_refuses() {
        for bad in [
            "timespan=yesterday",
            "timespan=2024-05-01T10:00:00Z/2024-05-01T09:00:00Z",
            "interval=PT15S",
            "interval=PT1S",
            "interval=P2D",
            "interval=PT1M&timespan=P30D",
            "aggregation=median",
            "top=0",
            "orderby=average%20sideways",
            "resultType=Everything",
            "%24filter=a%20gt%20%271%27",
        ] {
            assert!(query(bad).is_err(), "{bad}");
        }
    }
}
