//! The health scheduler: every `interval`, run the health checks and keep the one health issue
//! current ([`tandem_engine::Engine::report_health_issue`]). The next run is kept in the store
//! (`serve.health.next_run`), so a restart neither runs early nor forgets a run that was due.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::{Engine, HealthOptions};
use tandem_model::Clock as _;

/// The store key of the next run (RFC 3339).
pub const NEXT_RUN_KEY: &str = "serve.health.next_run";

/// How long to wait before looking again when the store could not be read.
const RETRY: Duration = Duration::from_secs(30);

/// When the next run is due: the stored time, or now when none is stored (or it is unreadable).
pub fn next_run(engine: &Engine, now: DateTime<Utc>) -> DateTime<Utc> {
    match engine.store().get_state(NEXT_RUN_KEY) {
        Ok(Some(s)) => DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).unwrap_or(now),
        _ => now,
    }
}

/// Runs the checks now, reports them, and stores the next run. Returns what was done, in one line.
pub fn run_once(engine: &Engine, interval: Duration, now: DateTime<Utc>) -> Result<String, tandem_engine::EngineError> {
    // Stored first: a run that crashes is not retried in a tight loop after a restart.
    let next = now + chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::minutes(15));
    engine.store().set_state(NEXT_RUN_KEY, &next.to_rfc3339())?;
    let report = engine.health(&HealthOptions::default())?;
    let outcome = engine.report_health_issue(&report)?;
    Ok(format!(
        "{} finding(s); health issue {:?}{}",
        report.findings.len(),
        outcome.action,
        outcome.issue.map(|r| format!(" ({r})")).unwrap_or_default()
    ))
}

/// The leader lock's name: one instance at a time runs the schedule when several share a store.
pub const LEADER: &str = "scheduler.health";

pub(crate) async fn run(engine: Arc<Engine>, interval: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
    // Held across runs; another instance sharing the store waits until it is released (or its
    // holder's connection dies) and looks again at most every RETRY.
    let mut leader: Option<Box<dyn tandem_store::LeaderGuard>> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let e = engine.clone();
        let held = leader.take();
        let (wait, held) = tokio::task::spawn_blocking(move || {
            let held = match held.filter(|g| g.is_held()) {
                Some(g) => g,
                None => match e.store().try_lock_leader(LEADER) {
                    Ok(Some(g)) => g,
                    Ok(None) => return (interval.min(RETRY), None),
                    Err(err) => {
                        tracing::warn!(error = %err, "could not take the scheduler's lock");
                        return (RETRY, None);
                    }
                },
            };
            let now = tandem_model::SystemClock.now();
            let due = next_run(&e, now);
            if due > now {
                return ((due - now).to_std().unwrap_or(RETRY), Some(held));
            }
            match run_once(&e, interval, now) {
                Ok(summary) => tracing::info!(%summary, "scheduled health check done"),
                Err(err) => tracing::warn!(error = %err, "scheduled health check failed"),
            }
            (interval, Some(held))
        })
        .await
        .unwrap_or((RETRY, None));
        leader = held;
        // Woken early to stop; a longer wait is cut so a changed interval takes effect.
        tokio::select! {
            () = tokio::time::sleep(wait.min(interval)) => {}
            _ = stop.changed() => return,
        }
    }
}
