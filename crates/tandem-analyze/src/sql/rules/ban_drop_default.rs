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

use super::alter_table;
use super::{Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation};
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
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    let line = stmt.line;
    let mut out = Vec::new();
    for op in ops {
        if let AlterTableOperation::AlterColumn { column_name, op: AlterColumnOperation::DropDefault } = op {
            out.push(format!(
                "The default of column \"{}\" of table \"{table}\" was dropped (statement at line {line}).",
                column_name.value
            ));
        }
    }
    out
}
