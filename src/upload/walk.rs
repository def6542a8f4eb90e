//! Listing the files of a folder the way azure-ai-ml's `get_upload_files_from_folder` does:
//! symbolic links followed (a linked file keeps its link name, a linked directory is walked
//! under its link name), the ignore rules applied to files, empty directories dropped.
//!
//! [`check_upload_source`] walks the same way before any request, so that a folder an upload
//! could not read fails first, not after the requests that precede the upload.

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
/// on `path` for a name that is not UTF-8 (it could not become a blob name) or a kept entry
/// that is not a regular file (a FIFO or socket would block or fail the upload).
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
        if !entry.file_type().is_file() {
            return Err(not_regular(folder, &relative));
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

/// [`list_files`] on a blocking thread, for the async callers (a large tree takes a while).
pub(crate) async fn list_files_off_thread(
    folder: &Path,
    ignore: IgnoreFile,
) -> Result<Vec<LocalFile>> {
    let folder = folder.to_path_buf();
    tokio::task::spawn_blocking(move || list_files(&folder, &ignore))
        .await
        .map_err(|e| Error::other(format!("file listing task failed: {e}")))?
}

impl LocalFile {
    /// The file `path` (resolved to `source`) uploaded alone, under its own name.
    pub(crate) fn single(source: PathBuf, path: &Path) -> Result<Self> {
        let relative_path = file_name(path)?;
        let size = std::fs::metadata(&source)
            .map_err(|e| Error::io(&source, e))?
            .len();
        Ok(Self {
            source,
            relative_path,
            size,
        })
    }
}

/// Checks, reading no file content, that an upload of `path` (a file or a folder) can read
/// everything it needs: `path` exists; below a folder, every name is UTF-8, every folder can
/// be listed, no symbolic link is broken or loops, the folder's ignore file is valid, every
/// file the ignore rules keep is a regular file that can be opened, and at least one file is
/// kept. Returns the number of files an upload would send.
///
/// The operations call it before their first request; [`list_files`] and the hashes walk the
/// same way later and would fail on the same entries, after requests were sent.
///
/// # Errors
/// [`Error::Validation`] on `path`, naming the entry and the problem; on the ignore file for an
/// invalid pattern; [`Error::Io`] when the ignore file can't be read.
pub fn check_upload_source(path: &Path) -> Result<usize> {
    let problem = |rule: String| Error::validation("path", rule);
    let meta = std::fs::metadata(path)
        .map_err(|e| problem(format!("cannot read `{}`: {e}", path.display())))?;
    if meta.is_file() {
        std::fs::File::open(path)
            .map_err(|e| problem(format!("cannot read `{}`: {e}", path.display())))?;
        return Ok(1);
    }
    if !meta.is_dir() {
        return Err(problem(format!(
            "`{}` is neither a regular file nor a folder",
            path.display()
        )));
    }
    let ignore = IgnoreFile::for_folder(path)?;
    let mut kept = 0;
    for entry in WalkDir::new(path).follow_links(true).min_depth(1) {
        let entry = entry.map_err(|e| {
            let at = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| path.to_path_buf());
            let cause = match (e.loop_ancestor(), e.io_error()) {
                (Some(_), _) => "symbolic link loop".to_owned(),
                (None, Some(io)) => io.to_string(),
                (None, None) => e.to_string(),
            };
            problem(format!("cannot read `{}`: {cause}", at.display()))
        })?;
        let relative = relative_path(path, entry.path())?;
        if entry.file_type().is_dir() || ignore.is_excluded(&relative) {
            continue;
        }
        if !entry.file_type().is_file() {
            return Err(not_regular(path, &relative));
        }
        std::fs::File::open(entry.path()).map_err(|e| {
            problem(format!(
                "cannot read `{relative}` in `{}`: {e}",
                path.display()
            ))
        })?;
        kept += 1;
    }
    if kept == 0 {
        return Err(problem(format!(
            "{} is empty (after ignore rules); a folder upload needs at least one file",
            path.display()
        )));
    }
    Ok(kept)
}

fn not_regular(folder: &Path, relative: &str) -> Error {
    Error::validation(
        "path",
        format!(
            "`{relative}` in `{}` is not a regular file (a FIFO, socket or device cannot be uploaded)",
            folder.display()
        ),
    )
}

/// `path` relative to `root`, `/`-separated.
pub(crate) fn relative_path(root: &Path, path: &Path) -> Result<String> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for component in rel.components() {
        let part = component.as_os_str().to_str().ok_or_else(|| {
            Error::validation(
                "path",
                format!(
                    "{} has a name that is not UTF-8 (it cannot become a blob name)",
                    path.display()
                ),
            )
        })?;
        parts.push(part);
    }
    Ok(parts.join("/"))
}

/// The last component of `path` as text (the blob name of a single-file upload).
pub(crate) fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::validation("path", "must end in a UTF-8 file or folder name"))
}
