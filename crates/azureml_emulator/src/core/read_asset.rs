//! Reading an asset's files back from the blob store by the URI a model or code version
//! stores (`modelUri`, `codeUri`), for runtimes that materialize them.

use bytes::Bytes;
use url::Url;

use super::routes::{blob_path, classify_host, decode};
use super::runtime::AssetFile;
use super::{HostKind, WorkspaceCore};

impl WorkspaceCore {
    /// The files under an asset URI, as `(relative path, content)`: a single blob gives its file
    /// name, a folder gives paths relative to the folder. Empty when nothing is stored there.
    ///
    /// Understands `azureml://subscriptions/…/datastores/{ds}/paths/{p}`,
    /// `azureml://datastores/{ds}/paths/{p}`, blob URLs (`https://{account}.blob.…/{container}/{p}`
    /// or the configured path-style blob endpoint), and ARM ids of model/code versions of this
    /// workspace (resolved through their `modelUri`/`codeUri`).
    pub fn read_asset(&self, uri: &str) -> Vec<(String, Bytes)> {
        self.read_asset_files(uri)
            .into_iter()
            .map(|f| (f.path, f.content))
            .collect()
    }

    pub(crate) fn read_asset_files(&self, uri: &str) -> Vec<AssetFile> {
        if uri.starts_with('/') {
            let inner = self.asset_by_id(uri).and_then(|v| {
                let props = v.get("properties")?;
                props
                    .get("modelUri")
                    .or_else(|| props.get("codeUri"))
                    .or_else(|| props.get("dataUri"))
                    .and_then(|u| u.as_str())
                    .map(str::to_owned)
            });
            return match inner {
                Some(inner) if !inner.starts_with('/') => self.read_asset_files(&inner),
                _ => Vec::new(),
            };
        }
        match self.locate(uri) {
            Some((account, container, path)) => self.files_at(&account, &container, &path),
            None => Vec::new(),
        }
    }

    /// `(account, container, path)` of an asset URI.
    fn locate(&self, uri: &str) -> Option<(String, String, String)> {
        if let Some(rest) = uri.strip_prefix("azureml://") {
            let segs: Vec<&str> = rest.split('/').collect();
            let ds_at = segs
                .iter()
                .position(|s| s.eq_ignore_ascii_case("datastores"))?;
            let datastore = decode(segs.get(ds_at + 1)?);
            if !segs.get(ds_at + 2)?.eq_ignore_ascii_case("paths") {
                return None;
            }
            let path = segs[ds_at + 3..]
                .iter()
                .map(|s| decode(s))
                .collect::<Vec<_>>()
                .join("/");
            let (account, container) = self.state.datastore_location(&datastore)?;
            return Some((account, container, path));
        }
        let url = Url::parse(uri).ok()?;
        match classify_host(&self.config, &url) {
            HostKind::Blob { account } => {
                let (container, path) = blob_path(&self.config, &url)?;
                Some((account, container, path))
            }
            _ => None,
        }
    }

    fn files_at(&self, account: &str, container: &str, path: &str) -> Vec<AssetFile> {
        let path = path.trim_end_matches('/');
        if let Some(content) = self.state.blobs.get(account, container, path) {
            let name = path.rsplit('/').next().unwrap_or(path).to_owned();
            return vec![AssetFile {
                path: name,
                content,
            }];
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        self.state
            .blobs
            .list(account, container, &prefix)
            .into_iter()
            .filter_map(|(name, content)| {
                name.strip_prefix(&prefix).map(|rel| AssetFile {
                    path: rel.to_owned(),
                    content,
                })
            })
            .collect()
    }
}
