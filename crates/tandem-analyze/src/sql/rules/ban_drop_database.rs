//! ban-drop-database
//!
//! ## What it does
//! Checks that a migration does not drop a database.
//!
//! ## Why it breaks consumers
//! Every consumer connected to the database loses all of its data and its connections fail.
//!
//! ## Example
//! `DROP DATABASE app;`

use super::{dropped, name, Check, Cx, Rule};
use crate::detect::RuleInfo;
use crate::sql::parse::Stmt;
use sqlparser::ast::ObjectType;
use tandem_model::Severity;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ban-drop-database",
        kind: "sql",
        severity: Severity::Breaking,
        summary: "Checks that a migration does not drop a database.",
        why: "Every consumer connected to the database loses all of its data and its connections fail.",
    },
    check: Check::Statement(check),
};

fn check(_: &Cx, stmt: &Stmt) -> Vec<String> {
    let Some((_, names)) = dropped(stmt, &[ObjectType::Database]) else {
        return Vec::new();
    };
    names.iter().map(|n| format!("Database \"{}\" was dropped (statement at line {}).", name(n), stmt.line)).collect()
}
