//! The workspace's blob storage: Put Blob, Put Block / Put Block List, Set Blob Metadata,
//! Get/Head/Delete Blob and List Blobs, in memory, behind SAS, Shared Key or Entra
//! (storage audience) authorization.

use std::collections::BTreeMap;

use bytes::Bytes;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::routes::blob_path;
use super::shared_key::{verify_shared_key, SharedKeyError, SharedKeyRequest};
use super::{CoreRequest, CoreResponse, CredentialKind, WorkspaceCore};

const RFC1123: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

fn http_date() -> String {
    time::OffsetDateTime::now_utc()
        .format(RFC1123)
        .unwrap_or_default()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Storage-style XML error with `x-ms-error-code`.
pub(crate) fn storage_error(status: u16, code: &str, message: &str) -> CoreResponse {
    storage_error_detail(status, code, message, None)
}

fn storage_error_detail(
    status: u16,
    code: &str,
    message: &str,
    detail: Option<&str>,
) -> CoreResponse {
    let request_id = uuid::Uuid::new_v4().to_string();
    let detail = detail
        .map(|d| {
            format!(
                "<AuthenticationErrorDetail>{}</AuthenticationErrorDetail>",
                xml_escape(d)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{}\nRequestId:{request_id}\nTime:{}</Message>{detail}</Error>",
        xml_escape(message),
        http_date()
    );
    CoreResponse::new(status)
        .with_header("Content-Type", "application/xml")
        .with_header("x-ms-error-code", code)
        .with_header("x-ms-request-id", request_id)
        .with_body(body)
}

mod base64_bytes {
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&azure_core::base64::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        let text = String::deserialize(d)?;
        azure_core::base64::decode(text)
            .map(Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}

/// One stored blob.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct BlobEntry {
    /// Inline (base64) in a serialized state unless saved apart (then empty: see `body_file`).
    #[serde(
        with = "base64_bytes",
        default,
        skip_serializing_if = "Bytes::is_empty"
    )]
    pub(crate) content: Bytes,
    /// The file holding the content when a state is saved with its blob bodies apart
    /// ([`BlobStore::split_bodies`]); `None` in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_file: Option<String>,
    pub(crate) content_type: String,
    /// Base64 MD5 of the content (or what the client set for a block list).
    pub(crate) content_md5: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) etag: String,
    pub(crate) last_modified: String,
}

/// Blobs in memory, keyed `{account}/{container}/{blob name}`.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct BlobStore {
    blobs: BTreeMap<String, BlobEntry>,
    /// Uncommitted blocks: `(blob key, block id)` → bytes. Not persisted.
    #[serde(skip)]
    blocks: BTreeMap<(String, String), Bytes>,
}

fn key(account: &str, container: &str, blob: &str) -> String {
    format!("{account}/{container}/{blob}")
}

impl BlobStore {
    /// Takes every blob's content out, for a state saved with its blob bodies apart: each entry
    /// then names its body file, and the bodies come back as `(file name, bytes)`. A body file
    /// is named after the blob and its etag (new on every write), so an unchanged blob keeps its
    /// name and a saver need not write it again.
    pub(crate) fn split_bodies(&mut self) -> Vec<(String, Bytes)> {
        self.blobs
            .iter_mut()
            .map(|(key, entry)| {
                let digest = Md5::digest(format!("{key}\n{}", entry.etag).as_bytes());
                let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                entry.body_file = Some(name.clone());
                (name, std::mem::take(&mut entry.content))
            })
            .collect()
    }

    /// Puts back the bodies of a state saved by [`split_bodies`](Self::split_bodies):
    /// `read(name)` gives a body file's bytes. Blobs whose body cannot be read are dropped and
    /// their keys returned.
    pub(crate) fn join_bodies(
        &mut self,
        mut read: impl FnMut(&str) -> Option<Bytes>,
    ) -> Vec<String> {
        let mut lost = Vec::new();
        self.blobs
            .retain(|key, entry| match entry.body_file.take() {
                None => true,
                Some(name) => match read(&name) {
                    Some(body) => {
                        entry.content = body;
                        true
                    }
                    None => {
                        lost.push(key.clone());
                        false
                    }
                },
            });
        lost
    }

    /// Number of blobs.
    pub fn len(&self) -> usize {
        self.blobs.len()
    }

    /// `true` when no blob is stored.
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The content of a blob.
    pub fn get(&self, account: &str, container: &str, blob: &str) -> Option<Bytes> {
        self.blobs
            .get(&key(account, container, blob))
            .map(|b| b.content.clone())
    }

    /// The metadata of a blob.
    pub fn metadata(
        &self,
        account: &str,
        container: &str,
        blob: &str,
    ) -> Option<BTreeMap<String, String>> {
        self.blobs
            .get(&key(account, container, blob))
            .map(|b| b.metadata.clone())
    }

    /// Every blob whose name starts with `prefix` in a container: `(name, content)`.
    pub fn list(&self, account: &str, container: &str, prefix: &str) -> Vec<(String, Bytes)> {
        let start = key(account, container, prefix);
        let container_prefix = key(account, container, "");
        self.blobs
            .range(start.clone()..)
            .take_while(|(k, _)| k.starts_with(&start))
            .filter_map(|(k, b)| {
                k.strip_prefix(&container_prefix)
                    .map(|name| (name.to_owned(), b.content.clone()))
            })
            .collect()
    }

    /// Stores a blob directly (for emulators seeding content).
    pub fn put(&mut self, account: &str, container: &str, blob: &str, content: Bytes) {
        let md5 = azure_core::base64::encode(Md5::digest(&content));
        self.blobs.insert(
            key(account, container, blob),
            BlobEntry {
                body_file: None,
                content,
                content_type: "application/octet-stream".into(),
                content_md5: Some(md5),
                metadata: BTreeMap::new(),
                etag: format!("\"0x{}\"", uuid::Uuid::new_v4().simple()),
                last_modified: http_date(),
            },
        );
    }
}

/// The block ids of a Put Block List body, in order (`Latest`, `Committed`, `Uncommitted`).
fn parse_block_list(xml: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if matches!(tag, "Latest" | "Committed" | "Uncommitted") {
            let close = format!("</{tag}>");
            let stop = rest.find(&close)?;
            out.push((tag.to_owned(), rest[..stop].trim().to_owned()));
            rest = &rest[stop + close.len()..];
        }
    }
    Some(out)
}

fn metadata_of(request: &CoreRequest) -> BTreeMap<String, String> {
    request
        .headers
        .iter()
        .filter_map(|(n, v)| {
            let lower = n.to_ascii_lowercase();
            lower
                .strip_prefix("x-ms-meta-")
                .map(|m| (m.to_owned(), v.clone()))
        })
        .collect()
}

impl WorkspaceCore {
    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.state.blobs
    }

    /// The blob store, mutably (to seed content).
    pub fn blobs_mut(&mut self) -> &mut BlobStore {
        &mut self.state.blobs
    }

    pub(crate) fn handle_blob(
        &mut self,
        account: &str,
        credential: &CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> CoreResponse {
        let Some((container, blob)) = blob_path(&self.config, &request.url) else {
            return storage_error(
                400,
                "InvalidUri",
                "The request URI is not a blob or container URI.",
            );
        };
        if let Err(response) = self.check_blob_auth(account, &container, credential, request, entry)
        {
            return response;
        }
        let comp = request
            .query("comp")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let restype = request
            .query("restype")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let response = match (
            request.method.as_str(),
            blob.is_empty(),
            comp.as_str(),
            restype.as_str(),
        ) {
            ("GET" | "HEAD", false, "", _) => self.get_blob(account, &container, &blob, request),
            ("PUT", false, "", _) => self.put_blob(account, &container, &blob, request),
            ("PUT", false, "block", _) => self.put_block(account, &container, &blob, request),
            ("PUT", false, "blocklist", _) => {
                self.put_block_list(account, &container, &blob, request)
            }
            ("PUT", false, "metadata", _) => self.set_metadata(account, &container, &blob, request),
            ("DELETE", false, "", _) => {
                match self
                    .state
                    .blobs
                    .blobs
                    .remove(&key(account, &container, &blob))
                {
                    Some(_) => CoreResponse::new(202),
                    None => {
                        storage_error(404, "BlobNotFound", "The specified blob does not exist.")
                    }
                }
            }
            ("PUT", true, "", "container") => CoreResponse::new(201),
            ("GET", true, "list", "container") => self.list_blobs(account, &container, request),
            _ => storage_error(
                400,
                "UnsupportedHttpVerb",
                &format!(
                    "The fake blob service does not support {} with comp='{comp}' here.",
                    request.method
                ),
            ),
        };
        let response = response
            .with_header(
                "x-ms-version",
                request.header("x-ms-version").unwrap_or("2021-10-04"),
            )
            .with_header("Date", http_date());
        if request.method == "HEAD" {
            // HEAD answers carry headers only.
            CoreResponse {
                body: Bytes::new(),
                ..response
            }
        } else {
            response
        }
    }

    fn check_blob_auth(
        &mut self,
        account: &str,
        container: &str,
        credential: &CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> Result<(), CoreResponse> {
        let denied = |message: &str| storage_error(403, "AuthenticationFailed", message);
        match credential {
            CredentialKind::SharedKey => {
                let sk = SharedKeyRequest {
                    account,
                    method: &request.method,
                    url: &request.url,
                    headers: &request.headers,
                };
                let authorization = request.header("authorization").unwrap_or_default();
                if request.header("x-ms-date").is_none() && request.header("date").is_none() {
                    return Err(denied("Shared Key requests need an x-ms-date or Date header."));
                }
                match verify_shared_key(&sk, authorization, self.state.storage_key(account)) {
                    Ok(()) => Ok(()),
                    Err(SharedKeyError::Mismatch(string_to_sign)) => Err(storage_error_detail(
                        403,
                        "AuthenticationFailed",
                        "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
                        Some(&format!(
                            "The MAC signature found in the HTTP request is not the same as any computed signature. Server used following string to sign: '{string_to_sign}'."
                        )),
                    )),
                    Err(SharedKeyError::WrongAccount) => Err(denied(
                        "The account in the Shared Key header is not the account addressed.",
                    )),
                    Err(SharedKeyError::UnknownAccount) => Err(denied("No key is known for this storage account.")),
                    Err(SharedKeyError::Malformed) => Err(storage_error(
                        400,
                        "InvalidAuthenticationInfo",
                        "The Authorization header is not 'SharedKey account:signature'.",
                    )),
                }
            }
            CredentialKind::StorageSas => self.check_sas(account, container, request),
            CredentialKind::StorageToken => Ok(()),
            CredentialKind::None => Err(storage_error(
                401,
                "NoAuthenticationInformation",
                "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
            )),
            CredentialKind::UnknownBearer | CredentialKind::OtherScheme(_) => {
                Err(denied("The credential is not valid for Azure Storage."))
            }
            other => {
                self.log.violation(
                    entry,
                    request,
                    other.clone(),
                    "a non-storage credential was sent to blob storage",
                );
                Err(storage_error(
                    403,
                    "InvalidAuthenticationInfo",
                    "Audience validation failed: the token was not issued for Azure Storage.",
                ))
            }
        }
    }

    fn check_sas(
        &self,
        account: &str,
        container: &str,
        request: &CoreRequest,
    ) -> Result<(), CoreResponse> {
        let denied = |message: &str| storage_error(403, "AuthenticationFailed", message);
        let sig = request.query("sig").unwrap_or_default();
        let Some(issued) = self.state.sas.get(&sig) else {
            return Err(denied(
                "Signature did not match (this SAS was not issued by the workspace).",
            ));
        };
        if issued.account != account || issued.container != container {
            return Err(denied("The SAS was issued for another container."));
        }
        for (name, value) in &issued.params {
            if request.query(name).as_deref() != Some(value.as_str()) {
                return Err(denied(&format!(
                    "SAS parameter '{name}' does not match the issued SAS."
                )));
            }
        }
        let now = time::OffsetDateTime::now_utc();
        let expiry = issued
            .params
            .iter()
            .find(|(k, _)| k == "se")
            .and_then(|(_, v)| {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).ok()
            });
        if expiry.is_some_and(|se| se < now) {
            return Err(denied("Signature not valid in the specified time frame."));
        }
        let permissions = issued
            .params
            .iter()
            .find(|(k, _)| k == "sp")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let needed = match request.method.as_str() {
            "GET" | "HEAD" => {
                if request.query("comp").is_some_and(|c| c == "list") {
                    'l'
                } else {
                    'r'
                }
            }
            "DELETE" => 'd',
            _ => 'w',
        };
        if !permissions.contains(needed) {
            return Err(storage_error(
                403,
                "AuthorizationPermissionMismatch",
                "This request is not authorized to perform this operation using this permission.",
            ));
        }
        Ok(())
    }

    fn get_blob(
        &self,
        account: &str,
        container: &str,
        blob: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let Some(entry) = self.state.blobs.blobs.get(&key(account, container, blob)) else {
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.");
        };
        let mut response = CoreResponse::new(200)
            .with_header("Content-Length", entry.content.len().to_string())
            .with_header("Content-Type", entry.content_type.clone())
            .with_header("ETag", entry.etag.clone())
            .with_header("Last-Modified", entry.last_modified.clone())
            .with_header("x-ms-blob-type", "BlockBlob")
            .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string());
        if let Some(md5) = &entry.content_md5 {
            response = response.with_header("Content-MD5", md5.clone());
        }
        for (k, v) in &entry.metadata {
            response = response.with_header(format!("x-ms-meta-{k}"), v.clone());
        }
        if request.method == "GET" {
            response = response.with_body(entry.content.clone());
        }
        response
    }

    /// Conditional headers: `If-None-Match: *` refuses to overwrite; `If-Match` needs the ETag.
    fn check_conditions(&self, blob_key: &str, request: &CoreRequest) -> Result<(), CoreResponse> {
        let existing = self.state.blobs.blobs.get(blob_key);
        if request.header("if-none-match").map(str::trim) == Some("*") && existing.is_some() {
            return Err(storage_error(
                409,
                "BlobAlreadyExists",
                "The specified blob already exists.",
            ));
        }
        if let Some(expected) = request.header("if-match").map(str::trim) {
            let ok = expected == "*" && existing.is_some()
                || existing.is_some_and(|e| e.etag == expected);
            if !ok {
                return Err(storage_error(
                    412,
                    "ConditionNotMet",
                    "The condition specified using HTTP conditional header(s) is not met.",
                ));
            }
        }
        Ok(())
    }

    fn check_md5(request: &CoreRequest, body: &[u8]) -> Result<String, CoreResponse> {
        let computed = azure_core::base64::encode(Md5::digest(body));
        match request.header("content-md5") {
            Some(given) if given.trim() != computed => Err(storage_error(
                400,
                "Md5Mismatch",
                "The MD5 value specified in the request did not match with the MD5 value calculated by the server.",
            )),
            _ => Ok(computed),
        }
    }

    fn store(
        &mut self,
        blob_key: String,
        content: Bytes,
        content_type: String,
        content_md5: Option<String>,
        metadata: BTreeMap<String, String>,
    ) -> CoreResponse {
        let etag = format!(
            "\"0x{}\"",
            uuid::Uuid::new_v4().simple().to_string().to_uppercase()
        );
        let last_modified = http_date();
        let mut response = CoreResponse::new(201)
            .with_header("ETag", etag.clone())
            .with_header("Last-Modified", last_modified.clone())
            .with_header("x-ms-request-server-encrypted", "true")
            .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string());
        if let Some(md5) = &content_md5 {
            response = response.with_header("Content-MD5", md5.clone());
        }
        self.state.blobs.blobs.insert(
            blob_key,
            BlobEntry {
                body_file: None,
                content,
                content_type,
                content_md5,
                metadata,
                etag,
                last_modified,
            },
        );
        response
    }

    fn put_blob(
        &mut self,
        account: &str,
        container: &str,
        blob: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        match request.header("x-ms-blob-type") {
            Some(t) if t.eq_ignore_ascii_case("BlockBlob") => {}
            Some(_) => return storage_error(400, "InvalidHeaderValue", "Only BlockBlob is supported by the fake blob service."),
            None => return storage_error(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type."),
        }
        let blob_key = key(account, container, blob);
        if let Err(e) = self.check_conditions(&blob_key, request) {
            return e;
        }
        let md5 = match Self::check_md5(request, &request.body) {
            Ok(m) => m,
            Err(e) => return e,
        };
        let content_type = request
            .header("x-ms-blob-content-type")
            .or_else(|| request.header("content-type"))
            .unwrap_or("application/octet-stream")
            .to_owned();
        self.store(
            blob_key,
            request.body.clone(),
            content_type,
            Some(md5),
            metadata_of(request),
        )
    }

    fn put_block(
        &mut self,
        account: &str,
        container: &str,
        blob: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let Some(block_id) = request.query("blockid") else {
            return storage_error(
                400,
                "MissingRequiredQueryParameter",
                "A query parameter that's mandatory for this request is not specified: blockid.",
            );
        };
        if azure_core::base64::decode(&block_id).is_err() {
            return storage_error(
                400,
                "InvalidQueryParameterValue",
                "The block id is not valid base64.",
            );
        }
        // A block's MD5 is only checked (never stored): no work without `Content-MD5`.
        if request.header("content-md5").is_some() {
            if let Err(e) = Self::check_md5(request, &request.body) {
                return e;
            }
        }
        self.state.blobs.blocks.insert(
            (key(account, container, blob), block_id),
            request.body.clone(),
        );
        CoreResponse::new(201)
            .with_header("x-ms-request-server-encrypted", "true")
            .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
    }

    fn put_block_list(
        &mut self,
        account: &str,
        container: &str,
        blob: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let blob_key = key(account, container, blob);
        if let Err(e) = self.check_conditions(&blob_key, request) {
            return e;
        }
        let xml = String::from_utf8_lossy(&request.body);
        let Some(ids) = parse_block_list(&xml) else {
            return storage_error(
                400,
                "InvalidXmlDocument",
                "The block list is not well-formed XML.",
            );
        };
        let size = ids
            .iter()
            .filter_map(|(_, id)| self.state.blobs.blocks.get(&(blob_key.clone(), id.clone())))
            .map(Bytes::len)
            .sum();
        let mut content = Vec::with_capacity(size);
        for (kind, id) in &ids {
            match self.state.blobs.blocks.get(&(blob_key.clone(), id.clone())) {
                Some(bytes) if kind != "Committed" => content.extend_from_slice(bytes),
                _ => {
                    return storage_error(
                        400,
                        "InvalidBlockList",
                        &format!("The specified block list is invalid: block '{id}' ({kind}) is not an uncommitted block of this blob."),
                    )
                }
            }
        }
        self.state.blobs.blocks.retain(|(k, _), _| k != &blob_key);
        let content_type = request
            .header("x-ms-blob-content-type")
            .unwrap_or("application/octet-stream")
            .to_owned();
        let md5 = request
            .header("x-ms-blob-content-md5")
            .map(str::to_owned)
            .or_else(|| Some(azure_core::base64::encode(Md5::digest(&content))));
        self.store(
            blob_key,
            Bytes::from(content),
            content_type,
            md5,
            metadata_of(request),
        )
    }

    fn set_metadata(
        &mut self,
        account: &str,
        container: &str,
        blob: &str,
        request: &CoreRequest,
    ) -> CoreResponse {
        let metadata = metadata_of(request);
        let Some(entry) = self
            .state
            .blobs
            .blobs
            .get_mut(&key(account, container, blob))
        else {
            return storage_error(404, "BlobNotFound", "The specified blob does not exist.");
        };
        entry.metadata = metadata;
        entry.etag = format!(
            "\"0x{}\"",
            uuid::Uuid::new_v4().simple().to_string().to_uppercase()
        );
        CoreResponse::new(200)
            .with_header("ETag", entry.etag.clone())
            .with_header("x-ms-request-server-encrypted", "true")
            .with_header("x-ms-request-id", uuid::Uuid::new_v4().to_string())
    }

    fn list_blobs(&self, account: &str, container: &str, request: &CoreRequest) -> CoreResponse {
        let prefix = request.query("prefix").unwrap_or_default();
        let items: String = self
            .state
            .blobs
            .list(account, container, &prefix)
            .iter()
            .map(|(name, content)| {
                format!(
                    "<Blob><Name>{}</Name><Properties><Content-Length>{}</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>",
                    xml_escape(name),
                    content.len()
                )
            })
            .collect();
        CoreResponse::new(200)
            .with_header("Content-Type", "application/xml")
            .with_body(format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ContainerName=\"{}\"><Prefix>{}</Prefix><Blobs>{items}</Blobs><NextMarker /></EnumerationResults>",
                xml_escape(container),
                xml_escape(&prefix)
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_saved_apart_come_back_and_unchanged_blobs_keep_their_file_name() {
        let mut store = BlobStore::default();
        store.put("acct", "c", "model.pkl", Bytes::from_static(b"weights"));
        store.put("acct", "c", "empty", Bytes::new());
        let mut saved = store.clone();
        let bodies = saved.split_bodies();
        assert_eq!(bodies.len(), 2);
        let json = serde_json::to_string(&saved).unwrap();
        assert!(!json.contains("d2VpZ2h0cw"), "a body is inline: {json}");
        // The same blob version gets the same file name on the next save.
        let again = store.clone().split_bodies();
        assert_eq!(
            bodies.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            again.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );

        let files: BTreeMap<String, Bytes> = bodies.into_iter().collect();
        let mut loaded: BlobStore = serde_json::from_str(&json).unwrap();
        let lost = loaded.join_bodies(|name| files.get(name).cloned());
        assert!(lost.is_empty());
        assert_eq!(
            loaded.get("acct", "c", "model.pkl"),
            Some(Bytes::from_static(b"weights"))
        );

        // A body file that is gone drops its blob, and says which.
        let mut loaded: BlobStore = serde_json::from_str(&json).unwrap();
        let lost = loaded.join_bodies(|name| files.get(name).filter(|b| !b.is_empty()).cloned());
        assert_eq!(lost, ["acct/c/empty"]);
        assert_eq!(loaded.len(), 1);
    }

    #[test]
    fn states_with_inline_bodies_still_load() {
        let mut store = BlobStore::default();
        store.put("acct", "c", "b", Bytes::from_static(b"weights"));
        let json = serde_json::to_string(&store).unwrap();
        assert!(json.contains("d2VpZ2h0cw"), "{json}");
        let mut loaded: BlobStore = serde_json::from_str(&json).unwrap();
        assert!(loaded.join_bodies(|_| None).is_empty());
        assert_eq!(
            loaded.get("acct", "c", "b"),
            Some(Bytes::from_static(b"weights"))
        );
    }

    #[test]
    fn block_lists_parse_in_order() {
        let xml = "<?xml version=\"1.0\"?><BlockList><Latest>QUFB</Latest><Uncommitted>QkJC</Uncommitted></BlockList>";
        assert_eq!(
            parse_block_list(xml),
            Some(vec![
                ("Latest".to_owned(), "QUFB".to_owned()),
                ("Uncommitted".to_owned(), "QkJC".to_owned())
            ])
        );
        assert_eq!(parse_block_list("<BlockList><Latest>abc</BlockList>"), None);
    }

    #[test]
    fn list_stays_inside_the_container() {
        let mut store = BlobStore::default();
        store.put("a", "c", "dir/x", Bytes::from_static(b"1"));
        store.put("a", "c", "dir/y", Bytes::from_static(b"2"));
        store.put("a", "c2", "dir/z", Bytes::from_static(b"3"));
        let names: Vec<String> = store
            .list("a", "c", "dir/")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, vec!["dir/x", "dir/y"]);
    }
}
