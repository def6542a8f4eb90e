//! Reading a container back: List Blobs (every page) and Get Blob streamed to a file, for
//! `ml_client.models().download(…)`.

use std::path::Path;

use azure_core::http::{Context, Method};
use futures::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::container::BlobContainer;
use super::errors::{redact, service_error};
use super::StorageAuth;
use crate::error::{Error, Result};

/// Most pages one listing follows (5,000 blobs each): a bound, not a limit anyone meets.
const MAX_PAGES: usize = 1_000;

/// Longest wait for the next chunk of a download before it is abandoned.
const CHUNK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// One blob of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlobItem {
    /// Full blob name (`/`-separated).
    pub name: String,
    /// Size in bytes.
    pub content_length: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnumerationResults {
    #[serde(default)]
    blobs: Blobs,
    #[serde(default)]
    next_marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Blobs {
    #[serde(default)]
    blob: Vec<BlobXml>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BlobXml {
    name: String,
    #[serde(default)]
    properties: PropertiesXml,
}

#[derive(Default, Deserialize)]
struct PropertiesXml {
    #[serde(rename = "Content-Length", default)]
    content_length: Option<u64>,
}

impl BlobContainer {
    /// The blobs whose names start with `prefix`, every page of the listing.
    ///
    /// # Errors
    /// [`Error::Service`] when the service refuses, [`Error::Decode`] for an answer that is
    /// not a blob listing, [`Error::Transport`] without an answer.
    pub async fn list_blobs(&self, prefix: &str) -> Result<Vec<BlobItem>> {
        let mut items = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![
                ("restype", "container"),
                ("comp", "list"),
                ("prefix", prefix),
            ];
            if let Some(m) = marker.as_deref() {
                query.push(("marker", m));
            }
            let rsp = self
                .send(
                    Method::Get,
                    None,
                    &query,
                    Vec::new(),
                    bytes::Bytes::new(),
                    &[200],
                )
                .await?;
            let page: EnumerationResults = azure_core::xml::from_xml(&rsp.body)
                .map_err(|e| Error::decode("List Blobs", e.to_string()))?;
            items.extend(page.blobs.blob.into_iter().map(|b| BlobItem {
                name: b.name,
                content_length: b.properties.content_length.unwrap_or(0),
            }));
            match page.next_marker.filter(|m| !m.is_empty()) {
                Some(next) if marker.as_deref() != Some(next.as_str()) => marker = Some(next),
                _ => return Ok(items),
            }
        }
        Err(Error::Transport {
            message: format!("listing `{prefix}` did not end within {MAX_PAGES} pages"),
            source: None,
        })
    }

    /// Downloads blob `name` to the file `dest`, chunk by chunk (the blob is never held in
    /// memory whole); parent folders are created. Returns the number of bytes written.
    ///
    /// The content goes to `dest` with a `.part` suffix first and is renamed when complete, so
    /// an interrupted download leaves no truncated file under the real name.
    ///
    /// # Errors
    /// [`Error::Service`] when the service refuses (404 for a missing blob),
    /// [`Error::Transport`] when the connection fails or stalls for two minutes, [`Error::Io`]
    /// when the file cannot be written.
    pub async fn download_to_file(&self, name: &str, dest: &Path) -> Result<u64> {
        let mut request = self
            .prepare(Method::Get, Some(name), &[], Vec::new(), 0)
            .await?;
        let sas = match self.auth() {
            StorageAuth::Sas(token) => Some(token),
            _ => None,
        };
        let transport = |what: String| Error::Transport {
            message: redact(&format!("GET {name}: {what}"), sas),
            source: None,
        };
        let response = tokio::time::timeout(
            CHUNK_TIMEOUT,
            self.pipeline().stream(&Context::new(), &mut request, None),
        )
        .await
        .map_err(|_| transport(format!("no answer within {CHUNK_TIMEOUT:?}")))?
        .map_err(|e| transport(Error::from(e).to_string()))?;
        let (status, headers, mut body) = response.deconstruct();
        let status = u16::from(status);
        if status != 200 {
            let text = body.collect().await.unwrap_or_default();
            return Err(service_error(status, &headers, &text));
        }
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| Error::io(parent, e))?;
        }
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        let part = std::path::PathBuf::from(part);
        let mut file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| Error::io(&part, e))?;
        let mut written = 0u64;
        loop {
            let next = tokio::time::timeout(CHUNK_TIMEOUT, body.next())
                .await
                .map_err(|_| transport(format!("stalled for {CHUNK_TIMEOUT:?}")))?;
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| transport(Error::from(e).to_string()))?;
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(&part, e))?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(|e| Error::io(&part, e))?;
        drop(file);
        tokio::fs::rename(&part, dest)
            .await
            .map_err(|e| Error::io(dest, e))?;
        Ok(written)
    }
}
