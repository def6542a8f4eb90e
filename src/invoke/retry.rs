//! When to try a scoring POST again: `Retry-After` parsing and the fallback backoff.

use std::time::Duration;

use reqwest::header::HeaderMap;
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// The delay the server asked for: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds), else
/// `Retry-After` as seconds or as an HTTP date. `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // HTTP dates (IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT") are valid RFC 2822 dates.
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let ahead = at - OffsetDateTime::now_utc();
    Some(Duration::try_from(ahead).unwrap_or(Duration::ZERO))
}

/// Exponential backoff when the server gave no delay: 200 ms, 400 ms, 800 ms, … (capped by the
/// caller's maximum).
pub(crate) fn backoff(retry: u32) -> Duration {
    Duration::from_millis(200).saturating_mul(1u32 << retry.saturating_sub(1).min(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn seconds_and_milliseconds() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "0")])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", " 7 ")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7"), ("retry-after-ms", "250")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(&headers(&[])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }

    #[test]
    fn http_dates_in_the_past_mean_now_and_future_ones_wait() {
        let past = retry_after(&headers(&[(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        )]));
        assert_eq!(past, Some(Duration::ZERO));
        let future = (OffsetDateTime::now_utc() + Duration::from_secs(3600))
            .format(&Rfc2822)
            .unwrap();
        let wait = retry_after(&headers(&[("retry-after", &future)])).unwrap();
        assert!(wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600));
    }

    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(3), Duration::from_millis(800));
        assert!(backoff(u32::MAX) >= backoff(17));
    }
}
