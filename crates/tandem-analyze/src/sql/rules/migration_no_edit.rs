//! MIGRATION_NO_EDIT
//!
//! ## What it does
//! Checks that a migration file that already existed before the range is not edited.
//!
//! ## Why it breaks consumers
//! Databases that already applied the migration never run the new content, so they drift from those that run it fresh; consumers see different schemas per environment.
//!
//! ## Example
//! `migrations/001_init.sql` existed and was changed; add `migrations/002_…sql` instead.

use super::{Check, Rule};
use crate::detect::RuleInfo;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "MIGRATION_NO_EDIT",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that a migration file that already existed before the range is not edited.",
        why: "Databases that already applied the migration never run the new content, so they drift from those that run it fresh; consumers see different schemas per environment.",
    },
    check: Check::File,
};
