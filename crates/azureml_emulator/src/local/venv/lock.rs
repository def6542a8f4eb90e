//! A lock file per environment, so two workspace processes sharing one venv cache build an
//! environment once: the second waits for the first and then finds the venv finished.
//!
//! `flock(2)` rather than a lock file's mere existence: the kernel drops the lock when its holder
//! exits, so a killed build never leaves a stale lock behind.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often a waiting process tries the lock again.
const RETRY: Duration = Duration::from_millis(200);

/// An exclusive lock, released when dropped (or when the process ends).
#[derive(Debug)]
pub(crate) struct BuildLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Someone else held it for longer than we were willing to wait.
    Busy,
    /// The file system cannot lock (some network file systems) or the file cannot be opened.
    Unavailable(std::io::Error),
}

impl BuildLock {
    /// Takes the lock at `path` (created if needed), waiting at most `patience` for another
    /// holder; `on_wait` runs once when the lock is found held.
    pub(crate) async fn acquire(
        path: &Path,
        patience: Duration,
        on_wait: impl FnOnce(),
    ) -> Result<Self, LockError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(LockError::Unavailable)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(LockError::Unavailable)?;
        let deadline = Instant::now() + patience;
        let mut on_wait = Some(on_wait);
        loop {
            if try_lock(&file).map_err(LockError::Unavailable)? {
                return Ok(Self { _file: file });
            }
            if let Some(f) = on_wait.take() {
                f();
            }
            if Instant::now() >= deadline {
                return Err(LockError::Busy);
            }
            tokio::time::sleep(RETRY).await;
        }
    }
}

/// One non-blocking attempt: `Ok(false)` when another open file holds the lock.
fn try_lock(file: &File) -> std::io::Result<bool> {
    // SAFETY: flock only reads the descriptor number, which `file` keeps open for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(code) if code == libc::EWOULDBLOCK || code == libc::EINTR => Ok(false),
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/env.lock");
        let first = BuildLock::acquire(&path, Duration::ZERO, || {})
            .await
            .unwrap();
        // Another open file description is what a second process would have.
        let mut waited = false;
        let busy = BuildLock::acquire(&path, Duration::ZERO, || waited = true).await;
        assert!(matches!(busy, Err(LockError::Busy)), "{busy:?}");
        assert!(waited);
        drop(first);
        let second = BuildLock::acquire(&path, Duration::ZERO, || {}).await;
        assert!(second.is_ok(), "{second:?}");
    }
}
