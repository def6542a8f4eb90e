//! Listing the files of a folder the way azure-ai-ml's `get_upload_files_from_folder` does:
//! symbolic links followed (a linked file keeps its link name, a linked directory is walked
//! under its link name), the ignore rules applied to files, empty directories dropped.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::ignore::IgnoreFile;
use crate::error::{Error, Result};

/// One file to upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LocalFile {
    /// Where the bytes are (symbolic links resolved).
    pub source: PathBuf,
    /// `/`-separated path relative to the uploaded folder (link names kept).
    pub relative_path: String,
    /// Size in bytes.
    pub size: u64,
}

/// The files under `folder` that the ignore rules keep, in no particular order.
///
/// # Errors
/// [`Error::Io`] for an unreadable entry, a broken link or a link loop; [`Error::Validation`]
/// on `path` for a name that is not UTF-8 (it could not become a blob name).
pub fn list_files(folder: &Path, ignore: &IgnoreFile) -> Result<Vec<LocalFile>> {
    let mut files = Vec::new();
    for entry in WalkDir::new(folder).follow_links(true).min_depth(1) {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| folder.to_path_buf());
            let source = e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("symbolic link loop"));
            Error::io(path, source)
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let relative = relative_path(folder, entry.path())?;
        if ignore.is_excluded(&relative) {
            continue;
        }
        let source = std::fs::canonicalize(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        let size = std::fs::metadata(&source)
            .map_err(|e| Error::io(&source, e))?
            .len();
        files.push(LocalFile {
            source,
            relative_path: relative,
            size,
        });
    }
    Ok(files)
}

/// `path` relative to `root`, `/`-separated.
pub(crate) fn relative_path(root: &Path, path: &Path) -> Result<String> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for component in rel.components() {
        let part = component.as_os_str().to_str().ok_or_else(|| {
            Error::validation(
                "path",
                format!("{} has a name that is not UTF-8", path.display()),
            )
        })?;
        parts.push(part);
    }
    Ok(parts.join("/"))
}
