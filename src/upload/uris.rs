//! The URIs an asset records for what was uploaded.

use crate::ids::WorkspaceScope;

/// `azureml://subscriptions/{s}/resourcegroups/{rg}/workspaces/{ws}/datastores/{datastore}/paths/{path}`,
/// the form of a model's `modelUri` after an upload to a datastore (the `resourcegroups` key in
/// lower case, as Python writes it).
///
/// ```
/// use azure_ai_ml::upload::datastore_uri;
/// use azure_ai_ml::WorkspaceScope;
/// let scope = WorkspaceScope {
///     subscription_id: "sub".into(),
///     resource_group: "rg".into(),
///     workspace_name: "ws".into(),
/// };
/// assert_eq!(
///     datastore_uri(&scope, "workspaceblobstore", "LocalUpload/abc/model.pkl"),
///     "azureml://subscriptions/sub/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/LocalUpload/abc/model.pkl"
/// );
/// ```
pub fn datastore_uri(scope: &WorkspaceScope, datastore: &str, path: &str) -> String {
    format!(
        "azureml://subscriptions/{}/resourcegroups/{}/workspaces/{}/datastores/{}/paths/{}",
        scope.subscription_id,
        scope.resource_group,
        scope.workspace_name,
        datastore,
        path.trim_start_matches('/')
    )
}
