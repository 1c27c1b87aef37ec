use std::net::SocketAddr;

/// Why the server could not start (or stopped). Never carries a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("'{0}' is not an address to listen on; expected HOST:PORT, e.g. 127.0.0.1:7878")]
    Address(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("serving on {addr} failed: {source}")]
    Serve { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Secret(String),
    #[error("{0}")]
    Settings(String),
}

impl ServerError {
    /// The message alone (no variant wrapping), for re-wording.
    pub(crate) fn message(&self) -> String {
        match self {
            ServerError::Secret(m) | ServerError::Settings(m) => m.clone(),
            e => e.to_string(),
        }
    }
}
