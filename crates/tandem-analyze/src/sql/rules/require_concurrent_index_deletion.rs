//! require-concurrent-index-deletion
//!
//! ## What it does
//! Checks that PostgreSQL indexes are dropped with `DROP INDEX CONCURRENTLY`.
//!
//! ## Why it breaks consumers
//! A plain `DROP INDEX` takes an `ACCESS EXCLUSIVE` lock on the table: consumers' reads and writes wait until it is done.
//!
//! ## Example
//! `DROP INDEX users_email_idx;` (safe: `DROP INDEX CONCURRENTLY users_email_idx;`).

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Dialect;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "require-concurrent-index-deletion",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that PostgreSQL indexes are dropped with `DROP INDEX CONCURRENTLY`.",
        why: "A plain `DROP INDEX` takes an `ACCESS EXCLUSIVE` lock on the table: consumers' reads and writes wait until it is done.",
    },
    check: Check::Statement(check),
};

fn check(cx: &Cx, stmt: &Stmt) -> Vec<String> {
    if cx.dialect != Dialect::Postgres || stmt.drop_concurrently {
        return Vec::new();
    }
    let Some((_, names)) = dropped(stmt, &[ObjectType::Index]) else {
        return Vec::new();
    };
    names
        .iter()
        .map(|n| format!("Index \"{}\" was dropped without CONCURRENTLY (statement at line {}).", name(n), stmt.line))
        .collect()
}
