//! What the benchmark examples share (included by `#[path]`: they do not use the tutorial's
//! `common` module).

/// Peak resident set size of this process, in MiB (VmHWM); 0 where `/proc` can't tell.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The runtime a benchmark runs on: `current` for a current-thread runtime (the client on one
/// thread, as in the wrk comparison), anything else multi-threaded. Exits with 1 when the
/// runtime can't be built (the benchmarks print, they do not return errors to a caller).
pub fn runtime(kind: &str, program: &str) -> tokio::runtime::Runtime {
    let mut builder = if kind == "current" {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{program}: no runtime: {e}");
            std::process::exit(1);
        }
    }
}
