//! How the CLI says what the engine leaves to its front ends: which flag fixes an input, what
//! a refusal needs, where to look for what exists. The engine's messages name no flag; the
//! errors carry what went wrong structurally and this module adds the CLI's spelling.

use crate::Failure;
use tandem_engine::{EngineError, Input};
use tandem_model::Needs;

/// The CLI's way to supply what a refused request lacked.
pub fn needs(n: Needs) -> &'static str {
    match n {
        Needs::Reason => "pass --reason \"...\"",
        Needs::Force => "pass --force to do it anyway",
    }
}

/// The CLI's flags for an input the engine blamed.
pub fn input(i: Input) -> &'static str {
    match i {
        Input::Title => "give --title \"...\"",
        Input::Repos | Input::FromRepo => "give --repos a,b,c or --from-repo R",
        Input::Key => "give a non-empty --key",
        Input::Repo => "check --repo and the repo's `path` in tandem.toml",
        Input::Item => "give the item's number or part of its text",
        Input::Head => "check --head",
        Input::Base => "give --base REV",
        Input::Worktree => "drop --head or --worktree",
        Input::Against => "check --against",
        Input::OpenCoordination => "drop --create-coordination, or run it in a workspace (`tandem init` writes one)",
        Input::Workspace => "create one with `tandem init` or pass --workspace PATH",
        Input::Overwrite => "pass --force to overwrite it",
        Input::Window => "check --since",
        Input::Days => "check --stale-days",
    }
}

/// An engine failure as the CLI reports it: a refusal (exit 1) or an error (exit 2), worded
/// with the CLI's flags and commands.
pub fn failure(e: EngineError) -> Failure {
    match e {
        EngineError::Refused(r) => Failure::Refused(match r.needs {
            Some(n) => format!("{}; {}", r.message, needs(n)),
            None => r.message,
        }),
        EngineError::Input { input: i, message } => Failure::Error(anyhow::anyhow!("{message}; {}", input(i))),
        EngineError::NoCoordination(id) => {
            Failure::Error(anyhow::anyhow!("no coordination #{id}; `tandem coord list` shows the existing ones"))
        }
        EngineError::NoManifest(dir) => Failure::Error(anyhow::anyhow!(
            "no tandem.toml in {} or any parent directory; {}",
            dir.display(),
            input(Input::Workspace)
        )),
        e => Failure::Error(e.into()),
    }
}
