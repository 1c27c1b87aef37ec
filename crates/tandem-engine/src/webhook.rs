//! GitHub webhook events turned into engine operations.
//!
//! The HTTP layer (`tandem serve`) verifies, persists and schedules deliveries; for each one it
//! calls [`Engine::handle_github_event`] exactly once per successful attempt. What an event means
//! (which issue it concerns, which transition or command it asks for) is decided here, through
//! the same engine operations every front end uses.

use crate::{Engine, Result};

/// What handling one delivery did. An `Err` from [`Engine::handle_github_event`] is a failure
/// worth retrying (the forge or the store was unreachable); these outcomes are final.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// Something changed; one line saying what.
    Applied(String),
    /// Nothing tandem tracks, or an event tandem does not act on; one line saying why.
    Ignored(String),
    /// Asked for something the rules refuse (answered on the issue where there is one).
    Refused(String),
}

impl WebhookOutcome {
    /// One line for logs and the delivery's stored outcome.
    pub fn summary(&self) -> String {
        match self {
            WebhookOutcome::Applied(s) => format!("applied: {s}"),
            WebhookOutcome::Ignored(s) => format!("ignored: {s}"),
            WebhookOutcome::Refused(s) => format!("refused: {s}"),
        }
    }
}

impl Engine {
    /// Handles one GitHub webhook delivery: `event` is `X-GitHub-Event`, `delivery` is
    /// `X-GitHub-Delivery`, `payload` the parsed body. What each event means is in
    /// [`crate::github`]'s `events` module; handling a delivery twice has the effect of once.
    #[tracing::instrument(skip(self, payload))]
    pub fn handle_github_event(
        &self,
        event: &str,
        delivery: &str,
        payload: &serde_json::Value,
    ) -> Result<WebhookOutcome> {
        crate::github::events::handle(self, event, delivery, payload)
    }
}
