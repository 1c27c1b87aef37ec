//! Streamable HTTP at `/mcp`, started one way by `tandem mcp --http` and by the tests:
//! [`HttpServer::bind`] then [`HttpServer::run_until_stopped`].

use crate::error::ServeError;
use crate::server::TandemMcp;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use tandem_engine::Engine;

/// The `Host` names always accepted: loopback only, against DNS rebinding.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

pub struct HttpServer {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    router: axum::Router,
}

impl HttpServer {
    /// Binds `addr` (`HOST:PORT`; port 0 picks one). Requests whose `Host` is not a loopback
    /// name or one of `allow_hosts` (names, or `name:port`) are refused with 403.
    pub async fn bind(engine: Arc<Engine>, addr: &str, allow_hosts: &[String]) -> Result<HttpServer, ServeError> {
        let parsed: SocketAddr = addr.parse().map_err(|_| ServeError::Address(addr.to_string()))?;
        let listener = tokio::net::TcpListener::bind(parsed)
            .await
            .map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Bind { addr: addr.to_string(), source })?;
        let hosts: Vec<String> =
            LOOPBACK_HOSTS.iter().map(|h| h.to_string()).chain(allow_hosts.iter().cloned()).collect();
        let handler = TandemMcp::new(engine);
        let service = StreamableHttpService::new(
            move || Ok(handler.clone()),
            Arc::new(LocalSessionManager::default()),
            StreamableHttpServerConfig::default().with_allowed_hosts(hosts),
        );
        let router = axum::Router::new().nest_service("/mcp", service);
        Ok(HttpServer { listener, addr, router })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the process is interrupted (Ctrl-C).
    pub async fn run_until_stopped(self) -> Result<(), ServeError> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(ServeError::Http)
    }
}
