//! ban-drop-not-null
//!
//! ## What it does
//! Checks that a migration does not drop a column's `NOT NULL`.
//!
//! ## Why it breaks consumers
//! Consumers that read the column assume it always has a value; they now may get NULL.
//!
//! ## Example
//! `ALTER TABLE users ALTER COLUMN email DROP NOT NULL;`

use super::{column_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterColumnOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-not-null",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that a migration does not drop a column's `NOT NULL`.",
        why: "Consumers that read the column assume it always has a value; they now may get NULL.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    column_messages(stmt, |op| matches!(op, AlterColumnOperation::DropNotNull), "was made nullable")
}
