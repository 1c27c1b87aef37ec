//! renaming-table
//!
//! ## What it does
//! Checks that a migration does not rename a table.
//!
//! ## Why it breaks consumers
//! Consumers still use the old name, and their queries fail as soon as the migration runs.
//!
//! ## Example
//! `ALTER TABLE users RENAME TO accounts;`

use super::{alter_messages, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, RenameTableNameKind, Statement};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "renaming-table",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not rename a table.",
        why: "Consumers still use the old name, and their queries fail as soon as the migration runs.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    if let Statement::RenameTable(renames) = &stmt.ast {
        return renames
            .iter()
            .map(|r| {
                let (old, new) = (name(&r.old_name), name(&r.new_name));
                format!("Table \"{old}\" was renamed to \"{new}\" (statement at line {}).", stmt.line)
            })
            .collect();
    }
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::RenameTable { table_name: RenameTableNameKind::As(n) | RenameTableNameKind::To(n) } => {
            Some(format!("Table \"{table}\" was renamed to \"{}\"", name(n)))
        }
        _ => None,
    })
}
