//! adding-foreign-key-constraint
//!
//! ## What it does
//! Checks that PostgreSQL foreign keys added to an existing table are added `NOT VALID`.
//!
//! ## Why it breaks consumers
//! Adding a validated foreign key scans the table while blocking writes to both tables it links.
//!
//! ## Example
//! `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);` (safe: `… NOT VALID;` then `VALIDATE CONSTRAINT`).

use super::{alter_messages, constraint_name, has_option, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Dialect;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, ColumnOption, TableConstraint};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "adding-foreign-key-constraint",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that PostgreSQL foreign keys added to an existing table are added `NOT VALID`.",
        why: "Adding a validated foreign key scans the table while blocking writes to both tables it links.",
    },
    check: Check::Statement(check),
};

fn check(cx: &Cx, stmt: &Stmt) -> Vec<String> {
    if cx.dialect != Dialect::Postgres {
        return Vec::new();
    }
    alter_messages(stmt, |table, op| match op {
        // A table the transaction created is seen by nobody else yet: nothing waits.
        _ if cx.created_in_transaction(table) => None,
        AlterTableOperation::AddConstraint { constraint: c @ TableConstraint::ForeignKey(_), not_valid: false } => {
            Some(format!("{} was added to table \"{table}\" without NOT VALID", constraint_name(c)))
        }
        AlterTableOperation::AddColumn { column_def: d, .. }
            if has_option(d, |o| matches!(o, ColumnOption::ForeignKey(_))) =>
        {
            Some(format!("Column \"{}\" was added to table \"{table}\" with a foreign key", d.name.value))
        }
        _ => None,
    })
}
