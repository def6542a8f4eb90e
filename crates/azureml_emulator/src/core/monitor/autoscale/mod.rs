//! Autoscale settings (`Microsoft.Insights/autoscalesettings`): the ARM resource, Azure's
//! validation, the sans-IO evaluator and the activity log of scale actions; and deployments'
//! own `TargetUtilization` scale settings.

mod activity;
mod api;
mod apply;
mod evaluate;
mod json;
pub(crate) mod parse;
mod schedule;
mod spec;
mod target_utilization;
#[cfg(test)]
mod tests;

pub use activity::AutoscaleActivity;
pub use evaluate::{evaluate, ScaleDecision, ScaleDirection};
pub use spec::AutoscaleSettingSpec;
pub use target_utilization::{SCALE_DOWN_STABILIZATION, UTILIZATION_WINDOW};
