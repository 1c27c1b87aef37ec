//! The config rules, one per file, and the table of all of them. IDs are API: deprecate with a
//! replacement, never delete.

mod compose_env_no_delete;
mod compose_env_no_rename;
mod config_key_added;
mod config_key_no_delete;
mod config_key_same_type;
pub(super) mod config_parse;
mod env_key_no_delete;
mod env_key_no_rename;
mod schema_enum_no_narrow;
mod schema_property_no_delete;
mod schema_property_no_newly_required;
mod schema_property_same_type;

use super::compose::Compose;
use super::env::EnvFile;
use super::schema::Schema;
use super::tree::Tree;
use crate::detect::RuleInfo;
use tandem_model::Finding;

/// What a rule compares: one pair of files read in the same form.
pub(crate) enum Check {
    Schema(fn(&mut Out, &Schema, &Schema)),
    Env(fn(&mut Out, &EnvFile, &EnvFile)),
    Compose(fn(&mut Out, &Compose, &Compose)),
    Document(fn(&mut Out, &Tree, &Tree)),
    /// Reported by the detector itself when a side cannot be read.
    Parse,
}

pub(crate) struct Rule {
    pub info: RuleInfo,
    pub check: Check,
}

/// Where a rule reports.
pub(crate) struct Out<'a> {
    rule: &'a RuleInfo,
    path: &'a str,
    findings: &'a mut Vec<Finding>,
}

impl<'a> Out<'a> {
    pub(crate) fn new(rule: &'a RuleInfo, path: &'a str, findings: &'a mut Vec<Finding>) -> Out<'a> {
        Out { rule, path, findings }
    }

    /// A finding at a 1-based line of the current file.
    pub(crate) fn at(&mut self, line: usize, message: String) {
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.findings.push(crate::detect::finding(self.rule, self.path, line, 1, message));
    }
}

/// Declares a rule file's `RULE`.
macro_rules! rule {
    ($id:literal, $severity:ident, $summary:literal, $why:literal, $check:expr) => {
        pub const RULE: super::Rule = super::Rule {
            info: crate::detect::RuleInfo {
                id: $id,
                kind: "config",
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
    compose_env_no_delete::RULE,
    compose_env_no_rename::RULE,
    config_key_added::RULE,
    config_key_no_delete::RULE,
    config_key_same_type::RULE,
    config_parse::RULE,
    env_key_no_delete::RULE,
    env_key_no_rename::RULE,
    schema_enum_no_narrow::RULE,
    schema_property_no_delete::RULE,
    schema_property_no_newly_required::RULE,
    schema_property_same_type::RULE,
];
