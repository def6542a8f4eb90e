//! Which profile of a setting is in force: a fixed-date profile whose window holds `now`, else
//! the recurring profile that started last (a weekly profile runs until another one starts),
//! else the default profile (the one with neither), as Azure Monitor picks them.

use time::{Duration, OffsetDateTime, Time, Weekday};

use super::spec::{Profile, Schedule};
use crate::core::monitor::timezone::Zone;

/// The most recent start of a weekly schedule at or before `now` (within the last 8 days).
fn latest_start(
    zone: &Zone,
    days: &[Weekday],
    hours: &[u8],
    minutes: &[u8],
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let today = zone.local(now).date();
    let mut best: Option<OffsetDateTime> = None;
    // Bounded: 8 days × at most 24 hours × 60 minutes (the parser caps the lists).
    for back in 0..=7 {
        let Some(date) = today.checked_sub(Duration::days(back)) else {
            continue;
        };
        if !days.contains(&date.weekday()) {
            continue;
        }
        for hour in hours {
            for minute in minutes {
                let Ok(at) = Time::from_hms(*hour, *minute, 0) else {
                    continue;
                };
                let start = zone.instant_of(date.with_time(at));
                if start <= now && best.is_none_or(|b| start > b) {
                    best = Some(start);
                }
            }
        }
    }
    best
}

/// The profile in force at `now`, if any.
pub(crate) fn active_profile(profiles: &[Profile], now: OffsetDateTime) -> Option<&Profile> {
    let fixed = profiles.iter().find(
        |p| matches!(p.schedule, Schedule::Fixed { start, end } if start <= now && now < end),
    );
    if fixed.is_some() {
        return fixed;
    }
    let mut recurring: Option<(&Profile, OffsetDateTime)> = None;
    for p in profiles {
        if let Schedule::Weekly {
            zone,
            days,
            hours,
            minutes,
        } = &p.schedule
        {
            if let Some(start) = latest_start(zone, days, hours, minutes, now) {
                if recurring.is_none_or(|(_, best)| start > best) {
                    recurring = Some((p, start));
                }
            }
        }
    }
    if let Some((p, _)) = recurring {
        return Some(p);
    }
    profiles.iter().find(|p| p.schedule == Schedule::Always)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::monitor::timezone::lookup;
    use time::macros::datetime;

    fn profile(name: &str, schedule: Schedule) -> Profile {
        Profile {
            name: name.into(),
            minimum: 1,
            maximum: 1,
            default: 1,
            rules: Vec::new(),
            schedule,
        }
    }

    fn weekly(zone: &str, days: &[Weekday], hour: u8) -> Schedule {
        Schedule::Weekly {
            zone: lookup(zone).unwrap(),
            days: days.to_vec(),
            hours: vec![hour],
            minutes: vec![0],
        }
    }

    fn active(profiles: &[Profile], now: OffsetDateTime) -> Option<&str> {
        active_profile(profiles, now).map(|p| p.name.as_str())
    }

    #[test]
    fn fixed_date_beats_recurrence_beats_default() {
        let profiles = [
            profile("default", Schedule::Always),
            profile("weekdays", weekly("UTC", &[Weekday::Monday], 8)),
            profile(
                "launch",
                Schedule::Fixed {
                    start: datetime!(2024-05-06 09:00 UTC),
                    end: datetime!(2024-05-06 10:00 UTC),
                },
            ),
        ];
        // Monday 6 May 2024.
        assert_eq!(
            active(&profiles, datetime!(2024-05-06 09:30 UTC)),
            Some("launch")
        );
        assert_eq!(
            active(&profiles, datetime!(2024-05-06 10:00 UTC)),
            Some("weekdays")
        );
        // A weekly profile runs until another starts: still in force a week later.
        assert_eq!(
            active(&profiles, datetime!(2024-05-13 07:59 UTC)),
            Some("weekdays")
        );
        let only_default = [profile("default", Schedule::Always)];
        assert_eq!(
            active(&only_default, datetime!(2024-05-06 09:30 UTC)),
            Some("default")
        );
        assert_eq!(active(&[], datetime!(2024-05-06 09:30 UTC)), None);
    }

    #[test]
    fn recurrences_hand_over_at_their_local_start_times() {
        let profiles = [
            profile(
                "day",
                weekly(
                    "W. Europe Standard Time",
                    &[Weekday::Monday, Weekday::Tuesday],
                    8,
                ),
            ),
            profile(
                "night",
                weekly(
                    "W. Europe Standard Time",
                    &[Weekday::Monday, Weekday::Tuesday],
                    20,
                ),
            ),
        ];
        let expected = [
            // Summer: 08:00 in Berlin is 06:00 UTC.
            (datetime!(2024-07-01 05:59 UTC), "night"),
            (datetime!(2024-07-01 06:00 UTC), "day"),
            (datetime!(2024-07-01 18:00 UTC), "night"),
            // Winter: 08:00 in Berlin is 07:00 UTC.
            (datetime!(2024-01-08 06:30 UTC), "night"),
            (datetime!(2024-01-08 07:00 UTC), "day"),
            // Wednesday to Sunday: the Tuesday night profile is still in force.
            (datetime!(2024-07-06 12:00 UTC), "night"),
        ];
        for (now, name) in expected {
            assert_eq!(active(&profiles, now), Some(name), "{now}");
        }
    }

    #[test]
    fn a_recurrence_with_no_start_times_never_starts() {
        let empty = Schedule::Weekly {
            zone: lookup("UTC").unwrap(),
            days: vec![Weekday::Monday],
            hours: Vec::new(),
            minutes: vec![0],
        };
        let profiles = [
            profile("never", empty),
            profile("default", Schedule::Always),
        ];
        assert_eq!(
            active(&profiles, datetime!(2024-05-06 09:30 UTC)),
            Some("default")
        );
    }
}
