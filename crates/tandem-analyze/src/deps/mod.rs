//! Dependency manifests: go.mod, Cargo.toml and package.json anywhere in the repository.
//!
//! `compare` reads both revisions of a manifest with discovery's readers
//! ([`manifest`]) and runs the rules of `rules/` (one file each, one table):
//! `DEPENDENCY_MAJOR_BUMP`, `DEPENDENCY_REMOVED`, and `DEPENDENCY_PARSE` for a revision that
//! cannot be read. `INTERNAL_DEPENDENCY_BEHIND` and `INTERNAL_DEPENDENCY_UNPARSEABLE` need the
//! workspace and are run by the engine through [`behind::findings`] and
//! [`unparseable::findings`].

pub mod behind;
mod manifest;
mod rules;
pub mod unparseable;

use crate::detect::{finding, DetectOptions, Detector, FilePair, RuleInfo};
use crate::discover::scan::MAX_FILE_BYTES;
use crate::discover::ManifestKind;
use manifest::Manifest;
use rules::Check;
use std::sync::LazyLock;
use tandem_model::{ContractKind, Finding};

/// This detector.
pub fn detector() -> Option<&'static dyn crate::detect::Detector> {
    Some(&DepsDetector)
}

struct DepsDetector;

fn kind_of(path: &str) -> Option<ManifestKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match name {
        "go.mod" => Some(ManifestKind::GoMod),
        "Cargo.toml" => Some(ManifestKind::Cargo),
        "package.json" => Some(ManifestKind::PackageJson),
        _ => None,
    }
}

static INFOS: LazyLock<Vec<RuleInfo>> = LazyLock::new(|| rules::ALL.iter().map(|r| r.info).collect());

impl Detector for DepsDetector {
    fn kind(&self) -> &'static str {
        "dependency"
    }

    fn claims(&self, path: &str, _declared: Option<ContractKind>, _cur: Option<&[u8]>) -> bool {
        kind_of(path).is_some()
    }

    fn compare(&self, pair: &FilePair, _opts: &DetectOptions) -> Vec<Finding> {
        let Some(kind) = kind_of(pair.path) else { return Vec::new() };
        let mut findings = Vec::new();
        let mut read = |side: &str, bytes: Option<&[u8]>| -> Option<Manifest> {
            let bytes = bytes?;
            let parsed = match std::str::from_utf8(bytes) {
                _ if bytes.len() as u64 > MAX_FILE_BYTES => Err(vec![(
                    1,
                    format!(
                        "it is {} bytes, more than the {MAX_FILE_BYTES} bytes (8 MiB) a manifest may have",
                        bytes.len()
                    ),
                )]),
                Ok(text) => Manifest::read(kind, text),
                Err(e) => {
                    let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
                    Err(vec![(line, "it is not UTF-8 text (binary content?)".to_string())])
                }
            };
            match parsed {
                Ok(m) => Some(m),
                Err(errors) => {
                    for (line, message) in errors.into_iter().take(20) {
                        let text = format!("The {side} revision of the manifest could not be read: {message}.");
                        let line = u32::try_from(line).unwrap_or(u32::MAX);
                        findings.push(finding(&rules::dependency_parse::RULE.info, pair.path, line, 1, text));
                    }
                    None
                }
            }
        };
        let (prev, cur) = (read("previous", pair.prev), read("current", pair.cur));
        let parse_failed = !findings.is_empty();
        let (prev, cur) = match (prev, cur) {
            // A new manifest brings no bump and removes nothing.
            (None, _) => return findings,
            _ if parse_failed => return findings,
            (Some(p), Some(c)) => (p, c),
            (Some(p), None) => (p, Manifest::default()),
        };
        for rule in rules::ALL {
            if let Check::Manifest(check) = rule.check {
                findings.extend(check(pair.path, &prev, &cur));
            }
        }
        findings
    }

    fn rules(&self) -> &'static [RuleInfo] {
        &INFOS
    }
}
