//! [`BlobContainer`]: one blob container and the handful of Blob REST operations an upload
//! needs (Put Blob, Put Block, Put Block List, Get Blob Properties, Set Blob Metadata, Create
//! Container).

use std::collections::BTreeMap;
use std::sync::Arc;

use azure_core::credentials::{AccessToken, Secret};
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::{Context, Method, Pipeline, PipelineSendOptions, Request, Url};
use bytes::Bytes;
use tokio::sync::Mutex;

use super::auth::{StorageAuth, STORAGE_SCOPE};
use super::errors::{redact, service_error};
use super::pipeline::StoragePipeline;
use super::shared_key;
use crate::error::{Error, Result};

/// The Blob service version this client speaks.
pub const STORAGE_API_VERSION: &str = "2025-01-05";

/// What [`BlobContainer::head_blob`] learns about an existing blob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlobProperties {
    /// Size in bytes.
    pub content_length: u64,
    /// ETag, as sent.
    pub etag: Option<String>,
    /// Base64 MD5 of the content, when the service knows it.
    pub content_md5: Option<String>,
    /// User metadata (`x-ms-meta-*`), names lower-cased.
    pub metadata: BTreeMap<String, String>,
}

/// A blob container reached through an `azure_core` pipeline that carries no ARM token; each
/// request is authorized with the container's own [`StorageAuth`].
///
/// Cheap to clone. Blob names are `/`-separated paths (e.g. `LocalUpload/<hash>/model.pkl`);
/// each segment is percent-encoded on the wire.
#[derive(Clone)]
pub struct BlobContainer {
    url: Url,
    auth: StorageAuth,
    pipeline: Pipeline,
    token: Arc<Mutex<Option<AccessToken>>>,
    request_timeout: std::time::Duration,
}

/// Default floor of a request's time limit (see [`BlobContainer::with_request_timeout`]).
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Slowest upload rate a request's time limit allows for on top of the floor (16 KiB/s).
const SLOWEST_BYTES_PER_SEC: u64 = 16 * 1024;

impl std::fmt::Debug for BlobContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobContainer")
            .field("url", &self.url.as_str())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn header(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

impl BlobContainer {
    /// A container of `client`'s storage pipeline (an [`MLClient`](crate::MLClient): no ARM token;
    /// retries, transport, the test redirect and extra root certificates as configured on it).
    ///
    /// `container_url` is `https://{account}.blob.{suffix}/{container}` (path-style URLs of an
    /// emulator work too), without a query: a SAS goes in `auth` (or use
    /// [`BlobContainer::from_sas_url`]).
    ///
    /// # Errors
    /// [`Error::Validation`] on `container_url` when it is not http(s), carries a query, or is
    /// plain http where that is not allowed: bearer tokens need https unless the client
    /// redirects to a test fake; SAS and Shared Key also accept http on a loopback host
    /// (emulators).
    pub fn new(
        client: &impl AsRef<StoragePipeline>,
        container_url: Url,
        auth: StorageAuth,
    ) -> Result<Self> {
        let storage = client.as_ref();
        Self::with_pipeline(
            storage.pipeline.clone(),
            container_url,
            auth,
            storage.redirected,
        )
    }

    /// A container from a SAS URL (`https://…/{container}?sv=…&sig=…`), as returned by
    /// `startPendingUpload` in `blobReferenceForConsumption.credential.sasUri`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `sas_url` when it does not parse or has no `sig`; otherwise as
    /// [`BlobContainer::new`].
    pub fn from_sas_url(client: &impl AsRef<StoragePipeline>, sas_url: &Secret) -> Result<Self> {
        let (url, auth) = split_sas_url(sas_url)?;
        Self::new(client, url, auth)
    }

    /// A container on any pipeline (for callers without an [`MLClient`](crate::MLClient)).
    ///
    /// The pipeline must not add an `Authorization` header or `x-ms-*` headers of its own after
    /// signing. `redirected` says the pipeline rewrites URLs to a local fake (allows plain
    /// http for every kind of auth).
    ///
    /// # Errors
    /// As [`BlobContainer::new`].
    pub fn with_pipeline(
        pipeline: Pipeline,
        container_url: Url,
        auth: StorageAuth,
        redirected: bool,
    ) -> Result<Self> {
        validate_container_url(&container_url, &auth, redirected)?;
        let mut url = container_url;
        // A trailing slash would make every blob URL contain `//`.
        if url.path().ends_with('/') && url.path() != "/" {
            let trimmed = url.path().trim_end_matches('/').to_owned();
            url.set_path(&trimmed);
        }
        Ok(Self {
            url,
            auth,
            pipeline,
            token: Arc::new(Mutex::new(None)),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        })
    }

    /// Sets the time limit of each request (retries included), before the allowance for its
    /// body: a request may take `timeout` plus one second per 16 KiB it sends. A request over
    /// its limit fails with [`Error::Transport`], so a connection that stalls can't hang an
    /// upload. Default: [`DEFAULT_REQUEST_TIMEOUT`].
    #[cfg(test)]
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// `https://{account}.blob.{storage_suffix}/{container}`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `account` / `container` when they break the storage naming rules.
    pub fn container_url(account: &str, container: &str, storage_suffix: &str) -> Result<Url> {
        if account.is_empty()
            || !account
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err(Error::validation(
                "account",
                "must be lower-case letters and digits",
            ));
        }
        let valid_container = (3..=63).contains(&container.len())
            && container
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !container.starts_with('-')
            && !container.ends_with('-')
            && !container.contains("--");
        if !valid_container {
            return Err(Error::validation(
                "container",
                "must be 3-63 lower-case letters, digits and single hyphens",
            ));
        }
        Url::parse(&format!(
            "https://{account}.blob.{storage_suffix}/{container}"
        ))
        .map_err(|e| Error::validation("storage_suffix", format!("does not make a URL: {e}")))
    }

    /// The container URL (never with a SAS).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL of blob `name` (never with a SAS).
    ///
    /// # Errors
    /// [`Error::Validation`] on `blob_name` when it is empty, longer than 1024 characters, or
    /// has an empty, `.` or `..` segment.
    pub fn blob_url(&self, name: &str) -> Result<Url> {
        validate_blob_name(name)?;
        let mut url = self.url.clone();
        url.path_segments_mut()
            .map_err(|_| Error::validation("container_url", "cannot be a base URL"))?
            .pop_if_empty()
            .extend(name.split('/'));
        Ok(url)
    }

    /// The authorization in use.
    pub(crate) fn auth(&self) -> &StorageAuth {
        &self.auth
    }

    /// Creates the container; `Ok(false)` when it already exists.
    ///
    /// # Errors
    /// [`Error::Service`] for any other refusal, [`Error::Transport`] without an answer.
    #[cfg(test)]
    pub async fn create_container(&self) -> Result<bool> {
        let rsp = self
            .send(
                Method::Put,
                None,
                &[("restype", "container")],
                Vec::new(),
                Bytes::new(),
                &[201, 409],
            )
            .await?;
        if rsp.status == 409 && rsp.error_code.as_deref() != Some("ContainerAlreadyExists") {
            return Err(rsp.into_error());
        }
        Ok(rsp.status == 201)
    }

    /// Properties and metadata of blob `name`, `None` when it does not exist.
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name, [`Error::Service`] for a refusal other than 404.
    pub async fn head_blob(&self, name: &str) -> Result<Option<BlobProperties>> {
        let rsp = self
            .send(
                Method::Head,
                Some(name),
                &[],
                Vec::new(),
                Bytes::new(),
                &[200, 404],
            )
            .await?;
        if rsp.status == 404 {
            return Ok(None);
        }
        let mut props = BlobProperties::default();
        for (key, value) in rsp.headers.iter() {
            let key = key.as_str().to_ascii_lowercase();
            let value = value.as_str();
            if let Some(meta) = key.strip_prefix("x-ms-meta-") {
                props.metadata.insert(meta.to_owned(), value.to_owned());
            } else if key == "content-length" {
                props.content_length = value.trim().parse().unwrap_or(0);
            } else if key == "etag" {
                props.etag = Some(value.to_owned());
            } else if key == "content-md5" {
                props.content_md5 = Some(value.to_owned());
            }
        }
        Ok(Some(props))
    }

    /// Uploads `body` as block blob `name` in one request, with `Content-MD5`.
    ///
    /// Without `overwrite` the request carries `If-None-Match: *`, and an existing blob makes it
    /// fail with HTTP 409 `BlobAlreadyExists`.
    ///
    /// # Errors
    /// [`Error::Service`] when the service refuses (409 as above, 400 `Md5Mismatch`, 403, …).
    pub async fn put_blob(&self, name: &str, body: Bytes, overwrite: bool) -> Result<()> {
        let mut headers = vec![
            (header("x-ms-blob-type"), "BlockBlob".to_owned()),
            (
                header("content-type"),
                "application/octet-stream".to_owned(),
            ),
            (header("content-md5"), md5_base64(&body)),
        ];
        if !overwrite {
            headers.push((header("if-none-match"), "*".to_owned()));
        }
        self.send(Method::Put, Some(name), &[], headers, body, &[201])
            .await
            .map(|_| ())
    }

    /// Stages one block of blob `name` (`PUT ?comp=block`), with `Content-MD5` when `md5` (the
    /// body's MD5, base64) is given.
    ///
    /// `block_id` is the base64 id; all ids of a blob must have the same length.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty `block_id`; [`Error::Service`] when refused.
    pub(crate) async fn put_block(
        &self,
        name: &str,
        block_id: &str,
        body: Bytes,
        md5: Option<String>,
    ) -> Result<()> {
        if block_id.is_empty() || block_id.len() > 88 {
            return Err(Error::validation(
                "block_id",
                "must be 1-88 base64 characters",
            ));
        }
        let headers = md5
            .map(|md5| vec![(header("content-md5"), md5)])
            .unwrap_or_default();
        self.send(
            Method::Put,
            Some(name),
            &[("comp", "block"), ("blockid", block_id)],
            headers,
            body,
            &[201],
        )
        .await
        .map(|_| ())
    }

    /// Commits staged blocks as blob `name` (`PUT ?comp=blocklist`).
    ///
    /// `content_md5` (the MD5 of the whole content) is stored as the blob's `Content-MD5`.
    /// Without `overwrite` the request carries `If-None-Match: *`.
    ///
    /// # Errors
    /// [`Error::Service`] when refused (409 `BlobAlreadyExists`, 400 `InvalidBlockList`, …).
    pub async fn put_block_list(
        &self,
        name: &str,
        block_ids: &[String],
        content_md5: Option<[u8; 16]>,
        overwrite: bool,
    ) -> Result<()> {
        let mut xml = String::from(r#"<?xml version="1.0" encoding="utf-8"?><BlockList>"#);
        for id in block_ids {
            xml.push_str("<Latest>");
            xml.push_str(id);
            xml.push_str("</Latest>");
        }
        xml.push_str("</BlockList>");
        let body = Bytes::from(xml);
        let mut headers = vec![
            (header("content-type"), "application/xml".to_owned()),
            (header("content-md5"), md5_base64(&body)),
            (
                header("x-ms-blob-content-type"),
                "application/octet-stream".to_owned(),
            ),
        ];
        if let Some(md5) = content_md5 {
            headers.push((
                header("x-ms-blob-content-md5"),
                azure_core::base64::encode(md5),
            ));
        }
        if !overwrite {
            headers.push((header("if-none-match"), "*".to_owned()));
        }
        self.send(
            Method::Put,
            Some(name),
            &[("comp", "blocklist")],
            headers,
            body,
            &[201],
        )
        .await
        .map(|_| ())
    }

    /// Replaces the metadata of blob `name` (`PUT ?comp=metadata`).
    ///
    /// # Errors
    /// [`Error::Validation`] when a name is not a C# identifier (letters, digits, `_`, not
    /// starting with a digit) or a value is not printable ASCII; [`Error::Service`] when refused.
    pub async fn set_metadata(
        &self,
        name: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut headers = Vec::with_capacity(metadata.len());
        for (key, value) in metadata {
            validate_metadata(key, value)?;
            headers.push((
                HeaderName::from(format!("x-ms-meta-{}", key.to_ascii_lowercase())),
                value.clone(),
            ));
        }
        self.send(
            Method::Put,
            Some(name),
            &[("comp", "metadata")],
            headers,
            Bytes::new(),
            &[200],
        )
        .await
        .map(|_| ())
    }

    /// Sends one request: adds version, date and client request id, authorizes it, and turns
    /// any status outside `ok` into an [`Error::Service`] that carries no secret.
    pub(super) async fn send(
        &self,
        method: Method,
        blob: Option<&str>,
        query: &[(&str, &str)],
        headers: Vec<(HeaderName, String)>,
        body: Bytes,
        ok: &[u16],
    ) -> Result<StorageResponse> {
        let body_len = body.len() as u64;
        let mut request = self.prepare(method, blob, query, headers, body_len).await?;
        let sas = match &self.auth {
            StorageAuth::Sas(token) => Some(token),
            _ => None,
        };
        request.set_body(body);
        let method_name = request.method().to_string();
        tracing::debug!(
            target: "azure_ai_ml::storage",
            method = %request.method(),
            container = %self.url.path(),
            blob = blob.unwrap_or(""),
            bytes = body_len,
            auth = self.auth.kind(),
            "blob request"
        );
        let options = PipelineSendOptions {
            skip_checks: true,
            ..Default::default()
        };
        let limit =
            self.request_timeout + std::time::Duration::from_secs(body_len / SLOWEST_BYTES_PER_SEC);
        let sent = tokio::time::timeout(
            limit,
            self.pipeline
                .send(&Context::new(), &mut request, Some(options)),
        )
        .await
        .map_err(|_| Error::Transport {
            message: format!(
                "{} {}: no answer within {limit:?}",
                method_name,
                blob.unwrap_or(self.url.path())
            ),
            source: None,
        })?;
        let rsp = sent.map_err(|e| Error::Transport {
            // The transport error's text can contain the request URL with its SAS; keep
            // only a redacted message and drop the source chain.
            message: redact(
                &format!(
                    "{} {}: {}",
                    request.method(),
                    blob.unwrap_or(self.url.path()),
                    Error::from(e)
                ),
                sas,
            ),
            source: None,
        })?;
        let (status, headers, body) = rsp.deconstruct();
        let status = u16::from(status);
        let error_code = headers
            .get_optional_str(&header("x-ms-error-code"))
            .map(str::to_owned);
        let response = StorageResponse {
            status,
            headers,
            body: Bytes::copy_from_slice(body.as_ref()),
            error_code,
        };
        if ok.contains(&status) {
            Ok(response)
        } else {
            Err(response.into_error())
        }
    }

    /// A request with version, date, client request id and `headers`, authorized for this
    /// container (SAS appended, Shared Key signed over `body_len`, or a bearer token).
    pub(super) async fn prepare(
        &self,
        method: Method,
        blob: Option<&str>,
        query: &[(&str, &str)],
        headers: Vec<(HeaderName, String)>,
        body_len: u64,
    ) -> Result<Request> {
        let mut url = match blob {
            Some(name) => self.blob_url(name)?,
            None => self.url.clone(),
        };
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let mut request = Request::new(url, method);
        request.insert_header(header("x-ms-version"), STORAGE_API_VERSION);
        request.insert_header(
            header("x-ms-date"),
            azure_core::time::to_rfc7231(&azure_core::time::OffsetDateTime::now_utc()),
        );
        // Set here, before signing: the pipeline's own request-id policy would add this x-ms-*
        // header after the signature was computed and break it.
        request.insert_header(
            header("x-ms-client-request-id"),
            uuid::Uuid::new_v4().to_string(),
        );
        for (name, value) in headers {
            request.insert_header(name, value);
        }
        match &self.auth {
            StorageAuth::Sas(token) => {
                let url = request.url_mut();
                let query = match url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{}", token.secret()),
                    _ => token.secret().to_owned(),
                };
                url.set_query(Some(&query));
            }
            StorageAuth::SharedKey { account, key } => {
                let to_sign = shared_key::string_to_sign(
                    account,
                    &request.method(),
                    request.url(),
                    request.headers(),
                    body_len,
                );
                let signature = shared_key::sign(&to_sign, key)?;
                request.insert_header(
                    header("authorization"),
                    format!("SharedKey {account}:{signature}"),
                );
            }
            StorageAuth::Bearer(_) => {
                let token = self.bearer_token().await?;
                request.insert_header(
                    header("authorization"),
                    format!("Bearer {}", token.secret()),
                );
            }
        }
        Ok(request)
    }

    /// The pipeline requests go through.
    pub(super) fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    async fn bearer_token(&self) -> Result<Secret> {
        let StorageAuth::Bearer(credential) = &self.auth else {
            return Err(Error::other("bearer token requested without a credential"));
        };
        let mut cached = self.token.lock().await;
        let now = azure_core::time::OffsetDateTime::now_utc();
        if let Some(token) = cached.as_ref() {
            // Refresh five minutes early so a long block upload never starts with a token
            // about to expire.
            if token.expires_on > now + azure_core::time::Duration::minutes(5) {
                return Ok(token.token.clone());
            }
        }
        let token = credential
            .get_token(&[STORAGE_SCOPE], None)
            .await
            .map_err(|e| Error::Auth {
                message: format!("could not get a token for {STORAGE_SCOPE}"),
                source: Some(Box::new(e)),
            })?;
        let secret = token.token.clone();
        *cached = Some(token);
        Ok(secret)
    }
}

/// A response, kept whole so callers can look at the status.
pub(super) struct StorageResponse {
    pub(super) status: u16,
    pub(super) headers: Headers,
    pub(super) body: Bytes,
    // Only `create_container` reads it, and only the tests create containers.
    #[cfg_attr(not(test), allow(dead_code))]
    error_code: Option<String>,
}

impl StorageResponse {
    pub(super) fn into_error(self) -> Error {
        service_error(self.status, &self.headers, &self.body)
    }
}

pub(crate) fn md5_base64(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    azure_core::base64::encode(Md5::digest(data))
}

fn validate_container_url(url: &Url, auth: &StorageAuth, redirected: bool) -> Result<()> {
    const FIELD: &str = "container_url";
    match url.scheme() {
        "https" => {}
        "http" => {
            let allowed = redirected
                || (!matches!(auth, StorageAuth::Bearer(_)) && crate::http::is_loopback(url));
            if !allowed {
                return Err(Error::validation(
                    FIELD,
                    "must use https (plain http only for a loopback emulator, and never with a bearer token)",
                ));
            }
        }
        _ => return Err(Error::validation(FIELD, "must be an http(s) URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::validation(FIELD, "must have a host"));
    }
    if url.query().is_some() {
        return Err(Error::validation(
            FIELD,
            "must not carry a query (pass a SAS as StorageAuth::Sas or use from_sas_url)",
        ));
    }
    if url.fragment().is_some() {
        return Err(Error::validation(FIELD, "must not carry a fragment"));
    }
    if url.path().trim_matches('/').is_empty() {
        return Err(Error::validation(FIELD, "must name a container"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::validation(FIELD, "must not carry user information"));
    }
    Ok(())
}

fn validate_blob_name(name: &str) -> Result<()> {
    const FIELD: &str = "blob_name";
    if name.is_empty() {
        return Err(Error::validation(FIELD, "must not be empty"));
    }
    if name.chars().count() > 1024 {
        return Err(Error::validation(FIELD, "must be at most 1024 characters"));
    }
    if name
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(Error::validation(
            FIELD,
            "must not have empty, `.` or `..` path segments",
        ));
    }
    if name.chars().any(|c| c.is_control() || c == '\\') {
        return Err(Error::validation(
            FIELD,
            "must not contain control characters or backslashes",
        ));
    }
    Ok(())
}

fn validate_metadata(key: &str, value: &str) -> Result<()> {
    let mut chars = key.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::validation(
            format!("metadata.{key}"),
            "name must be a C# identifier (ASCII letters, digits, `_`, not starting with a digit)",
        ));
    }
    if !value.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(Error::validation(
            format!("metadata.{key}"),
            "value must be printable ASCII",
        ));
    }
    Ok(())
}

/// Splits `https://…/container?sv=…&sig=…` into the container URL and a SAS.
pub(crate) fn split_sas_url(sas_url: &Secret) -> Result<(Url, StorageAuth)> {
    let mut url =
        Url::parse(sas_url.secret()).map_err(|_| Error::validation("sas_url", "is not a URL"))?;
    let query = url.query().unwrap_or_default().to_owned();
    let auth = StorageAuth::sas(query)
        .map_err(|_| Error::validation("sas_url", "must carry a SAS query string with `sig`"))?;
    url.set_query(None);
    url.set_fragment(None);
    Ok((url, auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Pipeline {
        Pipeline::new(None, None, Default::default(), Vec::new(), Vec::new(), None)
    }

    fn key_auth() -> StorageAuth {
        StorageAuth::shared_key("acct", Secret::new("a2V5")).unwrap()
    }

    #[test]
    fn blob_urls_encode_segments_and_refuse_traversal() {
        let c = BlobContainer::with_pipeline(
            pipeline(),
            Url::parse("https://acct.blob.core.windows.net/cont/").unwrap(),
            key_auth(),
            false,
        )
        .unwrap();
        assert_eq!(
            c.blob_url("LocalUpload/ab/my model#1.pkl")
                .unwrap()
                .as_str(),
            "https://acct.blob.core.windows.net/cont/LocalUpload/ab/my%20model%231.pkl"
        );
        for bad in ["", "a//b", "../x", "a/./b", "a/", "a\\b"] {
            assert!(c.blob_url(bad).unwrap_err().is_validation(), "{bad:?}");
        }
    }

    #[test]
    fn container_urls_are_checked() {
        let p = || pipeline();
        let http = Url::parse("http://acct.blob.core.windows.net/c").unwrap();
        assert!(BlobContainer::with_pipeline(p(), http.clone(), key_auth(), false).is_err());
        assert!(BlobContainer::with_pipeline(p(), http, key_auth(), true).is_ok());
        let local = Url::parse("http://127.0.0.1:10000/devstoreaccount1/c").unwrap();
        assert!(BlobContainer::with_pipeline(p(), local.clone(), key_auth(), false).is_ok());
        #[derive(Debug)]
        struct NoCred;
        #[async_trait::async_trait]
        impl azure_core::credentials::TokenCredential for NoCred {
            async fn get_token(
                &self,
                _: &[&str],
                _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
            ) -> azure_core::Result<AccessToken> {
                Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "none",
                ))
            }
        }
        let bearer = StorageAuth::bearer(Arc::new(NoCred));
        let err = BlobContainer::with_pipeline(p(), local, bearer, false).unwrap_err();
        assert!(err.is_validation());
        let with_query = Url::parse("https://a.blob.core.windows.net/c?sig=x").unwrap();
        assert!(BlobContainer::with_pipeline(p(), with_query, key_auth(), false).is_err());
        let no_container = Url::parse("https://a.blob.core.windows.net/").unwrap();
        assert!(BlobContainer::with_pipeline(p(), no_container, key_auth(), false).is_err());
    }

    #[test]
    fn sas_urls_split_into_container_and_secret() {
        let (url, auth) = split_sas_url(&Secret::new(
            "https://a.blob.core.windows.net/9d46?sv=2021-10-04&sr=c&sig=FAKESIG%3D",
        ))
        .unwrap();
        assert_eq!(url.as_str(), "https://a.blob.core.windows.net/9d46");
        assert!(
            matches!(auth, StorageAuth::Sas(ref s) if s.secret() == "sv=2021-10-04&sr=c&sig=FAKESIG%3D")
        );
        assert!(split_sas_url(&Secret::new("https://a/c?sv=1")).is_err());
    }

    #[test]
    fn container_url_builder_validates_names() {
        assert_eq!(
            BlobContainer::container_url("acct1", "azureml-blobstore-1", "core.windows.net")
                .unwrap()
                .as_str(),
            "https://acct1.blob.core.windows.net/azureml-blobstore-1"
        );
        assert!(BlobContainer::container_url("Acct", "c-1", "x").is_err());
        assert!(BlobContainer::container_url("acct", "a--b", "x").is_err());
    }

    #[test]
    fn metadata_names_and_values_are_checked() {
        assert!(validate_metadata("upload_status", "completed").is_ok());
        assert!(validate_metadata("1abc", "x").is_err());
        assert!(validate_metadata("a-b", "x").is_err());
        assert!(validate_metadata("名前", "x").is_err());
        assert!(validate_metadata("a", "line\nbreak").is_err());
    }
}
