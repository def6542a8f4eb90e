//! `GET {resource}/providers/Microsoft.Insights/metrics` and `…/metricDefinitions` for the
//! workspace's online endpoints and deployments, answered from the recorder.

mod answer;
pub(crate) mod catalog;
mod definitions;
pub(crate) mod filter;
pub(crate) mod query;
pub(crate) mod series;

use catalog::Scope;

use crate::core::arm;
use crate::core::{CoreRequest, CoreResponse, WorkspaceCore};

impl WorkspaceCore {
    /// Answers a metrics (`definitions == false`) or metric definitions request for the
    /// resource `resource` (the path before `/providers/Microsoft.Insights`).
    pub(crate) fn handle_metrics(
        &mut self,
        resource: &str,
        definitions: bool,
        request: &CoreRequest,
    ) -> CoreResponse {
        if request.method != "GET" {
            return arm::method_not_allowed(request);
        }
        let Some((endpoint, deployment)) = self.find_ml_resource(resource) else {
            return arm::not_found(format!(
                "The Resource '{resource}' was not found: metrics are served for the online endpoints and deployments of this workspace."
            ));
        };
        let scope = if deployment.is_some() {
            Scope::Deployment
        } else {
            Scope::Endpoint
        };
        if definitions {
            return arm::ok_json(200, &definitions::definitions(scope, resource));
        }
        let query = match query::Query::parse(request, self.monitor.clock.now()) {
            Ok(q) => q,
            Err(message) => return arm::bad_request(message),
        };
        let target = answer::Target {
            scope,
            endpoint: &endpoint,
            deployment: deployment.as_deref(),
            resource_id: resource,
            location: &self.config.location,
        };
        match answer::answer(&query, &target, &self.monitor.recorder) {
            Ok(body) => arm::ok_json(200, &body),
            Err(message) => arm::bad_request(message),
        }
    }
}
