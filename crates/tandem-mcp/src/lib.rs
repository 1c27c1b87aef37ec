//! tandem's MCP server: every coordination operation as a typed tool for AI assistants.
//!
//! Each tool is a thin adapter over one [`tandem_engine::Engine`] operation: it parses a typed
//! input (with a JSON schema), calls the engine, and answers with a structured result
//! (`structuredContent`, with an output schema) and a one-line summary. Bad arguments — an
//! unknown repository, an illegal transition, a missing coordination — come back as tool errors
//! (`isError: true`) that say what is wrong and the valid choices; the server keeps running.
//! It holds no rules of its own, and the wire types in [`wire`] are its contract, converted from
//! the domain types.
//!
//! Two transports: stdio ([`serve_stdio`]) and streamable HTTP at `/mcp` ([`HttpServer`]),
//! which accepts only loopback `Host` headers unless more are allowed, refuses cross-site
//! `Origin`s, and bounds sessions, connections and slow clients ([`HttpLimits`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), tandem_mcp::ServeError> {
//! let ws = tandem_engine::load_workspace(std::path::Path::new("tandem.toml")).unwrap();
//! let engine = tandem_engine::Engine::open(ws, Default::default()).unwrap();
//! let settings = tandem_mcp::HttpSettings::new("127.0.0.1:0");
//! let server = tandem_mcp::HttpServer::bind(engine.into(), settings).await?;
//! println!("MCP at http://127.0.0.1:{}/mcp", server.port());
//! server.run_until_stopped().await
//! # }
//! ```

mod analyze;
mod error;
mod guard;
mod health;
mod http;
pub mod rollout;
mod server;
mod sessions;
mod tools;
pub mod wire;
mod workflow;

pub use error::{ServeError, ToolError};
pub use http::{exposure_warning, Access, BearerToken, HttpLimits, HttpServer, HttpSettings, LOOPBACK_HOSTS};
pub use server::TandemMcp;

use rmcp::ServiceExt;
use std::sync::Arc;
use tandem_engine::Engine;

/// Serves MCP over stdin/stdout until the client closes the connection.
pub async fn serve_stdio(engine: Arc<Engine>) -> Result<(), ServeError> {
    let service =
        TandemMcp::new(engine).serve(rmcp::transport::stdio()).await.map_err(|e| ServeError::Stdio(e.to_string()))?;
    service.waiting().await.map_err(|e| ServeError::Stdio(e.to_string()))?;
    Ok(())
}

/// How `tandem mcp` talks to its client.
#[derive(Debug, Clone)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout (what assistants launch).
    Stdio,
    /// Streamable HTTP at `http://ADDR/mcp`.
    Http(HttpSettings),
}

/// Runs the server to the end on its own runtime: until stdin closes, or until Ctrl-C for HTTP
/// (whose address is printed on stderr first, so `--http 127.0.0.1:0` can be used).
pub fn run(engine: Engine, transport: Transport) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Stdio(format!("cannot start the async runtime: {e}")))?;
    let engine = Arc::new(engine);
    runtime.block_on(async move {
        match transport {
            Transport::Stdio => serve_stdio(engine).await,
            Transport::Http(settings) => {
                let server = HttpServer::bind(engine, settings).await?;
                eprintln!("tandem MCP server listening on http://{}/mcp", server.local_addr());
                if let Some(warning) = server.exposure_warning() {
                    eprintln!("{warning}");
                }
                server.run_until_stopped().await
            }
        }
    })
}
