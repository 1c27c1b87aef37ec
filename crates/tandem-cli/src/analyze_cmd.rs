//! `tandem analyze`: breaking-change detection and impact, for people and for CI.

use crate::{Cli, Failure};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use tandem_engine::analysis::Compare;
use tandem_engine::{report, AnalyzeRequest, Engine, EngineOptions};
use tandem_model::{ImpactLevel, Severity};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Breaking,
    Warning,
    None,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    /// The workspace repo to analyse (its checkout); default: the checkout around the current
    /// directory (any git repository works, with or without tandem.toml).
    #[arg(long)]
    repo: Option<String>,
    /// Base revision; default: the merge-base with the default branch (HEAD^ on the default branch).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Head revision; default: HEAD.
    #[arg(long, value_name = "REV", conflicts_with = "worktree")]
    head: Option<String>,
    /// Compare the working tree, uncommitted changes included.
    #[arg(long)]
    worktree: bool,
    /// Compare the directory DIR (the current tree, default: .) with PREVIOUS, without git.
    #[arg(long, value_name = "PREVIOUS", conflicts_with_all = ["base", "head", "worktree"])]
    against: Option<PathBuf>,
    /// The directory to analyse; default: the current directory.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::None)]
    fail_on: FailOn,
    /// Open the coordination for the consumers when the impact is high enough (idempotent per repo and head).
    #[arg(long)]
    create_coordination: bool,
    /// The least impact that opens a coordination.
    #[arg(long, value_name = "LEVEL", default_value = "high", value_parser = crate::choice::choice::<ImpactLevel>())]
    min_impact: ImpactLevel,
}

pub fn run(cli: &Cli, args: &AnalyzeArgs) -> Result<ExitCode, Failure> {
    let compare = Compare::from_parts(args.base.clone(), args.head.clone(), args.worktree, args.against.clone())?;
    let req = AnalyzeRequest {
        repo: args.repo.clone(),
        path: args.dir.clone(),
        compare,
        changed_files: Vec::new(),
        // a one-shot process: the operating system reclaims the compiler's memory at exit
        compiler_memory: tandem_analyze::protobuf::CompilerMemory::LeaveToProcessExit,
    };
    // A workspace is optional: analyze works in any git repository, like `buf breaking`.
    let manifest = match &cli.workspace {
        Some(p) => Some(p.clone()),
        None => {
            let start = match &args.dir {
                Some(d) => d.clone(),
                None => std::env::current_dir().context("reading the current directory")?,
            };
            tandem_engine::find_manifest(&start).ok()
        }
    };
    let analysis = match manifest {
        Some(m) => {
            let ws = tandem_engine::load_workspace(&m)?;
            let engine = Engine::open(
                ws,
                EngineOptions { database: cli.database.clone(), actor: cli.actor.clone(), clock: None },
            )?;
            engine.analyze(&req, args.create_coordination.then_some(args.min_impact))?
        }
        None => tandem_engine::analysis::analyze_outside_workspace(
            &req,
            args.create_coordination.then_some(args.min_impact),
        )?,
    };
    let format = if cli.json { Format::Json } else { args.format };
    match format {
        Format::Text => print!("{}", report::text(&analysis)),
        Format::Markdown => print!("{}", report::markdown(&analysis)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&analysis).context("rendering JSON")?),
        Format::Sarif => {
            println!("{}", serde_json::to_string_pretty(&report::sarif(&analysis)).context("rendering SARIF")?)
        }
    }
    let threshold = match args.fail_on {
        FailOn::Breaking => Some(Severity::Breaking),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::None => None,
    };
    let failed = threshold.is_some_and(|t| analysis.max_severity().is_some_and(|s| s >= t));
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
