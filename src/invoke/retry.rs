//! When to try a scoring POST again without a `Retry-After`: the fallback backoff.

use std::time::Duration;

/// Exponential backoff when the server gave no delay: 200 ms, 400 ms, 800 ms, … (capped by the
/// caller's maximum).
pub(crate) fn backoff(retry: u32) -> Duration {
    Duration::from_millis(200).saturating_mul(1u32 << retry.saturating_sub(1).min(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert!(backoff(u32::MAX) >= backoff(17));
    }
}
