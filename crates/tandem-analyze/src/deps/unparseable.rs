//! INTERNAL_DEPENDENCY_UNPARSEABLE
//!
//! ## What it does
//! Reports every pin of a workspace repo on another workspace repo whose version its
//! ecosystem's grammar cannot read (npm ranges with `nodejs-semver`, PEP 440 specifiers with
//! `pep440_rs`, Cargo requirements and Go versions with `semver`): such a pin can never be
//! found behind, so it is reported rather than silently skipped. The logic is
//! [`crate::versions::pins_unparseable`], shared with `tandem health`'s VERSION_UNPARSEABLE.
//!
//! Like INTERNAL_DEPENDENCY_BEHIND it needs the workspace's pins: the engine calls
//! [`findings`] with discovery's pins.
//!
//! ## Why it breaks consumers
//! The package manager rejects the same pin, or reads it differently than intended, and no
//! check can tell whether the consumer follows its provider.
//!
//! ## Example
//! web's package.json pins `"proto": "^1.2.3.4"`: "Internal dependency "proto" is pinned by web
//! as "^1.2.3.4", which is not a version or range npm can read (Invalid semantic version or
//! range)."

use crate::detect::finding;
use crate::discover::{ManifestKind, Pin};
use crate::versions;
use tandem_model::Finding;

super::rules::rule!(
    "INTERNAL_DEPENDENCY_UNPARSEABLE",
    Warning,
    "Reports pins of workspace repos whose version their ecosystem's grammar cannot read.",
    "The package manager rejects or misreads the pin, and whether the consumer is behind its provider cannot be checked.",
    super::rules::Check::Workspace
);

/// One finding per pin whose version cannot be read, in the order of `pins`. Each finding's
/// path and line are the pin's manifest, relative to the consumer's checkout.
pub fn findings(pins: &[Pin]) -> Vec<Finding> {
    versions::pins_unparseable(pins)
        .into_iter()
        .map(|(pin, why)| {
            let path = pin.file.to_string_lossy().replace('\\', "/");
            let line = pin.line.map_or(1, |l| u32::try_from(l).unwrap_or(u32::MAX));
            let message = format!(
                "Internal dependency \"{}\" is pinned by {} as \"{}\", which is not a version or range {} can read ({}).",
                pin.provider,
                pin.consumer,
                pin.version,
                ecosystem(pin.kind),
                why.trim_end_matches('.')
            );
            finding(&RULE.info, &path, line, 1, message)
        })
        .collect()
}

fn ecosystem(kind: ManifestKind) -> &'static str {
    match kind {
        ManifestKind::GoMod => "Go",
        ManifestKind::Cargo => "Cargo",
        ManifestKind::PackageJson => "npm",
        ManifestKind::Pyproject | ManifestKind::Requirements => "pip (PEP 440)",
        ManifestKind::Compose => "Docker",
    }
}
