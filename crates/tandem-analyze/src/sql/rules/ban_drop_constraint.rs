//! ban-drop-constraint
//!
//! ## What it does
//! Checks that a migration does not drop a constraint (MySQL: also `DROP FOREIGN KEY` and `DROP PRIMARY KEY`).
//!
//! ## Why it breaks consumers
//! Consumers rely on what the constraint guaranteed: uniqueness (`ON CONFLICT` fails without it), references, checks.
//!
//! ## Example
//! `ALTER TABLE users DROP CONSTRAINT users_email_key;`

use super::alter_table;
use super::{Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::AlterTableOperation;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-constraint",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a constraint (MySQL: also `DROP FOREIGN KEY` and `DROP PRIMARY KEY`).",
        why: "Consumers rely on what the constraint guaranteed: uniqueness (`ON CONFLICT` fails without it), references, checks.",
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
        match op {
            AlterTableOperation::DropConstraint { name, .. } | AlterTableOperation::DropForeignKey { name, .. } => {
                out.push(format!(
                    "Constraint \"{}\" was dropped from table \"{table}\" (statement at line {line}).",
                    name.value
                ));
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                out.push(format!("The primary key of table \"{table}\" was dropped (statement at line {line})."));
            }
            _ => {}
        }
    }
    out
}
