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

use super::{alter_table, constraint_name};
use super::{Check, Cx, Rule};
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
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    let line = stmt.line;
    let mut out = Vec::new();
    for op in ops {
        match op {
            AlterTableOperation::AddConstraint { constraint: c @ TableConstraint::ForeignKey(_), not_valid: false } => {
                let what = constraint_name(c);
                out.push(format!(
                    "{what} was added to table \"{table}\" without NOT VALID (statement at line {line})."
                ));
            }
            AlterTableOperation::AddColumn { column_def, .. }
                if column_def.options.iter().any(|o| matches!(o.option, ColumnOption::ForeignKey(_))) =>
            {
                out.push(format!(
                    "Column \"{}\" was added to table \"{table}\" with a foreign key (statement at line {line}).",
                    column_def.name.value
                ));
            }
            _ => {}
        }
    }
    out
}
