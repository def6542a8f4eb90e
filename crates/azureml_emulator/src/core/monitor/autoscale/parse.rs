//! Reading and checking an autoscale setting the way Azure Monitor does on PUT and PATCH:
//! schema errors (missing or mistyped fields, unknown enum values) answer
//! `InvalidRequestContent`, broken rules answer `BadRequest` with Azure's wording where it is
//! known (the capacity messages), and a missing location `LocationRequired`.

use std::time::Duration;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::json::{
    array, boolean, choice, count, field, iso, mistyped, number, one_of, required, string, within,
    Invalid, Parsed,
};
use super::spec::{
    AutoscaleSettingSpec, Direction, Operator, Profile, Rule, RuleDimension, ScaleType, Schedule,
    Statistic, TimeAggregation,
};
use crate::core::monitor::timezone;

// Reading a setting is this file's job; the spec only holds what was read.
impl AutoscaleSettingSpec {
    /// Parses an autoscale setting resource (the ARM JSON of api-version 2022-10-01, as stored
    /// or as sent). The error is the message of the 400 Azure would answer.
    ///
    /// ```
    /// use azureml_emulator::core::monitor::AutoscaleSettingSpec;
    /// let setting = serde_json::json!({
    ///     "name": "churn-autoscale",
    ///     "location": "eastus",
    ///     "properties": {
    ///         "enabled": true,
    ///         "targetResourceUri": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/churn/deployments/blue",
    ///         "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "5", "default": "1"}, "rules": []}]
    ///     }
    /// });
    /// let spec = AutoscaleSettingSpec::from_resource(&setting).unwrap();
    /// assert_eq!(spec.name(), "churn-autoscale");
    /// let bad = serde_json::json!({"location": "eastus", "properties": {"targetResourceUri": "/x",
    ///     "profiles": [{"name": "p", "capacity": {"minimum": "3", "maximum": "1", "default": "1"}, "rules": []}]}});
    /// assert!(AutoscaleSettingSpec::from_resource(&bad).unwrap_err().contains("minimum capacity"));
    /// ```
    ///
    /// # Errors
    /// The 400 message: a missing or mistyped field, or a rule Azure enforces (capacities,
    /// at most 20 profiles and 10 rules per profile, time grain 1 minute–12 hours, time window
    /// 5 minutes–12 hours, cooldown 1 minute–1 week, weekly recurrences, known time zones).
    pub fn from_resource(resource: &serde_json::Value) -> Result<Self, String> {
        setting(resource).map_err(|e| e.message())
    }
}

/// Most profiles per setting.
pub(crate) const MAX_PROFILES: usize = 20;
/// Most rules per profile.
pub(crate) const MAX_RULES: usize = 10;
const MINUTE: Duration = Duration::from_secs(60);
const HOURS_12: Duration = Duration::from_secs(12 * 3600);
const WEEK: Duration = Duration::from_secs(7 * 86_400);

/// Parses and checks a whole setting resource (`{location, tags, properties, …}`).
pub(crate) fn setting(resource: &Value) -> Parsed<AutoscaleSettingSpec> {
    if !resource.is_object() {
        return Err(mistyped(resource, "AutoscaleSettingResource", ""));
    }
    match field(resource, "location").map(|l| l.as_str().map(str::trim)) {
        Some(Some(l)) if !l.is_empty() => {}
        Some(None) => return Err(mistyped(resource, "String", "location")),
        _ => return Err(Invalid::Location),
    }
    if let Some(tags) = field(resource, "tags") {
        let ok = tags
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !ok {
            return Err(mistyped(tags, "Dictionary`2[String,String]", "tags"));
        }
    }
    let props = required(resource, "properties", "")?;
    let target = string(
        required(props, "targetResourceUri", "properties")?,
        "properties.targetResourceUri",
    )?;
    if target.trim().is_empty() {
        return Err(Invalid::Rule(
            "The targetResourceUri of the autoscale setting must not be empty.".into(),
        ));
    }
    let enabled = boolean(field(props, "enabled"), "properties.enabled")?.unwrap_or(false);
    let list = array(
        required(props, "profiles", "properties")?,
        "properties.profiles",
    )?;
    if list.len() > MAX_PROFILES {
        return Err(Invalid::Rule(format!(
            "The autoscale setting has {} profiles; at most {MAX_PROFILES} profiles are allowed.",
            list.len()
        )));
    }
    let profiles = list
        .iter()
        .enumerate()
        .map(|(i, p)| profile(p, &format!("properties.profiles[{i}]")))
        .collect::<Parsed<Vec<_>>>()?;
    if let Some(policy) = field(props, "predictiveAutoscalePolicy") {
        predictive(policy)?;
    }
    if let Some(list) = field(props, "notifications") {
        for (i, n) in array(list, "properties.notifications")?.iter().enumerate() {
            let path = format!("properties.notifications[{i}]");
            one_of(
                required(n, "operation", &path)?,
                &format!("{path}.operation"),
                "OperationType",
                &[("Scale", ())],
            )?;
        }
    }
    let text = |key: &str| {
        field(resource, key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(AutoscaleSettingSpec {
        id: text("id"),
        name: text("name"),
        enabled,
        target: target.to_owned(),
        profiles,
    })
}

fn predictive(policy: &Value) -> Parsed<()> {
    let path = "properties.predictiveAutoscalePolicy";
    let modes = [("Disabled", ()), ("ForecastOnly", ()), ("Enabled", ())];
    one_of(
        required(policy, "scaleMode", path)?,
        &format!("{path}.scaleMode"),
        "PredictiveAutoscalePolicyScaleMode",
        &modes,
    )?;
    if let Some(ahead) = field(policy, "scaleLookAheadTime") {
        let path = format!("{path}.scaleLookAheadTime");
        within(
            iso(ahead, &path)?,
            MINUTE,
            Duration::from_secs(3600),
            "look-ahead time",
            &path,
        )?;
    }
    Ok(())
}

fn profile(p: &Value, path: &str) -> Parsed<Profile> {
    let name = string(required(p, "name", path)?, &format!("{path}.name"))?.to_owned();
    let cap_path = format!("{path}.capacity");
    let capacity = required(p, "capacity", path)?;
    let minimum = count(
        required(capacity, "minimum", &cap_path)?,
        &format!("{cap_path}.minimum"),
    )?;
    let maximum = count(
        required(capacity, "maximum", &cap_path)?,
        &format!("{cap_path}.maximum"),
    )?;
    let default = count(
        required(capacity, "default", &cap_path)?,
        &format!("{cap_path}.default"),
    )?;
    if minimum > maximum {
        return Err(Invalid::Rule(format!(
            "The minimum capacity value '{minimum}' that you specified in the autoscale setting is greater than the maximum capacity of '{maximum}'.  Enter a minimum capacity less than or equal to '{maximum}'."
        )));
    }
    if minimum > default {
        return Err(Invalid::Rule(format!(
            "The minimum capacity value '{minimum}' that you specified in the autoscale setting is greater than the default capacity of '{default}'.  Enter a minimum capacity less than '{default}'."
        )));
    }
    if default > maximum {
        return Err(Invalid::Rule(format!(
            "The default capacity value '{default}' that you specified in the autoscale setting is greater than the maximum capacity of '{maximum}'.  Enter a default capacity less than or equal to '{maximum}'."
        )));
    }
    let list = array(required(p, "rules", path)?, &format!("{path}.rules"))?;
    if list.len() > MAX_RULES {
        return Err(Invalid::Rule(format!(
            "Profile '{name}' has {} rules; at most {MAX_RULES} rules are allowed per profile.",
            list.len()
        )));
    }
    let rules = list
        .iter()
        .enumerate()
        .map(|(i, r)| rule(r, &format!("{path}.rules[{i}]")))
        .collect::<Parsed<Vec<_>>>()?;
    let schedule = match (field(p, "fixedDate"), field(p, "recurrence")) {
        (Some(_), Some(_)) => {
            return Err(Invalid::Rule(format!(
                "Profile '{name}' sets both fixedDate and recurrence; a profile has at most one of them."
            )))
        }
        (Some(fixed), None) => fixed_date(fixed, &format!("{path}.fixedDate"))?,
        (None, Some(recurrence)) => weekly(recurrence, &format!("{path}.recurrence"))?,
        (None, None) => Schedule::Always,
    };
    Ok(Profile {
        name,
        minimum,
        maximum,
        default,
        rules,
        schedule,
    })
}

fn zone(value: &Value, path: &str) -> Parsed<timezone::Zone> {
    let name = string(value, path)?;
    timezone::lookup(name).ok_or_else(|| {
        Invalid::Rule(format!(
            "The time zone '{name}' of '{path}' is not supported (the emulator knows the Windows time zone names of the main regions, their IANA aliases and fixed offsets such as 'UTC+01:00')."
        ))
    })
}

/// A date-time as wall-clock time (its offset, if any, is dropped: the zone decides).
fn wall_clock(value: &Value, path: &str) -> Parsed<(PrimitiveDateTime, Option<OffsetDateTime>)> {
    let text = string(value, path)?.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok((PrimitiveDateTime::new(t.date(), t.time()), Some(t)));
    }
    OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339)
        .map(|t| (PrimitiveDateTime::new(t.date(), t.time()), None))
        .map_err(|_| mistyped(value, "DateTime", path))
}

fn fixed_date(fixed: &Value, path: &str) -> Parsed<Schedule> {
    let zone = field(fixed, "timeZone")
        .map(|z| zone(z, &format!("{path}.timeZone")))
        .transpose()?;
    let (start_wall, start_abs) =
        wall_clock(required(fixed, "start", path)?, &format!("{path}.start"))?;
    let (end_wall, end_abs) = wall_clock(required(fixed, "end", path)?, &format!("{path}.end"))?;
    // With a time zone the times are wall-clock times there (Azure's portal writes them with a
    // `Z` it ignores); without one, an explicit offset counts and a bare time is UTC.
    let instant = |wall: PrimitiveDateTime, abs: Option<OffsetDateTime>| match zone {
        Some(z) => z.instant_of(wall),
        None => abs.unwrap_or_else(|| wall.assume_utc()),
    };
    let (start, end) = (instant(start_wall, start_abs), instant(end_wall, end_abs));
    if end <= start {
        return Err(Invalid::Rule(format!(
            "The end of '{path}' must be after its start."
        )));
    }
    Ok(Schedule::Fixed { start, end })
}

fn small_ints(value: &Value, path: &str, max: u8) -> Parsed<Vec<u8>> {
    let list = array(value, path)?;
    if list.len() > usize::from(max) + 1 {
        return Err(Invalid::Rule(format!(
            "'{path}' lists {} values; at most {} are allowed.",
            list.len(),
            u32::from(max) + 1
        )));
    }
    list.iter()
        .map(|v| {
            v.as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    Invalid::Rule(format!(
                        "'{path}' holds {v}; values must be integers from 0 to {max}."
                    ))
                })
        })
        .collect()
}

fn weekly(recurrence: &Value, path: &str) -> Parsed<Schedule> {
    let frequencies = [
        "None", "Second", "Minute", "Hour", "Day", "Week", "Month", "Year",
    ]
    .map(|f| (f, f));
    let frequency = one_of(
        required(recurrence, "frequency", path)?,
        &format!("{path}.frequency"),
        "RecurrenceFrequency",
        &frequencies,
    )?;
    if frequency != "Week" {
        return Err(Invalid::Rule(format!(
            "The recurrence frequency of '{path}' is '{frequency}'; autoscale profiles recur weekly only ('Week')."
        )));
    }
    let sched_path = format!("{path}.schedule");
    let schedule = required(recurrence, "schedule", path)?;
    let zone = zone(
        required(schedule, "timeZone", &sched_path)?,
        &format!("{sched_path}.timeZone"),
    )?;
    let days_path = format!("{sched_path}.days");
    let day_list = array(required(schedule, "days", &sched_path)?, &days_path)?;
    if day_list.len() > 7 {
        return Err(Invalid::Rule(format!(
            "'{days_path}' lists {} days; at most 7 are allowed.",
            day_list.len()
        )));
    }
    let days = day_list
        .iter()
        .map(|d| {
            let text = string(d, &days_path)?;
            timezone::weekday(text).ok_or_else(|| {
                Invalid::Rule(format!(
                    "'{days_path}' holds '{text}'; days are Sunday to Saturday (or 0 to 6)."
                ))
            })
        })
        .collect::<Parsed<Vec<_>>>()?;
    let hours = small_ints(
        required(schedule, "hours", &sched_path)?,
        &format!("{sched_path}.hours"),
        23,
    )?;
    let minutes = small_ints(
        required(schedule, "minutes", &sched_path)?,
        &format!("{sched_path}.minutes"),
        59,
    )?;
    Ok(Schedule::Weekly {
        zone,
        days,
        hours,
        minutes,
    })
}

fn dimensions(list: Option<&Value>, path: &str) -> Parsed<Vec<RuleDimension>> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, d) in array(list, path)?.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let name = string(
            required(d, "DimensionName", &path)?,
            &format!("{path}.DimensionName"),
        )?;
        let equals = one_of(
            required(d, "Operator", &path)?,
            &format!("{path}.Operator"),
            "ScaleRuleMetricDimensionOperationType",
            &[("Equals", true), ("NotEquals", false)],
        )?;
        let values = array(required(d, "Values", &path)?, &format!("{path}.Values"))?
            .iter()
            .map(|v| string(v, &format!("{path}.Values")).map(str::to_owned))
            .collect::<Parsed<Vec<_>>>()?;
        out.push(RuleDimension {
            name: name.to_owned(),
            equals,
            values,
        });
    }
    Ok(out)
}

fn rule(r: &Value, path: &str) -> Parsed<Rule> {
    let t_path = format!("{path}.metricTrigger");
    let t = required(r, "metricTrigger", path)?;
    let at = |key: &str| format!("{t_path}.{key}");
    let metric_name = string(required(t, "metricName", &t_path)?, &at("metricName"))?.to_owned();
    let metric_resource_uri = string(
        required(t, "metricResourceUri", &t_path)?,
        &at("metricResourceUri"),
    )?
    .to_owned();
    let time_grain = iso(required(t, "timeGrain", &t_path)?, &at("timeGrain"))?;
    within(time_grain, MINUTE, HOURS_12, "time grain", &at("timeGrain"))?;
    let time_window = iso(required(t, "timeWindow", &t_path)?, &at("timeWindow"))?;
    within(
        time_window,
        Duration::from_secs(300),
        HOURS_12,
        "time window",
        &at("timeWindow"),
    )?;
    if time_window < time_grain {
        return Err(Invalid::Rule(format!(
            "The time window of '{t_path}' must not be shorter than its time grain."
        )));
    }
    let statistic: Statistic = choice(t, "statistic", &t_path)?;
    let time_aggregation: TimeAggregation = choice(t, "timeAggregation", &t_path)?;
    let operator: Operator = choice(t, "operator", &t_path)?;
    let threshold = number(required(t, "threshold", &t_path)?, &at("threshold"))?;
    let dims = dimensions(field(t, "dimensions"), &at("dimensions"))?;
    let divide_per_instance =
        boolean(field(t, "dividePerInstance"), &at("dividePerInstance"))?.unwrap_or(false);

    let a_path = format!("{path}.scaleAction");
    let a = required(r, "scaleAction", path)?;
    let act = |key: &str| format!("{a_path}.{key}");
    let direction: Direction = choice(a, "direction", &a_path)?;
    let scale_type: ScaleType = choice(a, "type", &a_path)?;
    let value = field(a, "value")
        .map(|v| count(v, &act("value")))
        .transpose()?
        .unwrap_or(1);
    let cooldown = iso(required(a, "cooldown", &a_path)?, &act("cooldown"))?;
    within(cooldown, MINUTE, WEEK, "cooldown", &act("cooldown"))?;
    Ok(Rule {
        metric_name,
        metric_resource_uri,
        time_grain,
        statistic,
        time_window,
        time_aggregation,
        operator,
        threshold,
        dimensions: dims,
        divide_per_instance,
        direction,
        scale_type,
        value,
        cooldown,
    })
}
