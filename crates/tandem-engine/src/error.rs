use std::path::PathBuf;
use tandem_model::{ManifestError, Refused};

/// Everything an operation can fail with. [`EngineError::Refused`] is a refused operation (the
/// request was understood, the rules say no); everything else is an error.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Refused(#[from] Refused),
    /// Transparent: the manifest error is the whole message; shown as `{0}` with itself as the
    /// source, it was printed twice by every front end that prints the chain.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("no tandem.toml in {0} or any parent directory; create one with `tandem init` or pass --workspace PATH")]
    NoManifest(PathBuf),
    #[error(transparent)]
    Store(#[from] tandem_store::StoreError),
    #[error(transparent)]
    Forge(#[from] tandem_forge::ForgeError),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    /// A request that names something that does not exist or is malformed.
    #[error("{0}")]
    Invalid(String),
}

impl EngineError {
    /// True for refusals by the rules (exit code 1), false for errors (exit code 2).
    pub fn is_refusal(&self) -> bool {
        matches!(self, EngineError::Refused(_))
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
