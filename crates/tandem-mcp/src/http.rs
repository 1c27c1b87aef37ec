//! Streamable HTTP at `/mcp`, started one way by `tandem mcp --http` and by the tests:
//! [`HttpServer::bind`] then [`HttpServer::run_until_stopped`].
//!
//! Every request passes one guard before rmcp sees it ([`crate::guard`]): a single `Host`, a
//! request target naming no other host, a same-site `Origin` (or none), the bearer token when
//! one is set, and a body that is a JSON-RPC message — anything else is refused with a status
//! and, for a bad body, a JSON-RPC error. The accept loop is our own so that slow header reads time
//! out and connections are bounded; sessions are capped and expire when idle
//! ([`crate::sessions`]).

use crate::error::ServeError;
use crate::guard;
use crate::server::TandemMcp;
use crate::sessions::CappedSessions;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::Engine;

/// The `Host` names always accepted: loopback only, against DNS rebinding.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

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
    /// The largest values accepted (durations: a week of idle time, an hour to send a request).
    pub const MAX_MAX_SESSIONS: usize = 100_000;
    pub const MAX_MAX_CONNECTIONS: usize = 65_536;
    pub const MAX_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
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
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
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
        let hosts: Vec<String> =
            LOOPBACK_HOSTS.iter().map(|h| h.to_string()).chain(allow_hosts.iter().cloned()).collect();
        let allowed = hosts
            .iter()
            .map(|h| guard::Authority::parse_allowed(h).ok_or_else(|| ServeError::Host(h.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let parsed: SocketAddr = addr.parse().map_err(|_| ServeError::Address(addr.to_string()))?;
        let listener = tokio::net::TcpListener::bind(parsed)
            .await
            .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let local = listener.local_addr().map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let sessions = Arc::new(CappedSessions::new(limits.max_sessions, limits.session_idle));
        let handler = TandemMcp::new(engine);
        let service = StreamableHttpService::new(
            move || Ok(handler.clone()),
            sessions.clone(),
            StreamableHttpServerConfig::default()
                .with_allowed_hosts(hosts.clone())
                .with_max_request_body_bytes(limits.max_body_bytes),
        );
        let guard = Arc::new(guard::Guard { hosts: allowed, access: access.clone(), limits, sessions });
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
    const DAY: u64 = 24 * 60 * 60;
    // (value, the largest accepted, what it is, its unit)
    let bounds: [(u64, u64, &str, &str); 5] = [
        (l.max_sessions as u64, HttpLimits::MAX_MAX_SESSIONS as u64, "the session limit", "sessions"),
        (l.max_connections as u64, HttpLimits::MAX_MAX_CONNECTIONS as u64, "the connection limit", "connections"),
        (l.session_idle.as_secs().max(u64::from(!l.session_idle.is_zero())), 7 * DAY, "the session idle time", "s"),
        (l.read_timeout.as_secs().max(u64::from(!l.read_timeout.is_zero())), 60 * 60, "the read timeout", "s"),
        (l.max_body_bytes as u64, HttpLimits::MAX_MAX_BODY_BYTES as u64, "the body size limit", "bytes"),
    ];
    for (value, max, what, unit) in bounds {
        if value == 0 || value > max {
            return Err(ServeError::Limit(format!("{what} must be between 1 and {max} {unit}; got {value}")));
        }
    }
    Ok(())
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
}
