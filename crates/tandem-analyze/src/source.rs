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

/// One side of a comparison. Sources are shared between the threads that compile the two
/// sides of a comparison at once.
pub trait Source: Send + Sync {
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
/// Reads are cached: a file is inflated from the object store once.
pub struct TreeSource {
    repo: std::sync::Mutex<git2::Repository>,
    tree: git2::Oid,
    label: String,
    cache: std::sync::Mutex<std::collections::HashMap<String, Option<Vec<u8>>>>,
    /// path -> blob id of every file of the tree, built on first use (one walk instead of a
    /// lookup through large tree objects per read).
    index: std::sync::OnceLock<std::collections::HashMap<String, git2::Oid>>,
}

impl GitRepo {
    /// Opens the repository containing `path`.
    pub fn discover(path: &Path) -> Result<GitRepo, SourceError> {
        // Objects come from our own repository; re-hashing every object read costs more than
        // the rest of an analysis.
        git2::opts::strict_hash_verification(false);
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
            if let Ok(Some(t)) = r.symbolic_target() {
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
                message: "no default branch (main, master or origin/HEAD) to compare with; name the base revision"
                    .into(),
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
        Ok(TreeSource {
            repo: std::sync::Mutex::new(repo),
            tree,
            label: label.to_string(),
            cache: Default::default(),
            index: Default::default(),
        })
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

impl TreeSource {
    fn index(&self) -> &std::collections::HashMap<String, git2::Oid> {
        self.index.get_or_init(|| {
            let mut map = std::collections::HashMap::new();
            let repo = self.repo();
            if let Ok(tree) = repo.find_tree(self.tree) {
                let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                    if entry.kind() == Some(git2::ObjectType::Blob) {
                        if let Ok(name) = entry.name() {
                            map.insert(format!("{dir}{name}"), entry.id());
                        }
                    }
                    git2::TreeWalkResult::Ok
                });
            }
            map
        })
    }

    fn repo(&self) -> std::sync::MutexGuard<'_, git2::Repository> {
        self.repo.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_uncached(&self, path: &str) -> Option<Vec<u8>> {
        let oid = *self.index().get(path)?;
        let repo = self.repo();
        let blob = repo.find_blob(oid).ok()?;
        Some(blob.content().to_vec())
    }
}

impl Source for TreeSource {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        if let Some(hit) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(path) {
            return hit.clone();
        }
        let bytes = self.read_uncached(path);
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_string(), bytes.clone());
        bytes
    }

    fn list(&self, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
        let mut out: Vec<String> = self.index().keys().filter(|p| keep(p)).cloned().collect();
        out.sort();
        out
    }

    fn describe(&self) -> String {
        self.label.clone()
    }
}
