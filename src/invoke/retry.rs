//! When to try a scoring POST again without a `Retry-After`: the fallback backoff, and how an
//! `MLClient`'s `ClientOptions::retry` maps onto it.

use std::time::Duration;

use azure_core::http::RetryOptions;

/// The wait before retry `n` (1-based) when the server named none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The first wait.
    pub(crate) initial: Duration,
    /// Each wait doubles the previous one (otherwise every wait is `initial`).
    pub(crate) doubling: bool,
    /// No wait is longer.
    pub(crate) max: Duration,
}

impl Default for Backoff {
    /// 200 ms, 400 ms, 800 ms, … (the caller caps it by its longest retry wait).
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(200),
            doubling: true,
            max: Duration::MAX,
        }
    }
}

impl Backoff {
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let delay = if self.doubling {
            self.initial
                .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
        } else {
            self.initial
        };
        delay.min(self.max)
    }
}

/// What an `MLClient`'s retry options mean for scoring, whose own loop retries 429/503 and
/// connections that never opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryChoice {
    /// Left at azure_core's default: the scoring defaults (3 retries, 200 ms doubling).
    Default,
    /// This many retries, with this backoff (`RetryOptions::none()`: zero).
    Limits { max_retries: u32, backoff: Backoff },
    /// `RetryOptions::custom`: only a pipeline can run it.
    Custom,
}

/// Reads `options` (azure_core keeps its mode private, so through its `Debug` form, whose shape
/// the tests below pin: a change in azure_core fails them rather than silently mis-reading).
pub(crate) fn retry_choice(options: &RetryOptions) -> RetryChoice {
    let text = format!("{options:?}");
    if text == format!("{:?}", RetryOptions::default()) {
        return RetryChoice::Default;
    }
    if text.contains("mode: None") {
        return RetryChoice::Limits {
            max_retries: 0,
            backoff: Backoff::default(),
        };
    }
    let exponential = text.contains("mode: Exponential(");
    let fixed = text.contains("mode: Fixed(");
    if !exponential && !fixed {
        return RetryChoice::Custom;
    }
    let max_retries = field(&text, "max_retries: ").and_then(|v| v.parse::<u32>().ok());
    let first = if exponential {
        duration_field(&text, "initial_delay: ")
    } else {
        duration_field(&text, "delay: ")
    };
    let max = if exponential {
        duration_field(&text, "max_delay: ")
    } else {
        first
    };
    match (max_retries, first, max) {
        (Some(max_retries), Some(initial), Some(max)) => RetryChoice::Limits {
            max_retries,
            backoff: Backoff {
                initial,
                doubling: exponential,
                max: max.max(initial),
            },
        },
        // Unreadable: keep the scoring defaults rather than guess.
        _ => RetryChoice::Default,
    }
}

/// The text after `name` up to the next `,`, `}` or `)`.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(name)? + name.len();
    let rest = &text[start..];
    let end = rest.find([',', '}', ')']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// A `time::Duration` field (`Duration { seconds: 1, nanoseconds: 500000000 }`).
fn duration_field(text: &str, name: &str) -> Option<Duration> {
    let start = text.find(name)? + name.len();
    let rest = &text[start..];
    let body = &rest[..rest.find('}')?];
    let seconds: i64 = field(body, "seconds: ")?.parse().ok()?;
    let nanos: i64 = field(body, "nanoseconds: ")?.parse().ok()?;
    let seconds = u64::try_from(seconds).ok()?;
    let nanos = u32::try_from(nanos).ok()?;
    Some(Duration::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::{ExponentialRetryOptions, FixedRetryOptions};
    use azure_core::time::Duration as AzDuration;

    #[test]
    fn backoff_doubles() {
        let b = Backoff::default();
        assert_eq!(b.delay(1), Duration::from_millis(200));
        assert_eq!(b.delay(2), Duration::from_millis(400));
        assert_eq!(b.delay(3), Duration::from_millis(800));
        assert!(b.delay(u32::MAX) >= b.delay(17));
    }

    #[test]
    fn retry_options_map_onto_scoring_limits() {
        assert_eq!(retry_choice(&RetryOptions::default()), RetryChoice::Default);
        assert_eq!(
            retry_choice(&RetryOptions::none()),
            RetryChoice::Limits {
                max_retries: 0,
                backoff: Backoff::default()
            }
        );
        let fixed = RetryOptions::fixed(FixedRetryOptions {
            delay: AzDuration::milliseconds(1500),
            max_retries: 5,
            ..FixedRetryOptions::default()
        });
        assert_eq!(
            retry_choice(&fixed),
            RetryChoice::Limits {
                max_retries: 5,
                backoff: Backoff {
                    initial: Duration::from_millis(1500),
                    doubling: false,
                    max: Duration::from_millis(1500),
                }
            }
        );
        let exponential = RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: AzDuration::milliseconds(10),
            max_retries: 2,
            max_delay: AzDuration::seconds(3),
            ..ExponentialRetryOptions::default()
        });
        let choice = retry_choice(&exponential);
        assert_eq!(
            choice,
            RetryChoice::Limits {
                max_retries: 2,
                backoff: Backoff {
                    initial: Duration::from_millis(10),
                    doubling: true,
                    max: Duration::from_secs(3),
                }
            }
        );
        if let RetryChoice::Limits { backoff, .. } = choice {
            assert_eq!(backoff.delay(2), Duration::from_millis(20));
            assert_eq!(backoff.delay(12), Duration::from_secs(3));
        }
    }

    #[derive(Debug)]
    struct Mine;

    impl azure_core::http::policies::RetryPolicy for Mine {
        fn is_expired(&self, _: AzDuration, _: u32) -> bool {
            true
        }
        fn retry_headers(&self) -> Option<&azure_core::http::policies::RetryHeaders> {
            None
        }
        fn retry_status_codes(&self) -> &[azure_core::http::StatusCode] {
            &[]
        }
        fn sleep_duration(&self, _: u32) -> AzDuration {
            AzDuration::ZERO
        }
    }

    #[test]
    fn custom_retry_policies_are_recognised() {
        let custom = RetryOptions::custom(std::sync::Arc::new(Mine));
        assert_eq!(retry_choice(&custom), RetryChoice::Custom);
    }
}
