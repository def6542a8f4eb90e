//! The cached scoring target: URI, pre-built `Authorization` header, refresh deadlines.
//!
//! Reads are an `ArcSwap` load (no lock, no contention between invokes); refreshes are serialized
//! by one async mutex so that, however many invokes find the credentials stale at once, the
//! source is asked once and everyone else waits for that answer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use reqwest::header::HeaderValue;
use time::OffsetDateTime;
use url::Url;

use super::target::{ScoringAuth, ScoringTarget, ScoringTargetSource};
use crate::error::{Error, Result};
use crate::http::direct::{DirectClient, HostPool};
use crate::redirect::redirect_url;

/// Entra tokens (and AML tokens without `refreshAfterTimeUtc`) are refreshed this long before
/// they expire, so no request goes out with a token that dies in flight.
const EARLY_REFRESH: Duration = Duration::from_secs(300);

/// One resolved target, ready to send with.
pub(crate) struct Resolved {
    /// Bumped on every refresh; a 401 names the generation it was sent with.
    pub(crate) generation: u64,
    /// The scoring URI as the service gave it.
    pub(crate) scoring_uri: Url,
    /// Where requests physically go (differs from `scoring_uri` only with a redirect).
    pub(crate) send_url: Url,
    /// `x-azml-original-host` value when redirected.
    pub(crate) original_host: Option<HeaderValue>,
    /// `Bearer …`, marked sensitive; `None` for `ScoringAuth::None`.
    pub(crate) authorization: Option<HeaderValue>,
    /// `send_url`'s path and query (the HTTP/1.1 request target), parsed once.
    pub(crate) origin_form: http::Uri,
    /// `send_url` whole (HTTP/2 needs scheme and authority), parsed once.
    pub(crate) absolute: http::Uri,
    /// The direct client's connections to `send_url`'s origin; `None` when the client has no
    /// direct wire or a proxy applies (then `reqwest` sends).
    pub(crate) pool: Option<Arc<HostPool>>,
    /// Fetch fresh credentials after this instant (others keep using these meanwhile).
    refresh_at: Option<Instant>,
    /// Never send these credentials after this instant.
    expires_at: Option<Instant>,
    /// Kept so an Entra token can be renewed without asking the source again.
    auth: ScoringAuth,
}

impl Resolved {
    pub(crate) fn auth_mode(&self) -> &'static str {
        self.auth.mode()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Refresh {
    /// Ask the source again (first use, 401/403, AML token due).
    Full,
    /// Only renew the Entra token from the same credential.
    TokenOnly,
}

/// The per-client cache.
pub(crate) struct TargetCache {
    pub(crate) source: Arc<dyn ScoringTargetSource>,
    redirect: Option<Url>,
    direct: Option<Arc<DirectClient>>,
    current: ArcSwapOption<Resolved>,
    /// Held while a refresh runs; remembers the last failure so waiters share it.
    refresh: tokio::sync::Mutex<Option<(u64, Error)>>,
    /// Number of refresh attempts started.
    attempts: AtomicU64,
    generations: AtomicU64,
}

impl TargetCache {
    pub(crate) fn new(
        source: Arc<dyn ScoringTargetSource>,
        redirect: Option<Url>,
        direct: Option<Arc<DirectClient>>,
    ) -> Self {
        Self {
            source,
            redirect,
            direct,
            current: ArcSwapOption::empty(),
            refresh: tokio::sync::Mutex::new(None),
            attempts: AtomicU64::new(0),
            generations: AtomicU64::new(0),
        }
    }

    /// The cached target, if any (for `Debug`).
    pub(crate) fn peek(&self) -> Option<Arc<Resolved>> {
        self.current.load_full()
    }

    /// The target to send with now: the cached one while fresh, otherwise a refreshed one.
    pub(crate) async fn get(&self) -> Result<Arc<Resolved>> {
        let current = self.current.load_full();
        let Some(current) = current else {
            return self.refresh(None, Refresh::Full).await;
        };
        let Some(refresh_at) = current.refresh_at else {
            return Ok(current);
        };
        let now = Instant::now();
        if now < refresh_at {
            return Ok(current);
        }
        let kind = match current.auth {
            ScoringAuth::AadToken(..) => Refresh::TokenOnly,
            _ => Refresh::Full,
        };
        let still_valid = current.expires_at.is_none_or(|expiry| now < expiry);
        if !still_valid {
            return self.refresh(Some(current.generation), kind).await;
        }
        // Due for refresh but still valid: one caller refreshes, the others keep sending with
        // the current credentials instead of queueing behind it.
        match self.refresh.try_lock() {
            Ok(mut guard) => match self.run_refresh(&mut guard, kind, Some(&current)).await {
                Ok(fresh) => Ok(fresh),
                Err(e) => {
                    tracing::warn!(error = %e, "scoring credential refresh failed; using the current ones until they expire");
                    Ok(current)
                }
            },
            Err(_) => Ok(current),
        }
    }

    /// Replaces credentials the endpoint rejected (401/403) with freshly resolved ones.
    pub(crate) async fn refresh_after_rejection(&self, rejected: u64) -> Result<Arc<Resolved>> {
        self.refresh(Some(rejected), Refresh::Full).await
    }

    /// Refreshes unless someone already replaced generation `seen` while we waited for the lock;
    /// a failure of a refresh we waited for is shared rather than repeated.
    async fn refresh(&self, seen: Option<u64>, kind: Refresh) -> Result<Arc<Resolved>> {
        let attempts_before = self.attempts.load(Ordering::Acquire);
        let mut guard = self.refresh.lock().await;
        let current = self.current.load_full();
        if let Some(current) = &current {
            if Some(current.generation) != seen {
                return Ok(current.clone());
            }
        }
        if let Some((attempt, err)) = guard.as_ref() {
            if *attempt > attempts_before {
                return Err(err.replay());
            }
        }
        self.run_refresh(&mut guard, kind, current.as_ref()).await
    }

    async fn run_refresh(
        &self,
        failure: &mut Option<(u64, Error)>,
        kind: Refresh,
        current: Option<&Arc<Resolved>>,
    ) -> Result<Arc<Resolved>> {
        let attempt = self.attempts.fetch_add(1, Ordering::AcqRel) + 1;
        let target = match (kind, current) {
            (Refresh::TokenOnly, Some(current)) => Ok(ScoringTarget::new(
                current.scoring_uri.clone(),
                current.auth.clone(),
            )),
            _ => self.source.resolve().await,
        };
        let built = match target {
            Ok(target) => self.build(target).await,
            Err(e) => Err(e),
        };
        match built {
            Ok(resolved) => {
                let resolved = Arc::new(resolved);
                self.current.store(Some(resolved.clone()));
                *failure = None;
                Ok(resolved)
            }
            Err(e) => {
                *failure = Some((attempt, e.replay()));
                Err(e)
            }
        }
    }

    async fn build(&self, target: ScoringTarget) -> Result<Resolved> {
        check_scoring_uri(&target.scoring_uri)?;
        let (token, refresh_after, expires_on) = match &target.auth {
            ScoringAuth::Key(key) => (Some(key.secret().to_owned()), None, None),
            ScoringAuth::AmlToken {
                token,
                refresh_after,
                expires_on,
            } => (
                Some(token.secret().to_owned()),
                refresh_after.or_else(|| expires_on.map(|t| t - EARLY_REFRESH)),
                *expires_on,
            ),
            ScoringAuth::AadToken(credential, scope) => {
                let token = credential
                    .get_token(&[scope.as_str()], None)
                    .await
                    .map_err(|e| Error::Auth {
                        message: format!("could not get an Entra token for `{scope}`"),
                        source: Some(Box::new(e)),
                    })?;
                (
                    Some(token.token.secret().to_owned()),
                    Some(token.expires_on - EARLY_REFRESH),
                    Some(token.expires_on),
                )
            }
            ScoringAuth::None => (None, None, None),
        };
        let authorization = token
            .map(|t| bearer_header(&t, target.auth.mode()))
            .transpose()?;
        let mut send_url = target.scoring_uri.clone();
        let original_host = match &self.redirect {
            Some(base) => HeaderValue::from_str(&redirect_url(base, &mut send_url)).ok(),
            None => None,
        };
        let absolute: http::Uri = send_url
            .as_str()
            .parse()
            .map_err(|e| Error::validation("scoring_uri", format!("is not a valid URI: {e}")))?;
        let origin_form = match absolute.path_and_query() {
            Some(pq) => http::Uri::from(pq.clone()),
            None => http::Uri::from_static("/"),
        };
        let pool = self.direct.as_ref().and_then(|d| d.pool(&send_url));
        let now_wall = OffsetDateTime::now_utc();
        let now = Instant::now();
        Ok(Resolved {
            generation: self.generations.fetch_add(1, Ordering::AcqRel) + 1,
            scoring_uri: target.scoring_uri,
            send_url,
            original_host,
            authorization,
            origin_form,
            absolute,
            pool,
            refresh_at: refresh_after.map(|t| instant_of(t, now_wall, now)),
            expires_at: expires_on.map(|t| instant_of(t, now_wall, now)),
            auth: target.auth,
        })
    }
}

/// `Bearer <secret>` as a header value that `Debug` and HTTP/2 header compression keep private.
pub(crate) fn bearer_header(secret: &str, mode: &str) -> Result<HeaderValue> {
    let field = if mode == "key" { "key" } else { "token" };
    if secret.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {secret}")).map_err(|_| {
        Error::validation(field, "must be printable ASCII (it goes in an HTTP header)")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Scoring URIs must be `https`, or `http` on the local machine (local endpoints); a key sent
/// in clear text anywhere else would be readable on the network.
pub(crate) fn check_scoring_uri(uri: &Url) -> Result<()> {
    if uri.host().is_none() {
        return Err(Error::validation("scoring_uri", "must have a host"));
    }
    let local = crate::http::is_loopback(uri);
    match uri.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        _ => Err(Error::validation(
            "scoring_uri",
            "must be an https URL (http only for localhost)",
        )),
    }
}

/// The monotonic instant of wall-clock time `t` (now if `t` is past, never if unrepresentable).
fn instant_of(t: OffsetDateTime, now_wall: OffsetDateTime, now: Instant) -> Instant {
    let ahead = t - now_wall;
    if ahead.is_negative() {
        return now;
    }
    Duration::try_from(ahead)
        .ok()
        .and_then(|d| now.checked_add(d))
        .unwrap_or(now + Duration::from_secs(365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_uri_rules() {
        let ok = |s: &str| check_scoring_uri(&Url::parse(s).unwrap()).is_ok();
        assert!(ok("https://churn.eastus.inference.ml.azure.com/score"));
        assert!(ok("http://127.0.0.1:8080/score"));
        assert!(ok("http://localhost:5001/score"));
        assert!(ok("http://[::1]:5001/score"));
        assert!(!ok("http://churn.eastus.inference.ml.azure.com/score"));
        assert!(!ok("ftp://127.0.0.1/score"));
    }

    #[test]
    fn bearer_header_is_sensitive_and_checked() {
        let value = bearer_header("k3y", "key").unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Bearer k3y");
        let err = bearer_header("", "key").unwrap_err();
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "key"));
        let err = bearer_header("bad\nkey", "aml_token").unwrap_err();
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "token"));
        assert!(!err.to_string().contains("bad"));
    }

    #[test]
    fn past_times_are_now_and_future_times_are_ahead() {
        let wall = OffsetDateTime::now_utc();
        let now = Instant::now();
        assert_eq!(instant_of(wall - Duration::from_secs(60), wall, now), now);
        assert_eq!(
            instant_of(wall + Duration::from_secs(60), wall, now),
            now + Duration::from_secs(60)
        );
    }

    #[test]
    fn replay_keeps_service_fields() {
        let err = Error::Service {
            status: 403,
            code: Some("AuthorizationFailed".into()),
            message: "no".into(),
            target: None,
            details: Box::default(),
            request_id: Some("rid".into()),
        };
        let copy = err.replay();
        assert_eq!(copy.status(), Some(403));
        assert_eq!(copy.code(), Some("AuthorizationFailed"));
        assert_eq!(copy.to_string(), err.to_string());
    }
}
