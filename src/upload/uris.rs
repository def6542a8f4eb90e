//! The URIs an asset records for what was uploaded.

use crate::ids::WorkspaceScope;

/// True for a path on this machine (as opposed to `azureml://…`, `https://…`, `runs:/…`): what
/// has to be uploaded before an asset can point at it.
pub(crate) fn is_local_path(path: &str) -> bool {
    !path.contains("://") && !path.starts_with("azureml:") && !path.starts_with("runs:/")
}

/// `azureml://subscriptions/{s}/resourcegroups/{rg}/workspaces/{ws}/datastores/{datastore}/paths/{path}`,
/// the form of a model's `modelUri` after an upload to a datastore (the `resourcegroups` key in
/// lower case, as Python writes it).
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

#[cfg(test)]
mod tests {
    use super::{datastore_uri, is_local_path};
    use crate::WorkspaceScope;

    #[test]
    fn datastore_uris_are_long_form() {
        let scope = WorkspaceScope {
            subscription_id: "sub".into(),
            resource_group: "rg".into(),
            workspace_name: "ws".into(),
        };
        assert_eq!(
            datastore_uri(&scope, "workspaceblobstore", "LocalUpload/abc/model.pkl"),
            "azureml://subscriptions/sub/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/LocalUpload/abc/model.pkl"
        );
    }

    #[test]
    fn tells_local_paths_from_uris() {
        assert!(is_local_path("./model/model.pkl"));
        assert!(is_local_path("/abs/model"));
        assert!(!is_local_path(
            "azureml://datastores/workspaceblobstore/paths/m"
        ));
        assert!(!is_local_path("https://acct.blob.core.windows.net/c/m.pkl"));
        assert!(!is_local_path("azureml:churn:1"));
        assert!(!is_local_path("runs:/abc/model"));
    }
}
