//! One cached [`ScoringClient`] per endpoint of an `MLClient`, so that steady-state invokes
//! cost exactly one HTTP request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

use super::arm_target::{ArmScoring, ArmScoringSource};
use super::client::{ScoringClient, ScoringLimits};
use super::wire::ScoringHttp;

/// The per-endpoint scoring clients of one `MLClient`, sharing its HTTP settings.
pub(crate) struct ScoringClients {
    arm: ArmScoring,
    http: ScoringHttp,
    redirect: Option<Url>,
    limits: ScoringLimits,
    clients: Mutex<HashMap<String, ScoringClient>>,
}

impl std::fmt::Debug for ScoringClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoringClients")
            .field("arm", &self.arm)
            .finish_non_exhaustive()
    }
}

impl ScoringClients {
    /// No clients yet; each is created on first use with `http` (and `redirect`, for fakes).
    pub(crate) fn new(
        arm: ArmScoring,
        http: ScoringHttp,
        redirect: Option<Url>,
        limits: ScoringLimits,
    ) -> Self {
        Self {
            arm,
            http,
            redirect,
            limits,
            clients: Mutex::default(),
        }
    }

    /// ARM access for scoring (endpoint credentials by auth mode).
    pub(crate) fn arm(&self) -> &ArmScoring {
        &self.arm
    }

    /// The endpoint's scoring client, created on first use and kept for the client's life.
    pub(crate) fn get(&self, endpoint: &str) -> ScoringClient {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(endpoint.to_owned())
            .or_insert_with(|| {
                let source = Arc::new(ArmScoringSource {
                    arm: self.arm.clone(),
                    endpoint: endpoint.to_owned(),
                });
                ScoringClient::with_wire(
                    source,
                    self.http.wire(),
                    self.redirect.clone(),
                    self.http.limits(self.limits),
                )
            })
            .clone()
    }

    /// Drops the cached client of an endpoint (after updates, key changes, deletes).
    pub(crate) fn forget(&self, endpoint: &str) {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.remove(endpoint);
    }
}
