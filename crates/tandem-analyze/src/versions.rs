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
//! Pins are read with their ecosystem's own grammar and crate: Go module versions are exact
//! semantic versions with a `v` (`semver`); Cargo requirements with `semver` (a bare version is
//! a caret requirement); npm ranges with `nodejs-semver` (`>=1.2.0 <2.0.0`, `1.2.3 - 2.3.4`,
//! `^1 || ^2`; a bare version is exact); Python specifiers with `pep440_rs` (`==1.0.0.post1`,
//! `~=2.0rc1`, `>=0.2,<1`; a bare version is `==`; Poetry's `^` and `~` as Cargo's); compose
//! image tags are exact when they are versions. A pin that should name a version but does not
//! read is *unparseable* ([`pins_unparseable`]), which is reported, never silently skipped.
//!
//! A pin is *behind* a current version when the pin does not admit it and the current version
//! is newer than the pin's base: for a range, the range does not admit the provider's current
//! version (so `^1.2.0` is not behind `1.5.0`, but is behind `2.0.0`).

use crate::discover::{ManifestKind, Pin};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
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

/// A version as a provider declares it (a git tag without its `v`, or a manifest's
/// `version`): kept as written, and read with the grammar of the pin it is compared with
/// (semver for Go, Cargo and compose; node-semver for npm; PEP 440 for Python).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Version(String);

impl Version {
    /// A version readable as semver (leniently, see [`Semver::parse`]) or as PEP 440
    /// (`1.0.0.post1`, `2.0rc1`); `None` for anything else (`latest`, `main`).
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix('v').or_else(|| s.strip_prefix('V')).unwrap_or(s);
        let readable = Semver::parse(s).is_some() || pep440_rs::Version::from_str(s).is_ok();
        readable.then(|| Version(s.to_string()))
    }

    /// The version as written, without a leading `v`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Major, minor and patch: semver's, or the first three parts of a PEP 440 release.
    pub fn release(&self) -> Option<(u64, u64, u64)> {
        if let Some(v) = Semver::parse(&self.0) {
            return Some(v.core());
        }
        let v = pep440_rs::Version::from_str(&self.0).ok()?;
        let part = |i: usize| v.release().get(i).copied().unwrap_or(0);
        Some((part(0), part(1), part(2)))
    }

    fn semver(&self) -> Option<Semver> {
        Semver::parse(&self.0)
    }

    fn cargo(&self) -> Option<semver::Version> {
        semver::Version::parse(&self.0).ok().or_else(|| {
            // `1.2` as a provider's version: semver's grammar wants three parts.
            let v = Semver::parse(&self.0)?;
            let pre = semver::Prerelease::new(&v.pre.join(".")).ok()?;
            Some(semver::Version { pre, ..semver::Version::new(v.major, v.minor, v.patch) })
        })
    }

    fn npm(&self) -> Option<nodejs_semver::Version> {
        nodejs_semver::Version::parse(&self.0).ok()
    }

    fn pep440(&self) -> Option<pep440_rs::Version> {
        pep440_rs::Version::from_str(&self.0).ok()
    }
}

impl From<Semver> for Version {
    fn from(v: Semver) -> Version {
        Version(v.to_string())
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a consumer's pin admits, read with its ecosystem's own grammar.
#[derive(Debug, Clone)]
pub struct Requirement {
    /// The version the pin is built around (see [`Requirement::base`]).
    base: Version,
    rule: Rule,
}

#[derive(Debug, Clone)]
enum Rule {
    /// Go module versions (semver with a `v`) and compose image tags: only this version.
    Exact(Semver),
    /// Cargo (and Poetry's `^`/`~`, which mean the same): semver requirements.
    Cargo(semver::VersionReq),
    /// npm: node-semver ranges (`>=1.2.0 <2.0.0`, `1.2.3 - 2.3.4`, `^1 || ^2`).
    Npm(nodejs_semver::Range),
    /// Python: PEP 440 specifiers (`==`, `~=`, `>=`, `<`, `!=`, …, comma-separated).
    Python(pep440_rs::VersionSpecifiers),
}

/// How a pin reads.
#[derive(Debug, Clone)]
pub enum PinVersion {
    /// A version or range that admits versions.
    Requirement(Requirement),
    /// The pin names no version: a directory (`local:…`, `file:`), `workspace:*`, a git or URL
    /// source, `*`, or a tag (`latest`, a compose tag that is not a version).
    NoVersion,
    /// The pin should name a version but its ecosystem's grammar does not read it; the reason.
    Unparseable(String),
}

impl Requirement {
    /// Reads a pin as written in a manifest of `kind`; `None` for pins that name no version or
    /// cannot be read (see [`Requirement::read`] to tell them apart).
    pub fn parse(pin: &str, kind: ManifestKind) -> Option<Requirement> {
        match Requirement::read(pin, kind) {
            PinVersion::Requirement(r) => Some(r),
            PinVersion::NoVersion | PinVersion::Unparseable(_) => None,
        }
    }

    /// Reads a pin as written in a manifest of `kind`: Go versions are exact semver (with a
    /// `v`); Cargo requirements (a bare version is a caret requirement) with the `semver` crate;
    /// npm ranges with `nodejs-semver`; Python specifiers with `pep440_rs` (a bare version is
    /// `==`; Poetry's `^` and `~` are read as Cargo reads them); compose tags are exact
    /// versions when they are versions at all.
    pub fn read(pin: &str, kind: ManifestKind) -> PinVersion {
        let pin = pin.trim();
        if pin.is_empty() || pin == "*" || pin.starts_with("local:") || is_source(pin) {
            return PinVersion::NoVersion;
        }
        let unparseable = |e: &dyn fmt::Display| PinVersion::Unparseable(e.to_string());
        let (rule, base) = match kind {
            ManifestKind::GoMod => {
                let Some(v) = pin.strip_prefix('v').filter(|v| semver::Version::parse(v).is_ok()) else {
                    return PinVersion::Unparseable("a Go module version is `v` and a semantic version".into());
                };
                let Some(exact) = Semver::parse(v) else { return PinVersion::NoVersion };
                (Rule::Exact(exact.clone()), Some(Version::from(exact)))
            }
            ManifestKind::Compose => match Semver::parse(pin) {
                Some(v) => (Rule::Exact(v.clone()), Some(Version::from(v))),
                // Image tags are names (`latest`, `1.2-alpine`): only versions are compared.
                None => return PinVersion::NoVersion,
            },
            ManifestKind::Cargo => match semver::VersionReq::parse(pin) {
                Ok(req) => {
                    let base = req.comparators.first().map(cargo_base);
                    (Rule::Cargo(req), base)
                }
                Err(e) => return unparseable(&e),
            },
            ManifestKind::PackageJson => {
                if is_dist_tag(pin) {
                    return PinVersion::NoVersion;
                }
                match nodejs_semver::Range::parse(pin) {
                    Ok(range) => {
                        let base = range.min_version().map(|v| Version(v.to_string()));
                        (Rule::Npm(range), base)
                    }
                    Err(e) => return unparseable(&e),
                }
            }
            ManifestKind::Pyproject | ManifestKind::Requirements => {
                let poetry = (pin.starts_with('^') || pin.starts_with('~')) && !pin.starts_with("~=");
                if poetry && kind == ManifestKind::Pyproject {
                    match semver::VersionReq::parse(pin) {
                        Ok(req) => {
                            let base = req.comparators.first().map(cargo_base);
                            (Rule::Cargo(req), base)
                        }
                        Err(e) => return unparseable(&e),
                    }
                } else {
                    let bare = pin.starts_with(|c: char| c.is_ascii_alphanumeric());
                    let text = if bare { format!("=={pin}") } else { pin.to_string() };
                    match pep440_rs::VersionSpecifiers::from_str(&text) {
                        Ok(specs) => {
                            let base = specs.iter().next().map(|s| Version(s.version().to_string()));
                            (Rule::Python(specs), base)
                        }
                        Err(e) => return unparseable(&e),
                    }
                }
            }
        };
        match base {
            Some(base) => PinVersion::Requirement(Requirement { base, rule }),
            // `>=0.0.0`-like ranges with no lowest version, or an empty requirement.
            None => PinVersion::NoVersion,
        }
    }

    /// The version the pin is built around: an exact pin's version, a requirement's first
    /// comparator (`^1.2` → 1.2.0), an npm range's lowest admitted version (`^1 || ^2` → 1.0.0),
    /// the first Python specifier's version. Pins with the same base are considered the same
    /// version when comparing consumers.
    pub fn base(&self) -> &Version {
        &self.base
    }

    /// Whether the pin admits `v`; `None` when `v` cannot be read in the pin's ecosystem.
    pub fn admits(&self, v: &Version) -> Option<bool> {
        Some(match &self.rule {
            Rule::Exact(want) => v.semver()?.cmp(want) == Ordering::Equal,
            Rule::Cargo(req) => req.matches(&v.cargo()?),
            Rule::Npm(range) => range.satisfies(&v.npm()?),
            Rule::Python(specs) => specs.contains(&v.pep440()?),
        })
    }

    /// Whether `current` is newer than the pin's base, in the pin's ecosystem.
    fn is_newer_than_base(&self, current: &Version) -> Option<bool> {
        Some(match &self.rule {
            Rule::Exact(_) => current.semver()? > self.base.semver()?,
            Rule::Cargo(_) => current.cargo()? > self.base.cargo()?,
            Rule::Npm(_) => current.npm()? > self.base.npm()?,
            Rule::Python(_) => current.pep440()? > self.base.pep440()?,
        })
    }

    /// A pin is *behind* `current` when the pin does not admit it and it is newer than the
    /// pin's base: for a range, the range does not admit the provider's current version (so
    /// `^1.2.0` is not behind `1.5.0` but is behind `2.0.0`; `>=1.2.0 <2.0.0` is behind
    /// `2.0.0`); a pin entirely above the provider's version is ahead, not behind. False when
    /// `current` cannot be read in the pin's ecosystem.
    pub fn is_behind(&self, current: &Version) -> bool {
        self.admits(current) == Some(false) && self.is_newer_than_base(current) == Some(true)
    }
}

/// The version a Cargo comparator is built around: missing parts are 0.
fn cargo_base(c: &semver::Comparator) -> Version {
    let mut v = format!("{}.{}.{}", c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
    if !c.pre.is_empty() {
        v = format!("{v}-{}", c.pre);
    }
    Version(v)
}

/// A git, URL or registry-alias source rather than a version (`git+https://…`, `github:o/r`,
/// `workspace:*`, `name @ https://…`, a digest `sha256:…`).
fn is_source(pin: &str) -> bool {
    pin.contains(':') || pin.contains('@') || pin.contains('/')
}

/// An npm dist-tag (`latest`, `next`, `beta`): a word that is not a version or range.
fn is_dist_tag(pin: &str) -> bool {
    pin.starts_with(|c: char| c.is_ascii_alphabetic() && c != 'v' && c != 'x' && c != 'X')
        && pin.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The pins that do not admit their provider's current version ([`Requirement::is_behind`]),
/// in the order of `pins`, each with that version. Pins naming no version (`local:…`,
/// `workspace:*`), pins that cannot be read (see [`pins_unparseable`]) and providers missing
/// from `current` are skipped. Pure: the caller reads the current versions (see
/// [`current_version`]). Used by `tandem health` (VERSION_BEHIND) and by the dependency
/// detector (INTERNAL_DEPENDENCY_BEHIND).
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

/// The pins whose version cannot be read by their ecosystem's grammar, each with the reason,
/// in the order of `pins`. Used by `tandem health` (VERSION_UNPARSEABLE) and by the dependency
/// detector (INTERNAL_DEPENDENCY_UNPARSEABLE), so that such a pin is reported rather than
/// silently never found behind.
pub fn pins_unparseable(pins: &[Pin]) -> Vec<(&Pin, String)> {
    pins.iter()
        .filter_map(|pin| match Requirement::read(&pin.version, pin.kind) {
            PinVersion::Unparseable(why) => Some((pin, why)),
            PinVersion::Requirement(_) | PinVersion::NoVersion => None,
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
    pub version: Version,
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
    for name in names.iter().flatten().flatten() {
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
    best.map(|((_, _, version), tag)| CurrentVersion { version: version.into(), source: VersionSource::Tag(tag) })
}

/// The version the checkout's root manifest declares.
pub fn manifest_version(dir: &Path) -> Option<CurrentVersion> {
    let found = |file: &str, version: Option<String>| {
        let version = Version::parse(&version?)?;
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

    fn ver(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("'{s}' should be a version"))
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
        assert!(go.is_behind(&ver("0.3.1")));
        assert!(go.is_behind(&ver("0.2.1")));
        assert!(!go.is_behind(&ver("0.2.0")));
        assert!(!go.is_behind(&ver("0.1.0")), "a pin ahead of the provider is not behind");
        assert!(req("==0.2.0", ManifestKind::Requirements).is_behind(&ver("0.2.1")));
        assert!(req("1.2.0", ManifestKind::PackageJson).is_behind(&ver("1.2.1")), "bare npm versions are exact");
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
            // Issue 10: npm ranges and PEP 440 versions were skipped.
            (">=1.2.0 <2.0.0", ManifestKind::PackageJson, "1.9.9", false),
            (">=1.2.0 <2.0.0", ManifestKind::PackageJson, "2.0.0", true),
            ("1.2.3 - 2.3.4", ManifestKind::PackageJson, "2.3.4", false),
            ("1.2.3 - 2.3.4", ManifestKind::PackageJson, "2.4.0", true),
            ("^1 || ^2", ManifestKind::PackageJson, "2.5.0", false),
            ("^1 || ^2", ManifestKind::PackageJson, "3.0.0", true),
            ("==1.0.0.post1", ManifestKind::Requirements, "1.0.0.post1", false),
            ("==1.0.0.post1", ManifestKind::Requirements, "1.0.1", true),
            ("1.0.0.post1", ManifestKind::Pyproject, "1.0.0.post2", true),
            ("~=2.0rc1", ManifestKind::Requirements, "2.1", false),
            ("~=2.0rc1", ManifestKind::Requirements, "3.0", true),
            ("==2.0rc1", ManifestKind::Requirements, "2.0", true),
            ("^1.2", ManifestKind::Pyproject, "1.9.0", false),
            ("^1.2", ManifestKind::Pyproject, "2.0.0", true),
        ];
        for (pin, kind, current, behind) in cases {
            assert_eq!(req(pin, kind).is_behind(&ver(current)), behind, "{pin} vs {current}");
        }
    }

    #[test]
    fn pins_without_a_version_are_not_requirements() {
        for pin in
            ["local:../proto", "workspace:*", "latest", "next", "*", "sha256:abc", "git+https://x/y", "github:o/r"]
        {
            assert!(matches!(Requirement::read(pin, ManifestKind::PackageJson), PinVersion::NoVersion), "{pin}");
        }
        for tag in ["latest", "stable-alpine", "main"] {
            assert!(matches!(Requirement::read(tag, ManifestKind::Compose), PinVersion::NoVersion), "{tag}");
        }
        assert_eq!(req("^1.2.0", ManifestKind::PackageJson).base(), &ver("1.2.0"));
        assert_eq!(req("^1 || ^2", ManifestKind::PackageJson).base(), &ver("1.0.0"));
        assert_eq!(req("0.2", ManifestKind::Cargo).base(), &ver("0.2.0"));
    }

    #[test]
    fn pins_their_ecosystem_cannot_read_are_unparseable() {
        let cases = [
            ("^1.2.3.4", ManifestKind::PackageJson),
            ("1.2.3.4", ManifestKind::PackageJson),
            ("~>1.2", ManifestKind::Cargo),
            ("1.2.3.4", ManifestKind::Cargo),
            ("==1..0", ManifestKind::Requirements),
            (">=1.0,,<2", ManifestKind::Requirements),
            ("v1.2", ManifestKind::GoMod),
        ];
        for (pin, kind) in cases {
            assert!(matches!(Requirement::read(pin, kind), PinVersion::Unparseable(_)), "{pin} ({kind:?})");
        }
    }

    #[test]
    fn unparseable_pins_are_listed_and_never_behind() {
        let pin = |version: &str, kind| Pin {
            consumer: RepoName::parse("web").unwrap(),
            provider: RepoName::parse("proto").unwrap(),
            version: version.to_string(),
            file: "package.json".into(),
            line: Some(3),
            kind,
        };
        let pins = [pin("^1.2.3.4", ManifestKind::PackageJson), pin("^0.1.0", ManifestKind::PackageJson)];
        let current = BTreeMap::from([(
            RepoName::parse("proto").unwrap(),
            CurrentVersion { version: ver("0.3.1"), source: VersionSource::Tag("v0.3.1".into()) },
        )]);
        let behind: Vec<&str> = pins_behind(&pins, &current).iter().map(|(p, _)| p.version.as_str()).collect();
        assert_eq!(behind, ["^0.1.0"]);
        let bad = pins_unparseable(&pins);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0.version, "^1.2.3.4");
        assert!(!bad[0].1.is_empty());
    }

    #[test]
    fn pep_440_versions_are_provider_versions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), "[project]\nname = \"x\"\nversion = \"1.0.0.post1\"\n")
            .unwrap();
        let found = current_version(dir.path()).unwrap();
        assert_eq!(found.version, ver("1.0.0.post1"));
        assert!(req("==1.0.0", ManifestKind::Requirements).is_behind(&found.version));
        assert!(!req(">=1.0.0", ManifestKind::Requirements).is_behind(&found.version));
    }

    #[test]
    fn the_manifest_version_is_read_when_there_is_no_tag() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(current_version(dir.path()), None);
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\nversion = \"0.4.2\"\n").unwrap();
        let found = current_version(dir.path()).unwrap();
        assert_eq!((found.version, found.source), (ver("0.4.2"), VersionSource::Manifest("Cargo.toml".into())));
        std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\", \"version\": \"1.0.0\"}").unwrap();
        assert_eq!(current_version(dir.path()).unwrap().version, ver("1.0.0"), "package.json comes first");
        std::fs::write(dir.path().join("package.json"), "{ not json").unwrap();
        assert_eq!(current_version(dir.path()).unwrap().version, ver("0.4.2"), "an unreadable file gives no version");
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
        assert_eq!((found.version, found.source), (ver("0.10.0"), VersionSource::Tag("v0.10.0".into())));
    }
}
