//! The delivery worker: claims the oldest due delivery under a lease, hands it to
//! [`tandem_engine::Engine::handle_github_event`] on a blocking thread, and finishes it with the
//! outcome — or fails it with the error, to be retried with exponential backoff until
//! `max_attempts`, after which it is failed for good (the last error kept).
//!
//! Exactly once: a delivery is stored once (its ID is the key), claimed by one worker at a time
//! (the lease; with several `tandem serve` on one database, each process has its own owner ID),
//! and finished only after its effect. A worker killed between the effect and the finish leaves
//! the lease to expire; the delivery is then handled again, and the engine's handlers are
//! idempotent, so nothing is done twice.

use crate::metrics::Metrics;
use crate::AppState;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::WebhookOutcome;
use tandem_store::Delivery;
use tracing::Instrument;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// This process's lease owner ID.
    pub owner: String,
    pub lease: Duration,
    pub max_attempts: u32,
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// How often an idle worker looks for due retries (new deliveries wake it at once).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// A lease owner ID unique to this process: host, process ID and start time.
pub fn owner_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let host = if host.is_empty() { "host".to_string() } else { host };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{host}:{}:{:x}", std::process::id(), nanos)
}

/// The wait before attempt `attempts + 1`: 2, 4, 8 … seconds, at most [`MAX_BACKOFF`].
pub fn backoff(attempts: u32) -> Duration {
    let secs = 1u64.checked_shl(attempts.min(20)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// What one attempt came to.
enum Attempt {
    Finished(WebhookOutcome),
    Failed(String),
}

pub(crate) async fn run(
    state: Arc<AppState>,
    cfg: WorkerConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
    n: usize,
) {
    let lease = chrono::Duration::from_std(cfg.lease).unwrap_or(chrono::Duration::seconds(30));
    loop {
        if *stop.borrow() {
            break;
        }
        let store = state.engine.store().clone();
        let owner = cfg.owner.clone();
        let claimed = tokio::task::spawn_blocking(move || store.claim_delivery(&owner, Utc::now(), lease)).await;
        let delivery = match claimed {
            Ok(Ok(Some(d))) => d,
            Ok(Ok(None)) => {
                tokio::select! {
                    () = state.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            Ok(Err(e)) => {
                tracing::warn!(worker = n, error = %e, "claiming a delivery failed; retrying");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            Err(e) => {
                tracing::error!(worker = n, error = %e, "claiming a delivery panicked");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
        };
        process(&state, &cfg, delivery).await;
    }
}

async fn process(state: &Arc<AppState>, cfg: &WorkerConfig, d: Delivery) {
    let span = tracing::info_span!("delivery", delivery = %d.id, event = %d.event, attempt = d.attempts);
    attempt(state, cfg, d).instrument(span).await
}

async fn attempt(state: &Arc<AppState>, cfg: &WorkerConfig, d: Delivery) {
    let engine = state.engine.clone();
    let (id, event, payload) = (d.id.clone(), d.event.clone(), d.payload.clone());
    let attempt = tokio::task::spawn_blocking(move || match serde_json::from_str::<serde_json::Value>(&payload) {
        // Stored only after it parsed; a payload that no longer parses is answered, not retried.
        Err(e) => Attempt::Finished(WebhookOutcome::Ignored(format!("payload is not JSON: {e}"))),
        Ok(v) => match engine.handle_github_event(&event, &id, &v) {
            Ok(outcome) => Attempt::Finished(outcome),
            Err(e) => Attempt::Failed(e.to_string()),
        },
    })
    .await
    .unwrap_or_else(|e| Attempt::Failed(format!("handling panicked: {e}")));
    let store = state.engine.store().clone();
    let owner = cfg.owner.clone();
    let id = d.id.clone();
    let now = Utc::now();
    match attempt {
        Attempt::Finished(outcome) => {
            if matches!(outcome, WebhookOutcome::Refused(_)) {
                Metrics::inc(&state.metrics.gate_failures);
            }
            let summary = outcome.summary();
            tracing::info!(outcome = %summary, "delivery processed");
            let done = tokio::task::spawn_blocking(move || store.finish_delivery(&id, &owner, &summary, now)).await;
            match done {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => {
                    tracing::warn!("the lease expired before the delivery was finished; another worker will see it")
                }
                Ok(Err(e)) => tracing::error!(error = %e, "recording the delivery's outcome failed"),
                Err(e) => tracing::error!(error = %e, "recording the delivery's outcome panicked"),
            }
        }
        Attempt::Failed(error) => {
            Metrics::inc(&state.metrics.webhook_attempts_failed);
            let retry_at = (d.attempts < cfg.max_attempts).then(|| {
                now + chrono::Duration::from_std(backoff(d.attempts)).unwrap_or(chrono::Duration::minutes(15))
            });
            match retry_at {
                Some(at) => tracing::warn!(error = %error, retry_at = %at, "delivery failed; will retry"),
                None => tracing::error!(error = %error, attempts = d.attempts, "delivery failed for good"),
            }
            let failed =
                tokio::task::spawn_blocking(move || store.fail_delivery(&id, &owner, &error, retry_at, now)).await;
            if let Ok(Err(e)) = failed {
                tracing::error!(error = %e, "recording the delivery's failure failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(30), MAX_BACKOFF);
        assert_ne!(owner_id(), "");
    }
}
