//! Scoring: sending requests to an online endpoint's scoring URI at wire speed.
//!
//! [`ScoringClient`] resolves the scoring URI and credentials once and then makes exactly one
//! HTTP request per invoke (Python's `online_endpoints.invoke()` makes three or four). It works
//! from an [`MLClient`](crate::MLClient) or on its own from a scoring URI and a key, for
//! services that only score and have no ARM rights.
//!
//! ```no_run
//! # async fn f() -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::invoke::{InvokeRequest, ScoringClient};
//! let uri = url::Url::parse("https://churn.eastus.inference.ml.azure.com/score").unwrap();
//! let scoring = ScoringClient::with_key(uri, "endpoint-key".to_owned())?;
//! let answer = scoring
//!     .invoke(InvokeRequest::file("sample-request.json").deployment("blue"))
//!     .await?;
//! println!("{}", answer.text()?);
//! # Ok(()) }
//! ```

mod arm_target;
mod cache;
mod client;
mod clients;
mod limits;
mod request;
mod response;
mod retry;
mod stream;
mod target;
mod wire;

pub(crate) use arm_target::ArmScoring;
pub use arm_target::EndpointCredentials;
pub use client::{ScoringClient, ScoringClientBuilder};
pub(crate) use clients::ScoringClients;
pub(crate) use limits::ScoringLimits;
pub use limits::DEFAULT_SCORING_TIMEOUT;
pub use request::{InvokeRequest, DEPLOYMENT_HEADER};
pub use response::{decode_scoring_json, InvokeResponse};
pub use stream::ResponseStream;
pub use target::{ScoringAuth, ScoringTarget, ScoringTargetSource};
pub(crate) use wire::ScoringHttp;
