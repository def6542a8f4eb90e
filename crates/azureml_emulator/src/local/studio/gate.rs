//! Who reaches Studio: its paths, and the per-start token that every page and change needs
//! (the loopback check on the peer is in `serve`). Nothing here knows the workspace, so the
//! listener, the access log and the shared state can use it without reaching into Studio.

/// Studio's per-start secret.
pub(crate) struct Studio {
    token: String,
}

impl std::fmt::Debug for Studio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Studio").finish_non_exhaustive()
    }
}

impl Studio {
    /// A fresh token (244 random bits).
    pub(crate) fn new() -> Self {
        Self {
            token: format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        }
    }

    /// The token (a secret: never log it).
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    pub(super) fn accepts(&self, presented: &str) -> bool {
        constant_time_eq(self.token.as_bytes(), presented.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// True for the paths Studio answers.
pub(crate) fn is_studio_path(path: &str) -> bool {
    path == "/studio" || path.starts_with("/studio/")
}
