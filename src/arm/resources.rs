//! Where the workspace's resources live, with the api-version of their group. (Versioned assets
//! build theirs from their kind, in `operations::assets`.)

use super::{ApiVersions, ArmPath};

/// The workspace itself.
pub(crate) fn workspace(api: &ApiVersions) -> ArmPath {
    ArmPath::workspace(Vec::<String>::new(), &api.workspaces)
}

/// `onlineEndpoints`.
pub(crate) fn online_endpoints(api: &ApiVersions) -> ArmPath {
    ArmPath::workspace(["onlineEndpoints"], &api.online_endpoints)
}

/// `onlineEndpoints/{name}`.
pub(crate) fn online_endpoint(api: &ApiVersions, name: &str) -> ArmPath {
    ArmPath::workspace(["onlineEndpoints", name], &api.online_endpoints)
}

/// `onlineEndpoints/{endpoint}/deployments`.
pub(crate) fn online_deployments(api: &ApiVersions, endpoint: &str) -> ArmPath {
    ArmPath::workspace(
        ["onlineEndpoints", endpoint, "deployments"],
        &api.online_deployments,
    )
}

/// `onlineEndpoints/{endpoint}/deployments/{name}`.
pub(crate) fn online_deployment(api: &ApiVersions, endpoint: &str, name: &str) -> ArmPath {
    online_deployments(api, endpoint).join(name)
}

/// `datastores`.
pub(crate) fn datastores(api: &ApiVersions) -> ArmPath {
    ArmPath::workspace(["datastores"], &api.datastores)
}

/// `datastores/{name}`.
pub(crate) fn datastore(api: &ApiVersions, name: &str) -> ArmPath {
    datastores(api).join(name)
}
