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

use super::alter_table;
use super::{Check, Cx, Rule};
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
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    let line = stmt.line;
    let mut out = Vec::new();
    for op in ops {
        if let AlterTableOperation::DropColumn { column_names, .. } = op {
            for c in column_names {
                out.push(format!(
                    "Column \"{}\" was dropped from table \"{table}\" (statement at line {line}).",
                    c.value
                ));
            }
        }
    }
    out
}
