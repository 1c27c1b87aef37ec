//! changing-column-type
//!
//! ## What it does
//! Checks that a migration does not change a column's type (MySQL: `MODIFY`/`CHANGE COLUMN`, which restate it).
//!
//! ## Why it breaks consumers
//! Consumers read and write the column with the old type: values may no longer convert, and the table is rewritten under an exclusive lock.
//!
//! ## Example
//! `ALTER TABLE users ALTER COLUMN age TYPE bigint;`

use super::{alter_messages, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "changing-column-type",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not change a column's type (MySQL: `MODIFY`/`CHANGE COLUMN`, which restate it).",
        why: "Consumers read and write the column with the old type: values may no longer convert, and the table is rewritten under an exclusive lock.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::AlterColumn {
            column_name: c,
            op: AlterColumnOperation::SetDataType { data_type, .. },
        } => Some(format!("Column \"{}\" of table \"{table}\" had its type changed to {data_type}", c.value)),
        AlterTableOperation::ModifyColumn { col_name: c, data_type, .. }
        | AlterTableOperation::ChangeColumn { old_name: c, data_type, .. } => {
            Some(format!("Column \"{}\" of table \"{table}\" was redefined with type {data_type}", c.value))
        }
        _ => None,
    })
}
