//! Local files an operation will upload, checked before its first request.

use std::path::Path;

use super::fail;
use crate::upload::{check_upload_source, IgnoreFile};
use crate::{Error, Result};

/// Everything an upload of `path` would read can be read (see
/// [`check_upload_source`]); problems are reported on `field`.
pub(crate) fn upload_source(field: &str, path: &Path) -> Result<()> {
    check_upload_source(path)
        .map(|_| ())
        .map_err(|e| on_field(field, e))
}

/// The scoring script would be uploaded: the code folder's ignore file does not leave it out.
pub(crate) fn script_not_ignored(folder: &Path, script: &str) -> Result<()> {
    let ignore =
        IgnoreFile::for_folder(folder).map_err(|e| on_field("code_configuration.code", e))?;
    let relative = script.replace('\\', "/");
    if ignore.is_excluded(&relative) {
        let file = ignore
            .path()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "the ignore file".to_owned());
        return fail(
            "code_configuration.scoring_script",
            format!("`{script}` is excluded by `{file}` and would not be uploaded"),
        );
    }
    Ok(())
}

/// Reports a problem found while looking at local files on the caller's field, keeping what it
/// says (the entry and the cause).
fn on_field(field: &str, error: Error) -> Error {
    match error {
        Error::Validation { field: inner, rule } if inner == "path" => {
            Error::validation(field, rule)
        }
        Error::Validation { field: inner, rule } => {
            Error::validation(field, format!("{inner}: {rule}"))
        }
        Error::Io { path, source } => {
            let at = path
                .map(|p| format!("`{}`", p.display()))
                .unwrap_or_else(|| "a file".to_owned());
            Error::validation(field, format!("cannot read {at}: {source}"))
        }
        other => other,
    }
}
