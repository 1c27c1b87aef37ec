//! DEPENDENCY_REMOVED
//!
//! ## What it does
//! Reports a dependency no longer listed in the manifest (a Go module counts as present while
//! any major version of it is required). Info only.
//!
//! ## Why it breaks consumers
//! It does not by itself; it is worth knowing because consumers that relied on it arriving
//! transitively (types re-exported, a peer dependency, a Go module required through this one)
//! must now depend on it themselves.
//!
//! ## Example
//! `"lodash": "^4.17.21"` was removed: "Dependency "lodash" ^4.17.21 (line 7) was removed."

use super::super::manifest::Manifest;
use crate::detect::finding;
use std::collections::HashSet;
use tandem_model::Finding;

super::rule!(
    "DEPENDENCY_REMOVED",
    Info,
    "Reports a dependency removed from the manifest.",
    "Not breaking by itself: consumers that received it transitively must now depend on it themselves.",
    super::Check::Manifest(check)
);

fn check(path: &str, prev: &Manifest, cur: &Manifest) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for d in &prev.deps {
        let repeated = !seen.insert(d.name.as_str());
        if repeated || cur.family(&d.family).next().is_some() {
            continue;
        }
        let spec = d.spec.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
        let message = format!("Dependency \"{}\"{spec} (line {}) was removed.", d.name, d.line);
        out.push(finding(&RULE.info, path, 1, 1, message));
    }
    out
}
