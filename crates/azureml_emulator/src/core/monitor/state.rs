//! What the monitor persists with the workspace: autoscale settings and their activity log.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::autoscale::AutoscaleActivity;

/// An autoscale setting as stored (the resource as answered).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredSetting {
    /// Creation order.
    pub(crate) seq: u64,
    /// The resource group as first written.
    pub(crate) resource_group: String,
    pub(crate) name: String,
    pub(crate) resource: Value,
}

/// The monitor's part of [`WorkspaceState`](crate::core::WorkspaceState).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct MonitorState {
    /// Settings keyed `"{resource group}/{name}"`, lower-case (ARM names are case-insensitive).
    #[serde(default)]
    pub(crate) autoscale: BTreeMap<String, StoredSetting>,
    /// Scale actions, oldest first, at most [`MAX_ACTIVITY`](super::autoscale::MAX_ACTIVITY).
    #[serde(default)]
    pub(crate) activity: VecDeque<AutoscaleActivity>,
    #[serde(default)]
    pub(crate) seq: u64,
}

impl MonitorState {
    pub(crate) fn key(resource_group: &str, name: &str) -> String {
        format!("{}/{}", resource_group.to_lowercase(), name.to_lowercase())
    }
}
