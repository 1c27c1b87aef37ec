//! ban-drop-column
//!
//! ## What it does
//! Checks that a migration does not drop a column.
//!
//! ## Why it breaks consumers
//! Consumers' queries that select, insert or filter on the column fail, and its data is lost.
//!
//! ## Example
//! `ALTER TABLE users DROP COLUMN email;`

use super::{alter_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterTableOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-column",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a column.",
        why: "Consumers' queries that select, insert or filter on the column fail, and its data is lost.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::DropColumn { column_names, .. } => {
            column_names.iter().map(|c| format!("Column \"{}\" was dropped from table \"{table}\"", c.value)).collect()
        }
        _ => Vec::new(),
    })
}
