//! `tandem branches create ID [--name B]` and `tandem branches status ID`: the same branch in
//! every affected repository's checkout, and where each stands.

use crate::{open_engine, print_json, Cli, Failure};
use std::process::ExitCode;
use tandem_model::CoordId;

#[derive(clap::Subcommand)]
pub enum BranchesCmd {
    /// Create the coordination's branch in every affected checkout, from its default branch
    /// (refused, creating nothing, when a checkout is missing or has uncommitted changes).
    Create {
        id: i64,
        /// The branch name; default tandem/ID-title.
        #[arg(long)]
        name: Option<String>,
    },
    /// Per repository: branch present, ahead/behind the default branch, pushed, linked pull request.
    Status { id: i64 },
}

pub fn run(cli: &Cli, cmd: &BranchesCmd) -> Result<ExitCode, Failure> {
    let engine = open_engine(cli)?;
    match cmd {
        BranchesCmd::Create { id, name } => {
            let made = engine.create_branches(CoordId(*id), name.as_deref())?;
            if cli.json {
                print_json(&made)?;
            } else {
                for m in &made {
                    let what =
                        if m.created { format!("created from {}", m.from) } else { "exists, left as it is".into() };
                    println!("{:<24} {}  {what}  ({})", m.repo.as_str(), m.branch, m.path.display());
                }
                if let Some(m) = made.first() {
                    println!("switch to it in a checkout with: git switch {}", m.branch);
                }
            }
        }
        BranchesCmd::Status { id } => {
            let rows = engine.branch_status(CoordId(*id))?;
            if cli.json {
                print_json(&rows)?;
            } else {
                if let Some(r) = rows.first() {
                    println!("branch {}", r.branch);
                }
                for r in &rows {
                    let branch = if r.present { format!("+{} -{}", r.ahead, r.behind) } else { "absent".into() };
                    let pull = match &r.pull {
                        Some(p) => format!("PR #{} {}", p.number, p.state),
                        None => "no pull request".into(),
                    };
                    let problem = r.problem.as_deref().map(|p| format!("  ({p})")).unwrap_or_default();
                    println!("{:<24} {:<10} {:<22} {pull}{problem}", r.repo.as_str(), branch, r.pushed);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
