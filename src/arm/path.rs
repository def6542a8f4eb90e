//! [`ArmPath`]: where an ARM request goes, under the client's workspace or anywhere in ARM.
//!
//! Names are single path segments, each percent-encoded on its own, so a name can't inject path
//! pieces. An ARM id given whole ([`ArmPath::resource_id`]) keeps its slashes as separators,
//! which is what `{resource id}/providers/Microsoft.Insights/metrics` needs.

use azure_core::http::Url;

use crate::error::{Error, Result};
use crate::ids::WorkspaceScope;

/// What a path's segments are relative to.
// Paths outside the workspace (Azure Monitor autoscale settings, metrics of any resource) have
// no caller in the operation groups yet.
#[allow(dead_code)]
#[derive(Clone, Debug, PartialEq, Eq)]
enum Base {
    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`.
    Workspace,
    /// `/subscriptions/{s}` of the client.
    Subscription,
    /// The segments of an ARM id given whole (`subscriptions`, `{s}`, …).
    Id(Vec<String>),
}

/// A path in ARM, the api-version of its group and its query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ArmPath {
    base: Base,
    segments: Vec<String>,
    api_version: String,
    query: Vec<(String, String)>,
}

impl ArmPath {
    fn new<I, S>(base: Base, segments: I, api_version: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            base,
            segments: segments.into_iter().map(Into::into).collect(),
            api_version: api_version.to_owned(),
            query: Vec::new(),
        }
    }

    /// `segments` under the client's workspace (none: the workspace itself).
    pub(crate) fn workspace<I, S>(segments: I, api_version: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Base::Workspace, segments, api_version)
    }

    /// `segments` under the client's subscription, e.g. `resourceGroups/{rg}/providers/…`.
    #[allow(dead_code)] // see `Base`
    pub(crate) fn subscription<I, S>(segments: I, api_version: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Base::Subscription, segments, api_version)
    }

    /// An ARM id (`/subscriptions/…`) taken whole, its slashes kept as separators.
    ///
    /// # Errors
    /// [`Error::Validation`] on `resource_id` unless it starts with `/subscriptions/` and has
    /// only non-empty segments other than `.` and `..`, and no `?` or `#`.
    #[allow(dead_code)] // see `Base`
    pub(crate) fn resource_id(id: &str, api_version: &str) -> Result<Self> {
        let bad = |rule: &str| Error::validation("resource_id", format!("`{id}` {rule}"));
        let rest = id
            .strip_prefix("/subscriptions/")
            .ok_or_else(|| bad("must start with `/subscriptions/`"))?;
        if id.contains(['?', '#']) {
            return Err(bad("must not contain `?` or `#`"));
        }
        let mut segments = vec!["subscriptions".to_owned()];
        for segment in rest.trim_end_matches('/').split('/') {
            if segment.is_empty() || segment == "." || segment == ".." {
                return Err(bad("has an empty, `.` or `..` segment"));
            }
            segments.push(segment.to_owned());
        }
        Ok(Self::new(
            Base::Id(segments),
            Vec::<String>::new(),
            api_version,
        ))
    }

    /// This path with one more segment (a child, or an action such as `listKeys`).
    pub(crate) fn join(&self, segment: &str) -> Self {
        let mut next = self.clone();
        next.segments.push(segment.to_owned());
        next
    }

    /// This path with a query parameter (after `api-version`).
    pub(crate) fn with_query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The api-version requests to this path carry.
    pub(crate) fn api_version(&self) -> &str {
        &self.api_version
    }

    /// `{endpoint}/{base}/{segments…}?api-version={v}&{query…}`.
    pub(crate) fn url(&self, endpoint: &Url, scope: &WorkspaceScope) -> Url {
        let mut url = endpoint.clone();
        // A URL with a host always has path segments; the ARM endpoint has one.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            match &self.base {
                Base::Workspace => {
                    path.extend([
                        "subscriptions",
                        &scope.subscription_id,
                        "resourceGroups",
                        &scope.resource_group,
                        "providers",
                        "Microsoft.MachineLearningServices",
                        "workspaces",
                        &scope.workspace_name,
                    ]);
                }
                Base::Subscription => {
                    path.extend(["subscriptions", &scope.subscription_id]);
                }
                Base::Id(segments) => {
                    path.extend(segments);
                }
            }
            path.extend(self.segments.iter().filter(|s| !s.is_empty()));
        }
        url.set_query(None);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", &self.api_version);
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
        }
        url
    }
}

/// `url` with our `api-version` in place of any it carries (nextLinks carry the service's own,
/// sometimes a preview), its other query parameters kept.
pub(crate) fn with_api_version(mut url: Url, api_version: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "api-version")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear();
        q.append_pair("api-version", api_version);
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> WorkspaceScope {
        WorkspaceScope {
            subscription_id: "sub".into(),
            resource_group: "rg".into(),
            workspace_name: "ws".into(),
        }
    }

    fn arm() -> Url {
        Url::parse("https://management.azure.com/").unwrap()
    }

    #[test]
    fn workspace_paths_encode_each_name_on_its_own() {
        let path = ArmPath::workspace(["onlineEndpoints", "a/b?c"], "2025-12-01")
            .join("listKeys")
            .with_query("hash", "x y");
        assert_eq!(
            path.url(&arm(), &scope()).as_str(),
            "https://management.azure.com/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/a%2Fb%3Fc/listKeys?api-version=2025-12-01&hash=x+y"
        );
        assert_eq!(
            ArmPath::workspace(Vec::<String>::new(), "v")
                .url(&arm(), &scope())
                .path(),
            "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
        );
    }

    #[test]
    fn paths_outside_the_workspace() {
        let autoscale = ArmPath::subscription(
            [
                "resourceGroups",
                "other-rg",
                "providers",
                "Microsoft.Insights",
                "autoscalesettings",
                "scale",
            ],
            "2022-10-01",
        );
        assert_eq!(
            autoscale.url(&arm(), &scope()).as_str(),
            "https://management.azure.com/subscriptions/sub/resourceGroups/other-rg/providers/Microsoft.Insights/autoscalesettings/scale?api-version=2022-10-01"
        );
        let id = "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/ep/deployments/blue";
        let metrics = ArmPath::resource_id(id, "2023-10-01")
            .unwrap()
            .join("providers")
            .join("Microsoft.Insights")
            .join("metrics")
            .with_query("metricnames", "RequestsPerMinute");
        assert_eq!(
            metrics.url(&arm(), &scope()).as_str(),
            format!("https://management.azure.com{id}/providers/Microsoft.Insights/metrics?api-version=2023-10-01&metricnames=RequestsPerMinute")
        );
    }

    #[test]
    fn bad_resource_ids_are_validation_errors() {
        let bad = [
            "",
            "subscriptions/s",
            "/tenants/t",
            "/subscriptions/s//x",
            "/subscriptions/s/../t",
            "/subscriptions/s/x?y",
            "/subscriptions/s/x#y",
        ];
        crate::ids::assert_each_refused_on("resource_id", &bad, |b| ArmPath::resource_id(b, "v"));
    }

    #[test]
    fn next_links_get_our_api_version() {
        let next =
            Url::parse("https://management.azure.com/x?api-version=2099-preview&$skipToken=abc")
                .unwrap();
        assert_eq!(
            with_api_version(next, "2025-12-01").as_str(),
            "https://management.azure.com/x?api-version=2025-12-01&%24skipToken=abc"
        );
    }
}
