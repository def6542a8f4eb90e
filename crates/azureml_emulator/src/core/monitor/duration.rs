//! The ISO 8601 durations Azure Monitor speaks (`PT1M`, `PT5M`, `PT1H30M`, `P1D`, `PT0.5S`,
//! `P1W`), both ways. The core has no date library of its own for this, and the offline
//! workspace's parser lives behind the `local` feature.

use std::time::Duration;

/// Longest text accepted (longer is garbage, and keeps the loops short).
const MAX_LEN: usize = 64;

/// Parses `P[nW][nD][T[nH][nM][n[.f]S]]`; `None` for garbage, negative values, units out of
/// order or repeated, and values beyond ~292 000 years.
pub(crate) fn parse(text: &str) -> Option<Duration> {
    if text.len() > MAX_LEN {
        return None;
    }
    let body = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match body.split_once(['T', 't']) {
        Some((_, "")) => return None,
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut micros: u128 = 0;
    micros = micros.checked_add(units(date, &[('W', 604_800), ('D', 86_400)])?)?;
    if let Some(time) = time {
        micros = micros.checked_add(units(time, &[('H', 3_600), ('M', 60), ('S', 1)])?)?;
    }
    Some(Duration::from_micros(u64::try_from(micros).ok()?))
}

/// Sums `number unit` pairs of one part, units in the order of `order` (each at most once);
/// only the last unit may carry a fraction. Returns microseconds.
fn units(part: &str, order: &[(char, u128)]) -> Option<u128> {
    let mut total: u128 = 0;
    let mut allowed = order;
    let mut number = String::new();
    let mut fraction_seen = false;
    for c in part.chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(if c == ',' { '.' } else { c });
            continue;
        }
        let upper = c.to_ascii_uppercase();
        let position = allowed.iter().position(|(u, _)| *u == upper)?;
        let (_, seconds) = allowed.get(position)?;
        allowed = allowed.get(position + 1..)?;
        if fraction_seen || number.is_empty() {
            return None;
        }
        let (whole, frac) = number.split_once('.').unwrap_or((&number, ""));
        if whole.is_empty() || frac.contains('.') {
            return None;
        }
        fraction_seen = !frac.is_empty();
        let whole: u128 = whole.parse().ok()?;
        let frac_micros = fraction_micros(frac)?;
        total = total
            .checked_add(whole.checked_mul(seconds * 1_000_000)?)?
            .checked_add(frac_micros * seconds)?;
        number.clear();
    }
    number.is_empty().then_some(total)
}

/// `"5"` → 500 000 µs; digits past the sixth are dropped.
fn fraction_micros(frac: &str) -> Option<u128> {
    if frac.is_empty() {
        return Some(0);
    }
    let digits: String = frac.chars().take(6).collect();
    let value: u128 = digits.parse().ok()?;
    let scale = 10u128.pow(u32::try_from(6 - digits.len()).ok()?);
    Some(value * scale)
}

/// Formats a duration the way Azure writes grains: `PT1M`, `PT10S`, `PT1H`, `P1D`,
/// `P1DT2H`, `PT1.5S`; zero is `PT0S`.
pub(crate) fn format(duration: Duration) -> String {
    let total = duration.as_secs();
    let micros = duration.subsec_micros();
    let (days, rest) = (total / 86_400, total % 86_400);
    let (hours, minutes, seconds) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    let mut time = String::new();
    if hours > 0 {
        time.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        time.push_str(&format!("{minutes}M"));
    }
    if micros > 0 {
        let frac = format!("{micros:06}");
        time.push_str(&format!("{seconds}.{}S", frac.trim_end_matches('0')));
    } else if seconds > 0 || (days == 0 && time.is_empty()) {
        time.push_str(&format!("{seconds}S"));
    }
    if !time.is_empty() {
        out.push('T');
        out.push_str(&time);
    }
    out
}

/// Asserts that `parse` reads each text of `cases` as its seconds and refuses each of `bad`:
/// the table tests of both ISO 8601 duration parsers (this one and the offline workspace's).
#[cfg(test)]
pub(crate) fn assert_parses(
    parse: impl Fn(&str) -> Option<Duration>,
    cases: &[(&str, f64)],
    bad: &[&str],
) {
    for (text, secs) in cases {
        let d = parse(text).unwrap_or_else(|| panic!("{text}"));
        assert!((d.as_secs_f64() - secs).abs() < 1e-9, "{text}");
    }
    for text in bad {
        assert_eq!(parse(text), None, "{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_azure_sends() {
        let cases = [
            ("PT1M", 60.0),
            ("PT10S", 10.0),
            ("PT5M", 300.0),
            ("PT12H", 43_200.0),
            ("PT1H30M", 5_400.0),
            ("P1D", 86_400.0),
            ("P7D", 604_800.0),
            ("P1W", 604_800.0),
            ("P1DT1H1M1S", 90_061.0),
            ("PT0.5S", 0.5),
            ("PT1M30.25S", 90.25),
            ("pt1m", 60.0),
        ];
        assert_parses(parse, &cases, &[]);
    }

    #[test]
    fn refuses_garbage() {
        let bad = [
            "", "P", "PT", "-PT5M", "PT5", "PTS", "PT1S1M", "5M", "PT1X", "PT1.5M2S", "PT.5S",
            "PT1M1M", "P1DT", "PT1..5S", "FULL", "P1Y",
        ];
        assert_parses(parse, &[], &bad);
        assert_eq!(parse(&"9".repeat(100)), None);
        assert_eq!(parse("P99999999999999999999999999999D"), None);
    }

    #[test]
    fn formats_like_azure_and_round_trips() {
        for (secs, text) in [
            (0, "PT0S"),
            (10, "PT10S"),
            (60, "PT1M"),
            (300, "PT5M"),
            (3_600, "PT1H"),
            (5_400, "PT1H30M"),
            (86_400, "P1D"),
            (90_061, "P1DT1H1M1S"),
        ] {
            assert_eq!(format(Duration::from_secs(secs)), text);
            assert_eq!(parse(text), Some(Duration::from_secs(secs)), "{text}");
        }
        assert_eq!(format(Duration::from_millis(1_500)), "PT1.5S");
    }
}
