//! constraint-missing-not-valid
//!
//! ## What it does
//! Checks that PostgreSQL constraints added to an existing table are added `NOT VALID` (or `USING INDEX`),
//! and validated (`VALIDATE CONSTRAINT`) in another transaction than the one that added them.
//!
//! ## Why it breaks consumers
//! Adding a validated constraint scans the whole table while blocking consumers' writes.
//!
//! ## Example
//! `ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);` (safe: `… NOT VALID;` then `VALIDATE CONSTRAINT`).

use super::{alter_messages, constraint_name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Dialect;
use crate::sql::parse::Stmt;
use sqlparser::ast::{AlterTableOperation, TableConstraint};
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "constraint-missing-not-valid",
        kind: "sql",
        severity: Severity::Warning,
        summary:
            "Checks that PostgreSQL constraints added to an existing table are added `NOT VALID` (or `USING INDEX`).",
        why: "Adding a validated constraint scans the whole table while blocking consumers' writes.",
    },
    check: Check::Statement(check),
};

fn check(cx: &Cx, stmt: &Stmt) -> Vec<String> {
    if cx.dialect != Dialect::Postgres {
        return Vec::new();
    }
    alter_messages(stmt, |table, op| match op {
        AlterTableOperation::AddConstraint { constraint: c, not_valid: false }
            if !matches!(c, TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_))
                && !cx.created_in_transaction(table) =>
        {
            Some(format!("{} was added to table \"{table}\" without NOT VALID", constraint_name(c)))
        }
        AlterTableOperation::ValidateConstraint { name } if cx.added_not_valid_in_transaction(&name.value) => {
            Some(format!(
                "Constraint \"{}\" of table \"{table}\" was validated in the transaction that added it NOT VALID",
                name.value
            ))
        }
        _ => None,
    })
}
