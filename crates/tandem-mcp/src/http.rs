//! Streamable HTTP at `/mcp`, started one way by `tandem mcp --http` and by the tests:
//! [`HttpServer::bind`] then [`HttpServer::run_until_stopped`].
//!
//! Every request passes one guard before rmcp sees it ([`guard`]): a single `Host`, a request
//! target naming no other host, a same-site `Origin` (or none), the bearer token when one is
//! set, and a body that is a JSON-RPC message — anything else is refused with a status and,
//! for a bad body, a JSON-RPC error. The accept loop is our own so that slow header reads time
//! out and connections are bounded; sessions are capped and expire when idle
//! ([`crate::sessions`]).

use crate::error::ServeError;
use crate::server::TandemMcp;
use crate::sessions::CappedSessions;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::Engine;

/// The `Host` names always accepted: loopback only, against DNS rebinding.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The header carrying an MCP session's id.
const SESSION_HEADER: &str = "mcp-session-id";

/// How much one server may hold at once, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Sessions open at once; an `initialize` beyond it is refused with 503 (each session costs
    /// about 78 KB).
    pub max_sessions: usize,
    /// A session with no message for this long is closed; its client must initialize again.
    pub session_idle: Duration,
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// The time a client has to send a request's headers, and again its body.
    pub read_timeout: Duration,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
}

impl HttpLimits {
    pub const DEFAULT_MAX_SESSIONS: usize = 1_000;
    pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
    pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_sessions: Self::DEFAULT_MAX_SESSIONS,
            session_idle: Self::DEFAULT_SESSION_IDLE,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            read_timeout: Self::DEFAULT_READ_TIMEOUT,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// A bearer token clients must present (`Authorization: Bearer …`). Never printed.
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// The shortest token accepted, in characters.
    pub const MIN_LEN: usize = 16;

    /// A token of at least [`Self::MIN_LEN`] visible ASCII characters (surrounding whitespace
    /// and a trailing newline are dropped).
    pub fn parse(s: &str) -> Result<BearerToken, ServeError> {
        let t = s.trim();
        if t.len() < Self::MIN_LEN {
            return Err(ServeError::Token(format!(
                "the token is {} characters long; use at least {}",
                t.chars().count(),
                Self::MIN_LEN
            )));
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ServeError::Token(
                "the token may hold only visible ASCII characters (no spaces or control characters)".into(),
            ));
        }
        Ok(BearerToken(t.to_string()))
    }

    /// Reads the token from a file (its whole content, trimmed).
    pub fn from_file(path: &Path) -> Result<BearerToken, ServeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServeError::Token(format!("cannot read the token file {}: {e}", path.display())))?;
        BearerToken::parse(&text).map_err(|e| match e {
            ServeError::Token(m) => ServeError::Token(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Compares in time independent of where the first difference is: both sides are hashed
    /// first, so neither their contents nor their lengths shape the comparison.
    fn matches(&self, presented: &[u8]) -> bool {
        let a = Sha256::digest(self.0.as_bytes());
        let b = Sha256::digest(presented);
        let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
        std::hint::black_box(diff) == 0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<hidden>)")
    }
}

/// Who may call the server.
#[derive(Debug, Clone, Default)]
pub enum Access {
    /// Anyone who can reach the address (and passes the Host and Origin checks).
    #[default]
    Open,
    /// Only clients presenting this token.
    Token(BearerToken),
}

/// Everything `tandem mcp --http` is started with.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `HOST:PORT` to listen on; port 0 picks one.
    pub addr: String,
    /// `Host` names (or `name:port`) accepted besides the loopback ones.
    pub allow_hosts: Vec<String>,
    pub access: Access,
    pub limits: HttpLimits,
}

impl HttpSettings {
    /// Loopback-only defaults for `addr`.
    pub fn new(addr: &str) -> Self {
        HttpSettings {
            addr: addr.to_string(),
            allow_hosts: Vec::new(),
            access: Access::Open,
            limits: HttpLimits::default(),
        }
    }
}

/// The warning printed when the server can be reached from other machines by anyone.
pub fn exposure_warning(addr: SocketAddr, access: &Access) -> Option<String> {
    match access {
        Access::Token(_) => None,
        Access::Open if addr.ip().is_loopback() => None,
        Access::Open => Some(format!(
            "WARNING: tandem MCP is listening on {addr}, which is not a loopback address, WITHOUT \
             authentication: anyone who can reach it can create and change coordinations. Bind to \
             127.0.0.1, or require a token with --token-file FILE (or TANDEM_MCP_TOKEN)."
        )),
    }
}

pub struct HttpServer {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    limits: HttpLimits,
    access: Access,
}

impl HttpServer {
    /// Binds `settings.addr`. Requests whose `Host` is not a loopback name or one of
    /// `settings.allow_hosts` are refused with 403.
    pub async fn bind(engine: Arc<Engine>, settings: HttpSettings) -> Result<HttpServer, ServeError> {
        let HttpSettings { addr, allow_hosts, access, limits } = settings;
        check_limits(&limits)?;
        let parsed: SocketAddr = addr.parse().map_err(|_| ServeError::Address(addr.to_string()))?;
        let listener = tokio::net::TcpListener::bind(parsed)
            .await
            .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let hosts: Vec<String> =
            LOOPBACK_HOSTS.iter().map(|h| h.to_string()).chain(allow_hosts.iter().cloned()).collect();
        let sessions = Arc::new(CappedSessions::new(limits.max_sessions, limits.session_idle));
        let handler = TandemMcp::new(engine);
        let service = StreamableHttpService::new(
            move || Ok(handler.clone()),
            sessions.clone(),
            StreamableHttpServerConfig::default()
                .with_allowed_hosts(hosts.clone())
                .with_max_request_body_bytes(limits.max_body_bytes),
        );
        let allowed = hosts
            .iter()
            .map(|h| Authority::parse_allowed(h).ok_or_else(|| ServeError::Host(h.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let guard = Arc::new(Guard { hosts: allowed, access: access.clone(), limits, sessions });
        let router = axum::Router::new()
            .nest_service("/mcp", service)
            .layer(axum::middleware::from_fn_with_state(guard, guard::check));
        Ok(HttpServer { listener, addr: local, router, limits, access })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The loud warning to print before serving, when there is one to print.
    pub fn exposure_warning(&self) -> Option<String> {
        exposure_warning(self.addr, &self.access)
    }

    /// Serves until the process is interrupted (Ctrl-C).
    pub async fn run_until_stopped(self) -> Result<(), ServeError> {
        self.run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }

    /// Serves until `stop` completes. Each connection gets `read_timeout` to send each request's
    /// headers (also while idle between requests); beyond `max_connections`, a connection is
    /// answered 503 and closed.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) -> Result<(), ServeError> {
        let slots = Arc::new(tokio::sync::Semaphore::new(self.limits.max_connections));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.limits.read_timeout);
        let builder = Arc::new(builder);
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut stop => return Ok(()),
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait for connections to end.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                refuse_busy(&stream, self.limits.max_connections);
                continue;
            };
            let service = TowerToHyperService::new(self.router.clone());
            let builder = builder.clone();
            tokio::spawn(async move {
                if let Err(e) = builder.serve_connection(TokioIo::new(stream), service).await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                drop(slot);
            });
        }
    }
}

fn check_limits(l: &HttpLimits) -> Result<(), ServeError> {
    let zero = [
        (l.max_sessions == 0, "the session limit"),
        (l.max_connections == 0, "the connection limit"),
        (l.session_idle.is_zero(), "the session idle time"),
        (l.read_timeout.is_zero(), "the read timeout"),
        (l.max_body_bytes == 0, "the body size limit"),
    ];
    match zero.iter().find(|(is_zero, _)| *is_zero) {
        Some((_, what)) => Err(ServeError::Limit(format!("{what} must be greater than 0"))),
        None => Ok(()),
    }
}

/// Answers a connection over the limit without reading from it, then closes it.
fn refuse_busy(stream: &tokio::net::TcpStream, max: usize) {
    let body = format!("too many connections (at most {max}); retry later\n");
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain; \
         charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // A fresh socket's send buffer takes this at once; if it does not, closing is the answer.
    let _ = stream.try_write(response.as_bytes());
    tracing::warn!(max, "refused a connection: too many open");
}

/// What every request is checked against.
struct Guard {
    /// Loopback names and the allowed ones (`name` or `name:port`).
    hosts: Vec<Authority>,
    access: Access,
    limits: HttpLimits,
    sessions: Arc<CappedSessions>,
}

/// A host and port, lower-cased, IPv6 brackets removed.
#[derive(Debug, PartialEq, Eq)]
struct Authority {
    host: String,
    port: Option<u16>,
}

impl Authority {
    fn parse(s: &str) -> Option<Authority> {
        let a: axum::http::uri::Authority = s.trim().parse().ok()?;
        if a.as_str().contains('@') {
            return None;
        }
        Some(Authority { host: a.host().trim_matches(['[', ']']).to_ascii_lowercase(), port: a.port_u16() })
    }

    /// An entry of the allowed list: `name`, `name:port`, or a bare IPv6 address such as `::1`.
    fn parse_allowed(s: &str) -> Option<Authority> {
        match s.trim().parse::<std::net::Ipv6Addr>() {
            Ok(ip) => Some(Authority { host: ip.to_string(), port: None }),
            Err(_) => Authority::parse(s),
        }
    }
}

impl Guard {
    /// True when `a` is a loopback name or an allowed one (an entry with a port matches only
    /// that port).
    fn allows(&self, a: &Authority) -> bool {
        self.hosts.iter().any(|h| h.host == a.host && h.port.is_none_or(|p| a.port == Some(p)))
    }
}

mod guard {
    use super::*;

    /// The one gate in front of rmcp.
    pub(super) async fn check(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
        if let Err(refusal) = check_target(&g, req.uri(), req.headers()) {
            return refusal;
        }
        if let Err(refusal) = check_origin(&g, req.headers()) {
            return refusal;
        }
        if let Err(refusal) = check_token(&g, req.headers()) {
            return refusal;
        }
        if req.method() != Method::POST {
            return next.run(req).await;
        }
        match check_body(&g, req).await {
            Ok(req) => next.run(req).await,
            Err(refusal) => refusal,
        }
    }

    fn refuse(status: StatusCode, message: String) -> Response {
        tracing::warn!(%status, %message, "refused an MCP HTTP request");
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
    }

    /// One `Host`; an absolute-form target must name the same host; that host must be allowed.
    fn check_target(g: &Guard, uri: &Uri, headers: &HeaderMap) -> Result<(), Response> {
        let mut hosts = headers.get_all(header::HOST).iter();
        let host = hosts.next();
        if hosts.next().is_some() {
            return Err(refuse(StatusCode::BAD_REQUEST, "more than one Host header".into()));
        }
        let host = match host {
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(Authority::parse)
                    .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "the Host header is not a host name".into()))?,
            ),
            None => None,
        };
        let target = match uri.authority() {
            Some(a) => Some(
                Authority::parse(a.as_str())
                    .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "the request target's host is malformed".into()))?,
            ),
            None => None,
        };
        let effective = match (target, host) {
            (Some(t), Some(h)) if t != h => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    format!("the request target names host '{}' but the Host header says '{}'", t.host, h.host),
                ))
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(refuse(StatusCode::BAD_REQUEST, "the Host header is missing".into())),
        };
        if !g.allows(&effective) {
            return Err(refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "host '{}' is not served here (loopback names only, or those given with --allow-host)",
                    effective.host
                ),
            ));
        }
        Ok(())
    }

    /// No `Origin` (a non-browser client) is fine; a browser's must be loopback or allowed.
    fn check_origin(g: &Guard, headers: &HeaderMap) -> Result<(), Response> {
        let mut origins = headers.get_all(header::ORIGIN).iter();
        let Some(origin) = origins.next() else { return Ok(()) };
        if origins.next().is_some() {
            return Err(refuse(StatusCode::FORBIDDEN, "more than one Origin header".into()));
        }
        let text = origin.to_str().unwrap_or("");
        let parsed = origin_authority(text);
        match parsed {
            Some(a) if g.allows(&a) => Ok(()),
            _ => Err(refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "cross-site request refused: Origin '{}' is not a loopback or allowed host",
                    text.chars().take(200).collect::<String>()
                ),
            )),
        }
    }

    /// The host and port of an `http`/`https` origin (the scheme's port when none is written).
    pub(super) fn origin_authority(origin: &str) -> Option<Authority> {
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

    fn check_token(g: &Guard, headers: &HeaderMap) -> Result<(), Response> {
        let Access::Token(token) = &g.access else { return Ok(()) };
        let presented = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .and_then(|v| v.strip_prefix(b"Bearer ").or_else(|| v.strip_prefix(b"bearer ")));
        match presented {
            Some(p) if token.matches(p) => Ok(()),
            _ => {
                let mut r = refuse(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong bearer token (send Authorization: Bearer TOKEN)".into(),
                );
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                Err(r)
            }
        }
    }

    /// A JSON-RPC error response, as a JSON-RPC client expects it.
    fn rpc_error(status: StatusCode, code: i64, message: String, id: Value) -> Response {
        tracing::warn!(%status, code, %message, "refused an MCP HTTP request");
        let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }

    pub(super) const PARSE_ERROR: i64 = -32700;
    pub(super) const INVALID_REQUEST: i64 = -32600;
    pub(super) const INVALID_PARAMS: i64 = -32602;
    /// Implementation-defined server error: no room for another session.
    pub(super) const SERVER_BUSY: i64 = -32000;

    /// Reads the body (bounded in size and time) and checks it is one JSON-RPC message; an
    /// `initialize` that would open a session beyond the cap is refused here.
    async fn check_body(g: &Guard, req: Request) -> Result<Request, Response> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            let shown = if content_type.is_empty() { "none".to_string() } else { format!("'{content_type}'") };
            return Err(rpc_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                INVALID_REQUEST,
                format!("a JSON-RPC message must be sent with Content-Type: application/json (got {shown})"),
                Value::Null,
            ));
        }
        let (parts, body) = req.into_parts();
        let max = g.limits.max_body_bytes;
        let bytes: Bytes = match tokio::time::timeout(g.limits.read_timeout, axum::body::to_bytes(body, max)).await {
            Err(_) => {
                return Err(rpc_error(
                    StatusCode::REQUEST_TIMEOUT,
                    INVALID_REQUEST,
                    format!("the request body did not arrive within {} s", g.limits.read_timeout.as_secs_f64()),
                    Value::Null,
                ))
            }
            Ok(Err(_)) => {
                return Err(rpc_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    INVALID_REQUEST,
                    format!("the request body is larger than {max} bytes (or could not be read)"),
                    Value::Null,
                ))
            }
            Ok(Ok(b)) => b,
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            rpc_error(
                StatusCode::BAD_REQUEST,
                PARSE_ERROR,
                format!("parse error: the body is not JSON: {e}"),
                Value::Null,
            )
        })?;
        let initialize = check_message(&value)?;
        if initialize && !parts.headers.contains_key(SESSION_HEADER) && g.sessions.is_full().await {
            let mut r = rpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                SERVER_BUSY,
                format!(
                    "too many MCP sessions ({} open); close one (HTTP DELETE /mcp with its Mcp-Session-Id) or \
                     retry after idle sessions expire ({} s without a message)",
                    g.sessions.max(),
                    g.limits.session_idle.as_secs()
                ),
                request_id(&value),
            );
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return Err(r);
        }
        Ok(Request::from_parts(parts, Body::from(bytes)))
    }

    /// The `id` of a request, when it is a valid one; null otherwise.
    fn request_id(v: &Value) -> Value {
        match v.get("id") {
            Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
            _ => Value::Null,
        }
    }

    /// Checks `v` is one JSON-RPC 2.0 message rmcp can read; says whether it is `initialize`.
    fn check_message(v: &Value) -> Result<bool, Response> {
        let invalid = |m: String| rpc_error(StatusCode::BAD_REQUEST, INVALID_REQUEST, m, request_id(v));
        let Some(obj) = v.as_object() else {
            let what = match v {
                Value::Array(_) => "a batch (array); send one message per request",
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Object(_) => "an object",
            };
            return Err(invalid(format!("invalid request: a JSON-RPC message is an object, not {what}")));
        };
        if obj.get("jsonrpc") != Some(&json!("2.0")) {
            return Err(invalid("invalid request: \"jsonrpc\" must be \"2.0\"".into()));
        }
        let method = obj.get("method");
        if let Some(m) = method {
            if !m.is_string() {
                return Err(invalid("invalid request: \"method\" must be a string".into()));
            }
        } else if !obj.contains_key("result") && !obj.contains_key("error") {
            return Err(invalid("invalid request: a message needs \"method\" (or \"result\"/\"error\")".into()));
        }
        if let Some(id) = obj.get("id") {
            if !matches!(id, Value::String(_) | Value::Number(_)) {
                return Err(invalid("invalid request: \"id\" must be a string or a number".into()));
            }
        }
        if let Err(e) = serde_json::from_value::<rmcp::model::ClientJsonRpcMessage>(v.clone()) {
            let name = method.and_then(Value::as_str).unwrap_or("the message");
            return Err(rpc_error(
                StatusCode::BAD_REQUEST,
                INVALID_PARAMS,
                format!("invalid params for {name}: {e}"),
                request_id(v),
            ));
        }
        Ok(method.and_then(Value::as_str) == Some("initialize") && obj.contains_key("id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_access_on_a_non_loopback_address_warns_and_loopback_does_not() {
        let open = Access::Open;
        assert!(exposure_warning("0.0.0.0:8765".parse().unwrap(), &open).unwrap().contains("WITHOUT authentication"));
        assert!(exposure_warning("[::]:8765".parse().unwrap(), &open).is_some());
        assert!(exposure_warning("127.0.0.1:8765".parse().unwrap(), &open).is_none());
        assert!(exposure_warning("[::1]:8765".parse().unwrap(), &open).is_none());
        let token = Access::Token(BearerToken::parse("0123456789abcdef0123").unwrap());
        assert!(exposure_warning("0.0.0.0:8765".parse().unwrap(), &token).is_none());
    }

    #[test]
    fn short_or_spaced_tokens_are_refused_and_never_printed() {
        assert!(BearerToken::parse("short").is_err());
        assert!(BearerToken::parse("0123456789 abcdef0123").is_err());
        let t = BearerToken::parse("  0123456789abcdef0123\n").unwrap();
        assert!(t.matches(b"0123456789abcdef0123"));
        assert!(!t.matches(b"0123456789abcdef0124"));
        assert!(!t.matches(b"0123456789abcdef012"));
        assert!(!format!("{t:?}").contains("0123"));
    }

    #[test]
    fn an_origin_is_its_scheme_host_and_port() {
        let a = guard::origin_authority("http://LOCALHOST:3000").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("localhost", Some(3000)));
        let a = guard::origin_authority("https://[::1]").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("::1", Some(443)));
        assert!(guard::origin_authority("null").is_none());
        assert!(guard::origin_authority("file://x").is_none());
        assert!(guard::origin_authority("http://user@localhost").is_none());
    }
}
