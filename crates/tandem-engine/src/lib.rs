//! tandem's operations: one function per thing a user can do.
//!
//! The CLI, the HTTP API, the MCP server and webhooks all call [`Engine`]; none of them holds
//! rules of its own. The engine reads the workspace, asks the model's state machine, saves
//! through the [`tandem_store::Store`] and talks to issue trackers through the
//! [`tandem_forge::Forge`] trait. It knows nothing of clap, HTTP or MCP.
//!
//! ```no_run
//! use tandem_engine::{Engine, EngineOptions, CreateRequest};
//! let ws = tandem_engine::load_workspace(std::path::Path::new("tandem.toml")).unwrap();
//! let engine = Engine::open(ws, EngineOptions::default()).unwrap();
//! let req = CreateRequest::new("Add auth metadata", tandem_model::ChangeType::Protocol).from_repo("loqa-proto");
//! let created = engine.create_coordination(&req, &mut |_| {}).unwrap();
//! println!("coordination #{}", created.coordination.id);
//! ```

pub mod analysis;
mod branches;
mod create;
mod error;
pub mod github;
mod health;
mod metrics;
mod ops;
pub mod render;
pub mod report;
pub mod rollout;
mod sync;
pub mod templates;
mod verdict;
pub mod webhook;

pub use analysis::{Analysis, AnalyzeRequest};
pub use branches::{default_branch_name, BranchCreated, BranchStatus};
pub use create::{CreateRequest, Created, Step};
pub use error::{EngineError, Input, Result};
pub use health::{
    health_body, human_duration, redact, Check, Endpoints, HealthFinding, HealthIssueAction, HealthIssueOutcome,
    HealthOptions, HealthReport, Level, ProbeOutcome, Remedy, Subject as HealthSubject, CHECKS, HEALTH_MARKER,
    MAX_REDIRECTS, MAX_STALE_DAYS,
};
pub use metrics::{parse_window, DurationStats, MetricsOptions, MetricsReport};
pub use ops::{Change, Summary};
pub use rollout::{Notice, RolloutOptions, RolloutOutcome, RolloutResult, RolloutView, StepView, Unfinished};
pub use sync::{SyncReport, FORGE_ACTOR};
pub use verdict::Verdict;
pub use webhook::WebhookOutcome;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_forge::github::{GithubForge, GithubSettings, RealPacer};
use tandem_forge::{Forge, LocalForge};
use tandem_model::manifest::ForgeKind;
use tandem_model::{Clock, SystemClock, Workspace};
use tandem_store::{SqliteStore, Store};
use templates::Templates;

/// The manifest's file name.
pub const MANIFEST: &str = "tandem.toml";

/// Finds `tandem.toml` in `start` or the nearest parent directory.
pub fn find_manifest(start: &Path) -> Result<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(MANIFEST);
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(EngineError::NoManifest(start.to_path_buf()))
}

/// Reads and validates a workspace from a manifest file, or from the `tandem.toml` in a directory.
pub fn load_workspace(path: &Path) -> Result<Workspace> {
    let file = if path.is_dir() { path.join(MANIFEST) } else { path.to_path_buf() };
    let file = if file.is_absolute() {
        file
    } else {
        std::env::current_dir().map_err(|source| EngineError::Io { path: file.clone(), source })?.join(file)
    };
    let text = std::fs::read_to_string(&file).map_err(|source| EngineError::Io { path: file.clone(), source })?;
    Ok(Workspace::parse(&text, &file)?)
}

/// Opens the store named by `url`: `postgres://…` (or `postgresql://…`), `sqlite://PATH`,
/// `sqlite:PATH` or a plain path (relative to the current directory); without one, the default
/// `.tandem/tandem.db` beside the manifest.
pub fn open_store(url: Option<&str>, ws_root: &Path) -> Result<Arc<dyn Store>> {
    let cwd = std::env::current_dir().unwrap_or_default();
    match url {
        None => Ok(Arc::new(SqliteStore::open(&ws_root.join(".tandem").join("tandem.db"))?)),
        Some(u) => open_url(u, &cwd),
    }
}

/// The store of a workspace: `database` (the `--database` flag or `TANDEM_DATABASE`) if given,
/// else the manifest's `[store] url` (a relative SQLite path is relative to the manifest), else
/// the default.
pub fn open_workspace_store(ws: &Workspace, database: Option<&str>) -> Result<Arc<dyn Store>> {
    match (database, ws.store.url.as_deref()) {
        (Some(u), _) => open_store(Some(u), ws.root()),
        (None, Some(u)) => open_url(u, ws.root()).map_err(|e| match e {
            EngineError::Invalid(msg) => {
                EngineError::Invalid(format!("{} [store] url: {msg}", ws.manifest_path.display()))
            }
            e => e,
        }),
        (None, None) => open_store(None, ws.root()),
    }
}

fn open_url(u: &str, base: &Path) -> Result<Arc<dyn Store>> {
    if u.starts_with("postgres://") || u.starts_with("postgresql://") {
        return Ok(Arc::new(tandem_store::PostgresStore::open(u)?));
    }
    let p = u.strip_prefix("sqlite://").or_else(|| u.strip_prefix("sqlite:")).unwrap_or(u);
    if p.is_empty() {
        return Err(EngineError::Invalid(format!("database URL '{u}' names no file; expected sqlite://PATH")));
    }
    if let Some((scheme, _)) = p.split_once("://") {
        return Err(EngineError::Invalid(format!(
            "database URL scheme '{scheme}' is not supported; expected sqlite://PATH or postgres://…"
        )));
    }
    let p = PathBuf::from(p);
    let path = if p.is_absolute() { p } else { base.join(p) };
    Ok(Arc::new(SqliteStore::open(&path)?))
}

/// How to open an engine; every field has a default.
#[derive(Default)]
pub struct EngineOptions {
    /// Database URL (`postgres://…` or `sqlite://PATH`); default the manifest's `[store] url`,
    /// then `.tandem/tandem.db` beside `tandem.toml`.
    pub database: Option<String>,
    /// Who acts (recorded in the history); default `$TANDEM_ACTOR`, then `$USER`.
    pub actor: Option<String>,
    pub clock: Option<Arc<dyn Clock>>,
}

pub struct Engine {
    ws: Workspace,
    store: Arc<dyn Store>,
    forge: Arc<dyn Forge>,
    clock: Arc<dyn Clock>,
    templates: Templates,
    actor: String,
}

/// The actor recorded when none is given.
pub fn default_actor() -> String {
    std::env::var("TANDEM_ACTOR")
        .ok()
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

impl Engine {
    /// Opens the workspace's store and its forge: the local forge, or GitHub when
    /// `[coordination] forge = "github"` (token from `GITHUB_TOKEN`, `GH_TOKEN` or `token_file`).
    /// The forge's notices (GitHub's rate-limit waits and pacing) go to standard error.
    pub fn open(ws: Workspace, opts: EngineOptions) -> Result<Engine> {
        Engine::open_notifying(ws, opts, Arc::new(|m: &str| eprintln!("{m}")))
    }

    /// [`Engine::open`], the forge's notices going to `notify` (servers log them).
    pub fn open_notifying(ws: Workspace, opts: EngineOptions, notify: tandem_forge::github::Notify) -> Result<Engine> {
        let store = open_workspace_store(&ws, opts.database.as_deref())?;
        let forge: Arc<dyn Forge> = match ws.coordination.forge {
            ForgeKind::Local => Arc::new(LocalForge::new(store.clone())),
            ForgeKind::Github => {
                let settings = GithubSettings::from_workspace(&ws)?;
                Arc::new(GithubForge::new(settings, Some(store.clone()), Arc::new(RealPacer), notify))
            }
        };
        let clock = opts.clock.unwrap_or_else(|| Arc::new(SystemClock));
        Engine::new(ws, store, forge, clock, opts.actor.unwrap_or_else(default_actor))
    }

    /// Builds an engine from its parts (tests and servers choose their own store, forge, clock).
    pub fn new(
        ws: Workspace,
        store: Arc<dyn Store>,
        forge: Arc<dyn Forge>,
        clock: Arc<dyn Clock>,
        actor: String,
    ) -> Result<Engine> {
        let templates = Templates::load(Some(&ws.root().join(".tandem").join("templates")))?;
        Ok(Engine { ws, store, forge, clock, templates, actor })
    }

    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn forge(&self) -> &Arc<dyn Forge> {
        &self.forge
    }

    /// Template names overridden from `.tandem/templates/`.
    pub fn overridden_templates(&self) -> &[String] {
        &self.templates.overridden
    }

    fn ctx(&self) -> tandem_model::Ctx {
        tandem_model::Ctx { actor: self.actor.clone(), now: self.clock.now() }
    }
}
