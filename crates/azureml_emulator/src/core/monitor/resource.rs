//! Azure ML endpoint and deployment ARM ids, as the monitor sees them: metric sources, autoscale
//! targets.

/// `…/providers/Microsoft.MachineLearningServices/workspaces/{ws}/onlineEndpoints/{e}[/deployments/{d}]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MlResource {
    /// The workspace's ARM id (everything before `/onlineEndpoints`).
    pub(crate) workspace_id: String,
    pub(crate) endpoint: String,
    pub(crate) deployment: Option<String>,
}

/// Parses an online endpoint or deployment id (case-insensitive keywords, no trailing parts).
pub(crate) fn parse_ml_resource(id: &str) -> Option<MlResource> {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let at = segs.iter().position(|s| eq(s, "onlineEndpoints"))?;
    let head = segs.get(..at)?;
    let well_formed = head.len() == 8
        && eq(head.first()?, "subscriptions")
        && eq(head.get(2)?, "resourceGroups")
        && eq(head.get(4)?, "providers")
        && eq(head.get(5)?, "Microsoft.MachineLearningServices")
        && eq(head.get(6)?, "workspaces");
    if !well_formed {
        return None;
    }
    let endpoint = (*segs.get(at + 1)?).to_owned();
    let deployment = match segs.get(at + 2..)? {
        [] => None,
        [d, name] if eq(d, "deployments") => Some((*name).to_owned()),
        _ => return None,
    };
    Some(MlResource {
        workspace_id: format!("/{}", head.join("/")),
        endpoint,
        deployment,
    })
}

impl crate::core::WorkspaceCore {
    /// The stored name of an endpoint of this workspace (names compare case-insensitively).
    pub(crate) fn find_endpoint_name(&self, endpoint: &str) -> Option<String> {
        if self.state.endpoints.contains_key(endpoint) {
            return Some(endpoint.to_owned());
        }
        self.state
            .endpoints
            .keys()
            .find(|k| k.eq_ignore_ascii_case(endpoint))
            .cloned()
    }

    /// The stored endpoint and deployment names of an ARM id in this workspace, with the
    /// deployment `None` for an endpoint id; `None` when the id is not of an existing endpoint
    /// or deployment here.
    pub(crate) fn find_ml_resource(&self, id: &str) -> Option<(String, Option<String>)> {
        let parsed = parse_ml_resource(id)?;
        if !parsed
            .workspace_id
            .eq_ignore_ascii_case(&self.config.workspace_id())
        {
            return None;
        }
        let endpoint = self.find_endpoint_name(&parsed.endpoint)?;
        let Some(deployment) = parsed.deployment else {
            return Some((endpoint, None));
        };
        let record = self.state.endpoints.get(&endpoint)?;
        let name = record
            .deployments
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&deployment))?
            .clone();
        Some((endpoint, Some(name)))
    }

    /// Like [`find_ml_resource`](Self::find_ml_resource), for deployments only.
    pub(crate) fn find_ml_deployment(&self, id: &str) -> Option<(String, String)> {
        match self.find_ml_resource(id)? {
            (e, Some(d)) => Some((e, d)),
            (_, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

    #[test]
    fn endpoints_and_deployments_parse() {
        let e = parse_ml_resource(&format!("{WS}/onlineEndpoints/churn")).unwrap();
        assert_eq!(
            (e.workspace_id.as_str(), e.endpoint.as_str(), e.deployment),
            (WS, "churn", None)
        );
        let d = parse_ml_resource(&format!(
            "{}/ONLINEENDPOINTS/churn/Deployments/blue",
            WS.to_lowercase()
        ))
        .unwrap();
        assert_eq!(d.deployment.as_deref(), Some("blue"));
        for bad in [
            format!("{WS}/onlineEndpoints"),
            format!("{WS}/onlineEndpoints/e/deployments"),
            format!("{WS}/onlineEndpoints/e/other/x"),
            format!("{WS}/onlineEndpoints/e/deployments/d/more"),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/x".to_owned(),
            "/onlineEndpoints/e".to_owned(),
        ] {
            assert_eq!(parse_ml_resource(&bad), None, "{bad}");
        }
    }
}
