//! `tandem`: coordinate changes that span many git repositories.
//!
//! Exit codes (a contract for scripts): 0 ok; 1 something was found or an operation was
//! refused by the rules (an illegal transition, a creation that already exists is NOT 1);
//! 2 an error (bad input, unreadable manifest, database trouble).

mod analyze_cmd;
mod branches_cmd;
mod choice;
mod demo;
mod github_cmd;
mod health_cmd;
mod output;
mod rollout_cmd;
mod serve_cmd;
mod store_cmd;
mod sync_cmd;
mod wording;

use anyhow::Context;
use choice::choice;

/// The analyzer allocates and frees millions of small objects; mimalloc does that markedly
/// faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tandem_engine::render::{self, Example};
use tandem_engine::{CreateRequest, Engine, EngineError, EngineOptions, Step};
use tandem_model::{ChangeType, ChildStatus, CoordId, CoordStatus, Priority};

#[derive(Parser)]
#[command(name = "tandem", version, about = "Coordinate changes that span many git repositories", long_about = None)]
pub(crate) struct Cli {
    /// The workspace manifest (tandem.toml) or its directory; default: the nearest tandem.toml
    /// in the current directory or a parent.
    #[arg(long, global = true, env = "TANDEM_WORKSPACE", hide_env_values = true, value_name = "PATH")]
    pub(crate) workspace: Option<PathBuf>,
    /// Database URL (postgres://…, sqlite://PATH or a path); default: tandem.toml's [store] url,
    /// then .tandem/tandem.db beside tandem.toml.
    #[arg(long, global = true, env = "TANDEM_DATABASE", hide_env_values = true, value_name = "URL")]
    pub(crate) database: Option<String>,
    /// Who is acting, recorded in the history; default $TANDEM_ACTOR, then $USER.
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) actor: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a commented tandem.toml (or the Loqa example) into DIR.
    Init {
        /// Write an example workspace instead of the starter: `loqa`.
        #[arg(long, value_name = "NAME")]
        example: Option<String>,
        /// Overwrite an existing tandem.toml.
        #[arg(long)]
        force: bool,
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Show the dependency graph: order, waves, consumers.
    Graph {
        #[arg(long, value_enum, default_value_t = GraphFormat::Table)]
        format: GraphFormat,
    },
    /// List the repos that depend on REPO (transitively unless --direct).
    Consumers {
        repo: String,
        #[arg(long)]
        direct: bool,
    },
    /// Read each checkout's go.mod, Cargo.toml, package.json, pyproject.toml, requirements.txt
    /// and docker-compose.yml, and compare what they reference with the declared dependencies.
    Discover,
    /// Find breaking changes in the repo's contracts between two revisions (protobuf, as
    /// `buf breaking` judges them) and the repositories that must follow.
    Analyze(analyze_cmd::AnalyzeArgs),
    /// The reference of every analysis rule: ID, kind, severity, what it checks and why it breaks consumers.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
        /// Only the rules of one kind.
        #[arg(long, value_parser = choice::rule_kinds())]
        kind: Option<String>,
    },
    /// Create and drive coordinations.
    #[command(subcommand)]
    Coord(CoordCmd),
    /// Deployment and rollback plans.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Deploy a ready coordination wave by wave, gated on health endpoints and Prometheus,
    /// rolling back on failure; resumes an interrupted run. `rollout status ID` shows where it is.
    Rollout(rollout_cmd::RolloutArgs),
    /// The issues of the local forge: parents, children, integration testing.
    #[command(subcommand)]
    Issues(IssuesCmd),
    /// Build the Loqa ecosystem as eight real git repositories and walk a protocol change
    /// through its life.
    Demo {
        /// Where to build it (must not exist, or be empty); default: ./tandem-demo.
        #[arg(long, default_value = "tandem-demo")]
        dir: PathBuf,
        /// When the demo's scripted history ends (RFC 3339, e.g. 2026-03-03T22:00:00Z); default:
        /// now, so the history reads as recent. The same value gives the same output.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Health checks: stale and blocked coordinations, version skew, cycles and drift, health
    /// endpoints, breaking changes without a coordination. Exit 1 at --fail-on or above.
    Health(health_cmd::HealthArgs),
    /// Coordination metrics over a window of the history: completion and resolution times,
    /// outcomes, time blocked, deployment success rate, open coordinations' ages.
    Metrics(health_cmd::MetricsArgs),
    /// Pull what people did on the forge's issues (closing, ticking, status labels) into tandem
    /// and push the result back.
    Sync(sync_cmd::SyncArgs),
    /// The same branch in every affected repository's checkout, and where each stands.
    #[command(subcommand)]
    Branches(branches_cmd::BranchesCmd),
    /// GitHub: write the issue forms and workflows; apply a webhook event from a file.
    #[command(subcommand)]
    Github(github_cmd::GithubCmd),
    /// Serve the HTTP API (/api/v1), GitHub webhooks (/webhooks/github) and /metrics.
    Serve(serve_cmd::ServeArgs),
    /// The database itself: copy everything to another one (e.g. from SQLite to PostgreSQL).
    #[command(subcommand)]
    Store(store_cmd::StoreCmd),
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Serve every operation to AI assistants over MCP: stdio by default, or streamable HTTP
    /// at http://ADDR/mcp with --http (loopback Host headers only, unless --allow-host).
    Mcp {
        /// Serve streamable HTTP on this address (e.g. 127.0.0.1:8765) instead of stdio.
        #[arg(long, value_name = "ADDR")]
        http: Option<String>,
        /// Also accept this Host header name (or name:port) over HTTP; repeatable.
        #[arg(long, value_name = "NAME", requires = "http")]
        allow_host: Vec<String>,
        /// Require `Authorization: Bearer TOKEN`, the token read from this file (else from
        /// $TANDEM_MCP_TOKEN, if set).
        #[arg(long, value_name = "FILE", requires = "http")]
        token_file: Option<PathBuf>,
        /// At most this many MCP sessions at once over HTTP.
        #[arg(long, value_name = "N", requires = "http", default_value_t = tandem_mcp::HttpLimits::DEFAULT_MAX_SESSIONS as u32,
              value_parser = clap::value_parser!(u32).range(1..))]
        max_sessions: u32,
        /// Close an HTTP session after this many seconds without a message.
        #[arg(long, value_name = "SECS", requires = "http",
              default_value_t = tandem_mcp::HttpLimits::DEFAULT_SESSION_IDLE.as_secs(),
              value_parser = clap::value_parser!(u64).range(1..))]
        session_idle_secs: u64,
        /// At most this many HTTP connections at once.
        #[arg(long, value_name = "N", requires = "http",
              default_value_t = tandem_mcp::HttpLimits::DEFAULT_MAX_CONNECTIONS as u32,
              value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
        /// Seconds a client has to send a request's headers (and then its body).
        #[arg(long, value_name = "SECS", requires = "http",
              default_value_t = tandem_mcp::HttpLimits::DEFAULT_READ_TIMEOUT.as_secs(),
              value_parser = clap::value_parser!(u64).range(1..))]
        read_timeout_secs: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Table,
    Json,
    Dot,
    Mermaid,
}

#[derive(Subcommand)]
enum CoordCmd {
    /// Open a coordination with a child issue in every affected repo.
    Create {
        #[arg(long)]
        title: String,
        #[arg(long = "type", value_name = "TYPE", value_parser = choice::<ChangeType>())]
        change_type: ChangeType,
        /// The affected repos, comma-separated.
        #[arg(long, value_delimiter = ',', conflicts_with = "from_repo", required_unless_present = "from_repo")]
        repos: Vec<String>,
        /// The changed repo: affects it and all its transitive consumers.
        #[arg(long, value_name = "REPO")]
        from_repo: Option<String>,
        #[arg(long, value_parser = choice::<Priority>())]
        priority: Option<Priority>,
        /// The plan, as Markdown text.
        #[arg(long, conflicts_with = "plan_file")]
        plan: Option<String>,
        /// Read the plan from a file.
        #[arg(long, value_name = "FILE")]
        plan_file: Option<PathBuf>,
        #[arg(long)]
        milestone: Option<String>,
        /// Idempotency key: the same key never creates a second coordination.
        #[arg(long)]
        key: Option<String>,
    },
    /// List coordinations.
    List,
    /// Show a coordination: children, checklists, blockers, history.
    Show { id: i64 },
    /// Progress, critical path, blockers and deployment readiness.
    Progress { id: i64 },
    /// The append-only history of a coordination.
    History { id: i64 },
    /// Move a coordination to STATUS.
    Status {
        id: i64,
        #[arg(value_parser = choice::<CoordStatus>())]
        status: CoordStatus,
        #[arg(long)]
        reason: Option<String>,
        /// Close (done/cancelled) even with open children.
        #[arg(long)]
        force: bool,
    },
    /// Move the child of REPO to STATUS.
    Child {
        id: i64,
        repo: String,
        #[arg(value_parser = choice::<ChildStatus>())]
        status: ChildStatus,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Tick checklist ITEM (number or text) of REPO's child, or of `integration`.
    Check {
        id: i64,
        repo: String,
        item: String,
        /// Untick instead.
        #[arg(long)]
        uncheck: bool,
    },
}

#[derive(Subcommand)]
enum PlanCmd {
    /// Affected repos in dependency order, in waves that may deploy in parallel.
    Deploy { id: i64 },
    /// Reverse order, starting with stopping traffic to the new version.
    Rollback { id: i64 },
}

#[derive(Subcommand)]
enum IssuesCmd {
    List {
        #[arg(long)]
        repo: Option<String>,
    },
    /// One issue, by REPO#NUMBER.
    Show { reference: String },
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}; expected an RFC 3339 time such as 2026-03-03T22:00:00Z"))
}

/// Why the command stopped: a refusal (exit 1) or an error (exit 2).
pub(crate) enum Failure {
    Refused(String),
    Error(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<EngineError>() {
            Ok(engine) => wording::failure(engine),
            Err(e) => Failure::Error(e),
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        wording::failure(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Serve(args) => serve_cmd::init_logging(args),
        _ => tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG").unwrap_or_else(|_| "off".into()))
            .with_writer(std::io::stderr)
            .init(),
    }
    restore_default_sigpipe();
    if matches!(cli.command, Command::Mcp { .. } | Command::Serve(_)) {
        // A server must outlive a client that hangs up: keep SIGPIPE ignored there, so a closed
        // connection is an error on that write, not the end of the process.
        ignore_sigpipe();
    } else {
        allocator::keep_freed_memory();
    }
    let json = cli.json;
    match run(cli) {
        Ok(code) => code,
        Err(Failure::Refused(msg)) => {
            if json {
                println!("{}", serde_json::json!({ "error": { "kind": "refused", "message": msg } }));
            }
            eprintln!("refused: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Error(e)) => {
            let message = output::error_chain(e.chain());
            if json {
                println!("{}", serde_json::json!({ "error": { "kind": "error", "message": message } }));
            }
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// mimalloc's options, set from `main`.
mod allocator {
    use std::ffi::{c_int, c_long};

    /// `mi_option_purge_delay` in the `mi_option_e` of the mimalloc that libmimalloc-sys
    /// bundles (mimalloc.h): how long freed memory waits before it is given back to the OS, in
    /// milliseconds; -1 never. Its default is 1000 (options.c; checked by a test below).
    const PURGE_DELAY: c_int = 15;
    const PURGE_DELAY_DEFAULT: c_long = 1000;

    extern "C" {
        fn mi_option_get(option: c_int) -> c_long;
        fn mi_option_set(option: c_int, value: c_long);
    }

    /// A command that runs once and exits keeps the memory it frees for its own next
    /// allocations instead of giving it back to the OS: the analyzer frees one side's compiler
    /// and builds the other's, and each page given back is faulted in (and zeroed) again, which
    /// cost up to a fifth of `tandem analyze`'s time on 2,000 files for ~3 % more peak memory
    /// (BENCHMARKS.md). Servers keep mimalloc's default. A delay set in `MIMALLOC_PURGE_DELAY`
    /// is left as it is.
    pub(crate) fn keep_freed_memory() {
        // SAFETY: mimalloc's option getter and setter take any option number and are safe to
        // call at any time, from any thread.
        unsafe {
            if mi_option_get(PURGE_DELAY) == PURGE_DELAY_DEFAULT && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                mi_option_set(PURGE_DELAY, -1);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_purge_delay_option_is_the_one_named() {
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
                return;
            }
            // SAFETY: as in `keep_freed_memory`.
            let (purge, verbose) = unsafe { (super::mi_option_get(super::PURGE_DELAY), super::mi_option_get(2)) };
            assert_eq!(purge, super::PURGE_DELAY_DEFAULT, "mimalloc's option numbers moved: see mimalloc.h");
            assert_eq!(verbose, 0);
        }
    }
}

/// Rust ignores SIGPIPE, so a write to a closed pipe (`tandem … | head -1`) is an error that
/// `print!` turns into a panic. Command-line tools die quietly of SIGPIPE instead, as `cat` does.
#[cfg(unix)]
fn restore_default_sigpipe() {
    // SAFETY: called first thing in `main`, before any other thread exists; `signal` with a
    // standard disposition has no other precondition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(unix)]
fn ignore_sigpipe() {
    // SAFETY: as above; still before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}

#[cfg(not(unix))]
fn ignore_sigpipe() {}

pub(crate) fn print_json<T: Serialize>(v: &T) -> Result<(), Failure> {
    let s = serde_json::to_string_pretty(v).context("rendering JSON")?;
    println!("{s}");
    Ok(())
}

pub(crate) fn open_engine(cli: &Cli) -> Result<Engine, Failure> {
    let manifest = match &cli.workspace {
        Some(p) => p.clone(),
        None => {
            let cwd = std::env::current_dir().context("reading the current directory")?;
            tandem_engine::find_manifest(&cwd)?
        }
    };
    let ws = tandem_engine::load_workspace(&manifest)?;
    let opts = EngineOptions { database: cli.database.clone(), actor: cli.actor.clone(), clock: None };
    Ok(Engine::open(ws, opts)?)
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let json = cli.json;
    match &cli.command {
        Command::Init { example, force, dir } => {
            let ex = match example.as_deref() {
                None => Example::Starter,
                Some(e) => Example::parse(e)?,
            };
            let path = render::init_workspace(dir, ex, *force)?;
            if json {
                print_json(&serde_json::json!({ "manifest": path }))?;
            } else {
                println!("wrote {}", path.display());
                println!(
                    "next: {} --workspace {} graph",
                    output::program(),
                    output::shell_word(&path.display().to_string())
                );
            }
        }
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "tandem", &mut std::io::stdout());
        }
        Command::Demo { dir, now } => demo::run(dir, now.unwrap_or_else(chrono::Utc::now), json)?,
        Command::Sync(args) => return sync_cmd::run(&cli, args),
        Command::Branches(cmd) => return branches_cmd::run(&cli, cmd),
        Command::Github(cmd) => return github_cmd::run(&cli, cmd),
        Command::Health(args) => return Ok(health_cmd::health(&open_engine(&cli)?, json, args)?),
        Command::Rollout(args) => return rollout_cmd::run(&open_engine(&cli)?, json, args),
        Command::Metrics(args) => return Ok(health_cmd::metrics(&open_engine(&cli)?, json, args)?),
        Command::Store(cmd) => store_cmd::run(cmd, json)?,
        Command::Graph { format } => {
            let engine = open_engine(&cli)?;
            let view = engine.graph_view();
            match (json, format) {
                (true, _) | (_, GraphFormat::Json) => print_json(&view)?,
                (_, GraphFormat::Dot) => print!("{}", render::to_dot(&view)),
                (_, GraphFormat::Mermaid) => print!("{}", render::to_mermaid(&view)),
                (_, GraphFormat::Table) => print!("{}", output::graph_table(&view)),
            }
        }
        Command::Consumers { repo, direct } => {
            let engine = open_engine(&cli)?;
            let names = engine.consumers(repo, !direct)?;
            if json {
                print_json(&names)?;
            } else if names.is_empty() {
                println!("nothing depends on {repo}");
            } else {
                for n in names {
                    println!("{n}");
                }
            }
        }
        Command::Analyze(args) => return analyze_cmd::run(&cli, args),
        Command::Serve(args) => return serve_cmd::run(&cli, args),
        Command::Rules { format, kind } => {
            let mut rules = tandem_engine::report::rule_catalogue();
            if let Some(k) = kind {
                rules.retain(|r| &r.kind == k);
            }
            match (json, format) {
                (true, _) | (_, RulesFormat::Json) => print_json(&rules)?,
                (_, RulesFormat::Markdown) => print!("{}", tandem_engine::report::rules_markdown(&rules)),
                (_, RulesFormat::Text) => print!("{}", tandem_engine::report::rules_text(&rules)),
            }
        }
        Command::Discover => {
            let engine = open_engine(&cli)?;
            let d = engine.discover();
            if json {
                print_json(&d)?;
            } else {
                print!("{}", output::discovery(&d));
            }
        }
        Command::Coord(cmd) => return coord(&cli, cmd),
        Command::Plan(cmd) => {
            let engine = open_engine(&cli)?;
            match cmd {
                PlanCmd::Deploy { id } => {
                    let plan = engine.deploy_plan(CoordId(*id))?;
                    if json {
                        print_json(&plan)?;
                    } else {
                        print!("{}", output::deploy_plan(&plan));
                    }
                }
                PlanCmd::Rollback { id } => {
                    let plan = engine.rollback_plan(CoordId(*id))?;
                    if json {
                        print_json(&plan)?;
                    } else {
                        print!("{}", output::rollback_plan(&plan));
                    }
                }
            }
        }
        Command::Mcp {
            http,
            allow_host,
            token_file,
            max_sessions,
            session_idle_secs,
            max_connections,
            read_timeout_secs,
        } => {
            let transport = match http {
                None => tandem_mcp::Transport::Stdio,
                Some(addr) => {
                    let access = match (token_file, std::env::var("TANDEM_MCP_TOKEN").ok()) {
                        (Some(path), _) => tandem_mcp::Access::Token(
                            tandem_mcp::BearerToken::from_file(path).map_err(anyhow::Error::from)?,
                        ),
                        (None, Some(t)) => {
                            tandem_mcp::Access::Token(tandem_mcp::BearerToken::parse(&t).map_err(anyhow::Error::from)?)
                        }
                        (None, None) => tandem_mcp::Access::Open,
                    };
                    tandem_mcp::Transport::Http(tandem_mcp::HttpSettings {
                        addr: addr.clone(),
                        allow_hosts: allow_host.clone(),
                        access,
                        limits: tandem_mcp::HttpLimits {
                            max_sessions: *max_sessions as usize,
                            session_idle: std::time::Duration::from_secs(*session_idle_secs),
                            max_connections: *max_connections as usize,
                            read_timeout: std::time::Duration::from_secs(*read_timeout_secs),
                            ..Default::default()
                        },
                    })
                }
            };
            tandem_mcp::run(open_engine(&cli)?, transport).map_err(anyhow::Error::from)?;
        }
        Command::Issues(cmd) => {
            let engine = open_engine(&cli)?;
            match cmd {
                IssuesCmd::List { repo } => {
                    let issues = engine.issues(repo.as_deref())?;
                    if json {
                        print_json(&issues)?;
                    } else {
                        print!("{}", output::issues(&issues));
                    }
                }
                IssuesCmd::Show { reference } => {
                    let issue = engine.issue(reference)?;
                    if json {
                        print_json(&issue)?;
                    } else {
                        print!("{}", output::issue(&issue));
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_plan(plan: &Option<String>, plan_file: &Option<PathBuf>) -> Result<Option<String>, Failure> {
    match (plan, plan_file) {
        (Some(p), _) => Ok(Some(p.clone())),
        (None, Some(f)) => {
            let text = std::fs::read_to_string(f).with_context(|| format!("reading the plan from {}", f.display()))?;
            Ok(Some(text))
        }
        (None, None) => Ok(None),
    }
}

fn progress_bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} opening issues [{bar:30}] {pos}/{len} ETA {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

fn coord(cli: &Cli, cmd: &CoordCmd) -> Result<ExitCode, Failure> {
    let json = cli.json;
    let engine = open_engine(cli)?;
    match cmd {
        CoordCmd::Create { title, change_type, repos, from_repo, priority, plan, plan_file, milestone, key } => {
            let req = CreateRequest {
                title: title.clone(),
                change_type: Some(*change_type),
                repos: repos.clone(),
                from_repo: from_repo.clone(),
                priority: *priority,
                plan: read_plan(plan, plan_file)?,
                milestone: milestone.clone(),
                key: key.clone(),
            };
            let pb = progress_bar(json);
            let created = engine.create_coordination(&req, &mut |step| match step {
                Step::Start { total } => pb.set_length(total as u64),
                Step::Issue { done, reference, .. } => {
                    pb.set_position(done as u64);
                    pb.set_message(reference.to_string());
                }
            })?;
            pb.finish_and_clear();
            if json {
                print_json(&created)?;
            } else {
                print!("{}", output::created(&created));
            }
        }
        CoordCmd::List => {
            let list = engine.list_coordinations()?;
            if json {
                print_json(&list)?;
            } else {
                print!("{}", output::list(&list));
            }
        }
        CoordCmd::Show { id } => {
            let id = CoordId(*id);
            let (c, p) = engine.progress(id)?;
            let history = engine.history(id)?;
            if json {
                print_json(&serde_json::json!({ "coordination": c, "progress": p, "history": history }))?;
            } else {
                print!("{}", output::show(&c, &p, &history));
            }
        }
        CoordCmd::Progress { id } => {
            let (c, p) = engine.progress(CoordId(*id))?;
            if json {
                print_json(&serde_json::json!({ "id": c.id, "title": c.title, "progress": p }))?;
            } else {
                print!("{}", output::progress(&c, &p));
            }
        }
        CoordCmd::History { id } => {
            let history = engine.history(CoordId(*id))?;
            if json {
                print_json(&history)?;
            } else {
                print!("{}", output::history(&history));
            }
        }
        CoordCmd::Status { id, status, reason, force } => {
            let change = engine.set_status(CoordId(*id), *status, reason.as_deref(), *force)?;
            report_change(json, &change)?;
        }
        CoordCmd::Child { id, repo, status, reason } => {
            let change = engine.set_child_status(CoordId(*id), repo, *status, reason.as_deref())?;
            report_change(json, &change)?;
        }
        CoordCmd::Check { id, repo, item, uncheck } => {
            let change = engine.check_item(CoordId(*id), repo, item, !uncheck)?;
            report_change(json, &change)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report_change(json: bool, change: &tandem_engine::Change) -> Result<(), Failure> {
    if json {
        let p = change.coordination.progress();
        print_json(&serde_json::json!({
            "id": change.coordination.id,
            "status": change.coordination.status,
            "effective_status": p.effective_status,
            "progress": p.overall,
            "events": change.events,
        }))
    } else {
        print!("{}", output::change(change));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_args_showing_values(cmd: &clap::Command, out: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            if a.get_env().is_some() && !a.is_hide_env_values_set() {
                out.push(format!("{} --{}", cmd.get_name(), a.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            env_args_showing_values(sub, out);
        }
    }

    /// `--help` shows an argument's environment value unless told not to; a database URL there
    /// carries its password.
    #[test]
    fn every_argument_read_from_the_environment_hides_its_value_in_help() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut showing = Vec::new();
        env_args_showing_values(&cmd, &mut showing);
        assert!(showing.is_empty(), "these would print their environment value in --help: {showing:?}");
        assert!(cmd.get_arguments().any(|a| a.get_env().is_some()), "the walk sees the env arguments");
    }
}
