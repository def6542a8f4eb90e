//! Progress on stderr, only when stderr is a terminal: a bar for uploads, a spinner with the
//! elapsed time for long-running operations.

use std::future::IntoFuture;
use std::io::IsTerminal;
use std::time::Duration;

use azure_ai_ml::{ProgressCallback, UploadProgress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn visible() -> bool {
    std::io::stderr().is_terminal()
}

/// An upload bar and the callback that drives it (hidden when stderr is not a terminal).
pub fn upload_bar() -> (ProgressBar, ProgressCallback) {
    let bar = if visible() {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "Uploading {msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let handle = bar.clone();
    let callback = ProgressCallback::new(move |p: &UploadProgress| {
        handle.set_length(p.total_bytes);
        handle.set_position(p.bytes_sent);
        handle.set_message(p.path.clone());
    });
    (bar, callback)
}

/// Runs `work` with a spinner saying `message` and the elapsed time.
pub async fn spin<T>(message: impl Into<String>, work: impl IntoFuture<Output = T>) -> T {
    let work = work.into_future();
    if !visible() {
        return work.await;
    }
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.set_message(message.into());
    spinner.enable_steady_tick(Duration::from_millis(120));
    let out = work.await;
    spinner.finish_and_clear();
    out
}
