//! DEPENDENCY_MAJOR_BUMP
//!
//! ## What it does
//! Checks whether a dependency moved to a new major version: its compatibility line (leftmost
//! non-zero part of the version, so `0.3` → `0.4` counts, see `deps/manifest.rs`) increased.
//! Semver-aware: `^1.2` → `^2.0`, `1.x` → `2.x`, Cargo `"0.3"` → `"0.4"`, and Go's `/vN`
//! suffix (`example.com/mod` → `example.com/mod/v2`). Reported at the dependency's line.
//!
//! ## Why it breaks consumers
//! A new major version may remove or change APIs the code uses; where the dependency's types
//! appear in this project's public API, its consumers inherit the break. A warning: the
//! detector cannot tell whether the APIs used changed, nor whether the dependency is a
//! workspace repo.
//!
//! ## Example
//! `"react": "^17.0.2"` became `"react": "^18.2.0"`: "Dependency "react" was bumped from
//! ^17.0.2 to ^18.2.0, a new major version (17 → 18)."

use super::super::manifest::Manifest;
use crate::detect::finding;
use tandem_model::Finding;

super::rule!(
    "DEPENDENCY_MAJOR_BUMP",
    Warning,
    "Checks whether a dependency moved to a new major version (0.x minor bumps and Go /vN paths included).",
    "A new major version may remove or change APIs the code, or its consumers through it, rely on.",
    super::Check::Manifest(check)
);

fn check(path: &str, prev: &Manifest, cur: &Manifest) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in cur.deps.iter().filter(|d| cur.first_of_family(d)) {
        let (Some(before), Some(now)) = (prev.newest(&d.family), cur.newest(&d.family)) else { continue };
        let (Some(a), Some(b)) = (before.compat, now.compat) else { continue };
        if b > a {
            let message = format!(
                "Dependency \"{}\" was bumped from {} to {}, a new major version ({a} → {b}).",
                d.family,
                before.describe(now),
                now.describe(before)
            );
            out.push(finding(&RULE.info, path, now.line as u32, 1, message));
        }
    }
    out
}
