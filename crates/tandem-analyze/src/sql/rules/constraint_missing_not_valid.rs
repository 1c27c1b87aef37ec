//! constraint-missing-not-valid
//!
//! ## What it does
//! Checks that PostgreSQL constraints added to an existing table are added `NOT VALID` (or `USING INDEX`).
//!
//! ## Why it breaks consumers
//! Adding a validated constraint scans the whole table while blocking consumers' writes.
//!
//! ## Example
//! `ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);` (safe: `… NOT VALID;` then `VALIDATE CONSTRAINT`).

use super::{alter_table, constraint_name};
use super::{Check, Cx, Rule};
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
    let Some((table, ops)) = alter_table(stmt) else {
        return Vec::new();
    };
    let line = stmt.line;
    let mut out = Vec::new();
    for op in ops {
        match op {
            AlterTableOperation::AddConstraint { constraint, not_valid: false }
                if !matches!(
                    constraint,
                    TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_)
                ) =>
            {
                let what = constraint_name(constraint);
                out.push(format!(
                    "{what} was added to table \"{table}\" without NOT VALID (statement at line {line})."
                ));
            }
            _ => {}
        }
    }
    out
}
