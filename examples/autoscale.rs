//! Autoscaling offline, for real: a bounded load drives a request-rate rule that scales the
//! blue deployment from 1 to 2 instances (a second `azmlinfsrv` process starts and joins the
//! rotation once ready), then the quiet minutes after it scale it back to 1 (the instance is
//! taken out of rotation, finishes its calls and stops). The instance count is printed as it
//! changes, then the autoscale activity log.
//!
//! ```sh
//! cargo run --features local --example autoscale
//! ```
//!
//! Azure Monitor works in minutes (5-minute windows, 1-minute cooldowns). So that the example
//! takes seconds, the workspace's monitor runs on a clock this program moves by hand: each
//! "minute" below is one step of that clock, while the calls, the processes, their start-up
//! and their draining are real.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_ai_ml::local::{Clock, ManualClock};
use azure_ai_ml::monitor::{AutoscaleSetting, ScaleCapacity, ScaleRule};
use azure_ai_ml::{Error, Result};
use common::{steps, Session};

const MINUTE: Duration = Duration::from_secs(60);
/// Most calls the load sends (it stops earlier once the second instance serves).
const MAX_CALLS: u64 = 4_000;

/// Instances in rotation and instance processes of blue.
fn instances(session: &Session) -> (usize, usize) {
    let Some(ws) = session.local() else {
        return (0, 0);
    };
    let all = ws.instances(steps::ENDPOINT, "blue");
    (
        all.iter().filter(|i| i.ready && !i.draining).count(),
        all.len(),
    )
}

/// Prints the counts when they change; returns the latest.
fn report(session: &Session, clock: &ManualClock, started: Instant, last: &mut (usize, usize)) {
    let now = instances(session);
    if now != *last {
        println!(
            "    [{:6.1} s | monitor clock {}] instances in rotation: {} ({} process(es))",
            started.elapsed().as_secs_f64(),
            clock.now().time(),
            now.0,
            now.1
        );
        *last = now;
    }
}

/// Waits (at most `limit`), printing count changes, until `done` holds.
async fn watch(
    session: &Session,
    clock: &ManualClock,
    started: Instant,
    last: &mut (usize, usize),
    limit: Duration,
    done: impl Fn(&Session) -> bool,
) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        report(session, clock, started, last);
        if done(session) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Error::other("the autoscaler did not act in time"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// True when the activity log has a failed scale action.
fn scale_failed(session: &Session) -> bool {
    session
        .local()
        .is_some_and(|ws| ws.autoscale_activity().iter().any(|a| a.status == "Failed"))
}

/// The scaling lines of blue's log.
async fn print_scale_log(ml_client: &azure_ai_ml::MLClient) -> Result<()> {
    let log = ml_client
        .online_deployments()
        .get_logs("blue", steps::ENDPOINT, 2_000, None)
        .await?;
    println!("  blue's log, scaling lines:");
    for line in log
        .lines()
        .filter(|l| l.contains("Autoscale") || l.contains("Scale "))
    {
        println!("    | {line}");
    }
    Ok(())
}

async fn example(session: &Session, clock: &ManualClock) -> Result<()> {
    let ml_client = &session.ml_client;
    let registered = steps::register_assets(session).await?;
    let mut endpoint = steps::step4_create_endpoint(ml_client).await?;
    steps::step5_create_deployment(ml_client, &registered, &mut endpoint).await?;

    println!("Autoscale on request rate");
    let autoscale = ml_client.autoscale();
    let setting = AutoscaleSetting::new("blue-request-rate")
        .target(autoscale.deployment_target(steps::ENDPOINT, "blue")?)
        .capacity(ScaleCapacity::range(1..=2).with_default(1))
        .rule(
            ScaleRule::when("RequestsPerMinute > 40 avg 5m")?
                .scale_out(1)
                .cooldown(MINUTE),
        )
        .rule(
            ScaleRule::when("RequestsPerMinute < 10 avg 5m")?
                .scale_in(1)
                .cooldown(MINUTE),
        );
    steps::show_autoscale(&autoscale.create_or_update(&setting, None).await?);

    let started = Instant::now();
    let mut last = (0, 0);
    report(session, clock, started, &mut last);
    println!("  Minute 0: two callers send predictions until the rule fires");
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, answered) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut callers = Vec::new();
    for _ in 0..2 {
        let (ml_client, stop, sent, answered) = (
            ml_client.clone(),
            stop.clone(),
            sent.clone(),
            answered.clone(),
        );
        callers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) && sent.fetch_add(1, Ordering::SeqCst) < MAX_CALLS {
                if steps::invoke(&ml_client, Some("blue")).await.is_ok() {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                // A steady rate rather than a flood: the machine also starts the new instance.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    let fired = watch(
        session,
        clock,
        started,
        &mut last,
        Duration::from_secs(300),
        |s| {
            s.local()
                .is_some_and(|ws| !ws.autoscale_activity().is_empty())
        },
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    for caller in callers {
        let _ = caller.await;
    }
    fired?;
    let (sent_now, answered_now) = (
        sent.load(Ordering::SeqCst).min(MAX_CALLS),
        answered.load(Ordering::SeqCst),
    );
    println!("    the rule fired after {sent_now} calls ({answered_now} answered); a second instance starts");
    watch(
        session,
        clock,
        started,
        &mut last,
        Duration::from_secs(300),
        |s| instances(s).0 == 2 || scale_failed(s),
    )
    .await?;
    if scale_failed(session) {
        print_scale_log(ml_client).await?;
        return Err(Error::other("the second instance did not start"));
    }
    steps::traffic(ml_client, "blue", 20).await?;

    println!("  Minutes 1-5: a trickle of 3 calls a minute; the 5-minute average falls");
    for minute in 1..=5u32 {
        clock.advance(MINUTE);
        for _ in 0..3 {
            steps::invoke(ml_client, Some("blue")).await?;
        }
        println!("    minute {minute}: 3 calls");
        tokio::time::sleep(Duration::from_millis(500)).await;
        report(session, clock, started, &mut last);
    }
    watch(
        session,
        clock,
        started,
        &mut last,
        Duration::from_secs(120),
        |s| instances(s) == (1, 1),
    )
    .await?;

    let deployment = ml_client
        .online_deployments()
        .get("blue", steps::ENDPOINT, None)
        .await?;
    println!(
        "  The deployment's instance_count is back to {}",
        deployment.instance_count().unwrap_or(1)
    );
    print_scale_log(ml_client).await?;
    if let Some(ws) = session.local() {
        println!("  Activity log:");
        for a in ws.autoscale_activity() {
            println!(
                "    {} {} {}: {} → {}",
                a.event_timestamp.time(),
                a.operation_name,
                a.status,
                a.old_instances_count,
                a.new_instances_count,
            );
        }
    }
    autoscale.delete("blue-request-rate", None).await?;
    steps::cleanup(ml_client).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let now = time::OffsetDateTime::now_utc();
    let clock = Arc::new(ManualClock::new(now.replace_nanosecond(0).unwrap_or(now)));
    let monitor: Arc<dyn Clock> = clock.clone();
    common::run_offline(
        |options| {
            options
                .with_clock(monitor)
                .with_monitor_periods(Duration::from_millis(200), Duration::from_millis(200))
        },
        async |session: &Session| example(session, &clock).await,
    )
    .await
}
