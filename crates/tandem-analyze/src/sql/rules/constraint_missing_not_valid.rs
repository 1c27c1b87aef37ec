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

use super::{alter_messages, alter_table, constraint_ident, constraint_name, Check, Cx, Rule};
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
            if !matches!(c, TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_)) =>
        {
            Some(format!("{} was added to table \"{table}\" without NOT VALID", constraint_name(c)))
        }
        AlterTableOperation::ValidateConstraint { name } if added_not_valid_in_transaction(cx, stmt, &name.value) => {
            Some(format!(
                "Constraint \"{}\" of table \"{table}\" was validated in the transaction that added it NOT VALID",
                name.value
            ))
        }
        _ => None,
    })
}

/// Whether the explicit transaction `stmt` is in added constraint `name` `NOT VALID` before it
/// (on any table, as squawk matches it).
fn added_not_valid_in_transaction(cx: &Cx, stmt: &Stmt, name: &str) -> bool {
    let Some(before) = cx.transaction_before(stmt) else {
        return false;
    };
    before.iter().filter_map(alter_table).flat_map(|(_, ops)| ops).any(|op| {
        matches!(op, AlterTableOperation::AddConstraint { constraint, not_valid: true }
            if constraint_ident(constraint).is_some_and(|i| i.value == name))
    })
}
