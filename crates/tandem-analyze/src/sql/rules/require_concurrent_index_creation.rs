//! require-concurrent-index-creation
//!
//! ## What it does
//! Checks that PostgreSQL indexes are built with `CREATE INDEX CONCURRENTLY`.
//!
//! ## Why it breaks consumers
//! A plain `CREATE INDEX` blocks every write to the table while the index is built: consumers' inserts and updates wait or time out.
//!
//! ## Example
//! `CREATE INDEX users_email_idx ON users (email);` (safe: `CREATE INDEX CONCURRENTLY …`).

use super::{name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Dialect;
use crate::sql::parse::Stmt;
use sqlparser::ast::Statement;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "require-concurrent-index-creation",
        kind: "sql",
        severity: Severity::Warning,
        summary: "Checks that PostgreSQL indexes are built with `CREATE INDEX CONCURRENTLY`.",
        why: "A plain `CREATE INDEX` blocks every write to the table while the index is built: consumers' inserts and updates wait or time out.",
    },
    check: Check::Statement(check),
};

fn check(cx: &Cx, stmt: &Stmt) -> Vec<String> {
    match &stmt.ast {
        Statement::CreateIndex(ci)
            if cx.dialect == Dialect::Postgres
                && !ci.concurrently
                && !cx.created_in_transaction(&name(&ci.table_name)) =>
        {
            let index = ci.name.as_ref().map(|n| format!("Index \"{}\"", name(n))).unwrap_or("An index".into());
            vec![format!(
                "{index} on table \"{}\" was created without CONCURRENTLY (statement at line {}).",
                name(&ci.table_name),
                stmt.line
            )]
        }
        _ => Vec::new(),
    }
}
