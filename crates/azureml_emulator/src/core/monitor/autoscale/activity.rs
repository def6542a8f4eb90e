//! The activity log of autoscale: what Azure's activity log shows for a scale action (time,
//! setting, old → new instance count, why), kept in the workspace state.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::evaluate::{ScaleDecision, ScaleDirection};

/// Most entries kept (the oldest go first).
pub(crate) const MAX_ACTIVITY: usize = 1_000;

/// One scale action, as Azure's activity log records it (`Microsoft.Insights/AutoscaleSettings/Scaleup/Action`
/// or `…/Scaledown/Action`). Serialized camelCase, as the emulator's `…/activity` route answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AutoscaleActivity {
    /// When the action was taken.
    #[serde(with = "rfc3339")]
    pub event_timestamp: OffsetDateTime,
    /// `Microsoft.Insights/AutoscaleSettings/Scaleup/Action` or `…/Scaledown/Action`.
    pub operation_name: String,
    /// `Succeeded`.
    pub status: String,
    /// ARM id of the autoscale setting.
    pub setting_id: String,
    /// Name of the autoscale setting.
    pub setting_name: String,
    /// ARM id of the scaled resource.
    pub target_resource_uri: String,
    /// The profile in force.
    pub profile: String,
    /// Instances before.
    pub old_instances_count: u32,
    /// Instances after.
    pub new_instances_count: u32,
    /// Azure's sentence: "The autoscale engine attempting to scale resource '…' from N instances
    /// count to M instances count."
    pub description: String,
    /// The rules that fired, with the values they saw.
    pub reason: String,
}

impl AutoscaleActivity {
    /// The log entry of a decision that was carried out.
    pub fn from_decision(d: &ScaleDecision) -> Self {
        let operation = match d.direction {
            ScaleDirection::Increase => "Scaleup",
            ScaleDirection::Decrease => "Scaledown",
        };
        Self {
            event_timestamp: d.at,
            operation_name: format!("Microsoft.Insights/AutoscaleSettings/{operation}/Action"),
            status: "Succeeded".into(),
            setting_id: d.setting_id.clone(),
            setting_name: d.setting_name.clone(),
            target_resource_uri: d.target_resource_uri.clone(),
            profile: d.profile.clone(),
            old_instances_count: d.old_capacity,
            new_instances_count: d.new_capacity,
            description: format!(
                "The autoscale engine attempting to scale resource '{}' from {} instances count to {} instances count.",
                d.target_resource_uri, d.old_capacity, d.new_capacity
            ),
            reason: d.reason.clone(),
        }
    }
}

mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    pub(super) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}
