//! Dependency discovery (SPEC C1): which workspace repos each checkout uses according to its
//! manifests, compared with the `depends_on` edges of `tandem.toml`.
//!
//! # What is read
//! In each repo with a `path` that exists, the root and subdirectories down to depth 3 (not
//! `.git`, `node_modules`, `target`, `vendor`, `dist`, `build`, `testdata`, hidden directories,
//! symbolic links, nor another repo's checkout nested inside): `go.mod`, `Cargo.toml`,
//! `package.json`, `pyproject.toml`, `requirements*.txt`, and `docker-compose.y(a)ml`,
//! `compose.y(a)ml` with their `.<variant>.yml` overrides.
//!
//! # How a reference finds its repo
//! A repo is known by its `aliases` and by the names its own checkout declares: the `module` of
//! each go.mod, the `name` of each package.json, `[package] name` of Cargo.toml,
//! `[project] name` / `[tool.poetry] name` of pyproject.toml, and the `image` of compose
//! services built from a directory of the checkout. In order:
//! 1. a local path (`replace x => ../dir`, Cargo/Poetry `path`, npm `file:`, compose
//!    `build.context`) that lies in a checkout names that repo;
//! 2. a reference equal to a name, or starting with name + `/` (Go submodules, `/v2`), names
//!    that repo; the longest name wins. Python names compare PEP 503-normalised, crate names
//!    with `-` and `_` alike, npm and image names ignoring case, Go module paths exactly;
//! 3. fallback: an image whose last path segment (without tag or digest) is a repo's name or
//!    alias; a Go module path with a segment equal to a repo's name (rightmost first, not the
//!    host, nor the owner on github.com, gitlab.com, bitbucket.org and codeberg.org).
//!
//! A reference that resolves to its own repo is internal and dropped.
//!
//! # What is reported
//! - `undeclared`: a (consumer, provider) pair with references but no `depends_on` entry,
//!   whatever its `via`: a declared grpc edge is satisfied by the Go module of the proto repo.
//!   Pairs whose only references are Go `// indirect` requires are not reported: the consumer
//!   does not import the provider itself.
//! - `missing`: a declared edge with `via = "library"` or `"docker"` for which the consumer's
//!   checkout has no reference. `grpc`, `http` and `config` edges are never missing: they do not
//!   show in manifests.
//! - `pins`: every reference carrying a version, as written (`v0.3.1`, `^1.2.0`, `==0.3.1`,
//!   image tag). A Go `replace` to a directory is a pin `local:<dir>`.
//! - `skipped`: repos without a path, or whose path does not exist.
//! - `problems`: files that could not be read or parsed, with the line when known.
//!
//! Every list is sorted (consumer, provider, file, line), so the output is deterministic.

mod cargo;
mod compose;
pub(crate) mod gomod;
pub(crate) mod json_lines;
mod matching;
mod npm;
mod python;
pub(crate) mod scan;
#[cfg(test)]
mod tests;

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tandem_model::{RepoName, Via, Workspace};

/// What discovery found in the checkouts of a workspace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discovery {
    /// Every reference found from a consumer to another workspace repo.
    pub references: Vec<Reference>,
    /// Discovered (consumer, provider) pairs that are not in the consumer's `depends_on`.
    pub undeclared: Vec<EdgeReport>,
    /// Declared library or docker edges with no reference, for consumers whose checkout exists.
    pub missing: Vec<EdgeReport>,
    /// Every reference that carries a version.
    pub pins: Vec<Pin>,
    /// Repos that were not scanned, and why.
    pub skipped: Vec<Skipped>,
    /// Files that could not be read or parsed; the other files were still scanned.
    pub problems: Vec<Problem>,
}

/// One reference from a consumer's manifest to another repo of the workspace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub consumer: RepoName,
    pub provider: RepoName,
    /// `library` for Go modules, crates, npm and Python packages; `docker` for compose images
    /// and build contexts.
    pub via: Via,
    /// The manifest, relative to the consumer's checkout.
    pub file: PathBuf,
    /// 1-based line of the reference in `file`, when known.
    pub line: Option<usize>,
    pub kind: ManifestKind,
    /// The module path, package name, image name (without tag) or build directory as written.
    pub reference: String,
    /// The version, specifier or tag as written.
    pub version: Option<String>,
}

/// A (consumer, provider) pair reported as undeclared or missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeReport {
    pub consumer: RepoName,
    pub provider: RepoName,
    /// Undeclared: how the references use the provider. Missing: the declared `via`.
    pub via: Option<Via>,
    /// Undeclared: each reference, e.g. `go.mod:5 github.com/x/y v0.3.1`. Missing: what was
    /// searched.
    pub evidence: Vec<String>,
}

/// A version of a provider that a consumer's manifest names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pin {
    pub consumer: RepoName,
    pub provider: RepoName,
    pub version: String,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: ManifestKind,
}

/// A repo that was not scanned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub repo: RepoName,
    pub reason: String,
}

/// A file that could not be read or parsed (or part of it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub repo: RepoName,
    /// Relative to the repo's checkout.
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

/// The manifest formats discovery reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestKind {
    GoMod,
    Cargo,
    PackageJson,
    Pyproject,
    Requirements,
    Compose,
}

impl ManifestKind {
    /// The kind of a file, from its name alone.
    pub(crate) fn of_file_name(name: &str) -> Option<ManifestKind> {
        let compose = |stem: &str| {
            ["yml", "yaml"].iter().any(|ext| {
                name.strip_suffix(ext)
                    .and_then(|s| s.strip_suffix('.'))
                    .and_then(|s| s.strip_prefix(stem))
                    .is_some_and(|variant| variant.is_empty() || variant.starts_with('.'))
            })
        };
        match name {
            "go.mod" => Some(ManifestKind::GoMod),
            "Cargo.toml" => Some(ManifestKind::Cargo),
            "package.json" => Some(ManifestKind::PackageJson),
            "pyproject.toml" => Some(ManifestKind::Pyproject),
            _ if name.starts_with("requirements") && name.ends_with(".txt") => Some(ManifestKind::Requirements),
            _ if compose("docker-compose") || compose("compose") => Some(ManifestKind::Compose),
            _ => None,
        }
    }

    /// Reads one manifest's text.
    pub(crate) fn read(self, text: &str) -> Facts {
        match self {
            ManifestKind::GoMod => gomod::read(text),
            ManifestKind::Cargo => cargo::read(text),
            ManifestKind::PackageJson => npm::read(text),
            ManifestKind::Pyproject => python::read_pyproject(text),
            ManifestKind::Requirements => python::read_requirements(text),
            ManifestKind::Compose => compose::read(text),
        }
    }
}

/// The naming scheme of a reference: decides how names compare and which fallback applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Namespace {
    GoModule,
    Crate,
    Npm,
    Python,
    Image,
    /// A directory (compose build context): only its location can name a repo.
    Directory,
}

impl Namespace {
    fn via(self) -> Via {
        match self {
            Namespace::Image | Namespace::Directory => Via::Docker,
            _ => Via::Library,
        }
    }
}

/// One dependency as a manifest states it, before it is matched to a repo.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dep {
    namespace: Namespace,
    pub(crate) name: String,
    pub(crate) version: Option<String>,
    pub(crate) line: Option<usize>,
    /// A directory the dependency points at, as written, relative to the manifest's directory.
    pub(crate) local_path: Option<String>,
    /// Go's `// indirect`: needed by the build, not imported by this module.
    indirect: bool,
}

impl Dep {
    fn new(namespace: Namespace, name: impl Into<String>, version: Option<String>, line: Option<usize>) -> Dep {
        Dep { namespace, name: name.into(), version, line, local_path: None, indirect: false }
    }

    fn at_path(mut self, path: Option<String>) -> Dep {
        self.local_path = path;
        self
    }
}

/// What one manifest says: the names it gives its own repo, what it depends on, and what could
/// not be read. Readers are pure: text in, facts out.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Facts {
    /// Names of the repo holding this file (module path, package name).
    identities: Vec<String>,
    /// Images built from a directory: (image name without tag, build context as written).
    built_images: Vec<(String, String)>,
    pub(crate) deps: Vec<Dep>,
    pub(crate) errors: Vec<FileError>,
}

#[cfg(test)]
impl Facts {
    /// The dependencies as `line name [version] [path=dir] [indirect]`, by line: how reader
    /// tests compare what was read.
    fn rows(&self) -> Vec<String> {
        let mut deps: Vec<&Dep> = self.deps.iter().collect();
        deps.sort_by_key(|d| d.line);
        deps.iter()
            .map(|d| {
                let mut row = format!("{} {}", d.line.map_or("?".to_string(), |l| l.to_string()), d.name);
                for part in
                    [d.version.clone(), d.local_path.as_ref().map(|p| format!("path={p}"))].into_iter().flatten()
                {
                    row.push(' ');
                    row.push_str(&part);
                }
                if d.indirect {
                    row.push_str(" indirect");
                }
                row
            })
            .collect()
    }
}

/// A syntax or structure error inside one manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileError {
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

impl FileError {
    fn new(line: Option<usize>, message: impl Into<String>) -> FileError {
        FileError { line, message: message.into() }
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    tandem_model::manifest::line_col(text, offset).0
}

/// A TOML syntax or shape error, at the line toml points to.
fn toml_error(text: &str, e: &toml::de::Error) -> FileError {
    let line = e.span().map(|s| line_at(text, s.start));
    FileError::new(line, format!("invalid TOML: {}", e.message().trim()))
}

/// A TOML table of dependency names (with their position) to version strings or tables, as in
/// Cargo's `[dependencies]` and Poetry's `[tool.poetry.dependencies]`.
type TomlDeps = BTreeMap<toml::Spanned<String>, toml::Value>;

/// Drops the " at line L column C" that serde_json appends to its messages:
/// the line is reported separately.
fn without_location(message: &str) -> String {
    let trimmed = match message.rfind(" at line ") {
        Some(i) if message[i + " at line ".len()..].split(" column ").all(|n| n.parse::<usize>().is_ok()) => {
            &message[..i]
        }
        _ => message,
    };
    trimmed.trim().to_string()
}

/// Reads every checkout of `ws` and compares what its manifests use with what it declares.
pub fn discover(ws: &Workspace) -> Discovery {
    let mut skipped = Vec::new();
    let mut checkouts = Vec::new();
    for (i, repo) in ws.repos.iter().enumerate() {
        match &repo.path {
            None => skipped.push(Skipped {
                repo: repo.name.clone(),
                reason: "no path in the manifest; add `path = \"<checkout>\"` to scan it".into(),
            }),
            Some(p) if !p.exists() => skipped.push(Skipped {
                repo: repo.name.clone(),
                reason: format!("checkout {} does not exist; clone it there or fix `path`", p.display()),
            }),
            Some(p) if !p.is_dir() => skipped.push(Skipped {
                repo: repo.name.clone(),
                reason: format!("{} is not a directory; `path` must name the checkout", p.display()),
            }),
            Some(p) => checkouts.push((i, scan::canonical(p))),
        }
    }
    let roots: Vec<&Path> = checkouts.iter().map(|(_, root)| root.as_path()).collect();
    let scanned: Vec<scan::Checkout> =
        checkouts.iter().map(|(i, root)| scan::scan(*i, &ws.repos[*i].name, root, &roots)).collect();
    let index = matching::Index::new(ws, &scanned);

    let mut found: Vec<Found> = Vec::new();
    let mut problems = Vec::new();
    for checkout in &scanned {
        problems.extend(checkout.problems.iter().cloned());
        let consumer = &ws.repos[checkout.repo];
        for file in &checkout.files {
            let dir = checkout.dir_of(file);
            for dep in &file.facts.deps {
                let local = dep.local_path.as_deref().map(|p| scan::resolve(&dir, p));
                let Some(p) = index.find(dep, local.as_deref()) else { continue };
                if p == checkout.repo {
                    continue;
                }
                let reference = Reference {
                    consumer: consumer.name.clone(),
                    provider: ws.repos[p].name.clone(),
                    via: dep.namespace.via(),
                    file: file.path.clone(),
                    line: dep.line,
                    kind: file.kind,
                    reference: dep.name.clone(),
                    version: dep.version.clone(),
                };
                found.push(Found { reference, indirect: dep.indirect });
            }
        }
    }
    found.sort_by(|a, b| sort_key(&a.reference).cmp(&sort_key(&b.reference)));
    found.dedup();

    let undeclared = undeclared_edges(ws, &found);
    let missing = missing_edges(ws, &scanned, &index, &found);
    let references: Vec<Reference> = found.into_iter().map(|f| f.reference).collect();
    let pins = references
        .iter()
        .filter_map(|r| {
            Some(Pin {
                consumer: r.consumer.clone(),
                provider: r.provider.clone(),
                version: r.version.clone()?,
                file: r.file.clone(),
                line: r.line,
                kind: r.kind,
            })
        })
        .collect();
    skipped.sort_by(|a, b| a.repo.cmp(&b.repo));
    problems.sort_by(|a: &Problem, b: &Problem| {
        (&a.repo, &a.file, a.line, &a.message).cmp(&(&b.repo, &b.file, b.line, &b.message))
    });
    Discovery { references, undeclared, missing, pins, skipped, problems }
}

/// A reference and whether it is a Go `// indirect` require.
#[derive(Debug, PartialEq)]
struct Found {
    reference: Reference,
    indirect: bool,
}

/// The references of each (consumer, provider) pair.
fn by_pair(found: &[Found]) -> BTreeMap<(&RepoName, &RepoName), Vec<&Found>> {
    let mut pairs: BTreeMap<(&RepoName, &RepoName), Vec<&Found>> = BTreeMap::new();
    for f in found {
        pairs.entry((&f.reference.consumer, &f.reference.provider)).or_default().push(f);
    }
    pairs
}

/// Pairs with references but no `depends_on` entry.
fn undeclared_edges(ws: &Workspace, found: &[Found]) -> Vec<EdgeReport> {
    by_pair(found)
        .into_iter()
        .filter(|((consumer, provider), refs)| {
            let declared = ws.repo(consumer).is_some_and(|c| c.depends_on.iter().any(|d| &d.repo == *provider));
            !declared && refs.iter().any(|f| !f.indirect)
        })
        .map(|((consumer, provider), refs)| {
            let library = refs.iter().any(|f| f.reference.via == Via::Library);
            EdgeReport {
                consumer: consumer.clone(),
                provider: provider.clone(),
                via: Some(if library { Via::Library } else { Via::Docker }),
                evidence: refs.iter().map(|f| evidence(&f.reference, f.indirect)).collect(),
            }
        })
        .collect()
}

/// Declared library and docker edges of scanned consumers with no reference.
fn missing_edges(
    ws: &Workspace,
    scanned: &[scan::Checkout],
    index: &matching::Index,
    found: &[Found],
) -> Vec<EdgeReport> {
    /// How many manifests the evidence names before it counts the rest.
    const LISTED: usize = 8;
    let pairs = by_pair(found);
    let mut out = Vec::new();
    for checkout in scanned {
        let consumer = &ws.repos[checkout.repo];
        for d in &consumer.depends_on {
            if !matches!(d.via, Via::Library | Via::Docker) {
                continue;
            }
            if pairs.contains_key(&(&consumer.name, &d.repo)) {
                continue;
            }
            let mut evidence = vec![if checkout.files.is_empty() {
                "no manifest (go.mod, Cargo.toml, package.json, pyproject.toml, requirements*.txt, compose file) \
                 found in the checkout"
                    .to_string()
            } else {
                let mut files: Vec<String> =
                    checkout.files.iter().take(LISTED).map(|f| display_path(&f.path)).collect();
                if checkout.files.len() > LISTED {
                    files.push(format!("{} more", checkout.files.len() - LISTED));
                }
                format!("no reference to {} in {}", d.repo, files.join(", "))
            }];
            if !index.is_recognisable(&d.repo) {
                evidence.push(format!(
                    "{} has no checkout to read its names from and no aliases; add its module, package or \
                     image names as `aliases`",
                    d.repo
                ));
            }
            out.push(EdgeReport {
                consumer: consumer.name.clone(),
                provider: d.repo.clone(),
                via: Some(d.via),
                evidence,
            });
        }
    }
    out.sort_by(|a, b| (&a.consumer, &a.provider).cmp(&(&b.consumer, &b.provider)));
    out
}

/// Consumer, provider, file, line, then what tells references on one line apart.
fn sort_key(r: &Reference) -> (&RepoName, &RepoName, &PathBuf, Option<usize>, &str, Option<&str>) {
    (&r.consumer, &r.provider, &r.file, r.line, &r.reference, r.version.as_deref())
}

/// `go.mod:5 github.com/x/y v0.3.1`.
fn evidence(r: &Reference, indirect: bool) -> String {
    let mut s = display_path(&r.file);
    if let Some(line) = r.line {
        s.push_str(&format!(":{line}"));
    }
    s.push(' ');
    s.push_str(&r.reference);
    if let Some(v) = &r.version {
        s.push(' ');
        s.push_str(v);
    }
    if indirect {
        s.push_str(" // indirect");
    }
    s
}

/// A relative path with `/` separators on every platform.
fn display_path(p: &Path) -> String {
    let parts: Vec<String> = p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}
