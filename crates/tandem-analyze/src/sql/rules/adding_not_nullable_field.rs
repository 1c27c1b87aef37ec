//! adding-not-nullable-field
//!
//! ## What it does
//! Checks that a migration does not make an existing column `NOT NULL` (`SET NOT NULL`).
//!
//! ## Why it breaks consumers
//! Consumers that insert rows without the column, or write NULL to it, start failing; PostgreSQL also scans the table under an exclusive lock.
//!
//! ## Example
//! `ALTER TABLE users ALTER COLUMN email SET NOT NULL;`

use super::{column_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterColumnOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "adding-not-nullable-field",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not make an existing column `NOT NULL` (`SET NOT NULL`).",
        why: "Consumers that insert rows without the column, or write NULL to it, start failing; PostgreSQL also scans the table under an exclusive lock.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    column_messages(stmt, |op| matches!(op, AlterColumnOperation::SetNotNull), "was made NOT NULL")
}
