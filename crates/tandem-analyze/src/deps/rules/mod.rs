//! The dependency rules, one per file, and the table of all of them. IDs are API: deprecate
//! with a replacement, never delete.

mod dependency_major_bump;
pub(super) mod dependency_parse;
mod dependency_removed;

use super::manifest::Manifest;
use crate::detect::RuleInfo;
use tandem_model::Finding;

/// What a rule compares.
pub(crate) enum Check {
    /// The two revisions of one manifest at `path`.
    Manifest(fn(&str, &Manifest, &Manifest) -> Vec<Finding>),
    /// Reported by the detector itself when a side cannot be read.
    Parse,
    /// Needs the workspace (pins of every repo, providers' versions): run by the engine
    /// through [`super::behind::findings`], not by `compare`.
    Workspace,
}

pub(crate) struct Rule {
    pub info: RuleInfo,
    pub check: Check,
}

/// Declares a rule file's `RULE`.
macro_rules! rule {
    ($id:literal, $severity:ident, $summary:literal, $why:literal, $check:expr) => {
        pub(crate) const RULE: crate::deps::rules::Rule = crate::deps::rules::Rule {
            info: crate::detect::RuleInfo {
                id: $id,
                kind: "dependency",
                severity: tandem_model::Severity::$severity,
                summary: $summary,
                why: $why,
            },
            check: $check,
        };
    };
}
pub(crate) use rule;

/// Every rule, in ID order.
pub(crate) static ALL: &[Rule] = &[
    dependency_major_bump::RULE,
    dependency_parse::RULE,
    dependency_removed::RULE,
    super::behind::RULE,
    super::unparseable::RULE,
];
