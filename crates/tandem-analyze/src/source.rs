//! Where contract files come from: a git tree, a working tree, or a plain directory. Paths are
//! relative to the repository (or directory) root, `/`-separated.

use std::path::{Path, PathBuf};

/// An error reading a repository; the message names the repository or revision.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "{path} is not inside a git repository ({message}); pass a path inside a checkout, or compare two directories"
    )]
    NotARepo { path: PathBuf, message: String },
    #[error("revision '{rev}' does not exist in {repo}: {message}")]
    NoRevision { rev: String, repo: PathBuf, message: String },
    #[error("git error in {repo}: {message}")]
    Git { repo: PathBuf, message: String },
    #[error("cannot read {path}: {message}")]
    Io { path: PathBuf, message: String },
}

/// Files larger than this are not parsed (reported as a finding instead).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// One side of a comparison.
pub trait Source {
    /// The bytes of a file, `None` when it does not exist on this side.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// Every file whose path satisfies `keep`.
    fn list(&self, keep: &dyn Fn(&str) -> bool) -> Vec<String>;
    /// A short description for messages ("HEAD", "working tree", a directory).
    fn describe(&self) -> String;
}

/// A plain directory.
pub struct DirSource {
    pub root: PathBuf,
}

impl Source for DirSource {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        if path.split('/').any(|c| c == "..") {
            return None;
        }
        std::fs::read(self.root.join(path)).ok()
    }

    fn list(&self, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.root, "", keep, &mut out);
        out.sort();
        out
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

fn walk(dir: &Path, prefix: &str, keep: &dyn Fn(&str) -> bool, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == ".git" || name == "node_modules" || name == "target" {
            continue;
        }
        let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&e.path(), &rel, keep, out);
        } else if ft.is_file() && keep(&rel) {
            out.push(rel);
        }
    }
}

/// A git repository and the revisions being compared.
pub struct GitRepo {
    repo: git2::Repository,
    root: PathBuf,
}

/// A tree of a commit, with its own handle on the repository (so it can be moved and shared).
pub struct TreeSource {
    repo: git2::Repository,
    tree: git2::Oid,
    label: String,
}

impl GitRepo {
    /// Opens the repository containing `path`.
    pub fn discover(path: &Path) -> Result<GitRepo, SourceError> {
        let repo = git2::Repository::discover(path)
            .map_err(|e| SourceError::NotARepo { path: path.to_path_buf(), message: e.message().to_string() })?;
        let root = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
        Ok(GitRepo { repo, root })
    }

    /// The working tree's root (or the git dir of a bare repository).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn git_err(&self, e: git2::Error) -> SourceError {
        SourceError::Git { repo: self.root.clone(), message: e.message().to_string() }
    }

    /// Resolves a revision (branch, tag, sha, `HEAD~2`, …) to a commit id.
    pub fn resolve(&self, rev: &str) -> Result<git2::Oid, SourceError> {
        let obj = self.repo.revparse_single(rev).map_err(|e| SourceError::NoRevision {
            rev: rev.to_string(),
            repo: self.root.clone(),
            message: e.message().to_string(),
        })?;
        let commit = obj.peel_to_commit().map_err(|e| SourceError::NoRevision {
            rev: rev.to_string(),
            repo: self.root.clone(),
            message: e.message().to_string(),
        })?;
        Ok(commit.id())
    }

    /// The default branch: `origin/HEAD`'s target, else `main`, else `master`.
    pub fn default_branch(&self) -> Option<String> {
        if let Ok(r) = self.repo.find_reference("refs/remotes/origin/HEAD") {
            if let Some(t) = r.symbolic_target() {
                return Some(t.trim_start_matches("refs/remotes/").to_string());
            }
        }
        ["main", "master"]
            .into_iter()
            .find(|b| self.repo.find_branch(b, git2::BranchType::Local).is_ok())
            .map(String::from)
    }

    /// The merge base of `head` and the default branch (`head` itself when it is on it).
    pub fn merge_base_with_default(&self, head: git2::Oid) -> Result<git2::Oid, SourceError> {
        let Some(branch) = self.default_branch() else {
            return Err(SourceError::Git {
                repo: self.root.clone(),
                message: "no default branch (main, master or origin/HEAD) to compare with; pass --base REV".into(),
            });
        };
        let default = self.resolve(&branch)?;
        self.repo.merge_base(default, head).map_err(|e| self.git_err(e))
    }

    /// The tree of a commit.
    pub fn tree(&self, commit: git2::Oid, label: &str) -> Result<TreeSource, SourceError> {
        let c = self.repo.find_commit(commit).map_err(|e| self.git_err(e))?;
        let tree = c.tree_id();
        let repo = git2::Repository::open(self.repo.path()).map_err(|e| self.git_err(e))?;
        Ok(TreeSource { repo, tree, label: label.to_string() })
    }

    /// Paths that differ between `base` and `head` (a commit, or the working tree when `None`),
    /// including both sides of renames.
    pub fn changed_paths(&self, base: &TreeSource, head: Option<&TreeSource>) -> Result<Vec<String>, SourceError> {
        let mut opts = git2::DiffOptions::new();
        opts.include_untracked(true).recurse_untracked_dirs(true).ignore_submodules(true);
        let base_tree = self.repo.find_tree(base.tree).map_err(|e| self.git_err(e))?;
        let diff = match head {
            Some(h) => {
                let head_tree = self.repo.find_tree(h.tree).map_err(|e| self.git_err(e))?;
                self.repo.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut opts))
            }
            None => self.repo.diff_tree_to_workdir_with_index(Some(&base_tree), Some(&mut opts)),
        }
        .map_err(|e| self.git_err(e))?;
        let mut out = Vec::new();
        for d in diff.deltas() {
            for f in [d.old_file(), d.new_file()] {
                if let Some(p) = f.path().and_then(|p| p.to_str()) {
                    let p = p.replace('\\', "/");
                    if !out.contains(&p) {
                        out.push(p);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// The working tree as a source.
    pub fn worktree(&self) -> DirSource {
        DirSource { root: self.root.clone() }
    }
}

impl Source for TreeSource {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        let tree = self.repo.find_tree(self.tree).ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = self.repo.find_blob(entry.id()).ok()?;
        Some(blob.content().to_vec())
    }

    fn list(&self, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(tree) = self.repo.find_tree(self.tree) else { return out };
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                if let Some(name) = entry.name() {
                    let p = format!("{dir}{name}");
                    if keep(&p) {
                        out.push(p);
                    }
                }
            }
            git2::TreeWalkResult::Ok
        });
        out.sort();
        out
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}
