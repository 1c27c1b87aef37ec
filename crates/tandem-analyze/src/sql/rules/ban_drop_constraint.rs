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

use super::{alter_messages, Check, Cx, Rule};
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
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::DropConstraint { name, .. } | AlterTableOperation::DropForeignKey { name, .. } => {
            Some(format!("Constraint \"{}\" was dropped from table \"{table}\"", name.value))
        }
        AlterTableOperation::DropPrimaryKey { .. } => Some(format!("The primary key of table \"{table}\" was dropped")),
        _ => None,
    })
}
