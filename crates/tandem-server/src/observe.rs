//! Every request: a request ID (the client's `X-Request-Id` when it is a sane one, else a new
//! one), echoed in the response, carried by the request's tracing span and its log line, and
//! the latency recorded per route.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tracing::Instrument;

pub(crate) const REQUEST_ID: &str = "x-request-id";

/// A new ID: this process's random prefix and a sequence number.
fn new_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static SEQ: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!("{:08x}", (nanos as u64 ^ u64::from(std::process::id()).rotate_left(32)) as u32)
    });
    format!("{prefix}-{}", SEQ.fetch_add(1, Ordering::Relaxed))
}

/// A client's ID is kept when it is 1–64 characters of `[A-Za-z0-9._-]`.
fn client_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    let ok = !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    ok.then(|| s.to_string())
}

pub(crate) async fn request(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let id = req.headers().get(REQUEST_ID).and_then(client_id).unwrap_or_else(new_id);
    let method = req.method().to_string();
    // The route's pattern, not the path: IDs would make every path its own series.
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let path = req.uri().path().to_string();
    let header = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
    req.headers_mut().insert(REQUEST_ID, header.clone());
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = resp.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_ms = took.as_secs_f64() * 1000.0, "answered");
    });
    state.metrics.observe_request(&method, &route, status, took);
    resp.headers_mut().insert(REQUEST_ID, header);
    resp
}
