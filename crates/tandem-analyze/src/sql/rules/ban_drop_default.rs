//! ban-drop-default
//!
//! ## What it does
//! Checks that a migration does not drop a column's default.
//!
//! ## Why it breaks consumers
//! Consumers that insert rows without the column relied on the default: they now store NULL, or fail on a NOT NULL column.
//!
//! ## Example
//! `ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT;`

use super::{column_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterColumnOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-default",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a column's default.",
        why: "Consumers that insert rows without the column relied on the default: they now store NULL, or fail on a NOT NULL column.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    column_messages(stmt, |op| matches!(op, AlterColumnOperation::DropDefault), "had its default dropped")
}
