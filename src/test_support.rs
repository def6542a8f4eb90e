//! Helpers of the crate's own tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{MLClient, MLClientOptions};

mod credential;
pub(crate) use credential::TestCredential;

/// A file or folder of the shared reference folder (Python's request bodies, the official REST
/// examples, the tutorial's flow), wherever the checkout sits: `../shared` beside a clone,
/// `../../shared` beside a worktree.
pub(crate) fn shared_path(relative: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .map(|base| base.join(relative))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{relative} not found in the shared folder next to the checkout"))
}

/// A text file of the shared reference folder.
pub(crate) fn shared_text(relative: &str) -> String {
    std::fs::read_to_string(shared_path(relative)).expect("readable")
}

/// A JSON file of the shared reference folder.
pub(crate) fn shared_json(relative: &str) -> serde_json::Value {
    serde_json::from_str(&shared_text(relative)).expect("JSON")
}

/// The workspace part of every ARM path of a [`client`].
pub(crate) const WS: &str = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

/// A client of workspace `sub/rg/ws` (see [`WS`]) with `options`, every request redirected to
/// `base` (a wiremock server).
pub(crate) fn client(base: &str, options: MLClientOptions) -> MLClient {
    let options = options.with_redirect(base.parse().expect("a URL"));
    let credential = Arc::new(TestCredential::fixed("arm-token"));
    MLClient::new(credential, "sub", "rg", "ws", Some(options)).expect("a client")
}
