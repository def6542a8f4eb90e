//! How hard a scoring client tries: retries, waits and time limits. The client and the wire
//! under it both read them; this file uses neither.

use std::time::Duration;

use super::retry::Backoff;

/// Default time limit of one scoring request, answer body included: the scoring gateway ends a
/// request itself after its deployment's `request_timeout_ms` (at most three minutes).
pub const DEFAULT_SCORING_TIMEOUT: Duration = Duration::from_secs(180);

/// How hard a scoring client tries.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoringLimits {
    /// Retries after 429/503 and failed connections.
    pub(crate) max_retries: u32,
    /// Longest wait between two tries, whatever `Retry-After` asks.
    pub(crate) max_retry_delay: Duration,
    /// Time limit of one try; `None`: no limit.
    pub(crate) timeout: Option<Duration>,
    /// No retry (nor the wait before it) runs past this much time after the first try.
    pub(crate) retry_budget: Duration,
    /// The wait before a retry when the server names none.
    pub(crate) backoff: Backoff,
}

impl Default for ScoringLimits {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_retry_delay: Duration::from_secs(60),
            timeout: Some(DEFAULT_SCORING_TIMEOUT),
            retry_budget: Duration::from_secs(15),
            backoff: Backoff::default(),
        }
    }
}
