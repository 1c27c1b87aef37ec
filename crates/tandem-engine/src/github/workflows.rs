//! The GitHub Actions workflows `tandem github init` writes.
//!
//! They are plain YAML files (GitHub's own `${{ }}` expressions are everywhere in them, so a
//! Jinja template would be mostly escapes) with one placeholder: the step that installs tandem
//! on the runner, which every user chooses for themselves.

/// The placeholder of the install command in the workflow files.
const INSTALL: &str = "__TANDEM_INSTALL__";

/// The install step's command when none is given: builds tandem from the git repository named
/// by the repository variable `TANDEM_GIT_URL`.
pub const DEFAULT_INSTALL: &str = "cargo install --locked --git \"$TANDEM_GIT_URL\" tandem-cli";

const FILES: [(&str, &str); 3] = [
    ("tandem-impact.yml", include_str!("workflows/tandem-impact.yml")),
    ("tandem-sync.yml", include_str!("workflows/tandem-sync.yml")),
    ("tandem-health.yml", include_str!("workflows/tandem-health.yml")),
];

/// Every workflow as (file name under `.github/workflows/`, text), with `install` as the
/// command of each install step.
pub fn render_workflows(install: &str) -> Vec<(&'static str, String)> {
    // A JSON string is a valid YAML double-quoted scalar: any command stays one scalar.
    let line = serde_json::Value::String(install.trim().to_string()).to_string();
    FILES.iter().map(|(name, text)| (*name, text.replace(INSTALL, &line))).collect()
}
