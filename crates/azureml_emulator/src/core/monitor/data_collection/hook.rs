//! The core's own scoring path (the fake workspace's): every answer of the stand-in model is
//! recorded for the metrics API and, when the deployment collects data, turned into collected
//! records.

use time::OffsetDateTime;

use super::config::DataCollectionConfig;
use super::records::ScoringExchange;
use crate::core::monitor::RequestStatus;
use crate::core::{CoreRequest, ScoreResponse, ScoreTarget, WorkspaceCore};

/// The `instance_id` of records the fake collects (it has one notional instance).
pub(crate) const FAKE_INSTANCE: &str = "fake-instance-0";

impl WorkspaceCore {
    /// Records an answered scoring request (called by the scoring path after the model
    /// answered); returns the request id the answer carries in `x-request-id`, which the
    /// collected records share as their correlation id.
    pub(crate) fn observe_score(
        &mut self,
        target: &ScoreTarget,
        request: &CoreRequest,
        answer: &ScoreResponse,
        started: OffsetDateTime,
    ) -> String {
        let request_id = uuid::Uuid::new_v4().to_string();
        let elapsed = self.monitor.clock.now() - started;
        let latency = answer
            .latency
            .unwrap_or_else(|| std::time::Duration::try_from(elapsed).unwrap_or_default());
        let (endpoint, deployment) = (target.endpoint.as_str(), target.deployment.as_str());
        let recorder = self.monitor.recorder.clone();
        recorder.record_request(
            endpoint,
            deployment,
            RequestStatus::Model(answer.status),
            latency,
            started,
        );
        let Some(config) = self
            .deployment(endpoint, deployment)
            .and_then(DataCollectionConfig::from_deployment)
        else {
            return request_id;
        };
        let index = self
            .monitor
            .request_index
            .entry(format!("{endpoint}/{deployment}"))
            .or_insert(0);
        let k = *index;
        *index = index.saturating_add(1);
        let source = format!(
            "{}/onlineEndpoints/{endpoint}/deployments/{deployment}",
            self.config.workspace_id()
        );
        let path = match request.url.query() {
            Some(q) => format!("/score?{q}"),
            None => "/score".to_owned(),
        };
        let response_type = crate::core::header_value(&answer.headers, "content-type");
        let exchange = ScoringExchange {
            endpoint,
            deployment,
            source: &source,
            correlation_id: &request_id,
            method: &request.method,
            path: &path,
            request_body: &request.body,
            request_content_type: request.header("content-type"),
            response_body: &answer.body,
            response_content_type: response_type,
            time: started,
            instance_id: FAKE_INSTANCE,
        };
        let records = config.records(&exchange, self.monitor.seed, k);
        let events = u32::try_from(records.len()).unwrap_or(u32::MAX);
        if events > 0 {
            recorder.record_data_collection(endpoint, deployment, events, 0, started);
        }
        self.monitor.collected.extend(records);
        request_id
    }
}
