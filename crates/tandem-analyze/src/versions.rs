//! Versions: what a provider's checkout says its current version is, and what a consumer's pin
//! (as discovery found it, e.g. `v0.3.1`, `^1.2.0`, `>=0.2,<1`) admits.
//!
//! # The current version of a checkout
//! 1. The highest semver git tag of the checkout's repository (`v1.2.3` or `1.2.3`; releases
//!    before pre-releases; a tag with a path prefix such as `go/v1.2.3`, as Go submodules are
//!    tagged, counts only when the repository has no unprefixed semver tag). A tag is what a
//!    consumer can actually fetch, so it wins over a manifest that may already carry the next,
//!    unreleased version.
//! 2. Otherwise the version the checkout's root manifest declares: `package.json` `version`,
//!    `Cargo.toml` `[package] version` (or `[workspace.package] version`), `pyproject.toml`
//!    `[project] version` or `[tool.poetry] version`, in that order.
//!
//! Unreadable files and repositories are not errors here: they simply give no version
//! (discovery reports unreadable manifests).
//!
//! # What a pin admits
//! Pins are read with the rules of the manifest they come from: Go, compose image tags and bare
//! npm versions are exact; a bare Cargo version is a caret requirement; Python specifiers
//! (`==`, `~=`, `>=`, `<`, `!=`, …) are comma-separated clauses that must all hold. A pin is
//! *behind* a current version when the current version is newer than the pin's base and the pin
//! does not admit it (so `^1.2.0` is not behind `1.5.0`, but is behind `2.0.0`).

use crate::discover::{ManifestKind, Pin};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use tandem_model::RepoName;

/// A semantic version, parsed leniently: an optional `v`, one to three numeric parts (missing
/// ones are 0), an optional `-pre.release` and `+build` (ignored for ordering).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Semver {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// Pre-release identifiers (`rc.1` → `["rc", "1"]`); empty for a release.
    pub pre: Vec<String>,
    /// How many numeric parts were written (`1.2` → 2): caret and tilde depend on it.
    #[serde(skip)]
    parts: u8,
}

impl Semver {
    /// Parses `1.2.3`, `v1.2.3`, `1.2`, `1`, `1.2.3-rc.1+build`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Semver> {
        let s = s.trim();
        let s = s.strip_prefix('v').or_else(|| s.strip_prefix('V')).unwrap_or(s);
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (core, pre) = match s.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, pre.split('.').map(str::to_string).collect()),
            Some(_) => return None,
            None => (s, Vec::new()),
        };
        let mut nums = [0u64; 3];
        let mut parts = 0u8;
        for (i, part) in core.split('.').enumerate() {
            if i >= 3 || part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            nums[i] = part.parse().ok()?;
            parts += 1;
        }
        Some(Semver { major: nums[0], minor: nums[1], patch: nums[2], pre, parts })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    fn core(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

impl Ord for Semver {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core().cmp(&other.core()).then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (a, b) in self.pre.iter().zip(&other.pre) {
                    let ord = match (a.parse::<u64>(), b.parse::<u64>()) {
                        (Ok(x), Ok(y)) => x.cmp(&y),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => a.cmp(b),
                    };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                self.pre.len().cmp(&other.pre.len())
            }
        })
    }
}

impl PartialOrd for Semver {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre.join("."))?;
        }
        Ok(())
    }
}

/// One comparison of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exact,
    /// `^`: the leftmost non-zero part stays.
    Caret,
    /// `~`: major and minor stay (major only when just the major was written).
    Tilde,
    /// Python `~=`: every written part but the last stays.
    Compatible,
    AtLeast,
    Greater,
    AtMost,
    Below,
    NotEqual,
}

/// What a consumer's pin admits: clauses that must all hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    clauses: Vec<(Op, Semver)>,
}

impl Requirement {
    /// Reads a pin as written in a manifest of `kind`. `None` for pins that name no version
    /// (`local:../dir`, `workspace:*`, `latest`, `*`, a digest, a git URL).
    pub fn parse(pin: &str, kind: ManifestKind) -> Option<Requirement> {
        let pin = pin.trim();
        if pin.starts_with("local:") || pin.contains('@') || pin.contains(':') || pin.contains("||") {
            return None;
        }
        let mut clauses = Vec::new();
        for clause in pin.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            clauses.push(Self::clause(clause, kind)?);
        }
        if clauses.is_empty() {
            return None;
        }
        Some(Requirement { clauses })
    }

    fn clause(clause: &str, kind: ManifestKind) -> Option<(Op, Semver)> {
        const OPS: [(&str, Op); 11] = [
            ("===", Op::Exact),
            ("==", Op::Exact),
            ("~=", Op::Compatible),
            (">=", Op::AtLeast),
            ("<=", Op::AtMost),
            ("!=", Op::NotEqual),
            ("=", Op::Exact),
            ("^", Op::Caret),
            ("~", Op::Tilde),
            (">", Op::Greater),
            ("<", Op::Below),
        ];
        let (op, rest) = OPS
            .iter()
            .find_map(|(prefix, op)| clause.strip_prefix(prefix).map(|rest| (*op, rest)))
            .unwrap_or_else(|| {
                let bare = if kind == ManifestKind::Cargo { Op::Caret } else { Op::Exact };
                (bare, clause)
            });
        // npm and Cargo allow wildcards such as `1.2.x` or `1.*`: read as a tilde or caret.
        let rest = rest.trim();
        let (rest, op) = match rest.strip_suffix(".x").or_else(|| rest.strip_suffix(".*")) {
            Some(r) if op == Op::Exact || op == Op::Caret => (r, if r.contains('.') { Op::Tilde } else { Op::Caret }),
            Some(_) => return None,
            None => (rest, op),
        };
        Some((op, Semver::parse(rest)?))
    }

    /// The version the pin is built around: the first clause's (`^1.2.0` → 1.2.0). Pins with
    /// the same base are considered the same version when comparing consumers.
    pub fn base(&self) -> &Semver {
        &self.clauses[0].1
    }

    /// True when `v` satisfies every clause.
    pub fn admits(&self, v: &Semver) -> bool {
        self.clauses.iter().all(|(op, want)| admits(*op, want, v))
    }

    /// True when `current` is newer than the pin's base and the pin does not admit it.
    pub fn is_behind(&self, current: &Semver) -> bool {
        current > self.base() && !self.admits(current)
    }
}

fn admits(op: Op, want: &Semver, v: &Semver) -> bool {
    let upper_ok = |upper: (u64, u64, u64)| v.core() < upper;
    match op {
        Op::Exact => v.core() == want.core() && v.pre == want.pre,
        Op::NotEqual => !(v.core() == want.core() && v.pre == want.pre),
        Op::AtLeast => v >= want,
        Op::Greater => v > want,
        Op::AtMost => v <= want,
        Op::Below => v < want,
        Op::Caret => {
            let upper = match (want.major, want.minor, want.parts) {
                (0, 0, p) if p >= 3 => (0, 0, want.patch + 1),
                (0, 0, 2) => (0, 1, 0),
                (0, m, p) if p >= 2 => (0, m + 1, 0),
                (major, _, _) => (major + 1, 0, 0),
            };
            v >= want && upper_ok(upper)
        }
        Op::Tilde => {
            let upper = if want.parts >= 2 { (want.major, want.minor + 1, 0) } else { (want.major + 1, 0, 0) };
            v >= want && upper_ok(upper)
        }
        Op::Compatible => {
            let upper = match want.parts {
                p if p >= 3 => (want.major, want.minor + 1, 0),
                _ => (want.major + 1, 0, 0),
            };
            v >= want && upper_ok(upper)
        }
    }
}

/// The pins that do not admit their provider's current version ([`Requirement::is_behind`]),
/// in the order of `pins`, each with that version. Pins naming no version (`local:…`,
/// `workspace:*`) and providers missing from `current` are skipped. Pure: the caller reads the
/// current versions (see [`current_version`]). Used by `tandem health` (VERSION_BEHIND) and by
/// the dependency detector (INTERNAL_DEPENDENCY_BEHIND).
pub fn pins_behind<'a>(
    pins: &'a [Pin],
    current: &'a BTreeMap<RepoName, CurrentVersion>,
) -> Vec<(&'a Pin, &'a CurrentVersion)> {
    pins.iter()
        .filter_map(|pin| {
            let now = current.get(&pin.provider)?;
            Requirement::parse(&pin.version, pin.kind)?.is_behind(&now.version).then_some((pin, now))
        })
        .collect()
}

/// Where a checkout's current version came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum VersionSource {
    /// A git tag, as written (`v0.3.1`).
    Tag(String),
    /// A manifest, relative to the checkout (`package.json`).
    Manifest(PathBuf),
}

impl fmt::Display for VersionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSource::Tag(t) => write!(f, "git tag {t}"),
            VersionSource::Manifest(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A checkout's current version and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentVersion {
    pub version: Semver,
    pub source: VersionSource,
}

/// The current version of the checkout at `dir`: its highest semver git tag, else its root
/// manifest's version (see the module documentation).
pub fn current_version(dir: &Path) -> Option<CurrentVersion> {
    highest_tag(dir).or_else(|| manifest_version(dir))
}

/// The highest semver tag of the git repository whose work tree is `dir`.
pub fn highest_tag(dir: &Path) -> Option<CurrentVersion> {
    let repo = git2::Repository::open(dir).ok()?;
    let names = repo.tag_names(None).ok()?;
    // (unprefixed?, release?, version): the best tag is the maximum.
    let mut best: Option<((bool, bool, Semver), String)> = None;
    for name in names.iter().flatten() {
        let (prefixed, last) = match name.rsplit_once('/') {
            Some((_, last)) => (true, last),
            None => (false, name),
        };
        let Some(v) = Semver::parse(last) else { continue };
        let key = (!prefixed, !v.is_prerelease(), v);
        let better = match &best {
            None => true,
            Some((k, _)) => key > *k,
        };
        if better {
            best = Some((key, name.to_string()));
        }
    }
    best.map(|((_, _, version), tag)| CurrentVersion { version, source: VersionSource::Tag(tag) })
}

/// The version the checkout's root manifest declares.
pub fn manifest_version(dir: &Path) -> Option<CurrentVersion> {
    let found = |file: &str, version: Option<String>| {
        let version = Semver::parse(&version?)?;
        Some(CurrentVersion { version, source: VersionSource::Manifest(PathBuf::from(file)) })
    };
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
    let npm = read("package.json").and_then(|text| {
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        found("package.json", v.get("version")?.as_str().map(str::to_string))
    });
    let toml_at = |file: &str, paths: &[&[&str]]| {
        let text = read(file)?;
        let doc: toml::Table = toml::from_str(&text).ok()?;
        paths.iter().find_map(|path| {
            let mut v: Option<&toml::Value> = None;
            for (i, key) in path.iter().enumerate() {
                v = if i == 0 { doc.get(*key) } else { v?.get(*key) };
            }
            found(file, v?.as_str().map(str::to_string))
        })
    };
    npm.or_else(|| toml_at("Cargo.toml", &[&["package", "version"], &["workspace", "package", "version"]]))
        .or_else(|| toml_at("pyproject.toml", &[&["project", "version"], &["tool", "poetry", "version"]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Semver {
        Semver::parse(s).unwrap()
    }

    fn req(pin: &str, kind: ManifestKind) -> Requirement {
        Requirement::parse(pin, kind).unwrap_or_else(|| panic!("'{pin}' should parse"))
    }

    #[test]
    fn versions_order_by_semver_precedence() {
        let mut all = ["1.10.0", "v1.2.0", "1.2.0-rc.2", "1.2.0-rc.10", "1.2.0-beta", "0.9"].map(v).to_vec();
        all.sort();
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["0.9.0", "1.2.0-beta", "1.2.0-rc.2", "1.2.0-rc.10", "1.2.0", "1.10.0"]);
        for bad in ["", "v", "1..2", "1.2.3.4", "abc", "1.2-", "latest"] {
            assert!(Semver::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn exact_pins_are_behind_any_newer_version() {
        let go = req("v0.2.0", ManifestKind::GoMod);
        assert!(go.is_behind(&v("0.3.1")));
        assert!(go.is_behind(&v("0.2.1")));
        assert!(!go.is_behind(&v("0.2.0")));
        assert!(!go.is_behind(&v("0.1.0")), "a pin ahead of the provider is not behind");
        assert!(req("==0.2.0", ManifestKind::Requirements).is_behind(&v("0.2.1")));
        assert!(req("1.2.0", ManifestKind::PackageJson).is_behind(&v("1.2.1")), "bare npm versions are exact");
    }

    #[test]
    fn ranges_are_behind_only_when_they_exclude_the_current_version() {
        let cases = [
            ("^1.2.0", ManifestKind::PackageJson, "1.9.0", false),
            ("^1.2.0", ManifestKind::PackageJson, "2.0.0", true),
            ("^0.2.0", ManifestKind::PackageJson, "0.3.0", true),
            ("^0.2.0", ManifestKind::PackageJson, "0.2.9", false),
            ("0.2", ManifestKind::Cargo, "0.2.7", false),
            ("0.2", ManifestKind::Cargo, "0.3.0", true),
            ("=0.2.0", ManifestKind::Cargo, "0.2.1", true),
            ("~1.2.0", ManifestKind::PackageJson, "1.3.0", true),
            ("~1.2.0", ManifestKind::PackageJson, "1.2.5", false),
            ("1.2.x", ManifestKind::PackageJson, "1.2.5", false),
            ("~=0.3", ManifestKind::Pyproject, "0.9.0", false),
            ("~=0.3.1", ManifestKind::Pyproject, "0.4.0", true),
            (">=0.2,<1", ManifestKind::Requirements, "0.9.0", false),
            (">=0.2,<1", ManifestKind::Requirements, "1.0.0", true),
            (">=0.2", ManifestKind::Requirements, "7.0.0", false),
        ];
        for (pin, kind, current, behind) in cases {
            assert_eq!(req(pin, kind).is_behind(&v(current)), behind, "{pin} vs {current}");
        }
    }

    #[test]
    fn pins_without_a_version_are_not_requirements() {
        for pin in ["local:../proto", "workspace:*", "latest", "*", "sha256:abc", "git+https://x/y", "1 || 2"] {
            assert!(Requirement::parse(pin, ManifestKind::PackageJson).is_none(), "{pin}");
        }
        assert_eq!(req("^1.2.0", ManifestKind::PackageJson).base(), &v("1.2.0"));
    }

    #[test]
    fn the_manifest_version_is_read_when_there_is_no_tag() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(current_version(dir.path()), None);
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\nversion = \"0.4.2\"\n").unwrap();
        let found = current_version(dir.path()).unwrap();
        assert_eq!((found.version, found.source), (v("0.4.2"), VersionSource::Manifest("Cargo.toml".into())));
        std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\", \"version\": \"1.0.0\"}").unwrap();
        assert_eq!(current_version(dir.path()).unwrap().version, v("1.0.0"), "package.json comes first");
        std::fs::write(dir.path().join("package.json"), "{ not json").unwrap();
        assert_eq!(current_version(dir.path()).unwrap().version, v("0.4.2"), "an unreadable file gives no version");
    }

    #[test]
    fn the_highest_release_tag_wins_over_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        std::fs::write(dir.path().join("package.json"), "{\"version\": \"9.0.0\"}").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("package.json")).unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        let commit = repo.commit(Some("HEAD"), &sig, &sig, "init", &tree, &[]).unwrap();
        let object = repo.find_object(commit, None).unwrap();
        for tag in ["v0.2.0", "v0.10.0", "v0.11.0-rc.1", "go/v3.0.0", "nightly"] {
            repo.tag_lightweight(tag, &object, false).unwrap();
        }
        let found = current_version(dir.path()).unwrap();
        assert_eq!((found.version, found.source), (v("0.10.0"), VersionSource::Tag("v0.10.0".into())));
    }
}
