//! GitHub: the issue forms and workflows `tandem github init` writes, and what each webhook
//! event means for the coordinations ([`crate::Engine::handle_github_event`]).

pub(crate) mod events;
pub mod forms;
pub mod workflows;

use crate::error::{EngineError, Input, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tandem_model::{RepoName, Workspace};

/// What `tandem github init` writes.
#[derive(Debug, Clone)]
pub struct GithubInitOptions {
    /// The command of the workflows' install step ([`workflows::DEFAULT_INSTALL`] by default).
    pub install: String,
    /// Overwrite files that exist with other content.
    pub force: bool,
}

impl Default for GithubInitOptions {
    fn default() -> Self {
        GithubInitOptions { install: workflows::DEFAULT_INSTALL.into(), force: false }
    }
}

/// One file `tandem github init` considered.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenFile {
    pub path: PathBuf,
    /// `written`, or `unchanged` when the file already had this content.
    pub action: &'static str,
}

/// Every file `github init` writes, relative to the target directory, with its text.
pub fn github_files(ws: &Workspace, opts: &GithubInitOptions) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = forms::FormKind::ALL
        .into_iter()
        .map(|k| (Path::new(".github/ISSUE_TEMPLATE").join(k.file_name()), forms::render_form(k, ws)))
        .collect();
    files.extend(
        workflows::render_workflows(&opts.install)
            .into_iter()
            .map(|(name, text)| (Path::new(".github/workflows").join(name), text)),
    );
    files
}

/// Writes the issue forms and workflows into `dir` (usually the coordination repository's
/// checkout). Nothing is written when any file exists with other content and `force` is off,
/// so a refused run leaves no half-written set.
pub fn github_init(ws: &Workspace, dir: &Path, opts: &GithubInitOptions) -> Result<Vec<WrittenFile>> {
    if opts.install.trim().is_empty() || opts.install.contains('\n') {
        return Err(EngineError::Invalid("the install command must be one non-empty line".into()));
    }
    let files = github_files(ws, opts);
    let mut plan = Vec::new();
    let mut conflicts = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        let unchanged = match std::fs::read_to_string(&path) {
            Ok(existing) => {
                if existing != text && !opts.force {
                    conflicts.push(path.display().to_string());
                }
                existing == text
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => return Err(EngineError::Io { path, source }),
        };
        plan.push((path, text, unchanged));
    }
    if !conflicts.is_empty() {
        return Err(EngineError::input(
            Input::Overwrite,
            format!("these files exist with other content: {}", conflicts.join(", ")),
        ));
    }
    let mut written = Vec::new();
    for (path, text, unchanged) in plan {
        if !unchanged {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| EngineError::Io { path: parent.into(), source })?;
            }
            // Written beside and renamed over, so an interrupted run leaves no half-written file.
            let tmp = path.with_extension("yml.tmp");
            std::fs::write(&tmp, &text).map_err(|source| EngineError::Io { path: tmp.clone(), source })?;
            std::fs::rename(&tmp, &path).map_err(|source| EngineError::Io { path: path.clone(), source })?;
        }
        written.push(WrittenFile { path, action: if unchanged { "unchanged" } else { "written" } });
    }
    Ok(written)
}

/// The workspace repository a GitHub repository (`owner/name`, a payload's
/// `repository.full_name`) is: the one whose `github` key names it, else one with an alias
/// naming it (`owner/name`, `github.com/owner/name`, an `https://` URL of it, or a Go module path
/// below it), else the repository called `name`.
pub fn workspace_repo_for(ws: &Workspace, full_name: &str) -> Option<RepoName> {
    let full = full_name.trim().trim_end_matches(".git").to_ascii_lowercase();
    let (_, name) = full.split_once('/')?;
    if full.matches('/').count() != 1 || name.is_empty() {
        return None;
    }
    if let Some(r) = ws.repos.iter().find(|r| r.github.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(&full))) {
        return Some(r.name.clone());
    }
    let hosted = format!("github.com/{full}");
    let by_alias = ws.repos.iter().find(|r| {
        r.aliases.iter().any(|a| {
            let a = a.trim().to_ascii_lowercase();
            let a = a.strip_prefix("https://").or_else(|| a.strip_prefix("http://")).unwrap_or(&a);
            let a = a.trim_end_matches('/').trim_end_matches(".git");
            a == full || a == hosted || a.starts_with(&format!("{hosted}/"))
        })
    });
    by_alias.or_else(|| ws.repos.iter().find(|r| r.name.as_str().eq_ignore_ascii_case(name))).map(|r| r.name.clone())
}
