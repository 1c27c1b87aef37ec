//! What a tool call or the server can fail with. Tool failures become MCP tool errors
//! (`isError: true`) whose text says what was wrong and the valid choices; they never end the
//! server.

use tandem_engine::{Engine, EngineError};
use tandem_model::Needs;

/// A failed tool call.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The arguments do not fit the tool's input schema.
    #[error("invalid arguments for {tool}: {message}; see the tool's input schema (tools/list)")]
    Arguments { tool: &'static str, message: String },
    /// The rules refused the operation (an illegal transition, closing with open children …).
    #[error("refused: {0}")]
    Refused(String),
    /// The request names something that does not exist or is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The request names a coordination that does not exist.
    #[error("no coordination #{0}")]
    NoCoordination(tandem_model::CoordId),
    /// The engine failed (database, forge, templates).
    #[error("error: {0}")]
    Engine(EngineError),
    /// A bug in tandem itself; reported, never a crash.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<EngineError> for ToolError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Refused(r) => ToolError::Refused(match r.needs {
                Some(Needs::Reason) => format!("{}; give `reason`", r.message),
                Some(Needs::Force) => format!("{}; set `force: true` to do it anyway", r.message),
                None => r.message,
            }),
            EngineError::Input { input, message } => {
                ToolError::Invalid(format!("{message} (argument `{}`)", crate::wire::input_name(input)))
            }
            EngineError::Invalid(m) => ToolError::Invalid(m),
            EngineError::NoCoordination(id) => ToolError::NoCoordination(id),
            e => ToolError::Engine(e),
        }
    }
}

impl From<String> for ToolError {
    fn from(m: String) -> Self {
        ToolError::Invalid(m)
    }
}

impl ToolError {
    /// The message shown to the assistant, with the valid choices where the engine's own message
    /// points at a CLI command instead.
    pub fn message(&self, engine: &Engine) -> String {
        match self {
            ToolError::NoCoordination(_) => {
                let m = self.to_string();
                let existing = engine.list_coordinations().unwrap_or_default();
                if existing.is_empty() {
                    format!("{m}; there are no coordinations yet (create one with create_coordination_issue)")
                } else {
                    let ids: Vec<String> = existing.iter().map(|s| format!("#{} \"{}\"", s.id, s.title)).collect();
                    format!("{m}; existing coordinations: {}", ids.join(", "))
                }
            }
            e => e.to_string(),
        }
    }
}

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("'{0}' is not an address to listen on; expected HOST:PORT, e.g. 127.0.0.1:8765")]
    Address(String),
    #[error("MCP over stdio: {0}")]
    Stdio(String),
    #[error("MCP over HTTP: {0}")]
    Http(std::io::Error),
    #[error("'{0}' is not a host name to allow; expected NAME or NAME:PORT, e.g. tandem.internal:8765")]
    Host(String),
    #[error("MCP bearer token: {0}")]
    Token(String),
    #[error("MCP over HTTP: {0}")]
    Limit(String),
}
