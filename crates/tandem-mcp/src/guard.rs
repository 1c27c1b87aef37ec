//! The one gate in front of rmcp's streamable HTTP service. Every request must carry a single
//! `Host`, a request target naming no other host, a same-site `Origin` or none, the bearer token
//! when one is set; a POST must carry one JSON-RPC message. What is refused is a [`Refusal`],
//! and [`Refusal::into_response`] is the one place that maps refusals to HTTP: a status, and
//! for a bad body a JSON-RPC error (-32700 parse error, -32600 invalid request, -32602 invalid
//! params) as JSON-RPC clients expect.

use crate::http::{Access, HttpLimits};
use crate::sessions::CappedSessions;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;

/// The header carrying an MCP session's id.
const SESSION_HEADER: &str = "mcp-session-id";

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const INVALID_PARAMS: i64 = -32602;
/// Implementation-defined server error: no room for another session.
const SERVER_BUSY: i64 = -32000;

/// What every request is checked against.
pub(crate) struct Guard {
    /// Loopback names and the allowed ones.
    pub(crate) hosts: Vec<Authority>,
    pub(crate) access: Access,
    pub(crate) limits: HttpLimits,
    pub(crate) sessions: Arc<CappedSessions>,
}

/// A host and port, lower-cased, IPv6 brackets removed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    /// `host` or `host:port` (no user info).
    fn parse(s: &str) -> Option<Authority> {
        let a: axum::http::uri::Authority = s.trim().parse().ok()?;
        if a.as_str().contains('@') {
            return None;
        }
        Some(Authority { host: a.host().trim_matches(['[', ']']).to_ascii_lowercase(), port: a.port_u16() })
    }

    /// An entry of the allowed list: `name`, `name:port`, or a bare IPv6 address such as `::1`.
    pub(crate) fn parse_allowed(s: &str) -> Option<Authority> {
        match s.trim().parse::<std::net::Ipv6Addr>() {
            Ok(ip) => Some(Authority { host: ip.to_string(), port: None }),
            Err(_) => Authority::parse(s),
        }
    }

    /// The host and port of an `http`/`https` origin (the scheme's port when none is written).
    fn of_origin(origin: &str) -> Option<Authority> {
        let uri: Uri = origin.trim().parse().ok()?;
        let default_port = match uri.scheme_str()? {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return None;
        }
        let mut a = Authority::parse(uri.authority()?.as_str())?;
        a.port = Some(a.port.unwrap_or(default_port));
        Some(a)
    }
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("more than one Host header")]
    DuplicateHost,
    #[error("the Host header is missing")]
    MissingHost,
    #[error("the Host header is not a host name")]
    BadHost,
    #[error("the request target's host is malformed")]
    BadTarget,
    #[error("the request target names host '{target}' but the Host header says '{host}'")]
    TargetMismatch { target: String, host: String },
    #[error("host '{0}' is not served here (loopback names only, or those given with --allow-host)")]
    HostNotAllowed(String),
    #[error("more than one Origin header")]
    DuplicateOrigin,
    #[error("cross-site request refused: Origin '{0}' is not a loopback or allowed host")]
    CrossSite(String),
    #[error("missing or wrong bearer token (send Authorization: Bearer TOKEN)")]
    Unauthorized,
    #[error("a JSON-RPC message must be sent with Content-Type: application/json (got {0})")]
    ContentType(String),
    #[error("the request body did not arrive within {0} s")]
    BodyTimeout(f64),
    #[error("the request body is larger than {0} bytes (or could not be read)")]
    BodyTooLarge(usize),
    #[error("parse error: the body is not JSON: {0}")]
    Parse(String),
    #[error("invalid request: {message}")]
    InvalidRequest { message: String, id: Value },
    #[error("invalid params for {method}: {message}")]
    InvalidParams { method: String, message: String, id: Value },
    #[error(
        "too many MCP sessions ({max} open); close one (HTTP DELETE /mcp with its Mcp-Session-Id) or retry \
         after idle sessions expire ({idle_secs} s without a message)"
    )]
    SessionsFull { max: usize, idle_secs: u64, id: Value },
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::DuplicateHost
            | Refusal::MissingHost
            | Refusal::BadHost
            | Refusal::BadTarget
            | Refusal::TargetMismatch { .. }
            | Refusal::Parse(_)
            | Refusal::InvalidRequest { .. }
            | Refusal::InvalidParams { .. } => StatusCode::BAD_REQUEST,
            Refusal::HostNotAllowed(_) | Refusal::DuplicateOrigin | Refusal::CrossSite(_) => StatusCode::FORBIDDEN,
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::ContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Refusal::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::SessionsFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The JSON-RPC error code and request id, for refusals of the message itself.
    fn rpc(&self) -> Option<(i64, Value)> {
        match self {
            Refusal::ContentType(_) | Refusal::BodyTimeout(_) | Refusal::BodyTooLarge(_) => {
                Some((INVALID_REQUEST, Value::Null))
            }
            Refusal::Parse(_) => Some((PARSE_ERROR, Value::Null)),
            Refusal::InvalidRequest { id, .. } => Some((INVALID_REQUEST, id.clone())),
            Refusal::InvalidParams { id, .. } => Some((INVALID_PARAMS, id.clone())),
            Refusal::SessionsFull { id, .. } => Some((SERVER_BUSY, id.clone())),
            _ => None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = self.to_string();
        tracing::warn!(%status, %message, "refused an MCP HTTP request");
        let mut response = match self.rpc() {
            Some((code, id)) => {
                let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
                (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
            }
            None => {
                (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
            }
        };
        match self {
            Refusal::Unauthorized => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Refusal::SessionsFull { .. } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

/// The middleware: checks, then hands the request (its body re-attached) to rmcp.
pub(crate) async fn check(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let checked = async {
        g.check_target(req.uri(), req.headers())?;
        g.check_origin(req.headers())?;
        g.check_token(req.headers())?;
        if req.method() == Method::POST {
            g.check_body(req).await
        } else {
            Ok(req)
        }
    };
    match checked.await {
        Ok(req) => next.run(req).await,
        Err(refusal) => refusal.into_response(),
    }
}

impl Guard {
    /// True when `a` is a loopback name or an allowed one (an entry with a port matches only
    /// that port).
    fn allows(&self, a: &Authority) -> bool {
        self.hosts.iter().any(|h| h.host == a.host && h.port.is_none_or(|p| a.port == Some(p)))
    }

    /// One `Host`; an absolute-form target must name the same host; that host must be allowed.
    fn check_target(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), Refusal> {
        let mut hosts = headers.get_all(header::HOST).iter();
        let host = hosts.next();
        if hosts.next().is_some() {
            return Err(Refusal::DuplicateHost);
        }
        let host = host.map(|v| v.to_str().ok().and_then(Authority::parse).ok_or(Refusal::BadHost)).transpose()?;
        let target = uri.authority().map(|a| Authority::parse(a.as_str()).ok_or(Refusal::BadTarget)).transpose()?;
        let effective = match (target, host) {
            (Some(t), Some(h)) if t != h => return Err(Refusal::TargetMismatch { target: t.host, host: h.host }),
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(Refusal::MissingHost),
        };
        if !self.allows(&effective) {
            return Err(Refusal::HostNotAllowed(effective.host));
        }
        Ok(())
    }

    /// No `Origin` (a non-browser client) is fine; a browser's must be loopback or allowed.
    fn check_origin(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let mut origins = headers.get_all(header::ORIGIN).iter();
        let Some(origin) = origins.next() else { return Ok(()) };
        if origins.next().is_some() {
            return Err(Refusal::DuplicateOrigin);
        }
        let text = origin.to_str().unwrap_or("");
        match Authority::of_origin(text) {
            Some(a) if self.allows(&a) => Ok(()),
            _ => Err(Refusal::CrossSite(text.chars().take(200).collect())),
        }
    }

    fn check_token(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let Access::Token(token) = &self.access else { return Ok(()) };
        let presented = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .and_then(|v| v.strip_prefix(b"Bearer ").or_else(|| v.strip_prefix(b"bearer ")));
        match presented {
            Some(p) if token.matches(p) => Ok(()),
            _ => Err(Refusal::Unauthorized),
        }
    }

    /// Reads the body (bounded in size and time) and checks it is one JSON-RPC message; an
    /// `initialize` that would open a session beyond the cap is refused here.
    async fn check_body(&self, req: Request) -> Result<Request, Refusal> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let shown = if content_type.is_empty() { "none".to_string() } else { format!("'{content_type}'") };
            return Err(Refusal::ContentType(shown));
        }
        let (parts, body) = req.into_parts();
        let max = self.limits.max_body_bytes;
        let bytes: Bytes = tokio::time::timeout(self.limits.read_timeout, axum::body::to_bytes(body, max))
            .await
            .map_err(|_| Refusal::BodyTimeout(self.limits.read_timeout.as_secs_f64()))?
            .map_err(|_| Refusal::BodyTooLarge(max))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| Refusal::Parse(e.to_string()))?;
        let initialize = check_message(&value)?;
        if initialize && !parts.headers.contains_key(SESSION_HEADER) && self.sessions.is_full().await {
            return Err(Refusal::SessionsFull {
                max: self.sessions.max(),
                idle_secs: self.limits.session_idle.as_secs(),
                id: request_id(&value),
            });
        }
        Ok(Request::from_parts(parts, Body::from(bytes)))
    }
}

/// The `id` of a request, when it is a valid one; null otherwise.
fn request_id(v: &Value) -> Value {
    match v.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    }
}

/// Checks `v` is one JSON-RPC 2.0 message rmcp can read; says whether it is an `initialize`
/// request.
fn check_message(v: &Value) -> Result<bool, Refusal> {
    let invalid = |message: &str| Refusal::InvalidRequest { message: message.to_string(), id: request_id(v) };
    let Some(obj) = v.as_object() else {
        return Err(invalid(match v {
            Value::Array(_) => "a JSON-RPC message is an object, not a batch (array); send one message per request",
            Value::String(_) => "a JSON-RPC message is an object, not a string",
            Value::Number(_) => "a JSON-RPC message is an object, not a number",
            Value::Bool(_) => "a JSON-RPC message is an object, not a boolean",
            _ => "a JSON-RPC message is an object, not null",
        }));
    };
    if obj.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(invalid("\"jsonrpc\" must be \"2.0\""));
    }
    let method = obj.get("method");
    match method {
        Some(m) if !m.is_string() => return Err(invalid("\"method\" must be a string")),
        None if !obj.contains_key("result") && !obj.contains_key("error") => {
            return Err(invalid("a message needs \"method\" (or \"result\"/\"error\")"))
        }
        _ => {}
    }
    if obj.get("id").is_some_and(|id| !matches!(id, Value::String(_) | Value::Number(_))) {
        return Err(invalid("\"id\" must be a string or a number"));
    }
    if let Err(e) = serde_json::from_value::<rmcp::model::ClientJsonRpcMessage>(v.clone()) {
        return Err(Refusal::InvalidParams {
            method: method.and_then(Value::as_str).unwrap_or("the message").to_string(),
            message: e.to_string(),
            id: request_id(v),
        });
    }
    Ok(method.and_then(Value::as_str) == Some("initialize") && obj.contains_key("id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_its_scheme_host_and_port() {
        let a = Authority::of_origin("http://LOCALHOST:3000").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("localhost", Some(3000)));
        let a = Authority::of_origin("https://[::1]").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("::1", Some(443)));
        assert!(Authority::of_origin("null").is_none());
        assert!(Authority::of_origin("file://x").is_none());
        assert!(Authority::of_origin("http://user@localhost").is_none());
    }

    #[test]
    fn allowed_entries_are_names_name_port_pairs_or_bare_ipv6() {
        assert_eq!(Authority::parse_allowed("::1"), Some(Authority { host: "::1".into(), port: None }));
        assert_eq!(Authority::parse_allowed("Tandem.Internal:8765"), Authority::parse("tandem.internal:8765"));
        assert!(Authority::parse_allowed("bad host").is_none());
    }
}
