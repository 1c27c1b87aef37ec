//! `tandem github`: writes the issue forms and workflows for a repository, and applies one
//! webhook event from a file (what the generated status-sync workflow runs). The files and the
//! events' meaning are the engine's ([`tandem_engine::github`], [`Engine::handle_github_event`]).

use crate::{open_engine, print_json, Cli, Failure};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use tandem_engine::github::{github_init, workflows::DEFAULT_INSTALL, GithubInitOptions};
use tandem_engine::WebhookOutcome;

#[derive(clap::Subcommand)]
pub enum GithubCmd {
    /// Write .github/ISSUE_TEMPLATE/ (cross-repo-coordination.yml, protocol-change.yml) and
    /// .github/workflows/ (impact analysis, status sync, health monitor) into DIR.
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The command the workflows run to install tandem on the runner.
        #[arg(long, value_name = "COMMAND", default_value = DEFAULT_INSTALL)]
        install: String,
        /// Overwrite files that exist with other content.
        #[arg(long)]
        force: bool,
    },
    /// Apply one GitHub webhook event read from a file (e.g. $GITHUB_EVENT_PATH in a workflow).
    /// Exit 1 when the event asked for something the rules refuse.
    Event {
        /// The event's name (X-GitHub-Event, or github.event_name in a workflow).
        event: String,
        /// The JSON payload.
        payload: PathBuf,
        /// The delivery's ID: the same ID handled twice has the effect of once.
        #[arg(long, value_name = "ID", value_parser = clap::builder::NonEmptyStringValueParser::new())]
        delivery: String,
    },
}

pub fn run(cli: &Cli, cmd: &GithubCmd) -> Result<ExitCode, Failure> {
    match cmd {
        GithubCmd::Init { dir, install, force } => {
            let manifest = match &cli.workspace {
                Some(p) => p.clone(),
                None => {
                    tandem_engine::find_manifest(&std::env::current_dir().context("reading the current directory")?)?
                }
            };
            let ws = tandem_engine::load_workspace(&manifest)?;
            let opts = GithubInitOptions { install: install.clone(), force: *force };
            let files = github_init(&ws, dir, &opts)?;
            if cli.json {
                print_json(&files)?;
            } else {
                for f in &files {
                    println!("{:<9} {}", f.action, f.path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        GithubCmd::Event { event, payload, delivery } => {
            const MAX_PAYLOAD: u64 = 25 << 20;
            let size = std::fs::metadata(payload).with_context(|| format!("reading {}", payload.display()))?.len();
            if size > MAX_PAYLOAD {
                return Err(anyhow::anyhow!(
                    "{} is {size} bytes; a webhook payload is at most 25 MiB",
                    payload.display()
                )
                .into());
            }
            let text = std::fs::read_to_string(payload).with_context(|| format!("reading {}", payload.display()))?;
            let value: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", payload.display()))?;
            let outcome = open_engine(cli)?.handle_github_event(event, delivery, &value)?;
            if cli.json {
                print_json(&outcome)?;
            } else {
                println!("{}", outcome.summary());
            }
            Ok(if matches!(outcome, WebhookOutcome::Refused(_)) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
    }
}
