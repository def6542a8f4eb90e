//! Time zones of autoscale profiles, offline: a table of the Windows names Azure Monitor uses
//! (`W. Europe Standard Time`, `Pacific Standard Time`, …) and their usual IANA aliases, with
//! today's daylight-saving rules for Europe, the US/Canada, south-east Australia and New
//! Zealand; every other listed zone is a fixed offset. Fixed offsets are also accepted as
//! `UTC`, `UTC+01:00`, `UTC-5`, `+05:30`, `-0800`.
//!
//! Not a time-zone database: historical rule changes are ignored, and zones missing from the
//! table are refused when a setting is stored (so a typo fails loudly instead of scaling at the
//! wrong hour).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// Daylight-saving rule of a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dst {
    /// No daylight saving.
    None,
    /// EU: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    Europe,
    /// US/Canada: second Sunday of March 02:00 local to first Sunday of November 02:00 local.
    NorthAmerica,
    /// South-east Australia: first Sunday of October 02:00 to first Sunday of April 03:00 local.
    Australia,
    /// New Zealand: last Sunday of September 02:00 to first Sunday of April 03:00 local.
    NewZealand,
}

/// A resolved time zone: standard offset and daylight-saving rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Zone {
    standard_minutes: i32,
    dst: Dst,
}

const ZONES: &[(&str, i32, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("Coordinated Universal Time", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("Greenwich Standard Time", 0, Dst::None),
    ("Atlantic/Reykjavik", 0, Dst::None),
    ("GMT Standard Time", 0, Dst::Europe),
    ("Europe/London", 0, Dst::Europe),
    ("Europe/Dublin", 0, Dst::Europe),
    ("Europe/Lisbon", 0, Dst::Europe),
    ("W. Europe Standard Time", 60, Dst::Europe),
    ("Europe/Berlin", 60, Dst::Europe),
    ("Europe/Amsterdam", 60, Dst::Europe),
    ("Europe/Rome", 60, Dst::Europe),
    ("Europe/Stockholm", 60, Dst::Europe),
    ("Europe/Vienna", 60, Dst::Europe),
    ("Europe/Zurich", 60, Dst::Europe),
    ("Romance Standard Time", 60, Dst::Europe),
    ("Europe/Paris", 60, Dst::Europe),
    ("Europe/Madrid", 60, Dst::Europe),
    ("Europe/Brussels", 60, Dst::Europe),
    ("Europe/Copenhagen", 60, Dst::Europe),
    ("Central Europe Standard Time", 60, Dst::Europe),
    ("Europe/Budapest", 60, Dst::Europe),
    ("Europe/Prague", 60, Dst::Europe),
    ("Central European Standard Time", 60, Dst::Europe),
    ("Europe/Warsaw", 60, Dst::Europe),
    ("W. Central Africa Standard Time", 60, Dst::None),
    ("Africa/Lagos", 60, Dst::None),
    ("GTB Standard Time", 120, Dst::Europe),
    ("Europe/Athens", 120, Dst::Europe),
    ("Europe/Bucharest", 120, Dst::Europe),
    ("FLE Standard Time", 120, Dst::Europe),
    ("Europe/Helsinki", 120, Dst::Europe),
    ("Europe/Kiev", 120, Dst::Europe),
    ("Europe/Kyiv", 120, Dst::Europe),
    ("E. Europe Standard Time", 120, Dst::Europe),
    ("Europe/Chisinau", 120, Dst::Europe),
    ("South Africa Standard Time", 120, Dst::None),
    ("Africa/Johannesburg", 120, Dst::None),
    ("Russian Standard Time", 180, Dst::None),
    ("Europe/Moscow", 180, Dst::None),
    ("Turkey Standard Time", 180, Dst::None),
    ("Europe/Istanbul", 180, Dst::None),
    ("Arab Standard Time", 180, Dst::None),
    ("Asia/Riyadh", 180, Dst::None),
    ("E. Africa Standard Time", 180, Dst::None),
    ("Africa/Nairobi", 180, Dst::None),
    ("Arabian Standard Time", 240, Dst::None),
    ("Asia/Dubai", 240, Dst::None),
    ("Pakistan Standard Time", 300, Dst::None),
    ("Asia/Karachi", 300, Dst::None),
    ("West Asia Standard Time", 300, Dst::None),
    ("Asia/Tashkent", 300, Dst::None),
    ("India Standard Time", 330, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Calcutta", 330, Dst::None),
    ("Nepal Standard Time", 345, Dst::None),
    ("Asia/Kathmandu", 345, Dst::None),
    ("Bangladesh Standard Time", 360, Dst::None),
    ("Asia/Dhaka", 360, Dst::None),
    ("SE Asia Standard Time", 420, Dst::None),
    ("Asia/Bangkok", 420, Dst::None),
    ("Asia/Jakarta", 420, Dst::None),
    ("China Standard Time", 480, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Hong_Kong", 480, Dst::None),
    ("Singapore Standard Time", 480, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Taipei Standard Time", 480, Dst::None),
    ("Asia/Taipei", 480, Dst::None),
    ("W. Australia Standard Time", 480, Dst::None),
    ("Australia/Perth", 480, Dst::None),
    ("Tokyo Standard Time", 540, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Korea Standard Time", 540, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("AUS Central Standard Time", 570, Dst::None),
    ("Australia/Darwin", 570, Dst::None),
    ("Cen. Australia Standard Time", 570, Dst::Australia),
    ("Australia/Adelaide", 570, Dst::Australia),
    ("E. Australia Standard Time", 600, Dst::None),
    ("Australia/Brisbane", 600, Dst::None),
    ("AUS Eastern Standard Time", 600, Dst::Australia),
    ("Australia/Sydney", 600, Dst::Australia),
    ("Australia/Melbourne", 600, Dst::Australia),
    ("Australia/Canberra", 600, Dst::Australia),
    ("Tasmania Standard Time", 600, Dst::Australia),
    ("Australia/Hobart", 600, Dst::Australia),
    ("New Zealand Standard Time", 720, Dst::NewZealand),
    ("Pacific/Auckland", 720, Dst::NewZealand),
    ("Azores Standard Time", -60, Dst::Europe),
    ("Atlantic/Azores", -60, Dst::Europe),
    ("E. South America Standard Time", -180, Dst::None),
    ("America/Sao_Paulo", -180, Dst::None),
    ("Argentina Standard Time", -180, Dst::None),
    ("America/Buenos_Aires", -180, Dst::None),
    ("America/Argentina/Buenos_Aires", -180, Dst::None),
    ("Atlantic Standard Time", -240, Dst::NorthAmerica),
    ("America/Halifax", -240, Dst::NorthAmerica),
    ("SA Western Standard Time", -240, Dst::None),
    ("America/La_Paz", -240, Dst::None),
    ("Eastern Standard Time", -300, Dst::NorthAmerica),
    ("America/New_York", -300, Dst::NorthAmerica),
    ("America/Toronto", -300, Dst::NorthAmerica),
    ("US Eastern Standard Time", -300, Dst::NorthAmerica),
    ("America/Indiana/Indianapolis", -300, Dst::NorthAmerica),
    ("SA Pacific Standard Time", -300, Dst::None),
    ("America/Bogota", -300, Dst::None),
    ("America/Lima", -300, Dst::None),
    ("Central Standard Time", -360, Dst::NorthAmerica),
    ("America/Chicago", -360, Dst::NorthAmerica),
    ("America/Winnipeg", -360, Dst::NorthAmerica),
    ("Canada Central Standard Time", -360, Dst::None),
    ("America/Regina", -360, Dst::None),
    ("Central Standard Time (Mexico)", -360, Dst::None),
    ("America/Mexico_City", -360, Dst::None),
    ("Mountain Standard Time", -420, Dst::NorthAmerica),
    ("America/Denver", -420, Dst::NorthAmerica),
    ("America/Edmonton", -420, Dst::NorthAmerica),
    ("US Mountain Standard Time", -420, Dst::None),
    ("America/Phoenix", -420, Dst::None),
    ("Pacific Standard Time", -480, Dst::NorthAmerica),
    ("America/Los_Angeles", -480, Dst::NorthAmerica),
    ("America/Vancouver", -480, Dst::NorthAmerica),
    ("Alaskan Standard Time", -540, Dst::NorthAmerica),
    ("America/Anchorage", -540, Dst::NorthAmerica),
    ("Hawaiian Standard Time", -600, Dst::None),
    ("Pacific/Honolulu", -600, Dst::None),
];

/// The zone named `name` (case-insensitive): a table entry or a fixed offset.
pub(crate) fn lookup(name: &str) -> Option<Zone> {
    let name = name.trim();
    if let Some((_, minutes, dst)) = ZONES.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)) {
        return Some(Zone {
            standard_minutes: *minutes,
            dst: *dst,
        });
    }
    fixed_offset(name).map(|standard_minutes| Zone {
        standard_minutes,
        dst: Dst::None,
    })
}

/// `UTC`, `GMT`, `Z`, `UTC+01:00`, `GMT-5`, `+05:30`, `-0800` → minutes east of UTC (±14 h).
fn fixed_offset(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    if rest.is_empty() || rest == "Z" {
        return (!upper.is_empty()).then_some(0);
    }
    let (sign, digits) = match rest.split_at_checked(1)? {
        ("+", d) => (1, d),
        ("-", d) => (-1, d),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at_checked(2)?,
        None => (digits, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (h, m): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (h <= 14 && m < 60 && h * 60 + m <= 14 * 60).then_some(sign * (h * 60 + m))
}

fn nth_sunday(year: i32, month: Month, n: u8) -> Option<Date> {
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let to_sunday = (7 - first.weekday().number_days_from_sunday()) % 7;
    let day = 1 + to_sunday + 7 * n.checked_sub(1)?;
    Date::from_calendar_date(year, month, day).ok()
}

fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let last = Date::from_calendar_date(year, month, month.length(year)).ok()?;
    let back = last.weekday().number_days_from_sunday();
    last.checked_sub(time::Duration::days(i64::from(back)))
}

/// The instant a wall-clock time names in a zone `offset_minutes` east of UTC (`None` past the
/// ends of the calendar).
fn west_of(local: PrimitiveDateTime, offset_minutes: i32) -> Option<OffsetDateTime> {
    local
        .assume_utc()
        .checked_sub(time::Duration::minutes(i64::from(offset_minutes)))
}

/// `date` at `hour`:00 in a zone `offset_minutes` east of UTC, as a UTC instant.
fn at_local(date: Option<Date>, hour: u8, offset_minutes: i32) -> Option<OffsetDateTime> {
    west_of(
        PrimitiveDateTime::new(date?, Time::from_hms(hour, 0, 0).ok()?),
        offset_minutes,
    )
}

impl Zone {
    /// True when daylight saving is in force at `utc`.
    fn in_dst(&self, utc: OffsetDateTime) -> bool {
        let year = utc.year();
        let std = self.standard_minutes;
        let window = |start: Option<OffsetDateTime>, end: Option<OffsetDateTime>| match (start, end)
        {
            (Some(s), Some(e)) => Some((s, e)),
            _ => None,
        };
        let (start, end, southern) = match self.dst {
            Dst::None => return false,
            Dst::Europe => match window(
                at_local(last_sunday(year, Month::March), 1, 0),
                at_local(last_sunday(year, Month::October), 1, 0),
            ) {
                Some((s, e)) => (s, e, false),
                None => return false,
            },
            Dst::NorthAmerica => match window(
                at_local(nth_sunday(year, Month::March, 2), 2, std),
                at_local(nth_sunday(year, Month::November, 1), 2, std + 60),
            ) {
                Some((s, e)) => (s, e, false),
                None => return false,
            },
            Dst::Australia => match window(
                at_local(nth_sunday(year, Month::October, 1), 2, std),
                at_local(nth_sunday(year, Month::April, 1), 3, std + 60),
            ) {
                Some((s, e)) => (s, e, true),
                None => return false,
            },
            Dst::NewZealand => match window(
                at_local(last_sunday(year, Month::September), 2, std),
                at_local(nth_sunday(year, Month::April, 1), 3, std + 60),
            ) {
                Some((s, e)) => (s, e, true),
                None => return false,
            },
        };
        if southern {
            // Summer spans the new year: in force after the October/September start or before
            // the April end.
            utc >= start || utc < end
        } else {
            utc >= start && utc < end
        }
    }

    /// The offset in force at `utc`.
    pub(crate) fn offset_at(&self, utc: OffsetDateTime) -> UtcOffset {
        let minutes = self.standard_minutes + if self.in_dst(utc) { 60 } else { 0 };
        UtcOffset::from_whole_seconds(minutes * 60).unwrap_or(UtcOffset::UTC)
    }

    /// `utc` as wall-clock time in this zone (UTC's at the ends of the calendar).
    pub(crate) fn local(&self, utc: OffsetDateTime) -> PrimitiveDateTime {
        let local = utc.checked_to_offset(self.offset_at(utc)).unwrap_or(utc);
        PrimitiveDateTime::new(local.date(), local.time())
    }

    /// The instant a wall-clock time in this zone names. In the hour skipped by the spring
    /// change the standard offset is used; in the repeated autumn hour, the first (daylight)
    /// occurrence.
    pub(crate) fn instant_of(&self, local: PrimitiveDateTime) -> OffsetDateTime {
        if self.dst != Dst::None {
            if let Some(daylight) = west_of(local, self.standard_minutes + 60) {
                if self.in_dst(daylight) {
                    return daylight;
                }
            }
        }
        west_of(local, self.standard_minutes).unwrap_or_else(|| local.assume_utc())
    }
}

/// `Monday`…`Sunday` (any case, or three-letter abbreviations) or `0`…`6` with 0 = Sunday, as
/// Azure accepts in recurrence schedules.
pub(crate) fn weekday(text: &str) -> Option<Weekday> {
    const DAYS: [Weekday; 7] = [
        Weekday::Sunday,
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
    ];
    let text = text.trim();
    if let Ok(n) = text.parse::<usize>() {
        return DAYS.get(n).copied();
    }
    DAYS.iter().copied().find(|d| {
        let name = d.to_string();
        name.eq_ignore_ascii_case(text)
            || (text.len() == 3 && name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case(text)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    fn zone(name: &str) -> Zone {
        lookup(name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn windows_names_and_iana_aliases_resolve() {
        assert_eq!(
            zone("UTC").offset_at(datetime!(2024-07-01 0:00 UTC)),
            offset!(UTC)
        );
        assert_eq!(zone("w. europe standard time"), zone("Europe/Berlin"));
        assert_eq!(zone("Pacific Standard Time"), zone("America/Los_Angeles"));
        assert_eq!(
            zone("India Standard Time").offset_at(datetime!(2024-07-01 0:00 UTC)),
            offset!(+5:30)
        );
        assert!(lookup("Mars/Olympus_Mons").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn fixed_offsets_parse_within_fourteen_hours() {
        for (text, minutes) in [
            ("UTC+01:00", 60),
            ("UTC-5", -300),
            ("GMT+2", 120),
            ("+05:30", 330),
            ("-0800", -480),
            ("Z", 0),
            ("utc", 0),
        ] {
            assert_eq!(fixed_offset(text), Some(minutes), "{text}");
        }
        for bad in [
            "UTC+15",
            "+1:60",
            "+",
            "UTC+1:2:3",
            "++1",
            "UTC+abc",
            "+123",
        ] {
            assert_eq!(fixed_offset(bad), None, "{bad}");
        }
    }

    #[test]
    fn europe_switches_on_the_last_sundays_at_one_utc() {
        let z = zone("W. Europe Standard Time");
        // 2024: 31 March and 27 October.
        assert_eq!(z.offset_at(datetime!(2024-03-31 00:59 UTC)), offset!(+1));
        assert_eq!(z.offset_at(datetime!(2024-03-31 01:00 UTC)), offset!(+2));
        assert_eq!(z.offset_at(datetime!(2024-10-27 00:59 UTC)), offset!(+2));
        assert_eq!(z.offset_at(datetime!(2024-10-27 01:00 UTC)), offset!(+1));
        assert_eq!(
            zone("GMT Standard Time").offset_at(datetime!(2024-07-01 0:00 UTC)),
            offset!(+1)
        );
    }

    #[test]
    fn north_america_switches_at_two_local() {
        let z = zone("Pacific Standard Time");
        // 2024: 10 March and 3 November.
        assert_eq!(z.offset_at(datetime!(2024-03-10 09:59 UTC)), offset!(-8));
        assert_eq!(z.offset_at(datetime!(2024-03-10 10:00 UTC)), offset!(-7));
        assert_eq!(z.offset_at(datetime!(2024-11-03 08:59 UTC)), offset!(-7));
        assert_eq!(z.offset_at(datetime!(2024-11-03 09:00 UTC)), offset!(-8));
        assert_eq!(
            zone("US Mountain Standard Time").offset_at(datetime!(2024-07-01 0:00 UTC)),
            offset!(-7)
        );
    }

    #[test]
    fn southern_summers_span_the_new_year() {
        let sydney = zone("AUS Eastern Standard Time");
        assert_eq!(
            sydney.offset_at(datetime!(2024-01-15 0:00 UTC)),
            offset!(+11)
        );
        assert_eq!(
            sydney.offset_at(datetime!(2024-07-15 0:00 UTC)),
            offset!(+10)
        );
        // 2024: ends 7 April 03:00 local (16:00 UTC the day before), starts 6 October 02:00.
        assert_eq!(
            sydney.offset_at(datetime!(2024-04-06 15:59 UTC)),
            offset!(+11)
        );
        assert_eq!(
            sydney.offset_at(datetime!(2024-04-06 16:00 UTC)),
            offset!(+10)
        );
        assert_eq!(
            sydney.offset_at(datetime!(2024-10-05 15:59 UTC)),
            offset!(+10)
        );
        assert_eq!(
            sydney.offset_at(datetime!(2024-10-05 16:00 UTC)),
            offset!(+11)
        );
        let auckland = zone("New Zealand Standard Time");
        assert_eq!(
            auckland.offset_at(datetime!(2024-01-15 0:00 UTC)),
            offset!(+13)
        );
        assert_eq!(
            auckland.offset_at(datetime!(2024-07-15 0:00 UTC)),
            offset!(+12)
        );
    }

    #[test]
    fn wall_clock_round_trips_and_gaps_use_standard_time() {
        let z = zone("W. Europe Standard Time");
        for utc in [
            datetime!(2024-01-10 08:00 UTC),
            datetime!(2024-07-10 08:00 UTC),
            datetime!(2024-10-27 00:30 UTC),
        ] {
            assert_eq!(z.instant_of(z.local(utc)), utc, "{utc}");
        }
        // 02:30 on 31 March 2024 does not exist in Berlin: read as standard time.
        assert_eq!(
            z.instant_of(datetime!(2024-03-31 02:30)),
            datetime!(2024-03-31 01:30 UTC)
        );
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        let z = zone("AUS Eastern Standard Time");
        let last = datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(z.local(last), datetime!(9999-12-31 23:59:59));
        let _ = z.instant_of(datetime!(-9999-01-01 0:00));
        let _ = zone("Pacific Standard Time").instant_of(datetime!(-9999-01-01 0:00));
        let _ = zone("Pacific Standard Time").offset_at(datetime!(-9999-01-01 0:00 UTC));
    }

    #[test]
    fn weekdays_by_name_abbreviation_or_number() {
        assert_eq!(weekday("Monday"), Some(Weekday::Monday));
        assert_eq!(weekday("sat"), Some(Weekday::Saturday));
        assert_eq!(weekday("0"), Some(Weekday::Sunday));
        assert_eq!(weekday("1"), Some(Weekday::Monday));
        assert_eq!(weekday("7"), None);
        assert_eq!(weekday("Funday"), None);
    }
}
