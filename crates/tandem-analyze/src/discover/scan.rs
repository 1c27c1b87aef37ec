//! Finding and reading the manifests of one checkout.

use super::{Facts, ManifestKind, Problem};
use std::fs;
use std::path::{Component, Path, PathBuf};
use tandem_model::RepoName;

/// How deep below the checkout root manifests are looked for.
const MAX_DEPTH: usize = 3;

/// Directories that hold dependencies, build output or fixtures, never a repo's own manifests.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor", "dist", "build", "testdata"];

/// Manifests are small; a larger file is reported rather than read (here and by the dependency
/// detector).
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One scanned checkout.
pub(super) struct Checkout {
    /// Index of the repo in the workspace.
    pub repo: usize,
    /// The checkout, canonicalised.
    pub root: PathBuf,
    pub files: Vec<ManifestFile>,
    pub problems: Vec<Problem>,
}

impl Checkout {
    /// The absolute directory holding `file`, against which its relative paths resolve.
    pub fn dir_of(&self, file: &ManifestFile) -> PathBuf {
        self.root.join(file.path.parent().unwrap_or(Path::new("")))
    }
}

/// One manifest of a checkout.
pub(super) struct ManifestFile {
    /// Relative to the checkout.
    pub path: PathBuf,
    pub kind: ManifestKind,
    pub facts: Facts,
}

/// Reads every manifest of the checkout at `root`; `roots` are all checkouts, so that a checkout
/// nested in another is read only as itself.
pub(super) fn scan(repo: usize, name: &RepoName, root: &Path, roots: &[&Path]) -> Checkout {
    let problem = |file: PathBuf, message: String| Problem { repo: name.clone(), file, line: None, message };
    let mut problems = Vec::new();
    let mut found = Vec::new();
    walk(root, root, 0, roots, &mut found, &mut |rel, msg| problems.push(problem(rel, msg)));

    let mut files = Vec::new();
    for (path, kind) in found {
        let text = match read_text(&root.join(&path)) {
            Ok(text) => text,
            Err(message) => {
                problems.push(problem(path, message));
                continue;
            }
        };
        let facts = kind.read(&text);
        problems.extend(facts.errors.iter().map(|e| Problem {
            repo: name.clone(),
            file: path.clone(),
            line: e.line,
            message: e.message.clone(),
        }));
        files.push(ManifestFile { path, kind, facts });
    }
    Checkout { repo, root: root.to_path_buf(), files, problems }
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    roots: &[&Path],
    found: &mut Vec<(PathBuf, ManifestKind)>,
    problem: &mut dyn FnMut(PathBuf, String),
) {
    let rel = |p: &Path| match p.strip_prefix(root) {
        Ok(r) if r.as_os_str().is_empty() => PathBuf::from("."),
        Ok(r) => r.to_path_buf(),
        Err(_) => p.to_path_buf(),
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problem(rel(dir), format!("cannot list directory: {e}")),
    };
    let mut entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        // file_type does not follow symbolic links: links are not read, so walks cannot loop.
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            let nested_checkout = roots.contains(&path.as_path());
            if depth < MAX_DEPTH && !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) && !nested_checkout
            {
                walk(root, &path, depth + 1, roots, found, problem);
            }
        } else if file_type.is_file() {
            if let Some(kind) = ManifestKind::of_file_name(&name) {
                found.push((rel(&path), kind));
            }
        }
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("not read: {} bytes is larger than the {MAX_FILE_BYTES} a manifest may have", meta.len()));
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text =
        String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

/// The canonical form of an existing path (symbolic links resolved), else its lexical form.
pub(super) fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| lexical(path))
}

/// `rel` (as written in a manifest) resolved against `dir`.
pub(super) fn resolve(dir: &Path, rel: &str) -> PathBuf {
    canonical(&dir.join(rel))
}

/// Removes `.` and resolves `..` without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_resolution_removes_dots() {
        assert_eq!(lexical(Path::new("/ws/hub/go/../../proto/./go")), PathBuf::from("/ws/proto/go"));
    }

    #[test]
    fn compose_variants_and_requirement_files_are_recognised() {
        let kind = ManifestKind::of_file_name;
        assert_eq!(kind("docker-compose.yml"), Some(ManifestKind::Compose));
        assert_eq!(kind("compose.yaml"), Some(ManifestKind::Compose));
        assert_eq!(kind("docker-compose.prod.yml"), Some(ManifestKind::Compose));
        assert_eq!(kind("requirements-dev.txt"), Some(ManifestKind::Requirements));
        assert_eq!(kind("composer.json"), None);
        assert_eq!(kind("docker-composer.yml"), None);
        assert_eq!(kind("compose.yml.bak"), None);
        assert_eq!(kind("go.sum"), None);
    }
}
