//! A stateful fake Azure ML workspace for your own tests (feature `testing`).
//!
//! The fake is the `azureml_emulator` crate's wiremock front: ARM, blob storage and scoring
//! URIs served from one port on 127.0.0.1, with state, long-running operations, SharedKey and
//! SAS checks and a request log. This module is the SDK's door to it: [`FakeWorkspaceExt`]
//! gives `fake.client()`, an [`MLClient`] whose requests keep their real, logical URLs (so the
//! real authentication decisions) and reach the fake through
//! [`MLClientOptions::redirect`](crate::MLClientOptions::redirect).
//!
//! ```no_run
//! # async fn f() -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt, ScoreResponse};
//!
//! let fake = FakeWorkspace::start().await;
//! // The stand-in for the model behind every scoring URI.
//! fake.on_score(|req| ScoreResponse::json(&serde_json::json!([1, 0])));
//! let ml_client = fake.client()?;
//! // … drive ml_client; then check what reached the workspace:
//! assert!(fake.violations().is_empty());
//! # Ok(()) }
//! ```
//!
//! Everything else the emulator offers (its sans-IO core, runtimes, fault injection types) is
//! under [`emulator`].

use std::time::Duration;

use azure_core::http::{FixedRetryOptions, RetryOptions};

use crate::{MLClient, MLClientOptions, Result};

/// The emulator crate, for what this module does not re-export.
pub use azureml_emulator as emulator;
pub use azureml_emulator::fake::{
    fake_access_token, CoreRequest, CredentialKind, FakeCredential, FakeWorkspace,
    FakeWorkspaceBuilder, HostKind, LoggedRequest, LroFailure, LroKind, RequestFailure,
    ScoreRequest, ScoreResponse, Violation, WorkspaceState,
};

/// `fake.client()`: the SDK side of a [`FakeWorkspace`].
pub trait FakeWorkspaceExt {
    /// Client options pointed at the fake: redirect to it, no waiting between polls, quick
    /// fixed retries (three, no delay).
    fn client_options(&self) -> MLClientOptions;

    /// An [`MLClient`] for this workspace with [`client_options`](Self::client_options) and the
    /// fake's credential (which records the scopes asked for).
    ///
    /// # Errors
    /// As [`MLClient::new`].
    fn client(&self) -> Result<MLClient> {
        self.client_with(self.client_options())
    }

    /// An [`MLClient`] for this workspace with `options` (the redirect is added when missing).
    ///
    /// # Errors
    /// As [`MLClient::new`].
    fn client_with(&self, options: MLClientOptions) -> Result<MLClient>;
}

impl FakeWorkspaceExt for FakeWorkspace {
    fn client_options(&self) -> MLClientOptions {
        let mut options = MLClientOptions::default()
            .with_redirect(self.uri())
            .with_polling_interval(Duration::ZERO);
        options.client_options.retry = RetryOptions::fixed(FixedRetryOptions {
            delay: azure_core::time::Duration::ZERO,
            max_retries: 3,
            ..FixedRetryOptions::default()
        });
        options
    }

    fn client_with(&self, mut options: MLClientOptions) -> Result<MLClient> {
        if options.redirect.is_none() {
            options.redirect = Some(self.uri());
        }
        MLClient::new(
            self.credential(),
            self.subscription_id(),
            self.resource_group(),
            self.workspace_name(),
            Some(options),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_redirect_header_is_the_one_the_emulator_reads() {
        assert_eq!(
            crate::redirect::ORIGINAL_HOST_HEADER,
            azureml_emulator::core::ORIGINAL_HOST_HEADER
        );
    }
}
