//! When an instance's probes run and what ends them.
//!
//! Azure counts both probes' `initial_delay` from the container's start, probes every
//! `period` and gives up after `failure_threshold` failures in a row. Offline the liveness
//! probe keeps exactly that timing. The readiness probe, unless the workspace was started with
//! [`exact_probe_timing`](crate::local::LocalWorkspaceOptions::exact_probe_timing), is asked
//! as soon as the server listens and then at most a second apart, so a deployment serves the
//! moment its `init()` is done, not at the next multiple of `period`; it still gives up only
//! when Azure's window (`initial_delay + period × failure_threshold`) is over, so a slow
//! `init()` is never given less time than on Azure.

use std::time::Duration;

use tokio::process::Child;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::local::spec::Probe;

/// Longest time between two readiness checks offline.
const FAST_PERIOD: Duration = Duration::from_secs(1);

/// Time between two checks while the server does not listen yet (fast readiness).
const LISTEN_POLL: Duration = Duration::from_millis(20);

/// What one check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// `GET /` answered 200.
    Passed,
    /// It answered something else, or not in time.
    Failed,
    /// Nothing listens on the port (yet).
    NotListening,
}

/// Why a probe phase ended.
#[derive(Debug)]
pub(crate) enum PhaseEnd {
    Stop,
    Exited(String),
    ProbeFailed,
    Passed,
}

/// How many failures a probe may see before it gives up.
#[derive(Clone, Copy, Debug)]
enum Budget {
    /// Failures in a row.
    InARow(u32),
    /// Any number until then.
    Until(Instant),
}

/// When and how often a probe runs.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    first: Instant,
    period: Duration,
    /// After a check that found nothing listening.
    not_listening_period: Duration,
    budget: Budget,
    success_threshold: u32,
    timeout: Duration,
}

impl Plan {
    /// Azure's timing, counted from `started`.
    pub(crate) fn exact(probe: &Probe, started: Instant) -> Self {
        Self {
            first: started + probe.initial_delay,
            period: probe.period,
            not_listening_period: probe.period,
            budget: Budget::InARow(probe.failure_threshold),
            success_threshold: probe.success_threshold,
            timeout: probe.timeout,
        }
    }

    /// Readiness offline: from `started` on, as often as a second (every 20 ms until the
    /// server listens), until Azure's window is over.
    pub(crate) fn fast_readiness(probe: &Probe, started: Instant) -> Self {
        let window = probe.initial_delay
            + probe
                .period
                .saturating_mul(probe.failure_threshold)
                .max(probe.timeout);
        Self {
            first: started,
            period: probe.period.min(FAST_PERIOD),
            not_listening_period: LISTEN_POLL,
            budget: Budget::Until(started + window),
            success_threshold: probe.success_threshold,
            timeout: probe.timeout,
        }
    }

    /// The limit of one check.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True when the failures so far (`in_a_row`, or the clock) exhaust the budget.
    fn exhausted(&self, in_a_row: u32) -> bool {
        match self.budget {
            Budget::InARow(limit) => in_a_row >= limit,
            Budget::Until(deadline) => Instant::now() >= deadline,
        }
    }
}

/// Sleeps until `when`, unless the process exits or a stop is asked first.
async fn pause_until(
    when: Instant,
    child: &mut Child,
    stop: &mut watch::Receiver<bool>,
) -> Option<PhaseEnd> {
    tokio::select! {
        _ = tokio::time::sleep_until(when) => None,
        status = child.wait() => Some(exited(status)),
        _ = stop.wait_for(|s| *s) => Some(PhaseEnd::Stop),
    }
}

fn exited(status: std::io::Result<std::process::ExitStatus>) -> PhaseEnd {
    PhaseEnd::Exited(match status {
        Ok(s) => s.to_string(),
        Err(e) => e.to_string(),
    })
}

/// Runs a probe by `plan` until it passes `success_threshold` times in a row (when
/// `until_success`, readiness) or exhausts its failure budget, the process exits or a stop
/// is asked. `check` is one probe.
pub(crate) async fn run<F, Fut>(
    plan: &Plan,
    mut check: F,
    child: &mut Child,
    stop: &mut watch::Receiver<bool>,
    until_success: bool,
) -> PhaseEnd
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Check>,
{
    if let Some(end) = pause_until(plan.first, child, stop).await {
        return end;
    }
    let (mut successes, mut failures) = (0u32, 0u32);
    loop {
        let found = tokio::select! {
            found = check() => found,
            status = child.wait() => return exited(status),
            _ = stop.wait_for(|s| *s) => return PhaseEnd::Stop,
        };
        if found == Check::Passed {
            successes += 1;
            failures = 0;
            if until_success && successes >= plan.success_threshold {
                return PhaseEnd::Passed;
            }
        } else {
            failures += 1;
            successes = 0;
            if plan.exhausted(failures) {
                return PhaseEnd::ProbeFailed;
            }
        }
        let wait = if found == Check::NotListening {
            plan.not_listening_period
        } else {
            plan.period
        };
        if let Some(end) = pause_until(Instant::now() + wait, child, stop).await {
            return end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_probe() -> Probe {
        Probe {
            initial_delay: Duration::from_secs(30),
            period: Duration::from_secs(10),
            timeout: Duration::from_secs(2),
            failure_threshold: 3,
            success_threshold: 1,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn fast_readiness_checks_at_once_and_gives_up_only_after_azures_window() {
        let started = Instant::now();
        let plan = Plan::fast_readiness(&seed_probe(), started);
        assert_eq!(plan.first, started);
        assert_eq!(plan.period, Duration::from_secs(1));
        assert!(!plan.exhausted(1_000), "failures alone do not end it");
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(!plan.exhausted(1));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(plan.exhausted(1), "30 s + 3 × 10 s");
    }

    #[tokio::test(start_paused = true)]
    async fn exact_timing_is_azures() {
        let started = Instant::now();
        let plan = Plan::exact(&seed_probe(), started);
        assert_eq!(plan.first, started + Duration::from_secs(30));
        assert_eq!(plan.period, Duration::from_secs(10));
        assert!(!plan.exhausted(2));
        assert!(plan.exhausted(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_passes_after_the_server_starts_listening() {
        let mut child = tokio::process::Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let (_stop_tx, mut stop) = watch::channel(false);
        let started = Instant::now();
        let plan = Plan::fast_readiness(&seed_probe(), started);
        let mut answers = [
            Check::NotListening,
            Check::NotListening,
            Check::Failed,
            Check::Passed,
        ]
        .into_iter();
        let end = run(
            &plan,
            || {
                let next = answers.next().unwrap_or(Check::Passed);
                async move { next }
            },
            &mut child,
            &mut stop,
            true,
        )
        .await;
        assert!(matches!(end, PhaseEnd::Passed), "{end:?}");
        // Two 20 ms polls while not listening, then one 1 s period after the failure.
        assert_eq!(started.elapsed(), Duration::from_millis(1040));
        child.start_kill().unwrap();
    }
}
