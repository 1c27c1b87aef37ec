//! `tandem sync [ID | --all]`: pull what people did on the forge's issues into the engine and
//! push the result back.

use crate::{open_engine, print_json, Cli, Failure};
use std::process::ExitCode;
use tandem_engine::SyncReport;
use tandem_model::CoordId;

#[derive(clap::Args)]
pub struct SyncArgs {
    /// The coordination to sync.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    id: Option<i64>,
    /// Sync every coordination that is not closed.
    #[arg(long)]
    all: bool,
}

pub fn run(cli: &Cli, args: &SyncArgs) -> Result<ExitCode, Failure> {
    let engine = open_engine(cli)?;
    let reports = match args.id {
        Some(id) => vec![engine.sync_from_forge(CoordId(id))?],
        None => engine.sync_all()?,
    };
    if cli.json {
        print_json(&reports)?;
    } else {
        print!("{}", render(&reports));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(reports: &[SyncReport]) -> String {
    if reports.is_empty() {
        return "no open coordination to sync\n".into();
    }
    let mut out = String::new();
    for r in reports {
        if r.is_unchanged() {
            out.push_str(&format!("#{}: nothing changed on the forge\n", r.id));
            continue;
        }
        out.push_str(&format!("#{}: {} change(s) applied, {} event(s)\n", r.id, r.applied.len(), r.events));
        for a in &r.applied {
            out.push_str(&format!("  {a}\n"));
        }
        for x in &r.refused {
            out.push_str(&format!("  refused: {x}\n"));
        }
    }
    out
}
