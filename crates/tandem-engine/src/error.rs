use std::path::PathBuf;
use tandem_model::{CoordId, ManifestError, Refused};

/// Everything an operation can fail with. [`EngineError::Refused`] is a refused operation (the
/// request was understood, the rules say no); everything else is an error.
///
/// Messages say what was wrong in the engine's terms and name no front end's spelling (no CLI
/// flag, no MCP argument): the variants carry what a front end needs to say how to fix it
/// ([`Refused::needs`], [`EngineError::Input`]'s [`Input`], [`EngineError::NoCoordination`]).
/// Front ends match on variants, never on message text.
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
    #[error("no tandem.toml in {0} or any parent directory")]
    NoManifest(PathBuf),
    /// The request names a coordination that does not exist.
    #[error("no coordination #{0}")]
    NoCoordination(CoordId),
    #[error(transparent)]
    Store(tandem_store::StoreError),
    #[error(transparent)]
    Forge(#[from] tandem_forge::ForgeError),
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    /// One input of the request is missing, malformed or names nothing known; `input` says
    /// which, so that each front end can point at its own field or flag.
    #[error("{message}")]
    Input { input: Input, message: String },
    /// A request that names something that does not exist or is malformed, where no single
    /// input is to blame.
    #[error("{0}")]
    Invalid(String),
}

/// The inputs of the engine's requests that an [`EngineError::Input`] can blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A coordination's title.
    Title,
    /// The affected repositories, given one by one.
    Repos,
    /// The changed repository whose consumers are derived.
    FromRepo,
    /// A creation's idempotency key.
    Key,
    /// The repository an operation is about (analysis, a child, a checklist).
    Repo,
    /// A checklist item.
    Item,
    /// The head revision of an analysis.
    Head,
    /// The base revision of an analysis.
    Base,
    /// Analysing the working tree.
    Worktree,
    /// The previous directory of a directory comparison.
    Against,
    /// Opening a coordination from an analysis.
    OpenCoordination,
    /// The workspace (tandem.toml) an operation needs.
    Workspace,
    /// Overwriting what exists.
    Overwrite,
    /// A time window (metrics).
    Window,
    /// A number of days (health).
    Days,
}

impl EngineError {
    /// True for refusals by the rules (exit code 1), false for errors (exit code 2).
    pub fn is_refusal(&self) -> bool {
        matches!(self, EngineError::Refused(_))
    }

    pub(crate) fn input(input: Input, message: impl Into<String>) -> EngineError {
        EngineError::Input { input, message: message.into() }
    }
}

impl From<tandem_store::StoreError> for EngineError {
    fn from(e: tandem_store::StoreError) -> Self {
        match e {
            tandem_store::StoreError::NotFound(id) => EngineError::NoCoordination(id),
            e => EngineError::Store(e),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
