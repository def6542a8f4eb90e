//! The request log: what reached the workspace, with secrets reduced to their kind, and the
//! security violations (a credential shown to a host that must never see it).

use std::collections::VecDeque;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{CoreRequest, CredentialKind, HostKind};

/// At most this many requests are kept (oldest dropped first), so a long benchmark run can't
/// grow the log without bound.
const MAX_ENTRIES: usize = 100_000;

/// Body fields whose values are secrets; the log keeps a fingerprint instead.
const SECRET_FIELDS: &[&str] = &[
    "keyValue",
    "primaryKey",
    "secondaryKey",
    "key",
    "sasToken",
    "clientSecret",
    "accessToken",
    "certificate",
];

/// Query parameters whose values are secrets.
const SECRET_QUERY: &[&str] = &["sig"];

/// One logged request. Secrets never appear: `Authorization` is reduced to its scheme, SAS
/// signatures and secret body fields to `<redacted sha256:…>` fingerprints.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// 1-based arrival number.
    pub seq: u64,
    /// Upper-case method.
    pub method: String,
    /// The logical host (`management.azure.com`, `acct.blob.core.windows.net`, …).
    pub host: String,
    /// Which service the request was for.
    pub host_kind: HostKind,
    /// URL path (still percent-encoded).
    pub path: String,
    /// Decoded query parameters (secret values fingerprinted).
    pub query: Vec<(String, String)>,
    /// Headers; `Authorization` shows the scheme only.
    pub headers: Vec<(String, String)>,
    /// The credential the request carried.
    pub credential: CredentialKind,
    /// Body length in bytes.
    pub body_len: usize,
    /// The body, when it was JSON (secret fields fingerprinted).
    pub json: Option<Value>,
    /// The status the workspace answered (0 until answered).
    pub status: u16,
}

impl LoggedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        super::header_value(&self.headers, name)
    }

    /// The first query parameter named `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A credential sent to a host that must never see it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Violation {
    /// The offending request's `seq`.
    pub seq: u64,
    /// Method.
    pub method: String,
    /// Logical host.
    pub host: String,
    /// Path.
    pub path: String,
    /// What was presented.
    pub credential: CredentialKind,
    /// Which rule it broke.
    pub rule: String,
}

/// Requests and violations, in arrival order.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    violations: Vec<Violation>,
    next_seq: u64,
}

/// `<redacted sha256:{first 12 hex}>`: lets a test check *which* secret was sent without the
/// log holding it.
pub(crate) fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("<redacted sha256:{hex}>")
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(k)) {
                    if let Some(s) = v.as_str() {
                        *v = Value::String(fingerprint(s));
                        continue;
                    }
                }
                redact_json(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

impl RequestLog {
    /// Records a request; returns its `seq`.
    pub(crate) fn record(
        &mut self,
        request: &CoreRequest,
        kind: &HostKind,
        credential: CredentialKind,
    ) -> u64 {
        self.next_seq += 1;
        let headers = request
            .headers
            .iter()
            .map(|(n, v)| {
                if n.eq_ignore_ascii_case("authorization") {
                    let scheme = v.split(' ').next().unwrap_or_default();
                    (n.clone(), format!("{scheme} <redacted>"))
                } else {
                    (n.clone(), v.clone())
                }
            })
            .collect();
        let query = request
            .url
            .query_pairs()
            .map(|(k, v)| {
                if SECRET_QUERY.contains(&k.as_ref()) {
                    (k.into_owned(), fingerprint(&v))
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        let json = serde_json::from_slice::<Value>(&request.body)
            .ok()
            .map(|mut v| {
                redact_json(&mut v);
                v
            });
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
        }
        self.entries.push_back(LoggedRequest {
            seq: self.next_seq,
            method: request.method.clone(),
            host: request.host(),
            host_kind: kind.clone(),
            path: request.url.path().to_owned(),
            query,
            headers,
            credential,
            body_len: request.body.len(),
            json,
            status: 0,
        });
        self.next_seq
    }

    pub(crate) fn set_status(&mut self, seq: u64, status: u16) {
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = status;
        }
    }

    pub(crate) fn violation(
        &mut self,
        seq: u64,
        request: &CoreRequest,
        credential: CredentialKind,
        rule: &str,
    ) {
        tracing::warn!(
            host = %request.host(),
            path = request.url.path(),
            ?credential,
            rule,
            "credential sent to the wrong host"
        );
        self.violations.push(Violation {
            seq,
            method: request.method.clone(),
            host: request.host(),
            path: request.url.path().to_owned(),
            credential,
            rule: rule.to_owned(),
        });
    }

    /// Every logged request, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    /// Number of logged requests.
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// Number of logged requests matching `predicate`.
    pub fn count_where(&self, predicate: impl Fn(&LoggedRequest) -> bool) -> usize {
        self.entries.iter().filter(|e| predicate(e)).count()
    }

    /// The security violations seen so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.violations.clone()
    }

    /// Forgets every request and violation.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.violations.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn secrets_never_reach_the_log() {
        let url = Url::parse("https://a.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG").unwrap();
        let req = CoreRequest::new("PUT", url)
            .with_header("Authorization", "Bearer SECRETTOKEN")
            .with_body(r#"{"keyType":"Primary","keyValue":"SECRETKEY"}"#);
        let mut log = RequestLog::default();
        log.record(&req, &HostKind::Arm, CredentialKind::UnknownBearer);
        let text = format!("{:?}", log.requests());
        assert!(!text.contains("SECRET"), "{text}");
        let entry = &log.requests()[0];
        assert_eq!(entry.header("authorization"), Some("Bearer <redacted>"));
        assert_eq!(
            entry.json.as_ref().and_then(|j| j["keyValue"].as_str()),
            Some(fingerprint("SECRETKEY").as_str())
        );
        assert_eq!(entry.query("sv"), Some("1"));
    }
}
