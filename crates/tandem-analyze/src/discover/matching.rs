//! Which repo a reference names: by location, by declared name, then by the fallbacks on
//! repo names (see the module doc of `discover`).

use super::{compose, scan, Dep, Namespace};
use std::path::{Path, PathBuf};
use tandem_model::{RepoName, Workspace};

/// Go hosts whose paths read host/owner/repo: the owner segment is not a repo name.
const FORGES: &[&str] = &["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"];

/// The names and checkout of every repo, ready for matching.
pub(super) struct Index {
    /// Sorted by repo name, so that ties resolve the same way every time.
    providers: Vec<Provider>,
}

struct Provider {
    /// Index of the repo in the workspace.
    repo: usize,
    name: RepoName,
    aliases: Vec<String>,
    /// Aliases and the names the checkout declares.
    identities: Vec<String>,
    root: Option<PathBuf>,
}

impl Index {
    pub fn new(ws: &Workspace, scanned: &[scan::Checkout]) -> Index {
        let mut providers: Vec<Provider> = ws
            .repos
            .iter()
            .enumerate()
            .map(|(i, r)| Provider {
                repo: i,
                name: r.name.clone(),
                aliases: r.aliases.clone(),
                identities: r.aliases.clone(),
                root: None,
            })
            .collect();
        for checkout in scanned {
            // Still in workspace order: the repo index is the position.
            let p = &mut providers[checkout.repo];
            p.root = Some(checkout.root.clone());
            for file in &checkout.files {
                p.identities.extend(file.facts.identities.iter().cloned());
                for (image, context) in &file.facts.built_images {
                    if scan::resolve(&checkout.dir_of(file), context).starts_with(&checkout.root) {
                        p.identities.push(image.clone());
                    }
                }
            }
        }
        providers.sort_by(|a, b| a.name.cmp(&b.name));
        Index { providers }
    }

    /// Whether references to `repo` can be recognised by something other than its bare name.
    pub fn is_recognisable(&self, repo: &RepoName) -> bool {
        self.providers.iter().any(|p| &p.name == repo && (p.root.is_some() || !p.identities.is_empty()))
    }

    /// The repo (workspace index) that `dep` names, if any; `local` is its resolved local path.
    /// This may be the consumer itself: the caller drops those.
    pub fn find(&self, dep: &Dep, local: Option<&Path>) -> Option<usize> {
        if let Some(path) = local {
            let holder = self
                .providers
                .iter()
                .filter_map(|p| Some((p, p.root.as_deref()?)))
                .filter(|(_, root)| path.starts_with(root))
                .max_by_key(|(_, root)| root.components().count());
            if let Some((p, _)) = holder {
                return Some(p.repo);
            }
        }
        if dep.namespace == Namespace::Directory {
            return None;
        }
        self.by_identity(dep).or_else(|| self.by_repo_name(dep))
    }

    fn by_identity(&self, dep: &Dep) -> Option<usize> {
        let wanted = normalise(dep.namespace, &dep.name);
        let mut best: Option<(usize, usize)> = None;
        for p in &self.providers {
            for identity in &p.identities {
                let id = normalise(dep.namespace, identity);
                let hit = !id.is_empty()
                    && wanted.strip_prefix(id.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
                let longer = match best {
                    Some((len, _)) => id.len() > len,
                    None => true,
                };
                if hit && longer {
                    best = Some((id.len(), p.repo));
                }
            }
        }
        best.map(|(_, repo)| repo)
    }

    fn by_repo_name(&self, dep: &Dep) -> Option<usize> {
        let named = |segment: &str, with_aliases: bool| {
            self.providers.iter().find(|p| {
                p.name.as_str().eq_ignore_ascii_case(segment)
                    || (with_aliases && p.aliases.iter().any(|a| a.eq_ignore_ascii_case(segment)))
            })
        };
        match dep.namespace {
            Namespace::Image => {
                let last = dep.name.rsplit('/').next().unwrap_or_default();
                named(last, true).map(|p| p.repo)
            }
            Namespace::GoModule => {
                let segments: Vec<&str> = dep.name.split('/').collect();
                let skip = if segments.first().is_some_and(|host| FORGES.contains(host)) { 2 } else { 1 };
                segments.iter().skip(skip).rev().find_map(|s| named(s, false)).map(|p| p.repo)
            }
            _ => None,
        }
    }
}

/// The form in which two names of `namespace` compare equal.
fn normalise(namespace: Namespace, name: &str) -> String {
    match namespace {
        Namespace::GoModule | Namespace::Directory => name.to_string(),
        Namespace::Python => pep503(name),
        Namespace::Crate => name.to_ascii_lowercase().replace('_', "-"),
        Namespace::Npm => name.to_ascii_lowercase(),
        Namespace::Image => compose::split_image(name).0.to_ascii_lowercase(),
    }
}

/// PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub(super) fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_names_compare_by_pep_503() {
        assert_eq!(pep503("Loqa_Proto..Client"), "loqa-proto-client");
        assert_eq!(normalise(Namespace::Python, "loqa.proto"), normalise(Namespace::Python, "LOQA-proto"));
    }

    #[test]
    fn image_identities_compare_without_their_tag() {
        assert_eq!(normalise(Namespace::Image, "GHCR.io/loqalabs/loqa-hub:0.4.0"), "ghcr.io/loqalabs/loqa-hub");
    }
}
