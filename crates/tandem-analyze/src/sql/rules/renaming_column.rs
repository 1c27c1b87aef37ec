//! renaming-column
//!
//! ## What it does
//! Checks that a migration does not rename a column.
//!
//! ## Why it breaks consumers
//! Consumers still use the old column name, and their queries fail as soon as the migration runs.
//!
//! ## Example
//! `ALTER TABLE users RENAME COLUMN email TO mail;`

use super::{alter_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterTableOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "renaming-column",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not rename a column.",
        why: "Consumers still use the old column name, and their queries fail as soon as the migration runs.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::RenameColumn { old_column_name: old, new_column_name: new }
        | AlterTableOperation::ChangeColumn { old_name: old, new_name: new, .. }
            if old.value != new.value =>
        {
            Some(format!("Column \"{}\" of table \"{table}\" was renamed to \"{}\"", old.value, new.value))
        }
        _ => None,
    })
}
