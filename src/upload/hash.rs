//! Content hashes that equal azure-ai-ml's, so both SDKs find each other's uploads.
//!
//! * [`hash_code_folder`] is `get_content_hash` (`hashVersion` 202208), used to look up an
//!   existing code asset (`GET codes/{name}/versions?hash=…&hashVersion=202208`) and stored
//!   as the code version's `hash_sha256` property. SHA-256 over: the file count; then for
//!   each file, sorted by lower-cased relative path, `#<relative path>#` and its size in
//!   decimal; then the contents of every file in the same order.
//! * [`hash_model_path`] is `get_object_hash`, the `{hash}` of `LocalUpload/{hash}/…` where a
//!   model file or folder is uploaded. SHA-256 seeded with
//!   `Initialize for october 2021 AML CLI version`, then for a file its contents; for a folder,
//!   recursively, each entry sorted by lower-cased name: its name, then its contents (file) or
//!   its entries (directory).
//!
//! Both apply the folder's `.amlignore` / `.gitignore` and follow symbolic links like Python.
//! Where Python's order depends on the file system (two names equal after lower-casing), ties
//! are broken by the names' bytes here.

use std::path::Path;

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::ignore::IgnoreFile;
use super::walk::{list_files_off_thread, relative_path, LocalFile};
use crate::error::{Error, Result};

/// The `hashVersion` of [`hash_code_folder`].
pub const CONTENT_HASH_VERSION: u32 = 202208;

const OBJECT_HASH_SEED: &[u8] = b"Initialize for october 2021 AML CLI version";

/// Read buffer for hashing: memory stays flat whatever the file size.
const HASH_BUFFER: usize = 1024 * 1024;

/// Python's `get_content_hash(path, get_ignore_file(path))` for a code folder (or file).
///
/// # Errors
/// [`Error::Validation`] on `path` when it does not exist or is neither file nor folder, or on
/// the ignore file for an invalid pattern; [`Error::Io`] when a file can't be read.
pub async fn hash_code_folder(path: &Path) -> Result<String> {
    let ignore = IgnoreFile::for_folder(path)?;
    content_hash(path, &ignore).await
}

/// [`hash_code_folder`] with explicit ignore rules.
///
/// # Errors
/// As [`hash_code_folder`].
pub async fn content_hash(path: &Path, ignore: &IgnoreFile) -> Result<String> {
    let resolved = resolve(path)?;
    let mut files = if resolved.is_dir() {
        list_files_off_thread(path, ignore.clone()).await?
    } else {
        vec![LocalFile::single(resolved, path)?]
    };
    sort_like_python(&mut files);
    let mut hasher = Sha256::new();
    hasher.update(files.len().to_string().as_bytes());
    for file in &files {
        hasher.update(format!("#{}#", file.relative_path).as_bytes());
        hasher.update(file.size.to_string().as_bytes());
    }
    for file in &files {
        hash_file_into(&file.source, &mut hasher).await?;
    }
    Ok(hex(&hasher.finalize()))
}

/// Python's `get_object_hash(path, get_ignore_file(path))`: the `{hash}` of
/// `LocalUpload/{hash}/<name>` for a model file or folder.
///
/// # Errors
/// As [`hash_code_folder`]; also [`Error::Io`] for a symbolic link loop.
pub async fn hash_model_path(path: &Path) -> Result<String> {
    let ignore = IgnoreFile::for_folder(path)?;
    object_hash(path, &ignore).await
}

/// [`hash_model_path`] with explicit ignore rules.
///
/// # Errors
/// As [`hash_model_path`].
pub async fn object_hash(path: &Path, ignore: &IgnoreFile) -> Result<String> {
    let resolved = resolve(path)?;
    let mut hasher = Sha256::new();
    hasher.update(OBJECT_HASH_SEED);
    if resolved.is_dir() {
        // Walk depth-first with an explicit stack of pending entries so deep trees need no
        // recursion; `ancestors` catches link loops (Python would recurse forever).
        let mut visited =
            vec![std::fs::canonicalize(&resolved).map_err(|e| Error::io(&resolved, e))?];
        hash_dir_into(path, path, ignore, &mut hasher, &mut visited).await?;
    } else {
        hash_file_into(&resolved, &mut hasher).await?;
    }
    Ok(hex(&hasher.finalize()))
}

fn hash_dir_into<'a>(
    root: &'a Path,
    dir: &'a Path,
    ignore: &'a IgnoreFile,
    hasher: &'a mut Sha256,
    ancestors: &'a mut Vec<std::path::PathBuf>,
) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        let mut entries: Vec<(String, std::path::PathBuf)> = Vec::new();
        let read = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in read {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry
                .file_name()
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::validation(
                        "path",
                        format!("{} has a name that is not UTF-8", entry.path().display()),
                    )
                })?;
            entries.push((name, entry.path()));
        }
        entries.sort_by(|a, b| {
            a.0.to_lowercase()
                .cmp(&b.0.to_lowercase())
                .then_with(|| a.0.cmp(&b.0))
        });
        for (name, path) in entries {
            if ignore.is_excluded(&relative_path(root, &path)?) {
                continue;
            }
            hasher.update(name.as_bytes());
            // `metadata` follows links; a broken link hashes its name only, like Python.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() {
                hash_file_into(&path, hasher).await?;
            } else if meta.is_dir() {
                let real = std::fs::canonicalize(&path).map_err(|e| Error::io(&path, e))?;
                if ancestors.contains(&real) {
                    return Err(Error::io(
                        &path,
                        std::io::Error::other("symbolic link loop"),
                    ));
                }
                ancestors.push(real);
                hash_dir_into(root, &path, ignore, hasher, ancestors).await?;
                ancestors.pop();
            }
        }
        Ok(())
    })
}

/// Sort by lower-cased relative path (Python's key), ties by the path's bytes.
pub(crate) fn sort_like_python(files: &mut [LocalFile]) {
    files.sort_by(|a, b| {
        a.relative_path
            .to_lowercase()
            .cmp(&b.relative_path.to_lowercase())
            .then_with(|| a.relative_path.cmp(&b.relative_path))
    });
}

/// Follows symbolic links; a path that does not exist is a validation error (Python raises
/// `No such file or directory` before any request too).
pub(crate) fn resolve(path: &Path) -> Result<std::path::PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(p) if p.is_dir() || p.is_file() => Ok(p),
        Ok(_) => Err(Error::validation(
            "path",
            format!("{} is neither a file nor a folder", path.display()),
        )),
        Err(_) => Err(Error::validation(
            "path",
            format!("no such file or directory: {}", path.display()),
        )),
    }
}

async fn hash_file_into(path: &Path, hasher: &mut Sha256) -> Result<()> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; HASH_BUFFER];
    loop {
        let n = file.read(&mut buf).await.map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok(());
        }
        hasher.update(&buf[..n]);
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tutorial's `scoring/score.py` (flow.jsonl seq 20) and the hash Python sent for its
    /// folder (seq 17 `hash=`, seq 22 `hash_sha256`).
    const SCORE_PY: &str = "import json\nimport os\n\nimport joblib\nimport numpy as np\n\nmodel = None\n\n\ndef init():\n    global model\n    model_path = os.path.join(os.getenv(\"AZUREML_MODEL_DIR\"), \"model.pkl\")\n    model = joblib.load(model_path)\n\n\ndef run(raw_data):\n    data = np.array(json.loads(raw_data)[\"data\"])\n    predictions = model.predict(data)\n    return predictions.tolist()\n";

    #[tokio::test]
    async fn tutorial_scoring_folder_hash_equals_pythons() {
        assert_eq!(
            SCORE_PY.len(),
            353,
            "fixture must be the 353-byte body of seq 20"
        );
        let dir = tempfile::tempdir().unwrap();
        let scoring = dir.path().join("scoring");
        std::fs::create_dir(&scoring).unwrap();
        std::fs::write(scoring.join("score.py"), SCORE_PY).unwrap();
        assert_eq!(
            hash_code_folder(&scoring).await.unwrap(),
            "108a8bc22bdd0e3b4adf2771b67e0e1caf9774f5790a70d3d70a225dea23a352"
        );
    }

    #[tokio::test]
    async fn missing_paths_are_validation_errors() {
        let err = hash_code_folder(Path::new("/definitely/not/here"))
            .await
            .unwrap_err();
        assert!(err.is_validation());
        assert!(hash_model_path(Path::new("/definitely/not/here"))
            .await
            .unwrap_err()
            .is_validation());
    }
}
