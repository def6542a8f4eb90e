//! Where the monitor's "now" comes from: the system clock in a running emulator, a clock the
//! test moves by hand otherwise, so nothing in the core (or its tests) ever sleeps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time (UTC).
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to (microsecond resolution; lock-free).
///
/// ```
/// use std::time::Duration;
/// use azureml_emulator::core::monitor::{Clock, ManualClock};
/// let clock = ManualClock::new(time::macros::datetime!(2024-05-01 10:00 UTC));
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), time::macros::datetime!(2024-05-01 10:01:30 UTC));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

/// 9999-12-31T23:59:59Z, the last instant `time` represents by default, in microseconds.
const MAX_MICROS: i64 = 253_402_300_799_000_000;

fn to_micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(MAX_MICROS)
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            micros: AtomicI64::new(to_micros(start)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: OffsetDateTime) {
        self.micros.store(to_micros(now), Ordering::SeqCst);
    }

    /// Moves the time forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let step = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        let _ = self
            .micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(step).min(MAX_MICROS))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let micros = i128::from(self.micros.load(Ordering::SeqCst));
        OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH) // unreachable: set and advance stay in range
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(datetime!(2024-01-01 00:00 UTC));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:00 UTC));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:00:01.5 UTC));
        clock.set(datetime!(2030-06-01 12:00 UTC));
        assert_eq!(clock.now(), datetime!(2030-06-01 12:00 UTC));
        clock.advance(Duration::MAX);
        assert!(clock.now() >= datetime!(2030-06-01 12:00 UTC));
    }
}
