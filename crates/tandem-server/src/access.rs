//! Who may call the API: writes need the bearer token; reads are open to loopback clients that
//! name a loopback host (against DNS rebinding), and need the token from anywhere else.

use crate::problem::Problem;
use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The token presented, if any: `Authorization: Bearer …`.
fn presented(req: &Request) -> Option<&[u8]> {
    let v = req.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = v.split_at(v.iter().position(|b| *b == b' ')?);
    scheme.eq_ignore_ascii_case(b"bearer").then(|| rest.trim_ascii())
}

/// True when the request's `Host` (if any) is a loopback name.
fn loopback_host(req: &Request) -> bool {
    let Some(host) = req.headers().get(header::HOST) else { return true };
    let Ok(host) = host.to_str() else { return false };
    let Ok(a) = host.parse::<axum::http::uri::Authority>() else { return false };
    let name = a.host().trim_matches(['[', ']']).to_ascii_lowercase();
    matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1")
}

pub(crate) async fn check(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let token_ok = match (&state.api_token, presented(&req)) {
        (Some(t), Some(p)) => t.matches(p),
        _ => false,
    };
    if token_ok {
        return next.run(req).await;
    }
    if presented(&req).is_some() && state.api_token.is_some() {
        return Problem::unauthorized("the bearer token is not the API token").into_response();
    }
    if write {
        let detail = if state.api_token.is_some() {
            "writes need `Authorization: Bearer <token>` with the API token"
        } else {
            "writes need an API token, and none is configured: set TANDEM_API_TOKEN or [serve] api_token_file \
             in tandem.toml, then send `Authorization: Bearer <token>`"
        };
        return Problem::unauthorized(detail).into_response();
    }
    let peer_loopback = req.extensions().get::<ConnectInfo<SocketAddr>>().is_some_and(|c| c.0.ip().is_loopback());
    if peer_loopback && loopback_host(&req) {
        return next.run(req).await;
    }
    Problem::unauthorized(
        "reads from other machines (or through a non-loopback Host) need `Authorization: Bearer <token>`",
    )
    .into_response()
}
