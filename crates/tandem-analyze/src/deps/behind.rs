//! INTERNAL_DEPENDENCY_BEHIND
//!
//! ## What it does
//! Checks every pin of a workspace repo (as discovery finds them: go.mod, Cargo.toml,
//! package.json, Python manifests, compose image tags) against the version its provider now
//! declares (highest semver tag, else its root manifest's version): a pin that does not admit
//! it and is older is behind (`^1.2.0` is not behind `1.5.0`, but is behind `2.0.0`). The
//! logic is [`crate::versions::pins_behind`], shared with `tandem health`'s VERSION_BEHIND.
//!
//! It needs the whole workspace, which one file pair does not give: the engine calls
//! [`findings`] with discovery's pins and the providers' current versions.
//!
//! ## Why it breaks consumers
//! The consumer builds against an older contract than the provider now serves: fixes and new
//! fields do not reach it, and the gap grows until the upgrade is a breaking one.
//!
//! ## Example
//! hub's go.mod pins `example.com/proto v0.2.0` while proto is tagged `v0.3.1`: "Internal
//! dependency "proto" was pinned at v0.2.0 by hub, behind the 0.3.1 that proto now declares
//! (git tag v0.3.1)."

use crate::detect::finding;
use crate::discover::Pin;
use crate::versions::{self, CurrentVersion};
use std::collections::BTreeMap;
use tandem_model::{Finding, RepoName};

super::rules::rule!(
    "INTERNAL_DEPENDENCY_BEHIND",
    Warning,
    "Checks that pins of workspace repos admit the version the provider now declares.",
    "The consumer builds against an older contract than the provider serves, and the gap grows into a breaking upgrade.",
    super::rules::Check::Workspace
);

/// One finding per pin that is behind its provider's current version, in the order of `pins`.
/// Each finding's path and line are the pin's manifest, relative to the consumer's checkout.
/// Pure: `current` holds the providers' versions (from [`versions::current_version`]).
pub fn findings(pins: &[Pin], current: &BTreeMap<RepoName, CurrentVersion>) -> Vec<Finding> {
    versions::pins_behind(pins, current)
        .into_iter()
        .map(|(pin, now)| {
            let path = pin.file.to_string_lossy().replace('\\', "/");
            let line = pin.line.map_or(1, |l| u32::try_from(l).unwrap_or(u32::MAX));
            let message = format!(
                "Internal dependency \"{}\" was pinned at {} by {}, behind the {} that {} now declares ({}).",
                pin.provider, pin.version, pin.consumer, now.version, pin.provider, now.source
            );
            finding(&RULE.info, &path, line, 1, message)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::ManifestKind;
    use crate::versions::{Version, VersionSource};

    fn pin(consumer: &str, provider: &str, version: &str, kind: ManifestKind) -> Pin {
        Pin {
            consumer: RepoName::parse(consumer).unwrap(),
            provider: RepoName::parse(provider).unwrap(),
            version: version.to_string(),
            file: "go.mod".into(),
            line: Some(5),
            kind,
        }
    }

    #[test]
    fn pins_that_do_not_admit_the_providers_version_are_behind() {
        let current = BTreeMap::from([(
            RepoName::parse("proto").unwrap(),
            CurrentVersion { version: Version::parse("0.3.1").unwrap(), source: VersionSource::Tag("v0.3.1".into()) },
        )]);
        let pins = [
            pin("hub", "proto", "v0.2.0", ManifestKind::GoMod),
            pin("hub", "proto", "v0.3.1", ManifestKind::GoMod),
            pin("web", "proto", "^0.3.0", ManifestKind::PackageJson),
            pin("app", "proto", "local:../proto", ManifestKind::GoMod),
            pin("hub", "unknown", "v0.1.0", ManifestKind::GoMod),
        ];
        let found = findings(&pins, &current);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].rule.as_str(), found[0].path.as_str(), found[0].line),
            ("INTERNAL_DEPENDENCY_BEHIND", "go.mod", 5)
        );
        assert_eq!(
            found[0].message,
            "Internal dependency \"proto\" was pinned at v0.2.0 by hub, behind the 0.3.1 that proto now declares (git tag v0.3.1)."
        );
    }
}
