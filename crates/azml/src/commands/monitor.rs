//! `azml monitor autoscale …` and `azml monitor metrics list` (az monitor), over the SDK's
//! `ml_client.autoscale()` and `ml_client.metrics()`.

use std::time::Duration;

use azure_ai_ml::monitor::{
    parse_period, AggregationType, AutoscaleSetting, MetricResultType, MetricStatistic,
    MetricsQuery, ScaleAction, ScaleCapacity, ScaleRule,
};
use azure_ai_ml::{
    AutoscaleCreateOrUpdateOptions, AutoscaleDeleteOptions, AutoscaleGetOptions, MLClient,
};
use serde_json::Value;

use super::Ctx;
use crate::cli::{
    AutoscaleCommand, MetricsCommand, MonitorCommand, ResourceArgs, RuleCommand, SettingArg,
};
use crate::error::{CliError, CliResult};

/// `5m`, `1h30m`, `2d`, or ISO 8601 (`PT1M`, `P1DT2H`), as az takes them.
fn duration(text: &str, flag: &str) -> CliResult<Duration> {
    parse_period(text.trim()).ok_or_else(|| {
        CliError::usage(format!("{flag}: `{text}` is not a duration (5m, 1h, PT1M)"))
    })
}

/// The query of `azml monitor metrics list`, as az builds it: `--dimension` becomes a filter
/// (`NAME eq '*'` joined by `and`) and excludes `--filter`; `--metadata` asks for metadata only.
fn metrics_query(command: &MetricsCommand, now: time::OffsetDateTime) -> CliResult<MetricsQuery> {
    let MetricsCommand::List {
        metrics,
        interval,
        aggregation,
        start_time,
        end_time,
        offset,
        filter,
        dimension,
        namespace,
        orderby,
        top,
        metadata,
        ..
    } = command;
    let interval = duration(interval, "--interval")?;
    let offset = duration(offset, "--offset")?;
    let parse_time = |t: &str, flag: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|e| CliError::usage(format!("{flag}: `{t}`: {e}")))
    };
    let end = match end_time {
        Some(t) => parse_time(t, "--end-time")?,
        None => now,
    };
    let start = match start_time {
        Some(t) => parse_time(t, "--start-time")?,
        None => end - time::Duration::try_from(offset).unwrap_or(time::Duration::HOUR),
    };
    let mut query = MetricsQuery::new()
        .timespan(start, end)
        .interval(interval)
        .metric_names(metrics.iter().flat_map(|m| m.split(',')).map(str::trim))
        .aggregation(aggregation.iter().map(|a| AggregationType::parse(a)));
    let filter = match (filter, dimension.is_empty()) {
        (Some(_), false) => {
            return Err(CliError::usage(
                "--dimension and --filter parameters are mutually exclusive",
            ))
        }
        (Some(f), true) => Some(f.clone()),
        (None, false) => Some(
            dimension
                .iter()
                .map(|d| format!("{d} eq '*'"))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
        (None, true) => None,
    };
    if let Some(f) = filter {
        query = query.filter(f);
    }
    if let Some(n) = namespace {
        query = query.metric_namespace(n);
    }
    if let Some(o) = orderby {
        query = query.order_by(o);
    }
    if let Some(t) = top {
        query = query.top(*t);
    }
    if *metadata {
        query = query.result_type(MetricResultType::Metadata);
    }
    Ok(query)
}

/// The target's ARM id: `--resource` as an id, or a name under `-g` with
/// `--resource-namespace/--resource-parent/--resource-type`.
fn resource_id(client: &MLClient, r: &ResourceArgs) -> CliResult<String> {
    if r.resource.starts_with("/subscriptions/") {
        return Ok(r.resource.clone());
    }
    let (Some(namespace), Some(kind)) = (&r.resource_namespace, &r.resource_type) else {
        return Err(CliError::usage(
            "--resource: give an ARM id, or a name with --resource-namespace and --resource-type",
        ));
    };
    let parent = r
        .resource_parent
        .as_deref()
        .map(|p| format!("{}/", p.trim_matches('/')))
        .unwrap_or_default();
    Ok(format!(
        "/subscriptions/{}/resourceGroups/{}/providers/{namespace}/{parent}{kind}/{}",
        client.subscription_id(),
        client.resource_group_name(),
        r.resource
    ))
}

/// The setting as `az monitor autoscale show` prints it: the ARM resource with its
/// `properties` lifted to the top level.
fn setting_json(setting: &AutoscaleSetting) -> CliResult<Value> {
    let arm = serde_json::to_value(setting)
        .map_err(|e| CliError::failure(format!("cannot encode the autoscale setting: {e}")))?;
    let Value::Object(mut top) = arm else {
        return Ok(Value::Null);
    };
    if let Some(Value::Object(props)) = top.remove("properties") {
        for (k, v) in props {
            if k != "name" {
                top.entry(k).or_insert(v);
            }
        }
    }
    top.entry("name")
        .or_insert_with(|| Value::String(setting.name.clone()));
    Ok(Value::Object(top))
}

/// The default profile's rules, each with its index as `id` (what `rule list` prints).
fn rules_json(setting: &Value) -> Value {
    let rules = setting
        .get("profiles")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(|p| p.get("rules"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        rules
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                if let Value::Object(m) = &mut r {
                    m.insert("id".into(), Value::from(i));
                }
                r
            })
            .collect(),
    )
}

fn rg_get(ctx: &Ctx) -> Option<AutoscaleGetOptions<'static>> {
    ctx.global
        .resource_group
        .clone()
        .map(|rg| AutoscaleGetOptions {
            resource_group: Some(rg),
            ..Default::default()
        })
}

/// The options of every PUT of a setting: az's resource group, and az's rule that a profile
/// may be without rules (`autoscale create` comes before `rule create`; `rule delete` may
/// remove the last one).
fn rg_put(ctx: &Ctx) -> Option<AutoscaleCreateOrUpdateOptions<'static>> {
    Some(AutoscaleCreateOrUpdateOptions {
        resource_group: ctx.global.resource_group.clone(),
        allow_profiles_without_rules: true,
        ..Default::default()
    })
}

/// `--condition … --scale out 1 [--cooldown 5] [--timegrain avg 1m]` as a rule.
pub fn rule(
    condition: &str,
    scale: &str,
    cooldown_minutes: u64,
    timegrain: &[String],
) -> CliResult<ScaleRule> {
    let condition =
        ScaleRule::when(condition).map_err(|e| CliError::usage(format!("--condition: {e}")))?;
    let action = ScaleAction::parse(scale).map_err(|e| CliError::usage(format!("--scale: {e}")))?;
    let mut rule = condition
        .then(action)
        .cooldown(Duration::from_secs(cooldown_minutes.saturating_mul(60)));
    if !timegrain.is_empty() {
        let [statistic, grain] = timegrain else {
            return Err(CliError::usage(
                "--timegrain: expected \"{avg,min,max,sum,count} PERIOD\"",
            ));
        };
        let statistic = match statistic.to_ascii_lowercase().as_str() {
            "avg" | "average" => MetricStatistic::Average,
            "min" | "minimum" => MetricStatistic::Min,
            "max" | "maximum" => MetricStatistic::Max,
            "sum" | "total" => MetricStatistic::Sum,
            "count" => MetricStatistic::Count,
            other => {
                return Err(CliError::usage(format!(
                    "--timegrain: unknown statistic `{other}`"
                )))
            }
        };
        rule = rule.time_grain(statistic, duration(grain, "--timegrain")?);
    }
    Ok(rule)
}

/// Runs one `monitor` command.
pub async fn run(ctx: &Ctx, command: MonitorCommand) -> CliResult<()> {
    match command {
        MonitorCommand::Autoscale(c) => autoscale(ctx, c).await,
        MonitorCommand::Metrics(command @ MetricsCommand::List { .. }) => {
            let query = metrics_query(&command, time::OffsetDateTime::now_utc())?;
            let MetricsCommand::List { resource, .. } = command;
            let client = ctx.client().await?;
            let id = resource_id(&client, &resource)?;
            let answer = client.metrics().list(&id, &query, None).await?;
            let value = serde_json::to_value(&answer)
                .map_err(|e| CliError::failure(format!("cannot encode the metrics: {e}")))?;
            ctx.print(value)
        }
    }
}

async fn autoscale(ctx: &Ctx, command: AutoscaleCommand) -> CliResult<()> {
    match command {
        AutoscaleCommand::Create {
            resource,
            name,
            min_count,
            max_count,
            count,
            disabled,
            tags,
        } => {
            let capacity = match (min_count, max_count) {
                (None, None) => ScaleCapacity::fixed(count),
                (min, max) => ScaleCapacity::range(min.unwrap_or(count)..=max.unwrap_or(count))
                    .with_default(count),
            };
            let client = ctx.client().await?;
            let target = resource_id(&client, &resource)?;
            let name = name.unwrap_or_else(|| {
                target
                    .rsplit('/')
                    .next()
                    .unwrap_or(&resource.resource)
                    .to_owned()
            });
            let mut setting = AutoscaleSetting::new(name)
                .target(target)
                .capacity(capacity)
                .enabled(!disabled);
            for (k, v) in super::key_values(&tags.join(" "), "--tags")? {
                setting = setting.tag(k, v);
            }
            let created = client
                .autoscale()
                .create_or_update(&setting, rg_put(ctx))
                .await?;
            ctx.print(setting_json(&created)?)
        }
        AutoscaleCommand::Update {
            name,
            min_count,
            max_count,
            count,
            enabled,
            tags,
        } => {
            let counts_given = min_count.is_some() || max_count.is_some() || count.is_some();
            if !counts_given && enabled.is_none() && tags.is_empty() {
                return Err(CliError::usage(
                    "nothing to update: give --count, --min-count, --max-count, --enabled or --tags",
                ));
            }
            let tags = super::key_values(&tags.join(" "), "--tags")?;
            let client = ctx.client().await?;
            let mut setting = client.autoscale().get(&name, rg_get(ctx)).await?;
            if counts_given {
                // The default profile's counts, as az does; the rest of the setting stays.
                let current = setting
                    .default_profile()
                    .map(|p| p.capacity)
                    .unwrap_or_else(|| ScaleCapacity::fixed(1));
                let capacity = ScaleCapacity::range(
                    min_count.unwrap_or(current.minimum)..=max_count.unwrap_or(current.maximum),
                )
                .with_default(count.unwrap_or(current.default));
                setting = setting.capacity(capacity);
            }
            if let Some(enabled) = enabled {
                setting = setting.enabled(enabled);
            }
            if !tags.is_empty() {
                setting.tags = tags.into_iter().collect();
            }
            let updated = client
                .autoscale()
                .create_or_update(&setting, rg_put(ctx))
                .await?;
            ctx.print(setting_json(&updated)?)
        }
        AutoscaleCommand::Show(SettingArg { name }) => {
            let client = ctx.client().await?;
            let setting = client.autoscale().get(&name, rg_get(ctx)).await?;
            ctx.print(setting_json(&setting)?)
        }
        AutoscaleCommand::Delete(SettingArg { name }) => {
            let client = ctx.client().await?;
            let options = ctx
                .global
                .resource_group
                .clone()
                .map(|rg| AutoscaleDeleteOptions {
                    resource_group: Some(rg),
                    ..Default::default()
                });
            client.autoscale().delete(&name, options).await?;
            Ok(())
        }
        AutoscaleCommand::Rule(RuleCommand::Create {
            autoscale_name,
            condition,
            scale,
            cooldown,
            timegrain,
        }) => {
            let new_rule = rule(&condition.join(" "), &scale.join(" "), cooldown, &timegrain)?;
            let client = ctx.client().await?;
            let setting = client.autoscale().get(&autoscale_name, rg_get(ctx)).await?;
            let updated = client
                .autoscale()
                .create_or_update(&setting.rule(new_rule), rg_put(ctx))
                .await?;
            let rules = rules_json(&setting_json(&updated)?);
            let last = rules
                .as_array()
                .and_then(|r| r.last())
                .cloned()
                .unwrap_or(Value::Null);
            ctx.print(last)
        }
        AutoscaleCommand::Rule(RuleCommand::List { autoscale_name }) => {
            let client = ctx.client().await?;
            let setting = client.autoscale().get(&autoscale_name, rg_get(ctx)).await?;
            ctx.print(rules_json(&setting_json(&setting)?))
        }
        AutoscaleCommand::Rule(RuleCommand::Delete {
            autoscale_name,
            index,
        }) => {
            let all = index.iter().any(|i| i.eq_ignore_ascii_case("all"));
            let indexes: Vec<usize> = if all {
                Vec::new()
            } else {
                index
                    .iter()
                    .map(|i| {
                        i.parse().map_err(|_| {
                            CliError::usage(format!("--index: `{i}` is not a number or `all`"))
                        })
                    })
                    .collect::<CliResult<_>>()?
            };
            let client = ctx.client().await?;
            let mut setting = client.autoscale().get(&autoscale_name, rg_get(ctx)).await?;
            let Some(profile) = setting.profiles.first_mut() else {
                return Err(CliError::failure("the autoscale setting has no profile"));
            };
            let count = profile.rules.len();
            if let Some(bad) = indexes.iter().find(|i| **i >= count) {
                return Err(CliError::usage(format!(
                    "--index: {bad} is past the {count} rules"
                )));
            }
            let mut i = 0;
            profile.rules.retain(|_| {
                let keep = !all && !indexes.contains(&i);
                i += 1;
                keep
            });
            client
                .autoscale()
                .create_or_update(&setting, rg_put(ctx))
                .await?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    /// The `metrics list` command of an `azml monitor metrics list …` line.
    fn metrics_list(args: &[&str]) -> MetricsCommand {
        let mut line = vec!["azml", "monitor", "metrics", "list", "--resource", "/x"];
        line.extend_from_slice(args);
        match Cli::try_parse_from(line).map(|cli| cli.command) {
            Ok(Command::Monitor(MonitorCommand::Metrics(m))) => m,
            other => panic!("not a metrics list: {other:?}"),
        }
    }

    #[test]
    fn metrics_list_flags_build_the_query_az_builds() {
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        let q = metrics_query(&metrics_list(&["--metrics", "RequestsPerMinute"]), now).unwrap();
        assert_eq!(q.metric_names, ["RequestsPerMinute"]);
        assert_eq!(q.filter, None);
        assert_eq!((q.top, q.order_by.as_deref()), (None, None));
        assert_eq!(q.result_type, None);

        let command = metrics_list(&[
            "--metrics",
            "RequestsPerMinute",
            "--dimension",
            "statusCodeClass",
            "deployment",
            "--namespace",
            "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            "--orderby",
            "total desc",
            "--top",
            "3",
            "--metadata",
        ]);
        let q = metrics_query(&command, now).unwrap();
        assert_eq!(
            q.filter.as_deref(),
            Some("statusCodeClass eq '*' and deployment eq '*'")
        );
        assert_eq!(
            q.metric_namespace.as_deref(),
            Some("Microsoft.MachineLearningServices/workspaces/onlineEndpoints")
        );
        assert_eq!(
            (q.top, q.order_by.as_deref()),
            (Some(3), Some("total desc"))
        );
        assert_eq!(q.result_type, Some(MetricResultType::Metadata));

        let both = metrics_list(&["--filter", "deployment eq 'blue'", "--dimension", "x"]);
        let err = metrics_query(&both, now).unwrap_err().to_string();
        assert!(err.contains("--dimension and --filter"), "{err}");
    }

    #[test]
    fn durations_in_both_spellings() {
        let d = |text: &str| duration(text, "--interval").ok();
        assert_eq!(d("PT1M"), Some(Duration::from_secs(60)));
        assert_eq!(d("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(d("P1DT2H"), Some(Duration::from_secs(93_600)));
        assert_eq!(d("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(d(" 5m "), Some(Duration::from_secs(300)));
        assert_eq!(d("soon"), None);
        assert_eq!(d(""), None);
        assert_eq!(d("5"), None);
        let err = duration("5", "--interval").unwrap_err().to_string();
        assert!(err.contains("--interval") && err.contains("`5`"), "{err}");
    }

    #[test]
    fn the_seed_rule_parses() {
        let r = rule("CpuUtilizationPercentage > 70 avg 5m", "out 1", 5, &[]).unwrap();
        assert_eq!(
            r.to_string(),
            "CpuUtilizationPercentage > 70 avg 5m scale out 1"
        );
        assert!(rule("CpuUtilizationPercentage >> 70 avg 5m", "out 1", 5, &[]).is_err());
        assert!(rule("CpuUtilizationPercentage > 70 avg 5m", "sideways 1", 5, &[]).is_err());
    }
}
