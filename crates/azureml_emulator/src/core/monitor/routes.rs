//! Which `Microsoft.Insights` resource an ARM path names. Paths without a
//! `providers/Microsoft.Insights` segment pair are not the monitor's (the workspace routes
//! handle them).

use crate::core::routes::decode;

/// A monitor route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MonitorRoute {
    /// `/subscriptions/{s}[/resourcegroups/{rg}]/providers/Microsoft.Insights/autoscalesettings`.
    AutoscaleList {
        subscription: String,
        resource_group: Option<String>,
    },
    /// `…/resourcegroups/{rg}/providers/Microsoft.Insights/autoscalesettings/{name}`.
    Autoscale {
        subscription: String,
        resource_group: String,
        name: String,
    },
    /// `…/autoscalesettings/{name}/activity` (an emulator extension: the scale events).
    AutoscaleActivity {
        subscription: String,
        resource_group: String,
        name: String,
    },
    /// `{resource}/providers/Microsoft.Insights/metrics`.
    Metrics { resource: String },
    /// `{resource}/providers/Microsoft.Insights/metricDefinitions`.
    MetricDefinitions { resource: String },
    /// Another `Microsoft.Insights` path (404).
    Unknown,
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The monitor route of `path`, `None` when it isn't a `Microsoft.Insights` path.
pub(crate) fn parse(path: &str) -> Option<MonitorRoute> {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let at = segs
        .windows(2)
        .position(|w| matches!(w, [p, ns] if eq(p, "providers") && eq(ns, "Microsoft.Insights")))?;
    let (head, rest) = (segs.get(..at)?, segs.get(at + 2..)?);
    let route = match rest {
        [kind] if eq(kind, "metrics") => MonitorRoute::Metrics {
            resource: format!("/{}", head.join("/")),
        },
        [kind] if eq(kind, "metricDefinitions") => MonitorRoute::MetricDefinitions {
            resource: format!("/{}", head.join("/")),
        },
        [kind, tail @ ..] if eq(kind, "autoscalesettings") => autoscale(head, tail),
        _ => MonitorRoute::Unknown,
    };
    Some(route)
}

fn autoscale(head: &[String], tail: &[String]) -> MonitorRoute {
    let owned = |s: &String| s.clone();
    match (head, tail) {
        ([s, sub], []) if eq(s, "subscriptions") => MonitorRoute::AutoscaleList {
            subscription: owned(sub),
            resource_group: None,
        },
        ([s, sub, r, rg], tail) if eq(s, "subscriptions") && eq(r, "resourceGroups") => {
            match tail {
                [] => MonitorRoute::AutoscaleList {
                    subscription: owned(sub),
                    resource_group: Some(owned(rg)),
                },
                [name] => MonitorRoute::Autoscale {
                    subscription: owned(sub),
                    resource_group: owned(rg),
                    name: owned(name),
                },
                [name, a] if eq(a, "activity") => MonitorRoute::AutoscaleActivity {
                    subscription: owned(sub),
                    resource_group: owned(rg),
                    name: owned(name),
                },
                _ => MonitorRoute::Unknown,
            }
        }
        _ => MonitorRoute::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autoscale_paths() {
        let p = "/subscriptions/s/resourcegroups/rg/providers/microsoft.insights/autoscalesettings";
        assert_eq!(
            parse(p),
            Some(MonitorRoute::AutoscaleList {
                subscription: "s".into(),
                resource_group: Some("rg".into())
            })
        );
        assert_eq!(
            parse(&format!("{p}/my%20setting")),
            Some(MonitorRoute::Autoscale {
                subscription: "s".into(),
                resource_group: "rg".into(),
                name: "my setting".into()
            })
        );
        assert!(matches!(
            parse(&format!("{p}/x/activity")),
            Some(MonitorRoute::AutoscaleActivity { .. })
        ));
        assert_eq!(parse(&format!("{p}/x/other")), Some(MonitorRoute::Unknown));
        assert_eq!(
            parse("/subscriptions/s/providers/Microsoft.Insights/autoscalesettings"),
            Some(MonitorRoute::AutoscaleList {
                subscription: "s".into(),
                resource_group: None
            })
        );
        assert_eq!(
            parse("/providers/Microsoft.Insights/autoscalesettings"),
            Some(MonitorRoute::Unknown)
        );
    }

    #[test]
    fn metric_paths_keep_the_resource_and_other_paths_are_not_ours() {
        let d = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/e/deployments/d";
        assert_eq!(
            parse(&format!("{d}/providers/Microsoft.Insights/metrics")),
            Some(MonitorRoute::Metrics { resource: d.into() })
        );
        assert_eq!(
            parse(&format!(
                "{d}/providers/microsoft.insights/metricdefinitions"
            )),
            Some(MonitorRoute::MetricDefinitions { resource: d.into() })
        );
        assert_eq!(
            parse(&format!("{d}/providers/Microsoft.Insights/alerts")),
            Some(MonitorRoute::Unknown)
        );
        assert_eq!(parse(d), None);
    }
}
