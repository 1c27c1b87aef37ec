//! `POST /webhooks/github`: verify, store, acknowledge. Processing happens later, from the
//! store ([`crate::worker`]), so the answer comes well inside GitHub's ten seconds and a
//! delivery acknowledged is a delivery that will be processed.
//!
//! Refused: no webhook secret configured (503), a body over 25 MB (413), a missing or wrong
//! `X-Hub-Signature-256` (401), missing `X-GitHub-Event`/`X-GitHub-Delivery` or a body that is
//! no JSON (400). A delivery ID seen before is acknowledged (200) and not processed again.

use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::wire::WebhookAck;
use crate::{AppState, MAX_WEBHOOK_BYTES};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;
use tandem_store::NewDelivery;

const SIGNATURE: &str = "x-hub-signature-256";
const EVENT: &str = "x-github-event";
const DELIVERY: &str = "x-github-delivery";

fn header_str<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty())
}

/// A header value that names a delivery or an event: 1–200 characters of `[A-Za-z0-9._-]`.
fn token_like(field: &str, v: Option<&str>) -> Result<String, Problem> {
    let v = v.ok_or_else(|| Problem::invalid(field, format!("the {field} header is missing")))?;
    if v.len() > 200 || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(Problem::invalid(
            field,
            format!("the {field} header must be 1-200 characters of A-Z a-z 0-9 . _ -"),
        ));
    }
    Ok(v.to_string())
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        "Payload too large",
        format!("webhook bodies may be at most {MAX_WEBHOOK_BYTES} bytes"),
    )
}

/// The JSON text of a delivery: the body itself, or the `payload` field of a form-encoded one.
fn payload_json(headers: &HeaderMap, body: &[u8]) -> Result<String, Problem> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let text = if form {
        url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "payload")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| Problem::invalid("payload", "a form-encoded delivery must carry a `payload` field"))?
    } else {
        String::from_utf8(body.to_vec()).map_err(|_| Problem::invalid("body", "the body is not UTF-8 JSON"))?
    };
    serde_json::from_str::<serde::de::IgnoredAny>(&text)
        .map_err(|e| Problem::invalid("body", format!("the body is not JSON: {e}")))?;
    Ok(text)
}

pub(crate) async fn receive(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match accept(&state, req).await {
        Ok(r) => r,
        Err(p) => {
            Metrics::inc(&state.metrics.webhooks_rejected);
            tracing::warn!(status = p.status, detail = %p.detail, "webhook delivery refused");
            p.into_response()
        }
    }
}

async fn accept(state: &Arc<AppState>, req: Request) -> Result<Response, Problem> {
    let Some(secret) = state.webhook_secret.clone() else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks-disabled",
            "Webhooks are not configured",
            "this server has no webhook secret, so it cannot verify deliveries: set TANDEM_WEBHOOK_SECRET or \
             [serve] webhook_secret_file in tandem.toml",
        ));
    };
    let (parts, body) = req.into_parts();
    let declared = header_str(&parts.headers, header::CONTENT_LENGTH.as_str()).and_then(|l| l.parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_WEBHOOK_BYTES as u64) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(body, MAX_WEBHOOK_BYTES).await.map_err(|e| {
        // The only error of a body within its length is a broken connection.
        let source = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
        if source.contains("length limit") || e.to_string().contains("length limit") {
            too_large()
        } else {
            Problem::invalid("body", format!("the body could not be read: {e}"))
        }
    })?;
    let signature = header_str(&parts.headers, SIGNATURE)
        .ok_or_else(|| Problem::unauthorized("the X-Hub-Signature-256 header is missing"))?;
    let raw = signature
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| Problem::unauthorized("X-Hub-Signature-256 must be sha256=<64 hex digits>"))?;
    if !secret.verifies(&body, &raw) {
        return Err(Problem::unauthorized("X-Hub-Signature-256 does not match the body under the webhook secret"));
    }
    let event = token_like("X-GitHub-Event", header_str(&parts.headers, EVENT))?;
    let id = token_like("X-GitHub-Delivery", header_str(&parts.headers, DELIVERY))?;
    let payload = payload_json(&parts.headers, &body)?;
    let delivery = NewDelivery { id: id.clone(), event: event.clone(), payload, received_at: chrono::Utc::now() };
    let engine = state.engine.clone();
    let inserted = tokio::task::spawn_blocking(move || engine.store().insert_delivery(&delivery))
        .await
        .map_err(|_| Problem::internal("storing the delivery failed unexpectedly"))?
        .map_err(|e| {
            tracing::error!(error = %e, delivery = %id, "storing a webhook delivery failed");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "Cannot store the delivery",
                "the store failed; retry later",
            )
        })?;
    if inserted {
        Metrics::inc(&state.metrics.webhooks_received);
        state.wake.notify_one();
        tracing::info!(delivery = %id, event = %event, "webhook delivery stored");
        Ok((StatusCode::ACCEPTED, Json(WebhookAck { delivery: id, status: "queued".into() })).into_response())
    } else {
        Metrics::inc(&state.metrics.webhooks_duplicate);
        tracing::info!(delivery = %id, event = %event, "webhook delivery seen before; not processed again");
        Ok((StatusCode::OK, Json(WebhookAck { delivery: id, status: "duplicate".into() })).into_response())
    }
}
