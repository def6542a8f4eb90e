//! Which service a URL addresses, and which ARM resource a path names.

use percent_encoding::percent_decode_str;
use url::Url;

use super::arm::arm_error;
use super::{CoreConfig, CoreResponse, HostKind};

/// `host[:port]` of a URL.
pub(crate) fn host_of(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// Decides the service from the logical host (and, for an emulator serving everything on one
/// host, from the path prefixes configured in [`CoreConfig`]).
pub(crate) fn classify_host(config: &CoreConfig, url: &Url) -> HostKind {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() >= 3 && host.contains(".inference.") {
        return HostKind::Scoring {
            endpoint: labels[0].to_owned(),
        };
    }
    if labels.len() >= 3 && labels[1] == "blob" {
        return HostKind::Blob {
            account: labels[0].to_owned(),
        };
    }
    if let Some(base) = &config.scoring_base {
        if same_origin(base, url) {
            let prefix = format!("{}/endpoints/", base.path().trim_end_matches('/'));
            if let Some(rest) = url.path().strip_prefix(&prefix) {
                let name = rest.split('/').next().unwrap_or_default();
                return HostKind::Scoring {
                    endpoint: decode(name),
                };
            }
        }
    }
    if let Some(base) = &config.blob_endpoint {
        if same_origin(base, url) && blob_path(config, url).is_some() {
            return HostKind::Blob {
                account: config.storage_account.clone(),
            };
        }
    }
    HostKind::Arm
}

/// `(container, blob name)` of a blob URL (decoded); the blob name is empty for container-level
/// requests. `None` for an ARM path on a shared host.
///
/// Three forms reach the same blobs: the account host (`https://{account}.blob.{suffix}/{container}/…`,
/// as Azure and Python's azure-ai-ml address them), and on the path-style blob endpoint both
/// the container path the workspace hands out (`{blob_endpoint}/{container}/…`) and Azurite's
/// account path (`{blob_endpoint}/{account}/{container}/…`, what storage tools configured with an
/// emulator connection string send). A container named like the storage account would be
/// ambiguous on the path-style endpoint; the account reading wins there, as in Azurite.
pub(crate) fn blob_path(config: &CoreConfig, url: &Url) -> Option<(String, String)> {
    let mut path = url.path();
    if let Some(base) = &config.blob_endpoint {
        if same_origin(base, url) {
            let prefix = base.path().trim_end_matches('/');
            path = path.strip_prefix(prefix)?;
            let trimmed = path.trim_start_matches('/');
            let (first, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
            if !rest.is_empty() && decode(first).eq_ignore_ascii_case(&config.storage_account) {
                path = rest;
            }
        }
    }
    let path = path.trim_start_matches('/');
    let (container, blob) = path.split_once('/').unwrap_or((path, ""));
    let reserved = ["subscriptions", "providers", "endpoints", ""];
    if reserved.contains(&container.to_ascii_lowercase().as_str()) {
        return None;
    }
    Some((decode(container), decode(blob)))
}

pub(crate) fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The asset families that share the container/version shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssetKind {
    Models,
    Environments,
    Codes,
    Data,
}

impl AssetKind {
    fn parse(segment: &str) -> Option<Self> {
        match segment.to_ascii_lowercase().as_str() {
            "models" => Some(Self::Models),
            "environments" => Some(Self::Environments),
            "codes" => Some(Self::Codes),
            "data" => Some(Self::Data),
            _ => None,
        }
    }

    /// The path segment (and resource type suffix).
    pub(crate) fn segment(self) -> &'static str {
        match self {
            Self::Models => "models",
            Self::Environments => "environments",
            Self::Codes => "codes",
            Self::Data => "data",
        }
    }
}

/// An ARM resource (or collection, or action) of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ArmRoute {
    Workspace,
    AssetContainers(AssetKind),
    AssetContainer(AssetKind, String),
    AssetVersions(AssetKind, String),
    AssetVersion(AssetKind, String, String),
    AssetVersionAction(AssetKind, String, String, String),
    Datastores,
    Datastore(String),
    DatastoreAction(String, String),
    Endpoints,
    Endpoint(String),
    EndpointAction(String, String),
    Deployments(String),
    Deployment(String, String),
    DeploymentAction(String, String, String),
    OperationStatus(String),
    OperationResult(String),
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Parses an ARM path of this workspace; a 404 ARM error naming the path otherwise.
pub(crate) fn parse_arm(
    config: &CoreConfig,
    method: &str,
    path: &str,
) -> Result<ArmRoute, CoreResponse> {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let unknown = || {
        arm_error(
            404,
            "NotFound",
            format!("The fake workspace has no route for {method} {path}"),
        )
    };
    if s.len() < 2 || !eq(s[0], "subscriptions") {
        return Err(unknown());
    }
    if !eq(s[1], &config.subscription_id) {
        return Err(arm_error(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{}' could not be found.", s[1]),
        ));
    }
    // Operation status / result URLs live at subscription scope.
    if let [_, _, p, ns, loc, _, kind, id] = s.as_slice() {
        if eq(p, "providers") && eq(ns, "Microsoft.MachineLearningServices") && eq(loc, "locations")
        {
            if eq(kind, "mfeOperationsStatus") {
                return Ok(ArmRoute::OperationStatus((*id).to_owned()));
            }
            if eq(kind, "mfeOperationResults") {
                return Ok(ArmRoute::OperationResult((*id).to_owned()));
            }
        }
    }
    if s.len() < 8
        || !eq(s[2], "resourceGroups")
        || !eq(s[4], "providers")
        || !eq(s[5], "Microsoft.MachineLearningServices")
        || !eq(s[6], "workspaces")
    {
        return Err(unknown());
    }
    if !eq(s[3], &config.resource_group) || !eq(s[7], &config.workspace_name) {
        return Err(arm_error(
            404,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.MachineLearningServices/workspaces/{}' under resource group '{}' was not found.",
                s[7], s[3]
            ),
        ));
    }
    let rest = &s[8..];
    let own = |x: &str| x.to_owned();
    let route = match rest {
        [] => ArmRoute::Workspace,
        [k] if eq(k, "datastores") => ArmRoute::Datastores,
        [k, n] if eq(k, "datastores") => ArmRoute::Datastore(own(n)),
        [k, n, a] if eq(k, "datastores") => ArmRoute::DatastoreAction(own(n), own(a)),
        [k] if eq(k, "onlineEndpoints") => ArmRoute::Endpoints,
        [k, n] if eq(k, "onlineEndpoints") => ArmRoute::Endpoint(own(n)),
        [k, n, d] if eq(k, "onlineEndpoints") && eq(d, "deployments") => {
            ArmRoute::Deployments(own(n))
        }
        [k, n, a] if eq(k, "onlineEndpoints") => ArmRoute::EndpointAction(own(n), own(a)),
        [k, n, d, m] if eq(k, "onlineEndpoints") && eq(d, "deployments") => {
            ArmRoute::Deployment(own(n), own(m))
        }
        [k, n, d, m, a] if eq(k, "onlineEndpoints") && eq(d, "deployments") => {
            ArmRoute::DeploymentAction(own(n), own(m), own(a))
        }
        [k] => match AssetKind::parse(k) {
            Some(kind) => ArmRoute::AssetContainers(kind),
            None => return Err(unknown()),
        },
        [k, n] => match AssetKind::parse(k) {
            Some(kind) => ArmRoute::AssetContainer(kind, own(n)),
            None => return Err(unknown()),
        },
        [k, n, v] if eq(v, "versions") => match AssetKind::parse(k) {
            Some(kind) => ArmRoute::AssetVersions(kind, own(n)),
            None => return Err(unknown()),
        },
        [k, n, v, ver] if eq(v, "versions") => match AssetKind::parse(k) {
            Some(kind) => ArmRoute::AssetVersion(kind, own(n), own(ver)),
            None => return Err(unknown()),
        },
        [k, n, v, ver, a] if eq(v, "versions") => match AssetKind::parse(k) {
            Some(kind) => ArmRoute::AssetVersionAction(kind, own(n), own(ver), own(a)),
            None => return Err(unknown()),
        },
        _ => return Err(unknown()),
    };
    Ok(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CoreConfig {
        CoreConfig::default()
    }

    #[test]
    fn parses_workspace_children() {
        let ws = config().workspace_id();
        let c = config();
        assert_eq!(parse_arm(&c, "GET", &ws), Ok(ArmRoute::Workspace));
        assert_eq!(
            parse_arm(
                &c,
                "PUT",
                &format!("{ws}/onlineEndpoints/e1/deployments/blue")
            ),
            Ok(ArmRoute::Deployment("e1".into(), "blue".into()))
        );
        assert_eq!(
            parse_arm(&c, "POST", &format!("{ws}/onlineEndpoints/e1/listKeys")),
            Ok(ArmRoute::EndpointAction("e1".into(), "listKeys".into()))
        );
        assert_eq!(
            parse_arm(&c, "GET", &format!("{ws}/codes/x/versions")),
            Ok(ArmRoute::AssetVersions(AssetKind::Codes, "x".into()))
        );
        let op = format!(
            "/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/abc",
            c.subscription_id
        );
        assert_eq!(
            parse_arm(&c, "GET", &op),
            Ok(ArmRoute::OperationStatus("abc".into()))
        );
    }

    #[test]
    fn unknown_routes_and_other_workspaces_are_404() {
        let c = config();
        let ws = c.workspace_id();
        let err = parse_arm(&c, "GET", &format!("{ws}/computes/x")).unwrap_err();
        assert_eq!(err.status, 404);
        assert!(String::from_utf8_lossy(&err.body).contains("/computes/x"));
        let other = ws.replace("ml-workspace-production", "other-ws");
        assert_eq!(parse_arm(&c, "GET", &other).unwrap_err().status, 404);
    }

    #[test]
    fn classifies_hosts() {
        let c = config();
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            classify_host(&c, &u("https://ep1.eastus.inference.ml.azure.com/score")),
            HostKind::Scoring {
                endpoint: "ep1".into()
            }
        );
        assert_eq!(
            classify_host(&c, &u("https://acct.blob.core.windows.net/c/x")),
            HostKind::Blob {
                account: "acct".into()
            }
        );
        assert_eq!(
            classify_host(&c, &u("https://management.azure.com/subscriptions/x")),
            HostKind::Arm
        );
    }

    #[test]
    fn path_style_hosts_for_emulators() {
        let mut c = config();
        c.arm_base = Url::parse("https://127.0.0.1:8443/").unwrap();
        c.blob_endpoint = Some(Url::parse("https://127.0.0.1:8443/blob/").unwrap());
        c.scoring_base = Some(Url::parse("https://127.0.0.1:8443/").unwrap());
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            classify_host(&c, &u("https://127.0.0.1:8443/endpoints/ep/score")),
            HostKind::Scoring {
                endpoint: "ep".into()
            }
        );
        assert_eq!(
            classify_host(&c, &u("https://127.0.0.1:8443/blob/cont/a/b.txt")),
            HostKind::Blob {
                account: c.storage_account.clone()
            }
        );
        assert_eq!(
            blob_path(&c, &u("https://127.0.0.1:8443/blob/cont/a/b%20c.txt")),
            Some(("cont".into(), "a/b c.txt".into()))
        );
        assert_eq!(
            classify_host(&c, &u("https://127.0.0.1:8443/subscriptions/x")),
            HostKind::Arm
        );
    }

    #[test]
    fn every_blob_form_reaches_the_same_blob() {
        let mut c = config();
        let base = Url::parse("https://127.0.0.1:8443/").unwrap();
        c.arm_base = base.clone();
        c.blob_endpoint = Some(base.clone());
        c.scoring_base = Some(base);
        c.storage_suffix = "core.localhost:8443".into();
        let account = c.storage_account.clone();
        let u = |s: &str| Url::parse(s).unwrap();
        let want = Some(("cont".to_owned(), "a/b.txt".to_owned()));
        for form in [
            format!("https://{account}.blob.core.localhost:8443/cont/a/b.txt"),
            "https://127.0.0.1:8443/cont/a/b.txt".to_owned(),
            format!("https://127.0.0.1:8443/{account}/cont/a/b.txt"),
        ] {
            let url = u(&form);
            assert_eq!(
                classify_host(&c, &url),
                HostKind::Blob {
                    account: account.clone()
                },
                "{form}"
            );
            assert_eq!(blob_path(&c, &url), want, "{form}");
        }
        // Container-level requests in Azurite's form keep the container.
        assert_eq!(
            blob_path(
                &c,
                &u(&format!(
                    "https://127.0.0.1:8443/{account}/cont?restype=container"
                ))
            ),
            Some(("cont".to_owned(), String::new()))
        );
        // On the account host the first segment is always the container.
        assert_eq!(
            blob_path(
                &c,
                &u(&format!(
                    "https://{account}.blob.core.localhost:8443/{account}/x"
                ))
            ),
            Some((account.clone(), "x".to_owned()))
        );
    }
}
