//! `tandem store copy`: moves a team's database to another backend (typically from the embedded
//! SQLite file to PostgreSQL) with every id kept, then proves it: the counts and a checksum of
//! the history read back from the target must equal the source's.

use crate::{print_json, Failure};
use anyhow::Context;
use tandem_store::{Snapshot, StoreError};

#[derive(clap::Subcommand)]
pub(crate) enum StoreCmd {
    /// Copy coordinations, children, history, issues, comments, analyses, deliveries and named
    /// state into an empty database, keeping every id; refused if the target holds anything.
    Copy {
        /// The database to read: sqlite://PATH, a path, or postgres://….
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty database to write (created and migrated if needed).
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

pub(crate) fn run(cmd: &StoreCmd, json: bool) -> Result<(), Failure> {
    let StoreCmd::Copy { from, to } = cmd;
    let (from_shown, to_shown) = (tandem_store::redact_url(from), tandem_store::redact_url(to));
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let source = tandem_engine::open_store(Some(from), &cwd)?;
    let snapshot = source.export().with_context(|| format!("reading {from_shown}"))?;
    let target = tandem_engine::open_store(Some(to), &cwd)?;
    match target.import(&snapshot) {
        Err(StoreError::NotEmpty(_)) => {
            return Err(Failure::Refused(format!(
                "{to_shown} is not empty; copy only into a new, empty database (nothing was written)"
            )))
        }
        other => other.with_context(|| format!("writing {to_shown}"))?,
    }
    let copied = target.export().with_context(|| format!("reading back {to_shown}"))?;
    verify(&snapshot, &copied).with_context(|| format!("checking the copy in {to_shown}"))?;
    let counts = snapshot.counts();
    if json {
        print_json(&serde_json::json!({
            "from": from_shown,
            "to": to_shown,
            "counts": counts,
            "history_checksum": snapshot.history_checksum(),
            "checksum": snapshot.checksum(),
            "verified": true,
        }))?;
    } else {
        println!("copied {from_shown} → {to_shown}");
        println!(
            "  {} coordinations, {} children, {} events, {} issues, {} comments, {} analyses, {} deliveries, {} state",
            counts.coordinations,
            counts.children,
            counts.events,
            counts.issues,
            counts.comments,
            counts.analyses,
            counts.deliveries,
            counts.state
        );
        println!("  history sha256 {} (equal on both sides)", snapshot.history_checksum());
    }
    Ok(())
}

/// The copy read back must be the source: same counts, same history checksum, same everything.
fn verify(source: &Snapshot, copy: &Snapshot) -> anyhow::Result<()> {
    let (a, b) = (source.counts(), copy.counts());
    anyhow::ensure!(a == b, "the counts differ: source {a:?}, copy {b:?}");
    let (a, b) = (source.history_checksum(), copy.history_checksum());
    anyhow::ensure!(a == b, "the history checksums differ: source {a}, copy {b}");
    anyhow::ensure!(source.checksum() == copy.checksum(), "the copy differs from the source");
    Ok(())
}
