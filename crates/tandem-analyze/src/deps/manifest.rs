//! The dependencies of one manifest, read with discovery's readers (go.mod's parser, the
//! Cargo.toml and package.json readers), and what "the same major version" means for them.
//!
//! # Compatibility lines
//! A version's compatibility line is its leftmost non-zero part, as semver and Cargo read it:
//! `1.4.2` and `1.9` are on line `1`; `0.3.1` is on line `0.3` (for 0.x, a minor bump is
//! breaking: Cargo's `"0.3"` admits no `0.4`, npm's `^0.3` neither); `0.0.3` is on line
//! `0.0.3`. A requirement is placed by its base version (`^1.2` → 1.2.0, `1.x` → 1.0.0,
//! `>=1.2, <2` → 1.2.0; an npm range by the lowest version it admits, `^1 || ^2` → 1.0.0).
//! Pins without a version (`workspace = true`, `file:`, git URLs, `*`, `latest`) and pins their
//! ecosystem cannot read have no line and are never a bump.
//!
//! # Go modules
//! A module path ending in `/vN` (N ≥ 2), or gopkg.in's `.vN`, is major version N of the
//! module without that suffix: `example.com/mod/v2` replacing `example.com/mod` is one
//! dependency moving from line 1 to line 2. Only `require`s count (a `replace` redirects a
//! dependency, it does not add one).

use crate::discover::{gomod, ManifestKind};
use crate::versions::Requirement;
use std::collections::HashMap;
use std::fmt;

/// A compatibility line (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Line(u64, u64, u64);

impl Line {
    pub(crate) fn of((major, minor, patch): (u64, u64, u64)) -> Line {
        match (major, minor) {
            (0, 0) => Line(0, 0, patch),
            (0, minor) => Line(0, minor, 0),
            (major, _) => Line(major, 0, 0),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Line(0, 0, patch) => write!(f, "0.0.{patch}"),
            Line(0, minor, _) => write!(f, "0.{minor}"),
            Line(major, _, _) => write!(f, "{major}"),
        }
    }
}

/// One dependency as the manifest states it.
#[derive(Debug, Clone)]
pub(crate) struct Dependency {
    /// As written: module path or package name.
    pub name: String,
    /// What stays the same across major versions: the Go module path without `/vN`; else the
    /// name.
    pub family: String,
    /// The version or requirement as written.
    pub spec: Option<String>,
    pub compat: Option<Line>,
    pub line: usize,
}

impl Dependency {
    /// `v1.2.0`, or `example.com/mod v1.2.0` when the name differs from `other`'s.
    pub(crate) fn describe(&self, other: &Dependency) -> String {
        let spec = self.spec.as_deref().unwrap_or("(no version)");
        if self.name == other.name {
            spec.to_string()
        } else {
            format!("{} {spec}", self.name)
        }
    }
}

/// Every dependency of a manifest, in file order, indexed by family so that comparing two
/// revisions is linear in their size (a go.mod may require tens of thousands of modules).
#[derive(Debug, Default)]
pub(crate) struct Manifest {
    pub deps: Vec<Dependency>,
    /// For each family, the positions of its dependencies in `deps`.
    families: HashMap<String, Vec<usize>>,
}

/// The module path without its major-version suffix: `example.com/mod/v2` → `example.com/mod`,
/// `gopkg.in/yaml.v3` → `gopkg.in/yaml`.
pub(crate) fn go_family(path: &str) -> &str {
    let is_major = |s: &str| s.strip_prefix('v').is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n >= 2));
    if let Some((base, last)) = path.rsplit_once('/') {
        if is_major(last) {
            return base;
        }
    }
    if path.starts_with("gopkg.in/") {
        if let Some((base, last)) = path.rsplit_once('.') {
            if last.strip_prefix('v').is_some_and(|n| n.parse::<u64>().is_ok()) {
                return base;
            }
        }
    }
    path
}

/// The compatibility line of a pin as written in a manifest of `kind`.
fn compat(spec: &str, kind: ManifestKind) -> Option<Line> {
    Some(Line::of(Requirement::parse(spec, kind)?.base().release()?))
}

impl Manifest {
    pub(crate) fn read(kind: ManifestKind, text: &str) -> Result<Manifest, Vec<(usize, String)>> {
        let mut deps = Vec::new();
        if kind == ManifestKind::GoMod {
            let (parsed, errors) = gomod::parse(text);
            if !errors.is_empty() {
                return Err(errors.into_iter().map(|e| (e.line, e.message)).collect());
            }
            for r in parsed.requires {
                deps.push(Dependency {
                    family: go_family(&r.path).to_string(),
                    compat: compat(&r.version, kind),
                    name: r.path,
                    spec: Some(r.version),
                    line: r.line,
                });
            }
        } else {
            let facts = kind.read(text);
            if !facts.errors.is_empty() {
                return Err(facts.errors.into_iter().map(|e| (e.line.unwrap_or(1), e.message)).collect());
            }
            for d in facts.deps {
                deps.push(Dependency {
                    family: d.name.clone(),
                    compat: d.version.as_deref().and_then(|v| compat(v, kind)),
                    name: d.name,
                    spec: d.version,
                    line: d.line.unwrap_or(1),
                });
            }
        }
        Ok(Manifest::new(deps))
    }

    fn new(deps: Vec<Dependency>) -> Manifest {
        let mut families: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in deps.iter().enumerate() {
            families.entry(d.family.clone()).or_default().push(i);
        }
        Manifest { deps, families }
    }

    /// The dependencies of `family`, in file order.
    pub(crate) fn family<'a>(&'a self, family: &str) -> impl Iterator<Item = &'a Dependency> + 'a {
        self.families.get(family).into_iter().flatten().map(|&i| &self.deps[i])
    }

    /// Whether `d` is the first dependency of its family in the file.
    pub(crate) fn first_of_family(&self, d: &Dependency) -> bool {
        self.family(&d.family).next().is_some_and(|first| std::ptr::eq(first, d))
    }

    /// The dependency of `family` on the highest compatibility line, if any has a version.
    pub(crate) fn newest<'a>(&'a self, family: &str) -> Option<&'a Dependency> {
        self.family(family).filter(|d| d.compat.is_some()).max_by_key(|d| d.compat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(spec: &str, kind: ManifestKind) -> String {
        compat(spec, kind).map_or("-".into(), |l| l.to_string())
    }

    #[test]
    fn compatibility_lines_follow_the_leftmost_non_zero_part() {
        let cases = [
            ("^1.2", ManifestKind::PackageJson, "1"),
            ("1.x", ManifestKind::PackageJson, "1"),
            (">=1.2.0 <2.0.0", ManifestKind::PackageJson, "1"),
            ("0.3", ManifestKind::Cargo, "0.3"),
            ("=0.0.4", ManifestKind::Cargo, "0.0.4"),
            ("v2.1.0+incompatible", ManifestKind::GoMod, "2"),
            ("v0.0.0-20240101000000-abcdef123456", ManifestKind::GoMod, "0.0.0"),
            ("workspace:*", ManifestKind::PackageJson, "-"),
            ("latest", ManifestKind::PackageJson, "-"),
        ];
        for (spec, kind, want) in cases {
            assert_eq!(line(spec, kind), want, "{spec}");
        }
    }

    #[test]
    fn go_major_suffixes_name_the_same_module() {
        assert_eq!(go_family("example.com/mod/v2"), "example.com/mod");
        assert_eq!(go_family("example.com/mod"), "example.com/mod");
        assert_eq!(go_family("example.com/v1"), "example.com/v1", "/v1 is not a major suffix");
        assert_eq!(go_family("gopkg.in/yaml.v3"), "gopkg.in/yaml");
    }
}
