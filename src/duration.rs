//! ISO-8601 durations, both ways.
//!
//! Writing follows Python's `isodate.duration_isoformat(timedelta(...))` exactly (see
//! `oracle/iso_durations.json`): whole days become `P1D`, the time part drops zero components,
//! fractions keep up to microsecond precision without trailing zeros, negatives get a leading
//! `-`. Zero is "not set": the field is omitted, as Python does (0 is falsy there).
//!
//! Reading accepts every form the service returns (`PT5M`, `PT0.5S`, `P1DT2H`, `-PT5S`, `P1W`)
//! and, defensively, `hh:mm:ss[.f]`. The wire layer reads body fields with it, the ARM layer the
//! `x-ms-async-operation-timeout` header ([`parse_std`]).

use std::time::Duration;

/// Microseconds per second.
const MICROS: i128 = 1_000_000;

/// Seconds → ISO-8601 (`None` for 0). Only the tests send fractional seconds today.
#[cfg(test)]
pub(crate) fn from_seconds(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    from_micros((seconds * 1_000_000.0).round() as i128)
}

/// Whole seconds → ISO-8601 (`None` for 0).
pub(crate) fn from_whole_seconds(seconds: i64) -> Option<String> {
    from_micros(i128::from(seconds) * MICROS)
}

/// Milliseconds → ISO-8601 (`None` for 0).
pub(crate) fn from_millis(millis: i64) -> Option<String> {
    from_micros(i128::from(millis) * 1000)
}

/// Microseconds → ISO-8601 (`None` for 0).
pub(crate) fn from_micros(micros: i128) -> Option<String> {
    if micros == 0 {
        return None;
    }
    let mut out = String::new();
    if micros < 0 {
        out.push('-');
    }
    let total = micros.unsigned_abs();
    let micros_per_day = 86_400 * MICROS as u128;
    let days = total / micros_per_day;
    let rest = total % micros_per_day;
    let hours = rest / (3_600 * MICROS as u128);
    let minutes = rest % (3_600 * MICROS as u128) / (60 * MICROS as u128);
    let sec_micros = rest % (60 * MICROS as u128);
    out.push('P');
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if minutes > 0 {
            out.push_str(&format!("{minutes}M"));
        }
        if sec_micros > 0 {
            let whole = sec_micros / MICROS as u128;
            let frac = sec_micros % MICROS as u128;
            if frac == 0 {
                out.push_str(&format!("{whole}S"));
            } else {
                let digits = format!("{frac:06}");
                out.push_str(&format!("{whole}.{}S", digits.trim_end_matches('0')));
            }
        }
    }
    Some(out)
}

/// Parses an ISO-8601 duration (or `[d.]hh:mm:ss[.f]`) into microseconds.
///
/// Years and months have no fixed length; they are read as 365 and 30 days, which is what
/// Python's `isodate` does when it has to turn them into a `timedelta`.
pub(crate) fn parse_micros(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let micros = if let Some(iso) = body.strip_prefix(['P', 'p']) {
        parse_iso(iso)?
    } else {
        parse_clock(body)?
    };
    if negative {
        micros.checked_neg()
    } else {
        Some(micros)
    }
}

fn parse_iso(body: &str) -> Option<i128> {
    if body.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for c in body.chars() {
        match c {
            'T' | 't' => {
                if in_time || !number.is_empty() {
                    return None;
                }
                in_time = true;
            }
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let seconds_per_unit: i128 = match (in_time, unit.to_ascii_uppercase()) {
                    (false, 'Y') => 365 * 86_400,
                    (false, 'M') => 30 * 86_400,
                    (false, 'W') => 7 * 86_400,
                    (false, 'D') => 86_400,
                    (true, 'H') => 3_600,
                    (true, 'M') => 60,
                    (true, 'S') => 1,
                    _ => return None,
                };
                total = total.checked_add(scaled(&number, seconds_per_unit * MICROS)?)?;
                number.clear();
                any = true;
            }
        }
    }
    if !number.is_empty() || !any {
        return None;
    }
    Some(total)
}

/// `number` (decimal text) × `unit_micros`, exactly for up to 6 fractional digits.
fn scaled(number: &str, unit_micros: i128) -> Option<i128> {
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut value = whole.checked_mul(unit_micros)?;
    if !frac.is_empty() {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Keep 9 digits of the fraction; finer than a microsecond is noise here.
        let digits: String = frac.chars().take(9).collect();
        let scale = 10i128.pow(digits.len() as u32);
        let frac_value: i128 = digits.parse().ok()?;
        value = value.checked_add(frac_value.checked_mul(unit_micros)? / scale)?;
    }
    Some(value)
}

fn parse_clock(body: &str) -> Option<i128> {
    let (days, clock) = match body.split_once('.') {
        Some((d, rest)) if rest.contains(':') && !d.contains(':') => {
            (d.parse::<i128>().ok()?, rest)
        }
        _ => (0, body),
    };
    let mut parts = clock.split(':');
    let (Some(hours), Some(minutes), Some(seconds), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let hours: i128 = hours.parse().ok()?;
    let minutes: i128 = minutes.parse().ok()?;
    let seconds = scaled(seconds, MICROS)?;
    // Checked all the way: a day count of 30 digits must be rejected, not wrap.
    days.checked_mul(24)?
        .checked_add(hours)?
        .checked_mul(60)?
        .checked_add(minutes)?
        .checked_mul(60 * MICROS)?
        .checked_add(seconds)
}

/// Parses to whole seconds (truncating, like Python's `int(total_seconds())`).
pub(crate) fn parse_seconds(text: &str) -> Option<i64> {
    i64::try_from(parse_micros(text)? / MICROS).ok()
}

/// Parses to whole milliseconds (truncating).
pub(crate) fn parse_millis(text: &str) -> Option<i64> {
    i64::try_from(parse_micros(text)? / 1000).ok()
}

/// Parses a non-negative duration as a [`Duration`] (headers such as
/// `x-ms-async-operation-timeout`); `None` for garbage, negatives and values past `u64` seconds.
pub(crate) fn parse_std(text: &str) -> Option<Duration> {
    let micros = u64::try_from(parse_micros(text)?).ok()?;
    Some(Duration::from_micros(micros))
}

/// Serde helpers for `Option<i64>` fields stored as durations on the wire.
pub(crate) mod serde_seconds {
    use serde::{Deserialize, Deserializer};

    /// Reads an optional ISO duration as whole seconds; unreadable text is a decode error.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_seconds(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid ISO-8601 duration `{text}`"))
            }),
        }
    }
}

/// Like [`serde_seconds`] but in milliseconds.
pub(crate) mod serde_millis {
    use serde::{Deserialize, Deserializer};

    /// Reads an optional ISO duration as whole milliseconds.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_millis(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("invalid ISO-8601 duration `{text}`"))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle() -> serde_json::Value {
        // `shared/` sits next to the checkout, which may be one or two folders deep (worktrees).
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared/oracle/iso_durations.json"))
            .find(|p| p.exists())
            .expect("oracle iso_durations.json next to the checkout");
        let text = std::fs::read_to_string(path).expect("oracle iso_durations.json is readable");
        serde_json::from_str(&text).expect("oracle iso_durations.json is JSON")
    }

    fn section<'a>(
        oracle: &'a serde_json::Value,
        prefix: &str,
    ) -> &'a serde_json::Map<String, serde_json::Value> {
        oracle
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.starts_with(prefix)))
            .and_then(|(_, v)| v.as_object())
            .expect("section present")
    }

    #[test]
    fn seconds_match_every_oracle_entry() {
        let oracle = oracle();
        let cases = section(&oracle, "seconds");
        assert!(cases.len() >= 10);
        for (input, expected) in cases {
            let seconds: f64 = input.parse().expect("numeric key");
            let got = from_seconds(seconds);
            assert_eq!(got.as_deref(), expected.as_str(), "seconds {input}");
        }
    }

    #[test]
    fn millis_match_every_oracle_entry() {
        let oracle = oracle();
        let cases = section(&oracle, "milliseconds");
        assert!(cases.len() >= 10);
        for (input, expected) in cases {
            let millis: i64 = input.parse().expect("integer key");
            assert_eq!(
                from_millis(millis).as_deref(),
                expected.as_str(),
                "millis {input}"
            );
        }
    }

    #[test]
    fn oracle_outputs_parse_back_to_their_inputs() {
        let oracle = oracle();
        for (input, expected) in section(&oracle, "milliseconds") {
            if let Some(text) = expected.as_str() {
                let millis: i64 = input.parse().expect("integer key");
                assert_eq!(parse_millis(text), Some(millis), "{text}");
            }
        }
        for (input, expected) in section(&oracle, "seconds") {
            if let Some(text) = expected.as_str() {
                let seconds: f64 = input.parse().expect("numeric key");
                let micros = parse_micros(text).expect("parses");
                assert_eq!(micros, (seconds * 1e6).round() as i128, "{text}");
            }
        }
    }

    #[test]
    fn whole_seconds_and_service_forms() {
        assert_eq!(from_whole_seconds(0), None);
        assert_eq!(from_whole_seconds(30).as_deref(), Some("PT30S"));
        assert_eq!(parse_seconds("PT5M"), Some(300));
        assert_eq!(parse_millis("PT0.5S"), Some(500));
        assert_eq!(parse_seconds("PT0.5S"), Some(0));
        assert_eq!(parse_seconds("P1DT2H"), Some(93_600));
        assert_eq!(parse_seconds("PT10S"), Some(10));
        assert_eq!(parse_seconds("-PT5S"), Some(-5));
        assert_eq!(parse_seconds("P1W"), Some(604_800));
        assert_eq!(parse_seconds("PT1H1M1S"), Some(3_661));
        assert_eq!(parse_seconds("00:00:05"), Some(5));
        assert_eq!(parse_seconds("1.02:00:00"), Some(93_600));
        assert_eq!(parse_millis("PT1M30.001S"), Some(90_001));
    }

    #[test]
    fn garbage_is_rejected_not_panicking() {
        for bad in [
            "",
            "P",
            "PT",
            "5S",
            "PTS",
            "P5",
            "PT5X",
            "P1H",
            "PT1D",
            "P.S",
            "PT1.2.3S",
            "-",
            "1:2",
            "P99999999999999999999999999999999999999D",
            "9999999999999999999999999999999.00:00:00",
            "99999999999999999999999999999999999999:00:00",
            "1.99999999999999999999999999999999999:00:00",
            "-P99999999999999999999999999999999999999Y",
        ] {
            assert_eq!(parse_micros(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn large_but_representable_values_parse_exactly() {
        assert_eq!(parse_seconds("100000.00:00:00"), Some(100_000 * 86_400));
        // Past i64 seconds: rejected, not wrapped.
        assert_eq!(parse_seconds("P999999999999999999D"), None);
        assert_eq!(parse_std("PT1.5S"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_std("-PT1S"), None);
        assert_eq!(parse_std("PT99999999999999999999999S"), None);
    }
}
