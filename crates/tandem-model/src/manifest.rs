//! The workspace manifest, `tandem.toml`: parsed from text, validated, and refused with
//! `file:line:column`, what is wrong and what was expected.
//!
//! Parsing is pure (text in, [`Workspace`] or [`ManifestError`] out); reading the file is the
//! caller's job.

use crate::graph::Graph;
use crate::health::HealthUrl;
use crate::kinds::{ChangeType, ContractKind, Role, Strategy, Via};
use crate::names::RepoName;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A refused manifest: where, what, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ManifestError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub expected: Option<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)?;
        if let Some(e) = &self.expected {
            write!(f, "\n  expected: {e}")?;
        }
        Ok(())
    }
}

/// Where the parent issues live and how each change type proceeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoordinationSettings {
    /// The repository that holds parent and integration-testing issues.
    pub repo: Option<RepoName>,
    /// The issue tracker: `local` (tandem's own store) or `github`.
    pub forge: ForgeKind,
    /// GitHub's REST API root (GitHub Enterprise Server: `https://HOST/api/v3`); `None` = the
    /// public API.
    pub api_url: Option<String>,
    /// A file holding the GitHub token (absolute: resolved against the manifest's directory),
    /// read when neither `GITHUB_TOKEN` nor `GH_TOKEN` is set.
    pub token_file: Option<PathBuf>,
    /// Strategy per change type; change types not listed use their default.
    pub strategies: BTreeMap<ChangeType, Strategy>,
    /// Open a coordination (instead of only recording a health finding) when a push to a
    /// default branch changes a contract in a breaking way (`open_on_breaking_push = true`).
    pub open_on_breaking_push: bool,
}

/// How `tandem serve` runs (`[serve]`); every field has a default, and the environment
/// (`TANDEM_API_TOKEN`, `TANDEM_WEBHOOK_SECRET`) takes precedence over the files named here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServeSettings {
    /// `HOST:PORT` to listen on.
    pub listen: Option<std::net::SocketAddr>,
    /// A file holding the API's bearer token (relative to tandem.toml).
    pub api_token_file: Option<PathBuf>,
    /// A file holding the GitHub webhook secret (relative to tandem.toml).
    pub webhook_secret_file: Option<PathBuf>,
    /// How often the scheduled health checks run; `None`: never (`health_interval = "off"`).
    pub health_interval: Option<std::time::Duration>,
    /// Attempts at processing a webhook delivery before it is failed for good.
    pub webhook_max_attempts: u32,
    /// How long a server holds a delivery it claimed; one that died holding it is taken over after.
    pub webhook_lease: std::time::Duration,
    /// How many deliveries a server processes at once.
    pub webhook_workers: usize,
}

impl ServeSettings {
    pub const DEFAULT_HEALTH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    pub const DEFAULT_WEBHOOK_MAX_ATTEMPTS: u32 = 8;
    pub const MAX_WEBHOOK_MAX_ATTEMPTS: u32 = 100;
    pub const DEFAULT_WEBHOOK_LEASE: std::time::Duration = std::time::Duration::from_secs(30);
    pub const DEFAULT_WEBHOOK_WORKERS: usize = 4;
    pub const MAX_WEBHOOK_WORKERS: usize = 64;
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            listen: None,
            api_token_file: None,
            webhook_secret_file: None,
            health_interval: Some(Self::DEFAULT_HEALTH_INTERVAL),
            webhook_max_attempts: Self::DEFAULT_WEBHOOK_MAX_ATTEMPTS,
            webhook_lease: Self::DEFAULT_WEBHOOK_LEASE,
            webhook_workers: Self::DEFAULT_WEBHOOK_WORKERS,
        }
    }
}

/// Reads an interval such as `30s`, `15m`, `2h` or `1d` (at least a second, at most a week).
pub fn parse_interval(s: &str) -> Option<std::time::Duration> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3_600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    (1..=7 * 86_400).contains(&secs).then(|| std::time::Duration::from_secs(secs))
}

/// `[store]`: the database every command of this workspace uses unless `--database` (or
/// `TANDEM_DATABASE`) names another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// `sqlite://PATH` (relative to the manifest's directory) or `postgres://…`.
    pub url: Option<String>,
}

/// Which issue tracker holds the issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    Local,
    Github,
}

impl CoordinationSettings {
    pub fn strategy_for(&self, ct: ChangeType) -> Strategy {
        self.strategies.get(&ct).copied().unwrap_or_else(|| ct.default_strategy())
    }
}

/// One contract a repository publishes: a kind and the globs of its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub kind: ContractKind,
    pub globs: Vec<String>,
}

/// A declared edge: this repo consumes `repo` via `via`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub repo: RepoName,
    pub via: Via,
}

/// An HTTP(S) health endpoint and its thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthCheck {
    /// Parsed at load; printed, serialized and debugged only redacted.
    pub url: HealthUrl,
    /// 1 to [`MAX_HEALTH_TIMEOUT_MS`]; default 2000. Covers DNS, connecting, TLS, redirects and
    /// the answer's status line.
    pub timeout_ms: u64,
    pub max_latency_ms: Option<u64>,
    /// A PEM file of the CA certificate(s) to trust for an https endpoint, instead of the
    /// built-in public roots (absolute: resolved against the manifest's directory).
    pub ca_file: Option<PathBuf>,
}

/// The longest health probe timeout accepted, in milliseconds.
pub const MAX_HEALTH_TIMEOUT_MS: u64 = 60_000;

/// How to deploy a repository and how to undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeploySteps {
    pub command: String,
    pub rollback: Option<String>,
    /// This repo's limit for its deploy and rollback commands (default `[rollout] step_timeout`).
    #[serde(serialize_with = "crate::rollout::ser_opt_duration")]
    pub timeout: Option<std::time::Duration>,
    /// Running the deploy command twice does no harm: a resumed rollout re-runs a deploy whose
    /// outcome is unknown (its run was killed) instead of refusing.
    pub idempotent: bool,
}

/// Which protobuf breaking rules apply to a repo (buf's `use`/`except`/`ignore`; overrides any
/// `buf.yaml` in the checkout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakingRules {
    #[serde(default, rename = "use")]
    pub use_: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// A repository of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repo {
    pub name: RepoName,
    pub role: Role,
    pub description: Option<String>,
    /// The local checkout, absolute (resolved against the manifest's directory).
    pub path: Option<PathBuf>,
    /// Effort weight used for weighted progress and the critical path (default 1).
    pub weight: u32,
    /// Other names this repo is known by: Go module paths, package names, image names.
    pub aliases: Vec<String>,
    /// The GitHub repository, `owner/name`: given as `github`, else derived from an alias
    /// `github.com/owner/name`.
    pub github: Option<String>,
    pub contracts: Vec<Contract>,
    pub depends_on: Vec<Dependency>,
    pub health: Option<HealthCheck>,
    pub deploy: Option<DeploySteps>,
    /// Rollout gates (`[[repo.gate]]`); none: the health endpoint is the gate.
    pub gates: Vec<crate::rollout::Gate>,
    pub breaking: Option<BreakingRules>,
    /// SQL dialect of the repo's migrations: `postgres` (default), `mysql` or `sqlite`.
    pub sql_dialect: Option<String>,
    /// How the repo's migration tool runs a migration file (`sql_transaction`).
    pub sql_transaction: SqlTransaction,
}

/// How a migration tool runs each migration file, which decides what locks are held together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlTransaction {
    /// Only what the file wraps in `BEGIN` … `COMMIT` runs in a transaction (the default).
    #[default]
    Explicit,
    /// The tool runs each file as one transaction (golang-migrate, Flyway and others on
    /// PostgreSQL; squawk's `--assume-in-transaction`): `sql_transaction = "per_file"`.
    PerFile,
}

/// A validated workspace: repos with unique names, known dependencies, no cycles.
#[derive(Debug, Clone, Serialize)]
pub struct Workspace {
    pub name: String,
    /// The manifest file this workspace was read from.
    pub manifest_path: PathBuf,
    pub repos: Vec<Repo>,
    pub coordination: CoordinationSettings,
    /// `[rollout]`: timing, Prometheus, flag stages and gates of `tandem rollout`.
    pub rollout: crate::rollout::RolloutSettings,
    pub serve: ServeSettings,
    /// `[store]`: where the database is. Not serialized: its URL may carry a password.
    #[serde(skip)]
    pub store: StoreSettings,
    #[serde(skip)]
    index: HashMap<RepoName, usize>,
    #[serde(skip)]
    graph: Graph,
}

impl Workspace {
    /// Reads a manifest from its text. `path` is used for messages and to resolve repo paths.
    pub fn parse(text: &str, path: &Path) -> Result<Workspace, ManifestError> {
        let err_at = |span: Option<Range<usize>>, message: String, expected: Option<String>| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            let message = clip_quoted(&message);
            let expected = expected.map(|e| clip_quoted(&e));
            ManifestError { path: path.to_path_buf(), line, column, message, expected }
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let (message, expected) = split_expected(e.message());
            err_at(e.span(), message, expected)
        })?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let placed = |e: crate::rollout::RawError| err_at(e.span, e.message, e.expected);
        let rollout = crate::rollout::read_settings(raw.rollout.as_ref(), &root).map_err(placed)?;

        let mut index = HashMap::new();
        let mut repos = Vec::with_capacity(raw.repo.len());
        for r in &raw.repo {
            let name = r.name.get_ref().clone();
            if index.insert(name.clone(), repos.len()).is_some() {
                return Err(err_at(
                    Some(r.name.span()),
                    format!("duplicate repository name '{name}'"),
                    Some("each [[repo]] to have a unique name".into()),
                ));
            }
            let weight = match &r.weight {
                Some(w) if *w.get_ref() == 0 => {
                    return Err(err_at(
                        Some(w.span()),
                        format!("weight of '{name}' is 0"),
                        Some("a positive integer effort weight (default 1)".into()),
                    ))
                }
                Some(w) => *w.get_ref(),
                None => 1,
            };
            let mut contracts = Vec::new();
            for c in &r.contracts {
                if c.globs.is_empty() {
                    return Err(err_at(
                        Some(c.kind.span()),
                        format!("contract of kind '{}' in '{name}' has no globs", c.kind.get_ref()),
                        Some("globs = [\"pattern\", ...], e.g. [\"**/*.proto\"]".into()),
                    ));
                }
                for g in &c.globs {
                    if let Err(e) = globset::Glob::new(g.get_ref()) {
                        return Err(err_at(
                            Some(g.span()),
                            format!("bad glob '{}': {}", g.get_ref(), e.kind()),
                            Some("a glob such as \"proto/**/*.proto\"".into()),
                        ));
                    }
                }
                contracts.push(Contract {
                    kind: *c.kind.get_ref(),
                    globs: c.globs.iter().map(|g| g.get_ref().clone()).collect(),
                });
            }
            // The URL is never echoed: it may carry credentials (see `HealthUrl`).
            let health = match &r.health {
                Some(h) => Some(
                    crate::rollout::http_check(
                        &h.url,
                        h.timeout_ms.as_ref(),
                        h.max_latency_ms,
                        h.ca_file.as_deref(),
                        &root,
                        "health",
                        &format!("'{name}'"),
                    )
                    .map_err(placed)?,
                ),
                None => None,
            };
            let gates = crate::rollout::read_gates(&r.gate, rollout.prometheus.is_some(), &root, &format!("'{name}'"))
                .map_err(placed)?;
            let deploy = match &r.deploy {
                Some(d) => Some(DeploySteps {
                    command: d.command.clone(),
                    rollback: d.rollback.clone(),
                    timeout: match &d.timeout {
                        Some(t) => Some(crate::rollout::parse_duration(t.get_ref()).map_err(|e| {
                            err_at(
                                Some(t.span()),
                                format!("deploy timeout of '{name}': {e}"),
                                Some("a duration such as \"30s\" or \"10m\"".into()),
                            )
                        })?),
                        None => None,
                    },
                    idempotent: d.idempotent.unwrap_or(false),
                }),
                None => None,
            };
            repos.push(Repo {
                name,
                role: *r.role.get_ref(),
                description: r.description.clone(),
                path: r.path.as_ref().map(|p| root.join(p)),
                weight,
                aliases: r.aliases.iter().map(|a| a.get_ref().clone()).collect(),
                github: match &r.github {
                    Some(g) => Some(parse_github_slug(g.get_ref()).ok_or_else(|| {
                        err_at(
                            Some(g.span()),
                            format!(
                                "github repository '{}' of '{}' is not owner/name",
                                clip(g.get_ref()),
                                r.name.get_ref()
                            ),
                            Some("github = \"owner/name\"".into()),
                        )
                    })?),
                    None => r.aliases.iter().find_map(|a| {
                        let a = a.get_ref();
                        let rest = a.strip_prefix("https://").unwrap_or(a).strip_prefix("github.com/")?;
                        parse_github_slug(rest.trim_end_matches(".git"))
                    }),
                },
                contracts,
                depends_on: Vec::new(),
                health,
                deploy,
                gates,
                breaking: r.breaking.clone(),
                sql_dialect: match &r.sql_dialect {
                    Some(d) if !["postgres", "mysql", "sqlite"].contains(&d.get_ref().as_str()) => {
                        return Err(err_at(
                            Some(d.span()),
                            format!("unknown sql_dialect '{}' for '{}'", d.get_ref(), r.name.get_ref()),
                            Some("one of postgres, mysql, sqlite".into()),
                        ))
                    }
                    d => d.as_ref().map(|d| d.get_ref().clone()),
                },
                sql_transaction: r.sql_transaction.unwrap_or_default(),
            });
        }

        // An alias names one repository: discovery and `--repos` must not have to guess.
        let mut claimed: HashMap<&str, (&RepoName, Range<usize>)> = HashMap::new();
        for r in &raw.repo {
            let owner = r.name.get_ref();
            for a in &r.aliases {
                let alias = a.get_ref().as_str();
                if let Some(other) = index.keys().find(|n| n.as_str() == alias && *n != owner) {
                    return Err(err_at(
                        Some(a.span()),
                        format!("alias '{alias}' of '{owner}' is the name of repository '{other}'"),
                        Some("an alias that no other repository is named or known by".into()),
                    ));
                }
                match claimed.get(alias) {
                    Some((first, _)) if *first == owner => {
                        return Err(err_at(
                            Some(a.span()),
                            format!("'{owner}' lists alias '{alias}' twice"),
                            Some("each alias once".into()),
                        ))
                    }
                    Some((first, first_span)) => {
                        let (line, _) = line_col(text, first_span.start);
                        return Err(err_at(
                            Some(a.span()),
                            format!(
                                "alias '{alias}' is claimed by both '{first}' ({}:{line}) and '{owner}'",
                                path.display()
                            ),
                            Some("each alias on one repository only".into()),
                        ));
                    }
                    None => {
                        claimed.insert(alias, (owner, a.span()));
                    }
                }
            }
        }

        let known = || {
            let mut names: Vec<&str> = raw.repo.iter().map(|r| r.name.get_ref().as_str()).collect();
            names.sort_unstable();
            Some(format!("one of the workspace's repositories: {}", names.join(", ")))
        };
        for (i, r) in raw.repo.iter().enumerate() {
            let mut seen = Vec::new();
            for d in &r.depends_on {
                let target = d.repo.get_ref();
                if !index.contains_key(target) {
                    return Err(err_at(
                        Some(d.repo.span()),
                        format!("'{}' depends on unknown repository '{target}'", r.name.get_ref()),
                        known(),
                    ));
                }
                if seen.contains(target) {
                    return Err(err_at(
                        Some(d.repo.span()),
                        format!("'{}' lists '{target}' twice in depends_on", r.name.get_ref()),
                        Some("each provider once".into()),
                    ));
                }
                seen.push(target.clone());
                repos[i].depends_on.push(Dependency { repo: target.clone(), via: *d.via.get_ref() });
            }
        }

        let coordination = match &raw.coordination {
            None => CoordinationSettings {
                repo: None,
                forge: ForgeKind::Local,
                api_url: None,
                token_file: None,
                strategies: BTreeMap::new(),
                open_on_breaking_push: false,
            },
            Some(c) => {
                if let Some(r) = &c.repo {
                    if !index.contains_key(r.get_ref()) {
                        return Err(err_at(
                            Some(r.span()),
                            format!("coordination repo '{}' is not a repository of this workspace", r.get_ref()),
                            known(),
                        ));
                    }
                }
                let forge = c.forge.as_ref().map(|f| *f.get_ref()).unwrap_or(ForgeKind::Local);
                let api_url = match &c.api_url {
                    Some(u) => {
                        let text = u.get_ref().trim().trim_end_matches('/');
                        if !(text.starts_with("https://") || text.starts_with("http://"))
                            || text.contains(char::is_whitespace)
                        {
                            return Err(err_at(
                                Some(u.span()),
                                format!("api_url '{}' is not an http(s) URL", clip(u.get_ref())),
                                Some("the REST API root, e.g. https://github.example.com/api/v3".into()),
                            ));
                        }
                        Some(text.to_string())
                    }
                    None => None,
                };
                if forge == ForgeKind::Github {
                    if let Some(r) = repos.iter().find(|r| r.github.is_none()) {
                        let span = raw.repo.iter().find(|x| x.name.get_ref() == &r.name).map(|x| x.name.span());
                        return Err(err_at(
                            span,
                            format!("repository '{}' names no GitHub repository, and the forge is github", r.name),
                            Some("github = \"owner/name\" (or an alias github.com/owner/name)".into()),
                        ));
                    }
                }
                CoordinationSettings {
                    repo: c.repo.as_ref().map(|r| r.get_ref().clone()),
                    forge,
                    api_url,
                    token_file: c.token_file.as_ref().map(|p| root.join(p)),
                    strategies: c.strategies.clone(),
                    open_on_breaking_push: c.open_on_breaking_push,
                }
            }
        };

        let serve = match &raw.serve {
            None => ServeSettings::default(),
            Some(sv) => {
                let defaults = ServeSettings::default();
                let listen = match &sv.listen {
                    None => None,
                    Some(l) => Some(l.get_ref().parse::<std::net::SocketAddr>().map_err(|_| {
                        err_at(
                            Some(l.span()),
                            format!("serve listen '{}' is not an address", l.get_ref()),
                            Some("HOST:PORT with an IP address, e.g. \"127.0.0.1:7878\"".into()),
                        )
                    })?),
                };
                let health_interval = match &sv.health_interval {
                    None => defaults.health_interval,
                    Some(h) if h.get_ref().trim() == "off" => None,
                    Some(h) => Some(parse_interval(h.get_ref()).ok_or_else(|| {
                        err_at(
                            Some(h.span()),
                            format!("serve health_interval '{}' is not an interval", h.get_ref()),
                            Some("a number and a unit s, m, h or d from 1s to 7d, e.g. \"15m\", or \"off\"".into()),
                        )
                    })?),
                };
                let webhook_max_attempts = count_setting(
                    &sv.webhook_max_attempts,
                    "webhook_max_attempts",
                    "a number of attempts",
                    ServeSettings::DEFAULT_WEBHOOK_MAX_ATTEMPTS,
                    ServeSettings::MAX_WEBHOOK_MAX_ATTEMPTS,
                )
                .map_err(|(span, message, expected)| err_at(Some(span), message, Some(expected)))?;
                let webhook_lease = match &sv.webhook_lease {
                    None => defaults.webhook_lease,
                    Some(l) => parse_interval(l.get_ref()).ok_or_else(|| {
                        err_at(
                            Some(l.span()),
                            format!("serve webhook_lease '{}' is not an interval", l.get_ref()),
                            Some("a number and a unit s, m, h or d from 1s to 7d, e.g. \"30s\"".into()),
                        )
                    })?,
                };
                let webhook_workers = count_setting(
                    &sv.webhook_workers,
                    "webhook_workers",
                    "a number of deliveries processed at once,",
                    ServeSettings::DEFAULT_WEBHOOK_WORKERS,
                    ServeSettings::MAX_WEBHOOK_WORKERS,
                )
                .map_err(|(span, message, expected)| err_at(Some(span), message, Some(expected)))?;
                ServeSettings {
                    webhook_lease,
                    webhook_workers,
                    listen,
                    api_token_file: sv.api_token_file.as_ref().map(|p| root.join(p)),
                    webhook_secret_file: sv.webhook_secret_file.as_ref().map(|p| root.join(p)),
                    health_interval,
                    webhook_max_attempts,
                }
            }
        };

        let graph = Graph::from_repos(&repos).map_err(|cycle| {
            // Point at the depends_on entry that closes the cycle.
            let first = &cycle.path[0];
            let second = &cycle.path[1];
            let span = raw
                .repo
                .iter()
                .find(|r| r.name.get_ref() == first)
                .and_then(|r| r.depends_on.iter().find(|d| d.repo.get_ref() == second))
                .map(|d| d.repo.span());
            err_at(span, cycle.to_string(), Some("dependencies without cycles (consumer → provider)".into()))
        })?;

        let name = raw
            .workspace
            .and_then(|w| w.name)
            .or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "workspace".into());
        let store = raw.store.unwrap_or_default();
        Ok(Workspace {
            name,
            manifest_path: path.to_path_buf(),
            repos,
            coordination,
            rollout,
            serve,
            store,
            index,
            graph,
        })
    }

    /// The directory holding `tandem.toml`.
    pub fn root(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    pub fn repo(&self, name: &RepoName) -> Option<&Repo> {
        self.index.get(name).map(|&i| &self.repos[i])
    }

    /// Looks a repository up by its spelling; the error lists the known names.
    pub fn resolve(&self, name: &str) -> Result<&Repo, String> {
        RepoName::parse(name)
            .ok()
            .and_then(|n| self.repo(&n))
            .ok_or_else(|| format!("unknown repository '{}'; known repositories: {}", clip(name), self.known_names()))
    }

    pub fn known_names(&self) -> String {
        let mut names: Vec<&str> = self.repos.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        names.join(", ")
    }

    /// The dependency graph (consumer → provider), validated acyclic.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
}

fn split_expected(message: &str) -> (String, Option<String>) {
    let msg = message.trim().to_string();
    // toml says either "unknown variant `x`, expected one of …" or "invalid …\nexpected …".
    for sep in [", expected ", "\nexpected "] {
        if let Some(i) = msg.find(sep) {
            return (msg[..i].trim_end().to_string(), Some(msg[i + sep.len()..].trim().to_string()));
        }
    }
    (msg, None)
}

/// The longest input value a message echoes whole, in characters.
pub const MAX_ECHOED: usize = 80;

/// A value as a message shows it: whole when short, otherwise its start, an ellipsis and its
/// length, so a 20 MB string in a manifest does not become 20 MB of error message.
pub fn clip(value: &str) -> std::borrow::Cow<'_, str> {
    let chars = value.chars().count();
    if chars <= MAX_ECHOED {
        return value.into();
    }
    let head: String = value.chars().take(MAX_ECHOED / 2).collect();
    format!("{head}… ({chars} characters)").into()
}

/// Clips every quoted value (between backticks, single or double quotes) of a message, then the
/// message itself if it is still long (a value with an unbalanced quote).
fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * MAX_ECHOED));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '\'', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else { break };
        out.push_str(&rest[..=open]);
        out.push_str(&clip(&after[..close]));
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    const MAX_MESSAGE: usize = 20 * MAX_ECHOED;
    if out.chars().count() > MAX_MESSAGE {
        let total = out.chars().count();
        let head: String = out.chars().take(MAX_MESSAGE).collect();
        return format!("{head}… ({total} characters in all)");
    }
    out
}

/// 1-based line and column (in characters) of a byte offset.
/// `owner/name` as GitHub spells repositories: two non-empty parts of letters, digits, `-`, `_`, `.`.
pub fn parse_github_slug(s: &str) -> Option<String> {
    let (owner, name) = s.trim().split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 100
            && p != "."
            && p != ".."
            && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    (ok(owner) && ok(name)).then(|| format!("{owner}/{name}"))
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    workspace: Option<RawWorkspace>,
    coordination: Option<RawCoordination>,
    rollout: Option<crate::rollout::RawRollout>,
    serve: Option<RawServe>,
    store: Option<StoreSettings>,
    #[serde(default)]
    repo: Vec<RawRepo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServe {
    listen: Option<Spanned<String>>,
    api_token_file: Option<String>,
    webhook_secret_file: Option<String>,
    health_interval: Option<Spanned<String>>,
    webhook_max_attempts: Option<Spanned<u32>>,
    webhook_lease: Option<Spanned<String>>,
    webhook_workers: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkspace {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoordination {
    repo: Option<Spanned<RepoName>>,
    forge: Option<Spanned<ForgeKind>>,
    api_url: Option<Spanned<String>>,
    token_file: Option<String>,
    #[serde(default)]
    strategies: BTreeMap<ChangeType, Strategy>,
    #[serde(default)]
    open_on_breaking_push: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepo {
    name: Spanned<RepoName>,
    role: Spanned<Role>,
    description: Option<String>,
    path: Option<String>,
    weight: Option<Spanned<u32>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    github: Option<Spanned<String>>,
    #[serde(default)]
    contracts: Vec<RawContract>,
    #[serde(default)]
    depends_on: Vec<RawDependency>,
    health: Option<RawHealth>,
    deploy: Option<RawDeploy>,
    #[serde(default)]
    gate: Vec<Spanned<crate::rollout::RawGate>>,
    breaking: Option<BreakingRules>,
    sql_dialect: Option<Spanned<String>>,
    sql_transaction: Option<SqlTransaction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    kind: Spanned<ContractKind>,
    #[serde(default)]
    globs: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDependency {
    repo: Spanned<RepoName>,
    via: Spanned<Via>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHealth {
    url: Spanned<String>,
    timeout_ms: Option<Spanned<u64>>,
    max_latency_ms: Option<u64>,
    ca_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeploy {
    command: String,
    rollback: Option<String>,
    timeout: Option<Spanned<String>>,
    idempotent: Option<bool>,
}

/// A `[serve]` count `key` from 1 to `max`, `default` when absent; out of range, the value's
/// place, the message and what is expected (`what` names the count).
fn count_setting<T>(
    value: &Option<Spanned<T>>,
    key: &str,
    what: &str,
    default: T,
    max: T,
) -> Result<T, (Range<usize>, String, String)>
where
    T: Copy + PartialOrd + From<u8> + std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(n) if (T::from(1)..=max).contains(n.get_ref()) => Ok(*n.get_ref()),
        Some(n) => Err((
            n.span(),
            format!("serve {key} is {}", n.get_ref()),
            format!("{what} from 1 to {max} (default {default})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Workspace, ManifestError> {
        Workspace::parse(text, Path::new("/ws/tandem.toml"))
    }

    fn check_err(text: &str, line: usize, col: usize, needle: &str) {
        let e = parse(text).unwrap_err();
        let shown = e.to_string();
        assert_eq!((e.line, e.column), (line, col), "{shown}");
        assert!(shown.contains(needle), "{shown}");
        assert!(shown.starts_with("/ws/tandem.toml:"), "{shown}");
    }

    const TWO: &str = "[[repo]]\nname = \"a\"\nrole = \"service\"\n\n[[repo]]\nname = \"b\"\nrole = \"protocol\"\n";

    #[test]
    fn valid_manifest_resolves_paths_and_defaults() {
        let text = format!("{TWO}path = \"b-dir\"\nweight = 3\ndepends_on = []\n");
        let ws = parse(&text).unwrap();
        assert_eq!(ws.repos.len(), 2);
        let b = ws.resolve("b").unwrap();
        assert_eq!(b.path.as_deref(), Some(Path::new("/ws/b-dir")));
        assert_eq!(b.weight, 3);
        assert_eq!(ws.resolve("a").unwrap().weight, 1);
        assert_eq!(ws.name, "ws");
    }

    #[test]
    fn the_store_url_is_read_and_never_serialized() {
        assert_eq!(parse(TWO).unwrap().store.url, None);
        let ws = parse(&format!("[store]\nurl = \"postgres://u:pw@db/tandem\"\n\n{TWO}")).unwrap();
        assert_eq!(ws.store.url.as_deref(), Some("postgres://u:pw@db/tandem"));
        assert!(!serde_json::to_string(&ws).unwrap().contains("pw@"), "a password in the URL stays out of JSON");
        check_err("[store]\nuri = \"x\"\n", 2, 1, "unknown field `uri`");
    }

    #[test]
    fn unknown_dependency_lists_known_names() {
        let text = "[[repo]]\nname = \"a\"\nrole = \"service\"\ndepends_on = [{ repo = \"nope\", via = \"grpc\" }]\n";
        check_err(text, 4, 24, "unknown repository 'nope'");
        assert!(parse(text).unwrap_err().to_string().contains("repositories: a"));
    }

    #[test]
    fn duplicate_names_are_refused_at_the_second() {
        check_err(
            "[[repo]]\nname = \"a\"\nrole = \"service\"\n[[repo]]\nname = \"a\"\nrole = \"docs\"\n",
            5,
            8,
            "duplicate repository name 'a'",
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_location() {
        check_err("[[repo]]\nname = \"a\"\nrole = \"service\"\ncolour = 1\n", 4, 1, "unknown field `colour`");
    }

    #[test]
    fn bad_role_names_the_choices() {
        let e = parse("[[repo]]\nname = \"a\"\nrole = \"servce\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert!(e.expected.unwrap().contains("`service`"));
    }

    #[test]
    fn sql_transaction_defaults_to_explicit_and_reads_per_file() {
        let ws = parse(&format!("{TWO}sql_transaction = \"per_file\"\n")).unwrap();
        assert_eq!(ws.resolve("a").unwrap().sql_transaction, SqlTransaction::Explicit);
        assert_eq!(ws.resolve("b").unwrap().sql_transaction, SqlTransaction::PerFile);
        let e = parse(&format!("{TWO}sql_transaction = \"always\"\n")).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        assert!(e.to_string().contains("per_file"), "{e}");
    }

    #[test]
    fn bad_glob_is_refused() {
        let text = "[[repo]]\nname = \"a\"\nrole = \"protocol\"\ncontracts = [{ kind = \"protobuf\", globs = [\"proto/[*.proto\"] }]\n";
        check_err(text, 4, 44, "bad glob 'proto/[*.proto'");
    }

    #[test]
    fn bad_toml_is_refused_with_location_and_what_was_expected() {
        let e = parse("[[repo]\nname = 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e}");
        assert!(e.message.contains("invalid table header"), "{e}");
        assert_eq!(e.expected.as_deref(), Some("`.`, `]]`"), "{e}");
    }

    #[test]
    fn an_alias_shared_by_two_repos_is_refused_naming_both() {
        let text = "[[repo]]\nname = \"a\"\nrole = \"service\"\naliases = [\"x\"]\n\
                    [[repo]]\nname = \"b\"\nrole = \"service\"\naliases = [\"y\", \"x\"]\n";
        check_err(text, 8, 17, "alias 'x' is claimed by both 'a' (/ws/tandem.toml:4) and 'b'");
    }

    #[test]
    fn an_alias_that_is_another_repos_name_is_refused() {
        let text = format!("{TWO}aliases = [\"a\"]\n");
        check_err(&text, 8, 12, "alias 'a' of 'b' is the name of repository 'a'");
    }

    #[test]
    fn an_alias_listed_twice_is_refused_and_one_equal_to_its_own_name_is_accepted() {
        check_err(&format!("{TWO}aliases = [\"z\", \"z\"]\n"), 8, 17, "'b' lists alias 'z' twice");
        let ws = parse(&format!("{TWO}aliases = [\"b\", \"github.com/o/b\"]\n")).unwrap();
        assert_eq!(ws.resolve("b").unwrap().aliases, ["b", "github.com/o/b"]);
    }

    #[test]
    fn a_huge_unknown_key_is_echoed_clipped_with_its_length() {
        let key = "k".repeat(1_000_000);
        let e = parse(&format!("[[repo]]\nname = \"a\"\nrole = \"service\"\n{key} = 1\n")).unwrap_err();
        let shown = e.to_string();
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(shown.contains("unknown field `kkkk"), "{shown}");
        assert!(shown.contains("… (1000000 characters)"), "{shown}");
        assert_eq!((e.line, e.column), (4, 1));
    }

    #[test]
    fn a_huge_bad_value_is_echoed_clipped_with_its_length() {
        let role = "r".repeat(500_000);
        let e = parse(&format!("[[repo]]\nname = \"a\"\nrole = \"{role}\"\n")).unwrap_err();
        let shown = format!("{e}");
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(shown.contains("… (500000 characters)"), "{shown}");
        assert!(e.expected.unwrap().contains("`service`"));
    }

    #[test]
    fn an_unknown_repository_is_named_clipped() {
        let ws = parse(TWO).unwrap();
        let e = ws.resolve(&"z".repeat(10_000)).unwrap_err();
        assert!(e.len() < 300 && e.contains("… (10000 characters)"), "{e}");
    }

    #[test]
    fn short_values_are_echoed_whole() {
        assert_eq!(clip("loqa-hub"), "loqa-hub");
        assert_eq!(clip_quoted("unknown field `colour`, x"), "unknown field `colour`, x");
        let long = "é".repeat(MAX_ECHOED + 1);
        assert_eq!(clip(&long), format!("{}… ({} characters)", "é".repeat(MAX_ECHOED / 2), MAX_ECHOED + 1));
    }

    #[test]
    fn cycles_are_refused_with_the_cycle_printed() {
        let text = "[[repo]]\nname = \"a\"\nrole = \"service\"\ndepends_on = [{ repo = \"b\", via = \"grpc\" }]\n\
                    [[repo]]\nname = \"b\"\nrole = \"service\"\ndepends_on = [{ repo = \"a\", via = \"http\" }]\n";
        let e = parse(text).unwrap_err();
        assert!(e.message.contains("a -> b -> a") || e.message.contains("b -> a -> b"), "{e}");
    }

    #[test]
    fn coordination_repo_must_exist() {
        let text = format!("[coordination]\nrepo = \"zzz\"\n{TWO}");
        check_err(&text, 2, 8, "coordination repo 'zzz'");
    }

    #[test]
    fn strategies_are_read_per_change_type() {
        let text = format!("[coordination]\nrepo = \"a\"\n[coordination.strategies]\nbreaking = \"sequential\"\n{TWO}");
        let ws = parse(&text).unwrap();
        assert_eq!(ws.coordination.strategy_for(ChangeType::Breaking), Strategy::Sequential);
        assert_eq!(ws.coordination.strategy_for(ChangeType::Protocol), Strategy::Sequential);
        assert_eq!(ws.coordination.strategy_for(ChangeType::Feature), Strategy::FeatureFlags);
    }

    #[test]
    fn serve_settings_are_read_with_defaults_and_refused_with_location() {
        let base = "[[repo]]\nname = \"a\"\nrole = \"service\"\n";
        let ws = parse(base).unwrap();
        assert_eq!(ws.serve, ServeSettings::default());
        let ws = parse(&format!(
            "[serve]\nlisten = \"127.0.0.1:9000\"\nhealth_interval = \"5m\"\nwebhook_secret_file = \"s.txt\"\n\
             webhook_max_attempts = 3\nwebhook_workers = 9\n{base}"
        ))
        .unwrap();
        assert_eq!(ws.serve.webhook_workers, 9);
        assert_eq!(ws.serve.listen, Some("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(ws.serve.health_interval, Some(std::time::Duration::from_secs(300)));
        assert_eq!(ws.serve.webhook_max_attempts, 3);
        assert_eq!(ws.serve.webhook_lease, ServeSettings::DEFAULT_WEBHOOK_LEASE);
        assert!(ws.serve.webhook_secret_file.unwrap().ends_with("s.txt"));
        assert_eq!(parse(&format!("[serve]\nhealth_interval = \"off\"\n{base}")).unwrap().serve.health_interval, None);
        check_err(&format!("[serve]\nhealth_interval = \"soon\"\n{base}"), 2, 19, "is not an interval");
        check_err(&format!("[serve]\nlisten = \"localhost\"\n{base}"), 2, 10, "is not an address");
        check_err(&format!("[serve]\nwebhook_max_attempts = 0\n{base}"), 2, 24, "webhook_max_attempts is 0");
        check_err(&format!("[serve]\nwebhook_workers = 65\n{base}"), 2, 19, "webhook_workers is 65");
        check_err(&format!("[serve]\ntoken = \"x\"\n{base}"), 2, 1, "unknown field");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }

    #[test]
    fn a_github_forge_reads_api_url_token_file_and_each_repos_github_name() {
        let text = "[coordination]\nforge = \"github\"\napi_url = \"https://ghe.example.com/api/v3/\"\n\
                    token_file = \"secrets/token\"\n\
                    [[repo]]\nname = \"a\"\nrole = \"service\"\ngithub = \"acme/a\"\n\
                    [[repo]]\nname = \"b\"\nrole = \"service\"\naliases = [\"github.com/acme/b-repo\"]\n";
        let ws = parse(text).unwrap();
        assert_eq!(ws.coordination.forge, ForgeKind::Github);
        assert_eq!(ws.coordination.api_url.as_deref(), Some("https://ghe.example.com/api/v3"));
        assert_eq!(ws.coordination.token_file.as_deref(), Some(Path::new("/ws/secrets/token")));
        assert_eq!(ws.repos[0].github.as_deref(), Some("acme/a"));
        assert_eq!(ws.repos[1].github.as_deref(), Some("acme/b-repo"), "derived from the alias");
    }

    #[test]
    fn a_github_forge_needs_every_repos_github_name_and_a_well_formed_one() {
        let text = format!("[coordination]\nforge = \"github\"\n{TWO}github = \"acme/b\"\n");
        check_err(&text, 4, 8, "repository 'a' names no GitHub repository");
        check_err(&format!("{TWO}github = \"acme\"\n"), 8, 10, "github repository 'acme' of 'b' is not owner/name");
        check_err("[coordination]\napi_url = \"ftp://x\"\n", 2, 11, "api_url 'ftp://x' is not an http(s) URL");
        let local = parse(TWO).unwrap();
        assert_eq!(local.coordination.forge, ForgeKind::Local);
        assert_eq!(local.repos[0].github, None);
    }
}
