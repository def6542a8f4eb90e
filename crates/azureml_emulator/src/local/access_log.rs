//! The access log: one JSON line per request (time, method, host, path, service, status, ms,
//! request id) appended to `access.jsonl` in the workspace folder and, when asked, printed on
//! stderr.
//!
//! Secrets never reach it: headers are not logged at all (keys, tokens and SharedKey
//! signatures travel there), and of the query only parameters known to be harmless are kept
//! (`api-version`, `comp`, `restype`, `hash`, …); SAS parameters (`sig`, `se`, `sp`, …) and
//! anything else are dropped. Every answer carries the logged id in `x-ms-request-id` (the one
//! the core chose, or a new one), so a client's error report can be matched with its line.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::core::ORIGINAL_HOST_HEADER;
use crate::error::{Error, Result};

/// File name of the access log inside the workspace folder.
pub const ACCESS_LOG_FILE: &str = "access.jsonl";

/// The log is moved to `access.jsonl.1` (replacing the previous one) past this size.
const ROTATE_AT: u64 = 64 * 1024 * 1024;

/// Query parameters whose values are never secret (compared case-insensitively); every other
/// parameter is left out of the logged path.
const SAFE_QUERY: &[&str] = &[
    "api-version",
    // ARM lists and asset lookups.
    "$top",
    "$skip",
    "$orderby",
    "orderby",
    "listviewtype",
    "hash",
    "hashversion",
    "isdefault",
    "count",
    "stage",
    // Blob service operations.
    "comp",
    "restype",
    "blockid",
    "blocklisttype",
    "prefix",
    "delimiter",
    "include",
    "maxresults",
    "timeout",
    // Azure Monitor metrics.
    "metricnames",
    "metricnamespace",
    "timespan",
    "interval",
    "aggregation",
];

/// Where access log lines go.
pub(crate) struct AccessLog {
    path: PathBuf,
    file: Mutex<File>,
    written: AtomicU64,
    stderr: bool,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog")
            .field("path", &self.path)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

fn open_append(path: &Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

impl AccessLog {
    /// Appends to `access.jsonl` in `dir`; also to stderr when `stderr` is set.
    pub(crate) fn open(dir: &Path, stderr: bool) -> Result<Arc<Self>> {
        let path = dir.join(ACCESS_LOG_FILE);
        let file = open_append(&path)?;
        let written = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Arc::new(Self {
            path,
            file: Mutex::new(file),
            written: AtomicU64::new(written),
            stderr,
        }))
    }

    /// Writes one line (with its newline) in a single write, so lines of concurrent requests
    /// never interleave. A full disk loses log lines, never requests.
    fn write_line(&self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        {
            let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
            let total = self
                .written
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if total >= ROTATE_AT {
                self.rotate(&mut file, bytes.len() as u64);
            }
            if let Err(e) = file.write_all(&bytes) {
                tracing::warn!("access log {}: {e}", self.path.display());
            }
        }
        if self.stderr {
            let _ = std::io::stderr().lock().write_all(&bytes);
        }
    }

    /// Moves the full log aside and starts a new one, which `next` bytes will go to (the caller
    /// holds the file lock).
    fn rotate(&self, file: &mut File, next: u64) {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        let reopened = std::fs::rename(&self.path, &old).and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
        });
        match reopened {
            Ok(new) => {
                *file = new;
                self.written.store(next, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!("access log {}: rotation failed: {e}", self.path.display()),
        }
    }
}

/// The path and query as logged: the query reduced to [`SAFE_QUERY`] parameters.
pub(crate) fn loggable_path(path: &str, query: Option<&str>) -> String {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return path.to_owned();
    };
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if SAFE_QUERY.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
            kept.append_pair(&name, &value);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", kept.finish())
    } else {
        path.to_owned()
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Which service a request was for, as far as the log needs to tell (the core decides for
/// real): scoring on `/endpoints/`, ARM under `/subscriptions/`, Studio under `/studio`, blob
/// storage otherwise.
fn service_of(host: &str, path: &str) -> &'static str {
    let name = host.split(':').next().unwrap_or_default();
    if name.contains(".blob.") {
        "blob"
    } else if name.contains(".inference.") || path.starts_with("/endpoints/") {
        "scoring"
    } else if path.starts_with("/subscriptions/") || path.starts_with("/providers/") {
        "arm"
    } else if crate::local::studio::gate::is_studio_path(path) {
        "studio"
    } else {
        "blob"
    }
}

/// The middleware: times the request, makes sure the answer carries a request id, logs.
pub(crate) async fn record(
    State(log): State<Arc<AccessLog>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let time = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let method = request.method().as_str().to_owned();
    let path = loggable_path(request.uri().path(), request.uri().query());
    let headers = request.headers();
    let host = header(headers, ORIGINAL_HOST_HEADER)
        .or_else(|| header(headers, "host"))
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let client_id = header(headers, "x-ms-client-request-id").map(str::to_owned);
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let answered = header(response.headers(), "x-ms-request-id")
        .or_else(|| header(response.headers(), "x-request-id"))
        .map(str::to_owned);
    let request_id = match answered {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert("x-ms-request-id", value);
            }
            id
        }
    };
    let line = json!({
        "time": time,
        "method": method,
        "host": host,
        "path": path,
        "service": service_of(&host, path.split('?').next().unwrap_or_default()),
        "status": response.status().as_u16(),
        "ms": (ms * 1000.0).round() / 1000.0,
        "request_id": request_id,
        "client_request_id": client_id,
    });
    log.write_line(&line.to_string());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_harmless_query_parameters_are_logged() {
        let sas = "sv=2021-10-04&sr=c&sp=rcwl&se=2030-01-01T00%3A00%3A00Z&sig=AbC%2B%2Fsecret%3D&comp=block&blockid=QUFB";
        assert_eq!(
            loggable_path("/c/b.txt", Some(sas)),
            "/c/b.txt?comp=block&blockid=QUFB"
        );
        assert_eq!(
            loggable_path(
                "/subscriptions/x",
                Some("api-version=2025-12-01&code=s3cret&key=k")
            ),
            "/subscriptions/x?api-version=2025-12-01"
        );
        assert_eq!(loggable_path("/c/b", Some("sig=only")), "/c/b");
        assert_eq!(loggable_path("/c/b", None), "/c/b");
        assert_eq!(
            loggable_path("/codes/x/versions", Some("HASH=ab&hashVersion=202208")),
            "/codes/x/versions?HASH=ab&hashVersion=202208"
        );
    }

    #[test]
    fn services_are_told_apart() {
        assert_eq!(service_of("acct.blob.core.localhost:1", "/c/x"), "blob");
        assert_eq!(service_of("127.0.0.1:1", "/endpoints/e/score"), "scoring");
        assert_eq!(service_of("127.0.0.1:1", "/subscriptions/s"), "arm");
        assert_eq!(service_of("127.0.0.1:1", "/azureml-blobstore-x/f"), "blob");
        assert_eq!(service_of("127.0.0.1:1", "/studio"), "studio");
        assert_eq!(service_of("127.0.0.1:1", "/studio/endpoints/e"), "studio");
        assert_eq!(service_of("127.0.0.1:1", "/studios/x"), "blob");
    }

    #[test]
    fn lines_are_appended_and_rotated() {
        let dir = tempfile::tempdir().unwrap();
        let log = AccessLog::open(dir.path(), false).unwrap();
        log.write_line("{\"a\":1}");
        log.write_line("{\"a\":2}");
        let text = std::fs::read_to_string(dir.path().join(ACCESS_LOG_FILE)).unwrap();
        assert_eq!(text, "{\"a\":1}\n{\"a\":2}\n");
        log.written.store(ROTATE_AT, Ordering::Relaxed);
        log.write_line("{\"a\":3}");
        let rotated = std::fs::read_to_string(dir.path().join("access.jsonl.1")).unwrap();
        assert_eq!(rotated, text);
        let fresh = std::fs::read_to_string(dir.path().join(ACCESS_LOG_FILE)).unwrap();
        assert_eq!(fresh, "{\"a\":3}\n");
    }
}
