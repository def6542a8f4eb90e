//! How long a server asked us to wait, read the same way whichever HTTP stack delivered the
//! answer.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

pub(crate) use crate::error::{request_id, HeaderLookup};

/// Retry headers, in the order azure_core reads them.
pub(crate) const RETRY_HEADERS: [&str; 3] =
    ["x-ms-retry-after-ms", "retry-after-ms", "retry-after"];

/// The delay the server asked for: `x-ms-retry-after-ms` / `retry-after-ms` (milliseconds), else
/// `Retry-After` as seconds or as an HTTP date (a date in the past is zero). `None` when absent
/// or unreadable. Never panics, whatever the numbers: huge values saturate.
pub(crate) fn retry_after(headers: &impl HeaderLookup) -> Option<Duration> {
    let text = |name: &'static str| headers.header(name).map(str::trim);
    for name in ["x-ms-retry-after-ms", "retry-after-ms"] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn request_id_prefers_the_ms_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "b".parse().unwrap());
        assert_eq!(request_id(&headers), Some("b"));
        headers.insert("x-ms-request-id", "a".parse().unwrap());
        assert_eq!(request_id(&headers), Some("a"));
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
    fn huge_values_do_not_panic() {
        for value in [
            "18446744073709551615",
            "99999999999999999999999",
            "1e300",
            "-5",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let _ = retry_after(&headers(&[("retry-after", value)]));
            let _ = retry_after(&headers(&[("retry-after-ms", value)]));
        }
        let core = {
            let mut h = azure_core::http::headers::Headers::new();
            h.insert("x-ms-retry-after-ms", "1500");
            h
        };
        assert_eq!(retry_after(&core), Some(Duration::from_millis(1500)));
    }
}
